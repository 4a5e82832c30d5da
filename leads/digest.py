"""The weekly digest to leads: the dashboards' main tables as plain text, by mail
(docs/architecture.md, "leads/").

- ``lead_digests_queue`` (beat, Monday morning) writes one ``LeadDigest`` per active lead
  with an address and week, idempotently (a unique constraint), and queues each one's
  sending after the commit; run again in the same week it only re-queues what is unsent.
- ``lead_digest_send`` claims the row by a conditional update (queued -> sending) and sends
  it outside any transaction; a temporary SMTP failure puts it back for a retry, a
  permanent one or ``MAIL_SEND_MAX_ATTEMPTS`` marks it failed with the reason.

Mail is the one path that leaves the desk, so the digest carries only what every lead
sees: unrestricted tickets of the lead's kinds (``leads.permissions.digest_viewer``),
whatever other roles the recipient holds. It names no ticket, only counts and durations.
Headers are fixed text plus the date; the address is validated like every outbound one.
"""

from __future__ import annotations

import smtplib
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import roles
from complaints.mediation.outbound import InvalidAddress, address_validate
from complaints.mediation.outbound import retry_delay as mail_retry_delay
from complaints.mediation.templating import plain_body, single_line
from leads.models import LeadDigest
from leads.panels import Table, panels_for
from leads.permissions import digest_viewer
from leads.tasks import lead_digest_send_task

DIGEST_WINDOW = 7
ROWS_PER_TABLE = 12
CELL_WIDTH = 36


class DigestDeferred(Exception):
    """The SMTP server said "later": the task retries."""


def retry_delay(retries: int) -> int:
    return mail_retry_delay(retries)


def week_of(day: date) -> date:
    """The Monday of ``day``'s week: the key of that week's digest."""
    return day - timedelta(days=day.weekday())


def table_text(table: Table, *, limit: int = ROWS_PER_TABLE) -> str:
    """A table as aligned plain text, its first ``limit`` rows."""
    header = [column.label for column in table.columns]
    rows = [[cell.text for cell in cells] for _, cells in table.cells()[:limit]]
    if not rows:
        return f"{table.caption}\n  {table.empty}\n"
    clipped = [[text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…" for text in row]
               for row in [header, *rows]]  # fmt: skip
    widths = [max(len(row[i]) for row in clipped) for i in range(len(header))]
    lines = [table.caption]
    for n, row in enumerate(clipped):
        first = row[0].ljust(widths[0])
        rest = [text.rjust(width) for text, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  " + "  ".join([first, *rest]).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    if len(table.rows) > limit:
        lines.append(f"  … {len(table.rows) - limit} more rows on the dashboards")
    return "\n".join(lines) + "\n"


def digest_compose(user: object, *, today: date) -> tuple[str, str]:
    """(subject, body) of ``user``'s digest as of ``today``."""
    viewer = digest_viewer(user)  # type: ignore[arg-type]
    parts = [
        f"The desk's figures for the {DIGEST_WINDOW} days to {today:%A %d %B %Y} (the backlog "
        "as it is now). Unrestricted cases only: restricted ones stay on the desk.",
        f"Dashboards, charts and CSV: {settings.SITE_URL}/leads/",
        "",
    ]
    for panel in panels_for(viewer):
        if not panel.digest_tables:
            continue
        tables = {t.slug: t for t in panel.build(viewer, panel.window_for(DIGEST_WINDOW))}
        parts.append(f"== {panel.title} ==")
        for slug in panel.digest_tables:
            if slug in tables:
                parts.append(table_text(tables[slug]))
    subject = f"{settings.PROVIDER_NAME} Trust & Safety: the week to {today:%Y-%m-%d}"
    return single_line(subject), plain_body("\n".join(parts))


def lead_digests_queue(*, today: date | None = None) -> list[int]:
    """Write this week's digest of every active lead with an address (once), and queue the
    sending of each digest of this week not yet sent. The ids queued."""
    today = today or timezone.localdate()
    week = week_of(today)
    leads = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.LEAD)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    with transaction.atomic():
        for user in leads:
            if LeadDigest.objects.filter(user=user, week_start=week).exists():
                continue
            subject, body = digest_compose(user, today=today)
            try:
                with transaction.atomic():
                    LeadDigest.objects.create(
                        user=user,
                        week_start=week,
                        to_address=user.email,
                        subject=subject,
                        body=body,
                    )
            except IntegrityError:
                continue  # another run wrote it meanwhile
        ids = list(
            LeadDigest.objects.filter(week_start=week, status=LeadDigest.Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [lead_digest_send_task.delay(pk) for pk in ids])
    return ids


def _mark(digest_id: int, status: str, error: str = "") -> None:
    values: dict[str, object] = {"status": status, "error": error[:2000]}
    if status == LeadDigest.Status.SENT:
        values["sent_at"] = timezone.now()
    LeadDigest.objects.filter(pk=digest_id, status=LeadDigest.Status.SENDING).update(**values)


def lead_digest_send(*, digest_id: int) -> str:
    """Send one digest; the row's status afterwards. Runs outside a transaction: the claim
    is a conditional update, so two tasks never both send it."""
    claimed = LeadDigest.objects.filter(pk=digest_id, status=LeadDigest.Status.QUEUED).update(
        status=LeadDigest.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    digest = LeadDigest.objects.filter(pk=digest_id).first()
    if not claimed or digest is None:
        return digest.status if digest is not None else "missing"
    try:
        address = address_validate(digest.to_address)
    except InvalidAddress as exc:
        _mark(digest.pk, LeadDigest.Status.FAILED, str(exc))
        return LeadDigest.Status.FAILED
    email = EmailMessage(
        subject=single_line(digest.subject),
        body=digest.body,
        from_email=settings.DESK_FROM_ADDRESS,
        to=[address],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-Loop": settings.DESK_MAIL_DOMAIN,
        },
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
    )
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        code = _smtp_code(exc)
        if code is not None and code >= 500:
            _mark(digest.pk, LeadDigest.Status.FAILED, f"refused: {exc}")
            return LeadDigest.Status.FAILED
        return _defer(digest, exc)
    except (smtplib.SMTPException, OSError) as exc:
        return _defer(digest, exc)
    _mark(digest.pk, LeadDigest.Status.SENT)
    return LeadDigest.Status.SENT


def _smtp_code(exc: smtplib.SMTPException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _defer(digest: LeadDigest, exc: Exception) -> str:
    if digest.attempts >= settings.MAIL_SEND_MAX_ATTEMPTS:
        _mark(digest.pk, LeadDigest.Status.FAILED, f"gave up: {exc}")
        return LeadDigest.Status.FAILED
    _mark(digest.pk, LeadDigest.Status.QUEUED, f"deferred: {exc}")
    raise DigestDeferred(str(exc))
