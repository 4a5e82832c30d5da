"""Billing's fixtures: the WHMCS API server of the suite (tests/servers/whmcs.py)."""

from tests.servers.whmcs import whmcs_server  # noqa: F401 - fixture
