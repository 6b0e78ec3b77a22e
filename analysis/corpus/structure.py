"""Stage 5 — structure: a plan's body to one row per sentence or heading.

Plans number their parts in a few conventions (一、 （一） 1. （1） 一是), nest
them differently, and sometimes lose a number or run a whole plan into one
paragraph.  The rules in ``analysis/data/structure_rules.yml`` name the
conventions; this module

1. splits body lines into *blocks* (a paragraph, or a piece of a long
   paragraph that starts with a marker after a space, as in a plan pasted
   from a word processor into one line),
2. reads each block's marker and clause label, maps the marker conventions the
   plan uses (outermost first) to part/section, item and sub-item,
3. splits blocks into sentences; the first sentence of a numbered block is
   its title (a heading row),
4. keeps the removed labels (``1.``, ``目标任务：``) for the ledger.

A plan with no recognisable numbering still loads: each paragraph becomes an
item (numbers marked as inferred) and a note says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config
from analysis.corpus.normalise import Normalised, normalise_text

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(text: str) -> int:
    """Convert a Chinese numeral up to 99 (一, 十, 十二, 二十三) or digits to int."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        if len(text) != 1 or text not in _CN_DIGITS:
            raise ValueError(f"not a Chinese numeral below 100: {text!r}")
        return _CN_DIGITS[text]
    tens, _, units = text.partition("十")
    value = (_CN_DIGITS[tens] if tens else 1) * 10
    return value + (_CN_DIGITS[units] if units else 0)


@dataclass(frozen=True)
class Marker:
    id: str
    rank: int
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class StructureRules:
    markers: tuple[Marker, ...]
    clause_labels: re.Pattern[str]
    part_review: re.Pattern[str]
    part_plan: re.Pattern[str]
    inline_heading_max: int
    lost_number_title_max: int
    sentence_end: str
    closing_marks: str


@lru_cache(maxsize=4)
def load_structure_rules(path: Path = config.STRUCTURE_RULES_PATH) -> StructureRules:
    """Read and validate ``structure_rules.yml``."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    required = (
        "markers",
        "clause_labels",
        "part_review",
        "part_plan",
        "inline_heading_max",
        "lost_number_title_max",
        "sentence_end",
        "closing_marks",
    )
    missing = [k for k in required if k not in raw]
    if missing:
        raise ValueError(f"structure rules {path}: missing keys {missing}")
    markers = []
    for entry in raw["markers"]:
        pattern = re.compile(entry["pattern"])
        if "num" not in pattern.groupindex:
            raise ValueError(
                f"structure rules {path}: marker {entry['id']!r} has no (?P<num>…) group"
            )
        markers.append(Marker(entry["id"], int(entry["rank"]), pattern))
    return StructureRules(
        markers=tuple(sorted(markers, key=lambda m: m.rank)),
        clause_labels=re.compile(raw["clause_labels"]),
        part_review=re.compile(raw["part_review"]),
        part_plan=re.compile(raw["part_plan"]),
        inline_heading_max=int(raw["inline_heading_max"]),
        lost_number_title_max=int(raw["lost_number_title_max"]),
        sentence_end=raw["sentence_end"],
        closing_marks=raw["closing_marks"],
    )


@dataclass(frozen=True)
class Block:
    """A paragraph or a marker-led piece of one; ``start``/``end`` index the line."""

    line_no: int
    start: int
    end: int
    text: str


@dataclass
class Unit:
    """One row of ``units``: a sentence or a heading, with its place."""

    part: str | None
    section_no: int | None
    section_title: str | None
    item_no: int | None
    item_no_inferred: bool
    item_title: str | None
    subitem_no: int | None
    subitem_title: str | None
    clause_type: str | None
    unit_kind: str
    line_no: int
    text: str
    # Span of the unit in its line before normalisation (for placing repairs).
    src_start: int
    src_end: int


@dataclass(frozen=True)
class Label:
    """A numbering or clause label taken out of the text into a column."""

    line_no: int
    text: str


@dataclass
class StructureResult:
    units: list[Unit]
    labels: list[Label]
    n_whitespace_removed: int
    n_chars_changed: int
    structure_recognised: bool
    notes: list[str] = field(default_factory=list)


def _marker_at(text: str, rules: StructureRules) -> tuple[Marker, re.Match[str]] | None:
    for marker in rules.markers:
        match = marker.pattern.match(text)
        if match:
            return marker, match
    return None


def split_blocks(lines: list[tuple[int, str]], *, rules: StructureRules) -> list[Block]:
    """Split body lines into blocks at markers that follow a space.

    A long paragraph holding a whole plan ("…主调。 一、工作目标 紧扣…
    （一）坚持…") is cut before each marker that follows whitespace, and a
    short heading that a space separates from its body is cut from it.
    """
    blocks: list[Block] = []
    for line_no, line in lines:
        cuts = [0]
        for ws in re.finditer(r"\s+", line):
            if ws.start() > 0 and _marker_at(line[ws.end() :], rules):
                cuts.append(ws.end())
        cuts.append(len(line))
        for start, end in zip(cuts, cuts[1:], strict=False):
            piece = line[start:end]
            found = _marker_at(piece.strip(), rules)
            head_cut = None
            if found and found[0].rank == 1:
                lead = len(piece) - len(piece.lstrip())
                after_marker = lead + found[1].end()
                gap = re.search(r"\s+", piece[after_marker:])
                if gap and 0 < gap.start() <= rules.inline_heading_max:
                    heading = piece[after_marker : after_marker + gap.start()]
                    if not re.search(f"[{rules.sentence_end}，,；;]", heading):
                        head_cut = after_marker + gap.start()
            if head_cut is not None:
                blocks.append(Block(line_no, start, start + head_cut, piece[:head_cut]))
                blocks.append(Block(line_no, start + head_cut, end, piece[head_cut:]))
            else:
                blocks.append(Block(line_no, start, end, piece))
    return [b for b in blocks if b.text.strip()]


def split_sentences(text: str, *, rules: StructureRules) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``.

    A sentence ends at ``。！？`` plus any closing quotes or brackets after it;
    a trailing fragment with no final punctuation is a sentence too.
    """
    spans = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] in rules.sentence_end:
            j = i + 1
            while j < len(text) and (
                text[j] in rules.closing_marks or text[j] in rules.sentence_end
            ):
                j += 1
            spans.append((start, j))
            start = i = j
            continue
        i += 1
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


@dataclass
class _ParsedBlock:
    block: Block
    norm: Normalised
    marker: Marker | None
    number: int | None
    body_offset: int  # where the text after marker/label starts (normalised)
    clause: str | None
    labels: list[str]


def _parse_block(block: Block, rules: StructureRules) -> _ParsedBlock:
    norm = normalise_text(block.text)
    text = norm.text
    marker, number, offset, labels = None, None, 0, []
    found = _marker_at(text, rules)
    if found:
        marker, match = found
        number = chinese_numeral(match.group("num"))
        offset = match.end()
        labels.append(text[: match.end()])
    clause = None
    label = rules.clause_labels.match(text[offset:])
    if label:
        clause = label.group("label")
        labels.append(label.group(0))
        offset += label.end()
    return _ParsedBlock(block, norm, marker, number, offset, clause, labels)


def _is_part_document(parsed: list[_ParsedBlock], top_rank: int, rules: StructureRules) -> bool:
    heads = [p.norm.text[p.body_offset :] for p in parsed if p.marker and p.marker.rank == top_rank]
    return any(rules.part_review.search(h[:30]) for h in heads)


def _part_of(heading: str, rules: StructureRules) -> str:
    return "review" if rules.part_review.search(heading[:30]) else "plan"


def structure_units(
    lines: list[tuple[int, str]], *, rules: StructureRules | None = None
) -> StructureResult:
    """Parse body lines into sentence and heading units.

    Parameters
    ----------
    lines : list of (line_no, text)
        Body lines after chrome removal and repair, before normalisation.
    rules : StructureRules, optional
        Defaults to ``analysis/data/structure_rules.yml``.

    Returns
    -------
    StructureResult
        ``units`` in document order (see :data:`analysis.schema.UNITS` for
        the columns they become), the numbering/clause ``labels`` removed from
        the text, the normalisation counts, and notes.
    """
    rules = rules or load_structure_rules()
    parsed = [_parse_block(b, rules) for b in split_blocks(lines, rules=rules)]
    notes: list[str] = []
    ranks = sorted({p.marker.rank for p in parsed if p.marker})
    recognised = bool(ranks)
    if not recognised:
        notes.append("no numbering recognised: each paragraph is read as one item")

    parts_mode = bool(ranks) and _is_part_document(parsed, ranks[0], rules)
    level_ranks = ranks[1:] if parts_mode else ranks
    # Map the plan's marker conventions, outermost first, to section/item/subitem.
    slots = ["section", "item", "subitem"]
    if parts_mode:
        slots = ["item", "subitem"]
    if len(level_ranks) > len(slots):
        notes.append(
            f"{len(level_ranks)} numbering levels; levels below {slots[-1]} are kept in the text"
        )
    slot_of_rank = dict(zip(level_ranks, slots, strict=False))

    # Lost item numbers: a short unnumbered block followed by a clause label,
    # in a plan whose numbered item titles are followed by clause labels.
    item_rank = next((r for r, s in slot_of_rank.items() if s == "item"), None)
    titled_items = sum(
        1
        for a, b in zip(parsed, parsed[1:], strict=False)
        if a.marker and a.marker.rank == item_rank and b.marker is None and b.clause
    )

    units: list[Unit] = []
    labels: list[Label] = []
    ctx: dict[str, object] = {
        "part": None,
        "section_no": None,
        "section_title": None,
        "item_no": None,
        "item_no_inferred": False,
        "item_title": None,
        "subitem_no": None,
        "subitem_title": None,
    }
    first_part = next(
        (
            _part_of(p.norm.text[p.body_offset :], rules)
            for p in parsed
            if parts_mode and p.marker and p.marker.rank == ranks[0]
        ),
        "plan",
    )
    ctx["part"] = first_part
    last_item_no: int | None = None
    paragraph_items = 0

    for index, p in enumerate(parsed):
        body = p.norm.text[p.body_offset :]
        slot, kind = None, "sentence"
        inferred = False
        number = p.number
        if p.marker is not None:
            if parts_mode and p.marker.rank == ranks[0]:
                slot, kind = "part", "part_heading"
            elif p.marker.rank in slot_of_rank:
                slot = slot_of_rank[p.marker.rank]
                kind = f"{slot}_heading" if slot == "section" else f"{slot}_title"
        elif not recognised:
            paragraph_items += 1
            slot, kind, number, inferred = "item", "item_title", paragraph_items, True
        elif (
            item_rank is not None
            and titled_items >= 2
            and p.clause is None
            and len(body) <= rules.lost_number_title_max
            and index + 1 < len(parsed)
            and parsed[index + 1].marker is None
            and parsed[index + 1].clause
            and index > 0
            and parsed[index - 1].marker is None
            and last_item_no is not None
        ):
            slot, kind, number, inferred = "item", "item_title", last_item_no + 1, True
            notes.append(f"item number {number} inferred for unnumbered title {body[:20]!r}")

        sentences = split_sentences(body, rules=rules)
        if not recognised and slot == "item":
            # Paragraph-as-item: the paragraph is the item; no title sentence.
            kind = "sentence"
        title = (
            body[sentences[0][0] : sentences[0][1]].rstrip(rules.sentence_end) if sentences else ""
        )
        if slot == "part":
            ctx.update(
                part=_part_of(body, rules),
                section_no=None,
                section_title=None,
                item_no=None,
                item_title=None,
                item_no_inferred=False,
                subitem_no=None,
                subitem_title=None,
            )
        elif slot == "section":
            ctx.update(
                section_no=number,
                section_title=title,
                item_no=None,
                item_title=None,
                item_no_inferred=False,
                subitem_no=None,
                subitem_title=None,
            )
        elif slot == "item":
            ctx.update(
                item_no=number,
                item_title=title if kind == "item_title" else None,
                item_no_inferred=inferred,
                subitem_no=None,
                subitem_title=None,
            )
            last_item_no = number
        elif slot == "subitem":
            ctx.update(subitem_no=number, subitem_title=title)
        if slot is not None or p.clause is not None:
            # A heading or item starts afresh (with its own label, if any); a
            # labelled paragraph switches clause; an unlabelled one continues.
            ctx["clause_type"] = p.clause
        for label in p.labels:
            labels.append(Label(p.block.line_no, label))
        for k, (s, e) in enumerate(sentences):
            row_kind = kind if (k == 0 and kind != "sentence") else "sentence"
            src = p.norm.source_index
            a, b = p.body_offset + s, p.body_offset + e - 1
            units.append(
                Unit(
                    part=ctx["part"],
                    section_no=ctx["section_no"],
                    section_title=ctx["section_title"],
                    item_no=ctx["item_no"],
                    item_no_inferred=bool(ctx["item_no_inferred"]),
                    item_title=ctx["item_title"],
                    subitem_no=ctx["subitem_no"],
                    subitem_title=ctx["subitem_title"],
                    clause_type=ctx.get("clause_type"),
                    unit_kind=row_kind,
                    line_no=p.block.line_no,
                    text=body[s:e],
                    src_start=p.block.start + src[a],
                    src_end=p.block.start + src[b] + 1,
                )
            )
    n_ws = sum(p.norm.n_whitespace_removed for p in parsed)
    n_changed = sum(p.norm.n_chars_changed for p in parsed)
    if units and units[-1].text[-1] not in rules.sentence_end + rules.closing_marks:
        notes.append("the text ends mid-sentence (truncated?)")
    return StructureResult(units, labels, n_ws, n_changed, recognised, notes)
