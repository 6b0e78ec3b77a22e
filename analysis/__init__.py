"""Tools for comparing Chinese local education policy plans.

The public verbs take tidy tables and return new tidy tables; see
``data/processed/README.md`` for every column they write.  The verbs a
researcher calls are importable from here::

    import analysis
    units = analysis.load_units()              # one row per sentence or heading
    themes = analysis.theme_table(level="domain")
    tokens = analysis.load_tokens(region_columns=("plan_year",))   # the shipped content tokens
    table = analysis.keyness(tokens, target=tokens["plan_year"] == 2021)
    analysis.top_keywords(table, by="log_odds_z")
    analysis.save(fig, "fig1.pdf")             # a figure, fonts embedded as TrueType

They are grouped in subpackages by job: :mod:`analysis.text` (segmentation,
keyness, similarity, reuse, topics), :mod:`analysis.coding` (themes,
instruments, modality, targets, citations), :mod:`analysis.figures` (plots),
:mod:`analysis.corpus` (the loader) and :mod:`analysis.ingest` (file formats);
:mod:`analysis.tables` and :mod:`analysis.io` read and write the tables whose
columns :mod:`analysis.schema` names, and :mod:`analysis.config` holds every
path and the random seed.
"""

from __future__ import annotations

# Eager imports: analysis.tables already pulls in analysis.text, so
# re-exporting the text and coding verbs adds only the coding modules (a few
# hundredths of a second of `python -X importtime -c "import analysis"`).
from analysis.coding import (
    citation_network,
    classify_modality,
    code_instruments,
    code_units,
    codebook_table,
    confusion_table,
    extract_citations,
    extract_targets,
    instrument_table,
    load_codebook,
    modality_table,
    shared_citations,
    theme_by_region,
    validate_themes,
)
from analysis.io import export
from analysis.tables import (
    list_tables,
    load_regions,
    load_table,
    load_tokens,
    load_units,
    theme_table,
)
from analysis.text import (
    candidate_terms,
    content_tokens,
    count_terms,
    filter_terms,
    fit_topics,
    keyness_by_region,
    keyword_frequencies,
    kwic,
    passage_alignment,
    read_dictionary,
    region_linkage,
    remove_stopwords,
    segment_text,
    similarity_by_group,
    similarity_by_theme,
    similarity_matrix,
    text_reuse,
    tokens_from_units,
    top_keywords,
    topic_k_selection,
    topic_seed_agreement,
)
from analysis.text.cooccurrence import cooccurrence
from analysis.text.keyness import keyness

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # ``analysis.save`` is imported on first use, so ``import analysis`` does not
    # load matplotlib for the table verbs.
    if name == "save":
        from analysis.figures.save import save

        return save
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


__all__ = [
    # Reading and writing tables (analysis.tables, analysis.io).
    "export",
    "list_tables",
    "load_regions",
    "load_table",
    "load_tokens",
    "load_units",
    "theme_table",
    # Text statistics (analysis.text).
    "candidate_terms",
    "content_tokens",
    "cooccurrence",
    "count_terms",
    "filter_terms",
    "fit_topics",
    "keyness",
    "keyness_by_region",
    "keyword_frequencies",
    "kwic",
    "passage_alignment",
    "read_dictionary",
    "region_linkage",
    "remove_stopwords",
    "segment_text",
    "similarity_by_group",
    "similarity_by_theme",
    "similarity_matrix",
    "text_reuse",
    "tokens_from_units",
    "top_keywords",
    "topic_k_selection",
    "topic_seed_agreement",
    # Coding (analysis.coding).
    "citation_network",
    "classify_modality",
    "code_instruments",
    "code_units",
    "codebook_table",
    "confusion_table",
    "extract_citations",
    "extract_targets",
    "instrument_table",
    "load_codebook",
    "modality_table",
    "shared_citations",
    "theme_by_region",
    "validate_themes",
    # Figures (analysis.figures; loaded on first use).
    "save",
    "__version__",
]
