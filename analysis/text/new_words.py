"""Candidate dictionary terms: phrases the segmenter splits that behave like one word.

A policy text coins terms jieba's dictionary does not know (久久为功, 创名升位,
开齐开足), and jieba cuts them into pieces (久久 | 为 | 功).  The pieces then show
up as odd single characters in keyword lists and as "pairs" in co-occurrence.
:func:`candidate_terms` finds runs of two or three adjacent tokens that look
like one word, for a person to review and add to ``analysis/data/userdict.txt``;
nothing is added automatically.

The method is Chinese new-word discovery by internal cohesion and free
boundaries (Sproat & Shih 1990; Matrix67 2012), on the segmenter's tokens
rather than on raw characters, so that only splits of the current dictionary
are proposed:

candidates
    Every run of 2-3 tokens that are adjacent in the unit's text (nothing,
    not even punctuation, between them), 2-8 characters long, none of them a
    number/Latin span, neither end a function word of the standard stopword list.
cohesion (``pmi``)
    Pointwise mutual information of the parts, ``ln(p(xy) / (p(x) p(y)))`` with
    p the count over the number of tokens; for three tokens the smaller of the
    two binary splits (x|yz and xy|z), as Matrix67 takes the weakest joint.
    High when the parts occur together far more often than by chance.
freedom (``left_entropy``, ``right_entropy``)
    Shannon entropy (natural log) of the character just before (after) each
    occurrence.  A unit's start or end, or punctuation, counts as a new symbol
    at each occurrence (a boundary the phrase can stand next to).  Low on
    either side means the candidate is a piece of something longer: 为功
    is always preceded by 久久.
``score``
    ``pmi * min(left_entropy, right_entropy)``: zero when either side is
    fixed, large for a cohesive phrase used in several contexts.

Candidates with ``freq >= min_freq``, ``pmi >= min_pmi`` and both entropies
``>= min_entropy`` are returned, best score first.

References
----------
Matrix67 (2012). 互联网时代的社会语言学：基于SNS的文本数据挖掘 [Sociolinguistics
    in the internet age: text mining on social-network data].
    http://www.matrix67.com/blog/archives/5044
Sproat, R. & Shih, C. (1990). A statistical method for finding word boundaries
    in Chinese text. *Computer Processing of Chinese and Oriental Languages*
    4(4), 336-351.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator

import numpy as np
import pandas as pd

from analysis import schema
from analysis.config import RANDOM_STATE
from analysis.corpus.script import matching_text
from analysis.text.tokens import read_stopwords

__all__ = [
    "candidate_terms",
]

# A token with a Latin letter or an Arabic digit is a protected span (2.0, STEM):
# it is already kept whole, and a number next to a word is not a term.
_LATIN_OR_DIGIT = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]")
# Boundary symbols for the entropies that are never a character of the text.
_EDGE = "\x00"
_PUNCT_CATEGORIES = ("P", "S", "Z", "C")

_EXAMPLE_WIDTH: int = 8
_EXAMPLES: int = 3


def _check_number(name: str, value: object, low: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise ValueError(f"{name} must be a number >= {low}; got {value!r}")


def _entropy(counter: Counter) -> float:
    total = sum(counter.values())
    return -sum(n / total * math.log(n / total) for n in counter.values())


def _is_boundary(ch: str) -> bool:
    return unicodedata.category(ch)[0] in _PUNCT_CATEGORIES


def _runs(
    unit_id: str, toks: list[str], texts: dict[str, str], *, stop: frozenset[str],
    max_tokens: int, max_chars: int,
) -> Iterator[tuple[tuple[str, ...], int, int]]:
    """Each candidate run of a unit's tokens, with its start and end in the unit's text."""
    text = texts.get(unit_id)
    if text is None:
        raise ValueError(f"unit {unit_id!r} of tokens is not in units")
    spans = []
    cursor = 0
    for tok in toks:
        start = text.find(tok, cursor)
        if start < 0:
            raise ValueError(f"token {tok!r} of unit {unit_id!r} is not in its text; "
                             "were the tokens made from these units?")
        spans.append((start, start + len(tok)))
        cursor = start + len(tok)
    for i in range(len(toks)):
        if _LATIN_OR_DIGIT.search(toks[i]) or toks[i] in stop:
            continue
        for n in range(2, max_tokens + 1):
            j = i + n - 1
            if j >= len(toks):
                break
            # Adjacent in the text: nothing (not even punctuation) in between.
            if spans[j][0] != spans[j - 1][1] or _LATIN_OR_DIGIT.search(toks[j]):
                break
            if spans[j][1] - spans[i][0] > max_chars:
                break
            if toks[j] in stop:
                continue
            yield tuple(toks[i:j + 1]), spans[i][0], spans[j][1]


def candidate_terms(
    tokens: pd.DataFrame,
    units: pd.DataFrame,
    *,
    min_freq: int = 3,
    min_pmi: float = 3.0,
    min_entropy: float = 0.5,
    max_tokens: int = 3,
    max_chars: int = 8,
    stopwords: Collection[str] | None = None,
    max_units: int = 20_000,
    random_state: int = RANDOM_STATE,
) -> pd.DataFrame:
    """Runs of adjacent tokens that behave like one word (see the module docstring).

    Parameters
    ----------
    tokens : DataFrame
        The full token table (schema.TOKENS), stopwords *not* removed: a
        candidate is judged on the text as segmented.
    units : DataFrame
        The units those tokens come from (``unit_id, region_id, text``).
    min_freq : int, default 3
        Occurrences a candidate needs (fewer cannot show free boundaries).
    min_pmi : float, default 3.0
        Least cohesion, in nats (e^3 = 20 times more often together than chance).
    min_entropy : float, default 0.5
        Least left and right boundary entropy, in nats (0.5 needs at least two
        different neighbours on each side).
    max_tokens : {2, 3}, default 3
        Longest run of tokens considered.
    max_chars : int, default 8
        Longest candidate in characters.
    stopwords : collection of str, optional
        Tokens that may not begin or end a candidate; default the standard
        stopword list (``analysis/data/stopwords_zh.txt``: 的, 和, 等 …).
    max_units : int, default 20,000
        With more units than this, a seeded random sample of this many is
        read (time and memory grow with the units read; about 0.2 s for the
        five plans' 591 units).
    random_state : int, default ``analysis.config.RANDOM_STATE``
        Seed of that sample.

    Returns
    -------
    DataFrame with columns schema.CANDIDATE_TERMS:
        candidate : str, the tokens joined.
        parts : str, the tokens separated by a space (how jieba cuts it now).
        n_tokens, n_chars : int.
        freq : int, occurrences (adjacent, in this order).
        n_units, n_regions : int, units and plans it occurs in.
        pmi : float, cohesion (natural log; the weakest split).
        left_entropy, right_entropy : float, boundary entropies (natural log).
        score : float, pmi x the smaller entropy.
        examples : str, up to three contexts from different units, the
            candidate in 【】 with eight characters either side, joined by " ｜ ".
    Sorted by score descending, then candidate.
    """
    for name in ("tokens", "units"):
        table = tokens if name == "tokens" else units
        needed = schema.TOKENS if name == "tokens" else ["unit_id", "region_id", "text"]
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ValueError(f"{name} is missing columns {missing}")
    if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
        raise ValueError(f"min_freq must be an int >= 1; got {min_freq!r}")
    if max_tokens not in (2, 3) or isinstance(max_tokens, bool):
        raise ValueError(f"max_tokens must be one of (2, 3); got {max_tokens!r}")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 2:
        raise ValueError(f"max_chars must be an int >= 2; got {max_chars!r}")
    _check_number("min_pmi", min_pmi, -math.inf)
    _check_number("min_entropy", min_entropy, 0.0)
    if isinstance(max_units, bool) or not isinstance(max_units, int) or max_units < 1:
        raise ValueError(f"max_units must be an int >= 1; got {max_units!r}")
    stop = frozenset(read_stopwords(("standard",)) if stopwords is None else stopwords)

    # Tokens come from the simplified form of the text (analysis.text.tokens), so runs
    # are found there; candidates and examples are in simplified characters.
    texts = dict(zip(units["unit_id"].astype(str), matching_text(units).astype(str), strict=True))
    region_of = dict(zip(units["unit_id"].astype(str), units["region_id"].astype(str),
                         strict=True))
    unit_ids = np.array(sorted(pd.unique(tokens["unit_id"].astype(str))), dtype=object)
    if len(unit_ids) > max_units:
        # A seeded sample bounds time and memory on a large corpus (as for topic models).
        rng = np.random.default_rng(random_state)
        unit_ids = np.sort(rng.choice(unit_ids, size=max_units, replace=False))
        tokens = tokens.loc[tokens["unit_id"].astype(str).isin(set(unit_ids))]
    ordered = tokens.sort_values(["unit_id", "position"], kind="stable")
    by_unit = [(str(u), g["token"].astype(str).tolist())
               for u, g in ordered.groupby("unit_id", sort=True)]
    unigram: Counter = Counter()
    pair_count: Counter = Counter()
    ngram: Counter = Counter()
    for unit_id, toks in by_unit:
        unigram.update(toks)
        # Pairs of neighbouring tokens, whatever they are: the two-token parts of
        # a three-token run's splits are weighed against these counts.
        pair_count.update(zip(toks, toks[1:], strict=False))
        ngram.update(key for key, _, _ in _runs(unit_id, toks, texts, stop=stop,
                                                 max_tokens=max_tokens, max_chars=max_chars))
    n_tokens_total = sum(unigram.values())
    # Second pass: the positions of the runs frequent enough to be candidates only.
    where: dict[tuple[str, ...], list[tuple[str, int, int]]] = defaultdict(list)
    for unit_id, toks in by_unit:
        for key, start, end in _runs(unit_id, toks, texts, stop=stop, max_tokens=max_tokens,
                                     max_chars=max_chars):
            if ngram[key] >= min_freq:
                where[key].append((unit_id, start, end))

    rows = []
    for key, occurrences in where.items():
        freq = len(occurrences)
        p_key = freq / n_tokens_total

        def p_of(parts: tuple[str, ...]) -> float:
            if len(parts) == 1:
                return unigram[parts[0]] / n_tokens_total
            return max(pair_count[parts], 1) / n_tokens_total

        pmi = min(math.log(p_key / (p_of(key[:s]) * p_of(key[s:])))
                  for s in range(1, len(key)))
        if pmi < min_pmi:
            continue
        left: Counter = Counter()
        right: Counter = Counter()
        for k, (unit_id, start, end) in enumerate(occurrences):
            text = texts[unit_id]
            before = text[start - 1] if start > 0 else _EDGE
            after = text[end] if end < len(text) else _EDGE
            left[f"{_EDGE}{k}" if before == _EDGE or _is_boundary(before) else before] += 1
            right[f"{_EDGE}{k}" if after == _EDGE or _is_boundary(after) else after] += 1
        h_left, h_right = _entropy(left), _entropy(right)
        if min(h_left, h_right) < min_entropy:
            continue
        seen_units: set[str] = set()
        examples = []
        for unit_id, start, end in sorted(occurrences):
            if unit_id in seen_units:
                continue
            seen_units.add(unit_id)
            if len(examples) < _EXAMPLES:
                text = texts[unit_id]
                examples.append(f"{text[max(0, start - _EXAMPLE_WIDTH):start]}【{text[start:end]}】"
                                f"{text[end:end + _EXAMPLE_WIDTH]}")
        rows.append({
            "candidate": "".join(key),
            "parts": " ".join(key),
            "n_tokens": len(key),
            "n_chars": len("".join(key)),
            "freq": freq,
            "n_units": len(seen_units),
            "n_regions": len({region_of[u] for u in seen_units}),
            "pmi": round(pmi, 6),
            "left_entropy": round(h_left, 6),
            "right_entropy": round(h_right, 6),
            "score": round(pmi * min(h_left, h_right), 6),
            "examples": " ｜ ".join(examples),
        })
    out = pd.DataFrame(rows, columns=schema.CANDIDATE_TERMS)
    if out.empty:
        return out.astype({c: "int64" for c in ("n_tokens", "n_chars", "freq", "n_units",
                                                "n_regions")})
    # The same string cut two ways (a|bc and ab|c) is one candidate: keep its best row.
    out = out.sort_values(["score", "candidate", "freq"], ascending=[False, True, False],
                          kind="mergesort")
    out = out.drop_duplicates("candidate", keep="first")
    return out.reset_index(drop=True)
