"""House style, font embedding and deterministic saving of figures."""

from __future__ import annotations

import logging
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pypdf
import pytest
from PIL import Image

from analysis import schema
from analysis.figures import fonts, style
from analysis.figures.save import (
    DEFAULT_SOURCE_DATE_EPOCH,
    read_manifest,
    save_figure,
    sha256_file,
    source_date,
    write_manifest,
)

CHINESE = "桐庐县教育局工作要点"


def _tiny_figure(title: str = CHINESE):
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(3.0, 2.0))
        ax.bar(["新吴区", "黄石市", "Licheng"], [0.3, -0.1, 0.2])
        ax.set_title(title)
        ax.set_ylabel("字数占比（%）")
    return fig


def _save(fig, out_dir, fig_id="tiny", svg=False):
    return save_figure(
        fig, fig_id, out_dir=out_dir, title="测试图", caption="一个很小的测试图。",
        sources=["theme_by_region"], command="pytest", svg=svg,
    )


@pytest.fixture(autouse=True)
def _no_source_date(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def test_same_figure_saved_twice_is_byte_identical(tmp_path):
    fig = _tiny_figure()
    first = _save(fig, tmp_path / "a", svg=True)
    second = _save(fig, tmp_path / "b", svg=True)
    plt.close(fig)
    # A freshly drawn copy, too: nothing may depend on object ids or call order.
    fig2 = _tiny_figure()
    third = _save(fig2, tmp_path / "c", svg=True)
    plt.close(fig2)
    for ext in ("png", "pdf", "svg"):
        a, b, c = ((tmp_path / d / f"tiny.{ext}").read_bytes() for d in "abc")
        assert a == b == c, ext
    assert first == second == third
    assert first["png_sha256"] == sha256_file(tmp_path / "a" / "tiny.png")
    assert re.fullmatch(r"[0-9a-f]{64}", first["pdf_sha256"])


def test_png_is_300_dpi_and_carries_no_software_stamp(tmp_path):
    fig = _tiny_figure()
    _save(fig, tmp_path)
    plt.close(fig)
    with Image.open(tmp_path / "tiny.png") as image:
        dpi = image.info["dpi"]
        assert round(dpi[0]) == 300 and round(dpi[1]) == 300
        assert "Software" not in image.info
        # 3 x 2 inches at 300 dpi, give or take the tight bounding box.
        assert 700 < image.width < 1000 and 450 < image.height < 700


def _fonts_of(pdf_path):
    reader = pypdf.PdfReader(pdf_path)
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descendant = descendant.get_object()
                descriptor = descendant["/FontDescriptor"].get_object()
                found.append((str(descendant["/BaseFont"]), str(descendant["/Subtype"]),
                              sorted(k for k in descriptor if k.startswith("/FontFile"))))
    return reader, found


def test_pdf_embeds_truetype_cjk_font_and_text_is_extractable(tmp_path):
    fig = _tiny_figure()
    _save(fig, tmp_path)
    plt.close(fig)
    reader, found = _fonts_of(tmp_path / "tiny.pdf")
    cjk = [f for f in found if f[0].endswith("+" + fonts.POSTSCRIPT_NAME)]
    assert cjk, found
    for _name, subtype, files in cjk:
        # CID font with TrueType outlines (FontFile2), not CFF (FontFile3) or Type 3.
        assert subtype == "/CIDFontType2"
        assert files == ["/FontFile2"]
    text = reader.pages[0].extract_text()
    assert CHINESE in text
    assert "字数占比" in text and "新吴区" in text


def test_pdf_dates_follow_source_date_epoch(tmp_path, monkeypatch):
    fig = _tiny_figure()
    _save(fig, tmp_path / "default")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1631577600")  # 2021-09-14T00:00:00Z
    _save(fig, tmp_path / "set")
    plt.close(fig)
    default = pypdf.PdfReader(tmp_path / "default" / "tiny.pdf").metadata
    chosen = pypdf.PdfReader(tmp_path / "set" / "tiny.pdf").metadata
    assert default["/CreationDate"].startswith("D:19700101000000")
    assert chosen["/CreationDate"].startswith("D:20210914000000")
    assert chosen["/ModDate"] == chosen["/CreationDate"]
    assert chosen["/Title"] == "测试图"


def test_source_date_rejects_garbage(monkeypatch):
    assert source_date().timestamp() == DEFAULT_SOURCE_DATE_EPOCH
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        source_date()


def test_chinese_text_raises_no_font_warnings(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="matplotlib.font_manager")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = _tiny_figure("教育优质均衡发展（“双减”）：−3.5%")
        _save(fig, tmp_path, svg=True)
        plt.close(fig)
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in messages if "findfont" in m or "not found" in m], messages


def test_missing_glyph_would_be_reported(tmp_path):
    # The warning check above can fail: Hangul is outside the kept ranges.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = _tiny_figure("한국")
        _save(fig, tmp_path)
        plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_cached_font_is_truetype_and_covers_chinese():
    from fontTools.ttLib import TTFont

    path = fonts.cjk_font_path()
    assert path == fonts.cjk_font_path()  # cached, not rebuilt
    font = TTFont(path)
    assert "glyf" in font and "CFF " not in font
    assert font["name"].getDebugName(1) == fonts.FAMILY
    cmap = font.getBestCmap()
    for char in CHINESE + "，。（）“”：；、０Aaα" + "鲤黄石吴":
        assert ord(char) in cmap, char
    assert ord("한") not in cmap


def test_style_rc_sets_output_settings():
    rc = style.style_rc()
    assert rc["pdf.fonttype"] == 42
    assert rc["svg.hashsalt"] == style.SVG_HASHSALT
    assert rc["font.family"][0] == fonts.FAMILY


def test_diverging_norm_is_centred_and_sequential_starts_at_zero():
    norm = style.diverging_norm([-0.5, 2.0, np.nan])
    assert norm.vmin == -2.0 and norm.vmax == 2.0 and norm(0.0) == pytest.approx(0.5)
    seq = style.sequential_norm([0.1, 0.4])
    assert seq.vmin == 0.0 and seq.vmax == pytest.approx(0.4)


def test_text_color_on_dark_and_light_cells():
    assert style.text_color_on((0.0, 0.0, 0.2, 1.0)) == "white"
    assert style.text_color_on((1.0, 1.0, 0.8, 1.0)) == "black"


def test_categorical_colors_are_distinct_and_stable():
    colors = style.categorical_colors(["b", "a", "c"])
    assert list(colors) == ["b", "a", "c"]
    assert len(set(colors.values())) == 3
    assert colors["b"] == style.QUALITATIVE[0]


def test_manifest_round_trip_sorted_and_unique(tmp_path):
    rows = [
        {"figure_id": "fig_b", "title": "乙", "caption": "c", "sources": "t1;t2",
         "command": "python -m analysis figures", "png_sha256": "1", "pdf_sha256": "2",
         "svg_sha256": ""},
        {"figure_id": "fig_a", "title": "甲", "caption": "c", "sources": "t1",
         "command": "python -m analysis figures", "png_sha256": "3", "pdf_sha256": "4",
         "svg_sha256": "5"},
    ]
    path = write_manifest(rows, tmp_path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read_manifest(tmp_path)
    assert list(table.columns) == schema.FIGURE_MANIFEST
    assert table["figure_id"].tolist() == ["fig_a", "fig_b"]
    assert table.loc[1, "sources"] == "t1;t2" and table.loc[1, "svg_sha256"] == ""
    with pytest.raises(ValueError, match="unique"):
        write_manifest(rows + rows[:1], tmp_path)


@pytest.mark.parametrize(
    ("fig_id", "sources", "message"),
    [("Bad ID", ["t"], "fig_id"), ("ok", [], "sources"), ("ok", ["a;b"], "sources")],
)
def test_save_figure_checks_arguments(tmp_path, fig_id, sources, message):
    fig = _tiny_figure()
    with pytest.raises(ValueError, match=message):
        save_figure(fig, fig_id, out_dir=tmp_path, title="t", caption="c",
                    sources=sources, command="x")
    plt.close(fig)


def test_figure_style_keeps_session_state_set_inside_it_and_undoes_the_style():
    # The inline backend switches interactive mode on with the first pyplot figure;
    # if that happens inside figure_style() the flag must survive, or later figures
    # of a notebook kernel are never shown (issue 13).
    was_interactive, size_before = matplotlib.is_interactive(), matplotlib.rcParams["font.size"]
    try:
        matplotlib.interactive(False)
        with style.figure_style():
            matplotlib.interactive(True)
            assert matplotlib.rcParams["font.size"] == 8.0
        assert matplotlib.is_interactive()
        assert matplotlib.rcParams["font.size"] == size_before
    finally:
        matplotlib.interactive(was_interactive)
