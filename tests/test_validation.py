"""Tests for analysis.coding.validation: agreement statistics, the sample, the comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_recall_fscore_support,
)

from analysis import config, schema
from analysis.coding import validation
from analysis.coding.themes import UNASSIGNED, load_codebook
from analysis.coding.validation import (
    align_gold,
    cohen_kappa,
    confusion_table,
    draw_validation_sample,
    label_scores,
    macro_f1,
    read_gold,
    validate_themes,
)

LABELS = ["party", "moral", "teachers", "safety", "general", UNASSIGNED]


def random_codings(seed: int, n: int = 120, noise: float = 0.3) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    y_true = rng.choice(LABELS, size=n, p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.05]).tolist()
    y_pred = [rng.choice(LABELS) if rng.random() < noise else y for y in y_true]
    return y_true, y_pred


# ----------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("seed", range(6))
def test_kappa_matches_sklearn(seed):
    y_true, y_pred = random_codings(seed)
    assert cohen_kappa(y_true, y_pred) == pytest.approx(cohen_kappa_score(y_true, y_pred))


@pytest.mark.parametrize("seed", range(6))
def test_macro_f1_and_accuracy_match_sklearn(seed):
    y_true, y_pred = random_codings(seed, noise=0.5)
    assert macro_f1(y_true, y_pred) == pytest.approx(
        f1_score(y_true, y_pred, average="macro", zero_division=0))
    assert validation.accuracy(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred))


def test_label_scores_match_sklearn_per_label():
    y_true, y_pred = random_codings(11, noise=0.6)
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    ours = label_scores(y_true, y_pred).set_index("label").loc[labels]
    assert ours["precision"].to_numpy() == pytest.approx(p)
    assert ours["recall"].to_numpy() == pytest.approx(r)
    assert ours["f1"].to_numpy() == pytest.approx(f)
    assert ours["support"].tolist() == s.tolist()


def test_kappa_by_hand_on_a_two_by_two_table():
    # 20 items: agree a/a 8, b/b 6, a/b 4, b/a 2 -> p_o = 0.7,
    # p_e = (12/20)(10/20) + (8/20)(10/20) = 0.5, kappa = 0.4
    y_true = ["a"] * 12 + ["b"] * 8
    y_pred = ["a"] * 8 + ["b"] * 4 + ["b"] * 6 + ["a"] * 2
    assert cohen_kappa(y_true, y_pred) == pytest.approx(0.4)


def test_label_never_predicted_has_zero_precision_and_counts_in_macro_f1():
    y_true = ["a", "a", "b", "c"]
    y_pred = ["a", "a", "b", "b"]
    scores = label_scores(y_true, y_pred).set_index("label")
    assert scores.loc["c", "precision"] == 0.0 and scores.loc["c", "f1"] == 0.0
    assert macro_f1(y_true, y_pred) == pytest.approx((1 + 2 / 3 + 0) / 3)


def test_kappa_undefined_for_one_shared_label_and_perfect_otherwise():
    assert np.isnan(cohen_kappa(["a", "a"], ["a", "a"]))
    assert cohen_kappa(["a", "b", "c"], ["a", "b", "c"]) == pytest.approx(1.0)


def test_statistics_reject_unequal_or_empty_input():
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="no items"):
        macro_f1([], [])


# ----------------------------------------------------------------------------- sample


def synthetic_units(sizes: dict[str, int]) -> pd.DataFrame:
    rows = []
    for region, n in sizes.items():
        for i in range(1, n + 1):
            rows.append({c: None for c in schema.UNITS} | {
                "region_id": region, "unit_id": f"{region}-{i:04d}", "part": "plan",
                "unit_kind": "sentence" if i % 5 else "item_title",
                "text": f"{region}第{i}句：加强教师队伍建设。", "section_title": "一",
                "n_chars": 12,
            })
    return pd.DataFrame(rows, columns=schema.UNITS)


def test_sample_is_stratified_reproducible_and_split_in_halves():
    units = synthetic_units({"b": 60, "a": 40, "c": 100})
    sample = draw_validation_sample(units, n_per_region=10, random_state=7)
    assert list(sample.columns) == schema.THEME_SAMPLE
    assert sample["region_id"].value_counts().to_dict() == {"a": 10, "b": 10, "c": 10}
    halves = sample.groupby(["region_id", "half"]).size()
    assert (halves == 5).all()
    assert sample["unit_id"].is_unique
    assert sample["sample_no"].tolist() == list(range(1, 31))
    again = draw_validation_sample(units, n_per_region=10, random_state=7)
    pd.testing.assert_frame_equal(sample, again)
    other = draw_validation_sample(units, n_per_region=10, random_state=8)
    assert set(other["unit_id"]) != set(sample["unit_id"])
    # document order within each region
    for _, part in sample.groupby("region_id"):
        ids = part["unit_id"].tolist()
        assert ids == sorted(ids)


def test_sample_rejects_bad_sizes():
    units = synthetic_units({"a": 8})
    with pytest.raises(ValueError, match="fewer than"):
        draw_validation_sample(units, n_per_region=10)
    with pytest.raises(ValueError, match="even integer"):
        draw_validation_sample(units, n_per_region=3)


# ----------------------------------------------------------------------------- comparison


def coded_and_gold() -> tuple[pd.DataFrame, pd.DataFrame]:
    units = synthetic_units({"a": 6, "b": 6})
    predicted = ["teachers", "party", "safety", "general", "teachers", UNASSIGNED,
                 "moral", "moral", "teachers", "party", "safety", "safety"]
    gold_codes = ["teachers", "party", "safety", "party", "moral", "teachers",
                  "moral", "moral", "teachers", "party", "safety", "general"]
    coded = units.assign(theme=predicted, theme_secondary="", theme_score=1.0,
                         theme_evidence="", theme_fallback_reason="")
    gold = pd.DataFrame({
        "sample_no": range(1, 13), "region_id": units["region_id"], "unit_id": units["unit_id"],
        "half": ["dev", "heldout"] * 6, "text": units["text"], "gold_theme": gold_codes,
        "gold_secondary": "", "note": "",
    })
    return coded, gold


def test_validate_themes_tables_agree_with_sklearn_per_half():
    coded, gold = coded_and_gold()
    overall, by_theme = validate_themes(coded, gold)
    assert list(overall.columns) == schema.THEME_VALIDATION
    assert list(by_theme.columns) == schema.THEME_VALIDATION_BY_THEME
    assert overall["half"].tolist() == ["dev", "heldout", "all"]
    for row in overall.itertuples():
        mask = gold["half"] == row.half if row.half != "all" else slice(None)
        y_true = gold.loc[mask, "gold_theme"].tolist()
        y_pred = coded.loc[mask, "theme"].tolist()
        assert row.n == len(y_true)
        assert row.accuracy == pytest.approx(accuracy_score(y_true, y_pred))
        assert row.kappa == pytest.approx(cohen_kappa_score(y_true, y_pred))
        assert row.macro_f1 == pytest.approx(f1_score(y_true, y_pred, average="macro",
                                                      zero_division=0))
        per = by_theme[by_theme["half"] == row.half]
        assert per["f1"].mean() == pytest.approx(row.macro_f1)
        assert per["support"].sum() == row.n


def test_validate_themes_at_domain_level():
    coded, gold = coded_and_gold()
    cb = load_codebook()
    overall, by_theme = validate_themes(coded, gold, half="all", level="domain")
    to_domain = {t.id: t.domain for t in cb.themes} | {UNASSIGNED: UNASSIGNED}
    y_true = gold["gold_theme"].map(to_domain).tolist()
    y_pred = coded["theme"].map(to_domain).tolist()
    assert overall.loc[0, "kappa"] == pytest.approx(cohen_kappa_score(y_true, y_pred))
    assert set(by_theme["theme"]) <= set(cb.domain_ids) | {UNASSIGNED}
    assert (overall["level"] == "domain").all()


def test_confusion_table_counts_every_gold_unit():
    coded, gold = coded_and_gold()
    table = confusion_table(coded, gold)
    assert list(table.columns) == schema.THEME_CONFUSION
    totals = table.groupby("half")["n"].sum()
    assert totals.to_dict() == {"all": 12, "dev": 6, "heldout": 6}
    all_cells = table[table["half"] == "all"].set_index(["gold", "predicted"])["n"]
    assert all_cells[("party", "general")] == 1
    assert all_cells[("teachers", "teachers")] == 2


def test_align_gold_refuses_changed_text_or_missing_units():
    coded, gold = coded_and_gold()
    changed = gold.copy()
    changed.loc[3, "text"] = "另一句话。"
    with pytest.raises(ValueError, match="re-draw and re-code"):
        align_gold(coded, changed)
    with pytest.raises(ValueError, match="not in the coded units"):
        align_gold(coded.iloc[2:], gold)


def test_validate_themes_checks_arguments():
    coded, gold = coded_and_gold()
    with pytest.raises(ValueError, match="half must be one of"):
        validate_themes(coded, gold, half="test")
    with pytest.raises(ValueError, match="level must be one of"):
        validate_themes(coded, gold, level="topic")


def test_read_gold_checks_codes(tmp_path):
    _, gold = coded_and_gold()
    path = tmp_path / "gold.csv"
    gold.to_csv(path, index=False, encoding="utf-8-sig")
    assert read_gold(path)["gold_theme"].tolist() == gold["gold_theme"].tolist()
    bad = gold.copy()
    bad.loc[0, "gold_theme"] = "sports"
    bad.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(ValueError, match="gold_theme not in the codebook"):
        read_gold(path)
    bad = gold.copy()
    bad.loc[0, "gold_secondary"] = "teachers"  # repeats the primary
    bad.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(ValueError, match="bad gold_secondary"):
        read_gold(path)
    bad = gold.copy()
    bad.loc[0, "half"] = "test"
    bad.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(ValueError, match="half must be one of"):
        read_gold(path)


# ----------------------------------------------------------------------------- shipped files


@pytest.mark.skipif(not validation.GOLD_PATH.exists(), reason="no hand coding yet")
def test_shipped_gold_matches_shipped_sample():
    gold = read_gold()
    sample = pd.read_csv(validation.SAMPLE_PATH, dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    assert len(gold) >= 200
    assert gold["unit_id"].tolist() == sample["unit_id"].tolist()
    assert gold["text"].tolist() == sample["text"].tolist()
    assert gold["half"].tolist() == sample["half"].tolist()
    assert gold["region_id"].nunique() == 5
    counts = gold.groupby("region_id")["half"].value_counts()
    assert counts.min() == counts.max()  # equal allocation, halves balanced per region


@pytest.mark.skipif(not (validation.SAMPLE_PATH.exists()
                         and (config.PROCESSED_DIR / "units.parquet").exists()),
                    reason="needs the sample and the built units table")
def test_shipped_sample_is_reproducible_from_units():
    units = pd.read_parquet(config.PROCESSED_DIR / "units.parquet")
    sample = pd.read_csv(validation.SAMPLE_PATH, dtype=str, keep_default_na=False,
                         encoding="utf-8-sig")
    n = int(sample["region_id"].value_counts().iloc[0])
    redrawn = draw_validation_sample(units, n_per_region=n, random_state=config.RANDOM_STATE)
    assert redrawn["unit_id"].tolist() == sample["unit_id"].tolist()
    assert redrawn["half"].tolist() == sample["half"].tolist()


@pytest.mark.skipif(not (validation.GOLD_PATH.exists()
                         and (config.PROCESSED_DIR / "units.parquet").exists()),
                    reason="needs the hand coding and the built units table")
def test_reported_numbers_are_reproduced_by_the_current_codebook():
    """The final rows of theme_validation_history.csv are what the code gives now."""
    import hashlib

    from analysis.coding.themes import CODEBOOK_PATH, code_units

    history = pd.read_csv(validation.VALIDATION_DIR / "theme_validation_history.csv",
                          encoding="utf-8-sig")
    final = history[history["stage"] == history["stage"].iloc[-1]]
    assert final["codebook_sha256"].unique().tolist() == [
        hashlib.sha256(CODEBOOK_PATH.read_bytes()).hexdigest()]
    units = pd.read_parquet(config.PROCESSED_DIR / "units.parquet")
    units = units.drop(columns=[c for c in schema.UNITS_THEME_COLUMNS if c in units.columns])
    coded = code_units(units)
    gold = read_gold()
    for level in ("theme", "domain"):
        overall, _ = validate_themes(coded, gold, level=level)
        expected = final[final["level"] == level].set_index("half")
        for row in overall.itertuples():
            assert row.n == expected.loc[row.half, "n"]
            for stat in ("accuracy", "macro_f1", "kappa"):
                assert getattr(row, stat) == pytest.approx(expected.loc[row.half, stat], abs=5e-5)
