"""Tests for analysis.coding.modality: the lexicon file, the decision rule, the table."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.coding.modality import classify_modality, load_modality_lexicon, modality_table


def units_of(*texts: str, region: str = "r") -> pd.DataFrame:
    return pd.DataFrame({
        "region_id": [region] * len(texts),
        "unit_id": [f"{region}-{i:04d}" for i in range(1, len(texts) + 1)],
        "part": ["plan"] * len(texts),
        "unit_kind": ["sentence"] * len(texts),
        "text": list(texts),
    })


def modality(text: str) -> str:
    return classify_modality(units_of(text)).loc[0, "modality"]


def test_lexicon_defines_the_three_levels():
    lexicon = load_modality_lexicon()
    assert sorted(lexicon.terms) == ["binding", "directive", "encouraging"]
    assert lexicon.override == ("binding",)
    for term in ("确保", "必须", "严禁", "全面完成"):
        assert term in lexicon.terms["binding"]
    for term in ("加强", "推进", "落实"):
        assert term in lexicon.terms["directive"]
    for term in ("鼓励", "支持", "探索", "试点"):
        assert term in lexicon.terms["encouraging"]


def test_lexicon_errors(tmp_path):
    bad = tmp_path / "m.yml"
    bad.write_text("override: [strict]\nlevels: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="override"):
        load_modality_lexicon(bad)
    bad.write_text("override: [binding]\nlevels:\n  binding: {terms: [确保]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="levels must define"):
        load_modality_lexicon(bad)


@pytest.mark.parametrize("text,expected", [
    ("确保全县校园安全稳定。", "binding"),
    ("严禁有偿补课。", "binding"),
    ("全面完成年度目标任务。", "binding"),
    ("加强意识形态管理，推进党建工作。", "directive"),
    ("鼓励有条件的学校成立合唱团。", "encouraging"),
    ("探索建立劳动周制度。", "encouraging"),        # the hedge governs 建立
    ("推进集团化办学，探索委托管理。", "directive"),  # the leading predicate decides
    ("加快推进项目建设，确保按期完工。", "binding"),   # binding overrides position
    ("2021年是开局之年。", "none"),
])
def test_levels_and_decision_rule(text, expected):
    assert modality(text) == expected


def test_longest_term_and_neutral_phrases():
    out = classify_modality(units_of("严格落实安全责任。", "积极争取财政支持。",
                                     "制定评估考核方案（试行）。"))
    assert out["modality"].tolist() == ["binding", "none", "directive"]
    assert out.loc[0, "modality_evidence"] == "binding:严格落实"
    assert "支持" not in out.loc[1, "modality_evidence"]
    assert "试行" not in out.loc[2, "modality_evidence"]


def test_titles_are_ignored():
    assert modality("学习《关于鼓励社会力量办学的意见》。") == "none"


def test_evidence_lists_every_term_in_order():
    out = classify_modality(units_of("推进改革，鼓励探索，确保成效。"))
    assert out.loc[0, "modality_evidence"] == (
        "directive:推进;encouraging:鼓励;encouraging:探索;binding:确保")


def test_input_not_modified_and_columns():
    units = units_of("加强管理。")
    before = units.copy()
    out = classify_modality(units)
    pd.testing.assert_frame_equal(units, before)
    assert list(out.columns) == list(units.columns) + schema.UNITS_MODALITY_COLUMNS
    with pytest.raises(ValueError, match="already has"):
        classify_modality(out)


def test_modality_table_distribution():
    units = pd.concat([units_of("确保安全。", "加强管理。", "鼓励办学。", region="a"),
                       units_of("加强管理。", region="b")], ignore_index=True)
    units["theme"] = ["safety", "safety", "private", "safety"]
    table = modality_table(classify_modality(units))
    assert list(table.columns) == schema.MODALITY_TABLE
    assert len(table) == 3 * len(schema.MODALITY_LEVELS)
    safety = table[(table.region_id == "a") & (table.theme == "safety")].set_index("modality")
    assert safety.loc["binding", "share"] == pytest.approx(0.5)
    assert safety.loc["directive", "share"] == pytest.approx(0.5)
    assert safety.loc["encouraging", "n_sentences"] == 0
    assert table.groupby(["region_id", "theme"])["share"].sum().tolist() == pytest.approx([1, 1, 1])
    with pytest.raises(ValueError, match="unit_kinds must be drawn"):
        modality_table(classify_modality(units), unit_kinds=("paragraph",))
