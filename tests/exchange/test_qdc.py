"""REFI-QDA codebook exchange: export validated against the schema, tolerant import, round trips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from casecode.codebook.load import load_codebook, parse_codebook
from casecode.exchange.qdc import (
    QdcError,
    code_description,
    code_guid,
    codebook_to_qdc,
    export_qdc,
    import_qdc,
    normalise_guid,
    parse_description,
    qdc_to_codebook,
    slugify,
    theme_guid,
)

ROOT = Path(__file__).resolve().parents[2]
QDC = Path(__file__).resolve().parents[1] / "data" / "qdc"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"


@pytest.fixture(scope="module")
def schema(shared_dir: Path):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (test extra) is not installed")
    path = shared_dir / "refi-qda" / "Codebook.xsd"
    if not path.is_file():
        pytest.skip(f"optional fixture: {path} is not present")
    return xmlschema.XMLSchema(str(path))


def test_export_validates_against_the_schema(schema, tmp_path: Path) -> None:
    out = export_qdc(load_codebook(CODEBOOK), tmp_path / "partnership.qdc")
    schema.validate(str(out))


def test_export_of_every_fixture_after_import_validates(schema) -> None:
    for path in sorted(QDC.glob("*.qdc")):
        if path.name.startswith(("unsafe", "external")):
            continue
        schema.validate(codebook_to_qdc(import_qdc(path).codebook))


def test_export_is_deterministic_and_guids_follow_ids(tmp_path: Path) -> None:
    book = load_codebook(CODEBOOK)
    first = export_qdc(book, tmp_path / "a.qdc").read_bytes()
    second = export_qdc(load_codebook(CODEBOOK), tmp_path / "b.qdc").read_bytes()
    assert first == second
    text = first.decode("utf-8")
    assert f'guid="{code_guid("financial_pressure")}" name="Financial pressure" isCodable="true" color="#aec7e8"' in text
    assert f'guid="{theme_guid("drivers")}" name="Drivers of partnership" isCodable="false" color="#1f77b4"' in text
    assert code_guid("drivers") != theme_guid("drivers")
    assert "When to use: The respondent links the partnership" in text


def test_export_escapes_markup_and_keeps_guid(tmp_path: Path) -> None:
    book = parse_codebook("""\
name: t
themes:
  - id: th
    label: 'A & B <"quoted">'
    codes:
      - id: c
        label: C
        guid: "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"
        definition: "x < y & z"
""")
    text = codebook_to_qdc(book)
    assert 'name="A &amp; B &lt;&quot;quoted&quot;&gt;"' in text
    assert "<Description>x &lt; y &amp; z</Description>" in text
    assert 'guid="3f2504e0-4f89-11d3-9a0c-0305e82c3301"' in text


def test_description_round_trip() -> None:
    book = parse_codebook("""\
name: t
themes:
  - id: th
    label: Th
    codes:
      - id: c
        label: C
        definition: "First paragraph.\\n\\nSecond paragraph."
        when_to_use: Use it.
        when_not_to_use: Not then.
        examples: ["One.", "Two\\nlines."]
        counter_examples: ["Three."]
""")
    code = book.codes()[0]
    fields = parse_description(code_description(code))
    assert fields == {
        "definition": "First paragraph.\n\nSecond paragraph.",
        "when_to_use": "Use it.",
        "when_not_to_use": "Not then.",
        "examples": ["One.", "Two\nlines."],
        "counter_examples": ["Three."],
    }
    assert parse_description("Plain text from another tool.\r\nSecond line.")["definition"] == "Plain text from another tool.\nSecond line."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        ("3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        (" 3f2504e0-4f89-11d3-9a0c-0305e82c3301 ", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        ("not-a-guid", None),
        (None, None),
    ],
)
def test_normalise_guid(raw, expected) -> None:
    assert normalise_guid(raw) == expected


def test_slugify() -> None:
    assert slugify("Économies d'échelle", fallback="x") == "economies_d_echelle"
    assert slugify("Größenvorteile", fallback="x") == "grossenvorteile"
    assert slugify("信任", fallback="code_1") == "code_1"
    assert slugify("people.staff", fallback="x") == "people_staff"


def _shape(book) -> list:
    return [(trail, code.id, code.label) for trail, code in book.walk()]


def test_import_nvivo_style() -> None:
    imported = import_qdc(QDC / "nvivo.qdc")
    book = imported.codebook
    assert imported.origin.startswith("NVivo")
    assert book.name == "nvivo"
    assert _shape(book) == [
        (("drivers",), "funding_cuts", "Funding cuts"),
        (("drivers",), "regulator_pressure", "Regulator pressure"),
        (("ungrouped",), "trust", "Trust"),
    ]
    assert book.themes[0].description == "Why organisations partner."
    assert book.code("funding_cuts").definition == "Budget reductions given as a reason to partner."
    assert all(code.rules == [] and code.color is None for code in book.codes())
    assert any("Ungrouped" in n for n in imported.notes) and any("codable" in n for n in imported.notes)


def test_import_atlasti_style_braces_short_colours_accents_sets() -> None:
    imported = import_qdc(QDC / "atlasti.qdc")
    book = imported.codebook
    theme = book.themes[0]
    assert (theme.id, theme.label, theme.color, theme.guid) == ("cooperation", "Coopération", "#ff8800", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    assert [(c.id, c.label, c.color) for c in theme.codes] == [
        ("confiance_reciproque", "Confiance réciproque", "#ff8800"),
        ("economies_d_echelle", "Économies d'échelle", "#00aa44"),
    ]
    assert theme.codes[0].definition == "La confiance entre partenaires & ses limites."
    assert any("Sets" in n for n in imported.notes)


def test_import_maxqda_style_bom_crlf_url_schema_location_nesting() -> None:
    book = import_qdc(QDC / "maxqda.qdc").codebook
    assert _shape(book) == [
        (("zusammenarbeit",), "grossenvorteile", "Größenvorteile"),
        (("zusammenarbeit", "wettbewerb"), "ausschreibung", "Ausschreibung"),
    ]
    assert book.themes[0].description == "Oberkategorie für Kooperation.\nZweite Zeile."
    assert book.code("ausschreibung").color == "#1f77b4"


def test_import_qualcoder_style_non_latin_names_get_unique_ids() -> None:
    book = import_qdc(QDC / "qualcoder.qdc").codebook
    ids = [code.id for code in book.codes()]
    labels = [code.label for code in book.codes()]
    assert labels == ["合作伙伴之间的信任", "Εμπιστοσύνη", "Trust", "trust!"]
    assert ids[2:] == ["trust", "trust_2"]
    assert all(i.startswith("code_") for i in ids[:2]) and len(set(ids)) == 4
    assert book.themes[0].id.startswith("theme_") and book.themes[0].label == "信任"
    # ids are stable: they come from the GUIDs, not from the order of reading
    assert import_qdc(QDC / "qualcoder.qdc").codebook == book


def test_import_taguette_style_no_namespace_flat() -> None:
    imported = import_qdc(QDC / "taguette.qdc")
    assert imported.origin == "Taguette 1.4.1"
    assert [(trail, cid) for trail, cid, _ in _shape(imported.codebook)] == [
        (("ungrouped",), "interesting"),
        (("ungrouped",), "people_staff"),
        (("ungrouped",), "people_volunteers"),
    ]
    assert imported.codebook.code("interesting").definition == "Further review required"


@pytest.mark.parametrize("name", ["unsafe_entities.qdc", "external_entity.qdc"])
def test_import_refuses_entities_and_external_resources(name: str) -> None:
    with pytest.raises(QdcError, match="refused unsafe XML"):
        import_qdc(QDC / name)


def test_import_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.qdc"
    broken.write_text("<CodeBook><Codes><Code name='x'>", encoding="utf-8")
    with pytest.raises(QdcError, match=r"broken.qdc:1: not well-formed XML"):
        import_qdc(broken)
    empty = tmp_path / "empty.qdc"
    empty.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', encoding="utf-8")
    with pytest.raises(QdcError, match="has no codes"):
        import_qdc(empty)
    other = tmp_path / "other.xml"
    other.write_text("<Project><Sources/></Project>", encoding="utf-8")
    with pytest.raises(QdcError, match="no <CodeBook> element"):
        import_qdc(other)
    with pytest.raises(QdcError, match="cannot read"):
        import_qdc(tmp_path / "missing.qdc")


def test_missing_or_invalid_guids_are_derived_stably() -> None:
    raw = b'<CodeBook><Codes><Code name="P" isCodable="true"><Code name="A" guid="12" isCodable="true"/><Code name="B" isCodable="true"/></Code></Codes></CodeBook>'
    first = qdc_to_codebook(raw)
    assert qdc_to_codebook(raw).codebook == first.codebook
    guids = [c.guid for c in first.codebook.codes()] + [first.codebook.themes[0].guid]
    assert all(normalise_guid(g) for g in guids) and len(set(guids)) == 3
    assert any("GUID" in n for n in first.notes)


@pytest.mark.parametrize("name", ["nvivo.qdc", "atlasti.qdc", "maxqda.qdc", "qualcoder.qdc", "taguette.qdc"])
def test_import_export_import_is_lossless(name: str, tmp_path: Path) -> None:
    first = import_qdc(QDC / name)
    again = qdc_to_codebook(codebook_to_qdc(first.codebook).encode("utf-8"), source=str(QDC / name))
    assert again.codebook == first.codebook
    # and the YAML written for the team reads back to the same codebook
    path = tmp_path / "imported.yaml"
    path.write_text(first.to_yaml(), encoding="utf-8")
    assert load_codebook(path).model == first.codebook


def test_export_import_with_base_restores_the_codebook_exactly() -> None:
    book = load_codebook(CODEBOOK).model
    back = qdc_to_codebook(codebook_to_qdc(book).encode("utf-8"), base=book)
    assert back.codebook == book


def test_import_with_base_keeps_rules_and_takes_edits_from_the_other_tool() -> None:
    book = load_codebook(CODEBOOK).model
    xml = codebook_to_qdc(book).replace('name="Financial pressure"', 'name="Money worries"')
    back = qdc_to_codebook(xml.encode("utf-8"), base=book).codebook
    code = back.code("financial_pressure")
    assert code is not None and code.label == "Money worries"
    assert code.rules == book.code("financial_pressure").rules


def test_import_from_a_qdpx_project(shared_dir: Path, tmp_path: Path) -> None:
    """The codebook part of a project exported by NVivo (optional shared fixture)."""
    path = shared_dir / "interop" / "nvivo_project.qdpx"
    if not path.is_file():
        pytest.skip(f"optional fixture: {path} is not present")
    imported = import_qdc(path)
    book = imported.codebook
    assert imported.origin.startswith("NVivo")
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("project.qde").decode("utf-8")
    assert len(book.codes()) + sum(1 for _ in book.themes_flat()) == xml.count("<Code ")
    assert book.code("programming") is not None
    assert book.theme_of("programming") == "rq1_definition/competencies"
    again = qdc_to_codebook(codebook_to_qdc(book).encode("utf-8"), source=str(path))
    assert again.codebook == book


def test_non_codable_leaf_is_an_empty_theme() -> None:
    book = import_qdc(QDC / "qualcoder.qdc").codebook
    last = book.themes[-1]
    assert (last.id, last.label, last.codes, last.themes) == ("empty_category", "Empty category", [], [])
    assert 'name="Empty category" isCodable="false"/>' in codebook_to_qdc(book)


def test_unknown_xml_encoding_is_a_one_line_error(tmp_path: Path) -> None:
    # found by the REFI fuzz test: ElementTree raised LookupError for encoding="u-tf-8"
    odd = tmp_path / "odd.qdc"
    odd.write_bytes(b'<?xml version="1.0" encoding="u-tf-8"?><Project name="p"><CodeBook><Codes></Codes></CodeBook></Project>')
    with pytest.raises(QdcError, match=r"odd.qdc: the XML declaration names an unknown encoding"):
        import_qdc(odd)
