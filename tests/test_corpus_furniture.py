"""Furniture evidence for lines no chrome rule covers."""

import pytest

from analysis.corpus.furniture import furniture_reason, line_features, load_furniture_settings

SETTINGS = load_furniture_settings()


def test_a_short_line_without_policy_words_before_the_title_is_furniture():
    reason = furniture_reason("教育动态", position="before_title")
    assert reason is not None and reason.startswith("furniture_evidence:short_no_policy_terms")


def test_the_same_line_after_the_title_is_kept_when_in_doubt():
    assert furniture_reason("总体要求", position="header") is None
    assert furniture_reason("总体要求", position="before_title") is None  # a heading word


@pytest.mark.parametrize(
    "line",
    [
        "一、加强党的建设",
        "（三）推进义务教育优质均衡发展",
        "全县教育系统要坚持立德树人根本任务，推进教育高质量发展。",
        "学前|毛入园率|95%",
        "2023年工作回顾",
    ],
)
def test_plan_text_is_never_judged_furniture_even_after_the_body(line):
    assert furniture_reason(line, position="after_body") is None


def test_key_value_and_date_lines_are_furniture_in_the_header():
    reason = furniture_reason("栏目：通知公告", position="header")
    assert reason is not None and "key_value" in reason
    assert furniture_reason("某某教育 2024-03-01 08:00", position="header") is not None


def test_features_are_read_on_the_simplified_form():
    assert "numbering_label" in line_features("一、總體要求", position="header", settings=SETTINGS)


def test_an_unknown_position_is_refused_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="before_title, header, after_body"):
        furniture_reason("教育动态", position="footer")


def test_long_lines_are_never_furniture():
    assert furniture_reason("某" * 90, position="before_title") is None


def test_an_indented_fragment_of_a_hard_wrapped_paragraph_is_kept():
    assert furniture_reason("今年全县教育工作", position="before_title") is not None
    assert furniture_reason("\u3000\u3000今年全县教育工作", position="before_title") is None
