"""Vulnerability notification campaigns that measure remediation (docs/architecture.md
"campaigns/")."""
