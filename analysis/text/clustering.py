"""Hierarchical clustering of plans on TF-IDF cosine distance.

Agglomerative clustering (scipy's ``linkage``) of regions or groups on the
distance ``1 - cosine``, either from a pairs table of
:mod:`analysis.text.similarity` or straight from the tokens, filling the
condensed distance vector a block of rows at a time
(:func:`region_linkage_tfidf`).  The result is two tidy tables: the merges and
the leaves in dendrogram order.

References
----------
Sokal, R. R. & Michener, C. D. (1958). A statistical method for evaluating
systematic relationships. *University of Kansas Science Bulletin* 38, 1409-1438.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from analysis import config, schema
from analysis.text.neighbours import (
    NEIGHBOUR_BLOCK_ROWS,
    _block_cosines,
    _check_positive_int,
    _sorted_rows,
)
from analysis.text.similarity import SCORE_DECIMALS, _check_allowed, similarity_matrix, tfidf_matrix

__all__ = ["LINKAGE_METHODS", "region_linkage", "region_linkage_tfidf", "RegionLinkage"]

LINKAGE_METHODS: tuple[str, ...] = ("average", "complete", "single", "weighted")


class RegionLinkage(NamedTuple):
    """The two tables of a hierarchical clustering of regions.

    ``steps`` (``schema.REGION_LINKAGE``) is scipy's linkage matrix as tidy
    rows: ``steps[["cluster_a", "cluster_b", "distance", "size"]].to_numpy(float)``
    is the matrix ``scipy.cluster.hierarchy.dendrogram`` takes, with leaves
    numbered as in ``leaves``.  ``leaves`` (``schema.REGION_LINKAGE_LEAVES``)
    maps leaf numbers to regions and gives the left-to-right dendrogram order.
    """

    steps: pd.DataFrame
    leaves: pd.DataFrame


def region_linkage(
    similarity: pd.DataFrame, *, method: str = "average", value: str = "cosine",
    optimal_ordering: bool = False,
) -> RegionLinkage:
    """Agglomerative clustering of regions on cosine distance ``1 - cosine``.

    Parameters
    ----------
    similarity : pairs table such as :func:`similarity_regions` returns (every
        pair of regions present once or in both orders), or one with ``group_a,
        group_b`` such as :func:`similarity_by_group` returns (groups then take
        the regions' place, ``leaves.region_id`` holding the group values); rows
        whose ``status`` is not ``"compared"`` are left out (:func:`similarity_matrix`).
    method : ``"average"`` (default, UPGMA), ``"complete"``, ``"single"`` or
        ``"weighted"`` -- the methods valid for a non-Euclidean dissimilarity.
    value : the similarity column to use, default ``"cosine"``.
    optimal_ordering : bool, default False -- reorder leaves so that adjacent
        leaves are as close as possible (Bar-Joseph et al. 2001); changes the
        drawing, not the tree.

    Returns
    -------
    RegionLinkage(steps, leaves).  ``steps``: one row per merge, ``step``
    (1-based), ``cluster_id`` (scipy numbering: leaves 0..n-1, then n, n+1,
    ...), ``cluster_a, cluster_b`` (ids merged), ``label_a, label_b`` (region id
    of a leaf, else ``"cluster <id>"``), ``distance`` (cophenetic height),
    ``size`` (regions in the new cluster), ``members`` (its region ids, sorted,
    joined with ``;``).  ``leaves``: ``leaf`` (scipy leaf number = rank of the
    region id), ``region_id``, ``position`` (0-based left-to-right order).

    References
    ----------
    Sokal, R. R. & Michener, C. D. (1958). A statistical method for evaluating
    systematic relationships. *University of Kansas Science Bulletin* 38, 1409-1438.
    """
    _check_allowed("method", method, LINKAGE_METHODS)
    square = similarity_matrix(similarity, value=value)
    if len(square) < 2:
        raise ValueError("region_linkage needs at least two regions")
    distance = np.clip(1.0 - square.to_numpy(), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    distance = (distance + distance.T) / 2.0
    condensed = squareform(distance, checks=False)
    return _linkage_tables(list(square.index), condensed, method=method,
                           optimal_ordering=optimal_ordering)


def _linkage_tables(
    regions: list[str], condensed: np.ndarray, *, method: str, optimal_ordering: bool,
) -> RegionLinkage:
    """Cluster a condensed distance vector (``regions`` sorted) into the two tidy tables."""
    z = hierarchy.linkage(condensed, method=method, optimal_ordering=optimal_ordering)
    n = len(regions)
    members: dict[int, list[str]] = {i: [r] for i, r in enumerate(regions)}
    rows = []
    for step, (a, b, dist, size) in enumerate(z, start=1):
        a, b, new = int(a), int(b), n + step - 1
        members[new] = sorted(members[a] + members[b])
        rows.append({
            "step": step, "cluster_id": new, "cluster_a": a, "cluster_b": b,
            "label_a": regions[a] if a < n else f"cluster {a}",
            "label_b": regions[b] if b < n else f"cluster {b}",
            "distance": round(float(dist), SCORE_DECIMALS), "size": int(size),
            "members": ";".join(members[new]),
        })
    steps = pd.DataFrame(rows, columns=schema.REGION_LINKAGE)
    order = hierarchy.leaves_list(z)
    leaves = pd.DataFrame({
        "leaf": np.arange(n), "region_id": regions,
        "position": np.argsort(order).astype(np.int64),
    })
    return RegionLinkage(steps=steps, leaves=leaves.loc[:, schema.REGION_LINKAGE_LEAVES])


def region_linkage_tfidf(
    tokens: pd.DataFrame, *, method: str = "average", optimal_ordering: bool = False,
    sublinear_tf: bool = False, min_df: int | float = 1, max_df: int | float = 1.0,
    max_regions: int = config.LINKAGE_MAX_REGIONS, block_rows: int = NEIGHBOUR_BLOCK_ROWS,
) -> RegionLinkage:
    """``region_linkage(similarity_regions(tokens))`` without the pairs table.

    The condensed distance vector (N(N-1)/2 floats, 100 MB at 5,000 plans) is
    filled ``block_rows`` rows of the cosine matrix at a time, with the same
    rounded cosines :func:`similarity_regions` writes, so the tree is the same
    as :func:`region_linkage` of that table; only the pairs table (three
    columns of strings per pair) and the square matrix are never made.

    Parameters
    ----------
    tokens : tokens table.
    method, optimal_ordering : as in :func:`region_linkage`.
    sublinear_tf, min_df, max_df : as in :func:`similarity_regions`.
    max_regions : int, default ``config.LINKAGE_MAX_REGIONS`` (5,000) -- more
        regions raise ``ValueError`` (the distances and scipy's O(N^2) clustering
        no longer fit in memory or time; use the neighbour tables).
    block_rows : rows of the cosine matrix computed at once.

    Returns
    -------
    RegionLinkage(steps, leaves), as :func:`region_linkage`.
    """
    _check_allowed("method", method, LINKAGE_METHODS)
    _check_positive_int("max_regions", max_regions)
    _check_positive_int("block_rows", block_rows)
    dtm = tfidf_matrix(
        tokens, by="region_id", sublinear_tf=sublinear_tf, min_df=min_df, max_df=max_df
    )
    ids, matrix = _sorted_rows(dtm.doc_ids, dtm.matrix)
    n = len(ids)
    if n < 2:
        raise ValueError("region_linkage needs at least two regions")
    if n > max_regions:
        raise ValueError(
            f"{n} regions is more than max_regions ({max_regions}): the linkage needs every "
            "pairwise distance; use similarity_neighbours instead, or raise max_regions"
        )
    norms = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    if (norms == 0).any():
        raise ValueError(
            f"region {ids[np.flatnonzero(norms == 0)[0]]!r} has no terms: its cosine is undefined"
        )
    condensed = np.empty(n * (n - 1) // 2)
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        distance = np.clip(1.0 - _block_cosines(matrix, start, stop), 0.0, None)
        for i in range(start, stop):
            # Row i's pairs (i, j > i) are one run of the condensed vector.
            offset = n * i - i * (i + 1) // 2
            condensed[offset:offset + n - i - 1] = distance[i - start, i + 1:]
    return _linkage_tables(list(ids.astype(str)), condensed, method=method,
                           optimal_ordering=optimal_ordering)
