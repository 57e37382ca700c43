"""``casecode codebook ...`` commands through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from casecode.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
QDC = Path(__file__).resolve().parents[1] / "data" / "qdc"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"


def test_check_passes_with_exit_code_0(mini_codebook: Path) -> None:
    result = runner.invoke(app, ["codebook", "check", str(mini_codebook)])
    assert result.exit_code == 0, result.output
    assert "examples run as tests" in result.output
    assert "ok — 0 error(s), 0 warning(s), 2/2 examples pass" in " ".join(result.output.split())


def test_check_fails_with_exit_code_1_and_json(tmp_path: Path, mini_codebook: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(mini_codebook.read_text(encoding="utf-8").replace('examples: ["We trusted the other board."]', 'examples: ["We relied on them."]'), encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", str(bad)])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    result = runner.invoke(app, ["codebook", "check", str(bad), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and data["examples_failed"] == 1
    assert data["codes"][0] == {"code": "trust", "examples_passed": 0, "examples": 1, "counter_passed": 1, "counter_examples": 1, "passed": False, "status": "FAIL"}
    assert data["findings"][0]["check"] == "example" and data["findings"][0]["line"] == 10


def test_check_invalid_codebook_lists_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nthemes:\n  - id: t\n    lable: T\n", encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", str(bad)])
    assert result.exit_code == 1
    assert f"error: {bad}:4 (themes > t > lable): unknown key 'lable' — did you mean 'label'?" in result.output


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    book = tmp_path / "w.yaml"
    book.write_text("name: x\nthemes:\n  - id: t\n    label: T\n    codes:\n      - {id: manual, label: Manual}\n", encoding="utf-8")
    assert runner.invoke(app, ["codebook", "check", str(book)]).exit_code == 0
    result = runner.invoke(app, ["codebook", "check", str(book), "--strict"])
    assert result.exit_code == 1 and "no rules" in result.output


def test_diff_markdown_to_file(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(CODEBOOK.read_text(encoding="utf-8").replace("label: Financial pressure", "label: Money pressure"), encoding="utf-8")
    out = tmp_path / "diff.md"
    result = runner.invoke(app, ["codebook", "diff", str(CODEBOOK), str(new), "--format", "md", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert '- `financial_pressure`\n  - renamed "Financial pressure" -> "Money pressure"' in text
    result = runner.invoke(app, ["codebook", "diff", str(CODEBOOK), str(CODEBOOK)])
    assert result.exit_code == 0 and "No differences." in result.output


def test_diff_with_corpus(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(CODEBOOK.read_text(encoding="utf-8").replace('"squeeze"]', '"squeeze", "money"]'), encoding="utf-8")
    result = runner.invoke(app, ["codebook", "diff", str(CODEBOOK), str(new), "--corpus", str(ROOT / "transcripts_example"), "--format", "json"])
    assert result.exit_code == 0, result.output
    effect = json.loads(result.output)["corpus"]
    assert [e["code"] for e in effect] == ["financial_pressure"]
    assert effect[0]["lost"] == 0 and effect[0]["gained"] > 0 and effect[0]["after"] == effect[0]["before"] + effect[0]["gained"]


def test_render(tmp_path: Path) -> None:
    result = runner.invoke(app, ["codebook", "render", str(CODEBOOK)])
    assert result.exit_code == 0 and "### Financial pressure (`financial_pressure`)" in result.output
    out = tmp_path / "book.html"
    result = runner.invoke(app, ["codebook", "render", str(CODEBOOK), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_export_import_round_trip(tmp_path: Path) -> None:
    qdc = tmp_path / "p.qdc"
    result = runner.invoke(app, ["codebook", "export", str(CODEBOOK), "--to", "qdc", "-o", str(qdc)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "p.yaml"
    result = runner.invoke(app, ["codebook", "import", str(qdc), "-o", str(out), "--base", str(CODEBOOK)])
    assert result.exit_code == 0, result.output
    diff = runner.invoke(app, ["codebook", "diff", str(CODEBOOK), str(out)])
    assert "No differences." in diff.output
    again = runner.invoke(app, ["codebook", "import", str(qdc), "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output and "--force" in again.output


def test_import_writes_a_valid_codebook_and_notes(tmp_path: Path) -> None:
    out = tmp_path / "nvivo.yaml"
    result = runner.invoke(app, ["codebook", "import", str(QDC / "nvivo.qdc"), "-o", str(out), "--name", "Team codebook"])
    assert result.exit_code == 0, result.output
    assert "note:" in result.output and "Ungrouped" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Imported from nvivo.qdc (NVivo")
    assert "name: Team codebook" in text and "rules: []" in text
    check = runner.invoke(app, ["codebook", "check", str(out)])
    assert check.exit_code == 0, check.output  # only warnings: codes without rules yet


def test_import_unsafe_xml_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["codebook", "import", str(QDC / "unsafe_entities.qdc"), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert "refused unsafe XML" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.yaml").exists()
