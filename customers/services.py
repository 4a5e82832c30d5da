"""State changes for the registry of who holds what: importing and creating allocations."""

from __future__ import annotations

import csv
import io
import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.fields import Network, parse_network
from customers.models import Customer, IPAllocation, Service

IMPORT_COLUMNS = [
    "network",
    "customer_external_id",
    "customer_name",
    "service",
    "valid_from",
    "valid_to",
]
OPTIONAL_IMPORT_COLUMNS = ["shared"]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    services_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    network: Network
    external_id: str
    customer_name: str
    service: str
    valid_from: datetime
    valid_to: datetime | None
    shared: bool


class ImportRejected(Exception):
    def __init__(self, result: ImportResult) -> None:
        super().__init__("; ".join(str(e) for e in result.errors[:5]))
        self.result = result


def parse_moment(text: str) -> datetime:
    """ISO 8601 date or date-time; no offset means UTC (docs/architecture.md)."""
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _overlaps(
    a_from: datetime, a_to: datetime | None, b_from: datetime, b_to: datetime | None
) -> bool:
    return (b_to is None or a_from < b_to) and (a_to is None or b_from < a_to)


def _read_rows(text: str, result: ImportResult) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS + OPTIONAL_IMPORT_COLUMNS]
    if missing:
        result.errors.append(RowError(1, f"missing columns: {', '.join(missing)}"))
    if unknown:
        result.errors.append(RowError(1, f"unknown columns: {', '.join(unknown)}"))
    if missing or unknown:
        return []
    reader.fieldnames = header
    rows: list[_Row] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            result.errors.append(RowError(line, "more fields than columns"))
            continue
        values = {k: (v or "").strip() for k, v in raw.items()}
        problems: list[str] = []
        network: Network | None = None
        try:
            network = parse_network(values["network"])
        except ValidationError as exc:
            problems.append(exc.messages[0])
        if not values["customer_external_id"]:
            problems.append("customer_external_id is empty")
        valid_from = valid_to = None
        try:
            valid_from = parse_moment(values["valid_from"])
        except ValueError as exc:
            problems.append(f"valid_from: {exc}")
        if values["valid_to"]:
            try:
                valid_to = parse_moment(values["valid_to"])
            except ValueError as exc:
                problems.append(f"valid_to: {exc}")
        if valid_from and valid_to and valid_to <= valid_from:
            problems.append("valid_to is not after valid_from")
        shared_text = values.get("shared", "").lower()
        if shared_text not in ("", "0", "1", "true", "false", "yes", "no"):
            problems.append(f"shared must be true or false, not {shared_text!r}")
        if problems:
            result.errors.extend(RowError(line, p) for p in problems)
            continue
        assert network is not None and valid_from is not None
        rows.append(
            _Row(
                line=line,
                network=network,
                external_id=values["customer_external_id"],
                customer_name=values["customer_name"] or values["customer_external_id"],
                service=values["service"],
                valid_from=valid_from,
                valid_to=valid_to,
                shared=shared_text in ("1", "true", "yes"),
            )
        )
    return rows


def _check_overlaps(rows: list[_Row], stored: list[IPAllocation], result: ImportResult) -> None:
    by_network: dict[Network, list[_Row]] = defaultdict(list)
    for row in rows:
        by_network[row.network].append(row)
    for group in by_network.values():
        group.sort(key=lambda r: r.valid_from)
        for earlier, later in pairwise(group):
            if _overlaps(earlier.valid_from, earlier.valid_to, later.valid_from, later.valid_to):
                result.errors.append(
                    RowError(later.line, f"{later.network} overlaps line {earlier.line} in time")
                )
    in_file = {(row.network, row.external_id, row.valid_from) for row in rows}
    for alloc in stored:
        if (alloc.network, alloc.customer.external_id, alloc.valid_from) in in_file:
            continue  # the file restates (or closes) this holding; checked above as a row
        for row in by_network.get(alloc.network, []):
            if _overlaps(row.valid_from, row.valid_to, alloc.valid_from, alloc.valid_to):
                result.errors.append(
                    RowError(
                        row.line,
                        f"{row.network} overlaps the stored holding by "
                        f"{alloc.customer.external_id} from {alloc.valid_from.isoformat()}",
                    )
                )


def allocations_import(*, text: str) -> ImportResult:
    """Import allocations from CSV text (docs/architecture.md ``import_allocations``).

    All or nothing: every bad row is reported with its line number and nothing is written
    unless the whole file is valid. Re-importing the same file changes nothing; a row that
    matches a stored holding (network, customer, valid_from) with a new ``valid_to`` or
    service updates it (closing a holding)."""
    result = ImportResult()
    rows = _read_rows(text, result)
    if not rows and result.errors:
        raise ImportRejected(result)
    networks = sorted({row.network for row in rows}, key=lambda n: (n.version, n))
    stored = list(
        IPAllocation.objects.filter(network__in=networks).select_related("customer", "service")
    )
    _check_overlaps(rows, stored, result)
    result.errors.sort(key=lambda e: e.line)
    if result.errors:
        raise ImportRejected(result)
    try:
        with transaction.atomic():
            _write_rows(rows, stored, result)
    except IntegrityError as exc:  # a concurrent writer got there first
        result.errors.append(RowError(0, f"the database refused the import: {exc}"))
        raise ImportRejected(result) from exc
    return result


def _write_rows(rows: list[_Row], stored: list[IPAllocation], result: ImportResult) -> None:
    external_ids = {row.external_id for row in rows}
    customers = {c.external_id: c for c in Customer.objects.filter(external_id__in=external_ids)}
    new_customers = [
        Customer(external_id=ext, name=next(r.customer_name for r in rows if r.external_id == ext))
        for ext in sorted(external_ids - customers.keys())
    ]
    for customer in Customer.objects.bulk_create(new_customers):
        customers[customer.external_id] = customer
    result.customers_created = len(new_customers)

    wanted_services = {(row.external_id, row.service) for row in rows if row.service}
    services = {
        (s.customer.external_id, s.label): s
        for s in Service.objects.filter(customer__in=customers.values()).select_related("customer")
    }
    new_services = [
        Service(customer=customers[ext], label=label)
        for ext, label in sorted(wanted_services - services.keys())
    ]
    for created in Service.objects.bulk_create(new_services):
        services[(created.customer.external_id, created.label)] = created
    result.services_created = len(new_services)

    existing = {(a.network, a.customer.external_id, a.valid_from): a for a in stored}
    to_create: list[IPAllocation] = []
    to_update: list[IPAllocation] = []
    for row in rows:
        service = services.get((row.external_id, row.service)) if row.service else None
        current = existing.get((row.network, row.external_id, row.valid_from))
        if current is None:
            to_create.append(
                IPAllocation(
                    network=row.network,
                    customer=customers[row.external_id],
                    service=service,
                    valid_from=row.valid_from,
                    valid_to=row.valid_to,
                    shared=row.shared,
                )
            )
        elif (current.valid_to, current.service_id, current.shared) != (
            row.valid_to,
            service.pk if service else None,
            row.shared,
        ):
            current.valid_to, current.service, current.shared = row.valid_to, service, row.shared
            to_update.append(current)
        else:
            result.unchanged += 1
    # Updates first: closing a holding may be what makes room for a new one.
    IPAllocation.objects.bulk_update(to_update, ["valid_to", "service", "shared"], batch_size=1000)
    IPAllocation.objects.bulk_create(to_create, batch_size=2000)
    result.created, result.updated = len(to_create), len(to_update)


@transaction.atomic
def allocation_create(
    *,
    network: str | Network,
    customer: Customer,
    valid_from: datetime,
    valid_to: datetime | None = None,
    service: Service | None = None,
    shared: bool = False,
    note: str = "",
) -> IPAllocation:
    """Record one holding; overlapping holdings of the same network are refused. Every
    reason to refuse is said at once (a field each)."""
    net = parse_network(network)
    errors: dict[str, str] = {}
    if valid_from.tzinfo is None:
        errors["valid_from"] = "must carry a timezone"
    if valid_to is not None and valid_to.tzinfo is None:
        errors["valid_to"] = "must carry a timezone"
    elif valid_to is not None and valid_from.tzinfo is not None and valid_to <= valid_from:
        errors["valid_to"] = "must be after valid_from"
    if service is not None and service.customer_id != customer.pk:
        errors["service"] = "belongs to another customer"
    if "valid_from" not in errors and "valid_to" not in errors:
        clash = (
            IPAllocation.objects.filter(network=net).filter(valid_from__lt=valid_to)
            if valid_to
            else IPAllocation.objects.filter(network=net)
        )
        if clash.exclude(valid_to__lte=valid_from).exists():
            errors["network"] = f"{net} is already held during that time"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return IPAllocation.objects.create(
                network=net,
                customer=customer,
                service=service,
                valid_from=valid_from,
                valid_to=valid_to,
                shared=shared,
                note=note,
            )
    except IntegrityError as exc:  # lost a race with another writer
        raise ValidationError({"network": f"{net} is already held during that time"}) from exc


def ip_text(value: str) -> str:
    """Validate an IP address given by a person or API client; IPv4-mapped unwrapped."""
    try:
        addr = ipaddress.ip_address(value.strip())
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an IP address") from exc
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return str(addr)
