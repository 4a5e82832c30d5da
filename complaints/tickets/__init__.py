"""Tickets: the unit of work and the one place each write to it happens.

Ticket services (open or join, assign, change status, merge, add a note), the queue's
selectors, the timeline, saved views, escalation to investigations, the evidence viewer's
data and the SLA clocks the tickets carry. Uses only the shared layer
(docs/architecture.md).
"""
