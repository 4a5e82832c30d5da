"""Shared fixtures: users per role, API clients, and a real Celery worker.

The suite runs on real PostgreSQL and Redis (DATABASE_URL/REDIS_URL, or the embedded ones);
pytest-socket limits sockets to loopback (pyproject addopts), so nothing leaks outside."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AbstractUser, Group
from rest_framework.test import APIClient

from accounts import roles
from accounts.services import api_token_issue, user_with_roles_ensure
from tests.servers.dovecot import dovecot  # noqa: F401 - session fixture (IMAP tests)
from tests.servers.smtp import smtp_server  # noqa: F401 - fixture (outbound mail tests)
from tests.servers.webhook import webhook_server  # noqa: F401 - fixture (provisioning tests)

REPO = Path(__file__).resolve().parent.parent
TEST_OUTPUT = REPO / "test-output"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(db: None) -> Callable[..., AbstractUser]:
    def make(username: str, *held: str) -> AbstractUser:
        # A transactional test's flush drops the groups the data migration created.
        for role in held:
            Group.objects.get_or_create(name=role)
        return user_with_roles_ensure(username=username, password=PASSWORD, roles=list(held))

    return make


@pytest.fixture
def users(make_user: Callable[..., AbstractUser]) -> dict[str, AbstractUser]:
    """One user per role, plus one with no role at all ("none")."""
    made = {role: make_user(f"user-{role}", role) for role in roles.ALL_ROLES}
    made["none"] = make_user("user-none")
    return made


@pytest.fixture
def api_client_for(users: dict[str, AbstractUser]) -> Callable[[str | None], APIClient]:
    """An API client authenticated by a hashed token of the given role (None: anonymous)."""

    def make(role: str | None) -> APIClient:
        client = APIClient()
        if role is not None:
            _, key = api_token_issue(user=users[role], name=f"test {role}")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def database_url_for_tests() -> str:
    """The URL of the database pytest-django created, for processes the tests start."""
    from django.db import connection

    cfg = connection.settings_dict
    user = quote(cfg.get("USER") or "")
    password = quote(cfg.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = cfg.get("HOST") or ""
    port = f":{cfg['PORT']}" if cfg.get("PORT") else ""
    url = f"postgresql://{auth}{host}{port}/{cfg['NAME']}"
    socket_dir = (cfg.get("OPTIONS") or {}).get("host")
    if socket_dir:
        url += f"?host={quote(socket_dir)}"
    return url


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process consuming all queues, on the test database."""
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_DB": "",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    TEST_OUTPUT.mkdir(exist_ok=True)
    log = open(TEST_OUTPUT / "celery-worker.log", "ab")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trustsafety", "worker", "-Q", "ingest,checks,default",
         "--concurrency", "1", "--pool", "prefork", "-l", "info", "-n", f"test-{os.getpid()}@%h"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    from trustsafety.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}; see {log.name}")
        replies = app.control.ping(timeout=0.5)
        if any(f"test-{os.getpid()}@" in name for reply in replies for name in reply):
            break
    else:
        process.kill()
        raise RuntimeError("celery worker did not answer a ping within 60 s")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """PBKDF2's deliberate slowness protects real passwords; test users need none of it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
