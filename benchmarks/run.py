"""Benchmark the pipeline on corpora of N plans: time, throughput, speed-up, memory.

Usage::

    python benchmarks/run.py --n 5 100 1000 [--jobs 1 2] [--skip alignment]
    python benchmarks/run.py --summary      # the tables of results.csv again

For each N the benchmark builds a corpus (``make_corpus.py``) and measures,
each configuration in a fresh Python process so that peak memory and caches
belong to that configuration alone:

``stages``
    every stage of :mod:`stages` in order, for each ``--jobs`` value, *cold*
    (empty cache folder) and then *warm* (a second process, same cache).
``build``
    ``analysis.build.build`` end to end on the corpus, cold then warm, with
    the largest ``--jobs`` value (``--build-jobs`` to change).  With
    ``--add-one``: the cold build is of the first N-1 plans, then the last plan
    is added (*add_one*: all N plans built into the same folders and cache),
    then *warm*.
``segmentation``
    the pipeline's token stage (``tokens_from_units`` with its default backend
    and HMM setting) against bare ``jieba.lcut`` over exactly the same unit
    texts with the same HMM setting, in one process.  *cold*: a fresh process
    and an empty cache (also on two processes), against ``jieba.initialize``
    plus ``jieba.lcut``; *steady*: the tokenizer already built and no cache,
    against ``jieba.lcut`` alone.  And the incremental case: with N-1
    documents cached, segmenting all N.
``speedup``
    the per-document stages (``load_corpus``; ``tokens_from_units`` with an
    empty cache) on one process and on two, alternated three times in one
    process with the fastest of each kept: the parallel speed-up, less exposed
    to other work on the machine than the separate ``stages`` runs.
``calibration``
    a pure-Python CPU loop in one process and in ``max(--jobs)`` processes:
    the speed-up this machine offers at that moment.  When other work shares
    the CPUs it is well below the number of cores, and so is every other
    speed-up measured at the same time.

Results: ``benchmarks/results.csv`` (one row per measurement; a new
measurement replaces the row of the same N, kind, stage, jobs and phase) and
``benchmarks/machine.json`` (or ``--results FILE`` and the machine file named
after it); a markdown summary is printed.  Memory is the peak summed RSS of the
process tree (``peak_mib``) and, where the platform reports it, the peak summed
PSS (``peak_pss_mib``), which counts pages shared with forked workers once
(:mod:`stages`).  Caches, outputs
and corpora go to ``benchmarks/.work/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
RESULTS_CSV = BENCH_DIR / "results.csv"
MACHINE_JSON = BENCH_DIR / "machine.json"

# peak_mib: summed RSS of the process tree (an upper bound: pages shared with forked
# workers count once per process); peak_pss_mib: summed PSS, each page counted once
# (empty where the platform reports no PSS, and in rows measured before it was added).
COLUMNS = ["n_docs", "n_chars", "kind", "stage", "jobs", "phase", "wall_s", "cpu_s",
           "chars_per_s", "peak_mib", "peak_pss_mib", "status", "detail"]

PARTS = ("stages", "build", "segmentation", "speedup")

# Interleaved rounds of the speed-up measurement.
SPEEDUP_ROUNDS = 3

# Worker processes for the pooled segmentation measurement.
POOL_JOBS = 2

# Address-space cap of every measured process (set from --max-memory).
MAX_MEMORY: dict[str, int | None] = {"bytes": None}

PACKAGES = ("pandas", "numpy", "scipy", "scikit-learn", "jieba", "rjieba", "pyarrow",
            "matplotlib", "PyYAML", "dask", "distributed", "psutil")


# --------------------------------------------------------------------------- child side


def _redirect_outputs(work: Path, raw: Path) -> None:
    """Point the package's folders at the benchmark corpus and work folder.

    ``ANALYSIS_CACHE_DIR`` is set by the parent; the other paths have no
    variable, so ``analysis.config`` is patched before the modules that read it
    at import time (as default arguments) are imported.  ``RAW_DIR`` and
    ``MANIFEST_PATH`` matter because the figure labels read region names from
    ``config.MANIFEST_PATH``, not from the build's ``raw_dir``.
    """
    from analysis import config

    config.RAW_DIR = raw
    config.MANIFEST_PATH = raw / "manifest.csv"
    config.PROCESSED_DIR = work / "processed"
    config.FIGURES_DIR = work / "figures"


def _child_stages(args: argparse.Namespace) -> dict:
    _redirect_outputs(args.work, args.raw)
    import stages

    from analysis.corpus.load import read_manifest

    manifest = read_manifest(args.raw / "manifest.csv", raw_dir=args.raw)
    ctx = {"manifest": manifest, "raw_dir": args.raw, "jobs": args.jobs,
           "cache_dir": Path(os.environ["ANALYSIS_CACHE_DIR"])}
    only = set(args.only) if args.only else None

    def report(partial: list) -> None:
        # Written after every stage: if the parent stops this process at its
        # time limit, what was measured so far is not lost.
        payload = {"stages": [asdict(r) for r in partial], **stages.rusage_peaks_mib()}
        args.result.write_text(json.dumps(payload), encoding="utf-8")

    results = stages.run_stages(ctx, only=only, skip=set(args.skip), report=report,
                                log=lambda m: print(m, file=sys.stderr))
    return {"stages": [asdict(r) for r in results], **stages.rusage_peaks_mib(),
            "memory_method": stages.MEMORY_METHOD}


def _child_build(args: argparse.Namespace) -> dict:
    _redirect_outputs(args.work, args.raw)
    import stages

    with stages.TreeMemory() as memory:
        cpu0, t0 = stages.cpu_seconds(), time.perf_counter()
        from analysis.build import build
        t_import = time.perf_counter() - t0

        def report(steps: list[dict]) -> None:
            payload = {"import_s": t_import, "steps": steps, **stages.rusage_peaks_mib()}
            args.result.write_text(json.dumps(payload), encoding="utf-8")

        steps = stages.instrument_build(memory, report)
        call = stages.build_call(build, raw_dir=args.raw, out_dir=args.work / "processed",
                                 figures_dir=args.work / "figures", jobs=args.jobs)
        t1 = time.perf_counter()
        written = call()
        t_build = time.perf_counter() - t1
        cpu = stages.cpu_seconds() - cpu0
        last, last_pss = memory.take_peaks()
        peak = _max_or_none([s.get("peak_mib") for s in steps] + [last]) \
            if last is not None else None
        peak_pss = _max_or_none([s.get("peak_pss_mib") for s in steps] + [last_pss]) \
            if last_pss is not None else None
    timed = sum(s["wall_s"] for s in steps)
    steps.append({"step": "(writing tables, build_info)", "status": "ok",
                  "wall_s": t_build - timed, "peak_mib": last, "peak_pss_mib": last_pss})
    return {"import_s": t_import, "build_s": t_build, "cpu_s": cpu, "peak_mib": peak,
            "peak_pss_mib": peak_pss, "n_files": len(written), "steps": steps,
            **stages.rusage_peaks_mib(), "memory_method": stages.MEMORY_METHOD}


def _max_or_none(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _child_segmentation(args: argparse.Namespace) -> dict:
    _redirect_outputs(args.work, args.raw)
    import inspect

    import jieba

    from analysis.corpus.load import load_corpus, read_manifest
    from analysis.text.tokens import tokens_from_units

    manifest = read_manifest(args.raw / "manifest.csv", raw_dir=args.raw)
    units = load_corpus(manifest, raw_dir=args.raw).units
    texts = units["text"].astype(str).tolist()
    n_chars = sum(len(t) for t in texts)
    defaults = inspect.signature(tokens_from_units).parameters
    hmm = defaults["hmm"].default
    backend = defaults["backend"].default if "backend" in defaults else "jieba"

    cache = args.work / "seg-cache"
    shutil.rmtree(cache, ignore_errors=True)
    # Cold: a fresh process, empty cache; includes building the tokenizer.
    t0 = time.perf_counter()
    tokens = tokens_from_units(units, cache_dir=cache, n_jobs=1, progress=False)
    t_pipeline = time.perf_counter() - t0
    # The same cold call on a pool of workers (each builds its own tokenizer).
    cache_pool = args.work / "seg-cache-pool"
    shutil.rmtree(cache_pool, ignore_errors=True)
    t0 = time.perf_counter()
    tokens_from_units(units, cache_dir=cache_pool, n_jobs=POOL_JOBS, progress=False)
    t_pool = time.perf_counter() - t0
    shutil.rmtree(cache_pool, ignore_errors=True)

    # Steady: the tokenizer already built, no cache read or written.  The
    # tokenizer is keyed by its dictionary-cache folder, which differs with
    # cache_dir=None, so one small call builds it before the clock starts.
    tokens_from_units(units.head(20), cache_dir=None, n_jobs=1, progress=False)
    t0 = time.perf_counter()
    tokens_from_units(units, cache_dir=None, n_jobs=1, progress=False)
    t_steady = time.perf_counter() - t0

    jieba.setLogLevel(60)
    t0 = time.perf_counter()
    jieba.initialize()  # jieba's own dictionary load, timed apart
    t_init = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_bare = 0
    for text in texts:
        n_bare += len(jieba.lcut(text, HMM=hmm))
    t_bare = time.perf_counter() - t0

    # Adding one plan to N-1 cached ones: only that plan is segmented.
    incremental = {}
    regions = units["region_id"].unique()
    if len(regions) > 1:
        cache2 = args.work / "seg-cache-incremental"
        shutil.rmtree(cache2, ignore_errors=True)
        tokens_from_units(units[units["region_id"] != regions[-1]], cache_dir=cache2, n_jobs=1,
                          progress=False)
        before = {p.name for p in cache2.rglob("*.parquet")}
        t0 = time.perf_counter()
        tokens_from_units(units, cache_dir=cache2, n_jobs=1, progress=False)
        t_add = time.perf_counter() - t0
        new_files = len({p.name for p in cache2.rglob("*.parquet")} - before)
        incremental = {"add_one_s": t_add, "add_one_new_cache_files": new_files}
        shutil.rmtree(cache2, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    return {"n_chars": n_chars, "n_units": len(texts), "hmm": hmm, "backend": backend,
            "pipeline_s": t_pipeline, "pipeline_pool_s": t_pool, "pipeline_steady_s": t_steady,
            "pipeline_tokens": len(tokens), "jieba_init_s": t_init, "jieba_lcut_s": t_bare,
            "jieba_tokens": n_bare, **incremental}


def _child_speedup(args: argparse.Namespace) -> dict:
    """The per-document stages on 1 and on POOL_JOBS processes, interleaved, fastest kept.

    Alternating the two settings ``SPEEDUP_ROUNDS`` times in one process means
    a burst of other work on the machine slows one sample, not one setting.
    The token stage runs with an empty cache every time (segmentation only,
    no stopwords), the pool's workers building their own tokenizers as in a
    real run.
    """
    _redirect_outputs(args.work, args.raw)
    from analysis.corpus.load import load_corpus, read_manifest
    from analysis.text.tokens import tokens_from_units

    manifest = read_manifest(args.raw / "manifest.csv", raw_dir=args.raw)
    samples: dict[str, dict[int, list[float]]] = {"load": {}, "tokens": {}}
    units = None
    for _ in range(SPEEDUP_ROUNDS):
        for jobs in (1, POOL_JOBS):
            t0 = time.perf_counter()
            units = load_corpus(manifest, raw_dir=args.raw, n_jobs=jobs).units
            samples["load"].setdefault(jobs, []).append(time.perf_counter() - t0)
        for jobs in (1, POOL_JOBS):
            cache = args.work / "speedup-cache"
            shutil.rmtree(cache, ignore_errors=True)
            t0 = time.perf_counter()
            tokens_from_units(units, cache_dir=cache, n_jobs=jobs, progress=False)
            samples["tokens"].setdefault(jobs, []).append(time.perf_counter() - t0)
            shutil.rmtree(cache, ignore_errors=True)
    return {"samples": samples, "n_unit_chars": int(units["n_chars"].sum())}


CHILDREN = {"stages": _child_stages, "build": _child_build, "segmentation": _child_segmentation,
            "speedup": _child_speedup}


# --------------------------------------------------------------------------- parent side


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def calibration(jobs: int, *, loops: int = 8, size: int = 2_000_000,
                rounds: int = 3) -> dict[str, float]:
    """Speed-up of an embarrassingly parallel pure-Python loop on ``jobs`` processes now.

    Serial and parallel runs alternate ``rounds`` times and the fastest of each
    is kept, so a burst of other work during one run does not decide the figure.
    """
    serial, parallel = [], []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_spin, [1] * jobs))  # start the workers before the clock
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(loops):
                _spin(size)
            serial.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            list(pool.map(_spin, [size] * loops))
            parallel.append(time.perf_counter() - t0)
    return {"serial_s": min(serial), "parallel_s": min(parallel),
            "speedup": min(serial) / min(parallel)}


def machine_info() -> dict[str, object]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "analysis"],
                           capture_output=True, text=True, check=False).stdout.strip()
    import stages

    return {
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kib / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": commit + (" + uncommitted changes in analysis/" if dirty else ""),
        "memory_method": stages.MEMORY_METHOD,
        "date": time.strftime("%Y-%m-%d"),
    }


def _limit_memory(max_bytes: int | None) -> Callable[[], None] | None:
    """A pre-exec hook capping each process's address space (inherited by pool workers).

    Beyond the cap an allocation fails with MemoryError, which the stage
    reports as its error, instead of the whole machine running out of memory.
    """
    if max_bytes is None:
        return None

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    return limit


def _run_child(kind: str, *, n: int, raw: Path, work: Path, cache: Path, jobs: int | None,
               extra: list[str], timeout: float | None) -> dict:
    """Run one measurement in a fresh process; stop it (and its workers) at ``timeout`` s."""
    result_file = work / f"result-{kind}.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--raw", str(raw),
               "--work", str(work), "--result", str(result_file), *extra]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "ANALYSIS_CACHE_DIR": str(cache), "ANALYSIS_DASK_SCHEDULER": ""}
    t0 = time.perf_counter()
    # A session of its own, so the child and its pool workers can be stopped together.
    child = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True,
                             preexec_fn=_limit_memory(MAX_MEMORY["bytes"]))
    timed_out = False
    try:
        returncode = child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(child.pid, signal.SIGTERM)
        try:
            returncode = child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            returncode = child.wait()
    elapsed = time.perf_counter() - t0
    partial = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else {}
    if timed_out:
        return {**partial, "timeout_s": timeout,
                "error": f"{kind} stopped at the time limit of {timeout:.0f} s"}
    if returncode != 0 or not partial:
        return {**partial, "error": f"{kind} child exited with {returncode} after {elapsed:.0f} s"}
    return partial


def _blank(value: float | None) -> float | str:
    """A measurement, or the empty cell results.csv uses for 'not measured'."""
    return "" if value is None else value


def _row(**values: object) -> dict[str, object]:
    row = {column: "" for column in COLUMNS}
    for key, value in values.items():
        row[key] = round(value, 4) if isinstance(value, float) else value
    return row


def _best_stages(outs: list[dict]) -> dict:
    """Merge repeated stage runs: each stage's fastest run; the largest peak memory."""
    good = [o for o in outs if "error" not in o]
    if not good:
        return outs[0]
    merged = {**good[0], "stages": []}
    for i, first in enumerate(good[0]["stages"]):
        timed = [o["stages"][i] for o in good if o["stages"][i]["wall_s"] is not None]
        best = dict(min(timed, key=lambda r: r["wall_s"])) if timed else dict(first)
        for key in ("peak_mib", "peak_pss_mib"):
            best[key] = _max_or_none([r.get(key) for r in timed])
        merged["stages"].append(best)
    for key in ("maxrss_self_mib", "maxrss_children_mib"):
        merged[key] = max(o[key] for o in good)
    return merged


def _best_build(outs: list[dict]) -> dict:
    """Merge repeated builds: the fastest run; the largest peak memory."""
    good = [o for o in outs if "error" not in o]
    if not good:
        return outs[0]
    best = dict(min(good, key=lambda o: o["import_s"] + o["build_s"]))
    for key in ("peak_mib", "peak_pss_mib", "maxrss_self_mib", "maxrss_children_mib"):
        best[key] = _max_or_none([o.get(key) for o in good])
    return best


def _best_segmentation(outs: list[dict]) -> dict:
    """Merge repeated segmentation runs: the fastest time of each measurement."""
    good = [o for o in outs if "error" not in o]
    if not good:
        return outs[0]
    best = dict(good[0])
    for key in best:
        if key.endswith("_s"):
            best[key] = min(o[key] for o in good)
    return best


def corpus_chars(raw: Path) -> int:
    """Characters in the corpus as decoded by the read stage (the throughput numerator)."""
    from analysis.corpus.load import read_manifest
    from analysis.corpus.read import read_text_file

    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    return sum(read_text_file(raw / name).n_chars_decoded for name in manifest["file"])


def without_last_plan(raw: Path, out_dir: Path) -> Path:
    """A raw folder of ``raw``'s plans but the last: its manifest less one row, links to the files.

    The files are symbolic links, so the N-1 plans are byte for byte those of ``raw``.
    """
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    # Bytes, so the manifest's line endings and encoding stay as they are.
    lines = (raw / "manifest.csv").read_bytes().rstrip(b"\r\n").splitlines(keepends=True)
    (out_dir / "manifest.csv").write_bytes(b"".join(lines[:-1]))
    for path in sorted(raw.iterdir()):
        if path.name != "manifest.csv":
            (out_dir / path.name).symlink_to(path.resolve())
    return out_dir


def bench_n(n: int, *, jobs_list: list[int], build_jobs: int, skip: list[str],
            only: list[str], repeat: int, timeout: float | None, parts: list[str],
            log, add_one: bool = False) -> list[dict]:
    from make_corpus import make_corpus

    raw = make_corpus(n)
    base = WORK_DIR / f"run-{n}"
    rows: list[dict] = []
    n_chars = corpus_chars(raw)

    load1 = os.getloadavg()[0]
    cal = calibration(max(jobs_list))
    rows.append(_row(n_docs=n, kind="calibration", stage="cpu_loop", jobs=max(jobs_list),
                     phase="+".join(parts), wall_s=cal["parallel_s"], status="ok",
                     detail=f"serial {cal['serial_s']:.2f} s, speed-up {cal['speedup']:.2f}x, "
                            f"load average {load1:.2f}"))
    log(f"N={n}: calibration speed-up {cal['speedup']:.2f}x (load average {load1:.2f})")

    extra = (["--skip", *skip] if skip else []) + (["--only", *only] if only else [])
    for jobs in jobs_list if "stages" in parts else []:
        work = base / f"stages-j{jobs}"
        cache = work / "cache"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        runs: dict[str, list[dict]] = {"cold": [], "warm": []}
        for rep in range(repeat):
            shutil.rmtree(cache, ignore_errors=True)
            for phase in ("cold", "warm"):
                if phase == "warm" and "timeout_s" in runs["cold"][-1]:
                    runs[phase].append({"error": "not run: the cold run hit the time limit"})
                    continue
                log(f"N={n}: stages, jobs={jobs}, {phase} ({rep + 1}/{repeat})")
                runs[phase].append(_run_child("stages", n=n, raw=raw, work=work, cache=cache,
                                              jobs=jobs, extra=extra, timeout=timeout))
        for phase in ("cold", "warm"):
            out = _best_stages(runs[phase])
            if "error" in out:
                rows.append(_row(n_docs=n, kind="stages", stage="(all)", jobs=jobs, phase=phase,
                                 status="error", detail=out["error"]))
            for r in out.get("stages", []):
                status, detail = r["status"], r["detail"]
                if status == "running" and "timeout_s" in out:
                    status = "timeout"
                    ran = out["timeout_s"] - r["started_s"]
                    detail = (f"did not finish: still running {ran:.0f} s after it started, "
                              "when the time limit stopped the run")
                elif status == "running":
                    status, detail = "error", f"the process died in this stage: {out['error']}"
                rate = r["n_chars"] / r["wall_s"] if r["wall_s"] else ""
                rows.append(_row(n_docs=n, kind="stage", stage=r["stage"], jobs=jobs, phase=phase,
                                 wall_s=r["wall_s"] if r["wall_s"] is not None else "",
                                 cpu_s=r["cpu_s"] if r["cpu_s"] is not None else "",
                                 chars_per_s=rate,
                                 peak_mib=r["peak_mib"] if r["peak_mib"] is not None else "",
                                 peak_pss_mib=_blank(r.get("peak_pss_mib")),
                                 status=status, detail=detail))
            if "maxrss_self_mib" in out:
                # Keyed by the stages run, so a partial run never replaces a full one.
                which = ",".join(only) if only else "all"
                which += f" but {','.join(skip)}" if skip else ""
                rows.append(_row(n_docs=n, kind="stages", stage=f"(process: {which})", jobs=jobs,
                                 phase=phase, peak_mib=out["maxrss_self_mib"], status="ok",
                                 detail=f"ru_maxrss self {out['maxrss_self_mib']:.0f} MiB, "
                                        f"largest child {out['maxrss_children_mib']:.0f} MiB"))

    work = base / f"build-j{build_jobs}"
    cache = work / "cache"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # With add_one the cold build is of the first N-1 plans; the last plan is then
    # added (a build of all N into the same folders and cache), then nothing changes (warm).
    phases = ("cold", "add_one", "warm") if add_one else ("cold", "warm")
    cold_raw = without_last_plan(raw, base / "raw-minus-one") if add_one else raw
    runs: dict[str, list[dict]] = {phase: [] for phase in phases}
    for rep in range(repeat if "build" in parts else 0):
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(work / "processed", ignore_errors=True)
        shutil.rmtree(work / "figures", ignore_errors=True)
        for phase in phases:
            if phase != "cold" and "timeout_s" in runs["cold"][-1]:
                runs[phase].append({"error": "not run: the cold build hit the time limit"})
                continue
            log(f"N={n}: build, jobs={build_jobs}, {phase} ({rep + 1}/{repeat})")
            runs[phase].append(_run_child(
                "build", n=n, raw=cold_raw if phase == "cold" else raw, work=work, cache=cache,
                jobs=build_jobs, extra=[], timeout=timeout))
    for phase in phases if "build" in parts else ():
        out = _best_build(runs[phase])
        if "error" in out:
            status = "timeout" if "timeout_s" in out else "error"
            rows.append(_row(n_docs=n, kind="build", stage="build", jobs=build_jobs, phase=phase,
                             status=status, detail=out["error"]))
            for step in out.get("steps", []):
                done = step["status"] == "ok"
                rows.append(_row(
                    n_docs=n, kind="build_step", stage=step["step"], jobs=build_jobs, phase=phase,
                    wall_s=step.get("wall_s", ""), peak_mib=step.get("peak_mib") or "",
                    peak_pss_mib=_blank(step.get("peak_pss_mib")),
                    status=step["status"] if done else status,
                    detail="" if done else f"did not finish ({out['error']})"))
            continue
        for step in out.get("steps", []):
            rows.append(_row(n_docs=n, kind="build_step", stage=step["step"], jobs=build_jobs,
                             phase=phase, wall_s=step.get("wall_s", ""),
                             peak_mib=step.get("peak_mib") or "",
                             peak_pss_mib=_blank(step.get("peak_pss_mib")),
                             status=step["status"]))
        total = out["import_s"] + out["build_s"]
        rows.append(_row(n_docs=n, kind="build", stage="build", jobs=build_jobs, phase=phase,
                         wall_s=total, cpu_s=out["cpu_s"],
                         chars_per_s=n_chars / total if n_chars else "",
                         peak_mib=out["peak_mib"] if out["peak_mib"] is not None else "",
                         peak_pss_mib=_blank(out.get("peak_pss_mib")),
                         status="ok",
                         detail=f"import {out['import_s']:.2f} s + build {out['build_s']:.2f} s; "
                                f"{out['n_files']} files; ru_maxrss self "
                                f"{out['maxrss_self_mib']:.0f} MiB, largest child "
                                f"{out['maxrss_children_mib']:.0f} MiB"))

    if "segmentation" in parts:
        work = base / "segmentation"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        log(f"N={n}: segmentation ratio")
        out = _best_segmentation([
            _run_child("segmentation", n=n, raw=raw, work=work, cache=work / "cache", jobs=None,
                       extra=[], timeout=timeout) for _ in range(repeat)])
        if "error" in out:
            rows.append(_row(n_docs=n, kind="segmentation", stage="ratio", jobs=1,
                             status="error", detail=out["error"]))
        else:
            cold_ratio = (out["jieba_init_s"] + out["jieba_lcut_s"]) / out["pipeline_s"]
            steady_ratio = out["jieba_lcut_s"] / out["pipeline_steady_s"]
            rows.append(_row(n_docs=n, kind="segmentation", stage="pipeline_tokens", jobs=1,
                             phase="cold", wall_s=out["pipeline_s"],
                             chars_per_s=out["n_chars"] / out["pipeline_s"], status="ok",
                             detail=f"tokens_from_units backend={out['backend']} hmm={out['hmm']}"
                                    f", fresh process, empty cache; {out['pipeline_tokens']} "
                                    "tokens after clean-up"))
            if "pipeline_pool_s" in out:
                rows.append(_row(n_docs=n, kind="segmentation", stage="pipeline_tokens",
                                 jobs=POOL_JOBS, phase="cold", wall_s=out["pipeline_pool_s"],
                                 chars_per_s=out["n_chars"] / out["pipeline_pool_s"],
                                 status="ok", detail=f"as above with n_jobs={POOL_JOBS}; speed-up "
                                 f"{out['pipeline_s'] / out['pipeline_pool_s']:.2f}x"))
            rows.append(_row(n_docs=n, kind="segmentation", stage="pipeline_tokens", jobs=1,
                             phase="steady", wall_s=out["pipeline_steady_s"],
                             chars_per_s=out["n_chars"] / out["pipeline_steady_s"], status="ok",
                             detail="second call, tokenizer built, cache_dir=None"))
            rows.append(_row(n_docs=n, kind="segmentation", stage="jieba_init", jobs=1,
                             phase="cold", wall_s=out["jieba_init_s"], status="ok",
                             detail="jieba.initialize() (dictionary load, jieba's own cache)"))
            rows.append(_row(n_docs=n, kind="segmentation", stage="jieba_lcut", jobs=1,
                             phase="steady", wall_s=out["jieba_lcut_s"],
                             chars_per_s=out["n_chars"] / out["jieba_lcut_s"], status="ok",
                             detail=f"jieba.lcut(text, HMM={out['hmm']}) over the same "
                                    f"{out['n_units']} unit texts; {out['jieba_tokens']} tokens"))
            rows.append(_row(n_docs=n, kind="segmentation", stage="ratio", jobs=1, phase="cold",
                             wall_s=cold_ratio, status="ok",
                             detail="(jieba.initialize + jieba.lcut) / pipeline token stage in a "
                                    "fresh process"))
            rows.append(_row(n_docs=n, kind="segmentation", stage="ratio", jobs=1,
                             phase="steady", wall_s=steady_ratio, status="ok",
                             detail="jieba.lcut / pipeline token stage, both dictionaries loaded"))
            if "add_one_s" in out:
                rows.append(_row(n_docs=n, kind="segmentation", stage="add_one_plan", jobs=1,
                                 phase="warm", wall_s=out["add_one_s"], status="ok",
                                 detail=f"{out['add_one_new_cache_files']} document(s) segmented "
                                        f"with {n - 1} cached"))
    if "speedup" in parts:
        work = base / "speedup"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        log(f"N={n}: speed-up of the per-document stages, 1 vs {POOL_JOBS} processes")
        out = _run_child("speedup", n=n, raw=raw, work=work, cache=work / "cache", jobs=None,
                         extra=[], timeout=timeout)
        if "error" in out:
            rows.append(_row(n_docs=n, kind="speedup", stage="(all)", status="error",
                             detail=out["error"]))
        for stage, by_jobs in out.get("samples", {}).items():
            best = {int(j): min(times) for j, times in by_jobs.items()}
            for jobs, times in sorted(by_jobs.items(), key=lambda kv: int(kv[0])):
                jobs = int(jobs)
                detail = "samples " + ", ".join(f"{t:.2f}" for t in times) + " s"
                if jobs != 1:
                    detail += f"; speed-up {best[1] / best[jobs]:.2f}x"
                chars = n_chars if stage == "load" else out["n_unit_chars"]
                rows.append(_row(n_docs=n, kind="speedup", stage=stage, jobs=jobs,
                                 phase="interleaved", wall_s=best[jobs],
                                 chars_per_s=chars / best[jobs], status="ok", detail=detail))
    for row in rows:
        row["n_chars"] = n_chars
    return rows


def write_results(rows: list[dict], path: Path = RESULTS_CSV) -> None:
    """Add ``rows`` to ``path`` (results.csv), replacing earlier rows of the same measurement."""
    def key(row: dict) -> tuple[str, ...]:
        return tuple(str(row[c]) for c in ("n_docs", "kind", "stage", "jobs", "phase"))

    new_keys = {key(r) for r in rows}
    kept: list[dict] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            kept = [r for r in csv.DictReader(handle) if key(r) not in new_keys]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept + rows)


# --------------------------------------------------------------------------- summary


def _f(value: object, fmt: str = "{:.2f}") -> str:
    if value in ("", None):
        return "–"
    return fmt.format(float(value))


def _find_stage(rows: list[dict], name: str, jobs: int, phase: str) -> dict | None:
    return next((r for r in rows if r["kind"] == "stage" and r["stage"] == name
                 and int(r["jobs"]) == jobs and r["phase"] == phase), None)


def markdown(rows: list[dict]) -> str:
    """The summary tables of each N from rows of results.csv."""
    out: list[str] = []
    for n in sorted({int(r["n_docs"]) for r in rows}):
        sub = [r for r in rows if int(r["n_docs"]) == n]
        chars = next((r["n_chars"] for r in sub if r["n_chars"] not in ("", None)), "")
        out.append(f"\n### N = {n} ({_f(chars, '{:,.0f}')} characters read)\n")
        for cal in (r for r in sub if r["kind"] == "calibration"):
            out.append(f"Calibration before measuring {cal['phase'] or 'this N'} "
                       f"(pure-Python loop, fastest of three): {cal['detail']}.\n")
        _stage_table(out, sub)
        _build_tables(out, sub)
        _speedup_table(out, sub)
        _segmentation_table(out, sub)
    return "\n".join(out)


def _stage_table(out: list[str], sub: list[dict]) -> None:
    """Per stage: cold time for each jobs value, speed-up, warm time, rate, memory."""
    jobs = sorted({int(r["jobs"]) for r in sub if r["kind"] == "stage"})
    if not jobs:
        return
    header = ["stage"] + [f"cold j={j} (s)" for j in jobs]
    if len(jobs) > 1:
        header.append(f"speed-up j={jobs[0]}→{jobs[-1]}")
    header += [f"warm j={jobs[-1]} (s)", "chars/s (cold)", "peak RSS MiB (cold)",
               "peak PSS MiB (cold)", "status"]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    for name in dict.fromkeys(r["stage"] for r in sub if r["kind"] == "stage"):
        cold = [_find_stage(sub, name, j, "cold") for j in jobs]
        warm = _find_stage(sub, name, jobs[-1], "warm")
        last = cold[-1] or {}
        cells = [name] + [_f(c["wall_s"]) if c else "–" for c in cold]
        if len(jobs) > 1:
            a, b = cold[0], cold[-1]
            ok = a and b and a["wall_s"] not in ("", None) and b["wall_s"] not in ("", None)
            cells.append(f"{float(a['wall_s']) / float(b['wall_s']):.2f}x" if ok else "–")
        cells += [_f(warm["wall_s"]) if warm else "–", _f(last.get("chars_per_s"), "{:,.0f}"),
                  _f(last.get("peak_mib"), "{:,.0f}"), _f(last.get("peak_pss_mib"), "{:,.0f}"),
                  last.get("status", "")]
        out.append("| " + " | ".join(str(c) for c in cells) + " |")


def _build_tables(out: list[str], sub: list[dict]) -> None:
    """The end-to-end builds, then their steps."""
    builds = [r for r in sub if r["kind"] == "build"]
    if not builds:
        return
    out.append("\n| build | jobs | wall (s) | CPU (s) | peak RSS MiB | peak PSS MiB | detail |")
    out.append("|---|---|---|---|---|---|---|")
    for r in builds:
        out.append(f"| {r['phase']} | {r['jobs']} | {_f(r['wall_s'])} | {_f(r['cpu_s'])}"
                   f" | {_f(r['peak_mib'], '{:,.0f}')} | {_f(r.get('peak_pss_mib'), '{:,.0f}')}"
                   f" | {r['detail']} |")
    steps = [r for r in sub if r["kind"] == "build_step"]
    if not steps:
        return
    out.append("\n| build step | " + " | ".join(f"{b['phase']} j={b['jobs']} (s)" for b in builds)
               + " | peak RSS MiB (cold) | peak PSS MiB (cold) |")
    out.append("|---|" + "---|" * (len(builds) + 2))
    for name in dict.fromkeys(r["stage"] for r in steps):
        cells = []
        for b in builds:
            r = next((x for x in steps if x["stage"] == name and x["phase"] == b["phase"]
                      and x["jobs"] == b["jobs"]), None)
            cells.append("–" if r is None else
                         (_f(r["wall_s"]) if r["status"] == "ok" else r["status"]))
        cold = next((x for x in steps if x["stage"] == name and x["phase"] == "cold"), {})
        out.append(f"| {name} | " + " | ".join(cells)
                   + f" | {_f(cold.get('peak_mib'), '{:,.0f}')}"
                   f" | {_f(cold.get('peak_pss_mib'), '{:,.0f}')} |")


def _speedup_table(out: list[str], sub: list[dict]) -> None:
    speed = [r for r in sub if r["kind"] == "speedup"]
    if not speed:
        return
    out.append("\n| per-document stage (interleaved) | jobs | fastest (s) | chars/s | samples |")
    out.append("|---|---|---|---|---|")
    for r in speed:
        out.append(f"| {r['stage']} | {r['jobs']} | {_f(r['wall_s'])} | "
                   f"{_f(r['chars_per_s'], '{:,.0f}')} | {r['detail']} |")


def _segmentation_table(out: list[str], sub: list[dict]) -> None:
    seg = [r for r in sub if r["kind"] == "segmentation"]
    if not seg:
        return
    out.append("\n| segmentation | phase | jobs | wall (s) | chars/s | detail |")
    out.append("|---|---|---|---|---|---|")
    for r in seg:
        ratio = r["stage"] == "ratio"
        rate = "–" if ratio else _f(r["chars_per_s"], "{:,.0f}")
        wall = _f(r["wall_s"], "**{:.1f}x**") if ratio else _f(r["wall_s"])
        out.append(f"| {r['stage']} | {r['phase']} | {r['jobs']} | {wall} | {rate} | "
                   f"{r['detail']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[5, 100, 1000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="worker processes for the per-document stages (default: 1 2)")
    parser.add_argument("--build-jobs", type=int, default=None,
                        help="jobs for the end-to-end build (default: the largest --jobs)")
    parser.add_argument("--skip", nargs="*", default=[], help="stages not to run")
    parser.add_argument("--only", nargs="*", default=[], help="run only these stages")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each measurement this many times and keep the fastest")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before one measurement (a stages run, a build) is stopped "
                             "and reported as not finished; 0 for no limit (default 1800)")
    parser.add_argument("--max-memory", type=float, default=8.0,
                        help="GiB of address space each measured process may use; beyond it "
                             "the stage fails with MemoryError (default 8; 0 for no cap)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS),
                        help="what to measure (default: all of stages, build, segmentation, "
                             "speedup)")
    parser.add_argument("--add-one", action="store_true",
                        help="build part: build the first N-1 plans cold, then add the last "
                             "plan (phase add_one), then rebuild with nothing changed (warm)")
    parser.add_argument("--results", type=Path, default=RESULTS_CSV,
                        help="results file to add to (default benchmarks/results.csv); the "
                             "machine file is named after it (results_x.csv -> machine_x.json)")
    parser.add_argument("--summary", action="store_true",
                        help="print the tables of benchmarks/results.csv and exit")
    # Internal: one measurement in a fresh process.
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.jobs is not None and isinstance(args.jobs, list):
            args.jobs = args.jobs[0]
        result = CHILDREN[args.child](args)
        args.result.write_text(json.dumps(result), encoding="utf-8")
        return 0

    if args.summary:
        with args.results.open(encoding="utf-8", newline="") as handle:
            print(markdown(list(csv.DictReader(handle))))
        return 0

    if min(args.jobs) < 1 or min(args.n) < 1 or args.repeat < 1:
        parser.error("--n, --jobs and --repeat take positive integers")

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    MAX_MEMORY["bytes"] = int(args.max_memory * 2**30) if args.max_memory else None
    info = machine_info()
    machine_json = (MACHINE_JSON if args.results == RESULTS_CSV else
                    args.results.with_name(args.results.stem.replace("results", "machine", 1)
                                           + ".json"))
    machine_json.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    log(f"machine: {info['cpu_model']}, {info['cpus_available']} CPUs, {info['ram_gib']} GiB")
    all_rows: list[dict] = []
    for n in args.n:
        t0 = time.perf_counter()
        rows = bench_n(n, jobs_list=args.jobs, build_jobs=args.build_jobs or max(args.jobs),
                       skip=args.skip, only=args.only, repeat=args.repeat,
                       timeout=args.timeout or None, parts=args.parts, log=log,
                       add_one=args.add_one)
        log(f"N={n}: done in {time.perf_counter() - t0:.0f} s")
        all_rows += rows
        write_results(rows, args.results)
    print(f"\nMachine: {json.dumps(info, ensure_ascii=False)}")
    print(markdown([{k: str(v) for k, v in r.items()} for r in all_rows]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
