"""Figures of policy instruments, commitment strength and cited documents.

Each ``plot_*`` function takes a processed table (``instrument_table``,
``modality_table``, ``units``, ``citation_network``) and returns a matplotlib
Figure whose every label is in ``lang`` ("zh" or "en").  :data:`POLICY_FIGURES`
lists the published figures in the form of :mod:`analysis.figures.make`'s
registry, and :func:`make_policy_figures` draws them from ``data/processed/`` and
saves them with :func:`analysis.figures.save.save_figure` as ``<name>_<lang>``
(``policy_instrument_mix_zh`` …).  Shares are pooled by adding sentence
counts (:func:`pooled_shares`), never by averaging shares, so a short plan weighs
what its sentences weigh.

Where the words come from (no label tables in Python): regions, themes and
domains from the manifest and the codebook (:func:`analysis.figures.labels.label`);
instrument types and sub-types from ``analysis/data/instruments.yml``; modality
levels from ``analysis/data/modality.yml``; everything else (axis titles, the
"none" categories, citation levels, titles and captions) from
``analysis/data/figure_labels_policy.yml``.

Colours follow :mod:`analysis.figures.style`: instrument types and citation
levels are categories (Okabe-Ito, with grey for "none" / "unknown"); commitment
strength is ordered, so its levels are read off the sequential scale (darkest =
binding); shares in heatmaps use the sequential scale from 0.

The citation network is drawn as a two-column (bipartite) layout, which is
deterministic by construction: plans on the left, evenly spaced in the order
given; documents on the right, ordered by the mean position of the plans citing
them (the barycentre heuristic of Sugiyama, Tagawa & Toda 1981, which keeps
lines from crossing), then by issuing level and title.  Long titles are
shortened by :func:`shorten_title`.

References
----------
Rothwell, R., & Zegveld, W. (1985). *Reindustrialization and Technology*. Longman.
Sugiyama, K., Tagawa, S., & Toda, M. (1981). Methods for visual understanding of
hierarchical system structures. IEEE Transactions on Systems, Man, and
Cybernetics, 11(2), 109-125.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from analysis import config, schema
from analysis.coding.instruments import load_instrument_scheme
from analysis.coding.modality import load_modality_lexicon
from analysis.coding.themes import load_codebook
from analysis.crosstabs import select_units
from analysis.figures.common import check_choice, check_columns, draw_heatmap, percent_labels
from analysis.figures.labels import (
    check_lang,
    label,
    region_labels,
    text,
    turned_length,
    wrap,
)
from analysis.figures.labels import order as file_order
from analysis.figures.regions import (
    MAX_COLUMNS,
    MAX_DOCUMENTS,
    MAX_ROWS,
    Subset,
    attach_subsets,
    figure_subsets,
    select_regions,
    with_note,
)
from analysis.figures.save import save_figure
from analysis.figures.sizing import (
    BASE_FONTSIZE,
    Sizing,
    figure_sizing,
    new_figure,
    plot_style,
    target_axes,
    turn_crowded_ticks,
    warn_if_unfit,
)
from analysis.figures.style import (
    QUALITATIVE,
    SEQUENTIAL_CMAP,
    WIDTH_DOUBLE,
    WIDTH_MEDIUM,
    categorical_colors,
    sequential_norm,
    text_color_on,
)
from analysis.io import tables_in_turn

__all__ = [
    "AREA_LEVELS", "cap_documents", "citation_layout", "COMMAND", "make_policy_figures",
    "MIN_SHARE_LABELLED", "plot_citation_network", "plot_instrument_mix",
    "plot_instrument_subtypes", "plot_modality", "plot_theme_instrument_heatmap", "POLICY_FIGURES",
    "POLICY_TEXT_PATH", "PolicyFigure", "POOL_BY", "pooled_shares", "region_sizes",
    "shorten_title", "subtype_shares", "Tables", "TITLE_MAX_CHARS",
]

#: Text of these figures that no data file names (axis titles, captions, levels).
POLICY_TEXT_PATH: Path = config.RULES_DIR / "figure_labels_policy.yml"

#: Groupings of :func:`pooled_shares`.
POOL_BY: tuple[str, ...] = ("region_id", "theme", "domain", "all")
#: Row levels of the theme x instrument heatmap and of panel (b) of the modality figure.
AREA_LEVELS: tuple[str, ...] = ("domain", "theme")

#: Longest document title shown in full on the citation network (characters).
TITLE_MAX_CHARS: int = 20
# Latin characters (7 pt, about 3.5 pt wide) that the 4.7 in of cells of the
# sub-type heatmap hold in all, shared by its region columns: 19 a column for
# five plans, 8 for twelve.
_COLUMN_ROOM: int = int(4.7 * 72 / 3.5)
#: Segments of stacked bars narrower than this share get no percentage printed in them.
MIN_SHARE_LABELLED: float = 0.04

#: The command that regenerates the figures (recorded in the manifest).
COMMAND: str = "python -m analysis figures"

# Grey for the residual categories ("none", "unknown"): the last Okabe-Ito colour.
_GREY = QUALITATIVE[-1]
# Where commitment levels sit on the sequential scale (binding darkest); "none" is grey.
_MODALITY_SHADES: tuple[float, ...] = (0.95, 0.6, 0.3)
# A bracketed remark closing a title: （2020—2023年）, （试行）, (2016年版).
_TRAILING_REMARK = re.compile(r"[（(][^（）()]*[）)]$")


# ----------------------------------------------------------------------------- words


def _text(key: str, lang: str, **fields: object) -> str:
    return text(key, lang, fields=fields, text_path=POLICY_TEXT_PATH)


def _area_names(kind: str, lang: str) -> dict[str, str]:
    """Theme or domain id -> display name, codebook ids in codebook order."""
    codebook = load_codebook()
    ids = codebook.theme_ids if kind == "theme" else codebook.domain_ids
    return {i: label(kind, i, lang) for i in ids}


def _area_name(kind: str, area_id: str, lang: str, known: dict[str, str]) -> str:
    # Codes outside the codebook ("unassigned") are named in figure_labels.yml as
    # "theme:<id>" / "domain:<id>"; label() raises naming that file if one is missing.
    return known[area_id] if area_id in known else label("text", f"{kind}:{area_id}", lang)


def _display_width(value: str) -> int:
    # Chinese (wide) characters take about two Latin character widths.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def _with_n(name: str, n: int, lang: str, *, width: int) -> str:
    """``name (n=…)`` on one line if it fits in ``width`` Latin characters; else wrapped
    (:func:`analysis.figures.labels.wrap`): English at spaces, Chinese with the name on
    its own line(s) and ``（n=…）`` on the last, so no word is cut before the count."""
    full = _text("policy.with_n", lang, name=name, n=n)
    if _display_width(full) <= width:
        return full
    if lang == "en":
        return wrap(full, lang, width=width)
    count = _text("policy.with_n", lang, name="", n=n).strip()
    return wrap(name, lang, width=width) + "\n" + count


def _instrument_names(lang: str) -> dict[str, str]:
    """Instrument type id -> name from instruments.yml, plus "none"."""
    scheme = load_instrument_scheme()
    index = 0 if lang == "zh" else 1
    names = {t: scheme.type_labels[t][index] for t in scheme.types}
    names["none"] = _text("policy.instrument_none", lang)
    return names


def _modality_names(lang: str) -> dict[str, str]:
    """Modality level -> name from modality.yml, plus "none"."""
    lexicon = load_modality_lexicon()
    index = 0 if lang == "zh" else 1
    names = {lv: lexicon.labels[lv][index] for lv in schema.MODALITY_LEVELS if lv != "none"}
    names["none"] = _text("policy.modality_none", lang)
    return names


def _instrument_colors(sizing: Sizing | None = None) -> dict[str, str]:
    types = [t for t in schema.INSTRUMENT_TYPES if t != "none"]
    colors = categorical_colors(types) if sizing is None else sizing.colors(types)
    colors["none"] = _GREY
    return colors


def _modality_colors(cmap: Colormap | None = None) -> dict[str, str]:
    cmap = colormaps[SEQUENTIAL_CMAP] if cmap is None else cmap
    levels = [lv for lv in schema.MODALITY_LEVELS if lv != "none"]
    colors = {lv: _hex(cmap(x)) for lv, x in zip(levels, _MODALITY_SHADES, strict=True)}
    colors["none"] = "#d9d9d9"
    return colors


def _level_colors(sizing: Sizing | None = None) -> dict[str, str]:
    levels = [lv for lv in schema.CITATION_LEVELS if lv != "unknown"]
    colors = categorical_colors(levels) if sizing is None else sizing.colors(levels)
    colors["unknown"] = _GREY
    return colors


def _hex(rgba: Sequence[float]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in rgba[:3]))


def shorten_title(title: str, *, max_chars: int = TITLE_MAX_CHARS) -> str:
    """Shorten a document title to at most ``max_chars`` characters, keeping both ends.

    Rule, in order: (1) a title of ``max_chars`` characters or fewer is returned
    unchanged; (2) otherwise a bracketed remark at the end — period, edition or
    trial status such as （2020—2023年）, （试行）, （2016年版） — is dropped;
    (3) if the title is still too long, its first ``ceil((max_chars - 1) / 2)``
    and last ``floor((max_chars - 1) / 2)`` characters are kept, joined by "…".
    Both ends carry meaning in a Chinese title: the issuer or place comes first,
    the kind of document (方案, 意见, 办法) last.
    """
    if max_chars < 3:
        raise ValueError(f"max_chars must be at least 3, got {max_chars}")
    if len(title) <= max_chars:
        return title
    title = _TRAILING_REMARK.sub("", title) or title
    if len(title) <= max_chars:
        return title
    head = math.ceil((max_chars - 1) / 2)
    tail = max_chars - 1 - head
    return title[:head] + "…" + (title[-tail:] if tail else "")


# ----------------------------------------------------------------------------- tables


def _category_column(table: pd.DataFrame) -> tuple[str, tuple[str, ...]]:
    if "instrument" in table.columns:
        return "instrument", schema.INSTRUMENT_TYPES
    if "modality" in table.columns:
        return "modality", schema.MODALITY_LEVELS
    raise ValueError("table must be an instrument_table (column 'instrument') or a "
                     "modality_table (column 'modality')")


def pooled_shares(table: pd.DataFrame, *, by: str = "region_id") -> pd.DataFrame:
    """Pool an instrument or modality table over regions or themes.

    Counts are added, then divided: the share of a group is its sentences in a
    category over all its sentences, so every sentence weighs the same.

    Parameters
    ----------
    table : DataFrame
        ``instrument_table`` (``schema.INSTRUMENT_TABLE``) or ``modality_table``
        (``schema.MODALITY_TABLE``).
    by : {"region_id", "theme", "domain", "all"}, default "region_id"
        The grouping; ``"domain"`` maps themes to domains with the codebook (a
        theme outside it, such as ``unassigned``, is its own domain); ``"all"``
        pools everything into one group named ``"all"``.

    Returns
    -------
    DataFrame
        Columns ``<by>`` (``"group"`` when ``by="all"``), ``instrument`` or
        ``modality``, ``n_sentences``, ``n_total`` (the group's sentences) and
        ``share = n_sentences / n_total``.  Every category of
        ``schema.INSTRUMENT_TYPES`` / ``schema.MODALITY_LEVELS`` appears for
        every group, zeros included; groups with no sentence are left out.
        Groups are in manifest order (regions), codebook order
        (domains), or grouped by domain and in codebook order within one
        (themes); codes outside the codebook come last, sorted; categories
        are in schema order.

    References
    ----------
    Wickham, H. (2014). Tidy data. Journal of Statistical Software, 59(10).
    """
    check_choice("by", by, POOL_BY)
    category, levels = _category_column(table)
    check_columns(table, ["region_id", "theme", category, "n_sentences"], "table")
    unknown = sorted(set(table[category]) - set(levels))
    if unknown:
        raise ValueError(f"{category} values must be drawn from {list(levels)}, got {unknown}")

    frame = table.loc[:, ["region_id", "theme", category, "n_sentences"]].copy()
    key = "group" if by == "all" else by
    if by == "all":
        frame[key] = "all"
        order = ["all"]
    elif by == "region_id":
        order = file_order("region", frame["region_id"])
    else:
        codebook = load_codebook()
        if by == "domain":
            to_domain = {t.id: t.domain for t in codebook.themes}
            frame["domain"] = frame["theme"].map(lambda t: to_domain.get(t, t))
            known = codebook.domain_ids
        else:  # themes grouped by domain, codebook order within a domain
            known = [t.id for d in codebook.domain_ids for t in codebook.themes if t.domain == d]
        present = set(frame[key])
        order = [i for i in known if i in present] + sorted(present - set(known))

    counts = (frame.groupby([key, category], sort=False)["n_sentences"].sum()
              .reindex(pd.MultiIndex.from_product([order, list(levels)], names=[key, category]),
                       fill_value=0)
              .reset_index())
    counts["n_sentences"] = counts["n_sentences"].astype("int64")
    counts["n_total"] = counts.groupby(key, sort=False)["n_sentences"].transform("sum")
    counts = counts.loc[counts["n_total"] > 0].reset_index(drop=True)
    counts["share"] = counts["n_sentences"] / counts["n_total"]
    return counts.loc[:, [key, category, "n_sentences", "n_total", "share"]]


def subtype_shares(
    units: pd.DataFrame,
    *,
    parts: tuple[str, ...] = ("plan",),
    unit_kinds: tuple[str, ...] = ("sentence",),
) -> pd.DataFrame:
    """Share of each region's sentences by primary instrument sub-type.

    Parameters
    ----------
    units : DataFrame
        The units table with the instrument columns (``schema.UNITS_ALL``).
    parts : tuple of str, default ``("plan",)``
        Parts counted (``schema.PARTS``), as in ``instrument_table``.
    unit_kinds : tuple of str, default ``("sentence",)``
        Unit kinds counted (``schema.UNIT_KINDS``).

    Returns
    -------
    DataFrame
        Columns ``region_id, instrument, instrument_subtype, n_sentences,
        n_total, share``: one row per region (manifest order) and
        sub-type of ``analysis/data/instruments.yml`` (scheme order), zeros
        included.  ``n_total`` counts all the region's sentences, those with no
        instrument included, so a region's shares sum to one minus its share of
        ``none``.
    """
    rows = select_units(units, parts=parts, unit_kinds=unit_kinds,
                        required=["instrument", "instrument_subtype"], name="units")
    scheme = load_instrument_scheme()
    regions = file_order("region", rows["region_id"])
    subtypes = [(s.type, s.id) for s in scheme.subtypes]
    totals = rows.groupby("region_id", sort=False).size()
    counts = rows.groupby(["region_id", "instrument", "instrument_subtype"]).size()
    out = pd.DataFrame(
        [(r, t, s) for r in regions for t, s in subtypes],
        columns=["region_id", "instrument", "instrument_subtype"],
    )
    index = pd.MultiIndex.from_frame(out)
    out["n_sentences"] = counts.reindex(index, fill_value=0).to_numpy().astype("int64")
    out["n_total"] = out["region_id"].map(totals).astype("int64")
    out["share"] = out["n_sentences"] / out["n_total"]
    return out


# ----------------------------------------------------------------------------- drawing


def _order_regions(present: Sequence[str], regions: Sequence[str] | None,
                   *, allow_absent: bool = False) -> list[str]:
    if regions is None:
        return list(present)
    regions = list(regions)
    if len(set(regions)) != len(regions):
        raise ValueError(f"regions must not repeat, got {regions}")
    absent = [r for r in regions if r not in present]
    if absent and not allow_absent:
        raise ValueError(f"regions {absent} have no rows in the table (present: {list(present)})")
    return regions


def _cap_regions(order: list[str], max_regions: int,
                 sizes: Mapping[str, float] | None) -> tuple[list[str], Subset]:
    """At most ``max_regions`` of ``order`` (:func:`analysis.figures.regions.select_regions`),
    kept in the order given."""
    shown, subset = select_regions(order, cap=max_regions, sizes=sizes)
    keep = set(shown)
    return [r for r in order if r in keep], subset


def _stacked_bars(ax: Axes, shares: pd.DataFrame, key: str, category: str, order: list[str],
                  tick_labels: list[str], colors: dict[str, str], *, fontsize: float = 6.5
                  ) -> None:
    """Horizontal bars of ``shares`` (one per ``order`` entry, top to bottom), 100 % wide."""
    levels = list(colors)
    wide = (shares.pivot(index=key, columns=category, values="share")
            .reindex(index=order, columns=levels).fillna(0.0))
    y = np.arange(len(order))
    left = np.zeros(len(order))
    for level in levels:
        widths = wide[level].to_numpy(dtype=float)
        ax.barh(y, widths, left=left, height=0.72, color=colors[level], edgecolor="white",
                linewidth=0.5, label=level)
        ink = text_color_on(to_rgba(colors[level]))
        for yi, (x0, w) in enumerate(zip(left, widths, strict=True)):
            if w >= MIN_SHARE_LABELLED:
                ax.text(x0 + w / 2, yi, f"{100 * w:.0f}", ha="center", va="center",
                        fontsize=fontsize, color=ink)
        left += widths
    ax.set_yticks(y, tick_labels)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0, symbol=""))
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)


def _category_legend(fig: Figure, ax: Axes, sizing: Sizing, handles: list[Patch],
                     title: str) -> None:
    # One row above the bars; two when the figure is narrower than the house width.
    ncols = len(handles) if not sizing.narrow else math.ceil(len(handles) / 2)
    if sizing.ax is None:
        fig.legend(handles=handles, loc="outside upper center", ncols=ncols, frameon=False,
                   title=title)
    else:
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=ncols,
                  frameon=False, title=title)


def _legend_handles(colors: dict[str, str], names: dict[str, str]) -> list[Patch]:
    return [Patch(facecolor=colors[k], edgecolor="none", label=names[k]) for k in colors]


def plot_instrument_mix(
    instrument_table: pd.DataFrame,
    *,
    lang: str = "zh",
    regions: Sequence[str] | None = None,
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_ROWS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: Axes | None = None,
) -> Figure:
    """Stacked bars: each region's plan sentences by primary instrument type.

    Parameters
    ----------
    instrument_table : DataFrame
        ``schema.INSTRUMENT_TABLE`` (region x theme x instrument counts).
    lang : {"zh", "en"}, default "zh"
    regions : sequence of str, optional
        Regions to show, top to bottom (default: manifest order).
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_ROWS`
        Most bars drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_MEDIUM`).
    height : float or None, default None
        Centimetres; None: a row per region at the chosen font size.
    cmap : str or Colormap, optional
        Colours of the categories: a qualitative map gives its colours in order, a
        continuous one is sampled evenly (default: the house palette).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : Axes, optional
        Draw into this axes (the legend goes above it) and return its figure.

    Returns
    -------
    Figure
        One axes, one bar per region split into supply / environment / demand /
        none (``4 x n_regions`` bar segments, zero-width ones included), shares
        printed in segments of at least :data:`MIN_SHARE_LABELLED`; region
        labels carry the number of sentences.
    """
    check_lang(lang)
    shares = pooled_shares(instrument_table, by="region_id")
    order = _order_regions(list(dict.fromkeys(shares["region_id"])), regions)
    order, subset = _cap_regions(order, max_regions, region_sizes)
    totals = shares.groupby("region_id")["n_total"].first()
    region_names = region_labels(order, lang)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_MEDIUM, default_cmap=None)
    ticks = [_with_n(region_names[r], int(totals[r]), lang, width=sizing.chars(40))
             for r in order]
    colors, names = _instrument_colors(sizing), _instrument_names(lang)
    with plot_style(sizing):
        fig, ax = target_axes(sizing, height=sizing.tall(0.32 * len(order) + 1.0), pyplot=False)
        _stacked_bars(ax, shares, "region_id", "instrument", order, ticks, colors,
                      fontsize=sizing.pt(6.5))
        ax.set_xlabel(_text("policy.share_sentences_pct", lang))
        _category_legend(fig, ax, sizing, _legend_handles(colors, names),
                         _text("policy.instrument", lang))
    return attach_subsets(fig, subset)


def _area_rows(shares: pd.DataFrame, level: str, lang: str) -> tuple[list[str], list[str]]:
    """Areas in table order and their labels with n (at most about 30 Latin characters wide)."""
    order = list(dict.fromkeys(shares[level]))
    known = _area_names(level, lang)
    totals = shares.groupby(level)["n_total"].first()
    names = [_with_n(_area_name(level, a, lang, known), int(totals[a]), lang, width=30)
             for a in order]
    return order, names


def _n_lines(labels: Sequence[str]) -> int:
    return sum(t.count("\n") + 1 for t in labels)


def _share_colorbar(fig: Figure, image: object, ax: Axes, lang: str) -> None:
    # Horizontal, under the cells, so that its label reads without turning the head.
    bar = fig.colorbar(image, ax=ax, location="bottom", shrink=0.6, aspect=40, pad=0.02)
    bar.ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    bar.set_label(_text("policy.share_sentences_pct", lang))
    bar.outline.set_visible(False)


def plot_theme_instrument_heatmap(
    instrument_table: pd.DataFrame,
    *,
    lang: str = "zh",
    level: str = "domain",
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of policy area (rows) by primary instrument (columns), regions pooled.

    Parameters
    ----------
    instrument_table : DataFrame
        ``schema.INSTRUMENT_TABLE``.
    lang : {"zh", "en"}, default "zh"
    level : {"domain", "theme"}, default "domain"
        Rows are the codebook's domains or its themes (grouped by domain; areas
        with no sentence are left out).  Themes of different domains are
        separated by a thin line.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_MEDIUM`).
    height : float or None, default None
        Centimetres; None: a row per area at the chosen font size.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : Axes, optional
        Draw into this axes (the colour bar takes room below it) and return its figure.

    Returns
    -------
    Figure
        One image of ``n_areas x 4`` cells, each the share of the row's sentences
        using that instrument (rows sum to 1), printed as a percentage; a
        sequential colour scale from 0 with a colour bar.
    """
    check_lang(lang)
    check_choice("level", level, AREA_LEVELS)
    shares = pooled_shares(instrument_table, by=level)
    order, row_names = _area_rows(shares, level, lang)
    columns = list(schema.INSTRUMENT_TYPES)
    matrix = (shares.pivot(index=level, columns="instrument", values="share")
              .reindex(index=order, columns=columns).to_numpy(dtype=float))
    names = _instrument_names(lang)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_MEDIUM, default_cmap=SEQUENTIAL_CMAP)
    col_names = [wrap(names[c], lang, width=sizing.chars(17)) for c in columns]
    row_names = sizing.wrap_labels(row_names, lang, width=30)
    fig_height = sizing.tall(max(0.15 * _n_lines(row_names), 0.22 * len(order)) + 1.3)
    with plot_style(sizing):
        fig, ax = target_axes(sizing, height=fig_height, pyplot=False)
        image = draw_heatmap(ax, matrix, cmap=sizing.cmap, norm=sequential_norm(matrix),
                             annotations=percent_labels(matrix, decimals=0),
                             fontsize=sizing.pt(6.5))
        ax.set_xticklabels(col_names)
        ax.set_yticklabels(row_names)
        ax.xaxis.tick_top()
        if level == "theme":
            to_domain = {t.id: t.domain for t in load_codebook().themes}
            domains = [to_domain.get(t, t) for t in order]
            for i in range(1, len(order)):
                if domains[i] != domains[i - 1]:
                    ax.axhline(i, color="#333333", linewidth=0.8)
        _share_colorbar(fig, image, ax, lang)
        if not sizing.house:
            turn_crowded_ticks(ax)
    return fig


def plot_instrument_subtypes(
    units: pd.DataFrame,
    *,
    lang: str = "zh",
    regions: Sequence[str] | None = None,
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_COLUMNS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of instrument sub-types (rows, grouped by type) by region (columns).

    Parameters
    ----------
    units : DataFrame
        The units table with the instrument columns; plan sentences are counted
        (see :func:`subtype_shares`).
    lang : {"zh", "en"}, default "zh"
    regions : sequence of str, optional
        Columns, left to right (default: manifest order).
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_COLUMNS`
        Most columns drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_MEDIUM`).
    height : float or None, default None
        Centimetres; None: a row per sub-type at the chosen font size.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : Axes, optional
        Draw into this axes (the colour bar takes room below it) and return its figure.

    Returns
    -------
    Figure
        One image with, for each instrument type, a blank heading row carrying
        the type's name followed by one row per sub-type, and one column per
        region; cells are the share of the region's plan sentences, printed as
        percentages (``n_subtypes x n_regions`` numbers).
    """
    check_lang(lang)
    shares = subtype_shares(units)
    order = _order_regions(list(dict.fromkeys(shares["region_id"])), regions)
    order, subset = _cap_regions(order, max_regions, region_sizes)
    scheme = load_instrument_scheme()
    type_names = _instrument_names(lang)
    rows: list[tuple[str, str | None]] = []  # (label, sub-type id; None for a type heading)
    for type_id in scheme.types:
        rows.append((type_names[type_id], None))
        rows += [(s.label_zh if lang == "zh" else s.label_en, s.id)
                 for s in scheme.subtypes if s.type == type_id]
    wide = (shares.pivot(index="instrument_subtype", columns="region_id", values="share")
            .reindex(columns=order))
    matrix = np.array([wide.loc[sid].to_numpy(dtype=float) if sid else np.full(len(order), np.nan)
                       for _, sid in rows])
    totals = shares.groupby("region_id")["n_total"].first()
    region_names = region_labels(order, lang)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_MEDIUM, default_cmap=SEQUENTIAL_CMAP)
    label_width = sizing.chars(18 if lang == "zh" else 10, minimum=4)
    col_names = [_with_n(region_names[r], int(totals[r]), lang, width=label_width)
                 for r in order]
    rotation = 0
    header = 0.15 * _n_lines(col_names)
    if max(_display_width(line) for name in col_names for line in name.split("\n")) > (
            sizing.chars(_COLUMN_ROOM) // max(len(order), 1)):
        # Too long for their columns (many regions, or names told apart by their
        # ids): on one line each, turned, with the figure that much taller.
        col_names = [_text("policy.with_n", lang, name=region_names[r], n=int(totals[r]))
                     for r in order]
        rotation, header = 90, turned_length(col_names, fontsize=7)
    with plot_style(sizing):
        fig, ax = target_axes(sizing, height=sizing.tall(0.19 * len(rows) + header + 0.6),
                              pyplot=False)
        # Heading rows are NaN: drawn white, with the type's name written across them.
        image = draw_heatmap(ax, matrix, cmap=sizing.cmap, norm=sequential_norm(matrix),
                             annotations=percent_labels(matrix, decimals=0),
                             fontsize=sizing.pt(6), missing_color="white")
        for i, (name, sid) in enumerate(rows):
            if sid is None:
                ax.text(0.05, i + 0.6, name, ha="left", va="center", fontsize=sizing.pt(8))
        ax.set_xticklabels(col_names, multialignment="center", rotation=rotation)
        ax.set_yticklabels([name if sid else "" for name, sid in rows])
        ax.xaxis.tick_top()
        _share_colorbar(fig, image, ax, lang)
    return attach_subsets(fig, subset)


def plot_modality(
    modality_table: pd.DataFrame,
    *,
    lang: str = "zh",
    regions: Sequence[str] | None = None,
    level: str = "domain",
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_ROWS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Stacked bars of commitment strength: (a) by region, (b) by domain or theme.

    Parameters
    ----------
    modality_table : DataFrame
        ``schema.MODALITY_TABLE`` (region x theme x modality counts).
    lang : {"zh", "en"}, default "zh"
    regions : sequence of str, optional
        Regions of panel (a), top to bottom (default: manifest order).
    level : {"domain", "theme"}, default "domain"
        Rows of panel (b), regions pooled (all regions, also when panel (a)
        shows a subset).
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, panel (a) draws the largest;
        without sizes, the first in manifest order
        (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_ROWS`
        Most bars of panel (a).
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_MEDIUM`).
    height : float or None, default None
        Centimetres; None: a row per bar at the chosen font size.
    cmap : str or Colormap, optional
        Colours of the categories: a qualitative map gives its colours in order, a
        continuous one is sampled evenly (default: shades of the sequential scale).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: the two panels need a figure of their own.

    Returns
    -------
    Figure
        Two axes; each bar is split into binding / directive / encouraging /
        none (``4 x`` rows bar segments per axes), darkest = strongest.
    """
    check_lang(lang)
    check_choice("level", level, AREA_LEVELS)
    by_region = pooled_shares(modality_table, by="region_id")
    order = _order_regions(list(dict.fromkeys(by_region["region_id"])), regions)
    order, subset = _cap_regions(order, max_regions, region_sizes)
    totals = by_region.groupby("region_id")["n_total"].first()
    region_names = region_labels(order, lang)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_MEDIUM, default_cmap=None,
                           panels="two panels (by region, by area)")
    region_ticks = [_with_n(region_names[r], int(totals[r]), lang, width=sizing.chars(40))
                    for r in order]
    by_area = pooled_shares(modality_table, by=level)
    area_order, area_ticks = _area_rows(by_area, level, lang)
    area_ticks = sizing.wrap_labels(area_ticks, lang, width=30)
    colors, names = _modality_colors(sizing.cmap), _modality_names(lang)
    # Rows with two-line labels need more room than one bar's height.
    rows_b = max(len(area_order), 0.62 * _n_lines(area_ticks))
    with plot_style(sizing):
        fig = new_figure(sizing, height=sizing.tall(0.3 * (len(order) + rows_b) + 1.5),
                         pyplot=False)
        top, bottom = fig.subplots(2, 1, height_ratios=[len(order), rows_b])
        _stacked_bars(top, by_region, "region_id", "modality", order, region_ticks, colors,
                      fontsize=sizing.pt(6.5))
        _stacked_bars(bottom, by_area, level, "modality", area_order, area_ticks, colors,
                      fontsize=sizing.pt(6.5))
        top.set_title(_text("policy.by_region", lang), loc="left")
        bottom.set_title(_text(f"policy.by_{level}", lang), loc="left")
        bottom.set_xlabel(_text("policy.share_sentences_pct", lang))
        _category_legend(fig, top, sizing, _legend_handles(colors, names),
                         _text("policy.modality", lang))
    return attach_subsets(fig, subset)


def _display_titles(network: pd.DataFrame, citations: pd.DataFrame | None) -> dict[str, str]:
    """title_norm -> the most frequent original wording (ties: first sorted), else itself."""
    titles = {t: t for t in network["title_norm"]}
    if citations is None:
        return titles
    check_columns(citations, ["title", "title_norm"], "citations")
    counts = (citations.groupby(["title_norm", "title"]).size().rename("n").reset_index()
              .sort_values(["title_norm", "n", "title"], ascending=[True, False, True],
                           kind="stable")
              .drop_duplicates("title_norm"))
    titles.update({row.title_norm: row.title for row in counts.itertuples(index=False)
                   if row.title_norm in titles})
    return titles


def citation_layout(
    citation_network: pd.DataFrame,
    *,
    regions: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Positions of the two-column drawing of the plan-document citation network.

    Parameters
    ----------
    citation_network : DataFrame
        ``schema.CITATION_NETWORK`` (one row per plan-document edge).
    regions : sequence of str, optional
        Plans on the left, top to bottom; plans citing nothing may be listed
        (default: the plans in the table, in manifest order).

    Returns
    -------
    (plans, documents) : tuple of DataFrame
        ``plans``: ``region_id, y, n_documents``; ``documents``: ``title_norm,
        level, n_regions, n_mentions, barycentre, y``.  Documents take the rows
        ``y = 0, 1, …`` in order of barycentre (mean row index of the plans citing
        them), then issuing level (``schema.CITATION_LEVELS`` order), then
        title; plans are spread evenly over the same height, plan ``i`` of
        ``R`` at ``(i + 0.5) * D / R - 0.5`` for ``D`` documents.  No randomness.
    """
    check_columns(citation_network, ["title_norm", "level", "region_id", "n_mentions"],
                   "citation_network")
    present = file_order("region", citation_network["region_id"])
    order = _order_regions(present, regions, allow_absent=True)
    missing = [r for r in present if r not in order]
    if missing:
        raise ValueError(f"regions leaves out plans that cite documents: {missing}")
    if not order:
        raise ValueError("no plans to draw: citation_network is empty and regions is not given")
    position = {r: i for i, r in enumerate(order)}
    level_rank = {lv: i for i, lv in enumerate(schema.CITATION_LEVELS)}
    edges = citation_network.assign(_pos=citation_network["region_id"].map(position))
    docs = (edges.groupby("title_norm", sort=True)
            .agg(level=("level", "first"), n_regions=("region_id", "nunique"),
                 n_mentions=("n_mentions", "sum"), barycentre=("_pos", "mean"))
            .reset_index())
    bad = sorted(set(docs["level"]) - set(level_rank))
    if bad:
        raise ValueError(f"level must be drawn from {list(schema.CITATION_LEVELS)}, got {bad}")
    docs["_rank"] = docs["level"].map(level_rank)
    docs = (docs.sort_values(["barycentre", "_rank", "title_norm"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))
    docs["n_regions"] = docs["n_regions"].astype("int64")
    docs["n_mentions"] = docs["n_mentions"].astype("int64")
    docs["y"] = np.arange(len(docs), dtype=float)
    n_docs, n_plans = max(len(docs), 1), len(order)
    cited = edges.groupby("region_id")["title_norm"].nunique()
    plans = pd.DataFrame({
        "region_id": order,
        "y": [(i + 0.5) * n_docs / n_plans - 0.5 for i in range(n_plans)],
        "n_documents": [int(cited.get(r, 0)) for r in order],
    })
    return plans, docs


def plot_citation_network(
    citation_network: pd.DataFrame,
    *,
    lang: str = "zh",
    regions: Sequence[str] | None = None,
    citations: pd.DataFrame | None = None,
    max_chars: int = TITLE_MAX_CHARS,
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_ROWS,
    max_documents: int = MAX_DOCUMENTS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Bipartite drawing: plans (left) linked to the documents they cite (right).

    Parameters
    ----------
    citation_network : DataFrame
        ``schema.CITATION_NETWORK``.
    lang : {"zh", "en"}, default "zh"
        Language of plan names, headers and legend; document titles stay in Chinese.
    regions : sequence of str, optional
        Plans, top to bottom; list a plan that cites nothing to show it
        (default: the plans in the table, in manifest order).
    citations : DataFrame, optional
        ``schema.CITATIONS``; when given, each document is labelled with the
        most frequent original wording of its title instead of ``title_norm``
        (which drops 的, brackets and edition marks).
    max_chars : int, default :data:`TITLE_MAX_CHARS`
        Titles are shortened with :func:`shorten_title`.
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` plans, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_ROWS`
        Most plans drawn.
    max_documents : int, default :data:`analysis.figures.regions.MAX_DOCUMENTS`
        Most documents drawn: of those the plans shown cite, the ones cited by
        the most of them, then with the most mentions, then by issuing level
        and title (:func:`cap_documents`).
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row per document at the chosen font size.
    cmap : str or Colormap, optional
        Colours of the categories: a qualitative map gives its colours in order, a
        continuous one is sampled evenly (default: the house palette).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: the labels hang outside a fixed axes placed in a figure of its own.

    Returns
    -------
    Figure
        One axes (axis lines off) holding one ``LineCollection`` with one
        segment per edge (width grows with ``n_mentions``, colour = level),
        plan markers, document markers coloured by level and sized by
        ``n_regions`` (documents cited by several plans are highlighted and
        say by how many), and a legend of levels.  Layout: :func:`citation_layout`.
    """
    check_lang(lang)
    check_columns(citation_network, ["title_norm", "level", "region_id", "n_mentions"],
                  "citation_network")
    candidates = (file_order("region", citation_network["region_id"]) if regions is None
                  else list(regions))
    shown, plan_subset = _cap_regions(candidates, max_regions, region_sizes)
    n_documents = int(citation_network["title_norm"].nunique())
    citation_network = cap_documents(
        citation_network.loc[citation_network["region_id"].isin(set(shown))],
        max_documents=max_documents)
    doc_subset = Subset("documents", int(citation_network["title_norm"].nunique()), n_documents,
                        "most_cited")
    plans, docs = citation_layout(citation_network, regions=shown)
    titles = _display_titles(citation_network, citations)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=None,
                           panels="labels outside a fixed axes")
    colors = _level_colors(sizing)
    plan_y = dict(zip(plans["region_id"], plans["y"], strict=True))
    doc_y = dict(zip(docs["title_norm"], docs["y"], strict=True))
    doc_level = dict(zip(docs["title_norm"], docs["level"], strict=True))
    edges = citation_network.sort_values(["region_id", "title_norm"], kind="stable")
    segments = [[(0.0, plan_y[r]), (1.0, doc_y[t])]
                for r, t in zip(edges["region_id"], edges["title_norm"], strict=True)]
    edge_colors = [colors[doc_level[t]] for t in edges["title_norm"]]
    widths = [0.6 + 0.5 * (int(n) - 1) for n in edges["n_mentions"]]
    n_rows = max(len(docs), len(plans))
    fig_height = sizing.tall(0.16 * n_rows + 1.0)
    if sizing.narrow:
        # The titles hang beside a fixed axes and need the house width.
        warn_if_unfit(sizing, fig_height, figure="citation network",
                      reason="the names of the plans and cited documents run past its edges")
    with plot_style(sizing):
        fig = new_figure(sizing, height=fig_height, layout=None, pyplot=False)
        # Fixed axes (no automatic layout): labels hang outside it on both sides and
        # the saved file is cropped to the ink (bbox_inches="tight").
        legend_room = 0.55 * sizing.scale / fig_height
        ax = fig.add_axes((0.2, legend_room, 0.36, 1 - legend_room - 0.02))
        ax.add_collection(LineCollection(segments, colors=edge_colors, linewidths=widths,
                                         alpha=0.75, zorder=1))
        ax.scatter(np.zeros(len(plans)), plans["y"], s=28, color="#333333", zorder=2)
        plan_names = region_labels(plans["region_id"], lang)
        for row in plans.itertuples(index=False):
            # Wrapped to the fifth of the width left of the axes (about 20
            # Latin characters at the house width).
            ax.text(-0.04, row.y, wrap(plan_names[row.region_id], lang, width=sizing.chars(20)),
                    ha="right", va="center", fontsize=sizing.pt(7.5))
            if row.n_documents == 0:
                ax.text(-0.04, row.y + 0.8, _text("policy.cites_nothing", lang), ha="right",
                        va="center", fontsize=sizing.pt(6), color="#555555")
        ax.scatter(np.ones(len(docs)), docs["y"], s=10 + 14 * docs["n_regions"].to_numpy(),
                   color=[colors[lv] for lv in docs["level"]], zorder=2, linewidths=0)
        for row in docs.itertuples(index=False):
            shown = shorten_title(titles[row.title_norm], max_chars=max_chars)
            highlight = None
            if row.n_regions > 1:
                note = _text("policy.cited_by_n", lang, n=row.n_regions)
                shown += f"（{note}）" if lang == "zh" else f" ({note})"
                highlight = {"facecolor": "#fde9a9", "edgecolor": "none", "pad": 1.2}
            ax.text(1.03, row.y, shown, ha="left", va="center", fontsize=sizing.pt(6.5),
                    bbox=highlight)
        header_y = -1.3
        ax.text(0.0, header_y, _text("policy.plans", lang), ha="right", va="bottom",
                fontsize=sizing.pt(8.5))
        ax.text(1.0, header_y, _text("policy.cited_documents", lang), ha="left", va="bottom",
                fontsize=sizing.pt(8.5))
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(n_rows - 0.5, header_y - 0.1)
        ax.set_axis_off()
        level_names = {lv: _text(f"policy.level:{lv}", lang) for lv in colors}
        handles = [Line2D([], [], marker="o", linestyle="-", color=colors[lv], markersize=4,
                          linewidth=1, label=level_names[lv]) for lv in colors]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.45, 0.0),
                   ncols=len(handles), frameon=False, title=_text("policy.citation_level", lang))
    return attach_subsets(fig, plan_subset, doc_subset)


def cap_documents(citation_network: pd.DataFrame, *, max_documents: int = MAX_DOCUMENTS
                  ) -> pd.DataFrame:
    """Keep the edges of at most ``max_documents`` documents of ``citation_network``.

    The documents kept are those cited by the most plans (in the rows given),
    then with the most mentions, then by issuing level (``schema.CITATION_LEVELS``
    order) and ``title_norm``: a deterministic choice of the documents the
    plans share, which are what the network is read for.
    """
    if not isinstance(max_documents, int) or max_documents < 1:
        raise ValueError(f"max_documents must be a positive integer, got {max_documents!r}")
    if citation_network["title_norm"].nunique() <= max_documents:
        return citation_network
    level_rank = {lv: i for i, lv in enumerate(schema.CITATION_LEVELS)}
    docs = (citation_network.groupby("title_norm", sort=True)
            .agg(level=("level", "first"), n_regions=("region_id", "nunique"),
                 n_mentions=("n_mentions", "sum"))
            .reset_index())
    docs["_rank"] = docs["level"].map(level_rank).fillna(len(level_rank))
    keep = (docs.sort_values(["n_regions", "n_mentions", "_rank", "title_norm"],
                             ascending=[False, False, True, True], kind="stable")
            .head(max_documents)["title_norm"])
    return citation_network.loc[citation_network["title_norm"].isin(set(keep))]


# ----------------------------------------------------------------------------- all of them


Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class PolicyFigure:
    """One policy figure: id stem, source tables, drawing function and caption fields.

    The first four fields are those of :class:`analysis.figures.make.FigureSpec`,
    in the same order, so each can join that registry as
    ``FigureSpec(spec.name, spec.sources, spec.draw, spec.fields)``.  ``columns``
    names, for a table (sources or ``regions``), the only columns the figure
    reads, and ``filters`` the only rows (as :func:`analysis.io.read_table`
    takes them); default every column and row.  A thousand plans' ``units``
    hold hundreds of MiB of text no figure draws.
    """

    name: str
    sources: tuple[str, ...]
    draw: Callable[[Tables, str], Figure]
    fields: Callable[[Tables, str], dict[str, object]]
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    filters: Mapping[str, list] = field(default_factory=dict)


def _no_fields(_tables: Tables, _lang: str) -> dict[str, object]:
    return {}


#: Every policy figure, in the order of the notebook.  Titles and captions are the
#: keys ``<name>.title`` and ``<name>.caption`` of :data:`POLICY_TEXT_PATH`.
POLICY_FIGURES: tuple[PolicyFigure, ...] = (
    PolicyFigure(
        "policy_instrument_mix", ("instrument_table",),
        lambda t, lang: plot_instrument_mix(t["instrument_table"], lang=lang,
                                            region_sizes=region_sizes(t["regions"])),
        _no_fields,
    ),
    PolicyFigure(
        "policy_theme_instrument_domain", ("instrument_table",),
        lambda t, lang: plot_theme_instrument_heatmap(t["instrument_table"], lang=lang,
                                                      level="domain"), _no_fields,
    ),
    PolicyFigure(
        "policy_theme_instrument_theme", ("instrument_table",),
        lambda t, lang: plot_theme_instrument_heatmap(t["instrument_table"], lang=lang,
                                                      level="theme"), _no_fields,
    ),
    PolicyFigure(
        "policy_instrument_subtypes", ("units",),
        lambda t, lang: plot_instrument_subtypes(t["units"], lang=lang,
                                                 region_sizes=region_sizes(t["regions"])),
        _no_fields,
        # The plan sentences subtype_shares counts, and the columns it reads.
        {"units": ("region_id", "part", "unit_kind", "instrument", "instrument_subtype")},
        {"units": [("part", "in", ["plan"]), ("unit_kind", "in", ["sentence"])]},
    ),
    PolicyFigure(
        "policy_modality", ("modality_table",),
        lambda t, lang: plot_modality(t["modality_table"], lang=lang, level="domain",
                                      region_sizes=region_sizes(t["regions"])),
        _no_fields,
    ),
    PolicyFigure(
        "policy_citation_network", ("citation_network", "citations", "regions"),
        # Every plan of the corpus is drawn, those citing nothing included (up
        # to the cap of analysis.figures.regions.MAX_ROWS, the largest plans).
        lambda t, lang: plot_citation_network(
            t["citation_network"], lang=lang, citations=t["citations"],
            regions=file_order("region", t["regions"]["region_id"]),
            region_sizes=region_sizes(t["regions"])),
        lambda t, lang: {"max_chars": TITLE_MAX_CHARS},
        {"citations": ("title", "title_norm")},  # the wording shown of each document
    ),
)


def make_policy_figures(
    processed_dir: Path = config.PROCESSED_DIR,
    out_dir: Path = config.FIGURES_DIR,
    *,
    lang: str = "zh",
) -> list[dict[str, str]]:
    """Draw and save every figure of :data:`POLICY_FIGURES` from the processed tables.

    Parameters
    ----------
    processed_dir : Path, default ``data/processed``
        Where the tables are read (:func:`analysis.io.read_table`).
    out_dir : Path, default ``figures/``
    lang : {"zh", "en"}, default "zh"
        Files are named ``<name>_<lang>`` (the convention of
        :mod:`analysis.figures.make`), e.g. ``policy_instrument_mix_zh``.

    Returns
    -------
    list of dict
        One manifest row per figure (:func:`analysis.figures.save.save_figure`),
        in the order of :data:`POLICY_FIGURES`; the manifest file itself is
        written by whoever collects the rows.
    """
    check_lang(lang)
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    # "regions" gives the plan sizes by which a subset is chosen (region_sizes).
    # Each figure reads only its columns and rows; a table read is kept while a
    # later figure reads it the same way.
    rows = []
    reads = [{stem: (spec.columns.get(stem), spec.filters.get(stem))
              for stem in dict.fromkeys((*spec.sources, "regions"))} for spec in POLICY_FIGURES]
    for spec, tables in zip(POLICY_FIGURES, tables_in_turn(reads, processed_dir), strict=True):
        fields = spec.fields(tables, lang)
        fig = spec.draw(tables, lang)
        subsets = figure_subsets(fig)
        # A subset of the plans is chosen by their size in the regions table.
        sources = (spec.sources if not subsets or "regions" in spec.sources
                   else (*spec.sources, "regions"))
        rows.append(save_figure(
            fig, f"{spec.name}_{lang}", out_dir=out_dir,
            title=_text(f"{spec.name}.title", lang, **fields),
            caption=with_note(_text(f"{spec.name}.caption", lang, **fields), subsets, lang),
            sources=sources, command=COMMAND,
        ))
    return rows


def region_sizes(regions: pd.DataFrame) -> dict[str, float]:
    """``region_id -> n_units`` from the ``regions`` table: the size by which the largest
    plans are chosen when a figure cannot show them all (``{}`` without the column)."""
    if "n_units" not in regions.columns:
        return {}
    return dict(zip(regions["region_id"].astype(str),
                    pd.to_numeric(regions["n_units"], errors="coerce").fillna(0), strict=True))
