"""Clustered similarity heatmap and per-theme small multiples."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from analysis import schema
from analysis.figures import similarity
from analysis.figures.labels import label

REGIONS = ["huangshi", "licheng", "sichuan_county", "tonglu", "xinwu"]
COSINE = {("huangshi", "licheng"): 0.74, ("huangshi", "sichuan_county"): 0.55,
          ("huangshi", "tonglu"): 0.64, ("huangshi", "xinwu"): 0.64,
          ("licheng", "sichuan_county"): 0.61, ("licheng", "tonglu"): 0.67,
          ("licheng", "xinwu"): 0.68, ("sichuan_county", "tonglu"): 0.56,
          ("sichuan_county", "xinwu"): 0.51, ("tonglu", "xinwu"): 0.58}


def _pairs() -> pd.DataFrame:
    return pd.DataFrame([{"region_a": a, "region_b": b, "cosine": c}
                         for (a, b), c in COSINE.items()])


def _linkage_table() -> tuple[pd.DataFrame, np.ndarray]:
    # Built independently with scipy, in the table layout analysis.text.similarity writes.
    distance = np.zeros((5, 5))
    for (a, b), c in COSINE.items():
        i, j = REGIONS.index(a), REGIONS.index(b)
        distance[i, j] = distance[j, i] = 1 - c
    z = hierarchy.linkage(squareform(distance), method="average")
    rows = []
    for step, (a, b, d, size) in enumerate(z, start=1):
        a, b = int(a), int(b)
        rows.append({"step": step, "cluster_id": 4 + step, "cluster_a": a, "cluster_b": b,
                     "label_a": REGIONS[a] if a < 5 else f"cluster {a}",
                     "label_b": REGIONS[b] if b < 5 else f"cluster {b}",
                     "distance": d, "size": int(size), "members": ""})
    return pd.DataFrame(rows, columns=schema.REGION_LINKAGE), z


def test_linkage_matrix_round_trips_scipy():
    table, z = _linkage_table()
    got, leaves = similarity.linkage_matrix(table.iloc[::-1])  # row order must not matter
    np.testing.assert_allclose(got, z)
    assert leaves == REGIONS


def test_dendrogram_takes_what_region_linkage_returns():
    from analysis.text.clustering import RegionLinkage, region_linkage

    table, z = _linkage_table()
    result = region_linkage(_pairs())
    got, leaves = similarity.linkage_matrix(result)
    np.testing.assert_allclose(got, z)
    assert leaves == REGIONS
    fig = similarity.plot_region_similarity(_pairs(), result, lang="en")
    heat = next(ax for ax in fig.axes if any(isinstance(c, QuadMesh) for c in ax.collections)
                and ax.get_yticklabels())
    order = [REGIONS[i] for i in hierarchy.dendrogram(z, no_plot=True)["leaves"]]
    names = [t.get_text().replace("\n", " ") for t in heat.get_yticklabels()]
    assert names == [label("region", r, "en") for r in order]
    plt.close(fig)
    swapped = result.leaves.assign(region_id=result.leaves["region_id"].iloc[::-1].to_numpy())
    with pytest.raises(ValueError, match="name different regions"):
        similarity.linkage_matrix(RegionLinkage(steps=result.steps, leaves=swapped))
    with pytest.raises(TypeError, match="RegionLinkage"):
        similarity.linkage_matrix(z)


def test_square_matrix_is_symmetric_with_blank_diagonal():
    matrix = similarity.square_matrix(_pairs(), REGIONS)
    values = matrix.to_numpy()
    assert np.isnan(np.diag(values)).all()
    np.testing.assert_allclose(values, values.T)
    assert matrix.loc["xinwu", "tonglu"] == 0.58


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_follows_the_dendrogram_leaf_order(lang):
    table, z = _linkage_table()
    fig = similarity.plot_region_similarity(_pairs(), table, lang=lang)
    heat = next(ax for ax in fig.axes if any(isinstance(c, QuadMesh) for c in ax.collections)
                and ax.get_yticklabels())
    leaves = [REGIONS[i] for i in hierarchy.dendrogram(z, no_plot=True)["leaves"]]
    names = [t.get_text().replace("\n", " ") for t in heat.get_yticklabels()]
    assert names == [label("region", r, lang) for r in leaves]
    mesh = next(c for c in heat.collections if isinstance(c, QuadMesh))
    drawn = np.ma.filled(mesh.get_array(), np.nan).reshape(5, 5)
    expected = similarity.square_matrix(_pairs(), leaves).to_numpy()
    np.testing.assert_allclose(drawn, expected)
    plt.close(fig)


def test_heatmap_refuses_a_linkage_of_other_regions():
    table, _ = _linkage_table()
    with pytest.raises(ValueError, match="clusters"):
        pairs = _pairs()
        no_xinwu = pairs[(pairs["region_a"] != "xinwu") & (pairs["region_b"] != "xinwu")]
        similarity.plot_region_similarity(no_xinwu, table)


def test_theme_panels_show_compared_pairs_and_grey_out_the_rest():
    rows = []
    for a, b in itertools.combinations(REGIONS[:4], 2):
        rows.append({"theme": "teachers", "region_a": a, "region_b": b, "cosine": 0.4})
    rows.append({"theme": "party", "region_a": "huangshi", "region_b": "xinwu", "cosine": 0.3})
    rows.append({"theme": "moral", "region_a": "huangshi", "region_b": "xinwu",
                 "cosine": np.nan})
    fig = similarity.plot_theme_similarity(pd.DataFrame(rows), lang="en", n_cols=2)
    panels = [ax for ax in fig.axes if ax.get_title()]
    # Codebook order; a theme with no compared pair gets no panel.
    assert [ax.get_title().replace("\n", " ") for ax in panels] == [
        label("theme", "party", "en"), label("theme", "teachers", "en")]
    party, teachers = panels
    # Regions in manifest order: tonglu, xinwu, huangshi, sichuan_county, licheng;
    # the lower triangle has 10 cells.
    assert len(party.patches) == 9  # all but the one compared pair
    assert len(teachers.patches) == 10 - 6
    assert [t.get_text() for t in party.texts] == ["0.30"]
    plt.close(fig)


def test_a_sixth_plan_adds_panel_columns_instead_of_a_figure_taller_than_a_page():
    # With five plans four panels a row fit a page; a sixth plan makes every panel a
    # row and a column larger, and four a row would then be 24.6 cm tall (FitWarning).
    import itertools
    import warnings

    from analysis.coding.themes import load_codebook
    from analysis.figures.similarity import plot_theme_similarity
    from analysis.figures.sizing import MAX_HEIGHT_CM

    themes = [t.id for t in load_codebook().themes][:18]
    regions = ["tonglu", "xinwu", "huangshi", "sichuan_county", "licheng", "qingxi"]
    table = pd.DataFrame([{"theme": th, "region_a": a, "region_b": b, "cosine": 0.4}
                          for th in themes for a, b in itertools.combinations(regions, 2)])
    for lang in ("zh", "en"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig = plot_theme_similarity(table, lang=lang)
        assert fig.get_figheight() * 2.54 <= MAX_HEIGHT_CM
        assert len([ax for ax in fig.axes if ax.get_title()]) == len(themes)
        plt.close(fig)
