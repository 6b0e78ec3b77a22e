"""Keyness bars and word clouds per region (from ``keyness`` and ``keywords``).

Keyness is a difference (a region against the rest), so its bars use the two
ends of the diverging scale: red for words a region uses more, blue for words
it uses less.  Word clouds show plain frequency and use the sequential scale.
Tokens are shown as written (Chinese) in both languages; only the surrounding
text changes with ``lang``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import pyplot as plt
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from analysis.config import RANDOM_STATE
from analysis.figures.clouds import draw_word_cloud, word_cloud_layout
from analysis.figures.common import check_choice, check_columns, check_positive
from analysis.figures.labels import check_lang, order, region_labels, text, wrap
from analysis.figures.regions import MAX_PANELS, attach_subsets, select_regions
from analysis.figures.sizing import (
    BASE_FONTSIZE,
    figure_sizing,
    new_figure,
    plot_style,
    warn_if_unfit,
)
from analysis.figures.style import DIVERGING_CMAP, SEQUENTIAL_CMAP, WIDTH_DOUBLE

# The word choice lives with the statistics; these names stay importable from here.
from analysis.text.keyness import one_vs_rest, top_keywords

__all__ = [
    "CLOUD_TABLE_COLUMNS", "G2_CRITICAL", "KEYNESS_COLUMNS", "keyness_columns",
    "KEYNESS_TABLE_COLUMNS", "keyness_grid", "one_vs_rest",
    "OVER_COLOR", "plot_keyness", "plot_word_clouds", "top_keywords", "UNDER_COLOR", "WEIGHTS",
]

#: G² at p = 0.05 with one degree of freedom.
G2_CRITICAL: float = 3.841458820694124
OVER_COLOR: str = colormaps[DIVERGING_CMAP](0.9)
UNDER_COLOR: str = colormaps[DIVERGING_CMAP](0.1)
WEIGHTS: tuple[str, ...] = ("per_10k", "n")
#: The columns of ``keyness`` that :func:`plot_keyness` reads (the build reads no others).
KEYNESS_TABLE_COLUMNS: tuple[str, ...] = ("target", "reference", "token", "g2", "log_ratio")
#: The columns of ``keywords`` that :func:`plot_word_clouds` reads.
CLOUD_TABLE_COLUMNS: tuple[str, ...] = ("region_id", "token", *WEIGHTS)


def _ends(cmap: Colormap) -> tuple[tuple[float, ...], tuple[float, ...]]:
    # Over-used words take the top end of the diverging map, under-used the bottom.
    return cmap(0.9), cmap(0.1)


def _panel_grid(n_panels: int, n_cols: int) -> tuple[int, int]:
    return math.ceil(n_panels / n_cols), n_cols


#: Keyness panels a row: three fit 15 labelled bars each on a double-column width.
KEYNESS_COLUMNS: int = 3
# Height (inches) added above the panels when the legend is a strip of its own.
_LEGEND_STRIP: float = 0.25


def keyness_columns(room: float) -> int:
    """Most keyness panels a row for a figure ``room`` times as wide as the house layout.

    ``room`` is the width over the house width divided by the font scale
    (characters across, relative to the house layout): three panels at the
    house width, two down to a third of it (a single journal column), else one.
    """
    if room >= 0.7:
        return KEYNESS_COLUMNS
    return 2 if room >= 1 / 3 else 1


def keyness_grid(n_panels: int, *, n_cols: int = KEYNESS_COLUMNS) -> tuple[int, int, bool]:
    """Rows and columns of the keyness panels, and whether the legend sits in the grid.

    The legend never takes a row of its own (a panel-high blank band before the
    x label): it fills the empty cells of the last row when there are any, and
    is a one-line strip above the grid when the panels fill every row.  One
    panel gets two columns (panel and legend).

    Parameters
    ----------
    n_panels : int
        Regions drawn (at least 1).
    n_cols : int, default :data:`KEYNESS_COLUMNS`
        Most panels a row.

    Returns
    -------
    (n_rows, n_cols, legend_in_grid) : tuple of int, int, bool
    """
    check_positive("n_panels", n_panels)
    n_cols = min(n_cols, n_panels + 1)
    return math.ceil(n_panels / n_cols), n_cols, n_panels % n_cols != 0


def _top_of_comparisons(keyness: pd.DataFrame, comparisons: pd.DataFrame, *, n_over: int,
                        n_under: int) -> pd.DataFrame:
    """:func:`analysis.text.keyness.top_keywords` of the rows of ``comparisons`` only.

    One comparison at a time, in sorted (target, reference) order, as
    ``top_keywords`` orders them; its own recognition of the one-versus-rest
    comparisons would need every target's rows.
    """
    wanted = pd.MultiIndex.from_frame(comparisons.loc[:, ["target", "reference"]])
    keys = pd.MultiIndex.from_arrays([keyness["target"].astype(str),
                                      keyness["reference"].astype(str)])
    rows = keyness.loc[keys.isin(wanted)]
    parts = [top_keywords(group, n_over=n_over, n_under=n_under)
             for _pair, group in rows.groupby(["target", "reference"], sort=True)]
    if not parts:
        return rows.assign(signed_g2=pd.Series(dtype=float)).reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)


def plot_keyness(
    keyness: pd.DataFrame,
    *,
    lang: str = "zh",
    n_over: int = 10,
    n_under: int = 5,
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_PANELS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Bars of signed G² for each region's most over- and under-used words.

    Parameters
    ----------
    keyness : DataFrame (``schema.KEYNESS``, or only its :data:`KEYNESS_TABLE_COLUMNS`)
        One comparison (any :func:`analysis.text.keyness.keyness` result, e.g.
        2021 against other years) is one panel titled "<target> vs <reference>";
        of a table of several (:func:`analysis.text.keyness.keyness_by_region`)
        the one-versus-rest comparisons are drawn, a panel per region.
    lang : {"zh", "en"}, default "zh"
    n_over, n_under : int, default 10 and 5
        Words per region used more / less than in the other regions pooled.
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_PANELS`
        Most panels drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row of bars per word at the chosen font size.
    cmap : str or Colormap, optional
        Diverging map whose ends colour over- and under-used words (default
        :data:`analysis.figures.style.DIVERGING_CMAP`).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: one panel per region needs a figure of its own.

    Returns
    -------
    Figure
        One panel per region shown (manifest order, :data:`KEYNESS_COLUMNS` a
        row) sharing the G² axis, and the legend in the free cells of the last
        row or, when the panels fill it, above the grid (:func:`keyness_grid`);
        bars at or beyond the dashed lines (G² = 3.84) are significant at
        p = 0.05 (uncorrected), shorter ones are drawn lighter.

    References
    ----------
    Dunning, T. (1993). Accurate methods for the statistics of surprise and
    coincidence. Computational Linguistics, 19(1), 61-74.
    """
    check_columns(keyness, KEYNESS_TABLE_COLUMNS, "keyness")
    check_lang(lang)
    # One comparison is one panel; several are read as one region against the rest each.
    pairs = keyness.loc[:, ["target", "reference"]].astype(str).drop_duplicates()
    single = len(pairs) == 1
    # The comparisons are recognised on the distinct (target, reference) pairs,
    # not on every row: a thousand plans' keyness has 1.4 M rows.
    compared = pairs if single else one_vs_rest(pairs)
    # Regions are chosen before the words, so the cost does not grow with the corpus.
    regions, subset = select_regions(compared["target"].unique(), cap=max_regions,
                                     sizes=region_sizes)
    selected = _top_of_comparisons(keyness, compared.loc[compared["target"].isin(set(regions))],
                                   n_over=n_over, n_under=n_under)
    regions = order("region", selected["target"])
    names = ({t: f"{t} vs {r}" for t, r in pairs.itertuples(index=False)} if single
             else region_labels(regions, lang))
    max_bars = int(selected.groupby("target").size().max())
    limit = float(selected["signed_g2"].abs().max()) * 1.05
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=DIVERGING_CMAP,
                           panels="one panel per region")
    n_rows, n_cols, legend_in_grid = keyness_grid(
        len(regions), n_cols=keyness_columns(sizing.stretch / sizing.scale))
    if sizing.narrow:
        # Titles start over the bars, right of the words: wrapped to half their
        # panel (a Latin character about 0.55 em).
        room = 0.5 * sizing.width * 72 / n_cols / (0.55 * sizing.pt(8))
        names = {r: wrap(names[r], lang, width=max(8, int(room))) for r in regions}
    if single:
        # One comparison: the legend names its target ("used more in 2021"),
        # not "this region".
        target = str(pairs["target"].iloc[0])
        legend_text = {key: text(f"{key}_target", lang, fields={"target": target})
                       for key in ("overused", "underused", "signed_g2")}
    else:
        legend_text = {key: text(key, lang) for key in ("overused", "underused", "signed_g2")}
    if sizing.narrow:
        # The legend shares a row with a panel: its labels wrapped to the panel.
        for key in ("overused", "underused"):
            legend_text[key] = wrap(legend_text[key], lang, width=sizing.chars(40, minimum=12))
    over_color, under_color = _ends(sizing.cmap)
    fig_height = sizing.tall(
        0.6 + n_rows * (0.45 + 0.14 * max_bars) + (0.0 if legend_in_grid else _LEGEND_STRIP))
    warn_if_unfit(sizing, fig_height, figure="keyness")

    with plot_style(sizing):
        fig = new_figure(sizing, height=fig_height)
        axes = fig.subplots(n_rows, n_cols, sharex=True, squeeze=False)
        flat = axes.ravel()
        for index, (ax, region) in enumerate(zip(flat, regions, strict=False)):
            rows = selected.loc[selected["target"] == region]
            y = np.arange(len(rows))
            significant = rows["g2"].to_numpy() >= G2_CRITICAL
            colours = [over_color if v > 0 else under_color for v in rows["signed_g2"]]
            ax.barh(y, rows["signed_g2"], color=colours, height=0.75,
                    alpha=None, edgecolor="none")
            for patch, sig in zip(ax.patches, significant, strict=True):
                patch.set_alpha(1.0 if sig else 0.4)
            ax.set_yticks(y, rows["token"].tolist())
            ax.set_ylim(max_bars - 0.5, -0.5)
            ax.set_xlim(-limit, limit)
            if sizing.narrow:
                # Three ticks (−a, 0, a): more run into each other in a narrow panel.
                ax.xaxis.set_major_locator(MaxNLocator(nbins=2, symmetric=True))
            for x in (-G2_CRITICAL, G2_CRITICAL):
                ax.axvline(x, color="0.35", linestyle=(0, (3, 2)), linewidth=0.6)
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_title(names[region], loc="left")
            ax.xaxis.set_tick_params(labelbottom=index + n_cols >= len(regions))
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
        handles = [Patch(color=over_color, label=legend_text["overused"]),
                   Patch(color=under_color, label=legend_text["underused"]),
                   plt.Line2D([], [], color="0.35", linestyle=(0, (3, 2)), linewidth=0.6,
                              label=text("p05", lang))]
        if legend_in_grid:
            # The free cells of the last row become one axes holding the legend.
            for ax in flat[len(regions):]:
                ax.remove()
            first_free = len(regions) - (n_rows - 1) * n_cols
            legend_ax = fig.add_subplot(axes[0, 0].get_gridspec()[n_rows - 1, first_free:])
            legend_ax.set_axis_off()
            legend_ax.legend(handles=handles, loc="center", frameon=False)
        else:
            # Above the panels: below them, constrained layout would set it on
            # the shared x label.
            fig.legend(handles=handles, loc="outside upper center", ncol=3, frameon=False)
        fig.supxlabel(wrap(legend_text["signed_g2"], lang, width=sizing.chars(90, minimum=30)),
                      fontsize=sizing.pt(8))
    return attach_subsets(fig, subset)


def plot_word_clouds(
    keywords: pd.DataFrame,
    *,
    lang: str = "zh",
    n_words: int = 60,
    weight: str = "per_10k",
    random_state: int = RANDOM_STATE,
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_PANELS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """One word cloud per region, word size by frequency.

    Parameters
    ----------
    keywords : DataFrame (``schema.KEYWORD_FREQUENCIES``)
    lang : {"zh", "en"}, default "zh"
        Language of the panel titles (the words stay as written).
    n_words : int, default 60
        The most frequent words per region (ties broken by the word).
    weight : {"per_10k", "n"}, default "per_10k"
        Rate per 10,000 tokens or raw count (same order within a region).
    random_state : int, default ``analysis.config.RANDOM_STATE``
        Seed of the layout; the same seed gives the same picture.
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_PANELS`
        Most clouds drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: the clouds keep their aspect ratio at the chosen width.
    cmap : str or Colormap, optional
        Colour map of the words by weight (default
        :data:`analysis.figures.style.SEQUENTIAL_CMAP`).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: one panel per region needs a figure of its own.

    Returns
    -------
    Figure
        Panels of the regions shown in manifest order, three per row, each drawn as vector text with
        the project font (see :mod:`analysis.figures.clouds`).
    """
    check_columns(keywords, CLOUD_TABLE_COLUMNS, "keywords")
    check_lang(lang)
    check_positive("n_words", n_words)
    check_choice("weight", weight, WEIGHTS)
    regions, subset = select_regions(keywords["region_id"].astype(str).unique(),
                                     cap=max_regions, sizes=region_sizes)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=SEQUENTIAL_CMAP,
                           panels="one panel per region")
    # Two clouds a row when three would print the smallest words below 2.5 pt.
    n_rows, n_cols = _panel_grid(len(regions), 3 if sizing.stretch > 0.7 else 2)
    names = region_labels(regions, lang)
    canvas_w, canvas_h = 800, 560
    fig_w = sizing.width
    panel_w = fig_w / n_cols
    # Narrow panels get titles wrapped to their width (a Latin character about
    # 0.55 em); the title row grows by a line for each line the longest title adds.
    titles = {region: names[region] if not sizing.narrow else
              wrap(names[region], lang, width=int(panel_w * 72 / (0.55 * sizing.pt(9))))
              for region in regions}
    extra_lines = max(title.count("\n") for title in titles.values()) if titles else 0
    title_h = 0.25 * sizing.scale + extra_lines * 1.2 * sizing.pt(9) / 72
    cloud_h = panel_w * canvas_h / canvas_w
    if sizing.height is not None:
        cloud_h = min(cloud_h, sizing.height / n_rows - title_h)
    fig_h = n_rows * (cloud_h + title_h)

    with plot_style(sizing):
        fig = new_figure(sizing, height=fig_h, layout=None)
        for i, region in enumerate(regions):
            rows = keywords.loc[(keywords["region_id"] == region) & (keywords[weight] > 0)]
            frequencies = rows.groupby("token")[weight].sum()
            # A wide margin keeps neighbouring words from reading as one; the
            # minimum size (22 of 800 px) prints at about 4.5 pt.
            layout = word_cloud_layout(frequencies, width=canvas_w, height=canvas_h,
                                       max_words=n_words, margin=14, min_font_size=22,
                                       random_state=random_state)
            row, col = divmod(i, n_cols)
            bottom = fig_h - (row + 1) * (cloud_h + title_h)
            # Fixed axes positions (no layout engine): the cloud's font sizes are
            # computed from the axes' final size.
            ax = fig.add_axes([col * panel_w / fig_w + 0.01, bottom / fig_h,
                               panel_w / fig_w - 0.02, cloud_h / fig_h])
            draw_word_cloud(ax, layout, width=canvas_w, height=canvas_h, cmap=sizing.cmap)
            fig.text((col + 0.5) * panel_w / fig_w, (bottom + cloud_h + 0.04) / fig_h,
                     titles[region], ha="center", va="bottom", fontsize=sizing.pt(9))
    return attach_subsets(fig, subset)
