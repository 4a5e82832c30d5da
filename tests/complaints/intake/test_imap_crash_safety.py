"""Promises 1-3 on the IMAP channel: the server forgets a message only after its raw report
is committed; a crash on either side of the commit loses nothing and files nothing twice;
a poison message is stored and quarantined while the rest of its batch is filed."""

from __future__ import annotations

import threading

import pytest

from complaints.intake import imap
from complaints.intake.filing.pipeline import reports_process
from complaints.intake.imap import mailbox_poll
from complaints.models import Mailbox, Receipt, Report
from tests.complaints.intake.imap_support import complaint, make_mailbox, seen, sha256


class Crash(Exception):
    """Stands in for the process dying at that point."""


def _committed(digests: list[str]) -> int:
    """How many of these reports another database connection sees (i.e. committed)."""
    found: list[int] = []

    def look() -> None:
        from django.db import connection

        try:
            found.append(Report.objects.filter(sha256__in=digests).count())
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return found[0]


@pytest.mark.django_db(transaction=True)
def test_messages_are_flagged_only_after_their_reports_are_committed(dovecot, monkeypatch) -> None:
    mailbox = make_mailbox(dovecot)
    messages = [complaint(), complaint()]
    dovecot.append(mailbox.folder, *messages)
    digests = [sha256(m) for m in messages]
    observed: list[tuple[int, bool, int, bool]] = []
    real = imap.reports_receive

    def watched(arrivals, **kwargs):  # type: ignore[no-untyped-def]
        before = (_committed(digests), any(seen(dovecot, mailbox.folder).values()))
        answers = real(arrivals, **kwargs)
        after = (_committed(digests), any(seen(dovecot, mailbox.folder).values()))
        observed.append((*before, *after))
        return answers

    monkeypatch.setattr(imap, "reports_receive", watched)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    # Before the call nothing is stored or flagged; when it returns the reports are
    # committed (another connection sees them) and the server still holds the messages.
    assert observed == [(0, False, 2, False)]
    assert all(seen(dovecot, mailbox.folder).values())


@pytest.mark.django_db
def test_a_crash_between_fetch_and_commit_leaves_the_messages_and_the_next_poll_files_them_once(
    dovecot, monkeypatch
) -> None:
    mailbox = make_mailbox(dovecot)
    messages = [complaint(), complaint(), complaint()]
    dovecot.append(mailbox.folder, *messages)
    real = imap.reports_receive

    def crash(arrivals, **kwargs):  # type: ignore[no-untyped-def]
        raise Crash("killed after the fetch, before the commit")

    monkeypatch.setattr(imap, "reports_receive", crash)
    with pytest.raises(Crash):
        mailbox_poll(mailbox.pk, queue=False)

    assert not any(seen(dovecot, mailbox.folder).values())
    assert len(dovecot.uids(mailbox.folder)) == 3
    assert Report.objects.filter(sha256__in=[sha256(m) for m in messages]).count() == 0
    crashed = Mailbox.objects.get(pk=mailbox.pk)
    assert crashed.last_error.startswith("internal error: Crash")
    assert crashed.last_success_at is None
    assert imap.mailbox_lock(mailbox.pk).locked() is False  # released despite the crash

    monkeypatch.setattr(imap, "reports_receive", real)
    result = mailbox_poll(mailbox.pk, queue=False)
    again = mailbox_poll(mailbox.pk, queue=False)

    assert (result.new, result.duplicates, result.refetched) == (3, 0, 0)
    assert again.fetched == 0
    for raw in messages:
        report = Report.objects.get(sha256=sha256(raw))
        assert report.receipts.count() == 1
    assert all(seen(dovecot, mailbox.folder).values())


@pytest.mark.django_db
def test_a_crash_after_commit_before_flagging_refetches_without_a_second_receipt(
    dovecot, monkeypatch
) -> None:
    mailbox = make_mailbox(dovecot)
    messages = [complaint(), complaint()]
    dovecot.append(mailbox.folder, *messages)
    real = imap._acknowledge

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise Crash("killed after the commit, before the flags were stored")

    monkeypatch.setattr(imap, "_acknowledge", crash)
    with pytest.raises(Crash):
        mailbox_poll(mailbox.pk, queue=False)
    assert Report.objects.filter(sha256__in=[sha256(m) for m in messages]).count() == 2
    assert not any(seen(dovecot, mailbox.folder).values())

    monkeypatch.setattr(imap, "_acknowledge", real)
    result = mailbox_poll(mailbox.pk, queue=False)

    assert (result.fetched, result.new, result.refetched, result.acknowledged) == (2, 0, 2, 2)
    assert result.new_report_ids == []
    assert Receipt.objects.filter(mailbox=mailbox).count() == 2
    assert all(seen(dovecot, mailbox.folder).values())


@pytest.mark.django_db
def test_a_poison_message_is_stored_then_quarantined_while_the_rest_of_the_batch_is_filed(
    dovecot,
) -> None:
    mailbox = make_mailbox(dovecot)
    good_one, good_two = complaint("192.0.2.21"), complaint("198.51.100.22")
    poison = b"\xff\xfe\x80\x81 not a message at all \x82\x83\r\n" * 40 + b"\x1b[2J\x07\r\n"
    dovecot.append(mailbox.folder, good_one, poison, good_two)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert result.new == 3
    stored = Report.objects.get(sha256=sha256(poison))
    assert bytes(stored.raw.content) == poison
    assert stored.status == Report.Status.RECEIVED  # committed before anything parsed it

    outcomes = {o.report_id: o for o in reports_process(result.new_report_ids)}

    stored.refresh_from_db()
    assert stored.status == Report.Status.QUARANTINED
    assert stored.quarantine_reason == "no-indicators"
    for raw in (good_one, good_two):
        report = Report.objects.get(sha256=sha256(raw))
        assert report.status == Report.Status.FILED
        assert outcomes[report.pk].status == "filed"
        assert report.event_count == 1
    assert all(seen(dovecot, mailbox.folder).values())
