"""Tests for analysis.evaluate_loader: each metric on hand-made cases, the run, the thresholds.

In the metric tests the loader's output is replaced by a units table built
here, so each metric is checked against a value computed by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from analysis import config, schema
from analysis.devset import derive_gold, parse_source
from analysis.evaluate_loader import (
    BY_FILE_COLUMNS,
    BY_KIND_COLUMNS,
    COUNTS,
    THRESHOLDS,
    aggregate,
    by_kind_table,
    evaluate_sources,
    match_sentences,
    metrics_of,
    normalise_for_match,
    overall_metrics,
    score_file,
    twin_agreement,
    write_evaluation,
)

FIXTURES = Path(__file__).parent / "devset_fixtures"
COMMITTED_SOURCES = config.DATA_DIR / "loader_devset" / "sources"


def gold_of(tmp_path: Path, body: str, *, extra: str = "", id: str = "g1"):
    path = tmp_path / "dev" / f"{id}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"# id: {id}\n# kind: plain\n# split: dev\n# format: txt\n{extra}\n{body}",
        encoding="utf-8",
    )
    return derive_gold(parse_source(path))


def units_of(rows: list[tuple[str, tuple[int, ...]]]) -> pd.DataFrame:
    """A units table: (text, path) per unit, the path spread over section/item/subitem."""
    records = []
    for text, path in rows:
        padded = list(path) + [None] * (3 - len(path))
        records.append(
            {"text": text, "section_no": padded[0], "item_no": padded[1], "subitem_no": padded[2]}
        )
    return pd.DataFrame(records, columns=["text", "section_no", "item_no", "subitem_no"])


BODY = (
    "C: 首页 > 通知\n"
    "C: 打印\n"
    "N: 关于印发要点的通知\n"
    "T: 某县教育工作要点\n"
    "H1#1: [一、]强化党建。开展学习。\n"
    "P: 目标任务：培训{{wm:某网}}十次。\n"
    "H1#2: [二、]改善条件。打印资料分发到校。\n"
)
# Gold sentences (clause label removed): 强化党建。 开展学习。 培训十次。 改善条件。
# 打印资料分发到校。  Body lines: H1#1, P, H1#2.  Chrome: 3 C/N lines + the T line.
PERFECT = [
    ("强化党建。", (1,)),
    ("开展学习。", (1,)),
    ("培训十次。", (1,)),
    ("改善条件。", (2,)),
    ("打印资料分发到校。", (2,)),
]


def test_normalise_for_match_folds_width_and_drops_whitespace_and_cell_bars():
    assert normalise_for_match("Ａ１，　b 2\t|c") == "A1,b2c"
    assert normalise_for_match("「雙減」與『課後』") == normalise_for_match("“雙減”與‘課後’")


def test_a_perfect_loader_scores_one_everywhere(tmp_path):
    extra = "# title: 某县教育工作要点\n# meta.publisher: 某县教育局\n"
    gold = gold_of(tmp_path, BODY, extra=extra)
    scores = score_file(gold, units_of(PERFECT),
                        {"title_zh": "《某县教育工作要点》", "publisher": "某县 教育局"})
    for metric in ("chrome_recall", "chrome_precision", "notice_recall", "mark_recall",
                   "title_found", "sentence_precision", "sentence_recall", "sentence_f1",
                   "structure_exact", "metadata"):
        assert scores[metric] == 1.0, metric
    assert scores["n_chrome"] == 4
    assert scores["n_body_lines"] == 3
    assert math.isnan(scores["twin_theme_agreement"])


def test_chrome_left_in_counts_only_beyond_the_body_occurrences(tmp_path):
    gold = gold_of(tmp_path, BODY)
    # "打印" occurs once in the body (打印资料…); the loader keeps the title and the
    # 打印 line as units, so 打印 occurs twice: one extra → left in.
    units = units_of([("某县教育工作要点", ()), ("打印", ())] + PERFECT)
    scores = score_file(gold, units, {})
    assert scores["n_chrome_removed"] == 2  # 首页 > 通知, the notice line
    assert scores["chrome_recall"] == pytest.approx(2 / 4)
    assert scores["notice_recall"] == 1.0
    # Without the extra 打印 unit only the title is left in.
    scores = score_file(gold, units_of([("某县教育工作要点", ())] + PERFECT), {})
    assert scores["chrome_recall"] == pytest.approx(3 / 4)


def test_identical_chrome_lines_count_as_many_as_the_extra_occurrences(tmp_path):
    gold = gold_of(tmp_path, "C: 返回顶部\nP: 正文。\nC: 返回顶部\nC: 返回顶部\n")
    units = units_of([("返回顶部", ()), ("正文。", ())])
    scores = score_file(gold, units, {})
    assert (scores["n_chrome"], scores["n_chrome_removed"]) == (3, 2)


def test_chrome_precision_counts_body_lines_with_a_missing_sentence(tmp_path):
    gold = gold_of(tmp_path, BODY)
    # The loader removed every chrome line (4) but also 开展学习。 (body line H1#1)
    # and left the watermark in 培训某网十次。 (body line P): 2 body lines lost.
    units = units_of([("强化党建。", (1,)), ("培训某网十次。", (1,)), ("改善条件。", (2,)),
                      ("打印资料分发到校。", (2,))])
    scores = score_file(gold, units, {})
    assert scores["n_chrome_removed"] == 4
    assert scores["n_body_lines_lost"] == 2
    assert scores["chrome_precision"] == pytest.approx(4 / 6)
    assert scores["mark_recall"] == 0.0
    # Sentences: 3 of 4 units match 3 of 5 gold sentences.
    assert scores["sentence_precision"] == pytest.approx(3 / 4)
    assert scores["sentence_recall"] == pytest.approx(3 / 5)
    assert scores["sentence_f1"] == pytest.approx(2 * 3 / (4 + 5))
    assert scores["structure_exact"] == 0


def test_sentence_match_is_a_multiset_match(tmp_path):
    gold = gold_of(tmp_path, "P: 甲。甲。乙。\n")
    units = units_of([("甲。", ()), ("乙。", ()), ("乙。", ()), ("丙。", ())])
    scores = score_file(gold, units, {})
    assert (scores["n_sentences_matched"], scores["n_units"], scores["n_gold_sentences"]) == (
        2, 4, 3
    )
    assert scores["sentence_precision"] == pytest.approx(0.5)
    assert scores["sentence_recall"] == pytest.approx(2 / 3)
    assert match_sentences(gold, units) == [0, None, 1]


def test_structure_exact_needs_every_sentence_at_its_gold_path(tmp_path):
    gold = gold_of(tmp_path, BODY)
    moved = [(text, (1,) if text == "改善条件。" else path) for text, path in PERFECT]
    scores = score_file(gold, units_of(moved), {})
    assert scores["sentence_f1"] == 1.0
    assert scores["structure_exact"] == 0
    # Float section numbers (a column with gaps) still compare as integers.
    units = units_of(PERFECT)
    units["section_no"] = units["section_no"].astype(float)
    assert score_file(gold, units, {})["structure_exact"] == 1


def test_title_found_ignores_brackets_and_skips_files_without_a_title(tmp_path):
    gold = gold_of(tmp_path, BODY, extra="# title: 《某县教育工作要点》\n")
    units = units_of(PERFECT)
    assert score_file(gold, units, {"title_zh": "某县 教育工作要点"})["title_found"] == 1.0
    assert score_file(gold, units, {"title_zh": "某县教育工作"})["title_found"] == 0.0
    untitled = gold_of(tmp_path, BODY, id="g2")
    scores = score_file(untitled, units, {"title_zh": "某县教育工作要点"})
    assert scores["n_title"] == 0
    assert math.isnan(scores["title_found"])


def test_metadata_counts_fields_without_a_regions_column_as_missing(tmp_path, monkeypatch):
    extra = "# meta.page_date: 2024-02-01\n# meta.page_views: 15\n# meta.doc_no: 某教〔2024〕1号\n"
    gold = gold_of(tmp_path, BODY, extra=extra)
    region = {"page_date": "2024-02-01", "page_views": "16"}
    scores = score_file(gold, units_of(PERFECT), region)
    assert (scores["n_meta"], scores["n_meta_matched"]) == (3, 1)
    assert scores["metadata"] == pytest.approx(1 / 3)
    # Every gold field has a regions column today; one without it is named.
    assert scores["meta_missing"] == ""
    monkeypatch.setattr(schema, "REGIONS", [c for c in schema.REGIONS if c != "doc_no"])
    assert score_file(gold, units_of(PERFECT), region)["meta_missing"] == "doc_no"


def test_a_file_the_loader_could_not_read_scores_zero(tmp_path):
    gold = gold_of(tmp_path, BODY, extra="# title: 某县教育工作要点\n")
    scores = score_file(gold, units_of(PERFECT), {"title_zh": "某县教育工作要点"}, failed=True)
    assert scores["chrome_recall"] == 0.0
    assert scores["mark_recall"] == 0.0
    assert scores["chrome_precision"] == 0.0  # nothing removed, 3 body lines lost
    assert scores["title_found"] == 0.0
    assert scores["sentence_f1"] == 0.0
    assert scores["structure_exact"] == 0


def test_twin_agreement_pairs_the_ith_matched_sentences(tmp_path):
    trad = gold_of(tmp_path, "P: 甲。乙。丙。丁。\n", id="t")
    simp = gold_of(tmp_path, "P: 甲。乙。丙。丁。\n", id="s")
    t_units = units_of([("甲。", ()), ("乙。", ()), ("丁。", ())]).assign(
        theme=["party", "teachers", "funding"]
    )
    s_units = units_of([("甲。", ()), ("乙。", ()), ("丙。", ()), ("丁。", ())]).assign(
        theme=["party", "funding", "x", "funding"]
    )
    # Pairs: 甲 (agree), 乙 (teachers vs funding), 丙 (missing in trad: no pair), 丁 (agree).
    assert twin_agreement((trad, t_units), (simp, s_units)) == (3, 2)


def test_aggregates_are_micro_averages():
    rows = pd.DataFrame(
        [
            {"kind": "a", "split": "dev", **dict.fromkeys(COUNTS, 0),
             "n_chrome": 10, "n_chrome_removed": 9, "n_files_loaded_or_failed": 1},
            {"kind": "a", "split": "dev", **dict.fromkeys(COUNTS, 0),
             "n_chrome": 2, "n_chrome_removed": 0, "n_files_loaded_or_failed": 1},
        ]
    )
    table = aggregate(rows, keys=["kind", "split"])
    assert table.loc[0, "chrome_recall"] == pytest.approx(9 / 12)  # not (0.9 + 0) / 2
    assert table.loc[0, "n_files"] == 2
    assert math.isnan(metrics_of(dict.fromkeys(COUNTS, 0))["sentence_f1"])  # nothing to measure



def test_evaluation_of_the_fixtures_end_to_end(tmp_path):
    by_file = evaluate_sources(FIXTURES, show_progress=False)
    assert list(by_file["id"]) == sorted(by_file["id"], key=lambda i: (
        by_file.set_index("id").loc[i, "split"], i))
    row = by_file.set_index("id")
    # The simplified twin is a bare text plan the loader reads perfectly.
    assert row.loc["simp_twin", "sentence_f1"] == 1.0
    assert row.loc["simp_twin", "structure_exact"] == 1
    # The traditional file is paired with its twin.
    assert row.loc["trad_twin", "n_twin_pairs"] == 3
    assert row.loc["portal_html", "n_meta"] == 3
    heldout_only = evaluate_sources(FIXTURES, split="heldout", show_progress=False)
    assert set(heldout_only["split"]) == {"heldout"}
    paths = write_evaluation(by_file, out_dir=tmp_path / "a")
    again = write_evaluation(by_file, out_dir=tmp_path / "b")
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes()
    kinds = by_kind_table(by_file)
    assert list(kinds.loc[kinds["kind"] == "all", "split"]) == ["dev", "heldout"]
    report = paths[2].read_text(encoding="utf-8")
    assert "| chrome_recall | ≥ 0.95 |" in report
    assert "notice_pdf" not in report  # held-out files are named only in by_file.csv
    # Every fixture loads (PDF included), so no file is listed as unreadable.
    assert by_file["load_error"].fillna("").eq("").all()
    assert "Files the loader could not read" not in report
    for column in set(BY_FILE_COLUMNS) | set(BY_KIND_COLUMNS):
        assert f"| `{column}` |" in report, column


def test_heldout_meets_thresholds():
    if not COMMITTED_SOURCES.is_dir():
        pytest.skip(f"{COMMITTED_SOURCES} is not in this checkout yet")
    by_file = evaluate_sources(COMMITTED_SOURCES, split="heldout", show_progress=False)
    assert len(by_file), "no held-out source to measure"
    measured = overall_metrics(by_file)
    failing = {
        metric: round(measured[metric], 3)
        for metric, threshold in THRESHOLDS.items()
        if not math.isnan(measured[metric]) and measured[metric] < threshold
    }
    assert not failing, f"held-out metrics below {THRESHOLDS}: {failing}"


def test_command_line_writes_the_report_and_refuses_a_missing_folder(tmp_path, capsys):
    from analysis.__main__ import main

    out = tmp_path / "docs"
    assert main(["evaluate-loader", "--sources", str(FIXTURES), "--split", "dev",
                 "--out", str(out)]) == 0
    by_file = pd.read_csv(out / "loader_evaluation" / "by_file.csv")
    assert list(by_file.columns) == BY_FILE_COLUMNS
    assert set(by_file["split"]) == {"dev"}
    assert (out / "loader_evaluation.md").is_file()
    assert main(["evaluate-loader", "--sources", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
