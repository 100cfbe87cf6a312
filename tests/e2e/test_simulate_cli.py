"""End-to-end tests for `sopdsl simulate` and `sopdsl compare` (with a stand-in engine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from forecast_kit import fake_baseline, fake_runner
from programs import ONBOARDING, ROOT

from simulator import montecarlo
from sopdsl.cli import main

WINBACK = ROOT / "playbooks" / "winback.sop"
EXACT_PLAYBOOK = ROOT / "tests" / "data" / "exact" / "branches.sop"
QUICK = ("--customers", "200", "--replications", "3")


@pytest.fixture(autouse=True)
def stand_in_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "default_runner", lambda: fake_runner)
    monkeypatch.setattr(montecarlo, "default_baseline_runner", lambda: fake_baseline)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_text_report() -> None:
    """The text report names the playbook, scenario, funnel, KPIs and journeys."""
    code, out, _ = run("simulate", ONBOARDING, *QUICK)
    assert code == 0
    assert out.startswith("Forecast of ")
    assert "scenario `baseline`, Monte Carlo, 3 replications (seed 2026)" in out
    for part in ("Funnel", "KPIs", "Journey `onboarding`", "Journey `sales_followup`"):
        assert part in out


def test_json_report() -> None:
    """JSON on stdout only: the report shape with the overrides in meta."""
    code, out, err = run("simulate", ONBOARDING, *QUICK, "--seed", "5", "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["meta"]["replications"] == 3 and report["meta"]["seed"] == 5
    assert report["meta"]["customers"]["mean"] == 200.0
    assert set(report["kpis"]["gmv"]) == {"mean", "ci95"}
    assert "replications" not in err  # no progress bar when stderr is not a terminal


def test_the_report_shows_the_lift_unless_the_baseline_is_skipped() -> None:
    """By default the report has the lift over the baseline; `--no-baseline` runs none."""
    code, out, _ = run("simulate", ONBOARDING, *QUICK, "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["meta"]["baseline"] is True
    assert set(report["lift"]["purchases"]) == {"playbook", "baseline", "increment",
                                                "significant"}
    assert "Lift over the baseline" in run("simulate", ONBOARDING, *QUICK)[1]
    code, out, _ = run("simulate", ONBOARDING, *QUICK, "--format", "json", "--no-baseline")
    report = json.loads(out)
    assert code == 0 and report["lift"] is None and report["meta"]["baseline"] is False
    assert "Lift over" not in run("simulate", ONBOARDING, *QUICK, "--no-baseline")[1]


def test_workers_give_the_same_report() -> None:
    """Two workers print exactly the report of one."""
    alone = run("simulate", ONBOARDING, *QUICK, "--format", "json")[1]
    pooled = run("simulate", ONBOARDING, *QUICK, "--format", "json", "--workers", "2")[1]
    assert pooled == alone


def test_out_writes_report_series_and_charts(tmp_path: Path) -> None:
    """--out writes report.json, daily.csv and the charts, and says so on stderr."""
    out_dir = tmp_path / "out"
    code, out, err = run("simulate", ONBOARDING, *QUICK, "--out", out_dir)
    assert code == 0 and out.startswith("Forecast of ")
    names = {"report.json", "daily.csv", "funnel.png", "daily.png", "backlog.png"}
    assert names <= {p.name for p in out_dir.iterdir()}
    assert json.loads((out_dir / "report.json").read_text(encoding="utf-8"))["funnel"]
    assert (out_dir / "daily.csv").read_text().startswith("day,date,sends,")
    assert f"wrote {out_dir / 'funnel.png'}" in err


def test_out_that_is_a_file(tmp_path: Path) -> None:
    """An --out folder that cannot be made is an input error, not a traceback."""
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    code, _, err = run("simulate", ONBOARDING, *QUICK, "--out", blocker / "sub")
    assert code == 2 and err.startswith("error: cannot write into")


@pytest.mark.parametrize(("args", "message"), [
    (("--replications", "0"), "--replications"),
    (("--workers", "2", "--scheduler", "tcp://h:8786"), "either --workers or --scheduler"),
    (("--scheduler", "localhost"), "an address such as tcp://host:8786"),
    (("--method", "guess"), "--method"),
])
def test_bad_arguments_exit_2(args: tuple[str, ...], message: str) -> None:
    """Bad arguments are usage errors with a message."""
    code, out, err = run("simulate", ONBOARDING, *args)
    assert code == 2 and out == "" and message in err


def test_unknown_scenario_exits_2() -> None:
    """A misspelt scenario is an input error with a did-you-mean and the known names."""
    code, _, err = run("simulate", ONBOARDING, "--scenario", "basline")
    assert code == 2
    assert "no scenario named `basline`" in err and "did you mean `baseline`?" in err
    assert "`default`" in err


def test_playbook_errors_exit_1(tmp_path: Path) -> None:
    """A playbook with errors prints its diagnostics and runs nothing."""
    path = tmp_path / "broken.sop"
    path.write_text("journey j {\n  when friend_added\n  send hello via\n}\n")
    code, out, err = run("simulate", path)
    assert code == 1 and out == ""
    assert "E111" in err and "broken.sop:4:1" in err


def test_missing_playbook_exits_2(tmp_path: Path) -> None:
    """A playbook that does not exist is an input error."""
    code, out, _ = run("simulate", tmp_path / "absent.sop")
    assert code == 2 and out == ""


def test_exact_method_refuses_with_every_reason() -> None:
    """A playbook the exact method cannot follow exits 2 naming the reachable fatigue rule and
    the history reads; its `frequency_cap 5 per 7d`, which its journeys never reach, is not
    named."""
    code, out, err = run("simulate", ONBOARDING, "--method", "exact")
    assert code == 2 and out == ""
    assert "the exact method cannot forecast this playbook with scenario `baseline`" in err
    assert "frequency_cap" not in err and "fatigue rules" in err
    assert "reads the customer's `purchase` history (playbooks/onboarding.sop:109)" in err
    assert "use --method montecarlo" in err and "Traceback" not in err


def test_exact_method_reports_expected_values_with_zero_width_intervals() -> None:
    """An exact forecast is one JSON report of method `exact`: no seed, every interval a point."""
    code, out, _ = run("simulate", EXACT_PLAYBOOK, "--method", "exact", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["meta"]["method"] == "exact" and report["meta"]["seed"] is None
    goal = report["journeys"]["branch"]["goals"]["clicked"]["rate"]
    assert goal["ci95"] == [goal["mean"], goal["mean"]] and 0 < goal["mean"] < 1


def test_compare_two_playbooks() -> None:
    """Two playbooks: a table of KPI differences, goals of one side listed apart."""
    code, out, _ = run("compare", ONBOARDING, WINBACK, *QUICK)
    assert code == 0
    first, second = out.splitlines()[:2]
    assert first.startswith("A: ") and first.endswith("onboarding.sop, scenario `baseline`")
    assert second.startswith("B: ") and second.endswith("winback.sop, scenario `baseline`")
    assert "Only in B (not compared): goals.winback.goal" in out


def test_compare_two_scenarios_as_json() -> None:
    """Two scenarios of one playbook, as JSON with both sides' meta and the same seed."""
    code, out, _ = run("compare", ONBOARDING, "--scenario", "baseline", "--scenario", "default",
                       *QUICK, "--format", "json")
    result = json.loads(out)
    assert code == 0
    assert (result["meta"]["a"]["scenario"], result["meta"]["b"]["scenario"]) == (
        "baseline", "default")
    assert result["meta"]["a"]["seed"] == result["meta"]["b"]["seed"] == 2026
    assert set(result["goals"]["onboarding"]["goal"]) == {"a", "b", "difference", "significant"}


@pytest.mark.parametrize("args", [
    (ONBOARDING,),
    (ONBOARDING, "--scenario", "baseline"),
    (ONBOARDING, WINBACK, "--scenario", "a", "--scenario", "b", "--scenario", "c"),
])
def test_compare_needs_two_sides(args: tuple) -> None:
    """Anything but two playbooks or one playbook with two scenarios is a usage error."""
    code, _, err = run("compare", *args)
    assert code == 2 and "compare two playbooks" in err


def test_check_imports_nothing_heavy() -> None:
    """`sopdsl check` through the command line loads no numpy, SimPy, matplotlib or Dask."""
    code = ("import sys\nfrom sopdsl.cli import main\n"
            "try:\n    main(['check', 'playbooks'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'simpy', 'matplotlib', 'dask', 'distributed')"
            " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_unreachable_scheduler_exits_2() -> None:
    """A Dask scheduler that does not answer is an input error naming the address."""
    import dask
    import dask.distributed  # noqa: F401  (its defaults must be loaded before they are overridden)

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, out, err = run("simulate", ONBOARDING, *QUICK, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and out == ""
    assert err.startswith("error: cannot connect to the Dask scheduler tcp://127.0.0.1:1")


def test_quick_forecast_says_what_it_sampled() -> None:
    """--quick on 20,000 customers: meta.sample is the fraction, and a note says what differs."""
    code, out, _ = run("simulate", ONBOARDING, "--customers", "20000", "--replications", "2",
                       "--quick", "--format", "json")
    assert code == 0
    meta = json.loads(out)["meta"]
    assert 0 < meta["sample"] < 0.1
    assert any(note.startswith("a quick forecast:") for note in meta["notes"])


def test_quick_goes_with_montecarlo_only() -> None:
    code, _, err = run("simulate", ONBOARDING, "--quick", "--method", "exact")
    assert code == 2 and "--quick samples customers" in err
