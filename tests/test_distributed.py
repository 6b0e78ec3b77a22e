"""analysis.distributed: blocks of plans on Dask workers give the tables a local build gives.

The cluster tests start a two-worker ``distributed.LocalCluster`` (separate
processes, one thread each) on 127.0.0.1 with no dashboard, and are skipped
only when ``distributed`` is not installed (``bin/_venv.sh`` installs the
``dask`` extra, so they run in the normal suite).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import config, distributed
from analysis.distributed import (
    concat_partitions,
    map_partitions,
    region_partitions,
    resolve_scheduler,
    run_on_worker,
)
from analysis.executors import SCHEDULER_ENV


@pytest.fixture(autouse=True)
def _no_scheduler_from_environment(monkeypatch):
    # A developer's ANALYSIS_DASK_SCHEDULER must not send the local cases to a cluster.
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)


def _units(regions: list[tuple[str, int]]) -> pd.DataFrame:
    rows = [(region, f"{region}-{i:04d}", f"{region} 第{i}句") for region, n in regions
            for i in range(n)]
    return pd.DataFrame(rows, columns=["region_id", "unit_id", "text"])


def _with_pid(table: pd.DataFrame) -> pd.DataFrame:
    # A row-wise function that also says which process ran it.
    return table.assign(n_chars=table["text"].str.len(), pid=os.getpid())


# --------------------------------------------------------------------------- partitions


def test_partitions_cut_only_between_regions_and_stack_back_to_the_table():
    units = _units([("a", 3), ("b", 1), ("c", 4), ("d", 2), ("e", 5)])
    parts = region_partitions(units, n_partitions=2)
    # 5 runs in at most 2 blocks: ceil(5 / 2) = 3 regions, then 2.
    assert [sorted(p["region_id"].unique()) for p in parts] == [["a", "b", "c"], ["d", "e"]]
    assert [len(p) for p in parts] == [8, 7]
    pd.testing.assert_frame_equal(pd.concat(parts), units)


def test_more_partitions_than_regions_gives_one_block_per_region():
    units = _units([("a", 2), ("b", 3)])
    parts = region_partitions(units, n_partitions=10)
    assert [list(p["region_id"].unique()) for p in parts] == [["a"], ["b"]]


def test_a_region_that_comes_back_later_is_a_run_of_its_own():
    # Order is kept over grouping: a plan's rows out of place stay where they are.
    units = _units([("a", 2), ("b", 2), ("a", 1)])
    parts = region_partitions(units, n_partitions=3)
    assert [p["region_id"].tolist() for p in parts] == [["a", "a"], ["b", "b"], ["a"]]


def test_an_empty_table_is_one_empty_block():
    parts = region_partitions(_units([]), n_partitions=4)
    assert len(parts) == 1 and parts[0].empty


@pytest.mark.parametrize("n_partitions", [0, -1, 1.5, True])
def test_a_bad_partition_count_is_refused_with_a_message_naming_it(n_partitions):
    with pytest.raises(ValueError, match="n_partitions must be a positive integer"):
        region_partitions(_units([("a", 1)]), n_partitions=n_partitions)


def test_a_missing_region_column_is_named():
    with pytest.raises(ValueError, match="missing column 'plan'"):
        region_partitions(_units([("a", 1)]), n_partitions=1, column="plan")


def test_concat_keeps_a_coders_index_or_renumbers_a_fresh_table():
    units = _units([("a", 2), ("b", 2)]).set_axis([10, 11, 12, 13])
    parts = [units.iloc[:2], units.iloc[2:]]
    pd.testing.assert_frame_equal(concat_partitions(parts, keep_index=True), units)
    fresh = [p.reset_index(drop=True) for p in parts]
    pd.testing.assert_frame_equal(concat_partitions(fresh, keep_index=False),
                                  units.reset_index(drop=True))


def test_concat_leaves_out_empty_blocks_so_their_dtypes_do_not_leak():
    # An extractor that found nothing in a block returns object columns.
    empty = pd.DataFrame({"start": pd.Series(dtype="object")})
    found = pd.DataFrame({"start": [3, 7]})
    out = concat_partitions([empty, found, empty], keep_index=False)
    assert out["start"].dtype == "int64" and out["start"].tolist() == [3, 7]
    # All empty: the first, as a call on the whole (empty) input would give.
    assert concat_partitions([empty, empty], keep_index=False)["start"].dtype == "object"
    with pytest.raises(ValueError, match="at least one table"):
        concat_partitions([], keep_index=False)


def test_without_a_scheduler_everything_runs_here_as_one_call():
    units = _units([("a", 2), ("b", 1)])
    parts = map_partitions(_with_pid, units, scheduler=None)
    assert len(parts) == 1 and set(parts[0]["pid"]) == {os.getpid()}
    out = run_on_worker(lambda t: {"n": t["units"].assign(k=1)}, {"units": units},
                        needs=("units",), scheduler=None)
    assert out["n"]["k"].tolist() == [1, 1, 1]


def test_the_environment_variable_names_the_scheduler(monkeypatch):
    assert resolve_scheduler(None) is None
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:1")
    assert resolve_scheduler(None) == "tcp://127.0.0.1:1"
    assert resolve_scheduler("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"


def test_a_scheduler_without_distributed_installed_says_how_to_fix_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=f"dask.distributed is not installed.*{SCHEDULER_ENV}"):
        map_partitions(_with_pid, _units([("a", 1)]), scheduler="tcp://127.0.0.1:1")


# --------------------------------------------------------------------------- on a cluster


@pytest.fixture(scope="module")
def dask_cluster():
    dist = pytest.importorskip(
        "distributed", reason="dask.distributed is optional (pip install -e .[dask])")
    import cloudpickle

    # The workers cannot import this test module: send its functions by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dist.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           protocol="tcp") as cluster:
        yield cluster


def test_partitions_run_on_the_workers_and_come_back_in_table_order(dask_cluster):
    units = _units([(f"r{i:02d}", 1 + i % 4) for i in range(12)])
    parts = map_partitions(_with_pid, units, scheduler=dask_cluster.scheduler_address)
    # Two workers of one thread: at least PARTITIONS_PER_THREAD blocks each.
    assert len(parts) == 2 * distributed.PARTITIONS_PER_THREAD
    assert os.getpid() not in {pid for part in parts for pid in part["pid"]}
    expected = units.assign(n_chars=units["text"].str.len())
    out = concat_partitions(parts, keep_index=True).drop(columns="pid")
    pd.testing.assert_frame_equal(out, expected)


def _slow_square(x: int) -> int:
    # Later items finish first, so results arrive out of order.
    time.sleep(0.02 * (10 - x))
    return x * x


@pytest.mark.parametrize("window", [1, 3, 20])
def test_bounded_map_returns_results_in_item_order_whatever_the_window(dask_cluster, window):
    from distributed import Client

    with Client(dask_cluster.scheduler_address) as client:
        seen = []
        out = distributed.bounded_map(client, _slow_square, list(range(10)), window=window,
                                      on_result=lambda: seen.append(1))
        assert out == [x * x for x in range(10)] and len(seen) == 10
        # Nothing is left on the cluster once the results are back (releases reach the
        # scheduler asynchronously, so allow it a moment).
        deadline = time.monotonic() + 5
        while client.who_has() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.who_has()
        with pytest.raises(ValueError, match="window must be at least 1"):
            distributed.bounded_map(client, _slow_square, [1], window=0)


def test_a_step_runs_on_a_worker_with_only_the_tables_it_needs(dask_cluster):
    units = _units([("a", 2)])
    seen = run_on_worker(_names_and_pid, {"units": units, "other": units.head(0)},
                         needs=("units",), scheduler=dask_cluster.scheduler_address)
    assert seen["names"]["name"].tolist() == ["units"]
    assert seen["names"]["pid"].iloc[0] != os.getpid()
    with pytest.raises(ValueError, match=r"needs tables \['tokens'\]"):
        run_on_worker(_names_and_pid, {"units": units}, needs=("tokens",),
                      scheduler=dask_cluster.scheduler_address)


def _names_and_pid(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {"names": pd.DataFrame({"name": sorted(tables), "pid": os.getpid()})}


def test_keyword_counts_summed_over_worker_blocks_give_the_local_tables(dask_cluster):
    from analysis.text.keyness import (
        keyness_by_region,
        keyness_by_region_from_counts,
        keyword_frequencies,
        keyword_frequencies_from_counts,
        sum_term_counts,
        term_counts,
    )

    words = ["教育", "学校", "教师", "课程", "质量", "安全"]
    rows = [(f"r{r}", f"r{r}-{u}", words[(r * 7 + u * 3 + k) % len(words)])
            for r in range(6) for u in range(5) for k in range(1 + (r + u) % 3)]
    tokens = pd.DataFrame(rows, columns=["region_id", "unit_id", "token"])
    regions = pd.DataFrame({"region_id": [f"r{r}" for r in range(6)]})
    parts = map_partitions(functools.partial(term_counts, regions=regions), tokens,
                           scheduler=dask_cluster.scheduler_address)
    assert len(parts) > 1
    counts = sum_term_counts(parts)
    pd.testing.assert_frame_equal(keyword_frequencies_from_counts(counts),
                                  keyword_frequencies(tokens, regions=regions))
    pd.testing.assert_frame_equal(keyness_by_region_from_counts(counts, min_freq=1),
                                  keyness_by_region(tokens, regions=regions, min_freq=1))


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _use_cache(monkeypatch, cache: Path) -> None:
    """Make ``cache`` the segmentation cache of the next build, here and on the workers.

    A separate, empty cache for each build, so neither reads what the other
    computed.  The variable reaches the Dask workers too, which started with
    this process's environment.
    """
    from analysis.text.tokens import tokens_from_units

    monkeypatch.setattr(config, "CACHE_DIR", cache)
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(cache))
    # tokens_from_units took config.CACHE_DIR as its default when it was imported;
    # without this the second build would read the first one's segmentation
    # instead of segmenting on its own executor.
    monkeypatch.setitem(tokens_from_units.__kwdefaults__, "cache_dir", cache)


def test_build_on_a_dask_cluster_is_byte_identical_to_a_local_build(dask_cluster, tmp_path,
                                                                    monkeypatch):
    """Every table file and build_info.json of the five seed plans, byte for byte.

    Every step is deterministic on the cluster (the partitioned ones by
    construction, the whole-step ones because they run the same code with the
    same seed on one worker), so no tolerance is needed.
    """
    from analysis.build import build

    outputs = {}
    for name, options in (("dask", {"scheduler": dask_cluster.scheduler_address}),
                          ("local", {"n_jobs": 1})):
        _use_cache(monkeypatch, tmp_path / f"cache-{name}")
        out_dir = tmp_path / name
        # The figures step too, on the cluster only: the local build's figures are the
        # committed ones (bin/build reproduces them byte for byte).
        figures_dir = tmp_path / "dask-figures" if name == "dask" else None
        written = build(out_dir=out_dir, figures_dir=figures_dir, verbose=False, **options)
        assert written, f"the {name} build wrote nothing"
        outputs[name] = _files(out_dir)

    assert sorted(outputs["dask"]) == sorted(outputs["local"])
    assert len(outputs["local"]) > 80  # every table as CSV and Parquet, and build_info.json
    differing = [f for f in outputs["local"] if outputs["dask"][f] != outputs["local"][f]]
    assert differing == [], f"outputs that differ between the Dask and the local build: {differing}"
    drawn, shipped = _files(tmp_path / "dask-figures"), _files(config.FIGURES_DIR)
    assert len(drawn) > 60 and sorted(drawn) == sorted(shipped)
    assert [f for f in shipped if drawn[f] != shipped[f]] == []


# --------------------------------------------------------------------------- per-plan stream


def _make_corpus_module():
    # benchmarks/ is not a package: load make_corpus.py as test_benchmarks_corpus does.
    import importlib.util

    if "make_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "make_corpus", config.ROOT / "benchmarks" / "make_corpus.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_corpus"] = module
        spec.loader.exec_module(module)
    return sys.modules["make_corpus"]


@pytest.fixture(scope="module")
def corpus40(tmp_path_factory) -> Path:
    make_corpus = _make_corpus_module()
    if not (make_corpus.SHARED_REPORTS / "manifest.csv").is_file():
        pytest.skip("the government work reports (../shared/corpora/gov_work_reports) are not here")
    return make_corpus.make_corpus(40, out_dir=tmp_path_factory.mktemp("c40") / "raw")


def _local_per_plan_tables(raw: Path, out_dir: Path) -> Path:
    """The per-plan tables as a local build makes and writes them: whole corpus, one process."""
    from analysis import steps
    from analysis.build import _write_finished
    from analysis.corpus.load import load_corpus, read_manifest
    from analysis.text.tokens import tokens_from_units

    corpus = load_corpus(read_manifest(raw / "manifest.csv", raw_dir=raw), raw_dir=raw, n_jobs=1)
    themed = steps.themes_step({"corpus_units": corpus.units})["themed_units"]
    policy = steps.policy_step({"themed_units": themed})
    _write_finished({"regions": corpus.regions, "removed": corpus.removed,
                     "repairs": corpus.repairs, "units": policy["units"],
                     "targets": policy["targets"], "citations": policy["citations"],
                     "tokens": tokens_from_units(themed, cache_dir=None, progress=False)},
                    out_dir)
    return out_dir


def _assert_same_per_plan_tables(streamed: Path, built: Path) -> None:
    from analysis.io import read_table

    for stem in distributed.PER_PLAN_TABLES:
        got, expected = read_table(stem, streamed), read_table(stem, built)
        # A partitioned table reads back grouped by region id (sorted); a single file
        # in manifest order.  The unit id orders both the same.
        key = {"units": ["unit_id"], "tokens": ["unit_id", "position"]}.get(stem)
        if key:
            got = got.sort_values(key, ignore_index=True)
            expected = expected.sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(got, expected, obj=stem)


def test_per_plan_tables_without_a_scheduler_equal_the_shipped_tables(tmp_path):
    """The five plans one block each: every block leaves some column empty (all null)."""
    import pyarrow.parquet as pq

    from analysis.corpus.load import read_manifest
    from analysis.io import read_table

    manifest = read_manifest(config.MANIFEST_PATH, raw_dir=config.RAW_DIR)
    out = tmp_path / "stream"
    (out / "units").mkdir(parents=True)
    (out / "units" / "stale.parquet").write_bytes(b"an earlier run's file")
    summary = distributed.write_per_plan_tables(
        manifest, raw_dir=config.RAW_DIR, out_dir=out, scheduler=None, plans_per_partition=1,
        cache_dir=None)
    _assert_same_per_plan_tables(out, config.PROCESSED_DIR)
    shipped = {stem: read_table(stem, config.PROCESSED_DIR)
               for stem in distributed.PER_PLAN_TABLES}
    assert summary["table"].tolist() == sorted(distributed.PER_PLAN_TABLES)
    assert summary.set_index("table")["rows"].to_dict() == {
        stem: len(table) for stem, table in shipped.items()}
    assert summary.set_index("table")["plans"].to_dict() == {
        stem: table["region_id"].nunique() for stem, table in shipped.items()}
    # One file per plan, every one with the same column types (subitem_title is empty
    # in four plans, and would otherwise be written with Arrow's null type there).
    files = sorted((out / "units").rglob("*.parquet"))
    assert [f.parent.name for f in files] == [f"region_id={region}"
                                              for region in sorted(manifest["region_id"])]
    assert len({pq.read_schema(f).to_string() for f in files}) == 1
    assert not (out / ".per-plan-pieces").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["units", "tokens", *(f"{s}.parquet" for s in distributed.PER_PLAN_TABLES
                              if s not in ("units", "tokens"))])


@pytest.mark.parametrize("plans_per_partition", [0, 2.5, True])
def test_a_bad_block_size_is_refused_with_a_message_naming_it(tmp_path, plans_per_partition):
    with pytest.raises(ValueError, match="plans_per_partition must be a positive integer"):
        distributed.write_per_plan_tables(pd.DataFrame(), raw_dir=config.RAW_DIR, out_dir=tmp_path,
                                          scheduler=None, plans_per_partition=plans_per_partition)


def test_a_worker_runs_its_stages_itself_whatever_the_environment_says(monkeypatch):
    from analysis.executors import in_this_process

    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:1")
    with in_this_process():
        assert resolve_scheduler("tcp://10.0.0.1:8786") is None
        assert map_partitions(len, _units([("a", 2)]), scheduler=None) == [2]
    assert resolve_scheduler(None) == "tcp://127.0.0.1:1"


def test_per_plan_tables_streamed_on_the_cluster_equal_the_local_build(dask_cluster, corpus40,
                                                                        tmp_path):
    from analysis.corpus.load import read_manifest

    manifest = read_manifest(corpus40 / "manifest.csv", raw_dir=corpus40)
    out = tmp_path / "stream"
    # 40 plans in blocks of 7: six blocks, the last one short.
    summary = distributed.write_per_plan_tables(
        manifest, raw_dir=corpus40, out_dir=out, scheduler=dask_cluster.scheduler_address,
        plans_per_partition=7, cache_dir=None)
    _assert_same_per_plan_tables(out, _local_per_plan_tables(corpus40, tmp_path / "local"))
    assert summary.set_index("table").loc[["regions", "units", "tokens"], "plans"].tolist() == \
        [40, 40, 40]
    assert len(list((out / "tokens").glob("region_id=*"))) == 40


def test_per_plan_tables_of_the_five_plans_on_the_cluster_equal_the_shipped_tables(
        dask_cluster, tmp_path):
    from analysis.corpus.load import read_manifest

    manifest = read_manifest(config.MANIFEST_PATH, raw_dir=config.RAW_DIR)
    distributed.write_per_plan_tables(
        manifest, raw_dir=config.RAW_DIR, out_dir=tmp_path, plans_per_partition=2,
        scheduler=dask_cluster.scheduler_address, cache_dir=None)
    _assert_same_per_plan_tables(tmp_path, config.PROCESSED_DIR)


TOPIC_TABLES = ("topic_k_selection", "topics_terms", "topics_units", "topics_regions",
                "topics_vs_themes", "topic_labels", "topic_seed_agreement")


def _no_topics(tables: dict[str, pd.DataFrame], *,
               n_jobs: int | None = None) -> dict[str, pd.DataFrame]:
    # Topics take two minutes at 40 plans on two cores; the five-plan build above
    # compares them.  Empty tables keep the rest of the build as it is.
    from analysis import schema

    return {stem: pd.DataFrame(columns=schema.TABLES[stem]) for stem in TOPIC_TABLES}


def test_build_of_40_generated_plans_on_a_dask_cluster_is_byte_identical(dask_cluster, corpus40,
                                                                         tmp_path, monkeypatch):
    """Every table file of 40 generated plans, byte for byte (topics left out, see above).

    Blocks of plans come back from the workers as separate Arrow chunks; a table
    stacked from them must still be written as the same bytes as one made whole.
    """
    from analysis import steps
    from analysis.build import build

    monkeypatch.setattr(steps, "topics_step", _no_topics)
    outputs = {}
    for name, options in (("dask", {"scheduler": dask_cluster.scheduler_address}),
                          ("local", {"n_jobs": 1})):
        _use_cache(monkeypatch, tmp_path / f"cache-{name}")
        build(raw_dir=corpus40, out_dir=tmp_path / name, figures_dir=None, verbose=False,
              **options)
        outputs[name] = _files(tmp_path / name)

    assert sorted(outputs["dask"]) == sorted(outputs["local"])
    assert "units.parquet" in outputs["local"] and "tokens.parquet" in outputs["local"]
    differing = [f for f in outputs["local"] if outputs["dask"][f] != outputs["local"][f]]
    assert differing == [], f"outputs that differ between the Dask and the local build: {differing}"
