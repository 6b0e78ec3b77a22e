"""Reading the processed tables, and small summaries of the corpus tables.

Notebooks and figures read tables through :func:`load_table`, which runs the
build first when ``data/processed/`` has not been built yet, so a fresh clone
works top to bottom.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from analysis import config, schema
from analysis.io import read_table


def list_tables() -> list[str]:
    """Names of every table the build writes (``load_table`` takes these), sorted."""
    return sorted(schema.TABLES)


def load_table(name: str, *, processed_dir: Path = config.PROCESSED_DIR) -> pd.DataFrame:
    """Return the processed table ``name`` (e.g. ``"units"``) as a DataFrame.

    The name is checked first: an unknown name raises ``ValueError`` listing
    the closest names (:func:`list_tables` gives them all).  Builds
    ``data/processed/`` first if the table is missing.
    """
    names = list_tables()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(
            f"no table {name!r}; {hint}tables are: {', '.join(names)} (see list_tables())"
        )
    if not (processed_dir / f"{name}.parquet").exists():
        from analysis.build import build

        build(out_dir=processed_dir)
    return read_table(name, processed_dir)


def _check_choice(value: str | None, allowed: tuple[str, ...], name: str) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)} or None; got {value!r}")


def load_units(
    *,
    part: str | None = None,
    unit_kind: str | None = None,
    processed_dir: Path = config.PROCESSED_DIR,
) -> pd.DataFrame:
    """One row per sentence or heading (columns: ``data/processed/README.md``).

    A *sentence* here is a unit with ``unit_kind == "sentence"``: text between
    sentence-final punctuation inside a numbered block, without the block's
    heading or title row.  The shipped statistics count the plan part
    (``part="plan"``) of every unit kind; a combined review-and-plan document
    (e.g. 新吴) also has ``part="review"`` rows.

    Parameters
    ----------
    part : {"review", "plan"} or None, default None
        Keep only units of this part; None keeps both.
    unit_kind : one of ``schema.UNIT_KINDS`` or None, default None
        Keep only this kind (``"sentence"``, ``"item_title"`` …); None keeps all.
    processed_dir : Path, default ``config.PROCESSED_DIR``
    """
    _check_choice(part, schema.PARTS, "part")
    _check_choice(unit_kind, schema.UNIT_KINDS, "unit_kind")
    units = load_table("units", processed_dir=processed_dir)
    keep = pd.Series(True, index=units.index)
    if part is not None:
        keep &= units["part"].eq(part)
    if unit_kind is not None:
        keep &= units["unit_kind"].eq(unit_kind)
    return units.loc[keep].reset_index(drop=True)


def load_regions(*, processed_dir: Path = config.PROCESSED_DIR) -> pd.DataFrame:
    """One row per plan: the manifest plus what the loader found."""
    return load_table("regions", processed_dir=processed_dir)


def structure_summary(units: pd.DataFrame) -> pd.DataFrame:
    """Count parts, sections, items, sub-items and sentences per region and part.

    Returns one row per ``region_id`` × ``part`` with columns ``n_sections``,
    ``n_items``, ``n_items_inferred``, ``n_subitems``, ``n_sentences``,
    ``n_units`` and ``n_chars``, in the order the regions appear.
    """
    order = list(dict.fromkeys(units["region_id"]))
    kinds = units["unit_kind"]
    frame = units.assign(
        is_section=kinds.eq("section_heading"),
        is_item=kinds.eq("item_title"),
        is_inferred=kinds.eq("item_title") & units["item_no_inferred"].astype(bool),
        is_subitem=kinds.eq("subitem_title"),
        is_sentence=kinds.eq("sentence"),
    )
    summary = (
        frame.groupby(["region_id", "part"], sort=False)
        .agg(
            n_sections=("is_section", "sum"),
            n_items=("is_item", "sum"),
            n_items_inferred=("is_inferred", "sum"),
            n_subitems=("is_subitem", "sum"),
            n_sentences=("is_sentence", "sum"),
            n_units=("unit_id", "size"),
            n_chars=("n_chars", "sum"),
        )
        .reset_index()
    )
    summary["region_id"] = pd.Categorical(summary["region_id"], categories=order, ordered=True)
    return summary.sort_values(["region_id", "part"], kind="stable").reset_index(drop=True)


def removed_summary(removed: pd.DataFrame) -> pd.DataFrame:
    """Characters and spans removed per region and reason (tidy, zeros omitted).

    Returns columns ``region_id``, ``reason``, ``n_spans``, ``n_chars``.
    """
    return (
        removed.assign(n_chars=removed["text"].str.len())
        .groupby(["region_id", "reason"], sort=True)
        .agg(n_spans=("text", "size"), n_chars=("n_chars", "sum"))
        .reset_index()
    )


_THEME_LEVELS = ("theme", "domain")


def theme_table(
    level: str = "theme", *, processed_dir: Path = config.PROCESSED_DIR
) -> pd.DataFrame:
    """The theme-by-region table (``level="theme"``) or domain-by-region table.

    One row per region × part × theme (or domain), zeros included; shares sum
    to 1 within each region and part.  See ``data/processed/README.md``.
    """
    if level not in _THEME_LEVELS:
        raise ValueError(f"level must be one of {', '.join(_THEME_LEVELS)}; got {level!r}")
    return load_table(
        "theme_by_region" if level == "theme" else "domain_by_region", processed_dir=processed_dir
    )
