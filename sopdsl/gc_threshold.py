"""The cyclic garbage collector's youngest generation collected less often while large data
files are read."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Reading a large file makes a few short-lived objects a row: at the collector's default
# threshold (700 allocations) its passes over them took about half the reading time.
YOUNG_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation at most every YOUNG_THRESHOLD allocations inside (left
    as it is when it is that rare already, as inside another such block)."""
    before = gc.get_threshold()
    if before[0] >= YOUNG_THRESHOLD:
        yield
        return
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
