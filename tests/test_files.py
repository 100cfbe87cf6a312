"""Reading playbook files: every way a file can fail to be text becomes one diagnostic."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest

from sopdsl import reading
from sopdsl.syntax.files import (
    MAX_FILE_BYTES, collect_paths, empty_file_diagnostic, read_source, walk_playbooks,
)
from sopdsl.syntax.source import SourceFile


def test_utf8_with_bom_and_crlf_reads_as_text(tmp_path: Path) -> None:
    """A BOM is dropped and CRLF lines are shown without their carriage return."""
    path = tmp_path / "p.sop"
    path.write_bytes("\ufeffrole guide\r\nrole 销售\r\n".encode("utf-8"))
    source = read_source(path, "p.sop")
    assert isinstance(source, SourceFile)
    assert source.lines == ["role guide", "role 销售"]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_every_line_ending_is_a_line_break(tmp_path: Path, ending: str) -> None:
    """Lone `\\r` (old Mac) and `\\r\\n` become `\\n` where the text is decoded, so the parser
    and diagnostics count the same lines an editor shows."""
    path = tmp_path / "p.sop"
    path.write_bytes(ending.join(["# note", "role guide", "role 销售", ""]).encode("utf-8"))
    source = read_source(path, "p.sop")
    assert source.text == "# note\nrole guide\nrole 销售\n"
    assert source.lines == ["# note", "role guide", "role 销售"]


def test_non_utf8_position_counts_lone_carriage_returns(tmp_path: Path) -> None:
    """E101 points at the line an editor shows, also in a `\\r` file."""
    path = tmp_path / "gbk.sop"
    path.write_bytes("role guide\rrole 销售\r".encode("gbk"))
    d = read_source(path, "gbk.sop")
    assert (d.code, d.span.line, d.span.column) == ("E101", 2, 6)


def test_lines_split_only_at_newlines() -> None:
    """Form feeds and Unicode line separators stay inside their line, as the parser counts."""
    source = SourceFile("p.sop", "a\x0cb\u2028c\nd\n")
    assert source.lines == ["a\x0cb\u2028c", "d"]
    assert source.end_span().line == 2


def test_non_utf8_points_at_the_first_bad_byte(tmp_path: Path) -> None:
    """The E101 span is the line and column where decoding fails."""
    path = tmp_path / "gbk.sop"
    path.write_bytes("role guide\nrole 销售\n".encode("gbk"))
    d = read_source(path, "gbk.sop")
    assert (d.code, d.span.line, d.span.column) == ("E101", 2, 6)
    assert "GBK" in d.hint


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    """Any NUL byte makes the file binary (E102), even when the rest is text."""
    path = tmp_path / "b.sop"
    path.write_bytes(b"role guide\n\x00")
    assert read_source(path, "b.sop").code == "E102"


def test_size_limit_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over the limit gives E103 without its bytes being read."""
    path = tmp_path / "big.sop"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    monkeypatch.setattr(reading, "read_limited", lambda *_: pytest.fail("file was read"))
    d = read_source(path, "big.sop")
    assert d.code == "E103" and "10 MB" in d.message


def test_file_at_the_limit_is_read(tmp_path: Path) -> None:
    """Exactly the limit is still accepted."""
    path = tmp_path / "edge.sop"
    path.write_bytes(b"#" * MAX_FILE_BYTES)
    assert isinstance(read_source(path, "edge.sop"), SourceFile)


def test_os_errors_become_e100(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error from the system while reading is E100 with the system's reason."""
    path = tmp_path / "p.sop"
    path.write_text("role guide", encoding="utf-8")

    def fail(path: Path) -> BinaryIO:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(reading, "open_regular", fail)
    d = read_source(path, "p.sop")
    assert (d.code, d.message) == ("E100", "cannot read the file: Input/output error")


def test_walk_follows_links_only_to_playbooks_inside_the_folder(tmp_path: Path) -> None:
    """In-folder links resolve to their target (once); links out, links to non-.sop files and
    linked subfolders give nothing."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "sub" / "a.sop").write_text("x")
    (root / "notes.txt").write_text("x")
    (outside / "o.sop").write_text("x")
    (root / "link.sop").symlink_to(root / "sub" / "a.sop")
    (root / "text.sop").symlink_to(root / "notes.txt")
    (root / "out.sop").symlink_to(outside / "o.sop")
    (root / "outdir").symlink_to(outside)
    (root / "dangling.sop").symlink_to(root / "none.sop")
    assert walk_playbooks(root) == [(root / "sub" / "a.sop").resolve()]


def test_blank_file_is_empty() -> None:
    """Only blanks and newlines count as empty; a comment does not."""
    assert empty_file_diagnostic(SourceFile("p.sop", " \n\t\n")).code == "E104"
    assert empty_file_diagnostic(SourceFile("p.sop", "# note\n")) is None


def test_collect_paths_finds_nested_playbooks_once(tmp_path: Path) -> None:
    """Folders are searched recursively and a file named twice is checked once."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.sop").write_text("role r", encoding="utf-8")
    (tmp_path / "a" / "y.txt").write_text("", encoding="utf-8")
    files, errors = collect_paths([str(tmp_path), str(tmp_path / "a" / "b" / "x.sop")])
    assert files == [(tmp_path / "a" / "b" / "x.sop").resolve()]
    assert errors == []


def test_collect_paths_reports_bad_arguments(tmp_path: Path) -> None:
    """Missing paths, `-` and folders without playbooks each give an input error."""
    (tmp_path / "none").mkdir()
    files, errors = collect_paths(["missing.sop", "-", str(tmp_path / "none")])
    assert files == []
    assert [d.code for d in errors] == ["E100", "E100", "E105"]
