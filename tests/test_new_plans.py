"""End to end: add a plan of each format with the add command's function, then load
the corpus and check the rows the loader makes from each.

The second half adds one plan, 清溪县's, in four shapes a researcher meets -- a
clean text file added with only the required flags, a PDF with a running
header and page numbers, a traditional-character copy and copies whose whole
body is one line (paragraphs run together, or joined by a space) -- and checks
each against the clean text file, which is the plan as a reader sees it: the
same units, numbering and themes.  A build with
figures after adding a plan with only the required flags must succeed.
"""

import re
import shutil

import pandas as pd
import pytest
from docx_fixtures import CONTINUOUS_ABSTRACT, numbered_docx
from html_fixtures import government_page
from pdf_fixtures import plan_pdf
from plan_fixtures import BODY, TITLE

from analysis import config
from analysis.corpus.load import load_corpus, read_manifest
from analysis.corpus.script import to_simplified
from analysis.ingest import add as ingest
from analysis.ingest.add import add_plan

DOCX_PLAN = [
    (TITLE, None),
    ("总体要求：坚持立德树人根本任务，推动教育优质均衡发展。", None),
    ("加强党的建设", 0),
    ("深化理论学习。全面落实意识形态工作责任制。", 1),
    ("抓好基层党建。推进学校党组织标准化建设。", 1),
    ("促进教育均衡", 0),
    ("扩大学前教育资源。新建公办幼儿园五所。", 1),
]
NO_NUMBERING = [
    "某区教育局2024年工作思路",
    "全面加强党对教育工作的领导，落实全面从严治党主体责任。",
    "大力发展学前教育，新增公办幼儿园学位。深化集团化办学。",
    "加强教师队伍建设，完善教师培训体系。",
]


@pytest.fixture(scope="module")
def grown_corpus(tmp_path_factory):
    work = tmp_path_factory.mktemp("grow")
    raw = work / "raw"
    shutil.copytree(config.RAW_DIR, raw)
    processed = work / "processed"
    processed.mkdir()
    incoming = work / "incoming"
    incoming.mkdir()
    files = {
        "gbtext": incoming / "gbtext.txt",
        "webpage": incoming / "webpage.html",
        "wordfile": incoming / "wordfile.docx",
        "plainlist": incoming / "plainlist.txt",
    }
    files["gbtext"].write_bytes("\n".join([TITLE, *BODY]).encode("gb18030"))
    files["webpage"].write_text(government_page(BODY, title=TITLE), encoding="utf-8")
    numbered_docx(files["wordfile"], DOCX_PLAN, abstract=CONTINUOUS_ABSTRACT, num_id=91)
    files["plainlist"].write_text("\n".join(NO_NUMBERING), encoding="utf-16")
    for region_id, path in files.items():
        add_plan(
            path,
            region_id=region_id,
            name_zh="某县",
            plan_year=2023,
            raw_dir=raw,
            manifest_path=raw / "manifest.csv",
            processed_dir=processed,
        )
    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    return manifest, load_corpus(manifest, raw_dir=raw, n_jobs=1)


def _plan(corpus, region_id):
    units = corpus.units[corpus.units.region_id == region_id]
    region = corpus.regions.set_index("region_id").loc[region_id]
    return units, region


def test_the_manifest_gained_one_row_per_added_plan(grown_corpus):
    manifest, _ = grown_corpus
    assert manifest["region_id"].tolist()[-4:] == ["gbtext", "webpage", "wordfile", "plainlist"]


@pytest.mark.parametrize("region_id", ["gbtext", "webpage"])
def test_text_and_html_plans_give_their_sections_items_and_sentences(grown_corpus, region_id):
    units, region = _plan(grown_corpus[1], region_id)
    assert region["title_zh"] == TITLE
    assert units.loc[units.unit_kind == "section_heading", "text"].tolist() == [
        "加强党的建设",
        "促进教育均衡",
    ]
    assert units.loc[units.unit_kind == "item_title", "item_no"].tolist() == [1, 2, 3, 4]
    assert units["text"].iloc[0].startswith("2023年全县教育工作的总体要求是")
    # No page chrome from the government page survives into the units.
    assert not units["text"].str.contains("网站标识码|ICP|打印|关闭窗口|索引号").any()


def test_gb18030_is_detected(grown_corpus):
    _, region = _plan(grown_corpus[1], "gbtext")
    assert region["encoding"] == "gb18030"


def test_docx_list_numbering_becomes_structure(grown_corpus):
    units, _ = _plan(grown_corpus[1], "wordfile")
    assert units.loc[units.unit_kind == "section_heading", "section_no"].tolist() == [1, 2]
    items = units[units.unit_kind == "item_title"]
    assert items["item_no"].tolist() == [1, 2, 3]
    assert items["item_title"].tolist() == ["深化理论学习", "抓好基层党建", "扩大学前教育资源"]
    assert units["clause_type"].iloc[0] == "总体要求"


def test_a_plan_without_numbering_loads_with_paragraphs_as_items_and_a_warning(grown_corpus):
    units, region = _plan(grown_corpus[1], "plainlist")
    assert not region["structure_recognised"]
    assert "no numbering recognised" in region["quality_notes"]
    assert units["item_no"].tolist() == [1, 2, 2, 3]
    assert units["item_no_inferred"].all()
    assert "".join(units["text"]) == "".join(NO_NUMBERING[1:])


def test_the_original_five_plans_are_unchanged(grown_corpus, corpus):
    _, grown = grown_corpus
    before = corpus.units
    after = grown.units[grown.units.region_id.isin(before.region_id.unique())]
    # Values, not dtypes: concatenating with new plans may widen an int column to float.
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True), before.reset_index(drop=True), check_dtype=False
    )


# ---------------------------------------------------------------------------
# One plan in four shapes, added with only the required flags
# ---------------------------------------------------------------------------

QX_TITLE = "清溪县教育局2024年工作要点"
QX_BODY = [
    "2024年全县教育工作的总体思路是：以立德树人为根本任务，以优质均衡为主线，加快建设人民满意的教育。",
    "一、坚持党建引领",
    "1.加强思想政治建设。健全党组织领导的校长负责制，推动思政课程与课程思政同向同行。",
    "2.深化师德师风建设。完善师德考核评价办法，对师德失范行为实行一票否决。",
    "二、推进学前教育普惠发展",
    "3.扩充普惠性学前教育资源。新建公办幼儿园三所，新增学位九百个，普惠性幼儿园覆盖率稳定在百分之九十以上。",
    "4.提升保教质量。开展幼小科学衔接实验区建设，坚决纠正小学化倾向。",
    "三、促进义务教育优质均衡",
    "5.落实双减政策。规范校外培训机构管理，课后服务实现义务教育学校全覆盖。",
    "6.推进集团化办学。组建城乡教育共同体八个，缩小城乡校际差距。",
]
QX_HEADER = "清溪县教育局文件"
# What a researcher compares between two copies of one plan.
STRUCTURE = ["part", "section_no", "item_no", "subitem_no", "unit_kind", "text"]


def _traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


@pytest.fixture(scope="module")
def qingxi(tmp_path_factory):
    """清溪县's plan as clean text, PDF, traditional text and a one-line body, added and loaded."""
    work = tmp_path_factory.mktemp("qingxi")
    raw = work / "raw"
    raw.mkdir()
    processed = work / "processed"
    processed.mkdir()
    incoming = work / "incoming"
    incoming.mkdir()
    files = {
        "qx_text": incoming / "qingxi.txt",
        "qx_pdf": incoming / "qingxi.pdf",
        "qx_trad": incoming / "qingxi_trad.txt",
        "qx_oneline": incoming / "qingxi_oneline.txt",
        "qx_onespaced": incoming / "qingxi_onespaced.txt",
    }
    files["qx_text"].write_text("\n".join([QX_TITLE, *QX_BODY]), encoding="utf-8")
    plan_pdf(files["qx_pdf"], QX_BODY, title=QX_TITLE, header=QX_HEADER, chars_per_line=26,
             lines_per_page=8)
    files["qx_trad"].write_text(_traditional("\n".join([QX_TITLE, *QX_BODY])), encoding="utf-8")
    # A page flattened into one line, with and without a space between paragraphs.
    files["qx_oneline"].write_text(QX_TITLE + "\n" + "".join(QX_BODY), encoding="utf-8")
    files["qx_onespaced"].write_text(QX_TITLE + "\n" + " ".join(QX_BODY), encoding="utf-8")
    for region_id, path in files.items():
        # Only the required flags, as a researcher types them.
        code = ingest.main([str(path), "--region-id", region_id, "--name-zh", "清溪县",
                            "--raw-dir", str(raw), "--manifest", str(raw / "manifest.csv"),
                            "--processed-dir", str(processed)])
        assert code == 0, f"adding {path.name} was refused"
    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    return manifest, load_corpus(manifest, raw_dir=raw, n_jobs=1), raw


def _units(corpus, region_id):
    return corpus.units[corpus.units.region_id == region_id].reset_index(drop=True)


def test_only_the_required_flags_give_a_complete_manifest_row(qingxi):
    manifest = qingxi[0]
    row = manifest.set_index("region_id").loc["qx_text"]
    assert (row["name_en"], row["inferred_fields"], row["plan_year"]) == (
        "Qingxi County", "name_en", "")


def test_the_clean_text_plan_has_its_numbering(qingxi):
    units = _units(qingxi[1], "qx_text")
    assert units.loc[units.unit_kind == "section_heading", "section_no"].tolist() == [1, 2, 3]
    assert units.loc[units.unit_kind == "item_title", "item_no"].tolist() == [1, 2, 3, 4, 5, 6]
    assert qingxi[1].regions.set_index("region_id").loc["qx_text", "title_zh"] == QX_TITLE


def test_no_running_header_or_page_number_reaches_a_pdf_unit(qingxi):
    units = _units(qingxi[1], "qx_pdf")
    assert len(units) > 0
    assert not units["text"].str.contains(QX_HEADER).any()
    assert not units["text"].str.contains(r"—\s*\d+\s*—").any()


def test_the_pdf_plan_keeps_every_character_of_the_plan(qingxi):
    units = _units(qingxi[1], "qx_pdf")
    region = qingxi[1].regions.set_index("region_id").loc["qx_pdf"]
    assert region["title_zh"] == QX_TITLE
    body = re.sub(r"\s", "", "".join(_units(qingxi[1], "qx_text")["text"]))
    assert re.sub(r"\s", "", "".join(units["text"])) == body


def test_the_pdf_plan_gives_the_units_of_the_text_plan(qingxi):
    # Wrapped lines rejoined (the layout stage), so every sentence is one unit.
    pdf = _units(qingxi[1], "qx_pdf")[STRUCTURE]
    text = _units(qingxi[1], "qx_text")[STRUCTURE]
    pd.testing.assert_frame_equal(pdf, text, check_dtype=False)


def test_the_pdf_page_furniture_is_in_the_ledger(qingxi):
    removed = qingxi[1].removed
    mine = removed[removed.region_id == "qx_pdf"]
    assert (mine["text"] == QX_HEADER).sum() >= 2
    assert mine["text"].str.fullmatch(r"—\s*\d+\s*—").sum() >= 2


def test_every_character_on_the_pdf_pages_is_kept_or_in_the_ledger(qingxi):
    # The ledger invariant of tests/test_corpus_load.py, for a PDF: what the
    # pages print (page furniture included) = units + removed + repair delta.
    from collections import Counter

    from pypdf import PdfReader

    from analysis.corpus.normalise import normalise_text

    def nonspace(text):
        return Counter(ch for ch in normalise_text(text).text if not ch.isspace())

    _, corpus, raw_dir = qingxi
    printed = Counter()
    for page in PdfReader(raw_dir / "qingxi.pdf").pages:
        for line in page.extract_text().split("\n"):
            printed += nonspace(line)
    kept = nonspace("".join(_units(corpus, "qx_pdf")["text"]))
    removed = Counter()
    for text in corpus.removed.loc[corpus.removed.region_id == "qx_pdf", "text"]:
        removed += nonspace(text)
    assert not len(corpus.repairs[corpus.repairs.region_id == "qx_pdf"])
    assert kept + removed == printed


def test_the_traditional_plan_gives_the_units_of_its_simplified_twin(qingxi):
    trad = _units(qingxi[1], "qx_trad")
    assert len(trad) > 0
    # The printed text stays traditional; simplified, it is the twin's.
    assert trad["text"].str.contains("質量|義務|幼兒園").any()
    twin = _units(qingxi[1], "qx_text")[STRUCTURE]
    as_simplified = trad[STRUCTURE].assign(text=trad["text"].map(to_simplified))
    pd.testing.assert_frame_equal(as_simplified, twin, check_dtype=False)
    region = qingxi[1].regions.set_index("region_id").loc["qx_trad"]
    assert to_simplified(region["title_zh"]) == QX_TITLE


def test_the_traditional_plan_is_coded_like_its_simplified_twin(qingxi):
    from analysis.coding.themes import code_units

    coded = code_units(qingxi[1].units)
    trad = coded[coded.region_id == "qx_trad"]["theme"].tolist()
    twin = coded[coded.region_id == "qx_text"]["theme"].tolist()
    assert trad == twin


@pytest.mark.parametrize("region_id", ["qx_oneline", "qx_onespaced"])
def test_a_one_line_body_is_split_at_its_numbering(qingxi, region_id):
    oneline = _units(qingxi[1], region_id)[STRUCTURE]
    text = _units(qingxi[1], "qx_text")[STRUCTURE]
    assert oneline.loc[oneline.unit_kind == "item_title", "text"].tolist() == text.loc[
        text.unit_kind == "item_title", "text"].tolist()
    pd.testing.assert_frame_equal(oneline, text, check_dtype=False)


@pytest.fixture(scope="module")
def built_with_a_bare_plan(tmp_path_factory):
    """The five plans plus one added with only --region-id and --name-zh, built with figures."""
    from analysis.build import build
    from analysis.figures import labels, make

    work = tmp_path_factory.mktemp("bare")
    raw = work / "raw"
    shutil.copytree(config.RAW_DIR, raw)
    processed = work / "processed"
    figures = work / "figures"
    source = work / "qingxi.txt"
    source.write_text("\n".join([QX_TITLE, *QX_BODY]), encoding="utf-8")
    code = ingest.main([str(source), "--region-id", "qingxi", "--name-zh", "清溪县",
                        "--raw-dir", str(raw), "--manifest", str(raw / "manifest.csv"),
                        "--processed-dir", str(processed)])
    assert code == 0
    with pytest.MonkeyPatch.context() as patch:
        # The figures read region names from this project's manifest, as bin/build does.
        patch.setattr(labels, "MANIFEST_PATH", raw / "manifest.csv")
        patch.setattr(make, "default_jobs", lambda: 1)  # one process: the machine is shared
        build(raw_dir=raw, out_dir=processed, figures_dir=figures, n_jobs=1, verbose=False)
    return processed, figures


def test_a_plan_added_with_only_the_required_flags_builds_with_figures(built_with_a_bare_plan):
    processed, figures = built_with_a_bare_plan
    regions = pd.read_parquet(processed / "regions.parquet").set_index("region_id")
    assert regions.loc["qingxi", "name_en"] == "Qingxi County"
    assert "name_en" in regions.loc["qingxi", "inferred_fields"].split(";")
    drawn = pd.read_csv(figures / "manifest.csv", encoding="utf-8-sig")
    assert len(drawn) > 0
    for lang in ("zh", "en"):
        assert any(figures.glob(f"*_{lang}.png")), f"no {lang} figure was drawn"
