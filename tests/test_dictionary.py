"""Tests for analysis.text.dictionary: counts checked by hand and against str.count."""

from __future__ import annotations

import pandas as pd
import pytest

import analysis
from analysis.text.dictionary import count_terms, read_dictionary

UNITS = pd.DataFrame(
    {
        "region_id": ["a", "a", "a", "b", "b"],
        "unit_id": ["a-1", "a-2", "a-3", "b-1", "b-2"],
        "part": ["plan", "plan", "review", "plan", "plan"],
        "text": [
            "落实双减政策，做好课后服务。",
            "课后托管服务全覆盖，双减见实效，双减不减质。",
            "加强教师队伍建设。",
            "落實雙減政策，規範課後服務。",  # traditional: counts like simplified
            "提高教师待遇。",
        ],
    }
)
DICTIONARY = {"double_reduction": ["双减"], "after_school": ["课后服务", "课后 服务"]}


def test_counts_match_a_hand_count():
    out = count_terms(UNITS, DICTIONARY).set_index(["region_id", "key"])
    # a: 双减 once in a-1, twice in a-2; 课后服务 in a-1, 课后…服务 in a-2.
    assert out.loc[("a", "double_reduction"), "n_matches"] == 3
    assert out.loc[("a", "double_reduction"), "n_units_matched"] == 2
    assert out.loc[("a", "after_school"), "n_matches"] == 2
    assert out.loc[("a", "after_school"), "n_units"] == 3
    assert out.loc[("a", "after_school"), "share_units"] == pytest.approx(2 / 3)
    # b is in traditional characters and still counts.
    assert out.loc[("b", "double_reduction"), "n_matches"] == 1
    assert out.loc[("b", "after_school"), "n_matches"] == 1


def test_single_term_counts_equal_str_count_per_unit():
    out = count_terms(UNITS, {"k": ["双减"]}, by=None)
    # str.count on the texts in simplified characters (b-1 converted by hand).
    by_hand = {"落實雙減政策，規範課後服務。": "落实双减政策，规范课后服务。"}
    simplified = UNITS["text"].replace(by_hand)
    expected = simplified.str.count("双减").tolist()
    assert out["n_matches"].tolist() == expected
    assert out["unit_id"].tolist() == UNITS["unit_id"].tolist()


def test_grouping_by_several_columns_keeps_zero_rows_and_key_order():
    out = count_terms(UNITS, DICTIONARY, by=["region_id", "part"])
    assert list(out.columns) == ["region_id", "part", "key", "n_matches", "n_units_matched",
                                 "n_units", "share_units"]
    review = out[(out["region_id"] == "a") & (out["part"] == "review")]
    assert review["key"].tolist() == ["double_reduction", "after_school"]
    assert review["n_matches"].tolist() == [0, 0]


def test_dictionary_file_with_comments(tmp_path):
    path = tmp_path / "dict.yml"
    path.write_text("# my concepts\n双减:\n  - 双减   # the policy\n", encoding="utf-8")
    assert read_dictionary(path) == {"双减": ["双减"]}
    assert count_terms(UNITS, path)["n_matches"].sum() == 4


@pytest.mark.parametrize(
    ("dictionary", "message"),
    [
        ({}, "must map each key to a list of terms"),
        ({"k": "双减"}, "key 'k' must have a non-empty list of terms"),
        ({"k": ["双减", " "]}, "key 'k' has empty or non-text terms"),
    ],
)
def test_bad_dictionaries_are_refused(dictionary, message):
    with pytest.raises(ValueError, match=message):
        count_terms(UNITS, dictionary)


def test_unknown_grouping_column_is_named():
    with pytest.raises(ValueError, match=r"units lacks columns \['theme'\]"):
        count_terms(UNITS, DICTIONARY, by="theme")


def test_count_terms_is_public():
    assert analysis.count_terms is count_terms and analysis.export is not None
