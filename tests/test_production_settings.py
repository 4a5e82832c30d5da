"""Production settings refuse what would make a weak production: each case imports
``trustsafety.settings`` in a fresh interpreter with exactly the given environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "q" * 20 + "7Yh3-pLx9_Vw2Kc4Rt8Zb1Nm6Jd0Fs5Gq",
    "FIELD_ENCRYPTION_KEY": "Jx0f7x0bd1SBg0kHXzyn0sZ7p0fN4i7e9q5Sy8qWk3c=",
    "PROVISIONING_WEBHOOK_SECRET": "s" * 16 + "Uo2Lw8Pe4Ya6Rn0Hv3Kt",
    "DATABASE_URL": "postgres://desk:Vq8-uN3zr@127.0.0.1:5432/desk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TRUSTED_AUTHSERV_IDS": "mx1.hosting.test",
}


def settings_load(env: dict[str, str], expr: str = "") -> subprocess.CompletedProcess[str]:
    """Import the settings (and print ``expr`` of them) with only ``env`` set."""
    code = "import trustsafety.settings as s" + (f"; print({expr})" if expr else "")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], variable: str) -> bool:
    return (
        result.returncode != 0
        and "ImproperlyConfigured" in result.stderr
        and variable in result.stderr.strip().splitlines()[-1]
    )


def test_a_complete_production_environment_loads() -> None:
    result = settings_load(PRODUCTION, "s.DEBUG, s.TRUSTED_AUTHSERV_IDS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['mx1.hosting.test']"


@pytest.mark.parametrize("value", ["mx.desk.example", "mx1.hosting.test,MX.desk.example"])
def test_the_example_authserv_id_is_refused_in_production(value: str) -> None:
    """Anyone can write ``mx.desk.example`` into a header: in production it proves nothing."""
    assert refused(
        settings_load({**PRODUCTION, "TRUSTED_AUTHSERV_IDS": value}), "TRUSTED_AUTHSERV_IDS"
    )


def test_without_authserv_ids_production_believes_no_mail() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "TRUSTED_AUTHSERV_IDS"}
    result = settings_load(env, "s.TRUSTED_AUTHSERV_IDS")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_development_keeps_the_example_authserv_id() -> None:
    result = settings_load({"DEBUG": "1", **{k: PRODUCTION[k] for k in ("DATABASE_URL", "REDIS_URL")}},
                           "s.TRUSTED_AUTHSERV_IDS")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['mx.desk.example']"


def env_example() -> dict[str, str]:
    """.env.example as compose reads it: NAME=value lines, an inline comment after a blank."""
    values = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        name, eq, value = line.partition("=")
        if eq and name and not name.startswith("#"):
            values[name] = value.split(" #", 1)[0].strip()
    return values


def test_debug_is_off_unless_the_environment_says_so() -> None:
    urls = {k: PRODUCTION[k] for k in ("DATABASE_URL", "REDIS_URL")}
    assert refused(settings_load(urls), "SECRET_KEY")  # production checks, dev secret refused
    env = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}
    result = settings_load(env, "s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True"


@pytest.mark.parametrize(
    "name",
    ["SECRET_KEY", "PROVISIONING_WEBHOOK_SECRET", "POSTGRES_PASSWORD", "DATABASE_URL",
     "TRUSTED_AUTHSERV_IDS"],
)  # fmt: skip
def test_each_placeholder_of_env_example_is_refused(name: str) -> None:
    """.env.example copied to .env and not edited: each placeholder alone stops the desk."""
    placeholder = env_example()[name]
    assert placeholder, f"{name} has no placeholder in .env.example"
    assert refused(settings_load({**PRODUCTION, name: placeholder}), name)


def test_env_example_unchanged_does_not_start() -> None:
    result = settings_load(env_example())
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


def test_the_former_database_password_placeholder_is_refused() -> None:
    """Earlier .env.example files said POSTGRES_PASSWORD=desk; a .env copied then is refused."""
    assert refused(settings_load({**PRODUCTION, "POSTGRES_PASSWORD": "desk"}), "POSTGRES_PASSWORD")
    url = "postgres://desk:desk@postgres:5432/desk"
    assert refused(settings_load({**PRODUCTION, "DATABASE_URL": url}), "DATABASE_URL")
