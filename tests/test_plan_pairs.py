"""Tests for analysis.text.plan_pairs: candidate plan pairs as region codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.text.plan_pairs import pair_codes


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
