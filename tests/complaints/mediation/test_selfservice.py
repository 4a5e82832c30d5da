"""The customer's self-service page: GET only shows, POST answers or marks fixed; expired,
revoked and unknown links are refused alike; submissions are rate-limited per link."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.mediation import selfservice
from complaints.models import Message, SelfServiceLink, Ticket, TicketChange
from tests.complaints.ticket_support import REPORTER, VICTIM, Case, _fresh_cache, case  # noqa: F401


def issue(case: Case) -> tuple[SelfServiceLink, str]:  # noqa: F811
    link, url = selfservice.link_issue(ticket=case.ticket, created_by_id=None)
    assert link is not None
    return link, url.split("/self-service/", 1)[1].strip("/")


def page(token: str) -> str:
    return reverse("selfservice:page", kwargs={"token": token})


def test_get_shows_redacted_evidence_and_changes_nothing(case: Case) -> None:  # noqa: F811
    link, token = issue(case)
    assert SelfServiceLink.objects.get(pk=link.pk).token_hash != token  # only a hash stored
    before = (Message.objects.count(), TicketChange.objects.count(), case.ticket.status)
    for _ in range(3):  # a mail scanner fetching the link, twice over
        response = Client().get(page(token))
        assert response.status_code == 200
    html = response.content.decode()
    assert "192.0.2.70" in html
    assert REPORTER not in html and VICTIM not in html and "[redacted]" in html
    assert "&lt;img src=x onerror=" in html and "<img src=x" not in html
    assert response["Cache-Control"] == "no-store"
    case.ticket.refresh_from_db()
    assert (Message.objects.count(), TicketChange.objects.count(), case.ticket.status) == before
    assert SelfServiceLink.objects.get(pk=link.pk).last_used_at is None


def test_post_reply_and_mark_fixed(case: Case) -> None:  # noqa: F811
    Ticket.objects.filter(pk=case.ticket.pk).update(status=Ticket.Status.AWAITING_CUSTOMER)
    _, token = issue(case)
    client = Client(enforce_csrf_checks=True)
    client.get(page(token))
    csrf = client.cookies["csrftoken"].value
    response = client.post(reverse("selfservice:reply", kwargs={"token": token}),
                           {"body": "We are on it.", "csrfmiddlewaretoken": csrf})  # fmt: skip
    assert response.status_code == 302
    answer = Message.objects.get(ticket=case.ticket, direction="in")
    assert answer.body == "We are on it." and answer.visibility == "customer"
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.OPEN  # back to the agents
    response = client.post(reverse("selfservice:fixed", kwargs={"token": token}),
                           {"what_was_done": "Removed /secure-login/ and updated WordPress.",
                            "csrfmiddlewaretoken": csrf})  # fmt: skip
    assert response.status_code == 302
    assert TicketChange.objects.filter(ticket=case.ticket, field="customer_fixed").exists()
    assert Message.objects.filter(ticket=case.ticket, body__contains="FIXED").exists()
    case.ticket.refresh_from_db()
    assert case.ticket.status == Ticket.Status.OPEN  # the customer's word does not close it
    # without the CSRF token nothing is accepted
    assert (
        Client(enforce_csrf_checks=True)
        .post(reverse("selfservice:reply", kwargs={"token": token}), {"body": "x"})
        .status_code
        == 403
    )


def test_expired_revoked_and_unknown_links_are_refused(case: Case, users) -> None:  # noqa: F811
    expired, expired_token = issue(case)
    SelfServiceLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, revoked_token = issue(case)
    agent = Client()
    agent.force_login(users["agent"])
    agent.post(reverse("workspace:ticket-link-revoke", args=[case.ticket.pk, revoked.pk]))
    assert SelfServiceLink.objects.get(pk=revoked.pk).revoked_at is not None
    for token in (expired_token, revoked_token, "A" * 43):
        assert Client().get(page(token)).status_code == 404
        response = Client().post(
            reverse("selfservice:reply", kwargs={"token": token}), {"body": "x"}
        )
        assert response.status_code == 404
    assert not Message.objects.filter(direction="in").exists()


def test_submissions_are_rate_limited(case: Case, settings) -> None:  # noqa: F811
    settings.SELFSERVICE_POSTS_PER_HOUR = 3
    _, token = issue(case)
    url = reverse("selfservice:reply", kwargs={"token": token})
    codes = [Client().post(url, {"body": f"try {i}"}).status_code for i in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Message.objects.filter(direction="in").count() == 3


def test_agent_issues_a_link_from_the_ticket_page(case: Case, users) -> None:  # noqa: F811
    agent = Client()
    agent.force_login(users["agent"])
    agent.post(reverse("workspace:ticket-link-issue", args=[case.ticket.pk]))
    html = agent.get(reverse("workspace:ticket-detail", args=[case.ticket.pk])).content.decode()
    assert "New link (shown once)" in html and "/self-service/" in html
    again = agent.get(reverse("workspace:ticket-detail", args=[case.ticket.pk])).content.decode()
    assert "New link (shown once)" not in again
    legal = Client()
    legal.force_login(users["legal"])
    assert (
        legal.post(reverse("workspace:ticket-link-issue", args=[case.ticket.pk])).status_code == 404
    )
