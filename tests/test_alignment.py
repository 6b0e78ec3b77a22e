"""Tests for analysis.text.alignment: brute-force alignment, ties, bounded defaults."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from analysis import schema
from analysis.text import alignment as al
from analysis.text import similarity as sim
from tests.test_similarity import make_tokens, random_corpus


def brute_force_alignment(tokens, units, min_score):
    dtm = sim.tfidf_matrix(tokens, by="unit_id")
    cos = cosine_similarity(dtm.matrix)
    region = units.set_index("unit_id")["region_id"].reindex(dtm.doc_ids).to_numpy()
    order = pd.Series(np.arange(len(units)), index=units["unit_id"]).reindex(dtm.doc_ids)
    rows = []
    for i, uid in enumerate(dtm.doc_ids):
        for other in sorted(set(region) - {region[i]}):
            cand = np.flatnonzero(region == other)
            cand = cand[np.argsort(order.to_numpy()[cand])]
            scores = np.round(cos[i, cand], sim.SCORE_DECIMALS)
            best = int(np.argmax(scores))  # first maximum = earliest unit
            if cos[i, cand[best]] >= min_score - 1e-12:
                rows.append((uid, other, dtm.doc_ids[cand[best]], scores[best]))
    return pd.DataFrame(rows, columns=["unit_id", "other_region", "other_unit_id", "score"])


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("min_score", [0.05, 0.3, 0.6, 0.9])
def test_alignment_matches_brute_force(seed, min_score):
    tokens, units = random_corpus(seed, n_regions=4, n_units=15)
    got = al.passage_alignment(tokens, units, min_score=min_score)
    ref = brute_force_alignment(tokens, units, min_score)
    key = ["unit_id", "other_region"]
    got_cmp = got[key + ["other_unit_id", "score"]].sort_values(key).reset_index(drop=True)
    ref_cmp = ref.sort_values(key).reset_index(drop=True)
    assert len(ref_cmp) > 0
    pd.testing.assert_frame_equal(got_cmp, ref_cmp, check_dtype=False, atol=1e-9)


def test_alignment_small_blocks_give_same_result():
    tokens, units = random_corpus(13, n_regions=3, n_units=20)
    full = al.passage_alignment(tokens, units, min_score=0.2)
    tiny = al.passage_alignment(tokens, units, min_score=0.2, max_block_pairs=1)
    pd.testing.assert_frame_equal(full, tiny)


def test_alignment_hand_example_texts_and_ties():
    tokens, units = make_tokens({
        "A": [["a", "b"], ["c", "d"]],
        "B": [["a", "b"], ["a", "b"], ["c", "e"]],
    })
    out = al.passage_alignment(tokens, units, min_score=0.1)
    first = out[(out.unit_id == "A-0001")].iloc[0]
    # Two identical B units: the tie goes to the earlier one.
    assert first.other_unit_id == "B-0001"
    assert first.score == pytest.approx(1.0)
    assert first.text == "ab" and first.other_text == "ab"
    # A-0002 = c d, B-0003 = c e; df(c) = 2, df(d) = df(e) = 1 over 5 units.
    idf_c, idf_rare = 1 + math.log(6 / 3), 1 + math.log(6 / 2)
    expected = idf_c ** 2 / (idf_c ** 2 + idf_rare ** 2)
    second = out[(out.unit_id == "A-0002")].iloc[0]
    assert second.other_unit_id == "B-0003"
    assert second.score == pytest.approx(expected, abs=1e-9)
    assert list(out.columns) == schema.PASSAGE_ALIGNMENT
    # Units of the same region are never paired.
    assert (out["region_id"] != out["other_region"]).all()


def test_alignment_regions_subset_and_arguments():
    tokens, units = random_corpus(14)
    full = al.passage_alignment(tokens, units, min_score=0.2)
    sub = al.passage_alignment(tokens, units, min_score=0.2, regions=["r1"])
    pd.testing.assert_frame_equal(
        sub, full[full.region_id == "r1"].reset_index(drop=True)
    )
    with pytest.raises(ValueError, match="min_score"):
        al.passage_alignment(tokens, units, min_score=0)
    with pytest.raises(ValueError, match="not in the units table"):
        al.passage_alignment(tokens, units, regions=["nowhere"])


def test_alignment_is_deterministic():
    tokens, units = random_corpus(15)
    a = al.passage_alignment(tokens, units, min_score=0.1)
    b = al.passage_alignment(tokens.sample(frac=1.0, random_state=3), units, min_score=0.1)
    pd.testing.assert_frame_equal(a, b)


def test_alignment_max_matches_keeps_best_regions():
    tokens, units = random_corpus(16, n_regions=5)
    full = al.passage_alignment(tokens, units, min_score=0.1)
    top2 = al.passage_alignment(tokens, units, min_score=0.1, max_matches=2)
    expected = (
        full.sort_values(["unit_id", "score", "other_region"], ascending=[True, False, True])
        .groupby("unit_id").head(2)
    )
    key = ["unit_id", "other_region"]
    pd.testing.assert_frame_equal(
        top2.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
    )
    with pytest.raises(ValueError, match="max_matches"):
        al.passage_alignment(tokens, units, max_matches=0)


# ---------------------------------------------------------------- alignment defaults

def test_alignment_defaults_change_nothing_with_five_plans():
    # Five plans: at most four other regions per unit, under the default cap of five.
    from analysis import config

    tokens, units = random_corpus(17, n_regions=5)
    default = al.passage_alignment(tokens, units)
    unbounded = al.passage_alignment(tokens, units, min_score=config.ALIGNMENT_MIN_SCORE,
                                      max_matches=None)
    assert len(default) > 0
    pd.testing.assert_frame_equal(default, unbounded)


def test_default_min_score_rises_beyond_the_documented_number_of_regions():
    from analysis import config

    limit = config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE
    assert al.default_min_score(5) == config.ALIGNMENT_MIN_SCORE == 0.3
    assert al.default_min_score(limit) == 0.3
    assert al.default_min_score(limit + 1) == config.ALIGNMENT_MIN_SCORE_LARGE == 0.5


def test_alignment_defaults_bound_the_rows_on_many_near_identical_plans():
    from analysis import config

    n_regions = config.ALIGNMENT_MAX_REGIONS_AT_MIN_SCORE + 10
    rng = np.random.default_rng(18)
    words = [f"w{i:02d}" for i in range(60)]
    base = [list(rng.choice(words, size=8)) for _ in range(4)]
    # Every plan a near-copy of the same four sentences: each unit matches every plan.
    docs = {f"r{r:03d}": [s[:-1] + [str(rng.choice(words))] for s in base]
            for r in range(n_regions)}
    tokens, units = make_tokens(docs)
    out = al.passage_alignment(tokens, units)
    per_unit = out.groupby("unit_id").size()
    assert per_unit.max() == config.ALIGNMENT_MAX_MATCHES
    assert len(out) <= config.ALIGNMENT_MAX_MATCHES * len(units)
    assert out["score"].min() >= config.ALIGNMENT_MIN_SCORE_LARGE - 1e-12
    # The same as asking for the large-collection settings explicitly.
    explicit = al.passage_alignment(tokens, units, min_score=config.ALIGNMENT_MIN_SCORE_LARGE,
                                     max_matches=config.ALIGNMENT_MAX_MATCHES)
    pd.testing.assert_frame_equal(out, explicit)
    unbounded = al.passage_alignment(tokens, units, max_matches=None)
    assert unbounded.groupby("unit_id").size().max() > config.ALIGNMENT_MAX_MATCHES


# ---------------------------------------------------------------- candidate plan pairs

PAIRS = pd.DataFrame({"region_id": ["r0", "r3", "r2", "r4"],
                      "neighbour": ["r1", "r0", "r4", "r2"]})  # r2-r4 listed both ways
ALLOWED = {("r0", "r1"), ("r1", "r0"), ("r0", "r3"), ("r3", "r0"), ("r2", "r4"), ("r4", "r2")}


def _listed(table: pd.DataFrame) -> pd.DataFrame:
    keep = [pair in ALLOWED for pair in zip(table.region_id, table.other_region, strict=True)]
    return table[keep].reset_index(drop=True)


@pytest.mark.parametrize("block", [4_000_000, 1])
def test_alignment_with_pairs_is_the_all_pairs_result_kept_to_those_pairs(block):
    tokens, units = random_corpus(19, n_regions=5)
    full = al.passage_alignment(tokens, units, min_score=0.1, max_matches=None)
    got = al.passage_alignment(tokens, units, min_score=0.1, max_matches=None, pairs=PAIRS,
                               max_block_pairs=block)
    expected = _listed(full)
    assert len(expected) > 0 and len(expected) < len(full)
    pd.testing.assert_frame_equal(got, expected)
    # r1 is paired with r0 only; r2 with r4 only (either direction of the table).
    assert set(got.loc[got.region_id == "r1", "other_region"]) == {"r0"}
    assert set(got.loc[got.region_id == "r4", "other_region"]) == {"r2"}


def test_alignment_with_pairs_caps_each_unit_among_its_partners():
    tokens, units = random_corpus(20, n_regions=5)
    unbounded = _listed(al.passage_alignment(tokens, units, min_score=0.1, max_matches=None))
    got = al.passage_alignment(tokens, units, min_score=0.1, max_matches=1, pairs=PAIRS)
    # r0 has two partners (r1, r3): its units keep the better one; ties to the first plan.
    expected = (unbounded.sort_values(["unit_id", "score", "other_region"],
                                      ascending=[True, False, True])
                .groupby("unit_id").head(1))
    key = ["unit_id", "other_region"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  expected.sort_values(key).reset_index(drop=True))
    assert (got.loc[got.region_id == "r0", "other_region"].isin(["r1", "r3"])).all()


def test_alignment_pairs_with_regions_and_checks():
    tokens, units = random_corpus(21, n_regions=5)
    every = al.passage_alignment(tokens, units, min_score=0.1, pairs=PAIRS)
    sub = al.passage_alignment(tokens, units, min_score=0.1, pairs=PAIRS, regions=["r0"])
    pd.testing.assert_frame_equal(sub, every[every.region_id == "r0"].reset_index(drop=True))
    none = al.passage_alignment(tokens, units, min_score=0.1, pairs=PAIRS.iloc[:0])
    assert none.empty and list(none.columns) == schema.PASSAGE_ALIGNMENT
    with pytest.raises(ValueError, match="not in the units table"):
        al.passage_alignment(tokens, units, pairs=pd.DataFrame({"region_id": ["r0"],
                                                                "neighbour": ["nowhere"]}))
    with pytest.raises(ValueError, match="neighbour"):
        al.passage_alignment(tokens, units, pairs=pd.DataFrame({"region_id": ["r0"]}))
