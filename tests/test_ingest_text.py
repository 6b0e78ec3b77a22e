"""Tests for analysis.ingest.text: text plans in every encoding, and binaries named .txt.

All fixtures are written into tmp_path: plans in GB18030, UTF-8 and UTF-16.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from docx_fixtures import numbered_docx
from plan_fixtures import PLAN_LINES

from analysis.ingest.formats import IngestError, extract_document


def write_text_plan(tmp_path: Path, name: str, encoding: str, *, lines=PLAN_LINES) -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def test_gb18030_text_is_decoded_and_kept_line_for_line(tmp_path):
    # 镕 and 𠀀 are outside GB2312 (GBK two-byte and GB18030 four-byte).
    lines = [*PLAN_LINES, "5.朱镕基中学与𠀀字小学结对帮扶。"]
    path = write_text_plan(tmp_path, "plan_gb.txt", "gb18030", lines=lines)
    extracted = extract_document(path)
    assert extracted.format == "txt"
    assert extracted.encoding == "gb18030"
    assert extracted.text == "\n".join(lines)
    assert extracted.paragraphs == lines
    assert extracted.metadata == {}
    assert extracted.warnings == []


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-16", {"utf-16-le", "utf-16-be"}),
        ("utf-16-le", {"utf-16-le"}),
        ("utf-8-sig", {"utf-8-sig"}),
        ("utf-8", {"utf-8"}),
    ],
)
def test_text_in_each_unicode_encoding_reads_the_same(tmp_path, encoding, expected):
    path = write_text_plan(tmp_path, "plan.txt", encoding)
    extracted = extract_document(path)
    assert extracted.encoding in expected
    assert extracted.paragraphs == PLAN_LINES


def test_text_matches_the_loaders_own_decoding(tmp_path):
    from analysis.corpus.read import decode_bytes

    path = write_text_plan(tmp_path, "plan.txt", "utf-16")
    assert extract_document(path).text == decode_bytes(path.read_bytes(), name="plan.txt").text


def test_undecodable_text_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\x81\x30\xff\xfe\x00\x01\x02binary")
    with pytest.raises(IngestError, match=r"broken\.txt"):
        extract_document(path)


def test_html_saved_as_txt_is_read_with_a_warning(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("<!DOCTYPE html><html><body><p>正文</p></body></html>", encoding="utf-8")
    extracted = extract_document(path)
    assert any("rename it to .html" in w for w in extracted.warnings)


def test_a_docx_named_txt_is_refused(tmp_path):
    path = numbered_docx(tmp_path / "a.docx", [("正文", None)])
    renamed = tmp_path / "a.txt"
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(IngestError, match=r"a\.txt: is a binary document"):
        extract_document(renamed)


def test_utf16_without_bom_is_detected(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes("\n".join(PLAN_LINES).encode("utf-16-le"))
    assert not path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    assert extract_document(path).encoding == "utf-16-le"
