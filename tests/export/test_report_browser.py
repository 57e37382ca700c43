"""The HTML report in real headless Chromium: click a cell, the excerpts appear.

Needs the ``playwright`` package and a Chromium at /usr/bin/chromium (CI installs it with
``apt-get install chromium``); skipped with the reason printed when either is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casecode.export.report import write_report

CHROMIUM = Path(os.environ.get("CASECODE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"headless Chromium not found at {CHROMIUM} (apt-get install chromium)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def test_click_a_cell_shows_its_excerpts(browser, example_results, tmp_path):
    target = write_report(example_results, tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(target.as_uri())

    seg = example_results.segments
    counts = seg.groupby(["code", "case"]).size().sort_values(ascending=False, kind="stable")
    (code, case), n = counts.index[0], int(counts.iloc[0])
    column = example_results.cases["case"].tolist().index(case)
    cell = page.locator(f'button[data-code="{code}"][data-col="{column}"]')
    assert cell.inner_text() == str(n)
    cell.click()
    items = page.locator("#excerpt-list .excerpt")
    assert items.count() == n
    rows = seg[(seg["code"] == code) & (seg["case"] == case)]
    assert page.locator("#excerpt-list mark").all_inner_texts() == rows["matched"].tolist()
    first = items.nth(0).inner_text()
    assert f"rule {rows.iloc[0]['rule']}" in first
    assert rows.iloc[0]["document"] in first

    page.select_option("#measure", "share")
    assert "." in cell.inner_text()

    # columns by respondent role: the cell's excerpts are that role's
    page.select_option("#measure", "segments")
    page.select_option("#grouping", "role")
    roles = dict(zip(example_results.documents["document"], example_results.documents["role"]))
    by_role = seg.assign(role=seg["document"].map(roles))
    (code, role), n = by_role.groupby(["code", "role"]).size().sort_values(ascending=False, kind="stable").index[0], None
    n = int(((by_role["code"] == code) & (by_role["role"] == role)).sum())
    headers = page.locator("#heat thead th.case").all_inner_texts()
    cell = page.locator(f'button[data-code="{code}"][data-col="{headers.index(role)}"]')
    assert cell.inner_text() == str(n)
    cell.click()
    assert page.locator("#excerpt-list .excerpt").count() == n
    assert f"role: {role}" in page.locator("#panel h3").inner_text()
    assert page.locator("#matrix-title").inner_text() == "Codes × role"
    page.screenshot(path=str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert requests == [target.as_uri()]
    assert problems == []
    page.close()


def test_empty_cell_says_so(browser, example_results, tmp_path):
    target = write_report(example_results, tmp_path / "report.html")
    page = browser.new_page()
    page.goto(target.as_uri())
    zero = page.locator("button.zero").first
    zero.click()
    assert "No coded segments in this cell." in page.locator("#panel").inner_text()
    page.close()
