"""Tests for forecast figures on drawings: phrases per kind of send, report reading errors."""

from __future__ import annotations

import json

import pytest

from sopdsl.draw.figures import ReportError, label_figures, read_report, step_figures
from sopdsl.draw.graph import build_graph
from tests.programs import clean_program


def figure(mean: float) -> dict:
    return {"mean": mean, "ci95": [mean, mean]}


REPORT = {"journeys": {"j": {"steps": {
    "j/1": {"reached": figure(12), "sent": figure(12), "delivered": figure(3400),
            "opened": figure(1020.4), "clicked": figure(7.25), "actions": figure(12),
            "groups": figure(4), "customers": figure(900), "channel": "group"},
    "j/2": {"reached": figure(900), "sent": figure(900), "delivered": figure(700),
            "opened": figure(210), "clicked": figure(9), "actions": figure(30),
            "channel": "moments"},
    "j/3": {"reached": figure(900), "sent": figure(900), "delivered": figure(850),
            "opened": figure(400), "clicked": figure(40), "actions": figure(60),
            "channel": "private_chat"},
    "j/4": {"reached": figure(5), "sent": figure(5), "delivered": figure(5),
            "opened": figure(2), "clicked": figure(1), "actions": figure(5), "channel": "chat"},
    "j/5": {"reached": figure(0.5)},
}}}}


def test_posts_and_mass_sends_read_as_actions_then_deliveries() -> None:
    """A group post counts posts and groups, a moments post posts, a mass send its 群发 tasks,
    a 1:1 chat what was sent: the staff actions are never confused with the customers reached."""
    figures = step_figures(REPORT)
    assert figures["j/1"] == ["12 posts to 4 groups", "3,400 delivered", "1,020 opened",
                              "7.2 clicked"]
    assert figures["j/2"][0] == "30 posts" and figures["j/2"][1] == "700 delivered"
    assert figures["j/3"][0] == "60 mass sends" and figures["j/3"][1] == "850 delivered"
    assert figures["j/4"][0] == "5 sent"
    assert figures["j/5"] == ["reached 0.5"]


def test_figures_label_only_the_drawn_playbooks_steps() -> None:
    """Steps of the report that the playbook lacks are ignored; the count says what matched."""
    program = clean_program('content hi: text "hi"\njourney j {\n  when friend_added\n'
                         '  send hi via moments\n}\n')
    graph = build_graph(program)
    assert label_figures(graph, REPORT) == 1
    assert graph.g.nodes["j/1"]["figures"][0] == "12 posts to 4 groups"
    assert label_figures(build_graph(program), {"journeys": {}}) == 0


@pytest.mark.parametrize(("text", "code", "line"), [
    ('{"journeys": {\n  "j": [1,\n', "E631", 3),
    ("[1, 2]", "E631", 1),
    ('{"journeys": {"j": {"steps": [1]}}}', "E631", 1),
])
def test_reports_that_are_not_reports_are_e631_at_their_line(tmp_path, text, code, line) -> None:
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        read_report(path)
    assert (caught.value.diagnostic.code, caught.value.diagnostic.span.line) == (code, line)
    assert caught.value.source is not None and caught.value.source.text == text


def test_unreadable_reports_are_e630(tmp_path) -> None:
    (tmp_path / "bad.json").write_bytes(b'{"journeys": "\xff"}')
    for path in (tmp_path / "missing.json", tmp_path / "bad.json", tmp_path):
        with pytest.raises(ReportError) as caught:
            read_report(path)
        assert caught.value.diagnostic.code == "E630"


def test_a_report_round_trips_through_json(tmp_path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(REPORT), encoding="utf-8")
    assert step_figures(read_report(path)) == step_figures(REPORT)
