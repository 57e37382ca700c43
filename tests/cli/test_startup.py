"""The command line starts without importing spaCy when a command needs no NLP."""

from __future__ import annotations

import subprocess
import sys


def _imports_spacy(code: str) -> bool:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('spacy' in sys.modules)"], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1] == "True"


def test_cli_app_and_cache_info_do_not_import_spacy(tmp_path) -> None:
    assert not _imports_spacy("import casecode.cli.app")
    assert not _imports_spacy(f"from casecode.cli.app import app\nfrom typer.testing import CliRunner\nassert CliRunner().invoke(app, ['cache', 'info', '--cache-dir', {str(tmp_path)!r}]).exit_code == 0")
    assert not _imports_spacy("import casecode.coding.segment, casecode.export.rows, casecode.cache")


def test_coding_still_imports_it() -> None:
    assert _imports_spacy("import casecode.run")


def test_reading_a_results_folder_does_not_import_spacy(tmp_path) -> None:
    from pathlib import Path

    from casecode import code_corpus

    root = Path(__file__).resolve().parents[2]
    code_corpus([root / "transcripts_example"], root / "codebooks" / "partnership.yaml", out=tmp_path / "results", xlsx=False)
    folder = str(tmp_path / "results")
    for args in (["matrix", folder], ["report", folder, "-o", str(tmp_path / "report.html")], ["cooccur", folder]):
        assert not _imports_spacy(f"from casecode.cli.app import app\nfrom typer.testing import CliRunner\nr = CliRunner().invoke(app, {args!r})\nassert r.exit_code == 0, r.output"), args


def test_token_patterns_are_checked_against_spacys_schema_unless_asked_not_to() -> None:
    import pytest

    from casecode.codebook.load import parse_codebook
    from casecode.errors import CodebookError

    def book(pattern: str) -> str:
        return f'name: t\nversion: "1"\nthemes:\n  - id: th\n    label: Th\n    codes:\n      - id: c1\n        label: C1\n        rules:\n          - id: r1\n            pattern: {pattern}\n'

    with pytest.raises(CodebookError, match="invalid token pattern"):
        parse_codebook(book('[{LOWER: {IN: "trust"}}]'))
    assert parse_codebook(book('[{LOWER: {IN: "trust"}}]'), patterns=False).themes[0].codes[0].id == "c1"
    with pytest.raises(CodebookError, match="unknown token attribute 'LOWR'"):  # checked without spaCy too
        parse_codebook(book("[{LOWR: trust}]"), patterns=False)
