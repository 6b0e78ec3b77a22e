"""The benchmark driver's helpers (benchmarks/run.py) that shape what is measured."""

from __future__ import annotations

import importlib.util
import sys

from analysis import config
from analysis.corpus.load import read_manifest

_PATH = config.ROOT / "benchmarks" / "run.py"
sys.path.insert(0, str(_PATH.parent))  # run.py imports its sibling modules by name
_spec = importlib.util.spec_from_file_location("bench_run", _PATH)
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)


def test_without_last_plan_keeps_every_plan_but_the_last_byte_for_byte(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "manifest.csv").write_text(
        "region_id,file\r\na,a.txt\r\nb,b.txt\r\nc,c.txt\r\n", encoding="utf-8")
    for name in "abc":
        (raw / f"{name}.txt").write_bytes(f"{name} 计划".encode("gb18030"))
    out = bench_run.without_last_plan(raw, tmp_path / "minus")
    assert (out / "manifest.csv").read_bytes() == b"region_id,file\r\na,a.txt\r\nb,b.txt\r\n"
    assert (out / "a.txt").read_bytes() == (raw / "a.txt").read_bytes()
    # A second call starts over rather than adding to what is there.
    (raw / "manifest.csv").write_text("region_id,file\na,a.txt\nb,b.txt\n", encoding="utf-8")
    again = bench_run.without_last_plan(raw, tmp_path / "minus")
    assert (again / "manifest.csv").read_bytes() == b"region_id,file\na,a.txt\n"


def test_the_loader_reads_the_shortened_folder(tmp_path):
    from tests.test_benchmarks_corpus import make_corpus

    raw = make_corpus.make_corpus(3, out_dir=tmp_path / "raw")
    out = bench_run.without_last_plan(raw, tmp_path / "minus")
    full = read_manifest(raw / "manifest.csv", raw_dir=raw)
    shortened = read_manifest(out / "manifest.csv", raw_dir=out)
    assert shortened["region_id"].tolist() == full["region_id"].tolist()[:2]
