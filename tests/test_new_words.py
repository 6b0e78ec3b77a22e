"""Tests for analysis.text.new_words: cohesion, boundary entropy and score worked by hand on
constructed units, and the filters that decide what is a candidate."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import schema
from analysis.text.new_words import candidate_terms


def corpus(units: dict[str, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units from lists of pieces; a piece in （） is text without a token (punctuation)."""
    token_rows, unit_rows = [], []
    for unit_id, pieces in units.items():
        region = unit_id.split("-")[0]
        text, position = "", 0
        for piece in pieces:
            if piece.startswith("（"):
                text += piece[1:-1]
                continue
            token_rows.append((region, unit_id, position, piece))
            position += 1
            text += piece
        unit_rows.append({"unit_id": unit_id, "region_id": region, "text": text})
    return pd.DataFrame(token_rows, columns=schema.TOKENS), pd.DataFrame(unit_rows)


# Ten tokens.  甲乙 and 丙丁 occur four times each; they touch (甲乙丙丁) in a-1 and
# a-2 only: in b-1 a comma separates them and in b-2 they come the other way round.
HAND = {
    "a-1": ["甲乙", "丙丁", "（。）"],
    "a-2": ["戊", "甲乙", "丙丁"],
    "b-1": ["甲乙", "（，）", "丙丁"],
    "b-2": ["丙丁", "甲乙", "己"],
}


def test_cohesion_entropies_and_score_by_hand():
    tokens, units = corpus(HAND)
    out = candidate_terms(tokens, units, min_freq=2, min_pmi=0.0, min_entropy=0.0,
                          stopwords=())
    assert list(out.columns) == schema.CANDIDATE_TERMS
    # Every other adjacent run occurs once.
    assert out["candidate"].tolist() == ["甲乙丙丁"]
    row = out.iloc[0]
    assert (row["parts"], row["n_tokens"], row["n_chars"]) == ("甲乙 丙丁", 2, 4)
    assert (row["freq"], row["n_units"], row["n_regions"]) == (2, 2, 1)
    # PMI = ln(p(甲乙丙丁) / (p(甲乙) p(丙丁))) = ln((2/10) / ((4/10) (4/10))) = ln 1.25.
    assert row["pmi"] == pytest.approx(math.log(1.25), abs=1e-6)
    # Left: the unit start (a-1) and 戊 (a-2): two symbols once each, entropy ln 2.
    # Right: 。 (a-1) and the unit end (a-2), both boundaries, each a new symbol: ln 2.
    assert row["left_entropy"] == pytest.approx(math.log(2), abs=1e-6)
    assert row["right_entropy"] == pytest.approx(math.log(2), abs=1e-6)
    assert row["score"] == pytest.approx(math.log(1.25) * math.log(2), abs=1e-6)
    assert row["examples"] == "【甲乙丙丁】。 ｜ 戊【甲乙丙丁】"


def test_three_token_runs_take_the_weakest_split():
    # 久久 为 功 three times, with different neighbours; 为 also elsewhere (twice).
    units = {
        "a-1": ["上", "久久", "为", "功", "（。）"],
        "a-2": ["在", "久久", "为", "功", "（，）"],
        "b-1": ["要", "久久", "为", "功", "的"],
        "b-2": ["为", "人"],
        "b-3": ["为", "民"],
    }
    tokens, table = corpus(units)
    out = candidate_terms(tokens, table, min_freq=3, min_pmi=0.0, min_entropy=0.0,
                          stopwords=())
    row = out.set_index("candidate").loc["久久为功"]
    n = len(tokens)  # 4 + 4 + 5 + 2 + 2 = 17
    assert n == 17
    # Splits: 久久 | 为功 -> ln((3/n) / ((3/n)(3/n))) = ln(n/3);
    #         久久为 | 功 -> ln((3/n) / ((3/n)(3/n))) = ln(n/3).  Both equal here; and
    # 为 alone (5 times) never enters, because the parts are 久久 and 为功 (3 each).
    assert row["pmi"] == pytest.approx(math.log(n / 3), abs=1e-6)
    assert row["n_tokens"] == 3 and row["parts"] == "久久 为 功"
    # 为功 (a two-token run inside) is listed too, but its left side is always 久久.
    inner = out.set_index("candidate").loc["为功"]
    assert inner["left_entropy"] == pytest.approx(0.0, abs=1e-12)
    assert inner["score"] == pytest.approx(0.0, abs=1e-12)


def test_thresholds_and_what_may_not_be_a_candidate():
    tokens, units = corpus(HAND)
    # A fixed neighbour on one side makes min_entropy drop a candidate.
    fixed = {f"a-{i}": ["上", "久久", "为", "功", "（。）"] for i in range(3)}
    t2, u2 = corpus(fixed)
    assert "久久为功" not in set(candidate_terms(t2, u2, min_pmi=0.0, stopwords=())["candidate"])
    assert "久久为功" in set(candidate_terms(t2, u2, min_pmi=0.0, min_entropy=0.0,
                                         stopwords=())["candidate"])
    # min_freq and min_pmi.
    assert candidate_terms(tokens, units, min_freq=3, min_pmi=0.0, min_entropy=0.0,
                           stopwords=()).empty
    assert candidate_terms(tokens, units, min_freq=2, min_pmi=0.5, min_entropy=0.0,
                           stopwords=()).empty
    # A stopword may not end a candidate (为功 would start with 为).
    out = candidate_terms(t2, u2, min_pmi=0.0, min_entropy=0.0, stopwords={"为"})
    assert "为功" not in set(out["candidate"]) and "久久为功" in set(out["candidate"])
    # Numbers and Latin spans are never part of a candidate.
    nums = {f"a-{i}": ["第", "2021", "年", "（，）"] for i in range(4)}
    t3, u3 = corpus(nums)
    assert candidate_terms(t3, u3, min_pmi=0.0, min_entropy=0.0, stopwords=()).empty


def test_arguments_and_inputs_are_checked():
    tokens, units = corpus(HAND)
    with pytest.raises(ValueError, match="max_tokens must be one of"):
        candidate_terms(tokens, units, max_tokens=4)
    with pytest.raises(ValueError, match="min_freq"):
        candidate_terms(tokens, units, min_freq=0)
    with pytest.raises(ValueError, match="min_entropy"):
        candidate_terms(tokens, units, min_entropy=-1)
    with pytest.raises(ValueError, match="missing columns"):
        candidate_terms(tokens.drop(columns="position"), units)
    with pytest.raises(ValueError, match="not in its text"):
        candidate_terms(tokens.assign(token="不在"), units)


def test_the_reviewed_terms_are_no_longer_candidates_on_the_plans(corpus_tokens):
    tokens, units = corpus_tokens
    out = candidate_terms(tokens, units, min_freq=2, min_entropy=0.0)
    assert len(out) > 20  # the plans still have phrases to review
    assert (out["score"].diff().dropna() <= 1e-12).all()
    # Added to the user dictionary after review: now one token, so never a candidate.
    reviewed = {"视导", "久久为功", "创名升位", "干事创业", "新时代", "全覆盖"}
    assert not reviewed & set(out["candidate"])


@pytest.fixture(scope="module")
def corpus_tokens(corpus):
    from analysis.text import tokens as tk

    return tk.tokens_from_units(corpus.units, cache_dir=None), corpus.units


def test_a_large_corpus_is_read_through_a_seeded_sample_of_units():
    units = {f"a-{i}": ["甲乙", "丙丁", "（。）"] if i % 2 else ["戊", "甲乙", "丙丁"]
             for i in range(12)}
    tokens, table = corpus(units)
    kwargs = {"min_freq": 2, "min_pmi": -10.0, "min_entropy": 0.0, "stopwords": ()}
    full = candidate_terms(tokens, table, **kwargs)
    assert full.set_index("candidate").loc["甲乙丙丁", "freq"] == 12
    sample = candidate_terms(tokens, table, max_units=5, random_state=3, **kwargs)
    assert sample.set_index("candidate").loc["甲乙丙丁", "n_units"] == 5
    pd.testing.assert_frame_equal(sample, candidate_terms(tokens, table, max_units=5,
                                                          random_state=3, **kwargs))
