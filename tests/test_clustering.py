"""Tests for analysis.text.clustering: a hand-worked tree, scipy's matrix, the blockwise route."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from analysis import schema
from analysis.text import clustering as cl
from analysis.text import similarity as sim
from tests.test_similarity import random_corpus


def test_linkage_hand_example():
    # Distances: A-B 0.1, A-C 0.5, B-C 0.7, *-D 0.9.
    pairs = pd.DataFrame({
        "region_a": ["A", "A", "A", "B", "B", "C"],
        "region_b": ["B", "C", "D", "C", "D", "D"],
        "cosine": [0.9, 0.5, 0.1, 0.3, 0.1, 0.1],
    })
    result = cl.region_linkage(pairs, method="average")
    steps = result.steps
    # Step 1 joins A and B at 0.1; step 2 joins C at mean(0.5, 0.7) = 0.6; step 3 D at 0.9.
    assert steps["distance"].tolist() == pytest.approx([0.1, 0.6, 0.9])
    assert steps["members"].tolist() == ["A;B", "A;B;C", "A;B;C;D"]
    assert steps["size"].tolist() == [2, 3, 4]
    assert steps.loc[0, ["label_a", "label_b"]].tolist() == ["A", "B"]
    assert steps.loc[1, "label_a"] == "C" or steps.loc[1, "label_b"] == "C"
    assert list(steps.columns) == schema.REGION_LINKAGE
    # The numeric columns are scipy's own linkage matrix.
    dist = np.array([[0, .1, .5, .9], [.1, 0, .7, .9], [.5, .7, 0, .9], [.9, .9, .9, 0]])
    z = hierarchy.linkage(squareform(dist), method="average")
    assert np.allclose(steps[["cluster_a", "cluster_b", "distance", "size"]].to_numpy(float), z)
    leaves = result.leaves
    assert leaves["region_id"].tolist() == ["A", "B", "C", "D"]
    assert sorted(leaves["position"]) == [0, 1, 2, 3]
    assert list(leaves.columns) == schema.REGION_LINKAGE_LEAVES


def test_linkage_rejects_unknown_method():
    pairs = pd.DataFrame({"region_a": ["A"], "region_b": ["B"], "cosine": [0.5]})
    with pytest.raises(ValueError, match="method must be one of"):
        cl.region_linkage(pairs, method="ward")


def test_blockwise_linkage_equals_linkage_of_the_pairs_table():
    tokens, _ = random_corpus(5, n_regions=9)
    for method in ("average", "complete"):
        expected = cl.region_linkage(sim.similarity_regions(tokens), method=method)
        got = cl.region_linkage_tfidf(tokens, method=method, block_rows=2)
        pd.testing.assert_frame_equal(got.steps, expected.steps)
        pd.testing.assert_frame_equal(got.leaves, expected.leaves)
    with pytest.raises(ValueError, match="more than max_regions"):
        cl.region_linkage_tfidf(tokens, max_regions=8)
