"""Tests for analysis.coding.validation_targets: locating gold spans, matching, scores."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.coding.targets import extract_targets
from analysis.coding.validation_targets import (
    TARGETS_OOS_GOLD_PATH,
    locate_gold,
    match_targets,
    read_oos_sample,
    read_targets_gold,
    validate_targets,
)


def units_of(texts: dict[str, str], region: str = "r") -> pd.DataFrame:
    return pd.DataFrame({"region_id": region, "unit_id": list(texts), "part": "plan",
                         "text": list(texts.values())})


def gold_of(rows: list[tuple[str, float]], region: str = "r", split: str = "dev") -> pd.DataFrame:
    return pd.DataFrame([{"split": split, "region_id": region, "span": span, "indicator": "",
                          "value": value, "unit": "", "comparator": "", "qualifier": "",
                          "target_type": "", "note": ""} for span, value in rows])


def test_gold_is_located_ignoring_punctuation_and_width():
    units = units_of({"u1": "新增幼儿园4所，全区幼儿园总数达到58所；", "u2": "覆盖率达到97.2%。"})
    gold = gold_of([("全区幼儿园总数达到５８所", 58), ("覆盖率达到97.2%", 97.2),
                    ("不存在的目标10个", 10)])
    placed = locate_gold(gold, units)
    assert placed["located"].tolist() == ["exact", "exact", "no"]
    text = units.set_index("unit_id").loc["u1", "text"]
    assert text[placed.loc[0, "start"]:placed.loc[0, "end"]] == "全区幼儿园总数达到58所"
    assert placed.loc[1, "unit_id"] == "u2"


def test_repeated_spans_claim_successive_occurrences():
    units = units_of({"u1": "新增幼儿园2所。", "u2": "新增幼儿园2所。"})
    placed = locate_gold(gold_of([("新增幼儿园2所", 2), ("新增幼儿园2所", 2)]), units)
    assert placed["unit_id"].tolist() == ["u1", "u2"]


def test_fuzzy_location_after_a_repair():
    units = units_of({"u1": "学前一年毛入园率达到90%以上。"})
    placed = locate_gold(gold_of([("学前一年毛入园率到达90%以上", 90)]), units)
    assert placed.loc[0, "located"] == "fuzzy"
    assert placed.loc[0, "unit_id"] == "u1"


def test_matching_needs_overlap_and_equal_value():
    units = units_of({"u1": "新增幼儿园4所，新增普惠园7所。"})
    predicted = extract_targets(units)
    assert len(predicted) == 2
    gold = gold_of([("新增幼儿园4所", 4), ("新增普惠园7所", 70), ("新增幼儿园4所", 4)])
    matches = match_targets(predicted, gold, units)
    assert list(matches.columns) == schema.TARGET_MATCHES
    status = matches["status"].value_counts().to_dict()
    # 4所 matched once; the wrong value 70 is missed and 7 is spurious; the
    # duplicate gold row cannot be placed a second time and is missed
    assert status == {"matched": 1, "missed": 2, "spurious": 1}


def test_scores_against_hand_count_and_unscored_regions():
    units = pd.concat([units_of({"a1": "新增幼儿园4所，新增普惠园7所。"}, region="a"),
                       units_of({"b1": "举办比赛不少于3场。"}, region="b"),
                       units_of({"c1": "新建学校5所。"}, region="c")], ignore_index=True)
    predicted = extract_targets(units)
    gold = pd.concat([gold_of([("新增幼儿园4所", 4), ("增加学位1000个", 1000)], region="a"),
                      gold_of([("不少于3场", 3)], region="b", split="heldout")])
    matches = match_targets(predicted, gold, units)
    assert "c" not in set(matches["region_id"])  # a region nobody annotated is not scored
    scores = validate_targets(matches).set_index(["split", "region_id"])
    a = scores.loc[("dev", "a")]
    assert (a["n_gold"], a["n_pred"], a["n_matched"]) == (2, 2, 1)
    assert a["precision"] == pytest.approx(1 / 2) and a["recall"] == pytest.approx(1 / 2)
    assert a["f1"] == pytest.approx(0.5)
    b = scores.loc[("heldout", "all")]
    assert b["precision"] == 1.0 and b["recall"] == 1.0
    with_c = match_targets(predicted, gold, units, regions=["a", "b", "c"],
                           splits={"a": "dev", "b": "heldout", "c": "dev"})
    dev = validate_targets(with_c).set_index(["split", "region_id"]).loc[("dev", "all")]
    assert dev["n_pred"] == 3 and dev["precision"] == pytest.approx(1 / 3)


def test_argument_checks():
    units = units_of({"u1": "新增幼儿园4所。"})
    with pytest.raises(ValueError, match="not in regions"):
        match_targets(extract_targets(units), gold_of([("新增幼儿园4所", 4)]), units,
                      regions=["x"], splits={"x": "dev"})
    with pytest.raises(ValueError, match="missing columns"):
        match_targets(pd.DataFrame({"value": [1.0]}), gold_of([]), units)


def test_shipped_gold_lists():
    gold = read_targets_gold()
    assert list(gold.columns) == schema.TARGETS_GOLD
    # every target of at least two whole plans, including xinwu and licheng
    assert {"xinwu", "licheng"} <= set(gold["region_id"])
    assert gold["region_id"].nunique() >= 2
    assert set(gold["split"]) == {"dev", "heldout"}
    assert (gold["value"] > 0).all()
    oos = read_targets_gold(TARGETS_OOS_GOLD_PATH)
    sample = read_oos_sample()
    assert set(oos["region_id"]) <= set(sample["sentence_id"])
    halves = dict(zip(sample["sentence_id"], sample["half"], strict=True))
    assert (oos["split"] == oos["region_id"].map(halves)).all()


def test_extractor_on_the_annotated_plans_and_reports(corpus):
    """Regression guard: the shipped rules keep high precision and recall."""
    from analysis.coding.validation_targets import run_target_validation

    matches, scores = run_target_validation(corpus.units)
    assert list(scores.columns) == schema.TARGET_VALIDATION
    totals = scores[scores["region_id"] == "all"].set_index("split")
    assert set(totals.index) == {"plans_dev", "plans_heldout", "reports_dev", "reports_heldout"}
    assert (totals["precision"] >= 0.9).all() and (totals["recall"] >= 0.9).all()
    # counts add up: matched + missed = gold, matched + spurious = predicted
    for split, row in totals.iterrows():
        sub = matches[matches["split"] == split]
        assert row["n_gold"] == (sub["status"] != "spurious").sum()
        assert row["n_pred"] == (sub["status"] != "missed").sum()
