"""The quarantine: admins (and leads, read-only) see quarantined reports with reasons and
counts, page through them by id, and reprocess one or all of a reason after a parser fix,
idempotently (reprocessing twice adds one set of events; a filed report is refused)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accounts import roles
from complaints.intake.filing.pipeline import reports_process
from complaints.intake.quarantine import NotQuarantined, report_reprocess, reports_reprocess
from complaints.intake.receiving import Arrival, reports_receive
from complaints.intake.selectors import quarantine_page
from complaints.models import Event, Receipt, Report
from complaints.parsers import registry
from tests.complaints.intake_support import (
    held_ip_fixture,  # noqa: F401 - fixture
    spam_message,
)

pytestmark = pytest.mark.django_db

QUARANTINE = "/intake/quarantine/"
REPROCESS_ALL = "/intake/quarantine/reprocess/"


class _BrokenSpamcop:
    """A parser with a bug: it claims every mail and crashes ("parser-crash")."""

    name = "spamcop"

    def detect(self, doc: object) -> bool:
        return True

    def parse(self, doc: object) -> object:
        raise KeyError("bug")


def receive(*raws: bytes) -> list[int]:
    arrivals = [Arrival(raw=raw, channel=Receipt.Channel.FILE) for raw in raws]
    return [r.report_id for r in reports_receive(arrivals, queue=False)]


@pytest.fixture
def crashed(monkeypatch: pytest.MonkeyPatch, held_ip: object) -> list[int]:
    """Two complaints quarantined by a parser bug, and one empty message (no indicators);
    the bug is fixed (the patch undone) when the fixture returns."""
    ids = receive(spam_message(tag="q1"), spam_message("198.51.100.8", tag="q2"))
    with monkeypatch.context() as patch:
        patch.setattr(registry, "parsers", lambda: (_BrokenSpamcop(),))
        outcomes = reports_process(ids)
    assert {(o.status, o.reason) for o in outcomes} == {("quarantined", "parser-crash")}
    [empty] = receive(b"Subject: hello\r\n\r\nnothing to see")
    assert reports_process([empty])[0].reason == "no-indicators"
    return [*ids, empty]


def client_for(users: dict, role: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", [*roles.ALL_ROLES, "none"])
def test_who_sees_the_quarantine(users: dict, crashed: list[int], role: str) -> None:
    response = client_for(users, role).get(QUARANTINE)
    if role in (roles.ADMIN, roles.LEAD):
        assert response.status_code == 200
        page = response.content.decode()
        assert "parser-crash" in page and "no-indicators" in page
        assert ("Reprocess" in page) is (role == roles.ADMIN)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", [*roles.ALL_ROLES, "none"])
def test_only_admins_reprocess(users: dict, crashed: list[int], role: str) -> None:
    client = client_for(users, role)
    one = f"/intake/reports/{crashed[0]}/reprocess/"
    confirm, confirm_all = client.get(one), client.get(REPROCESS_ALL, {"reason": "parser-crash"})
    posted = client.post(one)
    posted_all = client.post(REPROCESS_ALL, {"reason": "parser-crash"})
    if role == roles.ADMIN:
        assert (confirm.status_code, confirm_all.status_code) == (200, 200)
        assert b"Reprocess 2 reports" in confirm_all.content
        assert (posted.status_code, posted_all.status_code) == (302, 302)
        assert Report.objects.filter(status="received").count() == 2
    else:
        codes = {confirm.status_code, confirm_all.status_code, posted.status_code}
        assert codes | {posted_all.status_code} == {403}
        assert Report.objects.filter(status="received").count() == 0


def test_reprocess_needs_a_csrf_token(users: dict, crashed: list[int]) -> None:
    client = client_for(users, roles.ADMIN, csrf=True)
    assert client.post(REPROCESS_ALL, {"reason": "parser-crash"}).status_code == 403
    assert client.post(f"/intake/reports/{crashed[0]}/reprocess/").status_code == 403
    assert Report.objects.filter(status="quarantined").count() == 3


def test_filter_by_reason_counts_and_keyset_pages(users: dict, crashed: list[int]) -> None:
    client = client_for(users, roles.LEAD)
    page = client.get(QUARANTINE, {"reason": "no-indicators"}).content.decode()
    assert f'href="/intake/reports/{crashed[2]}/"' in page
    assert f'href="/intake/reports/{crashed[0]}/"' not in page
    first = quarantine_page(size=2)
    assert [r.pk for r in first.reports] == [crashed[2], crashed[1]]
    assert first.next_before == crashed[1]
    second = quarantine_page(size=2, before=first.next_before)
    assert ([r.pk for r in second.reports], second.next_before) == ([crashed[0]], None)
    older = client.get(QUARANTINE, {"before": crashed[1]}).content.decode()
    assert f'href="/intake/reports/{crashed[0]}/"' in older
    assert f'href="/intake/reports/{crashed[2]}/"' not in older
    assert client.get(QUARANTINE, {"before": "x" * 40, "reason": "<b>"}).status_code == 200


def test_quarantined_report_is_viewed_safely(users: dict, held_ip: object) -> None:
    hostile = b"Subject: <script>alert(1)</script>\r\n\r\n<iframe src=//evil.example>"
    [report_id] = receive(hostile)
    reports_process([report_id])
    page = client_for(users, roles.ADMIN).get(f"/intake/reports/{report_id}/").content.decode()
    assert "no-indicators" in page
    assert "<iframe" not in page and "&lt;iframe src=//evil.example&gt;" in page
    assert "<script>alert" not in page
    assert f'href="/intake/reports/{report_id}/reprocess/"' in page


def test_reprocess_after_the_fix_files_once(crashed: list[int]) -> None:
    first, second, _ = crashed
    assert report_reprocess(first) == first
    with pytest.raises(NotQuarantined):
        report_reprocess(first)  # already queued again: nothing more to do
    report = Report.objects.get(pk=first)
    assert (report.status, report.attempts, report.quarantine_reason) == ("received", 0, "")
    outcomes = reports_process([first])
    assert [(o.status, o.format) for o in outcomes] == [("filed", "freetext")]
    events = Event.objects.filter(report_id=first).count()
    assert events == 1
    # A redelivered task and a second reprocessing change nothing.
    assert reports_process([first]) == []
    with pytest.raises(NotQuarantined):
        report_reprocess(first)  # filed: refused
    assert Event.objects.filter(report_id=first).count() == events
    assert Report.objects.get(pk=first).status == "filed"
    assert Report.objects.get(pk=second).status == "quarantined"


def test_reprocess_all_of_a_reason_twice_is_one_set_of_events(crashed: list[int]) -> None:
    assert reports_reprocess("parser-crash") == crashed[:2]
    assert reports_reprocess("parser-crash") == []
    reports_process(crashed[:2])
    reports_process(crashed[:2])  # redelivered
    assert reports_reprocess("parser-crash") == []
    assert Event.objects.filter(report_id__in=crashed[:2]).count() == 2
    assert Report.objects.get(pk=crashed[2]).status == "quarantined"  # another reason
    # "All reasons" takes the rest; with no fix it lands in quarantine again, visibly.
    assert reports_reprocess() == [crashed[2]]
    [again] = reports_process([crashed[2]])
    assert (again.status, again.reason) == ("quarantined", "no-indicators")


def test_reprocessing_queues_the_task_after_commit(
    crashed: list[int], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reports_reprocess("parser-crash")
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reports_reprocess("parser-crash")
    assert callbacks == []


@pytest.mark.worker
def test_reprocess_from_the_page_is_filed_by_a_real_worker(
    celery_worker_process: object, users: dict, crashed: list[int]
) -> None:
    client = client_for(users, roles.ADMIN)
    response = client.post(REPROCESS_ALL, {"reason": "parser-crash"}, follow=True)
    assert b"2 quarantined report(s)" in response.content
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not Report.objects.filter(pk__in=crashed[:2], status="received").exists():
            break
        time.sleep(0.2)
    assert set(Report.objects.filter(pk__in=crashed[:2]).values_list("status", flat=True)) == {
        "filed"
    }
    assert Event.objects.filter(report_id__in=crashed[:2]).count() == 2
