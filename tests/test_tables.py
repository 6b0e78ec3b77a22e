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
