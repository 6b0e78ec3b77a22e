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
from analysis.citations import citation_network, extract_citations, shared_citations
from analysis.corpus import load_corpus, read_manifest
from analysis.instruments import code_instruments, instrument_table
from analysis.io import write_json, write_table
from analysis.keyness import cooccurrence, keyness_by_region, keyword_frequencies
from analysis.modality import classify_modality, modality_table
from analysis.targets import extract_targets
from analysis.themes import code_units, codebook_table, fallback_summary, theme_by_region
from analysis.tokens import remove_stopwords, tokenizer_info, tokens_from_units
from analysis.validation import confusion_table, read_gold, validate_themes
from analysis.validation_instruments import run_instrument_validation
from analysis.validation_targets import run_target_validation

# Distributions whose version can change a number in data/processed/.
RESULT_SHAPING_PACKAGES: tuple[str, ...] = (
    "pandas",
    "numpy",
    "scipy",
    "jieba",
    "rjieba",
    "scikit-learn",
    "pyarrow",
    "PyYAML",
    "matplotlib",
    "wordcloud",
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


def build(
    *,
    raw_dir: Path = config.RAW_DIR,
    out_dir: Path = config.PROCESSED_DIR,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    verbose: bool = True,
) -> list[Path]:
    """Run every step and write ``data/processed/``; return the files written.

    Parameters
    ----------
    raw_dir : Path, default ``config.RAW_DIR``
        The immutable raw plans and ``manifest.csv``.
    out_dir : Path, default ``config.PROCESSED_DIR``
    n_jobs : int, optional
        Worker processes for the per-plan stages (default: the CPUs available).
    scheduler : str, optional
        A Dask scheduler address; the per-plan stages then run on that cluster
        (default: the ``ANALYSIS_DASK_SCHEDULER`` environment variable, else local).
    verbose : bool, default True
        Print one line per step to standard error.
    """

    def say(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr)

    manifest = read_manifest(raw_dir / config.MANIFEST_PATH.name, raw_dir=raw_dir)
    say(f"corpus: loading {len(manifest)} plans")
    corpus = load_corpus(manifest, raw_dir=raw_dir, n_jobs=n_jobs, scheduler=scheduler)
    written: list[Path] = []
    written += write_table(corpus.regions, "regions", out_dir, columns=schema.REGIONS)
    written += write_table(corpus.removed, "removed", out_dir, columns=schema.REMOVED)
    written += write_table(corpus.repairs, "repairs", out_dir, columns=schema.REPAIRS)

    say("themes: coding units against the codebook")
    units = code_units(corpus.units)
    written += write_table(codebook_table(), "codebook", out_dir, columns=schema.CODEBOOK)
    written += write_table(
        theme_by_region(units), "theme_by_region", out_dir, columns=schema.THEME_BY_REGION
    )
    written += write_table(
        theme_by_region(units, level="domain"),
        "domain_by_region",
        out_dir,
        columns=schema.DOMAIN_BY_REGION,
    )
    written += write_table(
        fallback_summary(units), "theme_fallback", out_dir, columns=schema.THEME_FALLBACK
    )
    gold = read_gold()
    overall, by_theme, confusion = [], [], []
    for level in ("theme", "domain"):
        table, per_theme = validate_themes(units, gold, level=level)
        overall.append(table)
        by_theme.append(per_theme)
        confusion.append(confusion_table(units, gold, level=level))
    written += write_table(
        pd.concat(overall, ignore_index=True),
        "theme_validation",
        out_dir,
        columns=schema.THEME_VALIDATION,
    )
    written += write_table(
        pd.concat(by_theme, ignore_index=True),
        "theme_validation_by_theme",
        out_dir,
        columns=schema.THEME_VALIDATION_BY_THEME,
    )
    written += write_table(
        pd.concat(confusion, ignore_index=True),
        "theme_confusion",
        out_dir,
        columns=schema.THEME_CONFUSION,
    )

    say("instruments, modality, targets, citations")
    themed = units
    units = classify_modality(code_instruments(themed))
    plan_regions = sorted(units["region_id"].unique())
    written += write_table(
        instrument_table(units), "instrument_table", out_dir, columns=schema.INSTRUMENT_TABLE
    )
    written += write_table(
        modality_table(units), "modality_table", out_dir, columns=schema.MODALITY_TABLE
    )
    written += write_table(extract_targets(units), "targets", out_dir, columns=schema.TARGETS)
    citations = extract_citations(units)
    written += write_table(citations, "citations", out_dir, columns=schema.CITATIONS)
    written += write_table(
        citation_network(citations), "citation_network", out_dir, columns=schema.CITATION_NETWORK
    )
    written += write_table(
        shared_citations(citations, regions=plan_regions),
        "citation_pairs",
        out_dir,
        columns=schema.CITATION_PAIRS,
    )
    written += write_table(
        run_instrument_validation(themed),
        "instrument_validation",
        out_dir,
        columns=schema.INSTRUMENT_VALIDATION,
    )
    matches, scores = run_target_validation(units)
    written += write_table(matches, "target_matches", out_dir, columns=schema.TARGET_MATCHES)
    written += write_table(scores, "target_validation", out_dir, columns=schema.TARGET_VALIDATION)

    written += write_table(units, "units", out_dir, columns=schema.UNITS_ALL)

    say("tokens: segmenting (cached per plan)")
    tokens = tokens_from_units(units, n_jobs=1, scheduler=scheduler)
    written += write_table(tokens, "tokens", out_dir, columns=schema.TOKENS)
    # Keyword statistics describe the plans themselves: the plan part, content
    # words only (standard and policy-boilerplate stopwords removed).
    plan_ids = set(units.loc[units["part"] == "plan", "unit_id"])
    content = remove_stopwords(tokens[tokens["unit_id"].isin(plan_ids)])
    written += write_table(
        keyword_frequencies(content), "keywords", out_dir, columns=schema.KEYWORD_FREQUENCIES
    )
    include_absent = content["region_id"].nunique() <= config.KEYNESS_ABSENT_MAX_REGIONS
    written += write_table(
        keyness_by_region(content, include_absent=include_absent), "keyness", out_dir,
        columns=schema.KEYNESS,
    )
    written += write_table(
        cooccurrence(content), "cooccurrence", out_dir, columns=schema.COOCCURRENCE
    )
    info = build_info(raw_dir=raw_dir, rules_dir=config.RULES_DIR, manifest=manifest)
    info["tokenizer"] = tokenizer_info()
    written.append(write_json(info, out_dir / "build_info.json"))
    say(f"wrote {len(written)} files to {out_dir}")
    return written
