"""Text reuse, exact against MinHash LSH: wall time, peak RSS and recall by characters.

Usage::

    python benchmarks/reuse_methods.py --n 5 100 500   # plan units loaded as stages.py loads them

Each (N, method) runs in a fresh child process (``ru_maxrss`` is then that run's
peak; the loaded units table is included and reported apart).  Recall is the
share of the exact method's reused characters (``n_chars`` of ``kind ==
"reuse"`` rows) that the LSH rows cover; LSH rows are always a subset of the
exact rows, which is checked too.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

KEY = ["unit_id_a", "start_a", "end_a", "unit_id_b", "start_b", "end_b"]


def plan_units(n: int):
    """Plan-part units of the N-plan corpus (the five plans' own units for N = 5)."""
    from make_corpus import WORK_DIR, make_corpus

    from analysis import config
    from analysis.corpus.load import load_corpus, read_manifest

    cached = WORK_DIR / f"plan_units-{n}.parquet"
    if cached.is_file():
        import pandas as pd
        return pd.read_parquet(cached)
    raw = make_corpus(n) if n != 5 else config.RAW_DIR
    manifest = read_manifest(raw / "manifest.csv", raw_dir=raw)
    units = load_corpus(manifest, raw_dir=raw, n_jobs=1).units
    units = units.loc[units["part"] == "plan", ["region_id", "unit_id", "part", "text"]]
    WORK_DIR.mkdir(exist_ok=True)
    units.to_parquet(cached)
    return units


def child(n: int, method: str, out: Path) -> None:
    from analysis.text.reuse import text_reuse

    units = plan_units(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    table = text_reuse(units, method=method)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table.loc[table["kind"] == "reuse", KEY + ["n_chars"]].to_parquet(out)
    print(json.dumps({"n": n, "method": method, "seconds": round(seconds, 2),
                      "peak_mib": round(peak), "before_mib": round(before),
                      "n_chars": int(units["text"].str.len().sum()), "units": len(units),
                      "reuse_rows": int((table["kind"] == "reuse").sum())}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", required=True)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(int(args.child[0]), args.child[1], Path(args.child[2]))
        return 0
    import pandas as pd
    from make_corpus import WORK_DIR
    for n in args.n:
        plan_units(n)
        rows = {}
        for method in ("exact", "lsh"):
            out = WORK_DIR / f"reuse-{n}-{method}.parquet"
            done = subprocess.run([sys.executable, __file__, "--n", str(n), "--child", str(n),
                                   method, str(out)], check=True, capture_output=True, text=True)
            rows[method] = json.loads(done.stdout.strip().splitlines()[-1])
            rows[method]["table"] = pd.read_parquet(out)
        exact, lsh = rows["exact"].pop("table"), rows["lsh"].pop("table")
        matched = lsh.merge(exact, on=KEY + ["n_chars"], how="left", indicator=True)
        recall = lsh["n_chars"].sum() / max(exact["n_chars"].sum(), 1)
        print(json.dumps({**{f"{m}_{k}": v for m, r in rows.items() for k, v in r.items()},
                          "recall_chars": round(float(recall), 4),
                          "lsh_subset_of_exact": bool(matched["_merge"].eq("both").all())}),
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
