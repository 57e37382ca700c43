"""Hostile archives and XML: zip-slip, zip bombs, overlapping members, DTDs and entities."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from casecode.load import read_document
from casecode.load.safexml import UnsafeXMLError, check_xml_members, parse_xml
from casecode.load.safezip import UnsafeArchiveError, check_zip, extract_path, open_zip, read_member
from tests.makefiles import make_docx, odt_bytes, zip_bomb_bytes, zip_bytes

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE foo SYSTEM "http://example.invalid/x.dtd"><foo/>"""


@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "/etc/passwd", "C:/Windows/x", "a\\..\\..\\b", "ok/../../x"])
def test_zip_slip_member_names_are_refused(name: str) -> None:
    data = zip_bytes({"content.xml": b"<a/>", name: b"x"})
    with pytest.raises(UnsafeArchiveError, match=r"in.zip: zip member .* \(zip-slip\)"):
        open_zip(data, "in.zip")


def test_extract_path_stays_inside_the_target(tmp_path: Path) -> None:
    assert extract_path(tmp_path, "sources/a.txt", "p.qdpx") == (tmp_path / "sources" / "a.txt").resolve()
    with pytest.raises(UnsafeArchiveError, match="zip-slip"):
        extract_path(tmp_path, "../outside.txt", "p.qdpx")


def test_zip_bomb_by_ratio_is_refused() -> None:
    data = zip_bomb_bytes(8 << 20)
    assert len(data) < 100_000
    with pytest.raises(UnsafeArchiveError, match=r"bomb.docx: zip member 'content.xml' has compression ratio [\d,]+:1 \(limit 200:1\): a zip bomb"):
        open_zip(data, "bomb.docx")


def test_zip_bomb_by_declared_size_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import casecode.load.safezip as safezip

    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", 1000)
    data = zip_bytes({f"m{i}.xml": b"x" * 400 for i in range(3)}, compression=zipfile.ZIP_STORED)
    with pytest.raises(UnsafeArchiveError, match="unpacks to more than 1,000 bytes"):
        open_zip(data, "big.xlsx")


def test_too_many_members_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import casecode.load.safezip as safezip

    monkeypatch.setattr(safezip, "MAX_MEMBERS", 5)
    with pytest.raises(UnsafeArchiveError, match="zip archive has 6 members"):
        open_zip(zip_bytes({f"m{i}": b"x" for i in range(6)}), "many.zip")


def _overlapping_zip() -> bytes:
    """Two central-directory entries pointing at the same local file (the overlap bomb)."""
    data = bytearray(zip_bytes({"a.xml": b"<a>" + b"x" * 100 + b"</a>"}, compression=zipfile.ZIP_STORED))
    end = data.rfind(b"PK\x05\x06")
    central_offset = struct.unpack("<I", data[end + 16 : end + 20])[0]
    central = bytes(data[central_offset:end]).replace(b"a.xml", b"b.xml")
    out = data[:end] + central
    count = 2
    eocd = bytearray(data[end:])
    eocd[8:10] = struct.pack("<H", count)
    eocd[10:12] = struct.pack("<H", count)
    eocd[12:16] = struct.pack("<I", len(central) * 2)
    eocd[16:20] = struct.pack("<I", central_offset)
    return bytes(out + eocd)


def test_overlapping_members_are_refused() -> None:
    with pytest.raises(UnsafeArchiveError, match="overlap"):
        open_zip(_overlapping_zip(), "overlap.docx")


def test_not_a_zip_is_a_clear_error() -> None:
    with pytest.raises(UnsafeArchiveError, match=r"x.odt: not a readable .odt file \(BadZipFile\)"):
        open_zip(b"this is not a zip", "x.odt", kind=".odt")


def test_read_member_never_reads_past_the_declared_size() -> None:
    archive = open_zip(zip_bytes({"a.xml": b"<a/>"}), "x.zip")
    assert read_member(archive, "a.xml", "x.zip") == b"<a/>"
    with pytest.raises(UnsafeArchiveError, match="zip member 'missing.xml' is missing"):
        read_member(archive, "missing.xml", "x.zip")


def test_a_safe_archive_passes_unchanged() -> None:
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes({"word/document.xml": b"<w/>" * 1000})))
    assert check_zip(archive, "ok.docx") is archive


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["billion-laughs", "external-entity", "external-dtd"])
def test_xml_with_dtd_or_entities_is_refused(xml: bytes) -> None:
    with pytest.raises(UnsafeXMLError, match=r"p.qdc: XML declares a DTD or entities"):
        parse_xml(xml, "p.qdc")


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(UnsafeXMLError, match=r"p.qdc \(project.qde\):2: malformed XML"):
        parse_xml(b"<a>\n<b></a>", "p.qdc", "project.qde")


def test_odt_with_billion_laughs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lol.odt"
    path.write_bytes(odt_bytes("", content=BILLION_LAUGHS.decode()))
    with pytest.raises(UnsafeXMLError, match=r"lol.odt \(content.xml\): XML declares a DTD"):
        read_document(path)


def test_docx_with_external_entity_is_refused_before_python_docx_reads_it(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", [[("Interviewer: hello", False)]])
    with zipfile.ZipFile(good) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members["word/document.xml"] = EXTERNAL_ENTITY
    bad = tmp_path / "xxe.docx"
    bad.write_bytes(zip_bytes(members))
    with pytest.raises(UnsafeXMLError, match=r"xxe.docx \(word/document.xml\): XML declares a DTD"):
        read_document(bad)
    with zipfile.ZipFile(good) as archive:
        check_xml_members(archive, good)  # a normal Word file passes


def test_docx_zip_bomb_and_zip_slip_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_bomb_bytes(8 << 20))
    with pytest.raises(UnsafeArchiveError, match="bomb.docx: .*zip bomb"):
        read_document(bomb)
    slip = tmp_path / "slip.xlsx"
    slip.write_bytes(zip_bytes({"../../evil.sh": b"echo"}))
    with pytest.raises(UnsafeArchiveError, match="slip.xlsx: .*zip-slip"):
        read_document(slip)


def test_qdpx_zip_bomb_and_zip_slip_are_refused(tmp_path: Path) -> None:
    from casecode.exchange.qdc import import_qdc as read_qdc

    bomb = tmp_path / "bomb.qdpx"
    bomb.write_bytes(zip_bytes({"project.qde": b"<Project>" + b" " * (8 << 20) + b"</Project>"}))
    with pytest.raises(UnsafeArchiveError, match="bomb.qdpx: .*zip bomb"):
        read_qdc(bomb)
    slip = tmp_path / "slip.qdpx"
    slip.write_bytes(zip_bytes({"project.qde": b"<Project/>", "sources/../../../evil.txt": b"x"}))
    with pytest.raises(UnsafeArchiveError, match="slip.qdpx: .*zip-slip"):
        read_qdc(slip)


def test_agreement_qdpx_reader_refuses_zip_bombs(tmp_path: Path) -> None:
    from casecode.intercoder.qdpx import read_qdpx_spans

    bomb = tmp_path / "bomb.qdpx"
    bomb.write_bytes(zip_bytes({"project.qde": b"<Project>" + b" " * (8 << 20) + b"</Project>"}))
    with pytest.raises(UnsafeArchiveError, match="bomb.qdpx: .*zip bomb"):
        read_qdpx_spans(bomb)
