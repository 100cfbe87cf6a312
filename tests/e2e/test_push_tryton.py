"""`sopdsl push --to tryton` end to end: the CLI, the ledger and a real Tryton server."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from plan_kit import plan_text
from loopback import free_port
from sopdsl.cli import main
from sopdsl.planning.model import Plan
from tryton_server import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD, DATABASE, tryton, tryton_database,
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, set[str]]:
    """The onboarding plan of the sample customers as a file, and the keys of its staff tasks
    about one customer (a batch is a WeCom task for many)."""
    text = plan_text("onboarding")[0]
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(text, encoding="utf-8")
    return path, {task.key for task in Plan.model_validate_json(text).tasks
                  if task.staff_work and task.customer is not None}


@pytest.fixture
def env(tryton, working_folder) -> dict[str, str]:
    """The target's settings as environment variables, and an empty working folder."""
    return {"SOPDSL_TRYTON_URL": tryton.url, "SOPDSL_TRYTON_DATABASE": DATABASE,
            "SOPDSL_TRYTON_USER": "admin", "SOPDSL_TRYTON_PASSWORD": ADMIN_PASSWORD,
            "XDG_CONFIG_HOME": str(working_folder), "SOPDSL_PUSH_CONFIG": ""}


def push(plan: Path, env: dict[str, str], *args: str):
    return CliRunner().invoke(main, ["push", str(plan), "--to", "tryton", *args], env=env)


def task_keys(url: str) -> list[str]:
    """The keys of the task works on the server, read over plain JSON-RPC."""
    endpoint = f"{url}/{DATABASE}/rpc/"

    def rpc(method: str, *params, headers=None):
        body = {"id": 1, "method": method, "params": list(params)}
        return httpx.post(endpoint, json=body, headers=headers).json()["result"]

    user_id, token, _ = rpc("common.db.login", "admin", {"password": ADMIN_PASSWORD}, "en")
    session = base64.b64encode(f"admin:{user_id}:{token}".encode()).decode()
    rows = rpc("model.project.work.search_read", [("type", "=", "task")], 0, None, None,
               ["comment"], {}, headers={"Authorization": f"Session {session}"})
    return [row["comment"].rsplit("sopdsl-key: ", 1)[1] for row in rows]


def test_push_creates_every_staff_task_once(sample, env):
    """A push exits 0 with the tasks in Tryton; re-runs, even without the ledger, add nothing."""
    plan_file, staff_keys = sample
    first = push(plan_file, env)
    assert first.exit_code == 0, first.output
    assert sorted(task_keys(env["SOPDSL_TRYTON_URL"])) == sorted(staff_keys)
    assert ADMIN_PASSWORD not in first.output
    again = push(plan_file, env)
    assert again.exit_code == 0 and "already pushed" in again.stderr
    for path in Path(".sopdsl").glob("ledger.sqlite*"):
        path.unlink()
    lost = push(plan_file, env)
    assert lost.exit_code == 0, lost.output
    assert sorted(task_keys(env["SOPDSL_TRYTON_URL"])) == sorted(staff_keys)


def test_dry_run_needs_no_password_and_shows_the_requests(sample, env):
    """A dry run prints the `project.work.create` requests without a password or a server."""
    plan_file, staff_keys = sample
    offline = {**env, "SOPDSL_TRYTON_URL": f"http://127.0.0.1:{free_port()}",
               "SOPDSL_TRYTON_PASSWORD": None}
    result = push(plan_file, offline, "--dry-run")
    assert result.exit_code == 0, result.output
    requests = [json.loads(line) for line in result.stdout.splitlines()]
    assert {request["operation"] for request in requests} == {"project.work.create"}
    assert {key for request in requests for key in request["tasks"]} == staff_keys
    assert not Path(".sopdsl").exists()


def test_a_wrong_password_exits_1_without_showing_it(sample, env):
    """Tryton refusing the login stops the push with exit 1; the password is never shown."""
    wrong = {**env, "SOPDSL_TRYTON_PASSWORD": "Wrong-pw-7c1d"}
    result = push(sample[0], wrong)
    assert result.exit_code == 1
    assert "refused the login" in result.output and "Wrong-pw-7c1d" not in result.output


def test_an_unreachable_server_exits_1_with_the_tasks_not_pushed(sample, env):
    """With nobody listening, the push exits 1 and leaves the tasks for the next run."""
    down = {**env, "SOPDSL_TRYTON_URL": f"http://127.0.0.1:{free_port()}"}
    result = push(sample[0], down, "--max-attempts", "1")
    assert result.exit_code == 1
    assert "not pushed" in result.stderr
