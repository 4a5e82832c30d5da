"""The answer parser against arbitrary bytes: it returns or raises WireError, nothing else."""

from __future__ import annotations

import ipaddress

import dns.message
import dns.rrset
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.dns.wire import (
    QTYPE_A,
    Answer,
    MalformedAnswer,
    Mismatch,
    WireError,
    build_query,
    ip_prefix,
    parse_answer,
    question_bytes,
    zone_suffix,
)

QUESTION = question_bytes(
    ip_prefix(ipaddress.ip_address("192.0.2.1")), zone_suffix("bl.test"), QTYPE_A
)
QUERY = build_query(0x1234, QUESTION)


def _parse(data: bytes) -> Answer | None:
    try:
        return parse_answer(data, QUESTION)
    except WireError:
        return None


@settings(max_examples=3000)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(data):
    _parse(data)


@settings(max_examples=3000)
@given(
    flags=st.binary(min_size=2, max_size=2),
    counts=st.binary(min_size=8, max_size=8),
    body=st.binary(max_size=400),
)
def test_valid_looking_header_and_question_with_random_body(flags, counts, body):
    data = (
        QUERY[:2] + bytes([flags[0] | 0x80, flags[1]]) + b"\x00\x01" + counts[2:] + QUESTION + body
    )
    result = _parse(data)
    if result is not None:
        assert all(a.count(".") == 3 for a in result.addresses)


def test_real_answer_parses():
    query = dns.message.from_wire(QUERY)
    response = dns.message.make_response(query)
    name = query.question[0].name
    response.answer.append(dns.rrset.from_text(name, 60, "IN", "A", "127.0.0.2", "127.0.0.4"))
    response.answer.append(dns.rrset.from_text(name, 60, "IN", "TXT", '"listed" " here"'))
    answer = parse_answer(response.to_wire(), QUESTION)
    assert (answer.rcode, answer.truncated, answer.texts) == (0, False, ("listed here",))
    assert sorted(answer.addresses) == ["127.0.0.2", "127.0.0.4"]


def test_question_case_is_ignored_but_a_different_question_is_dropped():
    upper = QUERY[:2] + b"\x81\x83" + QUERY[4:12] + QUESTION[:-4].upper() + QUESTION[-4:]
    assert parse_answer(upper, QUESTION).rcode == 3
    other = question_bytes(
        ip_prefix(ipaddress.ip_address("192.0.2.2")), zone_suffix("bl.test"), QTYPE_A
    )
    try:
        parse_answer(QUERY[:2] + b"\x81\x83" + QUERY[4:12] + other, QUESTION)
    except Mismatch:
        pass
    else:
        raise AssertionError("a different question must not match")


def test_record_running_past_the_end_is_malformed():
    data = (
        QUERY[:2]
        + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"
        + QUESTION
        + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f"
    )
    try:
        parse_answer(data, QUESTION)
    except MalformedAnswer:
        pass
    else:
        raise AssertionError("cut-off RDATA must be malformed")
