"""What a campaign notice says: the default template, the variables a template may use,
and the plain values it is rendered from (``complaints.mediation.templating``: the same
restricted engine, plain context and text/plain output as every stored template).

The evidence is inline: each host with its port, when the feed last saw it and the
feed's own row about it, redacted like every notice (``redact_for_customer``, keeping the
customer's own addresses); then the fix steps, the guidance article and the signed link.
"""

from __future__ import annotations

from django.conf import settings

from campaigns.models import Campaign, CampaignNotice, NoticeHost
from complaints import classification
from complaints.mediation.guidance import guidance_as_text
from complaints.mediation.notices import customer_keep_set
from complaints.mediation.redaction import redact_for_customer
from complaints.mediation.templating import Rendered, template_render

MAX_HOSTS = 50

DEFAULT_SUBJECT = (
    "[{{ provider_name }}] {{ campaign_title }}: {{ host_count }} host{{ host_count|pluralize }} "
    "of yours need{{ host_count|pluralize:'s,' }} attention{% if notice_number > 1 %} "
    "(reminder {{ notice_number|add:'-1' }}){% endif %}"
)
DEFAULT_BODY = """Dear {{ customer_name }},

{% if notice_number > 1 %}We wrote to you about this on {{ first_notice_at }}; the hosts below were still
reported since. {% endif %}A daily scan of the Internet ({{ feed }}) shows that the following
host{{ host_count|pluralize }} on your services {{ host_count|pluralize:"is,are" }} exposed: {{ type_label }}{% if cve %}, {{ cve }}{% endif %}{% if severity %} (severity {{ severity }} and above){% endif %}.

{% for host in hosts %}- {{ host.ip }}{% if host.port %} port {{ host.port }}{% endif %}, last seen {{ host.last_seen }}
  {{ host.evidence }}
{% endfor %}{% if more_hosts %}... and {{ more_hosts }} more (all of them on the page below).
{% endif %}
What to do:

{{ fix_steps }}
{% if guidance %}
{{ guidance }}{% endif %}
Please confirm that you have seen this, and tell us when it is fixed:
{{ self_service_url }}

We check the scan results every day: once the hosts are absent from several daily
reports in a row, we consider the matter fixed and will not write again about it.

{{ provider_name }} Abuse Desk
{{ desk_address }}
"""

VARIABLES: dict[str, str] = {
    "provider_name": "Our company name",
    "desk_address": "The abuse desk's address",
    "customer_name": "The customer's name",
    "campaign_title": "The campaign's name",
    "feed": "The feed and report type, e.g. Shadowserver scan_rdp",
    "type_label": "Classification in words, e.g. Vulnerable service",
    "cve": "The CVE, if the campaign names one",
    "severity": "The lowest severity the campaign reports",
    "hosts": "The customer's hosts (at most 50): ip, port, first_seen, last_seen, evidence",
    "host_count": "How many hosts",
    "more_hosts": "How many hosts are not in the list",
    "fix_steps": "The campaign's fix steps",
    "guidance": "The guidance article, as text",
    "self_service_url": "The signed link to acknowledge and report the fix",
    "notice_number": "1 for the first notice, 2 for the first re-notice, ...",
    "first_notice_at": "When the first notice was queued (UTC)",
}


def notice_hosts(notice: CampaignNotice, *, limit: int = MAX_HOSTS) -> list[NoticeHost]:
    return list(NoticeHost.objects.filter(notice=notice).order_by("-last_seen_at", "ip")[:limit])


def notice_context(
    campaign: Campaign, notice: CampaignNotice, *, number: int, url: str
) -> dict[str, object]:
    keep = customer_keep_set(notice.customer)
    hosts = notice_hosts(notice)
    return {
        "provider_name": settings.PROVIDER_NAME,
        "desk_address": settings.DESK_FROM_ADDRESS,
        "customer_name": notice.customer.name,
        "campaign_title": campaign.name,
        "feed": f"Shadowserver {campaign.feed_family}",
        "type_label": classification.type_label(campaign.type),
        "cve": campaign.cve,
        "severity": campaign.min_severity,
        "hosts": [
            {
                "ip": h.ip,
                "port": h.port or "",
                "first_seen": h.first_seen_at,
                "last_seen": h.last_seen_at,
                "evidence": redact_for_customer(h.evidence, keep=keep),
            }
            for h in hosts
        ],
        "host_count": notice.host_count,
        "more_hosts": max(0, notice.host_count - len(hosts)),
        "fix_steps": campaign.fix_steps,
        "guidance": guidance_as_text(campaign.guidance) if campaign.guidance else "",
        "self_service_url": url,
        "notice_number": number,
        "first_notice_at": notice.queued_at or "",
    }


def notice_render(campaign: Campaign, notice: CampaignNotice, *, number: int, url: str) -> Rendered:
    return template_render(
        subject=campaign.subject_template,
        body=campaign.body_template,
        context=notice_context(campaign, notice, number=number, url=url),
    )
