"""Tests for analysis.ingest.safety: zip bombs, XML entity bombs and broken packages are refused.

Every malicious package is built in tmp_path from a good document by
rewriting its zip members.
"""

from __future__ import annotations

import struct
import zipfile

import pytest
from docx_fixtures import DOCX_PARAGRAPHS, ENTITY_BOMB, numbered_docx, rewrite_docx

from analysis import config
from analysis.ingest.formats import IngestError, extract_document
from analysis.ingest.safety import check_docx_package


def test_zip_bomb_docx_is_refused_by_compression_ratio(tmp_path):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", None)])
    # 32 MiB of zeros deflate to ~32 KB: a 1000:1 member no Word file has.
    bomb = rewrite_docx(
        good, tmp_path / "bomb.docx", add={"word/media/image1.bin": bytes(32 << 20)}
    )
    assert bomb.stat().st_size < 200_000
    with pytest.raises(
        IngestError,
        match=r"bomb\.docx: the \.docx member 'word/media/image1\.bin' "
        r"is compressed [\d,]+:1 .* refused as a zip bomb",
    ):
        extract_document(bomb)


def test_zip_bomb_docx_is_refused_by_unpacked_size(tmp_path, monkeypatch):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", None)])
    monkeypatch.setattr(config, "MAX_ZIP_TOTAL_BYTES", 2 << 20)
    big = rewrite_docx(good, tmp_path / "big.docx", add={"word/media/a.bin": bytes(3 << 20)})
    with pytest.raises(
        IngestError, match=r"big\.docx: the \.docx package unpacks to more than 2\.0 MB"
    ):
        extract_document(big)
    monkeypatch.setattr(config, "MAX_ZIP_MEMBER_BYTES", 1 << 20)
    with pytest.raises(
        IngestError, match=r"member 'word/media/a\.bin' unpacks to 3\.0 MB, more than"
    ):
        extract_document(big)


def test_zip_whose_header_understates_a_member_is_refused(tmp_path):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", None)])
    lying = rewrite_docx(good, tmp_path / "lying.docx", add={"word/media/x.bin": bytes(1 << 20)})
    data = bytearray(lying.read_bytes())
    # Patch the central directory's uncompressed size of the last member to 100 bytes.
    entry = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, entry + 24, 100)
    lying.write_bytes(bytes(data))
    with pytest.raises(
        IngestError, match=r"lying\.docx: the \.docx member 'word/media/x\.bin' is damaged"
    ):
        extract_document(lying)


def test_xml_entity_bomb_docx_is_refused_not_expanded(tmp_path):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", None)])
    bomb = rewrite_docx(
        good, tmp_path / "entities.docx", replace={"word/document.xml": ENTITY_BOMB}
    )
    with pytest.raises(
        IngestError,
        match=r"entities\.docx: the \.docx part word/document\.xml declares "
        r"a DTD .* XML entity bomb",
    ):
        extract_document(bomb)


def test_external_entity_in_numbering_xml_is_refused(tmp_path):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", 0)])
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE w:numbering [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b'<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:lvlText w:val="&x;"/></w:lvl>'
        b"</w:abstractNum></w:numbering>"
    )
    bad = rewrite_docx(good, tmp_path / "xxe.docx", replace={"word/numbering.xml": xxe})
    with pytest.raises(
        IngestError, match=r"xxe\.docx: the \.docx part word/numbering\.xml declares a DTD"
    ):
        extract_document(bad)


def test_malformed_xml_part_is_refused(tmp_path):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", None)])
    bad = rewrite_docx(
        good, tmp_path / "bad.docx", replace={"word/document.xml": b"<w:document><w:body>"}
    )
    with pytest.raises(
        IngestError, match=r"bad\.docx: the \.docx part word/document\.xml is not well-formed"
    ):
        extract_document(bad)


def test_too_many_zip_members_are_refused(tmp_path, monkeypatch):
    good = numbered_docx(tmp_path / "good.docx", [("正文。", None)])
    monkeypatch.setattr(config, "MAX_ZIP_MEMBERS", 5)
    with pytest.raises(
        IngestError, match=r"good\.docx: the \.docx package has \d+ members, more than"
    ):
        extract_document(good)


def test_legacy_doc_and_non_zip_docx_are_refused(tmp_path):
    ole = tmp_path / "old.docx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(IngestError, match=r"old\.docx: is an OLE compound file.*save it as"):
        extract_document(ole)
    fake = tmp_path / "fake.docx"
    fake.write_text("这不是Word文件", encoding="utf-8")
    with pytest.raises(IngestError, match=r"fake\.docx: is not a \.docx file"):
        extract_document(fake)
    not_word = tmp_path / "other.docx"
    with zipfile.ZipFile(not_word, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(IngestError, match=r"other\.docx: is a zip file but not a Word document"):
        extract_document(not_word)


def test_check_docx_package_reports_member_sizes(tmp_path):
    path = numbered_docx(tmp_path / "plan.docx", DOCX_PARAGRAPHS)
    sizes = check_docx_package(path.read_bytes(), name="plan.docx")
    with zipfile.ZipFile(path) as archive:
        assert sizes == {i.filename: i.file_size for i in archive.infolist()}
