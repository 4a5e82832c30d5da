"""Loading our own report fixtures (tests/fixtures/reports/<format>/)."""

from __future__ import annotations

from pathlib import Path

from complaints.parsers import registry
from complaints.parsers.base import ParseResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str) -> ParseResult:
    return registry.parse(raw(name), filename=Path(name).name)


def values(result: ParseResult, attr: str) -> set:
    return {getattr(e, attr) for e in result.events if getattr(e, attr)}
