"""Fewer cyclic garbage collections while a batch is filed.

Filing a batch builds hundreds of thousands of objects that live until the batch is done
(a feed report's 100,000 events, their rows and records) and almost no reference cycles:
reference counting frees them when the batch ends. With CPython's default thresholds the
collector nonetheless ran a pass every 700 new objects and a full pass over every live
object every 70,000 or so: about 0.7 s of a 100,000-row report's 5.7 s. Raising the
thresholds for the duration keeps the collector for what it is for, at a bounded cost in
memory (a batch's size is bounded by the intake's limits)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FILING_THRESHOLDS = (100_000, 20, 20)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the filing's thresholds; the previous ones afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(*FILING_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
