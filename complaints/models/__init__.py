"""Models of the complaints app, one module per responsibility."""

from complaints.models.events import Event
from complaints.models.mediation import DigestEntry, GuidanceArticle, SelfServiceLink
from complaints.models.messaging import Message, Party, ResponseTemplate
from complaints.models.policy import NoticePolicy
from complaints.models.reports import Mailbox, Receipt, Report, Reporter, ReporterToken, ReportRaw
from complaints.models.tickets import Ticket, TicketChange

__all__ = [
    "DigestEntry",
    "Event",
    "GuidanceArticle",
    "Mailbox",
    "Message",
    "NoticePolicy",
    "Party",
    "Receipt",
    "Report",
    "ReportRaw",
    "Reporter",
    "ReporterToken",
    "ResponseTemplate",
    "SelfServiceLink",
    "Ticket",
    "TicketChange",
]
