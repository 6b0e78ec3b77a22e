import pandas as pd
import pytest

import analysis
from analysis.tables import removed_summary, structure_summary


def test_structure_summary_counts_items_and_inferred_numbers(corpus):
    summary = structure_summary(corpus.units).set_index(["region_id", "part"])
    assert summary.loc[("huangshi", "plan"), "n_items"] == 28
    assert summary.loc[("huangshi", "plan"), "n_items_inferred"] == 3
    assert summary.loc[("xinwu", "review"), "n_items"] == 7
    assert summary["n_units"].sum() == len(corpus.units)


def test_removed_summary_adds_up_to_the_ledger(corpus):
    summary = removed_summary(corpus.removed)
    per_region = summary.groupby("region_id")["n_chars"].sum()
    expected = corpus.regions.set_index("region_id")["n_chars_removed"]
    assert per_region.sort_index().tolist() == expected.sort_index().tolist()


def test_theme_table_levels_and_shares():
    themes = analysis.theme_table("theme")
    shares = themes.groupby(["region_id", "part"])["share_sentences"].sum()
    assert shares.round(9).eq(1).all()
    assert set(analysis.theme_table("domain").columns) >= {"domain", "share_chars"}
    with pytest.raises(ValueError, match="level must be one of theme, domain; got 'topic'"):
        analysis.theme_table("topic")


def test_load_units_returns_the_built_table():
    units = analysis.load_units()
    assert isinstance(units, pd.DataFrame) and units["unit_id"].is_unique


def test_load_units_filters_by_part_and_kind():
    units = analysis.load_units()
    plan = analysis.load_units(part="plan")
    sentences = analysis.load_units(part="plan", unit_kind="sentence")
    assert len(plan) == units["part"].eq("plan").sum() < len(units)
    assert set(sentences["unit_kind"]) == {"sentence"} and set(sentences["part"]) == {"plan"}
    assert len(sentences) == (units["part"].eq("plan") & units["unit_kind"].eq("sentence")).sum()
    with pytest.raises(ValueError, match="part must be one of review, plan or None; got 'plans'"):
        analysis.load_units(part="plans")
    with pytest.raises(ValueError, match="unit_kind must be one of .*; got 'sentences'"):
        analysis.load_units(unit_kind="sentences")


def test_load_table_checks_the_name_and_suggests_the_closest(tmp_path):
    assert "units" in analysis.list_tables() and analysis.list_tables() == sorted(
        analysis.list_tables()
    )
    # A typo never reaches the build (tmp_path is empty and stays empty).
    with pytest.raises(ValueError, match=r"no table 'keynes'; did you mean keyness"):
        analysis.load_table("keynes", processed_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- load_tokens


def _shipped(name: str) -> pd.DataFrame:
    from analysis import config
    from analysis.io import read_table

    return read_table(name, config.PROCESSED_DIR)


def test_load_tokens_defaults_are_the_content_tokens_the_shipped_tables_count():
    from analysis import config
    from analysis.text.cooccurrence import cooccurrence
    from analysis.text.keyness import keyness_by_region, keyword_frequencies
    from analysis.text.tokens import read_stopwords

    tokens = analysis.load_tokens()
    # Independently: tokens of plan-part units, neither standard nor policy stopwords.
    everything, units = _shipped("tokens"), _shipped("units")
    plan_ids = set(units.loc[units["part"] == "plan", "unit_id"])
    expected = everything.loc[everything["unit_id"].isin(plan_ids)
                              & ~everything["token"].isin(read_stopwords(("standard", "policy")))]
    pd.testing.assert_frame_equal(tokens, expected.reset_index(drop=True))
    assert list(tokens.columns) == ["region_id", "unit_id", "position", "token"]
    # And they give the shipped keyword, keyness and co-occurrence tables back.
    regions = analysis.load_regions()
    keywords = keyword_frequencies(tokens, regions=regions)
    pd.testing.assert_frame_equal(keywords, _shipped("keywords"), check_dtype=False)
    include_absent = tokens["region_id"].nunique() <= config.KEYNESS_ABSENT_MAX_REGIONS
    keyness = keyness_by_region(tokens, include_absent=include_absent, regions=regions)
    pd.testing.assert_frame_equal(keyness, _shipped("keyness"), check_dtype=False)
    pd.testing.assert_frame_equal(cooccurrence(tokens, regions=regions),
                                  _shipped("cooccurrence"), check_dtype=False)


def test_load_tokens_parts_and_stopword_lists():
    everything, units = _shipped("tokens"), _shipped("units")
    review_ids = set(units.loc[units["part"] == "review", "unit_id"])
    both = analysis.load_tokens(part=None, content=False)
    pd.testing.assert_frame_equal(both, everything)
    review = analysis.load_tokens(part="review", content=False)
    assert len(review) == everything["unit_id"].isin(review_ids).sum() > 0
    assert set(review["region_id"]) == {"xinwu"}  # the one review-and-plan document
    # 加强 is a policy stopword, 的 a standard one.
    standard_only = analysis.load_tokens(stopwords=("standard",))
    assert "加强" in set(standard_only["token"]) and "的" not in set(standard_only["token"])
    assert "加强" not in set(analysis.load_tokens()["token"])
    with pytest.raises(ValueError, match="part must be one of review, plan or None; got 'plans'"):
        analysis.load_tokens(part="plans")
    with pytest.raises(ValueError, match=r"lists must be one of \('standard', 'policy'\)"):
        analysis.load_tokens(stopwords=("english",))


def test_load_tokens_joins_unit_and_region_columns_hand_checked():
    tokens = analysis.load_tokens(
        part=None,
        unit_columns=("part", "unit_kind", "theme", "instrument", "section_no", "item_no"),
        region_columns=("plan_year", "admin_level", "province_zh"),
    )
    assert list(tokens.columns) == [
        "region_id", "unit_id", "position", "token", "part", "unit_kind", "theme",
        "instrument", "section_no", "item_no", "plan_year", "admin_level", "province_zh"]
    # Read off the units and regions tables by hand: 新吴's first plan-part item
    # sentence (健全学前教育体制机制…) and its first sentence, in the review part.
    row = tokens.loc[(tokens["unit_id"] == "xinwu-0050") & (tokens["position"] == 1)].iloc[0]
    assert (row["token"], row["part"], row["unit_kind"], row["theme"], row["instrument"]) == (
        "学前教育", "plan", "sentence", "preschool", "environment")
    assert pd.isna(row["section_no"]) and row["item_no"] == 1
    region = (row["plan_year"], row["admin_level"], row["province_zh"])
    assert region == (2021, "district", "江苏省")
    assert set(tokens.loc[tokens["unit_id"] == "xinwu-0001", "part"]) == {"review"}
    # Years are nullable integers: the unnamed Sichuan county states none.
    assert str(tokens["plan_year"].dtype) == "Int64"
    years = tokens.groupby("region_id")["plan_year"].first()
    assert years.isna().to_dict() == {"huangshi": False, "licheng": False,
                                      "sichuan_county": True, "tonglu": False, "xinwu": False}
    assert years["licheng"] == 2022
    assert (tokens["plan_year"] == 2021).sum() == tokens["region_id"].isin(
        ["tonglu", "xinwu", "huangshi"]).sum()
    # Every joined value is the one of its unit.
    units = _shipped("units").set_index("unit_id")
    assert tokens["theme"].equals(tokens["unit_id"].map(units["theme"]).rename("theme"))


def test_load_tokens_rejects_unknown_columns_naming_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unit_columns must be among part, section_no, .*; "
                                         r"got \['year'\]"):
        analysis.load_tokens(unit_columns=("year",))
    with pytest.raises(ValueError, match=r"region_columns must be among .*plan_year.*; "
                                         r"got \['theme'\]"):
        analysis.load_tokens(region_columns=("theme",))
    with pytest.raises(ValueError, match="sequence of column names"):
        analysis.load_tokens(unit_columns="theme")
    with pytest.raises(ValueError, match="more than once"):
        analysis.load_tokens(unit_columns=("theme", "theme"))
