"""Parser tests need no Django and no database: make the repository root importable so
``pytest -p no:django tests/parsers`` works on its own (pytest-django does this otherwise)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
