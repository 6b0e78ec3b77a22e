"""Counting a researcher's own dictionary in the units (quanteda's ``dfm_lookup``).

A dictionary maps a key (a concept: ``双减``, ``teacher_pay``) to the terms
that express it. :func:`count_terms` counts, per group of units, how often the
terms of each key occur and in how many units. Terms are matched in the
simplified text (``units.text_simplified``), so a traditional-character plan
counts like its simplified twin, and as substrings rather than tokens, so a
term the segmenter splits (课后服务 → 课后 / 服务) is still found.

A term with spaces is a *multi-word* entry: its parts must occur in that order
inside one unit, with anything between them (``课后 服务`` matches 课后服务 and
课后托管服务), the way quanteda's multi-word patterns match consecutive tokens.

Reference: Benoit, K. et al. (2018). quanteda: An R package for the
quantitative analysis of textual data. *JOSS* 3(30), 774 (``dfm_lookup``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import yaml

from analysis.corpus.script import matching_text, to_simplified

__all__ = [
    "COUNT_COLUMNS", "count_terms", "read_dictionary",
]

#: Columns of :func:`count_terms`' result (after the grouping columns).
COUNT_COLUMNS: list[str] = ["key", "n_matches", "n_units_matched", "n_units", "share_units"]


def read_dictionary(path: Path) -> dict[str, list[str]]:
    """Read a dictionary file: YAML mapping each key to a list of terms (comments allowed).

    Parameters
    ----------
    path : Path
        A UTF-8 YAML file, e.g. ``{双减: [双减, 课后服务], 集团化: [集团化办学]}``.
        A term with a space matches its parts in order with anything between
        (``"课后 服务"`` matches 课后延时服务).

    Returns
    -------
    dict of str to list of str
        Each key's terms, whitespace collapsed.  A ``ValueError`` names the key
        when a key has no terms or a term is empty or not text.
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return _checked(raw, where=str(path))


def _checked(raw: object, *, where: str) -> dict[str, list[str]]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"dictionary {where}: must map each key to a list of terms")
    out: dict[str, list[str]] = {}
    for key, terms in raw.items():
        if isinstance(terms, str) or not isinstance(terms, Sequence) or not terms:
            raise ValueError(f"dictionary {where}: key {key!r} must have a non-empty list of terms")
        bad = [t for t in terms if not isinstance(t, str) or not t.strip()]
        if bad:
            raise ValueError(f"dictionary {where}: key {key!r} has empty or non-text terms {bad}")
        out[str(key)] = [" ".join(t.split()) for t in terms]
    return out


def _pattern(terms: list[str]) -> re.Pattern[str]:
    # Longest first, so 课后服务 wins over 课后 when both are entries of one key.
    alternatives = [
        ".*?".join(re.escape(to_simplified(part)) for part in term.split(" "))
        for term in sorted(set(terms), key=len, reverse=True)
    ]
    return re.compile("|".join(alternatives))


def count_terms(
    units: pd.DataFrame,
    dictionary: Mapping[str, Sequence[str]] | Path | str,
    *,
    by: str | Sequence[str] | None = "region_id",
) -> pd.DataFrame:
    """Count each dictionary key's terms per group of units.

    Parameters
    ----------
    units : DataFrame
        Needs ``text`` (``text_simplified`` is used where present) and the
        ``by`` columns; e.g. :func:`analysis.load_units` or a subset of it.
    dictionary : mapping of key → list of terms, or a path to a YAML file of one
        Terms are substrings; a space inside a term separates the parts of a
        multi-word entry (in order, same unit). Within one key, overlapping
        terms are counted once per stretch of text (non-overlapping matches).
    by : str, list of str or None, default "region_id"
        Grouping columns of ``units`` (e.g. ``["region_id", "part"]`` or
        ``"theme"``); None counts per unit (grouped by ``unit_id``).

    Returns
    -------
    DataFrame
        One row per group × key (zeros included), sorted by the groups then
        the dictionary's key order: the ``by`` columns, ``key``,
        ``n_matches`` (occurrences), ``n_units_matched`` (units with at least
        one), ``n_units`` (units in the group) and ``share_units``
        (``n_units_matched / n_units``).
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, got {type(units).__name__}")
    groups = ["unit_id"] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in ["text", *groups] if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks columns {missing}; by must name columns of units")
    if isinstance(dictionary, str | Path):
        entries = read_dictionary(Path(dictionary))
    else:
        entries = _checked(dictionary, where="given")

    texts = matching_text(units).fillna("").astype(str)
    counts = {}
    for key, terms in entries.items():
        pattern = _pattern(terms)
        counts[key] = texts.map(lambda t, p=pattern: len(p.findall(t)))
    wide = units.loc[:, groups].copy()
    for key, series in counts.items():
        wide[key] = series.to_numpy()
    long = wide.melt(id_vars=groups, var_name="key", value_name="n")
    long["matched"] = long["n"] > 0
    out = (
        long.groupby([*groups, "key"], sort=False, dropna=False)
        .agg(n_matches=("n", "sum"), n_units_matched=("matched", "sum"), n_units=("n", "size"))
        .reset_index()
    )
    out["share_units"] = out["n_units_matched"] / out["n_units"]
    out["key"] = pd.Categorical(out["key"], categories=list(entries), ordered=True)
    out = out.sort_values([*groups, "key"], kind="stable").reset_index(drop=True)
    out["key"] = out["key"].astype(str)
    return out.loc[:, [*groups, *COUNT_COLUMNS]]
