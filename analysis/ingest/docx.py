""".docx plans: a Word document's body to plain text, one paragraph per line.

The package is first checked by :func:`analysis.ingest.safety.check_docx_package`
(zip and XML entity bombs are refused before anything is unpacked); only then
does python-docx open it.  Paragraphs are read in body order, including
content controls, tracked insertions and table rows (cells joined by a tab);
tracked deletions and compatibility fallbacks are left out, and text boxes
follow the paragraph that anchors them.  Numbering that Word keeps as list
formatting is put back in front of each paragraph as the label Word shows
(:mod:`analysis.ingest.docx_numbering`).  The core properties (title, author,
created, modified) become metadata.

References
----------
ECMA International (2021). *ECMA-376 Office Open XML File Formats*, Part 1,
§17.3 Paragraphs and Rich Formatting and §17.4 Tables.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import defusedxml.ElementTree as SafeET
import lxml.etree as etree

from analysis.ingest.docx_numbering import ListNumbering, paragraph_numbering
from analysis.ingest.docx_xml import MC_NAMESPACE, w_tag
from analysis.ingest.safety import check_docx_package
from analysis.ingest.types import Extracted, IngestError

# Run content that is text, and what it reads as.
_RUN_TEXT = {
    w_tag("t"): None,
    w_tag("tab"): "\t",
    w_tag("ptab"): "\t",
    w_tag("br"): "\n",
    w_tag("cr"): "\n",
    w_tag("noBreakHyphen"): "-",
}
# Subtrees whose text is not part of the paragraph as shown: deletions,
# moved-away text, text boxes (emitted separately) and compatibility fallbacks.
_SKIP_RUN_SUBTREES = frozenset(
    {
        w_tag("del"),
        w_tag("moveFrom"),
        w_tag("txbxContent"),
        f"{{{MC_NAMESPACE}}}Fallback",
        w_tag("pPr"),
        w_tag("rPr"),
    }
)


def _paragraph_text(p: etree._Element) -> tuple[str, list[etree._Element]]:
    """The visible text of a ``w:p`` and the text-box paragraphs inside it."""
    parts: list[str] = []
    boxes: list[etree._Element] = []
    walker = etree.iterwalk(p, events=("start",))
    for _event, el in walker:
        tag = el.tag
        if tag == w_tag("txbxContent"):
            boxes.extend(el.iter(w_tag("p")))
            walker.skip_subtree()
        elif tag in _SKIP_RUN_SUBTREES:
            walker.skip_subtree()
        elif tag in _RUN_TEXT:
            replacement = _RUN_TEXT[tag]
            parts.append((el.text or "") if replacement is None else replacement)
    # Only the outermost text boxes: nested ones are inside their iter() already.
    return "".join(parts), boxes


def _text_lines(text: str) -> list[str]:
    """The non-blank lines of ``text`` (split at ``w:br``/``w:cr``), stripped."""
    return [piece.strip() for piece in text.split("\n") if piece.strip()]


def _iter_blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Body-level paragraphs and tables in order, looking inside content controls."""
    for child in container:
        tag = child.tag
        if tag in (w_tag("p"), w_tag("tbl")):
            yield child
        elif tag == w_tag("sdt"):
            content = child.find(w_tag("sdtContent"))
            if content is not None:
                yield from _iter_blocks(content)
        elif tag in (w_tag("customXml"), w_tag("ins"), w_tag("moveTo")):
            yield from _iter_blocks(child)


def extract_docx(data: bytes, *, name: str) -> Extracted:
    """Extract a .docx plan: body text with list labels, core-property metadata.

    ``metadata`` holds the keys found among ``doc_title``, ``doc_author``,
    ``doc_created`` and ``doc_modified`` (dates as ISO ``YYYY-MM-DD``).
    Warnings count text-box paragraphs moved after their anchor, list
    formats drawn as decimal and footnotes left out.  Raises
    :class:`IngestError` for a package that fails
    :func:`analysis.ingest.safety.check_docx_package`, that python-docx cannot
    open, or that has no text.
    """
    check_docx_package(data, name=name)
    # python-docx only after the package passed the checks above.
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (
        PackageNotFoundError,
        KeyError,
        ValueError,
        etree.XMLSyntaxError,
        zipfile.BadZipFile,
    ) as exc:
        raise IngestError(f"{name}: python-docx cannot open it as a Word document ({exc})") from exc
    warnings: list[str] = []
    styles: dict[str, etree._Element] = {}
    default_style: str | None = None
    for style in document.styles.element.iter(w_tag("style")):
        style_id = style.get(w_tag("styleId"))
        if style_id:
            styles[style_id] = style
            if style.get(w_tag("type")) == "paragraph" and style.get(w_tag("default")) in (
                "1",
                "true",
                "on",
            ):
                default_style = style_id
    numbering_el = None
    for rel in sorted(document.part.rels.values(), key=lambda r: r.rId):
        if rel.reltype == RT.NUMBERING and not rel.is_external:
            numbering_el = rel.target_part.element
    numbering = ListNumbering(numbering_el, styles)

    lines: list[str] = []
    n_boxes = 0

    def emit_paragraph(p: etree._Element) -> None:
        nonlocal n_boxes
        text, boxes = _paragraph_text(p)
        numbered = paragraph_numbering(p, styles, numbering, default_style)
        label = numbering.label(*numbered) if numbered else ""
        pieces = _text_lines(text)
        if pieces:
            lines.append(label + pieces[0])
            lines.extend(pieces[1:])
        for box in boxes:
            box_lines = _text_lines(_paragraph_text(box)[0])
            if box_lines:
                n_boxes += 1
                lines.extend(box_lines)

    def emit_table(tbl: etree._Element) -> None:
        for row in tbl.iter(w_tag("tr")):
            if row.getparent() is not None and _nearest_table(row) is not tbl:
                continue
            cells = []
            for cell in row.findall(w_tag("tc")):
                cell_lines = []
                for block in _iter_blocks(cell):
                    if block.tag == w_tag("p"):
                        text, _ = _paragraph_text(block)
                        cell_lines.append(" ".join(text.split()))
                    else:
                        nested_start = len(lines)
                        emit_table(block)
                        cell_lines.extend(lines[nested_start:])
                        del lines[nested_start:]
                cell_text = " ".join(piece for piece in cell_lines if piece)
                if cell_text:  # merged-cell continuations are empty
                    cells.append(cell_text)
            if cells:
                lines.append("\t".join(cells))

    for block in _iter_blocks(document.element.body):
        if block.tag == w_tag("p"):
            emit_paragraph(block)
        else:
            emit_table(block)
    if n_boxes:
        warnings.append(
            f"{name}: {n_boxes} text-box paragraph(s) placed after the paragraph that anchors them"
        )
    if numbering.unsupported:
        warnings.append(
            f"{name}: list numbering format(s) {', '.join(sorted(numbering.unsupported))} "
            "are not supported and were drawn as decimal numbers"
        )
    n_footnotes = _count_notes(document, name="footnotes")
    if n_footnotes:
        warnings.append(f"{name}: {n_footnotes} footnote(s) are not included in the text")
    if not lines:
        raise IngestError(f"{name}: the Word document has no text")
    return Extracted("\n".join(lines) + "\n", "docx", None, _docx_metadata(document), warnings)


def _nearest_table(row: etree._Element) -> etree._Element | None:
    parent = row.getparent()
    while parent is not None and parent.tag != w_tag("tbl"):
        parent = parent.getparent()
    return parent


def _count_notes(document, *, name: str) -> int:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES and not rel.is_external:
            root = SafeET.fromstring(rel.target_part.blob, forbid_dtd=True)
            notes = [
                n for n in root.iter(w_tag("footnote")) if n.get(w_tag("type")) in (None, "normal")
            ]
            return sum(
                1 for n in notes if "".join(t.text or "" for t in n.iter(w_tag("t"))).strip()
            )
    return 0


def _docx_metadata(document) -> dict[str, str]:
    core = document.core_properties
    meta: dict[str, str] = {}
    if core.title and core.title.strip():
        meta["doc_title"] = " ".join(core.title.split())
    if core.author and core.author.strip():
        meta["doc_author"] = " ".join(core.author.split())
    if core.created is not None:
        meta["doc_created"] = core.created.date().isoformat()
    if core.modified is not None:
        meta["doc_modified"] = core.modified.date().isoformat()
    return dict(sorted(meta.items()))
