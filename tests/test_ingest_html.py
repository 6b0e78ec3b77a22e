"""Tests for analysis.ingest.html: main text, page metadata, charsets and refusals.

All fixtures are government pages written into tmp_path: a disclosure page
with navigation, index table and footer, and an old table-layout site in GBK.
"""

from __future__ import annotations

import socket

import pytest
from docx_fixtures import ENTITY_BOMB
from html_fixtures import government_page, insert_after_content, table_layout_page
from plan_fixtures import BODY, TITLE

from analysis.ingest.formats import IngestError, extract_document
from analysis.ingest.html import iso_date

CHROME_WORDS = [
    "首页",
    "当前位置",
    "索引号",
    "发布机构",
    "打印",
    "关闭窗口",
    "分享到",
    "相关文章",
    "网站标识码",
    "ICP备",
    "公网安备",
    "网站地图",
    "无障碍",
    "统计代码",
    "浏览次数",
]


def test_government_page_keeps_main_text_as_lines_and_drops_chrome(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(government_page(BODY, title=TITLE), encoding="utf-8")
    extracted = extract_document(path)
    assert extracted.format == "html"
    assert extracted.encoding == "utf-8"
    # Title first, then every body paragraph on its own line, nothing else.
    assert extracted.paragraphs == [TITLE, *BODY]
    for word in CHROME_WORDS:
        assert word not in extracted.text, word


def test_government_page_metadata_comes_from_meta_tags_and_index_table(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(government_page(BODY, title=TITLE), encoding="utf-8")
    meta = extract_document(path).metadata
    assert meta["title_zh"] == TITLE
    assert meta["page_date"] == "2023-02-28"  # <meta name="PubDate">, time dropped
    assert meta["publisher"] == "某县教育局"  # <meta name="ContentSource">
    assert meta["source_site"] == "某县人民政府"  # <meta name="SiteName">
    assert meta["index_no"] == "11330122002/2023-00017"
    assert meta["issued_date"] == "2023-02-20"  # 成文日期 in the index table
    assert meta["published"] == "2023-02-28"  # 公开日期
    assert meta["doc_no"] == "某教〔2023〕5号"
    assert meta["page_views"] == "356"


def test_page_without_meta_tags_takes_title_and_fields_from_the_page(tmp_path):
    html = government_page(BODY, title=TITLE)
    for tag in ("SiteName", "ArticleTitle", "PubDate", "ContentSource"):
        start = html.index(f'<meta name="{tag}"')
        html = html[:start] + html[html.index(">", start) + 1 :]
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    extracted = extract_document(path)
    meta = extracted.metadata
    assert meta["title_zh"] == TITLE  # the <h1> that <title> contains
    assert meta["page_date"] == "2023-02-28"  # 发布时间 line
    assert meta["publisher"] == "某县教育局"  # 发布机构 cell
    assert "source_site" not in meta
    assert extracted.paragraphs[0] == TITLE


def test_old_table_layout_in_gbk_with_br_paragraphs(tmp_path):
    path = tmp_path / "old.htm"
    # Declared gb2312 but uses 镕, which only GBK/GB18030 has: browsers cope, so must we.
    body = [*BODY, "5.朱镕基中学结对帮扶。"]
    path.write_bytes(table_layout_page(body, title=TITLE).encode("gb18030"))
    extracted = extract_document(path)
    assert extracted.encoding == "gb18030"
    assert extracted.paragraphs == [TITLE, *body]
    assert extracted.metadata["published"] == "2023-03-01"  # 发布日期, as chrome_rules.yml maps it
    assert extracted.metadata["publisher"] == "某县教育局"
    for word in ("网站首页", "栏目导航", "您现在的位置", "打印本页", "版权所有", "点击数"):
        assert word not in extracted.text


def test_wrongly_declared_charset_falls_back_to_detection_with_a_warning(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(government_page(BODY, title=TITLE, charset="utf-8").encode("gb18030"))
    extracted = extract_document(path)
    assert extracted.encoding == "gb18030"
    assert extracted.paragraphs == [TITLE, *BODY]
    assert any("declares charset 'utf-8'" in w for w in extracted.warnings)


def test_table_between_paragraphs_is_kept_in_place(tmp_path):
    table = (
        "<table><tr><td>1</td><td>新建幼儿园五所</td></tr>"
        "<tr><td>2</td><td>招聘教师</td></tr></table>"
    )
    page = government_page(BODY, title=TITLE).replace(
        f'<p style="text-indent:2em">{BODY[3]}</p>',
        f'<p style="text-indent:2em">{BODY[3]}</p>{table}',
    )
    path = tmp_path / "t.html"
    path.write_text(page, encoding="utf-8")
    extracted = extract_document(path)
    assert extracted.paragraphs == [TITLE, *BODY[:4], "1\t新建幼儿园五所", "2\t招聘教师", *BODY[4:]]
    assert any("2 line(s) of the article" in w for w in extracted.warnings)


def test_link_table_after_the_article_is_not_kept(tmp_path):
    links = (
        "<table><tr><td><a href='/1'>关于做好2023年春季开学工作的通知</a></td></tr>"
        "<tr><td><a href='/2'>某县教育局2022年工作总结</a></td></tr></table>"
    )
    page = insert_after_content(government_page(BODY, title=TITLE), links)
    path = tmp_path / "t.html"
    path.write_text(page, encoding="utf-8")
    assert extract_document(path).paragraphs == [TITLE, *BODY]


def test_attachment_links_and_thin_pages_are_warned_about(tmp_path):
    html = government_page(
        ["现将《某县教育局2023年工作要点》印发给你们，请认真贯彻落实。"], title=TITLE
    )
    html = insert_after_content(
        html, '<p><a href="/files/2023gzyd.docx">附件：2023年工作要点.docx</a></p>'
    )
    path = tmp_path / "notice.html"
    path.write_text(html, encoding="utf-8")
    warnings = extract_document(path).warnings
    assert any("attachment" in w and "2023年工作要点.docx" in w for w in warnings)
    assert any("only" in w and "characters" in w for w in warnings)


def test_html_entity_declarations_are_not_expanded(tmp_path):
    bomb = ENTITY_BOMB.decode().replace("w:document", "html")
    html = (
        bomb.split("<html xmlns")[0]
        + government_page(BODY, title=TITLE).split("<!DOCTYPE html>")[1]
    )
    path = tmp_path / "bomb.html"
    path.write_text(
        html.replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', ""),
        encoding="utf-8",
    )
    extracted = extract_document(path)
    assert "aaaaaaaaaa" * 10 not in extracted.text
    assert len(extracted.text) < 5000


def test_html_extraction_opens_no_network_connection(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access during extraction")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    html = (
        government_page(BODY, title=TITLE)
        .replace(
            "<!DOCTYPE html>",
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1.dtd">',
        )
        .replace("</body>", '<iframe src="https://www.example.gov.cn/x"></iframe></body>')
    )
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    assert extract_document(path).paragraphs == [TITLE, *BODY]


def test_html_extraction_is_deterministic(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(government_page(BODY, title=TITLE), encoding="utf-8")
    assert extract_document(path) == extract_document(path)


def test_page_with_no_text_is_refused(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title></title></head><body><script>x()</script></body></html>")
    with pytest.raises(IngestError, match=r"empty\.html: the page has no visible text"):
        extract_document(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-24 10:39", "2021-03-24"),
        ("2021年3月4日", "2021-03-04"),
        ("2021/03/24", "2021-03-24"),
        ("2021.3.24", "2021-03-24"),
        ("无", None),
        ("2021-13-01", None),
    ],
)
def test_iso_date(value, expected):
    assert iso_date(value) == expected


def _page_with_header_outside_the_article() -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    return (
        "<html><head><title>门户网站</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> &gt; <a href='/x'>通知公告</a></div>"
        "<div class='info'><span>作者：王敏</span> <span>來源：清溪縣教育局</span> "
        "<span>瀏覽次數：1536</span> <span>發佈時間：2024年3月5日</span></div>"
        f"<div class='article'><h1>{TITLE}</h1>{paragraphs}</div>"
        "<div class='footer'>主办：清溪县人民政府办公室</div></body></html>"
    )


def test_facts_in_furniture_outside_the_article_are_read(tmp_path):
    # A traditional-character header outside the article: its facts are not in the
    # text the loader reads, so the extractor reads them with the chrome rules.
    path = tmp_path / "page.html"
    path.write_text(_page_with_header_outside_the_article(), encoding="utf-8")
    extracted = extract_document(path)
    assert "1536" not in extracted.text
    assert extracted.page_facts["page_views"] == "1536"
    assert extracted.page_facts["page_date"] == "2024-03-05"
    assert extracted.page_facts["author"] == "王敏"


def test_furniture_facts_reach_the_regions_row(tmp_path):
    from analysis.corpus.load import load_plan

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "page.html").write_text(_page_with_header_outside_the_article(), encoding="utf-8")
    row = {"region_id": "qingxi", "file": "page.html", "name_zh": "清溪县"}
    region, _ = load_plan((row, raw, True))
    assert region["page_views"] == "1536" and region["page_date"] == "2024-03-05"
    assert region["author"] == "王敏"
