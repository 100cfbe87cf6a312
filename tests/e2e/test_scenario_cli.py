"""End-to-end tests for `sopdsl scenario show`: text and JSON, with and without a playbook."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sopdsl.cli import main
from programs import ONBOARDING, ROOT


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scenario", "show", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_default_as_json_without_a_playbook() -> None:
    """Without a playbook, json is the built-in default starting today, with no staff."""
    code, out, _ = run("--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["name"] == "default" and data["declared_at"] is None
    assert data["start"] == dt.date.today().isoformat()
    assert data["staff"] == {}
    assert data["channels"]["private_chat"]["open"] == 0.45


def test_default_as_text_without_a_playbook() -> None:
    """The text shows every group, and what declared roles would be staffed with."""
    code, out, _ = run()
    assert code == 0
    assert out.startswith("Scenario `default` (built in)\n")
    for heading in ("Run", "Population", "Attributes", "Staff", "Channels", "Content purposes",
                    "Purchase", "Fatigue", "Effects", "Cost"):
        assert f"\n{heading}" in out
    assert "(owner role)" in out and "(other roles)" in out
    assert "exponential(2h)" in out and "90d" in out


def test_playbook_baseline_as_text() -> None:
    """With a playbook, its baseline shows with defaults filled in per key."""
    code, out, _ = run("--playbook", ONBOARDING)
    assert code == 0
    assert "Scenario `baseline` (" in out and "common/scenario.sop:11)" in out
    assert "2026-12-01" in out
    staff_row = next(line for line in out.splitlines() if line.startswith("guide "))
    assert staff_row.split()[1:4] == ["64", "80/day", "82%"]
    welcome_row = next(line for line in out.splitlines() if line.startswith("welcome "))
    assert welcome_row.split()[1:5] == ["95%", "22%", "18%", "0.1%"]  # unfriend: the default
    assert 'vip' in out and "purchase x2.5" in out


def test_playbook_scenario_by_name_as_json() -> None:
    """A named scenario prints as the model, readable back by pydantic."""
    from sopdsl.scenario.model import Scenario

    code, out, _ = run("baseline", "--playbook", ONBOARDING, "--format", "json")
    assert code == 0
    chosen = Scenario.model_validate_json(out)
    assert (chosen.name, chosen.seed, chosen.population.size) == ("baseline", 2026, 20000)


def test_builtin_default_by_name_with_a_playbook() -> None:
    """`default` names the built-in default, staffed for the playbook's roles."""
    code, out, _ = run("default", "--playbook", ONBOARDING, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["name"] == "default"
    assert data["population"]["owner"] == "guide"
    assert data["staff"]["guide"]["count"] == 25


@pytest.mark.parametrize(("args", "message"), [
    (("basline", "--playbook", ONBOARDING),
     "no scenario named `basline` in playbooks/onboarding.sop; did you mean `baseline`?"),
    (("baseline",), "without --playbook only the built-in `default` exists"),
])
def test_unknown_name_exits_2_with_a_clear_message(
    args: tuple[str, ...], message: str, at_root: Path
) -> None:
    """An unknown scenario name is a usage error with a did-you-mean, exit 2."""
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert message in err


def test_scenario_with_errors_prints_diagnostics_and_exits_1(tmp_path: Path) -> None:
    """A scenario with errors is not shown; its diagnostics are, and the exit code is 1."""
    playbook = tmp_path / "bad.sop"
    playbook.write_text("scenario s {\n  channel sms { open 140% }\n}\n", encoding="utf-8")
    code, out, _ = run("--playbook", str(playbook))
    assert code == 1
    assert "E311" in out and "`open` is `140%`, above 100%" in out
    assert "Scenario `s`" not in out


def test_syntax_errors_exit_1_and_unreadable_playbooks_exit_2(tmp_path: Path) -> None:
    """A playbook that does not parse exits 1; one that cannot be read exits 2."""
    broken = tmp_path / "broken.sop"
    broken.write_text("scenario s {\n", encoding="utf-8")
    code, out, _ = run("--playbook", str(broken))
    assert code == 1 and "E1" in out
    code, out, _ = run("--playbook", str(tmp_path / "missing.sop"))
    assert code == 2 and "E100" in out


def test_command_shows_the_default_in_a_fresh_process() -> None:
    """`sopdsl scenario show` works in a new interpreter, outside the test runner."""
    result = subprocess.run(
        [sys.executable, "-c", "from sopdsl.cli import main; main()",
         "scenario", "show", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["replications"] == 20


def test_parameters_drawn_jointly_show_as_written_with_their_means(tmp_path: Path) -> None:
    """`log_covariance`: the text shows the written values, the rows and the means; the JSON
    keeps the means in the model's fields (above the medians: lognormal means) and adds
    `drawn_jointly` with the whole symmetric matrix, rows written in any order."""
    path = tmp_path / "fitted.sop"
    path.write_text("""scenario fitted {
  purchase {
    value gamma_gamma {
      p 6.25  q 3.74  gamma 15.44
      log_covariance { q 0.011  p 0.0098 0.0121  gamma 0.009 0.0102 0.0135 }
    }
  }
}
""", encoding="utf-8")
    code, out, _ = run("--playbook", path)
    assert code == 0
    row = out[out.index("gamma_gamma p 6.25"):]
    assert "log_covariance { p 0.0121  q 0.0098 0.011" in row and "drawn jointly; means" in row
    code, out, _ = run("--playbook", path, "--format", "json")
    data = json.loads(out)
    joint = data["drawn_jointly"]["purchase.gamma_gamma"]
    assert joint["names"] == ["p", "q", "gamma"] and joint["medians"] == [6.25, 3.74, 15.44]
    assert joint["log_covariance"][1] == [0.0098, 0.011, 0.009]
    assert joint["floors"] == [0.0, 1.0, 0.0]
    assert data["drawn"] == {}
    spend = data["purchase"]["gamma_gamma"]
    assert spend["p"] > 6.25 and spend["q"] > 3.74 and spend["gamma"] > 15.44
