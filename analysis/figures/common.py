"""Argument checks and drawing pieces shared by the figure families."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh

from analysis.figures.style import text_color_on

__all__ = [
    "check_choice", "check_columns", "check_positive", "draw_heatmap", "MISSING_COLOR",
    "percent_labels",
]

_CHOICE = "{name} must be one of {allowed}, got {value!r}"

#: Colour of cells with no value (not compared, not applicable).
MISSING_COLOR: str = "#d9d9d9"


def check_columns(table: pd.DataFrame, required: Sequence[str], name: str) -> None:
    """Raise ``ValueError`` naming the columns of ``required`` that ``table`` lacks."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame, got {type(table).__name__}")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing}")


def check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    """Raise ``ValueError`` if ``value`` is not one of ``allowed`` (one message template)."""
    if value not in allowed:
        raise ValueError(_CHOICE.format(name=name, allowed=tuple(allowed), value=value))


def check_positive(name: str, value: int) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer of at least 1."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def draw_heatmap(
    ax: Axes,
    values: np.ndarray,
    *,
    cmap: str | mcolors.Colormap,
    norm: mcolors.Normalize,
    annotations: np.ndarray | None = None,
    fontsize: float = 6.5,
    color_by: np.ndarray | None = None,
    missing_color: str = MISSING_COLOR,
) -> QuadMesh:
    """Draw a matrix as coloured cells, row 0 at the top, NaN cells grey.

    ``annotations`` (same shape, strings; empty string for none) are written in
    each cell in black or white, whichever reads better on the cell's colour
    under ``cmap`` (a name or a Colormap).
    ``color_by`` colours the cells by another matrix than ``values`` (for
    example counts coloured by row share).  NaN cells take ``missing_color``.
    Returns the mesh for a colour bar.
    """
    values = np.asarray(values, dtype=float)
    colours = values if color_by is None else np.asarray(color_by, dtype=float)
    if colours.shape != values.shape:
        raise ValueError(f"color_by has shape {colours.shape}, values {values.shape}")
    base = cmap if isinstance(cmap, mcolors.Colormap) else colormaps[cmap]
    colormap = base.with_extremes(bad=missing_color)
    n_rows, n_cols = values.shape
    mesh = ax.pcolormesh(
        np.arange(n_cols + 1), np.arange(n_rows + 1), np.ma.masked_invalid(colours),
        cmap=colormap, norm=norm, edgecolors="white", linewidth=0.6,
    )
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_xticks(np.arange(n_cols) + 0.5)
    ax.set_yticks(np.arange(n_rows) + 0.5)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if annotations is not None:
        annotations = np.asarray(annotations, dtype=object)
        if annotations.shape != values.shape:
            raise ValueError(f"annotations have shape {annotations.shape}, values {values.shape}")
        for i in range(n_rows):
            for j in range(n_cols):
                note = annotations[i, j]
                if not note:
                    continue
                cell = colours[i, j]
                rgba = colormap(norm(cell)) if np.isfinite(cell) else mcolors.to_rgba(missing_color)
                ax.text(j + 0.5, i + 0.5, note, ha="center", va="center", fontsize=fontsize,
                        color=text_color_on(rgba))
    return mesh


def percent_labels(values: np.ndarray, *, decimals: int = 1) -> np.ndarray:
    """Format fractions as percentages ("12.3"); exact zeros as "0", NaN as "".

    An exact zero is set apart from a small share that rounds to "0.0".
    """
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, "", dtype=object)
    finite = np.isfinite(values)
    out[finite] = [f"{100 * v:.{decimals}f}" if v != 0 else "0" for v in values[finite]]
    return out
