"""Tests for analysis.coding.citation_titles: titles in 《》, in “” and bare."""

from __future__ import annotations

import pytest

from analysis.coding.citation_titles import find_cited_titles, find_titles, not_a_document


def found(text: str) -> list[tuple[str, str]]:
    out = find_cited_titles(text)
    for start, end, title, _det, _ev in out:
        assert text[start:end] == title
    return [(title, det) for _s, _e, title, det, _ev in out]


def test_brackets_keep_nesting_and_drop_works_that_are_not_documents():
    text = ("落实《关于印发〈中小学德育工作指南〉的通知》，用好《思想政治学生读本》，"
            "《某区课程建设的实践研究》获奖，发放《致全区家长的一封信》。")
    assert found(text) == [("关于印发〈中小学德育工作指南〉的通知", "brackets")]
    assert not_a_document("某区课程建设的实践研究") == "research project or report"
    assert not_a_document("关于加强研究工作的意见") == ""
    assert [t for _, _, t in find_titles("《A《B》C》未闭合《D")] == ["A《B》C"]


@pytest.mark.parametrize("text,expected", [
    ("深化落实“新时代教师职业行为十项准则”。", [("新时代教师职业行为十项准则", "quotes")]),
    ("推动落实市、县“中小学教师减负清单”。", [("中小学教师减负清单", "quotes")]),
    ("制定并实施第二个“教育质量提升三年行动计划（2024-2026年）”。",
     [("教育质量提升三年行动计划（2024-2026年）", "quotes")]),
    # programmes, methods and slogans in quotes are not documents
    ("推进“双高计划”和“西部计划”。", []),
    ("推广“六尺巷工作法”，学习“农业八字宪法”。", []),
    ("落实“一规划两纲要”和“全国一张清单”，贯彻“中国方案”。", []),
    ("坚持“学会、勤练、常赛”的要求，落实“双减”政策。", []),
])
def test_quoted_titles(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text,expected,evidence", [
    # a known title, or a title pattern, named without marks
    ("全面实施教师教育振兴行动计划，构建教师教育体系。",
     [("教师教育振兴行动计划", "bare_title")], "known_title"),
    ("深化落实新时代高校、中小学教师职业行为十项准则。",
     [("新时代高校、中小学教师职业行为十项准则", "bare_title")], "title_pattern"),
    # issuer + 关于…的 + kind
    ("认真贯彻中共中央办公厅关于加强少先队工作的意见精神。",
     [("关于加强少先队工作的意见", "bare_title")], "issuer+关于…的+kind:意见"),
    # a citing verb, then a place and a kind
    ("贯彻执行市中学生课外阅读指导规划，开展评比。",
     [("市中学生课外阅读指导规划", "bare_title")], "cue:贯彻执行+place:市+kind:规划"),
    # a citing verb, an ordinal, a period mark
    ("全面实施第三个校园体育振兴计划（2024-2026年），提升质量。",
     [("校园体育振兴计划（2024-2026年）", "bare_title")], "cue:全面实施+period:"),
])
def test_bare_titles_with_their_evidence(text, expected, evidence):
    assert found(text) == expected
    assert find_cited_titles(text)[0][4].startswith(evidence)


@pytest.mark.parametrize("text", [
    "出台县域义务教育优质均衡发展实施方案。",          # 县域 is scope, not a place issuing
    "发布我市高中阶段学校招生考试制度改革实施方案。",  # a description
    "制订规划分工方案，推动目标任务落实。",            # a generic kind
    "完善市场准入负面清单制度。",                      # 市场 is no place
    "落实市人大及其常委会作出的决议决定。",            # 及 joins several things
    "全面推进依法治教，坚持教育法治。",                # 依法, 法治: no law cited
])
def test_descriptions_are_not_titles(text):
    assert found(text) == []


def test_known_law_does_not_run_into_another_word():
    assert found("以宪法为核心开展法治教育。") == [("宪法", "bare_title")]
    assert found("加强宪法学研究。") == []
