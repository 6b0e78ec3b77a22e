"""Theme and domain composition of each plan (from ``theme_by_region``, ``domain_by_region``).

Shares are one-sided, so the heatmap uses the sequential scale from 0 and the
stacked bars the categorical domain palette; themes and domains are listed in
codebook order and regions in manifest order, the same in every figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis import schema
from analysis.figures.common import (
    check_choice,
    check_columns,
    draw_heatmap,
    percent_labels,
)
from analysis.figures.labels import (
    check_lang,
    column_labels,
    label,
    order,
    region_labels,
    short_label,
    text,
    turned_length,
    wrap,
)
from analysis.figures.regions import MAX_COLUMNS, MAX_ROWS, attach_subsets, select_regions
from analysis.figures.sizing import (
    BASE_FONTSIZE,
    figure_sizing,
    n_lines,
    new_figure,
    plot_style,
    target_axes,
    turn_crowded_ticks,
)
from analysis.figures.style import (
    SEQUENTIAL_CMAP,
    WIDTH_DOUBLE,
    categorical_colors,
    sequential_norm,
    text_color_on,
)

__all__ = [
    "plot_domain_shares", "plot_theme_shares", "SHARE_COLUMNS", "theme_order",
]

SHARE_COLUMNS: tuple[str, ...] = ("share_chars", "share_sentences")


def _select_part(table: pd.DataFrame, part: str, name: str) -> pd.DataFrame:
    parts = sorted(table["part"].dropna().astype(str).unique())
    check_choice("part", part, parts)
    selected = table.loc[table["part"].astype(str) == part]
    if selected.empty:
        raise ValueError(f"{name} has no rows for part {part!r}")
    return selected


def theme_order(table: pd.DataFrame) -> list[str]:
    """Theme ids grouped by domain (codebook order of domains, then of themes).

    A theme that is zero in every region stays (its absence is a finding);
    ``unassigned`` is listed only when some region has unassigned text.
    """
    domains = order("domain", table["domain"])
    by_theme = table.groupby("theme_id", sort=True).agg(
        domain=("domain", "first"), total=("n_chars", "sum")
    )
    keep = by_theme.index[(by_theme.index != "unassigned") | (by_theme["total"] > 0)]
    themes = order("theme", keep)
    rank = {d: i for i, d in enumerate(domains)}
    return sorted(themes, key=lambda t: rank[by_theme.loc[t, "domain"]])


def plot_theme_shares(
    theme_by_region: pd.DataFrame,
    *,
    lang: str = "zh",
    part: str = "plan",
    value: str = "share_chars",
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_COLUMNS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Heatmap of each theme's share of each region's text, themes grouped by domain.

    Parameters
    ----------
    theme_by_region : DataFrame (``schema.THEME_BY_REGION``)
    lang : {"zh", "en"}, default "zh"
    part : str, default "plan"
        Which part of the plans (``plan`` or ``review``).
    value : {"share_chars", "share_sentences"}, default "share_chars"
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_COLUMNS`
        Most region columns drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row per theme at the chosen font size.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell's colour.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: the heatmap has a domain strip, domain names and a colour
        bar beside it, so it needs a figure of its own.

    Returns
    -------
    Figure
        Rows themes, columns regions, cells the share in percent (sequential scale
        from 0); a colour strip and names on the right mark the domains.

    References
    ----------
    Wilke, C. O. (2019). Fundamentals of Data Visualization, ch. 6 (heatmaps).
    """
    check_columns(theme_by_region, schema.THEME_BY_REGION, "theme_by_region")
    check_lang(lang)
    check_choice("value", value, SHARE_COLUMNS)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=SEQUENTIAL_CMAP,
                           panels="a heatmap with a domain strip, domain names and a colour bar")
    table = _select_part(theme_by_region, part, "theme_by_region")
    regions, subset = select_regions(table["region_id"].astype(str).unique(), cap=max_regions,
                                     sizes=region_sizes)
    table = table.loc[table["region_id"].astype(str).isin(set(regions))]
    themes = theme_order(table)
    matrix = (
        table.pivot_table(index="theme_id", columns="region_id", values=value, aggfunc="sum")
        .reindex(index=themes, columns=regions)
    )
    theme_domain = table.groupby("theme_id")["domain"].first()
    domains = order("domain", table["domain"])
    # The domain strip keeps the domain palette; cmap colours the cells.
    colours = categorical_colors(domains)
    values = matrix.to_numpy(dtype=float)

    columns, rotation = column_labels(region_labels(regions, lang).values(), lang,
                                      width=sizing.chars(12))
    theme_names = sizing.wrap_labels([label("theme", t, lang) for t in themes], lang, width=52)
    # Rows as high as their labels need (one line in the house layout).
    row_height = max(0.19, 0.125 * n_lines(theme_names))
    with plot_style(sizing):
        fig_height = sizing.tall(
            1.4 + row_height * len(themes)
            + (turned_length(columns, fontsize=7) if rotation else 0))
        fig = new_figure(sizing, height=fig_height)
        grid = fig.add_gridspec(2, 3, width_ratios=[len(regions), 0.18, 2.6],
                                height_ratios=[len(themes), 0.35])
        ax = fig.add_subplot(grid[0, 0])
        mesh = draw_heatmap(ax, values, cmap=sizing.cmap, norm=sequential_norm(values),
                            annotations=percent_labels(values), fontsize=sizing.pt(6.5))
        ax.set_yticklabels(theme_names)
        ax.set_xticklabels(columns, rotation=rotation)
        ax.xaxis.tick_top()

        strip = fig.add_subplot(grid[0, 1], sharey=ax)
        strip.barh(np.arange(len(themes)) + 0.5, 1.0, height=1.0, left=0.0,
                   color=[colours[theme_domain[t]] for t in themes],
                   edgecolor="white", linewidth=0.6)
        strip.set_xlim(0, 1)
        strip.set_axis_off()

        names = fig.add_subplot(grid[0, 2], sharey=ax)
        names.set_axis_off()
        for domain in domains:
            rows = [i for i, t in enumerate(themes) if theme_domain[t] == domain]
            if rows:
                names.text(0.02, (rows[0] + rows[-1] + 1) / 2,
                           wrap(label("domain", domain, lang), lang, width=sizing.chars(34)),
                           va="center", ha="left", fontsize=sizing.pt(6.5), color="black")
        cax = fig.add_subplot(grid[1, 0])
        bar = fig.colorbar(mesh, cax=cax, orientation="horizontal")
        bar.ax.xaxis.set_major_formatter(lambda x, _pos: f"{100 * x:.0f}")
        bar.set_label(text("share_chars_pct" if value == "share_chars" else "share_sentences_pct",
                           lang))
        bar.outline.set_visible(False)
        if not sizing.house and not rotation:
            turn_crowded_ticks(ax)
    return attach_subsets(fig, subset)


def plot_domain_shares(
    domain_by_region: pd.DataFrame,
    *,
    lang: str = "zh",
    part: str = "plan",
    value: str = "share_chars",
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_ROWS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: Axes | None = None,
) -> Figure:
    """Stacked horizontal bars: how each region's text divides among the domains.

    Parameters
    ----------
    domain_by_region : DataFrame (``schema.DOMAIN_BY_REGION``)
    lang : {"zh", "en"}, default "zh"
    part : str, default "plan"
    value : {"share_chars", "share_sentences"}, default "share_chars"
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_ROWS`
        Most bars drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row per region at the chosen font size.
    cmap : str or Colormap, optional
        Colours of the domains: a qualitative map gives its colours in order, a
        continuous one is sampled evenly (default: the Okabe-Ito palette).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : Axes, optional
        Draw into this axes (the legend goes below it) and return its figure.

    Returns
    -------
    Figure
        One bar per region shown (manifest order, top to bottom), one segment per domain
        (codebook order, Okabe-Ito colours) labelled with its percentage when it
        is at least 4%; the legend is below the bars.
    """
    check_columns(domain_by_region, schema.DOMAIN_BY_REGION, "domain_by_region")
    check_lang(lang)
    check_choice("value", value, SHARE_COLUMNS)
    table = _select_part(domain_by_region, part, "domain_by_region")
    totals = table.groupby("domain")["n_chars"].sum()
    domains = [d for d in order("domain", table["domain"])
               if d != "unassigned" or totals.get(d, 0) > 0]
    regions, subset = select_regions(table["region_id"].astype(str).unique(), cap=max_regions,
                                     sizes=region_sizes)
    matrix = (
        table.pivot_table(index="region_id", columns="domain", values=value, aggfunc="sum")
        .reindex(index=regions, columns=domains).fillna(0.0)
    )
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=None)
    colours = sizing.colors(domains)
    label_width = sizing.chars(36)
    n_cols = 4 if lang == "zh" else 3
    domain_names = {d: wrap(label("domain", d, lang), lang, width=label_width) for d in domains}
    legend_height = 0.0
    if sizing.narrow:
        # Two legend columns, each label wrapped to its column (a Latin
        # character half an em; the handle takes about six), at most three lines.
        n_cols = 2
        room = int(sizing.width * 72 / n_cols / (0.5 * sizing.pt(7))) - 6
        domain_names = {d: short_label(label("domain", d, lang), lang, width=room, max_lines=3)
                        for d in domains}
        lines = [n_lines([domain_names[d] for d in domains[i:i + n_cols]])
                 for i in range(0, len(domains), n_cols)]
        # The legend's rows below the bars, beyond the one line the house layout allows.
        legend_height = (sum(lines) - len(lines) / 2) * 1.25 * 7 / 72

    with plot_style(sizing):
        fig, ax = target_axes(sizing,
                              height=sizing.tall(1.2 + 0.42 * len(regions) + legend_height))
        left = np.zeros(len(regions))
        y = np.arange(len(regions))
        for domain in domains:
            widths = matrix[domain].to_numpy(dtype=float)
            bars = ax.barh(y, widths, left=left, height=0.7, color=colours[domain],
                           edgecolor="white", linewidth=0.5,
                           label=domain_names[domain])
            for rect, share in zip(bars, widths, strict=True):
                if share >= 0.04:
                    ax.text(rect.get_x() + share / 2, rect.get_y() + rect.get_height() / 2,
                            f"{100 * share:.0f}", ha="center", va="center",
                            fontsize=sizing.pt(6.5),
                            color=text_color_on(rect.get_facecolor()))
            left += widths
        ax.set_yticks(y, list(region_labels(regions, lang).values()))
        ax.set_ylim(len(regions) - 0.5, -0.5)
        ax.set_xlim(0, max(1.0, float(left.max())))
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{100 * x:.0f}")
        ax.set_xlabel(text("share_chars_pct" if value == "share_chars" else "share_sentences_pct",
                           lang))
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        handles = [Patch(facecolor=colours[d], label=domain_names[d]) for d in domains]
        if sizing.ax is None:
            fig.legend(handles=handles, loc="outside lower center", ncol=n_cols,
                       frameon=False, title=text("domain", lang))
        else:
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15),
                      ncol=n_cols, frameon=False, title=text("domain", lang))
    return attach_subsets(fig, subset)
