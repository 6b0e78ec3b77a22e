"""Tests for analysis.devset: strict parsing, rendering to each format, the gold.

Sources are written here (or in ``tests/devset_fixtures/``) in the markup of
``data/loader_devset/README.md``; their text is made up for the tests.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from analysis.devset import (
    INDENT,
    DevsetError,
    body_text,
    check_sources,
    derive_gold,
    main,
    parse_source,
    read_sources,
    render_source,
    rendered_lines,
    split_sentences,
    strip_clause_label,
)
from analysis.ingest.formats import extract_bytes

FIXTURES = Path(__file__).parent / "devset_fixtures"

HEADER = """# id: {id}
# kind: plain
# split: {split}
# format: {format}
"""


def write_source(
    root: Path, body: str, *, id: str = "s1", split: str = "dev", format: str = "txt",
    extra: str = "", folder: str | None = None,
) -> Path:
    path = root / (folder or split) / f"{id}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(id=id, split=split, format=format) + extra + "\n" + body,
                    encoding="utf-8")
    return path


BODY = "T: 某县教育工作要点\nH1#1: [一、]加强党建。全面落实责任。\nP: 开展培训。\n"


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("body", "extra", "message", "line_no"),
    [
        ("X: 未知标签\n", "", "unknown tag 'X'", 6),
        (BODY, "# kind2: x\n", "unknown header key 'kind2'", 5),
        (BODY, "# layout: hardwrap:0\n", "layout 'hardwrap:0'", 5),
        (BODY, "# meta.page_date: 2024-13-40\n", "not a calendar date", 5),
        (BODY, "# meta.page_views: 12k\n", "must be digits", 5),
        (BODY, "# encoding: latin-1\n", "encoding 'latin-1'", 5),
        ("H1: [一、]没有编号。\n", "", "H1 needs its gold number", 6),
        ("P: 有{{zz:标记}}的段落。\n", "", "unknown inline mark", 6),
        ("C: 页面{{wm:水印}}\n", "", "inline marks are allowed in", 6),
        ("P: 未闭合{{wm:标记\n", "", "unclosed or malformed", 6),
    ],
)
def test_parse_source_names_file_and_line_of_each_problem(tmp_path, body, extra, message, line_no):
    path = write_source(tmp_path, body, extra=extra)
    with pytest.raises(DevsetError) as raised:
        parse_source(path)
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"{path}:{line_no}:")


def test_parse_source_refuses_id_and_split_that_differ_from_the_file(tmp_path):
    wrong_id = write_source(tmp_path, BODY, id="s1")
    wrong_id.write_text(wrong_id.read_text(encoding="utf-8").replace("# id: s1", "# id: s2"),
                        encoding="utf-8")
    with pytest.raises(DevsetError, match=r"s1.txt:1: id 's2' differs from the file name"):
        parse_source(wrong_id)
    wrong_split = write_source(tmp_path, BODY, id="s3", split="dev", folder="heldout")
    with pytest.raises(DevsetError, match=r"s3.txt:3: split 'dev' differs from the folder"):
        parse_source(wrong_split)


def test_a_twin_must_exist_and_be_simplified(tmp_path):
    write_source(tmp_path, BODY, id="trad", extra="# script: traditional\n# twin: simp\n")
    with pytest.raises(DevsetError, match=r"trad.txt:6: twin 'simp' not found"):
        read_sources(tmp_path)
    problems = check_sources(tmp_path)
    assert list(problems) == [str(tmp_path / "dev" / "trad.txt")]
    write_source(tmp_path, BODY, id="simp", split="heldout")
    assert check_sources(tmp_path) == {}
    assert [s.id for s in read_sources(tmp_path, split="dev")] == ["trad"]


def test_check_command_exits_non_zero_on_problems(tmp_path, capsys):
    assert main(["check", str(FIXTURES)]) == 0
    write_source(tmp_path, "Q: 坏行\n", id="bad")
    write_source(tmp_path, BODY, id="good")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "bad.txt:6: unknown tag 'Q'" in out
    assert "good.txt" not in out
    assert "2 sources, 1 with problems" in out


# ----------------------------------------------------------------------------- gold


def test_gold_of_a_small_source_computed_by_hand(tmp_path):
    body = (
        "C: 首页 > 通知公告\n"
        "N: 关于印发工作要点的通知\n"
        "T: 某县2024年{{wm:水印}}教育工作要点\n"
        "P: 总体要求：稳中求进。\n"
        "H0#1: [第一部分]工作回顾\n"
        "H1#1: [一、]办学条件。新增学位“500个”。建成{{x:★}}食堂\n"
        "H2#2: [（二）]师资。目标任务：培训教师！{{page:— 2 —}}轮岗交流？\n"
        "H1#2: 未编号的块。\n"
        "H3#1: [1.]细项。\n"
        "R: 学校 | 学位\n"
    )
    source = parse_source(write_source(tmp_path, body))
    gold = derive_gold(source)
    assert [(s.text, s.path) for s in gold.sentences] == [
        ("总体要求：稳中求进。", ()),
        ("工作回顾", ()),
        ("办学条件。", (1,)),
        ("新增学位“500个”。", (1,)),
        ("建成食堂", (1,)),
        ("师资。", (1, 2)),
        ("目标任务：培训教师！", (1, 2)),
        ("轮岗交流？", (1, 2)),
        ("未编号的块。", (2,)),
        ("细项。", (2, 1)),
        ("学校 | 学位", (2, 1)),
    ]
    assert [(c.tag, c.text) for c in gold.chrome] == [
        ("C", "首页 > 通知公告"),
        ("N", "关于印发工作要点的通知"),
        ("T", "某县2024年教育工作要点"),
    ]
    assert [(m.kind, m.text) for m in gold.marks] == [
        ("wm", "水印"), ("x", "★"), ("page", "— 2 —")
    ]
    # One entry per body line (H0, H1, H2, H1, H3, R and the P), with its sentences.
    assert [len(ids) for _, ids in gold.body_lines] == [1, 1, 3, 3, 1, 1, 1]
    assert strip_clause_label("目标任务：培训教师！") == "培训教师！"
    assert strip_clause_label("培训目标任务：教师") == "培训目标任务：教师"


def test_split_sentences_keeps_closing_marks_and_unterminated_text():
    assert split_sentences("他说：“好。”然后走了！还有（注：见附件。）最后") == [
        "他说：“好。”", "然后走了！", "还有（注：见附件。）", "最后"
    ]


def test_pdf_gold_has_a_header_and_page_number_per_page(tmp_path):
    body = BODY + "".join(f"P: 第{n}段内容较长，用来把文件撑到第二页以上。\n" for n in range(80))
    source = parse_source(
        write_source(tmp_path, body, format="pdf", extra="# pdf_header: 某县教育局文件\n")
    )
    rendered = render_source(source)
    assert rendered.n_pages >= 2
    pages = [c.text for c in rendered.gold.chrome if c.tag == "pdf_page"]
    headers = [c.text for c in rendered.gold.chrome if c.tag == "pdf_header"]
    assert pages == [f"— {n} —" for n in range(1, rendered.n_pages + 1)]
    assert headers == ["某县教育局文件"] * rendered.n_pages
    reader = pypdf.PdfReader(io.BytesIO(rendered.data))
    assert len(reader.pages) == rendered.n_pages
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert text.splitlines()[0] == "某县教育局文件"
        assert text.splitlines()[-1] == f"— {n} —"


# ----------------------------------------------------------------------------- layouts and marks


def test_inline_marks_render_as_specified(tmp_path):
    body = "P: 一{{wm:水印}}二{{x:🔥}}三{{page:第3页}}四{{chunk:2、}}五\n"
    source = parse_source(write_source(tmp_path, body))
    assert rendered_lines(source) == ["一水印二🔥三", "第3页", "四", "2、五"]


def test_hardwrap_indents_and_breaks_every_n_characters(tmp_path):
    body = "T: 标题不换行的一条很长的标题\nP: 甲乙丙丁戊己庚辛壬癸子丑{{page:— 1 —}}寅卯辰巳午未\n"
    source = parse_source(write_source(tmp_path, body, extra="# layout: hardwrap:5\n"))
    assert rendered_lines(source) == [
        "标题不换行的一条很长的标题",
        INDENT + "甲乙丙", "丁戊己庚辛", "壬癸子丑", "— 1 —", "寅卯辰巳午", "未",
    ]


@pytest.mark.parametrize(("layout", "joiner"), [("oneline", ""), ("oneline_spaced", " ")])
def test_oneline_runs_the_body_together_between_chrome(tmp_path, layout, joiner):
    body = "C: 页头\nT: 标题\nH1#1: [一、]甲。\n\nP: 乙。\nR: 丙|丁\nC: 页脚\n"
    source = parse_source(write_source(tmp_path, body, extra=f"# layout: {layout}\n"))
    assert rendered_lines(source) == ["页头", "标题", joiner.join(["一、甲。", "乙。", "丙|丁"]),
                                      "页脚"]


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_txt_renders_in_its_encoding_and_reads_back(tmp_path, encoding):
    source = parse_source(write_source(tmp_path, BODY, extra=f"# encoding: {encoding}\n"))
    rendered = render_source(source)
    assert rendered.data.decode("utf-16" if encoding == "utf-16" else encoding) == (
        "\n".join(rendered.lines) + "\n"
    )
    if encoding in ("utf-8-sig", "utf-16"):
        assert rendered.data[:2] in (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff")
    extracted = extract_bytes(rendered.data, name=rendered.file_name)
    assert extracted.paragraphs == [line.strip() for line in rendered.lines]


def test_html_page_puts_chrome_around_the_article_and_reads_back(tmp_path):
    body = (
        "C: 网站名称\nC: 首页 > 文件\nT: 工作要点\nP: 第一段。\nC: 【打印】\nP: 第二段。\n"
        "C: 版权所有\n"
    )
    rendered = render_source(parse_source(write_source(tmp_path, body, format="html",
                                                       extra="# title: 工作要点\n")))
    page = rendered.data.decode("utf-8")
    assert "<title>工作要点</title>" in page
    assert re.search(r'<div class="header"><div>网站名称</div></div>', page)
    assert re.search(r'<div class="nav"><div>首页 &gt; 文件</div></div>', page)
    assert "<h1>工作要点</h1>" in page
    article = page[page.index('<div class="article">'):page.index('<div class="footer">')]
    assert article.index("第一段") < article.index("【打印】") < article.index("第二段")
    assert '<div class="footer"><div>版权所有</div></div>' in page
    untitled = render_source(parse_source(write_source(tmp_path, body, id="s2", format="html")))
    assert "<title>网站名称</title>" in untitled.data.decode("utf-8")
    extracted = extract_bytes(rendered.data, name=rendered.file_name)
    # What the loader's HTML reader keeps is rendered lines, the body in order
    # (which chrome it keeps is the loader's business, measured by the evaluation).
    assert set(extracted.paragraphs) <= set(rendered.lines)
    kept = [p for p in extracted.paragraphs if p in ("第一段。", "第二段。")]
    assert kept == ["第一段。", "第二段。"]


def test_docx_has_one_paragraph_a_line_and_fixed_dates(tmp_path):
    body = BODY + "P: 乙{{page:— 2 —}}丙\n"
    rendered = render_source(parse_source(write_source(tmp_path, body, format="docx")))
    extracted = extract_bytes(rendered.data, name=rendered.file_name)
    assert extracted.paragraphs == list(rendered.lines)
    assert extracted.metadata["doc_created"] == "2024-01-01"
    assert "doc_author" not in extracted.metadata


def test_pdf_body_is_indented_and_wrapped_by_the_page_width(tmp_path):
    long = "为" * 120
    body = f"T: 标题\nP: {long}。\n"
    rendered = render_source(parse_source(write_source(tmp_path, body, format="pdf")))
    text = pypdf.PdfReader(io.BytesIO(rendered.data)).pages[0].extract_text()
    lines = text.splitlines()
    assert lines[0] == "标题"
    assert lines[1].startswith(INDENT + "为")
    assert len(lines) >= 4  # 120 characters do not fit one A4 line
    assert "".join(lines[1:-1]).replace(INDENT, "") == long + "。"


def test_every_format_renders_to_the_same_bytes_twice():
    sources = read_sources(FIXTURES)
    assert {s.format for s in sources} == {"txt", "html", "docx", "pdf"}
    for source in sources:
        assert render_source(source).data == render_source(source).data, source.id


def test_render_command_writes_each_split(tmp_path):
    assert main(["render", str(FIXTURES), str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    assert "heldout/notice_pdf.pdf" in written
    assert "dev/portal_html.html" in written
    assert len(written) == len(read_sources(FIXTURES))


def test_a_pdf_source_with_characters_the_font_lacks_is_refused(tmp_path):
    path = write_source(tmp_path, "P: 改扩建{{x:🔥}}学校。\n", format="pdf")
    with pytest.raises(DevsetError, match=r"no glyph for '🔥' \(U\+1F525\)"):
        render_source(parse_source(path))
    assert "no glyph" in check_sources(tmp_path)[str(path)][0]


def test_body_text_drops_every_mark_and_keeps_the_label_apart(tmp_path):
    path = write_source(tmp_path, "T: 某县教育工作要点\nH1#1: [一、]加强{{wm:水印}}党建。\n"
                                  "P: 开展{{x:😀}}培训{{page:- 2 -}}，提升{{chunk:[片段]}}质量。\n")
    lines = [line for line in parse_source(path).lines if line.tag in ("H1", "P")]
    assert [line.label for line in lines] == ["一、", ""]
    assert [body_text(line) for line in lines] == ["加强党建。", "开展培训，提升质量。"]
