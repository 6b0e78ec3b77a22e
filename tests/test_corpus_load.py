"""The loader on the five plans: counts the documents state, the ledger, errors."""

import shutil
from collections import Counter
from pathlib import Path

import pytest

from analysis import config, schema
from analysis.corpus.load import ManifestError, load_corpus, read_manifest
from analysis.corpus.normalise import normalise_text
from analysis.corpus.read import read_text_file


def _items(units, region_id, part="plan"):
    g = units[(units.region_id == region_id) & (units.part == part)]
    return g[g.unit_kind == "item_title"]


def test_tables_have_their_schema_columns(corpus):
    assert list(corpus.units.columns) == schema.UNITS
    assert list(corpus.regions.columns) == schema.REGIONS
    assert list(corpus.removed.columns) == schema.REMOVED
    assert list(corpus.repairs.columns) == schema.REPAIRS


def test_numbers_and_years_are_nullable_integers(corpus):
    units, regions = corpus.units, corpus.regions
    for column in schema.NULLABLE_INT_COLUMNS["units"]:
        assert units[column].dtype == "Int64", column
    for column in schema.NULLABLE_INT_COLUMNS["regions"]:
        assert regions[column].dtype == "Int64", column
    # The manifest gives plan_year as text; "" (sichuan_county) is missing, not 0.
    manifest = read_manifest()
    stated = manifest.set_index("region_id")["plan_year"]
    assert regions.loc[regions["plan_year"] == 2021, "region_id"].tolist() == sorted(
        stated[stated == "2021"].index, key=list(manifest["region_id"]).index
    )
    assert regions.set_index("region_id")["plan_year"].isna().to_dict() == (
        stated == "").to_dict()


def test_labels_are_the_printed_markers_of_the_numbers(corpus):
    units = corpus.units
    tonglu = _items(units, "tonglu")
    assert tonglu["item_label"].tolist() == [f"{n}." for n in range(1, 10)]
    sichuan = units[units.region_id == "sichuan_county"]
    # sichuan_county prints its items with half-width brackets: (一) … (五).
    first = sichuan[sichuan.unit_kind == "item_title"].drop_duplicates("item_no").head(2)
    assert first["item_label"].tolist() == ["(一)", "(二)"]
    # A label is there exactly when the number was printed.
    for level in ("section", "item", "subitem"):
        printed = units[f"{level}_no"].notna()
        if level == "item":
            printed &= ~units["item_no_inferred"]
        assert units[f"{level}_label"].notna().eq(printed).all(), level


def test_tonglu_has_3_sections_and_9_items(corpus):
    u = corpus.units[corpus.units.region_id == "tonglu"]
    assert (u.unit_kind == "section_heading").sum() == 3
    assert _items(corpus.units, "tonglu")["item_no"].tolist() == list(range(1, 10))


def test_xinwu_has_a_review_of_7_items_and_a_plan_of_5(corpus):
    assert _items(corpus.units, "xinwu", "review")["item_no"].tolist() == list(range(1, 8))
    assert _items(corpus.units, "xinwu", "plan")["item_no"].tolist() == list(range(1, 6))
    u = corpus.units[corpus.units.region_id == "xinwu"]
    assert u["part"].iloc[0] == "review" and u["part"].iloc[-1] == "plan"


def test_huangshi_has_6_sections_and_items_1_to_28_with_three_inferred(corpus):
    u = corpus.units[corpus.units.region_id == "huangshi"]
    assert (u.unit_kind == "section_heading").sum() == 6
    items = _items(corpus.units, "huangshi")
    assert items["item_no"].tolist() == list(range(1, 29))
    assert sorted(items.loc[items.item_no_inferred, "item_no"]) == [12, 13, 15]
    assert set(u["clause_type"].dropna()) == {"目标任务", "工作措施"}


def test_licheng_has_6_sections_and_items_1_to_28(corpus):
    u = corpus.units[corpus.units.region_id == "licheng"]
    assert (u.unit_kind == "section_heading").sum() == 6
    assert _items(corpus.units, "licheng")["item_no"].tolist() == list(range(1, 29))
    assert u["clause_type"].iloc[0] == "总体要求"


def test_sichuan_county_has_two_top_level_parts_with_nested_items(corpus):
    u = corpus.units[corpus.units.region_id == "sichuan_county"]
    sections = u[u.unit_kind == "section_heading"]
    assert sections["section_no"].tolist() == [1, 2]
    assert _items(corpus.units, "sichuan_county").groupby("section_no")["item_no"].apply(
        list
    ).to_dict() == {1: [1, 2, 3], 2: [1, 2, 3, 4, 5]}
    sub = u[u.unit_kind == "subitem_title"]
    assert sub.groupby("item_no")["subitem_no"].apply(list).to_dict() == {
        1: [1, 2, 3, 4],
        2: [1, 2, 3],
        3: [1, 2],
        5: [1, 2, 3],
    }
    notes = corpus.regions.set_index("region_id").loc["sichuan_county", "quality_notes"]
    assert "ends mid-sentence" in notes


def test_unit_ids_are_unique_and_in_document_order(corpus):
    assert corpus.units["unit_id"].is_unique
    for region_id, g in corpus.units.groupby("region_id"):
        assert g["line_no"].is_monotonic_increasing, region_id
        assert g["unit_id"].tolist() == sorted(g["unit_id"])


def _nonspace(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())


@pytest.mark.parametrize("repair", [True, False])
def test_ledger_every_character_read_is_kept_removed_or_repaired(manifest, repair):
    """Per plan: characters read = kept + removed + repair delta (whitespace aside).

    The check is on the multiset of characters, after applying the same
    one-for-one punctuation normalisation to what was read and removed.
    """
    corpus = load_corpus(manifest, raw_dir=config.RAW_DIR, repair=repair)
    for row in manifest.itertuples():
        read = read_text_file(config.RAW_DIR / row.file)
        expected = Counter()
        for line in read.text.split("\n"):
            expected += _nonspace(normalise_text(line).text)
        kept = _nonspace("".join(corpus.units.loc[corpus.units.region_id == row.region_id, "text"]))
        removed = Counter()
        for text in corpus.removed.loc[corpus.removed.region_id == row.region_id, "text"]:
            removed += _nonspace(normalise_text(text).text)
        repairs = corpus.repairs[corpus.repairs.region_id == row.region_id]
        before = _nonspace("".join(repairs["before"]))
        after = _nonspace("".join(repairs["after"]))
        # expected - before + after == kept + removed, written without subtraction
        assert kept + removed + before == expected + after, row.region_id
        region = corpus.regions.set_index("region_id").loc[row.region_id]
        assert (
            region.n_chars_read
            == region.n_chars_kept
            + region.n_chars_removed
            - region.n_chars_repaired_delta
            + region.n_whitespace_removed
        )
        assert region.n_whitespace_removed >= 0


def test_repair_is_on_by_default_and_can_be_switched_off(manifest):
    off = load_corpus(manifest, raw_dir=config.RAW_DIR, repair=False)
    on = load_corpus(manifest, raw_dir=config.RAW_DIR)
    assert len(off.repairs) == 0 and len(on.repairs) > 0
    assert set(on.repairs["region_id"]) == {"sichuan_county"}
    regions = on.regions.set_index("region_id")
    assert regions.loc["sichuan_county", "spun"]
    assert not regions.drop(index="sichuan_county")["spun"].any()
    assert (on.repairs["unit_id"] != "").all()
    # Only the spun plan changes.
    for region_id in ("tonglu", "xinwu", "huangshi", "licheng"):
        assert (
            on.units[on.units.region_id == region_id]["text"].tolist()
            == off.units[off.units.region_id == region_id]["text"].tolist()
        )


def _copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(config.RAW_DIR, raw)
    return raw


def test_manifest_row_whose_file_is_missing_stops_the_build(tmp_path):
    raw = _copy_raw(tmp_path)
    (raw / "002_f19d9f156a5c9105.txt").unlink()
    with pytest.raises(
        ManifestError,
        match=r"region 'huangshi' names file '002_f19d9f156a5c9105.txt', which is missing",
    ):
        read_manifest(raw / "manifest.csv", raw_dir=raw)


def test_duplicate_region_id_stops_the_build(tmp_path):
    raw = _copy_raw(tmp_path)
    text = (raw / "manifest.csv").read_text(encoding="utf-8")
    (raw / "manifest.csv").write_text(text.replace("licheng,004", "tonglu,004"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"duplicate region_id tonglu"):
        read_manifest(raw / "manifest.csv", raw_dir=raw)


def test_manifest_file_with_a_path_and_bad_admin_level_are_refused(tmp_path):
    raw = _copy_raw(tmp_path)
    text = (raw / "manifest.csv").read_text(encoding="utf-8")
    (raw / "manifest.csv").write_text(
        text.replace("tonglu,000_", "tonglu,../000_"), encoding="utf-8"
    )
    with pytest.raises(ManifestError, match=r"give a plain file name"):
        read_manifest(raw / "manifest.csv", raw_dir=raw)
    (raw / "manifest.csv").write_text(
        text.replace(",county,2021", ",township,2021"), encoding="utf-8"
    )
    with pytest.raises(ManifestError, match=r"admin_level 'township'; allowed values are county"):
        read_manifest(raw / "manifest.csv", raw_dir=raw)


def test_raw_files_are_byte_identical_to_the_seeds():
    seeds = Path(config.ROOT).parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    for seed in sorted(seeds.glob("*.txt")):
        assert (config.RAW_DIR / seed.name).read_bytes() == seed.read_bytes()


def _decoded(text: str):
    from analysis.corpus.read import Decoded

    return Decoded(text, "utf-8", len(text), 0, 0)


def _wrapped(paragraph: str, width: int) -> list[str]:
    text = "\u3000\u3000" + paragraph
    return [text[i : i + width] for i in range(0, len(text), width)]


def test_layout_stage_runs_between_chrome_and_repair_and_is_ledgered():
    """A PDF-style body: paragraphs wrapped every 20 characters, page numbers between."""
    from analysis.corpus.load import process_document

    heading = "一、加强教师队伍建设"
    sentences = [
        "全面落实教师培训制度，每年完成全员轮训一次。",
        "实施青年教师成长工程，建立新老教师结对帮带制度。",
        "深化县管校聘管理改革，推动城乡教师合理流动。",
    ]
    body = _wrapped("".join(sentences), 20)
    physical = _wrapped(heading, 20) + body[:2] + ["— 2 —"] + body[2:] + ["第 3 页 共 3 页"]
    text = "\n".join(physical)
    result = process_document(_decoded(text), region_id="wrapped")
    units = result.units
    assert units["text"].tolist() == ["加强教师队伍建设", *sentences]
    assert units["unit_kind"].tolist() == ["section_heading"] + ["sentence"] * 3
    reasons = result.removed.set_index("text")["reason"].to_dict()
    # Page numbers are ledgered (by chrome or by the layout stage, whichever
    # recognises them first: test_corpus_layout checks the layout reasons).
    assert "— 2 —" in reasons and "第 3 页 共 3 页" in reasons
    assert reasons["一、"] == "structure_label"
    # Ledger: read = kept + removed + whitespace (the joins drop only whitespace).
    meta = result.metadata
    assert (
        meta["n_chars_read"]
        == meta["n_chars_kept"] + meta["n_chars_removed"] + meta["n_whitespace_removed"]
    )
    read = _nonspace(text)
    kept = _nonspace("".join(units["text"])) + _nonspace("".join(result.removed["text"]))
    assert kept == read
    assert any("hard-wrapped body" in note for note in result.notes)
