"""The self-contained HTML report (static checks; the browser test is test_report_browser.py)."""

from __future__ import annotations

import dataclasses
import json
import re

from typer.testing import CliRunner

from casecode.cli.app import app
from casecode.export.report import report_data, report_html, rule_summary


def _data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="casecode-data">(.*?)</script>', page, re.DOTALL).group(1)
    return json.loads(raw)


def test_report_is_self_contained(example_results):
    page = report_html(example_results)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r'<(link|img|iframe|object|embed)\b', page)
    assert not re.search(r'<script[^>]+\bsrc=', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "@import" not in page and "url(http" not in page
    assert "fetch(" not in page and "XMLHttpRequest" not in page


def test_report_is_deterministic(example_results):
    assert report_html(example_results) == report_html(example_results)


def test_data_has_every_excerpt_with_its_match(example_results):
    data = _data(report_html(example_results))
    assert len(data["excerpts"]) == len(example_results.segments)
    for x, row in zip(data["excerpts"], example_results.segments.itertuples()):
        assert x["t"][x["ms"] : x["me"]] == row.matched
        assert x["r"] == row.rule and x["c"] == row.code
    case = data["groupings"]["case"]
    assert [c["id"] for c in case["columns"]] == example_results.cases["case"].tolist()
    segments = case["matrices"]["segments"]
    assert sum(row[-1] for row in segments) == len(example_results.segments.drop_duplicates(["document", "unit", "segment", "code"]))


def test_transcript_text_cannot_break_out_of_the_data_block(example_results):
    row = example_results.segments.iloc[0]
    text = example_results.text(row.document)
    evil = "</script><script>alert(1)</script>"
    start = int(row.start)
    patched = text[:start] + evil + text[start + len(evil):]
    results = dataclasses.replace(example_results, texts={**{d: example_results.text(d) for d in example_results.documents["document"]}, row.document: patched})
    page = report_html(results)
    assert evil not in page
    assert _data(page)["excerpts"][0]["t"].startswith(evil)


def test_codebook_appendix_and_manifest(example_results):
    page = report_html(example_results)
    book = example_results.codebook.model
    for code in book.codes():
        assert f'id="code-{code.id}"' in page
    first_rule = book.codes()[0].rules[0]
    assert rule_summary(first_rule).split(":")[0] in page
    assert example_results.manifest["codebook"]["sha256"] in page


def test_rule_summaries_cover_every_rule(example_results):
    data = report_data(example_results)
    for code in example_results.codebook.model.codes():
        assert set(data["rules"][code.id]) == {r.id for r in code.rules}
        assert all(data["rules"][code.id].values())


def test_cli_report(example_run, tmp_path):
    target = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(example_run[1]), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_groupings_by_attribute(example_results):
    data = report_data(example_results)
    assert data["grouping_order"][0] == "case"
    assert "role" in data["groupings"] and "title" not in data["groupings"]  # one title per document
    role = data["groupings"]["role"]
    roles = dict(zip(example_results.documents["document"], example_results.documents["role"].replace("", "(none)")))
    for d, doc in enumerate(data["documents"]):
        assert role["columns"][role["docs"][d]]["id"] == roles[doc["id"]]
    assert set(role["matrices"]) == {"segments", "share", "documents", "respondents"}
