"""Size, colour map, font size and target axes of a figure: parsed and checked once.

Every ``plot_*`` function takes the same keyword-only parameters, checked here
with one message each, so a figure can be made for a journal column without
rebuilding it from internals:

``width``
    ``None`` (the figure's house width, :data:`analysis.figures.style.WIDTH_SINGLE`,
    ``WIDTH_MEDIUM`` or ``WIDTH_DOUBLE`` inches, which the committed figures use),
    a number of centimetres, or a journal preset of :data:`WIDTHS_CM`.
``height``
    ``None`` (the figure's own layout rule: rows of text at the chosen font
    size, or cells kept square at the chosen width) or centimetres.
``cmap``
    ``None`` (the house scale of the figure) or a matplotlib colour-map name or
    :class:`~matplotlib.colors.Colormap`.
``fontsize``
    Base size in points (default :data:`BASE_FONTSIZE`, the style's
    ``font.size``); titles, tick labels and cell labels keep their ratio to it.
``ax``
    An existing Axes to draw into, for figures of one panel; the function then
    returns ``ax.figure`` and leaves its size alone.

Journal widths vary (Elsevier 9 / 14 / 19 cm, Springer Nature 8.4 / 17.4 cm,
Taylor & Francis 8.4 / 17.4 cm); the presets are round values that fit all of
them: ``single`` 8.5 cm, ``medium`` 14 cm (the house WIDTH_MEDIUM, 5.5 in, is
13.97 cm) and ``double`` 17.5 cm.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from analysis.figures.labels import short_label
from analysis.figures.style import (
    HouseFigure,
    categorical_colors,
    figure_style,
    style_rc,
)

__all__ = [
    "BASE_FONTSIZE", "check_cmap", "CM_PER_INCH", "figure_sizing", "FitWarning", "font_rc",
    "FONTSIZE_RC", "MAX_HEIGHT_CM", "n_lines", "new_figure", "plot_style", "size_inches",
    "Sizing", "target_axes", "turn_crowded_ticks", "TYPE3_WARNING", "warn_if_unfit", "WIDTHS_CM",
]

CM_PER_INCH: float = 2.54
#: Journal column presets, in centimetres.
WIDTHS_CM: dict[str, float] = {"single": 8.5, "medium": 14.0, "double": 17.5}
#: The style's ``font.size`` (points); other sizes keep their ratio to it.
BASE_FONTSIZE: float = 8.0
#: The tallest figure (cm) a journal page holds below its caption; a taller
#: layout warns (:class:`FitWarning`).
MAX_HEIGHT_CM: float = 23.0
#: The rcParams of the style that are font sizes (scaled with ``fontsize``).
FONTSIZE_RC: tuple[str, ...] = (
    "font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
    "legend.fontsize", "legend.title_fontsize", "figure.titlesize",
)

TYPE3_WARNING: str = (
    "the figure of ax will embed Type 3 fonts (which journals reject) if saved as PDF with "
    "fig.savefig; save it with analysis.figures.save(fig, path), or call "
    "analysis.figures.apply_style() before making the figure"
)



class FitWarning(UserWarning):
    """A figure does not fit the chosen width within a journal page: use a wider preset."""


_SIZE = "{name} must be a positive number of centimetres{presets}, got {value!r}"


def size_inches(
    width: float | str | None,
    height: float | None,
    *,
    default_width: float,
) -> tuple[float, float | None]:
    """Turn ``width`` and ``height`` (cm, or a preset for the width) into inches.

    Parameters
    ----------
    width : float, {"single", "medium", "double"} or None
        Centimetres, a preset of :data:`WIDTHS_CM`, or None for ``default_width``.
    height : float or None
        Centimetres, or None (returned as None: the caller's layout rule decides).
    default_width : float
        Inches, used when ``width`` is None.

    Returns
    -------
    (width, height) : tuple of float and float or None, in inches
    """
    if width is None:
        width_in = float(default_width)
    elif isinstance(width, str):
        if width not in WIDTHS_CM:
            raise ValueError(_SIZE.format(name="width", presets=f" or one of {tuple(WIDTHS_CM)}",
                                          value=width))
        width_in = WIDTHS_CM[width] / CM_PER_INCH
    else:
        width_in = _centimetres("width", width, f" or one of {tuple(WIDTHS_CM)}") / CM_PER_INCH
    height_in = None if height is None else _centimetres("height", height, "") / CM_PER_INCH
    return width_in, height_in


def _centimetres(name: str, value: object, presets: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(float(value)) or float(value) <= 0):
        raise ValueError(_SIZE.format(name=name, presets=presets, value=value))
    return float(value)


def check_cmap(cmap: str | mcolors.Colormap | None, *, default: str) -> mcolors.Colormap:
    """The colour map named ``cmap`` (or ``default`` when None); a Colormap is returned as is."""
    if cmap is None:
        cmap = default
    if isinstance(cmap, mcolors.Colormap):
        return cmap
    if not isinstance(cmap, str) or cmap not in colormaps:
        raise ValueError(
            f"cmap must be a matplotlib Colormap or the name of one (see "
            f"matplotlib.colormaps, e.g. 'viridis', 'Greys'), got {cmap!r}"
        )
    return colormaps[cmap]


@dataclass(frozen=True)
class Sizing:
    """The checked size, colour map, font scale and target axes of one figure.

    ``width`` and ``height`` are inches (``height`` None: the layout rule);
    ``scale`` is ``fontsize / BASE_FONTSIZE``; ``stretch`` is the width over the
    house width, by which widths counted in characters (label wrapping) scale.
    """

    width: float
    height: float | None
    scale: float
    cmap: mcolors.Colormap | None
    ax: Axes | None
    stretch: float

    def pt(self, size: float) -> float:
        """A font size of the house layout (points) at this figure's font size."""
        return size * self.scale

    def chars(self, n: int, *, minimum: int = 6) -> int:
        """A wrap width of ``n`` characters at the house size, at this width and font size."""
        if self.scale == 1.0 and self.stretch == 1.0:
            return n
        return max(minimum, round(n * self.stretch / self.scale))

    @property
    def house(self) -> bool:
        """True at the house width and font size (the layout of the committed figures)."""
        return self.scale == 1.0 and self.stretch == 1.0

    @property
    def narrow(self) -> bool:
        """True when fewer characters fit across than in the house layout."""
        return self.stretch / self.scale < 1.0

    def wrap_labels(self, labels: Sequence[str], lang: str, *, width: int) -> list[str]:
        """``labels`` as given in the house layout; wrapped at ``chars(width)`` when narrow."""
        if not self.narrow:
            return list(labels)
        # At most two lines each (asides dropped, then cut), so that no row is
        # made tall by one long label.
        return [short_label(value, lang, width=self.chars(width, minimum=14))
                for value in labels]

    def tall(self, rule: float) -> float:
        """The figure height: the given height, else ``rule`` (inches at the house font size)."""
        return self.height if self.height is not None else rule * self.scale

    def colors(self, ids: Sequence[str]) -> dict[str, str]:
        """One colour per category: Okabe-Ito by default, else taken from the colour map.

        A listed (qualitative) map gives its colours in order; a continuous map is
        sampled evenly from 0.15 to 0.85, so no category is white or black.
        """
        ids = list(ids)
        if self.cmap is None:
            return categorical_colors(ids)
        if isinstance(self.cmap, mcolors.ListedColormap) and len(ids) <= self.cmap.N:
            picks = [self.cmap(i) for i in range(len(ids))]
        else:
            picks = [self.cmap(x) for x in np.linspace(0.15, 0.85, max(len(ids), 1))]
        return {key: mcolors.to_hex(rgba) for key, rgba in zip(ids, picks, strict=False)}


def figure_sizing(
    *,
    width: float | str | None,
    height: float | None,
    cmap: str | mcolors.Colormap | None,
    fontsize: float,
    ax: Axes | None,
    default_width: float,
    default_cmap: str | None,
    panels: str | None = None,
) -> Sizing:
    """Check the shared parameters of a ``plot_*`` function and return them as a :class:`Sizing`.

    Parameters
    ----------
    width, height, cmap, fontsize, ax
        As passed to the plot function (see the module docstring).
    default_width : float
        The figure's house width in inches.
    default_cmap : str or None
        The figure's house colour map; None for a figure of categories, whose
        :meth:`Sizing.colors` then gives the Okabe-Ito palette unless ``cmap``
        is given.
    panels : str or None
        None for a figure of one panel (``ax`` allowed); else what its panels
        are, for the message that refuses ``ax``.
    """
    if ax is not None:
        if panels is not None:
            raise ValueError(
                f"ax must be None for this figure: it draws {panels}, which need a "
                "figure of their own; use width and height to size it"
            )
        if not isinstance(ax, Axes):
            raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
        if width is not None or height is not None:
            raise ValueError("width and height must be None when ax is given "
                             "(the figure of ax keeps its own size)")
        # Checked here, outside the style block the plot draws in: a user's
        # figure saved with its own savefig embeds Type 3 fonts unless
        # pdf.fonttype is 42 when it is saved.
        if not isinstance(_root(ax), HouseFigure) and mpl.rcParams["pdf.fonttype"] != 42:
            warnings.warn(TYPE3_WARNING, UserWarning, stacklevel=3)
    width_in, height_in = size_inches(width, height, default_width=default_width)
    if (isinstance(fontsize, bool) or not isinstance(fontsize, numbers.Real)
            or not np.isfinite(float(fontsize)) or not 2 <= float(fontsize) <= 40):
        raise ValueError(f"fontsize must be a number of points from 2 to 40, got {fontsize!r}")
    colormap = (check_cmap(cmap, default=default_cmap) if default_cmap is not None or cmap
                is not None else None)
    return Sizing(width=width_in, height=height_in, scale=float(fontsize) / BASE_FONTSIZE,
                  cmap=colormap, ax=ax, stretch=width_in / default_width)


def font_rc(scale: float) -> dict[str, float]:
    """The font sizes of the style (:data:`FONTSIZE_RC`) multiplied by ``scale``."""
    base = style_rc()
    return {key: float(base[key]) * scale for key in FONTSIZE_RC}


@contextmanager
def plot_style(sizing: Sizing) -> Iterator[None]:
    """The house style (:func:`analysis.figures.style.figure_style`) at the figure's font size."""
    # The font sizes go inside figure_style's own context, not a second rc_context:
    # leaving an rc_context restores *every* rcParam, including the `interactive`
    # flag Jupyter's inline backend sets on the first figure, after which a
    # notebook shows no further figure (figure_style keeps that session state).
    with figure_style():
        mpl.rcParams.update(font_rc(sizing.scale))
        yield


def new_figure(sizing: Sizing, *, height: float, layout: str | None = "constrained",
               pyplot: bool = True) -> HouseFigure:
    """A pyplot figure of ``sizing.width`` x ``height`` inches that saves in the house style.

    Call inside :func:`plot_style`: the figure keeps that block's rcParams and
    applies them again whenever it is saved (:class:`analysis.figures.style.HouseFigure`),
    so ``fig.savefig("x.pdf")`` embeds TrueType fonts outside any style block.
    ``pyplot=False`` makes it without registering it with pyplot (nothing to close).
    """
    if pyplot:
        fig = plt.figure(FigureClass=HouseFigure, figsize=(sizing.width, height), layout=layout)
    else:
        fig = HouseFigure(figsize=(sizing.width, height), layout=layout)
    fig.house_rc = {**style_rc(), **font_rc(sizing.scale)}
    return fig


def target_axes(sizing: Sizing, *, height: float, pyplot: bool = True
                ) -> tuple[Figure, Axes]:
    """The axes to draw into: ``sizing.ax`` (and its figure), else one new figure's only axes.

    (:func:`figure_sizing` has warned if the figure of ``ax`` would embed Type 3 fonts.)
    """
    if sizing.ax is not None:
        return _root(sizing.ax), sizing.ax
    fig = new_figure(sizing, height=height, pyplot=pyplot)
    return fig, fig.add_subplot()



def warn_if_unfit(sizing: Sizing, height: float, *, figure: str,
                  reason: str | None = None) -> None:
    """Warn (:class:`FitWarning`) if a figure is taller than a page or cannot fit its width.

    ``height`` is the figure's height in inches; a height the caller gave is
    not questioned.  ``reason``, when given, says why the layout does not fit
    the width (labels that would be drawn outside the figure, cells too small
    for their labels) and warns whatever the height.
    """
    too_tall = sizing.height is None and height * CM_PER_INCH > MAX_HEIGHT_CM + 1e-9
    if not (too_tall or reason):
        return
    why = reason or (f"it would be {height * CM_PER_INCH:.1f} cm tall, more than a journal "
                     f"page holds ({MAX_HEIGHT_CM:g} cm)")
    warnings.warn(
        f"the {figure} figure does not fit a width of {sizing.width * CM_PER_INCH:.1f} cm: "
        f"{why}; use width=\"double\" (or give a height in cm)",
        FitWarning, stacklevel=3)


def _root(ax: Axes) -> Figure:
    # The root figure (the one that is saved), also for an axes of a subfigure.
    fig = ax.figure
    return fig.figure if isinstance(fig, SubFigure) else fig


def n_lines(labels: Sequence[str]) -> int:
    """The most lines of any of ``labels`` (1 for none)."""
    return max((str(value).count("\n") + 1 for value in labels), default=1)


def turn_crowded_ticks(ax: Axes) -> bool:
    """Turn the x tick labels of ``ax`` by 90 degrees if any two overlap once drawn.

    For layouts narrower than the house width, where upright column labels that
    fit at the house width may run into each other.  Returns whether it turned them.
    """
    fig = _root(ax)
    fig.draw_without_rendering()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels()
             if t.get_visible() and t.get_text()]
    boxes.sort(key=lambda box: box.x0)
    if any(a.x1 > b.x0 for a, b in zip(boxes, boxes[1:], strict=False)):
        ax.tick_params(axis="x", labelrotation=90)
        return True
    return False
