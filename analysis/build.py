"""``python -m analysis build``: regenerate ``data/processed/`` and ``figures/``.

The analysis is a chain of steps (:mod:`analysis.steps`).  Each step is a
function that takes the tables made so far and returns new ones, keyed by
their file stem; every stem has its column list in :data:`TABLES` (from
:mod:`analysis.schema`), and :func:`build` writes each table as CSV + Parquet through
:func:`analysis.io.write_table`, then ``build_info.json`` (versions, file
hashes and seeds) and the figures.  Outputs carry no timestamps, so two builds
from the same inputs are byte-identical.

    corpus → themes → policy tools → tokens/keywords → similarity/reuse → topics → figures
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

import pandas as pd

from analysis import checkpoints, config, schema, stamps, steps
from analysis.build_variants import (
    SHIPPED,
    Variant,
    check_variant,
    extra_stopwords,
    same_scheme_as_shipped,
    variant_files,
    variant_from_options,
    variant_info,
)
from analysis.coding.themes import Codebook
from analysis.coding.validation import VALIDATION_DIR
from analysis.corpus.load import load_corpus, read_manifest
from analysis.distributed import run_on_worker
from analysis.executors import bars_wanted, progress_bars
from analysis.io import merge_table_notes, read_table, table_exists, write_json, write_table
from analysis.memory import release_memory
from analysis.steps import Step, Tables
from analysis.text.tokens import tokenizer_info

# Every table the build writes: file stem → its columns (kept in the schema module).
TABLES: dict[str, list[str]] = schema.TABLES

# Distributions whose version can change a number in data/processed/.
RESULT_SHAPING_PACKAGES: tuple[str, ...] = (
    "pandas", "numpy", "scipy", "jieba", "rjieba", "scikit-learn", "pyarrow", "PyYAML",
    "matplotlib", "wordcloud", "fonttools", "pillow",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of :data:`RESULT_SHAPING_PACKAGES` (``None`` when absent)."""
    versions = {}
    for name in RESULT_SHAPING_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_info(
    *, raw_dir: Path, rules_dir: Path, manifest: pd.DataFrame, variant: Variant = SHIPPED
) -> dict[str, object]:
    """What produced the processed tables: versions, input hashes, seeds, tokenizer.

    ``options`` records the dictionaries, stopword lists and codebook used,
    shipped or given, with their SHA-256 (:func:`analysis.build_variants.variant_info`).
    """
    sha = stamps.file_sha256
    raw_files = {row["file"]: sha(raw_dir / row["file"]) for row in manifest.to_dict("records")}
    raw_files[config.MANIFEST_PATH.name] = sha(raw_dir / config.MANIFEST_PATH.name)
    rules = {p.name: sha(p) for p in sorted(rules_dir.iterdir()) if p.is_file()}
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform_system": platform.system(),
        "packages": package_versions(),
        "analysis_version": metadata.version("edu-policy-analysis"),
        "options": variant_info(variant),
        "raw_sha256": dict(sorted(raw_files.items())),
        "rules_sha256": rules,
        "random_state": config.RANDOM_STATE,
        "spin_threshold": config.SPIN_THRESHOLD,
        "tokenizer": tokenizer_info(),
    }


def _environment() -> dict[str, object]:
    """What outside the files can change a result: interpreter and library versions."""
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
    }


def _package_files() -> dict[str, Path]:
    """Every file of the ``analysis`` package (code and rule files), by relative name."""
    package = Path(__file__).resolve().parent
    return {f"analysis/{p.relative_to(package).as_posix()}": p for p in stamps.tree_files(package)}


def tables_inputs(
    *, raw_dir: Path, manifest: pd.DataFrame, variant: Variant = SHIPPED, csv: bool = False,
) -> str:
    """Digest of everything the tables depend on (see :mod:`analysis.stamps`).

    The raw files the manifest lists and the manifest itself, the hand-coded
    validation files, every file of the package, the variant's own rule files
    and options (so a variant never reuses another build's tables), and
    :func:`_environment`.
    """
    files = {f"raw/{row['file']}": raw_dir / row["file"] for row in manifest.to_dict("records")}
    files["raw/manifest.csv"] = raw_dir / config.MANIFEST_PATH.name
    files.update({f"validation/{p.relative_to(VALIDATION_DIR).as_posix()}": p
                  for p in stamps.tree_files(VALIDATION_DIR)})
    files.update(_package_files())
    files.update({f"variant/{name}": path for name, path in variant_files(variant).items()})
    values = {**_environment(), "shipped_dict": variant.shipped_dict}
    if csv:
        # Only when asked, so the digest of an ordinary build is what it was.
        values["csv"] = True
    return stamps.inputs_digest(files=files, values=values)


def figures_inputs(table_hashes: Mapping[Path, str], *, out_dir: Path) -> str:
    """Digest of everything the figures depend on: the tables written, the package, versions.

    ``table_hashes`` are the SHA-256 of the table files as the tables step
    recorded them (:func:`analysis.stamps.recorded_outputs`), not read again;
    they are named by their path under ``out_dir``, so the files of a
    partitioned table (``units/region_id=…/part-0.parquet``) keep apart.
    """
    root = Path(out_dir).resolve()
    hashed = {f"processed/{Path(p).resolve().relative_to(root).as_posix()}": sha
              for p, sha in table_hashes.items()}
    return stamps.inputs_digest(files=_package_files(), values=_environment(), hashed=hashed)


def build(
    *,
    raw_dir: Path = config.RAW_DIR,
    out_dir: Path = config.PROCESSED_DIR,
    figures_dir: Path | None = config.FIGURES_DIR,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    verbose: bool = True,
    progress: bool | None = None,
    resume: bool = True,
    user_dicts: Sequence[Path] = (),
    shipped_dict: bool = True,
    stopword_files: Sequence[Path] = (),
    codebook: Path | None = None,
    csv: bool = False,
) -> list[Path]:
    """Run every step, write ``data/processed/`` and the figures; return the table files.

    A step whose inputs and outputs are unchanged since it last wrote into the
    same directory is skipped (content hashes, see :mod:`analysis.stamps`), so
    rebuilding with nothing changed only checks hashes.

    An interrupted build (an error, Ctrl-C, a killed process) keeps the tables
    of its finished steps in ``<out_dir's parent>/.<out_dir name>-checkpoint/``;
    the next build with the same inputs continues after the last finished step
    and writes the same bytes an uninterrupted build would
    (:mod:`analysis.checkpoints`).  ``out_dir`` changes only when every step
    has succeeded.

    A *variant* uses a researcher's own rule files (see
    :mod:`analysis.build_variants`); it must write to a folder of its own
    (not ``data/processed/`` nor ``figures/``).  Every file is checked first,
    so a bad one fails before anything is read or written.

    Parameters
    ----------
    raw_dir : Path, default ``config.RAW_DIR``
        The immutable raw plans and ``manifest.csv``.
    out_dir : Path, default ``config.PROCESSED_DIR``
    figures_dir : Path or None, default ``config.FIGURES_DIR``
        Where the figures go; ``None`` skips them (tables only).
    n_jobs : int, optional
        Worker processes for the per-plan stages (default: the CPUs available).
    scheduler : str, optional
        A Dask scheduler address; every table step then runs on that cluster,
        in blocks of plans or as one task (:mod:`analysis.distributed`), with
        the same tables (default: the ``ANALYSIS_DASK_SCHEDULER`` environment
        variable, else local).
    force : bool, default False
        Run every step even when its outputs are up to date.
    verbose : bool, default True
        Print when each step starts and ends (with its wall time) to standard error.
    progress : bool or None, default None
        Progress bars (done / total plans and time left, on standard error) for
        the per-plan stages.  None shows them when ``verbose`` and standard
        error is a terminal; True always; False never.  They never reach a file
        the build writes.
    resume : bool, default True
        Continue an interrupted build with the same inputs from its last
        finished step; False discards its checkpoint and starts over.  (An
        interrupted ``force`` build resumes too; add ``resume=False`` to redo
        every step.)
    user_dicts : list of Path, default ()
        Dictionaries that extend the shipped ``analysis/data/userdict.txt``,
        read after it in the order given.
    shipped_dict : bool, default True
        False leaves the shipped dictionary out (then ``user_dicts`` is needed).
    stopword_files : list of Path, default ()
        Word lists the content tokens lose on top of the shipped stopword lists.
    codebook : Path, optional
        A codebook replacing ``analysis/data/codebook.yml``.  Unless it has the
        shipped domains and themes with the same labels, the theme validation
        tables are empty and no figures are drawn (both use the shipped scheme).
    csv : bool, default False
        Write CSV for every table; by default a table of more than
        ``config.CSV_MAX_ROWS`` rows is written as Parquet only.

    Raises
    ------
    analysis.build_variants.VariantError
        A variant file is missing, unreadable or malformed, or the output
        folder is not the variant's own; the message names the flag and the path.

    Returns
    -------
    list of Path
        The table files and ``build_info.json`` in ``out_dir``.
    """

    def say(message: str) -> None:
        if verbose:
            print(message, file=sys.stderr)

    variant = variant_from_options(user_dicts=user_dicts, shipped_dict=shipped_dict,
                                   stopwords=stopword_files, codebook=codebook)
    # Before any work: a bad file or folder fails now, not after the corpus is loaded.
    variant_codebook = check_variant(variant, raw_dir=Path(raw_dir), out_dir=Path(out_dir),
                                     figures_dir=figures_dir)
    manifest = read_manifest(raw_dir / config.MANIFEST_PATH.name, raw_dir=raw_dir)
    stamp = stamps.stamp_path(out_dir, cache_dir=config.CACHE_DIR)
    inputs = tables_inputs(raw_dir=raw_dir, manifest=manifest, variant=variant, csv=csv)
    written = None if force else stamps.current_outputs(stamp, "tables", inputs)
    if written is not None:
        say(f"tables in {out_dir} are up to date (use --force to rebuild them)")
    else:
        with progress_bars(bars_wanted(progress, verbose=verbose)):
            written = _build_tables(manifest, raw_dir=raw_dir, out_dir=out_dir, n_jobs=n_jobs,
                                    scheduler=scheduler, say=say, variant=variant,
                                    codebook=variant_codebook, inputs=inputs, resume=resume,
                                    csv=csv)
        stamps.record_step(stamp, "tables", inputs, written)
    if figures_dir is None:
        return written
    if not same_scheme_as_shipped(variant_codebook):
        say(f"no figures: they name themes from the shipped codebook, and {codebook} "
            "has other domains or themes")
        return written

    step = f"figures:{Path(figures_dir).resolve()}"
    inputs = figures_inputs(stamps.recorded_outputs(stamp, "tables"), out_dir=out_dir)
    if not force and stamps.current_outputs(stamp, step, inputs) is not None:
        say(f"figures in {figures_dir} are up to date")
        return written
    started = _started(say, "figures …")
    # On one worker when a scheduler is given: it reads the tables from out_dir and
    # writes figures_dir, so both must be visible to it at the same paths.
    draw = functools.partial(_draw_figures, out_dir=Path(out_dir), figures_dir=Path(figures_dir))
    manifest_rows = run_on_worker(draw, {}, needs=(), scheduler=scheduler)["figures"]
    stamps.record_step(stamp, step, inputs, _figure_files(manifest_rows, Path(figures_dir)))
    say(f"drew {len(manifest_rows)} figures into {figures_dir}")
    _done(say, "figures", started)
    return written


def _draw_figures(tables: Tables, *, out_dir: Path, figures_dir: Path) -> Tables:
    """Every figure from the tables in ``out_dir`` (a step's shape, for :func:`run_on_worker`)."""
    from analysis.figures import make_all_figures  # matplotlib only when drawing

    return {"figures": make_all_figures(out_dir, figures_dir)}


def _figure_files(manifest_rows: pd.DataFrame, figures_dir: Path) -> list[Path]:
    """The files a figure manifest lists (one per figure and format drawn), and the manifest."""
    files = [figures_dir / "manifest.csv"]
    for row in manifest_rows.to_dict("records"):
        for fmt in ("png", "pdf", "svg"):
            if isinstance(row[f"{fmt}_sha256"], str) and row[f"{fmt}_sha256"]:
                files.append(figures_dir / f"{row['figure_id']}.{fmt}")
    return files


def _build_tables(
    manifest: pd.DataFrame,
    *,
    raw_dir: Path,
    out_dir: Path,
    n_jobs: int | None,
    scheduler: str | None,
    say: Callable[[str], None],
    variant: Variant = SHIPPED,
    codebook: Codebook | None = None,
    csv: bool = False,
    inputs: str = "",
    resume: bool = True,
) -> list[Path]:
    """Run the table steps in order and write every table and ``build_info.json``.

    Each table is written as soon as its step has made it, and every table no
    later step reads is then let go, so memory holds one step's tables rather
    than all of them (1,000 plans make ~2 GiB of tables).  Files go to the
    checkpoint folder first (:mod:`analysis.checkpoints`, keyed by the inputs
    digest ``inputs``; with ``resume`` the steps it has finished are not run
    again) and replace those in ``out_dir`` only when every step has
    succeeded: a failed build leaves ``out_dir`` as it was.
    """
    stopwords = extra_stopwords(variant)
    # The step functions are looked up in analysis.steps at each build, so a test can
    # replace one there.
    chain = [
        Step("themes", lambda t: steps.themes_step(t, codebook=codebook, scheduler=scheduler),
             ("corpus_units",)),
        Step("policy instruments, modality, targets, citations",
             lambda t: steps.policy_step(t, scheduler=scheduler), ("themed_units",)),
        Step("tokens", lambda t: steps.tokens_step(t, n_jobs=n_jobs, scheduler=scheduler,
                                                   user_dict=variant.dictionary_paths,
                                                   stopwords=stopwords),
             ("themed_units",)),
        Step("keywords and keyness", lambda t: steps.keywords_step(t, scheduler=scheduler),
             ("content_tokens", "region_names")),
        Step("similarity", steps.similarity_step, ("content_tokens", "plan_units")),
        # neighbour_pairs: made by similarity beyond config.PAIRWISE_MAX_REGIONS plans only.
        Step("passage alignment", steps.alignment_step,
             ("content_tokens", "plan_units", "neighbour_pairs")),
        # partial, not a lambda: the function is bound here, so a worker runs this very one.
        Step("topics", functools.partial(steps.topics_step, n_jobs=n_jobs),
             ("content_tokens", "plan_units", "region_names")),
        # Last: its result is the largest table of a big corpus, and the tokens are gone by then.
        Step("text reuse", lambda t: steps.reuse_step(t, scheduler=scheduler),
             ("plan_units", "neighbour_pairs")),
    ]
    chain = [steps._on_worker(s, scheduler) if s.name in steps.WHOLE_STEPS_ON_WORKER else s
             for s in chain]
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = checkpoints.open_checkpoint(out_dir, inputs=inputs, resume=resume)
    staged = checkpoint.path
    if checkpoint.finished:
        say(f"resuming from {staged}: {len(checkpoint.finished)} finished step(s) kept")
    total = len(chain) + 1
    try:
        if "corpus" in checkpoint.finished:
            tables: Tables = checkpoints.load_intermediates(checkpoint)
            say(f"[1/{total}] corpus: kept from the interrupted build")
        else:
            started = _started(say, f"[1/{total}] corpus: loading {len(manifest)} plans")
            corpus = load_corpus(manifest, raw_dir=raw_dir, n_jobs=n_jobs, scheduler=scheduler)
            tables = {"regions": corpus.regions, "corpus_units": corpus.units,
                      "removed": corpus.removed, "repairs": corpus.repairs,
                      # The place names the term filter drops (analysis.text.term_filters).
                      "region_names": corpus.regions.loc[:, list(steps.REGION_NAME_COLUMNS)]}
            del corpus
            checkpoint = _finish_step(checkpoint, "corpus", tables, staged, csv=csv)
            _done(say, f"[1/{total}] corpus", started)
            _release_memory()
        for index, step in enumerate(chain):
            label = f"[{index + 2}/{total}] {step.name}"
            still_needed = {name for later in chain[index + 1:] for name in later.needs}
            if step.name in checkpoint.finished:
                say(f"{label}: kept from the interrupted build")
                continue
            started = _started(say, f"{label} …")
            tables.update(step.run(tables))
            for name in [n for n in tables if n not in TABLES and n not in still_needed]:
                del tables[name]
            checkpoint = _finish_step(checkpoint, step.name, tables, staged, csv=csv)
            _done(say, label, started)
            _release_memory()
    except BaseException:
        # Ctrl-C included: say where the finished work is, then stop as before.
        say(f"build stopped; {len(checkpoint.finished)} finished step(s) kept in {staged}; "
            "the same command resumes from there (--no-resume starts over)")
        raise
    info = build_info(raw_dir=raw_dir, rules_dir=config.RULES_DIR, manifest=manifest,
                      variant=variant)
    write_json(info, staged / "build_info.json")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = _move_tables(staged, out_dir)
    os.replace(staged / "build_info.json", out_dir / "build_info.json")
    written.append(out_dir / "build_info.json")
    checkpoints.discard(checkpoint)
    say(f"wrote {len(written)} files to {out_dir}")
    return written


def _started(say: Callable[[str], None], message: str) -> float:
    """Say a step has started; its start time, for :func:`_done`."""
    say(message)
    return time.perf_counter()


def _done(say: Callable[[str], None], label: str, started: float) -> None:
    # Wall time goes to the terminal only, never into a file the build writes.
    say(f"{label}: done in {time.perf_counter() - started:.1f} s")


def _finish_step(
    checkpoint: checkpoints.Checkpoint, step: str, tables: Tables, staged: Path, *,
    csv: bool = False,
) -> checkpoints.Checkpoint:
    """Write the step's finished tables, keep what later steps read, record the step.

    Every table of :data:`TABLES` in ``tables`` is written and dropped
    (:func:`_write_finished`); the rest (the intermediate tables still needed)
    go to the checkpoint.
    """
    _write_finished(tables, staged, csv=csv)
    return checkpoints.record_finished(checkpoint, step, intermediates=tables)


def _release_memory() -> None:
    """Return freed memory to the system between steps (:func:`analysis.memory.release_memory`).

    Without this the process stays at the largest step's size and the next
    step adds to it.
    """
    release_memory()


def _write_finished(tables: Tables, out_dir: Path, *, csv: bool = False) -> None:
    """Write, then drop from ``tables``, every table of :data:`TABLES` made so far.

    Tables of more than ``config.CSV_MAX_ROWS`` rows get no CSV unless ``csv``;
    those of ``schema.PARTITION_COLUMNS`` beyond ``config.PARTITION_MIN_ROWS``
    rows are written one Parquet file per plan (:func:`analysis.io.write_table`).
    """
    if "table_notes" in tables and table_exists("table_notes", out_dir):
        # Several steps say something in table_notes: add to what earlier steps wrote.
        tables["table_notes"] = merge_table_notes(read_table("table_notes", out_dir),
                                                  tables["table_notes"])
    for stem in [stem for stem in TABLES if stem in tables]:
        write_table(tables.pop(stem), stem, out_dir, columns=TABLES[stem],
                    csv_max_rows=None if csv else config.CSV_MAX_ROWS,
                    partition_by=schema.PARTITION_COLUMNS.get(stem))


def _move_tables(staged: Path, out_dir: Path) -> list[Path]:
    """Move every table's files from ``staged`` into ``out_dir``; return the files, sorted.

    A table's copies of an earlier build that this one did not write (a CSV
    now left out, a single file now a folder, or the reverse) are removed, so
    ``out_dir`` never holds two versions of a table.
    """
    written = []
    for stem in TABLES:
        for name in (f"{stem}.csv", f"{stem}.parquet", stem):
            source, target = staged / name, out_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists() and not source.exists():
                target.unlink()
            if source.exists():
                os.replace(source, target)
                written += sorted(target.rglob("*.parquet")) if target.is_dir() else [target]
    return written
