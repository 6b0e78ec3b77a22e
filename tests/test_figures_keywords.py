"""Keyness bars and word clouds."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.figures import keywords
from analysis.figures.labels import label
from analysis.figures.regions import MAX_PANELS

REGIONS = ["tonglu", "xinwu", "licheng"]


def _keyness() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for target in REGIONS:
        rest = "+".join(sorted(set(REGIONS) - {target}))
        for i in range(30):
            log_ratio = rng.normal()
            rows.append({"comparison": f"{target} vs {rest}", "target": target,
                         "reference": rest, "token": f"词{i:02d}", "g2": float(rng.gamma(2.0, 3.0)),
                         "log_ratio": log_ratio})
        # A pairwise comparison in the same table must be ignored.
        rows.append({"comparison": f"{target} vs other", "target": target,
                     "reference": "xinwu" if target != "xinwu" else "tonglu",
                     "token": "配对", "g2": 999.0, "log_ratio": 1.0})
    table = pd.DataFrame(rows)
    for column in schema.KEYNESS:
        if column not in table:
            table[column] = 0
    return table.loc[:, schema.KEYNESS]


def test_top_keywords_matches_an_independent_selection():
    table = _keyness()
    chosen = keywords.top_keywords(table, n_over=4, n_under=3)
    assert "配对" not in set(chosen["token"])
    for target in REGIONS:
        rows = table[(table["target"] == target) & (table["token"] != "配对")]
        over = rows[rows["log_ratio"] > 0].nlargest(4, "g2")["token"].tolist()
        under = rows[rows["log_ratio"] < 0].nlargest(3, "g2")["token"].tolist()
        got = chosen.loc[chosen["target"] == target]
        assert got["token"].tolist() == over + under[::-1]
        signed = got["signed_g2"].to_numpy()
        assert (signed[:4] > 0).all() and (signed[4:] < 0).all()
        np.testing.assert_allclose(np.abs(signed), got["g2"])


def test_keyness_figure_has_one_panel_per_region_with_its_bars():
    fig = keywords.plot_keyness(_keyness(), lang="en", n_over=4, n_under=3)
    titled = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in titled] == [label("region", r, "en")
                                                           for r in REGIONS]
    for ax in titled:
        assert len(ax.patches) == 7
        colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches}
        assert len(colours) == 2  # over- and under-used
    plt.close(fig)


def test_one_vs_rest_requires_such_a_comparison():
    table = _keyness()
    pairwise = table[table["token"] == "配对"]
    with pytest.raises(ValueError, match="against all other"):
        keywords.one_vs_rest(pairwise)


def _keywords_table() -> pd.DataFrame:
    rows = []
    for region in REGIONS:
        for i in range(40):
            rows.append({"region_id": region, "token": f"{region[:2]}词{i}", "n": 40 - i,
                         "per_10k": 10.0 * (40 - i), "doc_freq": 1, "n_docs": 3})
    return pd.DataFrame(rows, columns=schema.KEYWORD_FREQUENCIES)


def test_word_clouds_draw_the_most_frequent_words_of_each_region():
    table = _keywords_table()
    fig = keywords.plot_word_clouds(table, lang="zh", n_words=10)
    clouds = [ax for ax in fig.axes if ax.texts]
    assert len(clouds) == len(REGIONS)
    for ax, region in zip(clouds, REGIONS, strict=True):
        words = {t.get_text() for t in ax.texts}
        top = set(table[table["region_id"] == region].nlargest(10, "per_10k")["token"])
        assert words and words <= top
        assert f"{region[:2]}词0" in words  # the heaviest word always fits
    titles = {t.get_text() for t in fig.texts}
    assert titles == {label("region", r, "zh") for r in REGIONS}
    plt.close(fig)


@pytest.mark.parametrize("n", range(1, MAX_PANELS + 1))
def test_keyness_legend_never_takes_a_row_of_its_own(n):
    n_rows, n_cols, legend_in_grid = keywords.keyness_grid(n)
    assert n_rows == -(-n // n_cols)
    # Every row holds at least one panel; the legend fills what the last leaves.
    assert n_rows * n_cols - n < n_cols
    assert legend_in_grid == (n % n_cols != 0)


@pytest.mark.parametrize("n", [1, 3, 7, 8, MAX_PANELS])
def test_keyness_figure_puts_the_legend_in_the_free_cells_or_above_the_grid(n):
    # One-versus-rest needs two targets; one panel is drawn by capping them.
    targets = [f"r{i}" for i in range(max(n, 2))]
    rows = [{"comparison": f"{t} vs rest", "target": t,
             "reference": "+".join(sorted(set(targets) - {t})),
             "token": f"词{i}", "g2": 5.0 + i, "log_ratio": 1.0 if i % 2 else -1.0}
            for t in targets for i in range(4)]
    table = pd.DataFrame(rows)
    for column in schema.KEYNESS:
        if column not in table:
            table[column] = 0
    fig = keywords.plot_keyness(table, lang="en", max_regions=n)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    others = [ax for ax in fig.axes if not ax.get_title(loc="left")]
    assert len(panels) == n
    _rows, n_cols, legend_in_grid = keywords.keyness_grid(n)
    if legend_in_grid:
        (legend_ax,) = others
        assert legend_ax.get_legend() is not None and not fig.legends
        # The legend spans the free cells of the last row, next to its last panel.
        spec = legend_ax.get_subplotspec()
        assert spec.colspan.stop == n_cols and spec.colspan.start == n % n_cols
        assert spec.rowspan.start == panels[-1].get_subplotspec().rowspan.start
    else:
        assert not others and len(fig.legends) == 1
    plt.close(fig)


def test_keyness_figure_draws_one_arbitrary_comparison_as_one_panel():
    # One comparison (2021 vs 2022, not a region against the rest), worked by hand:
    # over-used by G² 年甲 9 > 年乙 7 > 年丙 5; under-used 年丁 8 > 年戊 3.
    rows = [("年甲", 9.0, 1.0), ("年乙", 7.0, 0.5), ("年丙", 5.0, 2.0), ("年丁", 8.0, -1.0),
            ("年戊", 3.0, -0.2)]
    table = pd.DataFrame(rows, columns=["token", "g2", "log_ratio"]).assign(
        comparison="2021 vs 2022", target="2021", reference="2022")
    for column in schema.KEYNESS:
        if column not in table:
            table[column] = 0
    fig = keywords.plot_keyness(table.loc[:, schema.KEYNESS], lang="en", n_over=2, n_under=1)
    (panel,) = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert panel.get_title(loc="left") == "2021 vs 2022"
    assert [t.get_text() for t in panel.get_yticklabels()] == ["年甲", "年乙", "年丁"]
    np.testing.assert_allclose([p.get_width() for p in panel.patches], [9.0, 7.0, -8.0])
    plt.close(fig)


def test_top_keywords_is_the_statistics_modules_verb_reexported():
    import analysis
    from analysis.text.keyness import top_keywords

    assert keywords.top_keywords is top_keywords is analysis.top_keywords


def _bars(fig) -> dict[str, list[tuple[str, float]]]:
    """Each panel's title -> its (word, signed G²) bars, top to bottom."""
    out = {}
    for ax in fig.axes:
        if ax.get_title(loc="left"):
            words = [t.get_text() for t in ax.get_yticklabels()]
            out[ax.get_title(loc="left")] = list(zip(words, [p.get_width() for p in ax.patches],
                                                     strict=True))
    return out


@pytest.mark.parametrize("cap", [2, 3])
def test_keyness_figure_reads_only_its_columns_and_draws_what_the_whole_table_gives(cap):
    table = _keyness()
    sizes = {"tonglu": 5, "xinwu": 9, "licheng": 7}
    whole = keywords.plot_keyness(table, lang="en", n_over=4, n_under=3, region_sizes=sizes,
                                  max_regions=cap)
    few = keywords.plot_keyness(table.loc[:, list(keywords.KEYNESS_TABLE_COLUMNS)], lang="en",
                                n_over=4, n_under=3, region_sizes=sizes, max_regions=cap)
    assert _bars(few) == _bars(whole)
    # Independently: the statistics module's own selection on the whole table.
    chosen = keywords.top_keywords(table, n_over=4, n_under=3)
    shown = ["xinwu", "licheng", "tonglu"][:cap]
    for region in shown:
        rows = chosen.loc[chosen["target"] == region]
        title = next(t for t in _bars(few) if t.startswith(label("region", region, "en")))
        assert _bars(few)[title] == list(zip(rows["token"], rows["signed_g2"], strict=True))
    assert len(_bars(few)) == cap
    plt.close("all")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_cloud_titles_wrapped_at_single_width_touch_no_cloud(lang):
    # The shipped plans include "An unnamed county in Sichuan", two lines at 8.5 cm.
    from analysis.tables import load_table
    fig = keywords.plot_word_clouds(load_table("keywords"), lang=lang, width="single")
    renderer = fig.canvas.get_renderer()
    clouds = [ax.get_window_extent(renderer) for ax in fig.axes]
    titles = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts]
    assert any("\n" in text for text, _ in titles) or lang == "zh"
    touching = [text for text, box in titles if any(box.overlaps(cloud) for cloud in clouds)]
    assert touching == []
    plt.close(fig)
