"""Tests for analysis.ingest.docx: body text, tables, content controls, text boxes, metadata.

Each document is built in tmp_path with python-docx and edited at the XML
level where Word writes something python-docx cannot (tracked changes,
content controls, text boxes).
"""

from __future__ import annotations

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx_fixtures import DOCX_PARAGRAPHS, numbered_docx
from plan_fixtures import BODY

from analysis.ingest.formats import extract_document


def test_docx_tracked_changes_tables_and_content_controls(tmp_path):
    path = numbered_docx(tmp_path / "t.docx", [("第一段。", None)])
    document = docx.Document(path)
    paragraph = document.paragraphs[0]._p
    paragraph.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="1" w:author="a">'
            "<w:r><w:t>新增的文字。</w:t></w:r></w:ins>"
        )
    )
    paragraph.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="2" w:author="a">'
            "<w:r><w:delText>删除的文字。</w:delText></w:r></w:del>"
        )
    )
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([["序号", "重点任务", "责任单位"], ["1", "新建幼儿园五所", "计财科"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    body = document.element.body
    body.insert(
        len(body) - 1,
        parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtContent>"
            "<w:p><w:r><w:t>内容控件里的段落。</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    document.save(path)
    assert extract_document(path).paragraphs == [
        "第一段。新增的文字。",
        "序号\t重点任务\t责任单位",
        "1\t新建幼儿园五所\t计财科",
        "内容控件里的段落。",
    ]


def test_docx_without_numbering_gives_one_line_per_paragraph(tmp_path):
    lines = [line for line in BODY if line[1] not in "、."]
    path = numbered_docx(tmp_path / "plain.docx", [(line, None) for line in lines])
    extracted = extract_document(path)
    assert extracted.paragraphs == lines


def test_docx_core_properties_become_metadata(tmp_path):
    path = numbered_docx(tmp_path / "m.docx", [("正文。", None)])
    document = docx.Document(path)
    document.core_properties.title = "某县教育局2023年工作要点"
    document.core_properties.author = "办公室"
    document.save(path)
    meta = extract_document(path).metadata
    assert meta["doc_title"] == "某县教育局2023年工作要点"
    assert meta["doc_author"] == "办公室"


def test_docx_extraction_is_deterministic(tmp_path):
    path = numbered_docx(tmp_path / "plan.docx", DOCX_PARAGRAPHS)
    assert extract_document(path) == extract_document(path)


def test_docx_text_box_is_kept_once_with_a_warning(tmp_path):
    path = numbered_docx(tmp_path / "box.docx", [("正文段落。", None)])
    document = docx.Document(path)
    ns = (
        f'{nsdecls("w")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
        ' xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    box = "<w:txbxContent><w:p><w:r><w:t>某县教育局文件</w:t></w:r></w:p></w:txbxContent>"
    # Word writes a text box twice: the drawing (mc:Choice) and a VML fallback.
    document.paragraphs[0]._p.append(
        parse_xml(
            f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            f"<wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>"
            f"<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )
    )
    document.save(path)
    extracted = extract_document(path)
    assert extracted.paragraphs == ["正文段落。", "某县教育局文件"]
    assert any("1 text-box paragraph(s)" in w for w in extracted.warnings)
