"""The benchmark's synthetic corpus (benchmarks/make_corpus.py), at small N."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import config, schema
from analysis.corpus.load import load_corpus, read_manifest
from analysis.corpus.read import read_text_file

_PATH = config.ROOT / "benchmarks" / "make_corpus.py"
_spec = importlib.util.spec_from_file_location("make_corpus", _PATH)
make_corpus = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_corpus", make_corpus)
_spec.loader.exec_module(make_corpus)

pytestmark = pytest.mark.skipif(
    not (make_corpus.SHARED_REPORTS / "manifest.csv").is_file(),
    reason="the government work reports (../shared/corpora/gov_work_reports) are not here",
)


@pytest.fixture(scope="module")
def corpus20(tmp_path_factory) -> Path:
    return make_corpus.make_corpus(20, out_dir=tmp_path_factory.mktemp("c20") / "raw")


@pytest.fixture(scope="module")
def corpus50(tmp_path_factory) -> Path:
    return make_corpus.make_corpus(50, out_dir=tmp_path_factory.mktemp("c50") / "raw")


def _texts(raw: Path) -> dict[str, str]:
    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    return {row.region_id: read_text_file(raw / row.file).text
            for row in manifest.itertuples(index=False)}


def test_same_n_and_seed_give_byte_identical_files(corpus20, tmp_path):
    again = make_corpus.make_corpus(20, out_dir=tmp_path / "again")
    names = sorted(p.name for p in corpus20.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (corpus20 / name).read_bytes() == (again / name).read_bytes(), name
    other = make_corpus.make_corpus(20, out_dir=tmp_path / "other", seed=7)
    assert (other / "bench_0001.txt").read_bytes() != (corpus20 / "bench_0001.txt").read_bytes()


def test_a_smaller_corpus_is_the_first_plans_of_a_larger_one(corpus20, tmp_path):
    small = make_corpus.make_corpus(3, out_dir=tmp_path / "small")
    for i in (1, 2, 3):
        name = f"bench_{i:04d}.txt"
        assert (small / name).read_bytes() == (corpus20 / name).read_bytes()


def test_n_plans_with_one_manifest_row_each(corpus20):
    manifest = read_manifest(corpus20 / "manifest.csv", raw_dir=corpus20)
    assert list(manifest.columns) == schema.MANIFEST
    assert manifest["region_id"].tolist() == [f"bench_{i:04d}" for i in range(1, 21)]
    files = {p.name for p in corpus20.iterdir()} - {"manifest.csv"}
    assert files == set(manifest["file"])
    assert set(manifest["admin_level"]) <= set(schema.ADMIN_LEVELS)
    # The name's suffix says its level.
    level = {"县": "county", "区": "district", "市": "prefecture_city"}
    assert [level[n[-1]] for n in manifest["name_zh"]] == manifest["admin_level"].tolist()
    assert manifest["plan_year"].astype(int).between(2019, 2025).all()


def test_files_cycle_through_the_encodings(corpus20):
    boms = {"utf-8": None, "gb18030": None, "utf-16": (b"\xff\xfe", b"\xfe\xff"),
            "utf-8-sig": (b"\xef\xbb\xbf",)}
    for i in range(8):
        data = (corpus20 / f"bench_{i + 1:04d}.txt").read_bytes()
        encoding = make_corpus.ENCODINGS[i % 4]
        if boms[encoding]:
            assert data.startswith(boms[encoding])
        else:
            assert not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe"))
        data.decode(encoding)  # raises if the file is not in its encoding
    # UTF-8 and GB18030 files differ in bytes where they hold Chinese text.
    with pytest.raises(UnicodeDecodeError):
        (corpus20 / "bench_0002.txt").read_bytes().decode("utf-8")


def test_lengths_run_from_short_points_to_long_plans(corpus50):
    lengths = [len(t) for t in _texts(corpus50).values()]
    assert min(lengths) < 5_000
    assert max(lengths) > 20_000


def test_every_plan_has_its_own_region_name(corpus20):
    manifest = read_manifest(corpus20 / "manifest.csv")
    names = manifest["name_zh"].tolist()
    stems = [n[:-1] for n in names]
    assert len(set(stems)) == len(stems)  # no two plans share a name, whatever the suffix
    texts = _texts(corpus20)
    for region_id, name in zip(manifest["region_id"], names, strict=True):
        text = texts[region_id]
        assert name in text.splitlines()[0]  # the title names the plan's region
        others = [s for s in stems if s != name[:-1] and s in text]
        assert not others, (region_id, others)
        # The five seed plans' own places were replaced.
        assert not re.search("桐庐|新吴|黄石|鲤城", text), region_id


def test_region_names_are_distinct_and_stable():
    names = make_corpus.region_names(2_000)
    assert len({n[:-1] for n, _ in names}) == 2_000
    assert make_corpus.region_names(5) == names[:5]
    assert make_corpus.region_names(5, seed=1) != names[:5]


def test_the_loader_reads_every_plan(corpus20):
    manifest = read_manifest(corpus20 / "manifest.csv", raw_dir=corpus20)
    corpus = load_corpus(manifest, raw_dir=corpus20, n_jobs=1)
    assert sorted(corpus.regions["region_id"]) == sorted(manifest["region_id"])
    units = corpus.units
    assert set(units.loc[units["part"] == "plan", "region_id"]) == set(manifest["region_id"])
    per_plan = units.groupby("region_id")["n_chars"].sum()
    texts = _texts(corpus20)
    for region_id, n_chars in per_plan.items():
        # Nearly all of each plan's text reaches the units (title, date, signature aside).
        body = len(re.sub(r"\s", "", texts[region_id]))
        assert 0.8 * body < n_chars <= body, region_id


def test_numbers_and_years_vary_with_the_plan():
    import random

    text = "到2021年，新增学位1800个，优质率达到98%。1978年以来"
    varied = make_corpus._vary_numbers(text, random.Random(0), 2)
    assert "2023年" in varied and "1978年" in varied  # plan years move, history stays
    figures = [int(x) for x in re.findall(r"学位(\d+)个", varied)]
    assert len(figures) == 1 and 1800 * 0.6 <= figures[0] <= 1800 * 1.5
    percent = float(re.search(r"达到([\d.]+)%", varied)[1])
    assert percent <= 100


def test_reuse_shares_count_each_character_once():
    units = pd.DataFrame({"region_id": ["a", "a", "b"], "unit_id": ["a1", "a2", "b1"],
                          "n_chars": [20, 30, 40]})
    na = pd.NA
    reuse = pd.DataFrame({
        "unit_id_a": ["a1", "a1", "a2"], "start_a": [0, 5, 0], "end_a": [10, 15, 10],
        "unit_id_b": ["b1", "b1", na], "start_b": [0, 20, na], "end_b": [10, 30, na],
        "kind": ["reuse", "reuse", "stock_phrase"],
    })
    shares = make_corpus.reuse_shares(units, reuse)
    assert shares["region_id"].tolist() == ["a", "b"]
    # a: a1 covers 0-15 (15 chars, overlap counted once) of 50; with the stock phrase 25.
    # b: b1 covers 0-10 and 20-30 (20 of 40) on the b side of the pairs.
    assert shares["reuse_share"].tolist() == pytest.approx([15 / 50, 20 / 40])
    assert shares["reuse_or_stock_share"].tolist() == pytest.approx([25 / 50, 20 / 40])


def test_n_must_be_a_positive_integer(tmp_path):
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            make_corpus.make_corpus(bad, out_dir=tmp_path / "x")
