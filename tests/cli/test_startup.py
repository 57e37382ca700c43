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
