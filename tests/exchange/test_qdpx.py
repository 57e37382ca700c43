"""REFI-QDA .qdpx export and import."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET
from typer.testing import CliRunner

from casecode.cli.app import app
from casecode.errors import CasecodeError
from casecode.exchange.qdpx import (
    NS,
    QdpxError,
    import_qdpx,
    qdpx_bytes,
    read_qdpx,
    write_qdpx,
)
from casecode.results import read_results

Q = f"{{{NS}}}"


@pytest.fixture(scope="module")
def qdpx_file(example_run, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("qdpx") / "study.qdpx"
    return write_qdpx(example_run[1], target)


def _project(path: Path):
    with zipfile.ZipFile(path) as archive:
        return SafeET.fromstring(archive.read("project.qde")), {n: archive.read(n) for n in archive.namelist()}


def test_project_validates_against_refi_schema(qdpx_file, shared_dir):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (test extra) is not installed")
    schema = xmlschema.XMLSchema(str(shared_dir / "refi-qda" / "Project.xsd"))
    with zipfile.ZipFile(qdpx_file) as archive:
        xml = archive.read("project.qde")
    errors = list(schema.iter_errors(io.BytesIO(xml)))
    assert errors == []


def test_every_selection_slices_the_coded_text(qdpx_file, example_results):
    root, members = _project(qdpx_file)
    segments = example_results.segments
    expected = {(r.document, r.start, r.end, r.code): r.text for r in segments.itertuples()}
    code_ids = {}
    for code in root.iter(f"{Q}Code"):
        description = code.findtext(f"{Q}Description") or ""
        code_ids[code.get("guid")] = description.rsplit("casecode-id:", 1)[-1].strip()
    seen = 0
    for source in root.iter(f"{Q}TextSource"):
        member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        text = members[member].decode("utf-8")
        assert text == example_results.text(source.get("name"))
        for selection in source.findall(f"{Q}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            code = code_ids[selection.find(f"{Q}Coding/{Q}CodeRef").get("targetGUID")]
            assert text[start:end] == expected[(source.get("name"), start, end, code)]
            seen += 1
    assert seen == len(segments) > 0


def test_cases_and_variables(qdpx_file, example_results):
    root, _ = _project(qdpx_file)
    cases = root.findall(f"{Q}Cases/{Q}Case")
    assert [c.get("name") for c in cases] == example_results.cases["case"].tolist()
    sources = {s.get("guid"): s.get("name") for s in root.iter(f"{Q}TextSource")}
    for case in cases:
        docs = {sources[r.get("targetGUID")] for r in case.findall(f"{Q}SourceRef")}
        assert docs == set(example_results.documents.loc[example_results.documents["case"] == case.get("name"), "document"])
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iter(f"{Q}Variable")}
    assert variables.get("interview_date") == "Date"
    assert variables.get("role") == "Text"


def test_same_results_same_bytes(example_results, example_run):
    assert qdpx_bytes(example_results) == qdpx_bytes(read_results(example_run[1]))
    with zipfile.ZipFile(io.BytesIO(qdpx_bytes(example_results))) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_export_import_gives_the_same_segments_table(qdpx_file, example_results, tmp_path):
    imported = import_qdpx(qdpx_file, tmp_path / "back")
    again = read_results(tmp_path / "back")
    pd.testing.assert_frame_equal(again.segments, example_results.segments)
    assert again.codebook.text == example_results.codebook.text
    assert imported.manifest["imported"]["codebook"] == "embedded"
    assert again.cases["case"].tolist() == example_results.cases["case"].tolist()
    assert (tmp_path / "back" / "segments.parquet").exists()


def test_cli_export_then_import(example_run, tmp_path):
    runner = CliRunner()
    target = tmp_path / "study.qdpx"
    result = runner.invoke(app, ["export", str(example_run[1]), "--to", "qdpx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["import", str(target), "-o", str(tmp_path / "back"), "--no-xlsx"])
    assert result.exit_code == 0, result.output
    assert "coded segments" in result.output
    assert (tmp_path / "back" / "segments.csv").read_bytes() == (example_run[1] / "segments.csv").read_bytes()


def test_cli_unknown_format(example_run, tmp_path):
    result = CliRunner().invoke(app, ["export", str(example_run[1]), "--to", "nvp", "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "--to nvp: unknown format" in result.output


def test_not_a_zip_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.qdpx"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(CasecodeError, match="bad.qdpx: not a readable REFI-QDA project"):
        read_qdpx(bad)


def test_entity_expansion_is_refused(tmp_path):
    bomb = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project xmlns="urn:QDA-XML:project:1.0" name="x">&a;</Project>'
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", bomb)
    with pytest.raises(CasecodeError, match=r"bomb.qdpx \(project.qde\): XML declares a DTD or entities"):
        read_qdpx(path)


def test_zip_slip_member_is_refused(tmp_path):
    path = tmp_path / "slip.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", f'<Project xmlns="{NS}" name="x"/>')
        archive.writestr("../../evil.txt", "x")
    with pytest.raises(CasecodeError, match="slip.qdpx"):
        read_qdpx(path)


def test_missing_source_text_names_the_member(tmp_path):
    path = tmp_path / "nosrc.qdpx"
    xml = f'<Project xmlns="{NS}" name="x"><Sources><TextSource guid="00000000-0000-0000-0000-0000000000a1" name="A" plainTextPath="internal://a.txt"/></Sources></Project>'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
    with pytest.raises(QdpxError, match="sources/a.txt is named by source 'A' but is not in the archive"):
        read_qdpx(path)


def _foreign_project(tmp_path: Path) -> Path:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{NS}" name="Other tool">
 <CodeBook><Codes>
  <Code guid="00000000-0000-0000-0000-000000000001" name="Trust" isCodable="true">
   <Code guid="00000000-0000-0000-0000-000000000002" name="Trust &amp; risk" isCodable="true"/>
  </Code>
  <Code guid="00000000-0000-0000-0000-000000000003" name="Money" isCodable="true" color="#f00"/>
 </Codes></CodeBook>
 <Variables>
  <Variable guid="00000000-0000-0000-0000-0000000000d1" name="Sector" typeOfVariable="Text"/>
  <Variable guid="00000000-0000-0000-0000-0000000000d2" name="Staff" typeOfVariable="Integer"/>
 </Variables>
 <Cases>
  <Case guid="00000000-0000-0000-0000-0000000000e1" name="Site A">
   <VariableValue><VariableRef targetGUID="00000000-0000-0000-0000-0000000000d1"/><TextValue>Housing</TextValue></VariableValue>
   <VariableValue><VariableRef targetGUID="00000000-0000-0000-0000-0000000000d2"/><IntegerValue>40</IntegerValue></VariableValue>
   <SourceRef targetGUID="00000000-0000-0000-0000-0000000000a1"/>
  </Case>
  <Case guid="00000000-0000-0000-0000-0000000000e2" name="Site B">
   <VariableValue><VariableRef targetGUID="00000000-0000-0000-0000-0000000000d1"/><TextValue>Unassigned</TextValue></VariableValue>
   <SourceRef targetGUID="00000000-0000-0000-0000-0000000000a2"/>
  </Case>
 </Cases>
 <Sources>
  <TextSource guid="00000000-0000-0000-0000-0000000000a1" name="Interview one" plainTextPath="internal://a1.txt">
   <PlainTextSelection guid="00000000-0000-0000-0000-0000000000b1" startPosition="26" endPosition="31">
    <Coding guid="00000000-0000-0000-0000-0000000000c1"><CodeRef targetGUID="00000000-0000-0000-0000-000000000002"/></Coding>
    <Coding guid="00000000-0000-0000-0000-0000000000c2"><CodeRef targetGUID="00000000-0000-0000-0000-000000000003"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="00000000-0000-0000-0000-0000000000b2" startPosition="26" endPosition="900">
    <Coding guid="00000000-0000-0000-0000-0000000000c3"><CodeRef targetGUID="00000000-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="00000000-0000-0000-0000-0000000000a2" name="Notes">
   <PlainTextContent>Field notes.</PlainTextContent>
   <Coding guid="00000000-0000-0000-0000-0000000000c4"><CodeRef targetGUID="00000000-0000-0000-0000-000000000003"/></Coding>
  </TextSource>
  <PictureSource guid="00000000-0000-0000-0000-0000000000a3" name="Photo"/>
 </Sources>
</Project>"""
    path = tmp_path / "other.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/a1.txt", "\ufeffInterviewer: Why?\r\nR1: We trust them.\r\n")
    return path


def test_foreign_project_maps_code_tree_and_selections(tmp_path):
    results = read_qdpx(_foreign_project(tmp_path))
    book = results.codebook.model
    assert [t.id for t in book.themes] == ["Trust", "codes"]
    assert [c.id for c in book.codes()] == ["Trust", "Trust_risk", "Money"]
    assert book.code("Money").color == "#ff0000"
    seg = results.segments
    assert seg[["document", "start", "end", "code", "text", "origin"]].values.tolist() == [
        ["Interview one", 25, 30, "Money", "trust", "imported"],
        ["Interview one", 25, 30, "Trust_risk", "trust", "imported"],
        ["Notes", 0, 12, "Money", "Field notes.", "imported"],  # coding of the whole source
    ]
    # positions count CR LF as two characters; casecode's text has LF only
    assert seg["speaker"].tolist() == ["R1", "R1", ""]  # the turn the selection starts in
    assert results.documents["turns"].tolist() == [2, 1]
    assert any("PictureSource 'Photo' left out" in w for w in results.manifest["imported"]["warnings"])
    assert seg["theme"].tolist() == ["codes", "Trust", "codes"]
    assert any("outside the text" in w for w in results.manifest["imported"]["warnings"])
    assert results.documents["case"].tolist() == ["Site A", "Site B"]
    cases = results.cases.set_index("case")
    assert cases.loc["Site A", "Sector"] == "Housing" and cases.loc["Site A", "Staff"] == "40"
    assert cases.loc["Site B", "Sector"] == ""  # NVivo's "Unassigned" means no value
    assert cases.loc["Site A", "label"] == "Site A"


def test_nvivo_project_imports(shared_dir, tmp_path):
    path = shared_dir / "interop" / "nvivo_project.qdpx"
    if not path.exists():
        pytest.skip(f"optional fixture {path} is not present")
    results = import_qdpx(path, tmp_path / "nvivo", xlsx=False)
    info = results.manifest["imported"]
    assert info["origin"].startswith("NVivo")
    assert len(results.documents) == 2  # the .docx twins and sources/.root are not documents
    assert all("plain text is empty" in w for w in info["warnings"]) and len(info["warnings"]) == 2
    codes = [c.id for c in results.codebook.model.codes()]
    assert len(codes) == len(set(codes)) and "programming" in codes and "cs_as_programming.programming" in codes
    assert read_results(tmp_path / "nvivo").segments.empty


def test_codings_added_in_another_tool_come_back_as_imported(qdpx_file, example_results, tmp_path):
    """A casecode project coded further elsewhere: new selections join the table."""
    with zipfile.ZipFile(qdpx_file) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    xml = members["project.qde"].decode("utf-8")
    code = example_results.codebook.model.codes()[0]
    from casecode.exchange.qdpx import guid

    doc = example_results.documents["document"].iloc[0]
    extra = (
        f'<PlainTextSelection guid="{guid("selection", "manual")}" startPosition="0" endPosition="5">'
        f'<Coding guid="{guid("coding", "manual")}"><CodeRef targetGUID="{guid("code", code.id)}"/></Coding></PlainTextSelection>'
    )
    marker = f'name="{doc}" plainTextPath="internal://{guid("source", doc)}.txt" creatingUser="{guid("user", "casecode")}">'
    assert marker in xml
    members["project.qde"] = xml.replace(marker, marker + extra, 1).encode("utf-8")
    edited = tmp_path / "edited.qdpx"
    with zipfile.ZipFile(edited, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    results = read_qdpx(edited)
    assert results.manifest["imported"]["codebook"] == "embedded"
    assert len(results.segments) == len(example_results.segments) + 1
    added = results.segments[results.segments["origin"] == "imported"]
    assert added[["document", "start", "end", "code"]].values.tolist() == [[doc, 0, 5, code.id]]
    assert added["text"].iloc[0] == example_results.text(doc)[0:5]


def test_imported_foreign_project_exports_valid_qdpx(shared_dir, tmp_path):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (test extra) is not installed")
    results = read_qdpx(_foreign_project(tmp_path))
    results.folder = tmp_path
    data = qdpx_bytes(results)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("project.qde")
    schema = xmlschema.XMLSchema(str(shared_dir / "refi-qda" / "Project.xsd"))
    assert list(schema.iter_errors(io.BytesIO(xml))) == []
    again = tmp_path / "again.qdpx"
    again.write_bytes(data)
    pd.testing.assert_frame_equal(read_qdpx(again).segments, results.segments)


def test_attribute_on_cases_and_documents_gets_one_type(example_results, shared_dir, tmp_path):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (test extra) is not installed")
    import dataclasses

    cases = example_results.cases.assign(wave="1")
    documents = example_results.documents.assign(wave="pilot")
    results = dataclasses.replace(example_results, cases=cases, documents=documents)
    with zipfile.ZipFile(io.BytesIO(qdpx_bytes(results))) as archive:
        xml = archive.read("project.qde")
    root = SafeET.fromstring(xml)
    waves = [v for v in root.iter(f"{Q}Variable") if v.get("name") == "wave"]
    assert len(waves) == 1 and waves[0].get("typeOfVariable") == "Text"
    schema = xmlschema.XMLSchema(str(shared_dir / "refi-qda" / "Project.xsd"))
    assert list(schema.iter_errors(io.BytesIO(xml))) == []


def test_variable_types():
    from casecode.exchange.qdpx import _variable_type

    assert _variable_type(["2011-06-14", ""]) == "Date"
    assert _variable_type(["2011-13-45"]) == "Text"  # not a real date: xsd:date would reject it
    assert _variable_type(["3", "40"]) == "Integer"
    assert _variable_type(["3.5", "4.0"]) == "Float"
    assert _variable_type(["3", "x"]) == "Text"


def _braced(path: Path, target: Path, attributes: tuple[str, ...]) -> Path:
    """The same project with the GUIDs of these attributes written as {UPPER CASE} (schema-valid)."""
    import re

    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    xml = members["project.qde"].decode("utf-8")
    for attribute in attributes:
        xml = re.sub(rf'\b{attribute}="([0-9a-f-]{{36}})"', lambda m: f'{attribute}="{{{m.group(1).upper()}}}"', xml)
    members["project.qde"] = xml.encode("utf-8")
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def test_guids_spelled_with_braces_and_capitals_are_the_same_guids(qdpx_file, example_results, tmp_path):
    # Only the references are rewritten: definitions and references then differ in spelling.
    edited = _braced(qdpx_file, tmp_path / "braces.qdpx", ("targetGUID", "creatingUser"))
    with zipfile.ZipFile(edited) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    assert 'targetGUID="{' in xml
    results = read_qdpx(edited)
    pd.testing.assert_frame_equal(results.segments, example_results.segments)
    assert results.cases["case"].tolist() == example_results.cases["case"].tolist()
    assert results.cases.drop(columns=["documents"], errors="ignore").equals(example_results.cases.drop(columns=["documents"], errors="ignore"))

    from casecode.intercoder import read_sources

    (source,) = read_sources(edited)
    assert source.name == "casecode"
    assert len(source.spans) == len(example_results.segments)


def test_manual_codings_keep_their_coder_and_memos_become_notes(results_copy, tmp_path):
    from lxml import etree

    from casecode.review import annotate
    from casecode.review.decisions import Decision, write_decisions

    results = read_results(results_copy)
    doc = results.documents["document"].iloc[0]
    annotate(results_copy, doc, 0, 40, results.codebook.model.codes()[0].id, coder="Ines Vidal", memo="opening remark, <not> a theme & more")
    first = results.segments.iloc[0]
    write_decisions(results_copy, [Decision(first["document"], int(first["start"]), int(first["end"]), first["code"], "accept", memo="clear case")])
    target = write_qdpx(read_results(results_copy), tmp_path / "memos.qdpx")
    root, _ = _project(target)
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    assert sorted(users.values()) == ["Ines Vidal", "casecode"]
    notes = {n.get("guid"): n.findtext(f"{Q}PlainTextContent") for n in root.iter(f"{Q}Note")}
    assert sorted(notes.values()) == ["clear case", "opening remark, <not> a theme & more"]
    manual = [s for s in root.iter(f"{Q}PlainTextSelection") if s.get("startPosition") == "0" and s.get("endPosition") == "40"]
    (selection,) = [s for s in manual if users[s.get("creatingUser")] == "Ines Vidal"]
    assert users[selection.find(f"{Q}Coding").get("creatingUser")] == "Ines Vidal"
    assert notes[selection.find(f"{Q}NoteRef").get("targetGUID")].startswith("opening remark")
    import os

    shared = Path(os.environ.get("CASECODE_SHARED") or Path(__file__).resolve().parents[3] / "shared")
    xsd = shared / "refi-qda" / "Project.xsd"
    if xsd.exists():  # the schema is an optional fixture; the checks above run without it
        schema = etree.XMLSchema(etree.parse(str(xsd)))
        with zipfile.ZipFile(target) as archive:
            assert schema.validate(etree.fromstring(archive.read("project.qde"))), schema.error_log
    # importing says what it leaves out
    back = read_qdpx(target)
    assert any("2 note(s)" in w for w in back.manifest["imported"]["warnings"])
