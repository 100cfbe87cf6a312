"""End-to-end tests for `sopdsl graph`: formats, output files, journey selection and errors."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from sopdsl.draw import fonts
from sopdsl.cli import main
from programs import ONBOARDING

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(*args: object):
    return CliRunner().invoke(main, ["graph", *map(str, args)])


def test_dot_goes_to_stdout_with_every_journey():
    """Without options: DOT on stdout, one cluster per journey of the file."""
    result = run(ONBOARDING)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("digraph sop {")
    assert result.stdout.count("subgraph cluster_") == 2
    assert '"onboarding/@when/1"' in result.stdout and '"sales_followup/@when/1"' in result.stdout
    assert result.stderr == ""


def test_mermaid_of_one_journey():
    """--journey keeps one journey; --format mermaid gives a flowchart."""
    result = run(ONBOARDING, "--journey", "sales_followup", "--format", "mermaid")
    assert result.exit_code == 0
    assert result.stdout.startswith("flowchart TD\n")
    assert result.stdout.count("  subgraph ") == 1
    assert "销售顾问接手后" in result.stdout and "新好友" not in result.stdout


def test_text_output_file_is_written_and_matches_stdout(tmp_path):
    """-o writes the same text stdout would carry, and names the file on stderr."""
    out = tmp_path / "flow.dot"
    result = run(ONBOARDING, "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8") == run(ONBOARDING).stdout
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    assert os.listdir(tmp_path) == ["flow.dot"]


def test_format_follows_the_output_suffix(tmp_path):
    """Without --format, `.mmd` means Mermaid and `.png` a PNG image."""
    run(ONBOARDING, "-o", str(tmp_path / "a.mmd"))
    assert (tmp_path / "a.mmd").read_text(encoding="utf-8").startswith("flowchart TD")
    run(ONBOARDING, "-j", "onboarding", "-o", str(tmp_path / "a.png"))
    assert (tmp_path / "a.png").read_bytes().startswith(PNG_MAGIC)


def test_explicit_format_wins_over_the_suffix(tmp_path):
    """--format dot with -o x.txt writes DOT."""
    run(ONBOARDING, "--format", "dot", "-o", str(tmp_path / "x.txt"))
    assert (tmp_path / "x.txt").read_text(encoding="utf-8").startswith("digraph sop {")


def test_png_is_written_to_the_named_file(tmp_path):
    """--format png -o FILE writes a PNG there and nothing else in the folder."""
    out = tmp_path / "onboarding.png"
    result = run(ONBOARDING, "--journey", "onboarding", "--format", "png", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert os.listdir(tmp_path) == ["onboarding.png"]


def test_image_without_output_is_named_after_the_journey(working_folder):
    """png/svg without -o go to JOURNEY.svg (or FILE.svg for all journeys) in the working folder."""
    assert run(ONBOARDING, "-j", "sales_followup", "--format", "svg").exit_code == 0
    assert run(ONBOARDING, "--format", "svg").exit_code == 0
    assert sorted(os.listdir(working_folder)) == ["onboarding.svg", "sales_followup.svg"]
    svg = (working_folder / "sales_followup.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "when stage becomes intent" in svg


def test_unknown_journey_suggests_the_closest_name():
    """A misspelt journey is a usage error (exit 2) with a did-you-mean."""
    result = run(ONBOARDING, "--journey", "onbaording")
    assert result.exit_code == 2
    assert "did you mean `onboarding`?" in result.stderr
    assert result.stdout == ""


def test_unknown_journey_without_a_close_name_lists_the_journeys():
    """With nothing close, the message lists the file's journeys."""
    result = run(ONBOARDING, "--journey", "zzz")
    assert result.exit_code == 2
    assert "`onboarding`, `sales_followup`" in result.stderr


def test_file_with_errors_shows_diagnostics_and_draws_nothing(tmp_path):
    """A playbook with syntax errors exits 1 with its diagnostics, and no file is written."""
    bad = tmp_path / "bad.sop"
    bad.write_text('journey j { when reply tag "a"\n', encoding="utf-8")
    result = run(str(bad), "--format", "png", "-o", str(tmp_path / "bad.png"))
    assert result.exit_code == 1
    assert "E113 error" in result.stderr
    assert os.listdir(tmp_path) == ["bad.sop"]


def test_unreadable_file_exits_2(tmp_path):
    """A missing or binary file is an input error."""
    assert run(str(tmp_path / "missing.sop")).exit_code == 2
    binary = tmp_path / "b.sop"
    binary.write_bytes(b"\x00\x01")
    result = run(str(binary))
    assert result.exit_code == 2 and "E102" in result.stderr


def test_unwritable_output_exits_2_without_traceback(tmp_path):
    """An output folder that does not exist is reported, not raised."""
    result = run(ONBOARDING, "-o", str(tmp_path / "no" / "such" / "x.dot"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.output


def test_missing_cjk_font_is_a_warning_not_an_error(tmp_path, monkeypatch):
    """Without a CJK font the image is still drawn, and stderr says how to get the labels back."""
    monkeypatch.setattr(fonts, "font_families", lambda: (["DejaVu Sans"], []))
    result = run(ONBOARDING, "-j", "onboarding", "-o", str(tmp_path / "o.png"))
    assert result.exit_code == 0
    assert "warning: no installed font draws Chinese" in result.stderr
    assert "fonts-noto-cjk" in result.stderr
    assert (tmp_path / "o.png").read_bytes().startswith(PNG_MAGIC)


POSTING = """
role guide "导购"
content tip: article "育儿贴士" { purpose awareness }
content hi: text "您好"
journey posting {
  when friend_added
  tip_post: send tip via moments
  hello: send hi via chat
}
scenario s { start 2026-12-01  horizon 3d  population 50 { arrivals 20/day }  staff guide 2 { }
             replications 2 }
"""


def test_report_figures_label_the_steps_and_bad_reports_exit_2(tmp_path):
    """--report puts a simulate report's figures on each step (every format): posts as posts,
    1:1 chats as sends; a report of another playbook or a broken file is a diagnostic and exit
    2, with no drawing."""
    playbook = tmp_path / "posting.sop"
    playbook.write_text(POSTING, encoding="utf-8")
    report = tmp_path / "report.json"
    simulated = CliRunner().invoke(main, ["simulate", str(playbook), "--format", "json",
                                          "--no-baseline"])
    assert simulated.exit_code == 0, simulated.output
    report.write_text(simulated.stdout, encoding="utf-8")
    steps = json.loads(simulated.stdout)["journeys"]["posting"]["steps"]
    post, chat = steps["posting/tip_post"], steps["posting/hello"]
    result = run(playbook, "--report", report, "--format", "mermaid")
    assert result.exit_code == 0, result.output
    assert (f"{post['actions']['mean']:,.0f} posts · {post['delivered']['mean']:,.0f} delivered"
            in result.stdout)
    assert f"{chat['sent']['mean']:,.0f} sent · " in result.stdout
    image = tmp_path / "o.png"
    assert run(playbook, "--report", report, "-o", image).exit_code == 0
    assert image.read_bytes().startswith(PNG_MAGIC)
    other = tmp_path / "other.json"
    other.write_text('{"journeys": {"x": {"steps": {"x/1": {}}}}}', encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"journeys":\n', encoding="utf-8")
    for path, code in ((other, "E631"), (broken, "E631"), (tmp_path / "none.json", "E630")):
        result = run(playbook, "--report", path, "-o", tmp_path / "never.svg")
        assert result.exit_code == 2 and code in result.stderr
        assert not (tmp_path / "never.svg").exists()
