"""Tests for analysis.coding.themes: the codebook file, the coding rules, the region table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import config, schema
from analysis.coding import themes
from analysis.coding.themes import (
    UNASSIGNED,
    CodebookError,
    code_units,
    load_codebook,
    theme_by_region,
)

THEME_IDS = [
    "party", "moral", "teaching", "health_pe", "arts", "labor", "language", "home_school",
    "preschool", "compulsory", "highschool", "vocational", "higher_lifelong", "special",
    "private", "burden", "teachers", "evaluation", "governance", "digital", "safety",
    "health_epidemic", "resources", "exchange", "general",
]


@pytest.fixture(scope="module")
def codebook() -> themes.Codebook:
    return load_codebook()


def make_units(rows: list[dict]) -> pd.DataFrame:
    """A small units table in schema.UNITS; omitted fields are missing values."""
    records = []
    for i, row in enumerate(rows, 1):
        record = {c: None for c in schema.UNITS}
        record.update({"region_id": "r1", "part": "plan", "unit_kind": "sentence"})
        record.update(row)
        record["unit_id"] = record.get("unit_id") or f"{record['region_id']}-{i:04d}"
        record["n_chars"] = len(record["text"])
        records.append(record)
    return pd.DataFrame.from_records(records, columns=schema.UNITS)


def code_one(text: str, **context: str) -> pd.Series:
    return code_units(make_units([{"text": text, **context}])).iloc[0]


# ----------------------------------------------------------------------------- codebook


def test_codebook_has_exactly_the_25_theme_ids(codebook):
    assert codebook.theme_ids == THEME_IDS


def test_codebook_labels_are_bilingual(codebook):
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for item in (*codebook.themes, *codebook.domains):
        assert cjk.search(item.label_zh), item.id
        assert not cjk.search(item.label_en) and re.search(r"[A-Za-z]", item.label_en), item.id


def test_codebook_documents_every_theme(codebook):
    for t in codebook.themes:
        assert len(t.definition) > 40, t.id
        assert t.include and t.exclude, t.id
        assert t.terms and all(w > 0 for _, w in t.terms), t.id


def test_every_domain_defined_and_used(codebook):
    domains = set(codebook.domain_ids)
    used = {t.domain for t in codebook.themes}
    assert used == domains
    assert 5 <= len(domains) <= 8
    assert codebook.theme("teachers").domain == "teachers"
    assert codebook.theme("general").umbrella
    assert [t.id for t in codebook.themes if t.umbrella] == ["general"]


def test_codebook_is_plain_yaml_data():
    text = (config.RULES_DIR / "codebook.yml").read_text(encoding="utf-8")
    assert "!!python" not in text
    assert isinstance(yaml.safe_load(text), dict)


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load((config.RULES_DIR / "codebook.yml").read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r["themes"][0].pop("label_en"), r"missing keys \['label_en'\]"),
    (lambda r: r["themes"][0].update(label_zh="Party"), "no Chinese character"),
    (lambda r: r["themes"][1].update(label_en="德育"), "must be English"),
    (lambda r: r["themes"][2].update(domain="nowhere"), "'nowhere' is not defined"),
    (lambda r: r["themes"][3].update(id="party"), r"duplicate theme ids: \['party'\]"),
    (lambda r: r["themes"][3]["terms"].update({"体育": 0}), "positive number"),
    (lambda r: r["themes"][4].update(rules=[{"id": "x", "pattern": "(", "weight": 1}]),
     "does not compile"),
    (lambda r: r["domains"].append({"id": "empty", "label_zh": "空", "label_en": "Empty"}),
     r"domains without themes: \['empty'\]"),
    (lambda r: r["themes"][5].update(id="unassigned"), "reserved"),
    (lambda r: r["themes"][5].update(colour="red"), r"unknown keys \['colour'\]"),
    (lambda r: r["neutral_phrases"].append("党建"), "also listed as signal terms"),
    (lambda r: r["structural_rules"][0].update(theme="nope"), "unknown theme 'nope'"),
    (lambda r: r["structural_rules"][0]["when"].update(position="footer"), "not one of"),
])
def test_load_codebook_rejects_malformed_entries(tmp_path, mutate, message):
    with pytest.raises(CodebookError, match=message):
        load_codebook(_write(tmp_path, mutate))


def test_load_codebook_rejects_duplicate_yaml_keys(tmp_path):
    text = (config.RULES_DIR / "codebook.yml").read_text(encoding="utf-8")
    path = tmp_path / "codebook.yml"
    path.write_text(text.replace("      党建: 3\n", "      党建: 3\n      党建: 1\n", 1),
                    encoding="utf-8")
    with pytest.raises(CodebookError, match="duplicate key '党建'"):
        load_codebook(path)


def test_load_codebook_names_missing_file(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "absent.yml")


def test_codebook_table_has_one_row_per_theme(codebook):
    table = themes.codebook_table(codebook)
    assert list(table.columns) == schema.CODEBOOK
    assert table["theme_id"].tolist() == THEME_IDS
    assert (table["n_terms"] > 0).all()


# ----------------------------------------------------------------------------- coding


def test_sentence_matching_two_themes_gets_primary_and_secondary():
    row = code_one("深化师德师风建设，加强教师队伍管理，同时开展校园安全教育。",
                   item_title="统筹推进各项工作", section_title="主要任务")
    assert row["theme"] == "teachers"
    assert row["theme_secondary"] == "safety"
    assert row["theme_fallback_reason"] == ""
    assert "teachers=师德师风×1+教师队伍×1" in row["theme_evidence"]
    # leftmost-longest: 校园安全 is read first, so 安全教育 does not also fire
    assert "safety=校园安全×1" in row["theme_evidence"]
    # 师德师风 (3) + 教师队伍 (3); context adds nothing here.
    assert row["theme_score"] == 6.0


def test_own_text_beats_the_item_context():
    # A canteen sentence inside a teachers item is still about safety.
    row = code_one("加强学校食堂管理，确保食品安全。", item_title="切实加强师德师风建设",
                   section_title="建设高素质教师队伍")
    assert row["theme"] == "safety"
    assert row["theme_secondary"] == ""
    assert "item_title×0.5: teachers=师德师风×1" in row["theme_evidence"]


def test_context_breaks_a_tie_between_own_signals():
    text = "开展艺术教育和劳动教育实践活动。"  # arts 3 (艺术教育) vs labor 3 (劳动教育)
    assert code_one(text, item_title="大力推进劳动教育")["theme"] == "labor"
    assert code_one(text, item_title="全面加强美育工作")["theme"] == "arts"


def test_heading_is_coded_from_its_own_text_and_its_section():
    units = make_units([
        {"unit_kind": "section_heading", "text": "突出工作重点", "section_title": "突出工作重点"},
        {"unit_kind": "item_title", "text": "推进学前教育普及普惠发展。",
         "section_title": "突出工作重点", "item_title": "推进学前教育普及普惠发展。"},
    ])
    coded = code_units(units)
    item = coded.iloc[1]
    assert item["theme"] == "preschool"
    assert item["theme_fallback_reason"] == ""
    # the item title is not its own context
    assert "item_title×" not in item["theme_evidence"]
    # the section heading has its own (weak) signal only: 均衡 alone is not a term
    assert coded.iloc[0]["theme"] == UNASSIGNED


def test_no_signal_sentence_inherits_its_item_and_says_so():
    row = code_one("确保各项任务按期落到实处。", item_title="大力推进劳动教育",
                   section_title="突出五育并举")
    assert row["theme"] == "labor"
    assert row["theme_fallback_reason"] == "no_signal_inherited_item"
    assert "coded by: no_signal_inherited_item" in row["theme_evidence"]
    assert row["theme_score"] == 1.5  # 劳动教育 3 × context_weight 0.5


def test_no_signal_anywhere_is_unassigned_with_reason():
    row = code_one("各单位要结合实际抓好落实。", section_title="其他事项")
    assert row["theme"] == UNASSIGNED
    assert row["theme_fallback_reason"] == "no_signal"
    assert row["theme_score"] == 0.0
    assert row["theme_secondary"] == ""


def test_preamble_sentence_is_general_by_position():
    row = code_one("以习近平新时代中国特色社会主义思想为指导，全面贯彻党的教育方针，"
                   "办好人民满意的教育，庆祝建党100周年。")
    assert row["theme"] == "general"
    assert row["theme_fallback_reason"] == "structural:preamble"
    assert "structural:preamble: general+4" in row["theme_evidence"]


def test_general_vocabulary_inside_an_item_yields_to_the_item():
    text = "深入贯彻全国教育大会精神。"  # only umbrella vocabulary
    inside = code_one(text, item_title="加强学校体育工作", section_title="五育并举")
    assert inside["theme"] == "health_pe"
    outside = code_one(text, section_title="其他事项")
    assert outside["theme"] == "general"
    assert outside["theme_fallback_reason"] == "general_vocabulary_only"


def test_longest_term_wins_and_is_not_double_counted():
    row = code_one("规范校外培训机构办学行为。", section_title="其他事项")
    assert row["theme"] == "private"
    assert "teachers" not in row["theme_evidence"]  # 培训 inside 校外培训机构
    assert code_one("加强儿童青少年近视防控。", section_title="其他事项")["theme"] == "health_pe"


def test_equal_scores_go_to_the_theme_mentioned_first():
    first = code_one("统筹义务教育和学前教育发展。", section_title="其他事项")
    assert first["theme"] == "compulsory"
    assert first["theme_secondary"] == "preschool"
    second = code_one("统筹学前教育和义务教育发展。", section_title="其他事项")
    assert second["theme"] == "preschool"


def test_regex_rule_fires_and_is_shown_as_evidence():
    row = code_one("推进高中新课程实施。", section_title="其他事项")
    assert row["theme"] == "highschool"
    assert "rule:highschool_curriculum×1" in row["theme_evidence"]
    # 小学 is compulsory, but not inside 中小学 or 小学化
    assert code_one("办好每一所小学。", section_title="其他事项")["theme"] == "compulsory"
    assert code_one("办好每一所中小学。", section_title="其他事项")["theme"] == UNASSIGNED


def test_neutral_phrase_is_not_a_signal():
    row = code_one("县教育体育局召开会议。", section_title="其他事项")
    assert row["theme"] == UNASSIGNED
    assert "体育" not in row["theme_evidence"]


def test_part_heading_is_general_and_clause_label_frames_general():
    units = make_units([
        {"unit_kind": "part_heading", "text": "2021年工作打算"},
        {"text": "坚持稳中求进，推动教育高质量发展。", "clause_type": "总体要求",
         "section_title": "总体安排"},
    ])
    coded = code_units(units)
    assert coded["theme"].tolist() == ["general", "general"]
    assert coded.iloc[1]["theme_fallback_reason"] == "structural:general_requirements_clause"


def test_context_weights_are_parameters():
    units = make_units([{"text": "确保各项任务按期落到实处。", "item_title": "大力推进劳动教育"}])
    assert code_units(units, context_weight=0.0).iloc[0]["theme"] == UNASSIGNED
    assert code_units(units, min_score=2.0).iloc[0]["theme_fallback_reason"] == "below_min_score"


def test_code_units_returns_new_frame_and_does_not_mutate_input():
    units = make_units([
        {"text": "加强学校食堂管理，确保食品安全。", "item_title": "切实加强师德师风建设"},
        {"text": "确保各项任务按期落到实处。", "item_title": "大力推进劳动教育"},
    ])
    before = units.copy(deep=True)
    coded = code_units(units)
    pd.testing.assert_frame_equal(units, before)
    assert coded is not units
    assert list(coded.columns) == schema.UNITS + schema.UNITS_THEME_COLUMNS
    assert coded.index.equals(units.index)


@pytest.mark.parametrize("kwargs, message", [
    ({"context_weight": 1.5}, "context_weight must be between 0 and 1"),
    ({"min_score": 0}, "min_score must be positive"),
    ({"dominance_score": 0.5}, "dominance_score must be >= min_score"),
    ({"secondary_ratio": 0}, "secondary_ratio"),
    ({"max_secondary": -1}, "max_secondary"),
])
def test_code_units_checks_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        code_units(make_units([{"text": "加强体育工作。"}]), **kwargs)


def test_code_units_checks_columns_and_kinds():
    with pytest.raises(ValueError, match="lacks columns"):
        code_units(make_units([{"text": "加强体育工作。"}]).drop(columns="item_title"))
    with pytest.raises(ValueError, match="unit_kind values"):
        code_units(make_units([{"text": "加强体育工作。", "unit_kind": "footnote"}]))
    with pytest.raises(ValueError, match="already coded"):
        code_units(code_units(make_units([{"text": "加强体育工作。"}])))


# ----------------------------------------------------------------------------- tables


@pytest.fixture()
def coded_two_regions() -> pd.DataFrame:
    rows = [
        {"region_id": "a", "text": "加强学校食堂管理，确保食品安全。", "section_title": "s"},
        {"region_id": "a", "text": "深化师德师风建设。", "section_title": "s"},
        {"region_id": "a", "text": "推进教师队伍建设。", "section_title": "s"},
        {"region_id": "a", "text": "各单位要结合实际抓好落实。", "section_title": "s"},
        {"region_id": "a", "unit_kind": "item_title", "text": "加强体育", "item_title": "加强体育",
         "section_title": "s"},
        {"region_id": "a", "part": "review", "text": "完成校舍改扩建项目。", "section_title": "s"},
        {"region_id": "b", "text": "推进学前教育普及普惠。", "section_title": "s"},
    ]
    return code_units(make_units(rows))


def test_theme_by_region_zeros_included_and_shares_sum_to_one(coded_two_regions, codebook):
    table = theme_by_region(coded_two_regions)
    assert list(table.columns) == schema.THEME_BY_REGION
    assert len(table) == 2 * (len(THEME_IDS) + 1)
    assert table["theme_id"].tolist()[: len(THEME_IDS) + 1] == THEME_IDS + [UNASSIGNED]
    sums = table.groupby("region_id")[["share_chars", "share_sentences"]].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    a = table[table["region_id"] == "a"].set_index("theme_id")
    # plan sentences only: the heading and the review sentence are not counted
    assert a["n_sentences"].sum() == 4
    assert a.loc["teachers", "n_sentences"] == 2
    assert a.loc["teachers", "n_chars"] == len("深化师德师风建设。") + len("推进教师队伍建设。")
    assert a.loc["resources", "n_sentences"] == 0
    assert a.loc[UNASSIGNED, "n_sentences"] == 1
    total_chars = sum(len(t) for t in ["加强学校食堂管理，确保食品安全。", "深化师德师风建设。",
                                       "推进教师队伍建设。", "各单位要结合实际抓好落实。"])
    assert a.loc["safety", "share_chars"] == pytest.approx(16 / total_chars)
    assert a.loc["teachers", "theme_zh"] == "教师队伍"
    assert a.loc["teachers", "domain"] == "teachers"


def test_theme_by_region_keeps_the_review_apart(coded_two_regions):
    review = theme_by_region(coded_two_regions, part="review")
    assert review["region_id"].unique().tolist() == ["a"]
    assert review.set_index("theme_id").loc["resources", "share_sentences"] == 1.0
    assert set(review["part"]) == {"review"}
    everything = theme_by_region(coded_two_regions, part="all", include_headings=True)
    assert everything.query("region_id == 'a'")["n_sentences"].sum() == 6


def test_domain_table_sums_theme_table(coded_two_regions, codebook):
    domains = theme_by_region(coded_two_regions, level="domain")
    assert list(domains.columns) == schema.DOMAIN_BY_REGION
    assert len(domains) == 2 * (len(codebook.domains) + 1)
    sums = domains.groupby("region_id")[["share_chars", "share_sentences"]].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    by_theme = theme_by_region(coded_two_regions)
    expected = by_theme.groupby(["region_id", "domain"])["n_chars"].sum()
    got = domains.set_index(["region_id", "domain"])["n_chars"]
    assert got.sort_index().tolist() == expected.sort_index().tolist()


def test_theme_by_region_checks_arguments(coded_two_regions):
    with pytest.raises(ValueError, match="level must be one of"):
        theme_by_region(coded_two_regions, level="topic")
    with pytest.raises(ValueError, match="part must be one of"):
        theme_by_region(coded_two_regions, part="appendix")
    with pytest.raises(ValueError, match="lacks columns"):
        theme_by_region(coded_two_regions.drop(columns="theme"))


def test_fallback_summary_counts_routes(coded_two_regions):
    summary = themes.fallback_summary(coded_two_regions)
    assert list(summary.columns) == schema.THEME_FALLBACK
    a = summary[summary["region_id"] == "a"].set_index("reason")
    assert a.loc["own_signal", "n_sentences"] == 3
    assert a.loc["no_signal", "n_sentences"] == 1
    assert bool(a.loc["no_signal", "unassigned"])
    assert summary.groupby("region_id")["share_sentences"].sum().to_numpy() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- real corpus


UNITS_PARQUET = config.PROCESSED_DIR / "units.parquet"


@pytest.mark.skipif(not UNITS_PARQUET.exists(), reason="run `python -m analysis build` first")
def test_fewer_than_5_percent_of_each_plans_sentences_unassigned():
    units = pd.read_parquet(UNITS_PARQUET)
    units = units.drop(columns=[c for c in schema.UNITS_THEME_COLUMNS if c in units.columns])
    coded = code_units(units)
    table = theme_by_region(coded, part="all")
    rates = table[table["theme_id"] == UNASSIGNED].set_index("region_id")["share_sentences"]
    assert (rates < 0.05).all(), rates.to_dict()
