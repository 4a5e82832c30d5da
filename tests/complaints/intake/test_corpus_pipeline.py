"""Every file of ../shared/corpus through ``manage.py ingest --json``: the whole pipeline
(receive, parse, attribute, aggregate) against the expectations written by hand when the
parsers were built (tests/parsers/corpus_expectations_*.py) — formats, the resources that
must be reported, and the ones that must never be (relays, recipients, masked addresses).

The corpus addresses are not ours, so this checks extraction and filing end to end; the
samples' IPs are then allocated to a customer to show they open tickets."""

from __future__ import annotations

import io
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from complaints.models import Report, Ticket
from tests.factories import AllocationFactory, CustomerFactory
from tests.parsers.corpus_expectations_documents import EXPECTATIONS as DOCUMENTS
from tests.parsers.corpus_expectations_mail import EXPECTATIONS as MAIL
from tests.parsers.test_corpus_mail import _names

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
if not CORPUS.is_dir():
    pytest.skip(f"shared corpus not found at {CORPUS}", allow_module_level=True)

# The expectation tables mark unreadable complaints; the pipeline quarantines them.
QUARANTINED = {
    "copyright/cerberus__acns.eml": "no-indicators",  # the notice's IP is malformed
    "freetext/cerberus__samples_sample9.eml": "no-indicators",  # no indicator in the text
    "feeds/intelmq__drop.txt": "no-indicators",  # DROP lists networks only, no addresses
}


def ingest(paths: list[Path]) -> dict[str, dict]:
    out = io.StringIO()
    call_command("ingest", "--json", *[str(p) for p in paths], stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return {str(Path(line["path"]).relative_to(CORPUS)): line for line in lines}


def expected_format(name: str) -> str:
    if name in MAIL:
        return MAIL[name]["format"]
    return DOCUMENTS[name].format


def reported(line: dict) -> set[str]:
    return {
        value
        for event in line["events"]
        for value in (event["ip"], event["domain"], event["url"])
        if value
    }


@pytest.mark.django_db(transaction=True)
def test_every_corpus_file_is_filed_or_quarantined_as_expected() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    results = ingest(files)
    assert sorted(results) == sorted(str(p.relative_to(CORPUS)) for p in files)
    problems = []
    with_events = 0
    for name, line in results.items():
        if name in QUARANTINED:
            if (line["status"], line.get("reason")) != ("quarantined", QUARANTINED[name]):
                problems.append(f"{name}: {line['status']} {line.get('reason')}")
            continue
        if line["status"] != "filed":
            problems.append(f"{name}: {line['status']} {line.get('reason')}")
            continue
        if line["format"] != expected_format(name):
            problems.append(f"{name}: format {line['format']} != {expected_format(name)}")
        got = reported(line)
        with_events += bool(line["events"])
        if name in MAIL:
            spec = MAIL[name]
            for field, key in (("ips", "ip"), ("domains", "domain"), ("urls", "url")):
                if spec[field] is not None:
                    values = {e[key] for e in line["events"] if e[key]}
                    if values - spec.get("extra_ok", set()) != spec[field]:
                        problems.append(
                            f"{name}: {field} {sorted(values)} != {sorted(spec[field])}"
                        )
            forbidden = spec["never"]
            clash = [v for v in forbidden for item in got if _names(item, v)]
        else:
            spec = DOCUMENTS[name]
            if spec.ips is not None and {e["ip"] for e in line["events"] if e["ip"]} != spec.ips:
                problems.append(f"{name}: ips differ")
            if spec.kind != "complaint" and line["events"]:
                problems.append(f"{name}: a {spec.kind} report produced events")
            clash = sorted({m.lower() for m in spec.must_not} & {item.lower() for item in got})
        problems.extend(
            f"{name}: reported {value!r}, which must never be reported" for value in clash
        )
    assert not problems, "\n".join(problems)
    # Recorded in the closing note: how many corpus files parse into events.
    print(f"corpus: {len(results)} files, {with_events} with events")
    assert with_events >= 100


@pytest.mark.django_db(transaction=True)
def test_corpus_reports_about_our_space_open_tickets() -> None:
    # The AbuseIO feedback-loop samples name 10.17.18.0/24: pretend it is our customer's.
    customer = CustomerFactory(external_id="CORPUS")
    AllocationFactory(
        network=ipaddress.ip_network("10.17.18.0/24"),
        customer=customer,
        valid_from=datetime(2000, 1, 1, tzinfo=UTC),
    )
    results = ingest(sorted((CORPUS / "arf").glob("abuseio__*_example_*.eml")))
    assert {
        name: line["customers"] for name, line in results.items() if line["customers"] != ["CORPUS"]
    } == {}
    assert Ticket.objects.filter(customer=customer, type="spam").count() == len(
        {e["ip"] for line in results.values() for e in line["events"]}
    )
    assert Report.objects.filter(status="filed", not_our_network=False).count() == len(results)
