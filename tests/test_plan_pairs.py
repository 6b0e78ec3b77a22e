"""Tests for analysis.text.plan_pairs: candidate plan pairs as region codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.text.plan_pairs import check_pairs, pair_codes, partner_rows, region_bounds


def test_pairs_are_unordered_unique_and_sorted():
    pairs = pd.DataFrame({"region_id": ["c", "a", "b", "a", "b"],
                          "neighbour": ["a", "c", "b", "b", "a"], "rank": [1, 1, 1, 2, 1]})
    a, b = pair_codes(pairs, ["a", "b", "c"])
    # (c, a) and (a, c) are one pair; (b, b) is dropped; (a, b) and (b, a) are one pair.
    np.testing.assert_array_equal(a, [0, 0])
    np.testing.assert_array_equal(b, [1, 2])


def test_known_regions_without_anything_to_search_are_dropped_unknown_ones_raise():
    pairs = pd.DataFrame({"region_id": ["a", "a"], "neighbour": ["b", "z"]})
    a, b = pair_codes(pairs, ["a", "b"], known=["a", "b", "z"])
    assert (a.tolist(), b.tolist()) == ([0], [1])
    with pytest.raises(ValueError, match="not in the units table, e.g. 'z'"):
        pair_codes(pairs, ["a", "b"])
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['neighbour'\]"):
        pair_codes(pairs.drop(columns="neighbour"), ["a", "b"])


def test_partner_rows_are_the_rows_of_the_partner_regions_in_order():
    # Rows sorted by region: region 0 has rows 0-1, region 1 none, region 2 rows 2-4, 3 row 5.
    codes = np.array([0, 0, 2, 2, 2, 3])
    bounds = region_bounds(codes, 4)
    assert bounds.tolist() == [0, 2, 2, 5, 6]
    for partners in ([0, 2], [1, 3], [0, 1, 2, 3], [1], []):
        expected = [row for row, code in enumerate(codes) if code in partners]
        assert partner_rows(np.array(partners, dtype=np.int64), bounds).tolist() == expected


def test_check_pairs_refuses_what_is_not_a_table():
    check_pairs(None)
    check_pairs(pd.DataFrame({"region_id": [], "neighbour": []}))
    with pytest.raises(ValueError, match="pairs must be None or a DataFrame, got list"):
        check_pairs([("a", "b")])
