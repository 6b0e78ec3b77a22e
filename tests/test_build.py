"""The build: committed tables match a fresh build, byte for byte, every time."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.build import build
from analysis.io import read_table
from tests.conftest import copy_first_plans


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    build(out_dir=out, figures_dir=None, verbose=False)
    return out


def _files(directory: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(directory.iterdir())
        if p.is_file() and p.suffix in {".csv", ".parquet", ".json"}
    }


def test_committed_processed_tables_equal_a_fresh_build(fresh_build):
    committed = _files(config.PROCESSED_DIR)
    fresh = _files(fresh_build)
    assert sorted(fresh) == sorted(committed), (
        "the set of processed files differs from a fresh build"
    )
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], (
        f"run `bin/build` and commit: these files differ from a fresh build: {changed}"
    )


def test_building_twice_gives_byte_identical_files(fresh_build, tmp_path):
    build(out_dir=tmp_path, figures_dir=None, verbose=False)
    assert _files(tmp_path) == _files(fresh_build)


def test_build_info_records_versions_hashes_and_seeds(fresh_build):
    info = json.loads((fresh_build / "build_info.json").read_text(encoding="utf-8"))
    assert info["random_state"] == config.RANDOM_STATE
    assert {"pandas", "jieba", "scikit-learn"} <= set(info["packages"])
    assert "manifest.csv" in info["raw_sha256"]
    assert len(info["raw_sha256"]) == 6
    assert {"chrome_rules.yml", "structure_rules.yml", "spin_repairs.yml"} <= set(
        info["rules_sha256"]
    )
    # The default build's options: the shipped dictionary, stopword lists and codebook.
    options = info["options"]
    assert [f["path"] for f in options["user_dict"]] == ["analysis/data/userdict.txt"]
    assert [f["path"] for f in options["stopwords"]] == [
        "analysis/data/stopwords_zh.txt", "analysis/data/stopwords_policy.txt"]
    assert options["codebook"]["path"] == "analysis/data/codebook.yml"
    assert options["codebook"]["sha256"] == info["rules_sha256"]["codebook.yml"]
    assert options["user_dict"][0]["sha256"] == info["rules_sha256"]["userdict.txt"]
    assert (options["shipped_dict"], options["codebook_shipped_scheme"]) == (True, True)


def test_a_corpus_without_the_hand_coded_plans_builds_with_empty_validation(tmp_path):
    """Another set of plans: validation numbers would describe nothing in it."""
    raw = copy_first_plans(tmp_path / "raw")  # tonglu, xinwu
    out = tmp_path / "processed"
    build(raw_dir=raw, out_dir=out, figures_dir=None, verbose=False)
    import pandas as pd

    assert pd.read_parquet(out / "theme_validation.parquet").empty
    assert pd.read_parquet(out / "instrument_validation.parquet").empty
    units = pd.read_parquet(out / "units.parquet")
    assert set(units["region_id"]) == {"tonglu", "xinwu"}
    assert units["theme"].notna().all()


# --- rebuilding: steps whose inputs and outputs are unchanged are skipped ---------------


@pytest.fixture()
def counted_build(tmp_path, monkeypatch):
    """``build`` with stand-in steps that count their runs and write one small file each."""
    import pandas as pd

    from analysis import build as build_module
    from analysis import figures

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    runs = {"tables": 0, "figures": 0}

    def tables(manifest, *, raw_dir, out_dir, **_):
        runs["tables"] += 1
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "regions.csv"
        sizes = [(raw_dir / name).stat().st_size for name in manifest["file"]]
        path.write_text(f"{list(manifest['region_id'])} {sizes}", encoding="utf-8")
        return [path]

    def draw(processed_dir, figures_dir):
        runs["figures"] += 1
        figures_dir.mkdir(parents=True, exist_ok=True)
        (figures_dir / "fig_zh.png").write_bytes((processed_dir / "regions.csv").read_bytes())
        (figures_dir / "manifest.csv").write_text("figure_id\nfig_zh\n", encoding="utf-8")
        return pd.DataFrame({"figure_id": ["fig_zh"], "png_sha256": ["x"],
                             "pdf_sha256": [""], "svg_sha256": [""]})

    monkeypatch.setattr(build_module, "_build_tables", tables)
    monkeypatch.setattr(figures, "make_all_figures", draw)
    raw = copy_first_plans(tmp_path / "raw")

    def run(**options):
        build(raw_dir=raw, out_dir=tmp_path / "processed", figures_dir=tmp_path / "figures",
              verbose=False, **options)
        return dict(runs)

    return run, raw, tmp_path


def test_a_rebuild_with_nothing_changed_runs_no_step(counted_build):
    run, _, _ = counted_build
    assert run() == {"tables": 1, "figures": 1}
    assert run() == {"tables": 1, "figures": 1}


def test_a_changed_raw_file_rebuilds_tables_and_figures(counted_build):
    run, raw, _ = counted_build
    run()
    plan = sorted(p for p in raw.iterdir() if p.name != "manifest.csv")[0]
    plan.write_bytes(plan.read_bytes() + b"\n")
    assert run() == {"tables": 2, "figures": 2}


def test_an_edited_or_deleted_output_is_made_again(counted_build):
    run, _, tmp_path = counted_build
    run()
    (tmp_path / "figures" / "fig_zh.png").write_bytes(b"edited by hand")
    assert run() == {"tables": 1, "figures": 2}  # tables intact, figures redrawn
    (tmp_path / "processed" / "regions.csv").unlink()
    assert run() == {"tables": 2, "figures": 2}  # same table content: figures stay current


def test_force_runs_every_step(counted_build):
    run, _, _ = counted_build
    run()
    assert run(force=True) == {"tables": 2, "figures": 2}


def test_the_build_command_accepts_force():
    from analysis.__main__ import _parser

    assert _parser().parse_args(["build", "--force"]).force is True
    assert _parser().parse_args(["build"]).force is False


def test_the_build_command_writes_the_default_tables_and_figures_where_they_always_went(
    monkeypatch,
):
    from analysis import build as build_module
    from analysis.__main__ import main

    calls = []
    monkeypatch.setattr(build_module, "build", lambda **options: calls.append(options))
    assert main(["build", "--quiet"]) == 0
    assert main(["build", "--quiet", "--out-dir", str(config.PROCESSED_DIR)]) == 0
    for options in calls:
        assert (options["out_dir"], options["figures_dir"]) == (
            config.PROCESSED_DIR, config.FIGURES_DIR)
        assert (options["user_dicts"], options["stopword_files"], options["codebook"],
                options["shipped_dict"]) == ([], [], None, True)


def test_a_failed_build_leaves_the_previous_tables_as_they_were(tmp_path, monkeypatch):
    from analysis import steps

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    out = tmp_path / "processed"
    out.mkdir()
    (out / "units.csv").write_text("previous build", encoding="utf-8")

    def broken(tables, *, n_jobs=None):
        raise RuntimeError("topic model failed")

    monkeypatch.setattr(steps, "topics_step", broken)
    with pytest.raises(RuntimeError, match="topic model failed"):
        build(out_dir=out, figures_dir=None, verbose=False)
    # Only the finished steps' checkpoint is left beside it (analysis.checkpoints).
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [
        ".processed-checkpoint"]
    assert [p.name for p in out.iterdir()] == ["units.csv"]
    assert (out / "units.csv").read_text(encoding="utf-8") == "previous build"


# ------------------------------------------------------------- outputs of large collections

def _similarity_inputs():
    from tests.test_similarity import themed_random_corpus
    tokens, units = themed_random_corpus(7)
    return {"content_tokens": tokens, "plan_units": units}


def test_similarity_step_keeps_all_pairs_below_the_threshold_and_notes_the_sentences():
    from analysis import build as build_module
    from analysis import steps
    out = steps.similarity_step(_similarity_inputs())
    assert set(out) == {"similarity_regions", "similarity_by_theme", "similarity_neighbours",
                        "similarity_neighbours_by_theme", "region_linkage",
                        "region_linkage_leaves", "table_notes"}
    for stem, table in out.items():
        assert list(table.columns) == build_module.TABLES[stem], stem
    assert len(out["similarity_regions"]) == 10 and len(out["similarity_neighbours"]) == 20
    notes = out["table_notes"]
    assert set(zip(notes["table"], notes["column"], strict=True)) == {
        (stem, column) for stem in ("similarity_regions", "similarity_by_theme",
                                    "similarity_neighbours", "similarity_neighbours_by_theme")
        for column in ("tokenisation", "weighting")}


def test_similarity_step_beyond_the_thresholds_leaves_the_pairs_tables_empty(monkeypatch):
    from analysis import build as build_module
    from analysis import steps
    monkeypatch.setattr(config, "PAIRWISE_MAX_REGIONS", 4)
    monkeypatch.setattr(config, "LINKAGE_MAX_REGIONS", 4)
    out = steps.similarity_step(_similarity_inputs())
    for stem in ("similarity_regions", "similarity_by_theme", "region_linkage",
                 "region_linkage_leaves"):
        assert out[stem].empty and list(out[stem].columns) == build_module.TABLES[stem]
    assert len(out["similarity_neighbours"]) == 20
    whole = out["table_notes"].loc[out["table_notes"]["column"] == ""]
    assert whole["table"].tolist() == ["region_linkage", "region_linkage_leaves",
                                       "similarity_by_theme", "similarity_regions"]
    assert whole["value"].str.startswith("not built: 5 plans > config.").all()


def test_moving_tables_replaces_an_earlier_layout(tmp_path):
    from analysis.build import _move_tables
    staged, out = tmp_path / "staged", tmp_path / "out"
    (staged / "units" / "region_id=a").mkdir(parents=True)
    (staged / "units" / "region_id=a" / "part-0.parquet").write_bytes(b"new")
    (staged / "tokens.parquet").write_bytes(b"new")
    out.mkdir()
    for name in ("units.csv", "units.parquet", "tokens.csv"):
        (out / name).write_bytes(b"old")
    (out / "tokens" / "region_id=b").mkdir(parents=True)
    written = _move_tables(staged, out)
    assert written == [out / "units" / "region_id=a" / "part-0.parquet", out / "tokens.parquet"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "tokens.parquet", "units/region_id=a/part-0.parquet"]


def test_table_notes_from_two_steps_are_both_written(tmp_path):
    # similarity_step and later steps each return table_notes; the second must not erase the first.
    from analysis.build import _write_finished

    def notes(table: str, value: str) -> dict:
        return {"table_notes": pd.DataFrame({"table": [table], "column": [""], "value": [value]})}

    _write_finished(notes("similarity_regions", "not built"), tmp_path)
    _write_finished(notes("passage_alignment", "neighbours only"), tmp_path)
    written = read_table("table_notes", tmp_path)
    assert written["table"].tolist() == ["passage_alignment", "similarity_regions"]
    assert pd.read_csv(tmp_path / "table_notes.csv")["value"].tolist() == [
        "neighbours only", "not built"]


# ------------------------------------------ alignment and reuse beyond PAIRWISE_MAX_REGIONS

def _pairwise_inputs():
    from tests.test_similarity import random_corpus
    tokens, units = random_corpus(23, n_regions=6, n_units=8)
    # Two themes taking turns, so similarity_step can run on this corpus too.
    themes = ["moral_education", "teachers"] * (len(units) // 2 + 1)
    return {"content_tokens": tokens, "plan_units": units.assign(theme=themes[:len(units)])}


def test_alignment_and_reuse_steps_search_every_pair_up_to_the_threshold():
    from analysis import steps
    from analysis.text.alignment import passage_alignment
    from analysis.text.reuse import text_reuse
    tables = _pairwise_inputs()
    assert "neighbour_pairs" not in steps.similarity_step(tables)
    aligned = steps.alignment_step(tables)
    assert set(aligned) == {"passage_alignment"}  # no notes
    pd.testing.assert_frame_equal(aligned["passage_alignment"],
                                  passage_alignment(tables["content_tokens"],
                                                    tables["plan_units"]))
    reused = steps.reuse_step(tables)
    assert set(reused) == {"text_reuse"}
    pd.testing.assert_frame_equal(reused["text_reuse"], text_reuse(tables["plan_units"]))


def test_alignment_and_reuse_steps_beyond_the_threshold_search_the_nearest_plans(monkeypatch):
    from analysis import steps
    from analysis.text.alignment import passage_alignment
    from analysis.text.neighbours import similarity_neighbours
    from analysis.text.reuse import text_reuse
    monkeypatch.setattr(config, "PAIRWISE_MAX_REGIONS", 5)
    monkeypatch.setattr(config, "NEIGHBOURS_K", 1)
    tables = _pairwise_inputs()
    content, units = tables["content_tokens"], tables["plan_units"]
    pairs = steps.similarity_step(tables)["neighbour_pairs"]
    aligned = steps.alignment_step({**tables, "neighbour_pairs": pairs})
    assert set(aligned) == {"passage_alignment", "table_notes"}
    nearest = similarity_neighbours(content, k=1)
    assert pairs.values.tolist() == nearest[["region_id", "neighbour"]].values.tolist()
    listed = {(a, b) for a, b in pairs.values.tolist()} | {(b, a) for a, b in pairs.values.tolist()}
    # Independent check: every pair searched, kept to the listed pairs, each unit's best five.
    every = passage_alignment(content, units, max_matches=None)
    kept = every[[p in listed for p in zip(every.region_id, every.other_region, strict=True)]]
    expected = (kept.sort_values(["unit_id", "score", "other_region"],
                                 ascending=[True, False, True]).groupby("unit_id").head(5))
    got = aligned["passage_alignment"]
    key = ["unit_id", "other_region"]
    assert 0 < len(got) < len(every)
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  expected.sort_values(key).reset_index(drop=True))
    notes = aligned["table_notes"]
    assert notes[["table", "column"]].values.tolist() == [["passage_alignment", ""]]
    assert notes["value"].iloc[0].startswith("searched only each plan's config.NEIGHBOURS_K (1)")
    assert "6 plans > config.PAIRWISE_MAX_REGIONS (5)" in notes["value"].iloc[0]

    # Units made of wording planted once in every pair of plans: reuse between every pair.
    rng = np.random.default_rng(5)
    regions = sorted(units["region_id"].unique())
    texts = {r: [] for r in regions}
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            shared = "".join(chr(c) for c in rng.integers(0x4E00, 0x9FA5, size=20))
            texts[a].append(shared + "。")
            texts[b].append("，" + shared)
    units = pd.DataFrame([{"region_id": r, "unit_id": f"{r}-{i:04d}", "text": t}
                          for r in regions for i, t in enumerate(texts[r])])
    reused = steps.reuse_step({"plan_units": units, "neighbour_pairs": pairs})
    whole = text_reuse(units)
    assert (whole["kind"] == "reuse").sum() == 15  # one span per pair of the six plans
    keep = (whole["kind"] == "stock_phrase") | pd.Series(
        [p in listed for p in zip(whole["region_a"], whole["region_b"], strict=True)],
        index=whole.index)
    assert 0 < (reused["text_reuse"]["kind"] == "reuse").sum() < (whole["kind"] == "reuse").sum()
    pd.testing.assert_frame_equal(reused["text_reuse"], whole[keep].reset_index(drop=True))
    assert reused["table_notes"]["table"].tolist() == ["text_reuse"]


def test_present_needs_sends_an_optional_intermediate_only_when_it_was_made():
    from analysis import steps
    needs = ("content_tokens", "plan_units", "neighbour_pairs")
    assert steps.present_needs(needs, {"content_tokens": 1, "plan_units": 2}) == \
        ("content_tokens", "plan_units")
    assert steps.present_needs(needs, {"content_tokens": 1, "neighbour_pairs": 3}) == \
        ("content_tokens", "plan_units", "neighbour_pairs")
