"""Reading plan files for a push: streamed or whole, and every bad input as a diagnostic."""

from __future__ import annotations

import json

import pytest

from push_kit import RUN, make_task, make_tasks, written_plan
from sopdsl.diagnostics import Diagnostic
from sopdsl.push.plan_reader import PlanFile, PlanReadError, open_plan


def opened(tmp_path, text: str | bytes, name: str = "plan.json") -> PlanFile | Diagnostic:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return open_plan(path)


def problem(result) -> tuple[str, int, int, str]:
    assert isinstance(result, Diagnostic), result
    return result.code, result.span.line, result.span.column, result.message


def test_planwriter_layout_is_streamed_and_read_in_full(tmp_path):
    """A plan as `sopdsl plan` writes it is read a line at a time, every task intact."""
    tasks = make_tasks(3) + [make_task(4, "pending")]
    plan = opened(tmp_path, written_plan(tasks))
    assert plan.streamed and plan.count == 4 and plan.run == RUN
    assert list(plan.tasks()) == tasks
    assert list(plan.tasks()) == tasks  # read again from the file


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_other_json_layouts_are_parsed_whole(tmp_path, indent):
    """The same plan minified or pretty-printed differently gives the same tasks."""
    tasks = make_tasks(3)
    document = json.loads(written_plan(tasks))
    plan = opened(tmp_path, json.dumps(document, indent=indent, ensure_ascii=False))
    assert plan.count == 3 and list(plan.tasks()) == tasks
    assert plan.streamed is False


def test_empty_plan_is_streamed(tmp_path):
    """A plan without tasks is a valid plan of nothing."""
    plan = opened(tmp_path, written_plan([]))
    assert plan.streamed and plan.count == 0 and list(plan.tasks()) == []


def test_missing_file_and_folder(tmp_path):
    """A missing path and a folder are E620 with a hint."""
    missing = open_plan(tmp_path / "nope.json")
    assert problem(missing)[:1] == ("E620",) and "no such plan file" in missing.message
    assert "folder" in problem(open_plan(tmp_path))[3]


def first_task_line(text: str) -> int:
    """The line of a written plan's first task."""
    return next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith('    {"key"'))


def test_not_utf8_points_at_the_bad_byte(tmp_path):
    """A non-UTF-8 byte is an E620 at its line and column."""
    text = written_plan(make_tasks(1)).encode().replace("王芳".encode(), "王芳".encode("gbk"))
    code, line, column, message = problem(opened(tmp_path, text))
    assert (code, line) == ("E620", first_task_line(text.decode(errors="replace")))
    assert "not UTF-8" in message and column > 1


def test_cut_short_plan_is_not_json_with_position(tmp_path):
    """A plan cut in the middle of a task is E621 at the place JSON breaks."""
    text = written_plan(make_tasks(3))
    lines, second = text.splitlines(keepends=True), first_task_line(text) + 1
    code, line, column, message = problem(
        opened(tmp_path, "".join(lines[:second - 1]) + lines[second - 1][:40]))
    assert (code, line, column) == ("E621", second, 13) and "unterminated string" in message


def test_json_that_is_not_a_plan(tmp_path):
    """JSON without the plan schema name, or a plan without tasks, is E622."""
    assert problem(opened(tmp_path, '{"customers": []}'))[0] == "E622"
    document = json.loads(written_plan([]))
    del document["tasks"]
    assert problem(opened(tmp_path, json.dumps(document)))[3] == "the plan has no `tasks` list"
    document = json.loads(written_plan([]))
    document["window"]["days"] = 0
    code, *_, message = problem(opened(tmp_path, json.dumps(document)))
    assert code == "E622" and "`window`" in message and "`days`" in message


@pytest.mark.parametrize("part,field,value,words", [
    ("playbook", "timezone", "Mars/Olympus", "not a known time zone"),
    ("playbook", "timezone", "Asia/Shanghai\r\nX-EVIL:1", "not a known time zone"),
    ("playbook", "timezone", "../../etc/passwd", "not a known time zone"),
    ("window", "start", "next monday", "ISO 8601 times with a UTC offset"),
    ("window", "end", "2026-12-09T00:00:00", "ISO 8601 times with a UTC offset"),
    ("window", "end", "2026-12-01T00:00:00+08:00", "must end after it starts"),
    ("window", "end", "9999-12-31T00:00:00+08:00", "within 367 days"),
])
def test_a_run_targets_cannot_use_is_refused(tmp_path, part, field, value, words):
    """A hand-edited time zone or window that calendars and CRMs cannot use (unknown, not a
    time, reversed, centuries long) is E622 before anything is sent, never a traceback."""
    document = json.loads(written_plan(make_tasks(1)))
    document[part][field] = value
    code, *_, message = problem(opened(tmp_path, json.dumps(document)))
    assert code == "E622" and words in message


@pytest.mark.parametrize("value", ["tomorrow", "2026-12-02T10:00:00", "2026-13-02T10:00:00+08:00"])
def test_a_due_time_that_is_no_time_is_refused(tmp_path, value):
    """A task whose due window is not made of times with an offset is E624 at its line."""
    text = written_plan(make_tasks(2)).replace("2026-12-02T21:00:00+08:00", value, 1)
    code, line, _, message = problem(opened(tmp_path, text))
    assert (code, line) == ("E624", first_task_line(text)) and "`due`" in message


def test_other_version_is_refused(tmp_path):
    """A plan of another format version is E623, not misread."""
    text = written_plan(make_tasks(1)).replace('"version": 1', '"version": 2')
    code, *_, message = problem(opened(tmp_path, text))
    assert code == "E623" and "version `2`" in message


def test_invalid_task_points_at_its_line(tmp_path):
    """A task that breaks the plan format is E624 at its own line, naming the field."""
    text = written_plan(make_tasks(3)).replace('"round": 1', '"round": 0', 2)
    code, line, column, message = problem(opened(tmp_path, text))
    assert (code, line, column) == ("E624", first_task_line(text), 5) and "`round`" in message


def test_invalid_task_in_another_layout_points_at_its_key(tmp_path):
    """In a hand-edited layout the E624 points at the task's key."""
    document = json.loads(written_plan(make_tasks(2)))
    document["tasks"][1]["kind"] = "meeting"
    text = json.dumps(document, indent=2)
    code, line, *_ = problem(opened(tmp_path, text))
    key_line = next(n for n, row in enumerate(text.splitlines(), 1)
                    if document["tasks"][1]["key"] in row)
    assert (code, line) == ("E624", key_line)


def test_a_plan_broken_after_checking_raises_a_read_error(tmp_path):
    """If the file breaks between the check and the push, reading raises PlanReadError."""
    plan = opened(tmp_path, written_plan(make_tasks(2)))
    path = tmp_path / "plan.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"round": 1', '"round": -1'),
                    encoding="utf-8")
    with pytest.raises(PlanReadError) as error:
        list(plan.tasks())
    assert error.value.diagnostic.code == "E624"


def test_a_plan_removed_during_the_push_raises_a_read_error(tmp_path):
    """A plan file that vanishes after the check is a PlanReadError, not a traceback."""
    plan = opened(tmp_path, written_plan(make_tasks(2)))
    (tmp_path / "plan.json").unlink()
    with pytest.raises(PlanReadError) as error:
        list(plan.tasks())
    assert error.value.diagnostic.code == "E620"
