"""Reading the processed tables, and small summaries of the corpus tables.

Notebooks and figures read tables through :func:`load_table`, which runs the
build first when ``data/processed/`` has not been built yet, so a fresh clone
works top to bottom.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from analysis import config, schema
from analysis.io import read_table
from analysis.text.tokens import DEFAULT_STOPWORD_LISTS, content_tokens


def list_tables() -> list[str]:
    """Names of every table the build writes (``load_table`` takes these), sorted.

    Returns
    -------
    list of str
        The keys of ``schema.TABLES``, each documented in ``data/processed/README.md``.
    """
    return sorted(schema.TABLES)


def load_table(
    name: str,
    *,
    processed_dir: Path = config.PROCESSED_DIR,
    columns: Sequence[str] | None = None,
    filters: list | pc.Expression | None = None,
) -> pd.DataFrame:
    """Return the processed table ``name`` (e.g. ``"units"``) as a DataFrame, whole or in part.

    The name is checked first: an unknown name raises ``ValueError`` listing
    the closest names (:func:`list_tables` gives them all).  Builds
    ``data/processed/`` first if the table is missing.  A large table may be
    a folder of Parquet files, one per plan (``data/processed/README.md``,
    "Large collections"); it is read the same way.

    Parameters
    ----------
    name : str
        A table of :func:`list_tables`.
    processed_dir : Path, default ``config.PROCESSED_DIR``
    columns : sequence of str, optional
        Read only these columns (default all, in schema order).
    filters : list of tuples or ``pyarrow.compute.Expression``, optional
        Read only matching rows, e.g. ``[("region_id", "in", ["a", "b"])]``
        (:func:`analysis.io.read_table`); on a partitioned table only those
        plans' files are opened.

    Returns
    -------
    DataFrame
        The table's columns (``schema.TABLES[name]``, or ``columns``), typed as
        written; ``data/processed/README.md`` documents each column.
    """
    names = list_tables()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(
            f"no table {name!r}; {hint}tables are: {', '.join(names)} (see list_tables())"
        )
    if not (processed_dir / f"{name}.parquet").exists() and not (processed_dir / name).is_dir():
        from analysis.build import build

        build(out_dir=processed_dir)
    return read_table(name, processed_dir, columns=columns, filters=filters)


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

    A *sentence* (the one meaning the package gives the word; :func:`load_tokens`
    refers here) is a unit with ``unit_kind == "sentence"``: text between
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

    Returns
    -------
    DataFrame
        The ``units`` table's rows that match, in their written order, with a
        fresh index; columns ``schema.TABLES["units"]``.
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


# Columns load_tokens can join: every column of the units and regions tables
# except the keys the token table already has.
TOKEN_UNIT_COLUMNS: tuple[str, ...] = tuple(c for c in schema.UNITS_ALL
                                            if c not in ("region_id", "unit_id"))
TOKEN_REGION_COLUMNS: tuple[str, ...] = tuple(c for c in schema.REGIONS if c != "region_id")


def _check_columns(columns: Sequence[str], allowed: tuple[str, ...], name: str) -> list[str]:
    if isinstance(columns, str):
        raise ValueError(f"{name} must be a sequence of column names, e.g. ({columns!r},); "
                         f"got {columns!r}")
    columns = list(columns)
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(f"{name} must be among {', '.join(allowed)}; got {unknown}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ValueError(f"{name} names {repeated} more than once")
    return columns


def load_tokens(
    *,
    part: str | None = "plan",
    content: bool = True,
    stopwords: Sequence[str] = DEFAULT_STOPWORD_LISTS,
    unit_columns: Sequence[str] = (),
    region_columns: Sequence[str] = (),
    processed_dir: Path = config.PROCESSED_DIR,
) -> pd.DataFrame:
    """One row per token, with the unit and plan metadata asked for joined on.

    With the defaults these are exactly the tokens the shipped keywords,
    keyness, co-occurrence, similarity and topic tables count:
    :func:`analysis.text.tokens.content_tokens` of the processed ``tokens`` and
    ``units`` tables (plan-part units, stopwords removed).  Tokens come from
    every kind of unit, headings and titles as well as sentences (*sentence* as
    :func:`load_units` defines it); join ``unit_kind`` and keep
    ``unit_kind == "sentence"`` for sentences only.  Joined columns travel with
    the tokens, like quanteda's docvars, so any of them can group
    :func:`analysis.text.keyness.keyness`::

        tokens = load_tokens(region_columns=("plan_year",))
        keyness(tokens, target=tokens["plan_year"] == 2021)

    Parameters
    ----------
    part : {"review", "plan"} or None, default "plan"
        Tokens of the units of this part; None keeps both parts.
    content : bool, default True
        Remove the ``stopwords`` lists; False keeps every token of the part.
    stopwords : sequence of {"standard", "policy"}, default both
        Stopword lists removed when ``content`` is True, by name
        (:data:`analysis.text.tokens.STOPWORD_PATHS`); ``("standard",)`` keeps the
        policy boilerplate (加强, 推进 …), ``()`` removes none.
    unit_columns : sequence of str, default ()
        Columns of the units table to join by ``unit_id`` (:data:`TOKEN_UNIT_COLUMNS`:
        ``part``, ``unit_kind``, ``theme``, ``instrument``, ``modality``,
        ``section_no``, ``item_no``, ``sentence_no`` …).
    region_columns : sequence of str, default ()
        Columns of the regions table to join by ``region_id``
        (:data:`TOKEN_REGION_COLUMNS`: ``plan_year``, ``admin_level``,
        ``province_zh``, ``name_zh`` …).
    processed_dir : Path, default ``config.PROCESSED_DIR``

    Returns
    -------
    DataFrame
        ``region_id``, ``unit_id``, ``position``, ``token`` (schema.TOKENS), then
        ``unit_columns`` and ``region_columns`` in the order given, with the types
        of ``data/processed/``, except ``plan_year``, ``section_no``, ``item_no`` and
        ``subitem_no``, which are nullable integers (``Int64``, ``<NA>`` where
        unknown).  Rows in the order of the tokens table, fresh index.
    """
    if part is not None and part not in schema.PARTS:
        raise ValueError(f"part must be one of {', '.join(schema.PARTS)} or None; got {part!r}")
    if not isinstance(content, bool):
        raise ValueError(f"content must be True or False; got {content!r}")
    unit_columns = _check_columns(unit_columns, TOKEN_UNIT_COLUMNS, "unit_columns")
    region_columns = _check_columns(region_columns, TOKEN_REGION_COLUMNS, "region_columns")
    tokens = load_table("tokens", processed_dir=processed_dir)
    units = load_table("units", processed_dir=processed_dir)
    tokens = content_tokens(tokens, units, part=part, stopwords=stopwords if content else ())
    joins = [(units, "unit_id", unit_columns)]
    if region_columns:
        joins.append((load_regions(processed_dir=processed_dir), "region_id", region_columns))
    for table, key, columns in joins:
        if not columns:
            continue
        # read_table already gives years and numbers as nullable integers (== 2021 matches).
        right = table.loc[:, [key, *columns]]
        tokens = tokens.merge(right, on=key, how="left", validate="many_to_one")
    return tokens.reset_index(drop=True)


def load_regions(*, processed_dir: Path = config.PROCESSED_DIR) -> pd.DataFrame:
    """One row per plan: the manifest plus what the loader found.

    Parameters
    ----------
    processed_dir : Path, default ``config.PROCESSED_DIR``
        The folder of a build (``python -m analysis build --out-dir``).

    Returns
    -------
    DataFrame
        The ``regions`` table, columns ``schema.TABLES["regions"]`` (documented in
        ``data/processed/README.md``), one row per plan in manifest order.
    """
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

    Parameters
    ----------
    level : {"theme", "domain"}, default "theme"
        The codebook level to count by.
    processed_dir : Path, default ``config.PROCESSED_DIR``
        The folder of a build.

    Returns
    -------
    DataFrame
        ``theme_by_region`` or ``domain_by_region`` (columns in ``schema.TABLES``).
    """
    if level not in _THEME_LEVELS:
        raise ValueError(f"level must be one of {', '.join(_THEME_LEVELS)}; got {level!r}")
    return load_table(
        "theme_by_region" if level == "theme" else "domain_by_region", processed_dir=processed_dir
    )
