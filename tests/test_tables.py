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
