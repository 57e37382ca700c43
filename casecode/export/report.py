"""The HTML report: one self-contained file that works offline (from a USB stick).

Everything is inline: CSS, JavaScript and the data (as JSON). A Content-Security-Policy
forbids the page from loading anything, so it cannot make network requests even by
mistake. The page holds:

- a case × code heatmap (coded segments, share, documents or respondents; columns by case
  or by any attribute with a few values); clicking a cell lists its excerpts with the
  matched words highlighted and the rule that fired;
- the cases with their attributes, and the code pairs applied together most often;
- the codebook as an appendix (definitions, guidance, examples, rules);
- the run manifest.

Same results folder, same bytes: nothing in the page depends on the time it was made.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from casecode.analysis.cooccur import top_pairs
from casecode.analysis.matrix import build_matrix, document_groups
from casecode.codebook.schema import Codebook, Rule
from casecode.results import Results, read_results, write_text

CONTEXT = 90  # characters of context either side of an excerpt
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _asset(name: str) -> str:
    return resources.files("casecode.export").joinpath("report_assets", name).read_text(encoding="utf-8")


def _shorten(items: list[str], n: int = 8) -> str:
    shown = ", ".join(f"“{i}”" for i in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def rule_summary(rule: Rule) -> str:
    """One line saying what a rule matches, for the report and the codebook appendix."""
    if rule.phrases is not None:
        text = f"phrases ({rule.match_attr}): {_shorten(rule.phrases)}"
    elif rule.regex is not None:
        text = f"regex /{rule.regex}/" + (" (case-sensitive)" if rule.case_sensitive else "")
    elif rule.pattern is not None:
        text = "token pattern " + json.dumps(rule.pattern, ensure_ascii=False, separators=(",", ":"))
    elif rule.dependency is not None:
        text = f"dependency pattern ({len(rule.dependency)} nodes)"
    elif rule.near is not None:
        near = rule.near
        text = f"{_shorten(near.left, 4)} within {near.within} words {'before' if near.ordered else 'of'} {_shorten(near.right, 4)}"
    elif rule.exclude is not None:
        text = f"veto: {_shorten(rule.exclude)}"
    else:
        parts = [f"{name} of {', '.join(ids)}" for name, ids in (("all", rule.all_), ("any", rule.any_), ("none", rule.none_)) if ids]
        text = "; ".join(parts)
    if rule.helper:
        text += " (helper)"
    if rule.note:
        text += f" — {rule.note}"
    return text


MEASURES = ("segments", "share", "documents", "respondents")
MAX_GROUPS = 30


def _groupings(results: Results) -> list[str]:
    """``case`` and the attributes worth a heatmap: 2 to 30 values, not one per document."""
    attrs = results.document_attributes()
    names = ["case"]
    for name in results.attribute_names():
        if name not in attrs.columns:
            continue
        values = attrs[name].astype(str).replace("", "(none)")
        distinct = values.nunique()
        if 2 <= distinct <= MAX_GROUPS and distinct < len(attrs):
            names.append(name)
    return names


def report_data(results: Results) -> dict[str, Any]:
    """The JSON the page's script reads: groupings with their matrices, codes, excerpts, rules."""
    book = results.codebook.model
    cases = results.cases
    labels = dict(zip(cases["case"], cases["label"])) if "label" in cases.columns else {}
    documents = results.documents["document"].tolist()
    doc_index = {d: i for i, d in enumerate(documents)}
    case_of = dict(zip(results.documents["document"], results.documents["case"]))
    groupings = {}
    for name in _groupings(results):
        matrices = {}
        for measure in MEASURES:
            matrix = build_matrix(results, by=name, measure=measure)  # type: ignore[arg-type]
            matrices[measure] = [[float(v) if measure == "share" else int(v) for v in row] for row in matrix.to_numpy()]
            columns = [str(c) for c in matrix.columns[:-1]]
        groups = document_groups(results, name)
        position = {c: i for i, c in enumerate(columns)}
        groupings[name] = {
            "columns": [{"id": c, "label": str(labels.get(c, c)) if name == "case" else c} for c in columns],
            "docs": [position[str(groups[d])] for d in documents],
            "matrices": matrices,
        }
    theme_labels = {"/".join(trail + (theme.id,)): theme.label for trail, theme in book.themes_flat()}
    excerpts = []
    texts: dict[str, str] = {}
    for row in results.segments.itertuples(index=False):
        text = texts.setdefault(row.document, results.text(row.document))
        before = text[max(0, row.start - CONTEXT) : row.start]
        after = text[row.end : row.end + CONTEXT]
        excerpts.append({
            "d": doc_index[row.document], "c": row.code, "s": row.speaker, "u": row.unit, "i": int(row.segment),
            "a": int(row.start), "b": int(row.end), "t": text[row.start : row.end],
            "ms": int(row.match_start - row.start), "me": int(row.match_end - row.start), "r": row.rule, "rs": row.rules,
            "n": bool(row.negated), "pre": " ".join(before.split()[1:] if len(before) == CONTEXT else before.split()),
            "post": " ".join(after.split()[:-1] if len(after) == CONTEXT else after.split()),
        })
    return {
        "groupings": groupings,
        "grouping_order": list(groupings),
        "codes": [
            {"id": code.id, "label": code.label, "theme": "/".join(trail), "theme_label": theme_labels.get("/".join(trail), "/".join(trail)), "definition": code.definition}
            for trail, code in book.walk()
        ],
        "documents": [{"id": d, "case": case_of[d]} for d in documents],
        "excerpts": excerpts,
        "rules": {code.id: {rule.id: rule_summary(rule) for rule in code.rules} for code in book.codes()},
    }


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _codebook_html(book: Codebook) -> str:
    parts = []
    for trail, theme in book.themes_flat():
        level = min(5, 3 + len(trail))
        swatch = f'<span class="swatch" style="background:{_e(theme.color)}"></span>' if theme.color else ""
        parts.append(f'<h{level} class="theme">{swatch}{_e(theme.label)} <code>{_e(theme.id)}</code></h{level}>')
        if theme.description:
            parts.append(f"<p>{_e(theme.description)}</p>")
        for code in theme.codes:
            rows = []
            for name, value in (("Definition", code.definition), ("When to use", code.when_to_use), ("When not to use", code.when_not_to_use)):
                if value:
                    rows.append(f"<dt>{name}</dt><dd>{_e(value)}</dd>")
            if code.examples:
                rows.append("<dt>Examples</dt><dd>" + "<br>".join(f"“{_e(x)}”" for x in code.examples) + "</dd>")
            if code.counter_examples:
                rows.append("<dt>Counter-examples</dt><dd>" + "<br>".join(f"“{_e(x)}”" for x in code.counter_examples) + "</dd>")
            rows.append(f"<dt>Unit</dt><dd>{_e(book.unit_of(code))}</dd>")
            if code.rules:
                rows.append("<dt>Rules</dt><dd>" + "<br>".join(f"<code>{_e(r.id)}</code> {_e(rule_summary(r))}" for r in code.rules) + "</dd>")
            swatch = f'<span class="swatch" style="background:{_e(code.color)}"></span>' if code.color else ""
            parts.append(f'<div class="code" id="code-{_e(code.id)}"><h4>{swatch}{_e(code.label)} <code>{_e(code.id)}</code></h4><dl>{"".join(rows)}</dl></div>')
    return "".join(parts)


def _table_html(frame: Any) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False, name=None))
    return f'<table class="plain"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def report_html(results: Results, *, note: str = "") -> str:
    """The whole report as one HTML string (deterministic for a given results folder).

    ``note`` is shown under the title (e.g. "reviewed codings only").
    """
    book = results.codebook.model
    data = report_data(results)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    manifest = json.dumps(results.manifest, indent=2, sort_keys=True, ensure_ascii=False)
    pairs = top_pairs(results, level="document", n=15)[["code_a", "code_b", "together", "n_a", "n_b", "jaccard"]]
    counts = f'{len(results.documents)} documents · {len(results.cases)} cases · {len(results.segments)} coded segments · {len(data["codes"])} codes'
    title = f"{book.name} — casecode report"
    return f"""<!DOCTYPE html>
<html lang="{_e(book.language or 'en')}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{_e(title)}</title>
<style>
{_asset("report.css")}
</style>
</head>
<body>
<header>
<h1>{_e(book.name)} <small style="font-weight:400;color:#5b6472">codebook {_e(book.version)}</small></h1>
<p>{counts}{" · " + _e(note) if note else ""}</p>
<nav><a href="#matrix">Matrix</a><a href="#cases">Cases</a><a href="#pairs">Co-occurrence</a><a href="#codebook">Codebook</a><a href="#manifest">Run manifest</a></nav>
</header>
<main>
<section id="matrix">
<h2 id="matrix-title">Codes × cases</h2>
<div class="controls"><label>Show <select id="measure"><option value="segments">coded segments</option><option value="share">% of respondent segments</option><option value="documents">documents with the code</option><option value="respondents">respondents with the code</option></select></label>
<label>by <select id="grouping">{"".join(f'<option value="{_e(g)}">{_e(g)}</option>' for g in data["grouping_order"])}</select></label>
<span class="legend">fewer <span class="ramp"></span> more</span><span>Click a cell to read its excerpts.</span></div>
<div class="layout">
<div class="scroll"><table class="heat" id="heat"></table><noscript><p>The matrix needs JavaScript; the same numbers are in matrix.csv.</p></noscript></div>
<aside id="panel" aria-live="polite"><h3>Excerpts</h3><p class="hint">Click a cell of the matrix to see the coded excerpts, the matched words highlighted and the rule that fired.</p></aside>
</div>
</section>
<section id="cases">
<h2>Cases</h2>
{_table_html(results.cases)}
</section>
<section id="pairs">
<h2>Codes applied together (same document)</h2>
{_table_html(pairs) if len(pairs) else "<p>No two codes were applied in the same document.</p>"}
</section>
<section id="codebook" class="codebook">
<h2>Appendix: codebook</h2>
<p>{_e(book.description)}</p>
{_codebook_html(book)}
</section>
<section id="manifest">
<h2>Appendix: run manifest</h2>
<details><summary>versions, input hashes and options</summary><pre class="manifest">{_e(manifest)}</pre></details>
</section>
</main>
<footer>Made with casecode {_e(results.manifest.get("casecode", ""))}. This file is self-contained and makes no network requests.</footer>
<script type="application/json" id="casecode-data">{payload}</script>
<script>
{_asset("report.js")}
</script>
</body>
</html>
"""


def write_report(results: Results | str | Path, target: str | Path, *, note: str = "") -> Path:
    """Write the self-contained HTML report.

    Example:
        >>> write_report("results", "report.html")  # doctest: +SKIP
    """
    if not isinstance(results, Results):
        results = read_results(results)
    target = Path(target)
    write_text(target, report_html(results, note=note))
    return target
