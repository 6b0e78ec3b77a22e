"""Metadata headers in any layout, read from the start of a line."""

import re

import pytest

from analysis.corpus.chrome import load_chrome_rules
from analysis.corpus.metadata import (
    file_source_value,
    metadata_keys_from,
    read_metadata_header,
    read_metadata_value,
)

RULES = load_chrome_rules()
KEYS = RULES.metadata_keys


def _read(line):
    return read_metadata_header(line, keys=KEYS, ui_words=RULES.ui_words)


def test_a_header_run_into_a_long_line_stops_where_the_text_starts():
    line = "发布时间：2024-03-01 来源：某某县教育局 浏览次数：1024 某某县2024年教育工作要点 一、…"
    header = _read(line)
    assert line[header.end :].strip().startswith("某某县2024年教育工作要点")
    assert header.values == {
        "page_date": "2024-03-01",
        "source": "某某县教育局",
        "page_views": "1024",
    }


def test_fields_run_together_without_separators_are_split_at_the_next_key():
    header = _read("发布时间：2024-02-20来源：青禾市教育局点击数：2318")
    assert header.values["source"] == "青禾市教育局"
    assert header.values["page_views"] == "2318"
    assert header.end == len("发布时间：2024-02-20来源：青禾市教育局点击数：2318")


def test_traditional_keys_are_read_by_the_same_table():
    header = _read("發佈時間：2024-03-01　瀏覽次數：77　【字號：大 中 小】【打印】")
    assert header.values == {"page_date": "2024-03-01", "page_views": "77"}


def test_prose_that_begins_with_a_key_word_is_not_a_header():
    assert _read("时间紧、任务重，全县教育系统要迎难而上。").end == 0
    assert _read("来源于群众的意见要认真办理。").end == 0


def test_a_key_alone_waits_for_its_value_on_the_next_line():
    header = _read("浏览次数")
    assert header.bare_key is not None
    assert read_metadata_value("1024", key=header.bare_key) == "1024"
    assert read_metadata_value("全面提升教育质量。", key=header.bare_key) is None


def test_a_key_with_two_fields_files_both():
    header = _read("发布机构：某某县教育局")
    assert header.values == {"publisher": "某某县教育局", "issuing_body": "某某县教育局"}


@pytest.mark.parametrize(
    ("value", "field"),
    [("某某县教育局", "publisher"), ("某某教育网", "source_site"), ("某某日报", "source_site"),
     ("本站", None), ("网友投稿", None)],
)
def test_a_source_value_is_filed_by_what_it_names(value, field):
    assert (
        file_source_value(
            value,
            publisher_ends=RULES.source_publisher,
            site_contains=RULES.source_site,
            ignore=RULES.source_ignore,
        )
        == field
    )


def test_a_key_table_entry_with_an_unknown_kind_is_refused_naming_the_kinds():
    with pytest.raises(ValueError, match=re.escape("date, count, code, name")):
        metadata_keys_from([{"keys": ["时间"], "kind": "datetime", "field": "page_date"}])
