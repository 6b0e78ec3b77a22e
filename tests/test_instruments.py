"""Tests for analysis.coding.instruments: the scheme file, the coder and the table."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.coding.instruments import (
    code_instruments,
    instrument_table,
    load_instrument_scheme,
)


def units_of(*texts: str, region: str = "r") -> pd.DataFrame:
    return pd.DataFrame({
        "region_id": [region] * len(texts),
        "unit_id": [f"{region}-{i:04d}" for i in range(1, len(texts) + 1)],
        "part": ["plan"] * len(texts),
        "unit_kind": ["sentence"] * len(texts),
        "text": list(texts),
    })


def code(text: str) -> pd.Series:
    return code_instruments(units_of(text)).iloc[0]


# ----------------------------------------------------------------------------- scheme


def test_scheme_has_the_three_types_and_their_subtypes():
    scheme = load_instrument_scheme()
    assert scheme.types == ("supply", "environment", "demand")
    assert scheme.subtype_ids("supply") == (
        "funding", "teachers", "infrastructure", "information", "public_services")
    assert set(scheme.subtype_ids("environment")) >= {
        "goals_planning", "regulation", "standards_institutions", "evaluation",
        "supervision", "leadership", "publicity"}
    assert set(scheme.subtype_ids("demand")) == {
        "purchase", "outsourcing", "pilots", "cooperation", "social_participation"}
    for sub in scheme.subtypes:
        assert sub.label_zh and sub.label_en and sub.definition
        assert sub.terms or sub.patterns
    assert all(zh and en for zh, en in scheme.type_labels.values())


def test_scheme_errors_name_the_entry(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("types:\n  - id: supply\n    label_zh: 供给型\n    label_en: Supply\n"
                   "    definition: x\n    subtypes:\n      - id: funding\n        label_zh: 资金\n"
                   "        label_en: Funding\n        definition: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"types\[0\] \(supply\)\.subtypes\[0\].*term"):
        load_instrument_scheme(bad)
    bad.write_text("types:\n  - id: supply\n    label_zh: 供给型\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"types\[0\].*label_en"):
        load_instrument_scheme(bad)


# ----------------------------------------------------------------------------- coding


@pytest.mark.parametrize("text,instrument,subtype", [
    ("落实学生资助政策，做好各学段助学金发放工作。", "supply", "funding"),
    ("加强对新任教师的培训，建立以老带新机制。", "supply", "teachers"),
    ("推进学校改扩建，扩大学位供给。", "supply", "infrastructure"),
    ("加强中小学智慧课堂建设，推进数字校园全覆盖。", "supply", "information"),
    ("改进小学课后托管服务，提升课后服务质量。", "supply", "public_services"),
    ("制定实施教育发展规划。", "environment", "goals_planning"),
    ("深入推进依法治教、依法行政。", "environment", "regulation"),
    ("深化督导体制改革，落实挂牌督导和专项督导。", "environment", "supervision"),
    ("全面加强党对教育工作的领导，落实意识形态工作责任制。", "environment", "leadership"),
    ("加大师德典型选树和宣传力度。", "environment", "publicity"),
    ("推进政府购买服务。", "demand", "purchase"),
    ("推进全国劳动教育实验区创建。", "demand", "pilots"),
    ("加强教育对外交流合作。", "demand", "cooperation"),
    ("鼓励社会力量办学。", "demand", "social_participation"),
])
def test_each_type_is_recognised(text, instrument, subtype):
    row = code(text)
    assert (row["instrument"], row["instrument_subtype"]) == (instrument, subtype)


def test_sentence_with_two_instruments_gets_a_secondary():
    row = code("加大教育经费投入，完善督导评估制度。")
    assert row["instrument"] == "environment"  # 督导, 评估, 制度 outnumber 经费, 投入
    assert row["instrument_secondary"] == "supply"
    assert row["instrument_secondary_subtype"] == "funding"
    evidence = row["instrument_evidence"].split(";")
    assert "supply/funding:经费" in evidence and "environment/supervision:督导" in evidence


def test_tie_goes_to_the_instrument_named_first():
    row = code("鼓励社会力量办学，加快推进学校改扩建。")  # one signal each
    assert (row["instrument"], row["instrument_secondary"]) == ("demand", "supply")
    row = code("增加经费，开展试点。")
    assert (row["instrument"], row["instrument_secondary"]) == ("supply", "demand")
    row = code("开展试点，增加经费。")
    assert (row["instrument"], row["instrument_secondary"]) == ("demand", "supply")
    # more signals beat position
    row = code("开展试点，加大经费投入。")
    assert (row["instrument"], row["instrument_secondary"]) == ("supply", "demand")


def test_no_instrument_is_none():
    row = code("2021年是开局之年。")
    assert row["instrument"] == "none"
    assert row["instrument_subtype"] == "none"
    assert row["instrument_secondary"] == "none"
    assert row["instrument_evidence"] == ""


def test_neutral_phrases_and_titles_do_not_count():
    # 校外培训机构 is a regulated sector: its 培训 is not teacher training
    row = code("规范校外培训机构办学行为。")
    assert row["instrument"] == "environment"
    assert "培训" not in row["instrument_evidence"]
    # a cited title's words describe that document, not this sentence
    assert code("学习《教师培训规划》。")["instrument"] == "none"


def test_longest_term_wins_without_double_counting():
    row = code("开展教师培训。")
    assert row["instrument_evidence"] == "supply/teachers:教师培训"


def test_input_not_modified_and_columns_added():
    units = units_of("开展教师培训。", "加强督导。")
    before = units.copy()
    out = code_instruments(units)
    pd.testing.assert_frame_equal(units, before)
    assert list(out.columns) == list(units.columns) + schema.UNITS_INSTRUMENT_COLUMNS
    with pytest.raises(ValueError, match="already coded"):
        code_instruments(out)
    with pytest.raises(ValueError, match="lacks columns"):
        code_instruments(pd.DataFrame({"text": ["x"]}))


# ----------------------------------------------------------------------------- table


def test_instrument_table_counts_shares_and_zeros():
    units = pd.concat([
        units_of("开展教师培训。", "加强督导检查。", "落实助学金发放。", region="a"),
        units_of("推进试点。", "2021年是开局之年。", region="b"),
    ], ignore_index=True)
    units["theme"] = ["teachers", "reform", "teachers", "reform", "reform"]
    coded = code_instruments(units)
    table = instrument_table(coded)
    assert list(table.columns) == schema.INSTRUMENT_TABLE
    # every region x theme present gets all four instrument rows
    assert len(table) == 3 * 4
    a_teachers = table[(table.region_id == "a") & (table.theme == "teachers")]
    a_teachers = a_teachers.set_index("instrument")
    assert a_teachers.loc["supply", "n_sentences"] == 2
    assert a_teachers.loc["environment", "n_sentences"] == 0
    assert a_teachers["share"].sum() == pytest.approx(1.0)
    b = table[(table.region_id == "b")].set_index("instrument")
    assert b.loc["demand", "share"] == pytest.approx(0.5)
    assert b.loc["none", "share"] == pytest.approx(0.5)
    # independent count with pandas
    expected = coded.groupby(["region_id", "theme", "instrument"]).size()
    got = table[table.n_sentences > 0].set_index(["region_id", "theme", "instrument"])
    got = got["n_sentences"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()


def test_instrument_table_filters_parts_and_checks_arguments():
    units = units_of("开展教师培训。", "加强督导检查。")
    units["theme"] = "teachers"
    units.loc[1, "part"] = "review"
    table = instrument_table(code_instruments(units))
    assert table["n_total"].unique().tolist() == [1]
    with pytest.raises(ValueError, match="parts must be drawn from"):
        instrument_table(code_instruments(units), parts=("future",))
    with pytest.raises(ValueError, match="lacks columns"):
        instrument_table(code_instruments(units), theme_col="area")


def test_carrying_out_a_cited_document_is_planning_but_a_blanked_term_is_not():
    coded = code_instruments(units_of("落实《某市学校体育工作实施办法》。",
                                      "印发《某区教育督导办法》。", "落实助学金发放。"))
    assert coded["instrument"].tolist() == ["environment", "environment", "supply"]
    assert coded["instrument_subtype"].tolist()[:2] == ["goals_planning", "goals_planning"]
    # the title's own words (体育, 督导) are not read as the sentence's tools
    assert "督导" not in coded.loc[1, "instrument_evidence"]
