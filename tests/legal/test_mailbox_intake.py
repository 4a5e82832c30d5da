"""The legal mailbox (issue 14 item 8), against a real Dovecot: a mail becomes an
unclassified legal request with its bytes kept, committed before the server is told; it
never becomes a report, a ticket or an acknowledgement, and the abuse poll no longer polls
the mailbox; a second poll or the same bytes again make nothing new; the request is
classified at triage and its clocks follow the type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from complaints.intake.imap import mailbox_poll
from complaints.intake.mailboxes import mailbox_ids_enabled, mailbox_update
from complaints.models import AuditEntry, Message, Receipt, Report, Ticket
from legal import services
from legal.intake import legal_mailbox_designate, legal_mailbox_poll
from legal.models import LegalMail, LegalRequest
from legal.services import LegalError
from tests.complaints.intake.imap_support import make_mailbox, seen, sha256
from tests.legal.support import LegalWorld

pytestmark = pytest.mark.django_db


def police_mail(tag: str) -> bytes:
    return (
        "From: Det. Jane Roe <jane.roe@police.example>\r\n"
        "To: legal@desk.example\r\n"
        f"Subject: Subpoena CR-2025-{tag}: subscriber records for 198.51.100.7\r\n"
        f"Message-ID: <{tag}@police.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Please find attached a subpoena for subscriber records of 198.51.100.7\r\n"
        "between 2025-03-01 and 2025-03-02. <script>alert(1)</script>\r\n"
    ).encode()


def test_a_mail_to_the_legal_mailbox_becomes_a_legal_request_and_nothing_else(
    dovecot, lw: LegalWorld
) -> None:
    mailbox = make_mailbox(dovecot)
    legal_mailbox_designate(mailbox=mailbox, actor=lw.leo)
    mailbox.refresh_from_db()
    assert not mailbox.enabled and mailbox.pk not in mailbox_ids_enabled()  # off the abuse poll
    raw = police_mail("0417")
    dovecot.append(mailbox.folder, raw)
    before = (Report.objects.count(), Receipt.objects.count(), Ticket.objects.count(),
              Message.objects.count())  # fmt: skip

    result = legal_mailbox_poll(mailbox.pk)

    assert result.status == "ok", result.error
    assert (result.fetched, result.new, result.acknowledged) == (1, 1, 1)
    assert all(seen(dovecot, mailbox.folder).values())  # acknowledged after the commit
    mail = LegalMail.objects.get(sha256=sha256(raw))
    assert bytes(mail.raw) == raw and mail.sender == "jane.roe@police.example"
    assert not mail.sender_authenticated  # no border verdict from a trusted MX here
    request = mail.request
    assert (request.type, request.channel, request.state) == ("unclassified", "mailbox", "received")
    assert "Subpoena CR-2025-0417" in request.description
    assert "NOT authenticated" in request.description
    assert request.due_at == request.received_at + timedelta(hours=24)  # triage within a day
    assert (Report.objects.count(), Receipt.objects.count(), Ticket.objects.count(),
            Message.objects.count()) == before  # fmt: skip

    # polled again, or the same bytes sent again: nothing new
    assert legal_mailbox_poll(mailbox.pk).new == 0
    dovecot.append(mailbox.folder, raw)
    again = legal_mailbox_poll(mailbox.pk)
    assert (again.new, again.duplicates) == (0, 1)
    assert LegalRequest.objects.count() == 1
    # the abuse poll of a legal mailbox is off unless forced, and legal's poll refuses others
    assert mailbox_poll(mailbox.pk, queue=False).status == "disabled"
    assert legal_mailbox_poll(make_mailbox(dovecot).pk).status == "missing"

    # triage: classified, the clocks follow the type; the original mail is a legal download
    services.request_classify(request_id=request.pk, actor=lw.leo, type="subpoena",
                              reason="a grand jury subpoena")  # fmt: skip
    request.refresh_from_db()
    assert request.type == "subpoena" and request.due_at > request.received_at + timedelta(days=13)
    with pytest.raises(LegalError):
        services.request_classify(
            request_id=request.pk, actor=lw.leo, type="unclassified", reason="x"
        )
    leo, agent = Client(), Client()
    leo.force_login(lw.leo)
    agent.force_login(lw.agent)
    url = reverse("legal:request-mail", args=[request.pk])
    download = leo.get(url)
    assert download.status_code == 200 and download.content == raw
    assert (
        download["Content-Type"] == "application/octet-stream"
        and "attachment" in download["Content-Disposition"]
    )
    assert agent.get(url).status_code == 404
    assert AuditEntry.objects.filter(verb="legal.mail.download", actor_name="leo").count() == 1
    page = leo.get(reverse("legal:request-detail", args=[request.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "not authenticated" in page


def test_a_legal_mailbox_switched_back_on_is_still_never_read_by_the_abuse_poll(
    dovecot, lw: LegalWorld
) -> None:
    """The admin's ``enabled`` switch is the abuse poll's: turned back on for a designated
    legal mailbox, it must not pour legal mail into the abuse queue."""
    mailbox = make_mailbox(dovecot)
    legal_mailbox_designate(mailbox=mailbox, actor=lw.leo)
    mailbox_update(mailbox=mailbox, enabled=True)  # someone in the admin
    dovecot.append(mailbox.folder, police_mail("0999"))

    assert mailbox.pk not in mailbox_ids_enabled()
    result = mailbox_poll(mailbox.pk)

    assert result.status == "claimed" and "legal" in result.error
    assert not Report.objects.exists() and not Receipt.objects.exists()
    assert not any(seen(dovecot, mailbox.folder).values())  # left for the legal desk
    assert legal_mailbox_poll(mailbox.pk).status == "ok"
    assert LegalRequest.objects.count() == 1
