"""Keyword in context (KWIC): every occurrence of a word or pattern, with its context.

Three ways to say what to find (``match``):

``"token"``
    whole tokens of the token table (:func:`analysis.text.tokens.tokens_from_units`).
    A word jieba cuts into other tokens (课后服务 as 课后|服务) is not a token, so
    this mode also counts the word as a plain substring and warns when the
    text holds more occurrences than it found as tokens -- it never misses
    them silently.
``"substring"``
    every occurrence of the string in the unit's text; no tokens needed.
``"regex"``
    every match of a regular expression (:mod:`re`) in the unit's text.

Matching is done on the unit's simplified form
(:func:`analysis.corpus.script.matching_text`, the same length as the printed
text), so a traditional-character unit matches a simplified pattern; the
keyword and its context are cut from the printed ``text``.

The context is ``window`` tokens (``window_unit="token"``) or characters
(``"char"``) on each side, never crossing the unit (sentence).

References
----------
Luhn, H. P. (1960). Key word-in-context index for technical literature.
    American Documentation, 11(4), 288-295.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema
from analysis.corpus.script import matching_text

__all__ = ["MATCH_MODES", "WINDOW_UNITS", "kwic", "token_offsets"]

#: Allowed values of ``match``.
MATCH_MODES: tuple[str, ...] = ("token", "substring", "regex")
#: Allowed values of ``window_unit``.
WINDOW_UNITS: tuple[str, ...] = ("token", "char")

_CONTEXT_COLS: tuple[str, ...] = (
    "part", "section_no", "section_title", "item_no", "item_title",
)


@dataclass(frozen=True)
class _Hit:
    """One occurrence in a unit: character span in the unit text and what matched."""

    start: int
    end: int
    match: str
    position: int | None = None


def _require(table: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} is missing columns {missing}")


def token_offsets(text: str, tokens: Sequence[str], unit_id: str) -> list[tuple[int, int]]:
    """Character span ``(start, end)`` of each token in ``text``, found left to right.

    Raises ``ValueError`` when a token is not in the text after the previous
    one (the tokens were made from another text).
    """
    spans = []
    cursor = 0
    for token in tokens:
        start = text.find(token, cursor)
        if start < 0:
            raise ValueError(
                f"token {token!r} of unit {unit_id!r} is not in its text after offset {cursor}; "
                "were the tokens made from these units?"
            )
        spans.append((start, start + len(token)))
        cursor = start + len(token)
    return spans


def _terms(pattern: object) -> list[str]:
    """The distinct strings of a ``token``/``substring`` pattern, in the order given."""
    terms = [pattern] if isinstance(pattern, str) else list(pattern)
    if not terms or not all(isinstance(t, str) and t for t in terms):
        raise ValueError(f"pattern must be a non-empty string or strings; got {pattern!r}")
    return list(dict.fromkeys(terms))


def _compile(pattern: object) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"with match='regex', pattern must be a non-empty string; got {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {err}") from err


def _substring_hits(text: str, terms: Sequence[str]) -> list[_Hit]:
    # Non-overlapping, left to right, as str.count counts them.
    return [
        _Hit(m.start(), m.end(), term)
        for term in terms
        for m in re.finditer(re.escape(term), text)
    ]


def _regex_hits(text: str, compiled: re.Pattern[str]) -> list[_Hit]:
    # An empty match (e.g. of "x*") has no keyword to show: skipped.
    return [
        _Hit(m.start(), m.end(), compiled.pattern)
        for m in compiled.finditer(text)
        if m.end() > m.start()
    ]


def _token_context(
    spans: list[tuple[int, int]], start: int, end: int, window: int, n_chars: int
) -> tuple[int, int]:
    """Where the context of a match at ``[start, end)`` starts and ends, ``window`` tokens out.

    Counts the tokens lying wholly before (after) the match; when the window
    takes in the unit's first (last) such token, the context runs to the start
    (end) of the text, so punctuation there (an opening quote) is kept.
    """
    before = [i for i, (_, e) in enumerate(spans) if e <= start]
    after = [i for i, (s, _) in enumerate(spans) if s >= end]
    if window == 0:
        # Only the stretch between the match and the nearest token, at a unit's ends.
        return (0 if not before else start), (n_chars if not after else end)
    left_from = 0 if len(before) <= window else spans[before[-window]][0]
    right_to = n_chars if len(after) <= window else spans[after[window - 1]][1]
    return left_from, right_to


def _position_at(spans: list[tuple[int, int]], positions: np.ndarray, offset: int) -> int | None:
    """Position of the token whose span holds character ``offset``, or None."""
    for (s, e), pos in zip(spans, positions, strict=True):
        if s <= offset < e:
            return int(pos)
    return None


def _missed_warning(units_text: list[str], found: dict[str, int], terms: Sequence[str]) -> None:
    """Warn when a term occurs in the text more often than as a whole token."""
    missed = []
    for term in terms:
        in_text = sum(text.count(term) for text in units_text)
        if in_text > found.get(term, 0):
            missed.append(f"{in_text - found.get(term, 0)} of {in_text} occurrences of {term!r}")
    if missed:
        warnings.warn(
            f"kwic(match='token') missed {'; '.join(missed)}: they are in the text but not "
            "whole tokens, because jieba split it into other tokens (or those tokens were "
            "removed from the token table); add it to the user dictionary "
            "(tokens_from_units(extra_terms=[...])) or use match='substring'",
            UserWarning,
            stacklevel=3,
        )


def _empty(columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return out.astype({"position": "Int64", "start": "int64", "end": "int64"})


def kwic(
    units: pd.DataFrame,
    pattern: str | Sequence[str] | re.Pattern[str],
    *,
    tokens: pd.DataFrame | None = None,
    match: str | None = None,
    window: int = 10,
    window_unit: str | None = None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of a pattern, with its left and right context.

    Parameters
    ----------
    units : DataFrame
        The units table (schema.UNITS): ``region_id``, ``unit_id``, ``text`` and,
        when present, ``text_simplified``, the structure columns part,
        section_no, section_title, item_no, item_title, and a ``theme`` column if
        one has been merged in (one value per unit).
    pattern : str, sequence of str or compiled regex
        What to find, in simplified characters.  ``match="token"``: token(s),
        exact and whole-token.  ``"substring"``: string(s), every
        non-overlapping occurrence of each (as ``str.count`` counts them).
        ``"regex"``: one regular expression for :func:`re.compile`; empty
        matches are skipped.
    tokens : DataFrame or None, default None
        Tokens of those units (schema.TOKENS), with or without stopwords.
        Needed for ``match="token"`` and for ``window_unit="token"``; with the
        other modes it also gives each hit its token ``position``.
    match : {"token", "substring", "regex"} or None, default None
        How ``pattern`` is matched (see the module docstring); None means
        ``"token"`` when ``tokens`` are given, else ``"substring"``.  With
        ``"token"``, a ``UserWarning`` says how many occurrences of a term
        in the text are not whole tokens (jieba split them).
    window : int, default 10
        Context size on each side, in ``window_unit``.
    window_unit : {"token", "char"} or None, default None
        None means ``"token"`` when ``tokens`` are given, else ``"char"``.
        ``"token"``: the context runs from the first token at or after
        ``position - window`` to the keyword and from the keyword to the end of
        the last token at or before ``position + window`` (with ``match="token"``;
        for the other modes, the ``window`` kept tokens lying wholly before and
        after the match); when the window takes in the unit's first (last)
        token the context runs to the start (end) of the text.  ``"char"``:
        ``window`` characters each side, cut at the unit's ends.

    Returns
    -------
    DataFrame with columns schema.KWIC (+ ``theme`` after item_title if ``units`` has it):
        region_id, unit_id, part, section_no, section_title, item_no, item_title :
            from ``units`` (missing structure columns are filled with NA).
        position : Int64, token position of the keyword (with a substring or regex,
            of the token holding its first character); NA without tokens, or when
            the match starts outside any token.
        start, end : int, character offsets of the keyword in the unit's ``text``
            (``text[start:end] == keyword``).
        left, keyword, right : str, text before, the keyword, text after, as printed.
        match : str, the term matched (``match="token"``/``"substring"``) or the
            regular expression (``"regex"``).
    Rows follow the order of ``units``, then ``start``, then ``match``.

    References
    ----------
    Luhn (1960) -- see the module docstring.
    """
    if match is None:
        match = "token" if tokens is not None else "substring"
    if window_unit is None:
        window_unit = "token" if tokens is not None else "char"
    if isinstance(pattern, pd.DataFrame):
        raise TypeError("pattern is a table: give the tokens as tokens=…, "
                        "e.g. kwic(units, '双减', tokens=tokens)")
    if pattern is None:
        raise ValueError("pattern is required: the token, string or regular expression to find")
    if match not in MATCH_MODES:
        raise ValueError(f"match must be one of {', '.join(MATCH_MODES)}; got {match!r}")
    if window_unit not in WINDOW_UNITS:
        raise ValueError(
            f"window_unit must be one of {', '.join(WINDOW_UNITS)}; got {window_unit!r}"
        )
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 0:
        raise ValueError(f"window must be an int >= 0; got {window!r}")
    if tokens is None and (match == "token" or window_unit == "token"):
        raise ValueError(
            f"match={match!r} with window_unit={window_unit!r} needs tokens "
            "(tokens_from_units(units)); without them use match='substring' or 'regex' "
            "with window_unit='char'"
        )
    _require(units, "units", ["region_id", "unit_id", "text"])
    if tokens is not None:
        _require(tokens, "tokens", ["unit_id", "position", "token"])
    compiled = _compile(pattern) if match == "regex" else None
    terms = _terms(pattern) if match != "regex" else []

    has_theme = "theme" in units.columns
    columns = list(schema.KWIC)
    if has_theme:
        columns.insert(columns.index("item_title") + 1, "theme")

    # Tokens are cut from the simplified form (analysis.text.tokens); it has the same
    # length as the printed text, so offsets found in it cut the text as printed.
    simplified = matching_text(units).astype(str).tolist()
    by_unit: dict[str, pd.DataFrame] = {}
    if tokens is not None:
        wanted = tokens["unit_id"].isin(set(units["unit_id"]))
        if match == "token":
            hit_units = set(tokens.loc[wanted & tokens["token"].isin(terms), "unit_id"])
            wanted &= tokens["unit_id"].isin(hit_units)
        by_unit = {
            uid: group.sort_values("position", kind="mergesort")
            for uid, group in tokens.loc[wanted].groupby("unit_id", sort=False)
        }

    rows = []
    found: dict[str, int] = {}
    for unit, text in zip(units.itertuples(index=False), simplified, strict=True):
        group = by_unit.get(unit.unit_id)
        toks = group["token"].tolist() if group is not None else []
        positions = group["position"].to_numpy() if group is not None else np.array([])
        spans = token_offsets(text, toks, unit.unit_id) if group is not None else []
        if match == "token":
            hits = [
                _Hit(spans[i][0], spans[i][1], tok, int(positions[i]))
                for i, tok in enumerate(toks)
                if tok in terms
            ]
            for hit in hits:
                found[hit.match] = found.get(hit.match, 0) + 1
        elif match == "substring":
            hits = _substring_hits(text, terms)
        else:
            hits = _regex_hits(text, compiled)
        if not hits:
            continue
        hits.sort(key=lambda h: (h.start, h.match))
        printed = unit.text
        for hit in hits:
            position = hit.position
            if position is None and spans:
                position = _position_at(spans, positions, hit.start)
            if window_unit == "char":
                left_from, right_to = max(hit.start - window, 0), min(hit.end + window, len(text))
            elif match == "token":
                left_from, right_to = _token_window(spans, positions, hit, window, len(text))
            else:
                left_from, right_to = _token_context(spans, hit.start, hit.end, window, len(text))
            row = {c: getattr(unit, c, pd.NA) for c in ("region_id", "unit_id", *_CONTEXT_COLS)}
            if has_theme:
                row["theme"] = unit.theme
            row.update(
                position=pd.NA if position is None else position,
                start=hit.start,
                end=hit.end,
                left=printed[left_from:hit.start],
                keyword=printed[hit.start:hit.end],
                right=printed[hit.end:right_to],
                match=hit.match,
            )
            rows.append(row)
    if match == "token":
        _missed_warning(simplified, found, terms)
    if not rows:
        return _empty(columns)
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"position": "Int64", "start": "int64", "end": "int64"})


def _token_window(
    spans: list[tuple[int, int]], positions: np.ndarray, hit: _Hit, window: int, n_chars: int
) -> tuple[int, int]:
    """Context of a token hit: tokens whose *position* is within ``window`` of the hit's.

    Positions count every token the segmenter made, so after stopword removal
    the window still spans the same stretch of text.
    """
    first = int(np.searchsorted(positions, hit.position - window, side="left"))
    last = int(np.searchsorted(positions, hit.position + window, side="right")) - 1
    # A window that reaches the unit's first (last) token also takes the
    # punctuation before (after) it, e.g. an opening quotation mark.
    left_from = 0 if first == 0 else spans[first][0]
    right_to = n_chars if last == len(spans) - 1 else spans[last][1]
    return left_from, right_to
