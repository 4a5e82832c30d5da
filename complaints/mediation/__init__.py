"""Mediation: the conversation with reporters and customers.

What agents say (``replies``), what comes back (``inbound``), who the parties are
(``parties``), automatic notices, digests, reminders and closing notices, acknowledgements,
the outbound mail queue and sender, templates and guidance, redaction, and the customers'
self-service page. Uses tickets and the shared layer, never the intake or actions
(docs/architecture.md).
"""
