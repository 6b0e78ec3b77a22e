"""End to end: add a plan of each format with the add command's function, then load
the corpus and check the rows the loader makes from each."""

import shutil

import pandas as pd
import pytest
from docx_fixtures import CONTINUOUS_ABSTRACT, numbered_docx
from html_fixtures import government_page
from plan_fixtures import BODY, TITLE

from analysis import config
from analysis.corpus.load import load_corpus, read_manifest
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
