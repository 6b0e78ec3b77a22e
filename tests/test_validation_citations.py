"""Tests for analysis.coding.validation_citations: gold list, matching and scores."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import schema
from analysis.coding.citations import extract_citations
from analysis.coding.validation_citations import (
    locate_citation_gold,
    match_citations,
    read_citations_gold,
    validate_citations,
)

UNITS = pd.DataFrame({
    "region_id": ["a", "a", "b"],
    "unit_id": ["a-1", "a-2", "b-1"],
    "text": ["落实《家庭教育促进法》和“新时代教师职业行为十项准则”。",
             "实施教育信息化2.0行动计划，用好《某某学生读本》，再学《家庭教育促进法》。",
             "推进《某区课程建设的实践研究》，制定县体育工作方案（试行）。"],
})


def gold_of(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=schema.CITATIONS_GOLD)


GOLD = gold_of([
    ("dev", "a", "a-1", "家庭教育促进法", "brackets", "cited", ""),
    ("dev", "a", "a-1", "新时代教师职业行为十项准则", "quotes", "cited", ""),
    ("dev", "a", "a-2", "教育信息化2.0行动计划", "bare_title", "cited", ""),
    ("dev", "a", "a-2", "家庭教育促进法", "brackets", "cited", ""),
    ("heldout", "b", "b-1", "县体育工作方案（试行）", "bare_title", "issued", ""),
    ("heldout", "b", "b-1", "不在句中的标题", "bare_title", "cited", "cannot be located"),
])


def test_gold_titles_are_located_in_their_unit():
    placed = locate_citation_gold(GOLD, UNITS)
    text = dict(zip(UNITS["unit_id"], UNITS["text"], strict=True))
    for row in placed.itertuples():
        if row.start >= 0:
            assert text[row.unit_id][row.start:row.end] == row.title
    assert placed["start"].tolist()[-1] == -1


def test_matching_is_one_to_one_by_overlap_and_scores_count_it():
    predicted = extract_citations(UNITS)
    matches = match_citations(predicted, GOLD, UNITS)
    assert list(matches.columns) == schema.CITATION_MATCHES
    status = matches.groupby("status").size().to_dict()
    # every locatable gold mention is found; the unlocatable one is missed;
    # works in 《》 are not extracted, so nothing is spurious
    assert status == {"matched": 5, "missed": 1}
    scores = validate_citations(matches).set_index(["split", "region_id", "marks"])
    assert list(scores.reset_index().columns) == schema.CITATION_VALIDATION
    dev = scores.loc[("dev", "all", "all")]
    assert (dev["n_gold"], dev["n_pred"], dev["n_matched"]) == (4, 4, 4)
    held = scores.loc[("heldout", "all", "all")]
    assert held["precision"] == 1.0 and held["recall"] == pytest.approx(0.5)
    bare = scores.loc[("dev", "all", "bare_title")]
    assert (bare["n_gold"], bare["n_pred"], bare["recall"]) == (1, 1, 1.0)
    assert math.isnan(scores.loc[("heldout", "all", "quotes"), "recall"])


def test_a_prediction_without_gold_is_spurious():
    predicted = extract_citations(UNITS)
    gold = GOLD[GOLD["title"] != "新时代教师职业行为十项准则"]
    matches = match_citations(predicted, gold, UNITS)
    spurious = matches[matches["status"] == "spurious"]
    assert spurious["pred_title"].tolist() == ["新时代教师职业行为十项准则"]
    dev = validate_citations(matches).set_index(["split", "region_id", "marks"]).loc[
        ("dev", "all", "all")]
    assert dev["precision"] == pytest.approx(3 / 4)


def test_gold_file_is_checked(tmp_path):
    bad = GOLD.assign(marks=["brackets", "quotes", "bare", "brackets", "bare_title",
                             "bare_title"])
    path = tmp_path / "gold.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match="marks must be one of"):
        read_citations_gold(path)
    mixed = GOLD.assign(split=["dev", "heldout", "dev", "dev", "heldout", "heldout"])
    mixed.to_csv(path, index=False)
    with pytest.raises(ValueError, match="two splits"):
        read_citations_gold(path)


def test_shipped_gold_is_in_the_loaded_corpus(corpus):
    gold = read_citations_gold()
    assert set(gold["split"]) == {"dev", "heldout"}
    assert gold.groupby("split")["region_id"].nunique().to_dict() == {"dev": 3, "heldout": 2}
    placed = locate_citation_gold(gold, corpus.units)
    assert (placed["start"] >= 0).all(), placed.loc[placed["start"] < 0, "title"].tolist()
