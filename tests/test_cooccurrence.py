"""Tests for analysis.text.cooccurrence: hand-worked PMI, brute-force pair counts, groups."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from analysis import schema
from analysis.text import tokens as tk
from tests.test_keyness import random_tokens, tokens_table

# The module, not the function analysis.text re-exports under the same name.
co = importlib.import_module("analysis.text.cooccurrence")


def test_cooccurrence_hand_worked():
    # Units: {a b c}, {a b a}, {a c}, {d}.  U = 4; a in 3 units, b in 2, c in 2.
    tokens = tokens_table({"r": [["a", "b", "c"], ["a", "b", "a"], ["a", "c"], ["d"]]})
    out = co.cooccurrence(tokens, min_count=1, keep_single_chars=True)
    assert list(out.columns) == schema.COOCCURRENCE
    edges = {(r.source, r.target): r for r in out.itertuples()}
    assert set(edges) == {("a", "b"), ("a", "c"), ("b", "c")}
    ab = edges[("a", "b")]
    assert (ab.n_units, ab.n_source, ab.n_target, ab.n_units_total) == (2, 3, 2, 4)
    # pmi = ln(2*4 / (3*2)) = ln(4/3); npmi = ln(4/3) / -ln(2/4) = log2(4/3).
    assert ab.pmi == pytest.approx(math.log(4 / 3), rel=1e-12)
    assert ab.npmi == pytest.approx(math.log2(4 / 3), rel=1e-12)
    bc = edges[("b", "c")]
    assert bc.n_units == 1 and bc.pmi == pytest.approx(0.0, abs=1e-12)
    assert out[["source", "target"]].values.tolist()[:2] == [["a", "b"], ["a", "c"]]
    assert co.cooccurrence(tokens, min_count=2,
                           keep_single_chars=True)["n_units"].tolist() == [2, 2]
    assert co.cooccurrence(tokens, min_count=3, keep_single_chars=True).empty


def test_cooccurrence_on_the_plans_is_consistent(corpus):
    tokens = tk.remove_stopwords(tk.tokens_from_units(corpus.units, cache_dir=None))
    out = co.cooccurrence(tokens, min_count=5, keep_single_chars=True)
    assert len(out) > 10
    assert (out["source"] < out["target"]).all()
    assert (out["n_units"] <= out[["n_source", "n_target"]].min(axis=1)).all()
    assert out["npmi"].between(-1, 1).all()
    # Spot-check one edge against a direct count.
    row = out.iloc[0]
    units_with = tokens.groupby("unit_id")["token"].agg(set)
    both = sum(1 for s in units_with if row.source in s and row.target in s)
    assert both == row.n_units


def test_cooccurrence_counts_pairs_by_brute_force_in_any_block_size():
    tokens = random_tokens(6)
    units = tokens.groupby("unit_id")["token"].agg(set)
    out = co.cooccurrence(tokens, min_count=2)
    expected = {}
    for words in units:
        for a in words:
            for b in words:
                if a < b:
                    expected[(a, b)] = expected.get((a, b), 0) + 1
    expected = {pair: n for pair, n in expected.items() if n >= 2}
    pairs = zip(out["source"], out["target"], strict=True)
    assert dict(zip(pairs, out["n_units"], strict=True)) == expected
    # Blocks of one token row give the same pairs as one block.
    unit_codes = pd.factorize(tokens["unit_id"])[0]
    token_codes = pd.factorize(tokens["token"])[0]
    presence = sparse.csr_matrix((np.ones(len(tokens), dtype=np.int32),
                                  (unit_codes, token_codes)))
    presence.data[:] = 1  # duplicates summed: back to 0/1
    whole = co._cooccurring_pairs(presence, 2)
    tiny = co._cooccurring_pairs(presence, 2, max_block_entries=1)
    def as_set(result):
        return set(zip(*(x.tolist() for x in result), strict=True))

    assert as_set(whole) == as_set(tiny)
    assert len(whole[0]) > 0


def test_cooccurrence_per_group_hand_worked_and_equal_to_one_call_per_group():
    tokens = tokens_table({"r": [["a", "b"], ["b", "a", "a"], ["a", "c"], ["a", "c"], ["b"],
                                 ["a", "b"]]})
    part = {"r-0001": "review", "r-0002": "review", "r-0003": "plan", "r-0004": "plan",
            "r-0005": "plan", "r-0006": None}
    tokens["part"] = tokens["unit_id"].map(part)
    out = co.cooccurrence(tokens, group_col="part", min_count=1, keep_single_chars=True)
    assert list(out.columns) == ["part", *schema.COOCCURRENCE]
    # By hand: plan {a c} {a c} {b}: (a, c) in 2 of U = 3 units; review {a b} {a b}: (a, b) 2 of 2.
    # The unit with no part is in neither network.
    assert out[["part", "source", "target", "n_units", "n_units_total"]].values.tolist() == [
        ["plan", "a", "c", 2, 3], ["review", "a", "b", 2, 2]]
    assert out["npmi"].iloc[0] == pytest.approx(math.log(3 / 2) / -math.log(2 / 3), rel=1e-12)
    for value, rows in out.groupby("part"):
        alone = co.cooccurrence(tokens[tokens["part"] == value], min_count=1,
                                keep_single_chars=True)
        pd.testing.assert_frame_equal(rows.drop(columns="part").reset_index(drop=True), alone)
    whole = co.cooccurrence(tokens, min_count=1, keep_single_chars=True)
    assert list(whole.columns) == schema.COOCCURRENCE and whole["n_units_total"].iloc[0] == 6
    years = tokens.assign(year=pd.array([2021] * len(tokens), dtype="Int64"))
    assert str(co.cooccurrence(years, group_col="year", min_count=1,
                               keep_single_chars=True)["year"].dtype) == "Int64"
    assert co.cooccurrence(tokens, group_col="part", min_count=5,
                           keep_single_chars=True).columns.tolist()[0] == "part"


def test_edges_come_in_the_order_sorting_the_table_by_its_columns_gives():
    # The table is sorted on integer codes before it is made; that must be the order
    # pandas gives sorting the finished table by n_units, npmi (both descending),
    # source, target -- checked on a corpus with many ties in n_units and npmi.
    out = co.cooccurrence(random_tokens(11), min_count=1, keep_single_chars=True)
    assert out["n_units"].nunique() < len(out) / 5  # ties to break
    resorted = out.sort_values(["n_units", "npmi", "source", "target"],
                               ascending=[False, False, True, True], kind="mergesort")
    pd.testing.assert_frame_equal(out, resorted.reset_index(drop=True), check_exact=True)
    assert out.index.equals(pd.RangeIndex(len(out)))
    assert (out["n_units_total"] == out["n_units_total"].iloc[0]).all()


def test_categorical_tokens_give_the_same_edges_as_strings():
    # The build passes its content tokens as categoricals.
    tokens = random_tokens(12)
    as_strings = co.cooccurrence(tokens, min_count=2, keep_single_chars=True)
    as_categories = co.cooccurrence(tk.categorical_tokens(tokens), min_count=2,
                                    keep_single_chars=True)
    pd.testing.assert_frame_equal(as_categories, as_strings, check_exact=True)
    assert len(as_strings) > 0
