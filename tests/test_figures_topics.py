"""Topic-term small multiples and the region x topic heatmap."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from analysis import schema
from analysis.figures import topics
from analysis.figures.labels import label

REGIONS = ["xinwu", "tonglu"]


COVERAGE = {1: 0.5, 2: 0.3, 3: 0.2}


def _terms() -> pd.DataFrame:
    rows = []
    for model in ("nmf", "lda"):
        for topic in (1, 2, 3):
            for rank in range(1, 11):
                rows.append({"model": model, "topic": topic, "rank": rank,
                             "term": f"{model}{topic}词{rank}", "weight": 0.1 / rank,
                             "relevance": -0.1 * rank, "coverage": COVERAGE[topic]})
    return pd.DataFrame(rows, columns=schema.TOPICS_TERMS).sample(frac=1.0, random_state=1)


def _regions() -> pd.DataFrame:
    shares = {"xinwu": [0.5, 0.3, 0.2], "tonglu": [0.1, 0.1, 0.8]}
    rows = [{"model": "nmf", "region_id": r, "topic": t + 1, "share": s}
            for r, values in shares.items() for t, s in enumerate(values)]
    return pd.DataFrame(rows, columns=schema.TOPICS_REGIONS)


def test_top_terms_are_sorted_by_topic_and_rank():
    got = topics.top_terms(_terms(), model="lda", n_terms=3)
    assert got["term"].tolist() == [f"lda{t}词{r}" for t in (1, 2, 3) for r in (1, 2, 3)]


def test_topic_terms_figure_has_one_panel_per_topic():
    fig = topics.plot_topic_terms(_terms(), lang="en", n_terms=5, n_cols=2)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == [
        "Topic 1 (covers 50%)", "Topic 2 (covers 30%)", "Topic 3 (covers 20%)"]
    first = panels[0]
    assert [t.get_text() for t in first.get_yticklabels()] == [f"nmf1词{r}" for r in range(1, 6)]
    np.testing.assert_allclose([p.get_width() for p in first.patches],
                               [0.1 / r for r in range(1, 6)])
    plt.close(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_topic_region_heatmap_cells_and_labels(lang):
    fig = topics.plot_topic_regions(_regions(), _terms(), lang=lang)
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(2, 3),
                               [[0.1, 0.1, 0.8], [0.5, 0.3, 0.2]])  # tonglu first (manifest)
    assert ax.get_yticklabels()[0].get_text() == label("region", "tonglu", lang)
    first = ax.get_xticklabels()[0].get_text().split("\n")
    assert first[1:] == ["nmf1词1", "nmf1词2", "nmf1词3"]
    plt.close(fig)


def test_unknown_model_is_named():
    with pytest.raises(ValueError, match="model must be one of"):
        topics.plot_topic_terms(_terms(), model="bertopic")


def test_topic_terms_follow_the_relevance_rank_not_the_weight():
    # Rank 1 (most relevant) has a smaller weight than rank 2: the bars keep rank order.
    terms = _terms()
    first = (terms["model"] == "nmf") & (terms["topic"] == 1)
    terms.loc[first & (terms["rank"] == 1), "weight"] = 0.01
    fig = topics.plot_topic_terms(terms, lang="zh", n_terms=3, n_cols=3)
    panel = [ax for ax in fig.axes if ax.get_title(loc="left")][0]
    assert panel.get_title(loc="left") == "主题1（覆盖50%）"
    assert [t.get_text() for t in panel.get_yticklabels()] == ["nmf1词1", "nmf1词2", "nmf1词3"]
    np.testing.assert_allclose([p.get_width() for p in panel.patches], [0.01, 0.05, 0.1 / 3])
    plt.close(fig)
