"""--reviewed-only on the cross-case outputs: only accepted (or recoded) codings count."""

from __future__ import annotations

import json
import re
import zipfile

from typer.testing import CliRunner

from casecode.cli.app import app
from casecode.results import read_results
from casecode.review.decisions import Decision, write_decisions

runner = CliRunner()


def _review(folder):
    seg = read_results(folder).segments
    first, second, third = seg.iloc[0], seg.iloc[1], seg.iloc[2]
    other = next(c.id for c in read_results(folder).codebook.model.codes() if c.id != third["code"])
    write_decisions(folder, [
        Decision(first["document"], int(first["start"]), int(first["end"]), first["code"], "accept"),
        Decision(second["document"], int(second["start"]), int(second["end"]), second["code"], "reject"),
        Decision(third["document"], int(third["start"]), int(third["end"]), third["code"], "recode", new_code=other),
    ])
    return first, third, other


def test_report_and_export_use_reviewed_codings_only(results_copy, tmp_path):
    first, third, other = _review(results_copy)
    report = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(results_copy), "-o", str(report), "--reviewed-only"])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="casecode-data">(.*?)</script>', page, re.S).group(1))
    assert sorted((x["c"], x["a"]) for x in data["excerpts"]) == sorted([(first["code"], int(first["start"])), (other, int(third["start"]))])
    assert "reviewed codings only" in page

    project = tmp_path / "p.qdpx"
    result = runner.invoke(app, ["export", str(results_copy), "-o", str(project), "--reviewed-only"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(project) as archive:
        assert archive.read("project.qde").count(b"<PlainTextSelection ") == 2


def test_framework_and_cooccur_reviewed_only(results_copy):
    _review(results_copy)
    for args in (["framework", str(results_copy), "--reviewed-only"], ["cooccur", str(results_copy), "--reviewed-only", "--level", "case"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert (results_copy / "framework_case_reviewed.md").exists()
    assert (results_copy / "cooccur_case_reviewed.csv").exists()
    md = (results_copy / "framework_case_reviewed.md").read_text(encoding="utf-8")
    assert md.count("**1**") == 2 and "**2**" not in md


def test_reviewed_only_default_names_do_not_overwrite_the_full_outputs(results_copy, tmp_path, monkeypatch):
    _review(results_copy)
    monkeypatch.chdir(tmp_path)
    for args in (["report", str(results_copy)], ["export", str(results_copy)], ["agree", str(results_copy), str(results_copy)]):
        full = runner.invoke(app, args)
        reviewed = runner.invoke(app, [*args, "--reviewed-only"])
        assert full.exit_code == 0 and reviewed.exit_code == 0, full.output + reviewed.output
    assert (tmp_path / "report.html").exists() and (tmp_path / "report_reviewed.html").exists()
    assert "reviewed codings only" not in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "reviewed codings only" in (tmp_path / "report_reviewed.html").read_text(encoding="utf-8")
    assert (tmp_path / "study.qdpx").stat().st_size > (tmp_path / "study_reviewed.qdpx").stat().st_size
    for name in ("agreement_sentence.csv", "agreement_sentence.xlsx", "agreement_sentence_reviewed.csv", "agreement_sentence_reviewed.xlsx"):
        assert (results_copy / name).exists(), name
