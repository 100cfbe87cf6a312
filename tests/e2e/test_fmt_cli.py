"""End-to-end tests for `sopdsl fmt`: rewriting, --check, --diff, stdin, refusals and exit codes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sopdsl.fmt import files as format_files
from sopdsl.cli import main
from sopdsl.fmt.formatter import FormatterError
from programs import ROOT

MESSY = 'journey j {   when reply\ntag "新客" ; score +1 }\n'
CANONICAL = 'journey j {\n  when reply\n  tag "新客"\n  score +1\n}\n'
BROKEN = 'journey j { when reply tag "a"\n'


def run(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(main, ["fmt", *args], input=stdin)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"messy": tmp_path / "messy.sop", "clean": tmp_path / "clean.sop"}
    paths["messy"].write_text(MESSY, encoding="utf-8")
    paths["clean"].write_text(CANONICAL, encoding="utf-8")
    return paths


def test_rewrites_changed_files_and_reports_them(files):
    """Changed files are rewritten and named; unchanged ones are counted; exit 0."""
    result = run(str(files["messy"]), str(files["clean"]))
    assert result.exit_code == 0, result.output
    assert files["messy"].read_text(encoding="utf-8") == CANONICAL
    assert re.search(r"^reformatted .*messy\.sop$", result.stderr, re.MULTILINE)
    assert "clean.sop" not in result.stderr
    assert result.stderr.splitlines()[-1] == "1 file reformatted, 1 left unchanged"
    assert result.stdout == ""


def test_unchanged_file_is_not_rewritten(files):
    """A canonical file is left alone on disk (same inode), and a second run changes nothing."""
    before = files["clean"].stat().st_ino
    run(str(files["messy"]), str(files["clean"]))
    assert files["clean"].stat().st_ino == before
    again = run(str(files["messy"]), str(files["clean"]))
    assert again.exit_code == 0
    assert again.stderr.splitlines()[-1] == "2 files left unchanged"


def test_rewrite_keeps_the_file_permissions(files):
    """fmt replaces the file atomically and keeps its permission bits."""
    files["messy"].chmod(0o640)
    run(str(files["messy"]))
    assert files["messy"].stat().st_mode & 0o777 == 0o640


def test_check_lists_files_writes_nothing_and_exits_1(files):
    """--check names the files that would change, touches none, and exits 1."""
    result = run("--check", str(files["messy"]), str(files["clean"]))
    assert result.exit_code == 1
    assert files["messy"].read_text(encoding="utf-8") == MESSY
    assert re.search(r"^would reformat .*messy\.sop$", result.stderr, re.MULTILINE)
    assert result.stderr.splitlines()[-1] == (
        "1 file would be reformatted, 1 would be left unchanged"
    )


def test_check_passes_on_canonical_files(files):
    """--check exits 0 when nothing would change."""
    result = run("--check", str(files["clean"]))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == "1 file would be left unchanged"


def test_diff_prints_a_unified_diff_and_exits_1(files, monkeypatch):
    """--diff prints a/ b/ headed hunks on stdout, writes nothing, exits 1."""
    monkeypatch.chdir(files["messy"].parent)
    result = run("--diff", "messy.sop", "clean.sop")
    assert result.exit_code == 1
    assert files["messy"].read_text(encoding="utf-8") == MESSY
    lines = result.stdout.splitlines()
    assert lines[:2] == ["--- a/messy.sop", "+++ b/messy.sop"]
    assert "-journey j {   when reply" in lines and "+  when reply" in lines
    assert "clean.sop" not in result.stdout


def test_diff_applies_with_patch(files, monkeypatch):
    """The diff is a real patch: `patch -p1` turns the file into the formatted text."""
    if shutil.which("patch") is None:
        pytest.fail("the `patch` program is needed for this test")
    monkeypatch.chdir(files["messy"].parent)
    diff = run("--diff", "messy.sop").stdout
    subprocess.run(["patch", "-p1", "--quiet"], input=diff.encode(), check=True)
    assert files["messy"].read_text(encoding="utf-8") == CANONICAL


def test_diff_marks_a_missing_final_newline(tmp_path, monkeypatch):
    """An input without a final newline gets git's `\\ No newline at end of file` marker."""
    monkeypatch.chdir(tmp_path)
    Path("a.sop").write_text('role guide "导购"', encoding="utf-8")
    lines = run("--diff", "a.sop").stdout.splitlines()
    assert lines[-3:] == [
        '-role guide "导购"', "\\ No newline at end of file", '+role guide "导购"',
    ]


def test_file_with_syntax_errors_is_refused(files, tmp_path):
    """A file that does not parse is left untouched, its errors shown; the others still format."""
    broken = tmp_path / "broken.sop"
    broken.write_text(BROKEN, encoding="utf-8")
    result = run(str(broken), str(files["messy"]))
    assert result.exit_code == 1
    assert broken.read_text(encoding="utf-8") == BROKEN
    assert files["messy"].read_text(encoding="utf-8") == CANONICAL
    assert "E113 error" in result.stderr and 'tag "a"' in result.stderr
    assert result.stderr.splitlines()[-1] == "1 file reformatted, 1 refused (syntax errors)"


@pytest.mark.parametrize(
    ("data", "code"),
    [(b'role guide "\xb5\xbc\xb9\xba"\n', "E101"), (b"\x89PNG\r\n\x1a\n\x00\x00", "E102")],
    ids=["gbk", "binary"],
)
def test_unreadable_input_exits_2_untouched(tmp_path, data, code):
    """Non-UTF-8 and binary files get a message and exit 2; their bytes stay as they were."""
    path = tmp_path / "bad.sop"
    path.write_bytes(data)
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{code} error" in result.stderr
    assert path.read_bytes() == data


def test_internal_error_leaves_the_file_and_exits_2(files, monkeypatch):
    """When the safety net trips, the file is not written and the message says it is our bug."""
    def failing(text, path):
        raise FormatterError(f"{path}: internal error: the formatted text does not parse; "
                             "the file was left as it was, please report this")

    monkeypatch.setattr(format_files, "format_text", failing)
    result = run(str(files["messy"]))
    assert result.exit_code == 2
    assert files["messy"].read_text(encoding="utf-8") == MESSY
    assert "internal error" in result.stderr and "please report this" in result.stderr
    assert result.stderr.splitlines()[-1] == "1 file failed"


def test_failed_write_exits_2_and_keeps_the_file(files, monkeypatch):
    """A file that cannot be replaced is reported (exit 2), not a traceback."""
    def refuse(path, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(format_files, "write_text", refuse)
    result = run(str(files["messy"]))
    assert result.exit_code == 2
    assert "cannot write the file: Permission denied" in result.stderr
    assert files["messy"].read_text(encoding="utf-8") == MESSY


def test_folders_are_searched_recursively_for_sop_files(tmp_path):
    """A folder argument formats every *.sop below it and nothing else."""
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    nested = tmp_path / "sub" / "deeper" / "n.sop"
    nested.write_text(MESSY, encoding="utf-8")
    other = tmp_path / "sub" / "notes.txt"
    other.write_text(MESSY, encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 0
    assert nested.read_text(encoding="utf-8") == CANONICAL
    assert other.read_text(encoding="utf-8") == MESSY


def test_missing_path_exits_2(tmp_path):
    """A path that does not exist is an input error."""
    result = run(str(tmp_path / "nope.sop"))
    assert result.exit_code == 2
    assert "E100 error: no such file or folder" in result.stderr


def test_folder_without_playbooks_is_an_input_error(tmp_path):
    """A folder with no playbooks is E105 and exit 2, as for every command."""
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert "E105" in result.stderr and "no .sop files in this folder" in result.stderr


def test_bom_and_crlf_are_normalised(tmp_path):
    """Output is UTF-8 without a BOM and with \\n line ends, even when only those differ."""
    path = tmp_path / "win.sop"
    path.write_bytes(b"\xef\xbb\xbf" + CANONICAL.replace("\n", "\r\n").encode("utf-8"))
    assert run("--check", str(path)).exit_code == 1
    run(str(path))
    assert path.read_bytes() == CANONICAL.encode("utf-8")


def test_cr_only_files_are_read_as_lines_and_rewritten_with_newlines(tmp_path):
    """Old Mac `\\r` line ends are line breaks (a leading comment does not swallow the file);
    the diff of a CRLF file shows its lines as they are, ready for patch."""
    path = tmp_path / "mac.sop"
    path.write_bytes(("# note\r" + MESSY.replace("\n", "\r")).encode("utf-8"))
    run(str(path))
    assert path.read_bytes() == ("# note\n" + CANONICAL).encode("utf-8")
    path.write_bytes(CANONICAL.replace("\n", "\r\n").encode("utf-8"))
    diff = run("--diff", str(path)).stdout_bytes
    assert b"-journey j {\r\n" in diff and b"+journey j {\n" in diff


def test_stdin_is_formatted_to_stdout():
    """`-` reads standard input and writes the canonical text to standard output."""
    result = run("-", stdin=MESSY.encode("utf-8"))
    assert result.exit_code == 0
    assert result.stdout == CANONICAL


def test_stdin_check_prints_nothing_and_exits_1():
    """`--check -` says through its exit code whether stdin would change."""
    result = run("--check", "-", stdin=MESSY.encode("utf-8"))
    assert (result.exit_code, result.stdout) == (1, "")
    assert run("--check", "-", stdin=CANONICAL.encode("utf-8")).exit_code == 0


def test_stdin_diff_names_stdin():
    """`--diff -` prints a diff against <stdin>."""
    result = run("--diff", "-", stdin=MESSY.encode("utf-8"))
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/<stdin>\n+++ b/<stdin>\n")


def test_stdin_with_syntax_errors_prints_no_text():
    """Refused stdin writes nothing to stdout, its errors to stderr, and exits 1."""
    result = run("-", stdin=BROKEN.encode("utf-8"))
    assert (result.exit_code, result.stdout) == (1, "")
    assert "<stdin>:1:" in result.stderr and "E113" in result.stderr


def test_stdin_cannot_be_mixed_with_paths(files):
    """`-` together with files is a usage error."""
    result = run("-", str(files["messy"]))
    assert result.exit_code == 2
    assert "cannot be combined" in result.stderr


def test_runs_as_a_real_process_on_a_copy_of_the_playbooks(tmp_path):
    """The installed command formats the bundled playbooks, and a second --check passes."""
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    command = [sys.executable, "-c", "from sopdsl.cli import main; main()", "fmt"]
    first = subprocess.run([*command, "playbooks"], cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines()[-1].endswith("left unchanged")
    check = subprocess.run([*command, "--check", "playbooks"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def read_hooks() -> list[dict[str, str]]:
    """The hooks of .pre-commit-hooks.yaml (a flat list of `key: value` maps)."""
    hooks: list[dict[str, str]] = []
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("- "):
            hooks.append({})
        key, value = line.removeprefix("- ").strip().split(":", 1)
        hooks[-1][key] = value.strip()
    return hooks


def test_pre_commit_hooks_run_sopdsl_on_sop_files():
    """Both hooks are python hooks on *.sop files whose entries are sopdsl commands."""
    hooks = {hook["id"]: hook for hook in read_hooks()}
    assert set(hooks) == {"sopdsl-fmt", "sopdsl-lint"}
    assert hooks["sopdsl-fmt"]["entry"] == "sopdsl fmt"
    assert hooks["sopdsl-lint"]["entry"] == "sopdsl lint"
    for hook in hooks.values():
        assert hook["language"] == "python"
        files = re.compile(hook["files"])
        assert files.search("playbooks/common/roles.sop")
        assert not files.search("notes.sop.bak") and not files.search("sop.md")
    assert "fmt" in main.commands


def test_pre_commit_fmt_hook_entry_rewrites_the_files_it_is_given(files):
    """The fmt hook's entry, followed by file names as pre-commit passes them, rewrites them."""
    entry = read_hooks()[0]["entry"].split()
    assert entry[0] == "sopdsl"
    result = CliRunner().invoke(main, [*entry[1:], str(files["messy"]), str(files["clean"])])
    assert result.exit_code == 0
    assert files["messy"].read_text(encoding="utf-8") == CANONICAL
