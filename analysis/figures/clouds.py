"""Word clouds laid out by ``wordcloud`` and drawn as vector text by matplotlib.

``wordcloud`` (Mueller 2020) places words by drawing them with Pillow in the font
it is given; here that is the same TrueType file matplotlib uses
(:func:`analysis.figures.fonts.active_font`), with a fixed ``random_state``, so
the layout is the same on every run.  Instead of pasting wordcloud's bitmap into
the figure, each word is then drawn by matplotlib at the position and size
wordcloud chose: the PDF keeps the words as real (embedded, searchable) text and
the PNG is rendered at the figure's own resolution.  Positions are converted from
Pillow's anchor (the top-left of the word's ink box) to matplotlib's baseline
with the font's own metrics, so the drawn words cover the same pixels as
wordcloud's bitmap and never overlap.

Words are all horizontal: rotated Chinese reads sideways, which a reader of the
figure should not have to do.

References
----------
Mueller, A. (2020). wordcloud: A little word cloud generator in Python.
https://github.com/amueller/word_cloud
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from PIL import ImageFont
from wordcloud import WordCloud

from analysis.config import CACHE_DIR, RANDOM_STATE
from analysis.figures.fonts import active_font
from analysis.figures.style import FALLBACK_FAMILY, SEQUENTIAL_CMAP

__all__ = [
    "draw_word_cloud", "LAYOUT_COLUMNS", "word_cloud_layout",
]

#: Columns of :func:`word_cloud_layout`.
LAYOUT_COLUMNS: list[str] = [
    "word", "weight", "font_size", "left", "top", "right", "bottom", "x", "baseline",
]


#: The gid of every word of a cloud (wordcloud packs them by glyph, so their text
#: boxes may overlap; a layout check skips them).
CLOUD_WORD_GID: str = "cloud_word"


def word_cloud_layout(
    frequencies: Mapping[str, float] | pd.Series,
    *,
    width: int = 800,
    height: int = 500,
    max_words: int = 60,
    margin: int = 4,
    min_font_size: int = 8,
    relative_scaling: float = 0.5,
    random_state: int = RANDOM_STATE,
    cache_dir: Path = CACHE_DIR,
) -> pd.DataFrame:
    """Lay words out on a ``width`` x ``height`` pixel canvas, larger for larger weights.

    Parameters
    ----------
    frequencies : mapping or Series of word -> positive weight
        Counts, rates or keyness scores; only the order and ratios matter.
    width, height : int, default 800, 500
        Canvas in layout pixels (the drawing is scaled to the axes later).
    max_words : int, default 60
        At most this many of the heaviest words (ties broken by the word).
    margin : int, default 4
        Free pixels around each word.
    min_font_size : int, default 8
        Words that would be smaller are dropped.
    relative_scaling : float, default 0.5
        0 sizes words by rank only, 1 in proportion to weight (wordcloud's meaning).
    random_state : int, default ``analysis.config.RANDOM_STATE``
        Seed of wordcloud's placement.
    cache_dir : Path, default ``analysis.config.CACHE_DIR``
        Where the full TrueType font is cached (used outside
        :func:`analysis.figures.fonts.use_characters`).

    Returns
    -------
    DataFrame
        One row per placed word, heaviest first: ``word, weight`` (as given),
        ``font_size`` (pixels per em), ``left, top, right, bottom`` (the word's ink
        box on the canvas, y downwards), ``x, baseline`` (where matplotlib's
        ``ha="left", va="baseline"`` anchor goes).
    """
    series = pd.Series(frequencies, dtype=float)
    if series.empty:
        raise ValueError("frequencies is empty; a word cloud needs at least one word")
    if not series.index.map(lambda w: isinstance(w, str) and bool(w.strip())).all():
        raise ValueError("every word must be a non-empty string")
    if not (np.isfinite(series.to_numpy()).all() and (series > 0).all()):
        raise ValueError("every weight must be finite and positive")
    for name, value in (("width", width), ("height", height), ("max_words", max_words),
                        ("min_font_size", min_font_size)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if not 0.0 <= relative_scaling <= 1.0:
        raise ValueError(f"relative_scaling must be in [0, 1], got {relative_scaling}")

    # wordcloud sorts by weight only, keeping input order among ties: sort by
    # (weight descending, word) first so ties do not depend on the caller's order.
    ordered = (
        series.rename("weight").rename_axis("word").reset_index()
        .sort_values(["weight", "word"], ascending=[False, True], kind="stable")
        .head(max_words)
    )
    font_path = str(active_font(cache_dir=cache_dir).path)
    cloud = WordCloud(
        font_path=font_path, width=width, height=height, margin=margin,
        max_words=max_words, min_font_size=min_font_size, prefer_horizontal=1.0,
        relative_scaling=relative_scaling, random_state=random_state,
        background_color="white", color_func=lambda *args, **kwargs: "black",
    )
    cloud.generate_from_frequencies(dict(zip(ordered["word"], ordered["weight"], strict=True)))

    weights = dict(zip(ordered["word"], ordered["weight"], strict=True))
    rows = []
    for (word, _relative), font_size, (row, col), _orientation, _color in cloud.layout_:
        font = ImageFont.truetype(font_path, font_size)
        ascent, _descent = font.getmetrics()
        # Pillow's bbox with the default "la" anchor: offsets of the ink box from
        # (pen start, ascender line).  wordcloud draws the ink box's top-left at
        # (col, row), so the pen starts at col - ink_left and the baseline lies
        # ascent - ink_top below row.
        ink_left, ink_top, ink_right, ink_bottom = font.getbbox(word)
        rows.append({
            "word": word, "weight": weights[word], "font_size": int(font_size),
            "left": col, "top": row,
            "right": col + ink_right - ink_left, "bottom": row + ink_bottom - ink_top,
            "x": col - ink_left, "baseline": row + ascent - ink_top,
        })
    return pd.DataFrame(rows, columns=LAYOUT_COLUMNS)


def draw_word_cloud(
    ax: Axes,
    layout: pd.DataFrame,
    *,
    width: int = 800,
    height: int = 500,
    cmap: str | Colormap = SEQUENTIAL_CMAP,
    color_range: tuple[float, float] = (0.55, 1.0),
) -> Axes:
    """Draw a :func:`word_cloud_layout` on ``ax`` as text, coloured by weight.

    The canvas is fitted into the axes keeping its aspect ratio; font sizes are
    converted from layout pixels to points with the axes' size in the figure, so
    the figure's layout must be fixed before calling (no constrained layout
    afterwards).  ``color_range`` clips the colour map so the lightest words
    stay legible on white.  Returns ``ax``.
    """
    missing = [c for c in LAYOUT_COLUMNS if c not in layout.columns]
    if missing:
        raise ValueError(f"layout lacks the columns {missing}; make it with word_cloud_layout")
    low, high = color_range
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"color_range must satisfy 0 <= low <= high <= 1, got {color_range}")
    fig = ax.get_figure()
    box = ax.get_position()
    ax_width_pt = box.width * fig.get_figwidth() * 72.0
    ax_height_pt = box.height * fig.get_figheight() * 72.0
    points_per_pixel = min(ax_width_pt / width, ax_height_pt / height)

    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal", adjustable="box", anchor="C")
    ax.set_axis_off()
    if layout.empty:
        return ax
    colormap = cmap if isinstance(cmap, Colormap) else colormaps[cmap]
    weights = layout["weight"].to_numpy(dtype=float)
    span = weights.max() - weights.min()
    scaled = (weights - weights.min()) / span if span > 0 else np.ones_like(weights)
    families = [active_font().family, FALLBACK_FAMILY]
    for row, position in zip(layout.itertuples(index=False), scaled, strict=True):
        ax.text(
            row.x, row.baseline, row.word, family=families,
            fontsize=row.font_size * points_per_pixel, ha="left", va="baseline",
            color=colormap(low + (high - low) * position),
            gid=CLOUD_WORD_GID,
        )
    return ax
