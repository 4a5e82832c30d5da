"""Models of the complaints app, one module per responsibility."""

from complaints.models.actions import Action, ActionKind, AutomationSwitch, PolicyRule
from complaints.models.audit import AuditEntry
from complaints.models.events import Event
from complaints.models.mediation import DigestEntry, GuidanceArticle, SelfServiceLink
from complaints.models.messaging import Message, Party, ResponseTemplate
from complaints.models.policy import NoticePolicy
from complaints.models.reports import Mailbox, Receipt, Report, Reporter, ReporterToken, ReportRaw
from complaints.models.sla import BusinessHours, Notification, SlaPolicy
from complaints.models.tickets import Ticket, TicketChange, TicketTally
from complaints.models.workspace import SavedView

__all__ = [
    "Action",
    "ActionKind",
    "AuditEntry",
    "AutomationSwitch",
    "BusinessHours",
    "DigestEntry",
    "Event",
    "GuidanceArticle",
    "Mailbox",
    "Message",
    "NoticePolicy",
    "Notification",
    "Party",
    "PolicyRule",
    "Receipt",
    "Report",
    "ReportRaw",
    "Reporter",
    "ReporterToken",
    "ResponseTemplate",
    "SavedView",
    "SelfServiceLink",
    "SlaPolicy",
    "Ticket",
    "TicketChange",
    "TicketTally",
]
