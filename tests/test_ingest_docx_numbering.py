"""Tests for analysis.ingest.docx_numbering: Word list numbering comes back as text labels.

Each document is built in tmp_path with numbering as list formatting
(numbering.xml), so python-docx alone does not see the labels.
"""

from __future__ import annotations

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx_fixtures import CONTINUOUS_ABSTRACT, DOCX_PARAGRAPHS, numbered_docx
from plan_fixtures import TITLE

from analysis.ingest.formats import extract_document

DOCX_EXPECTED = [
    TITLE,
    "总体要求：坚持立德树人根本任务，推动教育优质均衡发展。",
    "一、加强党的建设",
    "1.深化理论学习。",
    "2.抓好基层党建。",
    "（一）党建品牌",
    "（二）党建阵地",
    "二、促进教育均衡",
    "1.扩大学前教育资源。",  # level 2 restarts under a new level 1
    "2.推进义务教育优质均衡。",
]


def test_docx_list_numbering_is_rendered_as_text_labels(tmp_path):
    path = numbered_docx(tmp_path / "plan.docx", DOCX_PARAGRAPHS)
    # The labels are not in the text Word stores: python-docx alone does not see them.
    assert [p.text for p in docx.Document(path).paragraphs] == [t for t, _ in DOCX_PARAGRAPHS]
    extracted = extract_document(path)
    assert extracted.format == "docx"
    assert extracted.encoding is None
    assert extracted.paragraphs == DOCX_EXPECTED
    assert extracted.warnings == []


def test_docx_numbering_past_ten_and_never_restarting_items(tmp_path):
    paragraphs = []
    for section in range(1, 13):
        paragraphs.append((f"第{section}部分", 0))
        paragraphs.append((f"任务{section}。", 1))
    path = numbered_docx(
        tmp_path / "long.docx", paragraphs, abstract=CONTINUOUS_ABSTRACT, num_id=91
    )
    lines = extract_document(path).paragraphs
    chinese = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    assert lines[0::2] == [f"{c}、第{i}部分" for i, c in enumerate(chinese, start=1)]
    # w:lvlRestart 0: items run 1..12 across sections.
    assert lines[1::2] == [f"{i}.任务{i}。" for i in range(1, 13)]


def test_docx_numbering_through_a_paragraph_style_and_start_override(tmp_path):
    path = numbered_docx(tmp_path / "s.docx", [("占位", 0)])
    document = docx.Document(path)
    numbering = document.part.numbering_part.element
    # A second list instance of the same definition, restarted at 5.
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="92"><w:abstractNumId w:val="90"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>'
        )
    )
    styles = document.styles.element
    styles.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="PlanHeading">'
            '<w:name w:val="Plan Heading"/>'
            '<w:pPr><w:numPr><w:numId w:val="92"/></w:numPr></w:pPr></w:style>'
        )
    )
    styles.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="PlanHeadingBold">'
            '<w:name w:val="Plan Heading Bold"/><w:basedOn w:val="PlanHeading"/></w:style>'
        )
    )
    document.add_paragraph("由样式编号的标题", style="Plan Heading")
    document.add_paragraph("继承样式编号的标题", style="Plan Heading Bold")
    unnumbered = document.add_paragraph("编号被关闭的段落", style="Plan Heading")
    num_pr = unnumbered._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_numId().val = 0  # numId 0 switches numbering off
    document.save(path)
    assert extract_document(path).paragraphs == [
        "一、占位",
        "五、由样式编号的标题",
        "六、继承样式编号的标题",
        "编号被关闭的段落",
    ]
