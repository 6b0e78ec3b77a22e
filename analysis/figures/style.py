"""House style of every figure: font, sizes, colour scales and output settings.

The font is the TrueType conversion of Noto Sans CJK SC built by
:mod:`analysis.figures.fonts` (:func:`analysis.figures.fonts.active_font`: the
font of the corpus's characters inside ``use_characters``, as in
:func:`analysis.figures.make.make_all_figures`, else the full font), registered
with matplotlib by file and named explicitly, so Chinese renders without any
system font and the result does not depend on what a machine happens to have
installed.  DejaVu Sans (bundled with matplotlib) is the fallback for the few
characters the CJK font lacks.

Colour scales follow the data (Brewer 1994; Crameri, Shephard & Heron 2020):
shares and similarities are one-sided, so they get a sequential scale that
starts light; differences (log ratios, residuals) are two-sided, so they get a
diverging scale centred on zero; domains and regions are categories, so they
get the Okabe-Ito palette, which stays distinguishable with colour-vision
deficiency (Okabe & Ito 2008).

References
----------
Brewer, C. A. (1994). Color use guidelines for mapping and visualization.
Crameri, F., Shephard, G. E., & Heron, P. J. (2020). The misuse of colour in science
communication. Nature Communications, 11, 5444.
Okabe, M., & Ito, K. (2008). Color Universal Design. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import font_manager
from matplotlib.figure import Figure

from analysis.config import CACHE_DIR
from analysis.figures.fonts import active_font

__all__ = [
    "apply_style", "categorical_colors", "DIVERGING_CMAP", "diverging_norm", "FALLBACK_FAMILY",
    "figure_style", "HouseFigure", "QUALITATIVE", "register_cjk_font", "SEQUENTIAL_CMAP",
    "sequential_norm", "SESSION_RC", "style_rc", "SVG_HASHSALT", "text_color_on", "WIDTH_DOUBLE",
    "WIDTH_MEDIUM", "WIDTH_SINGLE",
]

FALLBACK_FAMILY: str = "DejaVu Sans"

#: One-sided quantities (shares, cosine similarity, topic shares).
SEQUENTIAL_CMAP: str = "YlGnBu"
#: Two-sided quantities (log ratios, differences from the pooled share).
DIVERGING_CMAP: str = "RdBu_r"
#: Okabe-Ito palette without black, for domains and regions (categories).
QUALITATIVE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
)

#: Journal column widths in inches (single, one-and-a-half, double column).
WIDTH_SINGLE: float = 3.5
WIDTH_MEDIUM: float = 5.5
WIDTH_DOUBLE: float = 7.2

# A fixed salt makes SVG element ids the same on every run.
SVG_HASHSALT: str = "edu-policy-analysis"


def register_cjk_font(*, cache_dir: Path = CACHE_DIR) -> Path:
    """Add the active CJK font to matplotlib's font manager (once) and return its path.

    The active font is :func:`analysis.figures.fonts.active_font` (the full font
    of ``cache_dir``, default ``analysis.config.CACHE_DIR``, outside
    ``use_characters``).
    """
    path = active_font(cache_dir=cache_dir).path
    if not any(entry.fname == str(path) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return path


def style_rc(*, cache_dir: Path = CACHE_DIR) -> dict[str, object]:
    """Return the rcParams of the house style, registering the CJK font first.

    The settings that make output reproducible and portable:
    ``pdf.fonttype = 42`` (TrueType embedded as a CID font, not Type 3),
    ``svg.fonttype = "path"`` (no font needed to view an SVG), a fixed
    ``svg.hashsalt``, and fonts named by family, never left to lookup order.
    """
    register_cjk_font(cache_dir=cache_dir)
    families = [active_font(cache_dir=cache_dir).family, FALLBACK_FAMILY]
    return {
        "font.family": families,
        "font.sans-serif": families,
        "font.size": 8.0,
        "axes.titlesize": 9.0,
        "axes.labelsize": 8.0,
        "xtick.labelsize": 7.0,
        "ytick.labelsize": 7.0,
        "legend.fontsize": 7.0,
        "legend.title_fontsize": 7.5,
        "figure.titlesize": 10.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "axes.unicode_minus": True,
        "axes.formatter.use_mathtext": False,
        "axes.prop_cycle": mpl.cycler(color=list(QUALITATIVE)),
        "image.cmap": SEQUENTIAL_CMAP,
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "savefig.dpi": 300,
        "savefig.facecolor": "white",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "pdf.compression": 6,
        "svg.fonttype": "path",
        "svg.hashsalt": SVG_HASHSALT,
    }


def apply_style(*, cache_dir: Path = CACHE_DIR) -> None:
    """Make the house style the global matplotlib default (for notebooks)."""
    mpl.rcParams.update(style_rc(cache_dir=cache_dir))


#: rcParams that are session state, not style: what pyplot sets while a block runs
#: must outlive the block (see :func:`figure_style`).
SESSION_RC: tuple[str, ...] = ("interactive",)


@contextmanager
def figure_style(*, cache_dir: Path = CACHE_DIR) -> Iterator[None]:
    """Draw (and save) inside this block to use the house style without changing globals.

    Only the style is undone on leaving the block; session state (:data:`SESSION_RC`)
    set inside it is kept.  Why: in a Jupyter kernel the inline backend is switched on
    by the first pyplot figure, which sets ``interactive = True`` (the flag that makes
    pyplot hand each new figure to the notebook).  If that first figure is drawn in
    this block, a plain ``rc_context`` would reset the flag on exit, and every later
    figure of the kernel would never be shown.  (``rc_context`` itself already keeps
    ``backend``.)
    """
    session: dict[str, object] = {}
    try:
        with mpl.rc_context(style_rc(cache_dir=cache_dir)):
            try:
                yield
            finally:
                session = {key: mpl.rcParams[key] for key in SESSION_RC}
    finally:
        mpl.rcParams.update(session)


class HouseFigure(Figure):
    """A Figure that saves with the rcParams it was drawn with (the house style).

    ``pdf.fonttype``, ``svg.hashsalt`` and the like are read when a file is
    written, not when the figure is drawn, so a figure drawn inside
    :func:`figure_style` but saved outside it would embed its CJK font as
    Type 3 (which journals reject).  ``savefig`` re-applies :attr:`house_rc`
    (the style captured when the figure was made; :func:`style_rc` when unset),
    so ``fig.savefig("x.pdf")`` embeds TrueType wherever it is called.
    """

    house_rc: dict[str, object] | None = None

    def savefig(self, fname, *args, **kwargs):  # Figure.savefig's own signature
        with mpl.rc_context(self.house_rc if self.house_rc is not None else style_rc()):
            return super().savefig(fname, *args, **kwargs)


def categorical_colors(ids: Sequence[str]) -> dict[str, str]:
    """Map each id, in the order given, to an Okabe-Ito colour (cycling after eight)."""
    return {key: QUALITATIVE[i % len(QUALITATIVE)] for i, key in enumerate(ids)}


def diverging_norm(values: Sequence[float] | np.ndarray) -> mcolors.Normalize:
    """A colour norm centred on zero and symmetric, so equal distances get equal colours."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    half_range = float(np.max(np.abs(finite))) if finite.size else 1.0
    half_range = half_range or 1.0
    return mcolors.Normalize(vmin=-half_range, vmax=half_range)


def sequential_norm(
    values: Sequence[float] | np.ndarray, *, vmin: float = 0.0
) -> mcolors.Normalize:
    """A colour norm from ``vmin`` (default 0, so a share of 0 is the lightest) to the maximum."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    vmax = float(finite.max()) if finite.size else vmin + 1.0
    return mcolors.Normalize(vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1.0)


def text_color_on(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (WCAG luminance)."""
    red, green, blue = (
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]
    )
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "black" if luminance > 0.179 else "white"
