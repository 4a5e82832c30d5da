"""Default blocklist zones and compromise rules, as data.

The zones are the well-known lists still operating (SORBS closed in 2024 and is left out).
Every one is seeded *disabled with a blank query suffix*: public mirrors refuse a hosting
provider's volume and any query through a public resolver (Spamhaus answers 127.255.255.254,
others just go silent or list everything), so an operator must configure the suffix — a
Spamhaus DQS key suffix, or the name a local rbldnsd mirror of a rsync'd zone serves — and
enable the zone. See docs/reputation.md.

The data is frozen here (not imported from application code) so this migration means the
same thing forever. Existing rows with the same name are left alone.
"""

from django.db import migrations

SPAMHAUS_ERRORS = {
    "127.255.255.252": "typing error in the DNSBL name",
    "127.255.255.254": "query via a public/open resolver, or no DQS key",
    "127.255.255.255": "excessive number of queries",
}

ZONES = [
    {
        "name": "zen.spamhaus.org",
        "lists": "ip",
        "codes": {
            "127.0.0.2": "SBL: Spamhaus SBL data (spam source or spam operation)",
            "127.0.0.3": "SBL CSS: Spamhaus CSS (low-reputation or compromised sender)",
            "127.0.0.4": "XBL: CBL data (infected or exploited host)",
            "127.0.0.5": "XBL: exploited host",
            "127.0.0.6": "XBL: exploited host",
            "127.0.0.7": "XBL: exploited host",
            "127.0.0.9": "SBL: DROP/EDROP data",
            "127.0.0.10": "PBL: ISP-maintained (end-user range, should not send direct mail)",
            "127.0.0.11": "PBL: Spamhaus-maintained (end-user range)",
        },
        "error_codes": SPAMHAUS_ERRORS,
        "attack_codes": ["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"],
        "delisting_url": "https://check.spamhaus.org/",
        "delisting_instructions": (
            "Look the address up at https://check.spamhaus.org/. SBL: the listing names the "
            "problem; fix it (stop the spam, terminate the spammer) and ask for removal from "
            "the provider's account. CSS/XBL: the host is compromised or sending from a bot: "
            "find and clean it first (the lookup shows the detection time and often the HELO "
            "used), then use the self-service removal. PBL: only the range owner (us) can "
            "change it, for addresses that legitimately run mail servers."
        ),
        "description": (
            "Spamhaus ZEN = SBL + CSS + XBL + PBL. The free public mirrors refuse queries "
            "from public resolvers and above a low volume (they answer 127.255.255.254/255, "
            "which are errors, never listings). Use a Data Query Service key "
            "(suffix KEY.zen.dq.spamhaus.net) or an rsync'd local mirror."
        ),
        "rate_per_second": 500,
    },
    {
        "name": "dbl.spamhaus.org",
        "lists": "domain",
        "codes": {
            "127.0.1.2": "spam domain",
            "127.0.1.4": "phishing domain",
            "127.0.1.5": "malware domain",
            "127.0.1.6": "botnet C&C domain",
            "127.0.1.102": "abused legitimate spam domain",
            "127.0.1.103": "abused spammed redirector domain",
            "127.0.1.104": "abused legitimate phishing domain",
            "127.0.1.105": "abused legitimate malware domain",
            "127.0.1.106": "abused legitimate botnet C&C domain",
        },
        "error_codes": {**SPAMHAUS_ERRORS, "127.0.1.255": "IP queries are not allowed on DBL"},
        "attack_codes": ["127.0.1.102", "127.0.1.103", "127.0.1.104", "127.0.1.105", "127.0.1.106"],
        "test_listed": "dbltest.com",
        "delisting_url": "https://check.spamhaus.org/",
        "delisting_instructions": (
            "Look the domain up at https://check.spamhaus.org/. The 'abused legitimate' "
            "codes mean a hacked site or a redirector on a good domain: clean the site (or "
            "close the redirector) first, then request removal there."
        ),
        "description": (
            "Spamhaus Domain Block List (domains seen in spam, phishing and malware). Same "
            "access rules as ZEN: DQS key suffix KEY.dbl.dq.spamhaus.net or a local mirror. "
            "Its RFC 5782 test domain is dbltest.com."
        ),
        "rate_per_second": 500,
    },
    {
        "name": "bl.spamcop.net",
        "lists": "ip",
        "codes": {"127.0.0.2": "listed: reported by SpamCop users or spam traps"},
        "delisting_url": "https://www.spamcop.net/bl.shtml",
        "delisting_instructions": (
            "SpamCop listings expire on their own about 24 hours after the last report; there "
            "is no removal request. Stop the mail that is being reported (see the SpamCop "
            "reports in the customer's tickets) and wait."
        ),
        "description": (
            "SpamCop Blocking List (Cisco). Short-lived listings driven by user reports and "
            "traps. Public queries are rate-limited; use an rsync mirror for sweeps."
        ),
        "rate_per_second": 100,
    },
    {
        "name": "b.barracudacentral.org",
        "lists": "ip",
        "codes": {"127.0.0.2": "listed: poor reputation at Barracuda"},
        "delisting_url": "https://www.barracudacentral.org/rbl/removal-request",
        "delisting_instructions": (
            "Fix the cause, then file the removal request at "
            "https://www.barracudacentral.org/rbl/removal-request (it asks for a contact "
            "e-mail and an explanation; removal usually takes 12-24 hours)."
        ),
        "description": (
            "Barracuda Reputation Block List. Queries are only answered for resolvers "
            "registered (free) at barracudacentral.org; unregistered servers get no answers."
        ),
        "rate_per_second": 100,
    },
    {
        "name": "dnsbl-1.uceprotect.net",
        "lists": "ip",
        "codes": {"127.0.0.2": "level 1: this address hit UCEPROTECT traps"},
        "delisting_url": "https://www.uceprotect.net/en/rblcheck.php",
        "delisting_instructions": (
            "Level 1 listings expire 7 days after the last trap hit; UCEPROTECT sells "
            "express delisting, which we do not buy. Stop the traffic and wait."
        ),
        "description": "UCEPROTECT level 1 (single addresses). Use an rsync mirror.",
        "rate_per_second": 100,
    },
    {
        "name": "dnsbl-2.uceprotect.net",
        "lists": "ip",
        "codes": {"127.0.0.2": "level 2: the surrounding allocation has too many level 1 hits"},
        "delisting_url": "https://www.uceprotect.net/en/rblcheck.php",
        "delisting_instructions": (
            "Level 2 lists whole allocations for their neighbours' level 1 listings: clean "
            "the level 1 listings in the range; it expires on its own."
        ),
        "description": (
            "UCEPROTECT level 2 (ranges). Collateral by design: never act against a customer "
            "on a level 2 listing alone."
        ),
        "rate_per_second": 100,
    },
    {
        "name": "dnsbl-3.uceprotect.net",
        "lists": "ip",
        "codes": {"127.0.0.2": "level 3: the whole ASN has too many level 1 hits"},
        "delisting_url": "https://www.uceprotect.net/en/rblcheck.php",
        "delisting_instructions": (
            "Level 3 lists our whole ASN. Clean the level 1 listings; it expires on its own."
        ),
        "description": (
            "UCEPROTECT level 3 (whole ASNs). Few receivers use it; informational only."
        ),
        "rate_per_second": 100,
    },
    {
        "name": "psbl.surriel.com",
        "lists": "ip",
        "codes": {"127.0.0.2": "listed: sent mail to PSBL spam traps"},
        "delisting_url": "https://psbl.org/",
        "delisting_instructions": (
            "Self-service removal at https://psbl.org/ (look the address up, then 'remove'); "
            "listings also expire when the trap hits stop."
        ),
        "description": "Passive Spam Block List (trap-driven). Offers rsync for mirrors.",
        "rate_per_second": 100,
    },
    {
        "name": "bl.mailspike.net",
        "lists": "ip",
        "codes": {"127.0.0.2": "listed: poor reputation at Mailspike"},
        "delisting_url": "https://mailspike.org/iplookup.html",
        "delisting_instructions": (
            "Look the address up at https://mailspike.org/iplookup.html and request "
            "removal after fixing the cause; reputation recovers as clean mail flows."
        ),
        "description": (
            "Mailspike blocklist. Free for low volume; sweeps need their data feed or a mirror."
        ),
        "rate_per_second": 100,
    },
]

RULES = [
    {
        "name": "Spam complaints from distinct reporters",
        "kind": "reporters",
        "threshold": 3.0,
        "window_minutes": 60,
        "params": {
            "types": ["spam"],
            # Reporter.Trust: 0 blocked, 1 unknown, 2 known, 3 trusted.
            "trust_weights": {"0": 0.0, "1": 0.5, "2": 1.0, "3": 1.5},
        },
        "description": (
            "Spam complaints about one address from distinct reporters within an hour, each "
            "weighted by the reporter's trust: six unknown senders, three known or two "
            "trusted ones fire it; a handful of made-up reporters cannot."
        ),
    },
    {
        "name": "Feedback-loop surge",
        "kind": "fbl_surge",
        "threshold": 20.0,
        "window_minutes": 60,
        "params": {},
        "description": "20 or more feedback-loop (ARF/JMRP) complaints for one address in an hour.",
    },
    {
        "name": "New listing on a compromised-host zone",
        "kind": "listing",
        "threshold": 1.0,
        "window_minutes": 1440,
        "params": {},
        "description": (
            "A listing first seen in the last day with one of its zone's attack codes "
            "(Spamhaus XBL/CSS, DBL 'abused legitimate')."
        ),
    },
]


def seed(apps, schema_editor):
    Zone = apps.get_model("customers", "BlocklistZone")
    Rule = apps.get_model("customers", "CompromiseRule")
    for data in ZONES:
        defaults = {k: v for k, v in data.items() if k != "name"}
        Zone.objects.get_or_create(name=data["name"], defaults={**defaults, "enabled": False})
    for data in RULES:
        defaults = {k: v for k, v in data.items() if k != "name"}
        Rule.objects.get_or_create(name=data["name"], defaults=defaults)


def unseed(apps, schema_editor):
    Zone = apps.get_model("customers", "BlocklistZone")
    Rule = apps.get_model("customers", "CompromiseRule")
    Zone.objects.filter(name__in=[z["name"] for z in ZONES], listings__isnull=True).delete()
    Rule.objects.filter(name__in=[r["name"] for r in RULES], marks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_reputation")]

    operations = [migrations.RunPython(seed, unseed)]
