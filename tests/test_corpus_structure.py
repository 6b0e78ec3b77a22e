"""Structure parsing on small invented plans covering each convention."""

import pytest

from analysis.corpus.structure import (
    chinese_numeral,
    load_structure_rules,
    split_sentences,
    structure_units,
)


def _units(text):
    lines = [(i + 1, line) for i, line in enumerate(text.split("\n")) if line.strip()]
    return structure_units(lines)


def _rows(result, *fields):
    return [tuple(getattr(u, f) for f in fields) for u in result.units]


@pytest.mark.parametrize(
    ("text", "value"), [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十八", 28), ("7", 7)]
)
def test_chinese_numerals(text, value):
    assert chinese_numeral(text) == value


def test_sections_and_items_with_titles_and_a_preamble():
    result = _units(
        "总体要求：坚持稳中求进。\n一、加强党建\n1.深化理论武装。学习贯彻全会精神。\n2.强化基层组织。\n二、提升质量\n3.推进课程改革。"
    )
    assert _rows(result, "section_no", "item_no", "unit_kind", "text") == [
        (None, None, "sentence", "坚持稳中求进。"),
        (1, None, "section_heading", "加强党建"),
        (1, 1, "item_title", "深化理论武装。"),
        (1, 1, "sentence", "学习贯彻全会精神。"),
        (1, 2, "item_title", "强化基层组织。"),
        (2, None, "section_heading", "提升质量"),
        (2, 3, "item_title", "推进课程改革。"),
    ]
    assert result.units[0].clause_type == "总体要求"
    assert result.units[3].item_title == "深化理论武装"
    assert [lab.text for lab in result.labels] == ["总体要求：", "一、", "1.", "2.", "二、", "3."]


def test_review_and_plan_parts_with_yishi_items():
    text = "\n".join(
        ["2020年工作取得成效。", "一、工作开展情况", "一是抓党建。做了很多。", "二是抓质量。",
         "二、2021年工作打算", "一是强队伍。"]
    )
    result = _units(text)
    assert _rows(result, "part", "section_no", "item_no", "unit_kind") == [
        ("review", None, None, "sentence"),
        ("review", None, None, "part_heading"),
        ("review", None, 1, "item_title"),
        ("review", None, 1, "sentence"),
        ("review", None, 2, "item_title"),
        ("plan", None, None, "part_heading"),
        ("plan", None, 1, "item_title"),
    ]


def test_clause_labels_and_lost_item_numbers_are_recovered():
    text = "\n".join(
        [
            "一、扩大资源",
            "1.编制规划。",
            "目标任务：编制规划。",
            "工作措施：公布规划。",
            "推动学前教育普惠。",
            "目标任务：覆盖率达标。",
            "工作措施：新建幼儿园。",
            "3.推动高中发展。",
            "推进依法治教。",
            "工作措施：加强章程建设。",
            "4.加强安全。",
            "目标任务：平安校园。",
        ]
    )
    result = _units(text)
    items = [
        (u.item_no, u.item_no_inferred, u.text) for u in result.units if u.unit_kind == "item_title"
    ]
    assert items == [
        (1, False, "编制规划。"),
        (2, True, "推动学前教育普惠。"),
        (3, False, "推动高中发展。"),
        (4, False, "加强安全。"),
    ]
    # An unlabelled first body line under a numbered title is body, not a lost title.
    body = [u for u in result.units if u.text == "推进依法治教。"][0]
    assert (body.item_no, body.unit_kind, body.clause_type) == (3, "sentence", None)
    clauses = [u.clause_type for u in result.units if u.item_no == 2]
    assert clauses == [None, "目标任务", "工作措施"]


def test_a_whole_plan_in_one_paragraph_with_nested_numbering():
    line = (
        "2019年全县工作要以质量为核心。 一、工作目标 紧扣县委部署。 (一)坚持一个根本。育人为本。"
        " 二、主要工作 (一)实施德育工程。 全面加强德育。"
        " 1.强化核心价值观教育。认真贯彻。 2.学前教育。提高入园率"
    )
    result = structure_units([(1, line)])
    assert _rows(result, "section_no", "item_no", "subitem_no", "unit_kind", "text") == [
        (None, None, None, "sentence", "2019年全县工作要以质量为核心。"),
        (1, None, None, "section_heading", "工作目标"),
        (1, None, None, "sentence", "紧扣县委部署。"),
        (1, 1, None, "item_title", "坚持一个根本。"),
        (1, 1, None, "sentence", "育人为本。"),
        (2, None, None, "section_heading", "主要工作"),
        (2, 1, None, "item_title", "实施德育工程。"),
        (2, 1, None, "sentence", "全面加强德育。"),
        (2, 1, 1, "subitem_title", "强化核心价值观教育。"),
        (2, 1, 1, "sentence", "认真贯彻。"),
        (2, 1, 2, "subitem_title", "学前教育。"),
        (2, 1, 2, "sentence", "提高入园率"),
    ]
    assert "the text ends mid-sentence (truncated?)" in result.notes
    # Source spans point back into the line.
    for unit in result.units:
        assert (
            line[unit.src_start : unit.src_end]
            .replace(" ", "")
            .replace("(", "（")
            .replace(")", "）")
            == unit.text
        )


def test_a_plan_without_numbering_loads_with_paragraphs_as_items():
    result = _units("全面加强党的建设。落实主体责任。\n大力发展学前教育。\n提升教师队伍素质。")
    assert not result.structure_recognised
    assert any("no numbering recognised" in note for note in result.notes)
    assert [(u.item_no, u.item_no_inferred) for u in result.units] == [
        (1, True),
        (1, True),
        (2, True),
        (3, True),
    ]


def test_sentences_keep_closing_quotes_and_end_fragments():
    rules = load_structure_rules()
    text = "打造“平安校园。”加强管理！是否？未完"
    spans = split_sentences(text, rules=rules)
    assert [text[s:e] for s, e in spans] == ["打造“平安校园。”", "加强管理！", "是否？", "未完"]


def test_numbers_that_are_not_markers_stay_in_the_text():
    result = _units("一、总体要求\n2021年是开局之年。实施教育信息化2.0行动。")
    assert [u.text for u in result.units][1:] == ["2021年是开局之年。", "实施教育信息化2.0行动。"]
