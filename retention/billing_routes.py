"""Retention's router for the billing mailbox: a mail asking to cancel is answered with a
cancellation link (``retention.cancellations.cancellation_mail_route``). Found by billing's
app at start-up (``billing.apps``)."""

from billing.mail import mail_router_register
from retention.cancellations import cancellation_mail_route

mail_router_register(cancellation_mail_route)
