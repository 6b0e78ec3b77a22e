""".docx list numbering: the labels Word draws from ``numbering.xml`` ("一、", "1.", "（一）").

Word keeps the numbers of numbered headings and items as list formatting,
not text: a paragraph's ``w:numPr`` (or its style's, through ``w:basedOn``)
names a list (``w:numId``) and a level (``w:ilvl``); the list points to an
abstract definition whose levels give the format (``w:numFmt``), the label
template (``w:lvlText``, e.g. ``%1、``), the start value and when the counter
restarts (``w:lvlRestart``; by default whenever a shallower level is used).
:class:`ListNumbering` reads those definitions and keeps the running
counters; :func:`paragraph_numbering` finds the list and level of one
paragraph.  python-docx's paragraph text leaves the labels out, so without
this a numbered plan loses every "一、" and "1." that structures it.

References
----------
ECMA International (2021). *ECMA-376 Office Open XML File Formats*, Part 1,
§17.9 Numbering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree as etree

from analysis.ingest.docx_xml import w_tag
from analysis.ingest.number_formats import format_number

_W_VAL = w_tag("val")
_MAX_LEVELS = 9


def _int_attr(
    el: etree._Element | None, *, attr: str = "val", default: int | None = None
) -> int | None:
    """The integer in ``el``'s ``w:<attr>`` attribute, or ``default`` if absent or not a number."""
    if el is None:
        return default
    try:
        return int(el.get(w_tag(attr)))
    except (TypeError, ValueError):
        return default


def _by_id(root: etree._Element, tag: str, *, id_attr: str) -> dict[int, etree._Element]:
    """The ``w:<tag>`` elements under ``root`` by their integer ``w:<id_attr>`` (last one wins)."""
    found: dict[int, etree._Element] = {}
    for el in root.iter(w_tag(tag)):
        key = _int_attr(el, attr=id_attr)
        if key is not None:
            found[key] = el
    return found


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str | None = None
    start: int = 1
    restart: int | None = None
    is_legal: bool = False
    style_id: str | None = None


class ListNumbering:
    """Word list numbering: definitions from numbering.xml and running counters.

    Parameters
    ----------
    numbering : lxml element or None
        The root of the document's ``numbering.xml`` (None: no lists).
    styles : dict of str to lxml element
        The document's ``w:style`` elements by ``w:styleId``, through which
        numbering styles (``w:numStyleLink``) are followed.

    Call :meth:`label` once per numbered paragraph, in document order; formats
    :func:`analysis.ingest.number_formats.format_number` does not know are drawn as
    decimal and collected in ``unsupported``.
    """

    def __init__(self, numbering: etree._Element | None, styles: dict[str, etree._Element]):
        self.abstract: dict[int, etree._Element] = {}
        self.nums: dict[int, etree._Element] = {}
        self.styles = styles
        self.counters: dict[int, list[int | None]] = {}
        self.unsupported: set[str] = set()
        self._levels: dict[int, list[_Level]] = {}
        if numbering is None:
            return
        self.abstract = _by_id(numbering, "abstractNum", id_attr="abstractNumId")
        self.nums = _by_id(numbering, "num", id_attr="numId")

    def levels(self, num_id: int) -> list[_Level] | None:
        """The nine levels of list ``num_id`` with its overrides applied; None if undefined."""
        if num_id in self._levels:
            return self._levels[num_id]
        num = self.nums.get(num_id)
        if num is None:
            return None
        abstract = self._abstract_for(num, seen=set())
        levels = [_Level() for _ in range(_MAX_LEVELS)]
        if abstract is not None:
            for lvl in abstract.findall(w_tag("lvl")):
                self._apply_level(levels, lvl)
        for override in num.findall(w_tag("lvlOverride")):
            ilvl = _int_attr(override, attr="ilvl")
            if ilvl is None or not 0 <= ilvl < _MAX_LEVELS:
                continue
            lvl = override.find(w_tag("lvl"))
            if lvl is not None:
                self._apply_level(levels, lvl)
            start = _int_attr(override.find(w_tag("startOverride")))
            if start is not None:
                levels[ilvl].start = start
        self._levels[num_id] = levels
        return levels

    def _abstract_for(self, num: etree._Element, *, seen: set[int]) -> etree._Element | None:
        abstract = self.abstract.get(_int_attr(num.find(w_tag("abstractNumId")), default=-1))
        if abstract is None:
            return None
        # A numbering style (w:numStyleLink) points through a style to the real definition.
        link = abstract.find(w_tag("numStyleLink"))
        if link is not None and link.get(_W_VAL) in self.styles:
            style = self.styles[link.get(_W_VAL)]
            linked_id = _int_attr(style.find(f"{w_tag('pPr')}/{w_tag('numPr')}/{w_tag('numId')}"))
            if linked_id is not None and linked_id not in seen and linked_id in self.nums:
                seen.add(linked_id)
                return self._abstract_for(self.nums[linked_id], seen=seen)
        return abstract

    @staticmethod
    def _apply_level(levels: list[_Level], lvl: etree._Element) -> None:
        ilvl = _int_attr(lvl, attr="ilvl")
        if ilvl is None or not 0 <= ilvl < _MAX_LEVELS:
            return
        level = levels[ilvl]
        fmt = lvl.find(w_tag("numFmt"))
        if fmt is not None and fmt.get(_W_VAL):
            level.fmt = fmt.get(_W_VAL)
        text = lvl.find(w_tag("lvlText"))
        if text is not None:
            level.text = text.get(_W_VAL, "")
        level.start = _int_attr(lvl.find(w_tag("start")), default=level.start)
        restart = lvl.find(w_tag("lvlRestart"))
        if restart is not None:
            level.restart = _int_attr(restart)
        legal = lvl.find(w_tag("isLgl"))
        if legal is not None:
            level.is_legal = legal.get(_W_VAL, "true") not in ("0", "false", "off")
        style = lvl.find(w_tag("pStyle"))
        if style is not None:
            level.style_id = style.get(_W_VAL)

    def label(self, num_id: int, ilvl: int) -> str:
        """Advance the counters of list ``num_id`` at level ``ilvl`` and return its label."""
        levels = self.levels(num_id)
        if levels is None or not 0 <= ilvl < _MAX_LEVELS:
            return ""
        counters = self.counters.setdefault(num_id, [None] * _MAX_LEVELS)
        for deeper in range(ilvl + 1, _MAX_LEVELS):
            restart = levels[deeper].restart
            # Default: a level restarts whenever a shallower level is used;
            # w:lvlRestart=N restarts it only after level N (1-based), 0 never.
            if restart is None or (restart != 0 and ilvl < restart):
                counters[deeper] = None
        current = counters[ilvl]
        counters[ilvl] = levels[ilvl].start if current is None else current + 1
        level = levels[ilvl]
        if level.fmt == "bullet":  # a bullet glyph is not a structure label
            return ""
        template = level.text if level.text is not None else f"%{ilvl + 1}."

        def draw(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            if not 0 <= k < _MAX_LEVELS:
                return ""
            value = counters[k] if counters[k] is not None else levels[k].start
            fmt = "decimal" if level.is_legal else levels[k].fmt
            try:
                return format_number(value, fmt)
            except KeyError:
                self.unsupported.add(fmt)
                return str(value)

        return re.sub(r"%([1-9])", draw, template).strip()


def paragraph_numbering(
    p: etree._Element,
    styles: dict[str, etree._Element],
    numbering: ListNumbering,
    default_style: str | None,
) -> tuple[int, int] | None:
    """The (numId, ilvl) a paragraph is numbered with, directly or through its style."""
    direct = p.find(f"{w_tag('pPr')}/{w_tag('numPr')}")
    num_id = _int_attr(direct.find(w_tag("numId"))) if direct is not None else None
    ilvl = _int_attr(direct.find(w_tag("ilvl"))) if direct is not None else None
    style_el = p.find(f"{w_tag('pPr')}/{w_tag('pStyle')}")
    style_id = style_el.get(_W_VAL) if style_el is not None else default_style
    source_style = None
    seen: set[str] = set()
    while num_id is None and style_id and style_id in styles and style_id not in seen:
        seen.add(style_id)
        style = styles[style_id]
        style_num = style.find(f"{w_tag('pPr')}/{w_tag('numPr')}")
        if style_num is not None and style_num.find(w_tag("numId")) is not None:
            num_id = _int_attr(style_num.find(w_tag("numId")))
            if ilvl is None:
                ilvl = _int_attr(style_num.find(w_tag("ilvl")))
            source_style = style_id
            break
        based = style.find(w_tag("basedOn"))
        style_id = based.get(_W_VAL) if based is not None else None
    if not num_id:  # None, or numId 0: numbering switched off
        return None
    if ilvl is None:
        levels = numbering.levels(num_id) or []
        ilvl = next(
            (i for i, lv in enumerate(levels) if source_style and lv.style_id == source_style), 0
        )
    return num_id, ilvl
