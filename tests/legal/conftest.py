"""Fixtures of the legal desk's tests (the world is described in tests/legal/support.py)."""

from __future__ import annotations

import pytest

from tests.legal.support import LegalWorld, world_make


@pytest.fixture
def lw(make_user) -> LegalWorld:  # type: ignore[no-untyped-def]
    return world_make(make_user)
