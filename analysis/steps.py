"""Each step of the build: tables in, tables out.

A step is a function that takes the tables made so far (a dict keyed by file
stem) and returns the new ones: themes, policy instruments, tokens, keywords,
similarity, passage alignment, topics and text reuse, in the order
:func:`analysis.build.build` runs them (its ``_build_tables`` looks each step up
here when it runs, so a test can replace one).  Every stem a step returns is
either a table of ``schema.TABLES``, written by the build, or an intermediate a
later step reads.  With a Dask ``scheduler`` a step runs in blocks of plans or
as one task on one worker (:mod:`analysis.distributed`), with the same tables.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config, schema
from analysis.build_variants import same_scheme_as_shipped
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
from analysis.coding.validation import confusion_table, read_gold, validate_themes
from analysis.coding.validation_citations import CITATIONS_GOLD_PATH, run_citation_validation
from analysis.coding.validation_instruments import INSTRUMENT_SAMPLE_PATH, run_instrument_validation
from analysis.coding.validation_targets import TARGETS_GOLD_PATH, run_target_validation
from analysis.distributed import (
    concat_partitions,
    map_partitions,
    resolve_scheduler,
    run_on_worker,
)
from analysis.io import split_note_columns
from analysis.memory import release_memory
from analysis.text.alignment import passage_alignment
from analysis.text.clustering import region_linkage_tfidf
from analysis.text.cooccurrence import cooccurrence
from analysis.text.keyness import (
    keyness_by_region_from_counts,
    keyword_frequencies_from_counts,
    sum_term_counts,
    term_counts,
)
from analysis.text.neighbours import similarity_neighbours, similarity_neighbours_by_theme
from analysis.text.new_words import candidate_terms
from analysis.text.plan_pairs import PAIR_COLUMNS
from analysis.text.reuse import text_reuse
from analysis.text.similarity import similarity_by_theme, similarity_regions
from analysis.text.term_filters import filter_terms
from analysis.text.tokens import (
    USER_DICT_PATH,
    categorical_tokens,
    content_tokens,
    tokens_from_units,
)
from analysis.text.topics import topic_k_selection, topic_models

Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Step:
    """One step of the build: what it is called, what it does, which tables it reads."""

    name: str
    run: Callable[[Tables], Tables]
    needs: tuple[str, ...]


def sample_in_corpus(units: pd.DataFrame, sample_path: Path, *, column: str = "unit_id") -> bool:
    """Whether every unit (or region) of a hand-coded sample is in this corpus.

    The validation numbers describe the five seed plans' samples; a corpus
    without them (another set of plans) gets empty validation tables instead
    of numbers that would describe nothing in it.
    """
    sample = pd.read_csv(sample_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return set(sample[column]) <= set(units[column])


def _empty(*stems: str) -> Tables:
    return {stem: pd.DataFrame(columns=schema.TABLES[stem]) for stem in stems}


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
        **_citation_pairs(citations, sorted(units["region_id"].unique())),
    }


def _citation_pairs(citations: pd.DataFrame, regions: list[str]) -> Tables:
    """Every pair of plans up to ``config.PAIRWISE_MAX_REGIONS``; beyond, each plan's
    ``config.NEIGHBOURS_K`` pairs sharing the most documents, and a ``table_notes`` row."""
    if len(regions) <= config.PAIRWISE_MAX_REGIONS:
        return {"citation_pairs": shared_citations(citations, regions=regions)}
    note = (f"top {config.NEIGHBOURS_K} pairs per plan: {len(regions)} plans > "
            f"config.PAIRWISE_MAX_REGIONS ({config.PAIRWISE_MAX_REGIONS}); each plan's "
            f"config.NEIGHBOURS_K pairs sharing the most documents (at least one; ties by "
            f"region id), not every pair")
    return {"citation_pairs": shared_citations(citations, regions=regions,
                                               top_k=config.NEIGHBOURS_K),
            "table_notes": table_notes([("citation_pairs", note)])}


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
    # Co-occurrence first: its peak then comes before the counts and keyness tables are
    # held, not on top of them (1,254 -> 1,187 MiB at 1,000 synthetic plans).
    made = run_on_worker(_cooccurrence_tables, tables, needs=("content_tokens", "region_names"),
                         scheduler=scheduler)
    # Its temporaries freed, not kept mapped under the counts and keyness that follow.
    release_memory()
    counts = sum_term_counts(map_partitions(functools.partial(term_counts, regions=regions),
                                            content, scheduler=scheduler))
    made["keywords"] = keyword_frequencies_from_counts(counts)
    made["keyness"] = keyness_by_region_from_counts(counts, include_absent=include_absent)
    return made


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
    the vectors were made go to ``table_notes`` too, once per table.  Beyond
    ``config.PAIRWISE_MAX_REGIONS`` plans the neighbour pairs are also kept, as
    the intermediate ``neighbour_pairs``, for the passage and reuse searches.
    """
    content = tables["content_tokens"]
    plan_units = tables["plan_units"]
    n_regions = content["region_id"].nunique()
    k = config.NEIGHBOURS_K  # read at call time, so a changed setting takes effect
    made = {"similarity_neighbours": similarity_neighbours(content, k=k),
            "similarity_neighbours_by_theme": similarity_neighbours_by_theme(content, plan_units,
                                                                             k=k)}
    skipped = []
    if n_regions <= config.PAIRWISE_MAX_REGIONS:
        made["similarity_regions"] = similarity_regions(content)
        made["similarity_by_theme"] = similarity_by_theme(content, plan_units)
    else:
        made["neighbour_pairs"] = neighbour_pairs(made["similarity_neighbours"])
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
    notes = [table_notes(skipped)]
    for stem in [stem for stem in made if stem in schema.TABLES]:
        made[stem], moved = split_note_columns(made[stem], stem)
        notes.append(moved)
    made.update(_empty(*(stem for stem, _ in skipped)))
    made["table_notes"] = (pd.concat(notes, ignore_index=True)
                           .sort_values(["table", "column"], kind="stable").reset_index(drop=True))
    return made


def alignment_step(tables: Tables) -> Tables:
    """Each unit's most similar units in other plans (bounded defaults, any corpus size).

    Up to ``config.PAIRWISE_MAX_REGIONS`` plans every pair of plans is
    searched.  Beyond, as for the similarity tables, each plan is searched only
    against its ``config.NEIGHBOURS_K`` nearest plans: the intermediate
    ``neighbour_pairs`` that :func:`similarity_step` leaves (the
    ``similarity_neighbours`` pairs, either direction), and ``table_notes`` says so.
    """
    content, plan_units = tables["content_tokens"], tables["plan_units"]
    pairs = tables.get("neighbour_pairs")
    if pairs is None:
        return {"passage_alignment": passage_alignment(content, plan_units)}
    n_regions = content["region_id"].nunique()
    return {"passage_alignment": passage_alignment(content, plan_units, pairs=pairs),
            "table_notes": _pairs_notes(["passage_alignment"], n_regions)}


def neighbour_pairs(neighbours: pd.DataFrame) -> pd.DataFrame:
    """The plan pairs of a ``similarity_neighbours`` table: ``region_id, neighbour``."""
    return neighbours.loc[:, list(PAIR_COLUMNS)].reset_index(drop=True)


def table_notes(rows: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``table_notes`` rows saying why a whole table is as it is: (table, why) pairs."""
    return pd.DataFrame([{"table": stem, "column": "", "value": why} for stem, why in rows],
                        columns=schema.TABLES["table_notes"])


def _pairs_notes(stems: Sequence[str], n_regions: int) -> pd.DataFrame:
    """``table_notes`` rows: these tables searched only each plan's nearest plans."""
    why = (f"searched only each plan's config.NEIGHBOURS_K ({config.NEIGHBOURS_K}) nearest "
           f"plans (the pairs of similarity_neighbours, either direction): {n_regions} plans "
           f"> config.PAIRWISE_MAX_REGIONS ({config.PAIRWISE_MAX_REGIONS}); plans further "
           "apart were not compared")
    return table_notes([(stem, why) for stem in sorted(stems)])


def reuse_step(tables: Tables, *, scheduler: str | None = None) -> Tables:
    """Wording shared verbatim or nearly between plans (on one Dask worker when given one).

    When :func:`similarity_step` left ``neighbour_pairs`` (beyond
    ``config.PAIRWISE_MAX_REGIONS`` plans), only those pairs of plans are
    searched and ``table_notes`` says so; otherwise every pair.
    """
    return run_on_worker(_reuse_tables, tables, needs=present_needs(("plan_units",), tables),
                         scheduler=scheduler)


# Intermediates only a large corpus makes; a step that reads one works without it.
OPTIONAL_NEEDS: frozenset[str] = frozenset({"neighbour_pairs"})


def present_needs(needs: Sequence[str], tables: Tables) -> tuple[str, ...]:
    """``needs`` plus the optional intermediates that ``tables`` holds (sent to a worker)."""
    return (*(n for n in needs if n not in OPTIONAL_NEEDS),
            *sorted(n for n in OPTIONAL_NEEDS if n in tables))


def _reuse_tables(tables: Tables) -> Tables:
    pairs = tables.get("neighbour_pairs")
    if pairs is None:
        return {"text_reuse": text_reuse(tables["plan_units"])}
    n_regions = tables["plan_units"]["region_id"].nunique()
    return {"text_reuse": text_reuse(tables["plan_units"], pairs=pairs),
            "table_notes": _pairs_notes(["text_reuse"], n_regions)}


# Steps that run whole, as one task on one worker, when a Dask scheduler is given
# (their work is not split into partitions; see analysis.distributed).
WHOLE_STEPS_ON_WORKER: tuple[str, ...] = ("similarity", "passage alignment", "topics")


def _on_worker(step: Step, scheduler: str | None) -> Step:
    """``step`` run on one worker of the cluster (unchanged without a scheduler)."""
    if resolve_scheduler(scheduler) is None:
        return step
    def run(tables: Tables) -> Tables:
        return run_on_worker(step.run, tables, needs=present_needs(step.needs, tables),
                             scheduler=scheduler)

    return Step(step.name, run, step.needs)


def topics_step(tables: Tables, *, n_jobs: int | None = None) -> Tables:
    """Choose k for NMF by stability and coherence, fit NMF and LDA at that k, compare seeds.

    Only NMF's curve is computed: LDA's k-selection costs ~20x more and LDA is
    fitted for comparison at the same k, topic for topic.  The independent fits
    run in ``n_jobs`` processes (default: every CPU), with the same tables as in one.
    """
    jobs = -1 if n_jobs is None else n_jobs
    plan_units = tables["plan_units"]
    regions = tables["region_names"]
    # The term filter once, not once per call below (each would copy the content tokens);
    # the calls are then told to keep everything, which leaves their input as it is.
    content = filter_terms(tables["content_tokens"], regions=regions)
    kept = {"keep_numbers": True, "keep_places": True, "keep_single_chars": True}
    k_table = topic_k_selection(content, models=("nmf",), random_state=config.RANDOM_STATE,
                                n_jobs=jobs, **kept)
    # Both models at the same k, so they can be compared topic for topic.
    k = int(k_table.loc[(k_table["model"] == "nmf") & k_table["chosen"], "k"].iloc[0])
    # Both models and all their seeds' fits share one pool; the tables are those of
    # fit_topics and topic_seed_agreement per model, with one fit fewer per model
    # (DEFAULT_SEEDS starts with config.RANDOM_STATE, the seed of the reported fit).
    models = topic_models(content, plan_units, k=k, models=schema.TOPIC_MODELS,
                          random_state=config.RANDOM_STATE, n_jobs=jobs, **kept)
    fitted = list(models.fits.values())
    return {
        "topic_k_selection": k_table,
        "topics_terms": pd.concat([f.terms for f in fitted], ignore_index=True),
        "topics_units": pd.concat([f.units for f in fitted], ignore_index=True),
        "topics_regions": pd.concat([f.regions for f in fitted], ignore_index=True),
        "topics_vs_themes": pd.concat([f.themes for f in fitted], ignore_index=True),
        "topic_labels": pd.concat([f.labels for f in fitted], ignore_index=True),
        # How far each model's topics depend on its seed (the fits above use the first).
        "topic_seed_agreement": models.seed_agreement,
    }
