"""Internal notes have one writer, ``ticket_note_add``, and every write of a ``Message``
row goes through a service: agents' notes, the SLA sweep and the reputation watch no longer
insert notes by hand, and the deliverability doctor queues its mail through the outbound
queue (which refuses mail to a restricted case's customer) instead of inserting it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from complaints.models import Message
from complaints.tickets.services import NOTE_MAX_CHARS, ticket_note_add
from tests.complaints.queue_support import make_ticket

REPO = Path(__file__).resolve().parents[3]
# The services that write Message rows, and what each writes.
MESSAGE_WRITERS = {
    "complaints/tickets/services.py",  # internal notes
    "complaints/mediation/outbound.py",  # outbound mail, queued
    "complaints/mediation/inbound.py",  # answers and bounces threaded onto tickets
    "complaints/mediation/digests.py",  # automatic notices held for the digest
    "complaints/mediation/selfservice.py",  # the customer's answer on the self-service page
    "complaints/demo.py",  # demo history (seed_demo), not a running desk
}


@pytest.mark.django_db
def test_a_note_is_internal_recorded_and_bounded() -> None:
    ticket = make_ticket()
    note = ticket_note_add(ticket=ticket.pk, subject="s" * 2000, body="b" * (NOTE_MAX_CHARS + 5))
    assert note.ticket_id == ticket.pk
    assert note.direction == Message.Direction.NOTE
    assert note.visibility == Message.Visibility.INTERNAL
    assert note.kind == Message.Kind.NOTE
    assert note.status == Message.Status.RECORDED
    assert note.author_id is None
    assert len(note.subject) == 998
    assert len(note.body) == NOTE_MAX_CHARS


def test_only_the_services_create_message_rows() -> None:
    writers = set()
    for package in ("complaints", "customers", "accounts", "trustsafety"):
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("create", "bulk_create", "get_or_create")
                    and isinstance(node.func.value, ast.Attribute)
                    and node.func.value.attr == "objects"
                    and isinstance(node.func.value.value, ast.Name)
                    and node.func.value.value.id == "Message"
                ):
                    writers.add(str(path.relative_to(REPO)))
    assert writers <= MESSAGE_WRITERS, sorted(writers - MESSAGE_WRITERS)
