"""What every template may ask of billing: whether the user reads the ledger (the ticket and
customer pages load the billing panel only then)."""

from __future__ import annotations

from django.http import HttpRequest

from billing.selectors import can_read_ledger


def billing(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {"billing_readable": bool(user is not None and can_read_ledger(user))}
