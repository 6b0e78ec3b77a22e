"""Candidate pairs of plans: which plans a pairwise search compares.

Passage alignment and text reuse compare every plan with every other plan,
which grows with the square of the collection.  Given a table of candidate
pairs -- usually each plan's nearest plans, the ``similarity_neighbours``
table (:func:`analysis.text.neighbours.similarity_neighbours`) -- they compare
only the listed pairs, in time and memory about linear in plans x pairs per plan.
This module turns such a table into region codes, and a region's partners
into row positions; it has no other job.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["PAIR_COLUMNS", "check_pairs", "pair_codes", "region_bounds", "partner_rows"]

#: The columns a table of candidate pairs must have: one plan and another plan to
#: compare it with (those of ``similarity_neighbours``; any other columns are ignored).
PAIR_COLUMNS: tuple[str, str] = ("region_id", "neighbour")


def check_pairs(pairs: object) -> None:
    """Refuse a ``pairs=`` argument that is neither None nor a DataFrame (ValueError)."""
    if pairs is not None and not isinstance(pairs, pd.DataFrame):
        raise ValueError(f"pairs must be None or a DataFrame, got {type(pairs).__name__}")


def pair_codes(
    pairs: pd.DataFrame, region_names: Sequence[str], *, known: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The unordered plan pairs of ``pairs`` as codes into ``region_names``, each pair once.

    Parameters
    ----------
    pairs : DataFrame with columns :data:`PAIR_COLUMNS` (``region_id, neighbour``).
        A pair counts in either direction; a plan paired with itself is dropped.
    region_names : the regions searched, sorted; a region's code is its position.
    known : regions the caller knows of (default ``region_names``).  A pair
        naming a region outside ``known`` is an error; one naming a known region
        that is not in ``region_names`` (a plan with nothing to search) is dropped.

    Returns
    -------
    (a, b) : int64 arrays of equal length, ``a < b``, sorted by a then b, no repeats.
    """
    missing = [c for c in PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise ValueError(
            f"pairs table lacks column(s) {missing}; it needs {list(PAIR_COLUMNS)}, "
            f"it has {list(pairs.columns)}"
        )
    names = pd.Index([str(r) for r in region_names])
    known_names = set(names) if known is None else {str(r) for r in known}
    first = pairs[PAIR_COLUMNS[0]].astype(str).to_numpy(dtype=object)
    second = pairs[PAIR_COLUMNS[1]].astype(str).to_numpy(dtype=object)
    unknown = sorted((set(first) | set(second)) - known_names)
    if unknown:
        raise ValueError(
            f"pairs name {len(unknown)} region(s) not in the units table, e.g. {unknown[0]!r}"
        )
    a, b = names.get_indexer(first), names.get_indexer(second)
    keep = (a >= 0) & (b >= 0) & (a != b)
    low = np.minimum(a[keep], b[keep]).astype(np.int64)
    high = np.maximum(a[keep], b[keep]).astype(np.int64)
    key = np.unique(low * max(len(names), 1) + high)
    return key // max(len(names), 1), key % max(len(names), 1)


def region_bounds(region_codes: np.ndarray, n_regions: int) -> np.ndarray:
    """Row ranges of rows sorted by region: region ``r``'s rows are ``bounds[r]:bounds[r + 1]``."""
    return np.searchsorted(region_codes, np.arange(n_regions + 1), side="left")


def partner_rows(partners: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The rows of the regions ``partners`` (sorted codes), ascending.

    ``bounds`` is :func:`region_bounds` of the rows' region codes.
    """
    if len(partners) == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = bounds[partners + 1] - bounds[partners]
    total = int(lengths.sum())
    return np.repeat(bounds[partners], lengths) + (
        np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
