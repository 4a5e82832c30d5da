"""Pages for actions, policy rules, SLA policies, escalation and the automation switch.

Every view checks on the server: tickets come through the permission filter (a ticket the
user may not see is a 404), requesting, cancelling and retrying need an acting role, the
four-eyes rule (and a protected customer's) is enforced by the service and explained on the
form, the rules and SLA pages are for leads and admins, the switch for admins.
Views call services and never write models.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from complaints import permissions
from complaints.actions import policy_rules, provisioning
from complaints.actions import services as actions
from complaints.audit import audit_ticket_read
from complaints.models import Action, BusinessHours, PolicyRule, SlaPolicy, Ticket
from complaints.models.actions import ActionKind
from complaints.tickets.investigations import ticket_escalate_to_investigations
from customers.models import Service

RULE_READERS = frozenset({roles.LEAD, roles.ADMIN})


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    ticket = (
        permissions.tickets_visible_to(request.user, Ticket.objects.filter(pk=pk))
        .select_related("customer", "service")
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket")
    audit_ticket_read(request, ticket, what="actions")
    return ticket


def _action(ticket: Ticket, action_id: int) -> Action:
    return get_object_or_404(
        Action.objects.select_related("requested_by", "approved_by", "cancelled_by", "customer"),
        pk=action_id,
        ticket=ticket,
    )


def _back(ticket: Ticket) -> HttpResponse:
    return redirect(reverse("workspace:ticket-detail", kwargs={"pk": ticket.pk}) + "#actions")


def _errors(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def action_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page: kind, service, reason and an explicit confirmation."""
    ticket = _ticket(request, pk)
    if not (
        permissions.can_act(request.user) and permissions.can_work_ticket(request.user, ticket)
    ):
        raise PermissionDenied
    kind = (request.POST.get("kind") or request.GET.get("kind") or "").strip()
    if kind not in ActionKind.values:
        kind = ActionKind.WARN
    services = (
        list(Service.objects.filter(customer_id=ticket.customer_id)) if ticket.customer_id else []
    )
    error = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        service = None
        if request.POST.get("service"):
            service = next((s for s in services if str(s.pk) == request.POST["service"]), None)
            if service is None:
                error = "Choose one of the customer's services."
        if not error and request.POST.get("confirm") != "yes":
            error = "Tick the confirmation to go ahead."
        if not error:
            try:
                action = actions.action_request(ticket=ticket, kind=kind, reason=reason,
                                                actor=request.user, service=service)  # fmt: skip
            except ValidationError as exc:
                error = _errors(exc)
            else:
                if action.status == Action.Status.REQUESTED:
                    messages.info(
                        request,
                        f"{action.get_kind_display()} requested: a lead or admin other than "
                        "you must approve it before it runs.",
                    )
                else:
                    messages.success(request, f"{action.get_kind_display()} approved and queued.")
                return _back(ticket)
    context = {
        "ticket": ticket, "kind": kind, "kind_label": ActionKind(kind).label,
        "kinds": ActionKind.choices, "services": services, "error": error,
        "second_person": actions.second_person_reason(kind, ticket.customer),
        "reason": request.POST.get("reason", ""),
    }  # fmt: skip
    return render(request, "workspace/action_confirm.html", context, status=400 if error else 200)


@login_required
@require_POST
def action_approve_view(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    action = _action(ticket, action_id)
    try:
        actions.action_approve(action=action, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{action.get_kind_display()} approved and queued.")
    return _back(ticket)


@login_required
@require_POST
def action_reject_view(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    action = _action(ticket, action_id)
    try:
        actions.action_reject(
            action=action, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(ticket)


@login_required
@require_POST
def action_revert_view(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    action = _action(ticket, action_id)
    try:
        actions.action_revert(
            action=action, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except provisioning.ProvisioningError as exc:
        messages.error(request, f"Not reverted: {exc.reason}.")
    else:
        messages.success(request, f"{action.get_kind_display()} reverted.")
    return _back(ticket)


@login_required
@require_POST
def action_cancel_view(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    action = _action(ticket, action_id)
    try:
        actions.action_cancel(action=action, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{action.get_kind_display()} cancelled.")
    return _back(ticket)


@login_required
@require_POST
def action_retry_view(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    action = _action(ticket, action_id)
    try:
        actions.action_retry(action=action, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"{action.get_kind_display()} queued again.")
    return _back(ticket)


@login_required
@require_GET
def action_status_view(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    """One action's row (htmx polls it while the action is queued or running)."""
    ticket = _ticket(request, pk)
    action = _action(ticket, action_id)
    context = {"ticket": ticket, "action": action, **_panel_flags(request, ticket)}
    return render(request, "workspace/_action_row.html", context)


def _panel_flags(request: HttpRequest, ticket: Ticket) -> dict[str, bool]:
    can_act = permissions.can_act(request.user) and permissions.can_work_ticket(
        request.user, ticket
    )
    return {
        "can_act": can_act,
        "can_approve": can_act and permissions.can_approve_actions(request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def ticket_escalate_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    if not permissions.can_work_ticket(request.user, ticket):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            ticket_escalate_to_investigations(ticket=ticket, actor=request.user,
                                              reason=request.POST.get("reason", ""))  # fmt: skip
        except ValidationError as exc:
            error = _errors(exc)
        else:
            messages.success(request, f"Ticket #{ticket.pk} is now with investigations.")
            if permissions.can_see_ticket(request.user, ticket):
                return _back(ticket)
            return redirect("workspace:queue")
    return render(request, "workspace/ticket_escalate.html", {"ticket": ticket, "error": error},
                  status=400 if error else 200)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def policy_rules_view(request: HttpRequest) -> HttpResponse:
    """The rules, and what they would do now (dry run); a lead may apply them now."""
    roles.require_any_role(request.user, RULE_READERS)
    if request.method == "POST":
        applied = policy_rules.policy_rules_apply()
        messages.success(request, f"{len(applied)} action(s) proposed or taken.")
        return redirect("workspace:policy-rules")
    # The dry run covers every ticket; show what this person may see, and count the rest.
    proposals = policy_rules.policy_rules_dry_run()
    visible = set(permissions.tickets_visible_to(request.user).filter(
        pk__in=[p.ticket_id for p in proposals]).values_list("pk", flat=True))  # fmt: skip
    context = {
        "rules": PolicyRule.objects.order_by("type", "name"),
        "proposals": [p for p in proposals if p.ticket_id in visible],
        "hidden": sum(1 for p in proposals if p.ticket_id not in visible),
        "switch_on": actions.automation_enabled(),
        "is_admin": roles.has_any_role(request.user, {roles.ADMIN}),
    }
    return render(request, "workspace/policy_rules.html", context)


@login_required
@require_POST
def automation_switch_view(request: HttpRequest) -> HttpResponse:
    roles.require_any_role(request.user, frozenset({roles.ADMIN}))
    enabled = request.POST.get("enabled") == "1"
    actions.automation_switch_set(enabled=enabled, actor=request.user)
    messages.success(request, "Automatic actions are " + ("on." if enabled else "off."))
    return redirect("workspace:policy-rules")


@login_required
@require_GET
def sla_policies_view(request: HttpRequest) -> HttpResponse:
    roles.require_any_role(request.user, RULE_READERS)
    context = {
        "policies": SlaPolicy.objects.select_related("business_hours").order_by("kind", "type"),
        "calendars": BusinessHours.objects.order_by("name"),
        "is_admin": roles.has_any_role(request.user, {roles.ADMIN}),
    }
    return render(request, "workspace/sla_policies.html", context)
