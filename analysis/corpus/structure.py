"""Stage 5 — structure: a plan's body to one row per sentence, heading or table row.

Plans number their parts in a few conventions (第一部分, 一、, （一）, 1./1、/１．,
（1）, ①, 一是, 首先/其次/最后), nest them differently, and sometimes lose a
number or run a whole plan into one paragraph.  The rules in
``analysis/data/structure_rules.yml`` name the conventions (a numbering
grammar, as data); this module

1. splits body lines into *blocks*: a paragraph, a piece of a long line that
   starts with a marker after a space (or, in a one-line body, after a
   sentence end) where the number continues the plan's sequence, or a table
   row (``|`` or tab separated cells);
2. reads each block's marker and clause label; orders the plan's conventions
   by where each first appears (a convention first met right after a heading
   of depth d has depth d + 1) and maps the depths, outermost first, to
   section, item and sub-item; ``第N部分`` and review/plan headings
   (numbered or not) are parts;
3. gives a run's lost numbers to the heading-shaped paragraphs between two
   numbers that skip (``item_no_inferred``);
4. splits blocks into sentences; the first sentence of a numbered block is
   its title (a heading row);
5. keeps the removed labels (``1.``, ``目标任务：``) for the ledger.

All rules match the simplified form of the text
(:func:`analysis.corpus.script.to_simplified_aligned`); units keep the text as
printed.  A plan with no recognisable numbering still loads: each paragraph
becomes an item (numbers marked as inferred) and a note says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config
from analysis.corpus.normalise import Normalised, normalise_text
from analysis.corpus.script import to_simplified_aligned

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
    if len(tens) > 1 or len(units) > 1 or (tens and tens not in _CN_DIGITS) or (
            units and units not in _CN_DIGITS):
        # 十十, 二二十 …: not a numeral (a typo, or a generated text's), so not a marker.
        raise ValueError(f"not a Chinese numeral below 100: {text!r}")
    value = (_CN_DIGITS[tens] if tens else 1) * 10
    return value + (_CN_DIGITS[units] if units else 0)


_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① … ⑳

MARKER_ROLES: tuple[str, ...] = ("part", "level", "series")
MARKER_INLINE: tuple[str, ...] = ("any", "sentence", "never")


@dataclass(frozen=True)
class Marker:
    id: str
    role: str
    inline: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class MarkerMatch:
    """A marker found at the start of a text: which, its number, where it ends."""

    marker: Marker
    number: int | None  # None: "one more than the one before" (最后)
    end: int


@dataclass(frozen=True)
class StructureRules:
    markers: tuple[Marker, ...]
    numbers: dict[str, int | None]
    series_min: int
    clause_labels: re.Pattern[str]
    part_review: re.Pattern[str]
    part_plan: re.Pattern[str]
    inline_heading_max: int
    inline_boundary: str
    part_heading_max: int
    part_heading_punct: str
    part_heading_exclude: re.Pattern[str]
    lost_number_title_max: int
    table_min_cells: int
    table_max_cell: int
    glued_heading_min: int
    body_verbs: re.Pattern[str]
    not_before_marker: str
    sentence_end: str
    closing_marks: str


_REQUIRED = (
    "markers",
    "numbers",
    "series_min",
    "clause_labels",
    "part_review",
    "part_plan",
    "inline_heading_max",
    "inline_boundary",
    "part_heading_max",
    "part_heading_punct",
    "part_heading_exclude",
    "lost_number_title_max",
    "table_min_cells",
    "table_max_cell",
    "glued_heading_min",
    "body_verbs",
    "not_before_marker",
    "sentence_end",
    "closing_marks",
)


@lru_cache(maxsize=4)
def load_structure_rules(path: Path = config.STRUCTURE_RULES_PATH) -> StructureRules:
    """Read and validate ``structure_rules.yml``.

    Raises ``ValueError`` naming a missing key, a marker without a ``num``
    group, or a ``role``/``inline`` value outside the allowed ones.
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"structure rules {path}: missing keys {missing}")
    markers = []
    for entry in raw["markers"]:
        pattern = re.compile(entry["pattern"])
        if "num" not in pattern.groupindex:
            raise ValueError(
                f"structure rules {path}: marker {entry['id']!r} has no (?P<num>…) group"
            )
        role, inline = entry.get("role", ""), entry.get("inline", "")
        if role not in MARKER_ROLES or inline not in MARKER_INLINE:
            raise ValueError(
                f"structure rules {path}: marker {entry['id']!r} has role {role!r} and inline "
                f"{inline!r}; allowed roles are {', '.join(MARKER_ROLES)}, inline values "
                f"{', '.join(MARKER_INLINE)}"
            )
        markers.append(Marker(entry["id"], role, inline, pattern))
    numbers = {
        str(word): (None if value == "next" else int(value))
        for word, value in raw["numbers"].items()
    }
    return StructureRules(
        markers=tuple(markers),
        numbers=numbers,
        series_min=int(raw["series_min"]),
        clause_labels=re.compile(raw["clause_labels"]),
        part_review=re.compile(raw["part_review"]),
        part_plan=re.compile(raw["part_plan"]),
        inline_heading_max=int(raw["inline_heading_max"]),
        inline_boundary=str(raw["inline_boundary"]),
        part_heading_max=int(raw["part_heading_max"]),
        part_heading_punct=str(raw["part_heading_punct"]),
        part_heading_exclude=re.compile(raw["part_heading_exclude"]),
        lost_number_title_max=int(raw["lost_number_title_max"]),
        table_min_cells=int(raw["table_min_cells"]),
        table_max_cell=int(raw["table_max_cell"]),
        glued_heading_min=int(raw["glued_heading_min"]),
        body_verbs=re.compile("|".join(re.escape(str(w)) for w in raw["body_verbs"])),
        not_before_marker=str(raw["not_before_marker"]),
        sentence_end=raw["sentence_end"],
        closing_marks=raw["closing_marks"],
    )


def marker_number(text: str, *, rules: StructureRules) -> int | None:
    """The number a marker's ``num`` text stands for (一 → 1, ③ → 3, 其次 → 2).

    ``None`` for a word that means "the next one" (最后).
    """
    if text in rules.numbers:
        return rules.numbers[text]
    if text in _CIRCLED:
        return _CIRCLED[text]
    return chinese_numeral(text)


def marker_at(
    text: str, rules: StructureRules, *, skip: frozenset[str] = frozenset()
) -> MarkerMatch | None:
    """The numbering marker at the start of ``text`` (simplified, normalised), if any.

    Markers whose id is in ``skip`` are not tried.
    """
    for marker in rules.markers:
        if marker.id in skip:
            continue
        match = marker.pattern.match(text)
        if not match:
            continue
        try:
            number = marker_number(match.group("num"), rules=rules)
        except ValueError:
            # A malformed numeral (十十、) starts ordinary text, not a numbered block.
            continue
        return MarkerMatch(marker, number, match.end())
    return None


def table_cells(text: str, *, rules: StructureRules) -> list[str] | None:
    """The cells of a table row (``|`` or tab separated), or ``None`` if ``text`` is not one."""
    stripped = text.strip().strip("|")
    for sep in ("|", "\t"):
        if sep in stripped:
            cells = [c for c in stripped.split(sep) if c.strip()]
            if len(cells) >= rules.table_min_cells and all(
                len(c.strip()) <= rules.table_max_cell for c in cells
            ):
                return cells
    return None


@dataclass(frozen=True)
class Block:
    """A paragraph or a marker-led piece of one; ``start``/``end`` index the line."""

    line_no: int
    start: int
    end: int
    text: str
    table: bool = False


@dataclass
class Unit:
    """One row of ``units``: a sentence, a heading or a table row, with its place."""

    part: str | None
    section_no: int | None
    section_title: str | None
    item_no: int | None
    item_no_inferred: bool
    item_title: str | None
    subitem_no: int | None
    subitem_title: str | None
    # The numbering markers exactly as printed ("（一）", "一是", "１．"); None when
    # the number was inferred or there is none.
    section_label: str | None
    item_label: str | None
    subitem_label: str | None
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


class _Sequence:
    """The numbering read so far, to tell whether an inline marker continues it.

    A marker fits when it is the first of its convention and numbered 1, one
    more than the last of its convention, or 1 again after a marker of a
    convention that appeared before it (an outer level) restarted the count.
    """

    def __init__(self) -> None:
        self.order: list[str] = []
        self.last: dict[str, int] = {}
        self.restarted: dict[str, bool] = {}

    def fits(self, found: MarkerMatch) -> bool:
        key, number = found.marker.id, found.number
        if key not in self.last:
            return number == 1
        if number is None:
            return True
        if number == self.last[key] + 1:
            return True
        return number == 1 and self.restarted.get(key, False)

    def new_part(self) -> None:
        """An unnumbered part heading: every convention may start again at 1."""
        for key in self.order:
            self.restarted[key] = True

    def accept(self, found: MarkerMatch) -> None:
        key = found.marker.id
        if key not in self.order:
            self.order.append(key)
        previous = self.last.get(key, 0)
        self.last[key] = found.number if found.number is not None else previous + 1
        self.restarted[key] = False
        outer = found.marker.role == "part"
        for other in self.order:
            if other != key and (outer or self.order.index(other) > self.order.index(key)):
                self.restarted[other] = True


def _boundary_before(simple: str, index: int, rules: StructureRules, *, oneline: bool) -> str:
    """What precedes ``index``: ``"space"``, ``"sentence"`` (a sentence end) or ``""``."""
    if index == 0:
        return ""
    if simple[index - 1].isspace():
        return "space"
    if not oneline:
        return ""
    j = index - 1
    while j > 0 and simple[j] in rules.closing_marks:
        j -= 1
    return "sentence" if simple[j] in rules.inline_boundary else "any"


_MARKER_WINDOW = 40
# Characters a marker can start with (a cheap filter before trying the rules).
_MARKER_START = re.compile(r"[第一二三四五六七八九十（(0-9０-９①-⑳首其再最]")


def _inline_cuts(
    simple: str,
    sequence: _Sequence,
    rules: StructureRules,
    *,
    oneline: bool,
    skip: frozenset[str],
    parts_at: tuple[int, ...] = (),
) -> list[tuple[int, MarkerMatch]]:
    """Positions inside a line where a numbering marker starts a new block.

    After a space, or a sentence end in a one-line body, any marker may start
    a block; after another character only one whose ``inline`` is ``any``
    (（二）, 第二部分) -- or, in a one-line body, any marker that follows a
    bare heading (a block opened by a marker with no punctuation since:
    "（一）着力推动学前教育1、扩充普惠资源。").  Always only where the number
    fits the sequence.
    """
    punct = re.compile(f"[{re.escape(rules.sentence_end)}，,；;：:、]")
    head = marker_at(simple.lstrip()[:_MARKER_WINDOW], rules, skip=skip)
    # Where the current block's text (after its marker) starts, if it has one.
    heading_from = (len(simple) - len(simple.lstrip()) + head.end) if head else None
    cuts = []
    pending_parts = sorted(parts_at)
    for match in _MARKER_START.finditer(simple):
        i = match.start()
        while pending_parts and pending_parts[0] <= i:
            pending_parts.pop(0)
            sequence.new_part()
        if i == 0:
            continue
        where = _boundary_before(simple, i, rules, oneline=oneline)
        if not where:
            continue
        # A marker is short: a window is enough (and keeps long lines linear).
        found = marker_at(simple[i : i + _MARKER_WINDOW], rules, skip=skip)
        if found is None or found.marker.inline == "never":
            continue
        allowed = where != "any" or found.marker.inline == "any"
        if not allowed and heading_from is not None:
            bare = simple[heading_from:i]
            allowed = (
                len(bare) >= rules.glued_heading_min
                and not punct.search(bare)
                and simple[i - 1] not in rules.not_before_marker
                and not simple[i - 1].isdigit()
            )
        if allowed and sequence.fits(found):
            sequence.accept(found)
            cuts.append((i, found))
            heading_from = i + found.end
        elif where == "sentence" and heading_from is not None:
            heading_from = None  # the block went on into sentences: no bare heading
    return cuts


def split_blocks(
    lines: list[tuple[int, str]],
    *,
    rules: StructureRules,
    oneline: bool = False,
    skip: frozenset[str] = frozenset(),
    extra_cuts: dict[int, set[int]] | None = None,
) -> list[Block]:
    """Split body lines into blocks at the numbering written inside them.

    A line is cut before a marker that follows whitespace (a plan pasted from
    a word processor into one line: "…主调。 一、工作目标 紧扣县委部署。
    （一）坚持…") or, in a one-line body (``oneline``), a sentence end; a
    marker whose ``inline`` is ``any`` (（一）, 第二部分) may follow any
    character there.  A cut is made only where the number continues the
    plan's sequence so far, so ``1.5万``, ``2021年`` or ``第二、三季度`` never
    cut.  In a one-line body a short heading that a space separates from its
    body is cut from it.  Table rows (``|`` or tab separated cells) are
    blocks of their own.  ``extra_cuts`` gives more cut positions by line
    number (headings glued to their body, see :func:`_glued_heading_cuts`).
    """
    extra_cuts = extra_cuts or {}
    sequence = _Sequence()
    blocks: list[Block] = []
    for line_no, line in lines:
        if table_cells(line, rules=rules) is not None:
            blocks.append(Block(line_no, 0, len(line), line, table=True))
            continue
        simple = to_simplified_aligned(line)
        head = marker_at(to_simplified_aligned(normalise_text(line).text), rules, skip=skip)
        if head is not None:
            sequence.accept(head)
        parts_at = tuple(_spaced_part_heading_cuts(simple, rules)) if oneline else ()
        inline = [
            i
            for i, _ in _inline_cuts(
                simple, sequence, rules, oneline=oneline, skip=skip, parts_at=parts_at
            )
        ]
        inline += parts_at
        cuts = sorted({0, *inline, *extra_cuts.get(line_no, ()), len(line)})
        for start, end in zip(cuts, cuts[1:], strict=False):
            piece = line[start:end]
            piece_simple = normalise_text(simple[start:end].strip()).text
            found = marker_at(piece_simple, rules, skip=skip)
            head_cut = None
            # Only in a run-together line (a one-line body, or a line cut at
            # markers after spaces) does a space end a heading: elsewhere a
            # stray space inside a heading ("1.加强 党建") is layout noise.
            run_together = oneline or len(cuts) > 2
            if run_together and found and found.marker.role != "series":
                lead = len(piece) - len(piece.lstrip())
                after_marker = _raw_offset(piece, lead, found.end)
                gap = re.search(r"\s+", piece[after_marker:])
                if gap and 0 < gap.start() <= rules.inline_heading_max:
                    heading = piece[after_marker : after_marker + gap.start()]
                    # A heading may hold commas (聚焦质量提升，推进内涵发展), not a
                    # sentence end or a colon.
                    if not re.search(f"[{rules.sentence_end}；;：:]", heading):
                        head_cut = after_marker + gap.start()
            if head_cut is not None:
                blocks.append(Block(line_no, start, start + head_cut, piece[:head_cut]))
                blocks.append(Block(line_no, start + head_cut, end, piece[head_cut:]))
            else:
                blocks.append(Block(line_no, start, end, piece))
    return [b for b in blocks if b.text.strip()]


def _is_part_heading_text(text: str, rules: StructureRules) -> bool:
    """Has ``text`` (simplified) the shape of an unnumbered part heading (2024年工作打算)?"""
    return (
        0 < len(text) <= rules.part_heading_max
        and not re.search(rules.part_heading_punct, text)
        and not rules.part_heading_exclude.search(text)
        and bool(rules.part_review.search(text) or rules.part_plan.search(text))
    )


def _spaced_part_heading_cuts(simple: str, rules: StructureRules) -> list[int]:
    """Cuts around an unnumbered part heading set off by spaces in a one-line body."""
    cuts: list[int] = []
    for word in re.finditer(r"\S+", simple):
        if _is_part_heading_text(word.group(), rules):
            cuts += [word.start(), word.end()]
    return cuts


def _raw_offset(piece: str, lead: int, normalised_end: int) -> int:
    """Offset in ``piece`` just after its first ``normalised_end`` non-space characters."""
    seen = 0
    i = lead
    while i < len(piece) and seen < normalised_end:
        if not piece[i].isspace():
            seen += 1
        i += 1
    return i


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
    printed: str | None = None  # the numbering marker as printed (raw, before normalising)
    inferred: bool = False
    part_heading: bool = False  # an unnumbered part heading (2024年工作打算)


def _normalise_table_row(text: str) -> Normalised:
    """Normalise each cell of a tab-separated row and keep one tab between cells."""
    if "|" in text.strip().strip("|"):
        return normalise_text(text)
    out: list[str] = []
    index: list[int] = []
    removed = changed = 0
    offset = 0
    for k, cell in enumerate(text.split("\t")):
        norm = normalise_text(cell)
        removed += norm.n_whitespace_removed
        changed += norm.n_chars_changed
        if norm.text:
            if out:
                out.append("\t")
                index.append(offset - 1)
            out.extend(norm.text)
            index.extend(offset + i for i in norm.source_index)
        elif k:
            removed += 1
        offset += len(cell) + 1
    return Normalised("".join(out), tuple(index), removed, changed)


def _parse_block(block: Block, rules: StructureRules, skip: frozenset[str]) -> _ParsedBlock:
    if block.table:
        return _ParsedBlock(block, _normalise_table_row(block.text), None, None, 0, None, [])
    norm = normalise_text(block.text)
    text = norm.text
    simple = to_simplified_aligned(text)
    marker, number, offset, labels, printed = None, None, 0, [], None
    found = marker_at(simple, rules, skip=skip)
    if found:
        marker, number, offset = found.marker, found.number, found.end
        labels.append(text[: found.end])
        # Normalising folds widths and brackets (１． → 1．): the printed marker is
        # the raw span its characters came from.
        src = norm.source_index
        printed = block.text[src[0] : src[found.end - 1] + 1]
    clause = None
    label = rules.clause_labels.match(simple[offset:])
    if label:
        clause = label.group("label")
        labels.append(text[offset : offset + label.end()])
        offset += label.end()
    return _ParsedBlock(block, norm, marker, number, offset, clause, labels, printed)


def _glued_heading_cuts(parsed: list[_ParsedBlock], rules: StructureRules) -> dict[int, set[int]]:
    """Where a heading runs straight into its body in a one-line body without spaces.

    "三、促进教育公平完善控辍保学工作机制，…": when at least two blocks of the
    same convention are bare headings (no punctuation: the next marker
    followed them), a block of that convention that goes on into sentences
    starts with a bare heading too; it ends where one of ``body_verbs`` (the
    words a plan's sentences open with) begins, at least
    ``glued_heading_min`` characters in and before any punctuation.  Returns
    raw cut positions by line number.
    """
    punct = re.compile(f"[{re.escape(rules.sentence_end)}，,；;：:、]")
    by_marker: dict[str, list[_ParsedBlock]] = {}
    for p in parsed:
        if p.marker is not None and p.clause is None:
            by_marker.setdefault(p.marker.id, []).append(p)
    cuts: dict[int, set[int]] = {}

    def cut(p: _ParsedBlock, k: int) -> None:
        raw = p.block.start + p.norm.source_index[p.body_offset + k]
        cuts.setdefault(p.block.line_no, set()).add(raw)

    # A part heading runs into its body: "一、2023年工作回顾2023年，全区…".
    for blocks in by_marker.values():
        for p in blocks:
            simple = to_simplified_aligned(p.norm.text[p.body_offset :])
            head = simple[: rules.part_heading_max]
            found = [m for m in (rules.part_review.search(head), rules.part_plan.search(head)) if m]
            if not found:
                continue
            end = min(m.end() for m in found)
            if end < len(simple) and not punct.search(simple[: end + 1]):
                cut(p, end)
    for blocks in by_marker.values():
        bodies = [p.norm.text[p.body_offset :] for p in blocks]
        bare = sum(1 for body in bodies if body and not punct.search(body))
        if bare < 2:
            continue
        for p, body in zip(blocks, bodies, strict=True):
            first_punct = punct.search(body)
            if first_punct is None:
                continue
            simple = to_simplified_aligned(body)
            limit = min(first_punct.start(), rules.inline_heading_max + 1)
            k = next(
                (
                    k
                    for k in range(rules.glued_heading_min, limit)
                    if rules.body_verbs.match(simple, k)
                ),
                None,
            )
            if k is not None:
                cut(p, k)
    return cuts


def _part_of(heading: str, rules: StructureRules) -> str:
    return "review" if rules.part_review.search(to_simplified_aligned(heading[:30])) else "plan"


def _first_sentence_len(p: _ParsedBlock, rules: StructureRules) -> int:
    body = p.norm.text[p.body_offset :]
    spans = split_sentences(body, rules=rules)
    return spans[0][1] - spans[0][0] if spans else 0


def _mark_unnumbered_parts(parsed: list[_ParsedBlock], rules: StructureRules) -> None:
    """Mark unnumbered part headings ("2023年工作回顾" … "2024年工作打算").

    A short unnumbered paragraph without punctuation that names a review or a
    plan part is a part heading when at least one such heading names a review
    (as for numbered parts), or when the numbering restarts right after it
    (三、 before it, 一、 again after it: the review heading may have been
    lost).  A lone "重点工作" line inside a plan is not a part.
    """
    candidates = []
    for index, p in enumerate(parsed):
        if p.marker is not None or p.clause is not None or p.block.table:
            continue
        text = to_simplified_aligned(p.norm.text[p.body_offset :])
        # (A title left in the body names its bureau: part_heading_exclude.)
        if _is_part_heading_text(text, rules):
            candidates.append((index, bool(rules.part_review.search(text))))
    any_review = any(review for _, review in candidates)
    for index, _ in candidates:
        if any_review or _numbering_restarts_at(parsed, index):
            parsed[index].part_heading = True


def _numbering_restarts_at(parsed: list[_ParsedBlock], index: int) -> bool:
    """Does the first numbered block after ``index`` restart at 1 a convention used before it?"""
    after = next((p for p in parsed[index + 1 :] if p.marker is not None), None)
    if after is None or after.number != 1:
        return False
    before = [p.number for p in parsed[:index] if p.marker is not None and p.marker is after.marker]
    return bool(before) and max(n or 0 for n in before) > 1


def _depths(parsed: list[_ParsedBlock]) -> dict[str, int]:
    """The depth of each numbering convention, from where it first appears.

    A convention first met right after a block of depth d (or at the start,
    or after a part heading: d = 0) has depth d + 1.  So a plan's hierarchy
    follows its own order (1. under （一） or （一） under 1.), and a second
    convention used at the same depth in another branch (① where a sibling
    section uses 1、) shares that depth.
    """
    depth_of: dict[str, int] = {}
    last = 0
    for p in parsed:
        if p.part_heading:
            last = 0
            continue
        if p.marker is None:
            continue
        if p.marker.role == "part":
            last = 0
            continue
        depth_of.setdefault(p.marker.id, last + 1)
        last = depth_of[p.marker.id]
    return depth_of


def _infer_lost_numbers(
    parsed: list[_ParsedBlock],
    depth_of: dict[str, int],
    slot_of_id: dict[str, str],
    rules: StructureRules,
) -> list[str]:
    """Give the missing numbers of a skipping run to heading-shaped paragraphs between.

    For each numbering convention, where two consecutive numbers of a run
    skip (1, 2, 4), or a run restarted by an outer heading starts above 1,
    the unnumbered paragraphs between without a clause label and whose first
    sentence is at most ``lost_number_title_max`` long are candidates; the
    ones with the shortest first sentences take the missing numbers, in
    document order.  Marks them ``inferred``; returns notes.
    """
    notes = []
    for key, depth in sorted(depth_of.items(), key=lambda kv: (kv[1], kv[0])):
        outer = {k for k, d in depth_of.items() if d < depth}
        positions = [i for i, p in enumerate(parsed) if p.marker and p.marker.id == key]
        numbers = [parsed[i].number for i in positions]
        restarts = any(n == 1 for n in numbers[1:])
        previous_index, previous_no = None, 0
        for index, number in zip(positions, numbers, strict=False):
            if number is None:
                previous_index, previous_no = index, previous_no + 1
                continue
            parent = max(
                (
                    i
                    for i in range(index)
                    if parsed[i].part_heading
                    or (
                        parsed[i].marker
                        and (parsed[i].marker.id in outer or parsed[i].marker.role == "part")
                    )
                ),
                default=None,
            )
            if (
                restarts
                and parent is not None
                and (previous_index is None or parent > previous_index)
            ):
                lo, expected = parent, 1
            elif previous_index is None:
                lo, expected = (parent if parent is not None else -1), 1
            else:
                lo, expected = previous_index, previous_no + 1
            missing = list(range(expected, number))
            if missing and len(missing) <= 5:
                candidates = [
                    i
                    for i in range(lo + 1, index)
                    if parsed[i].marker is None
                    and not parsed[i].part_heading
                    and parsed[i].clause is None
                    and not parsed[i].block.table
                    and 0 < _first_sentence_len(parsed[i], rules) <= rules.lost_number_title_max
                ]
                chosen = sorted(
                    sorted(candidates, key=lambda i: (_first_sentence_len(parsed[i], rules), i))[
                        : len(missing)
                    ]
                )
                for i, n in zip(chosen, missing, strict=False):
                    p = parsed[i]
                    p.marker, p.number, p.inferred = parsed[index].marker, n, True
                    title = p.norm.text[p.body_offset :][:20]
                    notes.append(
                        f"{slot_of_id[key]} number {n} inferred for unnumbered title {title!r}"
                    )
            previous_index, previous_no = index, number
    return notes


def structure_units(
    lines: list[tuple[int, str]], *, rules: StructureRules | None = None, oneline: bool = False
) -> StructureResult:
    """Parse body lines into sentence, heading and table-row units.

    Parameters
    ----------
    lines : list of (line_no, text)
        Body lines after chrome removal, layout repair and spin repair,
        before normalisation.
    rules : StructureRules, optional
        Defaults to ``analysis/data/structure_rules.yml``.
    oneline : bool, default False
        The body is one long line (:func:`analysis.corpus.layout.is_oneline_body`):
        numbering markers may start a block after a sentence end, not only
        after whitespace.

    Returns
    -------
    StructureResult
        ``units`` in document order (see :data:`analysis.schema.UNITS` for
        the columns they become; ``unit_kind`` is one of
        :data:`analysis.schema.UNIT_KINDS`), the numbering/clause ``labels``
        removed from the text, the normalisation counts, and notes.

    Notes
    -----
    The levels are the plan's marker conventions in the order they first
    appear (not a fixed rank), mapped outermost first to section, item and
    sub-item; ``第N部分`` headings, and top-level headings of a plan whose
    top-level headings include a review (工作回顾 …), are parts.
    """
    rules = rules or load_structure_rules()
    skip: frozenset[str] = frozenset()
    parsed = [
        _parse_block(b, rules, skip) for b in split_blocks(lines, rules=rules, oneline=oneline)
    ]
    # Ordinal words (首先/其次…, 第一，第二，) are numbering only where used as
    # a series: each convention needs series_min paragraphs of its own.
    series_ids = {m.id for m in rules.markers if m.role == "series"}
    n_series = Counter(p.marker.id for p in parsed if p.marker and p.marker.id in series_ids)
    lone = {key for key, n in n_series.items() if n < rules.series_min}
    if lone:
        skip = frozenset(lone)
        parsed = [
            _parse_block(b, rules, skip)
            for b in split_blocks(lines, rules=rules, oneline=oneline, skip=skip)
        ]
    if oneline:
        glued = _glued_heading_cuts(parsed, rules)
        if glued:
            parsed = [
                _parse_block(b, rules, skip)
                for b in split_blocks(
                    lines, rules=rules, oneline=oneline, skip=skip, extra_cuts=glued
                )
            ]
    # Resolve "the next one" (最后) within its series.
    last_of: dict[str, int] = {}
    for p in parsed:
        if p.marker is not None:
            if p.number is None:
                p.number = last_of.get(p.marker.id, 0) + 1
            last_of[p.marker.id] = p.number

    notes: list[str] = []
    _mark_unnumbered_parts(parsed, rules)
    depth_of = _depths(parsed)
    has_part_markers = any(p.marker and p.marker.role == "part" for p in parsed)
    has_part_markers = has_part_markers or any(p.part_heading for p in parsed)
    recognised = bool(depth_of) or has_part_markers
    if not recognised:
        notes.append("no numbering recognised: each paragraph is read as one item")

    parts_mode = has_part_markers
    part_ids = {m.id for m in rules.markers if m.role == "part"}
    if not has_part_markers and depth_of:
        top = {key for key, depth in depth_of.items() if depth == 1}
        heads = [p.norm.text[p.body_offset :] for p in parsed if p.marker and p.marker.id in top]
        if any(rules.part_review.search(to_simplified_aligned(h[:30])) for h in heads):
            parts_mode = True
            part_ids = top
            depth_of = {key: depth for key, depth in depth_of.items() if key not in top}
    levels = sorted(set(depth_of.values()))
    if parts_mode and len(levels) <= 2:
        slots = ["item", "subitem"]
    else:
        slots = ["section", "item", "subitem"]
    if len(levels) > len(slots):
        notes.append(
            f"{len(levels)} numbering levels; labels below {slots[-1]} are removed and "
            "their text read as sentences"
        )
    slot_of_id = {
        key: slots[levels.index(depth)]
        for key, depth in depth_of.items()
        if levels.index(depth) < len(slots)
    }
    notes += _infer_lost_numbers(
        parsed, {key: depth_of[key] for key in slot_of_id}, slot_of_id, rules
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
        "section_label": None,
        "item_label": None,
        "subitem_label": None,
    }
    first_part = next(
        (
            _part_of(p.norm.text[p.body_offset :], rules)
            for p in parsed
            if p.part_heading or (parts_mode and p.marker and p.marker.id in part_ids)
        ),
        "plan",
    )
    ctx["part"] = first_part
    paragraph_items = 0

    for p in parsed:
        body = p.norm.text[p.body_offset :]
        slot, kind = None, "sentence"
        inferred = p.inferred
        number = p.number
        # An inferred number was never printed; p.printed is None for it.
        printed = None if inferred else p.printed
        if p.block.table:
            kind = "table_row"
        elif p.part_heading:
            slot, kind = "part", "part_heading"
        elif p.marker is not None:
            if parts_mode and p.marker.id in part_ids:
                slot, kind = "part", "part_heading"
            elif p.marker.id in slot_of_id:
                slot = slot_of_id[p.marker.id]
                kind = f"{slot}_heading" if slot == "section" else f"{slot}_title"
        elif not recognised:
            paragraph_items += 1
            slot, kind, number, inferred = "item", "item_title", paragraph_items, True
            printed = None

        if p.block.table:
            sentences = [(0, len(body))] if body else []
        else:
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
                section_label=None,
                item_label=None,
                subitem_label=None,
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
                section_label=printed,
                item_label=None,
                subitem_label=None,
            )
        elif slot == "item":
            ctx.update(
                item_no=number,
                item_title=title if kind == "item_title" else None,
                item_no_inferred=inferred,
                subitem_no=None,
                subitem_title=None,
                item_label=printed,
                subitem_label=None,
            )
        elif slot == "subitem":
            ctx.update(subitem_no=number, subitem_title=title, subitem_label=printed)
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
                    section_label=ctx["section_label"],
                    item_label=ctx["item_label"],
                    subitem_label=ctx["subitem_label"],
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
    if (
        units
        and units[-1].unit_kind != "table_row"
        and units[-1].text[-1] not in rules.sentence_end + rules.closing_marks
    ):
        notes.append("the text ends mid-sentence (truncated?)")
    return StructureResult(units, labels, n_ws, n_changed, recognised, notes)
