"""Operators' ways in: the Mailbox admin (desk admins only, write-only password, "Poll now")
and ``manage.py poll_mailboxes``, which polls and files in-process."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import roles
from accounts.services import user_with_roles_ensure
from complaints.intake.mailboxes import mailbox_password
from complaints.models import Mailbox, Report
from tests.complaints.intake.imap_support import complaint, make_mailbox, seen, sha256
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/complaints/mailbox/add/"
LIST_URL = "/admin/complaints/mailbox/"


def _client(username: str, held: list[str], *, staff: bool = True) -> Client:
    user = user_with_roles_ensure(username=username, password=PASSWORD, roles=held, staff=staff)
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "abuse-desk",
        "enabled": "on",
        "host": "imap.example.net",
        "port": "993",
        "security": "tls",
        "username": "abuse@desk.example",
        "password": "Admin-Typed-Secret",
        "folder": "INBOX",
        "processed_folder": "",
        "batch_size": "200",
    }
    data.update(overrides)
    return data


def test_a_desk_admin_adds_a_mailbox_and_the_password_is_stored_encrypted() -> None:
    client = _client("ada", [roles.ADMIN])

    response = client.post(ADD_URL, _form())

    assert response.status_code == 302, response.content[:2000]
    mailbox = Mailbox.objects.get(name="abuse-desk")
    assert b"Admin-Typed-Secret" not in bytes(mailbox.password_encrypted)
    assert mailbox_password(mailbox) == "Admin-Typed-Secret"
    change = client.get(f"/admin/complaints/mailbox/{mailbox.pk}/change/")
    assert change.status_code == 200
    assert b"Admin-Typed-Secret" not in change.content  # write-only: never rendered


def test_a_new_mailbox_needs_a_password() -> None:
    client = _client("ada", [roles.ADMIN])

    response = client.post(ADD_URL, _form(password=""))

    assert response.status_code == 200
    assert b"A new mailbox needs its password." in response.content
    assert not Mailbox.objects.exists()


def test_editing_without_a_password_keeps_it_and_a_new_one_replaces_it() -> None:
    client = _client("ada", [roles.ADMIN])
    client.post(ADD_URL, _form())
    mailbox = Mailbox.objects.get(name="abuse-desk")
    url = f"/admin/complaints/mailbox/{mailbox.pk}/change/"

    client.post(url, _form(password="", host="imap2.example.net"))
    mailbox.refresh_from_db()
    assert mailbox.host == "imap2.example.net"
    assert mailbox_password(mailbox) == "Admin-Typed-Secret"

    client.post(url, _form(password="Rotated-Secret"))
    mailbox.refresh_from_db()
    assert mailbox_password(mailbox) == "Rotated-Secret"


def test_the_list_shows_last_success_and_last_error() -> None:
    from complaints.intake.mailboxes import mailbox_create, mailbox_poll_failed

    mailbox = mailbox_create(name="abuse-x", host="imap.example.net", username="u", password="p")
    mailbox_poll_failed(mailbox_id=mailbox.pk, reason="connection refused by imap.example.net:993")
    client = _client("ada", [roles.ADMIN])

    page = client.get(LIST_URL).content.decode()

    assert "abuse-x" in page and "imap.example.net" in page
    assert "connection refused by imap.example.net:993" in page
    assert "Last success" in page


@pytest.mark.parametrize(
    ("held", "staff"),
    [([roles.AGENT], True), ([roles.LEAD], True), ([roles.ADMIN], False), ([], True)],
)
def test_only_staff_in_the_admin_role_reach_the_mailboxes(held: list[str], staff: bool) -> None:
    client = _client("someone", held, staff=staff)

    assert client.get(LIST_URL).status_code in (302, 403)
    assert client.post(ADD_URL, _form()).status_code in (302, 403)
    assert client.get("/admin/complaints/report/").status_code in (302, 403)
    assert not Mailbox.objects.exists()


def test_poll_now_queues_one_task_per_selected_mailbox(django_capture_on_commit_callbacks) -> None:
    from complaints.intake.mailboxes import mailbox_create

    boxes = [
        mailbox_create(name=f"abuse-{n}", host="imap.example.net", username="u", password="p")
        for n in range(2)
    ]
    client = _client("ada", [roles.ADMIN])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            LIST_URL,
            {"action": "poll_now", "_selected_action": [str(b.pk) for b in boxes]},
            follow=True,
        )

    assert b"2 mailbox poll(s) queued." in response.content
    assert len(callbacks) == 1  # sent after the commit, never before


def test_reports_are_listed_read_only_without_their_raw_bytes() -> None:
    from complaints.intake.receiving import Arrival, reports_receive

    raw = complaint(tag="<script>alert(1)</script>")
    (answer,) = reports_receive([Arrival(raw=raw, channel="file")], queue=False)
    Report.objects.filter(pk=answer.report_id).update(subject="<script>alert(1)</script>")
    client = _client("ada", [roles.ADMIN])

    listing = client.get("/admin/complaints/report/")
    detail = client.get(f"/admin/complaints/report/{answer.report_id}/change/")

    assert listing.status_code == 200 and detail.status_code == 200
    assert b"<script>alert(1)</script>" not in listing.content + detail.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in listing.content
    assert b"we found a phishing page" not in detail.content  # the body is not rendered
    assert client.post(f"/admin/complaints/report/{answer.report_id}/delete/").status_code == 403


def test_poll_mailboxes_command_polls_and_files_in_process(dovecot) -> None:
    mailbox = make_mailbox(dovecot)
    messages = [complaint("192.0.2.31"), complaint("192.0.2.32")]
    dovecot.append(mailbox.folder, *messages)
    out = io.StringIO()

    call_command("poll_mailboxes", "--mailbox", mailbox.name, "--json", stdout=out)

    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert line["mailbox"] == mailbox.name
    assert (line["status"], line["new"], line["filed"], line["quarantined"]) == ("ok", 2, 2, 0)
    for raw in messages:
        assert Report.objects.get(sha256=sha256(raw)).status == Report.Status.FILED
    assert all(seen(dovecot, mailbox.folder).values())


def test_poll_mailboxes_command_fails_with_the_reason_of_a_failed_poll(dovecot) -> None:
    mailbox = make_mailbox(dovecot, password="wrong")
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 1 mailbox polls failed"):
        call_command("poll_mailboxes", stdout=out)

    assert f"{mailbox.name}: error" in out.getvalue()
    assert "login refused" in out.getvalue()
