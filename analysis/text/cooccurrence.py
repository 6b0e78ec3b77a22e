"""Co-occurrence: pairs of tokens that occur in the same unit, as an edge table.

Takes the tidy token table of :func:`analysis.text.tokens.tokens_from_units`
(schema.TOKENS, usually after :func:`analysis.text.tokens.remove_stopwords`) and
returns a new tidy table of undirected edges with their (normalised) pointwise
mutual information over units; it does not mutate its input.  Like the keyword
statistics of :mod:`analysis.text.keyness`, it first drops numbers and dates,
single characters and place names (:func:`analysis.text.term_filters.filter_terms`).

References
----------
Bouma, G. (2009). Normalized (pointwise) mutual information in collocation
    extraction. Proceedings of GSCL, 31-40.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from analysis import schema
from analysis.text.keyness import _require
from analysis.text.term_filters import filter_terms

__all__ = ["cooccurrence"]


def cooccurrence(
    tokens: pd.DataFrame,
    *,
    min_count: int = 3,
    unit_col: str = "unit_id",
    group_col: str | None = None,
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
) -> pd.DataFrame:
    """Pairs of tokens that occur in the same unit (sentence), as an undirected edge table.

    Each unit counts once per pair however often the tokens repeat in it.  The
    association measure is normalised pointwise mutual information over units
    (Bouma 2009): with U units, n_a and n_b units containing each token and n_ab
    containing both,
        pmi = ln(n_ab · U / (n_a · n_b))
        npmi = pmi / -ln(n_ab / U)      in [-1, 1]; 1 = always together, 0 = independent.
    (npmi is set to 1 when both tokens are in every unit, where the formula is 0/0.)

    Parameters
    ----------
    tokens : DataFrame
        Token table (schema.TOKENS); remove stopwords first for a readable network.
    min_count : int, default 3
        Keep pairs that share at least this many units.
    unit_col : str, default "unit_id"
        The co-occurrence window; any column of ``tokens`` (e.g. an item id).
    group_col : str or None, default None
        One network per value of this column of ``tokens`` (e.g. ``region_id``,
        or ``part`` or ``theme`` joined by :func:`analysis.tables.load_tokens`),
        each computed on its own rows only (U, n_a, n_b are the group's); rows
        whose value is missing are left out.  None: one network of the whole
        table.  For a subset of units, pass only their tokens.
    regions : DataFrame, optional
        Manifest or regions table: its region names (and their stems without
        县/区/市/省) are place names too.  Default None: the project's manifest
        (see :func:`analysis.text.term_filters.term_exclusions`).
    keep_numbers, keep_places, keep_single_chars : bool, default False
        Keep numbers and dates, place names, single characters; by default
        they are dropped before counting (:func:`analysis.text.term_filters.filter_terms`).
        U counts the units with at least one kept token.

    Returns
    -------
    DataFrame with columns schema.COOCCURRENCE, one row per pair (preceded by
    ``group_col``, with its dtype, when one is given: one row per group and pair):
        source, target : str, the two tokens, source < target in code-point order.
        n_units : int, units containing both.
        n_source, n_target : int, units containing each.
        n_units_total : int, U, units in the table (in the group).
        pmi : float, natural log.
        npmi : float.
    Sorted by group (ascending) when grouped, then n_units descending, npmi
    descending, source, target.

    References
    ----------
    Bouma (2009) — see the module docstring.
    """
    _require(tokens, "tokens", [unit_col, "token"] + ([] if group_col is None else [group_col]))
    if not isinstance(min_count, int | np.integer) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1; got {min_count!r}")
    # Only the columns read go through the filter, which copies the rows it keeps.
    read = [unit_col, "token"] + ([] if group_col is None else [group_col])
    tokens = filter_terms(tokens.loc[:, list(dict.fromkeys(read))], regions=regions,
                          keep_numbers=keep_numbers, keep_places=keep_places,
                          keep_single_chars=keep_single_chars)
    if group_col is None:
        return _cooccurrence_table(tokens, min_count=min_count, unit_col=unit_col)
    column = tokens[group_col]
    parts = []
    for value, rows in tokens.groupby(group_col, sort=True, dropna=True, observed=True):
        table = _cooccurrence_table(rows, min_count=min_count, unit_col=unit_col)
        if not table.empty:
            group = pd.Series([value] * len(table), dtype=column.dtype, name=group_col)
            parts.append(pd.concat([group, table], axis=1))
    if not parts:
        return pd.DataFrame({group_col: pd.Series(dtype=column.dtype),
                             **{c: pd.Series(dtype="object") for c in schema.COOCCURRENCE}})
    return pd.concat(parts, ignore_index=True)


def _cooccurrence_table(tokens: pd.DataFrame, *, min_count: int, unit_col: str) -> pd.DataFrame:
    """:func:`cooccurrence` of a table whose terms are already filtered, as one network."""
    # Integer codes throughout: one Python string per distinct token, not per row.
    unit_codes, unit_names = pd.factorize(tokens[unit_col])
    token_codes, token_names = pd.factorize(tokens["token"])
    n_units_total = len(unit_names)
    known = (unit_codes >= 0) & (token_codes >= 0)
    # Distinct (unit, token) pairs: each unit counts once per token.
    pair_keys = np.unique(unit_codes[known].astype(np.int64) * len(token_names)
                          + token_codes[known])
    pair_unit, pair_token = np.divmod(pair_keys, len(token_names))
    del pair_keys
    unit_freq = np.bincount(pair_token, minlength=len(token_names)).astype("int64")
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in schema.COOCCURRENCE})
    # A pair cannot share more units than either token occurs in.
    frequent = np.flatnonzero(unit_freq >= min_count)
    if len(frequent) < 2:
        return empty
    names = np.asarray(token_names, dtype=object)[frequent]
    by_name = np.argsort(names, kind="stable")
    vocab = names[by_name]
    vocab_freq = unit_freq[frequent][by_name]
    rank = np.full(len(token_names), -1, dtype=np.int64)
    rank[frequent[by_name]] = np.arange(len(vocab))
    pair_rank = rank[pair_token]
    in_vocab = pair_rank >= 0
    presence = sparse.csr_matrix(
        (np.ones(int(in_vocab.sum()), dtype=np.int32),
         (pair_unit[in_vocab], pair_rank[in_vocab])),
        shape=(n_units_total, len(vocab)),
    )
    del pair_unit, pair_token, pair_rank, in_vocab
    i, j, n_ab = _cooccurring_pairs(presence, min_count)
    if len(n_ab) == 0:
        return empty
    n_a = vocab_freq[i]
    n_b = vocab_freq[j]
    pmi = np.log(n_ab * n_units_total / (n_a * n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.where(n_ab == n_units_total, 1.0, pmi / -np.log(n_ab / n_units_total))
    # Sorted before the table is made, on the integer codes: vocab is in code-point
    # order, so the ranks i and j sort as the source and target strings do, and no
    # (i, j) pair repeats, so the order is the one sort_values gives on the columns.
    order = np.lexsort((j, i, -npmi, -n_ab))
    columns = {"i": i, "j": j, "n_units": n_ab, "n_source": n_a, "n_target": n_b, "pmi": pmi,
               "npmi": npmi}
    del i, j, n_ab, n_a, n_b, pmi, npmi
    for name in columns:
        # One column at a time, each replacing its unordered self.
        columns[name] = columns[name][order]
    del order
    out = pd.DataFrame(
        {
            "source": pd.Series(vocab[columns.pop("i")], dtype="str"),
            "target": pd.Series(vocab[columns.pop("j")], dtype="str"),
            "n_units_total": np.full(len(columns["n_units"]), n_units_total, dtype=np.int64),
            **columns,
        },
        columns=schema.COOCCURRENCE,
        # The columns are new arrays: pandas would otherwise copy them all into one block.
        copy=False,
    )
    return out


def _cooccurring_pairs(
    presence: sparse.csr_matrix, min_count: int, max_block_entries: int = 4_000_000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j of columns of a 0/1 unit x token matrix sharing >= ``min_count`` units.

    The token x token product is computed a block of token rows at a time and
    filtered at once, so only the pairs kept are held, never the whole product
    (tens of millions of entries for a vocabulary of tens of thousands).  A
    block's size is bounded by the units its tokens occur in, weighted by the
    tokens those units hold (an upper bound on the block's product entries).
    """
    by_token = presence.T.tocsr()
    unit_sizes = np.diff(presence.indptr).astype(np.float64)
    cost = by_token @ unit_sizes
    rows, cols, counts = [], [], []
    ends = np.cumsum(cost)
    start, n_tokens = 0, by_token.shape[0]
    while start < n_tokens:
        done = ends[start - 1] if start else 0.0
        stop = max(int(np.searchsorted(ends, done + max_block_entries, side="right")), start + 1)
        block = (by_token[start:stop] @ presence).tocoo()
        row = block.row.astype(np.int64) + start
        keep = (block.col > row) & (block.data >= min_count)
        rows.append(row[keep])
        cols.append(block.col[keep].astype(np.int64))
        counts.append(block.data[keep].astype("int64"))
        start = stop
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(counts)
