"""``python -m analysis build``: regenerate ``data/processed/`` and ``figures/``.

The analysis is a chain of steps.  Each step is a function that takes the
tables made so far and returns new ones, keyed by their file stem; every stem
has its column list in :data:`TABLES` (from :mod:`analysis.schema`), and
:func:`build` writes each table as CSV + Parquet through
:func:`analysis.io.write_table`, then ``build_info.json`` (versions, file
hashes and seeds) and the figures.  Outputs carry no timestamps, so two builds
from the same inputs are byte-identical.

    corpus → themes → policy tools → tokens/keywords → similarity/reuse → topics → figures
"""

from __future__ import annotations

import functools
import gc
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa

from analysis import checkpoints, config, schema, stamps
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
from analysis.coding.citations import citation_network, extract_citations, shared_citations
from analysis.coding.instruments import code_instruments, instrument_table
from analysis.coding.modality import classify_modality, modality_table
from analysis.coding.targets import extract_targets
from analysis.coding.themes import (
    Codebook,
    code_units,
    codebook_table,
    fallback_summary,
    theme_by_region,
)
from analysis.coding.validation import SAMPLE_PATH as THEME_SAMPLE_PATH
from analysis.coding.validation import VALIDATION_DIR, confusion_table, read_gold, validate_themes
from analysis.coding.validation_citations import CITATIONS_GOLD_PATH, run_citation_validation
from analysis.coding.validation_instruments import INSTRUMENT_SAMPLE_PATH, run_instrument_validation
from analysis.coding.validation_targets import TARGETS_GOLD_PATH, run_target_validation
from analysis.corpus.load import load_corpus, read_manifest
from analysis.distributed import (
    concat_partitions,
    map_partitions,
    resolve_scheduler,
    run_on_worker,
)
from analysis.executors import bars_wanted, progress_bars
from analysis.io import split_note_columns, write_json, write_table
from analysis.text.keyness import (
    cooccurrence,
    keyness_by_region_from_counts,
    keyword_frequencies_from_counts,
    sum_term_counts,
    term_counts,
)
from analysis.text.new_words import candidate_terms
from analysis.text.reuse import text_reuse
from analysis.text.similarity import (
    passage_alignment,
    region_linkage_tfidf,
    similarity_by_theme,
    similarity_neighbours,
    similarity_neighbours_by_theme,
    similarity_regions,
)
from analysis.text.term_filters import filter_terms
from analysis.text.tokens import (
    USER_DICT_PATH,
    categorical_tokens,
    content_tokens,
    tokenizer_info,
    tokens_from_units,
)
from analysis.text.topics import fit_topics, topic_k_selection, topic_seed_agreement

Tables = dict[str, pd.DataFrame]

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


def sample_in_corpus(units: pd.DataFrame, sample_path: Path, *, column: str = "unit_id") -> bool:
    """Whether every unit (or region) of a hand-coded sample is in this corpus.

    The validation numbers describe the five seed plans' samples; a corpus
    without them (another set of plans) gets empty validation tables instead
    of numbers that would describe nothing in it.
    """
    sample = pd.read_csv(sample_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return set(sample[column]) <= set(units[column])


def _empty(*stems: str) -> Tables:
    return {stem: pd.DataFrame(columns=TABLES[stem]) for stem in stems}


def themes_step(
    tables: Tables, *, codebook: Codebook | None = None, scheduler: str | None = None
) -> Tables:
    """Code every unit by theme; theme/domain shares; validation against hand coding.

    ``codebook`` None is the shipped one.  The hand coding uses the shipped
    scheme, so another codebook is validated only if it has the same domains
    and themes (:func:`analysis.build_variants.same_scheme_as_shipped`).
    With a Dask ``scheduler`` the units are coded on its workers, in blocks of
    plans (:func:`analysis.distributed.map_partitions`; the same table).
    """
    units = concat_partitions(
        map_partitions(functools.partial(code_units, codebook=codebook),
                       tables["corpus_units"], scheduler=scheduler),
        keep_index=True)
    if sample_in_corpus(units, THEME_SAMPLE_PATH) and same_scheme_as_shipped(codebook):
        gold = read_gold(codebook=codebook)
        overall, by_theme, confusion = [], [], []
        for level in ("theme", "domain"):
            table, per_theme = validate_themes(units, gold, level=level, codebook=codebook)
            overall.append(table)
            by_theme.append(per_theme)
            confusion.append(confusion_table(units, gold, level=level, codebook=codebook))
        validation = {
            "theme_validation": pd.concat(overall, ignore_index=True),
            "theme_validation_by_theme": pd.concat(by_theme, ignore_index=True),
            "theme_confusion": pd.concat(confusion, ignore_index=True),
        }
    else:
        validation = _empty("theme_validation", "theme_validation_by_theme", "theme_confusion")
    return {**validation,
        "themed_units": units,
        "codebook": codebook_table(codebook),
        "theme_by_region": theme_by_region(units, codebook=codebook),
        "domain_by_region": theme_by_region(units, level="domain", codebook=codebook),
        "theme_fallback": fallback_summary(units),
    }


def _policy_partition(themed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The row-wise policy coders on some plans' units: coded units, citations, targets."""
    units = classify_modality(code_instruments(themed))
    return units, extract_citations(units), extract_targets(units)


def policy_step(tables: Tables, *, scheduler: str | None = None) -> Tables:
    """Policy instruments, commitment strength, targets and cited documents.

    With a Dask ``scheduler`` the coders run on its workers, in blocks of plans
    (:func:`analysis.distributed.map_partitions`; the same tables).
    """
    themed = tables["themed_units"]
    parts = map_partitions(_policy_partition, themed, scheduler=scheduler)
    units = concat_partitions([part[0] for part in parts], keep_index=True)
    citations = concat_partitions([part[1] for part in parts], keep_index=False)
    targets = concat_partitions([part[2] for part in parts], keep_index=False)
    del parts
    validation = _empty("instrument_validation", "instrument_confusion", "target_matches",
                        "target_validation", "citation_matches", "citation_validation")
    if sample_in_corpus(units, INSTRUMENT_SAMPLE_PATH):
        validation["instrument_validation"], validation["instrument_confusion"] = \
            run_instrument_validation(themed, confusion=True)
    if sample_in_corpus(units, TARGETS_GOLD_PATH, column="region_id"):
        validation["target_matches"], validation["target_validation"] = run_target_validation(units)
    if sample_in_corpus(units, CITATIONS_GOLD_PATH, column="unit_id"):
        validation["citation_matches"], validation["citation_validation"] = \
            run_citation_validation(units)
    return {**validation,
        "units": units,
        "instrument_table": instrument_table(units),
        "modality_table": modality_table(units),
        "targets": targets,
        "citations": citations,
        "citation_network": citation_network(citations),
        "citation_pairs": shared_citations(citations, regions=sorted(units["region_id"].unique())),
    }


# Columns of the plan-part units the similarity, reuse and topic steps read; the
# rest of the units table (coding evidence, structure) stays out of their memory.
PLAN_UNIT_COLUMNS: tuple[str, ...] = ("region_id", "unit_id", "part", "unit_kind", "text", "theme")
# Columns of the regions table the keyword and topic steps read for place names.
REGION_NAME_COLUMNS: tuple[str, ...] = ("region_id", "name_zh", "province_zh", "prefecture_zh")


def tokens_step(
    tables: Tables,
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    user_dict: Sequence[Path] = (USER_DICT_PATH,),
    stopwords: Collection[str] = frozenset(),
) -> Tables:
    """Tokens of every unit (cached per plan, segmented in ``n_jobs`` processes).

    Also the content tokens the statistics describe -- plan-part units, content
    words only (standard and policy-boilerplate stopwords removed) -- and those
    plan-part units themselves, with only :data:`PLAN_UNIT_COLUMNS`; and the
    candidate dictionary terms of all units (:func:`analysis.text.new_words.candidate_terms`,
    for a person to review before adding any to the user dictionary).

    ``user_dict`` are the dictionaries segmentation reads, in order (default
    the shipped one); ``stopwords`` are words the content tokens also lose, on
    top of the shipped lists (a variant's ``--stopwords``, default none).
    """
    units = tables["themed_units"]
    # tokens_from_units itself stays in one process when there is little to segment.
    tokens = tokens_from_units(units, n_jobs=-1 if n_jobs is None else n_jobs,
                               scheduler=scheduler, user_dict=list(user_dict))
    plan_units = units.loc[units["part"] == "plan", list(PLAN_UNIT_COLUMNS)]
    # Content tokens as categoricals (each distinct string once): the later steps hold
    # them for their whole run.  The tokens table stays strings, as its files are written.
    content = content_tokens(categorical_tokens(tokens), units)
    if stopwords:
        content = content.loc[~content["token"].isin(stopwords)].reset_index(drop=True)
    return {"tokens": tokens, "content_tokens": content, "plan_units": plan_units,
            "candidate_terms": candidate_terms(tokens, units)}


def keywords_step(tables: Tables, *, scheduler: str | None = None) -> Tables:
    """Keyword frequencies, region-vs-rest keyness and co-occurrence of the content tokens.

    Numbers, single characters and place names (jieba's ``ns`` words and the
    plans' own region names) are left out (:mod:`analysis.text.term_filters`).
    Frequencies and keyness are computed from the term counts per region
    (:func:`analysis.text.keyness.term_counts`); with a Dask ``scheduler``
    blocks of plans are counted on its workers and the counts added up here,
    and co-occurrence runs on one worker.  The tables are the same.
    """
    content = tables["content_tokens"]
    regions = tables["region_names"]
    include_absent = content["region_id"].nunique() <= config.KEYNESS_ABSENT_MAX_REGIONS
    counts = sum_term_counts(map_partitions(functools.partial(term_counts, regions=regions),
                                            content, scheduler=scheduler))
    return {
        "keywords": keyword_frequencies_from_counts(counts),
        "keyness": keyness_by_region_from_counts(counts, include_absent=include_absent),
        **run_on_worker(_cooccurrence_tables, tables, needs=("content_tokens", "region_names"),
                        scheduler=scheduler),
    }


def _cooccurrence_tables(tables: Tables) -> Tables:
    return {"cooccurrence": cooccurrence(tables["content_tokens"],
                                         regions=tables["region_names"])}


def similarity_step(tables: Tables) -> Tables:
    """TF-IDF similarity of plans, overall and per theme, and their clustering.

    Each plan's ``config.NEIGHBOURS_K`` nearest plans (overall and per theme)
    are always written; every pair (``similarity_regions``,
    ``similarity_by_theme``) only up to ``config.PAIRWISE_MAX_REGIONS`` plans,
    and the clustering only up to ``config.LINKAGE_MAX_REGIONS``: beyond, those
    tables are empty and ``table_notes`` says why.  The sentences saying how
    the vectors were made go to ``table_notes`` too, once per table.
    """
    content = tables["content_tokens"]
    plan_units = tables["plan_units"]
    n_regions = content["region_id"].nunique()
    made = {"similarity_neighbours": similarity_neighbours(content),
            "similarity_neighbours_by_theme": similarity_neighbours_by_theme(content, plan_units)}
    skipped = []
    if n_regions <= config.PAIRWISE_MAX_REGIONS:
        made["similarity_regions"] = similarity_regions(content)
        made["similarity_by_theme"] = similarity_by_theme(content, plan_units)
    else:
        skipped += [(stem, f"not built: {n_regions} plans > config.PAIRWISE_MAX_REGIONS "
                           f"({config.PAIRWISE_MAX_REGIONS}); each plan's nearest plans are in "
                           f"{instead}")
                    for stem, instead in (("similarity_regions", "similarity_neighbours"),
                                          ("similarity_by_theme",
                                           "similarity_neighbours_by_theme"))]
    if n_regions <= config.LINKAGE_MAX_REGIONS:
        linkage = region_linkage_tfidf(content)
        made["region_linkage"], made["region_linkage_leaves"] = linkage.steps, linkage.leaves
    else:
        skipped += [(stem, f"not built: {n_regions} plans > config.LINKAGE_MAX_REGIONS "
                           f"({config.LINKAGE_MAX_REGIONS}); the clustering needs every pair")
                    for stem in ("region_linkage", "region_linkage_leaves")]
    notes = [pd.DataFrame([{"table": stem, "column": "", "value": why} for stem, why in skipped],
                          columns=TABLES["table_notes"])]
    for stem in list(made):
        made[stem], moved = split_note_columns(made[stem], stem)
        notes.append(moved)
    made.update(_empty(*(stem for stem, _ in skipped)))
    made["table_notes"] = (pd.concat(notes, ignore_index=True)
                           .sort_values(["table", "column"], kind="stable").reset_index(drop=True))
    return made


def alignment_step(tables: Tables) -> Tables:
    """Each unit's most similar units in other plans (bounded defaults, any corpus size)."""
    return {"passage_alignment": passage_alignment(tables["content_tokens"], tables["plan_units"])}


def reuse_step(tables: Tables, *, scheduler: str | None = None) -> Tables:
    """Wording shared verbatim or nearly between plans (on one Dask worker when given one)."""
    return run_on_worker(_reuse_tables, tables, needs=("plan_units",), scheduler=scheduler)


def _reuse_tables(tables: Tables) -> Tables:
    return {"text_reuse": text_reuse(tables["plan_units"])}


# Steps that run whole, as one task on one worker, when a Dask scheduler is given
# (their work is not split into partitions; see analysis.distributed).
WHOLE_STEPS_ON_WORKER: tuple[str, ...] = ("similarity", "passage alignment", "topics")


def _on_worker(step: Step, scheduler: str | None) -> Step:
    """``step`` run on one worker of the cluster (unchanged without a scheduler)."""
    if resolve_scheduler(scheduler) is None:
        return step
    run = functools.partial(run_on_worker, step.run, needs=step.needs, scheduler=scheduler)
    return Step(step.name, run, step.needs)


def topics_step(tables: Tables) -> Tables:
    """Choose k for NMF by stability and coherence, fit NMF and LDA at that k, compare seeds.

    Only NMF's curve is computed: LDA's k-selection costs ~20x more and LDA is
    fitted for comparison at the same k, topic for topic.
    """
    plan_units = tables["plan_units"]
    regions = tables["region_names"]
    # The term filter once, not once per call below (each would copy the content tokens);
    # the calls are then told to keep everything, which leaves their input as it is.
    content = filter_terms(tables["content_tokens"], regions=regions)
    kept = {"keep_numbers": True, "keep_places": True, "keep_single_chars": True}
    k_table = topic_k_selection(content, models=("nmf",), random_state=config.RANDOM_STATE,
                                **kept)
    # Both models at the same k, so they can be compared topic for topic.
    k = int(k_table.loc[(k_table["model"] == "nmf") & k_table["chosen"], "k"].iloc[0])
    fitted = [
        fit_topics(content, plan_units, k=k, model=model, random_state=config.RANDOM_STATE,
                   **kept)
        for model in schema.TOPIC_MODELS
    ]
    return {
        "topic_k_selection": k_table,
        "topics_terms": pd.concat([f.terms for f in fitted], ignore_index=True),
        "topics_units": pd.concat([f.units for f in fitted], ignore_index=True),
        "topics_regions": pd.concat([f.regions for f in fitted], ignore_index=True),
        "topics_vs_themes": pd.concat([f.themes for f in fitted], ignore_index=True),
        "topic_labels": pd.concat([f.labels for f in fitted], ignore_index=True),
        # How far each model's topics depend on its seed (the fits above use the first).
        "topic_seed_agreement": pd.concat([
            topic_seed_agreement(content, k=k, model=model, **kept)
            for model in schema.TOPIC_MODELS
        ], ignore_index=True),
    }


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
    from analysis.figures import make_all_figures  # matplotlib only when drawing

    started = _started(say, "figures …")
    manifest_rows = make_all_figures(out_dir, figures_dir)
    stamps.record_step(stamp, step, inputs, _figure_files(manifest_rows, Path(figures_dir)))
    say(f"drew {len(manifest_rows)} figures into {figures_dir}")
    _done(say, "figures", started)
    return written


def _figure_files(manifest_rows: pd.DataFrame, figures_dir: Path) -> list[Path]:
    """The files a figure manifest lists (one per figure and format drawn), and the manifest."""
    files = [figures_dir / "manifest.csv"]
    for row in manifest_rows.to_dict("records"):
        for fmt in ("png", "pdf", "svg"):
            if isinstance(row[f"{fmt}_sha256"], str) and row[f"{fmt}_sha256"]:
                files.append(figures_dir / f"{row['figure_id']}.{fmt}")
    return files


@dataclass(frozen=True)
class Step:
    """One step of the build: what it is called, what it does, which tables it reads."""

    name: str
    run: Callable[[Tables], Tables]
    needs: tuple[str, ...]


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
    steps = [
        Step("themes", lambda t: themes_step(t, codebook=codebook, scheduler=scheduler),
             ("corpus_units",)),
        Step("policy instruments, modality, targets, citations",
             lambda t: policy_step(t, scheduler=scheduler), ("themed_units",)),
        Step("tokens", lambda t: tokens_step(t, n_jobs=n_jobs, scheduler=scheduler,
                                             user_dict=variant.dictionary_paths,
                                             stopwords=stopwords),
             ("themed_units",)),
        Step("keywords and keyness", lambda t: keywords_step(t, scheduler=scheduler),
             ("content_tokens", "region_names")),
        Step("similarity", similarity_step, ("content_tokens", "plan_units")),
        Step("passage alignment", alignment_step, ("content_tokens", "plan_units")),
        Step("topics", topics_step, ("content_tokens", "plan_units", "region_names")),
        # Last: its result is the largest table of a big corpus, and the tokens are gone by then.
        Step("text reuse", lambda t: reuse_step(t, scheduler=scheduler), ("plan_units",)),
    ]
    steps = [_on_worker(s, scheduler) if s.name in WHOLE_STEPS_ON_WORKER else s for s in steps]
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = checkpoints.open_checkpoint(out_dir, inputs=inputs, resume=resume)
    staged = checkpoint.path
    if checkpoint.finished:
        say(f"resuming from {staged}: {len(checkpoint.finished)} finished step(s) kept")
    total = len(steps) + 1
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
                      "region_names": corpus.regions.loc[:, list(REGION_NAME_COLUMNS)]}
            del corpus
            checkpoint = _finish_step(checkpoint, "corpus", tables, staged, csv=csv)
            _done(say, f"[1/{total}] corpus", started)
        for index, step in enumerate(steps):
            label = f"[{index + 2}/{total}] {step.name}"
            still_needed = {name for later in steps[index + 1:] for name in later.needs}
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
    """Return freed memory to the system between steps.

    Arrow's allocator keeps freed blocks for reuse; without this the process
    stays at the largest step's size and the next step adds to it.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()


def _write_finished(tables: Tables, out_dir: Path, *, csv: bool = False) -> None:
    """Write, then drop from ``tables``, every table of :data:`TABLES` made so far.

    Tables of more than ``config.CSV_MAX_ROWS`` rows get no CSV unless ``csv``;
    those of ``schema.PARTITION_COLUMNS`` beyond ``config.PARTITION_MIN_ROWS``
    rows are written one Parquet file per plan (:func:`analysis.io.write_table`).
    """
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
