"""Word-cloud layout with the project font, drawn as vector text."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pypdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from analysis.figures import style
from analysis.figures.clouds import LAYOUT_COLUMNS, draw_word_cloud, word_cloud_layout
from analysis.figures.fonts import cjk_font_path
from analysis.figures.save import save_figure

FREQS = {
    "教育": 100, "学校": 80, "教师": 60, "学生": 55, "质量": 40, "发展": 38, "课程": 30,
    "改革": 25, "安全": 20, "双减": 18, "课后服务": 15, "信息化": 12, "体育": 10, "美育": 9,
    "劳动教育": 8, "家庭": 7, "幼儿园": 6, "高中": 5, "职业教育": 5, "督导": 4,
}


def test_layout_is_deterministic_and_ties_do_not_depend_on_input_order():
    first = word_cloud_layout(FREQS, width=400, height=250)
    reordered = dict(reversed(list(FREQS.items())))
    second = word_cloud_layout(reordered, width=400, height=250)
    assert list(first.columns) == LAYOUT_COLUMNS
    assert first.equals(second)
    assert first["word"].iloc[0] == "教育"
    assert first["font_size"].is_monotonic_decreasing


def test_words_do_not_overlap_and_stay_on_the_canvas():
    width, height = 400, 250
    layout = word_cloud_layout(FREQS, width=width, height=height)
    assert len(layout) >= 15
    assert (layout["left"] >= 0).all() and (layout["right"] <= width).all()
    assert (layout["top"] >= 0).all() and (layout["bottom"] <= height).all()
    # Independent check with Pillow: draw each word alone at its baseline anchor;
    # no pixel may be inked by two words, and each word's ink stays in its box.
    font_path = str(cjk_font_path())
    coverage = np.zeros((height, width), dtype=int)
    for r in layout.itertuples():
        canvas = Image.new("L", (width, height), 0)
        font = ImageFont.truetype(font_path, r.font_size)
        ImageDraw.Draw(canvas).text((r.x, r.baseline), r.word, fill=255, font=font, anchor="ls")
        ink = np.asarray(canvas) > 0
        rows, cols = np.nonzero(ink)
        assert rows.min() >= r.top - 1 and rows.max() <= r.bottom + 1, r.word
        assert cols.min() >= r.left - 1 and cols.max() <= r.right + 1, r.word
        coverage += ink
    assert coverage.max() == 1


def test_max_words_keeps_the_heaviest():
    layout = word_cloud_layout(FREQS, width=400, height=250, max_words=3)
    assert set(layout["word"]) <= {"教育", "学校", "教师"}


@pytest.mark.parametrize("bad", [{}, {"教育": 0}, {"教育": float("nan")}, {"": 1.0}])
def test_bad_frequencies_are_rejected(bad):
    with pytest.raises(ValueError):
        word_cloud_layout(bad)


def test_vector_drawing_covers_the_pixels_wordcloud_planned(tmp_path):
    width, height = 400, 250
    layout = word_cloud_layout(FREQS, width=width, height=height)
    with style.figure_style():
        fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
        ax = fig.add_axes([0, 0, 1, 1])
        draw_word_cloud(ax, layout, width=width, height=height, color_range=(1.0, 1.0))
        fig.savefig(tmp_path / "cloud.png", dpi=100)
        row = save_figure(fig, "cloud", out_dir=tmp_path / "out", title="词云",
                          caption="c", sources=["keywords"], command="pytest")
        plt.close(fig)
    ink = np.asarray(Image.open(tmp_path / "cloud.png").convert("L")) < 200
    planned = np.zeros_like(ink)
    for r in layout.itertuples():
        planned[max(r.top - 1, 0):r.bottom + 2, max(r.left - 1, 0):r.right + 2] = True
    # Nearly all ink falls inside the planned boxes, and every box has ink.
    assert ink[planned].sum() / ink.sum() > 0.99
    for r in layout.itertuples():
        assert ink[r.top:r.bottom + 1, r.left:r.right + 1].any(), r.word
    text = pypdf.PdfReader(tmp_path / "out" / "cloud.pdf").pages[0].extract_text()
    assert "课后服务" in text and "教育" in text
    assert row["pdf_sha256"]
