"""A plan's title: its shape, its forms, and a title run into the body."""

from analysis.corpus.chrome_rules import load_chrome_rules
from analysis.corpus.furniture import load_furniture_settings
from analysis.corpus.titles import (
    canonical_title,
    is_title,
    same_title,
    split_fused_title,
    two_line_notice_title,
)

RULES = load_chrome_rules()


def test_title_shapes_in_both_scripts_and_in_brackets():
    assert is_title("某某县2024年教育工作要点", rules=RULES)
    assert is_title("某某縣2024年教育工作要點（全文）", rules=RULES)
    assert is_title("《某某县2024年教育工作计划》", rules=RULES)
    assert not is_title("全面提升教育质量，办好人民满意的教育工作计划", rules=RULES)
    assert not is_title("2024年学校工作计划范文", rules=RULES)


def test_canonical_titles_compare_across_scripts_and_brackets():
    printed = "《某某縣2024年教育工作要點》"
    assert canonical_title(printed) == canonical_title("某某县2024年教育工作要点")


def test_forms_of_one_title_are_recognised_but_a_part_heading_is_not():
    furniture = load_furniture_settings()
    title = "某某县2024年教育工作要点"
    assert same_title("某某县教育局2024年教育工作要点", title, rules=RULES, furniture=furniture)
    long_title = "某某县教育局2023年工作总结和2024年工作打算"
    assert not same_title("2023年工作总结", long_title, rules=RULES, furniture=furniture)
    assert not same_title("第一部分 2024年教育工作要点", title, rules=RULES, furniture=furniture)


def test_a_title_fused_with_a_label_a_year_or_a_preamble_is_split():
    assert split_fused_title("某县2024年教育工作要点 全县将…", rules=RULES) == (
        "某县2024年教育工作要点",
        "全县将…",
    )
    assert split_fused_title("某县2024年教育工作要点一、总体要求", rules=RULES)[1] == "一、总体要求"
    assert split_fused_title("某县2024年教育工作要点根据上级部署，制定本要点。", rules=RULES)
    assert split_fused_title("加强教育工作要点的落实。", rules=RULES) is None


def test_a_notice_title_over_two_lines_is_joined_only_when_it_needs_the_second_line():
    start = "某县教育局关于印发《某县2024年"
    joined = two_line_notice_title(start, "教育工作要点》的通知", rules=RULES)
    assert joined == "某县教育局关于印发《某县2024年教育工作要点》的通知"
    assert two_line_notice_title(start, "一、总体要求", rules=RULES) is None
