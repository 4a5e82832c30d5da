"""Real servers on loopback that the tests start (SMTP, IMAP)."""
