"""Publication figures: house style, deterministic saving and the figure manifest.

Every figure is drawn by a function that takes a processed table and returns a
matplotlib Figure (``lang="zh"`` or ``"en"`` picks the language of every label),
and is written by :func:`save_figure` as PNG (300 dpi) and PDF (vector, font
embedded), with one row in ``figures/manifest.csv``.  :func:`save` writes any figure the
same way (TrueType fonts, reproducible bytes) without a manifest row.

Every ``plot_*`` function also takes ``width`` (cm or "single"/"medium"/"double"),
``height`` (cm), ``cmap``, ``fontsize`` and, for figures of one panel, ``ax``
(see :mod:`analysis.figures.sizing`); the figures it returns embed TrueType
fonts however they are saved.

A figure drawn by calling its function directly uses the full CJK font (about
28 000 glyphs, converted once per cache); to draw with the small font of a
corpus's characters, as :func:`make_all_figures` does, wrap the calls in
``with use_characters(figure_characters(processed_dir, stems)):``.
"""

from __future__ import annotations

from analysis.figures.charset import figure_characters
from analysis.figures.clouds import draw_word_cloud, word_cloud_layout
from analysis.figures.fonts import cjk_font_path, use_characters
from analysis.figures.keywords import plot_keyness, plot_word_clouds
from analysis.figures.labels import LANGS, label, text, wrap
from analysis.figures.make import FIGURES, make_all_figures
from analysis.figures.policy import (
    plot_citation_network,
    plot_instrument_mix,
    plot_instrument_subtypes,
    plot_modality,
    plot_theme_instrument_heatmap,
)
from analysis.figures.save import read_manifest, save, save_figure, write_manifest
from analysis.figures.similarity import plot_region_similarity, plot_theme_similarity
from analysis.figures.sizing import WIDTHS_CM
from analysis.figures.style import apply_style, figure_style, style_rc
from analysis.figures.themes import plot_domain_shares, plot_theme_shares
from analysis.figures.topics import plot_topic_regions, plot_topic_terms
from analysis.figures.validation import plot_confusion

__all__ = [
    # Drawing: each takes a processed table and returns a matplotlib Figure.
    "plot_citation_network",
    "plot_confusion",
    "plot_domain_shares",
    "plot_instrument_mix",
    "plot_instrument_subtypes",
    "plot_keyness",
    "plot_modality",
    "plot_region_similarity",
    "plot_theme_instrument_heatmap",
    "plot_theme_shares",
    "plot_theme_similarity",
    "plot_topic_regions",
    "plot_topic_terms",
    "plot_word_clouds",
    "draw_word_cloud",
    "word_cloud_layout",
    # Style, sizes and labels.
    "LANGS",
    "WIDTHS_CM",
    "apply_style",
    "figure_style",
    "label",
    "style_rc",
    "text",
    "wrap",
    # Fonts.
    "cjk_font_path",
    "figure_characters",
    "use_characters",
    # Saving a researcher's own figure, and the build's figures with their manifest.
    "save",
    "read_manifest",
    "save_figure",
    "write_manifest",
    # Every figure of the build.
    "FIGURES",
    "make_all_figures",
]
