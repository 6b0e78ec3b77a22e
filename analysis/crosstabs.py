"""Region × theme × category counts, shared by the instrument and modality tables.

Both tables count coded sentences of chosen parts and unit kinds per region and
theme, with a zero row for every category a region-theme pair does not use, so
they share the selection and the counting here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import schema


def select_units(
    units: pd.DataFrame,
    *,
    parts: Sequence[str],
    unit_kinds: Sequence[str],
    required: Sequence[str],
    name: str,
) -> pd.DataFrame:
    """The rows of ``units`` in ``parts`` and ``unit_kinds``, after checking arguments.

    Raises ``ValueError`` naming the allowed values (``schema.PARTS``,
    ``schema.UNIT_KINDS``) or the missing columns of the table called ``name``.
    """
    bad = [p for p in parts if p not in schema.PARTS]
    if bad:
        raise ValueError(f"parts must be drawn from {list(schema.PARTS)}, got {bad}")
    bad = [k for k in unit_kinds if k not in schema.UNIT_KINDS]
    if bad:
        raise ValueError(f"unit_kinds must be drawn from {list(schema.UNIT_KINDS)}, got {bad}")
    missing = [c for c in ["region_id", "part", "unit_kind", *required] if c not in units.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")
    return units[units["part"].isin(parts) & units["unit_kind"].isin(unit_kinds)]


def region_theme_counts(
    rows: pd.DataFrame, *, col: str, levels: Sequence[str], theme_col: str, columns: Sequence[str]
) -> pd.DataFrame:
    """Tidy region × theme × ``col`` counts with zeros.

    Returns ``columns`` = region_id, theme, <category>, n_sentences, n_total
    (sentences of that region and theme), share = n_sentences / n_total; one
    row per region-theme pair present (sorted) and level (in ``levels`` order).
    """
    levels = list(levels)
    unknown = sorted(set(rows[col]) - set(levels))
    if unknown:
        raise ValueError(f"{col} values {unknown} are not among {levels}")
    counts = rows.groupby(["region_id", theme_col, col], sort=False).size()
    totals = rows.groupby(["region_id", theme_col], sort=True).size()
    out = []
    for (region, theme), total in totals.items():
        for level in levels:
            n = int(counts.get((region, theme, level), 0))
            out.append(
                {
                    "region_id": region,
                    "theme": theme,
                    columns[2]: level,
                    "n_sentences": n,
                    "n_total": int(total),
                    "share": n / total,
                }
            )
    return pd.DataFrame(out, columns=list(columns))
