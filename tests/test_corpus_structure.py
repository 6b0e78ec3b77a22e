"""Structure parsing on small invented plans covering each convention."""

import pytest

from analysis import config
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


@pytest.mark.parametrize("text", ["十十", "二二十", "十一二", "百"])
def test_malformed_numerals_raise_value_error(text):
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        chinese_numeral(text)


def test_a_malformed_numeral_starts_ordinary_text_not_a_crash():
    result = _units("一、加强党建\n十十、这一行的编号写错了。\n二、提升质量")
    rows = _rows(result, "section_no", "unit_kind", "text")
    assert (1, "section_heading", "加强党建") in rows
    assert (2, "section_heading", "提升质量") in rows
    assert any("十十、这一行的编号写错了。" in r[2] for r in rows)


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
        [
            "2020年工作取得成效。",
            "一、工作开展情况",
            "一是抓党建。做了很多。",
            "二是抓质量。",
            "二、2021年工作打算",
            "一是强队伍。",
        ]
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
    result = structure_units([(1, line)], oneline=True)
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


def _paths(result):
    return [
        (u.part, u.section_no, u.item_no, u.subitem_no, u.unit_kind, u.text) for u in result.units
    ]


def test_parts_numbered_di_n_bufen_with_sections_below():
    result = _units(
        "第一部分 2023年工作回顾\n一、资源扩大\n新建学校2所。\n"
        "第二部分 2024年工作打算\n一、提升质量\n二、建设队伍"
    )
    assert _paths(result) == [
        ("review", None, None, None, "part_heading", "2023年工作回顾"),
        ("review", None, 1, None, "item_title", "资源扩大"),
        ("review", None, 1, None, "sentence", "新建学校2所。"),
        ("plan", None, None, None, "part_heading", "2024年工作打算"),
        ("plan", None, 1, None, "item_title", "提升质量"),
        ("plan", None, 2, None, "item_title", "建设队伍"),
    ]
    assert [lab.text for lab in result.labels][:2] == ["第一部分", "一、"]


def test_unnumbered_review_and_plan_part_headings():
    result = _units("2023年工作回顾\n一、资源扩大\n完成建设。\n2024年工作打算\n一、提升质量")
    # As with numbered parts, the levels below a part start at item.
    assert [(u.part, u.item_no, u.unit_kind) for u in result.units] == [
        ("review", None, "part_heading"),
        ("review", 1, "item_title"),
        ("review", 1, "sentence"),
        ("plan", None, "part_heading"),
        ("plan", 1, "item_title"),
    ]


def test_a_lone_plan_word_line_is_not_a_part():
    result = _units("一、加强党建\n重点工作\n1.深化理论武装。")
    assert [u.unit_kind for u in result.units] == ["section_heading", "sentence", "item_title"]
    assert {u.part for u in result.units} == {"plan"}


def test_hierarchy_follows_the_order_levels_first_appear():
    # 1. outside, （一） inside: the reverse of the usual nesting.
    result = _units(
        "1.加强党建\n（一）深化理论武装。\n（二）强化组织。\n2.提升质量\n（一）改革课程。"
    )
    assert [(u.section_no, u.item_no, u.unit_kind) for u in result.units] == [
        (1, None, "section_heading"),
        (1, 1, "item_title"),
        (1, 2, "item_title"),
        (2, None, "section_heading"),
        (2, 1, "item_title"),
    ]


def test_full_width_digits_parenthesised_and_circled_sub_points():
    result = _units(
        "一、校园安全\n（一）完善制度。\n１．修订手册。\n２．闭环管理。\n（二）整治重点领域。\n①排查校舍。\n②管理校车。"
    )
    rows = [(u.section_no, u.item_no, u.subitem_no, u.text) for u in result.units]
    assert rows == [
        (1, None, None, "校园安全"),
        (1, 1, None, "完善制度。"),
        (1, 1, 1, "修订手册。"),
        (1, 1, 2, "闭环管理。"),
        (1, 2, None, "整治重点领域。"),
        # ① where a sibling item used 1. is at the same depth.
        (1, 2, 1, "排查校舍。"),
        (1, 2, 2, "管理校车。"),
    ]


def test_arabic_parenthesised_sub_points():
    result = _units("一、队伍建设\n1.加强培训。\n(1)全员轮训。\n（2）骨干研修。\n2.改革职称。")
    assert [(u.item_no, u.subitem_no) for u in result.units] == [
        (None, None),
        (1, None),
        (1, 1),
        (1, 2),
        (2, None),
    ]


def test_yishi_followed_by_a_quotation_mark_or_a_colon_is_a_marker():
    text = "\n".join(
        [
            "一、2023年工作回顾",
            "一是资源扩大。建成学校。",
            "二是质量提升。",
            "三是：队伍加强。",
            "四是“双减”落地。作业减少。",
        ]
    )
    result = _units(text)
    items = [(u.item_no, u.text) for u in result.units if u.unit_kind == "item_title"]
    assert items == [(1, "资源扩大。"), (2, "质量提升。"), (3, "队伍加强。"), (4, "“双减”落地。")]


def test_yishi_inside_a_sentence_is_not_a_marker():
    result = _units("一、主要任务\n做到三个坚持：一是坚持育人，二是坚持改革。\n1.加强党建。")
    assert [u.text for u in result.units][1] == "做到三个坚持：一是坚持育人，二是坚持改革。"
    assert result.units[1].unit_kind == "sentence"


def test_ordinal_words_are_a_level_only_when_used_as_a_series():
    series = _units(
        "一、劳动教育\n首先，建好课程。每周一课时。\n其次，建好基地。\n最后，建好评价。"
    )
    assert [(u.item_no, u.unit_kind) for u in series.units] == [
        (None, "section_heading"),
        (1, "item_title"),
        (1, "sentence"),
        (2, "item_title"),
        (3, "item_title"),
    ]
    lone = _units("一、劳动教育\n建好课程。\n最后，要加强督导。")
    assert lone.units[-1].text == "最后，要加强督导。"
    assert lone.units[-1].unit_kind == "sentence"


def test_a_one_line_body_splits_at_inline_numbering_without_spaces():
    line = (
        "2024年全县教育工作要以质量为核心。一、校园安全（一）完善制度。1、修订手册，新增学位1.5万个。"
        "2、第二、三季度完成排查。（二）加强教育。1、开展班会。二、后勤保障（一）加强食堂管理。"
    )
    result = structure_units([(1, line)], oneline=True)
    rows = [(u.section_no, u.item_no, u.subitem_no, u.text) for u in result.units]
    assert rows == [
        (None, None, None, "2024年全县教育工作要以质量为核心。"),
        (1, None, None, "校园安全"),
        (1, 1, None, "完善制度。"),
        (1, 1, 1, "修订手册，新增学位1.5万个。"),
        (1, 1, 2, "第二、三季度完成排查。"),
        (1, 2, None, "加强教育。"),
        (1, 2, 1, "开展班会。"),
        (2, None, None, "后勤保障"),
        (2, 1, None, "加强食堂管理。"),
    ]


def test_inline_markers_that_do_not_continue_the_sequence_never_cut():
    line = "一、总体目标。全年完成投资3.2亿元。 3.5万名学生受益。 2021年以来成效明显。" * 3
    result = structure_units([(1, line)], oneline=True)
    # Only the first 一、 is a marker (the repeats are 1 again, not 2).
    assert [u.unit_kind for u in result.units].count("section_heading") == 1


def test_a_run_that_skips_gets_its_lost_number_inferred():
    text = "\n".join(
        [
            "一、队伍建设",
            "1.加强师德建设。",
            "开展师德专题教育，评选最美教师，完善师德档案和负面清单制度。",
            "深化职称改革。",
            "向乡村一线教师倾斜，完善评价标准和聘任办法，推进县管校聘。",
            "3.加强教师培训。",
        ]
    )
    result = _units(text)
    items = [
        (u.item_no, u.item_no_inferred, u.text) for u in result.units if u.unit_kind == "item_title"
    ]
    assert items == [
        (1, False, "加强师德建设。"),
        (2, True, "深化职称改革。"),
        (3, False, "加强教师培训。"),
    ]
    assert any("number 2 inferred" in note for note in result.notes)


def test_table_rows_are_units_of_their_own():
    text = "一、重点项目\n项目 | 责任单位 | 完成时限\n新建幼儿园2所\t基建科\t12月底\n加强管理。"
    result = _units(text)
    assert [(u.unit_kind, u.section_no, u.text) for u in result.units] == [
        ("section_heading", 1, "重点项目"),
        ("table_row", 1, "项目|责任单位|完成时限"),
        ("table_row", 1, "新建幼儿园2所\t基建科\t12月底"),
        ("sentence", 1, "加强管理。"),
    ]


def test_traditional_text_is_matched_on_its_simplified_form():
    result = _units(
        "2023年工作回顧\n一、資源擴大\n目標任務：新建學校。\n2024年工作打算\n一、提升質量"
    )
    assert [u.part for u in result.units] == ["review", "review", "review", "plan", "plan"]
    assert result.units[2].clause_type == "目标任务"
    assert result.units[2].text == "新建學校。"


def test_a_rules_file_with_an_unknown_role_names_the_allowed_ones(tmp_path):
    path = tmp_path / "structure_rules.yml"
    text = (config.STRUCTURE_RULES_PATH).read_text(encoding="utf-8")
    path.write_text(text.replace("role: level", "role: rank", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="allowed roles are part, level, series"):
        load_structure_rules(path)


def test_an_unnumbered_plan_part_after_which_the_numbering_restarts_is_a_part():
    # The review heading was lost; 一、 restarting after 2024年工作打算 shows the part.
    result = _units("一、资源扩大\n二、质量提升\n2024年工作打算\n一、提升质量\n二、建设队伍")
    assert [(u.part, u.unit_kind) for u in result.units][2] == ("plan", "part_heading")
    assert [u.item_no for u in result.units][3:] == [1, 2]


def test_a_stray_space_inside_a_heading_outside_a_one_line_body_does_not_cut_it():
    result = _units("一、加强 党的建设\n1.深化 理论武装。")
    assert [u.text for u in result.units] == ["加强党的建设", "深化理论武装。"]


def test_a_title_left_in_the_body_is_never_a_part():
    result = _units(
        "鹤鸣县2024年工作要点\n2023年工作回顾\n一、资源扩大\n2024年工作打算\n一、提升质量"
    )
    assert result.units[0].unit_kind == "sentence"
    assert [u.unit_kind for u in result.units].count("part_heading") == 2


def test_closing_paren_numbers_and_ordinal_di_yi_series():
    result = _units(
        "一、队伍建设\n1）加强培训。\n2)改革职称。\n二、安全\n第一，排查隐患。\n第二，整改到位。"
    )
    assert [(u.section_no, u.item_no, u.text) for u in result.units] == [
        (1, None, "队伍建设"),
        (1, 1, "加强培训。"),
        (1, 2, "改革职称。"),
        (2, None, "安全"),
        (2, 1, "排查隐患。"),
        (2, 2, "整改到位。"),
    ]
    # A single 第一， is a word, and 第二、三季度 is never a marker.
    lone = _units("一、安全\n第一，要排查隐患。\n第二、三季度完成整改。")
    assert [u.unit_kind for u in lone.units] == ["section_heading", "sentence", "sentence"]


def test_a_heading_glued_to_its_body_in_a_one_line_body_is_cut_before_the_body_verb():
    line = (
        "一、提升教学质量（一）深化课堂改革。每学期开展主题教研2次。二、提高服务水平"
        "（一）丰富服务内容。引进优质资源。三、促进教育公平完善控辍保学工作机制，确保巩固率达到99%。"
        "四、全面加强党的建设落实主体责任。"
    )
    result = structure_units([(1, line)], oneline=True)
    sections = [u.text for u in result.units if u.unit_kind == "section_heading"]
    assert sections == ["提升教学质量", "提高服务水平", "促进教育公平", "全面加强党的建设"]
    body = [u for u in result.units if u.section_no == 3 and u.unit_kind == "sentence"]
    assert [u.text for u in body] == ["完善控辍保学工作机制，确保巩固率达到99%。"]
    # Outside a one-line body nothing is cut.
    plain = structure_units([(1, "三、促进教育公平完善控辍保学工作机制。")])
    assert plain.units[0].text == "促进教育公平完善控辍保学工作机制。"


def test_one_line_body_markers_glued_to_bare_headings_and_part_headings_glued_to_bodies():
    line = (
        "一、2023年工作回顾2023年，各项工作取得新进展。（一）资源扩大全年新建学校2所。"
        "（二）质量提升推进课堂改革。二、2024年工作打算（一）着力推动学前教育1、扩充普惠资源。"
        "2、提高保教质量。（二）着力推动义务教育1、优化学校布局，高一、高二年级实行走班。"
    )
    result = structure_units([(1, line)], oneline=True)
    heads = [(u.part, u.unit_kind, u.item_no, u.subitem_no, u.text) for u in result.units]
    assert heads == [
        ("review", "part_heading", None, None, "2023年工作回顾"),
        ("review", "sentence", None, None, "2023年，各项工作取得新进展。"),
        ("review", "item_title", 1, None, "资源扩大"),
        ("review", "sentence", 1, None, "全年新建学校2所。"),
        ("review", "item_title", 2, None, "质量提升"),
        ("review", "sentence", 2, None, "推进课堂改革。"),
        ("plan", "part_heading", None, None, "2024年工作打算"),
        ("plan", "item_title", 1, None, "着力推动学前教育"),
        ("plan", "subitem_title", 1, 1, "扩充普惠资源。"),
        ("plan", "subitem_title", 1, 2, "提高保教质量。"),
        ("plan", "item_title", 2, None, "着力推动义务教育"),
        # 高一、 inside the sentence is not a marker.
        ("plan", "subitem_title", 2, 1, "优化学校布局，高一、高二年级实行走班。"),
    ]


# ----------------------------------------------------------------------------- labels as printed


def _labels(result):
    return _rows(result, "section_label", "item_label", "subitem_label", "text")


def test_labels_are_the_markers_exactly_as_printed():
    # Full-width digits (１．) and half-width brackets ((一)) are folded in the text
    # (1．, （一）) and the numbers; the labels keep what the page shows.  Markers
    # below the third level (（1）, 1）) are removed as before: their rows keep
    # the labels of the sub-item they sit in.
    result = _units(
        "一、加强党建\n（一）深化理论武装。\n１．学习全会精神。\n２．开展专题培训。\n"
        "（二）强化基层组织。\n①建强支部。\n②培育骨干。\n"
        "二、提升质量\n(一)推进课程改革。\n1、优化课程。\n（1）开齐开足。\n1）落实课时。"
    )
    assert _labels(result) == [
        ("一、", None, None, "加强党建"),
        ("一、", "（一）", None, "深化理论武装。"),
        ("一、", "（一）", "１．", "学习全会精神。"),
        ("一、", "（一）", "２．", "开展专题培训。"),
        ("一、", "（二）", None, "强化基层组织。"),
        ("一、", "（二）", "①", "建强支部。"),
        ("一、", "（二）", "②", "培育骨干。"),
        ("二、", None, None, "提升质量"),
        ("二、", "(一)", None, "推进课程改革。"),
        ("二、", "(一)", "1、", "优化课程。"),
        ("二、", "(一)", "1、", "开齐开足。"),
        ("二、", "(一)", "1、", "落实课时。"),
    ]
    numbers = _rows(result, "section_no", "item_no", "subitem_no")
    assert numbers[2] == (1, 1, 1) and numbers[9] == (2, 1, 1)


def test_labels_of_yishi_and_ordinal_word_series():
    yishi = _units("一、主要任务\n一是抓党建。做了很多。\n二是：抓质量。\n三是“双减”落地。")
    assert [lab for _, lab, _, _ in _labels(yishi)] == [None, "一是", "一是", "二是：", "三是"]
    words = _units(
        "一、劳动教育\n首先，建好课程。\n其次，建好基地。\n最后，建好评价。\n"
        "二、体育\n第一，开足课时。\n第二，办好赛事。"
    )
    assert [(u.item_label, u.item_no) for u in words.units if u.unit_kind == "item_title"] == [
        ("首先，", 1), ("其次，", 2), ("最后，", 3), ("第一，", 1), ("第二，", 2),
    ]


def test_parts_reset_the_labels_and_have_none_of_their_own():
    result = _units("第一部分 工作回顾\n一、抓党建\n第二部分 工作打算\n一、强队伍\n1.培训教师。")
    assert _labels(result) == [
        (None, None, None, "工作回顾"),
        (None, "一、", None, "抓党建"),
        (None, None, None, "工作打算"),
        (None, "一、", None, "强队伍"),
        (None, "一、", "1.", "培训教师。"),
    ]


def test_inferred_and_paragraph_numbers_have_no_label():
    lost = _units("一、主要任务\n1.加强党建。\n2.提升质量。\n推进课程改革。\n4.强化保障。")
    items = [(u.item_no, u.item_no_inferred, u.item_label) for u in lost.units][1:]
    assert items == [(1, False, "1."), (2, False, "2."), (3, True, None), (4, False, "4.")]
    plain = _units("全面加强党的建设。\n大力发展学前教育。")
    assert [(u.item_no, u.item_label) for u in plain.units] == [(1, None), (2, None)]


def test_labels_of_markers_cut_from_a_run_together_line():
    result = _units("一、主要任务 1.加强党建。 2.提升质量。 二、保障措施 1.强化保障。")
    assert [(s, i) for s, i, _, _ in _labels(result)] == [
        ("一、", None), ("一、", "1."), ("一、", "2."), ("二、", None), ("二、", "1."),
    ]
