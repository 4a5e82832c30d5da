"""Billing: the billing system read through a connector, the charge verifier, billing
inquiries and refund/credit requests (docs/architecture.md "billing/")."""
