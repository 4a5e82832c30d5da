import importlib

import pytest

from complaints.parsers import registry
from complaints.parsers.base import ParseError, ParseResult


def test_every_registered_parser_module_exists():
    for name in registry.PARSER_MODULES:
        module = importlib.import_module(f"complaints.parsers.{name}")
        assert module.PARSER.name == name
        assert callable(module.PARSER.detect) and callable(module.PARSER.parse)
    assert registry.parser_names() == registry.PARSER_MODULES


def test_parser_crash_becomes_named_parse_error(monkeypatch):
    class Broken:
        name = "broken"

        def detect(self, doc):
            return True

        def parse(self, doc):
            raise KeyError("boom")

    monkeypatch.setattr(registry, "parsers", lambda: (Broken(),))
    with pytest.raises(ParseError) as info:
        registry.parse(b"From: a@example.net\r\nSubject: x\r\n\r\nhello")
    assert info.value.reason == "parser-crash"
    assert info.value.detail == "broken: KeyError"


def test_non_complaint_without_indicators_is_still_a_result():
    result = registry.parse(b"From: a@example.net\r\nSubject: hello\r\n\r\nhow are you?")
    assert isinstance(result, ParseResult)
    assert (result.format, result.events) == ("freetext", [])


def test_sender_alone_does_not_choose_the_parser():
    raw = b"From: 1@reports.spamcop.net\r\nSubject: hello\r\n\r\nnothing here"
    assert registry.parse(raw).format == "freetext"
