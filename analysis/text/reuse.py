"""Text reuse: wording shared verbatim (or nearly) between plans.

Shared wording between plans written in different places is evidence of
policy diffusion -- one bureau copying another, or both copying a common
source (Wilkerson, Smith & Stramp 2015; Linder et al. 2020).  Detection here
works on characters, not words, so it does not depend on segmentation:

1. Every unit's text is cut into overlapping character n-grams ("shingles",
   Broder 1997) of ``n`` characters; a shingle never crosses a unit boundary.
2. Each distinct shingle's *region count* -- how many plans contain it -- is
   found by sorting all shingles once (an inverted index built by sorting on a
   64-bit hash, with neighbours checked character by character, so the
   grouping is exact).
3. **Stock phrases.**  A shingle found in at least ``stock_min_regions`` plans
   is formulaic wording that nearly every plan repeats (立德树人根本任务,
   全面贯彻党的教育方针 ...).  Each maximal run of such shingles in a unit is
   reported once, as a ``stock_phrase`` row of that unit; stock phrases are not
   paired between plans (with hundreds of plans that would be millions of rows
   saying the same thing).
4. **Reuse.**  Every other shingle found in two or more plans seeds a match
   between each pair of its occurrences in different plans (only the first
   seed of a run of consecutive matching shingles is kept).  Each seed is
   extended character by character in both directions while both texts agree,
   which carries a match through any stock phrase inside it, so every match
   becomes a maximal verbatim common substring.  Matches of the same pair of
   units whose gaps are at most ``max_gap`` characters in both texts are
   chained into one near-verbatim span (a simple local alignment allowing
   small substitutions and insertions).  Punctuation and spaces are trimmed
   from the ends; spans of at least ``min_chars`` characters that still hold a
   non-stock shingle are reported as ``reuse``.

A shingle whose every occurrence follows the same shared, non-stock shingle
can never start a match (the pair one character earlier matches too), so it
seeds nothing: in a passage copied whole only the first shingle or two seed.
This changes no result and removes most seed pairs.

**Candidate pairs (``method="lsh"``).**  Instead of pairing every occurrence of
a shared shingle across all plans, each unit gets a MinHash signature of the
set of its shingles that can start a match (above), LSH banding proposes the
unit pairs whose sets probably overlap (:mod:`analysis.text.lsh`), and seeds
are paired only within those unit pairs.  The rows are then exactly the exact
method's rows for the proposed unit pairs: LSH can miss reuse, never invent it.
Recall is lowest for a long unit that shares different short phrases with
different plans (its set overlaps each partner's only a little); the default
64 one-row bands propose a pair whose sets have Jaccard similarity 0.05 with
probability 0.96.  Measured recall (share of the exact method's reused
characters): 1.00 on the five plans, 0.97 on 100 synthetic plans, 0.997 on
500, 0.989 on 1,000.  On those corpora LSH was not faster than the exact method once the
exact method skips shingles that cannot start a match (benchmarks/README.md,
"Text reuse at scale"), and it holds more memory; it can compare fewer
pairs when plans share many short phrases inside otherwise different
sentences, at the cost of missing those.

Memory grows with the number of characters (about 60 bytes each at peak) and
with ``max_block_pairs``, never with the square of the collection; time grows
with the number of seed pairs, which wording shared by many (but fewer than
``stock_min_regions``) plans drives up.  Measured on a synthetic collection
of 1,000 plans (16 million characters, built by recombining real sentences so
that every sentence recurs in about nine plans): about a minute on one core,
and a peak of about 1.3 GiB above the input, most of it the result itself
(2.2 million rows, 700 MiB, mainly the two text columns).

**Listed pairs of plans (``pairs=``).**  Every pair of plans sharing a
shingle is searched by default, so the rows grow with the square of the
collection (2.6 million at 1,000 synthetic plans).  Given a table of plan
pairs (the build passes each plan's nearest plans, ``similarity_neighbours``,
beyond ``config.PAIRWISE_MAX_REGIONS`` plans) seeds are paired plan by plan,
only with the listed partners: the rows are exactly the all-pairs rows of
those pairs.  Measured on the same 1,000 plans (a shared machine, indicative):
60 s and 2.6 million rows for every pair, 22 s and 156,000 rows (at most 91 a
pair) for the ten nearest plans; the rows then grow with plans x partners, so
no per-pair cap is needed.

Offsets are Python string indices into ``units.text`` (``text[start:end]``).
Each unordered pair of plans is listed once, with ``region_a < region_b``.

References
----------
Broder, A. Z. (1997). On the resemblance and containment of documents.
*Compression and Complexity of Sequences*, 21-29.
Wilkerson, J., Smith, D. & Stramp, N. (2015). Tracing the flow of policy ideas
in legislatures: a text reuse approach. *American Journal of Political Science*
59(4), 943-956.
Linder, F., Desmarais, B., Burgess, M. & Giraudy, E. (2020). Text as policy:
measuring policy similarity through bill text reuse. *Policy Studies Journal*
48(2), 546-574.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import schema
from analysis.text.lsh import candidate_pairs, minhash_signatures
from analysis.text.plan_pairs import check_pairs, pair_codes, partner_rows, region_bounds

__all__ = [
    "LSH_BANDS", "LSH_ROWS", "METHODS", "stock_threshold", "text_reuse",
]

_BITS = 21  # every Unicode code point fits in 21 bits; three fit in one uint64

METHODS: tuple[str, ...] = ("exact", "lsh")
# LSH banding: one hash value per band, so two units become candidates when the
# smallest hash of their shared-shingle sets agrees under any of 64 functions;
# P(candidate) = 1 - (1 - J)**64 is 0.96 at J = 0.05.  A unit that shares a
# short phrase with one plan and much else with others has a low J with that
# plan, so the banding must reach low J to keep recall (benchmarks/README.md).
LSH_BANDS: int = 64
LSH_ROWS: int = 1


def _check_columns(table: pd.DataFrame, required: Sequence[str], table_name: str) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(
            f"{table_name} table lacks column(s) {missing}; it has {list(table.columns)}"
        )


def stock_threshold(stock_min_regions: int | float, n_regions: int) -> int:
    """The number of plans a shingle must appear in to count as stock wording.

    ``stock_min_regions`` is either an int >= 2 (that many plans) or a float in
    (0, 1] (that share of the plans, rounded up, but never fewer than 3, so
    that wording shared by only two plans is always treated as reuse).
    """
    if isinstance(stock_min_regions, bool):
        raise ValueError("stock_min_regions must be an int >= 2 or a float in (0, 1]")
    if isinstance(stock_min_regions, (int, np.integer)):
        if stock_min_regions < 2:
            raise ValueError(f"stock_min_regions as a count must be >= 2, got {stock_min_regions}")
        return int(stock_min_regions)
    if isinstance(stock_min_regions, float) and 0.0 < stock_min_regions <= 1.0:
        return max(3, math.ceil(stock_min_regions * n_regions - 1e-9))
    raise ValueError(
        f"stock_min_regions must be an int >= 2 or a float in (0, 1], got {stock_min_regions!r}"
    )


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All texts joined with NUL separators as one code point array, plus start/end offsets."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    joined = "\x00".join(texts) + "\x00"
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    return points, starts, starts + lengths


def _packed_keys(points: np.ndarray, positions: np.ndarray, n: int):
    """Yield the shingles as 64-bit keys of three 21-bit code points each."""
    for first in range(0, n, 3):
        key = np.zeros(len(positions), dtype=np.uint64)
        for k in range(first, min(first + 3, n)):
            key = (key << np.uint64(_BITS)) | points[positions + k].astype(np.uint64)
        yield key


def _shingle_groups(
    points: np.ndarray, positions: np.ndarray, regions: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Group the shingles starting at ``positions`` by their exact characters.

    Returns (group id per position, number of distinct regions per group).
    To sort fast, each shingle's characters are mixed into one 64-bit hash;
    neighbours in hash order are then compared character by character, and
    if two different shingles ever share a hash the grouping falls back to
    sorting on the packed code points themselves (three 21-bit code points per
    64-bit key).  Two shingles share a group only if their text is equal.
    """
    mixed = np.zeros(len(positions), dtype=np.uint64)
    for key in _packed_keys(points, positions, n):
        mixed = (mixed ^ key) * np.uint64(0x9E3779B97F4A7C15)
        mixed ^= mixed >> np.uint64(29)
    # Region is the least significant sort key, so each group's regions come sorted.
    order = np.lexsort((regions, mixed))
    sorted_mixed = mixed[order]
    del mixed
    same_hash = sorted_mixed[1:] == sorted_mixed[:-1]
    del sorted_mixed
    ordered = positions[order]
    same_text = same_hash.copy()
    for k in range(n):
        same_text &= points[ordered[1:] + k] == points[ordered[:-1] + k]
    if (same_hash & ~same_text).any():  # a hash collision: sort on the exact keys instead
        keys = list(_packed_keys(points, positions, n))
        order = np.lexsort([regions] + keys[::-1])
        ordered = positions[order]
        same_text = np.ones(len(order) - 1, dtype=bool)
        for k in range(n):
            same_text &= points[ordered[1:] + k] == points[ordered[:-1] + k]
    del ordered
    m = len(order)
    new_group = np.ones(m, dtype=bool)
    new_group[1:] = ~same_text
    sorted_regions = regions[order]
    new_region = new_group.copy()
    new_region[1:] |= sorted_regions[1:] != sorted_regions[:-1]
    group_sorted = (np.cumsum(new_group) - 1).astype(np.int32)
    n_regions = np.bincount(group_sorted, weights=new_region).astype(np.int32)
    group = np.empty(m, dtype=np.int32)
    group[order] = group_sorted
    return group, n_regions


def _runs(sorted_positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and last members of runs of consecutive integers in a sorted array."""
    if len(sorted_positions) == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty
    breaks = np.flatnonzero(np.diff(sorted_positions) != 1) + 1
    firsts = np.concatenate([[0], breaks])
    lasts = np.concatenate([breaks - 1, [len(sorted_positions) - 1]])
    return sorted_positions[firsts], sorted_positions[lasts]


def _edge_mask(points: np.ndarray) -> np.ndarray:
    """True for code points that a span should not begin or end with (punctuation, spaces)."""
    present = np.flatnonzero(np.bincount(points))
    table = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=bool)
    table[present] = [unicodedata.category(chr(v))[0] in "PZC" for v in present.tolist()]
    return table[points]


def _trim(
    is_edge: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Move ``start`` right and ``end`` left past edge characters (punctuation, spaces)."""
    start, end = start.copy(), end.copy()
    active = np.arange(len(start))
    while len(active):
        active = active[(start[active] < end[active]) & is_edge[start[active]]]
        start[active] += 1
    active = np.arange(len(end))
    while len(active):
        active = active[(end[active] > start[active]) & is_edge[end[active] - 1]]
        end[active] -= 1
    return start, end


def _str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A pandas string column (the default ``str`` dtype) over an Arrow array, no copy."""
    return pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _text_column(texts: list[str], unit: np.ndarray, start: np.ndarray, end: np.ndarray,
                 chunk: int = 200_000) -> pd.Series:
    """``texts[u][s:e]`` for each row (null where ``u < 0``), built chunk by chunk."""
    pieces = []
    for lo in range(0, len(unit), chunk):
        hi = lo + chunk
        pieces.append(pa.array(
            [texts[u][a:b] if u >= 0 else None
             for u, a, b in zip(unit[lo:hi].tolist(), start[lo:hi].tolist(),
                                end[lo:hi].tolist(), strict=True)],
            type=pa.string(),
        ))
    return _str_series(pa.chunked_array(pieces, type=pa.string()))


def _range_min(values: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """``values[s:e].min()`` for each (s, e) with s < e."""
    if len(starts) == 0:
        return np.array([], dtype=values.dtype)
    padded = np.concatenate([values, values[-1:]])
    bounds = np.empty(2 * len(starts), dtype=np.int64)
    bounds[0::2] = starts
    bounds[1::2] = stops
    return np.minimum.reduceat(padded, bounds)[0::2]


def _extend(
    points: np.ndarray, a_start: np.ndarray, a_end: np.ndarray, b_start: np.ndarray,
    b_end: np.ndarray, a_lo: np.ndarray, a_hi: np.ndarray, b_lo: np.ndarray, b_hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Grow matches [a_start, a_end) ~ [b_start, b_end) while the characters agree."""
    a_start, a_end, b_start, b_end = a_start.copy(), a_end.copy(), b_start.copy(), b_end.copy()
    active = np.arange(len(a_start))
    while len(active):
        i = active
        ok = (a_start[i] > a_lo[i]) & (b_start[i] > b_lo[i])
        ok[ok] = points[a_start[i[ok]] - 1] == points[b_start[i[ok]] - 1]
        active = i[ok]
        a_start[active] -= 1
        b_start[active] -= 1
    active = np.arange(len(a_end))
    while len(active):
        i = active
        ok = (a_end[i] < a_hi[i]) & (b_end[i] < b_hi[i])
        ok[ok] = points[a_end[i[ok]]] == points[b_end[i[ok]]]
        active = i[ok]
        a_end[active] += 1
        b_end[active] += 1
    return a_start, a_end, b_start, b_end


def _seed_pairs(
    occ_pos: np.ndarray, occ_group: np.ndarray, occ_region: np.ndarray, occ_unit: np.ndarray,
    max_block_pairs: int,
):
    """Yield blocks of (a_pos, b_pos) for every pair of occurrences of a shingle in two plans.

    ``a`` is always the occurrence in the plan with the smaller region code.
    Blocks hold whole a-side units (so that a unit pair's matches are never
    split) and about ``max_block_pairs`` pairs at most, unless one unit alone
    has more.
    """
    m = len(occ_pos)
    if m == 0:
        return
    order = np.lexsort((occ_pos, occ_region, occ_group))
    pos, grp, reg = occ_pos[order], occ_group[order], occ_region[order]
    unit_by_pos = occ_unit[order]
    # The unsorted inputs are referenced only here (the caller passes temporaries):
    # dropping them frees four arrays of one entry per seed occurrence.
    del order, occ_pos, occ_group, occ_region, occ_unit
    group_starts = np.flatnonzero(np.concatenate([[True], grp[1:] != grp[:-1]]))
    group_ends = np.concatenate([group_starts[1:], [m]])
    group_end = np.repeat(group_ends, group_ends - group_starts)
    block_starts = np.flatnonzero(
        np.concatenate([[True], (grp[1:] != grp[:-1]) | (reg[1:] != reg[:-1])])
    )
    block_ends = np.concatenate([block_starts[1:], [m]])
    # Partners of an occurrence: the later occurrences of its shingle in plans with a
    # larger region code (the rest of the group after its own plan's block).
    partners_from = np.repeat(block_ends, block_ends - block_starts).astype(np.int32)
    n_partners = (group_end - partners_from).astype(np.int32)
    del group_end, group_starts, group_ends, block_starts, block_ends, grp, reg
    by_pos = np.argsort(pos, kind="stable").astype(np.int32)
    unit_by_pos = unit_by_pos[by_pos]
    cumulative = np.cumsum(n_partners[by_pos], dtype=np.int64)
    start = 0
    while start < m:
        done = cumulative[start - 1] if start else 0
        stop = int(np.searchsorted(cumulative, done + max_block_pairs, side="right"))
        stop = max(stop, start + 1)
        # Finish the a-side unit the block stops in.
        stop = int(np.searchsorted(unit_by_pos, unit_by_pos[stop - 1], side="right"))
        queries = by_pos[start:stop]
        counts = n_partners[queries]
        total = int(counts.sum())
        if total:
            first = np.repeat(queries, counts)
            offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            second = np.repeat(partners_from[queries], counts) + offset
            yield pos[first], pos[second]
        start = stop


def _listed_seed_pairs(
    occ_pos: np.ndarray, occ_group: np.ndarray, occ_region: np.ndarray, occ_unit: np.ndarray,
    pair_a: np.ndarray, pair_b: np.ndarray, n_regions: int, max_block_pairs: int,
):
    """Yield blocks of (a_pos, b_pos) as :func:`_seed_pairs` does, for the listed plan pairs only.

    ``pair_a < pair_b`` are region codes sorted by a (:func:`pair_codes`).  Plan
    by plan (each a-side plan against its listed partners), the occurrences of
    a shingle in the plan are joined with those in its partners, so the work
    grows with plans x partners, not with the square of the plans.  Blocks hold
    whole a-side units and about ``max_block_pairs`` pairs, unless one unit alone
    has more.
    """
    if len(occ_pos) == 0 or len(pair_a) == 0:
        return
    order = np.lexsort((occ_pos, occ_group, occ_region))
    pos, grp, reg, unit = occ_pos[order], occ_group[order], occ_region[order], occ_unit[order]
    del order, occ_pos, occ_group, occ_region, occ_unit
    bounds = region_bounds(reg, n_regions)
    split = np.searchsorted(pair_a, np.arange(n_regions + 1))
    buffered, held = [], 0
    for region in np.unique(pair_a):
        a_index = np.arange(bounds[region], bounds[region + 1])
        b_index = partner_rows(pair_b[split[region]:split[region + 1]], bounds)
        if len(a_index) == 0 or len(b_index) == 0:
            continue
        b_index = b_index[np.argsort(grp[b_index], kind="stable")]
        b_group = grp[b_index]
        # a-side in text order, so that a block can end between units.
        a_index = a_index[np.argsort(pos[a_index], kind="stable")]
        low = np.searchsorted(b_group, grp[a_index], side="left")
        counts = np.searchsorted(b_group, grp[a_index], side="right") - low
        cumulative = np.cumsum(counts, dtype=np.int64)
        a_unit = unit[a_index]
        start = 0
        while start < len(a_index):
            done = cumulative[start - 1] if start else 0
            stop = int(np.searchsorted(cumulative, done + max_block_pairs, side="right"))
            stop = max(stop, start + 1)
            stop = int(np.searchsorted(a_unit, a_unit[stop - 1], side="right"))
            piece = counts[start:stop]
            n_pairs = int(piece.sum())
            if n_pairs:
                offset = np.arange(n_pairs) - np.repeat(np.cumsum(piece) - piece, piece)
                if held and held + n_pairs > max_block_pairs:
                    yield (np.concatenate([b[0] for b in buffered]),
                           np.concatenate([b[1] for b in buffered]))
                    buffered, held = [], 0
                buffered.append((np.repeat(pos[a_index[start:stop]], piece),
                                 pos[b_index[np.repeat(low[start:stop], piece) + offset]]))
                held += n_pairs
            start = stop
    if held:
        yield (np.concatenate([b[0] for b in buffered]),
               np.concatenate([b[1] for b in buffered]))


def _starts_somewhere(positions, group, count_at, group_at, seed, threshold) -> np.ndarray:
    """False for shingles whose every occurrence follows the same shared, non-stock shingle.

    Such a shingle can never start a run of matching shingles (the pair one
    character earlier matches too and is itself a seed), so its seed pairs
    would all be dropped by :func:`_reuse_spans`; leaving them out does not
    change the result, and removes most seed pairs of passages copied whole.
    """
    before = positions.astype(np.int64) - 1
    before_group = np.where(before >= 0, group_at[np.maximum(before, 0)], -1)
    before_shared = (before_group >= 0) & (count_at[np.maximum(before, 0)] < threshold)
    key = np.where(before_shared, before_group, -1).astype(np.int64)
    n_groups = int(group.max()) + 1 if len(group) else 0
    low = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(n_groups, -1, dtype=np.int64)
    np.minimum.at(low, group[seed], key[seed])
    np.maximum.at(high, group[seed], key[seed])
    always_inside = (low == high) & (low >= 0)
    return ~always_inside[group]


def _candidate_seed_pairs(
    cand_a: np.ndarray, cand_b: np.ndarray, occ_pos: np.ndarray, occ_group: np.ndarray,
    occ_unit: np.ndarray, max_block_pairs: int,
):
    """Yield blocks of (a_pos, b_pos): occurrences of one shingle in units a and b of a pair.

    ``cand_a, cand_b`` are the candidate unit pairs (a in the plan with the
    smaller region code).  A block holds whole pairs, about ``max_block_pairs``
    occurrences of their two units at most, so a pair's matches are never split.
    """
    if len(cand_a) == 0 or len(occ_pos) == 0:
        return
    order = np.lexsort((occ_pos, occ_group, occ_unit))
    pos, grp, unit = occ_pos[order], occ_group[order].astype(np.int64), occ_unit[order]
    del order
    n_units = int(max(unit.max(), cand_a.max(), cand_b.max())) + 1
    first = np.searchsorted(unit, np.arange(n_units)).astype(np.int64)
    count = np.bincount(unit, minlength=n_units).astype(np.int64)
    n_groups = int(grp.max()) + 1
    size = count[cand_a] + count[cand_b]
    cumulative = np.cumsum(size)

    def expand(units_of_pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = count[units_of_pair]
        total = int(counts.sum())
        offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        index = np.repeat(first[units_of_pair], counts) + offset
        pair = np.repeat(np.arange(len(units_of_pair), dtype=np.int64), counts)
        return index, pair * n_groups + grp[index]

    start = 0
    while start < len(cand_a):
        done = cumulative[start - 1] if start else 0
        stop = int(np.searchsorted(cumulative, done + max_block_pairs, side="right"))
        stop = max(stop, start + 1)
        a_index, a_key = expand(cand_a[start:stop])
        # Within a unit the occurrences are sorted by group, so b's keys come sorted.
        b_index, b_key = expand(cand_b[start:stop])
        low = np.searchsorted(b_key, a_key, side="left")
        matches = np.searchsorted(b_key, a_key, side="right") - low
        total = int(matches.sum())
        if total:
            offset = np.arange(total) - np.repeat(np.cumsum(matches) - matches, matches)
            yield (pos[np.repeat(a_index, matches)],
                   pos[b_index[np.repeat(low, matches) + offset]])
        start = stop


def text_reuse(
    units: pd.DataFrame, *, n: int = 8, min_chars: int = 15,
    stock_min_regions: int | float = 0.5, max_gap: int = 2,
    unit_kinds: Sequence[str] | None = None, max_block_pairs: int = 2_000_000,
    method: str = "exact", lsh_bands: int = LSH_BANDS, lsh_rows: int = LSH_ROWS,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Spans of wording shared between plans, with stock phrases listed apart.

    Parameters
    ----------
    units : units table with ``region_id, unit_id, text`` (and ``unit_kind`` if
        ``unit_kinds`` is given); its row order is document order.
    n : int, default 8 -- shingle length in characters; the shortest shared
        wording that can be seen.  Eight characters are about four words.
    min_chars : int, default 15 -- shortest reuse span reported (its length in
        plan a).  Stock phrases are reported at any length >= ``n``.
    stock_min_regions : int or float, default 0.5 -- a shingle in at least this
        many plans (int), or this share of the plans rounded up and at least 3
        (float), is stock wording; see :func:`stock_threshold`.  With the five
        seed plans the default means "in 3 or more of the 5".
    max_gap : int, default 2 -- verbatim pieces of the same two units separated
        by at most this many characters in both texts are chained into one
        near-verbatim span; 0 reports verbatim matches only.
    unit_kinds : unit kinds to read (default all units).
    max_block_pairs : int, default 2,000,000 -- seed pairs held at once (about
        100 bytes each at peak); bounds memory, not the result.
    method : {"exact", "lsh"}, default "exact" -- "exact" pairs every
        occurrence of every shared shingle; "lsh" compares only the unit pairs
        that MinHash LSH proposes (see "Candidate pairs" in the module notes):
        its rows are the exact method's rows for those unit pairs, so it can
        miss reuse but never reports what "exact" would not.
    lsh_bands, lsh_rows : int, default :data:`LSH_BANDS`, :data:`LSH_ROWS` --
        the LSH banding (signatures of ``lsh_bands * lsh_rows`` hash values);
        two units whose shared-shingle sets have Jaccard similarity ``J``
        become candidates with probability ``1 - (1 - J**lsh_rows)**lsh_bands``
        (:func:`analysis.text.lsh.candidate_probability`).  Used by "lsh" only.
    pairs : DataFrame with columns ``region_id, neighbour``, optional -- search
        only these pairs of plans (either direction; other columns ignored;
        :func:`analysis.text.plan_pairs.pair_codes`), e.g. the
        ``similarity_neighbours`` table, as the build does beyond
        ``config.PAIRWISE_MAX_REGIONS`` plans.  Seeds are then paired plan by
        plan, each plan's shingles joined with its partners' only, so time and
        memory grow with plans x partners.  The reuse rows are the rows of the
        search of every pair whose two plans are listed; stock phrases and
        ``n_regions`` still count every plan.  Default None searches every pair.

    Returns
    -------
    DataFrame with columns ``schema.TEXT_REUSE``:
    ``region_a, unit_id_a, start_a, end_a`` -- where the span is in plan a
    (``units.text[start_a:end_a]``); ``region_b, unit_id_b, start_b, end_b`` --
    the same in plan b (empty for stock phrases); ``n_chars`` (``end_a -
    start_a``); ``text`` (plan a's wording) and ``text_b`` (plan b's, which
    differs from ``text`` only in a chained near-verbatim span); ``kind``
    (``"reuse"`` or ``"stock_phrase"``); ``n_regions`` -- the fewest plans
    sharing any one of the span's shared n-character shingles (an upper bound
    on the plans containing the whole span, and exact for a span of one
    shingle).  Sorted by kind, region_a, unit order, start_a, region_b, unit
    order, start_b.
    """
    _check_columns(units, ["region_id", "unit_id", "text"], "units")
    check_pairs(pairs)
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    for name, value, low in (("n", n, 2), ("min_chars", min_chars, 1), ("max_gap", max_gap, 0),
                             ("max_block_pairs", max_block_pairs, 1),
                             ("lsh_bands", lsh_bands, 1), ("lsh_rows", lsh_rows, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if unit_kinds is not None:
        _check_columns(units, ["unit_kind"], "units")
        units = units[units["unit_kind"].isin(list(unit_kinds))]
    if units["unit_id"].duplicated().any():
        raise ValueError("units table has duplicate unit_id values")
    known_regions = units["region_id"].astype(str).unique()
    units = units[units["text"].notna()]
    texts = units["text"].astype(str).to_list()
    unit_ids = units["unit_id"].astype(str).to_numpy(dtype=object)
    region_codes, region_names = pd.factorize(units["region_id"].astype(str), sort=True)
    region_codes = region_codes.astype(np.int32)
    threshold = stock_threshold(stock_min_regions, len(region_names))
    if pairs is not None:
        pair_a, pair_b = pair_codes(pairs, [str(r) for r in region_names], known=known_regions)

    points, unit_start, unit_end = _codepoints(texts)
    index_type = np.int32 if len(points) < np.iinfo(np.int32).max else np.int64
    shingles_per_unit = np.maximum(unit_end - unit_start - n + 1, 0)
    pos_unit = np.repeat(np.arange(len(texts), dtype=np.int32), shingles_per_unit)
    positions = (np.repeat(unit_start, shingles_per_unit) + (
        np.arange(int(shingles_per_unit.sum()))
        - np.repeat(np.cumsum(shingles_per_unit) - shingles_per_unit, shingles_per_unit)
    )).astype(index_type)
    pos_region = region_codes[pos_unit]
    group, n_regions_of_group = _shingle_groups(points, positions, pos_region, n)
    # Per character: the region count and group of the shingle starting there (0 / -1
    # where none starts), and the unit it belongs to.
    count_at = np.zeros(len(points), dtype=np.int32)
    count_at[positions] = n_regions_of_group[group]
    group_at = np.full(len(points), -1, dtype=np.int32)
    group_at[positions] = group
    unit_of_point = np.full(len(points), -1, dtype=np.int32)
    unit_of_point[positions] = pos_unit
    is_edge = _edge_mask(points)

    spans = [_stock_spans(positions, pos_unit, count_at, threshold, n, is_edge, unit_start)]
    seed = (count_at[positions] >= 2) & (count_at[positions] < threshold)
    needed = seed & _starts_somewhere(positions, group, count_at, group_at, seed, threshold)
    if method == "exact" and pairs is not None:
        seeds = _listed_seed_pairs(positions[needed], group[needed], pos_region[needed],
                                   pos_unit[needed], pair_a, pair_b, len(region_names),
                                   max_block_pairs)
    elif method == "exact":
        seeds = _seed_pairs(positions[needed], group[needed], pos_region[needed],
                            pos_unit[needed], max_block_pairs)
    else:
        # A unit's set is its shingles that can start a match: a passage copied whole
        # adds one or two, so sets stay small and a short shared phrase weighs as
        # much as a long one.  Seeds are then paired within candidate unit pairs only.
        items, signatures = minhash_signatures(pos_unit[needed], group[needed],
                                               num_perm=lsh_bands * lsh_rows)
        cand_a, cand_b = candidate_pairs(signatures, region_codes[items],
                                         bands=lsh_bands, rows=lsh_rows)
        del signatures
        if pairs is not None:
            # Candidates are in two plans with a < b, like the listed pairs.
            n_names = max(len(region_names), 1)
            listed = pair_a * n_names + pair_b
            found = (region_codes[items[cand_a]].astype(np.int64) * n_names
                     + region_codes[items[cand_b]])
            keep = np.isin(found, listed)
            cand_a, cand_b = cand_a[keep], cand_b[keep]
        seeds = _candidate_seed_pairs(items[cand_a], items[cand_b], positions[needed],
                                      group[needed], pos_unit[needed], max_block_pairs)
    # The seed loop reads only the per-character arrays: free the per-shingle ones
    # (about 17 bytes a character) before it allocates its blocks.
    del group, positions, pos_unit, pos_region, seed, needed
    for a_pos, b_pos in seeds:
        spans.append(_reuse_spans(
            a_pos, b_pos, n=n, points=points, is_edge=is_edge, count_at=count_at,
            group_at=group_at, unit_of_point=unit_of_point, unit_start=unit_start,
            unit_end=unit_end, max_gap=max_gap, min_chars=min_chars, threshold=threshold,
        ))
    del group_at, count_at, unit_of_point, points, is_edge
    cols = {name: np.concatenate([sp[name] for sp in spans]) for name in spans[0]}
    del spans
    ua, ub = cols["ua"], cols["ub"]
    ra = region_codes[ua]
    rb = np.where(ub >= 0, region_codes[np.maximum(ub, 0)], -1)
    order = np.lexsort((cols["eb"], cols["ea"], cols["sb"], ub, rb, cols["sa"], ua, ra,
                        cols["stock"]))
    cols = {name: values[order] for name, values in cols.items()}
    # Reordered once: ua and ub are the reordered columns, not second copies.
    ua, ub, ra, rb = cols["ua"], cols["ub"], ra[order], rb[order]
    del order
    is_pair = ub >= 0
    # String columns go through Arrow in chunks: millions of rows never exist as one
    # list of Python strings.
    region_arrow = pa.array([str(r) for r in region_names], type=pa.string())
    unit_arrow = pa.array(unit_ids.tolist(), type=pa.string())
    no_partner = ~is_pair
    out = pd.DataFrame({
        "region_a": _str_series(region_arrow.take(pa.array(ra))),
        "unit_id_a": _str_series(unit_arrow.take(pa.array(ua))),
        "start_a": cols["sa"].astype(np.int64), "end_a": cols["ea"].astype(np.int64),
        "region_b": _str_series(region_arrow.take(pa.array(rb, mask=no_partner))),
        "unit_id_b": _str_series(unit_arrow.take(pa.array(ub, mask=no_partner))),
        "start_b": pd.arrays.IntegerArray(np.where(is_pair, cols["sb"], 0).astype(np.int64),
                                          no_partner.copy()),
        "end_b": pd.arrays.IntegerArray(np.where(is_pair, cols["eb"], 0).astype(np.int64),
                                        no_partner.copy()),
        "n_chars": (cols["ea"] - cols["sa"]).astype(np.int64),
        "text": _text_column(texts, ua, cols["sa"], cols["ea"]),
        "text_b": _text_column(texts, ub, cols["sb"], cols["eb"]),
        # Gathered from two Arrow strings: no fixed-width NumPy string array per row.
        "kind": _str_series(pa.array(["reuse", "stock_phrase"], type=pa.string())
                            .take(pa.array(cols["stock"]))),
        "n_regions": cols["least"].astype(np.int64),
    })
    if list(out.columns) != schema.TEXT_REUSE:
        raise AssertionError("text_reuse columns drifted from schema.TEXT_REUSE")
    return out


def _stock_spans(positions, pos_unit, count_at, threshold, n, is_edge, unit_start) -> dict:
    """Maximal runs of stock shingles within a unit, trimmed of punctuation.

    Offsets are unit-relative; ``ub``, ``sb``, ``eb`` are -1 (no partner).
    """
    stock = positions[count_at[positions] >= threshold]
    starts, lasts = _runs(stock)
    # Positions are consecutive only within a unit (a NUL separates units), so a run
    # never spans two units.
    units_of = pos_unit[np.searchsorted(positions, starts)].astype(np.int64)
    starts, ends = _trim(is_edge, starts.astype(np.int64), lasts.astype(np.int64) + n)
    keep = ends - starts >= n
    starts, ends, units_of = starts[keep], ends[keep], units_of[keep]
    least = _range_min(count_at, starts, ends - n + 1)
    unit_begin = unit_start[units_of]
    none = np.full(len(starts), -1, dtype=np.int64)
    return {"ua": units_of, "sa": starts - unit_begin, "ea": ends - unit_begin,
            "ub": none, "sb": none, "eb": none, "least": least.astype(np.int64),
            "stock": np.ones(len(starts), dtype=np.int8)}


def _reuse_spans(a_pos, b_pos, *, n, points, is_edge, count_at, group_at, unit_of_point,
                 unit_start, unit_end, max_gap, min_chars, threshold) -> dict:
    """Turn seed pairs into maximal verbatim matches, chain near-verbatim ones, filter."""
    a_pos, b_pos = a_pos.astype(np.int64), b_pos.astype(np.int64)
    # Keep only seeds that start a run: if the shingles one character earlier are equal
    # and themselves a seed (not stock), that earlier pair is a seed of the same run and
    # this one adds nothing.  (The earlier pair is in this block: same a-side unit.)
    before_a, before_b = group_at[a_pos - 1], group_at[b_pos - 1]
    before_count = count_at[a_pos - 1]
    starts_run = (before_a < 0) | (before_a != before_b) | (before_count >= threshold)
    a_s, b_s = a_pos[starts_run], b_pos[starts_run]
    ua = unit_of_point[a_s].astype(np.int64)
    ub = unit_of_point[b_s].astype(np.int64)
    a_s, a_e, b_s, b_e = _extend(points, a_s, a_s + n, b_s, b_s + n, unit_start[ua],
                                 unit_end[ua], unit_start[ub], unit_end[ub])
    # Sort pieces by unit pair and position; seeds that grew into the same span collapse.
    order = np.lexsort((b_e, a_e, b_s, a_s, ub, ua))
    ua, ub, a_s, a_e, b_s, b_e = (x[order] for x in (ua, ub, a_s, a_e, b_s, b_e))
    repeat = np.zeros(len(ua), dtype=bool)
    if len(ua) > 1:
        repeat[1:] = (
            (ua[1:] == ua[:-1]) & (ub[1:] == ub[:-1]) & (a_s[1:] == a_s[:-1])
            & (a_e[1:] == a_e[:-1]) & (b_s[1:] == b_s[:-1]) & (b_e[1:] == b_e[:-1])
        )
    ua, ub, a_s, a_e, b_s, b_e = (x[~repeat] for x in (ua, ub, a_s, a_e, b_s, b_e))
    # Chain verbatim pieces of the same unit pair whose gaps are small in both texts.
    new_chain = np.ones(len(ua), dtype=bool)
    if max_gap and len(ua) > 1:
        same = (ua[1:] == ua[:-1]) & (ub[1:] == ub[:-1])
        gap_a = a_s[1:] - a_e[:-1]
        gap_b = b_s[1:] - b_e[:-1]
        linked = same & (gap_a >= 0) & (gap_a <= max_gap) & (gap_b >= 0) & (gap_b <= max_gap)
        new_chain[1:] = ~linked
    chain = np.cumsum(new_chain) - 1
    heads = np.flatnonzero(new_chain)
    tails = np.concatenate([heads[1:] - 1, [len(ua) - 1]]) if len(heads) else heads
    # Trim punctuation off the chain's ends; the end pieces are verbatim, so B moves as A.
    c_as, c_ae = _trim(is_edge, a_s[heads], a_e[tails])
    c_bs = b_s[heads] + (c_as - a_s[heads])
    c_be = b_e[tails] + (c_ae - a_e[tails])
    # n_regions: fewest plans sharing a shingle that lies inside a piece and the trimmed span.
    piece_s = np.maximum(a_s, c_as[chain]) if len(heads) else a_s
    piece_e = np.minimum(a_e, c_ae[chain]) if len(heads) else a_e
    has_shingle = piece_e - piece_s >= n
    big = np.iinfo(np.int64).max
    piece_least = np.full(len(ua), big, dtype=np.int64)
    piece_least[has_shingle] = _range_min(
        count_at, piece_s[has_shingle], piece_e[has_shingle] - n + 1
    )
    least = (np.minimum.reduceat(piece_least, heads) if len(heads)
             else np.array([], dtype=np.int64))
    ua, ub = ua[heads], ub[heads]
    # A span whose shingles are all stock once trimmed is stock wording, not reuse.
    keep = ((c_ae - c_as) >= min_chars) & (least < threshold)
    ua, ub, c_as, c_ae, c_bs, c_be, least = (
        x[keep] for x in (ua, ub, c_as, c_ae, c_bs, c_be, least)
    )
    return {"ua": ua, "sa": c_as - unit_start[ua], "ea": c_ae - unit_start[ua],
            "ub": ub, "sb": c_bs - unit_start[ub], "eb": c_be - unit_start[ub],
            "least": least, "stock": np.zeros(len(ua), dtype=np.int8)}
