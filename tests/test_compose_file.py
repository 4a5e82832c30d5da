"""docker-compose.yml hands every setting of .env to every desk service (web, worker, beat),
and .env.example is written so that compose reads each value as the settings expect."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.test_production_settings import env_example

REPO = Path(__file__).resolve().parent.parent
DESK_SERVICES = ("web", "worker", "beat")


def compose_file() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.mark.parametrize("service", DESK_SERVICES)
def test_every_desk_service_reads_env_and_overrides_none_of_it(service: str) -> None:
    config = compose_file()["services"][service]
    env_file = config.get("env_file")
    assert env_file in (".env", [".env"]), f"{service} does not read .env"
    # an `environment:` entry would win over .env: one service would then run on a value
    # the operator never wrote (the earlier file forced its own DATABASE_URL and REDIS_URL)
    assert not config.get("environment"), f"{service} overrides {sorted(config['environment'])}"


def test_no_empty_setting_in_env_example_carries_an_inline_comment() -> None:
    """``NAME=   # comment``: docker-compose 1.x reads the comment as the value."""
    for line in (REPO / ".env.example").read_text().splitlines():
        name, eq, value = line.partition("=")
        if eq and not name.startswith("#"):
            assert not value.strip().startswith("#"), line


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_compose_gives_each_desk_service_every_setting_as_written() -> None:
    expected = env_example()
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(REPO / "docker-compose.yml", Path(scratch) / "docker-compose.yml")
        shutil.copy(REPO / ".env.example", Path(scratch) / ".env")
        result = subprocess.run(
            ["docker-compose", "-f", str(Path(scratch) / "docker-compose.yml"), "config"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for service in DESK_SERVICES:
        environment = {k: str(v) for k, v in services[service]["environment"].items()}
        assert environment == expected, service
