"""Tests for analysis.ingest.region_names: English names romanised from Chinese ones."""

from __future__ import annotations

import pytest

from analysis.ingest.region_names import english_region_name, load_name_rules


@pytest.mark.parametrize(
    ("name_zh", "name_en"),
    [
        ("清溪县", "Qingxi County"),
        ("云岭区", "Yunling District"),
        ("黄石市", "Huangshi City"),
        ("阿拉善盟", "Alashan League"),
        ("某某市", "Unnamed City"),
        ("某县", "Unnamed County"),
        ("四川某县（未具名）", "Unnamed County in Sichuan"),
        ("西安市", "Xi'an City"),  # apostrophe before a syllable opening with a, o or e
        ("朝阳区", "Chaoyang District"),  # a reading from the rules file, not pypinyin's
        ("北京", "Beijing"),  # no suffix: the whole name
        ("  ", ""),
    ],
)
def test_names_are_romanised_with_their_suffix_translated(name_zh, name_en):
    assert english_region_name(name_zh) == name_en


def test_the_longest_suffix_wins():
    assert english_region_name("清溪自治县") == "Qingxi Autonomous County"
    assert english_region_name("云岭自治州") == "Yunling Autonomous Prefecture"
    assert english_region_name("清溪旗") == "Qingxi Banner"


def test_the_rules_file_is_checked(tmp_path):
    assert dict(load_name_rules().suffixes)["县"] == "County"
    bad = tmp_path / "names.yml"
    bad.write_text("suffixes: {县: County}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing entries"):
        load_name_rules(bad)
