"""Intake: everything received, until it is filed or quarantined.

Receiving (raw bytes committed first), the channels (IMAP mailboxes, mail files, the REST
API, the web form), mail authentication at the border, reply detection and the reading of
answers, the quarantine, the sweeper, the reactions after filing, reporter tokens and the
report pages. The filing engine itself is ``complaints.intake.filing``. The top capability
layer: it may use mediation, actions and tickets (docs/architecture.md).
"""
