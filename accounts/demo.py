"""Demo users, one per role, for the demo desk and the browser tests."""

from __future__ import annotations

from accounts import roles
from accounts.services import user_with_roles_ensure

DEMO_PASSWORD = "desk-demo-2026"  # noqa: S105 - demo only; seed_demo refuses when DEBUG is off

DEMO_USERS = [
    ("alice", [roles.AGENT], False),
    ("arjun", [roles.AGENT], False),
    ("lena", [roles.LEAD, roles.AGENT], False),
    ("leo", [roles.LEGAL], False),
    ("lex", [roles.LEGAL], False),  # the legal desk's second approver (four eyes)
    ("ines", [roles.INVESTIGATIONS], False),
    ("bill", [roles.BILLING], False),
    ("ada", [roles.ADMIN], True),
]


def seed_users() -> list[tuple[str, list[str]]]:
    for username, held, staff in DEMO_USERS:
        user_with_roles_ensure(
            username=username,
            password=DEMO_PASSWORD,
            roles=held,
            email=f"{username}@desk.example",
            staff=staff,
        )
    return [(username, held) for username, held, _ in DEMO_USERS]
