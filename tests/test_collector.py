"""The filing's collector thresholds apply inside the block only, also on errors."""

from __future__ import annotations

import gc

import pytest

from trustsafety.collector import FILING_THRESHOLDS, fewer_collections


def test_thresholds_are_raised_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == FILING_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a failing filing")
    assert gc.get_threshold() == before
