"""Results folders made with different codebooks are not merged unless asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode import code_corpus, read_results
from casecode.cli.app import app
from casecode.results import MixedCodebooksError, check_same_codebook, combine_results

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "transcripts_example"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def two_waves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The example study split into two waves coded separately, plus wave 2 with codebook 1.1.0."""
    base = tmp_path_factory.mktemp("waves")
    cases = sorted(p for p in EXAMPLE.iterdir() if p.is_dir())
    folders = []
    for wave, part in (("w1", cases[:-1]), ("w2", cases[-1:])):
        for case in part:
            shutil.copytree(case, base / wave / case.name)
        shutil.copy(EXAMPLE / "cases.yaml", base / wave / "cases.yaml")
        folders.append(base / wave)
    w1 = code_corpus([folders[0]], CODEBOOK, out=base / "r1", xlsx=False)
    w2 = code_corpus([folders[1]], CODEBOOK, out=base / "r2", xlsx=False)
    assert w1.documents and w2.documents
    newer = base / "partnership_v11.yaml"
    newer.write_text(CODEBOOK.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.1.0"'), encoding="utf-8")
    code_corpus([folders[1]], newer, out=base / "r2new", xlsx=False)
    return base / "r1", base / "r2", base / "r2new"


def test_same_codebook_combines(two_waves, example_results) -> None:
    r1, r2, _ = two_waves
    combined, notes = combine_results([read_results(r1), read_results(r2)])
    assert notes == []
    assert len(combined.documents) == len(example_results.documents)
    assert len(combined.segments) == len(example_results.segments)
    assert sorted(combined.cases["case"]) == sorted(example_results.cases["case"])
    from casecode import build_matrix

    assert build_matrix(combined).equals(build_matrix(example_results))


def test_different_versions_are_refused(two_waves) -> None:
    r1, _, r2new = two_waves
    results = [read_results(r1), read_results(r2new)]
    with pytest.raises(MixedCodebooksError, match=r"Partnership working 1.1.0 .* 1.0.0 .*a different version — .*--allow-mixed-codebooks"):
        check_same_codebook(results)
    notes = check_same_codebook(results, allow_mixed=True)
    assert len(notes) == 1


def test_same_version_different_content_is_refused(two_waves, tmp_path: Path) -> None:
    r1, r2, _ = two_waves
    copy = tmp_path / "r2"
    shutil.copytree(r2, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["codebook"]["sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(MixedCodebooksError, match="same name and version but different content"):
        combine_results([read_results(r1), read_results(copy)])


def test_repeated_documents_are_refused(two_waves) -> None:
    r1, _, _ = two_waves
    with pytest.raises(Exception, match="is also in"):
        combine_results([read_results(r1), read_results(r1)])


def test_matrix_cli_several_folders(two_waves, tmp_path: Path) -> None:
    r1, r2, r2new = two_waves
    out = tmp_path / "m.csv"
    result = runner.invoke(app, ["matrix", str(r1), str(r2), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    refused = runner.invoke(app, ["matrix", str(r1), str(r2new), "--out", str(out)])
    assert refused.exit_code == 1 and "different codebooks" in refused.output and "--allow-mixed-codebooks" in refused.output
    allowed = runner.invoke(app, ["matrix", str(r1), str(r2new), "--out", str(out), "--allow-mixed-codebooks"])
    assert allowed.exit_code == 0 and "note:" in allowed.output
    no_out = runner.invoke(app, ["matrix", str(r1), str(r2)])
    assert no_out.exit_code == 1 and "--out" in no_out.output
