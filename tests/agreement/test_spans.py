"""Reading human coding: CSV, results folders, REFI-QDA projects; matching codes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from casecode.intercoder import CodingSourceError, match_codes, read_sources
from casecode.intercoder.spans import resolve_documents
from casecode.codebook.load import load_codebook

QDE = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="team">
  <Users><User guid="u1" name="Alice Moreau"/><User guid="u2" id="BK"/></Users>
  <CodeBook><Codes>
    <Code guid="c1" name="Trust"><Code guid="c2" name="money"/></Code>
    <Code guid="c3" name="Gossip"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="s1" name="interview_one.txt">
      <PlainTextSelection guid="p1" startPosition="0" endPosition="12" creatingUser="u1">
        <Coding guid="k1" creatingUser="u1"><CodeRef targetGUID="c1"/></Coding>
        <Coding guid="k2" creatingUser="u2"><CodeRef targetGUID="c1"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="p2" startPosition="20" endPosition="30" creatingUser="u2">
        <Coding guid="k3"><CodeRef targetGUID="c2"/></Coding>
        <Coding guid="k4"><CodeRef targetGUID="c3"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="s2" name="interview_two"/>
  </Sources>
</Project>
"""


def test_csv_one_source_per_coder_and_documents_read_without_codes(tmp_path):
    path = tmp_path / "team.csv"
    path.write_text("document,start,end,code,coder\nd1,0,5,trust,alice\nd1,3,9,Money,bo\nd2,,,,bo\n", encoding="utf-8")
    alice, bo = read_sources(path)
    assert (alice.name, bo.name) == ("alice", "bo")
    # a coder read the documents that coder has rows for: d2 is bo's alone
    assert alice.documents == frozenset({"d1"})
    assert bo.documents == frozenset({"d1", "d2"})
    assert [(s.start, s.end, s.code) for s in bo.spans] == [(3, 9, "Money")]


def test_csv_extra_cells_and_bom_are_tolerated(tmp_path):
    path = tmp_path / "team.csv"
    path.write_text("\ufeffdocument,start,end,code\nd1,0,5,trust,stray\n", encoding="utf-8")
    (source,) = read_sources(path)
    assert [(s.document, s.code) for s in source.spans] == [("d1", "trust")]


def test_csv_without_coder_column_is_named_after_the_file(tmp_path):
    path = tmp_path / "ines.csv"
    path.write_text("document,start,end,code\nd1,0,5,trust\n", encoding="utf-8")
    (source,) = read_sources(path)
    assert source.name == "ines" and len(source.spans) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("document,start,code\n", "missing column(s) end"),
        ("document,start,end,code\nd1,5,2,trust\n", ":2: span 5-2"),
        ("document,start,end,code\n,1,2,trust\n", ":2 (document): empty"),
        ("document,start,end,code\nd1,1,2,\n", ":2 (code): empty"),
    ],
)
def test_csv_errors_name_line_and_fix(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CodingSourceError) as info:
        read_sources(path)
    assert message in str(info.value) and "bad.csv" in str(info.value)


def test_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CodingSourceError, match="cannot read coded spans"):
        read_sources(tmp_path / "x.json")
    with pytest.raises(CodingSourceError, match="no such file"):
        read_sources(tmp_path / "absent.csv")


def test_results_folder_is_one_source(example_run, example_results):
    (source,) = read_sources(example_run[1])
    assert len(source.spans) == len(example_results.segments)
    assert source.documents == frozenset(example_results.documents["document"])


def test_match_codes_by_id_label_and_loose_spelling(mini_codebook):
    book = load_codebook(mini_codebook).model
    from casecode.intercoder import CodedSpan, Source

    spans = tuple(CodedSpan("d", 0, 1, name, "x") for name in ["trust", "Culture clash", "culture-clash", "MONEY", "loyalty", "loyalty"])
    (matched,) = match_codes([Source("x", "x", spans, frozenset({"d"}))], book)
    assert [s.code for s in matched.spans] == ["trust", "culture_clash", "culture_clash", "money"]
    assert matched.unmatched == {"loyalty": 2}


def _qdpx(tmp_path: Path, qde: str) -> Path:
    path = tmp_path / "team.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/s1.txt", "text")
    return path


def test_qdpx_coded_selections_per_user(tmp_path, mini_codebook):
    sources = read_sources(_qdpx(tmp_path, QDE))
    assert [s.name for s in sources] == ["Alice Moreau", "BK"]
    alice, bk = sources
    assert [(s.document, s.start, s.end, s.code) for s in alice.spans] == [("interview_one.txt", 0, 12, "Trust")]
    assert sorted((s.start, s.code) for s in bk.spans) == [(0, "Trust"), (20, "Gossip"), (20, "money")]
    assert alice.documents == frozenset({"interview_one.txt", "interview_two"})
    matched = match_codes(sources, load_codebook(mini_codebook).model)
    assert matched[1].unmatched == {"Gossip": 1}


def test_qdpx_refuses_entities_and_broken_archives(tmp_path):
    evil = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e "boom">]><Project xmlns="urn:QDA-XML:project:1.0">&e;</Project>'
    with pytest.raises(CodingSourceError, match="unsafe XML"):
        read_sources(_qdpx(tmp_path, evil))
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(CodingSourceError, match="not a zip"):
        read_sources(broken)


def test_resolve_documents_by_id_stem_and_unique_tail():
    known = ["housing/ceo_interview", "ni/lead", "sight/lead"]
    mapping = resolve_documents(["housing/ceo_interview", "ceo_interview.txt", "lead.docx", "ni/lead.txt", "other"], known)
    assert mapping == {"housing/ceo_interview": "housing/ceo_interview", "ceo_interview.txt": "housing/ceo_interview", "ni/lead.txt": "ni/lead"}


def test_nvivo_export_from_shared_fixtures(shared_dir):
    path = shared_dir / "interop" / "nvivo_project.qdpx"
    if not path.exists():
        pytest.skip(f"optional fixture {path} is not present")
    sources = read_sources(path)
    # NVivo's export lists two text sources and no coded selections
    assert len(sources) == 1
    assert len(sources[0].documents) == 2
    assert sources[0].spans == ()
