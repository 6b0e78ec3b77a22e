import pandas as pd
import pytest

from analysis.crosstabs import region_theme_counts, select_units


def _units():
    return pd.DataFrame(
        {
            "region_id": ["a", "a", "a", "b"],
            "part": ["plan", "plan", "review", "plan"],
            "unit_kind": ["sentence", "sentence", "sentence", "item_title"],
            "theme": ["party", "party", "party", "safety"],
            "label": ["x", "y", "x", "x"],
        }
    )


def test_select_units_keeps_the_chosen_parts_and_kinds():
    rows = select_units(
        _units(), parts=("plan",), unit_kinds=("sentence",), required=["label"], name="units"
    )
    assert len(rows) == 2 and set(rows["part"]) == {"plan"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"parts": ("future",), "unit_kinds": ("sentence",)}, "parts must be drawn from"),
        ({"parts": ("plan",), "unit_kinds": ("paragraph",)}, "unit_kinds must be drawn from"),
    ],
)
def test_select_units_names_the_allowed_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        select_units(_units(), required=["label"], name="units", **kwargs)


def test_select_units_names_missing_columns():
    with pytest.raises(ValueError, match=r"coded lacks columns \['instrument'\]"):
        select_units(
            _units(),
            parts=("plan",),
            unit_kinds=("sentence",),
            required=["instrument"],
            name="coded",
        )


def test_counts_include_zero_rows_and_shares_sum_to_one():
    rows = select_units(
        _units(),
        parts=("plan",),
        unit_kinds=("sentence", "item_title"),
        required=["label"],
        name="units",
    )
    table = region_theme_counts(
        rows,
        col="label",
        levels=["x", "y", "z"],
        theme_col="theme",
        columns=["region_id", "theme", "label", "n_sentences", "n_total", "share"],
    )
    assert len(table) == 2 * 3
    assert table.groupby(["region_id", "theme"])["share"].sum().tolist() == [1.0, 1.0]
    assert table.loc[(table.region_id == "a") & (table.label == "z"), "n_sentences"].item() == 0


def test_an_unknown_category_is_refused():
    with pytest.raises(ValueError, match=r"label values \['y'\] are not among \['x'\]"):
        region_theme_counts(
            _units(),
            col="label",
            levels=["x"],
            theme_col="theme",
            columns=["region_id", "theme", "label", "n_sentences", "n_total", "share"],
        )
