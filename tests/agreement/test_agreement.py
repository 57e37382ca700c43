"""Agreement numbers checked against scikit-learn and the krippendorff package."""

from __future__ import annotations

import json
import math
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support
from typer.testing import CliRunner

from casecode.intercoder import CodedSpan, Source, agreement
from casecode.intercoder.stats import cohen_kappa, krippendorff_alpha, observed_agreement
from casecode.cli.app import app
from casecode.codebook.load import load_codebook
from casecode.errors import OptionError
from casecode.results import Results

CODES = ["trust", "money", "culture_clash"]


def make_results(codebook: Path, sentences: int, *, empty: tuple[int, ...] = (), documents: tuple[str, ...] = ("d1",)) -> Results:
    """An in-memory results folder: each document is ``sentences`` sentences 'Sentence NNN.'."""
    units, texts = [], {}
    for doc in documents:
        parts, position = [], 0
        for i in range(sentences):
            piece = "   .   " if i in empty else f"Sentence {i:03d}."
            units.append({"document": doc, "unit": "sentence", "index": i, "start": position, "end": position + len(piece), "speaker": "R", "turn": 0})
            parts.append(piece)
            position += len(piece) + 1
        texts[doc] = " ".join(parts)
    frame = pd.DataFrame(units)
    if empty:  # a unit with no text at all: whitespace between the dots
        frame.loc[frame["index"].isin(empty), "end"] = frame.loc[frame["index"].isin(empty), "start"] + 3
    return Results(
        folder=Path("."),
        segments=pd.DataFrame(columns=["document", "start", "end", "code"]),
        units=frame,
        documents=pd.DataFrame({"document": list(documents), "case": ["c"] * len(documents)}),
        cases=pd.DataFrame({"case": ["c"]}),
        codebook=load_codebook(codebook),
        manifest={},
        texts=texts,
    )


def source_from(name: str, matrix: np.ndarray, results: Results, document: str = "d1") -> Source:
    """Spans that cover exactly the coded sentences of a units × codes 0/1 matrix."""
    units = results.units[results.units["document"] == document].sort_values("index")
    spans = []
    for (start, end), row in zip(zip(units["start"], units["end"]), matrix):
        for j, flag in enumerate(row):
            if flag:
                spans.append(CodedSpan(document, int(start), int(end), CODES[j], name))
    return Source(name, name, tuple(spans), frozenset([document]))


def test_hand_made_two_coders_match_sklearn_and_krippendorff(mini_codebook):
    results = make_results(mini_codebook, 10)
    a = np.zeros((10, 3), dtype=int)
    b = np.zeros((10, 3), dtype=int)
    a[[0, 1, 2, 5], 0] = 1
    b[[0, 1, 3], 0] = 1
    a[[4, 6], 1] = 1
    b[[4, 6, 7], 1] = 1
    report = agreement([source_from("ann", a, results), source_from("ben", b, results)], results, unit="sentence", gold="ann")
    by_code = report.per_code.set_index("code")
    assert list(by_code.index) == ["trust", "money"]
    assert report.unused_codes == ["culture_clash"]
    for j, code in enumerate(["trust", "money"]):
        assert by_code.loc[code, "kappa"] == pytest.approx(cohen_kappa_score(a[:, j], b[:, j]))
        assert by_code.loc[code, "alpha"] == pytest.approx(krippendorff.alpha(reliability_data=np.vstack([a[:, j], b[:, j]]).astype(float), level_of_measurement="nominal"))
        assert by_code.loc[code, "observed"] == pytest.approx(np.mean(a[:, j] == b[:, j]))
    # trust: 2 shared of 4 (ann) and 3 (ben): P = 2/3, R = 2/4
    assert by_code.loc["trust", "precision_ben"] == pytest.approx(2 / 3)
    assert by_code.loc["trust", "recall_ben"] == pytest.approx(0.5)
    assert by_code.loc["trust", "kappa"] == pytest.approx((0.7 - 0.54) / (1 - 0.54))  # p_o = 7/10, p_e = .4*.3 + .6*.7
    pooled_a, pooled_b = a[:, :2].ravel(), b[:, :2].ravel()
    assert report.overall["kappa"] == pytest.approx(cohen_kappa_score(pooled_a, pooled_b))
    p, r, f, _ = precision_recall_fscore_support(a[:, :2], b[:, :2], average="micro", zero_division=0)
    assert (report.overall["precision_ben"], report.overall["recall_ben"], report.overall["f1_ben"]) == pytest.approx((p, r, f))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_multilabel_against_sklearn(mini_codebook, seed):
    rng = np.random.default_rng(seed)
    n = 60
    results = make_results(mini_codebook, n)
    gold = (rng.random((n, 3)) < 0.3).astype(int)
    other = np.where(rng.random((n, 3)) < 0.8, gold, 1 - gold)
    report = agreement([source_from("gold", gold, results), source_from("auto", other, results)], results, gold="gold")
    by_code = report.per_code.set_index("code")
    for j, code in enumerate(CODES):
        assert by_code.loc[code, "kappa"] == pytest.approx(cohen_kappa_score(gold[:, j], other[:, j]))
        assert by_code.loc[code, "alpha"] == pytest.approx(krippendorff.alpha(reliability_data=np.vstack([gold[:, j], other[:, j]]).astype(float), level_of_measurement="nominal"))
        p, r, f, _ = precision_recall_fscore_support(gold[:, j], other[:, j], average="binary", zero_division=0)
        assert (by_code.loc[code, "precision_auto"], by_code.loc[code, "recall_auto"], by_code.loc[code, "f1_auto"]) == pytest.approx((p, r, f))
    prf = report.prf.set_index("code")
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(gold, other, average=average, zero_division=0)
        assert (prf.loc[f"({average})", "precision"], prf.loc[f"({average})", "recall"], prf.loc[f"({average})", "f1"]) == pytest.approx((p, r, f))


@pytest.mark.parametrize("seed", [0, 1])
def test_random_three_coders_alpha_and_light_kappa(mini_codebook, seed):
    rng = np.random.default_rng(seed)
    n = 40
    results = make_results(mini_codebook, n)
    mats = [(rng.random((n, 3)) < 0.4).astype(int) for _ in range(3)]
    report = agreement([source_from(name, m, results) for name, m in zip("xyz", mats)], results)
    by_code = report.per_code.set_index("code")
    for j, code in enumerate(CODES):
        data = np.vstack([m[:, j] for m in mats]).astype(float)
        assert by_code.loc[code, "alpha"] == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        pairs = [cohen_kappa_score(mats[i][:, j], mats[k][:, j]) for i, k in ((0, 1), (0, 2), (1, 2))]
        assert by_code.loc[code, "kappa"] == pytest.approx(np.mean(pairs))
        assert by_code.loc[code, "observed"] == pytest.approx(np.mean((data[0] == data[1]) & (data[1] == data[2])))
    assert len(report.pairwise) == 3


def test_single_label_confusion_and_multiclass_kappa(mini_codebook):
    rng = np.random.default_rng(7)
    n = 50
    results = make_results(mini_codebook, n)
    labels_a = rng.integers(0, 4, n)  # 3 = no code
    labels_b = np.where(rng.random(n) < 0.7, labels_a, rng.integers(0, 4, n))

    def onehot(labels: np.ndarray) -> np.ndarray:
        m = np.zeros((n, 3), dtype=int)
        for i, lab in enumerate(labels):
            if lab < 3:
                m[i, lab] = 1
        return m

    report = agreement([source_from("a", onehot(labels_a), results), source_from("b", onehot(labels_b), results)], results, gold="a")
    assert report.single_label
    names = np.array(CODES + ["(none)"])
    assert report.overall["single_label_kappa"] == pytest.approx(cohen_kappa_score(names[labels_a], names[labels_b]))
    table = report.confusion["a vs b"]
    assert list(table.index) == CODES + ["(none)"]
    expected = confusion_matrix(names[labels_a], names[labels_b], labels=list(names))
    assert (table.to_numpy() == expected).all()


def test_overlap_rule_partial_spans_count_and_character_unit(mini_codebook):
    results = make_results(mini_codebook, 4)
    units = results.units
    s1, e1 = int(units.loc[1, "start"]), int(units.loc[1, "end"])
    # ann codes two characters inside sentence 1; ben codes sentence 1 and the first character of sentence 2
    ann = Source("ann", "ann", (CodedSpan("d1", s1 + 2, s1 + 4, "trust", "ann"),), frozenset(["d1"]))
    ben = Source("ben", "ben", (CodedSpan("d1", s1, int(units.loc[2, "start"]) + 1, "trust", "ben"),), frozenset(["d1"]))
    report = agreement([ann, ben], results, unit="sentence")
    row = report.per_code.set_index("code").loc["trust"]
    assert (row["coded_ann"], row["coded_ben"]) == (1, 2)
    chars = agreement([ann, ben], results, unit="character")
    row = chars.per_code.set_index("code").loc["trust"]
    assert row["coded_ann"] == 2
    text = results.text("d1")
    assert row["coded_ben"] == len(text[s1:e1].replace(" ", "")) + 1  # spaces have no text: left out
    assert chars.empty_units == results.text("d1").count(" ")


def test_reports_empty_units_partial_documents_unmatched_and_unused_codes(mini_codebook):
    results = make_results(mini_codebook, 6, empty=(2,), documents=("d1", "d2"))
    ann = Source("ann", "ann.csv", (CodedSpan("d1", 0, 5, "Trust", "ann"), CodedSpan("d1", 0, 5, "Loyalty", "ann"), CodedSpan("d2", 0, 5, "trust", "ann"), CodedSpan("elsewhere", 0, 5, "trust", "ann")), frozenset(["d1", "d2", "elsewhere"]))
    ben = Source("ben", "ben.csv", (CodedSpan("d1", 0, 5, "trust", "ben"),), frozenset(["d1"]))
    report = agreement([ann, ben], results, unit="sentence")
    assert report.documents == ["d1"]
    assert report.partial_documents == {"d2": ["ann"]}
    assert report.unknown_documents == {"ann": ["elsewhere"]}
    assert report.unmatched_codes == {"ann": {"Loyalty": 1}}
    assert report.empty_units == 1
    assert report.units == 5
    assert report.unused_codes == ["money", "culture_clash"]
    notes = "\n".join(report.notes())
    assert "Loyalty" in notes and "1 document(s) read by ann only, left out: d2" in notes and "nobody used" in notes and "no text" in notes
    assert report.dropped_spans["ann"] == {"in documents not in the results folder: dropped": 1, "in documents not read by every source: left out": 1}
    row = report.per_code.set_index("code").loc["trust"]
    assert row["kappa"] == pytest.approx(1.0)


def test_undefined_statistics_are_nan_not_errors():
    same = [np.ones(5, dtype=int), np.ones(5, dtype=int)]
    assert math.isnan(cohen_kappa(*same))
    assert math.isnan(krippendorff_alpha(same))
    assert observed_agreement(same) == 1.0


def test_agree_cli_on_example_results_with_csv(example_run, example_results, results_copy, tmp_path):
    folder = example_run[1]
    seg = example_results.segments
    first_doc = seg["document"].iloc[0]
    rows = seg[seg["document"] == first_doc].head(6)
    csv = tmp_path / "coders.csv"
    lines = ["document,start,end,code,coder"]
    for i, row in enumerate(rows.itertuples()):
        lines.append(f"{row.document},{row.start},{row.end},{row.code},alice")
        if i % 2 == 0:
            lines.append(f"{row.document},{row.start},{row.end},{row.code},bo")
    lines.append(f"{first_doc},0,10,Not A Code,bo")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "agree.xlsx"
    runner = CliRunner()
    result = runner.invoke(app, ["agree", str(csv), "--results", str(folder), "--unit", "sentence", "--gold", "alice", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sources"] == ["alice", "bo"]
    assert data["unmatched_codes"] == {"bo": {"Not A Code": 1}}
    micro = [r for r in data["precision_recall"] if r["code"] == "(micro)"][0]
    assert micro["precision"] == 1.0 and micro["recall"] < 1.0
    assert out.exists()
    from openpyxl import load_workbook

    sheets = load_workbook(out).sheetnames
    assert sheets[0] == "agreement" and "precision_recall" in sheets and "notes" in sheets
    table = runner.invoke(app, ["agree", str(results_copy), str(csv), "--unit", "turn"])
    assert table.exit_code == 0, table.output
    assert "pooled" in table.stdout
    written = pd.read_csv(results_copy / "agreement_turn.csv")
    assert written["code"].iloc[-1] == "(all codes, pooled)"
    assert (results_copy / "agreement_turn.xlsx").exists()


def test_agree_cli_errors_are_one_line(example_run, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["agree", str(example_run[1]), "--unit", "sentence"])
    assert result.exit_code == 1
    assert "at least two sources" in result.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("document,start,end,code\nd,x,4,trust\n", encoding="utf-8")
    result = runner.invoke(app, ["agree", str(example_run[1]), str(bad)])
    assert result.exit_code == 1
    assert "bad.csv:2 (start)" in result.stderr
    result = runner.invoke(app, ["agree", str(example_run[1]), str(example_run[1]), "--unit", "word"])
    assert result.exit_code == 1 and "--unit word" in result.stderr


def test_qdpx_project_end_to_end_with_text_check(mini_codebook, tmp_path):
    import zipfile

    results = make_results(mini_codebook, 5, documents=("d1", "d2"))
    units = results.units[results.units["document"] == "d1"]
    s0, e0 = int(units.iloc[0]["start"]), int(units.iloc[0]["end"])
    s3, e3 = int(units.iloc[3]["start"]), int(units.iloc[3]["end"])
    qde = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="team">
  <Users><User guid="u1" name="Alice"/><User guid="u2" name="Ben"/></Users>
  <CodeBook><Codes><Code guid="c1" name="Trust"/><Code guid="c2" name="Money"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="s1" name="d1.txt" plainTextPath="internal://s1.txt">
      <PlainTextSelection guid="p1" startPosition="{s0}" endPosition="{e0}">
        <Coding guid="k1" creatingUser="u1"><CodeRef targetGUID="c1"/></Coding>
        <Coding guid="k2" creatingUser="u2"><CodeRef targetGUID="c1"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="p2" startPosition="{s3}" endPosition="{e3}">
        <Coding guid="k3" creatingUser="u1"><CodeRef targetGUID="c2"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="s2" name="d2" plainTextPath="internal://s2.txt"/>
  </Sources>
</Project>"""
    path = tmp_path / "team.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/s1.txt", results.text("d1").replace("\n", "\r\n"))
        archive.writestr("sources/s2.txt", "A different text.")
    report = agreement([path], results, unit="sentence")
    assert report.sources == ["Alice", "Ben"]
    assert report.documents == ["d1", "d2"]
    assert report.text_mismatches == {"Alice": ["d2"], "Ben": ["d2"]}
    by_code = report.per_code.set_index("code")
    assert by_code.loc["trust", "observed"] == 1.0
    a = np.zeros(10, dtype=int)
    b = np.zeros(10, dtype=int)
    a[3] = 1
    assert by_code.loc["money", "kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert any("offsets may not line up" in n for n in report.notes())


def test_no_common_document_is_reported_not_a_crash(mini_codebook):
    results = make_results(mini_codebook, 3, documents=("d1", "d2"))
    ann = Source("ann", "ann", (CodedSpan("d1", 0, 5, "trust", "ann"),), frozenset(["d1"]))
    ben = Source("ben", "ben", (CodedSpan("d2", 0, 5, "trust", "ben"),), frozenset(["d2"]))
    report = agreement([ann, ben], results)
    assert report.units == 0 and report.documents == []
    assert report.notes()[0].startswith("no document was read by every source")
    assert json.loads(json.dumps(report.as_dict()))["overall"]["kappa"] is None


def test_spans_outside_units_or_text_are_counted(mini_codebook):
    results = make_results(mini_codebook, 3)
    text = results.text("d1")
    gap = int(results.units.iloc[0]["end"])  # the space between sentence 0 and 1
    spans = (
        CodedSpan("d1", gap, gap + 1, "trust", "ann"),
        CodedSpan("d1", len(text) + 5, len(text) + 9, "trust", "ann"),
        CodedSpan("d1", len(text) - 3, len(text) + 9, "money", "ann"),
    )
    ann = Source("ann", "ann", spans, frozenset(["d1"]))
    ben = Source("ben", "ben", (), frozenset(["d1"]))
    report = agreement([ann, ben], results)
    assert report.dropped_spans["ann"] == {
        "beyond the end of the document text: dropped": 1,
        "overlap no unit (speaker labels or blank text only)": 1,
        "running past the end of the document text: cut at its end": 1,
    }
    assert list(report.per_code["code"]) == ["money"]
    assert report.per_code.iloc[0]["coded_ann"] == 1


def test_agree_reviewed_only_uses_accepted_codings(results_copy, tmp_path):
    from casecode.results import read_results
    from casecode.review import Decision, save_decision

    seg = read_results(results_copy).segments
    first = seg.iloc[0]
    save_decision(results_copy, Decision(first["document"], int(first["start"]), int(first["end"]), first["code"], "accept"))
    csv = tmp_path / "ines.csv"
    csv.write_text(f"document,start,end,code\n{first['document']},{first['start']},{first['end']},{first['code']}\n", encoding="utf-8")
    runner = CliRunner()
    everything = json.loads(runner.invoke(app, ["agree", str(results_copy), str(csv), "--format", "json", "-o", str(tmp_path / "a.csv")]).stdout)
    reviewed = json.loads(runner.invoke(app, ["agree", str(results_copy), str(csv), "--format", "json", "--reviewed-only", "-o", str(tmp_path / "b.csv")]).stdout)
    assert reviewed["overall"]["observed"] == 1.0
    assert everything["overall"]["observed"] < 1.0
    assert reviewed["overall"][f"coded_{results_copy.name}"] == 1


def test_gold_by_path_of_a_one_coder_file(mini_codebook, tmp_path):
    results = make_results(mini_codebook, 4)
    path = tmp_path / "ines.csv"
    path.write_text("document,start,end,code\nd1,0,5,trust\n", encoding="utf-8")
    other = Source("auto", "auto", (CodedSpan("d1", 0, 5, "trust", "auto"), CodedSpan("d1", 14, 20, "trust", "auto")), frozenset(["d1"]))
    report = agreement([path, other], results, gold=str(path))
    assert report.gold == "ines"
    assert (report.overall["precision_auto"], report.overall["recall_auto"]) == (0.5, 1.0)
    with pytest.raises(OptionError, match="--gold nobody: no such source"):
        agreement([path, other], results, gold="nobody")
