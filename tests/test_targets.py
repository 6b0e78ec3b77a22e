"""Tests for analysis.coding.targets: numerals, exclusions, values, units and spans."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import schema
from analysis.coding.targets import extract_targets, parse_numeral


def units_of(*texts: str, part: str = "plan") -> pd.DataFrame:
    return pd.DataFrame({
        "region_id": ["r"] * len(texts),
        "unit_id": [f"r-{i:04d}" for i in range(1, len(texts) + 1)],
        "part": [part] * len(texts),
        "text": list(texts),
    })


def targets(text: str) -> pd.DataFrame:
    return extract_targets(units_of(text))


# ----------------------------------------------------------------------------- numerals


@pytest.mark.parametrize("text,expected", [
    ("95", 95.0), ("1.02", 1.02), ("1,000", 1000.0), ("十", 10.0), ("十二", 12.0),
    ("二十五", 25.0), ("一百零五", 105.0), ("三千五百", 3500.0), ("两", 2.0),
    ("一万", 10000.0), ("5亿", 5e8), ("二十万", 200000.0), ("3.8万亿", 3.8e12),
])
def test_parse_numeral_values(text, expected):
    assert parse_numeral(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["十四五", "一二", "十百", "五五"])
def test_parse_numeral_rejects_names(text):
    assert parse_numeral(text) is None


def test_parse_numeral_checks_argument():
    with pytest.raises(ValueError, match="non-empty string"):
        parse_numeral("")


# ----------------------------------------------------------------------------- not targets


@pytest.mark.parametrize("text", [
    "2021年工作要点。",
    "制定三年行动计划（2020—2023年）。",
    "2022年3月29日印发。",
    "组织开展第一批试点，参加第24届推普周活动。",
    "深入实施“十四五”规划。",
    "深入推动1+X证书制度试点。",
    "坚持“五育”并举，落实“双减”政策。",
    "大力实施以“三通两平台”为主要标志的信息化工程。",
    "按照“5+11+11”的模式实施集群化办学。",
    "严格落实“四个100%”。",
    "建立6-14岁残疾儿童少年档案，关爱3-6岁幼儿。",
    "庆祝中国共产党成立99周年。",
    "接受15年免费教育。",
    "加强作业、睡眠、手机、读物、体质等五项管理。",
    "继续推进“雏鹰”“卓越”四个培养计划。",
    "深化落实教师职业行为十项准则。",
    "确保不让一名学生因贫失学，让每一名学生掌握技能。",
    "实施教育信息化2.0行动计划。",
    "巩固泉州七中省示范性高中、省一级达标高中建设成果。",
    "获评市教学成果一等奖。",
    "落实《培智学校义务教育课程标准（2016年版）》。",
    "组织参加全省第四届中华经典诵写讲大赛。",
    "占全国份额从14%提升。",
    "统筹推进等五个方面的改革。",
])
def test_non_targets_are_not_extracted(text):
    assert targets(text).empty, targets(text)[["span", "value", "unit"]]


# ----------------------------------------------------------------------------- targets


def test_year_next_to_percentage():
    out = targets("到2021年学生体质健康测试合格率达到95%以上，优良率达到48.81%。")
    assert out["value"].tolist() == [95.0, 48.81]
    first = out.iloc[0]
    assert first["unit"] == "%"
    assert first["comparator"] == "达到…以上"
    assert first["indicator"] == "学生体质健康测试合格率"
    assert first["target_type"] == "rate"


def test_chinese_numeral_with_yu_is_ten_thousand():
    out = targets("累计增加学位一万余个。")
    assert out["value"].tolist() == [10000.0]
    assert out.loc[0, "unit"] == "个"
    assert out.loc[0, "qualifier"] == "余"
    assert out.loc[0, "comparator"] == "增加"


def test_chinese_numeral_after_strong_cue():
    out = targets("让每一名学生至少掌握两项运动技能。")
    assert out["value"].tolist() == [2.0]
    assert out.loc[0, "comparator"] == "至少"
    assert out.loc[0, "indicator"] == "运动技能"


def test_chinese_numeral_at_clause_end_needs_a_cue():
    assert targets("新建幼儿园三所。")["value"].tolist() == [3.0]
    assert targets("完善幼儿园三所。").empty


def test_floor_on_number_of_events():
    out = targets("开展心理健康教育进校园活动不少于40场。")
    assert out["value"].tolist() == [40.0]
    assert out.loc[0, "unit"] == "场"
    assert out.loc[0, "comparator"] == "不少于"


def test_ranking_as_digit_and_as_bloc():
    out = targets("区政府履行教育职责考评位列全市第1，中考成绩保持全市第一方阵。")
    assert out["value"].tolist() == [1.0, 1.0]
    assert out["unit"].tolist() == ["位次", "方阵"]
    assert out["target_type"].tolist() == ["ranking", "ranking"]
    assert out["comparator"].tolist() == ["位列", "保持"]


def test_top_n_ranking():
    out = targets("综合考核进入全省前10名。")
    assert out["value"].tolist() == [10.0]
    assert out.loc[0, "target_type"] == "ranking"


def test_money_folds_multiplier_into_value():
    out = targets("审批发放“3551”人才经费1350万元，投资约5亿元加快学校建设。")
    assert out["value"].tolist() == [13_500_000.0, 500_000_000.0]
    assert out["unit"].tolist() == ["元", "元"]
    assert out["target_type"].tolist() == ["money", "money"]
    assert out.loc[1, "qualifier"] == "约"


def test_counts_in_an_enumeration_get_their_own_nouns():
    out = targets("新创成2所国家级特色学校、10所省级特色学校。")
    assert out["value"].tolist() == [2.0, 10.0]
    assert out["indicator"].tolist() == ["国家级特色学校", "省级特色学校"]
    assert out["comparator"].tolist() == ["新创成", "新创成"]
    assert out.loc[0, "end"] <= out.loc[1, "start"]


def test_level_words_before_noun_are_not_bounds():
    out = targets("其中区学带以上高层次人才14人，创建市级及以上示范幼儿园3所。")
    assert out["value"].tolist() == [14.0, 3.0]
    assert out["comparator"].tolist() == ["", "创建"]


def test_per_capita_and_per_period_units():
    out = targets("学前教育资源配置率达到每万人1.02所；每学年开设不少于12课时安全教育课程；"
                  "实行每个季度召开一次现场会制度。")
    assert out["value"].tolist() == [1.02, 12.0, 1.0]
    assert out["unit"].tolist() == ["所/万人", "课时/学年", "次/季度"]
    assert out.loc[0, "target_type"] == "rate"


def test_range_keeps_lower_bound_and_range():
    out = targets("引导每一位学生形成1-2项艺术特长。")
    assert out["value"].tolist() == [1.0]
    assert out.loc[0, "qualifier"] == "1-2"


def test_percentage_with_object_after_it():
    out = targets("确保年底95%的区属学校通过验收。")
    assert out.loc[0, "indicator"] == "区属学校通过验收"
    assert out.loc[0, "span"] == "确保年底95%的区属学校通过验收"


def test_large_multipliers_and_general_units():
    out = targets("发放各类防疫物资20余万件，发电量达2900亿千瓦时，经济总量达到3.8万亿元。")
    assert out["value"].tolist() == [200_000.0, 2.9e11, 3.8e12]
    assert out["unit"].tolist() == ["件", "千瓦时", "元"]


def test_span_is_exact_text_at_offsets():
    texts = ["全区幼儿园总数达到58所；新增普惠园7所，覆盖率达到97.2%。",
             "年内完成建设项目7个、新开工项目6个。"]
    units = units_of(*texts)
    out = extract_targets(units)
    assert len(out) == 5
    for row in out.itertuples():
        text = units.set_index("unit_id").loc[row.unit_id, "text"]
        assert text[row.start:row.end] == row.span
        assert str(int(row.value)) in row.span or str(row.value) in row.span


def test_output_schema_order_and_theme_carried():
    units = units_of("新增幼儿园4所。", "2所民办学校成立党支部。")
    units = units.assign(theme=["preschool", "party"])
    out = extract_targets(units)
    assert list(out.columns) == schema.TARGETS
    assert out["unit_id"].tolist() == ["r-0001", "r-0002"]
    assert out["theme"].tolist() == ["preschool", "party"]
    assert out.loc[1, "indicator"] == "民办学校成立党支部"
    assert out["value"].dtype == "float64"


def test_theme_missing_when_units_are_uncoded():
    out = targets("新增幼儿园4所。")
    assert out["theme"].isna().all()


def test_input_not_modified_and_empty_text_skipped():
    units = units_of("新增幼儿园4所。", "")
    before = units.copy()
    out = extract_targets(units)
    pd.testing.assert_frame_equal(units, before)
    assert len(out) == 1


def test_missing_columns_named():
    with pytest.raises(ValueError, match="missing columns"):
        extract_targets(pd.DataFrame({"text": ["新增幼儿园4所。"]}))


def test_no_targets_gives_typed_empty_table():
    out = targets("加强党的建设。")
    assert list(out.columns) == schema.TARGETS
    assert out.empty


def test_values_are_finite():
    out = targets("新增高技能人才10万人，城镇调查失业率5.7%左右。")
    assert all(math.isfinite(v) for v in out["value"])
    assert out["value"].tolist() == [100_000.0, 5.7]
    assert out.loc[1, "qualifier"] == "左右"


def test_thousands_separators_and_middle_dot_decimals():
    out = targets("本年预算共支出791，459，000元，比上年实际增长4·3％。")
    assert out["value"].tolist() == [791_459_000.0, 4.3]
    assert parse_numeral("23，688，944") == 23_688_944.0


def test_indefinite_yi_is_not_a_count_unless_floored():
    assert targets("建成一个具有特色的现代教育体系。").empty
    out = targets("每个乡镇至少建成一所公办中心幼儿园。")
    assert out["value"].tolist() == [1.0]


def test_baseline_after_you_shang_nian_is_not_a_target():
    out = targets("单位能耗由上年的2.51吨降到2.4吨。")
    assert out["value"].tolist() == [2.4]
