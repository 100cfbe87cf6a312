"""Tests for drawings: DOT and Mermaid goldens, labels, and atomically written images."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from golden import assert_golden
from sopdsl.draw import image as draw_png
from sopdsl.draw import fonts
from sopdsl.draw.formats import to_dot, to_image, to_mermaid
from sopdsl.draw.labels import edge_text, node_text, short
from sopdsl.draw.graph import WorkflowGraph, build_graph
from sopdsl.api import load_text
from sopdsl.render.text import display_width

GOLDEN = Path(__file__).parent / "golden" / "graph"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def graph_of(text: str) -> WorkflowGraph:
    return build_graph(load_text(text, "test.sop"))


def graph_of_file(name: str) -> WorkflowGraph:
    return graph_of((GOLDEN / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("source", "journey", "golden"),
    [
        ("onboarding.sop", "onboarding", "onboarding.dot"),
        ("nested.sop", None, "nested.dot"),
    ],
    ids=["one-journey", "all-journeys"],
)
def test_dot_matches_golden(source, journey, golden):
    """DOT output: clusters, shapes, and labels on branch, wait and loop edges."""
    assert_golden(GOLDEN / golden, to_dot(graph_of_file(source), journey))


@pytest.mark.parametrize(
    ("source", "journey", "golden"),
    [
        ("onboarding.sop", "onboarding", "onboarding.mmd"),
        ("nested.sop", None, "nested.mmd"),
    ],
    ids=["one-journey", "all-journeys"],
)
def test_mermaid_matches_golden(source, journey, golden):
    """Mermaid output: subgraphs, shapes, escaped labels and dashed loop edges."""
    assert_golden(GOLDEN / golden, to_mermaid(graph_of_file(source), journey))


def test_one_journey_drawing_leaves_out_enters_into_others():
    """An `enter` into a journey that is not drawn has no dangling edge."""
    graph = graph_of_file("nested.sop")
    assert "other/" not in to_dot(graph, "nested")
    assert '"nested/5" -> "other/@when/1"' in to_dot(graph)


def test_labels_say_conditions_waits_and_loops():
    """Edges carry what decides them; wait nodes leave their wait to the edge."""
    graph = graph_of_file("nested.sop")
    g = graph.g
    assert node_text(g.nodes["nested/ab.slow/1"]) == "wait"

    def text(u: str, v: str) -> str:
        (attrs,) = g.get_edge_data(u, v).values()
        return edge_text(attrs, g.nodes[u])

    assert text("nested/ab.slow/1", "nested/loop") == "2d"
    assert text("nested/loop.body/2", "nested/loop") == "until monday at 09:00 · every 7d"
    assert text("nested/3", "nested/3.elif2/1") == (
        'elif (score > 3 or tag "hot") and not tag "cold"'
    )
    assert text("nested/ab", "nested/ab.quick/1") == "30% quick"
    assert text("nested/ab.quick/2.body/1", "nested/ab.quick/2") == "else · every 3d"


def test_short_cuts_by_display_width():
    """CJK characters count two columns; the cut ends in an ellipsis."""
    assert short("电话回访了解需求", 9) == "电话回访…"
    assert short("a  b\nc", 10) == "a b c"


def test_png_is_written(tmp_path):
    """A PNG file with the PNG signature and real content."""
    path = tmp_path / "onboarding.png"
    to_image(graph_of_file("onboarding.sop"), "onboarding", path)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    assert os.listdir(tmp_path) == ["onboarding.png"]


def test_svg_keeps_text_as_text(tmp_path):
    """SVG output is an SVG document whose labels stay searchable text."""
    path = tmp_path / "all.svg"
    to_image(graph_of_file("nested.sop"), None, path, fmt="svg")
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and "嵌套" in text and "every 3d" in text


def test_dollar_signs_are_drawn_as_written(tmp_path, monkeypatch):
    """`$` in a title, content, tag or task text is text, not a formula: no formula is parsed
    (`a$^$b` crashed the drawing) and the SVG holds each label as written."""
    from matplotlib import mathtext

    def no_formulas(*args, **kwargs):
        raise AssertionError("a label was parsed as a formula")

    monkeypatch.setattr(mathtext.MathTextParser, "parse", no_formulas)
    graph = graph_of('role guide\ncontent c: text "满$99减$10"\n'
                     'journey j "满$99减$10 a$^$b" {\n  when friend_added\n'
                     '  send c via private_chat\n  tag "$x$"\n  task guide "回$访$"\n}\n')
    path = tmp_path / "dollars.svg"
    to_image(graph, None, path, fmt="svg")
    text = html.unescape(path.read_text(encoding="utf-8"))
    for label in ("满$99减$10 a$^$b", "$x$", "回$访$"):
        assert label in text


def test_playbook_without_journeys_draws_a_note(tmp_path):
    """No journeys is still a valid image, and valid DOT and Mermaid."""
    graph = graph_of("")
    to_image(graph, None, tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes().startswith(PNG_MAGIC)
    assert to_dot(graph).startswith("digraph sop {") and to_mermaid(graph) == "flowchart TD\n"


def test_failed_drawing_leaves_no_partial_file(tmp_path, monkeypatch):
    """When saving fails, the old image stays as it was and no temporary file is left."""
    from matplotlib.figure import Figure

    path = tmp_path / "onboarding.png"
    path.write_bytes(b"old image")

    def broken_savefig(self, out, **kwargs):
        out.write(b"half an image")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        to_image(graph_of_file("onboarding.sop"), "onboarding", path)
    assert os.listdir(tmp_path) == ["onboarding.png"]
    assert path.read_bytes() == b"old image"


def test_unknown_format_and_journey_are_refused_before_drawing(tmp_path):
    """Bad arguments raise before any file is touched."""
    graph = graph_of_file("onboarding.sop")
    with pytest.raises(ValueError, match="jpg"):
        to_image(graph, "onboarding", tmp_path / "x.jpg", fmt="jpg")
    with pytest.raises(KeyError, match="nope"):
        to_image(graph, "nope", tmp_path / "x.png")
    assert os.listdir(tmp_path) == []


def test_text_drawings_do_not_import_matplotlib():
    """DOT and Mermaid stay light: matplotlib loads only when an image is drawn."""
    code = (
        "import sys; from sopdsl.draw.formats import to_dot, to_mermaid; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


class FakeFontManager:
    """A stand-in for matplotlib's fontManager: a font list, and addfont naming by file."""

    def __init__(self, families: dict[str, str], known: list[str]) -> None:
        self.families = families
        self.ttflist = [SimpleNamespace(fname=path, name=families[path]) for path in known]
        self.added: list[str] = []

    def addfont(self, path: str) -> None:
        self.added.append(path)
        self.ttflist.append(SimpleNamespace(fname=path, name=self.families[path]))


def test_system_cjk_fonts_unknown_to_matplotlib_are_added(monkeypatch):
    """A CJK font installed after matplotlib cached its font list is found and preferred (SC)."""
    from matplotlib import font_manager

    families = {
        "/fonts/DejaVuSans.ttf": "DejaVu Sans",
        "/fonts/NotoSansCJK-Regular.ttc": "Noto Sans CJK JP",
        "/fonts/NotoSansCJKsc-Regular.otf": "Noto Sans CJK SC",
        "/fonts/Unrelated.ttf": "Unrelated",
    }
    fake = FakeFontManager(families, known=["/fonts/DejaVuSans.ttf"])
    monkeypatch.setattr(font_manager, "fontManager", fake)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda: list(families))
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    assert fonts.font_families() == (["Noto Sans CJK SC", "DejaVu Sans"], [])
    assert sorted(fake.added) == [
        "/fonts/NotoSansCJK-Regular.ttc", "/fonts/NotoSansCJKsc-Regular.otf",
    ]
    # A second drawing in the same process finds the same font without adding it again.
    assert fonts.font_families()[0] == ["Noto Sans CJK SC", "DejaVu Sans"]
    assert len(fake.added) == 2


def test_installed_listed_fonts_are_used_without_a_scan(monkeypatch):
    """A font named in FONT_FAMILIES that matplotlib knows is used as it is."""
    from matplotlib import font_manager

    fake = FakeFontManager({"/f/wqy.ttc": "WenQuanYi Zen Hei"}, known=["/f/wqy.ttc"])
    monkeypatch.setattr(font_manager, "fontManager", fake)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda: pytest.fail("scanned"))
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    assert fonts.font_families() == (["WenQuanYi Zen Hei", "DejaVu Sans"], [])


def test_sopdsl_font_comes_first_and_a_bad_one_is_reported(monkeypatch, tmp_path):
    """SOPDSL_FONT names a font file drawn with first; an unreadable one becomes a note."""
    from matplotlib import font_manager

    mono = font_manager.findfont("DejaVu Sans Mono", fallback_to_default=False)
    monkeypatch.setenv(fonts.FONT_ENV, mono)
    assert fonts.font_families()[0][0] == "DejaVu Sans Mono"
    bogus = tmp_path / "not-a-font.ttf"
    bogus.write_text("hello")
    monkeypatch.setenv(fonts.FONT_ENV, str(bogus))
    families, notes = fonts.font_families()
    assert "DejaVu Sans Mono" not in families[:1]
    assert notes == [f"SOPDSL_FONT={bogus} is not a font file that can be read; it was not used"]


def test_missing_cjk_font_is_noted_only_when_labels_need_one(monkeypatch, tmp_path):
    """Without a CJK font, drawing Chinese labels returns a note; ASCII-only drawings do not."""
    monkeypatch.setattr(fonts, "font_families", lambda: (["DejaVu Sans"], []))
    chinese = graph_of('journey j { when reply tag "新客" }')
    assert to_image(chinese, None, tmp_path / "c.png") == [fonts.NO_CJK_FONT]
    ascii_only = graph_of('journey j { when reply tag "new" }')
    assert to_image(ascii_only, None, tmp_path / "a.png") == []


def test_long_branch_labels_wrap_to_fit_beside_each_other(tmp_path):
    """Edge label lines fit LABEL_WRAP columns, so neighbouring branch labels do not overlap."""
    condition = 'age in 11..13 and city == "上海" and count(purchase, 30d) >= 2'
    graph = graph_of(
        f'journey j {{ when reply if {condition} {{ tag "a" }} elif vip {{ tag "b" }} }}'
    )
    path = tmp_path / "j.svg"
    to_image(graph, "j", path, fmt="svg")
    lines = [html.unescape(t) for t in re.findall(r"font-size: 6.5px[^>]*>([^<]*)</text>",
                                                  path.read_text(encoding="utf-8"))]
    assert lines and all(display_width(line) <= draw_png.LABEL_WRAP for line in lines)
    # Broken at spaces, at most two lines, the rest cut with an ellipsis.
    assert lines[:2] == ["if age in 11..13 and city", '== "上海" and count(purch…']


def test_packaged_cjk_font_is_the_last_resort(monkeypatch):
    """With no CJK font on the system, the font shipped by the dependency package is used."""
    import cvttf_NotoSansCJK_Regular as packaged
    from matplotlib import font_manager

    path = packaged.get_TTF_path()
    fake = FakeFontManager({"/fonts/DejaVuSans.ttf": "DejaVu Sans", path: "Noto Sans CJK TC"},
                           known=["/fonts/DejaVuSans.ttf"])
    monkeypatch.setattr(font_manager, "fontManager", fake)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda: ["/fonts/DejaVuSans.ttf"])
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    assert fonts.font_families() == (["Noto Sans CJK TC", "DejaVu Sans"], [])
    assert fake.added == [path]
