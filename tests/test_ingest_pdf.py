"""Tests for analysis.ingest.pdf: a PDF's text layer, its page furniture, and refusals."""

from __future__ import annotations

import re

import pytest
from pdf_fixtures import INDENT, image_only_pdf, plan_lines, plan_pdf
from plan_fixtures import BODY, TITLE

from analysis.ingest import pdf as pdf_module
from analysis.ingest.formats import extract_document
from analysis.ingest.pdf import load_furniture_rules, strip_page_furniture
from analysis.ingest.types import IngestError

HEADER = "某县教育局文件"
CHARS_PER_LINE = 24
LINES_PER_PAGE = 6


@pytest.fixture(scope="module")
def three_pages(tmp_path_factory):
    """The plan over three pages: running header, `— N —` footers, wrapped paragraphs."""
    path = tmp_path_factory.mktemp("pdf") / "plan.pdf"
    plan_pdf(path, BODY, title=TITLE, header=HEADER, chars_per_line=CHARS_PER_LINE,
             lines_per_page=LINES_PER_PAGE, doc_title=TITLE)
    return path, extract_document(path)


def test_every_printed_line_is_kept_in_order_and_nothing_else(three_pages):
    _, extracted = three_pages
    printed = [text for _, text in plan_lines(BODY, title=TITLE, chars_per_line=CHARS_PER_LINE)]
    assert len(printed) > 2 * LINES_PER_PAGE  # the fixture really runs to three pages
    assert extracted.text.split("\n") == printed


def test_wrapped_lines_are_not_joined_and_paragraph_indents_are_kept(three_pages):
    _, extracted = three_pages
    lines = extracted.text.split("\n")
    openers = [line for line in lines if line.startswith(INDENT)]
    # One indented line per paragraph; the wrapped continuation lines carry no indent.
    assert [line.removeprefix(INDENT)[:6] for line in openers] == [p[:6] for p in BODY]
    assert len(lines) > len(BODY) + 1


def test_running_headers_and_page_numbers_are_removed_with_reasons(three_pages):
    _, extracted = three_pages
    assert HEADER not in extracted.text
    assert not re.search(r"—\s*\d+\s*—", extracted.text)
    by_reason = {}
    for line in extracted.removed:
        by_reason.setdefault(line.reason, []).append((line.page, line.text))
    assert by_reason == {
        "running_header": [(1, HEADER), (2, HEADER), (3, HEADER)],
        "page_number": [(1, "— 1 —"), (2, "— 2 —"), (3, "— 3 —")],
    }
    assert any("removed 6 page-furniture lines" in w for w in extracted.warnings)


def test_a_removed_line_points_at_the_line_it_stood_before(three_pages):
    _, extracted = three_pages
    lines = extracted.text.split("\n")
    footer_1 = next(r for r in extracted.removed if r.text == "— 1 —")
    header_2 = next(r for r in extracted.removed if r.page == 2 and r.text == HEADER)
    # Page 1's footer and page 2's header both stand before page 2's first line.
    assert footer_1.line_no == header_2.line_no == LINES_PER_PAGE + 1
    assert lines[footer_1.line_no - 1] == lines[LINES_PER_PAGE]
    assert next(r for r in extracted.removed if r.text == "— 3 —").line_no == len(lines) + 1


def test_document_information_becomes_metadata(three_pages):
    _, extracted = three_pages
    assert extracted.format == "pdf" and extracted.encoding is None
    assert extracted.metadata == {"doc_title": TITLE, "doc_created": "2024-03-01"}


def test_extraction_is_deterministic(three_pages):
    path, extracted = three_pages
    assert extract_document(path) == extracted


def test_a_title_repeating_the_running_header_below_it_on_page_one_is_kept(tmp_path):
    path = plan_pdf(tmp_path / "plan.pdf", BODY, title=TITLE, header=TITLE,
                    chars_per_line=CHARS_PER_LINE, lines_per_page=LINES_PER_PAGE)
    extracted = extract_document(path)
    assert extracted.paragraphs[0] == TITLE
    assert extracted.text.count(TITLE) == 1
    assert [r.page for r in extracted.removed if r.reason == "running_header"] == [1, 2, 3]


def test_a_one_page_pdf_keeps_its_lines_and_loses_only_its_page_number(tmp_path):
    path = plan_pdf(tmp_path / "short.pdf", BODY[:2], title=TITLE, header=HEADER,
                    footer="- {n} -", chars_per_line=40, lines_per_page=40)
    extracted = extract_document(path)
    # One page cannot show that a line repeats: the header stays for the chrome stage.
    assert extracted.paragraphs[0] == HEADER
    assert [(r.text, r.reason) for r in extracted.removed] == [("- 1 -", "page_number")]


@pytest.mark.parametrize(
    "number", ["— 3 —", "- 3 -", "–3–", "第3页", "第 3 页 共 8 页", "第3页/共8页", "3 / 8", "3",
               "Page 3", "页码：3"],
)
def test_page_number_shapes_are_removed_at_a_page_edge(number):
    body = ["　　一、加强党的建设", "推进学校党组织标准化建设。"]
    kept, removed = strip_page_furniture([body + [number]])
    assert kept == [body]
    assert removed == [(0, 2, "page_number")]


def test_page_number_shapes_inside_a_page_and_large_bare_numbers_are_kept():
    pages = [
        ["　　新增学位", "3 / 8", "一千二百个。", "2024"],
        ["　　全面落实责任制。", "第3页", "推进党建。", "1999"],
    ]
    kept, removed = strip_page_furniture(pages)
    assert kept == pages
    assert removed == []


def test_a_line_repeated_inside_pages_is_not_a_running_header():
    repeated = "　　坚持立德树人根本任务。"
    pages = [["第一页开头。", repeated, "第一页结尾。"], ["第二页开头。", repeated, "第二页结尾。"]]
    assert strip_page_furniture(pages) == (pages, [])


def test_a_running_footer_with_the_page_number_in_it_is_one_footer():
    body = ["　　加强党的建设。", "　　促进教育均衡。", "　　完善教师培训体系。"]
    pages = [[text, f"某县教育局 第{n}页 共3页 印发"] for n, text in enumerate(body, start=1)]
    kept, removed = strip_page_furniture(pages)
    assert kept == [[page[0]] for page in pages]
    assert [reason for *_, reason in removed] == ["running_footer"] * 3


def test_a_line_at_the_top_of_only_some_pages_stays():
    pages = [["某县教育局文件", "正文一。"], ["正文二。", "正文三。"], ["正文四。", "正文五。"]]
    assert strip_page_furniture(pages) == (pages, [])


def test_a_scan_without_a_text_layer_is_refused_with_what_to_do(tmp_path):
    path = image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(
        IngestError,
        match=r"scan\.pdf: the PDF has no text layer \(a scan\?\): run OCR first, e\.g\. "
        r"ocrmypdf, then add the result",
    ):
        extract_document(path)


def test_a_password_protected_pdf_is_refused(tmp_path):
    path = plan_pdf(tmp_path / "locked.pdf", BODY, title=TITLE, user_password="secret")
    with pytest.raises(IngestError, match=r"locked\.pdf: is password-protected .* unprotected PDF"):
        extract_document(path)


def test_a_pdf_encrypted_only_against_copying_is_read_with_a_warning(tmp_path):
    path = plan_pdf(tmp_path / "restricted.pdf", BODY, title=TITLE, user_password="")
    extracted = extract_document(path)
    assert extracted.paragraphs[0] == TITLE
    assert any("encrypted with an empty password" in w for w in extracted.warnings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>404 Not Found</body></html>", r"is not a PDF file \(no %PDF- header"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
         r"is a legacy Word \.doc .* save it as \.docx or \.pdf"),
        (b"%PDF-1.7\n" + b"\x00\xff garbage " * 40, r"is a damaged PDF|the PDF has no pages"),
    ],
)
def test_files_that_are_not_readable_pdfs_are_refused(tmp_path, data, message):
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    with pytest.raises(IngestError, match=r"plan\.pdf: (?:" + message + ")"):
        extract_document(path)


def test_a_truncated_download_is_refused_or_read_without_inventing_text(tmp_path):
    whole = plan_pdf(tmp_path / "whole.pdf", BODY, title=TITLE)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    try:
        extracted = extract_document(cut)
    except IngestError as exc:
        assert "cut.pdf" in str(exc)
    else:  # pypdf may recover the pages it has: then only real lines come back
        assert set(extracted.paragraphs) <= set(extract_document(whole).paragraphs)


def test_a_pdf_of_too_many_pages_is_refused(tmp_path, monkeypatch):
    path = plan_pdf(tmp_path / "long.pdf", BODY, title=TITLE, chars_per_line=20,
                    lines_per_page=5)
    monkeypatch.setattr(pdf_module, "MAX_PDF_PAGES", 2)
    with pytest.raises(IngestError, match=r"long\.pdf: the PDF has \d+ pages, more than the "
                                          r"limit of 2"):
        extract_document(path)


def test_the_furniture_rules_file_is_checked(tmp_path):
    rules = load_furniture_rules()
    assert rules.reasons["page_number"] == "page_number"
    bad = tmp_path / "rules.yml"
    bad.write_text("page_number_patterns: ['(']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing entries"):
        load_furniture_rules(bad)


def test_a_decompression_bomb_is_refused_as_one_not_taken_for_a_scan(tmp_path):
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject, NumberObject

    # One page whose 80 kB content stream unpacks to 80 MB, past pypdf's 75 MB limit.
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = EncodedStreamObject()
    stream._data = zlib.compress(b" " * 80_000_000, 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(stream._data))
    page[NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "bomb.pdf"
    writer.write(path)
    assert path.stat().st_size < 200_000
    with pytest.raises(IngestError, match=r"bomb\.pdf: page 1 unpacks past pypdf's safety limit"):
        extract_document(path)


def test_a_text_layer_without_a_unicode_map_is_refused(tmp_path, monkeypatch):
    # Fonts without a ToUnicode map come out as private-use code points.
    path = plan_pdf(tmp_path / "glyphs.pdf", BODY, title=TITLE)
    monkeypatch.setattr(pdf_module, "_extract_pages",
                        lambda reader, name: ["\ue012\ue0a3\ue101 \ue044\ue0ff。"])
    with pytest.raises(IngestError, match=r"glyphs\.pdf: the PDF's text layer is not readable "
                                          r"text .* run OCR first"):
        extract_document(path)


def test_pages_without_a_text_layer_are_named_in_a_warning(tmp_path, monkeypatch):
    path = plan_pdf(tmp_path / "mixed.pdf", BODY, title=TITLE, chars_per_line=20,
                    lines_per_page=6)
    real = pdf_module._extract_pages

    def second_page_scanned(reader, name):
        texts = real(reader, name=name)
        return [texts[0], "", *texts[2:]]

    monkeypatch.setattr(pdf_module, "_extract_pages", second_page_scanned)
    extracted = extract_document(path)
    assert any("pages have no text layer (scanned pages?): pages 2;" in w
               for w in extracted.warnings)
    assert extracted.paragraphs[0] == TITLE


def test_a_title_page_without_the_running_header_keeps_its_title(tmp_path):
    # Word's "different first page": no header on page 1, the title on top.
    path = plan_pdf(tmp_path / "plan.pdf", BODY, title=TITLE, header=HEADER,
                    header_on_first_page=False, chars_per_line=CHARS_PER_LINE,
                    lines_per_page=LINES_PER_PAGE)
    extracted = extract_document(path)
    assert extracted.paragraphs[0] == TITLE
    assert HEADER not in extracted.text
    assert [r.page for r in extracted.removed if r.reason == "running_header"] == [2, 3]
