"""Every mail sample in the shared corpus folders owned by the mail parsers parses to the
hand-written expectations in ``corpus_expectations_mail`` (including what must *not* be
reported). The corpus is read in place; nothing is copied into the repository."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from complaints.parsers import registry
from complaints.parsers.indicators import url_host
from complaints.parsers.util import normalize_ip

from .corpus_expectations_mail import EXPECTATIONS

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FOLDERS = ("arf", "copyright", "freetext", "jmrp", "other", "spamcop")

if not CORPUS.is_dir():
    pytest.skip(f"shared corpus not found at {CORPUS}", allow_module_level=True)

SAMPLES = sorted(
    f"{folder}/{path.name}"
    for folder in FOLDERS
    for path in (CORPUS / folder).iterdir()
    if path.is_file()
)


def _owner_missing(fmt: str) -> bool:
    return importlib.util.find_spec(f"complaints.parsers.{fmt}") is None


def test_every_sample_has_an_expectation():
    assert sorted(EXPECTATIONS) == SAMPLES


@pytest.mark.parametrize("name", SAMPLES)
def test_corpus_sample(name: str):
    expected = EXPECTATIONS[name]
    if _owner_missing(expected["format"]):
        pytest.xfail(f"parser module {expected['format']} not written yet")
    result = registry.parse((CORPUS / name).read_bytes(), filename=Path(name).name)

    assert result.format == expected["format"]
    assert result.is_complaint == expected.get("complaint", True)
    extra_ok = expected.get("extra_ok", set())
    for field in ("ips", "domains", "urls"):
        want = expected[field]
        if want is None:
            continue
        attr = field[:-1]
        got = {getattr(e, attr) for e in result.events if getattr(e, attr)}
        assert got - extra_ok == want, field
    if expected["types"] is not None:
        assert {e.type for e in result.events} == expected["types"]
    reported = [v for e in result.events for v in (e.ip, e.domain, e.url) if v]
    for forbidden in expected["never"]:
        assert not [v for v in reported if _names(v, forbidden)], forbidden


def _names(value: str, forbidden: str) -> bool:
    """Whether a reported value names ``forbidden``: an address exactly (also as a URL
    host), an address prefix ending in "." by prefix, anything else as a substring."""
    if normalize_ip(forbidden):
        return value == forbidden or url_host(value) == forbidden
    if forbidden[-1:] == "." and forbidden[:1].isdigit():
        return value.startswith(forbidden) or url_host(value).startswith(forbidden)
    return forbidden in value
