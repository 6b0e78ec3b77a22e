"""Publication figures: house style, deterministic saving and the figure manifest.

Every figure is drawn by a function that takes a processed table and returns a
matplotlib Figure (``lang="zh"`` or ``"en"`` picks the language of every label),
and is written by :func:`save_figure` as PNG (300 dpi) and PDF (vector, font
embedded), with one row in ``figures/manifest.csv``.
"""

from __future__ import annotations

from analysis.figures.clouds import draw_word_cloud, word_cloud_layout
from analysis.figures.fonts import cjk_font_path
from analysis.figures.labels import LANGS, label, text, wrap
from analysis.figures.make import FIGURES, make_all_figures
from analysis.figures.save import read_manifest, save_figure, write_manifest
from analysis.figures.style import apply_style, figure_style, style_rc

__all__ = [
    "FIGURES", "LANGS", "apply_style", "cjk_font_path", "draw_word_cloud", "figure_style",
    "label", "make_all_figures", "read_manifest", "save_figure", "style_rc", "text",
    "word_cloud_layout", "wrap", "write_manifest",
]
