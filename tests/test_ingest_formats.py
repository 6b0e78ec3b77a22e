"""Tests for analysis.ingest.formats: file names, types and sizes, and the extract entry points.

Extraction of each format is tested in its own module's tests
(test_text_extract, test_html_extract, test_docx_extract …); here, what every
file goes through first: the name check, the suffix, the size limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docx_fixtures import DOCX_PARAGRAPHS, numbered_docx
from pdf_fixtures import plan_pdf
from plan_fixtures import BODY, TITLE

from analysis import config
from analysis.ingest.formats import (
    FORMATS,
    SUFFIX_FORMATS,
    IngestError,
    extract_bytes,
    extract_document,
    format_of,
    validate_file_name,
)


def test_two_gigabyte_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: no disk space, no time
    opened = []
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.append(self))
    with pytest.raises(
        IngestError,
        match=r"huge\.txt: the file is 2\.0 GB, more than the limit of "
        r"50\.0 MB for a plan \(config\.MAX_RAW_BYTES\); refused",
    ):
        extract_document(path)
    assert opened == []


def test_extract_bytes_enforces_the_same_limit(monkeypatch):
    monkeypatch.setattr(config, "MAX_RAW_BYTES", 10)
    with pytest.raises(IngestError, match=r"x\.txt: the file is 11 bytes, more than the limit"):
        extract_bytes(b"0123456789a", name="x.txt")


def test_empty_file_and_directory_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"empty\.txt: the file is empty"):
        extract_document(empty)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(IngestError, match=r"folder\.txt: is not a regular file"):
        extract_document(folder)
    with pytest.raises(IngestError, match=r"missing\.txt: the file does not exist"):
        extract_document(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("plans/tonglu.txt", "path separator"),
        ("..\\tonglu.txt", "path separator"),
        ("../tonglu.txt", "path separator"),
        ("/etc/passwd", "path separator"),
        ("..", "contains '..'"),
        ("tonglu..txt", "contains '..'"),
        ("C:tonglu.txt", "absolute path or has a drive prefix"),
        ("tonglu\x00.txt", "NUL byte"),
        ("tong\nlu.txt", "control character"),
        (".hidden.txt", "starts with '.'"),
        ("-rf.txt", "starts with '-'"),
        (" tonglu.txt", "whitespace"),
        ("", "non-empty"),
        ("字" * 90 + ".txt", "longer than 255 bytes"),
    ],
)
def test_names_that_are_not_plain_file_names_are_refused(name, message):
    with pytest.raises(IngestError, match=message):
        validate_file_name(name)


@pytest.mark.parametrize("name", ["tonglu.txt", "桐庐县2021年工作要点.docx", "plan_v2.final.html"])
def test_plain_file_names_pass(name):
    assert validate_file_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("plan.doc", "legacy binary Word file .* save it as .docx or .pdf"),
        ("plan.wps", "WPS binary file .* save it as .docx or .pdf"),
        ("plan.ofd", "print or export it to PDF"),
        ("plan.mht", "web archive"),
        ("plan.xyz", "unsupported file type '.xyz'"),
        ("plan", "unsupported file type '\\(no suffix\\)'"),
    ],
)
def test_unsupported_types_are_refused_with_a_hint(tmp_path, name, message):
    path = tmp_path / name
    path.write_bytes(b"x")
    with pytest.raises(IngestError, match=message):
        extract_document(path)


def test_extract_bytes_and_extract_document_agree(tmp_path):
    path = numbered_docx(tmp_path / "plan.docx", DOCX_PARAGRAPHS)
    assert extract_bytes(path.read_bytes(), name="plan.docx") == extract_document(path)


@pytest.mark.parametrize(("name", "fmt"), [("plan.PDF", "pdf"), ("plan.pdf", "pdf"),
                                           ("plan.docx", "docx"), ("plan.htm", "html")])
def test_every_suffix_names_a_format_that_is_dispatched(name, fmt):
    assert format_of(name) == fmt
    assert set(SUFFIX_FORMATS.values()) == set(FORMATS)


def test_a_pdf_goes_to_the_pdf_extractor(tmp_path):
    path = plan_pdf(tmp_path / "plan.pdf", BODY, title=TITLE)
    extracted = extract_document(path)
    assert extracted.format == "pdf"
    assert extracted.paragraphs[0] == TITLE
    assert extract_bytes(path.read_bytes(), name="plan.pdf") == extracted


def test_a_pdf_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = plan_pdf(tmp_path / "plan.pdf", BODY, title=TITLE)
    monkeypatch.setattr(config, "MAX_RAW_BYTES", path.stat().st_size - 1)
    with pytest.raises(IngestError, match=r"plan\.pdf: the file is .* more than the limit"):
        extract_document(path)
