"""Tests for analysis.ingest.html_text: a page's lines as a browser shows them.

Lines, ordered-list labels and table rows are checked on whole government
pages extracted through analysis.ingest.formats, as the loader sees them.
"""

from __future__ import annotations

from html_fixtures import government_page, insert_after_content
from plan_fixtures import BODY, TITLE

from analysis.ingest.formats import extract_document


def test_minified_page_still_gives_one_paragraph_per_line(tmp_path):
    html = "".join(line.strip() for line in government_page(BODY, title=TITLE).splitlines())
    path = tmp_path / "min.html"
    path.write_text(html, encoding="utf-8")
    assert extract_document(path).paragraphs == [TITLE, *BODY]


def test_ordered_list_items_get_the_numbers_a_browser_draws(tmp_path):
    items = "".join(f"<li>{line[2:]}</li>" for line in BODY if line[1] == ".")
    html = insert_after_content(
        government_page(BODY[:1], title=TITLE), f'<ol start="3">{items}</ol>'
    )
    path = tmp_path / "ol.html"
    path.write_text(html, encoding="utf-8")
    paragraphs = extract_document(path).paragraphs
    numbered = [line for line in BODY if line[1] == "."]
    expected = [f"{i}.{line[2:]}" for i, line in enumerate(numbered, start=3)]
    assert paragraphs[-len(expected) :] == expected


def test_table_rows_become_tab_separated_lines(tmp_path):
    table = (
        "<table><tr><th>序号</th><th>重点任务</th><th>责任单位</th></tr>"
        "<tr><td>1</td><td>新建幼儿园五所</td><td>计财科</td></tr></table>"
    )
    html = insert_after_content(government_page(BODY, title=TITLE), table)
    path = tmp_path / "t.html"
    path.write_text(html, encoding="utf-8")
    paragraphs = extract_document(path).paragraphs
    assert paragraphs[-2:] == ["序号\t重点任务\t责任单位", "1\t新建幼儿园五所\t计财科"]
