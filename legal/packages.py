"""Production packages and data subject exports (docs/architecture.md "Legal desk"): a zip
built by a task (``legal.package_build``), with a manifest naming every file and its
SHA-256; the package's own SHA-256 is recorded on the row and, once produced, on the
request. Downloadable by the legal role only, and every download is audited
(``package_download_record``, ``complaints.audit``).

What a production holds is what the registry answered for the scope (``legal.scope``), cut
to the data categories the request asks for and to the time each customer held what was
named: subscriber data (the customer record, services, domains), transactional data (the
holdings, the abuse events on the named addresses and the tickets opened within the time
range) and content (the correspondence with the customer on those tickets; reporters' mail
names third parties and stays out). An emergency disclosure is limited to the stated
emergency: the manifest carries the harm description and the limitation, and the package
holds only the services the scope named.

Building is idempotent: the task claims the row (queued → building, or a building claim
older than the task's time limit), builds the zip in memory and stores it in one update.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.roles import AnyUser
from complaints.models import Event, Message, Ticket
from complaints.restriction import restricted_q
from customers.models import Customer
from legal.models import DataCategory, LegalRequest, Package, ScopeItem, ScopeMatch, State
from legal.services import LegalError, request_record, require_legal_actor
from legal.subjects import MAX_ROWS, subject_export_data, subject_withheld_count
from legal.tasks import package_build_task

CLAIM_EXPIRES = timedelta(minutes=11)  # longer than the task's hard time limit
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed member times: the same data makes the same zip


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@transaction.atomic
def package_request(*, request_id: int, actor: AnyUser, kind: str) -> Package:
    """Queue a package's build (after the commit)."""
    require_legal_actor(actor)
    request = LegalRequest.objects.select_for_update().get(pk=request_id)
    if kind == Package.Kind.SUBJECT_EXPORT:
        if not request.is_data_subject or request.subject_customer_id is None:
            raise LegalError(
                "an export is built for a data subject linked to their customer record"
            )
    elif kind != Package.Kind.PRODUCTION:
        raise LegalError(f"unknown package kind {kind!r}")
    if request.state != State.COLLECTING:
        raise LegalError("a package is built while collecting, after the approval")
    if (
        kind == Package.Kind.PRODUCTION
        and not ScopeMatch.objects.filter(item__request=request).exists()
    ):
        raise LegalError("answer the scope from the registry first: nothing to produce")
    package = Package.objects.create(request=request, kind=kind, requested_by=actor)  # type: ignore[misc]
    request_record(request, actor=actor, verb="package.requested",
                   reason=f"{package.get_kind_display()} #{package.pk} queued")  # fmt: skip
    package_id = package.pk
    transaction.on_commit(lambda: package_build_task.delay(package_id), robust=True)
    return package


def _claim(package_id: int) -> bool:
    now = timezone.now()
    return bool(
        Package.objects.filter(pk=package_id)
        .filter(
            Q(status=Package.Status.QUEUED)
            | Q(status=Package.Status.BUILDING, claimed_at__lt=now - CLAIM_EXPIRES)
        )
        .update(status=Package.Status.BUILDING, claimed_at=now)
    )


def package_build(*, package_id: int) -> str:
    """Build one package; "ready", "failed" (reason recorded) or "skipped" (built, or
    another task is building it)."""
    if not _claim(package_id):
        return "skipped"
    package = Package.objects.select_related("request", "requested_by").get(pk=package_id)
    try:
        files = _files(package)
    except LegalError as exc:
        Package.objects.filter(pk=package_id).update(status=Package.Status.FAILED, error=str(exc))
        return "failed"
    content, manifest = zip_with_manifest(package, files)
    with transaction.atomic():
        Package.objects.filter(pk=package_id, status=Package.Status.BUILDING).update(
            status=Package.Status.READY,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            manifest=manifest,
            built_at=timezone.now(),
            error="",
        )
        request_record(package.request, actor=None, verb="package.built",
                       reason=f"{package.get_kind_display()} #{package.pk}: {len(files)} file(s), "
                              f"SHA-256 {hashlib.sha256(content).hexdigest()}")  # fmt: skip
        if package.kind == Package.Kind.SUBJECT_EXPORT and package.request.subject_customer_id:
            left_out = subject_withheld_count(package.request.subject_customer)  # type: ignore[arg-type]
            if left_out:
                request_record(package.request, actor=None, verb="package.withheld",
                               reason=f"{left_out} restricted case(s) left out of the export "
                                      "(Art. 23(1)(d) GDPR); the export does not say so")  # fmt: skip
    return "ready"


def zip_with_manifest(package: Package, files: dict[str, bytes]) -> tuple[bytes, dict[str, Any]]:
    """The zip of ``files`` plus ``manifest.json`` naming each file with its size and
    SHA-256 (the manifest does not list itself)."""
    request = package.request
    manifest: dict[str, Any] = {
        "request": request.reference,
        "package": package.pk,
        "kind": package.kind,
        "built_at": timezone.now().isoformat(),
        "requested_by": package.requested_by.get_username() if package.requested_by else "",
        "data_categories": request.data_categories,
        "files": [
            {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],
    }
    if request.emergency and package.kind == Package.Kind.PRODUCTION:
        manifest["limitation"] = (
            "Emergency disclosure limited to the stated emergency: the identifiers and times "
            "named in the request only. Harm described: " + request.harm_description
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        archive.writestr(zipfile.ZipInfo("manifest.json", ZIP_TIME), body)
    return buffer.getvalue(), manifest


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, default=str).encode()


def _files(package: Package) -> dict[str, bytes]:
    if package.kind == Package.Kind.SUBJECT_EXPORT:
        data = subject_export_data(package.request)
        html = render_to_string("legal/subject_export.html", {"data": data})
        return {"export.json": _json(data), "export.html": html.encode()}
    return production_files(package.request)


def _window(matches: list[ScopeMatch]) -> Q:
    """Rows of a customer within the times they held what the request names."""
    window = Q(pk__in=[])
    for match in matches:
        part = Q()
        if match.held_from is not None:
            part &= Q(created_at__gte=match.held_from)
        if match.held_to is not None:
            part &= Q(created_at__lt=match.held_to)
        window |= part
    return window


def production_files(request: LegalRequest) -> dict[str, bytes]:
    """The files of a production: the request, and per customer found in scope, the data
    of each category asked for, within the scope's identifiers and times."""
    categories = set(request.data_categories)
    matches = list(
        ScopeMatch.objects.filter(item__request=request).select_related(
            "item", "customer", "service"
        )
    )
    files: dict[str, bytes] = {
        "request.json": _json(
            {
                "reference": request.reference,
                "type": request.get_type_display(),
                "authority": request.authority,
                "jurisdiction": request.jurisdiction,
                "case_number": request.case_number,
                "legal_basis": request.legal_basis,
                "data_categories": sorted(categories),
                "scope": [
                    {
                        "kind": item.kind,
                        "value": item.value,
                        "from": _iso(item.starts_at),
                        "to": _iso(item.ends_at),
                    }
                    for item in request.scope.all()
                ],
            }
        )
    }
    by_customer: dict[int, list[ScopeMatch]] = {}
    for match in matches:
        by_customer.setdefault(match.customer_id, []).append(match)
    for customer_id, own in sorted(by_customer.items()):
        customer: Customer = own[0].customer
        folder = f"customer-{customer.external_id}"
        holdings = [
            {
                "named": f"{m.item.kind} {m.item.value}",
                "holding": m.holding,
                "service": m.service.label if m.service else None,
                "from": _iso(m.held_from),
                "to": _iso(m.held_to),
            }
            for m in own
        ]
        if DataCategory.SUBSCRIBER in categories:
            services = {m.service_id for m in own if m.service_id}
            files[f"{folder}/subscriber.json"] = _json(
                {
                    "external_id": customer.external_id,
                    "name": customer.name,
                    "abuse_email": customer.abuse_email,
                    "billing_email": customer.billing_email,
                    "phone": customer.phone,
                    "country": customer.country,
                    "status": customer.status,
                    "customer_since": _iso(customer.created_at),
                    "services": [
                        {"label": s.label, "kind": s.kind, "status": s.status}
                        for s in customer.services.all()
                        if not request.emergency or s.pk in services or not services
                    ],
                    "holdings": holdings,
                }
            )
        tickets = (
            Ticket.objects.filter(customer_id=customer_id)
            .exclude(restricted_q())
            .filter(_window(own))
            .order_by("created_at")[:MAX_ROWS]
        )
        if DataCategory.TRANSACTIONAL in categories:
            ips = [m.item.value for m in own if m.item.kind == ScopeItem.Kind.IP]
            event_window = Q(pk__in=[])
            for m in own:
                if m.item.kind == ScopeItem.Kind.IP and m.held_from and m.held_to:
                    event_window |= Q(ip=m.item.value, observed_at__gte=m.held_from,
                                      observed_at__lt=m.held_to)  # fmt: skip
            events = (
                Event.objects.filter(customer_id=customer_id, ip__in=ips)
                .filter(event_window)
                .exclude(ticket__in=Ticket.objects.filter(restricted_q()))
                .order_by("observed_at")[:MAX_ROWS]
                if ips
                else []
            )
            files[f"{folder}/transactional.json"] = _json(
                {
                    "holdings": holdings,
                    "events": [
                        {
                            "observed_at": _iso(e.observed_at),
                            "ip": e.ip,
                            "port": e.port,
                            "type": e.type,
                            "ticket": e.ticket_id,
                        }
                        for e in events
                    ],
                    "tickets": [
                        {
                            "number": t.pk,
                            "kind": t.kind,
                            "type": t.type,
                            "resource": t.resource,
                            "status": t.status,
                            "opened": _iso(t.created_at),
                        }
                        for t in tickets
                    ],
                }
            )
        if DataCategory.CONTENT in categories:
            messages = (
                # the correspondence with the customer: reporters' mail names third parties
                Message.objects.filter(ticket__in=list(tickets))
                .exclude(direction=Message.Direction.NOTE)
                .filter(visibility=Message.Visibility.CUSTOMER)
                .order_by("created_at")[:MAX_ROWS]
            )
            files[f"{folder}/content.json"] = _json(
                [
                    {
                        "ticket": m.ticket_id,
                        "at": _iso(m.created_at),
                        "direction": m.direction,
                        "from": m.from_address,
                        "to": m.to_address,
                        "subject": m.subject,
                        "body": m.body,
                    }
                    for m in messages
                ]
            )
    return files


@transaction.atomic
def package_download_record(*, package: Package, actor: AnyUser, path: str) -> None:
    """Every download of a package, in the request's history and the desk's audit trail."""
    require_legal_actor(actor)
    request_record(package.request, actor=actor, verb="package.download",
                   reason=f"{package.get_kind_display()} #{package.pk} (SHA-256 {package.sha256})",
                   detail={"package": package.pk, "sha256": package.sha256, "path": path[:300]})  # fmt: skip
