"""The weekly digest: one mail per lead and week through a real SMTP server, with the
dashboards' main tables as text, the automatic-mail headers, and nothing restricted;
idempotent when beat runs it twice; a refused address is recorded, a server that is down
leaves the digest for a retry."""

from __future__ import annotations

import pytest

from leads.digest import DigestDeferred, lead_digest_send, lead_digests_queue, week_of
from leads.models import LeadDigest
from leads.rollups import rollups_refresh_every
from tests.leads.support import NOW, days, hours, ticket
from tests.servers.smtp import closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(make_user):  # type: ignore[no-untyped-def]
    lead = make_user("lead-digest", "lead")
    lead.email = "lead@desk.example"
    lead.save()
    both = make_user("lead-legal", "lead", "legal")
    both.email = "both@desk.example"
    both.save()
    make_user("lead-no-mail", "lead")  # no address: no digest
    agent = make_user("agent-digest", "agent")
    agent.email = "agent@desk.example"
    agent.save()
    for n in range(3):
        ticket(age=days(n + 1), type="phishing", responded_after=hours(2))
    for n in range(5):
        ticket(age=days(n + 1), kind="legal")
    rollups_refresh_every(now=NOW)
    return {"lead": lead, "both": both}


def test_each_lead_gets_one_digest_a_week(desk, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        queued = lead_digests_queue(today=NOW.date())
    assert len(queued) == 2 and len(callbacks) == 1  # sending is queued after the commit
    for digest_id in queued:
        assert lead_digest_send(digest_id=digest_id) == "sent"
    received = smtp_server.wait_for(2)
    by_rcpt = {m.rcpt_tos[0]: m.message for m in received}
    assert set(by_rcpt) == {"lead@desk.example", "both@desk.example"}
    mail = by_rcpt["lead@desk.example"]
    assert mail["Subject"] == f"Example Hosting Trust & Safety: the week to {NOW.date():%Y-%m-%d}"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["X-Loop"] == "desk.example"
    body = mail.get_content()
    assert "== Service levels ==" in body and "== Backlog ==" in body and "/leads/" in body
    assert "Abuse" in body and "2.0 h" in body  # three phishing tickets answered in 2 hours
    for text in (body, by_rcpt["both@desk.example"].get_content()):
        assert "Legal request" not in text  # not even for the lead who is in legal
    # beat runs again the same week: nothing new, nothing sent twice
    assert lead_digests_queue(today=NOW.date() + days(2)) == []
    assert LeadDigest.objects.filter(week_start=week_of(NOW.date())).count() == 2
    assert lead_digest_send(digest_id=queued[0]) == "sent"
    assert len(smtp_server.messages) == 2


def test_a_refused_address_fails_and_a_server_down_defers(desk, smtp_server, settings):
    queued = lead_digests_queue(today=NOW.date())
    smtp_server.refuse_rcpt = "550 5.1.1 <lead@desk.example>: user unknown"
    assert lead_digest_send(digest_id=queued[0]) == "failed"
    failed = LeadDigest.objects.get(pk=queued[0])
    assert failed.status == "failed" and "user unknown" in failed.error
    settings.EMAIL_PORT = closed_port()
    with pytest.raises(DigestDeferred):
        lead_digest_send(digest_id=queued[1])
    waiting = LeadDigest.objects.get(pk=queued[1])
    assert waiting.status == "queued" and waiting.attempts == 1
    # the next run of the week queues it again, and it goes once the server is back
    assert lead_digests_queue(today=NOW.date()) == [queued[1]]
    settings.EMAIL_PORT = smtp_server.port
    smtp_server.refuse_rcpt = None
    assert lead_digest_send(digest_id=queued[1]) == "sent"
