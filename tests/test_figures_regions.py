"""Figures stay bounded with many regions: at most the cap is drawn, and the caption says so."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from analysis import schema
from analysis.figures import keywords, policy, regions, similarity, themes
from analysis.figures.regions import (
    MAX_COLUMNS,
    MAX_DOCUMENTS,
    MAX_MATRIX,
    MAX_PANELS,
    MAX_ROWS,
    caption_note,
    figure_subsets,
    induced_linkage,
    select_regions,
    with_note,
)

N = 150
REGIONS = [f"r{i:03d}" for i in range(N)]
# Sizes grow with the index, so the largest plans are the last ones.
SIZES = {r: float(i) for i, r in enumerate(REGIONS)}


def test_select_regions_largest_first_shown_in_manifest_order():
    shown, subset = select_regions(REGIONS[::-1], cap=5, sizes=SIZES)
    assert shown == REGIONS[-5:]
    assert (subset.n_shown, subset.n_total, subset.rule) == (5, N, "largest")
    shown, subset = select_regions(REGIONS, cap=5)
    assert shown == REGIONS[:5] and subset.rule == "manifest"
    shown, subset = select_regions(REGIONS[:3], cap=5, sizes=SIZES)
    assert shown == REGIONS[:3] and not subset.is_subset
    with pytest.raises(ValueError, match="cap"):
        select_regions(REGIONS, cap=0)


def test_caption_note_in_both_languages():
    _shown, subset = select_regions(REGIONS, cap=12, sizes=SIZES)
    assert caption_note([subset], "en") == (
        "Only 12 of the 150 regions are shown (the plans with the most text units, "
        "listed in manifest order).")
    assert "150个地区中的12个" in caption_note([subset], "zh")
    assert with_note("Caption.", [], "en") == "Caption."
    assert with_note("Caption.", [subset], "en").startswith("Caption. Only 12 of the 150")


def test_induced_linkage_keeps_the_merge_heights():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(10, 3))
    z = hierarchy.linkage(points, method="average")
    leaves = [f"l{i}" for i in range(10)]
    keep = ["l1", "l4", "l7", "l8"]
    z_kept, kept = induced_linkage(z, leaves, keep)
    assert kept == keep and z_kept.shape == (3, 4)
    # Two kept leaves join at the height at which they join in the full tree.
    full = squareform(hierarchy.cophenet(z))
    small = squareform(hierarchy.cophenet(z_kept))
    index = [leaves.index(k) for k in keep]
    np.testing.assert_allclose(small, full[np.ix_(index, index)])


def _keyness() -> pd.DataFrame:
    rows = []
    for region in REGIONS:
        for i in range(4):
            rows.append({"comparison": f"{region} vs rest", "target": region,
                         "reference": f"{N - 1} region_id values", "token": f"词{i}",
                         "g2": 5.0 + i, "log_ratio": 1.0 if i % 2 else -1.0})
    table = pd.DataFrame(rows)
    for column in schema.KEYNESS:
        if column not in table:
            table[column] = 0
    return table


def test_keyness_and_clouds_draw_at_most_the_cap_of_panels():
    fig = keywords.plot_keyness(_keyness(), lang="en", region_sizes=SIZES)
    titled = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titled == REGIONS[-MAX_PANELS:]
    (subset,) = figure_subsets(fig)
    assert (subset.n_shown, subset.n_total) == (MAX_PANELS, N)
    plt.close(fig)
    words = pd.DataFrame([{"region_id": r, "token": f"词{i}", "n": 5 - i, "per_10k": 5.0 - i,
                           "doc_freq": 1, "n_docs": 1} for r in REGIONS for i in range(3)])
    fig = keywords.plot_word_clouds(words, lang="zh", n_words=3)
    assert len(fig.axes) == MAX_PANELS
    assert [t.get_text() for t in fig.texts] == REGIONS[:MAX_PANELS]  # manifest order
    plt.close(fig)


def test_heatmaps_and_bars_are_capped():
    rows = [{"region_id": r, "part": "plan", "theme_id": "teachers", "theme_zh": "",
             "theme_en": "", "domain": "teachers", "n_sentences": 2, "n_chars": 10,
             "share_chars": 1.0, "share_sentences": 1.0} for r in REGIONS]
    fig = themes.plot_theme_shares(pd.DataFrame(rows), lang="en", region_sizes=SIZES)
    assert len(fig.axes[0].get_xticklabels()) == MAX_COLUMNS
    plt.close(fig)
    domains = pd.DataFrame(rows).drop(columns=["theme_id", "theme_zh", "theme_en"]).assign(
        domain_zh="", domain_en="")
    fig = themes.plot_domain_shares(domains, lang="zh")
    assert len(fig.axes[0].get_yticklabels()) == MAX_ROWS
    assert figure_subsets(fig)[0].rule == "manifest"
    plt.close(fig)


def test_region_similarity_is_capped_with_the_tree_restricted():
    n = 40
    names = REGIONS[:n]
    rng = np.random.default_rng(5)
    points = rng.normal(size=(n, 4))
    z = hierarchy.linkage(points, method="average")
    distance = squareform(hierarchy.distance.pdist(points))
    cosine = 1 - distance / distance.max()
    pairs = pd.DataFrame([{"region_a": names[i], "region_b": names[j],
                           "cosine": cosine[i, j]} for i in range(n) for j in range(i + 1, n)])
    linkage = pd.DataFrame([
        {"step": s, "cluster_id": n + s - 1, "cluster_a": int(a), "cluster_b": int(b),
         "label_a": names[int(a)] if a < n else "c", "label_b": names[int(b)] if b < n else "c",
         "distance": d, "size": int(k), "members": ""}
        for s, (a, b, d, k) in enumerate(z, start=1)])
    fig = similarity.plot_region_similarity(pairs, linkage, lang="en", region_sizes=SIZES)
    heatmap = fig.axes[1]
    assert len(heatmap.get_xticklabels()) == MAX_MATRIX
    assert {t.get_text() for t in heatmap.get_yticklabels()} == set(names[-MAX_MATRIX:])
    plt.close(fig)


def test_citation_network_caps_plans_and_documents():
    network = pd.DataFrame([{"title_norm": f"文件{d}", "level": "central", "region_id": r,
                             "n_mentions": 1, "n_regions": 1}
                            for i, r in enumerate(REGIONS) for d in (i, i + 1, 999)])
    fig = policy.plot_citation_network(network, lang="en", region_sizes=SIZES)
    plan_subset, doc_subset = figure_subsets(fig)
    assert (plan_subset.n_shown, plan_subset.n_total) == (MAX_ROWS, N)
    assert doc_subset.n_shown <= MAX_DOCUMENTS and doc_subset.n_total == N + 2
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sum(label in REGIONS for label in labels) == MAX_ROWS
    # The document every plan cites is the first kept.
    assert any(label.startswith("文件999") for label in labels)
    plt.close(fig)


def test_caps_are_documented_positive_integers():
    for name in ("MAX_PANELS", "MAX_ROWS", "MAX_COLUMNS", "MAX_MATRIX", "MAX_THEME_MATRIX",
                 "MAX_DOCUMENTS"):
        value = getattr(regions, name)
        assert isinstance(value, int) and value > 0


def test_make_all_figures_says_in_the_caption_which_regions_are_shown(tmp_path):
    from analysis.figures import make

    processed = tmp_path / "processed"
    processed.mkdir()
    domains = pd.DataFrame([{"region_id": r, "part": "plan", "domain": "teachers",
                             "domain_zh": "", "domain_en": "", "n_sentences": 2, "n_chars": 10,
                             "share_chars": 1.0, "share_sentences": 1.0} for r in REGIONS])
    domains.loc[:, schema.DOMAIN_BY_REGION].to_parquet(processed / "domain_by_region.parquet")
    pd.DataFrame({"region_id": REGIONS, "n_units": [SIZES[r] for r in REGIONS]}).to_parquet(
        processed / "regions.parquet")
    manifest = make.make_all_figures(processed, tmp_path / "figures", lang="en",
                                     skip_missing=True).set_index("figure_id")
    row = manifest.loc["fig02_domain_shares_en"]
    assert row["caption"].endswith(
        f"Only {MAX_ROWS} of the 150 regions are shown (the plans with the most text units, "
        "listed in manifest order).")
    assert row["sources"] == "domain_by_region;regions"
