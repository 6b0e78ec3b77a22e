"""Tests for analysis.ingest.add.add_plan: one plan per format, and refusals that change nothing.

Every fixture is created in tmp_path: a project with data/raw/ holding one
plan and its manifest, and data/processed/ holding a built table, so each
test can check that a failed add leaves all three byte-for-byte as they were.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
from pathlib import Path

import pytest
from docx_fixtures import CONTINUOUS_ABSTRACT, numbered_docx, rewrite_docx
from plan_fixtures import PLAN_LINES

from analysis import config, schema
from analysis.ingest import add as ingest
from analysis.ingest.add import add_plan, read_manifest
from analysis.ingest.formats import IngestError, extract_document

EXISTING_ROW = {
    "region_id": "tonglu",
    "file": "000_tonglu.txt",
    "name_zh": "桐庐县",
    "name_en": "Tonglu County",
    "province_zh": "浙江省",
    "province_en": "Zhejiang",
    "prefecture_zh": "杭州市",
    "admin_level": "county",
    "plan_year": "2021",
    "doc_type_zh": "工作要点",
    "doc_type_en": "work points",
    "published": "2021-09-14",
    "source_note": 'county bureau site, "工作要点"',
    "inferred_fields": "province_zh;province_en",
}

PLAN = PLAN_LINES[:7]
UNNUMBERED = [
    "某区教育局2024年教育工作思路",
    "今年全区教育系统将围绕高质量发展主线，统筹推进各级各类教育协调发展。",
    "我们将持续扩大优质学前教育资源，推动公办幼儿园提质扩容，让更多孩子就近入园。",
    "同时深化课堂教学改革，完善作业管理和课后服务，切实减轻学生过重学业负担。",
    "此外还要加强教师队伍建设，健全师德师风长效机制，提升教师专业发展水平。",
]


@pytest.fixture()
def project(tmp_path):
    """A small project: data/raw/ with one plan + manifest, data/processed/ with a table."""
    raw = tmp_path / "data" / "raw"
    processed = tmp_path / "data" / "processed"
    raw.mkdir(parents=True)
    processed.mkdir()
    (raw / EXISTING_ROW["file"]).write_text(
        "桐庐县教育局2021年工作要点\n一、聚力党建引领\n", encoding="utf-8"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(schema.MANIFEST)
    writer.writerow([EXISTING_ROW[c] for c in schema.MANIFEST])
    (raw / "manifest.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (processed / "units.csv").write_text("region_id,text\ntonglu,x\n", encoding="utf-8")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    return {
        "raw_dir": raw,
        "manifest_path": raw / "manifest.csv",
        "processed_dir": processed,
        "downloads": downloads,
        "root": tmp_path,
    }


def dirs(project) -> dict:
    return {k: project[k] for k in ("raw_dir", "manifest_path", "processed_dir")}


def state(project) -> dict[str, bytes]:
    """Every file under data/ with its bytes: what a failed add must not change."""
    data_dir = project["raw_dir"].parent
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file()
    }


def manifest_rows(project) -> list[dict[str, str]]:
    return read_manifest(project["manifest_path"])[1]


def government_page(body: list[str], *, title: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in body)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta name="ArticleTitle" content="{title}">'
        '<meta name="PubDate" content="2023-02-28 09:30">'
        '<meta name="ContentSource" content="某县教育局">'
        '<meta name="SiteName" content="某县人民政府">'
        f"<title>{title}_某县人民政府</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a>'
        ' <a href="/hd">互动交流</a></div>'
        '<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 计划总结</div>'
        '<table class="xxgk"><tr><td>索引号</td><td>11330122002/2023-00017</td>'
        "<td>发布机构</td><td>某县教育局</td></tr></table>"
        f'<div class="article"><h1>{title}</h1>'
        '<div class="info">发布时间：2023-02-28 来源：某县教育局</div>'
        f'<div id="zoom">{paragraphs}</div>'
        '<div class="tools"><a href="javascript:window.print()">【打印本页】</a>'
        '<a href="javascript:window.close()">【关闭窗口】</a></div></div>'
        '<div class="footer">主办单位：某县人民政府办公室'
        " 网站标识码：3301220001 浙ICP备05012345号</div>"
        "</body></html>"
    )


def strip_label(line: str) -> tuple[str, int | None]:
    if line[1] == "、":
        return line[2:], 0
    if line[1] == ".":
        return line[2:], 1
    return line, None


# ---------------------------------------------------------------------------
# One plan per format
# ---------------------------------------------------------------------------


def test_add_gb18030_text_plan(project):
    source = project["downloads"] / "mouxian_2023.txt"
    source.write_bytes("\r\n".join(PLAN).encode("gb18030"))
    before = project["manifest_path"].read_bytes()
    report = add_plan(
        source,
        region_id="mouxian",
        name_zh="某县",
        plan_year=2023,
        name_en="Mou County",
        admin_level="county",
        doc_type_zh="工作要点",
        **dirs(project),
    )
    assert report.format == "txt"
    assert report.encoding == "gb18030"
    assert report.n_paragraphs == len(PLAN)
    assert report.n_chars == sum(len(line) for line in PLAN)
    assert report.copied and not report.dry_run
    # The raw copy is the original bytes, read-only.
    stored = project["raw_dir"] / "mouxian_2023.txt"
    assert stored.read_bytes() == source.read_bytes()
    assert report.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    # The manifest gained exactly one row; every existing byte is unchanged.
    after = project["manifest_path"].read_bytes()
    assert after.startswith(before)
    rows = manifest_rows(project)
    assert rows[0] == EXISTING_ROW
    assert rows[1] == {
        "region_id": "mouxian",
        "file": "mouxian_2023.txt",
        "name_zh": "某县",
        "name_en": "Mou County",
        "province_zh": "",
        "province_en": "",
        "prefecture_zh": "",
        "admin_level": "county",
        "plan_year": "2023",
        "doc_type_zh": "工作要点",
        "doc_type_en": "",
        "published": "",
        "source_note": "",
        "inferred_fields": "",
    }
    assert report.manifest_row == rows[1]
    # The loader reads the stored file to the same text.
    assert extract_document(stored).paragraphs == PLAN


def test_add_plan_with_unknown_year_and_inferred_fields(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    add_plan(
        source,
        region_id="unknown_year",
        name_zh="某县",
        plan_year=None,
        province_zh="四川省",
        inferred_fields=["province_zh", "plan_year"],
        **dirs(project),
    )
    row = manifest_rows(project)[-1]
    # The researcher's own inferences first, then the column add_plan filled by rule.
    assert (row["plan_year"], row["inferred_fields"]) == ("", "province_zh;plan_year;name_en")
    assert row["name_en"] == "Unnamed County"
    # The loader's own manifest reader accepts the row.
    from analysis.corpus.load import read_manifest as loader_read_manifest

    table = loader_read_manifest(project["manifest_path"], raw_dir=project["raw_dir"])
    assert table["region_id"].tolist() == ["tonglu", "unknown_year"]


def test_add_utf16_text_plan(project):
    source = project["downloads"] / "utf16.txt"
    source.write_bytes("\n".join(PLAN).encode("utf-16"))
    report = add_plan(
        source, region_id="utf_sixteen", name_zh="某县", plan_year=2023, **dirs(project)
    )
    assert report.encoding in ("utf-16-le", "utf-16-be")
    assert report.n_paragraphs == len(PLAN)


def test_add_html_page_keeps_original_and_takes_date_from_the_page(project):
    source = project["downloads"] / "page.html"
    source.write_text(government_page(PLAN[1:], title=PLAN[0]), encoding="utf-8")
    report = add_plan(
        source, region_id="mouxian_html", name_zh="某县", plan_year=2023, **dirs(project)
    )
    assert report.format == "html"
    paragraphs = extract_document(project["raw_dir"] / "page.html").paragraphs
    assert report.n_paragraphs == len(paragraphs)
    # Page furniture is gone; the plan's lines are there, in order, as one block.
    start = paragraphs.index(PLAN[1])
    assert paragraphs[start : start + len(PLAN) - 1] == PLAN[1:]
    for word in ("首页", "当前位置", "索引号", "网站标识码", "ICP备", "主办单位"):
        assert word not in "\n".join(paragraphs), word
    # Interface lines left inside the article (time/source line, print/close links)
    # are the chrome stage's to remove, with a ledger entry each.
    from analysis.corpus.chrome import strip_chrome

    assert [line for _, line in strip_chrome("\n".join(paragraphs)).lines] == PLAN[1:]
    assert report.metadata["title_zh"] == PLAN[0]
    assert report.metadata["publisher"] == "某县教育局"
    assert report.metadata["page_date"] == "2023-02-28"
    assert report.metadata["index_no"] == "11330122002/2023-00017"
    assert report.metadata["source_site"] == "某县人民政府"
    # Raw data is immutable: the page itself is stored, extracted again at build time.
    assert (project["raw_dir"] / "page.html").read_bytes() == source.read_bytes()
    row = manifest_rows(project)[-1]
    assert row["file"] == "page.html"
    assert row["published"] == "2023-02-28"
    assert any("took the page's page_date 2023-02-28" in w for w in report.warnings)


def test_add_docx_with_list_numbering(project):
    # Items numbered straight through the sections, as most plans do (never restarting).
    source = numbered_docx(
        project["downloads"] / "plan.docx",
        [strip_label(line) for line in PLAN],
        abstract=CONTINUOUS_ABSTRACT,
        num_id=91,
    )
    report = add_plan(
        source,
        region_id="mouxian_docx",
        name_zh="某县",
        plan_year=2023,
        published="2023-03-01",
        **dirs(project),
    )
    assert report.format == "docx"
    assert report.encoding is None
    assert report.n_paragraphs == len(PLAN)
    stored = project["raw_dir"] / "plan.docx"
    assert stored.read_bytes() == source.read_bytes()
    # The labels Word draws from numbering.xml are in the text the loader will see.
    assert extract_document(stored).paragraphs == PLAN
    row = manifest_rows(project)[-1]
    assert (row["region_id"], row["file"], row["published"]) == (
        "mouxian_docx",
        "plan.docx",
        "2023-03-01",
    )


def test_add_plan_with_no_numbering_loads_every_paragraph(project):
    source = project["downloads"] / "plain.txt"
    source.write_text("\n\n".join(UNNUMBERED) + "\n", encoding="utf-8")
    report = add_plan(source, region_id="plain", name_zh="某区", plan_year=2024, **dirs(project))
    assert report.n_paragraphs == len(UNNUMBERED)
    assert extract_document(project["raw_dir"] / "plain.txt").paragraphs == UNNUMBERED
    assert [row["region_id"] for row in manifest_rows(project)] == ["tonglu", "plain"]


def test_summarise_hook_output_is_in_the_report(project):
    source = project["downloads"] / "plain.txt"
    source.write_text("\n".join(UNNUMBERED), encoding="utf-8")
    seen = []

    def summarise(extracted):
        seen.append(extracted.format)
        return {"n_items": len(extracted.paragraphs) - 1, "structure_recognised": False}

    report = add_plan(
        source,
        region_id="plain",
        name_zh="某区",
        plan_year=2024,
        summarise=summarise,
        **dirs(project),
    )
    assert seen == ["txt"]
    assert report.summary == {"n_items": 4, "structure_recognised": False}
    assert "n_items       4" in report.render()


def test_file_already_in_raw_dir_is_registered_without_copying(project):
    in_place = project["raw_dir"] / "placed.txt"
    in_place.write_text("\n".join(PLAN), encoding="utf-8")
    report = add_plan(in_place, region_id="placed", name_zh="某县", plan_year=2023, **dirs(project))
    assert not report.copied
    assert manifest_rows(project)[-1]["file"] == "placed.txt"


def test_file_name_option_stores_under_another_name(project):
    source = project["downloads"] / "下载 (1).txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    report = add_plan(
        source,
        region_id="renamed",
        name_zh="某县",
        plan_year=2023,
        file_name="005_mouxian.txt",
        **dirs(project),
    )
    assert report.file == "005_mouxian.txt"
    assert (project["raw_dir"] / "005_mouxian.txt").read_bytes() == source.read_bytes()


def test_new_manifest_is_created_with_the_schema_header(project):
    project["manifest_path"].unlink()
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    add_plan(source, region_id="first", name_zh="某县", plan_year=2023, **dirs(project))
    with project["manifest_path"].open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == schema.MANIFEST
    assert [r[0] for r in lines[1:]] == ["first"]


def test_dry_run_writes_nothing(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    before = state(project)
    report = add_plan(
        source, region_id="dry", name_zh="某县", plan_year=2023, dry_run=True, **dirs(project)
    )
    assert report.dry_run and not report.copied
    assert report.n_paragraphs == len(PLAN)
    assert state(project) == before
    assert report.render().startswith("would add dry: p.txt (txt, utf-8)")


# ---------------------------------------------------------------------------
# Refusals leave data/raw, the manifest and data/processed unchanged
# ---------------------------------------------------------------------------


def refused(project, source: Path, message: str, **kwargs) -> None:
    before = state(project)
    arguments = {"region_id": "newplace", "name_zh": "某县", "plan_year": 2023, **kwargs}
    with pytest.raises(IngestError, match=message):
        add_plan(source, **arguments, **dirs(project))
    assert state(project) == before


def test_zip_bomb_docx_is_refused(project):
    good = numbered_docx(project["downloads"] / "good.docx", [("正文。", None)])
    bomb = rewrite_docx(
        good, project["downloads"] / "bomb.docx", add={"word/media/image1.png": bytes(32 << 20)}
    )
    refused(
        project,
        bomb,
        r"bomb\.docx: the \.docx member 'word/media/image1\.png' is compressed "
        r"[\d,]+:1 .*refused as a zip bomb",
    )


def test_xml_entity_bomb_docx_is_refused(project):
    good = numbered_docx(project["downloads"] / "good.docx", [("正文。", None)])
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"
    )
    bomb = rewrite_docx(
        good, project["downloads"] / "lol.docx", replace={"word/document.xml": laughs}
    )
    refused(
        project,
        bomb,
        r"lol\.docx: the \.docx part word/document\.xml declares a DTD .*"
        r"XML entity bomb.*refused",
    )


def test_two_gigabyte_file_is_refused(project):
    huge = project["downloads"] / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse
    refused(
        project,
        huge,
        r"huge\.txt: the file is 2\.0 GB, more than the limit of 50\.0 MB "
        r"for a plan \(config\.MAX_RAW_BYTES\)",
    )


@pytest.mark.parametrize(
    ("file_name", "message"),
    [
        ("../escape.txt", "path separator"),
        ("sub/dir.txt", "path separator"),
        ("..", "contains '..'"),
        ("a..txt", "contains '..'"),
        ("/tmp/abs.txt", "path separator"),
        ("nul\x00.txt", "NUL byte"),
    ],
)
def test_file_names_with_path_parts_are_refused(project, file_name, message):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, message, file_name=file_name)
    assert not (project["root"] / "data" / "escape.txt").exists()


def test_changing_the_file_type_is_refused(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, r"p\.html: must keep the original's file type", file_name="p.html")


@pytest.mark.parametrize("region_id", ["Tonglu", "1county", "tong-lu", "", "tonglu ", "县"])
def test_bad_region_ids_are_refused(project, region_id):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, r"must match \^\[a-z\]\[a-z0-9_\]\*\$", region_id=region_id)


def test_region_id_already_in_manifest_is_refused(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, r"region id 'tonglu' is already in manifest\.csv", region_id="tonglu")


def test_existing_raw_file_is_never_overwritten(project):
    source = project["downloads"] / EXISTING_ROW["file"]
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, r"000_tonglu\.txt: is already listed in manifest\.csv")
    stray = project["raw_dir"] / "stray.txt"
    stray.write_text("不在清单里的文件", encoding="utf-8")
    other = project["downloads"] / "stray.txt"
    other.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, other, r"stray\.txt: a different file of that name already exists")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"plan_year": 20233}, "outside 1949–2100"),
        ({"plan_year": "2023"}, "must be an integer"),
        ({"admin_level": "village"}, "admin_level 'village' must be one of county, district"),
        ({"name_zh": " "}, "name_zh must be given"),
        ({"name_en": "a\nb"}, "control character"),
        (
            {"inferred_fields": ["province"]},
            r"inferred_fields \['province'\] are not manifest columns",
        ),
    ],
)
def test_bad_arguments_are_refused(project, kwargs, message):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, message, **kwargs)


def test_manifest_with_other_columns_is_refused(project):
    project["manifest_path"].write_text("region_id,file\ntonglu,000_tonglu.txt\n", encoding="utf-8")
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    refused(project, source, r"manifest\.csv: the manifest's columns .* are not schema\.MANIFEST")


def test_failure_while_writing_the_manifest_undoes_the_raw_copy(project, monkeypatch):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    before = state(project)

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        add_plan(source, region_id="newplace", name_zh="某县", plan_year=2023, **dirs(project))
    assert state(project) == before
    assert sorted(p.name for p in project["raw_dir"].iterdir()) == [
        "000_tonglu.txt",
        "manifest.csv",
    ]


def test_failing_summarise_hook_changes_nothing(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    before = state(project)

    def broken(extracted):
        (project["processed_dir"] / "partial.parquet").write_bytes(b"half")
        raise RuntimeError("structure stage crashed")

    with pytest.raises(RuntimeError, match="structure stage crashed"):
        add_plan(
            source,
            region_id="newplace",
            name_zh="某县",
            plan_year=2023,
            summarise=broken,
            **dirs(project),
        )
    assert state(project) == before


def test_hook_that_writes_processed_data_is_refused(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")

    def writes(extracted):
        (project["processed_dir"] / "units.csv").write_text("changed", encoding="utf-8")
        return {}

    with pytest.raises(IngestError, match=r"changed while adding p\.txt \(units\.csv\)"):
        add_plan(
            source,
            region_id="newplace",
            name_zh="某县",
            plan_year=2023,
            summarise=writes,
            **dirs(project),
        )
    assert [row["region_id"] for row in manifest_rows(project)] == ["tonglu"]
    assert not (project["raw_dir"] / "p.txt").exists()


def test_no_temporary_files_are_left_behind(project):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    add_plan(source, region_id="newplace", name_zh="某县", plan_year=2023, **dirs(project))
    assert sorted(p.name for p in project["raw_dir"].iterdir()) == [
        "000_tonglu.txt",
        "manifest.csv",
        "p.txt",
    ]


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def cli_args(project, *extra: str) -> list[str]:
    return [
        *extra,
        "--raw-dir",
        str(project["raw_dir"]),
        "--manifest",
        str(project["manifest_path"]),
        "--processed-dir",
        str(project["processed_dir"]),
    ]


def test_cli_adds_and_prints_what_the_loader_found(project, capsys):
    source = project["downloads"] / "page.html"
    source.write_text(government_page(PLAN[1:], title=PLAN[0]), encoding="utf-8")
    code = ingest.main(
        cli_args(
            project,
            str(source),
            "--region-id",
            "cli_page",
            "--name-zh",
            "某县",
            "--year",
            "2023",
            "--admin-level",
            "county",
        )
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("added cli_page: page.html (html, utf-8)")
    n_paragraphs = len(extract_document(source).paragraphs)
    assert f"paragraphs    {n_paragraphs} (" in out
    assert "publisher     某县教育局" in out
    assert "next: python -m analysis build" in out
    assert manifest_rows(project)[-1]["admin_level"] == "county"


def test_cli_refusal_is_reported_with_exit_code_2(project, capsys):
    source = project["downloads"] / "p.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    before = state(project)
    code = ingest.main(
        cli_args(
            project, str(source), "--region-id", "tonglu", "--name-zh", "某县", "--year", "2023"
        )
    )
    assert code == 2
    assert "refused: region id 'tonglu' is already in manifest.csv" in capsys.readouterr().err
    assert state(project) == before


def test_default_directories_come_from_config():
    import inspect

    parameters = inspect.signature(add_plan).parameters
    assert parameters["raw_dir"].default == config.RAW_DIR
    assert parameters["manifest_path"].default == config.MANIFEST_PATH
    assert parameters["processed_dir"].default == config.PROCESSED_DIR
    assert os.path.basename(config.MANIFEST_PATH) == "manifest.csv"


# ---------------------------------------------------------------------------
# Optional fields left out, and PDF plans
# ---------------------------------------------------------------------------


def test_without_an_english_name_one_is_romanised_flagged_and_reported(project):
    source = project["downloads"] / "qingxi.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    report = add_plan(source, region_id="qingxi", name_zh="清溪县", plan_year=2024,
                      **dirs(project))
    row = manifest_rows(project)[-1]
    assert (row["name_en"], row["inferred_fields"]) == ("Qingxi County", "name_en")
    assert report.inferred == {"name_en": "Qingxi County"}
    assert "inferred      name_en = 'Qingxi County' (romanised from name_zh" in report.render()


def test_a_given_english_name_is_kept_and_not_flagged(project):
    source = project["downloads"] / "yunling.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    report = add_plan(source, region_id="yunling", name_zh="云岭区", name_en="Yunling",
                      plan_year=2024, inferred_fields=["province_zh"], **dirs(project))
    row = manifest_rows(project)[-1]
    assert (row["name_en"], row["inferred_fields"]) == ("Yunling", "province_zh")
    assert report.inferred == {}
    assert "inferred " not in report.render()


def test_cli_with_only_the_required_flags_prints_what_it_inferred(project, capsys):
    source = project["downloads"] / "plan.txt"
    source.write_text("\n".join(PLAN), encoding="utf-8")
    code = ingest.main(cli_args(project, str(source), "--region-id", "yunling",
                                "--name-zh", "云岭区"))
    out = capsys.readouterr().out
    assert code == 0
    assert "inferred      name_en = 'Yunling District'" in out
    row = manifest_rows(project)[-1]
    assert (row["plan_year"], row["name_en"], row["inferred_fields"]) == (
        "", "Yunling District", "name_en")


def test_add_pdf_plan_reports_the_page_furniture_it_left_out(project):
    from pdf_fixtures import plan_pdf

    source = plan_pdf(project["downloads"] / "plan.pdf", PLAN[1:], title=PLAN[0],
                      header="某县教育局文件", chars_per_line=24, lines_per_page=6)
    report = add_plan(source, region_id="pdfplan", name_zh="某县", plan_year=2023,
                      **dirs(project))
    assert report.format == "pdf" and report.encoding is None
    assert (project["raw_dir"] / "plan.pdf").read_bytes() == source.read_bytes()
    assert any("page-furniture lines" in w and "running_header" in w
               for w in report.warnings)
    assert report.manifest_row["file"] == "plan.pdf"


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("scan.pdf", "scan", r"no text layer \(a scan\?\): run OCR first, e\.g\. ocrmypdf"),
        ("locked.pdf", "locked", r"is password-protected"),
        ("plan.doc", "doc", r"save it as \.docx or \.pdf"),
    ],
)
def test_refused_pdf_and_doc_files_change_nothing(project, name, make, message):
    from pdf_fixtures import image_only_pdf, plan_pdf

    source = project["downloads"] / name
    if make == "scan":
        image_only_pdf(source)
    elif make == "locked":
        plan_pdf(source, PLAN[1:], title=PLAN[0], user_password="secret")
    else:
        source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    before = state(project)
    with pytest.raises(IngestError, match=message):
        add_plan(source, region_id="refused", name_zh="某县", plan_year=2023, **dirs(project))
    assert state(project) == before
