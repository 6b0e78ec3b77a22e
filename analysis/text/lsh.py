"""MinHash signatures and LSH banding: candidate pairs without comparing all pairs.

A MinHash signature (Broder 1997) summarises a set by its smallest value under
each of ``num_perm`` random hash functions; two sets agree in any one position
with probability equal to their Jaccard similarity ``J``.  LSH banding (Indyk &
Motwani 1998; Leskovec, Rajaraman & Ullman 2020, ch. 3.4) cuts the signature
into ``bands`` bands of ``rows`` positions and makes two items a candidate pair
when all positions of at least one band agree, which happens with probability
``1 - (1 - J**rows)**bands`` (:func:`candidate_probability`): near 1 above the
threshold ``(1 / bands) ** (1 / rows)`` and falling fast below it.

The sets here are integer keys (the text-reuse stage passes exact shingle
group ids, so no text is hashed twice).  Each hash function is the SplitMix64
finaliser (Steele, Lea & Flood 2014) applied to the key XOR a 64-bit seed drawn
from ``config.RANDOM_STATE``: everything is vectorised in NumPy, deterministic,
and needs no extra library.  (``datasketch`` does the same with one Python
object per set and hashes each shingle's bytes with SHA-1 in Python; that cost
per set is what made it too slow for 300,000 units, see benchmarks/README.md.)

References
----------
Broder, A. Z. (1997). On the resemblance and containment of documents.
*Compression and Complexity of Sequences*, 21-29.
Indyk, P. & Motwani, R. (1998). Approximate nearest neighbors: towards removing
the curse of dimensionality. *STOC '98*, 604-613.
Leskovec, J., Rajaraman, A. & Ullman, J. D. (2020). *Mining of Massive
Datasets*, 3rd ed., chapter 3. Cambridge University Press.
Steele, G. L., Lea, D. & Flood, C. H. (2014). Fast splittable pseudorandom
number generators. *OOPSLA '14*, 453-472.
"""

from __future__ import annotations

import numpy as np

from analysis import config

__all__ = [
    "candidate_pairs", "candidate_probability", "minhash_signatures",
]

_MAX_CELLS = 4_000_000  # hash values held at once while signing (32 MiB)


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection of uint64 that scatters nearby keys."""
    x = values.copy()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _check_int(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def candidate_probability(jaccard: float | np.ndarray, *, bands: int, rows: int):
    """Chance that two sets of Jaccard similarity ``jaccard`` become a candidate pair.

    ``1 - (1 - jaccard**rows)**bands`` (Leskovec et al. 2020, section 3.4.2).
    """
    _check_int("bands", bands, 1)
    _check_int("rows", rows, 1)
    return 1.0 - (1.0 - np.asarray(jaccard, dtype=float) ** rows) ** bands


def minhash_signatures(
    item: np.ndarray, key: np.ndarray, *, num_perm: int, seed: int = config.RANDOM_STATE,
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signature of each item's set of integer keys.

    Parameters
    ----------
    item : int array -- the item (set) each key belongs to; any order.
    key : int array, same length -- the set members (repeats are harmless).
    num_perm : int -- hash functions, the signature length.
    seed : int, default ``config.RANDOM_STATE`` -- draws the hash functions.

    Returns
    -------
    ``(items, signatures)``: the distinct items, ascending, and a
    ``(len(items), num_perm)`` uint64 array whose column ``i`` is the smallest
    value of hash function ``i`` over the item's keys.
    """
    _check_int("num_perm", num_perm, 1)
    item = np.asarray(item)
    key = np.asarray(key).astype(np.uint64)
    if item.shape != key.shape:
        raise ValueError("item and key must have the same length")
    seeds = np.random.default_rng(seed).integers(0, 2**63, size=num_perm, dtype=np.int64)
    seeds = seeds.astype(np.uint64) * np.uint64(2) + np.uint64(1)
    order = np.argsort(item, kind="stable")
    item, key = item[order], key[order]
    items, first = np.unique(item, return_index=True)
    signatures = np.empty((len(items), num_perm), dtype=np.uint64)
    if len(items) == 0:
        return items, signatures
    # Sign whole items at a time, about _MAX_CELLS hash values per chunk.
    bounds = np.concatenate([first, [len(key)]])
    per_chunk = max(1, _MAX_CELLS // num_perm)
    lo = 0
    while lo < len(items):
        hi = int(np.searchsorted(bounds, bounds[lo] + per_chunk, side="right")) - 1
        hi = min(max(hi, lo + 1), len(items))
        keys = key[bounds[lo]:bounds[hi]]
        hashed = _mix(keys[:, None] ^ seeds[None, :])
        signatures[lo:hi] = np.minimum.reduceat(hashed, bounds[lo:hi] - bounds[lo], axis=0)
        lo = hi
    return items, signatures


def _pairs_in_buckets(bucket: np.ndarray, group: np.ndarray, item: np.ndarray):
    """Every (a, b) of items sharing a bucket with ``group[a] < group[b]``."""
    order = np.lexsort((group, bucket))
    bucket, group, item = bucket[order], group[order], item[order]
    m = len(item)
    new_bucket = np.concatenate([[True], bucket[1:] != bucket[:-1]])
    new_block = new_bucket.copy()
    new_block[1:] |= group[1:] != group[:-1]
    bucket_starts = np.flatnonzero(new_bucket)
    bucket_ends = np.concatenate([bucket_starts[1:], [m]])
    bucket_end = np.repeat(bucket_ends, bucket_ends - bucket_starts)
    block_starts = np.flatnonzero(new_block)
    block_ends = np.concatenate([block_starts[1:], [m]])
    # An item's partners: the rest of its bucket after its own group's block.
    partners_from = np.repeat(block_ends, block_ends - block_starts)
    counts = bucket_end - partners_from
    total = int(counts.sum())
    first = np.repeat(np.arange(m), counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    second = np.repeat(partners_from, counts) + offset
    return item[first], item[second]


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (NumPy's hash-based unique is slower on int64 codes)."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def candidate_pairs(
    signatures: np.ndarray, group: np.ndarray, *, bands: int, rows: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows of ``signatures`` that agree on every position of some band.

    Parameters
    ----------
    signatures : ``(n_items, bands * rows)`` array from :func:`minhash_signatures`.
    group : int array of length ``n_items`` -- only items of different groups are
        paired (for text reuse: the plan), and each pair is oriented so that
        ``group[a] < group[b]``.
    bands, rows : int -- the banding; see :func:`candidate_probability`.

    Returns
    -------
    ``(a, b)``: row indices of the distinct candidate pairs, sorted by a, then b.
    """
    _check_int("bands", bands, 1)
    _check_int("rows", rows, 1)
    n_items = signatures.shape[0]
    if signatures.ndim != 2 or signatures.shape[1] != bands * rows:
        raise ValueError(f"signatures must have bands * rows = {bands * rows} columns, "
                         f"got shape {signatures.shape}")
    if len(group) != n_items:
        raise ValueError("group must have one value per signature row")
    rows_index = np.arange(n_items, dtype=np.int64)
    codes = []
    for band in range(bands):
        part = signatures[:, band * rows:(band + 1) * rows]
        bucket = part[:, 0].copy()
        # Fold the band's rows into one 64-bit bucket key, order-dependently (a plain
        # XOR would give (7, 7) and (8, 8) the same key).  A rare collision only adds
        # a candidate, which the exact comparison then checks.
        for k in range(1, rows):
            bucket = _mix(_mix(bucket) ^ part[:, k])
        a, b = _pairs_in_buckets(bucket, group, rows_index)
        codes.append(_sorted_unique(a * n_items + b))
    code = _sorted_unique(np.concatenate(codes)) if codes else np.array([], dtype=np.int64)
    return code // max(n_items, 1), code % max(n_items, 1)
