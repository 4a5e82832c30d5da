"""Only our own MX's Authentication-Results count, and only for the From we read."""

from __future__ import annotations

import pytest

from complaints.intake.mail_auth import auth_results_parse, document_sender, sender_authenticated
from complaints.parsers.mime import Document, load

OURS = ["mx.desk.example"]


def test_dmarc_pass_from_our_mx_for_the_same_domain_authenticates() -> None:
    header = "mx.desk.example; dmarc=pass header.from=reporter.example.org"
    assert sender_authenticated([header], "soc@reporter.example.org", OURS)


def test_a_pass_stamped_by_someone_else_proves_nothing() -> None:
    header = "mx.attacker.example; dmarc=pass header.from=reporter.example.org"
    assert not sender_authenticated([header], "soc@reporter.example.org", OURS)


def test_a_pass_for_another_from_domain_does_not_count() -> None:
    header = "mx.desk.example; dmarc=pass header.from=attacker.example"
    assert not sender_authenticated([header], "soc@reporter.example.org", OURS)


def test_aligned_dkim_pass_authenticates_and_unaligned_does_not() -> None:
    aligned = "mx.desk.example; dkim=pass header.d=reporter.example.org; dmarc=none"
    other = "mx.desk.example; dkim=pass header.d=bulkmailer.example; dmarc=none"
    assert sender_authenticated([aligned], "soc@mail.reporter.example.org", OURS)
    assert not sender_authenticated([other], "soc@reporter.example.org", OURS)


def test_only_the_topmost_header_of_our_mx_is_read() -> None:
    forged_below = ["mx.desk.example; dmarc=fail header.from=reporter.example.org",
                    "mx.desk.example; dmarc=pass header.from=reporter.example.org"]  # fmt: skip
    assert not sender_authenticated(forged_below, "soc@reporter.example.org", OURS)


def test_a_trusted_looking_header_below_someone_elses_is_not_believed() -> None:
    """Our MX writes the topmost field; when the topmost is not ours (a relay, or a secondary
    MX outside the list), a field with our id further down was written by the sender."""
    headers = ["mx2.relay.example; spf=softfail smtp.mailfrom=reporter.example.org",
               "mx.desk.example; dmarc=pass header.from=reporter.example.org"]  # fmt: skip
    assert not sender_authenticated(headers, "soc@reporter.example.org", OURS)


@pytest.mark.parametrize(
    "header",
    [
        # a quoted envelope sender the attacker chose, copied into our MX's field
        'mx.desk.example; spf=pass smtp.mailfrom="x;dmarc=pass header.from=reporter.example.org"@attacker.example',
        # a comment carrying the attacker's words
        "mx.desk.example; spf=fail smtp.mailfrom=attacker.example (sender says; dmarc=pass header.from=reporter.example.org)",
        # dkim=pass of another domain, with the From domain in a reason string
        'mx.desk.example; dkim=pass reason="header.d=reporter.example.org" header.d=attacker.example',
    ],
    ids=["quoted-envelope-sender", "comment", "reason-string"],
)
def test_a_pass_smuggled_into_our_own_header_is_not_believed(header: str) -> None:
    assert not sender_authenticated([header], "soc@reporter.example.org", OURS)


def test_a_dmarc_pass_that_does_not_say_for_which_from_proves_nothing() -> None:
    assert not sender_authenticated(
        ["mx.desk.example; dmarc=pass"], "soc@reporter.example.org", OURS
    )


def test_blanks_comments_and_versions_in_our_header_are_read_as_rfc_8601_allows() -> None:
    header = ("mx.desk.example 1; spf = pass (sender is authorised) smtp.mailfrom=reporter.example.org;\r\n"
              "\tdkim/1 = pass (2048-bit key; unprotected) header.d=reporter.example.org header.b=Ab/c+De1=")  # fmt: skip
    assert sender_authenticated([header], "soc@reporter.example.org", OURS)
    authserv_id, results = auth_results_parse(header)
    assert authserv_id == "mx.desk.example"
    assert [(r.method, r.result) for r in results] == [("spf", "pass"), ("dkim", "pass")]
    assert results[1].properties["header.b"] == "Ab/c+De1="


def mail_doc(head: str) -> Document:
    raw = (
        head + "To: abuse@desk.example\r\nSubject: Spam from 192.0.2.67\r\n\r\nSpam.\r\n"
    ).encode()
    return load(raw)


def test_two_from_addresses_get_no_authentication(settings) -> None:
    settings.TRUSTED_AUTHSERV_IDS = OURS
    ours = (
        "Authentication-Results: mx.desk.example; dmarc=pass header.from=reporter.example.org\r\n"
    )
    sender, authenticated = document_sender(mail_doc(ours + "From: soc@reporter.example.org\r\n"))
    assert (sender, authenticated) == ("soc@reporter.example.org", True)
    for froms in (
        "From: soc@reporter.example.org\r\nFrom: ceo@victim.example\r\n",
        "From: soc@reporter.example.org, ceo@victim.example\r\n",
    ):
        assert document_sender(mail_doc(ours + froms))[1] is False


def test_encoded_words_in_our_header_are_not_decoded_into_results(settings) -> None:
    """RFC 2047 applies to unstructured text, not to this field: decoding it would turn the
    sender's encoded word into a result separator."""
    settings.TRUSTED_AUTHSERV_IDS = OURS
    head = ("Authentication-Results: mx.desk.example; spf=pass smtp.helo=\r\n"
            " =?utf-8?q?x=3B_dmarc=3Dpass_header=2Efrom=3Dreporter=2Eexample=2Eorg?=\r\n"
            "From: soc@reporter.example.org\r\n")  # fmt: skip
    assert document_sender(mail_doc(head))[1] is False
