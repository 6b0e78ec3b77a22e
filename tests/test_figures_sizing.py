"""Journal sizing of every plot: width presets, height, cmap, fontsize, ax, and TrueType PDFs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings
from unittest import mock

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from matplotlib.colors import ListedColormap
from matplotlib.legend import Legend
from matplotlib.text import Text

import analysis
from analysis.figures import keywords, policy, similarity, themes, topics, validation
from analysis.figures.clouds import CLOUD_WORD_GID
from analysis.figures.save import save
from analysis.figures.sizing import WIDTHS_CM, FitWarning, size_inches
from analysis.figures.style import HouseFigure
from analysis.tables import load_table

CM = 2.54


def _draw(name, **kwargs):
    t = load_table
    draw = {
        "theme_shares": lambda: themes.plot_theme_shares(t("theme_by_region"), **kwargs),
        "domain_shares": lambda: themes.plot_domain_shares(t("domain_by_region"), **kwargs),
        "keyness": lambda: keywords.plot_keyness(t("keyness"), **kwargs),
        "word_clouds": lambda: keywords.plot_word_clouds(t("keywords"), n_words=15, **kwargs),
        "region_similarity": lambda: similarity.plot_region_similarity(
            t("similarity_regions"), t("region_linkage"), **kwargs),
        "theme_similarity": lambda: similarity.plot_theme_similarity(
            t("similarity_by_theme"), **kwargs),
        "topic_terms": lambda: topics.plot_topic_terms(t("topics_terms"), **kwargs),
        "topic_regions": lambda: topics.plot_topic_regions(t("topics_regions"),
                                                           t("topics_terms"), **kwargs),
        "confusion": lambda: validation.plot_confusion(t("theme_confusion"), **kwargs),
        "instrument_mix": lambda: policy.plot_instrument_mix(t("instrument_table"), **kwargs),
        "theme_instrument": lambda: policy.plot_theme_instrument_heatmap(
            t("instrument_table"), **kwargs),
        "modality": lambda: policy.plot_modality(t("modality_table"), **kwargs),
        "citations": lambda: policy.plot_citation_network(t("citation_network"), **kwargs),
    }[name]
    return draw()


ALL = ["theme_shares", "domain_shares", "keyness", "word_clouds", "region_similarity",
       "theme_similarity", "topic_terms", "topic_regions", "confusion", "instrument_mix",
       "theme_instrument", "modality", "citations"]
ONE_PANEL = ["domain_shares", "topic_regions", "confusion", "instrument_mix", "theme_instrument"]
MULTI_PANEL = ["theme_shares", "keyness", "word_clouds", "region_similarity",
               "theme_similarity", "topic_terms", "modality", "citations"]
# Laid out at 8.5 cm and at the default width with no text overlapping another and
# nothing outside the figure, every family in both languages.
FIT_SINGLE = [(name, lang) for name in ALL for lang in ("zh", "en")]
# Too big for one column: at 8.5 cm these warn (FitWarning) and suggest width="double";
# they are checked at their default width only.
UNFIT_SINGLE = ["theme_similarity", "confusion", "citations"]
MAX_HEIGHT_CM = 23.0


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_presets_and_centimetres_become_inches():
    assert size_inches("single", None, default_width=7.2) == (8.5 / CM, None)
    assert size_inches("double", 10, default_width=7.2) == (17.5 / CM, 10 / CM)
    assert size_inches(12.0, None, default_width=7.2) == (12.0 / CM, None)
    assert size_inches(None, None, default_width=5.5) == (5.5, None)
    assert WIDTHS_CM == {"single": 8.5, "medium": 14.0, "double": 17.5}


@pytest.mark.parametrize("width", ["narrow", 0, -3, float("nan"), True])
def test_bad_width_raises_one_message(width):
    with pytest.raises(ValueError, match=r"width must be a positive number of centimetres or "
                                         r"one of \('single', 'medium', 'double'\)"):
        size_inches(width, None, default_width=7.2)


def test_bad_height_cmap_fontsize_raise_clear_messages():
    with pytest.raises(ValueError, match="height must be a positive number of centimetres"):
        _draw("domain_shares", height=-1)
    with pytest.raises(ValueError, match="cmap must be a matplotlib Colormap or the name"):
        _draw("domain_shares", cmap="no_such_map")
    with pytest.raises(ValueError, match="fontsize must be a number of points"):
        _draw("domain_shares", fontsize=0)


@pytest.mark.parametrize("name", ALL)
def test_single_width_is_8_5_cm_and_height_is_kept(name):
    fig = _draw(name, width="single")
    assert isinstance(fig, HouseFigure)
    assert fig.get_figwidth() * CM == pytest.approx(8.5, abs=0.01)
    fig = _draw(name, width=12, height=9)
    assert fig.get_figwidth() * CM == pytest.approx(12.0, abs=0.01)
    if name != "word_clouds":  # clouds keep their aspect ratio within the height
        assert fig.get_figheight() * CM == pytest.approx(9.0, abs=0.01)


def test_default_width_is_the_house_width():
    assert _draw("theme_shares").get_figwidth() == 7.2
    assert _draw("instrument_mix").get_figwidth() == 5.5


def _overlaps(boxes):
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5]


def _drawn_texts(fig):
    # The texts a draw actually renders (tick labels beyond the axis limits are
    # children of the figure but never drawn).
    drawn, original = [], Text.draw

    def record(self, renderer):
        if self.get_visible() and self.get_text():
            drawn.append(self)
        return original(self, renderer)

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    with mock.patch.object(Text, "draw", record):
        fig.draw_without_rendering()
    return drawn


def layout_problems(fig):
    """Texts overlapping, outside the figure, legends on other text, cell labels out of cells."""
    texts = _drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    boxes = {t: t.get_window_extent(renderer) for t in texts}
    problems = []
    labels = [t for t in texts if t.get_gid() != CLOUD_WORD_GID]
    for i, a in enumerate(labels):
        problems += [f"{a.get_text()!r} overlaps {b.get_text()!r}" for b in labels[i + 1:]
                     if _overlaps([boxes[a], boxes[b]])]
    for t, box in boxes.items():
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            problems.append(f"{t.get_text()!r} clipped")
    for legend in fig.findobj(Legend):
        own = {*legend.get_texts(), legend.get_title()}
        frame = legend.get_window_extent(renderer)
        if frame.x0 < -1 or frame.y0 < -1 or frame.x1 > width + 1 or frame.y1 > height + 1:
            problems.append("legend clipped")
        problems += [f"legend covers {t.get_text()!r}" for t in labels
                     if t not in own and _overlaps([frame, boxes[t]])]
    for ax in fig.axes:
        if not any(isinstance(c, QuadMesh) for c in ax.collections):
            continue
        for t in ax.texts:
            x, y = t.get_position()
            if t not in boxes or not (np.isclose(x % 1, 0.5) and np.isclose(y % 1, 0.5)):
                continue  # a cell label of draw_heatmap sits at a cell's centre
            corners = ax.transData.transform([[x - 0.5, y - 0.5], [x + 0.5, y + 0.5]])
            (x0, x1), (y0, y1) = sorted(corners[:, 0]), sorted(corners[:, 1])
            box = boxes[t]
            if box.x0 < x0 - 0.5 or box.x1 > x1 + 0.5 or box.y0 < y0 - 0.5 or box.y1 > y1 + 0.5:
                problems.append(f"cell label {t.get_text()!r} spills out of its cell")
    return problems


@pytest.mark.parametrize(("name", "lang"), FIT_SINGLE)
def test_single_column_layout_has_no_overlap_and_no_clipping(name, lang):
    if name in UNFIT_SINGLE:
        with pytest.warns(FitWarning, match='width="double"'):
            _draw(name, width="single", lang=lang)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FitWarning)
            fig = _draw(name, width="single", lang=lang)
        assert fig.get_figheight() * CM <= MAX_HEIGHT_CM
        assert not layout_problems(fig)
    fig = _draw(name, lang=lang)
    assert fig.get_figheight() * CM <= MAX_HEIGHT_CM
    assert not layout_problems(fig)


def test_layout_check_sees_overlap_clipping_and_spilled_cell_labels():
    fig = plt.figure(figsize=(2, 2))
    ax = fig.add_subplot()
    ax.pcolormesh(np.arange(3), np.arange(3), np.ones((2, 2)))
    ax.text(0.5, 0.5, "a label far too long for its cell", fontsize=7)
    assert any("spills" in p for p in layout_problems(fig))
    fig = plt.figure(figsize=(2, 2))
    fig.text(0.9, 0.5, "runs past the right edge")
    fig.text(0.1, 0.1, "same place")
    fig.text(0.1, 0.1, "same place too")
    problems = layout_problems(fig)
    assert "'runs past the right edge' clipped" in problems
    assert "'same place' overlaps 'same place too'" in problems


def _cell_texts(ax):
    return [t for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("name", ["theme_shares", "topic_regions", "confusion",
                                  "theme_instrument", "region_similarity"])
def test_cmap_colours_cells_and_labels_follow_it(name):
    # A one-colour map: every finite cell is that colour; labels are white on
    # black and black on white (text_color_on of the cell's actual colour).
    for colour, ink in (("#000000", "white"), ("#ffffff", "black")):
        fig = _draw(name, cmap=ListedColormap([colour]))
        fig.draw_without_rendering()  # face colours are mapped when drawn
        heat = next(ax for ax in fig.axes if ax.collections and _cell_texts(ax))
        mesh = heat.collections[0]
        values = np.ma.masked_invalid(mesh.get_array())
        faces = mesh.get_facecolors()[~np.ma.getmaskarray(values).ravel()]
        assert np.allclose(faces[:, :3], mpl.colors.to_rgb(colour))
        inks = {t.get_color() for t in _cell_texts(heat) if t.get_text() not in {"–"}}
        assert ink in inks


def test_cmap_for_categories_samples_the_map():
    fig = _draw("domain_shares", cmap=ListedColormap(["#111111", "#222222", "#333333",
                                                     "#444444", "#555555", "#666666",
                                                     "#777777", "#888888"]))
    faces = {mpl.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches}
    assert faces <= {f"#{c * 6}" for c in "12345678"}


def test_fontsize_scales_every_text():
    small, large = _draw("theme_shares"), _draw("theme_shares", fontsize=12)
    ax_s, ax_l = small.axes[0], large.axes[0]
    assert ax_s.get_yticklabels()[0].get_fontsize() == 7.0
    assert ax_l.get_yticklabels()[0].get_fontsize() == pytest.approx(10.5)
    assert _cell_texts(ax_s)[0].get_fontsize() == 6.5
    assert _cell_texts(ax_l)[0].get_fontsize() == pytest.approx(6.5 * 1.5)
    assert large.get_figheight() > small.get_figheight()


@pytest.mark.parametrize("name", ONE_PANEL)
def test_ax_draws_into_the_given_axes(name):
    own = plt.figure(figsize=(6, 5))
    ax = own.add_subplot()
    with mpl.rc_context({"pdf.fonttype": 42}):  # no Type 3 warning for a 42 session
        fig = _draw(name, ax=ax)
    assert fig is own
    assert ax.patches or ax.collections
    assert own.get_size_inches().tolist() == [6, 5]


@pytest.mark.parametrize("name", MULTI_PANEL)
def test_ax_is_refused_by_multi_panel_figures(name):
    ax = plt.figure().add_subplot()
    with pytest.raises(ValueError, match="ax must be None for this figure"):
        _draw(name, ax=ax)


def test_ax_with_width_is_refused():
    ax = plt.figure().add_subplot()
    with pytest.raises(ValueError, match="width and height must be None when ax is given"):
        _draw("domain_shares", ax=ax, width="single")


def _fonts(pdf: bytes) -> tuple[bool, bool]:
    return b"/Type3" in pdf.replace(b"/Subtype /Type3", b"/Type3"), b"/FontFile2" in pdf


def test_plain_savefig_of_a_returned_figure_embeds_truetype(tmp_path):
    fig = _draw("domain_shares", width="single")
    with mpl.rc_context({"pdf.fonttype": 3}):  # matplotlib's default outside the style
        fig.savefig(tmp_path / "plain.pdf")
    type3, truetype = _fonts((tmp_path / "plain.pdf").read_bytes())
    assert truetype and not type3


def test_a_users_figure_warns_and_save_embeds_truetype(tmp_path):
    own = plt.figure(figsize=(6, 4))
    ax = own.add_subplot()
    with mpl.rc_context({"pdf.fonttype": 3}):
        with pytest.warns(UserWarning, match="Type 3"):
            _draw("domain_shares", ax=ax)
        own.savefig(tmp_path / "plain.pdf")
        (first,) = save(own, tmp_path / "saved.pdf")
    assert _fonts((tmp_path / "plain.pdf").read_bytes())[0]  # the warning was right
    type3, truetype = _fonts(first.read_bytes())
    assert truetype and not type3


def test_save_is_reproducible_and_takes_formats(tmp_path):
    fig = _draw("instrument_mix", width="single")
    a = save(fig, tmp_path / "a.pdf")
    b = save(fig, tmp_path / "b.pdf")
    assert a[0].read_bytes() == b[0].read_bytes()
    type3, truetype = _fonts(a[0].read_bytes())
    assert truetype and not type3
    written = analysis.save(fig, tmp_path / "c", formats=["pdf", "png"])
    assert written == [tmp_path / "c.png", tmp_path / "c.pdf"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="path must end in one of"):
        save(fig, tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="formats must be drawn from"):
        save(fig, tmp_path / "x", formats=["tiff"])


def test_plot_style_keeps_session_state_set_inside_it():
    # Jupyter's inline backend sets `interactive` when the kernel's first figure is
    # drawn; a plot that undoes it on leaving its style block hides every later figure.
    from analysis.figures.sizing import figure_sizing, plot_style

    sizing = figure_sizing(width="single", height=None, cmap=None, fontsize=8.0, ax=None,
                           default_width=3.5, default_cmap="viridis")
    before = mpl.rcParams["interactive"]
    try:
        mpl.rcParams["interactive"] = False
        with plot_style(sizing):
            mpl.rcParams["interactive"] = True
        assert mpl.rcParams["interactive"] is True
        assert mpl.rcParams["font.size"] != 123  # the style itself is undone
    finally:
        mpl.rcParams["interactive"] = before
