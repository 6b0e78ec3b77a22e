"""Stage 2b — layout repair: body lines as printed to body lines as written.

Between chrome removal and repair, the line breaks of a plan's body are made
to mean paragraphs again.  Text copied from a PDF is broken every ~20-40
characters; a PDF or a sharing site prints page numbers on lines of their
own; a sharing site's preview restarts each chunk with a marker (``2、``)
glued to the next words.  :func:`repair_layout`

1. removes page-number lines and preview-chunk markers (a marker alone on a
   line, or at the start of a line that continues a sentence cut mid-word,
   where the plan's own numbering does not expect that number), each a
   ``removed`` row with its reason (``page_number``, ``chunk_marker``);
2. rejoins the lines a hard wrap or a removed marker split: a line that does
   not end a sentence, followed by a line that does not start a heading, a
   number or an indented paragraph.  A join drops only whitespace (the line
   break and the indent around it), so the ledger needs no row for it;
3. says whether the body is a *one-line body* (a whole plan run into one
   line), which :func:`analysis.corpus.structure.structure_units` then splits
   at the numbering written inline.

The rules are data: ``analysis/data/layout_rules.yml``.  Matching is done on
the simplified form of the text (:func:`analysis.corpus.script.to_simplified_aligned`),
so traditional-character plans are repaired the same way.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from unicodedata import east_asian_width

import yaml

from analysis import config
from analysis.corpus.chrome import Removed
from analysis.corpus.normalise import normalise_text
from analysis.corpus.script import to_simplified_aligned
from analysis.corpus.structure import (
    StructureRules,
    load_structure_rules,
    marker_at,
    table_cells,
)

LAYOUT_RULES_PATH: Path = config.RULES_DIR / "layout_rules.yml"

#: Values of ``removed.reason`` written by this stage.
LAYOUT_REASONS: tuple[str, ...] = ("page_number", "chunk_marker")

_CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class LayoutRules:
    page_markers: tuple[re.Pattern[str], ...]
    chunk_marker: re.Pattern[str]
    chunk_marker_alone: re.Pattern[str]
    sentence_end: str
    closing_marks: str
    continuing_end: str
    continuing_start: str
    indent: re.Pattern[str]
    heading_max: int
    wrap_min_lines: int
    wrap_min_share: float
    wrap_slack: int
    wrap_min_width: int
    wrap_max_width: int
    wrap_max_longer_share: float
    wrap_min_open_share: float
    join_min_len: int
    soft_wrap_min_share: float
    indented_body_share: float
    oneline_min_len: int
    oneline_share: float
    oneline_max_lines: int
    chunk_min_len: int


_REQUIRED = (
    "page_markers",
    "chunk_marker",
    "chunk_marker_alone",
    "sentence_end",
    "closing_marks",
    "continuing_end",
    "continuing_start",
    "indent",
    "heading_max",
    "wrap_min_lines",
    "wrap_min_share",
    "wrap_slack",
    "wrap_min_width",
    "wrap_max_width",
    "wrap_max_longer_share",
    "wrap_min_open_share",
    "join_min_len",
    "soft_wrap_min_share",
    "indented_body_share",
    "oneline_min_len",
    "oneline_share",
    "oneline_max_lines",
    "chunk_min_len",
)


@lru_cache(maxsize=4)
def load_layout_rules(path: Path = LAYOUT_RULES_PATH) -> LayoutRules:
    """Read and check ``layout_rules.yml``; a missing key or bad pattern names itself."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise ValueError(f"layout rules {path}: missing keys {missing}")

    def compile_(pattern: str, key: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"layout rules {path}: {key}: bad pattern {pattern!r}: {exc}") from exc

    chunk = compile_(raw["chunk_marker"], "chunk_marker")
    if "num" not in chunk.groupindex:
        raise ValueError(f"layout rules {path}: chunk_marker needs a (?P<num>…) group")
    return LayoutRules(
        page_markers=tuple(compile_(p, "page_markers") for p in raw["page_markers"]),
        chunk_marker=chunk,
        chunk_marker_alone=compile_(raw["chunk_marker_alone"], "chunk_marker_alone"),
        sentence_end=str(raw["sentence_end"]),
        closing_marks=str(raw["closing_marks"]),
        continuing_end=str(raw["continuing_end"]),
        continuing_start=str(raw["continuing_start"]),
        indent=compile_(raw["indent"], "indent"),
        heading_max=int(raw["heading_max"]),
        wrap_min_lines=int(raw["wrap_min_lines"]),
        wrap_min_share=float(raw["wrap_min_share"]),
        wrap_slack=int(raw["wrap_slack"]),
        wrap_min_width=int(raw["wrap_min_width"]),
        wrap_max_width=int(raw["wrap_max_width"]),
        wrap_max_longer_share=float(raw["wrap_max_longer_share"]),
        wrap_min_open_share=float(raw["wrap_min_open_share"]),
        join_min_len=int(raw["join_min_len"]),
        soft_wrap_min_share=float(raw["soft_wrap_min_share"]),
        indented_body_share=float(raw["indented_body_share"]),
        oneline_min_len=int(raw["oneline_min_len"]),
        oneline_share=float(raw["oneline_share"]),
        oneline_max_lines=int(raw["oneline_max_lines"]),
        chunk_min_len=int(raw["chunk_min_len"]),
    )


@dataclass
class LayoutResult:
    """Body lines after layout repair, what was removed, and what was found.

    ``lines`` are ``(line_no, text)``; a joined line keeps the number of its
    first line.  ``n_joins`` counts line breaks dropped; ``wrap_width`` is the
    detected hard-wrap width (``None`` when the body is not hard-wrapped);
    ``oneline`` says the body is one long line with inline numbering.
    """

    lines: list[tuple[int, str]]
    removed: list[Removed]
    n_joins: int = 0
    wrap_width: int | None = None
    oneline: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class _Line:
    line_no: int
    text: str  # as printed (after chrome), trailing whitespace kept
    simple: str  # stripped, normalised, simplified: what rules match
    indented: bool
    cut_before: bool = False  # a marker line was removed just before it
    gap_before: bool = False  # an earlier stage (chrome) removed a line just before it
    # The last physical line joined into this one: a hard wrap is judged on
    # the last piece only.
    tail: str | None = None
    # Text an earlier stage cut out of the tail line (an inline watermark):
    # it was printed, so it counts in the line's width.
    tail_cut: str = ""
    table: bool = False  # a table row: never joined, not counted in the wrap width

    def __post_init__(self) -> None:
        if self.tail is None:
            self.tail = self.text


@dataclass(frozen=True)
class _Wrap:
    """A detected hard wrap: the width, in the metric it was found in."""

    metric: str  # "chars" (text wrapped every N characters) or "display" (by printed width)
    width: int  # characters, or half-width units for "display"
    slack: int

    @property
    def characters(self) -> int:
        return self.width if self.metric == "chars" else round(self.width / 2)


def _measure(text: str, metric: str) -> int:
    """Printed width of a line: the indent counts, trailing spaces do not.

    ``chars`` counts characters (text broken every N characters); ``display``
    counts half-width units, a wide (CJK) character being two, as a PDF line
    is broken by its printed width (``2024年`` is narrower than four Chinese
    characters).  Characters of ambiguous width (curly quotes, ……) are wide,
    as a Chinese font prints them.
    """
    text = text.rstrip()
    if metric == "chars":
        return len(text)
    body = text.lstrip()
    # An indent is as wide as the full-width spaces it stands for, whichever
    # spaces a page (or an HTML rendering) printed it with.
    indent = 2 * (len(text) - len(body))
    return indent + sum(2 if east_asian_width(ch) in "WFA" else 1 for ch in body)


def _simple(text: str) -> str:
    return to_simplified_aligned(normalise_text(text.strip()).text)


def _ends_sentence(text: str, rules: LayoutRules) -> bool:
    stripped = text.rstrip().rstrip(rules.closing_marks)
    return bool(stripped) and stripped[-1] in rules.sentence_end


def _ends_mid_word(text: str, rules: LayoutRules) -> bool:
    """The line stops on a character inside a word (not on punctuation)."""
    stripped = text.rstrip()
    return bool(stripped) and bool(
        _CJK_IDEOGRAPH.match(stripped[-1]) or _ASCII_WORD.match(stripped[-1])
    )


def _wrap_width(lines: list[_Line], rules: LayoutRules) -> _Wrap | None:
    """The hard wrap a body is broken at, or ``None``.

    Tried in both metrics (characters, printed width); the one whose band
    holds more lines wins, ties to characters.
    """
    found = [w for w in (_wrap_in(lines, rules, m) for m in ("chars", "display")) if w]
    if not found:
        return None
    return max(found, key=lambda pair: pair[1])[0]


def _wrap_in(lines: list[_Line], rules: LayoutRules, metric: str) -> tuple[_Wrap, int] | None:
    scale = 1 if metric == "chars" else 2
    lines = [line for line in lines if line.text.strip() and not line.table]
    lengths = [
        _measure(line.text, metric)
        + (_measure(line.tail_cut.strip(), metric) if line.tail_cut else 0)
        for line in lines
    ]
    if len(lengths) < rules.wrap_min_lines:
        return None
    counts = Counter(lengths)
    slack = rules.wrap_slack * scale
    best = None
    # The wrap width is near the longest lines: try widths from the longest
    # down, as long as hardly any line is longer (an indented first line may
    # be as wide as the others, never wider), and take the first one that
    # enough lines share.
    for candidate in sorted(counts, reverse=True):
        longer = sum(k for n, k in counts.items() if n > candidate + slack)
        if longer > rules.wrap_max_longer_share * len(lengths):
            break
        if not rules.wrap_min_width * scale <= candidate <= rules.wrap_max_width * scale:
            continue
        near = sum(counts.get(candidate + d, 0) for d in range(-slack, slack + 1))
        if near >= rules.wrap_min_lines and near >= rules.wrap_min_share * len(lengths):
            width = max(w for w in range(candidate - slack, candidate + slack + 1) if counts.get(w))
            best = (_Wrap(metric, width, slack), near)
            break
    if best is None:
        return None
    wrap = best[0]
    # A wrap lands inside a sentence far more often than on its end; lines of
    # one length that mostly end sentences are short paragraphs, not wraps.
    full = [line for line in lines if line.text.strip() and _is_full(line, wrap, rules)]
    open_ended = sum(1 for line in full if not _ends_sentence(line.text, rules))
    if open_ended < rules.wrap_min_open_share * len(full):
        return None
    return best


def _is_full(line: _Line, wrap: _Wrap | None, rules: LayoutRules) -> bool:
    if wrap is None:
        return False
    width = _measure(line.tail or "", wrap.metric)
    if line.tail_cut:
        width += _measure(line.tail_cut.strip(), wrap.metric)
    return width >= wrap.width - wrap.slack


def _marker(line: _Line, structure: StructureRules) -> tuple[str, int | None] | None:
    found = marker_at(line.simple, structure)
    if found is None:
        return None
    return found.marker.id, found.number


def _is_heading(line: _Line, structure: StructureRules, rules: LayoutRules) -> bool:
    return (
        _marker(line, structure) is not None
        and len(line.simple) <= rules.heading_max
        and not any(ch in rules.sentence_end for ch in line.simple)
    )


def _continues_open_sentence(
    a: _Line, b: _Line, structure: StructureRules, rules: LayoutRules
) -> bool:
    """Is ``b`` a chunk-marker suspect: ``N、`` continuing a sentence ``a`` left open?"""
    if not rules.chunk_marker.match(b.simple) or b.indented or not a.simple:
        return False
    open_end = _ends_mid_word(a.text, rules) or a.text.rstrip()[-1] in rules.continuing_end
    return open_end and not _is_heading(a, structure, rules)


def _expected_at(
    lines: list[_Line],
    index: int,
    number: int,
    marker_id: str,
    structure: StructureRules,
    *,
    skip: set[int],
) -> bool:
    """Does the plan's own numbering expect ``number`` (of ``marker_id``) at ``lines[index]``?

    The plan's numbering is read from the numbered lines not in ``skip`` (the
    other suspects).  It expects ``number`` when the previous such line of
    that convention is ``number - 1``, or ``number`` is 1 and the next is 2;
    and not when the next is ``number`` again (this one is then the intruder).
    """

    def neighbour(indices: range) -> int | None:
        for i in indices:
            found = _marker(lines[i], structure) if i not in skip else None
            if found and found[0] == marker_id:
                return found[1]
        return None

    previous = neighbour(range(index - 1, -1, -1))
    following = neighbour(range(index + 1, len(lines)))
    if following == number:
        return False
    return (previous is not None and number == previous + 1) or (number == 1 and following == 2)


def _is_chunk_series(
    lines: list[_Line],
    first_no: int | None,
    suspects: list[int],
    numbers: dict[int, int],
    rules: LayoutRules,
) -> bool:
    """Do the body's first line (1、) and the suspects (2、 3、 …) number preview chunks?

    They do when the suspects continue the first line's 1 in order and every
    line a suspect continues is a long one (a chunk), not a list item.
    """
    if first_no != 1 or not suspects:
        return False
    in_order = [numbers[i] for i in suspects] == list(range(2, len(suspects) + 2))
    return in_order and all(len(lines[i - 1].simple) >= rules.chunk_min_len for i in suspects)


def _drop_chunk_marker(
    line: _Line, rules: LayoutRules, removed: list[Removed], *, cut: bool = True
) -> _Line:
    """The line without its leading chunk marker, which goes to ``removed``."""
    match = rules.chunk_marker.match(line.simple)
    lead = len(line.text) - len(line.text.lstrip())
    # The simple form keeps the printed marker's length (2、 is two characters).
    end = lead + match.end()
    removed.append(Removed(line.line_no, line.text[lead:end], "chunk_marker"))
    rest = line.text[end:]
    return _Line(line.line_no, rest, _simple(rest), False, cut, tail_cut=line.tail_cut)


def _is_layout_marker(simple: str, rules: LayoutRules) -> bool:
    """Is a whole (simplified, stripped) line a page-number or chunk marker?"""
    return any(p.match(simple) for p in rules.page_markers) or bool(
        rules.chunk_marker_alone.match(simple)
    )


def _join(a: _Line, b: _Line, *, wrapped: bool) -> str:
    left, right = a.text.rstrip(), b.text.strip()
    # Two Latin words met at a soft break keep a space; a hard wrap cut
    # inside a word (or between Chinese characters) joins with nothing.
    sep = (
        " "
        if (
            not wrapped
            and left
            and right
            and _ASCII_WORD.match(left[-1])
            and _ASCII_WORD.match(right[0])
        )
        else ""
    )
    return left + sep + right


def _should_join(
    a: _Line,
    b: _Line,
    width: _Wrap | None,
    structure: StructureRules,
    rules: LayoutRules,
    *,
    soft_wrapped: bool = False,
    indents: bool = True,
    indented_body: bool = False,
) -> tuple[bool, bool]:
    """(join, wrapped): whether ``b`` continues ``a``'s paragraph, and whether by a hard wrap."""
    if b.indented or not a.simple or not b.simple:
        return False, False
    if a.table or b.table:
        return False, False  # a table row is a line of its own, however long
    b_marker = _marker(b, structure) is not None
    if _is_full(a, width, rules):
        if (
            not indents
            and _ends_sentence(a.text, rules)
            and b.simple[0] not in rules.continuing_start
        ):
            # A sentence that ends exactly at the margin of a body whose
            # paragraphs are not indented: the next line may start a new one
            # (the sentences come out the same either way).
            return False, False
        return True, True
    if _ends_sentence(a.text, rules) or b_marker:
        return False, False
    if b.cut_before or a.text.rstrip()[-1] in rules.continuing_end:
        # A removed page or chunk marker, or a comma at the line end: the
        # sentence goes on (a heading never ends on a comma).
        return True, False
    if _is_heading(a, structure, rules):
        return False, False
    if b.gap_before and _ends_mid_word(a.text, rules) and len(a.simple) >= rules.join_min_len:
        # A line chrome removed (a tip, a watermark line) interrupted the sentence.
        return True, False
    if indented_body:
        # Every paragraph of this body opens with an indent: an unindented
        # line after an unfinished sentence is the rest of it (a wrap too
        # short to find the wrap width from).
        return True, True
    if width is not None or not soft_wrapped:
        # A short line in a hard-wrapped body ends its paragraph; in a body
        # of whole paragraphs a line without final punctuation is a heading
        # or a title.
        return False, False
    starts_number = bool(re.match(r"\d", b.simple))
    return len(a.simple) >= rules.join_min_len and not starts_number, False


def _soft_wrapped(lines: list[_Line], structure: StructureRules, rules: LayoutRules) -> bool:
    """Is the body broken at irregular widths (most prose lines stop mid-sentence)?"""
    prose = [
        line
        for line in lines
        if len(line.simple) >= rules.join_min_len and not _is_heading(line, structure, rules)
    ]
    if len(prose) < rules.wrap_min_lines:
        return False
    open_ended = sum(1 for line in prose if not _ends_sentence(line.text, rules))
    return open_ended >= rules.soft_wrap_min_share * len(prose)


def is_oneline_body(lines: list[tuple[int, str]], *, rules: LayoutRules | None = None) -> bool:
    """Is the body run together into one (or a few) long lines?

    True when the lines at least ``oneline_min_len`` characters long are at
    most ``oneline_max_lines`` and hold at least ``oneline_share`` of the
    body's non-space characters (a chrome line left between two halves of a
    run-together plan does not hide it).
    """
    rules = rules or load_layout_rules()
    sizes = [len("".join(text.split())) for _, text in lines]
    total = sum(sizes)
    long = [n for n in sizes if n >= rules.oneline_min_len]
    return (
        bool(total)
        and 0 < len(long) <= rules.oneline_max_lines
        and sum(long) >= rules.oneline_share * total
    )


def repair_layout(
    lines: list[tuple[int, str]],
    *,
    rules: LayoutRules | None = None,
    structure_rules: StructureRules | None = None,
    removed_lines: dict[int, str] | None = None,
) -> LayoutResult:
    """Remove page and chunk markers and rejoin the lines they or hard wraps split.

    Parameters
    ----------
    lines : list of (line_no, text)
        Body lines after chrome removal (:func:`analysis.corpus.chrome.strip_chrome`).
    rules : LayoutRules, optional
        Defaults to ``analysis/data/layout_rules.yml``.
    structure_rules : StructureRules, optional
        The numbering markers (``analysis/data/structure_rules.yml``), used to
        tell a heading or a numbered line from a continuation.
    removed_lines : dict of int to str, optional
        What an earlier stage (chrome) removed, by line number (the texts of
        one line joined).  A whole line removed that is a page or chunk
        marker splits a paragraph like one removed here; another (a sharing
        site's tip, a watermark line) rejoins the sentence it interrupted
        unless the line before is a heading.  Text cut out of a kept line
        still counts in its printed width, for telling a wrapped line.

    Returns
    -------
    LayoutResult
        Repaired ``lines``, ``removed`` markers (reasons ``page_number`` and
        ``chunk_marker``), the number of joins, the wrap width and whether the
        body is a one-line body.
    """
    rules = rules or load_layout_rules()
    structure = structure_rules or load_structure_rules()
    removed: list[Removed] = []
    kept: list[_Line] = []
    cut = False
    removed_lines = removed_lines or {}
    gaps = sorted(removed_lines)
    previous_no: int | None = None
    for line_no, text in lines:
        between = []
        if previous_no is not None:
            between = gaps[bisect_right(gaps, previous_no) : bisect_left(gaps, line_no)]
        previous_no = line_no
        gap = bool(between)
        if any(_is_layout_marker(_simple(removed_lines[n]), rules) for n in between):
            cut = True
        stripped = text.strip()
        if not stripped:
            # A blank line is a paragraph break unless it only frames a marker.
            if not cut:
                kept.append(_Line(line_no, text, "", False))
            continue
        simple = _simple(text)
        if any(p.match(simple) for p in rules.page_markers):
            removed.append(Removed(line_no, stripped, "page_number"))
            cut = True
            if kept and not kept[-1].simple:
                kept.pop()  # the blank line before the marker framed it
            continue
        if rules.chunk_marker_alone.match(simple) and kept:
            removed.append(Removed(line_no, stripped, "chunk_marker"))
            cut = True
            if kept and not kept[-1].simple:
                kept.pop()
            continue
        kept.append(
            _Line(
                line_no,
                text,
                simple,
                bool(rules.indent.match(text)),
                cut,
                gap,
                tail_cut=removed_lines.get(line_no, ""),
                table=table_cells(text, rules=structure) is not None,
            )
        )
        cut = False

    # Chunk markers glued to a continuation: "…全面提\n2、升教育质量…".  A
    # suspect is a numbered line that continues a sentence left open by a
    # line that is not a heading; it is a marker unless the plan's own
    # numbering (the numbered lines that are not suspects) expects it there.
    suspects = [
        index
        for index in range(1, len(kept))
        if _continues_open_sentence(kept[index - 1], kept[index], structure, rules)
    ]
    first = next((i for i, line in enumerate(kept) if line.simple), None)
    first_no = None
    if first is not None and (match := rules.chunk_marker.match(kept[first].simple)):
        first_no = int(match.group("num"))
    numbers = {i: int(rules.chunk_marker.match(kept[i].simple).group("num")) for i in suspects}
    if _is_chunk_series(kept, first_no, suspects, numbers, rules):
        # A preview in chunks: "1、 …" opens the body, and every later chunk
        # ("2、", "3、" …) continues a long line left mid-sentence.
        kept[first] = _drop_chunk_marker(kept[first], rules, removed, cut=False)
        for index in suspects:
            kept[index] = _drop_chunk_marker(kept[index], rules, removed)
    else:
        for index in suspects:
            found = _marker(kept[index], structure)
            if found is not None and _expected_at(
                kept, index, numbers[index], found[0], structure, skip=set(suspects)
            ):
                continue
            kept[index] = _drop_chunk_marker(kept[index], rules, removed)

    width = _wrap_width(kept, rules)
    soft_wrapped = _soft_wrapped(kept, structure, rules)
    # Paragraphs open with an indent in this body: an unindented line continues.
    indents = sum(1 for line in kept if line.indented) >= 2
    texts = [line for line in kept if line.simple and not line.table]
    indented_body = len(texts) >= rules.wrap_min_lines and sum(
        1 for line in texts if line.indented
    ) >= rules.indented_body_share * len(texts)
    out: list[_Line] = []
    n_joins = 0
    for line in kept:
        if out and line.simple and out[-1].simple:
            join, wrapped = _should_join(
                out[-1],
                line,
                width,
                structure,
                rules,
                soft_wrapped=soft_wrapped,
                indents=indents,
                indented_body=indented_body,
            )
            if join:
                prev = out[-1]
                text = _join(prev, line, wrapped=wrapped)
                # The joined line is "full" only if its last piece was.
                out[-1] = _Line(
                    prev.line_no,
                    text,
                    # Simplified per piece (the same text, without re-reading a
                    # long paragraph at every join).
                    prev.simple + line.simple,
                    prev.indented,
                    prev.cut_before,
                    tail=line.tail,
                    tail_cut=line.tail_cut,
                )
                n_joins += 1
                continue
        out.append(line)
    result_lines = [(line.line_no, line.text) for line in out if line.text.strip()]
    notes = []
    if width is not None:
        notes.append(
            f"hard-wrapped body (about {width.characters} characters a line): "
            f"{n_joins} line breaks joined"
        )
    elif n_joins:
        notes.append(f"{n_joins} line breaks inside paragraphs joined")
    if removed:
        counts = Counter(r.reason for r in removed)
        notes.append(
            "layout markers removed: " + ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
        )
    oneline = is_oneline_body(result_lines, rules=rules)
    width_chars = width.characters if width is not None else None
    return LayoutResult(result_lines, removed, n_joins, width_chars, oneline, notes)
