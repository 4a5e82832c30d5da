"""Only our own MX's Authentication-Results count, and only for the From we read."""

from __future__ import annotations

from complaints.mail_auth import sender_authenticated

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
