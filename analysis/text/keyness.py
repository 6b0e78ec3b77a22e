"""Keyword statistics on the token table: frequencies, keyness, top keywords.

Keyword in context (KWIC) is :mod:`analysis.text.concordance`; co-occurrence is
:mod:`analysis.text.cooccurrence`.

Every function takes the tidy token table of :func:`analysis.text.tokens.tokens_from_units`
(schema.TOKENS, usually after :func:`analysis.text.tokens.remove_stopwords`) and returns
a new tidy table; none mutates its input.  The frequency and keyness
functions first drop numbers and dates, single characters and place
names (:func:`analysis.text.term_filters.filter_terms`; ``keep_numbers=True``,
``keep_places=True``, ``keep_single_chars=True`` keep them).  Counts and totals are
always those of the kept tokens: after stopword removal and this filter, "per
10,000 tokens" means per 10,000 *kept* tokens.

Keyness statistics (two groups of tokens, target T and reference R)
------------------------------------------------------------------
For a token w with count a in T and b in R, group sizes N_T and N_R, N = N_T + N_R:

G² (Dunning 1993)
    The log-likelihood ratio statistic of the 2x2 table [[a, b], [N_T-a, N_R-b]]:
    G² = 2 Σ O ln(O/E) over the four cells, E from the margins, 0 ln 0 = 0 — the
    same number as ``scipy.stats.chi2_contingency(table, correction=False,
    lambda_="log-likelihood")``.  ``p_value`` is its upper tail under χ² with 1
    degree of freedom (rough when expected counts are small: that is what
    ``min_freq`` is for).  G² has no sign: read the direction from ``log_ratio``.
    (Rayson & Garside's two-cell shortcut, used by some web calculators, gives
    slightly different numbers.)
log ratio (Hardie 2014)
    log2((a/N_T) / (b/N_R)), the binary log of the ratio of relative frequencies:
    +1 means twice as frequent in T.  A zero count is replaced by 0.5 (Hardie's
    adjustment), so a token absent from R gets a finite, conservative value.
weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008)
    α_w = α0 · f_w / F, where f_w is the token's count in the *whole* table passed
    in (all groups, not only T and R), F the table's size, and α0 = ``prior``.
    δ_w = ln[(a+α_w)/(N_T+α0-a-α_w)] - ln[(b+α_w)/(N_R+α0-b-α_w)]   (``log_odds``)
    σ²_w ≈ 1/(a+α_w) + 1/(b+α_w);  z_w = δ_w / σ_w                   (``log_odds_z``)
    α0 is the prior's total weight in pseudo-tokens, shared out by background
    frequency: at the default α0 = 1000, a token with 10 of 11,500 tokens gets
    α_w ≈ 0.87.  Larger α0 pulls rare tokens harder towards the background rate
    (no difference between the groups); α0 = F (the table size, so α_w = f_w) is
    the "empirical Bayes" prior of R's tidylo.  |z| > 1.96 is the conventional,
    uncorrected threshold.

References
----------
Dunning, T. (1993). Accurate methods for the statistics of surprise and
    coincidence. Computational Linguistics, 19(1), 61-74.
Hardie, A. (2014). Log Ratio - an informal introduction. ESRC Centre for
    Corpus Approaches to Social Science (CASS), Lancaster University.
Monroe, B. L., Colaresi, M. P., & Quinn, K. M. (2008). Fightin' words: Lexical
    feature selection and evaluation for identifying the content of political
    conflict. Political Analysis, 16(4), 372-403. doi:10.1093/pan/mpn018
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse, stats

from analysis import schema
from analysis.text.term_filters import filter_terms

__all__ = [
    "g2_statistic", "keyness", "keyness_by_region",
    "keyness_by_region_from_counts", "keyword_frequencies", "keyword_frequencies_from_counts",
    "log_ratio", "one_vs_rest", "sum_term_counts", "term_counts", "top_keywords",
    "TOP_KEYWORDS_BY", "weighted_log_odds",
]

_LABEL_MAX_VALUES: int = 5


def _str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A pandas string column (the default ``str`` dtype) over an Arrow array, no copy."""
    return pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _require(table: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        # A grouping column of the units or regions is joined by load_tokens.
        raise ValueError(
            f"{name} is missing columns {missing}; join unit or region columns with "
            f"load_tokens(unit_columns=[...], region_columns=[...])"
        )


def keyword_frequencies(
    tokens: pd.DataFrame,
    *,
    by: str = "region_id",
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
) -> pd.DataFrame:
    """Raw and relative frequency of every token in each group, with document frequency.

    Parameters
    ----------
    tokens : DataFrame
        Token table (schema.TOKENS), possibly after stopword removal.
    by : str, default "region_id"
        Column defining the groups ("documents"); any column of ``tokens``.
    regions : DataFrame, optional
        Manifest or regions table: its region names (and their stems without
        县/区/市/省) are place names too.  Default None: the project's manifest
        (see :func:`analysis.text.term_filters.term_exclusions`).
    keep_numbers, keep_places, keep_single_chars : bool, default False
        Keep numbers and dates, place names, single characters; by default
        they are dropped before counting (:func:`analysis.text.term_filters.filter_terms`).

    Returns
    -------
    DataFrame with columns schema.KEYWORD_FREQUENCIES (first column named ``by``):
        <by> : the group.
        token : str.
        n : int, occurrences of the token in the group.
        per_10k : float, n per 10,000 tokens of the group (n / group size * 10,000).
        doc_freq : int, number of groups in which the token occurs at least once.
        n_docs : int, number of groups in the table.
    Sorted by group, then n descending, then token.

    References
    ----------
    Manning, C. D., Raghavan, P., & Schütze, H. (2008). Introduction to
    Information Retrieval, ch. 6 (document frequency).
    """
    counts = term_counts(tokens, by=by, regions=regions, keep_numbers=keep_numbers,
                         keep_places=keep_places, keep_single_chars=keep_single_chars)
    return keyword_frequencies_from_counts(counts, by=by)


def term_counts(
    tokens: pd.DataFrame,
    *,
    by: str = "region_id",
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
) -> pd.DataFrame:
    """Occurrences of every token in each group after the term filter: what the statistics read.

    The statistics of :func:`keyword_frequencies` and :func:`keyness_by_region`
    depend on the tokens only through these counts, so counts taken on parts of
    a token table (blocks of plans on a cluster, see :mod:`analysis.distributed`)
    and added up by :func:`sum_term_counts` give the same numbers as the whole.

    Parameters
    ----------
    tokens : DataFrame
        Token table (schema.TOKENS), possibly after stopword removal.
    by : str, default "region_id"
        Column defining the groups; any column of ``tokens``.
    regions, keep_numbers, keep_places, keep_single_chars
        As in :func:`keyword_frequencies`.

    Returns
    -------
    DataFrame with columns ``<by>``, ``token``, ``n`` (int64): one row per
    group and token in order of first occurrence.  Missing group values and
    missing tokens are rows too (keyness counts a row with no group in its
    prior; a group's size counts its rows with no token).
    """
    _require(tokens, "tokens", [by, "token"])
    # Only the two columns counted go through the filter, which copies the rows it keeps.
    tokens = filter_terms(tokens.loc[:, list(dict.fromkeys([by, "token"]))], regions=regions,
                          keep_numbers=keep_numbers, keep_places=keep_places,
                          keep_single_chars=keep_single_chars)
    counts = (tokens.groupby([by, "token"], sort=False, dropna=False, observed=True).size()
              .rename("n").reset_index())
    # Categorical inputs (the build's content tokens) give plain columns out, so the
    # written files do not depend on how the tokens were held in memory.
    counts = counts.assign(**{c: _category_values(counts[c]) for c in (by, "token")
                              if isinstance(counts[c].dtype, pd.CategoricalDtype)})
    counts["n"] = counts["n"].astype("int64")
    return counts


def _category_values(values: pd.Series) -> pd.Series:
    """A categorical Series as its categories' dtype, taken by code (missing stays missing).

    The same values ``astype(categories dtype)`` gives, without making a Python
    string object per row on the way.
    """
    taken = values.cat.categories.array.take(values.cat.codes.to_numpy(), allow_fill=True)
    return pd.Series(taken, index=values.index, name=values.name)


def sum_term_counts(parts: Sequence[pd.DataFrame], *, by: str = "region_id") -> pd.DataFrame:
    """Add up :func:`term_counts` of parts of one token table (the same ``by``).

    Returns
    -------
    DataFrame with columns ``<by>``, ``token``, ``n``: one row per group and
    token, in order of first occurrence across ``parts``.
    """
    if not parts:
        raise ValueError("sum_term_counts needs at least one count table")
    if len(parts) == 1:
        return parts[0]
    stacked = pd.concat(parts, ignore_index=True)
    counts = (stacked.groupby([by, "token"], sort=False, dropna=False)["n"].sum()
              .reset_index())
    counts["n"] = counts["n"].astype("int64")
    return counts


def keyword_frequencies_from_counts(counts: pd.DataFrame, *, by: str = "region_id"
                                    ) -> pd.DataFrame:
    """:func:`keyword_frequencies` of a table of :func:`term_counts` (same columns and order)."""
    _require(counts, "counts", [by, "token", "n"])
    grouped = counts.loc[counts[by].notna()]
    # A group's size is all its kept rows, a row with no token included.
    totals = grouped.groupby(by, sort=False)["n"].sum()
    counts = grouped.loc[grouped["token"].notna(), [by, "token", "n"]].reset_index(drop=True)
    counts["per_10k"] = counts["n"] / counts[by].map(totals).astype(float) * 10_000
    counts["doc_freq"] = counts.groupby("token")[by].transform("size")
    counts["n_docs"] = len(totals)
    counts["n"] = counts["n"].astype("int64")
    counts["doc_freq"] = counts["doc_freq"].astype("int64")
    counts["n_docs"] = counts["n_docs"].astype("int64")
    counts = counts.sort_values([by, "n", "token"], ascending=[True, False, True], kind="mergesort")
    columns = [by] + schema.KEYWORD_FREQUENCIES[1:]
    return counts.loc[:, columns].reset_index(drop=True)


def g2_statistic(a: np.ndarray, b: np.ndarray, n_target: float, n_reference: float) -> np.ndarray:
    """Dunning's G² for counts ``a`` (target) and ``b`` (reference) in groups of the given sizes."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    total = n_target + n_reference
    row = a + b
    # Each cell's observed and expected counts are made only when added: a table of
    # millions of comparisons then holds two temporaries at a time, not eight.
    def cells() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        yield a, n_target * row / total
        yield b, n_reference * row / total
        yield n_target - a, n_target * (total - row) / total
        yield n_reference - b, n_reference * (total - row) / total

    g2 = np.zeros_like(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        for o, e in cells():
            g2 += np.where(o > 0, o * np.log(o / e), 0.0)
    # Rounding can leave -1e-13 for identical proportions; G² is non-negative.
    return np.maximum(2.0 * g2, 0.0)


def log_ratio(a: np.ndarray, b: np.ndarray, n_target: float, n_reference: float) -> np.ndarray:
    """Hardie's log ratio, log2 of the ratio of relative frequencies; zero counts become 0.5."""
    a = np.where(np.asarray(a) == 0, 0.5, np.asarray(a, dtype=float))
    b = np.where(np.asarray(b) == 0, 0.5, np.asarray(b, dtype=float))
    return np.log2((a / n_target) / (b / n_reference))


def weighted_log_odds(
    a: np.ndarray, b: np.ndarray, n_target: float, n_reference: float,
    alpha: np.ndarray, alpha0: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Monroe et al.'s log-odds difference δ and its z-score, for prior pseudo-counts ``alpha``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    delta = np.log((a + alpha) / (n_target + alpha0 - a - alpha)) - np.log(
        (b + alpha) / (n_reference + alpha0 - b - alpha)
    )
    variance = 1.0 / (a + alpha) + 1.0 / (b + alpha)
    return delta, delta / np.sqrt(variance)


def _as_values(value: Hashable | Sequence[Hashable]) -> list[Hashable]:
    if isinstance(value, str) or not isinstance(
        value, Sequence | set | frozenset | pd.Index | np.ndarray | pd.api.extensions.ExtensionArray
    ):
        return [value]
    return list(value)


def _label(values: Sequence[Hashable], group_col: str) -> str:
    shown = sorted(str(v) for v in values)
    if len(shown) <= _LABEL_MAX_VALUES:
        return "+".join(shown)
    return f"{len(shown)} {group_col} values"


def _is_mask(value: object) -> bool:
    """Whether ``value`` is a boolean Series or array (one entry per row), not group values."""
    return isinstance(
        value, pd.Series | np.ndarray | pd.api.extensions.ExtensionArray
    ) and pd.api.types.is_bool_dtype(value.dtype)


def _present(column: pd.Series, limit: int = 10) -> str:
    """The distinct non-missing values of ``column`` (repr, at most ``limit``) and its dtype."""
    values = sorted(pd.unique(column.dropna()).tolist(), key=str)
    shown = ", ".join(repr(v) for v in values[:limit])
    more = f", … ({len(values)} values)" if len(values) > limit else ""
    return f"its values are {shown}{more} (dtype {column.dtype})"


def _check_values(values: list[Hashable], column: pd.Series, present: set, name: str) -> None:
    if any(v is None or (np.ndim(v) == 0 and bool(pd.isna(v))) for v in values):
        raise ValueError(f"{name} cannot be a missing value: rows where {column.name!r} is "
                         "missing belong to neither group")
    unknown = [v for v in values if v not in present]
    if unknown:
        raise ValueError(f"{name} values {unknown} do not occur in column {column.name!r}; "
                         f"{_present(column)}")


def _mask_groups(
    tokens: pd.DataFrame, mask: pd.Series | np.ndarray, reference: object
) -> tuple[np.ndarray, np.ndarray]:
    """Target and reference rows of a boolean ``target``: True, False; missing is neither."""
    if reference is not None:
        raise ValueError("with a boolean target leave reference as None: the rows where the "
                         "target is False form the reference")
    if len(mask) != len(tokens):
        raise ValueError(f"a boolean target needs one entry per row of tokens ({len(tokens)}); "
                         f"got {len(mask)}")
    if isinstance(mask, pd.Series) and not mask.index.equals(tokens.index):
        raise ValueError("a boolean target Series must have the index of tokens (it is read "
                         "row by row); make it from the same table, e.g. "
                         "tokens['plan_year'] == 2021")
    values = pd.array(mask, dtype="boolean")
    in_target = values.fillna(False).to_numpy(dtype=bool)
    in_reference = (~values).fillna(False).to_numpy(dtype=bool)
    if not in_target.any():
        raise ValueError(
            "the boolean target is False or missing on every row, so the target group is "
            "empty; when it compares a column with a value, check that column's values and "
            "dtype (the text '2021' is not the number 2021)"
        )
    if not in_reference.any():
        raise ValueError("the reference group is empty: the boolean target is True or "
                         "missing on every row")
    return in_target, in_reference


def _value_groups(
    tokens: pd.DataFrame,
    target: Hashable | Sequence[Hashable],
    reference: Hashable | Sequence[Hashable] | None,
    group_col: str,
) -> tuple[np.ndarray, np.ndarray, list[Hashable], list[Hashable]]:
    """Target and reference rows, and their values, of ``group_col`` values."""
    column = tokens[group_col]
    # Missing values of the column are in neither group (an unknown year is not "another year").
    present = set(pd.unique(column.dropna()).tolist())
    target_values = _as_values(target)
    _check_values(target_values, column, present, "target")
    if reference is None:
        reference_values = sorted(present - set(target_values), key=str)
    else:
        reference_values = _as_values(reference)
        _check_values(reference_values, column, present, "reference")
    overlap = set(target_values) & set(reference_values)
    if overlap:
        raise ValueError(f"target and reference share values {sorted(overlap, key=str)}")
    if not reference_values:
        raise ValueError("the reference group is empty: target covers every group")
    in_target = column.isin(target_values).to_numpy(dtype=bool, na_value=False)
    in_reference = column.isin(reference_values).to_numpy(dtype=bool, na_value=False)
    return in_target, in_reference, target_values, reference_values


def keyness(
    tokens: pd.DataFrame,
    *,
    target: Hashable | Sequence[Hashable] | pd.Series | np.ndarray,
    reference: Hashable | Sequence[Hashable] | None = None,
    group_col: str = "region_id",
    min_freq: int = 5,
    prior: float = 1000.0,
    labels: tuple[str, str] | None = None,
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
) -> pd.DataFrame:
    """Keyness of the tokens of one group of rows against another.

    The groups are either values of any column of ``tokens`` (text, numbers,
    nullable ``Int64`` …; metadata joined by :func:`analysis.tables.load_tokens`
    such as ``part``, ``theme`` or ``plan_year`` included) or a boolean mask
    (quanteda's ``textstat_keyness(target = docvars(x, "year") == 2021)``)::

        tokens = load_tokens(region_columns=("plan_year",))
        keyness(tokens, target=2021, group_col="plan_year")          # 2021 vs 2022
        keyness(tokens, target=tokens["plan_year"] == 2021,
                labels=("2021", "other years"))                       # the same

    Rows whose group value (or mask entry) is missing belong to neither group,
    but still count in the prior.  A target or reference that matches no row
    raises ``ValueError`` naming the values the column holds.

    Parameters
    ----------
    tokens : DataFrame
        Token table (schema.TOKENS), possibly after stopword removal, possibly
        with extra columns to group by (e.g. a theme merged in from the units).
    target : value or list of values of ``group_col``, or boolean Series / array
        Rows whose ``group_col`` is among these values form the target group.
        A boolean Series (with the index of ``tokens``) or array (one entry per
        row, ``bool`` or nullable ``boolean``) selects the rows directly: True
        is the target, False the reference, missing neither; ``group_col`` is
        then not read and ``reference`` must be None.
    reference : value or list of values, or None (default)
        The reference group; ``None`` means every row not in the target (whose
        group value is not missing).
    group_col : str, default "region_id"
        Column that defines the groups.  To compare two arbitrary sets of units
        (say theme X in region A against theme X in region B), pass
        ``group_col="unit_id"`` with the two lists of unit ids, or a boolean target.
    min_freq : int, default 5
        Keep tokens with n_target + n_reference >= min_freq.  Totals and the
        prior always use every token, before this filter.
    prior : float, default 1000.0
        α0, the total pseudo-count of the informative Dirichlet prior; each
        token's share is its relative frequency in the whole ``tokens`` table.
    labels : (str, str) or None
        Names for the target and reference in the output; by default the sorted
        group values joined with "+" (or "<k> <group_col> values" beyond five),
        and ``("target", "reference")`` for a boolean target.
    regions : DataFrame, optional
        Manifest or regions table: its region names (and their stems without
        县/区/市/省) are place names too.  Default None: the project's manifest
        (see :func:`analysis.text.term_filters.term_exclusions`).
    keep_numbers, keep_places, keep_single_chars : bool, default False
        Keep numbers and dates, place names, single characters; by default
        they are dropped before counting (:func:`analysis.text.term_filters.filter_terms`).
        Group sizes and the prior are those of the filtered table.

    Returns
    -------
    DataFrame with columns schema.KEYNESS, one row per token:
        comparison : str, "<target> vs <reference>".
        target, reference : str, the two labels.
        token : str.
        n_target, n_reference : int, occurrences in each group.
        total_target, total_reference : int, group sizes in tokens.
        per_10k_target, per_10k_reference : float, occurrences per 10,000 tokens.
        g2 : float, Dunning's log-likelihood G² (non-negative).
        p_value : float, P(χ²₁ >= g2), not corrected for multiple comparisons.
        log_ratio : float, Hardie's log ratio in bits (log2), >0 = more frequent in target.
        log_odds : float, δ, weighted log-odds difference (natural log), target minus reference.
        log_odds_z : float, δ / σ, the z-score of δ.
    Sorted by log_odds_z descending, then token.

    References
    ----------
    Dunning (1993); Hardie (2014); Monroe, Colaresi & Quinn (2008) — see the module docstring.
    """
    _require(tokens, "tokens", ["token"] if _is_mask(target) else [group_col, "token"])
    if not isinstance(min_freq, int | np.integer) or min_freq < 1:
        raise ValueError(f"min_freq must be an int >= 1; got {min_freq!r}")
    if not isinstance(prior, int | float | np.number) or not np.isfinite(prior) or prior <= 0:
        raise ValueError(f"prior must be a positive number (alpha0); got {prior!r}")
    if _is_mask(target):
        in_target, in_reference = _mask_groups(tokens, target, reference)
        default_labels = ("target", "reference")
    else:
        in_target, in_reference, target_values, reference_values = _value_groups(
            tokens, target, reference, group_col)
        default_labels = (_label(target_values, group_col), _label(reference_values, group_col))
    # Groups are checked against the table as given, then its terms are filtered;
    # only the tokens and each row's side travel through the filter, not the table.
    side = np.where(in_target, 1, np.where(in_reference, 0, -1)).astype(np.int8)
    work = pd.DataFrame({"token": tokens["token"], "side": side}, index=tokens.index)
    work = filter_terms(work, regions=regions, keep_numbers=keep_numbers,
                        keep_places=keep_places, keep_single_chars=keep_single_chars)

    background = work["token"].value_counts()
    counts_t = work.loc[work["side"].eq(1), "token"].value_counts()
    counts_r = work.loc[work["side"].eq(0), "token"].value_counts()
    for name, counts in (("target", counts_t), ("reference", counts_r)):
        if counts.empty:
            raise ValueError(f"the {name} group has no tokens left once numbers, place names "
                             "and single characters are dropped (keep_numbers, keep_places, "
                             "keep_single_chars keep them)")
    vocab = counts_t.index.union(counts_r.index)
    target_label, reference_label = labels or default_labels
    return _keyness_frame(
        vocab,
        counts_t.reindex(vocab, fill_value=0).to_numpy(dtype="int64"),
        counts_r.reindex(vocab, fill_value=0).to_numpy(dtype="int64"),
        n_t=int(counts_t.sum()), n_r=int(counts_r.sum()),
        alpha=prior * background.reindex(vocab).to_numpy(dtype=float) / background.sum(),
        prior=prior, min_freq=min_freq, labels=(target_label, reference_label),
    )


def _statistic_columns(
    a: np.ndarray, b: np.ndarray, n_t: np.ndarray | np.int64, n_r: np.ndarray | np.int64,
    g2: np.ndarray, delta: np.ndarray, z: np.ndarray,
) -> dict[str, object]:
    """The count and statistic columns of schema.KEYNESS, in schema order."""
    return {
        "n_target": a,
        "n_reference": b,
        "total_target": n_t,
        "total_reference": n_r,
        "per_10k_target": a / n_t * 10_000,
        "per_10k_reference": b / n_r * 10_000,
        "g2": g2,
        "p_value": stats.chi2.sf(g2, df=1),
        "log_ratio": log_ratio(a, b, n_t, n_r),
        "log_odds": delta,
        "log_odds_z": z,
    }


def _keyness_frame(
    vocab: pd.Index, a: np.ndarray, b: np.ndarray, *, n_t: int, n_r: int, alpha: np.ndarray,
    prior: float, min_freq: int, labels: tuple[str, str],
) -> pd.DataFrame:
    """The keyness table (schema.KEYNESS) for counts ``a`` (target) and ``b`` (reference)."""
    keep = (a + b) >= min_freq
    vocab, a, b, alpha = vocab[keep], a[keep], b[keep], alpha[keep]
    g2 = g2_statistic(a, b, n_t, n_r)
    delta, z = weighted_log_odds(a, b, n_t, n_r, alpha, prior)
    target_label, reference_label = labels
    out = pd.DataFrame(
        {
            "comparison": f"{target_label} vs {reference_label}",
            "target": target_label,
            "reference": reference_label,
            "token": pd.Series(list(vocab), dtype="str"),
            **_statistic_columns(a, b, np.int64(n_t), np.int64(n_r), g2, delta, z),
        },
        columns=schema.KEYNESS,
    )
    out = out.sort_values(["log_odds_z", "token"], ascending=[False, True], kind="mergesort")
    return out.reset_index(drop=True)


def keyness_by_region(
    tokens: pd.DataFrame,
    *,
    group_col: str = "region_id",
    min_freq: int = 5,
    prior: float = 1000.0,
    include_absent: bool = True,
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
) -> pd.DataFrame:
    """Keyness of each group against all the others (see :func:`keyness`).

    Returns, for every value g of ``group_col`` in sorted order, the table of
    ``keyness(tokens, target=g, reference=None, ...)``, stacked (schema.KEYNESS).
    Rows whose group value is missing are in no group (as in :func:`keyness`).
    The prior is the whole table in every comparison.  Counts are taken once
    for all groups, on integer codes, and every comparison is computed in one
    vectorised pass, so the cost grows with the rows returned (groups ×
    vocabulary with ``include_absent``), not with groups × tokens.

    Parameters
    ----------
    tokens : DataFrame
        A token table (:func:`analysis.tables.load_tokens`) with ``group_col``.
    group_col : str, default "region_id"
        The column whose values are compared, each against the rest.
    min_freq : int, default 5
        Terms used fewer times in the whole table are left out.
    prior : float, default 1000.0
        Strength of the informative prior of the log-odds z (Monroe et al. 2008).
    include_absent : bool, default True
        List tokens that do not occur in the target at all (its strongest
        negative keywords).  With many groups the table then has about
        groups × vocabulary rows; ``False`` keeps only tokens the target uses.
    regions : DataFrame, optional
        Manifest or regions table: its region names (and their stems without
        县/区/市/省) are place names too.  Default None: the project's manifest
        (see :func:`analysis.text.term_filters.term_exclusions`).
    keep_numbers, keep_places, keep_single_chars : bool, default False
        Keep numbers and dates, place names, single characters; by default
        they are dropped before counting (:func:`analysis.text.term_filters.filter_terms`).

    Returns
    -------
    DataFrame
        Columns ``schema.KEYNESS``: one row per group × term, the group in
        ``target``; G² (Dunning 1993), log ratio and log-odds z as in :func:`keyness`.
    """
    _check_keyness_options(min_freq, prior)
    counts = term_counts(tokens, by=group_col, regions=regions, keep_numbers=keep_numbers,
                         keep_places=keep_places, keep_single_chars=keep_single_chars)
    return keyness_by_region_from_counts(counts, group_col=group_col, min_freq=min_freq,
                                         prior=prior, include_absent=include_absent)


def _check_keyness_options(min_freq: int, prior: float) -> None:
    if not isinstance(min_freq, int | np.integer) or min_freq < 1:
        raise ValueError(f"min_freq must be an int >= 1; got {min_freq!r}")
    if not isinstance(prior, int | float | np.number) or not np.isfinite(prior) or prior <= 0:
        raise ValueError(f"prior must be a positive number (alpha0); got {prior!r}")


def keyness_by_region_from_counts(
    counts: pd.DataFrame,
    *,
    group_col: str = "region_id",
    min_freq: int = 5,
    prior: float = 1000.0,
    include_absent: bool = True,
) -> pd.DataFrame:
    """:func:`keyness_by_region` of a table of :func:`term_counts` (schema.KEYNESS).

    ``counts`` are the filtered tokens' counts by ``group_col`` (rows with a
    missing group count in the prior only); the options are those of
    :func:`keyness_by_region`, and the table is the same.
    """
    _require(counts, "counts", [group_col, "token", "n"])
    _check_keyness_options(min_freq, prior)
    n_rows = counts["n"].to_numpy(dtype=np.int64)
    # Every group at once, on integer codes: the statistics are elementwise, so one
    # vectorised pass gives the numbers the per-group tables would, without a
    # (group, token) index of strings or a thousand small frames.
    group_codes, group_values = pd.factorize(counts[group_col])
    groups = sorted(group_values, key=str)
    if len(groups) < 2:
        raise ValueError(f"need at least two values of {group_col!r}; got {groups}")
    group_pos = np.empty(len(group_values), dtype=np.int64)
    group_pos[pd.Index(group_values).get_indexer(groups)] = np.arange(len(groups))
    token_codes, token_values = pd.factorize(counts["token"])
    token_names = np.asarray(token_values, dtype=object)
    by_name = np.argsort(token_names, kind="stable")
    vocab = token_names[by_name]  # code-point order, as Index.sort_values gives
    token_rank = np.empty(len(vocab), dtype=np.int64)
    token_rank[by_name] = np.arange(len(vocab))
    has_token = token_codes >= 0
    background = np.zeros(len(vocab), dtype=np.int64)
    np.add.at(background, token_rank[token_codes[has_token]], n_rows[has_token])
    n_all = background.sum()
    alpha_all = prior * background / n_all
    in_group = has_token & (group_codes >= 0)
    counts = sparse.csr_matrix(
        (n_rows[in_group],
         (group_pos[group_codes[in_group]], token_rank[token_codes[in_group]])),
        shape=(len(groups), len(vocab)),
    )
    counts.sum_duplicates()
    group_totals = np.asarray(counts.sum(axis=1)).ravel().astype(np.int64)
    # Rows whose group is missing are in no reference (as in keyness) but in the prior.
    grouped = np.asarray(counts.sum(axis=0)).ravel().astype(np.int64)
    n_grouped = grouped.sum()
    # a + b is the token's count over all groups, so min_freq filters the vocabulary.
    frequent = grouped >= min_freq
    if include_absent:
        kept = np.flatnonzero(frequent)
        row = np.repeat(np.arange(len(groups)), len(kept))
        col = np.tile(kept, len(groups))
        a = counts[:, kept].toarray().ravel()
    else:
        coo = counts.tocoo()
        keep = frequent[coo.col]
        row, col, a = coo.row[keep].astype(np.int64), coo.col[keep], coo.data[keep]
    b = grouped[col] - a
    n_t = group_totals[row]
    n_r = n_grouped - n_t
    g2 = g2_statistic(a, b, n_t, n_r)
    delta, z = weighted_log_odds(a, b, n_t, n_r, alpha_all[col], prior)
    order = np.lexsort((col, -z, row))
    # One column reordered at a time, each replacing its unordered self: the step then
    # holds one extra column, not a second copy of all nine.
    columns = {"row": row, "col": col, "a": a, "b": b, "n_t": n_t, "n_r": n_r, "g2": g2,
               "delta": delta, "z": z}
    del row, col, a, b, n_t, n_r, g2, delta, z
    for name in columns:
        columns[name] = columns[name][order]
    del order
    row, col = columns.pop("row"), columns.pop("col")
    targets = [_label([g], group_col) for g in groups]
    references = [_label([v for v in groups if v != g], group_col) for g in groups]
    comparisons = [f"{t} vs {r}" for t, r in zip(targets, references, strict=True)]
    take = pa.array(row)
    out = pd.DataFrame(
        {
            "comparison": _str_series(pa.array(comparisons, type=pa.string()).take(take)),
            "target": _str_series(pa.array(targets, type=pa.string()).take(take)),
            "reference": _str_series(pa.array(references, type=pa.string()).take(take)),
            "token": _str_series(pa.array(vocab.tolist(), type=pa.string()).take(pa.array(col))),
            **_statistic_columns(
                columns["a"].astype("int64", copy=False), columns["b"].astype("int64", copy=False),
                columns["n_t"], columns["n_r"].astype("int64", copy=False), columns["g2"],
                columns["delta"], columns["z"]),
        },
        columns=schema.KEYNESS,
        # The columns are new arrays: pandas would otherwise copy them all into one block.
        copy=False,
    )
    return out


#: Statistics :func:`top_keywords` can rank by (columns of schema.KEYNESS).
TOP_KEYWORDS_BY: tuple[str, ...] = ("g2", "log_ratio", "log_odds_z")


def one_vs_rest(keyness_table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a keyness table whose reference is every other target pooled.

    A reference is recognised by its members (``reference`` split on ``+``),
    not by its spelling, so pairwise comparisons in the same table are ignored;
    beyond five members :func:`keyness` labels it by its size
    ("99 region_id values"), which is recognised too.
    """
    _require(keyness_table, "keyness_table", ["target", "reference"])
    targets = set(keyness_table["target"].astype(str))
    reference_sets = keyness_table["reference"].astype(str).str.split("+").map(frozenset)
    size_prefix = f"{len(targets) - 1} "
    is_rest = [
        refs == frozenset(targets - {target})
        or (reference.startswith(size_prefix) and reference.endswith(" values"))
        for target, refs, reference in zip(keyness_table["target"].astype(str), reference_sets,
                                           keyness_table["reference"].astype(str), strict=True)
    ]
    selected = keyness_table.loc[is_rest]
    if selected.empty:
        raise ValueError("keyness has no comparison of a target against all other targets")
    return selected


def top_keywords(
    keyness_table: pd.DataFrame,
    *,
    n_over: int = 10,
    n_under: int = 5,
    by: str = "g2",
    targets: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The ``n_over`` most over-used and ``n_under`` most under-used words of each comparison.

    A table holding one comparison (one target and reference pair, any
    :func:`keyness` result: 2021 against other years, review against plan …)
    gives the words of that comparison.  A table of several comparisons (e.g.
    :func:`keyness_by_region`) gives those of each target against all the other
    targets pooled (:func:`one_vs_rest`); other pairs in it are ignored.

    Parameters
    ----------
    keyness_table : DataFrame (schema.KEYNESS)
    n_over : int, default 10
        Words more frequent in the target than in the reference (at least 1).
    n_under : int, default 5
        Words less frequent in the target (0 for none).
    by : {"g2", "log_ratio", "log_odds_z"}, default "g2"
        The ranking: G² (direction from the sign of ``log_ratio``), Hardie's log
        ratio, or the weighted log-odds z-score (direction from their sign);
        over-used words are those with the largest values, under-used those with
        the most negative (for G², the largest G² with a negative log ratio).
        Words whose statistic is 0 are in neither list.
    targets : sequence of str, optional
        Keep only these target labels (default: all).

    Returns
    -------
    DataFrame
        The selected rows (columns of ``keyness_table``) and ``signed_g2``, G²
        with the sign of the log ratio; per comparison (targets in sorted order)
        from the most over-used to the most under-used word, so the under-used
        come least extreme first.  Ties are broken by the token, so the choice
        is stable.
    """
    if by not in TOP_KEYWORDS_BY:
        raise ValueError(f"by must be one of {', '.join(TOP_KEYWORDS_BY)}; got {by!r}")
    for name, value, least in (("n_over", n_over, 1), ("n_under", n_under, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}; got {value!r}")
    _require(keyness_table, "keyness_table", ["target", "reference", "token", "g2", "log_ratio",
                                              by])
    pairs = keyness_table.loc[:, ["target", "reference"]].drop_duplicates()
    table = keyness_table if len(pairs) == 1 else one_vs_rest(keyness_table)
    if targets is not None:
        table = table.loc[table["target"].astype(str).isin({str(t) for t in targets})]
    direction = np.sign(table["log_ratio"] if by == "g2" else table[by])
    strength = table[by].abs()
    table = table.assign(signed_g2=np.sign(table["log_ratio"]) * table["g2"])
    order = pd.DataFrame({"strength": strength, "token": table["token"]}, index=table.index)
    parts = []
    for _pair, rows in table.groupby(["target", "reference"], sort=True):
        ranked = order.loc[rows.index].sort_values(["strength", "token"], ascending=[False, True],
                                                   kind="stable")
        ranked = ranked.loc[ranked["strength"] > 0]
        over = ranked.index[direction[ranked.index] > 0][:n_over]
        under = ranked.index[direction[ranked.index] < 0][:n_under]
        parts.append(table.loc[over.append(under[::-1])])
    if not parts:
        return table.iloc[:0].reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)
