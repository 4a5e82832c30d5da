"""Whom a ticket may be handed to is decided by the permission filter's own rule: the ticket
page and the queue offer exactly the people who may see (and so work) the ticket.

Before, the ticket page offered agents, leads and admins for every ticket (a legal case's
list named agents who may not see it, a billing question's list left billing out), and the
queue offered only holders of the viewer's own roles (a lead could not hand work to an
agent)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AbstractUser

from accounts import roles
from complaints.models import Ticket
from complaints.permissions import can_see_ticket
from complaints.tickets.selectors import users_assignable
from tests.complaints.queue_support import make_ticket

pytestmark = pytest.mark.django_db

CASES = [(kind, "") for kind in Ticket.Kind.values] + [
    (Ticket.Kind.ABUSE, roles.INVESTIGATIONS),
    (Ticket.Kind.ABUSE, roles.LEGAL),
    (Ticket.Kind.INVESTIGATION, roles.INVESTIGATIONS),
]


@pytest.mark.parametrize(("kind", "group"), CASES)
def test_a_ticket_may_be_handed_to_exactly_those_who_may_see_it(
    users: dict[str, AbstractUser], kind: str, group: str
) -> None:
    ticket = make_ticket(kind=kind, restricted_group=group)
    offered = {user.pk for user in users_assignable(ticket=ticket)}
    for role, user in users.items():
        assert (user.pk in offered) == can_see_ticket(user, ticket), (role, kind, group)


def test_a_billing_question_goes_to_billing_and_leads_not_agents(
    users: dict[str, AbstractUser],
) -> None:
    ticket = make_ticket(kind=Ticket.Kind.BILLING)
    offered = {user.get_username() for user in users_assignable(ticket=ticket)}
    assert offered == {"user-billing", "user-lead"}


def test_the_queue_offers_a_lead_the_agents_of_the_kinds_it_sees(
    users: dict[str, AbstractUser],
) -> None:
    offered = {user.get_username() for user in users_assignable(viewer=users[roles.LEAD])}
    assert {"user-agent", "user-lead", "user-billing", "user-admin"} <= offered
    assert not offered & {"user-legal", "user-investigations", "user-none"}


def test_the_queue_offers_investigations_only_its_own_group(
    users: dict[str, AbstractUser],
) -> None:
    offered = {user.get_username() for user in users_assignable(viewer=users[roles.INVESTIGATIONS])}
    assert offered == {"user-investigations"}


def test_the_ticket_page_offers_and_accepts_only_those_who_may_see_the_case(
    client, users: dict[str, AbstractUser]
) -> None:
    ticket = make_ticket(kind=Ticket.Kind.LEGAL)
    client.force_login(users[roles.LEGAL])
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'<option value="{users[roles.LEGAL].pk}"' in page
    assert f'<option value="{users[roles.AGENT].pk}"' not in page
    client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": str(users[roles.AGENT].pk)})
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": str(users[roles.LEGAL].pk)})
    ticket.refresh_from_db()
    assert ticket.assignee_id == users[roles.LEGAL].pk
