"""Similarity of the plans: a clustered heatmap and per-theme small multiples.

Cosine similarity is one-sided (0 to 1), so both figures use the sequential
scale.  The dendrogram is redrawn from the ``region_linkage`` table (scipy's
linkage matrix as tidy rows) rather than recomputed, so the figure shows
exactly the clustering the table reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import pyplot as plt
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from scipy.cluster import hierarchy

from analysis import schema

if TYPE_CHECKING:
    # Only for the annotation: the figures do not import the text statistics at run time.
    from analysis.text.clustering import RegionLinkage
from analysis.figures.common import check_columns, draw_heatmap
from analysis.figures.labels import (
    check_lang,
    column_labels,
    label,
    order,
    region_labels,
    text,
    turned_length,
    wrap,
)
from analysis.figures.regions import (
    MAX_MATRIX,
    MAX_THEME_MATRIX,
    attach_subsets,
    induced_linkage,
    select_regions,
)
from analysis.figures.sizing import (
    BASE_FONTSIZE,
    CM_PER_INCH,
    MAX_HEIGHT_CM,
    figure_sizing,
    new_figure,
    plot_style,
    turn_crowded_ticks,
    warn_if_unfit,
)
from analysis.figures.style import SEQUENTIAL_CMAP, WIDTH_DOUBLE, WIDTH_MEDIUM

__all__ = [
    "linkage_matrix", "linkage_steps", "plot_region_similarity", "plot_theme_similarity",
    "square_matrix",
]

_PAIR_COLUMNS = ["region_a", "region_b", "cosine"]


def square_matrix(pairs: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Symmetric region x region matrix of ``cosine`` from unordered pairs; NaN where absent.

    The diagonal is left NaN: a plan's similarity with itself is 1 by
    definition and says nothing.
    """
    # Positions are looked up once and filled in one numpy assignment: the pairs
    # grow with the square of the regions, and .loc per pair took seconds at 100.
    position = {r: i for i, r in enumerate(regions)}
    values = np.full((len(regions), len(regions)), np.nan)
    rows = pairs.loc[pairs["region_a"].isin(position) & pairs["region_b"].isin(position)]
    a = rows["region_a"].map(position).to_numpy(dtype=int)
    b = rows["region_b"].map(position).to_numpy(dtype=int)
    cosine = rows["cosine"].to_numpy(dtype=float)
    values[a, b] = cosine
    values[b, a] = cosine
    return pd.DataFrame(values, index=list(regions), columns=list(regions))


def linkage_steps(region_linkage: pd.DataFrame | RegionLinkage) -> pd.DataFrame:
    """The ``steps`` table of a clustering given either way.

    ``region_linkage`` is the ``region_linkage`` table (``schema.REGION_LINKAGE``)
    or the :class:`analysis.text.clustering.RegionLinkage` that
    ``region_linkage()`` returns, whose ``leaves`` table must then name the
    same regions as the steps do.
    """
    if isinstance(region_linkage, pd.DataFrame):
        return region_linkage
    steps = getattr(region_linkage, "steps", None)
    leaves = getattr(region_linkage, "leaves", None)
    if not isinstance(steps, pd.DataFrame) or not isinstance(leaves, pd.DataFrame):
        raise TypeError(
            "region_linkage must be the region_linkage table (a DataFrame) or the "
            f"RegionLinkage(steps, leaves) region_linkage() returns, got {type(region_linkage)!r}"
        )
    check_columns(leaves, schema.REGION_LINKAGE_LEAVES, "region_linkage.leaves")
    _, from_steps = _linkage_from_steps(steps)
    from_leaves = leaves.sort_values("leaf")["region_id"].astype(str).tolist()
    if from_steps != from_leaves:
        raise ValueError("region_linkage.steps and region_linkage.leaves name different regions")
    return steps


def _linkage_from_steps(steps: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    check_columns(steps, schema.REGION_LINKAGE, "region_linkage")
    steps = steps.sort_values("step", kind="stable")
    n_leaves = len(steps) + 1
    leaves: dict[int, str] = {}
    for row in steps.itertuples(index=False):
        for cluster, name in ((row.cluster_a, row.label_a), (row.cluster_b, row.label_b)):
            if int(cluster) < n_leaves:
                leaves[int(cluster)] = str(name)
    if sorted(leaves) != list(range(n_leaves)):
        raise ValueError("region_linkage does not merge each leaf exactly once")
    z = steps[["cluster_a", "cluster_b", "distance", "size"]].to_numpy(dtype=float)
    return z, [leaves[i] for i in range(n_leaves)]


def linkage_matrix(region_linkage: pd.DataFrame | RegionLinkage) -> tuple[np.ndarray, list[str]]:
    """scipy's linkage matrix and the region of each leaf, from the ``region_linkage`` table.

    Accepts the table or the ``RegionLinkage`` that
    :func:`analysis.text.clustering.region_linkage` returns (:func:`linkage_steps`).
    Every leaf is merged exactly once, and the row that merges it names it in
    ``label_a`` or ``label_b``, so the leaf-to-region map is read from the same
    table.
    """
    return _linkage_from_steps(linkage_steps(region_linkage))


def plot_region_similarity(
    similarity_regions: pd.DataFrame,
    region_linkage: pd.DataFrame | RegionLinkage,
    *,
    lang: str = "zh",
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_MATRIX,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Heatmap of plan-to-plan cosine similarity under its clustering dendrogram.

    Parameters
    ----------
    similarity_regions : DataFrame (``schema.SIMILARITY_REGIONS``)
    region_linkage : DataFrame (``schema.REGION_LINKAGE``) or RegionLinkage
        The clustering of the same regions, as the table or as
        ``analysis.text.clustering.region_linkage(...)`` returns it; rows and
        columns follow its leaf order.
    lang : {"zh", "en"}, default "zh"
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
        The dendrogram is then the table's tree restricted to those regions
        (:func:`analysis.figures.regions.induced_linkage`): same merge heights.
    max_regions : int, default :data:`analysis.figures.regions.MAX_MATRIX`
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_MEDIUM`).
    height : float or None, default None
        Centimetres; None: cells about square at the chosen width, plus the dendrogram.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: the dendrogram, heatmap and colour bar need a figure of their own.

    Returns
    -------
    Figure
        Dendrogram (height = 1 - cosine) above a heatmap annotated with the
        cosines; the colour scale spans the observed off-diagonal range, rounded
        out to tenths, and the diagonal is left blank.

    References
    ----------
    Sokal, R. R., & Michener, C. D. (1958). A statistical method for evaluating
    systematic relationships. University of Kansas Science Bulletin, 38, 1409-1438.
    """
    if {"group_a", "group_b"} <= set(similarity_regions.columns):
        # A similarity_by_group table over regions draws the same way.
        similarity_regions = similarity_regions.rename(columns={"group_a": "region_a",
                                                                "group_b": "region_b"})
    check_columns(similarity_regions, _PAIR_COLUMNS, "similarity_regions")
    check_lang(lang)
    z, leaf_regions = linkage_matrix(region_linkage)
    in_pairs = set(similarity_regions["region_a"]) | set(similarity_regions["region_b"])
    if set(leaf_regions) != in_pairs:
        raise ValueError(
            f"region_linkage clusters {sorted(leaf_regions)} but similarity_regions has "
            f"{sorted(in_pairs)}"
        )
    shown, subset = select_regions(leaf_regions, cap=max_regions, sizes=region_sizes)
    if subset.is_subset:
        z, leaf_regions = induced_linkage(z, leaf_regions, shown)
    tree = hierarchy.dendrogram(z, no_plot=True)
    regions = [leaf_regions[i] for i in tree["leaves"]]
    matrix = square_matrix(similarity_regions, regions)
    values = matrix.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    norm = mcolors.Normalize(vmin=math.floor(finite.min() * 10) / 10,
                             vmax=math.ceil(finite.max() * 10) / 10)
    notes = np.where(np.isfinite(values), np.vectorize(lambda v: f"{v:.2f}")(values), "")
    np.fill_diagonal(notes, "–")
    n = len(regions)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_MEDIUM, default_cmap=SEQUENTIAL_CMAP,
                           panels="a dendrogram above a heatmap with a colour bar")
    # Rows are 0.62 in high for a few regions; with more, about as high as the
    # cells are wide (3.8 in of heatmap shared by n columns), so it stays square-ish.
    row_height = min(0.62, 3.8 / n) * sizing.stretch
    names = list(region_labels(regions, lang).values())
    columns, rotation = column_labels(names, lang, width=sizing.chars(12))
    extra = turned_length(columns, fontsize=sizing.pt(7)) if rotation else 0.0
    fig_height = (sizing.height if sizing.height is not None
                  else 1.8 * sizing.scale + row_height * n + extra)

    with plot_style(sizing):
        fig = new_figure(sizing, height=fig_height)
        grid = fig.add_gridspec(2, 2, width_ratios=[n, 0.22], height_ratios=[1.3, n])
        tree_ax = fig.add_subplot(grid[0, 0])
        hierarchy.dendrogram(z, ax=tree_ax, no_labels=True, color_threshold=0,
                             above_threshold_color="0.2")
        tree_ax.set_xlim(0, 10 * n)
        # The axis title is wrapped when longer than the tree is high (an
        # em a Chinese character, half one a Latin), so it is not cut off.
        tree_height = (fig_height - 1.2 * sizing.scale) * 1.3 / (n + 1.3)
        distance = text("distance", lang)
        if turned_length([distance], fontsize=sizing.pt(7)) > tree_height:
            # First break before the bracket, so "余弦相似度" stays whole; wrap a line
            # only if it is still longer than the tree is high.
            room = int(tree_height * 72 / (0.5 * sizing.pt(7)))
            lines = distance.replace("（", "\n（", 1).replace(" (", "\n(", 1).split("\n")
            distance = "\n".join(
                line if turned_length([line], fontsize=sizing.pt(7)) <= tree_height
                else wrap(line, lang, width=max(6, room)) for line in lines)
        tree_ax.set_ylabel(distance, fontsize=sizing.pt(7))
        tree_ax.spines[["top", "right", "bottom"]].set_visible(False)
        tree_ax.tick_params(axis="x", length=0)
        ax = fig.add_subplot(grid[1, 0])
        mesh = draw_heatmap(ax, values, cmap=sizing.cmap, norm=norm, annotations=notes,
                            fontsize=sizing.pt(7), missing_color="white")
        ax.set_yticklabels([wrap(name, lang, width=sizing.chars(22)) for name in names])
        ax.set_xticklabels(columns, rotation=rotation)
        cax = fig.add_subplot(grid[1, 1])
        bar = fig.colorbar(mesh, cax=cax)
        bar.set_label(text("cosine", lang))
        bar.outline.set_visible(False)
        if not sizing.house and not rotation:
            turn_crowded_ticks(ax)
    return attach_subsets(fig, subset)


def plot_theme_similarity(
    similarity_by_theme: pd.DataFrame,
    *,
    lang: str = "zh",
    n_cols: int | None = None,
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_THEME_MATRIX,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Small multiples: within each theme, the cosine similarity of every pair of plans.

    Parameters
    ----------
    similarity_by_theme : DataFrame (``schema.SIMILARITY_BY_THEME``)
    lang : {"zh", "en"}, default "zh"
    n_cols : int, optional
        Panels per row (default 4, or 5-6 when 4 would be taller than a page; 2 when the
        figure is narrower than the house width).
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_THEME_MATRIX`
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: cells of a size for their labels at the chosen font size.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: one panel per theme needs a figure of its own.

    Returns
    -------
    Figure
        One panel per theme with at least one compared pair (codebook order),
        each the lower triangle of a region x region matrix (manifest order);
        grey cells mark regions with too few sentences on the theme.  All panels
        share one sequential scale from 0 to 1.
    """
    check_columns(similarity_by_theme, ["theme", *_PAIR_COLUMNS], "similarity_by_theme")
    check_lang(lang)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=SEQUENTIAL_CMAP,
                           panels="one panel per theme")
    if n_cols is not None and (not isinstance(n_cols, int) or n_cols < 1):
        raise ValueError(f"n_cols must be a positive integer, got {n_cols!r}")
    pairs = similarity_by_theme.loc[similarity_by_theme["cosine"].notna()]
    if pairs.empty:
        raise ValueError("similarity_by_theme has no compared pair")
    themes = order("theme", pairs["theme"])
    regions, subset = select_regions(
        pd.concat([similarity_by_theme["region_a"], similarity_by_theme["region_b"]]).unique(),
        cap=max_regions, sizes=region_sizes)
    n = len(regions)
    norm = mcolors.Normalize(vmin=0.0, vmax=1.0)
    lower = np.tril(np.ones((n, n), dtype=bool), k=-1)
    names = list(region_labels(regions, lang).values())
    short = [wrap(name, lang, width=12 if lang == "en" else 10) for name in names]
    # Chinese names are short enough to stay upright (rotated Chinese reads
    # sideways) unless told apart by their ids; English names are turned.
    columns, rotation = column_labels(names, lang, width=10)
    if lang == "en":
        columns, rotation = short, 90
    extra = turned_length(columns, fontsize=6) if rotation and lang == "zh" else 0.0

    def height_of(cols: int) -> float:
        return sizing.tall(1.0 + math.ceil(len(themes) / cols) * (0.3 + 0.24 * n) + extra)

    if n_cols is None:
        # Four panels a row (two when narrow); one or two more when four would make the
        # figure taller than a page (a sixth plan adds a row and a column to every panel).
        choices = [2] if sizing.narrow else [4, 5, 6]
        n_cols = next((c for c in choices if height_of(c) * CM_PER_INCH <= MAX_HEIGHT_CM),
                      choices[0])
    n_rows = math.ceil(len(themes) / n_cols)

    with plot_style(sizing):
        fig_height = height_of(n_cols)
        warn_if_unfit(sizing, fig_height, figure="theme similarity")
        fig = new_figure(sizing, height=fig_height)
        axes = fig.subplots(n_rows, n_cols, squeeze=False)
        mesh = None
        for index, ax in enumerate(axes.ravel()):
            if index >= len(themes):
                ax.set_axis_off()
                continue
            theme = themes[index]
            matrix = square_matrix(pairs.loc[pairs["theme"] == theme], regions)
            values = matrix.to_numpy(dtype=float)
            shown = np.where(lower, values, np.nan)
            # Compared pairs carry their value; pairs left out are grey; the
            # upper triangle and the diagonal are blank (white).
            grey = lower & ~np.isfinite(values)
            notes = np.where(lower & np.isfinite(values),
                             np.vectorize(lambda v: f"{v:.2f}")(np.nan_to_num(values)), "")
            mesh = draw_heatmap(ax, shown, cmap=sizing.cmap, norm=norm, annotations=notes,
                                fontsize=sizing.pt(5.5), missing_color="white")
            for i, j in zip(*np.nonzero(grey), strict=True):
                ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor="#d9d9d9",
                                           edgecolor="white", linewidth=0.6))
            ax.set_title(wrap(label("theme", theme, lang), lang, width=28),
                         fontsize=sizing.pt(7.5))
            row, col = divmod(index, n_cols)
            last_in_column = index + n_cols >= len(themes)
            ax.set_yticks(np.arange(1, n) + 0.5, short[1:] if col == 0 else [])
            ax.set_xticks(np.arange(n - 1) + 0.5, columns[:-1] if last_in_column else [],
                          rotation=rotation)
            ax.set_ylim(n, 1)
            ax.set_xlim(0, n - 1)
            ax.tick_params(labelsize=sizing.pt(6))
        bar = fig.colorbar(mesh, ax=axes, orientation="horizontal", shrink=0.5, aspect=40,
                           location="bottom")
        bar.set_label(text("cosine", lang))
        bar.outline.set_visible(False)
    return attach_subsets(fig, subset)
