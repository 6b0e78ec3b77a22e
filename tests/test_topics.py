"""Tests for analysis.text.topics: hand-worked stability and coherence, planted topics, seeds."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.utils.parallel import Parallel

from analysis import config, schema
from analysis.text import topics as tp

BLOCKS = {
    "teachers": ["教师", "师德", "校长", "培训", "职称", "编制", "骨干", "轮岗"],
    "safety": ["安全", "防溺水", "消防", "食品", "欺凌", "隐患", "应急", "演练"],
    "preschool": ["幼儿园", "学前", "普惠", "保教", "托育", "园所", "入园", "保育"],
}


def planted_corpus(seed: int = 0, n_regions: int = 4, units_per_block: int = 12):
    """Units that each draw their words from one block: three clean topics."""
    rng = np.random.default_rng(seed)
    token_rows, unit_rows = [], []
    for r in range(n_regions):
        region = f"r{r}"
        n = 0
        for theme, words in BLOCKS.items():
            for _ in range(units_per_block):
                n += 1
                unit_id = f"{region}-{n:04d}"
                # Zipf-like within a block, so that the blocks' term rankings are clear.
                p = 1.0 / np.arange(1, len(words) + 1)
                toks = list(rng.choice(words, size=int(rng.integers(4, 8)), p=p / p.sum()))
                unit_rows.append({"region_id": region, "unit_id": unit_id,
                                  "text": "".join(toks), "theme": theme})
                token_rows += [{"region_id": region, "unit_id": unit_id, "position": p,
                                "token": t} for p, t in enumerate(toks)]
    return pd.DataFrame(token_rows), pd.DataFrame(unit_rows)


# ------------------------------------------------------------------ measures by hand

def test_average_jaccard_hand_example():
    # depth 1: {a} vs {b} = 0; depth 2: {a,b} vs {b,a} = 1; depth 3: {a,b,c} vs {b,a,d} = 2/4.
    assert tp.average_jaccard(["a", "b", "c"], ["b", "a", "d"]) == pytest.approx(0.5)
    assert tp.average_jaccard(["a", "b"], ["a", "b"]) == 1.0


def test_ranking_agreement_hand_example():
    reference = [["a", "b"], ["c", "d"]]
    other = [["c", "d"], ["a", "e"]]
    # AJ([a,b],[a,e]) = (1 + 1/3)/2 = 2/3; AJ([c,d],[c,d]) = 1; best matching pairs these.
    assert tp.ranking_agreement(reference, other) == pytest.approx((2 / 3 + 1) / 2)


def test_npmi_hand_example():
    # Units: {t0,t1}, {t0,t1}, {t0}, {t2}.  p0 = 3/4, p1 = 1/2, p01 = 1/2.
    binary = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 0, 1]]))
    npmi01 = math.log(0.5 / (0.75 * 0.5)) / -math.log(0.5)
    got = tp.npmi_coherence([[0, 1], [0, 1, 2]], binary)
    assert got[0] == pytest.approx(npmi01)
    # t2 never co-occurs with t0 or t1: those pairs score -1.
    assert got[1] == pytest.approx((npmi01 - 1 - 1) / 3)


# ------------------------------------------------------------------ planted topics

@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_fit_recovers_planted_topics(model):
    tokens, units = planted_corpus()
    result = tp.fit_topics(tokens, units, k=3, model=model, random_state=7, min_df=1,
                           max_df=1.0)
    # Each topic's top terms come from one block, and the blocks are all used.
    found = set()
    for _, group in result.terms.groupby("topic"):
        top = set(group.sort_values("rank")["term"].head(5))
        owners = [name for name, words in BLOCKS.items() if top <= set(words)]
        assert len(owners) == 1
        found.add(owners[0])
    assert found == set(BLOCKS)
    # The crosstab lines each topic up with exactly one coded theme.
    dominant = result.themes[result.themes.share > 0.5]
    assert len(dominant) == 3 and set(dominant.theme) == set(BLOCKS)
    assert (dominant.share > 0.95).all()
    for table, columns in zip(result, (schema.TOPICS_TERMS, schema.TOPICS_UNITS,
                                       schema.TOPICS_REGIONS, schema.TOPICS_VS_THEMES,
                                       schema.TOPIC_LABELS),
                              strict=True):
        assert list(table.columns) == columns
        assert (table["model"] == model).all()


def test_weights_and_shares_add_up():
    tokens, units = planted_corpus(1)
    result = tp.fit_topics(tokens, units, k=3, model="nmf", random_state=7, min_df=1)
    per_unit = result.units.groupby("unit_id")["weight"].sum()
    assert np.allclose(per_unit, 1.0)
    per_region = result.regions.groupby("region_id")["share"].sum()
    assert np.allclose(per_region, 1.0)
    # Region share = mean of its units' weights (each unit once), recomputed independently.
    wide = result.units.pivot_table(index=["region_id", "unit_id"], columns="topic",
                                    values="weight", fill_value=0.0)
    expected = wide.groupby("region_id").mean().stack().rename("share")
    got = result.regions.set_index(["region_id", "topic"])["share"]
    assert np.allclose(got.sort_index(), expected.sort_index(), atol=1e-9)
    # Topics are numbered by decreasing total weight.
    mass = result.units.groupby("topic")["weight"].sum()
    assert (np.diff(mass.sort_index().to_numpy()) <= 1e-6).all()
    # Term weights are shares of the topic's row (at most 1); ranks follow relevance.
    for _, group in result.terms.groupby("topic"):
        ranked = group.sort_values("rank")
        assert ranked["weight"].sum() <= 1 + 1e-9
        assert (np.diff(ranked["relevance"].dropna().to_numpy()) <= 1e-9).all()
    # Coverage: each topic's share of units whose largest topic it is; they add up to 1.
    dominant = result.units.sort_values(["unit_id", "weight", "topic"],
                                        ascending=[True, False, True]).drop_duplicates("unit_id")
    expected_cov = dominant["topic"].value_counts(normalize=True).sort_index()
    labels = result.labels.set_index("topic")
    assert np.allclose(labels["coverage"].reindex(expected_cov.index), expected_cov)
    assert labels["n_units"].sum() == dominant["unit_id"].nunique()
    assert np.isclose(labels["weight_share"].sum(), 1.0)
    per_term = result.terms.groupby("topic")["coverage"].agg(["min", "max"])
    assert (per_term["min"] == per_term["max"]).all()
    assert np.allclose(per_term["min"], labels["coverage"].reindex(per_term.index))
    # The label is the three most relevant terms, in rank order.
    for topic, group in result.terms.groupby("topic"):
        assert labels.loc[topic, "label"] == "、".join(group.sort_values("rank")["term"].head(3))


# ------------------------------------------------------------------ relevance

def test_relevance_matches_a_hand_computation():
    # Two topics over three terms; p_w = (0.5, 0.3, 0.2).
    phi = np.array([[0.6, 0.3, 0.1], [0.2, 0.0, 0.8]])
    p = np.array([0.5, 0.3, 0.2])
    lam = 0.6
    got = tp.topic_relevance(phi, p, relevance_lambda=lam)
    # Topic 1, term 1: 0.6 ln 0.6 + 0.4 ln(0.6 / 0.5) = -0.306495 + 0.072929 = -0.233567
    assert got[0, 0] == pytest.approx(0.6 * math.log(0.6) + 0.4 * math.log(1.2))
    assert got[0, 0] == pytest.approx(-0.233567, abs=1e-6)
    # Topic 2, term 3: 0.6 ln 0.8 + 0.4 ln 4 = -0.133886 + 0.554518 = 0.420632
    assert got[1, 2] == pytest.approx(0.420632, abs=1e-6)
    assert got[1, 1] == -np.inf  # a term with no weight in the topic is never relevant
    # lambda = 1 is the raw weight order; lambda = 0 the lift order.
    assert np.allclose(tp.topic_relevance(phi[:1], p, relevance_lambda=1.0), np.log(phi[:1]))
    lift = tp.topic_relevance(phi[:1], p, relevance_lambda=0.0)
    assert np.allclose(lift, np.log(phi[:1] / p))
    for bad in (-0.1, 1.5, True, "0.6"):
        with pytest.raises(ValueError, match="relevance_lambda"):
            tp.topic_relevance(phi, p, relevance_lambda=bad)


def test_relevance_puts_topic_specific_terms_above_words_every_unit_uses():
    tokens, units = planted_corpus(3)
    # Every unit also says 教育 twice: by raw weight it leads the topics.
    extra = tokens.groupby(["region_id", "unit_id"], as_index=False)["position"].max()
    rows = [extra.assign(position=extra["position"] + i, token="教育") for i in (1, 2)]
    tokens = pd.concat([tokens, *rows], ignore_index=True)
    raw = tp.fit_topics(tokens, units, k=3, model="lda", random_state=7, min_df=1,
                        max_df=1.0, relevance_lambda=1.0)
    ranked = tp.fit_topics(tokens, units, k=3, model="lda", random_state=7, min_df=1,
                           max_df=1.0)
    first = raw.terms[raw.terms["rank"] == 1]["term"]
    assert (first == "教育").sum() >= 2
    assert "教育" not in set(ranked.terms.loc[ranked.terms["rank"] == 1, "term"])
    rank_raw = raw.terms.loc[raw.terms["term"] == "教育", "rank"].mean()
    rank_relevance = ranked.terms.loc[ranked.terms["term"] == "教育", "rank"].mean()
    assert rank_relevance > rank_raw
    # Same fit, same weights: only the order of the listed terms changed.
    pd.testing.assert_frame_equal(raw.units, ranked.units)


def test_fit_drops_numbers_places_and_single_characters_unless_kept():
    tokens, units = planted_corpus(4)
    noise = tokens.iloc[::3].assign(token="2021")
    noise2 = tokens.iloc[1::3].assign(token="湖北")
    noise3 = tokens.iloc[2::3].assign(token="求")
    tokens = pd.concat([tokens, noise, noise2, noise3], ignore_index=True)
    result = tp.fit_topics(tokens, units, k=3, random_state=7, min_df=1, max_df=1.0,
                           n_top_terms=30)
    assert not {"2021", "湖北", "求"} & set(result.terms["term"])
    kept = tp.fit_topics(tokens, units, k=3, random_state=7, min_df=1, max_df=1.0,
                         n_top_terms=30, keep_numbers=True, keep_places=True,
                         keep_single_chars=True)
    assert {"2021", "湖北", "求"} <= set(kept.terms["term"])


def test_crosstab_counts_dominant_topics():
    tokens, units = planted_corpus(2)
    result = tp.fit_topics(tokens, units, k=3, model="nmf", random_state=7, min_df=1)
    dominant = result.units.sort_values(["unit_id", "weight", "topic"],
                                        ascending=[True, False, True]).drop_duplicates("unit_id")
    dominant = dominant.merge(units[["unit_id", "theme"]], on="unit_id")
    counts = dominant.groupby(["topic", "theme"]).size()
    table = result.themes.set_index(["topic", "theme"])["n_units"]
    assert (table[table > 0].sort_index() == counts.sort_index()).all()
    assert len(result.themes) == 3 * 3  # every topic x theme combination listed


def test_k_selection_picks_planted_k_and_states_rule():
    tokens, _ = planted_corpus(3)
    sel = tp.topic_k_selection(tokens, k_values=[2, 3, 4, 5], n_seeds=4, top_n=3, min_df=1,
                               max_df=1.0, random_state=11)
    assert list(sel.columns) == schema.TOPIC_K_SELECTION
    row3 = sel[sel.k == 3].iloc[0]
    # Clean blocks: the subsamples find the same three topics, other k disagree.
    assert row3.stability > 0.95
    assert row3.stability == sel.stability.max()
    assert sel.loc[sel.chosen, "k"].tolist() == [3]
    assert "stability within 0.02 of the best" in row3.rule
    # The stated rule, re-applied to the table.
    near = sel[sel.stability >= sel.stability.max() - 0.02]
    best = near.sort_values(["coherence", "k"], ascending=[False, True]).iloc[0]
    assert best.k == 3


def test_k_selection_lda_rows_and_determinism():
    tokens, _ = planted_corpus(4, n_regions=2, units_per_block=8)
    args = dict(k_values=[2, 3], models=("nmf", "lda"), n_seeds=2, min_df=1, max_df=1.0,
                random_state=5)
    a = tp.topic_k_selection(tokens, **args)
    b = tp.topic_k_selection(tokens, **args)
    pd.testing.assert_frame_equal(a, b)
    assert a.groupby("model")["chosen"].sum().to_dict() == {"lda": 1, "nmf": 1}


def test_k_selection_subsamples_when_large():
    tokens, _ = planted_corpus(5)
    sel = tp.topic_k_selection(tokens, k_values=[3], n_seeds=2, max_units=60, min_df=1,
                               random_state=1)
    assert (sel.n_units_sampled == 60).all()


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_fit_is_deterministic(model):
    tokens, units = planted_corpus(6)
    a = tp.fit_topics(tokens, units, k=3, model=model, random_state=3, min_df=1)
    b = tp.fit_topics(tokens.sample(frac=1.0, random_state=1), units, k=3, model=model,
                      random_state=3, min_df=1)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_theme_column_is_required_unless_skipped():
    tokens, units = planted_corpus()
    with pytest.raises(ValueError, match="no theme column 'theme'"):
        tp.fit_topics(tokens, units.drop(columns="theme"), k=3, random_state=1)
    result = tp.fit_topics(tokens, units.drop(columns="theme"), k=3, random_state=1,
                           theme_col=None, min_df=1)
    assert result.themes.empty and list(result.themes.columns) == schema.TOPICS_VS_THEMES


def test_arguments_are_checked():
    tokens, units = planted_corpus()
    with pytest.raises(ValueError, match="model must be one of"):
        tp.fit_topics(tokens, units, k=3, model="lsa", random_state=1)
    with pytest.raises(ValueError, match="too large"):
        tp.fit_topics(tokens, units, k=500, random_state=1, min_df=1)
    with pytest.raises(ValueError, match="sample_frac"):
        tp.topic_k_selection(tokens, k_values=[2], sample_frac=1.0, random_state=1)


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_unit_rows_follow_region_then_units_table_order(model):
    # Units listed in an order that is neither sorted by id nor by region, with
    # region ids whose order differs from the units table's.
    tokens, units = planted_corpus(4, n_regions=3)
    units = units.assign(region_id=units["region_id"].map({"r0": "zb", "r1": "ya", "r2": "xc"}))
    tokens = tokens.assign(region_id=tokens["region_id"].map({"r0": "zb", "r1": "ya",
                                                              "r2": "xc"}))
    units = units.sample(frac=1.0, random_state=5).reset_index(drop=True)
    result = tp.fit_topics(tokens, units, k=3, model=model, random_state=7, min_df=1)
    table = result.units
    rank = pd.Series(np.arange(len(units)), index=units["unit_id"])
    expected = (table.assign(_order=rank.reindex(table["unit_id"]).to_numpy())
                .sort_values(["region_id", "_order", "topic"], kind="stable")
                .drop(columns="_order").reset_index(drop=True))
    pd.testing.assert_frame_equal(table, expected)
    assert table["region_id"].iloc[0] == "xc"
    assert table.groupby("unit_id")["region_id"].nunique().eq(1).all()
    region_of = units.set_index("unit_id")["region_id"]
    assert (table["region_id"].to_numpy() == region_of.reindex(table["unit_id"]).to_numpy()).all()


def test_random_state_defaults_to_the_project_seed():
    # Leaving the seed out gives the build's topics, not an error or a random draw;
    # LDA depends on its seed, so another seed is a real alternative.
    tokens, units = planted_corpus()
    kwargs = {"k": 3, "model": "lda", "min_df": 1, "max_df": 1.0}
    default = tp.fit_topics(tokens, units, **kwargs)
    seeded = tp.fit_topics(tokens, units, random_state=config.RANDOM_STATE, **kwargs)
    other = tp.fit_topics(tokens, units, random_state=config.RANDOM_STATE + 1, **kwargs)
    pd.testing.assert_frame_equal(default.units, seeded.units)
    assert not default.units["weight"].equals(other.units["weight"])


# ------------------------------------------------------------------ seeds, subsets, groups

def _independent_top_terms(tokens, *, model, k, seed, top_n):
    """Top terms by weight of a fit made with scikit-learn directly, on joined strings."""
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    ordered = tokens.sort_values(["unit_id", "position"])
    docs = ordered.groupby("unit_id", sort=True)["token"].agg(" ".join)
    if model == "nmf":
        vec = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, min_df=2, max_df=0.5)
        est = NMF(n_components=k, init="nndsvda", solver="mu", max_iter=400, tol=1e-4,
                  random_state=seed)
    else:
        vec = CountVectorizer(token_pattern=r"\S+", lowercase=False, min_df=2, max_df=0.5)
        est = LatentDirichletAllocation(n_components=k, learning_method="online",
                                        batch_size=512, max_iter=10, random_state=seed)
    matrix = vec.fit_transform(docs.to_numpy()).astype(float)
    est.fit(matrix)
    terms = vec.get_feature_names_out()
    return [list(terms[np.lexsort((np.arange(len(row)), -row))[:top_n]])
            for row in est.components_]


def _best_matching_agreement(a, b):
    # Brute force over every one-to-one matching, with a hand-coded average Jaccard.
    import itertools

    def aj(x, y):
        return np.mean([len(set(x[:d]) & set(y[:d])) / len(set(x[:d]) | set(y[:d]))
                        for d in range(1, len(x) + 1)])
    return max(np.mean([aj(a[i], b[j]) for i, j in enumerate(perm)])
               for perm in itertools.permutations(range(len(b))))


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_seed_agreement_matches_independent_fits(model):
    tokens, _ = planted_corpus(3, units_per_block=8)
    # NMF agrees fully on these clean blocks; LDA's seeds give 0.45-0.59 here.
    out = tp.topic_seed_agreement(tokens, k=3, model=model, seeds=(5, 1, 9), top_n=6)
    assert list(out.columns) == schema.TOPIC_SEED_AGREEMENT
    assert list(zip(out.seed_a, out.seed_b, strict=True)) == [(1, 5), (1, 9), (5, 9)]
    tops = {s: _independent_top_terms(tokens, model=model, k=3, seed=s, top_n=6)
            for s in (1, 5, 9)}
    for row in out.itertuples():
        expected = _best_matching_agreement(tops[row.seed_a], tops[row.seed_b])
        assert row.agreement == pytest.approx(expected, abs=1e-9)
    assert (out["n_units"] == tokens["unit_id"].nunique()).all()
    assert (out["k"] == 3).all() and (out["top_n"] == 6).all()


def test_seed_agreement_defaults_and_arguments():
    assert tp.DEFAULT_SEEDS[0] == config.RANDOM_STATE and len(set(tp.DEFAULT_SEEDS)) == 5
    tokens, _ = planted_corpus(2, units_per_block=6)
    with pytest.raises(ValueError, match="at least two distinct"):
        tp.topic_seed_agreement(tokens, k=3, seeds=(4, 4))
    with pytest.raises(ValueError, match="model must be one of"):
        tp.topic_seed_agreement(tokens, k=3, model="lsa")
    with pytest.raises(ValueError, match="seeds must be an integer >= 0"):
        tp.topic_seed_agreement(tokens, k=3, seeds=(1, -2))


def test_fit_on_a_units_subset_equals_a_fit_on_those_tokens():
    tokens, units = planted_corpus(4)
    keep = units.loc[units["region_id"].isin(["r0", "r2"]), "unit_id"]
    subset = tp.fit_topics(tokens, units, k=3, unit_ids=keep, min_df=1)
    direct = tp.fit_topics(tokens[tokens["unit_id"].isin(keep)],
                           units[units["unit_id"].isin(keep)], k=3, min_df=1)
    for got, expected in zip(subset, direct, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    assert set(subset.units["region_id"]) == {"r0", "r2"}
    with pytest.raises(ValueError, match="not in units"):
        tp.fit_topics(tokens, units, k=3, unit_ids=["nowhere-0001"])


def test_topic_shares_by_any_unit_column():
    tokens, units = planted_corpus(5)
    units["part"] = np.where(units["unit_id"].str[-1].isin(list("02468")), "even", "odd")
    by_region = tp.fit_topics(tokens, units, k=3, min_df=1)
    by_part = tp.fit_topics(tokens, units, k=3, min_df=1, group_col="part")
    assert list(by_part.regions.columns) == ["model", "part", "topic", "share"]
    # Independent: mean of the units' weights per part (zeros filled), from the units table.
    wide = by_region.units.pivot_table(index="unit_id", columns="topic", values="weight",
                                       fill_value=0.0)
    part = units.set_index("unit_id")["part"].reindex(wide.index)
    expected = wide.groupby(part.to_numpy()).mean().stack()
    got = by_part.regions.set_index(["part", "topic"])["share"]
    assert np.allclose(got.sort_index().to_numpy(), expected.sort_index().to_numpy(), atol=1e-9)
    assert np.allclose(by_part.regions.groupby("part")["share"].sum(), 1.0)
    # Only the shares table changes.
    pd.testing.assert_frame_equal(by_part.units, by_region.units)
    with pytest.raises(ValueError, match="no group column 'admin_level'"):
        tp.fit_topics(tokens, units, k=3, group_col="admin_level")


# ------------------------------------------------------------------ mini-batch fits

def _top_by_topic(result, n=5):
    return [group.sort_values("rank")["term"].head(n).tolist()
            for _, group in result.terms.groupby("topic")]


def test_minibatch_nmf_recovers_planted_topics():
    # 3,000 units: more than one batch of config.TOPICS_MINIBATCH_BATCH_SIZE.
    tokens, units = planted_corpus(8, n_regions=10, units_per_block=100)
    assert len(units) > config.TOPICS_MINIBATCH_BATCH_SIZE
    with mock.patch.object(tp, "MiniBatchNMF", wraps=tp.MiniBatchNMF) as minibatch:
        result = tp.fit_topics(tokens, units, k=3, model="nmf", random_state=7, min_df=1,
                               max_df=1.0, minibatch_units=1000)
    assert minibatch.call_count == 1
    # Words within a block are drawn with p ~ 1/rank, so each block's ranking is its
    # word order; the mini-batch topics must match those (independent AJ, >= 0.9).
    planted = [words[:5] for words in BLOCKS.values()]
    assert _best_matching_agreement(planted, _top_by_topic(result)) >= 0.9
    full = tp.fit_topics(tokens, units, k=3, model="nmf", random_state=7, min_df=1, max_df=1.0)
    assert _best_matching_agreement(_top_by_topic(full), _top_by_topic(result)) >= 0.9
    # Each topic is one coded theme: 1,000 units each, all of them dominated by it.
    dominant = result.themes[result.themes.share > 0.5]
    assert sorted(dominant.theme) == sorted(BLOCKS)
    assert (dominant.n_units == 1000).all()
    assert np.allclose(result.units.groupby("unit_id")["weight"].sum(), 1.0)


def test_minibatch_only_beyond_the_threshold():
    tokens, units = planted_corpus(2, units_per_block=6)
    n_units = units["unit_id"].nunique()
    with mock.patch.object(tp, "MiniBatchNMF", wraps=tp.MiniBatchNMF) as minibatch:
        at = tp.fit_topics(tokens, units, k=3, min_df=1, minibatch_units=n_units)
        assert minibatch.call_count == 0
        default = tp.fit_topics(tokens, units, k=3, min_df=1)
        pd.testing.assert_frame_equal(at.units, default.units)
        tp.fit_topics(tokens, units, k=3, min_df=1, minibatch_units=n_units - 1)
        assert minibatch.call_count == 1
        # The k-selection decides once per curve: reference and subsamples alike.
        tp.topic_k_selection(tokens, k_values=[2, 3], n_seeds=2, min_df=1,
                             minibatch_units=n_units - 1)
        assert minibatch.call_count == 1 + 2 * (1 + 2)
        tp.topic_seed_agreement(tokens, k=3, seeds=(1, 2), minibatch_units=n_units - 1)
        assert minibatch.call_count == 7 + 2
    with pytest.raises(ValueError, match="minibatch_units must be an integer >= 1"):
        tp.fit_topics(tokens, units, k=3, minibatch_units=0)


def test_max_fit_units_none_fits_every_unit():
    tokens, units = planted_corpus(5)
    every = tp.topic_seed_agreement(tokens, k=3, seeds=(1, 2), max_fit_units=None, min_df=1)
    assert (every.n_units == len(units)).all()
    sampled = tp.topic_seed_agreement(tokens, k=3, seeds=(1, 2), max_fit_units=60, min_df=1)
    assert (sampled.n_units == 60).all()
    pd.testing.assert_frame_equal(
        tp.fit_topics(tokens, units, k=3, min_df=1, max_fit_units=None).units,
        tp.fit_topics(tokens, units, k=3, min_df=1).units)


# ------------------------------------------------------------------ processes (n_jobs)

class _CountingParallel:
    """joblib's Parallel, recording the n_jobs it is asked for (so a test sees the pool used)."""

    calls: list[int] = []

    def __init__(self, *, n_jobs, backend):
        _CountingParallel.calls.append(n_jobs)
        self._parallel = Parallel(n_jobs=n_jobs, backend=backend)

    def __call__(self, tasks):
        return self._parallel(tasks)


def test_k_selection_in_two_processes_equals_one_exactly():
    tokens, _ = planted_corpus(8, n_regions=3, units_per_block=10)
    args = dict(k_values=[2, 3, 4], models=("nmf", "lda"), n_seeds=2, top_n=4, min_df=1,
                max_df=1.0, random_state=5)
    one = tp.topic_k_selection(tokens, n_jobs=1, **args)
    _CountingParallel.calls = []
    with mock.patch.object(tp, "Parallel", _CountingParallel):
        two = tp.topic_k_selection(tokens, n_jobs=2, **args)
    # One pool per model, each of two processes: the fits did leave this process.
    assert _CountingParallel.calls == [2, 2]
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    # The subsample seeds reached their fits: LDA's stability is not that of one seed.
    assert (one.loc[one.model == "lda", "stability"] < 1).any()


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_seed_agreement_in_two_processes_equals_one_exactly(model):
    tokens, _ = planted_corpus(3, units_per_block=8)
    one = tp.topic_seed_agreement(tokens, k=3, model=model, seeds=(5, 1, 9), top_n=6)
    _CountingParallel.calls = []
    with mock.patch.object(tp, "Parallel", _CountingParallel):
        two = tp.topic_seed_agreement(tokens, k=3, model=model, seeds=(5, 1, 9), top_n=6,
                                      n_jobs=2)
    assert _CountingParallel.calls == [2]
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    # LDA's seeds disagree here (0.45-0.59, test above), so a fit returned to the wrong
    # seed would show.
    if model == "lda":
        assert (one["agreement"] < 1).all()


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_fit_topics_in_two_processes_equals_one_exactly(model):
    tokens, units = planted_corpus(6, n_regions=5)
    one = tp.fit_topics(tokens, units, k=3, model=model, random_state=3, min_df=1)
    two = tp.fit_topics(tokens, units, k=3, model=model, random_state=3, min_df=1, n_jobs=2)
    for x, y in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def test_lda_unit_weights_split_among_processes_equal_one_process_exactly():
    # The weights fit_topics reports, inferred in two halves by two processes.
    tokens, _ = planted_corpus(7)
    um = tp.unit_matrix(tokens, model="lda", min_df=1, max_df=1.0)
    est = tp._fit(um.matrix, 3, "lda", 2)
    one = tp._unit_topic_weights(est, um.matrix, n_jobs=1)
    two = tp._unit_topic_weights(est, um.matrix, n_jobs=2)
    assert np.array_equal(one, two)
    # Independently: each unit's weights are the same when it is inferred alone.
    alone = np.vstack([tp._unit_topic_weights(est, um.matrix[[i]]) for i in (0, 17, 100)])
    assert np.array_equal(alone, one[[0, 17, 100]])


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_n_jobs_is_checked(bad):
    tokens, units = planted_corpus(2, units_per_block=6)
    message = r"n_jobs must be a positive integer or -1 \(every CPU\)"
    with pytest.raises(ValueError, match=message):
        tp.fit_topics(tokens, units, k=3, n_jobs=bad)
    with pytest.raises(ValueError, match=message):
        tp.topic_k_selection(tokens, k_values=[2, 3], n_jobs=bad)
    with pytest.raises(ValueError, match=message):
        tp.topic_seed_agreement(tokens, k=3, n_jobs=bad)


# ------------------------------------------------------------------ both models together

def _separately(tokens, units, *, k, seeds, random_state, top_n):
    fits = {m: tp.fit_topics(tokens, units, k=k, model=m, random_state=random_state, min_df=1)
            for m in tp.MODELS}
    agreement = pd.concat([
        tp.topic_seed_agreement(tokens, k=k, model=m, seeds=seeds, random_state=random_state,
                                top_n=top_n, min_df=1)
        for m in tp.MODELS], ignore_index=True)
    return fits, agreement


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("random_state", [5, 3])
def test_topic_models_equal_fit_topics_and_seed_agreement_exactly(n_jobs, random_state):
    # random_state 5 is one of the seeds (its fit serves both), 3 is not (fitted besides).
    tokens, units = planted_corpus(9, n_regions=3, units_per_block=10)
    seeds = (5, 1, 9)
    fits, agreement = _separately(tokens, units, k=3, seeds=seeds, random_state=random_state,
                                  top_n=6)
    fitted = []
    real_fit = tp._fit

    def counting_fit(matrix, k, model, seed, *, minibatch=False):
        fitted.append((model, seed))
        return real_fit(matrix, k, model, seed, minibatch=minibatch)

    with mock.patch.object(tp, "_fit", counting_fit):
        together = tp.topic_models(tokens, units, k=3, seeds=seeds, random_state=random_state,
                                   top_n=6, min_df=1, n_jobs=n_jobs)
    assert list(together.fits) == list(tp.MODELS)
    for model in tp.MODELS:
        for x, y in zip(fits[model], together.fits[model], strict=True):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
    pd.testing.assert_frame_equal(agreement, together.seed_agreement, check_exact=True)
    if n_jobs == 1:  # (a worker's fits are not seen here)
        wanted = sorted({*seeds, random_state})
        # One fit per model and seed, LDA's first; the seed-5 fit is not repeated.
        assert fitted == [("lda", s) for s in wanted] + [("nmf", s) for s in wanted]


def test_topic_models_arguments_are_checked():
    tokens, units = planted_corpus(2, units_per_block=6)
    with pytest.raises(ValueError, match="models must be one of"):
        tp.topic_models(tokens, units, k=3, models=("nmf", "lsa"))
    with pytest.raises(ValueError, match="must not repeat"):
        tp.topic_models(tokens, units, k=3, models=("nmf", "nmf"))
    with pytest.raises(ValueError, match="non-empty sequence"):
        tp.topic_models(tokens, units, k=3, models="nmf")
    with pytest.raises(ValueError, match="at least two distinct"):
        tp.topic_models(tokens, units, k=3, seeds=(4, 4))
    with pytest.raises(ValueError, match="n_jobs must be"):
        tp.topic_models(tokens, units, k=3, n_jobs=0)
    with pytest.raises(ValueError, match="too large"):
        tp.topic_models(tokens, units, k=40, min_df=1)


def test_worker_processes_are_stopped_when_the_call_returns():
    # Idle workers would otherwise stay for loky's 300 s, through a build's next steps.
    psutil = pytest.importorskip("psutil")

    def workers():
        # The resource trackers (one small process per library) are not workers.
        return [p for p in psutil.Process().children(recursive=True)
                if "resource_tracker" not in " ".join(p.cmdline())]

    tokens, units = planted_corpus(2, units_per_block=6)
    tp.topic_models(tokens, units, k=3, seeds=(1, 2), min_df=1, n_jobs=2)
    assert workers() == []
    tp.topic_k_selection(tokens, k_values=[2, 3], n_seeds=2, min_df=1, n_jobs=2)
    assert workers() == []
