"""Fuzz the REST API with schemathesis against ``/api/schema/`` on the live test server.

Every operation of the published schema is called with data generated from the schema (valid
and invalid, schemathesis' positive and negative modes) as every kind of caller: a desk
token of each role, a user token with no role, an outside reporter's token and nobody. The
requirement (issue "Fuzz the API"): no 5xx ever, every 4xx answers a JSON body, and every
answer conforms to the schema (status code, content type, headers and body).

Path identifiers are mostly ones that exist (tickets of every kind, their actions and
reports, a customer, an allocation), so the fuzz reaches the code behind the 404s, and
restricted tickets are in the set, so role filters are exercised too; the test also checks
that every operation was reached past authentication, permissions and lookup at least once.

The run is bounded for CI: ``MAX_EXAMPLES`` per operation and per mode, derandomized (the
same cases every run, so a failure reproduces), no shrinking and no Hypothesis deadline.
Nothing leaves loopback: the server is pytest-django's live server, and a request sends no
mail (outbound mail is queued for a Celery worker, which this test does not start).

schemathesis' own pytest integration (``schema.parametrize``) is not used: its lazy loader
from a fixture (needed for a live server's URL) breaks on the pytest this suite runs
(it sets ``Function._nodeid``); the operations' Hypothesis strategies are driven directly.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (  # type: ignore[attr-defined]  # registered checks
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup

from accounts import roles
from accounts.services import api_token_issue
from complaints.intake.reporter_tokens import reporter_ensure, reporter_token_issue
from legal.services import request_receive
from tests.authz_support import make_objects
from tests.factories import AllocationFactory, CustomerFactory, NetworkFactory

MAX_EXAMPLES = 20  # per operation and mode; x 9 callers: ~5,400 requests
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass(frozen=True)
class Seeded:
    """Identifiers that exist, for the path parameters of the same name."""

    ticket_ids: list[int]
    action_ids: list[int]
    report_ids: list[int]
    allocation_ids: list[int]
    customer_ids: list[str]
    legal_request_ids: list[int]


@pytest.fixture
def principals(users: dict, settings: Any) -> dict[str, dict[str, str]]:  # type: ignore[type-arg]
    """The Authorization header of every kind of caller, by name."""
    settings.REPORTS_API_THROTTLE = "100000/min"  # the fuzz posts far faster than a reporter
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name in [*roles.ALL_ROLES, "none"]:
        _, key = api_token_issue(user=users[name], name=f"fuzz {name}")
        headers[name] = {"Authorization": f"Token {key}"}
    reporter = reporter_ensure(address="abuse@fuzz-cert.example.org", name="Fuzz CERT")
    _, key = reporter_token_issue(reporter)
    headers["reporter"] = {"Authorization": f"Token {key}"}
    return headers


@pytest.fixture
def seeded(transactional_db: None, users: dict) -> Seeded:  # type: ignore[type-arg]
    objects = make_objects()
    legal = request_receive(actor=users["legal"], type="subpoena", authority="Fuzz Police",
                            jurisdiction="DE", received_at=timezone.now())  # fmt: skip
    NetworkFactory(prefix=ipaddress.ip_network("198.51.100.0/24"))
    customer = CustomerFactory(external_id="C-FUZZ-1")
    allocation = AllocationFactory(
        network=ipaddress.ip_network("198.51.100.0/28"), customer=customer
    )
    return Seeded(
        ticket_ids=[o.ticket.pk for o in objects.values()],
        action_ids=[o.action.pk for o in objects.values()],
        report_ids=[o.report.pk for o in objects.values()],
        allocation_ids=[allocation.pk],
        customer_ids=[customer.external_id],
        legal_request_ids=[legal.pk],
    )


def _use_seeded_ids(case: Any, seeded: Seeded, data: st.DataObject) -> None:
    choices = {
        "ticket_id": seeded.ticket_ids,
        "action_id": seeded.action_ids,
        "external_id": seeded.customer_ids,
        "id": (
            seeded.allocation_ids
            if "allocations" in case.path
            else seeded.legal_request_ids
            if "/legal/" in case.path
            else seeded.report_ids
        ),
    }
    for name in list(case.path_parameters or {}):
        if name in choices:
            # A real identifier first (Hypothesis leans to the first choice), or the generated one.
            chosen = data.draw(st.sampled_from([*choices[name], None]), label=name)
            if chosen is not None:
                case.path_parameters[name] = chosen


def _sent(case: Any) -> str:
    body = "" if case.body is NOT_SET else f" body={str(case.body)[:300]!r}"
    return f"{case.method} {case.formatted_path} query={case.query!r}{body}"


def _assert_json_error(response: Any, who: str, case: Any) -> None:
    if 400 <= response.status_code < 500:
        content_type = (response.headers.get("content-type") or [""])[0]
        where = f"{_sent(case)} as {who}: {response.status_code}"
        assert content_type.startswith("application/json"), f"{where} answered {content_type}"
        try:
            json.loads(response.content)
        except ValueError as exc:
            raise AssertionError(f"{where} answered a body that is not JSON") from exc


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    principals: dict[str, dict[str, str]],
    seeded: Seeded,
    answered: Counter[tuple[str, int]],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,  # a loaded CI machine is slow, not wrong
        derandomize=True,  # the same cases every run: a failure reproduces
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each step is 9 requests
    )
    def run(case: Any, data: st.DataObject) -> None:
        _use_seeded_ids(case, seeded, data)
        for who, headers in principals.items():
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            answered[(operation.label, response.status_code)] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as exc:
                found = "; ".join(f"{f.title}: {f.message}" for f in exc.exceptions)
                raise AssertionError(
                    f"{_sent(case)} as {who}: {response.status_code} "
                    f"{response.text[:300]!r}: {found}"
                ) from None
            _assert_json_error(response, who, case)

    run()


@pytest.mark.timeout(900)  # ~2 minutes on an idle 2-core machine; more when it is shared
def test_api_conforms_to_its_schema_for_every_caller(
    live_server: Any, principals: dict[str, dict[str, str]], seeded: Seeded
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", timeout=30)
    failures: list[str] = []
    answered: Counter[tuple[str, int]] = Counter()
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, mode, live_server.url, principals, seeded, answered)
            except Unsatisfiable:
                continue  # nothing in the operation's schema can be made invalid
            except AssertionError as exc:  # every operation's findings are reported together
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert len(labels) >= 15, labels
    # The fuzz reached every operation's own code, not only the doors: some caller got past
    # authentication, permissions and the object lookup (a success or a 400 of its own).
    for label in labels:
        codes = {code for (op, code) in answered if op == label}
        assert codes & {200, 201, 202, 400}, f"{label} answered only {sorted(codes)}"
