"""Rendering a codebook for a methods appendix."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.codebook.load import load_codebook, parse_codebook
from casecode.codebook.render import render_codebook, write_rendered
from casecode.errors import OptionError

ROOT = Path(__file__).resolve().parents[2]

BOOK = """\
name: Study <one>
version: "2.0"
authors: [Ada Fictional]
themes:
  - id: th
    label: Trust & faith
    description: About trust.
    codes:
      - id: trust
        label: Trust
        definition: Trust between partners.
        when_to_use: When trust is named.
        when_not_to_use: Trust funds.
        examples: ["We trusted them."]
        counter_examples: ["The trust fund paid."]
        color: "#2ca02c"
        rules:
          - {id: t, phrases: [trust], match: lemma}
          - {id: veto, exclude: [trust fund]}
"""


def test_markdown() -> None:
    md = render_codebook(parse_codebook(BOOK), format="md", rules=True)
    assert md.startswith("# Study <one>\n\nVersion 2.0 · Ada Fictional\n")
    assert "## Trust & faith\n\nAbout trust.\n\n### Trust (`trust`)\n\nTrust between partners.\n" in md
    assert "**When not to use:** Trust funds." in md
    assert "- “We trusted them.”" in md and "**Counter-examples:**" in md
    assert "- `t`: phrases (lemma): trust" in md and "- `veto`: not when: trust fund" in md
    assert "Automatic rules" not in render_codebook(parse_codebook(BOOK), format="md")


def test_html_escapes_and_is_self_contained() -> None:
    page = render_codebook(parse_codebook(BOOK), format="html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<h1>Study &lt;one&gt;</h1>" in page and "Trust &amp; faith" in page
    assert 'style="--c:#2ca02c"' in page
    assert "http" not in page  # nothing fetched from outside


def test_example_codebook_renders_every_code(tmp_path: Path) -> None:
    book = load_codebook(ROOT / "codebooks" / "partnership.yaml")
    out = write_rendered(book, tmp_path / "codebook.html")
    page = out.read_text(encoding="utf-8")
    assert all(f'id="code-{c.id}"' in page for c in book.model.codes())
    assert write_rendered(book, tmp_path / "again.html").read_bytes() == out.read_bytes()


def test_unknown_format() -> None:
    with pytest.raises(OptionError, match="--format pdf"):
        render_codebook(parse_codebook(BOOK), format="pdf")  # type: ignore[arg-type]
