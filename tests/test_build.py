"""The build: committed tables match a fresh build, byte for byte, every time."""

import json
from pathlib import Path

import pytest

from analysis import config
from analysis.build import build


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


def test_a_corpus_without_the_hand_coded_plans_builds_with_empty_validation(tmp_path):
    """Another set of plans: validation numbers would describe nothing in it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    manifest = (config.RAW_DIR / "manifest.csv").read_text(encoding="utf-8").splitlines()
    keep = manifest[:3]  # header, tonglu, xinwu
    (raw / "manifest.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    for line in keep[1:]:
        name = line.split(",")[1]
        (raw / name).write_bytes((config.RAW_DIR / name).read_bytes())
    out = tmp_path / "processed"
    build(raw_dir=raw, out_dir=out, figures_dir=None, verbose=False)
    import pandas as pd

    assert pd.read_parquet(out / "theme_validation.parquet").empty
    assert pd.read_parquet(out / "instrument_validation.parquet").empty
    units = pd.read_parquet(out / "units.parquet")
    assert set(units["region_id"]) == {"tonglu", "xinwu"}
    assert units["theme"].notna().all()
