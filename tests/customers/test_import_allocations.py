"""``import_allocations``: idempotent, all or nothing, every bad row named by line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import Customer, IPAllocation, Service
from customers.services import ImportRejected, allocations_import

pytestmark = pytest.mark.django_db

HEADER = "network,customer_external_id,customer_name,service,valid_from,valid_to\n"


def test_import_creates_customers_services_and_allocations() -> None:
    text = HEADER + (
        "192.0.2.0/28,C1,Blue Harbor Bakery,web1.example,2024-01-01,\n"
        "192.0.2.16/28,C1,Blue Harbor Bakery,web1.example,2024-01-01T00:00:00Z,2025-01-01\n"
        "2001:db8::/48,C2,Nordlicht Media,,2024-02-01T12:00:00+01:00,\n"
    )
    result = allocations_import(text=text)
    assert (result.created, result.customers_created, result.services_created) == (3, 2, 1)
    assert Customer.objects.get(external_id="C1").name == "Blue Harbor Bakery"
    assert Service.objects.get(label="web1.example").allocations.count() == 2
    v6 = IPAllocation.objects.get(customer__external_id="C2")
    assert v6.valid_from.isoformat() == "2024-02-01T11:00:00+00:00"
    assert v6.service is None


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "alloc.csv"
    path.write_text(HEADER + "192.0.2.0/28,C1,Blue Harbor,web,2024-01-01,\n")
    call_command("import_allocations", str(path))
    before = list(IPAllocation.objects.values_list("pk", "valid_to"))
    call_command("import_allocations", str(path))
    assert list(IPAllocation.objects.values_list("pk", "valid_to")) == before


def test_reimport_with_an_end_date_closes_the_holding() -> None:
    allocations_import(text=HEADER + "192.0.2.0/28,C1,Blue Harbor,,2024-01-01,\n")
    result = allocations_import(
        text=HEADER + "192.0.2.0/28,C1,Blue Harbor,,2024-01-01,2024-06-01\n"
        "192.0.2.0/28,C2,Kestrel Cycles,,2024-06-01,\n"
    )
    assert (result.updated, result.created) == (1, 1)
    assert IPAllocation.objects.filter(network="192.0.2.0/28").count() == 2


def test_every_bad_row_is_listed_by_line_and_nothing_is_imported() -> None:
    text = HEADER + (
        "192.0.2.0/28,C1,Good,,2024-01-01,\n"  # line 2: fine
        "192.0.2.300/28,C1,Bad,,2024-01-01,\n"  # line 3: bad CIDR
        "192.0.2.5/28,C1,Bad,,2024-01-01,\n"  # line 4: host bits set
        "192.0.2.32/28,C1,Bad,,2024-06-01,2024-01-01\n"  # line 5: to before from
        "192.0.2.48/28,,Bad,,2024-01-01,\n"  # line 6: no customer
        "192.0.2.64/28,C1,Bad,,yesterday,\n"  # line 7: bad time
        "192.0.2.0/28,C2,Other,,2024-03-01,\n"  # line 8: overlaps line 2
    )
    with pytest.raises(ImportRejected) as caught:
        allocations_import(text=text)
    lines = {error.line: error.message for error in caught.value.result.errors}
    assert set(lines) == {3, 4, 5, 6, 7, 8}
    assert "host bits" in lines[4]
    assert "not after" in lines[5]
    assert "overlaps line 2" in lines[8]
    assert IPAllocation.objects.count() == 0
    assert Customer.objects.count() == 0


def test_overlap_with_a_stored_holding_is_an_error() -> None:
    allocations_import(text=HEADER + "192.0.2.0/28,C1,A,,2024-01-01,\n")
    with pytest.raises(ImportRejected) as caught:
        allocations_import(text=HEADER + "192.0.2.0/28,C2,B,,2024-05-01,\n")
    assert caught.value.result.errors[0].line == 2
    assert "stored holding by C1" in caught.value.result.errors[0].message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "network,customer_external_id,customer_name,service,valid_from\n",
            "missing columns: valid_to",
        ),
        (HEADER.strip() + ",colour\n", "unknown columns: colour"),
    ],
)
def test_missing_or_unknown_columns_are_refused(header: str, expected: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        allocations_import(text=header)
    assert caught.value.result.errors[0].line == 1
    assert expected in caught.value.result.errors[0].message


def test_command_lists_errors_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "not-a-network,C1,A,,2024-01-01,\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_allocations", str(path))
    assert f"{path}:2: 'not-a-network' is not a valid CIDR network" in capsys.readouterr().err


def test_resolve_command_refuses_malformed_input_with_status_2() -> None:
    for args in (["resolve", "999.1.1.1"], ["resolve", "192.0.2.1", "--at", "2024-13-40"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert done.returncode == 2
        assert done.stderr.strip().count("\n") == 0, done.stderr
        assert done.stderr.startswith("CommandError:")
