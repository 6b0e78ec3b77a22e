"""Tests for analysis.text.neighbours: brute-force neighbours with ties, the pairs tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.text import neighbours as nb
from analysis.text import similarity as sim
from tests.test_similarity import random_corpus, themed_random_corpus


def brute_force_neighbours(ids, matrix, k):
    """Every row's k best other rows from the dense cosine matrix; ties to the smaller id."""
    order = np.argsort(np.asarray(ids, dtype=str), kind="stable")
    ids, dense = np.asarray(ids, dtype=str)[order], matrix.toarray()[order]
    norms = np.linalg.norm(dense, axis=1)
    cos = np.round(np.clip(dense @ dense.T, 0.0, 1.0), sim.SCORE_DECIMALS)
    rows = []
    for i in range(len(ids)):
        if norms[i] == 0:
            continue
        others = [(-cos[i, j], ids[j]) for j in range(len(ids)) if j != i and norms[j] > 0]
        for rank, (neg, other) in enumerate(sorted(others)[:k], start=1):
            rows.append((ids[i], other, rank, -neg))
    return rows


def tied_matrix(seed: int, n: int = 23, vocab: int = 6):
    """Rows of small integer counts, L2-normalised: many exact ties, a few empty rows."""
    import scipy.sparse as sp
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 3, size=(n, vocab)) * (rng.random((n, vocab)) < 0.5)
    dense[[3, 11]] = 0
    dense[[5, 6, 7]] = [1, 0, 2, 0, 1, 0][:vocab]  # three identical rows: cosine 1, tied
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    dense = np.divide(dense, norms, out=np.zeros(dense.shape), where=norms > 0)
    ids = [f"r{i:02d}" for i in rng.permutation(n)]
    return ids, sp.csr_matrix(dense)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k,block_rows", [(1, 1), (3, 4), (5, 256), (40, 7)])
def test_blockwise_neighbours_equal_brute_force_with_ties_by_id(seed, k, block_rows):
    ids, matrix = tied_matrix(seed)
    got = nb.nearest_neighbours(ids, matrix, k=k, block_rows=block_rows)
    assert list(got.columns) == ["region_id", "neighbour", "rank", "cosine"]
    assert list(got.itertuples(index=False, name=None)) == brute_force_neighbours(ids, matrix, k)
    # Rows 5, 6, 7 are identical: each one's first neighbour is the smaller other id.
    same = sorted(ids[i] for i in (5, 6, 7))
    firsts = got.loc[got["rank"] == 1].set_index("region_id")["neighbour"]
    assert [firsts[r] for r in same] == [same[1], same[0], same[0]]


def test_neighbours_leave_out_rows_without_terms_and_check_arguments():
    ids, matrix = tied_matrix(0)
    got = nb.nearest_neighbours(ids, matrix, k=100)
    empty = {ids[i] for i in np.flatnonzero(matrix.getnnz(axis=1) == 0)}
    assert {ids[3], ids[11]} <= empty
    assert not empty & (set(got["region_id"]) | set(got["neighbour"]))
    assert got.groupby("region_id").size().eq(len(ids) - len(empty) - 1).all()
    with pytest.raises(ValueError, match="k must be a positive integer"):
        nb.nearest_neighbours(ids, matrix, k=0)
    with pytest.raises(ValueError, match="block_rows must be a positive integer"):
        nb.nearest_neighbours(ids, matrix, block_rows=True)
    with pytest.raises(ValueError, match="duplicates"):
        nb.nearest_neighbours(["a", "a"], matrix[:2])


def test_neighbours_with_k_at_least_n_minus_one_are_every_pair_both_ways():
    tokens, _ = random_corpus(4, n_regions=6)
    pairs = sim.similarity_regions(tokens)
    got = nb.similarity_neighbours(tokens, k=5, block_rows=2)
    assert list(got.columns) == schema.SIMILARITY_NEIGHBOURS
    both = pd.concat([
        pairs.rename(columns={"region_a": "region_id", "region_b": "neighbour"}),
        pairs.rename(columns={"region_b": "region_id", "region_a": "neighbour"}),
    ])
    expected = both.set_index(["region_id", "neighbour"])["cosine"].to_dict()
    assert got.set_index(["region_id", "neighbour"])["cosine"].to_dict() == expected
    assert got["weighting"].iloc[0] == pairs["weighting"].iloc[0]
    # rank 1 is the largest cosine of each region.
    firsts = got.loc[got["rank"] == 1].set_index("region_id")["cosine"]
    assert firsts.equals(got.groupby("region_id")["cosine"].max().rename_axis("region_id"))
    # k = 2 keeps the two best of each region.
    two = nb.similarity_neighbours(tokens, k=2)
    assert two.groupby("region_id").size().eq(2).all()
    assert two.merge(got, on=["region_id", "neighbour", "rank", "cosine"]).shape[0] == len(two)


@pytest.mark.parametrize("min_units", [1, 2, 4])
def test_neighbours_by_theme_are_the_compared_pairs_of_similarity_by_theme(min_units):
    tokens, units = themed_random_corpus(3)
    pairs = sim.similarity_by_theme(tokens, units, min_units=min_units)
    pairs = pairs.loc[pairs["status"] == sim.STATUS_COMPARED]
    got = nb.similarity_neighbours_by_theme(tokens, units, min_units=min_units, k=50)
    assert list(got.columns) == schema.SIMILARITY_NEIGHBOURS_BY_THEME
    expected = {}
    for r in pairs.itertuples():
        expected[(r.theme, r.region_a, r.region_b)] = (r.cosine, r.n_units_a)
        expected[(r.theme, r.region_b, r.region_a)] = (r.cosine, r.n_units_b)
    assert {(r.theme, r.region_id, r.neighbour): (r.cosine, r.n_units)
            for r in got.itertuples()} == expected
    assert got["tokenisation"].iloc[0] == pairs["tokenisation"].iloc[0]
    assert got["weighting"].iloc[0] == pairs["weighting"].iloc[0]
