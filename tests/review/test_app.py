"""The review app driven headless with Textual's pilot."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from casecode.results import read_results
from casecode.review.app import ReviewApp, review_items
from casecode.review.decisions import read_annotations, read_decisions


def run(app: ReviewApp, *keys: str) -> None:
    async def drive() -> None:
        async with app.run_test() as pilot:
            for key in keys:
                await pilot.press(key)
            await pilot.pause()

    asyncio.run(drive())


def test_accept_reject_skip_recode_saved_at_once_and_resume(results_copy):
    app = ReviewApp(results_copy)
    items = app.items
    assert app.index == 0
    run(app, "a", "r", "s", "c", *"distrust", "enter", "q")
    decisions = read_decisions(results_copy)
    assert decisions[items[0].key].decision == "accept"
    assert decisions[items[1].key].decision == "reject"
    assert items[2].key not in decisions  # skipped: still pending
    assert (decisions[items[3].key].decision, decisions[items[3].key].new_code) == ("recode", "distrust")
    again = ReviewApp(results_copy)
    assert again.index == 2  # resumes at the first undecided coding
    text = (results_copy / "reviews.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "document,start,end,code,decision,new_code,memo"


def test_undo_restores_previous_state_and_memo(results_copy):
    app = ReviewApp(results_copy)
    first = app.items[0].key
    run(app, "a", "u", "r", "left", "m", *"check tone", "enter")
    decision = read_decisions(results_copy)[first]
    assert (decision.decision, decision.memo) == ("reject", "check tone")
    app = ReviewApp(results_copy)
    run(app, "left", "left", "u")  # nothing to undo in a new session: no change
    assert read_decisions(results_copy)[first].decision == "reject"
    app = ReviewApp(results_copy)
    run(app, "a", "u")
    assert app.items[1].key not in read_decisions(results_copy)


def test_filters_by_code_case_rule(example_results, results_copy):
    seg = example_results.segments
    code = seg["code"].value_counts().index[0]
    items = review_items(read_results(results_copy), code=code)
    assert len(items) == int((seg["code"] == code).sum()) and all(i.key[3] == code for i in items)
    case = seg["case"].iloc[0]
    assert {i.case for i in review_items(example_results, case=case)} == {case}
    rule = seg["rule"].iloc[0]
    by_rule = review_items(example_results, rule=rule)
    assert sum(i.rule == rule for i in by_rule) == int((seg["rule"] == rule).sum())
    assert len(by_rule) < len(seg)
    from casecode.errors import OptionError

    with pytest.raises(OptionError, match="--case nowhere"):
        review_items(example_results, case="nowhere")


def test_screen_shows_segment_with_highlighted_match(results_copy):
    app = ReviewApp(results_copy)
    item = app.items[0]
    shown: dict[str, str] = {}

    async def drive() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            body = app.query_one("#body").render()
            shown["plain"] = str(body)
            shown["spans"] = [str(s.style) for s in getattr(body, "spans", [])]
            shown["head"] = str(app.query_one("#head").render())

    asyncio.run(drive())
    text = app.results.text(item.key[0])
    assert text[item.match_start : item.match_end] in shown["plain"]
    assert any("yellow" in s for s in shown["spans"])
    assert item.key[3] in shown["head"] and "1/" in shown["head"]
    definition = " ".join(app.results.codebook.model.code(item.key[3]).definition.split())
    assert definition and definition[:40] in shown["head"]


def test_add_manual_code_from_review_screen_and_undo(results_copy):
    app = ReviewApp(results_copy)
    document, start, end, _ = app.items[0].key
    run(app, "n", *"distrust", "enter")
    (added,) = read_annotations(results_copy)
    assert (added.document, added.start, added.end, added.code) == (document, start, end, "distrust")
    seg = pd.read_csv(results_copy / "segments.csv")
    assert ((seg["origin"] == "manual") & (seg["code"] == "distrust")).sum() == 1
    app = ReviewApp(results_copy)
    run(app, "n", *"distrust", "enter", "u")
    assert read_annotations(results_copy) == [added]  # duplicate refused, undo removes nothing else


def test_escape_cancels_a_prompt_without_saving(results_copy):
    app = ReviewApp(results_copy)
    run(app, "c", *"distrust", "escape", "s")
    assert read_decisions(results_copy) == {}
    assert app.index == 1 and app.asking is None


def test_show_reviewed_only(results_copy):
    from typer.testing import CliRunner

    from casecode.cli.app import app as cli
    from casecode.review import Decision, save_decision

    results = read_results(results_copy)
    row = results.segments.iloc[0]
    same_code = results.segments[results.segments["code"] == row["code"]]
    save_decision(results_copy, Decision(row["document"], int(row["start"]), int(row["end"]), row["code"], "accept"))
    shown = CliRunner().invoke(cli, ["show", str(results_copy), row["code"], "--reviewed-only"])
    assert shown.exit_code == 0, shown.output
    assert "1 excerpt(s)" in shown.stdout
    everything = CliRunner().invoke(cli, ["show", str(results_copy), row["code"]])
    assert f"{len(same_code)} excerpt(s)" in everything.stdout
