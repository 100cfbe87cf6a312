"""End-to-end tests for `sopdsl plan`, `sopdsl export` and `sopdsl schema`."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
from click.testing import CliRunner

from sopdsl.cli import main
from programs import ONBOARDING, ROOT, SAMPLE_DATA

SAMPLE = ["--customers", SAMPLE_DATA / "customers.csv", "--events", SAMPLE_DATA / "events.csv",
          "--staff", SAMPLE_DATA / "staff.csv", "--start", "2026-12-02", "--days", "7"]


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def schema(document: str) -> dict:
    result = run("schema", document)
    assert result.exit_code == 0
    return json.loads(result.stdout)


def test_plan_json_to_stdout_is_valid_and_repeatable():
    """The JSON plan on stdout validates against `sopdsl schema plan` and repeats byte for byte."""
    first, second = run("plan", ONBOARDING, *SAMPLE), run("plan", ONBOARDING, *SAMPLE)
    assert first.exit_code == 0, first.output
    jsonschema.validate(json.loads(first.stdout), schema("plan"))
    assert first.stdout_bytes == second.stdout_bytes


def test_plan_to_a_file_is_written_whole(tmp_path):
    """-o writes the same bytes stdout would carry, and says so on stderr."""
    out = tmp_path / "plan.json"
    result = run("plan", ONBOARDING, *SAMPLE, "-o", str(out))
    assert result.exit_code == 0
    assert out.read_bytes() == run("plan", ONBOARDING, *SAMPLE).stdout_bytes
    assert "planned 12 customers, 12 tasks" in result.stderr
    assert os.listdir(tmp_path) == ["plan.json"]


@pytest.mark.parametrize("style,column", [("hubspot", "Task Title"), ("salesforce", "Subject")])
def test_plan_csv(style, column):
    """--format csv --csv-style picks the CRM's columns, after a UTF-8 BOM."""
    result = run("plan", ONBOARDING, *SAMPLE, "--format", "csv", "--csv-style", style)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith("\ufeff".encode() + column.encode())


def test_plan_ics_folder_has_one_calendar_per_assignee(tmp_path):
    """--format ics -o DIR writes one .ics per assignee."""
    result = run("plan", ONBOARDING, *SAMPLE, "--format", "ics", "-o", str(tmp_path / "cal"))
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(tmp_path / "cal"))
    assert names == ["guide_chen.ics", "guide_lin.ics", "sales_zhou.ics"]
    assert (tmp_path / "cal" / "sales_zhou.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_bad_start_is_a_usage_error():
    """A --start that is not a date exits 2 before anything runs."""
    args = [*SAMPLE]
    args[args.index("2026-12-02")] = "next monday"
    result = run("plan", ONBOARDING, *args)
    assert result.exit_code == 2 and "--start" in result.stderr


def test_a_plan_past_the_holiday_calendar_is_warned_of(tmp_path):
    """`workdays china` planned past the published years: a W333 warning naming the years and
    what is assumed, and the plan is written."""
    playbook = ROOT / "tests" / "data" / "holidays.sop"
    out = tmp_path / "plan.json"
    args = [*SAMPLE]
    args[args.index("2026-12-02")] = "2026-12-28"
    result = run("plan", playbook, *args, "-o", out)
    # The sample staff file's roles are not this playbook's: those rows are findings (exit 1).
    assert result.exit_code == 1 and "E604" in result.stderr, result.output
    assert ("warning: W333: the plan runs from 2026-11-28 (its start less the lookback) to "
            "2027-01-04, but `workdays china` knows the statutory holidays of 2004-20"
            ) in result.stderr
    assert "Monday to Friday" in result.stderr
    assert out.exists() and "Traceback" not in result.stderr


def test_missing_data_file_exits_2_and_writes_nothing(tmp_path):
    """An unreadable customers file is an E601, exit 2, and the output file is not created."""
    out = tmp_path / "plan.json"
    args = [*SAMPLE]
    args[1] = str(tmp_path / "missing.csv")
    result = run("plan", ONBOARDING, *args, "-o", str(out))
    assert result.exit_code == 2 and "E601" in result.stderr and not out.exists()


def test_bad_rows_exit_1_and_the_plan_is_still_written(tmp_path):
    """A bad row is reported with file:line, the rest is planned, and the exit code is 1."""
    customers = tmp_path / "customers.csv"
    customers.write_text((SAMPLE_DATA / "customers.csv").read_text(encoding="utf-8").replace(
        ",won,20", ",champion,20"), encoding="utf-8")
    args = [*SAMPLE]
    args[1] = str(customers)
    result = run("plan", ONBOARDING, *args)
    assert result.exit_code == 1
    assert "customers.csv:2:1: E604 error: `champion` is not a stage" in result.stderr
    assert json.loads(result.stdout)["summary"]["customers"] == 12


def test_unsorted_customers_exit_1_without_a_plan(tmp_path):
    """Customers out of order stop the plan: E607, exit 1, no output file."""
    lines = (SAMPLE_DATA / "customers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    customers = tmp_path / "customers.csv"
    customers.write_text("".join([lines[0], lines[2], lines[1], *lines[3:]]), encoding="utf-8")
    args = [*SAMPLE]
    args[1] = str(customers)
    out = tmp_path / "plan.json"
    result = run("plan", ONBOARDING, *args, "-o", str(out))
    assert result.exit_code == 1 and "E607" in result.stderr and not out.exists()


def test_playbook_with_errors_exits_1(tmp_path):
    """A playbook that does not check is reported and nothing is planned."""
    broken = tmp_path / "broken.sop"
    broken.write_text("journey j {\n  when friend_added\n  send nothing via private_chat\n}\n",
                      encoding="utf-8")
    result = run("plan", str(broken), *SAMPLE)
    assert result.exit_code == 1 and "E201" in result.stderr and result.stdout == ""


def test_export_validates_against_its_schema(tmp_path):
    """`sopdsl export` prints the compiled workflow; -o writes the same document."""
    result = run("export", ONBOARDING)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema("export"))
    out = tmp_path / "flow.json"
    assert run("export", ONBOARDING, "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == document


def test_schema_names_only_known_documents():
    """`sopdsl schema` knows plan and export; anything else is a usage error."""
    assert schema("plan")["$id"].endswith("plan-v1.json")
    assert run("schema", "report").exit_code == 2


def test_plan_ics_folder_keeps_staff_ids_that_look_alike_apart(tmp_path):
    """Staff ids that differ only in characters a file name cannot hold (`a/b`, `a_b`, `a b`,
    `a:b`) get a file each, holding the to-dos their staff had under plain ids."""
    # in the same sort order, so roles pick the same members
    renamed = {"guide_chen": "a/b", "guide_lin": "a_b", "sales_wang": "a b",
               "sales_zhou": "a:b"}
    files = {"guide_chen": "a~2Fb", "guide_lin": "a_b", "sales_wang": "a~20b",
             "sales_zhou": "a~3Ab"}
    data = [*SAMPLE]
    for name in ("customers.csv", "staff.csv"):
        text = (SAMPLE_DATA / name).read_text(encoding="utf-8")
        for old, new in renamed.items():
            text = text.replace(old, new)
        (tmp_path / name).write_text(text, encoding="utf-8")
        data[data.index(SAMPLE_DATA / name)] = tmp_path / name
    plain = run("plan", ONBOARDING, *SAMPLE, "--format", "ics", "-o", str(tmp_path / "plain"))
    odd = run("plan", ONBOARDING, *data, "--format", "ics", "-o", str(tmp_path / "odd"))
    assert plain.exit_code == 0 and odd.exit_code == 0, odd.output

    def todos(folder: str) -> dict[str, int]:
        return {path.stem: path.read_text(encoding="utf-8").count("BEGIN:VTODO")
                for path in (tmp_path / folder).iterdir()}

    assert todos("odd") == {files[name]: count for name, count in todos("plain").items()}


def test_plan_with_groups_lists_one_post_per_group_and_day():
    """`--groups` and the events' group rows: the community calendar's daily post is one task
    per group and day, for its owner, naming the group and its members; valid against the
    schema."""
    from programs import PLAYBOOKS

    result = run("plan", PLAYBOOKS / "community_calendar.sop", *SAMPLE,
                 "--groups", SAMPLE_DATA / "groups.csv")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    jsonschema.validate(plan, schema("plan"))
    morning = [t for t in plan["tasks"] if t["kind"] == "batch" and t["journey"] == "社群早安"]
    assert len(morning) == 3 * 7  # three groups, seven days
    assert {(t["group"], t["assignee"]["staff_id"], t["members"]) for t in morning} == {
        ("wrOgAAcamp01", "guide_chen", 2), ("wrOgAAvip01", "guide_chen", 3),
        ("wrOgAAvip02", "guide_lin", 2)}


def test_plan_on_two_workers_is_the_plan_of_one():
    """--workers 2 writes the bytes one process writes."""
    result = run("plan", ONBOARDING, *SAMPLE, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == run("plan", ONBOARDING, *SAMPLE).stdout_bytes


@pytest.mark.parametrize("args,message", [
    (("--workers", "2", "--scheduler", "tcp://h:8786"), "either --workers or --scheduler"),
    (("--scheduler", "localhost"), "an address such as tcp://host:8786"),
])
def test_plan_refuses_bad_parallel_options(args, message):
    result = run("plan", ONBOARDING, *SAMPLE, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_plan_on_an_unreachable_scheduler_exits_2():
    """A Dask scheduler that does not answer is an input error naming the address."""
    import dask
    import dask.distributed  # noqa: F401  (its defaults must be loaded before they are overridden)

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = run("plan", ONBOARDING, *SAMPLE, "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and result.stdout == ""
    assert "cannot connect to the Dask scheduler tcp://127.0.0.1:1" in result.stderr


def test_plan_with_groups_on_two_workers_is_the_plan_of_one():
    """Group membership reaches the workers and the posts are derived in the planning process:
    --workers 2 writes the bytes one process writes."""
    from programs import PLAYBOOKS

    args = (PLAYBOOKS / "education_funnel.sop", *SAMPLE, "--groups", SAMPLE_DATA / "groups.csv")
    result = run("plan", *args, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert '"group": "wrOgAAcamp01"' in result.stdout
    assert result.stdout_bytes == run("plan", *args).stdout_bytes
