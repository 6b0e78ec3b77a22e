"""Word documents for the .docx tests: list numbering, rewritten packages, an entity bomb.

Imported by the .docx, format and ingest tests; not a test module itself.
``numbered_docx`` builds a document whose numbering is Word list formatting
(``numbering.xml``), not text; ``rewrite_docx`` copies a package replacing or
adding members (how the zip and XML bombs are made).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from plan_fixtures import TITLE

NUMBERING_ABSTRACT = """<w:abstractNum {ns} w:abstractNumId="90">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%3）"/></w:lvl>
</w:abstractNum>"""
# Items numbered straight through the document (1. … 4. across sections):
# Word's w:lvlRestart w:val="0" says "never restart".
CONTINUOUS_ABSTRACT = """<w:abstractNum {ns} w:abstractNumId="91">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:lvlRestart w:val="0"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%2."/></w:lvl>
</w:abstractNum>"""


def numbered_docx(
    path: Path,
    paragraphs: list[tuple[str, int | None]],
    *,
    abstract: str = NUMBERING_ABSTRACT,
    num_id: int = 90,
) -> Path:
    """A .docx whose numbering is list formatting, added through python-docx's part API.

    ``paragraphs`` holds (text, ilvl); ilvl None means an unnumbered paragraph.
    """
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract_el = parse_xml(abstract.format(ns=nsdecls("w")))
    abstract_id = abstract_el.get(qn("w:abstractNumId"))
    first_num = numbering.find(qn("w:num"))
    # CT_Numbering lists every abstractNum before any num.
    if first_num is not None:
        first_num.addprevious(abstract_el)
    else:
        numbering.append(abstract_el)
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}">'
            f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'
        )
    )
    for text, level in paragraphs:
        paragraph = document.add_paragraph(text)
        if level is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = level
            num_pr.get_or_add_numId().val = num_id
    document.save(path)
    return path


def rewrite_docx(
    src: Path,
    dst: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """Copy a .docx zip, replacing or adding members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, payload in (add or {}).items():
            zout.writestr(name, payload)
    return dst


ENTITY_BOMB = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE w:document [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&g;</w:t></w:r></w:p></w:body></w:document>
"""
DOCX_PARAGRAPHS = [
    (TITLE, None),
    ("总体要求：坚持立德树人根本任务，推动教育优质均衡发展。", None),
    ("加强党的建设", 0),
    ("深化理论学习。", 1),
    ("抓好基层党建。", 1),
    ("党建品牌", 2),
    ("党建阵地", 2),
    ("促进教育均衡", 0),
    ("扩大学前教育资源。", 1),
    ("推进义务教育优质均衡。", 1),
]
