"""For many (group, time) questions at once, the latest of a group's items before a time."""

from __future__ import annotations

import numpy as np


def last_before(query: np.ndarray, at: np.ndarray, group: np.ndarray, times: np.ndarray,
                inclusive: bool) -> np.ndarray:
    """For each query (group, time) the index of the last item of its group with a time
    before it (at it too when `inclusive`), the last in the items' order among equal times;
    -1 when there is none."""
    found = np.full(len(at), -1, dtype=np.int64)
    if not len(times) or not len(at):
        return found
    items = len(times)
    total = items + len(at)
    # Items before queries of the same time when they count, after them when they do not.
    item_tie, query_tie = (0, 1) if inclusive else (1, 0)
    ties = np.r_[np.full(items, item_tie), np.full(len(at), query_tie)]
    groups = np.r_[group, query]
    order = np.lexsort((ties, np.r_[times, at], groups))
    is_item = order < items
    latest = np.maximum.accumulate(np.where(is_item, np.arange(total), -1))
    where = np.empty(len(at), dtype=np.int64)
    where[order[~is_item] - items] = np.flatnonzero(~is_item)
    before = latest[where]
    inside = before >= 0
    hit = order[before[inside]]
    same = group[hit] == query[inside]
    found[np.flatnonzero(inside)[same]] = hit[same]
    return found


def first_after(query: np.ndarray, at: np.ndarray, group: np.ndarray, times: np.ndarray,
                inclusive: bool) -> np.ndarray:
    """For each query (group, time) the earliest time of its group after it (at it too when
    `inclusive`), inf when there is none."""
    # The latest before on the reversed time line is the earliest after.
    hit = last_before(query, -at, group, -times, inclusive)
    return np.where(hit >= 0, times[hit] if len(times) else np.inf, np.inf)
