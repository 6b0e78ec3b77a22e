"""HTML as a browser shows it: an element tree to lines of visible text.

:func:`html_lines` serialises a parsed page block by block, one paragraph per
line, the way a reader sees it rendered: block elements and ``<br>`` end a
line, the cells of a table row are joined by a tab, runs of layout spaces
collapse, scripts, styles, form controls and hidden elements are skipped,
and ``<ol>`` items get the number the browser draws before them.
:func:`html_lines_with_owners` also says which block each line came from, so
:mod:`analysis.ingest.html` can tell article tables from page furniture.

References
----------
WHATWG. *HTML Living Standard*, section "Rendering"
(the default rendering of block, list and table elements).
"""

from __future__ import annotations

import re

import lxml.etree as etree

from analysis.ingest.number_formats import format_number

# Elements that end a line of text (a browser renders them as blocks).
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    }
)
# Elements whose text is not prose read by a person.
_SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "select",
        "option",
        "button",
        "textarea",
        "head",
        "title",
        "meta",
        "link",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "map",
    }
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_INLINE_SPACE = re.compile(r"[ \n\r\f\v\u00a0\u2002\u2003\u2009\u200b\u202f\u3000]+")
_AROUND_TAB = re.compile(r" *\t[ \t]*")
# A list item whose text already carries a label keeps it; others get one.
_HAS_LABEL = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[)）]|\d+[、.．)）]"
    r"|[①-⑳⑴-⒇⒈-⒛㈠-㈩]|第[一二三四五六七八九十百\d]+[章节条部分])"
)


def _ol_label(li: etree._Element) -> str:
    """The label a browser draws before an ``<ol>`` item (``1.``, ``a.``, ``一、``)."""
    ol = li.getparent()
    try:
        number = int(ol.get("start", "1"))
    except ValueError:
        number = 1
    for sibling in ol:
        if sibling is li:
            break
        if isinstance(sibling.tag, str) and sibling.tag == "li":
            number += 1
    value = li.get("value")
    if value is not None and value.strip().lstrip("-").isdigit():
        number = int(value)
    kind = (ol.get("type") or "1").strip()
    style = (ol.get("style") or "").lower()
    if "cjk-ideographic" in style or "chinese" in style:
        return format_number(number, "chineseCounting") + "、"
    fmt = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(
        kind, "decimal"
    )
    return format_number(number, fmt) + "."


def html_lines(root: etree._Element) -> tuple[list[str], int]:
    """Serialise an HTML tree as lines of visible text, one block per line.

    Block elements and ``<br>`` end a line; table cells of one row are joined
    by a tab; runs of spaces collapse to one as a browser renders them;
    scripts, styles, form controls and hidden elements are skipped; ``<ol>``
    items get the number a browser would draw.  Returns the lines and the
    deepest element nesting seen (to detect a tree libxml2 cut short).
    """
    lines, _, depth = html_lines_with_owners(root)
    return lines, depth


def html_lines_with_owners(root: etree._Element) -> tuple[list[str], list[etree._Element], int]:
    """:func:`html_lines`, plus the innermost block element each line came from."""
    lines: list[str] = []
    owners: list[etree._Element] = []
    current: list[str] = []
    blocks: list[etree._Element] = [root]
    max_depth = 0
    depth = 0

    def flush() -> None:
        text = _AROUND_TAB.sub("\t", _INLINE_SPACE.sub(" ", "".join(current))).strip(" \t")
        if text:
            lines.append(text)
            owners.append(blocks[-1])
        current.clear()

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if event == "start":
            depth += 1
            max_depth = max(max_depth, depth)
            if tag is None:
                walker.skip_subtree()
                continue
            style = element.get("style") or ""
            if (
                tag in _SKIP_TAGS
                or element.get("hidden") is not None
                or _HIDDEN_STYLE.search(style)
            ):
                walker.skip_subtree()
                continue
            if tag == "br" or tag in _BLOCK_TAGS:
                flush()
            elif tag in ("td", "th") and any(c.strip() for c in current):
                current.append("\t")
            if tag in _BLOCK_TAGS or tag in ("td", "th"):
                blocks.append(element)
            parent = element.getparent()
            if (
                tag == "li"
                and parent is not None
                and parent.tag == "ol"
                and not _HAS_LABEL.match("".join(element.itertext()))
            ):
                current.append(_ol_label(element))
            if element.text and tag not in _SKIP_TAGS:
                current.append(element.text)
        else:
            depth -= 1
            if tag in _BLOCK_TAGS:
                flush()
            if blocks[-1] is element:
                blocks.pop()
            if element.tail:
                current.append(element.tail)
    flush()
    return lines, owners, max_depth
