"""SMTP TLS reports (RFC 8460): summaries only."""

from __future__ import annotations

from complaints.parsers import tlsrpt
from complaints.parsers.mime import load

from ._fixtures import fill_template, fixture_bytes, fixture_doc, gzipped


def _check(result) -> None:  # type: ignore[no-untyped-def]
    assert result.is_complaint is False and result.kind == "tls-report"
    assert result.events == []
    assert result.data["org"] == "Company-X"
    assert result.data["successful"] == 5326 and result.data["failed"] == 303
    [policy] = result.data["policies"]
    assert policy["policy_domain"] == "hosting.example.com"
    assert [d["result-type"] for d in policy["failure_details"]] == [
        "certificate-expired",
        "starttls-not-supported",
        "validation-failure",
    ]


def test_bare_json() -> None:
    _check(tlsrpt.PARSER.parse(fixture_doc("tlsrpt/rfc8460_example.json")))


def test_gzip_attachment() -> None:
    raw = fill_template(
        "tlsrpt/gzip_attachment.eml.tmpl",
        "{GZIP_BASE64}",
        gzipped(fixture_bytes("tlsrpt/rfc8460_example.json")),
    )
    doc = load(raw)
    assert tlsrpt.PARSER.detect(doc)
    _check(tlsrpt.PARSER.parse(doc))


def test_other_json_is_not_a_tls_report() -> None:
    assert not tlsrpt.PARSER.detect(load(b'{"policies": 3, "x": 1}', filename="a.json"))
