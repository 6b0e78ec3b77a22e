"""Theme heatmap and domain bars drawn from theme_by_region / domain_by_region."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from analysis import schema
from analysis.figures import themes
from analysis.figures.labels import label

REGIONS = ["licheng", "tonglu", "huangshi"]  # deliberately not in manifest order
THEMES = [("teachers", "teachers"), ("party", "party"), ("preschool", "levels"),
          ("moral", "development"), ("unassigned", "unassigned")]


def _theme_table() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for region in REGIONS:
        chars = rng.integers(1, 50, size=len(THEMES))
        chars[-1] = 0  # nothing unassigned: the row must be left out
        for (theme, domain), n in zip(THEMES, chars, strict=True):
            rows.append({"region_id": region, "part": "plan", "theme_id": theme,
                         "theme_zh": "", "theme_en": "", "domain": domain,
                         "n_sentences": 1, "n_chars": int(n),
                         "share_chars": n / chars.sum(), "share_sentences": 0.2})
    return pd.DataFrame(rows, columns=schema.THEME_BY_REGION)


def _domain_table() -> pd.DataFrame:
    table = _theme_table()
    grouped = table.groupby(["region_id", "part", "domain"], as_index=False).agg(
        n_sentences=("n_sentences", "sum"), n_chars=("n_chars", "sum"),
        share_chars=("share_chars", "sum"), share_sentences=("share_sentences", "sum"))
    grouped["domain_zh"] = ""
    grouped["domain_en"] = ""
    return grouped.loc[:, schema.DOMAIN_BY_REGION]


def test_theme_order_groups_by_codebook_domain_and_drops_empty_unassigned():
    order = themes.theme_order(_theme_table())
    # Codebook domain order: party, development, levels, teachers, ...
    assert order == ["party", "moral", "preschool", "teachers"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_cells_are_the_input_shares(lang):
    table = _theme_table()
    fig = themes.plot_theme_shares(table, lang=lang)
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    drawn = np.asarray(mesh.get_array()).reshape(4, 3)
    rows, columns = ["party", "moral", "preschool", "teachers"], ["tonglu", "huangshi", "licheng"]
    expected = (table.pivot(index="theme_id", columns="region_id", values="share_chars")
                .loc[rows, columns])
    np.testing.assert_allclose(drawn, expected.to_numpy())
    names = [t.get_text().replace("\n", "") for t in ax.get_xticklabels()]
    assert names[0] == label("region", "tonglu", lang).replace(" ", "")
    assert [t.get_text() for t in ax.get_yticklabels()][0] == label("theme", "party", lang)
    notes = {t.get_text() for t in ax.texts}
    assert f"{100 * expected.iloc[0, 0]:.1f}" in notes
    plt.close(fig)


def test_domain_bars_add_up_to_one_and_follow_codebook_order():
    fig = themes.plot_domain_shares(_domain_table(), lang="en")
    ax = fig.axes[0]
    widths = np.array([p.get_width() for p in ax.patches]).reshape(-1, 3)
    np.testing.assert_allclose(widths.sum(axis=0), 1.0)
    legend = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert legend == [label("domain", d, "en") for d in
                      ["party", "development", "levels", "teachers"]]
    plt.close(fig)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="part must be one of"):
        themes.plot_theme_shares(_theme_table(), part="review")
    with pytest.raises(ValueError, match="value must be one of"):
        themes.plot_theme_shares(_theme_table(), value="n_chars")
    with pytest.raises(ValueError, match="lacks the columns"):
        themes.plot_domain_shares(_theme_table().drop(columns="n_chars"))
