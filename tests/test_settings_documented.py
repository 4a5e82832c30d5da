"""Every environment variable the settings read is listed in .env.example (docs/architecture.md "House rules")."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_setting_is_listed_in_env_example() -> None:
    settings_text = (REPO / "trustsafety" / "settings.py").read_text()
    read = set(re.findall(r"env_(?:str|int|bool|list)\(\s*\"([A-Z0-9_]+)\"", settings_text))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE))
    assert read, "no settings found: the pattern is stale"
    assert sorted(read - listed) == []
