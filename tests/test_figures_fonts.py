"""The font of the characters the figures of a corpus can draw; nothing drawn is missing."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pypdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from analysis import schema
from analysis.figures import charset, fonts, keywords, make, style
from analysis.figures.save import save_figure

# A CJK Extension B ideograph (U+20BB7): in Noto Sans CJK SC but outside the
# ranges of the full font, so only a font built from the tables can draw it.
RARE = "𠮷"
REGIONS = ["tonglu", "xinwu", "huangshi"]


def _keywords(tokens: list[str]) -> pd.DataFrame:
    rows = [{"region_id": r, "token": token, "n": 10 - i, "per_10k": 10.0 - i, "doc_freq": 1,
             "n_docs": 1} for r in REGIONS for i, token in enumerate(tokens)]
    return pd.DataFrame(rows).loc[:, schema.KEYWORD_FREQUENCIES]


def _write_keywords(folder, tokens: list[str]):
    folder.mkdir()
    _keywords(tokens).to_parquet(folder / "keywords.parquet")
    return folder


def test_character_set_adds_the_base_ranges_and_the_hinting_reference():
    chars = fonts.character_set(["龘\n", "龘A"])
    assert chars == "".join(sorted(set(chars)))
    assert "龘" in chars and "\n" not in chars
    # matplotlib's own text (digits, minus sign), CJK punctuation, fullwidth forms.
    for char in "0123456789.e+%\u2212，。、（）《》０":
        assert char in chars, char
    # The characters FreeType's auto-hinter measures, when the full font has them.
    assert "田" in chars and "他" in chars and "\u1d62" not in chars


def test_charset_font_holds_its_characters_and_is_cached_by_them(tmp_path):
    font = fonts.charset_font([RARE + "龘"], cache_dir=tmp_path)
    assert font.path == fonts.charset_font([RARE + "龘"], cache_dir=tmp_path).path
    other = fonts.charset_font(["龘"], cache_dir=tmp_path)
    assert other.path != font.path and other.family != font.family
    assert font.family.startswith(fonts.FAMILY) and font.family != fonts.FAMILY
    ttf = TTFont(font.path)
    assert "glyf" in ttf and "CFF " not in ttf
    assert ttf["name"].getDebugName(1) == font.family
    assert ttf["name"].getDebugName(6) == fonts.POSTSCRIPT_NAME
    cmap = ttf.getBestCmap()
    for char in RARE + "龘A，田":
        assert ord(char) in cmap, char
    assert ord("鲤") not in cmap
    assert len(ttf.getGlyphOrder()) < 1000


def _draw(title: str):
    with style.figure_style():
        fig, ax = plt.subplots(figsize=(3.0, 2.0))
        ax.bar(["新吴区", "黄石市", "Licheng"], [0.3, -0.1, 0.2])
        ax.set_title(title)
        ax.set_ylabel("字数占比（%）")
    buffer = io.BytesIO()
    with style.figure_style():
        fig.savefig(buffer, format="png", dpi=150)
    plt.close(fig)
    return np.asarray(Image.open(buffer))


def test_charset_font_renders_pixel_for_pixel_like_the_full_font(tmp_path):
    # FreeType auto-hints the converted outlines from reference characters of
    # each script; without them in the small font, every ideograph would move.
    title = "教育优质均衡发展（“双减”）：−3.5%"
    full = _draw(title)
    with fonts.use_characters([title, "新吴区黄石市字数占比"], cache_dir=tmp_path):
        small = _draw(title)
    assert np.array_equal(full, small)


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_a_character_outside_the_set_fails_the_save(tmp_path):
    with fonts.use_characters(["甲乙"], cache_dir=tmp_path / "cache"):
        with style.figure_style():
            fig, ax = plt.subplots(figsize=(2.0, 1.5))
            ax.set_title("甲乙龘")
        with pytest.raises(fonts.MissingCharactersError, match="U\\+9F98"):
            save_figure(fig, "tiny", out_dir=tmp_path / "out", title="t", caption="c",
                        sources=["keywords"], command="pytest")
        plt.close(fig)
    assert not (tmp_path / "out" / "tiny.png").exists()
    assert not (tmp_path / "out" / "tiny.pdf").exists()
    assert fonts.active_font().chars is None  # the full font again outside the block


def test_a_rare_character_of_the_tables_is_drawn_and_extractable(tmp_path):
    processed = _write_keywords(tmp_path / "processed", [f"{RARE}野", "教育", "学校"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        manifest = make.make_all_figures(processed, tmp_path / "out", lang="zh",
                                         skip_missing=True)
    assert manifest["figure_id"].tolist() == ["fig04_word_clouds_zh"]
    text = pypdf.PdfReader(tmp_path / "out" / "fig04_word_clouds_zh.pdf").pages[0].extract_text()
    assert f"{RARE}野" in text


def test_the_same_character_is_missing_from_the_full_font():
    # What the test above guards against: drawn with a font that was not built
    # from the tables (here the full font), the character has no glyph.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = keywords.plot_word_clouds(_keywords([f"{RARE}野", "教育"]), lang="zh", n_words=2)
        fig.savefig(io.BytesIO(), format="png", dpi=50)
        plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_a_glyph_no_font_has_stops_the_build(tmp_path):
    # U+E000 (private use) is in the character set, since the table has it, but
    # neither Noto Sans CJK nor DejaVu Sans draws it.
    processed = _write_keywords(tmp_path / "processed", ["\ue000词", "教育"])
    with pytest.raises(UserWarning, match="missing from font"):
        make.make_all_figures(processed, tmp_path / "out", lang="zh", skip_missing=True)


def test_figure_characters_reads_string_columns_and_yaml_strings_not_comments(tmp_path):
    processed = _write_keywords(tmp_path / "processed", ["鼎", "鼐"])
    rules = tmp_path / "labels.yml"
    rules.write_text("# 龘 in a comment is never drawn\nkey: {zh: 甄, en: Zhen}\n",
                     encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("region_id,name_zh,name_en\nx,甑县,Zeng\n", encoding="utf-8-sig")
    chars = charset.figure_characters(processed, ["keywords", "no_such_table"],
                                      files=[rules, manifest], extra=["翥"])
    for char in "鼎鼐tonglu甄Zhen甑县翥":
        assert char in chars, char
    assert "龘" not in chars
    assert chars == fonts.character_set([chars])


def test_table_characters_read_in_batches_are_those_of_the_whole_table(tmp_path, monkeypatch):
    tokens = ["鼎", "鼐", "甄别", "abc", "翥"]
    processed = _write_keywords(tmp_path / "processed", tokens)
    table = _keywords(tokens)
    # Independently: every character of every string cell.
    expected = set("".join(table["region_id"]) + "".join(table["token"]))
    monkeypatch.setattr(charset, "_BATCH_ROWS", 2)  # many batches, each with a few values
    assert charset.table_characters(processed, ["keywords"]) == expected
    monkeypatch.setattr(charset, "_BATCH_ROWS", 1_000)
    assert charset.table_characters(processed, ["keywords"]) == expected
