"""Find playbook files and read them safely: bad input becomes a diagnostic, never a crash."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.reading import NotRegularFile, TooLarge, read_limited, read_regular
from sopdsl.syntax.source import SourceFile, Span

MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSION = ".sop"
# Reading codes after which the file is not a playbook at all: the CLI exits 2 on them.
INPUT_ERROR_CODES = frozenset({"E100", "E101", "E102", "E103", "E105", "E106"})


def display_path(path: Path | str) -> str:
    """The path as reports show it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError):  # outside the working folder, or a loop of symlinks
        return str(path)


def _file_span(path: str) -> Span:
    return Span(file=path, line=1, column=1, end_line=1, end_column=2)


def collect_paths(arguments: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    """The .sop files named or found (recursively) in folders, with errors for bad paths.

    A file named on the command line is taken as given, symbolic link or not. In a folder,
    a symbolic link is followed only when it resolves to a .sop file inside that folder, so a
    walk never reads (and `fmt` never rewrites) a file outside the folder it was given.
    """
    found: list[Path] = []
    errors: list[Diagnostic] = []
    for argument in arguments:
        path = Path(argument)
        if argument == "-":
            errors.append(diag("E100", _file_span(argument),
                               "reading a playbook from standard input is not supported",
                               hint="pass the paths of .sop files or of folders that hold them"))
        elif path.is_dir():
            playbooks = walk_playbooks(path)
            found.extend(playbooks)
            if not playbooks:
                errors.append(diag("E105", _file_span(argument), "no .sop files in this folder",
                                   hint="check the path; folders are searched for *.sop files, "
                                        "subfolders included"))
        elif path.exists():
            found.append(path)
        else:
            errors.append(diag("E100", _file_span(argument), "no such file or folder",
                               hint="check the path; folders are searched for *.sop files"))
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique, errors


def walk_playbooks(folder: Path) -> list[Path]:
    """The .sop files below `folder`, resolved, in path order; links leading out are skipped.

    Linked subfolders are not entered: what they lead to inside the folder is walked anyway,
    and what they lead to outside it is not the folder's.
    """
    root = folder.resolve()
    found = []
    for parent, _, names in os.walk(root):
        for name in names:
            path = Path(parent) / name
            if not name.endswith(EXTENSION):
                continue
            if not path.is_symlink():
                found.append(path)
                continue
            target = path.resolve()
            if target.is_relative_to(root) and target.suffix == EXTENSION and target.exists():
                found.append(target)
    return sorted(dict.fromkeys(found))


def read_source(path: Path, shown_as: str | None = None) -> SourceFile | Diagnostic:
    """Read one file as UTF-8 text, or say why it cannot be a playbook."""
    name = shown_as or display_path(path)
    data = read_bytes(path, name)
    return data if isinstance(data, Diagnostic) else decode_source(data, name)


def read_bytes(path: Path, name: str) -> bytes | Diagnostic:
    """The file's bytes, or why they cannot be read (missing, not a regular file, too large)."""
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except (TooLarge, NotRegularFile, OSError) as error:
        return _unreadable(error, name)


def read_stream(stream: BinaryIO, name: str) -> bytes | Diagnostic:
    """Up to MAX_FILE_BYTES of an open stream such as standard input, or why not more."""
    try:
        return read_limited(stream, MAX_FILE_BYTES)
    except (TooLarge, OSError) as error:
        return _unreadable(error, name)


def _unreadable(error: Exception, name: str) -> Diagnostic:
    span = _file_span(name)
    if isinstance(error, TooLarge):
        limit = f"{MAX_FILE_BYTES // (1024 * 1024)} MB"
        size = f"over {limit}" if error.size is None else f"{error.size / 1e6:.1f} MB"
        return diag("E103", span, f"file is {size}; playbooks are read up to {limit}",
                    hint="split it into several files joined by `import`")
    kind = error.kind if isinstance(error, NotRegularFile) else None
    if kind == "a folder" or isinstance(error, IsADirectoryError):
        return diag("E100", span, "this is a folder, not a file")
    if kind is not None:
        return diag("E106", span, f"this is {kind}, not a regular file",
                    hint="playbooks are read from regular files only; a FIFO, device or "
                         "socket could block or never end")
    reason = error.strerror if isinstance(error, OSError) and error.strerror else error
    return diag("E100", span, f"cannot read the file: {reason}")


def decode_source(data: bytes, name: str) -> SourceFile | Diagnostic:
    """Bytes as playbook text (UTF-8, a leading BOM dropped, line ends made `\\n`), or why
    they are not text."""
    span = _file_span(name)
    if b"\x00" in data:
        return diag("E102", span, "file holds binary data (NUL bytes), not playbook text",
                    hint="playbooks are UTF-8 text files ending in .sop")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return diag("E101", _offset_span(name, data, error.start),
                    f"file is not UTF-8 text (bad byte 0x{data[error.start]:02X})",
                    hint="save the file as UTF-8 (GBK files can be converted with iconv -f GBK -t UTF-8)")
    return SourceFile(name, normalise_newlines(text))


def normalise_newlines(text: str) -> str:
    """Text with `\\r\\n` and lone `\\r` line ends turned into `\\n`.

    Old Mac files end lines with `\\r` alone; editors show them as separate lines, so the
    parser and every diagnostic must count them as such.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _offset_span(name: str, data: bytes, offset: int) -> Span:
    before = normalise_newlines(data[:offset].decode("utf-8", errors="replace"))
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Span(file=name, line=line, column=column, end_line=line, end_column=column + 1)


def empty_file_diagnostic(source: SourceFile) -> Diagnostic | None:
    """E104 when the file holds nothing but blanks."""
    if source.text.strip():
        return None
    return diag("E104", _file_span(source.path), "file is empty",
                hint="a playbook file holds declarations such as `journey` or `content`")
