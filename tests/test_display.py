"""Tables and findings as the notebooks show them (analysis.display)."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
import yaml

from analysis import config, display
from analysis.figures.labels import label


def _significant_digits(text: str) -> int:
    digits = text.replace(",", "").replace("-", "").replace(".", "").lstrip("0")
    return len(digits)


@pytest.mark.parametrize("value", [0.012345678, 0.87654, 3.45678, 29.4321, 0.5])
def test_number_text_keeps_three_significant_digits_and_the_value(value):
    shown = display.number_text(value)
    assert "e" not in shown
    assert _significant_digits(shown) == 3
    assert math.isclose(float(shown.replace(",", "")), value, rel_tol=5e-3)


def test_number_text_keeps_every_integer_digit_and_writes_tiny_values_with_an_exponent():
    assert display.number_text(12345.678).replace(",", "") == str(round(12345.678))
    assert display.number_text(12345) == f"{12345:,}"
    tiny = display.number_text(5.7812e-8)
    assert "e-08" in tiny and math.isclose(float(tiny), 5.7812e-8, rel_tol=1e-2)
    assert display.number_text(float("nan")) == "–"
    with pytest.raises(ValueError, match="digits"):
        display.number_text(1.0, digits=0)


def test_percent_text_is_the_share_times_a_hundred():
    assert display.percent_text(0.532) == f"{round(53.2)}%"
    assert display.percent_text(0.12345, decimals=1) == "12.3%"
    assert display.percent_text(float("nan")) == "–"


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "region_id": ["huangshi", "licheng", "tonglu"] * 10,
        "text": ["以习近平新时代中国特色社会主义思想为指导，全面贯彻党的教育方针"] * 30,
        "cosine": [0.123456 + i / 100 for i in range(30)],
        "share": [0.25] * 30,
    })


def test_table_html_shows_at_most_max_rows_and_names_where_the_rest_is():
    html = display.table_html(_table(), lang="en", percent=["share"], max_rows=20,
                              source="data/processed/x.csv").to_html()
    assert html.count("<tr>") == 1 + 20  # the header row and twenty rows
    assert "First 20 of 30 rows" in html and "data/processed/x.csv" in html
    assert "row_heading" not in html  # no index column
    assert "25.0%" in html and "0.123456" not in html


def test_table_html_names_regions_and_labels_headers_in_the_language():
    en = display.table_html(_table(), lang="en", max_rows=3).to_html()
    zh = display.table_html(_table(), lang="zh", max_rows=3).to_html()
    labels = yaml.safe_load(display.TABLE_LABELS_PATH.read_text(encoding="utf-8"))["columns"]
    assert f">{labels['cosine']['en']}</th>" in en and f">{labels['cosine']['zh']}</th>" in zh
    assert label("region", "huangshi", "zh") in zh and ">huangshi<" not in zh
    assert label("region", "huangshi", "en") in en


def test_table_html_left_aligns_and_wraps_text_and_right_aligns_numbers():
    html = display.table_html(_table(), lang="zh", max_rows=3).to_html()
    text_rule = re.findall(r"td\.col1 \{([^}]*)\}", html)[-1]  # the last rule wins
    number_rule = re.search(r"td\.col2 \{([^}]*)\}", html).group(1)
    assert "text-align: left" in text_rule and "white-space: normal" in text_rule
    assert "max-width" in text_rule  # long Chinese sentences wrap instead of running off
    assert "text-align: right" in number_rule


def test_table_html_is_the_same_on_every_run_and_differs_between_tables():
    first = display.table_html(_table(), lang="zh").to_html()
    again = display.table_html(_table(), lang="zh").to_html()
    other = display.table_html(_table().head(5), lang="zh").to_html()
    ids = re.findall(r'<table id="([^"]+)"', first + other)
    assert first == again and ids[0] != ids[1]


def test_table_html_refuses_unknown_columns_languages_and_limits():
    with pytest.raises(KeyError, match="table_labels.yml"):
        display.table_html(pd.DataFrame({"no_such_column": [1]}), lang="en")
    with pytest.raises(ValueError, match="lang"):
        display.table_html(_table(), lang="fr")
    with pytest.raises(ValueError, match="max_rows"):
        display.table_html(_table(), max_rows=0)
    with pytest.raises(ValueError, match="percent"):
        display.table_html(_table(), percent=["missing"])
    headers = display.table_html(pd.DataFrame({7: [0.5]}), lang="en", headers={7: "Topic 7"})
    assert ">Topic 7</th>" in headers.to_html()


def test_names_of_ids_names_lists_and_leaves_other_values():
    table = pd.DataFrame({"members": ["huangshi;licheng", "cluster 5"], "theme": ["teachers", "x"]})
    named = display.names_of_ids(table, lang="zh")
    assert named.members[0] == "、".join(label("region", r, "zh") for r in ("huangshi", "licheng"))
    assert named.members[1] == "cluster 5" and named.theme[1] == "x"
    assert named.theme[0] == label("theme", "teachers", "zh")


def test_every_column_label_has_both_languages():
    data = yaml.safe_load(display.TABLE_LABELS_PATH.read_text(encoding="utf-8"))
    for section in ("columns", "captions"):
        incomplete = [k for k, v in data[section].items() if not (v.get("zh") and v.get("en"))]
        assert incomplete == [], f"{section} without zh and en: {incomplete}"
    assert set(data["id_columns"].values()) <= {"region", "theme", "domain"}
    assert display.TABLE_LABELS_PATH.parent == config.RULES_DIR


def test_findings_markdown_is_a_bullet_list_of_the_points():
    shown = display.findings_markdown(["a 5%", "b"], heading="Found").data
    assert shown.splitlines() == ["Found", "", "- a 5%", "- b"]
    with pytest.raises(ValueError):
        display.findings_markdown([])


def test_region_name_and_pair_text_fail_on_unknown_regions():
    pair = {"region_a": "huangshi", "region_b": "licheng"}
    assert display.pair_text(pair, lang="en") == (
        f"{label('region', 'huangshi', 'en')} – {label('region', 'licheng', 'en')}")
    with pytest.raises(KeyError):
        display.region_name("nowhere", lang="zh")


def test_table_html_right_aligns_the_text_columns_asked_for():
    table = pd.DataFrame({"left": ["改进小学课后托管服务"], "keyword": ["课后服务"]})
    html = display.table_html(table, lang="zh", text_right=["left"]).to_html()
    assert "text-align: right" in re.findall(r"td\.col0 \{([^}]*)\}", html)[-1]
    assert "text-align: left" in re.findall(r"td\.col1 \{([^}]*)\}", html)[-1]


def test_table_html_shows_a_nullable_integer_year_without_a_thousands_separator():
    table = pd.DataFrame({"region_id": ["tonglu", "sichuan_county"],
                          "plan_year": pd.array([2021, pd.NA], dtype="Int64")})
    html = display.table_html(table, lang="en").to_html()
    assert ">2021<" in html and "2,021" not in html and ">–<" in html
