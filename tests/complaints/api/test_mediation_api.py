"""REST ``/api/v1/tickets/{id}/messages/``: the same permission filter and the same
mediation service as the ticket page."""

from __future__ import annotations

from complaints.models import Message, Ticket
from tests.complaints.ticket_support import VICTIM, Case, _fresh_cache, case  # noqa: F401


def url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/messages/"


def test_agent_posts_and_lists_messages(case: Case, api_client_for) -> None:  # noqa: F811
    client = api_client_for("agent")
    response = client.post(
        url(case.ticket), {"audience": "customer", "body": f"Mailed to {VICTIM}"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert VICTIM not in response.json()["body"] and response.json()["status"] == "queued"
    note = client.post(url(case.ticket), {"audience": "internal", "body": "note"}, format="json")
    assert note.status_code == 201
    listed = client.get(url(case.ticket)).json()
    assert [m["kind"] for m in listed] == ["reply", "note"]
    assert (
        client.post(
            url(case.ticket), {"audience": "internal", "body": ""}, format="json"
        ).status_code
        == 400
    )


def test_invisible_ticket_is_404_for_read_and_write(case: Case, api_client_for) -> None:  # noqa: F811
    for role in ("legal", "billing", "none"):
        client = api_client_for(role)
        assert client.get(url(case.ticket)).status_code == 404
        assert (
            client.post(
                url(case.ticket), {"audience": "internal", "body": "x"}, format="json"
            ).status_code
            == 404
        )
    assert api_client_for(None).get(url(case.ticket)).status_code in (401, 403)
    assert not Message.objects.exists()
