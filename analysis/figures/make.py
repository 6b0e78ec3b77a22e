"""Make every publication figure from the processed tables, with its manifest row.

Each figure is listed once in :data:`FIGURES`: its id, the tables it reads,
the function that draws it, and the keys of its title and caption in
``analysis/data/figure_labels.yml``.  :func:`make_all_figures` draws each in
Chinese and/or English, saves PNG + PDF (``<id>_<lang>``), writes
``figures/manifest.csv`` and removes the files of figures no longer made.
The policy figures (instruments, commitment strength, citations) are drawn by
:func:`analysis.figures.policy.make_policy_figures` and go into the same
manifest.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from analysis import config
from analysis.config import RANDOM_STATE
from analysis.executors import default_jobs
from analysis.figures import keywords, policy, similarity, themes, topics, validation
from analysis.figures.charset import figure_characters
from analysis.figures.common import check_choice
from analysis.figures.fonts import use_characters
from analysis.figures.labels import LANGS, text
from analysis.figures.regions import figure_subsets, with_note
from analysis.figures.save import (
    MANIFEST_NAME,
    manifest_table,
    read_manifest,
    save_figure,
    write_manifest,
)
from analysis.io import read_table, table_exists, table_num_rows, tables_in_turn

__all__ = [
    "CLOUD_WORDS", "COMMAND", "CONFUSION_HALF", "draw_language", "DrawTask", "figure_id",
    "FIGURES", "FigureSpec", "LANG_CHOICES", "make_all_figures", "MISSING_GLYPH_WARNING",
    "OUTPUT_SUFFIXES", "PARALLEL_LANGS_MAX_REGIONS", "PART", "POLICY_TABLES", "read_sizes",
    "Sizes", "SIZES_TABLE", "Tables", "TOPIC_MODEL", "TOPIC_TERMS",
]

#: The command that regenerates the figures, as recorded in the manifest.
COMMAND: str = "python -m analysis figures"
LANG_CHOICES: tuple[str, ...] = (*LANGS, "both")
OUTPUT_SUFFIXES: tuple[str, ...] = (".png", ".pdf", ".svg")

# Settings of the published figures (the functions' own defaults unless noted).
PART = "plan"
KEYNESS_OVER, KEYNESS_UNDER = 10, 5
CLOUD_WORDS = 60
TOPIC_MODEL = "nmf"
TOPIC_TERMS = 8
CONFUSION_HALF = "heldout"

Tables = Mapping[str, pd.DataFrame]

# Up to this many regions the two languages are drawn at once, one process each.
# Beyond it they are drawn one after the other: each process holds the tables it
# draws from, and some grow with the square of the number of regions (similarity
# by theme: 12.5 M rows at 1,000 plans, ~1 GiB per process).
PARALLEL_LANGS_MAX_REGIONS: int = 100
#: ``region_id -> n_units`` (the ``regions`` table), or None when that table is absent.
Sizes = Mapping[str, float] | None

#: The table whose ``n_units`` ranks the plans when a figure cannot show every
#: region (:mod:`analysis.figures.regions`); optional for the figures of :data:`FIGURES`.
SIZES_TABLE: str = "regions"

#: Tables :func:`analysis.figures.policy.make_policy_figures` reads.
POLICY_TABLES: tuple[str, ...] = (
    "instrument_table", "modality_table", "units", "citation_network", "citations", "regions",
)

# matplotlib's warning for a character no font of the style has ("Glyph 12345
# (...) missing from font(s) ..."): a build stops on it instead of printing a box.
MISSING_GLYPH_WARNING: str = r"Glyph \d+ .* missing from font"


@dataclass(frozen=True)
class FigureSpec:
    """One figure: id stem, source tables, drawing function and caption fields.

    ``draw(tables, lang, sizes)`` gets the plan sizes by which a figure with a
    cap on its regions picks the largest (:mod:`analysis.figures.regions`).
    ``columns`` names, for a source table, the only columns the figure reads
    (default: every column): a thousand plans' ``keyness`` has 1.4 M rows.
    """

    name: str
    sources: tuple[str, ...]
    draw: Callable[[Tables, str, Sizes], Figure]
    fields: Callable[[Tables, str], dict[str, object]]
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _topic_k(tables: Tables) -> int:
    terms = tables["topics_terms"]
    return int(terms.loc[terms["model"] == TOPIC_MODEL, "topic"].nunique())


def _confusion_fields(tables: Tables, lang: str) -> dict[str, object]:
    scores = tables["theme_validation"]
    row = scores.loc[(scores["half"] == CONFUSION_HALF) & (scores["level"] == "theme")]
    if len(row) != 1:
        raise ValueError(f"theme_validation needs one theme row for half {CONFUSION_HALF!r}")
    summary = text("validation_summary", lang, fields={
        "n": int(row["n"].iloc[0]), "accuracy": float(row["accuracy"].iloc[0]),
        "kappa": float(row["kappa"].iloc[0]),
    })
    return {"half": text(f"half:{CONFUSION_HALF}", lang), "summary": summary}


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "theme_shares", ("theme_by_region",),
        lambda t, lang, sizes: themes.plot_theme_shares(t["theme_by_region"], lang=lang,
                                                        part=PART, region_sizes=sizes),
        lambda t, lang: {"part": PART},
    ),
    FigureSpec(
        "domain_shares", ("domain_by_region",),
        lambda t, lang, sizes: themes.plot_domain_shares(t["domain_by_region"], lang=lang,
                                                         part=PART, region_sizes=sizes),
        lambda t, lang: {"part": PART},
    ),
    FigureSpec(
        "keyness", ("keyness",),
        lambda t, lang, sizes: keywords.plot_keyness(t["keyness"], lang=lang,
                                                     n_over=KEYNESS_OVER, n_under=KEYNESS_UNDER,
                                                     region_sizes=sizes),
        lambda t, lang: {"n_over": KEYNESS_OVER, "n_under": KEYNESS_UNDER},
        {"keyness": keywords.KEYNESS_TABLE_COLUMNS},
    ),
    FigureSpec(
        "word_clouds", ("keywords",),
        lambda t, lang, sizes: keywords.plot_word_clouds(t["keywords"], lang=lang,
                                                         n_words=CLOUD_WORDS,
                                                         random_state=RANDOM_STATE,
                                                         region_sizes=sizes),
        lambda t, lang: {"n_words": CLOUD_WORDS, "seed": RANDOM_STATE},
        {"keywords": keywords.CLOUD_TABLE_COLUMNS},
    ),
    FigureSpec(
        "region_similarity", ("similarity_regions", "region_linkage"),
        lambda t, lang, sizes: similarity.plot_region_similarity(
            t["similarity_regions"], t["region_linkage"], lang=lang, region_sizes=sizes),
        lambda t, lang: {},
    ),
    FigureSpec(
        "theme_similarity", ("similarity_by_theme",),
        lambda t, lang, sizes: similarity.plot_theme_similarity(t["similarity_by_theme"],
                                                                lang=lang, region_sizes=sizes),
        lambda t, lang: {},
    ),
    FigureSpec(
        "topic_terms", ("topics_terms",),
        lambda t, lang, sizes: topics.plot_topic_terms(t["topics_terms"], lang=lang,
                                                       model=TOPIC_MODEL, n_terms=TOPIC_TERMS),
        lambda t, lang: {"model": TOPIC_MODEL.upper(), "k": _topic_k(t), "n_terms": TOPIC_TERMS},
    ),
    FigureSpec(
        "topic_regions", ("topics_regions", "topics_terms"),
        lambda t, lang, sizes: topics.plot_topic_regions(t["topics_regions"], t["topics_terms"],
                                                         lang=lang, model=TOPIC_MODEL,
                                                         region_sizes=sizes),
        lambda t, lang: {"model": TOPIC_MODEL.upper(), "k": _topic_k(t)},
    ),
    FigureSpec(
        "theme_confusion", ("theme_confusion", "theme_validation"),
        lambda t, lang, sizes: validation.plot_confusion(t["theme_confusion"], lang=lang,
                                                         half=CONFUSION_HALF, level="theme"),
        _confusion_fields,
    ),
)


def figure_id(number: int, spec: FigureSpec, lang: str) -> str:
    """``fig03_keyness_en``: number in the published order, name, language."""
    return f"fig{number:02d}_{spec.name}_{lang}"


def make_all_figures(
    processed_dir: Path = config.PROCESSED_DIR,
    out_dir: Path = config.FIGURES_DIR,
    *,
    lang: str = "both",
    svg: bool = False,
    skip_missing: bool = False,
) -> pd.DataFrame:
    """Draw and save every figure of :data:`FIGURES` and write ``manifest.csv``.

    Parameters
    ----------
    processed_dir : Path, default ``config.PROCESSED_DIR``
        Where the tables are read (Parquet, with :func:`analysis.io.read_table`).
    out_dir : Path, default ``config.FIGURES_DIR``
    lang : {"zh", "en", "both"}, default "both"
    svg : bool, default False
        Also write SVG files.
    skip_missing : bool, default False
        Leave out a figure whose tables do not exist (it then has no row in the
        manifest) instead of raising ``FileNotFoundError`` before drawing anything.

    Returns
    -------
    DataFrame
        The manifest written (``schema.FIGURE_MANIFEST``), sorted by figure id.

    Notes
    -----
    The figures are drawn with a font of only the characters they can show: those
    of the string columns of the tables read and of the label files
    (:func:`analysis.figures.charset.figure_characters`), built once per
    character set into the cache (:func:`analysis.figures.fonts.use_characters`).
    A text with a character outside that set raises
    :class:`analysis.figures.fonts.MissingCharactersError`, and one that no font
    of the style can draw raises matplotlib's "Glyph ... missing from font(s)"
    ``UserWarning`` as an error.
    """
    check_choice("lang", lang, LANG_CHOICES)
    langs = LANGS if lang == "both" else (lang,)
    out_dir = Path(out_dir)
    previous = read_manifest(out_dir) if (out_dir / MANIFEST_NAME).is_file() else None

    # Check every table first, so a missing one fails before any drawing.  Only
    # the Parquet footers are read here: the workers read the tables themselves,
    # and holding them in this process too would double the memory of a big corpus.
    available = []
    for number, spec in enumerate(FIGURES, start=1):
        absent = [stem for stem in spec.sources if not table_exists(stem, processed_dir)]
        if absent:
            if skip_missing:
                continue
            raise FileNotFoundError(
                f"{Path(processed_dir) / absent[0]}.parquet does not exist; "
                "run `python -m analysis build` first"
            )
        if any(table_num_rows(stem, processed_dir) == 0 for stem in spec.sources):
            # e.g. no validation tables for a corpus without the hand-coded samples, or
            # no all-pairs similarity beyond config.PAIRWISE_MAX_REGIONS plans
            continue
        available.append((number, spec))
    missing_policy = [stem for stem in POLICY_TABLES if not table_exists(stem, processed_dir)]
    if missing_policy and not skip_missing:
        raise FileNotFoundError(
            f"{Path(processed_dir)} lacks {missing_policy} for the policy figures; "
            "run `python -m analysis build` first"
        )

    # The figures draw with a font of the characters they can show (the string
    # columns of their tables and the label files, analysis.figures.charset):
    # about a thousand glyphs instead of 28 000, converted (when not cached yet)
    # once, here, before the workers start.  The set does not depend on the
    # language, so both languages share the font and a one-language build gives
    # the same files.
    stems = [*(stem for _, spec in available for stem in spec.sources), SIZES_TABLE,
             *(POLICY_TABLES if not missing_policy else ())]
    chars = figure_characters(Path(processed_dir), stems)
    with use_characters(chars, n_jobs=default_jobs()):
        # One worker process per language: the figures of each language are
        # independent, and drawing is most of the build's time.
        tasks = [(Path(processed_dir), out_dir, one_lang, svg, tuple(n for n, _ in available),
                  not missing_policy, chars) for one_lang in langs]
        if len(tasks) > 1 and default_jobs() > 1 and _n_regions(processed_dir) <= (
            PARALLEL_LANGS_MAX_REGIONS
        ):
            with ProcessPoolExecutor(max_workers=min(len(tasks), default_jobs())) as pool:
                rows = [row for rows_of_lang in pool.map(draw_language, tasks)
                        for row in rows_of_lang]
        else:
            rows = [row for task in tasks for row in draw_language(task)]
    manifest = manifest_table(rows)
    write_manifest(rows, out_dir)
    if previous is not None:
        _remove_stale(out_dir, set(previous["figure_id"]) - set(manifest["figure_id"]))
    return manifest


DrawTask = tuple[Path, Path, str, bool, tuple[int, ...], bool, str]


def draw_language(task: DrawTask) -> list[dict[str, str]]:
    """Draw and save the figures numbered ``numbers`` (and the policy figures) in one language.

    ``task`` is ``(processed_dir, out_dir, lang, svg, numbers, with_policy,
    chars)``; a top-level function so that a worker process can run it.  The
    figures are drawn with the font of ``chars``
    (:func:`analysis.figures.fonts.use_characters`, built by the caller), and a
    character missing from every font raises instead of being drawn as a box.
    Returns the manifest rows.
    """
    *arguments, chars = task
    with use_characters(chars), warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH_WARNING, category=UserWarning)
        return _draw_language(*arguments)


def _draw_language(processed_dir: Path, out_dir: Path, one_lang: str, svg: bool,
                   numbers: tuple[int, ...], with_policy: bool) -> list[dict[str, str]]:
    sizes = read_sizes(processed_dir)
    rows = []
    specs = [FIGURES[number - 1] for number in numbers]
    # Each figure reads only its columns; a later figure reading a table the same
    # way takes the same frame.
    reads = [{stem: (spec.columns.get(stem), None) for stem in spec.sources} for spec in specs]
    for number, spec, tables in zip(numbers, specs, tables_in_turn(reads, processed_dir),
                                    strict=True):
        fields = spec.fields(tables, one_lang)
        fig = spec.draw(tables, one_lang, sizes)
        subsets = figure_subsets(fig)
        # The regions shown were picked by their size in the regions table.
        sources = (*spec.sources, SIZES_TABLE) if subsets and sizes is not None else spec.sources
        try:
            rows.append(save_figure(
                fig, figure_id(number, spec, one_lang), out_dir=out_dir,
                title=text(f"{spec.name}.title", one_lang, fields=fields),
                caption=with_note(text(f"{spec.name}.caption", one_lang, fields=fields),
                                  subsets, one_lang),
                sources=sources, command=COMMAND, svg=svg,
            ))
        finally:
            plt.close(fig)
    if with_policy:
        rows.extend(policy.make_policy_figures(processed_dir, out_dir, lang=one_lang))
    return rows


def _n_regions(processed_dir: Path) -> int:
    exists = table_exists(SIZES_TABLE, processed_dir)
    return table_num_rows(SIZES_TABLE, processed_dir) if exists else 0


def read_sizes(processed_dir: Path) -> Sizes:
    """Plan sizes (``region_id -> n_units``) from the ``regions`` table, None if it is absent.

    They decide which regions a figure with too many shows (the largest plans,
    :mod:`analysis.figures.regions`); without them, the first in manifest order.
    """
    if not table_exists(SIZES_TABLE, processed_dir):
        return None
    return policy.region_sizes(read_table(SIZES_TABLE, Path(processed_dir))) or None


def _remove_stale(out_dir: Path, figure_ids: set[str]) -> None:
    # Only files the previous manifest listed are removed; nothing else in the
    # folder is touched.
    for stem in sorted(figure_ids):
        for suffix in OUTPUT_SUFFIXES:
            path = out_dir / f"{stem}{suffix}"
            if path.is_file():
                path.unlink()
