"""Tests for analysis.ingest.number_formats: Word list counters, against independent spellings."""

from __future__ import annotations

import pytest

from analysis.ingest.number_formats import format_number

CHINESE = {
    1: "一",
    2: "二",
    9: "九",
    10: "十",
    11: "十一",
    15: "十五",
    20: "二十",
    21: "二十一",
    99: "九十九",
    100: "一百",
    101: "一百零一",
    110: "一百一十",
    111: "一百一十一",
    1005: "一千零五",
    1010: "一千零一十",
    2300: "二千三百",
}


@pytest.mark.parametrize(("n", "expected"), sorted(CHINESE.items()))
def test_chinese_counting(n, expected):
    assert format_number(n, "chineseCounting") == expected


def test_chinese_counting_matches_digit_by_digit_construction():
    digits = "零一二三四五六七八九"
    for n in range(1, 100):
        tens, ones = divmod(n, 10)
        expected = ("" if tens == 0 else ("" if tens == 1 else digits[tens]) + "十") + (
            digits[ones] if ones else ""
        )
        assert format_number(n, "chineseCounting") == expected


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [
        (4, "decimal", "4"),
        (4, "decimalZero", "04"),
        (12, "decimalFullWidth", "１２"),
        (3, "decimalEnclosedCircle", "③"),
        (21, "decimalEnclosedCircle", "21"),
        (2, "decimalEnclosedParen", "⑵"),
        (3, "ideographTraditional", "丙"),
        (11, "chineseLegalSimplified", "拾壹"),
        (1, "ideographZodiac", "子"),
        (3, "ideographEnclosedCircle", "㈢"),
        (1994, "upperRoman", "MCMXCIV"),
        (4, "lowerRoman", "iv"),
        (28, "upperLetter", "BB"),
        (2, "lowerLetter", "b"),
        (3, "bullet", ""),
    ],
)
def test_other_number_formats(n, fmt, expected):
    assert format_number(n, fmt) == expected


def test_unknown_number_format_raises_key_error():
    with pytest.raises(KeyError):
        format_number(1, "klingonCounting")
