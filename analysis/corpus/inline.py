"""Inline marks: emoji, injected code points and watermarks inside a plan's words.

Copy-protection and spam mirrors insert characters into words (教★育, a
zero-width space, a private-use icon glyph, an emoji) and site names or URLs
into sentences (…全面落实（来源：某某范文网）立德树人根本任务…).
:func:`strip_inline_marks` takes them out of one line and returns each one
with its offset and reason, so the loader can ledger it and the word or
sentence it split is whole again.  What counts as a mark is data in
``analysis/data/inline_marks.yml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config
from analysis.corpus.script import to_simplified_aligned

INLINE_MARKS_PATH: Path = config.RULES_DIR / "inline_marks.yml"


@dataclass(frozen=True)
class InlineRules:
    always_reason: str
    always_categories: frozenset[str]
    always_ranges: tuple[tuple[int, int], ...]
    inside_reason: str
    inside_categories: frozenset[str]
    inside_chars: frozenset[str]
    inside_keep: frozenset[str]
    line_start: frozenset[str]
    watermarks: tuple[tuple[str, str, re.Pattern[str], bool], ...]


@dataclass(frozen=True)
class InlineMark:
    """One removed span of a line: ``line[start:end] == text``."""

    start: int
    end: int
    text: str
    reason: str


def _range(text: str, path: Path) -> tuple[int, int]:
    try:
        low, high = (int(part, 16) for part in str(text).split("-"))
    except ValueError as exc:
        raise ValueError(f"{path}: bad code point range {text!r}; write it as 1F000-1FAFF") from exc
    return low, high


@lru_cache(maxsize=4)
def load_inline_rules(path: Path = INLINE_MARKS_PATH) -> InlineRules:
    """Read and validate ``inline_marks.yml`` (safe YAML, no code)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    missing = [k for k in ("always", "inside_words", "watermarks") if k not in raw]
    if missing:
        raise ValueError(f"inline marks {path}: missing sections {missing}")
    watermarks = []
    for i, entry in enumerate(raw["watermarks"]):
        for key in ("id", "reason", "pattern"):
            if key not in entry:
                raise ValueError(f"inline marks {path}: watermark #{i} lacks {key!r}")
        try:
            pattern = re.compile(entry["pattern"])
        except re.error as exc:
            raise ValueError(f"inline marks {path}: {entry['id']}: bad pattern: {exc}") from exc
        site_only = bool(entry.get("site_furniture_only", False))
        watermarks.append((entry["id"], entry["reason"], pattern, site_only))
    always, inside = raw["always"], raw["inside_words"]
    return InlineRules(
        always_reason=always["reason"],
        always_categories=frozenset(always["categories"]),
        always_ranges=tuple(_range(r, path) for r in always["ranges"]),
        inside_reason=inside["reason"],
        inside_categories=frozenset(inside["categories"]),
        inside_chars=frozenset(inside["chars"]),
        inside_keep=frozenset(inside.get("keep", "")),
        line_start=frozenset(inside.get("line_start", "")),
        watermarks=tuple(watermarks),
    )


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _always(ch: str, rules: InlineRules) -> bool:
    code = ord(ch)
    if any(low <= code <= high for low, high in rules.always_ranges):
        return True
    return unicodedata.category(ch) in rules.always_categories


def _injected(ch: str, rules: InlineRules) -> bool:
    if ch in rules.inside_keep:
        return False
    return ch in rules.inside_chars or unicodedata.category(ch) in rules.inside_categories


def _odd_code_points(line: str, rules: InlineRules) -> list[InlineMark]:
    marks: list[InlineMark] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isascii():
            i += 1
            continue
        if _always(ch, rules):
            j = i + 1
            while j < len(line) and _always(line[j], rules):
                j += 1
            marks.append(InlineMark(i, j, line[i:j], rules.always_reason))
            i = j
            continue
        if _injected(ch, rules):
            # A run of symbols counts when Chinese characters stand on both sides
            # (possibly across always-removed code points such as an emoji).
            j = i + 1
            while j < len(line) and (_injected(line[j], rules) or _always(line[j], rules)):
                j += 1
            before = next((c for c in reversed(line[:i]) if not _always(c, rules)), "")
            after = line[j] if j < len(line) else ""
            bullet = not line[:i].strip() and all(
                c in rules.line_start or _always(c, rules) for c in line[i:j]
            )
            if (_is_cjk(before) and _is_cjk(after)) or (bullet and after):
                marks.extend(
                    InlineMark(
                        k,
                        k + 1,
                        line[k],
                        rules.always_reason if _always(line[k], rules) else rules.inside_reason,
                    )
                    for k in range(i, j)
                )
            i = j
            continue
        i += 1
    return _merge(marks)


def _merge(marks: list[InlineMark]) -> list[InlineMark]:
    merged: list[InlineMark] = []
    for mark in sorted(marks, key=lambda m: m.start):
        last = merged[-1] if merged else None
        if last and last.end == mark.start and last.reason == mark.reason:
            merged[-1] = InlineMark(last.start, mark.end, last.text + mark.text, last.reason)
        elif last and mark.start < last.end:
            continue  # overlaps a span already taken
        else:
            merged.append(mark)
    return merged


def strip_inline_marks(
    line: str, *, rules: InlineRules | None = None, site_furniture: bool = True
) -> tuple[str, list[InlineMark]]:
    """Remove injected code points and inline watermarks from one line.

    Parameters
    ----------
    line : str
        A printed line (simplified or traditional).
    rules : InlineRules, optional
        Defaults to :func:`load_inline_rules` of ``analysis/data/inline_marks.yml``.
    site_furniture : bool, default True
        Whether the page shows a sharing, essay or WeChat site's furniture;
        watermarks marked ``site_furniture_only`` (web addresses, bracketed
        site names) are removed only then.

    Returns
    -------
    (str, list of InlineMark)
        The line without the marks, and each removed span (offsets into the
        input line, in order).  Lines without marks come back unchanged.
    """
    rules = rules or load_inline_rules()
    marks = _odd_code_points(line, rules)
    taken = {i for m in marks for i in range(m.start, m.end)} if marks else set()
    simple = to_simplified_aligned(line)
    found: list[InlineMark] = []
    for _, reason, pattern, site_only in rules.watermarks:
        if site_only and not site_furniture:
            continue
        for match in pattern.finditer(simple):
            span = range(match.start(), match.end())
            if match.end() > match.start() and not any(i in taken for i in span):
                found.append(
                    InlineMark(
                        match.start(), match.end(), line[match.start() : match.end()], reason
                    )
                )
                taken.update(span)
    marks = sorted(marks + found, key=lambda m: m.start)
    if not marks:
        return line, []
    pieces, pos = [], 0
    for mark in marks:
        pieces.append(line[pos : mark.start])
        pos = mark.end
    pieces.append(line[pos:])
    return "".join(pieces), marks
