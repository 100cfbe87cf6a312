"""Tests for `export`: the compiled workflow document, its schema and its agreement with the graph."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from golden import GOLDEN_ROOT, assert_golden
from programs import ROOT
from sopdsl.api import load
from sopdsl.draw.graph import build_graph
from sopdsl.planning.export import export_json_schema, export_program
from sopdsl.syntax.step_ids import walk_steps

PLAYBOOKS = sorted(p.stem for p in (ROOT / "playbooks").glob("*.sop"))


def exported(name: str) -> dict:
    program = load(Path("playbooks") / f"{name}.sop")
    assert program.ok
    return export_program(program, f"playbooks/{name}.sop").model_dump(mode="json", by_alias=True)


pytestmark = pytest.mark.usefixtures("at_root")


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_exports_validate_against_the_published_schema(name):
    """Every bundled playbook's export is valid under `sopdsl schema export`."""
    jsonschema.Draft202012Validator(export_json_schema()).validate(exported(name))


def test_golden_export():
    """The onboarding playbook exports as in its golden file."""
    text = json.dumps(exported("onboarding"), ensure_ascii=False, indent=2) + "\n"
    assert_golden(GOLDEN_ROOT / "plan" / "onboarding.export.json", text)


def test_steps_and_edges_match_the_program():
    """Step ids are the stable ids in source order; edges are the workflow graph's edges."""
    program = load(Path("playbooks/onboarding.sop"))
    graph = build_graph(program)
    document = exported("onboarding")
    for journey in document["journeys"]:
        ast_journey = program.journeys[journey["name"]]
        assert [s["id"] for s in journey["steps"]] == [r.id for r in walk_steps(ast_journey)]
        own = graph.journey_nodes(journey["name"])
        assert len(journey["edges"]) == len(list(graph.g.edges(own)))


def test_export_spells_out_parameters():
    """Triggers, clauses, step parameters and edge conditions come out as the playbook says."""
    journey = exported("onboarding")["journeys"][0]
    assert journey["triggers"] == [{"id": "onboarding/@when/1", "kind": "event",
                                    "text": "friend_added",
                                    "source": "playbooks/onboarding.sop:38"}]
    assert journey["goals"] == [{"name": "first_order", "events": "purchase", "within": "14d",
                                 "kind": "goal"}]
    steps = {s["id"]: s for s in journey["steps"]}
    assert steps["onboarding/course"]["params"] == {"content": "newborn_course",
                                                   "channel": "private_chat"}
    assert steps["onboarding/coupon_test"]["params"]["arms"][0] == {"name": "control",
                                                                   "share": 0.34}
    conditions = [e["params"].get("condition") for e in journey["edges"] if e["kind"] == "if"]
    assert conditions == ["ever(sample_claimed)", "score >= 25 and stage >= profiled"]


def test_schema_rejects_a_missing_journey_field():
    """A journey without its steps is not a valid export."""
    document = exported("onboarding")
    del document["journeys"][0]["steps"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, export_json_schema())
