"""Run-time customer state: the event history's sorted times."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sopdsl.runtime.customer import Event, EventHistory


@given(st.lists(st.tuples(st.sampled_from(["click", "reply"]), st.sampled_from([None, "a"]),
                          st.integers(min_value=0, max_value=50)), max_size=30))
def test_events_recorded_in_any_order_are_kept_sorted(events) -> None:
    """Each key's times are the sorted times of its events, whatever order they came in."""
    history = EventHistory()
    for name, content, t in events:
        history.record(Event(name, float(t), content))
    expected: dict[str, list[float]] = {}
    for name, content, t in events:
        expected.setdefault(name, []).append(float(t))
        if content is not None:
            expected.setdefault(f"{name}({content})", []).append(float(t))
    assert history.times == {key: sorted(times) for key, times in expected.items()}
    assert history.count("click", 25.0) == sum(
        1 for name, _, t in events if name == "click" and t <= 25)
