"""Shared pieces of the intake API, form and quarantine tests: sample reports written by us
(documentation address ranges) and a customer holding the address they complain about."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.factories import AllocationFactory, CustomerFactory, NetworkFactory

OUR_IP = "198.51.100.7"


def spam_message(
    ip: str = OUR_IP, *, subject: str = "Spam from your network", tag: str = ""
) -> bytes:
    """A plain complaint with the offending message's headers quoted (free text)."""
    unique = tag or uuid.uuid4().hex
    return (
        "From: Postmaster <postmaster@victim.example.org>\r\n"
        "To: abuse@desk.example\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 06 May 2024 10:00:00 +0000\r\n"
        f"Message-ID: <{unique}@victim.example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"We received spam sent from {ip} on 2024-05-06 09:58 UTC.\r\n"
        "\r\n"
        "----- original headers -----\r\n"
        f"Received: from mail.sender.example.net ([{ip}]) by mx.victim.example.org\r\n"
        "    with ESMTP; Mon, 06 May 2024 09:58:00 +0000\r\n"
        "From: offers@sender.example.net\r\n"
        "Subject: Cheap watches\r\n"
    ).encode()


def simple_report(**overrides: object) -> dict:
    body: dict = {
        "reporter": {
            "email": "abuse@honeypot.example.org",
            "name": "Example Honeypot",
            "organisation": "Example CERT",
        },
        "type": "brute-force",
        "resources": [{"ip": OUR_IP, "observed_at": "2024-05-01T10:00:00Z", "port": 22}],
        "description": "SSH password guessing from your network.",
        "evidence": "May  1 10:00:00 sshd[811]: Failed password for root from 198.51.100.7",
    }
    body.update(overrides)
    return body


def xarf_v4(ip: str = OUR_IP) -> dict:
    return {
        "xarf_version": "4.2.0",
        "report_id": str(uuid.uuid4()),
        "timestamp": "2024-05-17T06:30:00Z",
        "reporter": {"org": "Example Honeynet", "contact": "abuse@honeynet.example.org"},
        "sender": {"org": "Example Honeynet", "contact": "abuse@honeynet.example.org"},
        "source_identifier": ip,
        "source_port": 40222,
        "category": "connection",
        "type": "login_attack",
        "destination_port": 22,
        "protocol": "tcp",
        "service": "ssh",
    }


@pytest.fixture(name="held_ip")
def held_ip_fixture(db: None) -> object:
    """Our network with a customer holding ``OUR_IP``."""
    NetworkFactory(prefix=ipaddress.ip_network("198.51.100.0/24"))
    customer = CustomerFactory(external_id="C-API-1")
    AllocationFactory(network=ipaddress.ip_network("198.51.100.0/28"), customer=customer)
    return customer


@pytest.fixture(name="clean_throttles")
def clean_throttles_fixture() -> Iterator[None]:
    """Throttle counters live in Redis (this run's own database): start each test empty."""
    cache.clear()
    yield
    cache.clear()
