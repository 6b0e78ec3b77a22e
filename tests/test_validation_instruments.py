"""Tests for analysis.coding.validation_instruments: the sample, the gold file, agreement."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score

from analysis import config, schema
from analysis.coding.validation_instruments import (
    INSTRUMENT_GOLD_EXTRA_PATH,
    INSTRUMENT_SAMPLE_EXTRA_PATH,
    draw_extra_instrument_sample,
    draw_instrument_sample,
    instrument_confusion,
    read_instrument_gold,
    run_instrument_validation,
    validate_instruments,
)


def units_table(n_per_region: dict[str, int]) -> pd.DataFrame:
    rows = []
    for region, n in n_per_region.items():
        for i in range(1, n + 1):
            rows.append({"region_id": region, "unit_id": f"{region}-{i:04d}", "part": "plan",
                         "unit_kind": "sentence", "text": f"{region}句{i}"})
        rows.append({"region_id": region, "unit_id": f"{region}-h", "part": "plan",
                     "unit_kind": "item_title", "text": "标题"})
        rows.append({"region_id": region, "unit_id": f"{region}-r", "part": "review",
                     "unit_kind": "sentence", "text": "回顾"})
    return pd.DataFrame(rows)


def test_sample_is_stratified_deterministic_and_split():
    units = units_table({"a": 40, "b": 10, "c": 33})
    one = draw_instrument_sample(units, n_per_region=8, random_state=7)
    two = draw_instrument_sample(units, n_per_region=8, random_state=7)
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns) == schema.INSTRUMENT_SAMPLE
    assert one.groupby("region_id").size().to_dict() == {"a": 8, "b": 8, "c": 8}
    assert one.groupby(["region_id", "half"]).size().unique().tolist() == [4]
    assert set(one["part"]) == {"plan"}
    assert not one["unit_id"].str.endswith(("-h", "-r")).any()
    other = draw_instrument_sample(units, n_per_region=8, random_state=8)
    assert set(other["unit_id"]) != set(one["unit_id"])
    small = draw_instrument_sample(units_table({"a": 5}), n_per_region=8)
    assert len(small) == 5 and (small["half"] == "dev").sum() == 2
    with pytest.raises(ValueError, match="even integer"):
        draw_instrument_sample(units, n_per_region=7)


def synthetic(gold_labels, pred_labels, halves):
    n = len(gold_labels)
    texts = [f"句{i}" for i in range(n)]
    coded = pd.DataFrame({"unit_id": [f"u{i}" for i in range(n)], "text": texts,
                          "instrument": pred_labels})
    gold = pd.DataFrame({"unit_id": [f"u{i}" for i in range(n)], "text": texts,
                         "half": halves, "instrument": gold_labels})
    return coded, gold


def test_agreement_matches_sklearn():
    g = ["supply", "environment", "environment", "demand", "none", "environment", "supply",
         "environment", "demand", "supply", "none", "environment"]
    p = ["supply", "environment", "supply", "demand", "environment", "environment", "supply",
         "none", "environment", "supply", "none", "environment"]
    halves = ["dev", "heldout"] * 6
    coded, gold = synthetic(g, p, halves)
    table = validate_instruments(coded, gold)
    assert list(table.columns) == schema.INSTRUMENT_VALIDATION
    for half in ("dev", "heldout", "all"):
        idx = [i for i, h in enumerate(halves) if half in (h, "all")]
        gs, ps = [g[i] for i in idx], [p[i] for i in idx]
        rows = table[table.half == half].set_index("label")
        assert rows.loc["overall", "kappa"] == pytest.approx(cohen_kappa_score(gs, ps))
        assert rows.loc["overall", "accuracy"] == pytest.approx(accuracy_score(gs, ps))
        for label in schema.INSTRUMENT_TYPES:
            gb = [x == label for x in gs]
            pb = [x == label for x in ps]
            assert rows.loc[label, "accuracy"] == pytest.approx(accuracy_score(gb, pb))
            if len(set(gb) | set(pb)) > 1:
                assert rows.loc[label, "kappa"] == pytest.approx(cohen_kappa_score(gb, pb))
            assert rows.loc[label, "n_gold"] == sum(gb)
            assert rows.loc[label, "n_pred"] == sum(pb)


def test_subtype_row_needs_both_levels_to_agree():
    coded, gold = synthetic(["supply", "supply", "none", "environment"],
                            ["supply", "supply", "none", "environment"], ["dev"] * 4)
    gold["instrument_subtype"] = ["funding", "teachers", "", "evaluation"]
    coded["instrument_subtype"] = ["funding", "funding", "none", "evaluation"]
    rows = validate_instruments(coded, gold).set_index(["half", "label"])
    assert rows.loc[("dev", "overall"), "accuracy"] == 1.0
    assert rows.loc[("dev", "subtype"), "accuracy"] == pytest.approx(0.75)
    assert rows.loc[("dev", "subtype"), "kappa"] == pytest.approx(cohen_kappa_score(
        ["s/funding", "s/teachers", "none", "e/evaluation"],
        ["s/funding", "s/funding", "none", "e/evaluation"]))


def test_changed_text_is_refused():
    coded, gold = synthetic(["supply"], ["supply"], ["dev"])
    gold.loc[0, "text"] = "别的句子"
    with pytest.raises(ValueError, match="differs"):
        validate_instruments(coded, gold)


def test_shipped_sample_and_gold(corpus):
    gold = read_instrument_gold()
    assert len(gold) >= 150
    assert list(gold.columns[: len(schema.INSTRUMENT_GOLD)]) == schema.INSTRUMENT_GOLD
    assert gold["region_id"].nunique() == 5
    assert gold.groupby(["region_id", "half"]).size().min() >= 15
    # the sample is what the project seed draws from the loaded corpus, and the
    # texts coded by hand are the texts the coder sees
    redrawn = draw_instrument_sample(corpus.units, random_state=config.RANDOM_STATE)
    assert redrawn["unit_id"].tolist() == gold["unit_id"].tolist()
    assert redrawn["text"].tolist() == gold["text"].tolist()


def test_confusion_is_the_full_matrix_per_half_and_sums_to_the_sample():
    g = ["supply", "environment", "environment", "demand", "none", "supply"]
    p = ["supply", "supply", "environment", "demand", "environment", "supply"]
    halves = ["dev", "dev", "heldout", "heldout", "heldout", "dev"]
    coded, gold = synthetic(g, p, halves)
    table = instrument_confusion(coded, gold)
    assert list(table.columns) == schema.INSTRUMENT_CONFUSION
    k = len(schema.INSTRUMENT_TYPES)
    assert table.groupby("half").size().to_dict() == {"all": k * k, "dev": k * k,
                                                       "heldout": k * k}
    cells = table.set_index(["half", "gold", "predicted"])["n"]
    assert cells[("dev", "environment", "supply")] == 1
    assert cells[("dev", "supply", "supply")] == 2
    assert cells[("heldout", "none", "environment")] == 1
    assert cells[("heldout", "supply", "supply")] == 0
    assert cells.xs("all").sum() == len(g)
    # the diagonal of a half is its agreement count
    for half in ("dev", "heldout"):
        diag = sum(cells[(half, t, t)] for t in schema.INSTRUMENT_TYPES)
        assert diag == sum(a == b for a, b, h in zip(g, p, halves, strict=True) if h == half)


def test_extra_sample_leaves_out_the_first_and_is_all_tuning():
    units = units_table({"a": 40, "b": 20})
    first = draw_instrument_sample(units, n_per_region=16)
    extra = draw_extra_instrument_sample(units, first, n_per_region=8)
    assert not set(extra["unit_id"]) & set(first["unit_id"])
    assert set(extra["half"]) == {"dev_extra"}
    assert extra["sample_id"].tolist()[:2] == ["X001", "X002"]
    assert extra.groupby("region_id").size().to_dict() == {"a": 8, "b": 4}


def test_shipped_extra_sample_and_gold(corpus):
    first = read_instrument_gold()
    extra = read_instrument_gold(INSTRUMENT_GOLD_EXTRA_PATH, INSTRUMENT_SAMPLE_EXTRA_PATH)
    redrawn = draw_extra_instrument_sample(corpus.units, first)
    assert redrawn["unit_id"].tolist() == extra["unit_id"].tolist()
    assert redrawn["text"].tolist() == extra["text"].tolist()
    assert not set(extra["unit_id"]) & set(first["unit_id"])
    scores, cells = run_instrument_validation(corpus.units, confusion=True)
    assert list(scores["half"].unique()) == ["dev", "heldout", "all", "dev_extra"]
    x = scores[(scores["half"] == "dev_extra") & (scores["label"] == "overall")].iloc[0]
    assert x["n"] == len(extra)
    assert cells[cells["half"] == "dev_extra"]["n"].sum() == len(extra)
