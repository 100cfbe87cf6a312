"""End-to-end tests of `sopdsl check`: every output format, every exit code, bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest
from click.testing import CliRunner, Result

from golden import GOLDEN_ROOT, assert_golden
from sopdsl import reading
from sopdsl.cli import main
from sopdsl.syntax.files import MAX_FILE_BYTES

E2E_GOLDEN = GOLDEN_ROOT / "e2e"
SOPDSL = Path(sys.executable).parent / "sopdsl"
CLEAN = 'content hello: text "您好"\njourney welcome {\n  when friend_added\n  send hello via private_chat\n}\n'
BROKEN = ("journey welcome {\n  when friend_added\n  send hello private_chat\n"
          "  wait for reply within 2 { }\n}\n")
HEAVY_MODULES = ("simpy", "matplotlib", "numpy", "dask")


def run_check(*args: str) -> Result:
    result = CliRunner().invoke(main, ["check", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def playbooks(working_folder: Path) -> Path:
    """A working folder with a clean and a broken playbook, as the current directory."""
    (working_folder / "clean.sop").write_text(CLEAN, encoding="utf-8")
    (working_folder / "broken.sop").write_text(BROKEN, encoding="utf-8")
    return working_folder


def test_clean_file_exits_0(playbooks: Path) -> None:
    """A playbook without errors exits 0 and says so."""
    result = run_check("clean.sop")
    assert result.exit_code == 0
    assert "No problems found in 1 file." in result.output


def test_syntax_errors_exit_1_with_every_error(playbooks: Path) -> None:
    """Two mistakes in one file are both reported, in operator words, and exit 1."""
    result = run_check("broken.sop")
    assert result.exit_code == 1
    assert_golden(E2E_GOLDEN / "broken.txt", result.output)


def test_json_format(playbooks: Path) -> None:
    """--format json prints a document with one entry per finding, positions included."""
    result = run_check("--format", "json", "broken.sop")
    assert result.exit_code == 1
    document = json.loads(result.output)
    found = [(d["code"], d["line"], d["column"]) for d in document["diagnostics"]]
    assert found == [("E111", 3, 14), ("E111", 4, 25)]
    assert_golden(E2E_GOLDEN / "broken.json", result.output)


def test_sarif_format(playbooks: Path) -> None:
    """--format sarif prints SARIF 2.1.0 with a result and a rule per code."""
    result = run_check("--format", "sarif", "broken.sop")
    assert result.exit_code == 1
    run = json.loads(result.output)["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["E111", "E111"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["E111"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (3, 14)


def test_github_format(playbooks: Path) -> None:
    """--format github prints one ::error workflow command per finding."""
    result = run_check("--format", "github", "broken.sop")
    assert result.exit_code == 1
    assert_golden(E2E_GOLDEN / "broken.github", result.output)


def test_clean_file_in_machine_formats(playbooks: Path) -> None:
    """Machine formats of a clean run hold no findings and exit 0."""
    assert json.loads(run_check("--format", "json", "clean.sop").output)["diagnostics"] == []
    sarif = json.loads(run_check("--format", "sarif", "clean.sop").output)
    assert sarif["runs"][0]["results"] == []
    assert "::error" not in run_check("--format", "github", "clean.sop").output


def test_folders_are_searched_recursively(playbooks: Path) -> None:
    """A folder argument checks every .sop below it, in subfolders too, and nothing else."""
    nested = playbooks / "journeys" / "retail"
    nested.mkdir(parents=True)
    (nested / "deep.sop").write_text(BROKEN, encoding="utf-8")
    (nested / "notes.txt").write_text("not a playbook", encoding="utf-8")
    result = run_check(".")
    assert result.exit_code == 1
    assert "in 3 files." in result.output
    assert "journeys/retail/deep.sop:3:14" in result.output


def test_missing_path_exits_2(playbooks: Path) -> None:
    """A path that does not exist is an input error."""
    result = run_check("nowhere.sop")
    assert result.exit_code == 2
    assert "nowhere.sop:1:1: E100 error: no such file or folder" in result.output


def test_folder_without_playbooks_exits_2(playbooks: Path) -> None:
    """A folder holding no .sop file is an input error, not a silent success."""
    (playbooks / "empty").mkdir()
    result = run_check("empty")
    assert result.exit_code == 2
    assert "E105 error: no .sop files in this folder" in result.output


def test_folder_named_like_a_playbook_exits_2(playbooks: Path) -> None:
    """A folder called x.sop is searched, not read as a file."""
    (playbooks / "x.sop").mkdir()
    result = run_check("x.sop")
    assert result.exit_code == 2
    assert "x.sop:1:1: E105" in result.output


def test_empty_file_exits_1(playbooks: Path) -> None:
    """An empty file is a finding (E104), not an input error."""
    (playbooks / "empty.sop").write_text("\n  \n", encoding="utf-8")
    result = run_check("empty.sop")
    assert result.exit_code == 1
    assert "E104 error: file is empty" in result.output


def test_gbk_file_exits_2(playbooks: Path) -> None:
    """A GBK-encoded file is reported with the first bad byte's position and how to convert it."""
    (playbooks / "gbk.sop").write_bytes('content hello: text "您好"\n'.encode("gbk"))
    result = run_check("gbk.sop")
    assert result.exit_code == 2
    assert "gbk.sop:1:22: E101 error: file is not UTF-8 text (bad byte 0xC4)" in result.output
    assert "iconv -f GBK -t UTF-8" in result.output


def test_binary_file_exits_2(playbooks: Path) -> None:
    """A file with NUL bytes is binary, not a playbook."""
    (playbooks / "image.sop").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run_check("image.sop")
    assert result.exit_code == 2
    assert "E102 error: file holds binary data" in result.output


def test_file_over_10_mb_exits_2(playbooks: Path) -> None:
    """A file over the size limit is refused before it is read."""
    (playbooks / "huge.sop").write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    result = run_check("huge.sop")
    assert result.exit_code == 2
    assert "E103 error: file is 10.5 MB; playbooks are read up to 10 MB" in result.output


def test_unreadable_file_exits_2(playbooks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the system refuses to read is an input error naming the reason."""
    def refuse(path: Path) -> BinaryIO:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(reading, "open_regular", refuse)
    result = run_check("clean.sop")
    assert result.exit_code == 2
    assert "clean.sop:1:1: E100 error: cannot read the file: Permission denied" in result.output


def test_stdin_is_refused_with_a_clear_message(playbooks: Path) -> None:
    """`-` asks for standard input, which check does not read: exit 2 and say so."""
    result = run_check("-")
    assert result.exit_code == 2
    assert "reading a playbook from standard input is not supported" in result.output


def test_input_error_wins_over_findings(playbooks: Path) -> None:
    """With a broken file and a missing one, the exit code is 2 and both are reported."""
    result = run_check("broken.sop", "nowhere.sop")
    assert result.exit_code == 2
    assert "E111" in result.output and "E100" in result.output


def test_no_arguments_is_a_usage_error() -> None:
    """check without paths exits 2 with click's usage message."""
    result = CliRunner().invoke(main, ["check"], prog_name="sopdsl")
    assert result.exit_code == 2
    assert "Usage: sopdsl check [OPTIONS] PATHS..." in result.output
    assert "Missing argument 'PATHS...'" in result.output


def test_unknown_option_is_a_usage_error(playbooks: Path) -> None:
    """An unknown option exits 2 with the usage line."""
    result = CliRunner().invoke(main, ["check", "--bogus", "clean.sop"])
    assert result.exit_code == 2
    assert "No such option: --bogus" in result.output or "No such option '--bogus'" in result.output


def test_unknown_format_is_a_usage_error(playbooks: Path) -> None:
    """A --format outside the choices exits 2 and lists the choices."""
    result = CliRunner().invoke(main, ["check", "--format", "xml", "clean.sop"])
    assert result.exit_code == 2
    assert "'xml' is not one of" in result.output


def _script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    process = subprocess.run([str(SOPDSL), *args], cwd=cwd, capture_output=True, text=True,
                             timeout=120, check=False)
    assert "Traceback" not in process.stdout + process.stderr
    return process


def test_installed_script_exit_codes(playbooks: Path) -> None:
    """The installed `sopdsl` script exits 0, 1 and 2 as documented."""
    assert _script("check", "clean.sop", cwd=playbooks).returncode == 0
    broken = _script("check", "broken.sop", cwd=playbooks)
    assert broken.returncode == 1
    assert "broken.sop:3:14: E111" in broken.stdout
    usage = _script("check", cwd=playbooks)
    assert usage.returncode == 2
    assert "Usage:" in usage.stderr


def test_installed_script_reads_bad_bytes_without_traceback(playbooks: Path) -> None:
    """Binary, GBK and deeply nested input through the real script give diagnostics only."""
    (playbooks / "bin.sop").write_bytes(bytes(range(256)))
    (playbooks / "gbk.sop").write_bytes("journey 新客 {}".encode("gbk"))
    (playbooks / "deep.sop").write_text("segment s = " + "(" * 3000 + "x" + ")" * 3000)
    process = _script("check", "--format", "json", "bin.sop", "gbk.sop", "deep.sop",
                      cwd=playbooks)
    assert process.returncode == 2
    codes = [d["code"] for d in json.loads(process.stdout)["diagnostics"]]
    assert codes == ["E102", "E121", "E101"]


def test_check_imports_no_heavy_modules(playbooks: Path) -> None:
    """`check` runs without importing SimPy, matplotlib, numpy or Dask."""
    probe = (
        "import sys\n"
        "from sopdsl.cli import main\n"
        "try:\n"
        "    main(['check', 'clean.sop'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_MODULES!r}))\n"
    )
    process = subprocess.run([sys.executable, "-c", probe], cwd=playbooks, capture_output=True,
                             text=True, timeout=120, check=False)
    assert process.stdout.strip().splitlines()[-1] == "[]"
