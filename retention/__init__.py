"""Retention: cancellations with their save offers and exit surveys, and the customer
satisfaction survey after a solved ticket (docs/architecture.md "retention/")."""
