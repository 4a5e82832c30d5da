"""Property: any bytes parse to a ParseResult or a ParseError, never another exception."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.parsers import registry
from complaints.parsers.base import ParseError, ParseResult

_HEADERS = st.sampled_from(
    [
        b"From: a@example.net\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n",
        b"Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Subject: =?x-bad?Q?=FF=0D=0A?=\r\n",
        b"--x\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Type: message/feedback-report\r\n",
        b"Content-Type: application/zip\r\n",
        b"\r\n",
        b"Source-IP: 192.0.2.1\r\n",
        b"<Infringement><Source><IP_Address>1.2.3.4</IP_Address></Source></Infringement>",
    ]
)
_MAILISH = st.lists(st.one_of(_HEADERS, st.binary(max_size=40)), max_size=25).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), _MAILISH))
def test_any_bytes_give_result_or_parse_error(raw: bytes):
    try:
        result = registry.parse(raw)
    except ParseError:
        return
    assert isinstance(result, ParseResult)
