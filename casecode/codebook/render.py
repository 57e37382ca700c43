"""A human-readable codebook (Markdown or HTML) for a methods appendix.

For every theme and code: label, id, definition, when to use and not to use, examples
and counter-examples; optionally a one-line summary of each automatic rule. Output is
deterministic and self-contained (the HTML has its styles inline, no external assets).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Literal

from casecode.codebook.load import LoadedCodebook
from casecode.codebook.schema import Code, Codebook, Rule, Theme
from casecode.errors import OptionError

Format = Literal["md", "html"]
FORMATS = ("md", "html")


def rule_summary(rule: Rule) -> str:
    """One line saying what a rule matches, e.g. ``phrases (lemma): cut, budget``."""
    if rule.phrases is not None:
        return f"phrases ({rule.match_attr}): " + ", ".join(rule.phrases)
    if rule.exclude is not None:
        return "not when: " + ", ".join(rule.exclude)
    if rule.regex is not None:
        return f"regex: {rule.regex}"
    if rule.near is not None:
        return f"{', '.join(rule.near.left)} within {rule.near.within} words of {', '.join(rule.near.right)}"
    if rule.pattern is not None:
        return f"token pattern of {len(rule.pattern)} token(s)"
    if rule.dependency is not None:
        return f"dependency pattern of {len(rule.dependency)} node(s)"
    parts = [f"{word} of {', '.join(refs)}" for word, refs in (("all", rule.all_), ("any", rule.any_), ("none", rule.none_)) if refs]
    return "combination: " + "; ".join(parts)


def _md_code(code: Code, depth: int, rules: bool) -> list[str]:
    out = [f"{'#' * min(depth, 6)} {code.label} (`{code.id}`)", ""]
    if code.definition:
        out += [" ".join(code.definition.split()), ""]
    for title, value in (("When to use", code.when_to_use), ("When not to use", code.when_not_to_use)):
        if value:
            out += [f"**{title}:** {' '.join(value.split())}", ""]
    for title, items in (("Examples", code.examples), ("Counter-examples", code.counter_examples)):
        if items:
            out += [f"**{title}:**", ""] + [f"- “{' '.join(x.split())}”" for x in items] + [""]
    if rules and code.rules:
        out += ["**Automatic rules:**", ""] + [f"- `{r.id}`: {rule_summary(r)}" + (" (helper)" if r.helper else "") for r in code.rules] + [""]
    return out


def _md_theme(theme: Theme, depth: int, rules: bool) -> list[str]:
    out = [f"{'#' * min(depth, 6)} {theme.label}", ""]
    if theme.description:
        out += [" ".join(theme.description.split()), ""]
    for code in theme.codes:
        out += _md_code(code, depth + 1, rules)
    for child in theme.themes:
        out += _md_theme(child, depth + 1, rules)
    return out


def render_markdown(book: Codebook, *, rules: bool = False) -> str:
    """The codebook as Markdown: one heading per theme, one per code."""
    out = [f"# {book.name}", "", f"Version {book.version}" + (f" · {', '.join(book.authors)}" if book.authors else ""), ""]
    if book.description:
        out += [" ".join(book.description.split()), ""]
    n_codes = len(book.codes())
    out += [f"{n_codes} codes in {sum(1 for _ in book.themes_flat())} themes; coding unit: {book.unit}.", ""]
    out += ["## Contents", ""]
    for trail, theme in book.themes_flat():
        out.append(f"{'  ' * len(trail)}- {theme.label}: " + ", ".join(c.label for c in theme.codes))
    out.append("")
    for theme in book.themes:
        out += _md_theme(theme, 2, rules)
    while out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


CSS = """body{font-family:Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1,h2,h3,h4,h5,h6{font-family:Helvetica,Arial,sans-serif;line-height:1.2}
.code{border-left:4px solid var(--c,#ccc);padding-left:.8rem;margin:1.2rem 0}
.id{font-family:monospace;font-size:.85em;color:#666}
dt{font-weight:bold}dd{margin:0 0 .5rem 0}
ul.examples li{font-style:italic}
@media print{body{max-width:none}.code{break-inside:avoid}}"""


def _e(value: str) -> str:
    return html.escape(" ".join(value.split()))


def _html_code(code: Code, depth: int, rules: bool) -> list[str]:
    h = min(depth, 6)
    style = f' style="--c:{code.color}"' if code.color else ""
    out = [f'<section class="code" id="code-{html.escape(code.id)}"{style}>', f'<h{h}>{_e(code.label)} <span class="id">{html.escape(code.id)}</span></h{h}>']
    if code.definition:
        out.append(f"<p>{_e(code.definition)}</p>")
    items = [(t, v) for t, v in (("When to use", code.when_to_use), ("When not to use", code.when_not_to_use)) if v]
    if items:
        out.append("<dl>" + "".join(f"<dt>{t}</dt><dd>{_e(v)}</dd>" for t, v in items) + "</dl>")
    for title, values in (("Examples", code.examples), ("Counter-examples", code.counter_examples)):
        if values:
            out.append(f"<p><strong>{title}:</strong></p>")
            out.append('<ul class="examples">' + "".join(f"<li>“{_e(v)}”</li>" for v in values) + "</ul>")
    if rules and code.rules:
        out.append("<p><strong>Automatic rules:</strong></p>")
        out.append("<ul>" + "".join(f'<li><span class="id">{html.escape(r.id)}</span>: {_e(rule_summary(r))}</li>' for r in code.rules) + "</ul>")
    out.append("</section>")
    return out


def _html_theme(theme: Theme, depth: int, rules: bool) -> list[str]:
    h = min(depth, 6)
    out = [f'<section class="theme" id="theme-{html.escape(theme.id)}">', f"<h{h}>{_e(theme.label)}</h{h}>"]
    if theme.description:
        out.append(f"<p>{_e(theme.description)}</p>")
    for code in theme.codes:
        out += _html_code(code, depth + 1, rules)
    for child in theme.themes:
        out += _html_theme(child, depth + 1, rules)
    out.append("</section>")
    return out


def render_html(book: Codebook, *, rules: bool = False) -> str:
    """The codebook as one self-contained HTML page."""
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(book.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_e(book.name)} {_e(book.version)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(book.name)}</h1>",
        f"<p>Version {_e(book.version)}" + (f" · {_e(', '.join(book.authors))}" if book.authors else "") + "</p>",
    ]
    if book.description:
        out.append(f"<p>{_e(book.description)}</p>")
    out.append("<nav><h2>Contents</h2><ul>")
    for theme in book.themes:
        out.append(f'<li><a href="#theme-{html.escape(theme.id)}">{_e(theme.label)}</a> ({len(theme.codes)} codes)</li>')
    out.append("</ul></nav>")
    for theme in book.themes:
        out += _html_theme(theme, 2, rules)
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def render_codebook(book: LoadedCodebook | Codebook, *, format: Format = "md", rules: bool = False) -> str:
    """Render a codebook as ``md`` or ``html`` text.

    Example:
        >>> text = render_codebook(load_codebook("codebooks/partnership.yaml"), format="md")  # doctest: +SKIP
    """
    model = book.model if isinstance(book, LoadedCodebook) else book
    if format == "md":
        return render_markdown(model, rules=rules)
    if format == "html":
        return render_html(model, rules=rules)
    raise OptionError(f"--format {format}: unknown format", hint=f"choose one of {', '.join(FORMATS)}")


def write_rendered(book: LoadedCodebook | Codebook, out: str | Path, *, format: Format | None = None, rules: bool = False) -> Path:
    """Render to a file (format from ``format`` or the suffix: .md, .html/.htm)."""
    from casecode.results import write_text

    target = Path(out)
    chosen = format or ("html" if target.suffix.lower() in (".html", ".htm") else "md")
    write_text(target, render_codebook(book, format=chosen, rules=rules))
    return target


__all__ = ["FORMATS", "render_codebook", "render_html", "render_markdown", "rule_summary", "write_rendered"]
