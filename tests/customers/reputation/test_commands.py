"""The stable command-line interfaces (docs/architecture.md): ``dnsbl_sweep`` and ``check_domain``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import BlocklistZone, DomainCheck, Listing
from tests.customers.dns.data import GOOD_MX_IP

pytestmark = pytest.mark.django_db


def _lines(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_dnsbl_sweep_json_has_one_line_per_zone_then_per_listing(zones, network) -> None:
    lines = _lines("dnsbl_sweep", "--json")
    zone_lines = [line for line in lines if set(line) == {"zone", "healthy", "reason"}]
    assert {line["zone"]: line["healthy"] for line in zone_lines} == {
        "bl.rep.test": True,
        "dbl.rep.test": True,
        "all.rep.test": False,
        "err.rep.test": False,
    }
    assert next(z for z in zone_lines if z["zone"] == "all.rep.test")["reason"].startswith(
        "lists-everything"
    )
    listing_lines = lines[len(zone_lines) :]
    assert all({"ip", "zone", "code", "state"} <= set(line) for line in listing_lines)
    ips = {
        (line["ip"], line["zone"], line["code"], line["state"])
        for line in listing_lines
        if line["ip"]
    }
    assert ips == {
        ("192.0.2.10", "bl.rep.test", "127.0.0.4", "new"),
        ("192.0.2.11", "bl.rep.test", "127.0.0.2", "new"),
        ("192.0.2.20", "bl.rep.test", "127.0.0.2", "new"),
    }
    [domain] = [line for line in listing_lines if not line["ip"]]
    assert domain["domain"] == "spam-site.example" and domain["code"] == "127.0.1.2"
    # Second run: the same listings, now active.
    again = _lines("dnsbl_sweep", "--json")
    assert {line["state"] for line in again if "state" in line} == {"active"}


def test_dnsbl_sweep_named_zone_and_nameserver_override(network, blocklists) -> None:
    """A zone not in the registry is a plain IP blocklist; --nameserver points every zone."""
    lines = _lines(
        "dnsbl_sweep", "--zone", "bl.rep.test", "--nameserver", blocklists.nameserver, "--json"
    )
    assert lines[0] == {"zone": "bl.rep.test", "healthy": True, "reason": "ok"}
    assert {line["ip"] for line in lines[1:]} == {"192.0.2.10", "192.0.2.11", "192.0.2.20"}
    zone = BlocklistZone.objects.get(name="bl.rep.test")
    assert zone.enabled is False  # recorded ad hoc, never swept by beat until configured
    assert Listing.objects.filter(zone=zone).count() == 3


def test_dnsbl_sweep_refuses_a_bad_nameserver(network) -> None:
    with pytest.raises(CommandError, match="nameserver"):
        call_command("dnsbl_sweep", "--zone", "x.test", "--nameserver", "dns.example:53")


def test_dnsbl_sweep_without_zones_says_so(network) -> None:
    with pytest.raises(CommandError, match="no blocklist zone"):
        call_command("dnsbl_sweep")


def test_check_domain_json_shape_and_stored_check(authoritative_server, network) -> None:
    [report] = _lines(
        "check_domain", "good.doctor.test", "--ip", GOOD_MX_IP, "--dkim-selector", "selector1",
        "--nameserver", authoritative_server.nameserver, "--json",
    )  # fmt: skip
    assert set(report) == {"domain", "ip", "findings"}
    assert report["domain"] == "good.doctor.test" and report["ip"] == GOOD_MX_IP
    checks = {f["check"] for f in report["findings"]}
    assert {"mx", "a", "spf", "dkim", "dmarc", "ptr", "fcrdns"} <= checks
    for finding in report["findings"]:
        assert set(finding) == {"check", "severity", "message", "fix"}
        assert finding["severity"] in {"ok", "info", "warning", "error"}
    assert {f["severity"] for f in report["findings"]} <= {"ok", "info"}
    stored = DomainCheck.objects.get()
    assert stored.domain == "good.doctor.test" and stored.status == "done"
    assert stored.selectors == ["selector1"] and stored.findings == report["findings"]
    assert stored.worst_severity in {"ok", "info"}


def test_check_domain_explains_broken_domains(authoritative_server, network) -> None:
    [report] = _lines(
        "check_domain",
        "twospf.doctor.test",
        "--nameserver",
        authoritative_server.nameserver,
        "--json",
    )
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert any(f["check"] == "spf" and f["fix"] for f in errors)
    assert DomainCheck.objects.get().worst_severity == "error"


def test_check_domain_with_blocklist_zone_reports_listing(
    authoritative_server, zones, network
) -> None:
    [report] = _lines(
        "check_domain", "good.doctor.test", "--ip", "192.0.2.10",
        "--nameserver", authoritative_server.nameserver, "--json",
    )  # fmt: skip
    blocklist = [f for f in report["findings"] if f["check"] == "blocklist"]
    assert any(f["severity"] == "error" and "bl.rep.test" in f["message"] for f in blocklist)
    # The unhealthy zones say "could not be checked", never "listed".
    assert not any(f["severity"] == "error" and "all.rep.test" in f["message"] for f in blocklist)
