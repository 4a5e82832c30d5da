"""The queue and the forms speak one language (issue 17 item 6): one human-readable name
per classification on every page, form and API answer; a complaint entered in the web form
says so and keeps the URL typed whole; ticket numbers are links wherever they appear; the
queue's state lives in its URL; the agent's home shows their tickets and what is due."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from complaints.classification import TYPE_LABELS, type_choices
from complaints.intake.filing.pipeline import reports_process
from complaints.models import Report, ResponseTemplate, Ticket
from complaints.parsers.base import TAXONOMY_OF_TYPE
from tests.complaints.actions_support import make_ticket
from tests.complaints.intake.test_intake_form import NEW, taken_down
from tests.complaints.intake_support import OUR_IP, held_ip_fixture  # noqa: F401 - fixture
from tests.customers.reputation.conftest import network  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- one set of classification names ---------------------------------------------------------


def test_every_classification_has_one_name() -> None:
    assert set(TAXONOMY_OF_TYPE) <= set(TYPE_LABELS)  # never a made-up fallback
    names = [name for _, name in type_choices()]
    assert len(names) == len(set(names)) == len(TAXONOMY_OF_TYPE)
    assert names == sorted(names)


def test_the_same_name_on_the_filter_column_forms_page_and_api(users, api_client_for) -> None:
    ticket = make_ticket(type="brute-force", subject="SSH guessing")
    ResponseTemplate.objects.create(slug="bf", name="BF notice", purpose="notice",
                                    audience="customer", type="brute-force", subject="s",
                                    body="b")  # fmt: skip
    agent, admin = client_for(users["agent"]), client_for(users["admin"])
    name = "Brute-force attack"

    queue = agent.get("/tickets/").content.decode()
    assert f'value="brute-force"> {name}</label>' in queue  # the filter's checkbox
    row = re.search(rf'data-ticket-id="{ticket.pk}".*?</tr>', queue, flags=re.S)
    assert row and f"<td>{name}</td>" in row.group(0)  # the column
    page = agent.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"<dt>Classification</dt><dd>{name}" in page
    assert f"({name})</option>" in page  # the reply box's template list
    form = agent.get(NEW).content.decode()
    assert f'<option value="brute-force">{name}</option>' in form
    template_form = admin.get("/tickets/templates/new/").content.decode()
    assert f'<option value="brute-force">{name}</option>' in template_form
    listed = admin.get("/tickets/templates/").content.decode()
    assert f"<td>{name}</td>" in listed

    answer = api_client_for("agent").get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (answer["type"], answer["type_label"]) == ("brute-force", name)
    for shown in (queue, page):
        assert ">brute-force<" not in shown


# --- the web form: says so, keeps the URL whole, links the tickets -----------------------------


def test_a_web_form_complaint_says_so_and_keeps_the_url_whole(users, held_ip) -> None:
    url = f"http://{OUR_IP}/wp-admin/phish/login.php?session=abc&step=2"
    agent = client_for(users["agent"])
    response = agent.post(NEW, taken_down(resources=f"{url}\n"))
    report = Report.objects.get()
    [outcome] = reports_process([report.pk])
    page = agent.get(response["Location"]).content.decode()
    assert re.search(r'id="report-format">\s*entered in the web form<', page)
    assert "Format api" not in text(page)
    assert f'<code class="url">{url.replace("&", "&amp;")}</code>' in page  # whole, not cut
    ticket_id = outcome.ticket_ids[0]
    links = re.findall(
        rf'<a href="/tickets/{ticket_id}/" class="ticket-link">#{ticket_id}</a>', page
    )
    assert len(links) == 2  # in the outcome and on the event's row
    ticket_page = agent.get(f"/tickets/{ticket_id}/").content.decode()
    assert "entered in the web form" in ticket_page  # the evidence list and the timeline


def test_an_api_complaint_says_it_came_through_the_api(users, held_ip, api_client_for) -> None:
    body = {"reporter": {"email": "jane@victim.example.org"}, "type": "phishing",
            "resources": [{"ip": OUR_IP}], "description": "phish"}  # fmt: skip
    answer = api_client_for("agent").post("/api/v1/reports/", body, format="json").json()
    report = Report.objects.get(pk=answer["id"])
    reports_process([report.pk])
    page = client_for(users["agent"]).get(f"/intake/reports/{report.pk}/").content.decode()
    assert re.search(r'id="report-format">\s*submitted through the REST API<', page)


def test_ticket_numbers_on_the_reputation_pages_are_links(users, network) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from customers.models import BlocklistZone, Listing

    ticket = make_ticket(kind=Ticket.Kind.LISTING, customer=network["listed"])
    now = timezone.now()
    listing = Listing.objects.create(
        resource="192.0.2.10", ip="192.0.2.10", zone=BlocklistZone.objects.get(name="zen.spamhaus.org"),
        state="active", codes=["127.0.0.4"], meanings=["XBL"], first_seen=now, last_seen=now,
        listed_since=now, customer=network["listed"], ticket=ticket,
    )  # fmt: skip
    agent = client_for(users["agent"])
    link = f'<a href="/tickets/{ticket.pk}/" class="ticket-link">#{ticket.pk}</a>'
    assert link in agent.get("/reputation/listings/").content.decode()
    assert link in agent.get(f"/reputation/listings/{listing.pk}/").content.decode()


# --- the queue's state in its URL --------------------------------------------------------------


def test_a_submitted_filter_form_lands_on_its_short_url(users) -> None:
    agent = client_for(users["agent"])
    submitted = agent.get("/tickets/", {"q": "kit", "status": ["open", "new"], "kind": "",
                                        "type": ["phishing", "spam"], "customer": "",
                                        "assignee": "", "age": "", "sla": "", "sort": "last_event"})  # fmt: skip
    assert submitted.status_code == 302
    assert submitted["Location"] == (
        "/tickets/?q=kit&status=open&status=new&type=phishing&type=spam&sort=last_event"
    )
    page = agent.get(submitted["Location"]).content.decode()
    for value in ("phishing", "spam"):
        assert f'name="type" value="{value}" checked>' in page
    assert 'name="status" value="open" checked>' in page
    assert 'name="status" value="active" checked>' not in page
    assert 'value="kit"' in page
    assert 'Classification: <span class="chosen">Phishing, Spam</span>' in page


# --- the agent's home -----------------------------------------------------------------------


def test_home_shows_my_tickets_and_what_is_due(users) -> None:
    agent = users["agent"]
    now = timezone.now()
    mine = make_ticket(subject="Mine, due tomorrow", assignee=agent,
                       resolution_due_at=now + timedelta(days=1))  # fmt: skip
    overdue = make_ticket(subject="Nobody's, overdue", resolution_due_at=now - timedelta(hours=1))
    soon = make_ticket(subject="Mine, due soon", assignee=agent,
                       resolution_due_at=now + timedelta(hours=2))  # fmt: skip
    others = make_ticket(subject="A colleague's, overdue", assignee=users["lead"],
                         resolution_due_at=now - timedelta(hours=1))  # fmt: skip
    paused = make_ticket(subject="Waiting for the customer", status="awaiting_customer",
                         resolution_due_at=now + timedelta(hours=1), sla_paused_since=now)  # fmt: skip
    make_ticket(subject="Closed", assignee=agent, status="closed")
    page = client_for(agent).get("/").content.decode()
    my_section = page.split('id="my-tickets"')[1].split('id="due"')[0]
    due_section = page.split('id="due"')[1].split("</section>")[0]
    assert re.findall(r'data-ticket-id="(\d+)"', my_section) == [str(soon.pk), str(mine.pk)]
    assert re.findall(r'data-ticket-id="(\d+)"', due_section) == [str(overdue.pk), str(soon.pk)]
    assert f'href="/tickets/{mine.pk}/" class="ticket-link">#{mine.pk}</a>' in my_section
    assert str(others.pk) not in re.findall(r'data-ticket-id="(\d+)"', due_section)
    assert str(paused.pk) not in re.findall(r'data-ticket-id="(\d+)"', due_section)
    # Roles that work no queue get no such section; billing sees none of the agents' tickets.
    assert 'id="my-tickets"' not in client_for(users["none"]).get("/").content.decode()
    billing = client_for(users[roles.BILLING]).get("/").content.decode()
    assert "Mine, due tomorrow" not in billing and "Nobody's, overdue" not in billing
