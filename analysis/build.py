"""``python -m analysis build``: regenerate ``data/processed/`` from ``data/raw/``.

The analysis is a chain of steps, each a function from the tables made so far
to new tables (see ``DESIGN`` in the README).  :func:`build` runs them in
order, writes every table as CSV + Parquet through :func:`analysis.io.write_table`
and finishes with ``build_info.json``: the versions, file hashes and seeds
that produced the numbers.  Outputs carry no timestamps, so two builds from
the same inputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd

from analysis import config, schema
from analysis.corpus import load_corpus, read_manifest
from analysis.io import write_json, write_table

# Distributions whose version can change a number in data/processed/.
RESULT_SHAPING_PACKAGES: tuple[str, ...] = (
    "pandas", "numpy", "scipy", "jieba", "rjieba", "scikit-learn", "pyarrow", "PyYAML",
    "matplotlib", "wordcloud",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_info(*, raw_dir: Path, rules_dir: Path, manifest: pd.DataFrame) -> dict[str, object]:
    """What produced the processed tables: versions, input hashes and seeds."""
    versions = {}
    for name in RESULT_SHAPING_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    raw_files = {row["file"]: _sha256(raw_dir / row["file"]) for row in manifest.to_dict("records")}
    raw_files[config.MANIFEST_PATH.name] = _sha256(raw_dir / config.MANIFEST_PATH.name)
    rules = {p.name: _sha256(p) for p in sorted(rules_dir.iterdir()) if p.is_file()}
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform_system": platform.system(),
        "packages": versions,
        "analysis_version": metadata.version("edu-policy-analysis"),
        "raw_sha256": dict(sorted(raw_files.items())),
        "rules_sha256": rules,
        "random_state": config.RANDOM_STATE,
        "spin_threshold": config.SPIN_THRESHOLD,
    }


def build(*, raw_dir: Path = config.RAW_DIR, out_dir: Path = config.PROCESSED_DIR,
          verbose: bool = True) -> list[Path]:
    """Run every step and write ``data/processed/``; return the files written.

    Parameters
    ----------
    raw_dir : Path, default ``config.RAW_DIR``
        The immutable raw plans and ``manifest.csv``.
    out_dir : Path, default ``config.PROCESSED_DIR``
    verbose : bool, default True
        Print one line per step to standard error.
    """
    def say(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr)

    manifest = read_manifest(raw_dir / config.MANIFEST_PATH.name, raw_dir=raw_dir)
    say(f"corpus: loading {len(manifest)} plans")
    corpus = load_corpus(manifest, raw_dir=raw_dir)
    written: list[Path] = []
    written += write_table(corpus.regions, "regions", out_dir, columns=schema.REGIONS)
    written += write_table(corpus.units, "units", out_dir, columns=schema.UNITS)
    written += write_table(corpus.removed, "removed", out_dir, columns=schema.REMOVED)
    written += write_table(corpus.repairs, "repairs", out_dir, columns=schema.REPAIRS)
    info = build_info(raw_dir=raw_dir, rules_dir=config.RULES_DIR, manifest=manifest)
    written.append(write_json(info, out_dir / "build_info.json"))
    say(f"wrote {len(written)} files to {out_dir}")
    return written
