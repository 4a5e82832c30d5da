"""The real samples in ../shared/corpus (dmarc/, feeds/, iodef/, shadowserver/, xarf/)
through the registry, against expectations written by hand in
``corpus_expectations_documents``."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints.parsers import registry

from .corpus_expectations_documents import EXPECTATIONS, Expect

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FOLDERS = ("dmarc", "feeds", "iodef", "shadowserver", "xarf")

if not CORPUS.is_dir():
    pytest.skip(f"sample corpus not found at {CORPUS}", allow_module_level=True)

SAMPLES = sorted(
    f"{folder}/{path.name}"
    for folder in FOLDERS
    if (CORPUS / folder).is_dir()
    for path in (CORPUS / folder).iterdir()
    if path.is_file()
)


def test_every_sample_has_an_expectation() -> None:
    assert sorted(set(SAMPLES) - set(EXPECTATIONS)) == []


@pytest.mark.parametrize("name", SAMPLES)
def test_corpus_document(name: str) -> None:
    expect: Expect = EXPECTATIONS[name]
    path = CORPUS / name
    result = registry.parse(path.read_bytes(), filename=path.name)

    assert result.format == expect.format
    assert result.kind == expect.kind
    assert result.is_complaint is (expect.kind == "complaint")
    events = result.events
    if expect.events is not None:
        assert len(events) == expect.events
    reported_ips = {e.ip for e in events if e.ip}
    if expect.ips is not None:
        assert reported_ips == expect.ips
    reported_urls = {e.url for e in events if e.url}
    assert expect.urls <= reported_urls
    if expect.types is not None:
        assert {e.type for e in events} == expect.types
    reported = reported_ips | reported_urls | {e.domain for e in events if e.domain}
    lowered = {r.lower() for r in reported}
    assert not {m.lower() for m in expect.must_not} & lowered
    for key, value in expect.data.items():
        assert result.data.get(key) == value, key
    if expect.policy_domain is not None:
        assert result.data["policy"]["domain"] == expect.policy_domain
    for event in events:
        assert event.ip or event.domain or event.url
        assert event.observed_at is None or event.observed_at.tzinfo is not None
