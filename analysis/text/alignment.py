"""Passage alignment: each unit's most similar units in the other plans.

Units (sentences) are TF-IDF vectors built as in :mod:`analysis.text.similarity`
(one document per unit, idf over all units of all plans); for every unit and
every other plan, the best-matching unit of that plan is kept when its cosine
reaches a threshold.  The search is exact and never holds a unit x unit
matrix: a prefix-filtered index (Bayardo, Ma & Srikant 2007) yields the
candidate pairs block by block.  Given a table of plan pairs (``pairs=``, e.g.
each plan's nearest plans), a unit is compared only with the units of its
plan's partners, region by region (1,000 synthetic plans, ten nearest plans:
23 s instead of about 135 s for every pair, on a shared machine).

References
----------
Bayardo, R. J., Ma, Y. & Srikant, R. (2007). Scaling up all pairs similarity
search. *Proceedings of WWW 2007*, 131-140.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from analysis import config, schema
from analysis.text.plan_pairs import check_pairs, pair_codes, partner_rows, region_bounds
from analysis.text.similarity import (
    SCORE_DECIMALS,
    _check_columns,
    _factorize,
    check_tokens,
    tfidf_matrix,
)

__all__ = ["default_min_score", "passage_alignment"]


def _str_series(values: pa.Array) -> pd.Series:
    """A pandas string column (the default ``str`` dtype) over an Arrow array, no copy."""
    return pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))



def _prefix_split(matrix: sp.csr_matrix, df: np.ndarray, threshold: float) -> tuple[
    sp.csr_matrix, sp.csr_matrix, np.ndarray
]:
    """Split each row into an indexed part and a small left-out part (prefix filter).

    Within each row, terms are taken from the most to the least frequent (ties
    by column); the leading terms whose cumulative squared weight stays below
    ``threshold**2`` are left out, so the left-out part of every row has norm
    below ``threshold``.  For unit vectors x, y write x = I_x + L_x.  Then
    ``x.y = I_x.y + L_x.I_y + L_x.L_y`` and ``L_x.L_y <= |L_x| |L_y| < threshold**2``:
    a pair reaching ``threshold`` always shares a term in an indexed part, and
    the two cheap sparse products give all of its score but ``L_x.L_y``
    (the prefix filter of Bayardo, Ma & Srikant 2007, made symmetric).

    Returns (indexed, left_out, left_out_norm).
    """
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    order = np.lexsort((matrix.indices, -df[matrix.indices], rows))
    cumulative = np.cumsum(matrix.data[order] ** 2)
    before = np.concatenate([[0.0], cumulative])[matrix.indptr[:-1]]
    within = cumulative - np.repeat(before, lengths)
    is_indexed = np.zeros(matrix.nnz, dtype=bool)
    is_indexed[order[within >= threshold ** 2]] = True
    parts = []
    for mask in (is_indexed, ~is_indexed):
        part = sp.csr_matrix(
            (np.where(mask, matrix.data, 0.0), matrix.indices.copy(), matrix.indptr.copy()),
            shape=matrix.shape,
        )
        part.eliminate_zeros()
        part.sort_indices()
        parts.append(part)
    rest = np.bincount(rows, weights=np.where(is_indexed, 0.0, matrix.data ** 2),
                       minlength=matrix.shape[0])
    return parts[0], parts[1], np.sqrt(rest)


def _entry_keys(matrix: sp.csr_matrix) -> np.ndarray:
    """One sorted int64 key per stored entry, ``row * n_cols + column`` (for :func:`_row_dots`)."""
    row_lengths = np.diff(matrix.indptr)
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int64), row_lengths) \
        * np.int64(matrix.shape[1]) + matrix.indices.astype(np.int64)


def _row_dots(matrix: sp.csr_matrix, q: np.ndarray, c: np.ndarray,
              keys: np.ndarray | None = None) -> np.ndarray:
    """``matrix[q[i]] . matrix[c[i]]`` for many pairs, by looking up the terms of row q.

    ``keys`` is :func:`_entry_keys` of ``matrix`` (made here when not given; a
    caller with many blocks makes it once).
    """
    if len(q) == 0:
        return np.zeros(0)
    n_cols = np.int64(matrix.shape[1])
    row_lengths = np.diff(matrix.indptr)
    if keys is None:
        keys = _entry_keys(matrix)
    lengths = row_lengths[q]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(len(q))
    pair = np.repeat(np.arange(len(q)), lengths)
    at = np.repeat(matrix.indptr[q], lengths) + (
        np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    wanted = c[pair].astype(np.int64) * n_cols + matrix.indices[at].astype(np.int64)
    hit = np.searchsorted(keys, wanted)
    hit_clipped = np.minimum(hit, len(keys) - 1)
    found = (hit < len(keys)) & (keys[hit_clipped] == wanted)
    other = np.where(found, matrix.data[hit_clipped], 0.0)
    return np.bincount(pair, weights=matrix.data[at] * other, minlength=len(q))


def _row_blocks(cost: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive row ranges whose summed cost stays within ``budget`` (one row at least)."""
    ends = np.cumsum(cost)
    blocks, start, offset = [], 0, 0.0
    while start < len(cost):
        stop = int(np.searchsorted(ends, offset + budget, side="right"))
        stop = max(stop, start + 1)
        blocks.append((start, stop))
        offset = ends[stop - 1]
        start = stop
    return blocks


def _candidate_blocks(
    stacked_rows: sp.csr_matrix, stacked_t: sp.csr_matrix, matrix: sp.csr_matrix,
    indexed: sp.csr_matrix, cost: np.ndarray, query_rows: np.ndarray, region_codes: np.ndarray,
    partners: list[np.ndarray] | None, max_block_pairs: int,
):
    """Yield (query rows, their partial products as COO with global column numbers).

    Without ``partners`` every block of query rows is multiplied by the whole
    index.  With them (the sorted partner region codes of each region), each
    region's rows are multiplied only by the rows of its partner regions, so
    the work grows with plans x partners, not with the square of the plans.
    """
    if partners is None:
        for start, stop in _row_blocks(cost[query_rows], max_block_pairs):
            rows_here = query_rows[start:stop]
            yield rows_here, (stacked_rows[rows_here] @ stacked_t).tocoo()
        return
    bounds = region_bounds(region_codes, len(partners))
    # Row u of [X | I] is column u of the stacked index [X ; I]^T: a region's partner
    # columns are cut as rows of this matrix, which CSR does cheaply.
    index_rows = sp.hstack([matrix, indexed], format="csr")
    is_term = (stacked_rows != 0).astype(np.float64).tocsr()
    for region in np.unique(region_codes[query_rows]):
        columns = partner_rows(partners[region], bounds)
        rows = query_rows[region_codes[query_rows] == region]
        if len(columns) == 0 or len(rows) == 0:
            continue
        part = index_rows[columns]
        # The same upper bound on a row's candidates as ``cost``, within the partners.
        term_length = np.bincount(part.indices, minlength=part.shape[1]).astype(np.float64)
        part_cost = is_term[rows] @ term_length
        for start, stop in _row_blocks(part_cost, max_block_pairs):
            rows_here = rows[start:stop]
            # Partners x queries, so that only the small query block is transposed.
            product = (part @ stacked_rows[rows_here].T.tocsr()).tocoo()
            partial = sp.coo_matrix((product.data, (product.col, columns[product.row])),
                                    shape=(len(rows_here), stacked_rows.shape[0]))
            yield rows_here, partial


def _best_matches(
    rows_here: np.ndarray, partial: sp.coo_matrix, *, region_codes: np.ndarray,
    rest_norm: np.ndarray, left_out: sp.csr_matrix, left_out_keys: np.ndarray,
    min_score: float, max_matches: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From one block's partial products, each query unit's best unit per other region.

    Returns (query row, matched row, rounded cosine) arrays; at most
    ``max_matches`` other regions per query unit when it is given.
    """
    q, c, value = rows_here[partial.row], partial.col, partial.data
    keep = (region_codes[q] != region_codes[c]) & (
        value + rest_norm[q] * rest_norm[c] >= min_score - 1e-12
    )
    q, c, value = q[keep], c[keep], value[keep]
    score = value + _row_dots(left_out, q, c, left_out_keys)
    keep = score >= min_score - 1e-12
    q, c, score = q[keep], c[keep], np.round(np.minimum(score[keep], 1.0), SCORE_DECIMALS)
    # Best per (query unit, other region); ties to the earlier unit.
    order = np.lexsort((c, -score, region_codes[c], q))
    q, c, score = q[order], c[order], score[order]
    first = np.ones(len(q), dtype=bool)
    first[1:] = (q[1:] != q[:-1]) | (region_codes[c[1:]] != region_codes[c[:-1]])
    q, c, score = q[first], c[first], score[first]
    if max_matches is not None:
        # The best max_matches other plans per unit; ties to the first plan.
        order = np.lexsort((region_codes[c], -score, q))
        q, c, score = q[order], c[order], score[order]
        rank = np.arange(len(q)) - np.searchsorted(q, q, side="left")
        keep = rank < max_matches
        q, c, score = q[keep], c[keep], score[keep]
    return q, c, score


def default_min_score(n_regions: int) -> float:
    """The alignment threshold used when ``min_score`` is not given.

    ``config.ALIGNMENT_MIN_SCORE`` (0.3) for up to
    ``config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE`` (100) regions, else
    ``config.ALIGNMENT_MIN_SCORE_LARGE`` (0.5): the search costs about 0.24 s
    per plan at 0.3 but 0.05 s at 0.5 on 1,000 plans.
    """
    if n_regions <= config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE:
        return config.ALIGNMENT_MIN_SCORE
    return config.ALIGNMENT_MIN_SCORE_LARGE


def passage_alignment(
    tokens: pd.DataFrame, units: pd.DataFrame, *, min_score: float | None = None,
    regions: Sequence[str] | None = None, sublinear_tf: bool = False,
    min_df: int | float = 1, max_df: int | float = 1.0,
    max_matches: int | None = config.ALIGNMENT_MAX_MATCHES,
    max_block_pairs: int = 4_000_000, pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each unit, its most similar unit in each of its best-matching other regions.

    Units are TF-IDF vectors (one document per unit; idf over all units of all
    plans).  For every unit of every region (or of ``regions``) and every other
    region, the unit of that other region with the highest cosine is a match
    if the cosine is at least ``min_score``; each unit keeps its
    ``max_matches`` best matches.  Ties go to the other unit that comes first
    in the units table.  Units of the same region are never paired.

    The defaults are safe at any scale, so callers need no special case for
    large collections: at most ``config.ALIGNMENT_MAX_MATCHES`` (5) rows per
    unit, and ``min_score`` 0.3 up to ``config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE``
    (100) regions, 0.5 beyond (:func:`default_min_score`).  With five plans
    no unit has more than four other regions, so the bound changes nothing
    there.  Measured on one core at 1,000 synthetic plans (335,000 sentences):
    unbounded at 0.3 the table would have about 35 million rows (7 minutes);
    with the defaults see ``benchmarks/``.

    The search is exact and runs in blocks of query rows.  Candidate pairs and
    most of their score come from two sparse products over a prefix-filtered
    index (Bayardo, Ma & Srikant 2007, see ``_prefix_split``): each unit's most
    frequent terms, holding less than ``min_score`` of its norm, are left out
    of the index, so no pair reaching ``min_score`` is missed and no dense
    unit x unit matrix is ever held.  Memory is bounded by ``max_block_pairs``;
    time still grows with the square of the number of units, less steeply the
    higher ``min_score`` is.  Measured on one core: 42,000 sentences of 103
    documents, 6 s at 0.3 and 3 s at 0.5; 335,000 sentences of 1,000 plans made
    of near-duplicate copies of 108 documents, about 8 s of set-up plus 0.24-0.42 s
    per plan aligned at 0.3 (up to 7 minutes for all; 35 million rows without
    ``max_matches``), 0.05-0.14 s at 0.5, 0.02 s at 0.7 -- hence the higher
    default threshold beyond 100 regions.  To align a few focal plans against
    all others, pass ``regions=`` (time linear in the collection).

    To compare only some pairs of plans, pass ``pairs``, e.g. the
    ``similarity_neighbours`` table (each plan's ``config.NEIGHBOURS_K``
    nearest plans; the build does so beyond ``config.PAIRWISE_MAX_REGIONS``
    plans): a unit is then compared only with the units of the plans paired
    with its own, in either direction of a pair, region by region, so time and
    memory grow with plans x partners rather than with the square of the plans.
    The rows are those of the search of every pair kept to the listed pairs,
    except that ``max_matches`` picks each unit's best among its partners only.

    Parameters
    ----------
    tokens : tokens table.
    units : units table with ``region_id, unit_id, text``; its row order is
        document order.  Every ``unit_id`` in ``tokens`` must be in it.
    min_score : float in (0, 1], optional -- smallest cosine reported.  Higher
        values make the search much faster on large collections.  Default:
        :func:`default_min_score` of the number of regions with tokens (0.3 up
        to 100 regions, 0.5 beyond).
    regions : the regions whose units are aligned (default all); their units are
        still matched against every other region.
    sublinear_tf, min_df, max_df : TF-IDF settings, as in :func:`similarity_regions`.
    max_matches : int or None, default ``config.ALIGNMENT_MAX_MATCHES`` (5) -- keep,
        for each unit, only the best-scoring ``max_matches`` other regions (ties
        to the region first in sort order), so the table has at most
        ``max_matches`` rows per unit.  None keeps every region that reaches
        ``min_score``; with hundreds of near-identical plans that can be
        hundreds of rows per unit.
    max_block_pairs : int, default 4,000,000 -- upper bound on the candidate
        pairs of one block (about 60 bytes each at peak).
    pairs : DataFrame with columns ``region_id, neighbour``, optional -- the
        pairs of plans to compare (either direction; other columns ignored;
        :func:`analysis.text.plan_pairs.pair_codes`).  Default None compares
        every pair.  A plan in no pair gets no rows.

    Returns
    -------
    DataFrame with columns ``schema.PASSAGE_ALIGNMENT``: ``region_id, unit_id,
    other_region, other_unit_id, score`` (cosine, rounded), ``text, other_text``;
    sorted by region, units-table order of the unit, other_region.
    """
    if min_score is not None and (
        isinstance(min_score, bool) or not isinstance(min_score, (int, float))
        or not 0.0 < min_score <= 1.0
    ):
        raise ValueError(f"min_score must be a number in (0, 1], got {min_score!r}")
    if max_matches is not None and (
        isinstance(max_matches, bool) or not isinstance(max_matches, (int, np.integer))
        or max_matches < 1
    ):
        raise ValueError(f"max_matches must be None or a positive integer, got {max_matches!r}")
    if not isinstance(max_block_pairs, (int, np.integer)) or max_block_pairs < 1:
        raise ValueError(f"max_block_pairs must be a positive integer, got {max_block_pairs!r}")
    check_tokens(tokens)
    _check_columns(units, ["region_id", "unit_id", "text"], "units")
    unit_ids = units["unit_id"].astype(str).to_numpy(dtype=object)
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError("units table has duplicate unit_id values")
    token_units = set(_factorize(tokens["unit_id"])[1])
    unknown = token_units - set(unit_ids)
    if unknown:
        raise ValueError(
            f"{len(unknown)} unit_id(s) in tokens are not in units, e.g. {sorted(unknown)[0]!r}"
        )
    unit_regions = units["region_id"].astype(str).to_numpy(dtype=object)
    check_pairs(pairs)
    if regions is not None:
        regions = [str(r) for r in regions]
        absent = sorted(set(regions) - set(unit_regions))
        if absent:
            raise ValueError(f"regions {absent} are not in the units table")
    # Rows in (region, document) order so that ties resolve to the earlier unit.
    present = np.array([u in token_units for u in unit_ids])
    doc_order = np.flatnonzero(present)
    doc_order = doc_order[np.argsort(unit_regions[doc_order], kind="stable")]
    ids = unit_ids[doc_order]
    dtm = tfidf_matrix(
        tokens, by="unit_id", doc_ids=ids, sublinear_tf=sublinear_tf, min_df=min_df,
        max_df=max_df,
    )
    matrix = dtm.matrix
    region_codes, region_names = pd.factorize(unit_regions[doc_order], sort=True)
    if min_score is None:
        min_score = default_min_score(len(region_names))
    df = np.diff(matrix.tocsc().indptr)
    indexed, left_out, rest_norm = _prefix_split(matrix, df, min_score)
    # Both partial products in one: [I_x | L_x] @ [X ; I]^T = I_x.X + L_x.I.
    stacked_rows = sp.hstack([indexed, left_out], format="csr")
    stacked_t = sp.vstack([matrix.T, indexed.T], format="csr")
    # Upper bound on a row's candidates: the summed column lengths its product touches.
    cost = (stacked_rows != 0) @ np.diff(stacked_t.indptr).astype(np.float64)
    partners = None
    if pairs is not None:
        a, b = pair_codes(pairs, [str(r) for r in region_names], known=unit_regions)
        both_a, both_b = np.concatenate([a, b]), np.concatenate([b, a])
        order = np.lexsort((both_b, both_a))
        both_a, both_b = both_a[order], both_b[order]
        split = np.searchsorted(both_a, np.arange(len(region_names) + 1))
        partners = [both_b[split[r]:split[r + 1]] for r in range(len(region_names))]
    if regions is None:
        query_rows = np.arange(matrix.shape[0])
    else:
        query_rows = np.flatnonzero(np.isin(region_names[region_codes], regions))

    left_out_keys = _entry_keys(left_out)
    found_rows, found_cols, found_scores = [], [], []
    for rows_here, partial in _candidate_blocks(
        stacked_rows, stacked_t, matrix, indexed, cost, query_rows, region_codes, partners,
        max_block_pairs,
    ):
        q, c, score = _best_matches(
            rows_here, partial, region_codes=region_codes, rest_norm=rest_norm,
            left_out=left_out, left_out_keys=left_out_keys, min_score=min_score,
            max_matches=max_matches,
        )
        found_rows.append(q)
        found_cols.append(c)
        found_scores.append(score)
    q = np.concatenate(found_rows) if found_rows else np.array([], dtype=np.int64)
    c = np.concatenate(found_cols) if found_cols else np.array([], dtype=np.int64)
    score = np.concatenate(found_scores) if found_scores else np.array([], dtype=float)
    # Rows are in (region, document) order; sort by row, then other region (codes follow
    # the sorted names).  String columns are gathered by Arrow, without Python objects.
    order = np.lexsort((region_codes[c], q))
    q, c, score = q[order], c[order], score[order]
    text = pa.array(units["text"].astype(str).to_numpy(dtype=object)[doc_order], type=pa.string())
    names = pa.array([str(r) for r in region_names], type=pa.string())
    id_array = pa.array(ids.tolist(), type=pa.string())
    out = pd.DataFrame({
        "region_id": _str_series(names.take(pa.array(region_codes[q]))),
        "unit_id": _str_series(id_array.take(pa.array(q))),
        "other_region": _str_series(names.take(pa.array(region_codes[c]))),
        "other_unit_id": _str_series(id_array.take(pa.array(c))),
        "score": score,
        "text": _str_series(text.take(pa.array(q))),
        "other_text": _str_series(text.take(pa.array(c))),
    })
    return out.loc[:, schema.PASSAGE_ALIGNMENT].reset_index(drop=True)
