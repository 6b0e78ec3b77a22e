"""Tests for analysis.text.term_filters: the filter on constructed token tables, its rule
file, and (on the five plans) the keyness lists it is for."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pandas as pd
import pytest

from analysis import schema
from analysis.steps import PLAN_UNIT_COLUMNS
from analysis.text import term_filters as tf
from analysis.text import tokens as tk
from analysis.text.cooccurrence import cooccurrence

# The module, not the function analysis.text re-exports under the same name.
kn = importlib.import_module("analysis.text.keyness")


def tokens_table(words: list[str], region: str = "r") -> pd.DataFrame:
    """One unit per word, so every row can be traced back."""
    return pd.DataFrame(
        [(region, f"{region}-{i:04d}", 0, w) for i, w in enumerate(words)], columns=schema.TOKENS
    )


REGIONS = pd.DataFrame({
    "region_id": ["a", "b", "c"],
    "name_zh": ["鲤城区", "四川某县（未具名）", "黄石市"],
    "province_zh": ["福建省", "四川省", "湖北省"],
    "prefecture_zh": ["泉州市", None, "黄石市"],
})

# Constructed: each kind of token the filter is about, and look-alikes it must keep.
NUMBERS = ["2021", "2023-2023", "2021—2023", "95%", "48.81%", "100", "2021年", "二〇二一年", "3-6"]
SINGLES = ["求", "强", "名", "县"]
PLACES_DICT = ["武汉", "成都"]  # jieba's dictionary tags these ns
PLACES_MANIFEST = ["鲤城区", "鲤城", "福建省", "福建", "泉州", "黄石", "湖北", "四川某县"]
SCOPE = ["全县", "全区", "我市"]
KEPT = ["1+X证书", "教育信息化2.0", "十四五", "三名", "党", "园", "普通高中", "普及", "学校",
        "劳动教育"]


def test_each_kind_is_dropped_and_look_alikes_are_kept():
    words = NUMBERS + SINGLES + PLACES_DICT + PLACES_MANIFEST + SCOPE + KEPT
    tokens = tokens_table(words)
    out = tf.filter_terms(tokens, regions=REGIONS)
    assert out["token"].tolist() == KEPT
    # Rows are kept as they were, index included; the input is not modified.
    assert out.equals(tokens.loc[tokens["token"].isin(KEPT)])
    assert len(tokens) == len(words)
    reasons = tf.term_exclusions(words, regions=REGIONS).set_index("term")["reason"]
    assert set(reasons[reasons == "number"].index) == set(NUMBERS)
    assert set(reasons[reasons == "single_char"].index) == set(SINGLES)
    assert set(reasons[reasons == "place"].index) == set(PLACES_DICT + PLACES_MANIFEST + SCOPE)


@pytest.mark.parametrize(("flag", "words"), [
    ("keep_numbers", NUMBERS),
    ("keep_single_chars", SINGLES),
    ("keep_places", PLACES_DICT + PLACES_MANIFEST + SCOPE),
])
def test_each_switch_keeps_exactly_its_kind(flag, words):
    everything = NUMBERS + SINGLES + PLACES_DICT + PLACES_MANIFEST + SCOPE + KEPT
    out = tf.filter_terms(tokens_table(everything), regions=REGIONS, **{flag: True})
    assert sorted(out["token"]) == sorted(KEPT + words)


def test_region_names_come_from_the_regions_table_or_the_project_manifest():
    # Without any regions table, a region name jieba does not tag ns stays (鲤城 is
    # not in jieba's dictionary); with one, it goes; by default the project's
    # manifest (which lists 鲤城区) is that table.
    tokens = tokens_table(["鲤城", "学校"])
    no_regions = pd.DataFrame(columns=["name_zh"])
    assert tf.filter_terms(tokens, regions=no_regions)["token"].tolist() == ["鲤城", "学校"]
    assert tf.filter_terms(tokens, regions=REGIONS)["token"].tolist() == ["学校"]
    assert tf.filter_terms(tokens)["token"].tolist() == ["学校"]


def test_place_names_from_regions_strip_suffixes_and_remarks():
    names = tf.place_names_from_regions(REGIONS)
    assert {"鲤城区", "鲤城", "福建省", "福建", "泉州市", "泉州", "黄石市", "黄石", "湖北省",
            "湖北", "四川某县", "四川省", "四川"} <= names
    assert not any("（" in n or "未具名" in n for n in names)
    # A one-character stem is not a name (a single character is filtered anyway).
    assert "某" not in tf.place_names_from_regions(pd.DataFrame({"name_zh": ["某县"]}))


def test_flags_are_checked():
    for bad in ("yes", 1, None):
        with pytest.raises(ValueError, match="keep_numbers, keep_places, keep_single_chars"):
            tf.filter_terms(tokens_table(["学校"]), keep_numbers=bad)
    with pytest.raises(ValueError, match="missing column"):
        tf.filter_terms(tokens_table(["学校"]), column="word")


def test_rule_file_is_checked(tmp_path: Path):
    rules = tf.read_term_filter_rules()
    assert "ns" in rules.place_tags and "党" in rules.single_char_allow
    assert rules.admin_suffixes.index("自治县") < rules.admin_suffixes.index("县")
    bad = tmp_path / "rules.yml"
    bad.write_text("number_patterns: ['[0-9]+']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected exactly the keys"):
        tf.read_term_filter_rules(bad)
    text = tf.TERM_FILTERS_PATH.read_text(encoding="utf-8").replace(
        "single_char_allow:\n  - 党", "single_char_allow:\n  - 党员")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="longer than one character"):
        tf.read_term_filter_rules(bad)


def test_user_dictionary_tags_count_as_places(tmp_path: Path):
    user = tmp_path / "userdict.txt"
    user.write_text("新吴 1000 ns\n普及 1000 ns\n", encoding="utf-8")
    assert tf.dictionary_places(["新吴", "普及", "学校"], user_dict=user) == {"新吴"}


# -------------------------------------------------------------- the five plans

BANNED = {"黄石", "湖北", "福建省", "鲤城区", "2021", "2023-2023", "求"}


@pytest.fixture(scope="module")
def content_tokens(corpus):
    plan_units = corpus.units.loc[corpus.units["part"] == "plan",
                                  [c for c in PLAN_UNIT_COLUMNS if c != "theme"]]
    tokens = tk.tokens_from_units(corpus.units, cache_dir=None)
    return tk.remove_stopwords(tokens, units=set(plan_units["unit_id"]))


def test_no_place_number_or_single_character_leads_a_plans_keyness(content_tokens, corpus):
    keyness = kn.keyness_by_region(content_tokens, regions=corpus.regions)
    top = keyness.groupby("target", sort=True).head(20)
    assert top["target"].nunique() == 5
    assert not BANNED & set(top["token"])
    assert not top["token"].map(lambda t: len(t) == 1 and t not in {"党", "园"}).any()
    # Without the filter those tokens are there: the test is not vacuous.
    raw = kn.keyness_by_region(content_tokens, keep_numbers=True, keep_places=True,
                               keep_single_chars=True).groupby("target").head(20)
    assert len(BANNED & set(raw["token"])) >= 5


def test_the_split_fragments_are_gone_from_the_top_cooccurrence_pairs(content_tokens, corpus):
    # Fragments of words the segmenter used to split (久久为功 -> 久久|为|功, 视导 -> 视|导).
    pairs = cooccurrence(content_tokens, regions=corpus.regions)
    top = pairs.sort_values(["npmi", "n_units"], ascending=False).head(50)
    fragments = {frozenset(p) for p in [("导", "视"), ("久久", "功"), ("位", "升"), ("开", "齐"),
                                         ("创业", "干事")]}
    assert not fragments & {frozenset(p) for p in zip(top["source"], top["target"], strict=True)}
    # With every kind of token kept, the dictionary alone has joined them.
    everything = cooccurrence(content_tokens, keep_numbers=True, keep_places=True,
                              keep_single_chars=True)
    pairs_all = {frozenset(p) for p in zip(everything["source"], everything["target"],
                                           strict=True)}
    assert not fragments & pairs_all
    assert {"视导", "久久为功", "创名升位", "干事创业"} <= set(content_tokens["token"])


def test_jieba_places_are_the_words_whose_last_tag_is_a_place(monkeypatch):
    # Only the place-tagged words are kept from jieba's dictionary; a word listed
    # twice counts with its last line's tag, as a word -> tag mapping would give.
    lines = "泉州 10 ns\n学校 20 n\n普及 5 ns\n普及 5 v\n新吴 3 n\n新吴 3 ns\n无标 7\n"
    monkeypatch.setattr(tf.jieba, "get_dict_file", lambda: io.BytesIO(lines.encode("utf-8")))
    tf._jieba_words_tagged.cache_clear()
    try:
        assert tf._jieba_words_tagged(frozenset({"ns"})) == {"泉州", "新吴"}
        assert tf._jieba_words_tagged(frozenset({"n", "v"})) == {"学校", "普及"}
    finally:
        tf._jieba_words_tagged.cache_clear()
