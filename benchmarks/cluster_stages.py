"""The per-plan stages on a two-worker Dask ``LocalCluster`` at growing N: memory per worker.

The scale issue asks whether the stages that work plan by plan (loading, theme
and policy coding, segmentation) keep each worker's memory flat as the number of
plans grows, so that a collection of every county's plans for a decade (~30,000)
fits a cluster whose workers are no larger than this machine.  For each N this
script generates the synthetic corpus (``make_corpus.py``), starts a
``LocalCluster`` of two worker processes with one thread each, runs those stages
the way ``python -m analysis build --scheduler`` does, and samples every 0.5 s
the proportional set size (PSS) of each worker and of the client process.

In the default mode (``stages``) the client collects every stage's result
(the units and tokens tables), so its memory grows with N by design; the
workers' should not.  With ``--stream`` the same four stages run as one
streaming pass (:func:`analysis.distributed.write_per_plan_tables`): each
block of plans is loaded, coded and segmented on a worker and written to
Parquet there, so the client's memory should stay flat too; it is measured as
one row, stage ``stream``.  The numbers are measurements, not assertions.
Usage::

    .venv/bin/python benchmarks/cluster_stages.py --n 1000 3000
    .venv/bin/python benchmarks/cluster_stages.py --stream --n 100 1000
    .venv/bin/python benchmarks/cluster_stages.py --stream --raw-dir /work/bench/corpus-30000/raw
    .venv/bin/python benchmarks/cluster_stages.py --summary

``--raw-dir`` measures a corpus already generated (N is its manifest's
length) instead of generating one; the stream's tables go to ``--out-dir``
(default ``benchmarks/.work/stream-<N>/``, replaced on each run).

Writes ``benchmarks/results_cluster.csv`` (one row per mode, N and stage; a
new measurement replaces the old row).
"""

from __future__ import annotations

import argparse
import csv
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
RESULTS = BENCH_DIR / "results_cluster.csv"
STAGES = ("load", "themes", "policy", "tokens", "stream")
MODES = ("stages", "stream")
FIELDS = ["mode", "n_plans", "stage", "seconds", "rows_out", "worker_peak_pss_mib",
          "client_peak_pss_mib"]
MIB = 1024 * 1024


def _pss() -> int:
    """This process's proportional set size in bytes (RSS where PSS is unavailable)."""
    info = psutil.Process().memory_full_info()
    return getattr(info, "pss", info.rss)


class Sampler:
    """Peak PSS of each worker and of the client, sampled on a thread while a stage runs."""

    def __init__(self, client, interval: float = 0.5) -> None:
        self.client, self.interval = client, interval
        self.worker_peak = 0
        self.client_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            workers = self.client.run(_pss)
            self.worker_peak = max(self.worker_peak, *workers.values())
            self.client_peak = max(self.client_peak, _pss())
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(client, name: str, n: int, work: Callable[[], object], rows: list[dict],
            *, mode: str = "stages") -> object:
    with Sampler(client) as sampler:
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
    if mode == "stream":
        # The stream's summary: rows written per table; the largest is the tokens table.
        rows_out = int(result["rows"].max())
    else:
        # The stage's main table: the corpus's units, or the largest table a step made.
        tables = (result.values() if isinstance(result, dict)
                  else [getattr(result, "units", result)])
        rows_out = max(len(table) for table in tables)
    rows.append({"mode": mode, "n_plans": n, "stage": name, "seconds": round(seconds, 1),
                 "rows_out": rows_out,
                 "worker_peak_pss_mib": round(sampler.worker_peak / MIB),
                 "client_peak_pss_mib": round(sampler.client_peak / MIB)})
    print(f"N={n} {name}: {rows[-1]}", file=sys.stderr, flush=True)
    return result


def _cluster():
    from distributed import LocalCluster

    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                        memory_limit=0, dashboard_address=None)


def run_stream(raw: Path, *, out_dir: Path | None = None,
               plans_per_partition: int | None = None) -> list[dict]:
    """The streaming pass over the corpus in ``raw``: one row, stage ``stream``."""
    from distributed import Client

    from analysis import distributed
    from analysis.corpus.load import read_manifest

    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    n = len(manifest)
    out_dir = out_dir or BENCH_DIR / ".work" / f"stream-{n}"
    size = plans_per_partition or distributed.PLANS_PER_PARTITION
    rows: list[dict] = []
    with _cluster() as cluster, Client(cluster) as client:
        measure(client, "stream", n, lambda: distributed.write_per_plan_tables(
            manifest, raw_dir=raw, out_dir=out_dir, scheduler=cluster.scheduler_address,
            plans_per_partition=size, cache_dir=None), rows, mode="stream")
    return rows


def run_n(n: int, *, raw: Path | None = None) -> list[dict]:
    from distributed import Client
    from make_corpus import make_corpus

    from analysis import steps
    from analysis.corpus.load import load_corpus, read_manifest
    from analysis.text.tokens import tokens_from_units

    raw = raw or make_corpus(n)
    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    n = len(manifest)
    rows: list[dict] = []
    with _cluster() as cluster, Client(cluster) as client:
        address = cluster.scheduler_address
        corpus = measure(client, "load", n, lambda: load_corpus(
            manifest, raw_dir=raw, scheduler=address), rows)
        # partial binds the table now, so the corpus can be let go before coding.
        themes = partial(steps.themes_step, {"corpus_units": corpus.units}, scheduler=address)
        del corpus
        themed = measure(client, "themes", n, themes, rows)
        del themes
        units = themed["themed_units"]
        measure(client, "policy", n, lambda: steps.policy_step(
            {"themed_units": units}, scheduler=address), rows)
        measure(client, "tokens", n, lambda: tokens_from_units(
            units, scheduler=address, cache_dir=None, progress=False), rows)
    return rows


def write(rows: list[dict]) -> None:
    old = []
    if RESULTS.exists():
        with RESULTS.open(encoding="utf-8") as f:
            # Rows from before the stream mode measured the stages.
            old = [{**r, "mode": r.get("mode") or "stages"} for r in csv.DictReader(f)]
    done = {(r["mode"], str(r["n_plans"]), r["stage"]) for r in rows}
    kept = [r for r in old if (r["mode"], r["n_plans"], r["stage"]) not in done]
    merged = sorted(kept + rows, key=lambda r: (MODES.index(r["mode"]), int(r["n_plans"]),
                                                STAGES.index(r["stage"])))
    with RESULTS.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(merged)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000])
    parser.add_argument("--stream", action="store_true",
                        help="measure the streaming pass (write_per_plan_tables) instead")
    parser.add_argument("--raw-dir", type=Path,
                        help="an existing corpus folder (with manifest.csv) instead of --n")
    parser.add_argument("--out-dir", type=Path,
                        help="where --stream writes its tables (default benchmarks/.work/)")
    parser.add_argument("--plans-per-partition", type=int,
                        help="plans per block for --stream (default the package's)")
    parser.add_argument("--summary", action="store_true", help="print the results and exit")
    args = parser.parse_args(argv)
    if not args.summary:
        from make_corpus import make_corpus

        corpora = [args.raw_dir] if args.raw_dir else [None] * len(args.n)
        for n, raw in zip(args.n if not args.raw_dir else [0], corpora, strict=True):
            if args.stream:
                write(run_stream(raw or make_corpus(n), out_dir=args.out_dir,
                                 plans_per_partition=args.plans_per_partition))
            else:
                write(run_n(n, raw=raw))
    print(RESULTS.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
