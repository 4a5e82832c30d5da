"""Polling a real Dovecot: messages become reports with receipts, are acknowledged, and are
never filed twice — not on a second poll, a re-delivery of the same bytes, or a renumbered
folder (UIDVALIDITY)."""

from __future__ import annotations

import pytest

from complaints.intake.imap import mailbox_lock, mailbox_poll
from complaints.models import Mailbox, Receipt, Report
from tests.complaints.intake.imap_support import complaint, folder_name, make_mailbox, seen, sha256

pytestmark = pytest.mark.django_db


def test_appended_messages_are_filed_with_receipts_and_flagged_seen(dovecot) -> None:
    mailbox = make_mailbox(dovecot)
    messages = [complaint("192.0.2.11"), complaint("192.0.2.12"), complaint("198.51.100.7")]
    dovecot.append(mailbox.folder, *messages)
    uids = dovecot.uids(mailbox.folder)
    uidvalidity = dovecot.uidvalidity(mailbox.folder)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert (result.fetched, result.new, result.duplicates, result.acknowledged) == (3, 3, 0, 3)
    reports = Report.objects.filter(sha256__in=[sha256(m) for m in messages])
    assert reports.count() == 3
    assert {bytes(r.raw.content) for r in reports} == set(messages)
    receipts = Receipt.objects.filter(mailbox=mailbox).order_by("uid")
    assert [(r.channel, r.outcome, r.uidvalidity, r.uid) for r in receipts] == [
        ("imap", "new", uidvalidity, uid) for uid in uids
    ]
    assert set(result.new_report_ids) == set(reports.values_list("pk", flat=True))
    assert seen(dovecot, mailbox.folder) == {uid: True for uid in uids}
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity == uidvalidity
    assert mailbox.last_poll_at is not None and mailbox.last_success_at is not None
    assert mailbox.last_error == ""


def test_a_second_poll_fetches_nothing_new(dovecot) -> None:
    mailbox = make_mailbox(dovecot)
    dovecot.append(mailbox.folder, complaint(), complaint())
    assert mailbox_poll(mailbox.pk, queue=False).new == 2

    again = mailbox_poll(mailbox.pk, queue=False)

    assert again.status == "ok"
    assert (again.fetched, again.new, again.acknowledged) == (0, 0, 0)
    assert Receipt.objects.filter(mailbox=mailbox).count() == 2


def test_the_same_bytes_appended_again_are_a_duplicate_receipt_not_a_new_report(dovecot) -> None:
    mailbox = make_mailbox(dovecot)
    raw = complaint(tag="resent-twice")
    dovecot.append(mailbox.folder, raw)
    first = mailbox_poll(mailbox.pk, queue=False)
    dovecot.append(mailbox.folder, raw)  # the reporter sent it again: a new UID, same bytes

    second = mailbox_poll(mailbox.pk, queue=False)

    assert (first.new, second.new, second.duplicates) == (1, 0, 1)
    assert second.new_report_ids == []
    report = Report.objects.get(sha256=sha256(raw))
    receipts = list(Receipt.objects.filter(report=report).order_by("uid"))
    assert [r.outcome for r in receipts] == ["new", "duplicate"]
    assert receipts[0].uid != receipts[1].uid
    assert all(seen(dovecot, mailbox.folder).values())


def test_a_changed_uidvalidity_is_recorded_and_known_bytes_stay_duplicates(dovecot) -> None:
    folder = folder_name()
    mailbox = make_mailbox(dovecot, folder=folder)
    old, fresh = complaint(tag="before-renumbering"), complaint(tag="after-renumbering")
    dovecot.append(folder, old)
    mailbox_poll(mailbox.pk, queue=False)
    first_validity = dovecot.uidvalidity(folder)
    # The folder is recreated, as a migration or restore would: every UID starts over.
    dovecot.delete_folder(folder)
    dovecot.create_folder(folder)
    dovecot.append(folder, old, fresh)
    second_validity = dovecot.uidvalidity(folder)
    assert second_validity != first_validity
    assert dovecot.uids(folder) == [1, 2]  # the UID of the old message is reused

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert result.uidvalidity_changed is True
    assert (result.new, result.duplicates) == (1, 1)
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity == second_validity
    assert Report.objects.filter(sha256__in=[sha256(old), sha256(fresh)]).count() == 2
    keys = set(Receipt.objects.filter(mailbox=mailbox).values_list("uidvalidity", "uid"))
    assert keys == {(first_validity, 1), (second_validity, 1), (second_validity, 2)}


def test_filed_messages_are_moved_to_the_processed_folder(dovecot) -> None:
    processed = folder_name("done")
    mailbox = make_mailbox(dovecot, processed_folder=processed)  # created by the first move
    messages = [complaint(), complaint()]
    dovecot.append(mailbox.folder, *messages)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert result.new == 2
    assert dovecot.uids(mailbox.folder) == []
    assert len(dovecot.uids(processed)) == 2
    assert all(seen(dovecot, processed).values())
    assert mailbox_poll(mailbox.pk, queue=False).fetched == 0


def test_without_move_support_messages_are_copied_flagged_deleted_and_expunged(
    dovecot, monkeypatch
) -> None:
    monkeypatch.setattr("complaints.intake.imap.can_move", lambda capabilities: False)
    processed = folder_name("done")
    dovecot.create_folder(processed)
    mailbox = make_mailbox(dovecot, processed_folder=processed)
    dovecot.append(mailbox.folder, complaint(), complaint(), complaint())

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert result.new == 3
    assert dovecot.uids(mailbox.folder) == []
    assert len(dovecot.uids(processed)) == 3


def test_messages_are_committed_in_batches_of_the_mailbox_batch_size(dovecot, monkeypatch) -> None:
    from complaints.intake import imap

    batches: list[int] = []
    real = imap.reports_receive

    def counting(arrivals, **kwargs):  # type: ignore[no-untyped-def]
        batches.append(len(arrivals))
        return real(arrivals, **kwargs)

    monkeypatch.setattr(imap, "reports_receive", counting)
    mailbox = make_mailbox(dovecot, batch_size=2)
    dovecot.append(mailbox.folder, *[complaint() for _ in range(5)])

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.new == 5
    assert batches == [2, 2, 1]


def test_an_oversized_message_is_kept_as_a_bounded_prefix_and_quarantined(
    dovecot, settings
) -> None:
    settings.REPORT_MAX_BYTES = 4000
    settings.IMAP_OVERSIZE_PREFIX_BYTES = 1000
    mailbox = make_mailbox(dovecot)
    huge = complaint(tag="huge") + b"x" * 10_000 + b"\r\n"
    normal = complaint()
    dovecot.append(mailbox.folder, huge, normal)

    result = mailbox_poll(mailbox.pk, queue=False)

    assert result.status == "ok", result.error
    assert (result.too_large, result.new) == (1, 1)
    assert result.new_report_ids == [Report.objects.get(sha256=sha256(normal)).pk]
    kept = Report.objects.get(receipts__mailbox=mailbox, quarantine_reason="too-large")
    assert kept.status == Report.Status.QUARANTINED
    assert bytes(kept.raw.content) == huge[:1000]
    assert kept.data["truncated"] is True and kept.data["size"] == len(huge)
    assert str(len(huge)) in kept.quarantine_detail
    assert all(seen(dovecot, mailbox.folder).values())  # nothing left behind, nothing lost


def test_a_poll_never_runs_while_another_holds_the_mailbox_lock(dovecot) -> None:
    mailbox = make_mailbox(dovecot)
    dovecot.append(mailbox.folder, complaint())
    held = mailbox_lock(mailbox.pk)
    assert held.acquire(blocking=False)
    try:
        busy = mailbox_poll(mailbox.pk, queue=False)
    finally:
        held.release()

    assert busy.status == "busy"
    assert busy.fetched == 0
    assert not any(seen(dovecot, mailbox.folder).values())
    after = mailbox_poll(mailbox.pk, queue=False)  # the lock is free again
    assert after.new == 1
    assert mailbox_lock(mailbox.pk).locked() is False


def test_a_disabled_mailbox_is_not_polled(dovecot) -> None:
    from complaints.intake.mailboxes import mailbox_update

    mailbox = make_mailbox(dovecot)
    mailbox_update(mailbox=mailbox, enabled=False)
    dovecot.append(mailbox.folder, complaint())

    assert mailbox_poll(mailbox.pk, queue=False).status == "disabled"
    assert Mailbox.objects.get(pk=mailbox.pk).last_poll_at is None
    assert mailbox_poll(mailbox.pk, queue=False, include_disabled=True).new == 1


def test_a_message_someone_already_read_is_still_filed(dovecot) -> None:
    mailbox = make_mailbox(dovecot)
    raw = complaint("192.0.2.44")
    dovecot.append(mailbox.folder, raw)
    [uid] = dovecot.uids(mailbox.folder)
    with dovecot.session() as conn:  # a person opens it in their mail client first
        conn.select(f'"{mailbox.folder}"')
        conn.uid("STORE", str(uid), "+FLAGS", r"(\Seen)")

    result = mailbox_poll(mailbox.pk, queue=False)

    assert (result.status, result.new) == ("ok", 1)
    assert Report.objects.filter(sha256=sha256(raw)).exists()
    assert "$TSDFiled" in dovecot.flags(mailbox.folder)[uid]
    assert mailbox_poll(mailbox.pk, queue=False).fetched == 0
