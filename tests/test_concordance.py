"""Tests for analysis.text.concordance: hits checked against str.count / re.finditer, contexts
against hand-cut strings, and the warning when whole-token matching misses a word."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from analysis import schema
from analysis.text import tokens as tk
from analysis.text.concordance import kwic, token_offsets

CONTEXT_UNITS = pd.DataFrame({
    "region_id": ["a", "a"],
    "unit_id": ["a-0001", "a-0002"],
    "section_no": [1, 2],
    "section_title": ["党建", "课后"],
    "item_no": [3, pd.NA],
    "item_title": ["一", pd.NA],
    "theme": ["T1", "T2"],
    "text": ["全面落实“双减”政策，提升课后服务质量。", "双减工作成效显著。"],
})

# jieba cuts 延时服务 into 延时|服务 (it is not in the user dictionary):
# 推进|课后|延时|服务|落实|教共体|建设 and 教共体|改革|成效显著|课后|延时|服务|覆盖率|100%.
SPLIT_UNITS = pd.DataFrame({
    "region_id": ["a", "a", "b"],
    "unit_id": ["a-0001", "a-0002", "b-0001"],
    "text": ["推进课后延时服务，落实教共体建设。", "教共体改革成效显著，课后延时服务覆盖率100%。",
             "没有这个词。"],
})


def _units(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"region_id": ["a"] * len(texts),
                         "unit_id": [f"a-{i:04d}" for i in range(1, len(texts) + 1)],
                         "text": list(texts)})


# ----------------------------------------------------------------------------- match="token"


def test_token_kwic_context_columns_and_offsets():
    tokens = tk.tokens_from_units(CONTEXT_UNITS, cache_dir=None)
    out = kwic(CONTEXT_UNITS, tokens=tokens, pattern="双减", window=2)
    assert out.columns.tolist() == [
        "region_id", "unit_id", "part", "section_no", "section_title", "item_no",
        "item_title", "theme", "position", "start", "end", "left", "keyword", "right", "match",
    ]
    first, second = out.iloc[0], out.iloc[1]
    assert (first["left"], first["keyword"], first["right"]) == ("全面落实“", "双减", "”政策，提升")
    # 全面落实“ is five characters: 双减 is text[5:7].
    assert (first["start"], first["end"], first["position"], first["match"]) == (5, 7, 1, "双减")
    assert first["section_title"] == "党建" and first["theme"] == "T1"
    assert pd.isna(first["part"])  # not in this units table
    # 双减|工作|成效显著|。: the window reaches the last token, so the text's end is kept.
    assert (second["left"], second["right"], second["start"]) == ("", "工作成效显著。", 0)
    wide = kwic(CONTEXT_UNITS, tokens=tokens, pattern=["双减", "课后服务"], window=50)
    assert wide["keyword"].tolist() == ["双减", "课后服务", "双减"]
    assert wide["match"].tolist() == ["双减", "课后服务", "双减"]
    assert wide.iloc[1]["right"] == "质量。"  # window reaches the end: trailing punctuation kept
    assert out["position"].dtype == "Int64"
    assert kwic(CONTEXT_UNITS, tokens=tokens, pattern="不存在").empty


def test_token_kwic_after_stopword_removal_still_aligns():
    units = _units("我们要进一步加强课后服务工作。")
    tokens = tk.remove_stopwords(tk.tokens_from_units(units, cache_dir=None))
    out = kwic(units, tokens=tokens, pattern="课后服务", window=1)
    assert (out["left"].iloc[0], out["right"].iloc[0], out["position"].iloc[0]) == (
        "我们要进一步加强", "工作。", 4,
    )


def test_token_kwic_rejects_tokens_from_other_text():
    units = _units("落实双减")
    tokens = pd.DataFrame({"region_id": ["a"], "unit_id": ["a-0001"], "position": [0],
                           "token": ["课后服务"]})
    with pytest.raises(ValueError, match="were the tokens made from these units"):
        kwic(units, tokens=tokens, pattern="课后服务")


def test_token_kwic_warns_how_many_occurrences_jieba_split():
    tokens = tk.tokens_from_units(SPLIT_UNITS, cache_dir=None)
    assert "延时服务" not in set(tokens["token"])  # the premise: jieba splits it
    in_text = sum(t.count("延时服务") for t in SPLIT_UNITS["text"])
    assert in_text == 2
    with pytest.warns(UserWarning, match=r"missed 2 of 2 occurrences of '延时服务'") as caught:
        out = kwic(SPLIT_UNITS, tokens=tokens, pattern="延时服务")
    assert out.empty
    message = str(caught[0].message)
    assert "jieba split it into other tokens" in message
    assert "tokens_from_units(extra_terms=[...])" in message and "match='substring'" in message
    # Both remedies find every occurrence, without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = kwic(SPLIT_UNITS, tokens=tokens, pattern="延时服务", match="substring")
        assert len(found) == in_text
        joined = tk.tokens_from_units(SPLIT_UNITS, cache_dir=None, extra_terms=["延时服务"])
        assert len(kwic(SPLIT_UNITS, tokens=joined, pattern="延时服务")) == in_text


def test_token_kwic_counts_only_the_occurrences_that_are_not_tokens():
    # 课后 is a token in unit 1 (课后|延时|服务) but inside the token 课后服务 in unit 2.
    units = _units("推进课后延时服务。", "提升课后服务质量。")
    tokens = tk.tokens_from_units(units, cache_dir=None)
    with pytest.warns(UserWarning, match=r"missed 1 of 2 occurrences of '课后'"):
        out = kwic(units, tokens=tokens, pattern="课后")
    assert out["unit_id"].tolist() == ["a-0001"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tokens = tk.tokens_from_units(CONTEXT_UNITS, cache_dir=None)
        kwic(CONTEXT_UNITS, tokens=tokens, pattern="双减")


# ----------------------------------------------------------------------------- substring / regex


def test_substring_finds_every_occurrence_as_str_count_does():
    units = _units("学生学生学生发展。", "促进学生全面发展，学生至上。", "无关。")
    for term in ("学生", "学生学生", "发展"):
        out = kwic(units, pattern=term, match="substring", window=3, window_unit="char")
        assert len(out) == sum(t.count(term) for t in units["text"])
        for row in out.itertuples():
            text = units.set_index("unit_id").loc[row.unit_id, "text"]
            assert text[row.start:row.end] == row.keyword == term
    # Non-overlapping, as str.count: 学生学生学生 holds one 学生学生, at 0.
    out = kwic(units, pattern="学生学生", match="substring", window_unit="char")
    assert out[["unit_id", "start", "end"]].values.tolist() == [["a-0001", 0, 4]]
    assert out["position"].isna().all() and out["position"].dtype == "Int64"


def test_char_window_cuts_exact_strings_and_stops_at_the_unit():
    out = kwic(CONTEXT_UNITS, pattern="双减", match="substring", window=3, window_unit="char")
    # 全面落实“双减”政策，…: 双减 is text[5:7]; three characters each side.
    assert out[["left", "keyword", "right"]].values.tolist() == [
        ["落实“", "双减", "”政策"],
        ["", "双减", "工作成"],  # at the unit's start: nothing before
    ]
    wide = kwic(CONTEXT_UNITS, pattern="质量", match="substring", window=10, window_unit="char")
    text = CONTEXT_UNITS["text"].iloc[0]
    start = text.index("质量")
    assert (wide["left"].iloc[0], wide["right"].iloc[0]) == (text[start - 10:start], "。")
    zero = kwic(CONTEXT_UNITS, pattern="双减", match="substring", window=0, window_unit="char")
    assert (zero["left"] + zero["right"]).tolist() == ["", ""]


def test_substring_rows_follow_units_order_then_start():
    units = _units("提升课后服务质量。", "服务课后。").iloc[::-1]  # a-0002 first
    out = kwic(units, pattern=["服务", "课后"], match="substring", window_unit="char", window=1)
    assert out[["unit_id", "start", "match"]].values.tolist() == [
        ["a-0002", 0, "服务"], ["a-0002", 2, "课后"],
        ["a-0001", 2, "课后"], ["a-0001", 4, "服务"],
    ]


def test_substring_matches_traditional_text_and_shows_it_as_printed():
    units = _units("推進鄉村教育振興，鄉村學校。")
    out = kwic(units, pattern="乡村", match="substring", window=2, window_unit="char")
    assert out["keyword"].tolist() == ["鄉村", "鄉村"]
    assert out["start"].tolist() == [2, 9]
    assert (out["left"].iloc[0], out["right"].iloc[0]) == ("推進", "教育")


def test_regex_hits_equal_re_finditer():
    units = _units("义务教育巩固率达到99.5%，普惠率85%。", "新建学校3所，增加学位1200个。")
    pattern = r"\d+(?:\.\d+)?%"
    out = kwic(units, pattern=pattern, match="regex", window=2, window_unit="char")
    expected = [
        [uid, m.start(), m.end(), m.group()]
        for uid, text in zip(units["unit_id"], units["text"], strict=True)
        for m in re.finditer(pattern, text)
    ]
    assert out[["unit_id", "start", "end", "keyword"]].values.tolist() == expected
    assert len(expected) == 2 and set(out["match"]) == {pattern}
    assert (out["left"].iloc[0], out["right"].iloc[0]) == ("达到", "，普")
    # Empty matches (x* matches everywhere) have no keyword and are skipped.
    nums = kwic(units, pattern=r"\d*", match="regex", window_unit="char")
    assert nums["keyword"].tolist() == ["99", "5", "85", "3", "1200"]


def test_a_bad_regex_raises_value_error_with_the_re_message():
    with pytest.raises(ValueError, match=r"not a valid regular expression: missing \)"):
        kwic(_units("文本"), pattern="(课后", match="regex", window_unit="char")


def test_token_window_around_a_substring_counts_tokens_wholly_outside():
    units = SPLIT_UNITS.iloc[:1]
    tokens = tk.tokens_from_units(units, cache_dir=None)
    # 推进(0,2)|课后(2,4)|延时(4,6)|服务(6,8)|，|落实(9,11)|教共体(11,14)|建设(14,16)|。
    out = kwic(units, tokens=tokens, pattern="延时服务", match="substring", window=1)
    row = out.iloc[0]
    assert (row["left"], row["keyword"], row["right"]) == ("课后", "延时服务", "，落实")
    assert (row["start"], row["end"], row["position"]) == (4, 8, 2)  # 延时 holds its start
    # 时服 straddles 延时 and 服务: neither counts, the straddled parts are context.
    cut = kwic(units, tokens=tokens, pattern="时服", match="substring", window=1).iloc[0]
    assert (cut["left"], cut["right"], cut["position"]) == ("课后延", "务，落实", 2)
    wide = kwic(units, tokens=tokens, pattern="延时服务", match="substring", window=50).iloc[0]
    assert (wide["left"], wide["right"]) == ("推进课后", "，落实教共体建设。")
    zero = kwic(units, tokens=tokens, pattern="延时服务", match="substring", window=0).iloc[0]
    assert (zero["left"], zero["right"]) == ("", "")
    # A match in punctuation has no token position.
    comma = kwic(units, tokens=tokens, pattern="，", match="substring", window=1).iloc[0]
    assert pd.isna(comma["position"]) and (comma["left"], comma["right"]) == ("服务", "落实")


def test_token_offsets_hand_worked():
    assert token_offsets("推进课后延时服务，落实", ["推进", "延时", "落实"], "u") == [
        (0, 2), (4, 6), (9, 11),
    ]


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pattern": "x", "match": "fuzzy"}, "match must be one of token, substring, regex"),
        ({"pattern": "x", "match": "substring", "window_unit": "word"},
         "window_unit must be one of token, char"),
        ({"pattern": "x", "match": "substring", "window": -1}, "window must be an int >= 0"),
        ({"pattern": None, "match": "substring", "window_unit": "char"}, "pattern is required"),
        ({"pattern": "x", "match": "token"}, "needs tokens"),
        ({"pattern": "x", "match": "substring", "window_unit": "token"}, "needs tokens"),
        ({"pattern": ["x", ""], "match": "substring", "window_unit": "char"},
         "non-empty string"),
    ],
)
def test_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kwic(_units("文本"), **kwargs)


def test_without_tokens_the_defaults_are_substring_and_characters():
    units = _units("推进双减，落实双减。")
    out = kwic(units, "双减", window=2)
    assert out["keyword"].tolist() == ["双减", "双减"]
    assert out["left"].tolist() == ["推进", "，落实"[-2:]]
    assert out["position"].isna().all()


def test_a_token_table_given_as_the_pattern_gets_a_clear_error():
    units = _units("推进双减")
    tokens = tk.tokens_from_units(units, cache_dir=None)
    with pytest.raises(TypeError, match="tokens=tokens"):
        kwic(units, tokens)


def test_no_hit_gives_an_empty_table_with_the_schema_columns():
    out = kwic(_units("文本"), pattern="不存在", match="substring", window_unit="char")
    assert out.empty and out.columns.tolist() == schema.KWIC
    assert out["position"].dtype == "Int64"


def test_kwic_does_not_mutate_its_inputs():
    units = CONTEXT_UNITS.copy()
    tokens = tk.tokens_from_units(units, cache_dir=None)
    before_units, before_tokens = units.copy(), tokens.copy()
    kwic(units, tokens=tokens, pattern="双减", match="substring")
    pd.testing.assert_frame_equal(units, before_units)
    pd.testing.assert_frame_equal(tokens, before_tokens)
