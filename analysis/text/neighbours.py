"""Each plan's nearest plans by TF-IDF cosine, overall and within each theme.

The pairs tables of :mod:`analysis.text.similarity` grow with the square of the
number of plans; the neighbour tables keep only each plan's ``k`` most similar
plans, computed a block of rows of the cosine matrix at a time, so no N x N
matrix is ever held.  The vectors and the rounded cosines are those of
:mod:`analysis.text.similarity` (same weighting, same ``SCORE_DECIMALS``), so a
neighbour's cosine equals its row in the pairs table.

References
----------
Manning, C. D., Raghavan, P. & Schütze, H. (2008). *Introduction to Information
Retrieval*, ch. 6-7. Cambridge University Press.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import config, schema
from analysis.text.similarity import (
    SCORE_DECIMALS,
    _check_min_units,
    _constant,
    _describe_tokenisation,
    _stream_documents,
    check_tokens,
    tfidf_matrix,
    theme_codes,
)

__all__ = [
    "nearest_neighbours", "NEIGHBOUR_BLOCK_ROWS", "similarity_neighbours",
    "similarity_neighbours_by_theme",
]

#: Rows of the similarity matrix computed at once by the blockwise verbs: a block
#: holds ``NEIGHBOUR_BLOCK_ROWS`` x N floats (62 MB at N = 30,000).
NEIGHBOUR_BLOCK_ROWS: int = 256


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _sorted_rows(ids: np.ndarray, matrix: sp.spmatrix) -> tuple[np.ndarray, sp.csr_matrix]:
    ids = np.asarray(ids, dtype=object).astype(str).astype(object)
    if len(set(ids)) != len(ids):
        raise ValueError("ids contain duplicates")
    if matrix.shape[0] != len(ids):
        raise ValueError(f"matrix has {matrix.shape[0]} rows but {len(ids)} ids were given")
    order = np.argsort(ids.astype(str), kind="stable")
    return ids[order], sp.csr_matrix(matrix)[order]


def _block_cosines(matrix: sp.csr_matrix, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the cosine matrix of an L2-normalised matrix, rounded.

    Each entry is the same sparse dot product ``_pair_rows`` computes, so the
    rounded values are equal to those of the all-pairs tables.
    """
    gram = (matrix[start:stop] @ matrix.T).toarray()
    return np.round(np.clip(gram, 0.0, 1.0), SCORE_DECIMALS)


def nearest_neighbours(
    ids: Sequence[str], matrix: sp.spmatrix, *, k: int = config.NEIGHBOURS_K,
    block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> pd.DataFrame:
    """Each row's ``k`` most similar other rows by cosine, without the dense N x N matrix.

    The rows of ``matrix`` (L2-normalised, one per id) are taken ``block_rows``
    at a time: the block times the transpose of the whole matrix gives its
    cosines (``block_rows`` x N), rounded to ``SCORE_DECIMALS`` like the
    all-pairs tables, and ``np.partition`` finds each row's k-th largest
    cosine; of the candidates at or above it, the ``k`` largest are kept,
    ties going to the smaller id.  Memory is one block, so it runs at any N;
    time grows with N^2 (each pair is computed once from each side).

    A row without terms (norm 0) has no direction: it gets no neighbours and
    is no one's neighbour.  With ``k`` at least the number of other rows every
    ordered pair is listed.

    Parameters
    ----------
    ids : row ids (unique; compared as strings).
    matrix : sparse matrix, one L2-normalised row per id (e.g. ``tfidf_matrix(...).matrix``).
    k : int, default ``config.NEIGHBOURS_K`` (10) -- neighbours per row.
    block_rows : int, default ``NEIGHBOUR_BLOCK_ROWS`` (256) -- rows per block.

    Returns
    -------
    DataFrame with columns ``region_id, neighbour, rank, cosine``: ``rank`` 1 is
    the most similar; sorted by ``region_id`` then ``rank``.
    """
    _check_positive_int("k", k)
    _check_positive_int("block_rows", block_rows)
    ids, matrix = _sorted_rows(np.asarray(ids, dtype=object), matrix)
    n = len(ids)
    defined = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() > 0
    kk = min(int(k), int(defined.sum()) - 1)
    rows_out, cols_out, cos_out = [], [], []
    if kk >= 1:
        for start in range(0, n, block_rows):
            stop = min(start + block_rows, n)
            score = _block_cosines(matrix, start, stop)
            score[:, ~defined] = -np.inf
            score[np.arange(stop - start), np.arange(start, stop)] = -np.inf
            # The k-th largest of each row; rows without terms are dropped below.
            kth = np.partition(score, n - kk, axis=1)[:, n - kk]
            r, c = np.nonzero(score >= kth[:, None])
            value = score[r, c]
            order = np.lexsort((c, -value, r))
            r, c, value = r[order], c[order], value[order]
            rank = np.arange(len(r)) - np.searchsorted(r, r, side="left")
            keep = (rank < kk) & defined[start + r]
            rows_out.append(start + r[keep])
            cols_out.append(c[keep])
            cos_out.append(value[keep])
    r = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols_out) if cols_out else np.zeros(0, dtype=np.int64)
    cosine = np.concatenate(cos_out) if cos_out else np.zeros(0)
    rank = np.arange(len(r)) - np.searchsorted(r, r, side="left") + 1
    return pd.DataFrame({
        "region_id": ids[r].astype(str), "neighbour": ids[c].astype(str),
        "rank": rank.astype(np.int64), "cosine": cosine.astype(float),
    })


def similarity_neighbours(
    tokens: pd.DataFrame, *, k: int = config.NEIGHBOURS_K, sublinear_tf: bool = False,
    min_df: int | float = 1, max_df: int | float = 1.0, block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> pd.DataFrame:
    """Each plan's ``k`` most similar plans: :func:`similarity_regions` as a neighbour table.

    The same TF-IDF vectors and rounded cosines as :func:`similarity_regions`
    (one document per region, idf over the regions), but only each plan's
    ``k`` nearest plans are kept (:func:`nearest_neighbours`), so the table has
    at most ``k`` x N rows instead of N(N-1)/2 and no N x N matrix is held.
    With ``k`` at least N - 1 it lists every pair, in both directions.

    Parameters
    ----------
    tokens : tokens table.
    k : int, default ``config.NEIGHBOURS_K`` (10).
    sublinear_tf, min_df, max_df : as in :func:`similarity_regions`.
    block_rows : rows of the similarity matrix computed at once.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_NEIGHBOURS``: ``region_id,
    neighbour, rank`` (1 = most similar; ties to the smaller id), ``cosine``,
    ``weighting, tokenisation, n_terms`` (as in :func:`similarity_regions`);
    sorted by region_id, rank.

    References
    ----------
    Manning, Raghavan & Schütze (2008), *Introduction to Information Retrieval*,
    ch. 6-7 (cosine ranking, top-k retrieval).
    """
    dtm = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    out = nearest_neighbours(dtm.doc_ids, dtm.matrix, k=k, block_rows=block_rows)
    out["weighting"] = _constant(dtm.weighting, len(out))
    out["tokenisation"] = _constant(dtm.tokenisation, len(out))
    out["n_terms"] = len(dtm.terms)
    return out.loc[:, schema.SIMILARITY_NEIGHBOURS].reset_index(drop=True)


def similarity_neighbours_by_theme(
    tokens: pd.DataFrame, units: pd.DataFrame, *, theme_col: str = "theme", min_units: int = 3,
    k: int = config.NEIGHBOURS_K, sublinear_tf: bool = False, min_df: int | float = 1,
    max_df: int | float = 1.0, block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> pd.DataFrame:
    """Each plan's ``k`` most similar plans within each theme (neighbours by theme).

    The cosines of ``similarity_by_theme(idf_scope="corpus")`` (the shipped
    table: idf from the whole plans, a region's document restricted to its
    units of the theme): within a theme, only regions with at least
    ``min_units`` units of it take part, and each keeps its ``k`` nearest
    (:func:`nearest_neighbours`).  With ``k`` at least the number of compared
    regions minus one, the rows are the compared pairs of
    :func:`similarity_by_theme` with a cosine, in both directions.

    Parameters
    ----------
    tokens : tokens table.
    units : units table with ``unit_id``, ``region_id`` and ``theme_col``.
    theme_col, min_units, sublinear_tf, min_df, max_df : as in :func:`similarity_by_theme`.
    k : int, default ``config.NEIGHBOURS_K`` (10).
    block_rows : rows of each theme's similarity matrix computed at once.

    Returns
    -------
    DataFrame with columns ``schema.SIMILARITY_NEIGHBOURS_BY_THEME``: ``theme,
    region_id, neighbour, rank, cosine, n_units`` (the region's units with
    tokens in the theme), ``weighting, tokenisation, n_terms``; sorted by theme,
    region_id, rank.
    """
    _check_min_units(min_units)
    check_tokens(tokens)
    coded = theme_codes(tokens, units, theme_col)
    n_units, ids, region_slot = coded.n_units, coded.ids, coded.region_slot
    positions, word_codes, word_names = coded.positions, coded.word_codes, coded.word_names
    corpus = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    tokenisation = (_describe_tokenisation("region")
                    + "; each region's document restricted to its units of the theme")
    frames = []
    for theme in sorted(n_units.index.get_level_values("theme").unique()):
        counts = n_units.loc[theme].reindex(ids, fill_value=0).to_numpy()
        kept = np.flatnonzero(counts >= min_units)
        if len(kept) < 2:
            continue
        chosen = coded.of_theme(theme)
        slot = np.full(len(ids) + 1, -1)
        slot[kept] = np.arange(len(kept))
        doc_codes = slot[np.where(chosen, region_slot, -1)]
        docs = _stream_documents(doc_codes, positions, word_codes, word_names, len(kept))
        matrix = corpus.vectorizer.transform(docs).tocsr()
        rows = nearest_neighbours(ids[kept], matrix, k=k, block_rows=block_rows)
        rows.insert(0, "theme", theme)
        rows["n_units"] = pd.Series(counts, index=ids).reindex(rows["region_id"]).to_numpy(
            dtype=np.int64)
        frames.append(rows)
    columns = schema.SIMILARITY_NEIGHBOURS_BY_THEME
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = pd.concat(frames, ignore_index=True)
    out["weighting"] = _constant(corpus.weighting, len(out))
    out["tokenisation"] = _constant(tokenisation, len(out))
    out["n_terms"] = len(corpus.terms)
    return out.loc[:, columns].reset_index(drop=True)
