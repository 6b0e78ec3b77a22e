"""Confusion matrix of the codebook's coding against hand coding (``theme_confusion``).

Cells are counts of sentences; colour is the share of the gold row, a
one-sided quantity, on the sequential scale from 0.  Rows and columns are the
same categories in codebook order, numbered, so that the diagonal (agreement)
runs from top left to bottom right and columns need no long labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from analysis import schema
from analysis.figures.common import check_choice, check_columns, draw_heatmap
from analysis.figures.labels import check_lang, label, order, text
from analysis.figures.sizing import (
    BASE_FONTSIZE,
    figure_sizing,
    n_lines,
    new_figure,
    plot_style,
    target_axes,
    warn_if_unfit,
)
from analysis.figures.style import SEQUENTIAL_CMAP, WIDTH_DOUBLE

__all__ = [
    "confusion_matrix", "LEVELS", "plot_confusion",
]

LEVELS: tuple[str, ...] = ("theme", "domain")


def confusion_matrix(
    theme_confusion: pd.DataFrame, *, half: str = "heldout", level: str = "theme"
) -> pd.DataFrame:
    """Square gold x predicted table of counts for one half and level, codebook order.

    Categories are every code that occurs as gold or predicted; absent
    combinations are 0.
    """
    check_columns(theme_confusion, schema.THEME_CONFUSION, "theme_confusion")
    check_choice("level", level, LEVELS)
    check_choice("half", half, sorted(theme_confusion["half"].astype(str).unique()))
    rows = theme_confusion.loc[(theme_confusion["half"].astype(str) == half)
                               & (theme_confusion["level"].astype(str) == level)]
    if rows.empty:
        raise ValueError(f"theme_confusion has no rows for half {half!r} and level {level!r}")
    codes = order(level, pd.concat([rows["gold"], rows["predicted"]]).astype(str))
    return (
        rows.pivot_table(index="gold", columns="predicted", values="n", aggfunc="sum")
        .reindex(index=codes, columns=codes).fillna(0).astype(int)
    )


def plot_confusion(
    theme_confusion: pd.DataFrame,
    *,
    lang: str = "zh",
    half: str = "heldout",
    level: str = "theme",
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of gold (rows) against predicted (columns) codes, counts in the cells.

    Parameters
    ----------
    theme_confusion : DataFrame (``schema.THEME_CONFUSION``)
    lang : {"zh", "en"}, default "zh"
    half : str, default "heldout"
        Which half of the validation sample (``dev``, ``heldout`` or ``all``);
        the held-out half was not used to tune the codebook.
    level : {"theme", "domain"}, default "theme"
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row per category at the chosen font size.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : Axes, optional
        Draw the heatmap into this axes (its colour bar takes room beside it) and
        return its figure.

    Returns
    -------
    Figure
        Rows labelled "1 Party building", ...; columns by the same numbers;
        diagonal cells outlined; colour is the share of the row's gold count.

    References
    ----------
    Krippendorff, K. (2018). Content Analysis: An Introduction to Its
    Methodology (4th ed.), ch. 12 (reliability).
    """
    check_lang(lang)
    matrix = confusion_matrix(theme_confusion, half=half, level=level)
    counts = matrix.to_numpy(dtype=float)
    row_totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(row_totals > 0, counts / row_totals, np.nan)
    # Empty cells stay white so that the few disagreements stand out.
    shares = np.where(counts > 0, shares, np.nan)
    notes = np.where(counts > 0, counts.astype(int).astype(str), "")
    codes = list(matrix.index)
    n = len(codes)
    size = 1.6 + 0.2 * n
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=min(WIDTH_DOUBLE, size + 2.4),
                           default_cmap=SEQUENTIAL_CMAP)
    row_names = sizing.wrap_labels(
        [f"{i + 1}  {label(level, c, lang)}" for i, c in enumerate(codes)], lang, width=40)
    # Rows as high as their (wrapped) labels need; 0.2 in each in the house layout.
    size = 1.6 + max(0.2, 0.125 * n_lines(row_names)) * n

    # Heatmap columns share about half the width (the theme names take the
    # rest); a count of two digits and its column number need about 1.3 em.
    if sizing.ax is None and sizing.width * 0.5 / n < 1.3 * sizing.pt(6) / 72:
        warn_if_unfit(sizing, sizing.tall(size), figure="confusion",
                      reason=f"its {n} x {n} cells are too small for their counts")
    with plot_style(sizing):
        if sizing.ax is None:
            fig = new_figure(sizing, height=sizing.tall(size))
            grid = fig.add_gridspec(1, 2, width_ratios=[n, 0.35 * sizing.stretch])
            ax = fig.add_subplot(grid[0, 0])
        else:
            fig, ax = target_axes(sizing, height=0.0)
        mesh = draw_heatmap(ax, counts, cmap=sizing.cmap,
                            norm=mcolors.Normalize(vmin=0.0, vmax=1.0),
                            annotations=notes, color_by=shares, fontsize=sizing.pt(6),
                            missing_color="white")
        for i in range(n):
            ax.add_patch(Rectangle((i, i), 1, 1, fill=False, edgecolor="black", linewidth=0.8))
        ax.set_yticklabels(row_names)
        ax.set_xticklabels([str(i + 1) for i in range(n)])
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.set_xlabel(text("predicted", lang))
        ax.set_ylabel(text("gold", lang))
        if sizing.ax is None:
            bar = fig.colorbar(mesh, cax=fig.add_subplot(grid[0, 1]))
        else:
            bar = fig.colorbar(mesh, ax=ax)
        bar.ax.yaxis.set_major_formatter(lambda x, _pos: f"{100 * x:.0f}")
        bar.set_label(text("row_share_pct", lang))
        bar.outline.set_visible(False)
    return fig
