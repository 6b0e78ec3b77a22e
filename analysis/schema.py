"""The columns of every table the package writes, in output order.

Tests assert these lists against the files in ``data/processed/`` and
``data/processed/README.md`` documents each column.  A module that writes a
table imports its column list from here instead of spelling the names again.
"""

from __future__ import annotations

MANIFEST: list[str] = [
    "region_id",
    "file",
    "name_zh",
    "name_en",
    "province_zh",
    "province_en",
    "prefecture_zh",
    "admin_level",
    "plan_year",
    "doc_type_zh",
    "doc_type_en",
    "published",
    "source_note",
    # Fields inferred rather than stated; also those `add` filled by rule when
    # left out (name_en romanised: analysis.ingest.add.FALLBACKS).
    "inferred_fields",
]

ADMIN_LEVELS: tuple[str, ...] = ("county", "district", "prefecture_city", "province", "nation")

REGIONS: list[str] = MANIFEST + [
    "title_zh",
    "publisher",
    "issued_date",
    "page_date",
    "index_no",
    "page_views",
    "source_site",
    "doc_no",
    "issuing_body",
    "author",
    "encoding",
    "script",
    "sha256",
    "n_chars_read",
    "n_chars_kept",
    "n_chars_removed",
    "n_chars_repaired_delta",
    "n_whitespace_removed",
    "n_punct_normalised",
    "spin_score",
    "spun",
    "n_repairs",
    "n_parts",
    "n_sections",
    "n_items",
    "n_units",
    "n_sentences",
    "structure_recognised",
    "quality_notes",
]

UNITS: list[str] = [
    "region_id",
    "unit_id",
    "part",
    "section_no",
    "section_label",
    "section_title",
    "item_no",
    "item_label",
    "item_no_inferred",
    "item_title",
    "subitem_no",
    "subitem_label",
    "subitem_title",
    "clause_type",
    "unit_kind",
    "sentence_no",
    "line_no",
    "text",
    "text_simplified",
    "n_chars",
]

# Whole numbers that may be missing: pandas nullable ``Int64`` in the tables the loader
# makes and load_table returns (Parquet keeps int64 with nulls; CSV writes an empty cell).
# A text column "2021" or a float 1.0 would make ``== 2021`` or ``== 1`` miss silently.
NULLABLE_INT_COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("plan_year", "page_views"),
    "units": ("section_no", "item_no", "subitem_no"),
    # Empty for a stock phrase (one plan's span, no second side).
    "text_reuse": ("start_b", "end_b"),
}

# unit_kind values: what a row is in the document's hierarchy.
UNIT_KINDS: tuple[str, ...] = (
    "part_heading",
    "section_heading",
    "item_title",
    "subitem_title",
    "sentence",
    "table_row",  # a row of a table in the plan, kept whole (cells separated by | or tabs)
)
PARTS: tuple[str, ...] = ("review", "plan")

REMOVED: list[str] = ["region_id", "line_no", "text", "reason"]

REPAIRS: list[str] = ["region_id", "unit_id", "line_no", "before", "after", "rule_id"]

# --- themes (analysis/coding/themes.py, analysis/coding/validation.py) ---------------------------

# Columns code_units adds to the units table.
UNITS_THEME_COLUMNS: list[str] = [
    "theme",
    "theme_secondary",
    "theme_score",
    "theme_evidence",
    "theme_fallback_reason",
]

CODEBOOK: list[str] = [
    "theme_id",
    "theme_zh",
    "theme_en",
    "domain",
    "domain_zh",
    "domain_en",
    "definition",
    "include",
    "exclude",
    "terms",
    "n_terms",
    "n_rules",
    "umbrella",
]

THEME_BY_REGION: list[str] = [
    "region_id",
    "part",
    "theme_id",
    "theme_zh",
    "theme_en",
    "domain",
    "n_sentences",
    "n_chars",
    "share_chars",
    "share_sentences",
]

DOMAIN_BY_REGION: list[str] = [
    "region_id",
    "part",
    "domain",
    "domain_zh",
    "domain_en",
    "n_sentences",
    "n_chars",
    "share_chars",
    "share_sentences",
]

THEME_FALLBACK: list[str] = [
    "region_id",
    "part",
    "reason",
    "route",
    "n_sentences",
    "share_sentences",
    "unassigned",
]

# The hand-coded validation sample (data/validation/).
THEME_SAMPLE: list[str] = [
    "sample_no",
    "region_id",
    "unit_id",
    "part",
    "unit_kind",
    "half",
    "section_title",
    "item_title",
    "subitem_title",
    "text",
]
THEME_GOLD: list[str] = [
    "sample_no",
    "region_id",
    "unit_id",
    "half",
    "text",
    "gold_theme",
    "gold_secondary",
    "note",
]

THEME_VALIDATION: list[str] = ["half", "level", "n", "accuracy", "macro_f1", "kappa"]
THEME_VALIDATION_BY_THEME: list[str] = [
    "half",
    "level",
    "theme",
    "precision",
    "recall",
    "f1",
    "support",
    "n_predicted",
]
THEME_CONFUSION: list[str] = ["half", "level", "gold", "predicted", "n"]

# --- Text statistics: tokens, keywords, keyness, KWIC, co-occurrence -------------------
# Written by analysis/text/tokens.py, keyness.py and kwic.py; the docstrings there give units.

# One row per kept token; position is the 0-based index among the unit's tokens.
TOKENS: list[str] = ["region_id", "unit_id", "position", "token"]

# keyword_frequencies(by="region_id"); with another `by` the first column takes its name.
KEYWORD_FREQUENCIES: list[str] = ["region_id", "token", "n", "per_10k", "doc_freq", "n_docs"]

KEYNESS: list[str] = [
    "comparison",
    "target",
    "reference",
    "token",
    "n_target",
    "n_reference",
    "total_target",
    "total_reference",
    "per_10k_target",
    "per_10k_reference",
    "g2",
    "p_value",
    "log_ratio",
    "log_odds",
    "log_odds_z",
]

# kwic() (analysis/text/concordance.py); a "theme" column follows item_title when the units
# table carries one.  start/end: the keyword's character offsets in the unit text;
# position is nullable (NA when no token holds the match or no tokens were given).
KWIC: list[str] = [
    "region_id",
    "unit_id",
    "part",
    "section_no",
    "section_title",
    "item_no",
    "item_title",
    "position",
    "start",
    "end",
    "left",
    "keyword",
    "right",
    "match",
]

# analysis/text/new_words.py: runs of adjacent tokens that behave like one word, for review.
CANDIDATE_TERMS: list[str] = [
    "candidate",
    "parts",
    "n_tokens",
    "n_chars",
    "freq",
    "n_units",
    "n_regions",
    "pmi",
    "left_entropy",
    "right_entropy",
    "score",
    "examples",
]

COOCCURRENCE: list[str] = [
    "source",
    "target",
    "n_units",
    "n_source",
    "n_target",
    "n_units_total",
    "pmi",
    "npmi",
]

# --- Policy instruments, measurable targets, commitment strength, cited documents
# (analysis/coding/instruments.py, targets.py, modality.py, citations.py and their validation).

# Columns code_instruments() adds to the units table ("none" when no instrument).
UNITS_INSTRUMENT_COLUMNS: list[str] = [
    "instrument",
    "instrument_subtype",
    "instrument_evidence",
    "instrument_secondary",
    "instrument_secondary_subtype",
]
INSTRUMENT_TYPES: tuple[str, ...] = ("supply", "environment", "demand", "none")

# instrument_table(): region x theme x instrument, zeros included; share = n_sentences / n_total.
INSTRUMENT_TABLE: list[str] = [
    "region_id",
    "theme",
    "instrument",
    "n_sentences",
    "n_total",
    "share",
]

# Columns classify_modality() adds to the units table.
UNITS_MODALITY_COLUMNS: list[str] = ["modality", "modality_evidence"]
MODALITY_LEVELS: tuple[str, ...] = ("binding", "directive", "encouraging", "none")

# modality_table(): region x theme x modality, zeros included.
MODALITY_TABLE: list[str] = [
    "region_id",
    "theme",
    "modality",
    "n_sentences",
    "n_total",
    "share",
]

# extract_targets(): one row per quantified commitment; span == text[start:end].
TARGETS: list[str] = [
    "region_id",
    "unit_id",
    "part",
    "theme",
    "span",
    "indicator",
    "value",
    "unit",
    "comparator",
    "qualifier",
    "target_type",
    "start",
    "end",
]
TARGET_TYPES: tuple[str, ...] = ("rate", "count", "money", "ranking")

# extract_citations(): one row per 《title》 cited.
CITATIONS: list[str] = ["region_id", "unit_id", "title", "title_norm", "level", "level_evidence",
                         "detection", "detection_evidence", "start", "end"]
# how a citation was found: in 《》, in “” with a document-kind ending, or a bare title
CITATION_DETECTIONS: tuple[str, ...] = ("brackets", "quotes", "bare_title")
CITATION_LEVELS: tuple[str, ...] = ("central", "provincial", "local", "unknown")

# citation_network(): region-document edges (a bipartite network).
CITATION_NETWORK: list[str] = ["title_norm", "level", "region_id", "n_mentions", "n_regions"]

# shared_citations(): region x region, every unordered pair, zeros included.
CITATION_PAIRS: list[str] = ["region_a", "region_b", "n_shared", "shared_titles"]

# Validation data (data/validation/) and results.
INSTRUMENT_SAMPLE: list[str] = ["sample_id", "half", "region_id", "unit_id", "part", "text"]
INSTRUMENT_GOLD: list[str] = [
    "sample_id",
    "unit_id",
    "instrument",
    "instrument_subtype",
    "instrument_secondary",
    "instrument_secondary_subtype",
    "note",
]
# validate_instruments(): per half, one row per type (one-vs-rest on the primary
# instrument) and one "overall" row (all four labels).
INSTRUMENT_VALIDATION: list[str] = [
    "half",
    "label",
    "n",
    "n_gold",
    "n_pred",
    "n_agree",
    "accuracy",
    "kappa",
]
# instrument_confusion(): per half, every gold x predicted cell, zeros included.
INSTRUMENT_CONFUSION: list[str] = ["half", "gold", "predicted", "n"]
# targets_gold.csv (whole plans) and targets_oos_gold.csv (a sample of government
# work-report sentences; there region_id holds the sentence_id).
TARGETS_GOLD: list[str] = [
    "split",
    "region_id",
    "span",
    "indicator",
    "value",
    "unit",
    "comparator",
    "qualifier",
    "target_type",
    "note",
]
# citations_gold.csv: every cited document in the five plans (docs/annotation_citations.md).
CITATIONS_GOLD: list[str] = ["split", "region_id", "unit_id", "title", "marks", "role", "note"]
CITATION_ROLES: tuple[str, ...] = ("cited", "issued")
# match_citations(): every gold and predicted citation with its fate.
CITATION_MATCHES: list[str] = [
    "split",
    "region_id",
    "unit_id",
    "status",
    "gold_title",
    "pred_title",
    "marks",
    "detection",
    "start",
    "end",
]
# validate_citations(): per split x plan (marks "all") and per split x kind of mark.
CITATION_VALIDATION: list[str] = [
    "split",
    "region_id",
    "marks",
    "n_gold",
    "n_pred",
    "n_matched",
    "precision",
    "recall",
    "f1",
]
TARGETS_OOS_SAMPLE: list[str] = ["doc_id", "sentence_id", "half", "text"]
# validate_targets(): per split and region plus an "all" row per split; run_target_validation()
# names the splits plans_dev, plans_heldout, reports_dev, reports_heldout.
TARGET_VALIDATION: list[str] = [
    "split",
    "region_id",
    "n_gold",
    "n_pred",
    "n_matched",
    "precision",
    "recall",
    "f1",
]
# match_targets(): every gold and predicted target with its fate.
TARGET_MATCHES: list[str] = [
    "split",
    "region_id",
    "unit_id",
    "status",
    "gold_span",
    "pred_span",
    "gold_value",
    "pred_value",
    "gold_unit",
    "pred_unit",
    "start",
    "end",
]

# ----------------------------------------------------------------------------- figures
# figures/manifest.csv: one row per figure file pair (PNG + PDF, optionally SVG);
# sources are the processed-table stems it was drawn from, joined by ";".
FIGURE_MANIFEST: list[str] = [
    "figure_id",
    "title",
    "caption",
    "sources",
    "command",
    "png_sha256",
    "pdf_sha256",
    "svg_sha256",
]

# --- Similarity, passage alignment, text reuse and topic models (analysis/text/similarity.py,
# --- analysis/text/reuse.py, analysis/text/topics.py) ---------------------------------

SIMILARITY_REGIONS: list[str] = [
    "region_a",
    "region_b",
    "cosine",
    "weighting",
    "tokenisation",
    "n_terms",
]

SIMILARITY_BY_THEME: list[str] = [
    "theme",
    "region_a",
    "region_b",
    "cosine",
    "n_units_a",
    "n_units_b",
    "status",
    "weighting",
    "tokenisation",
    "n_terms",
]

# similarity_by_group: any grouping column of the tokens, any units subset (not built).
SIMILARITY_BY_GROUP: list[str] = [
    "group_col",
    "group_a",
    "group_b",
    "cosine",
    "n_units_a",
    "n_units_b",
    "status",
    "idf_from",
    "weighting",
    "tokenisation",
    "n_terms",
]

# Each plan's k nearest plans (config.NEIGHBOURS_K), overall and within each theme:
# always built; the all-pairs tables above only up to config.PAIRWISE_MAX_REGIONS plans.
SIMILARITY_NEIGHBOURS: list[str] = [
    "region_id",
    "neighbour",
    "rank",
    "cosine",
    "weighting",
    "tokenisation",
    "n_terms",
]

SIMILARITY_NEIGHBOURS_BY_THEME: list[str] = [
    "theme",
    "region_id",
    "neighbour",
    "rank",
    "cosine",
    "n_units",
    "weighting",
    "tokenisation",
    "n_terms",
]

PASSAGE_ALIGNMENT: list[str] = [
    "region_id",
    "unit_id",
    "other_region",
    "other_unit_id",
    "score",
    "text",
    "other_text",
]

REGION_LINKAGE: list[str] = [
    "step",
    "cluster_id",
    "cluster_a",
    "cluster_b",
    "label_a",
    "label_b",
    "distance",
    "size",
    "members",
]

REGION_LINKAGE_LEAVES: list[str] = ["leaf", "region_id", "position"]

TEXT_REUSE: list[str] = [
    "region_a",
    "unit_id_a",
    "start_a",
    "end_a",
    "region_b",
    "unit_id_b",
    "start_b",
    "end_b",
    "n_chars",
    "text",
    "text_b",
    "kind",
    "n_regions",
]

# kind values in TEXT_REUSE.
REUSE_KINDS: tuple[str, ...] = ("reuse", "stock_phrase")

TOPIC_K_SELECTION: list[str] = [
    "model",
    "k",
    "stability",
    "stability_sd",
    "coherence",
    "n_seeds",
    "n_units_sampled",
    "n_terms",
    "weighting",
    "chosen",
    "rule",
]

# Ranked by relevance (Sievert & Shirley 2014); coverage repeats the topic's value.
TOPICS_TERMS: list[str] = [
    "model", "topic", "rank", "term", "weight", "relevance", "coverage",
]

# One row per model x topic: the label terms and how much of the corpus the topic covers.
TOPIC_LABELS: list[str] = ["model", "topic", "label", "coverage", "n_units", "weight_share"]

TOPICS_UNITS: list[str] = ["model", "unit_id", "region_id", "topic", "weight"]

TOPICS_REGIONS: list[str] = ["model", "region_id", "topic", "share"]

TOPICS_VS_THEMES: list[str] = ["model", "topic", "theme", "n_units", "share"]

# One row per model x pair of seeds: how far the topics depend on the seed.
TOPIC_SEED_AGREEMENT: list[str] = [
    "model", "k", "seed_a", "seed_b", "agreement", "top_n", "n_units", "n_terms",
]

TOPIC_MODELS: tuple[str, ...] = ("nmf", "lda")

# --- The units table as the build writes it ----------------------------------------
# The loader's columns, then what the themes, instruments and modality steps add.
UNITS_ALL: list[str] = (
    UNITS + UNITS_THEME_COLUMNS + UNITS_INSTRUMENT_COLUMNS + UNITS_MODALITY_COLUMNS
)


# Columns that hold one sentence on every row of a table (how the vectors were made):
# the functions return them, the build writes them once, into table_notes, instead.
NOTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "similarity_regions": ("weighting", "tokenisation"),
    "similarity_by_theme": ("weighting", "tokenisation"),
    "similarity_neighbours": ("weighting", "tokenisation"),
    "similarity_neighbours_by_theme": ("weighting", "tokenisation"),
}

# One row per table x column moved out of it (NOTE_COLUMNS), and per table the build
# left empty on purpose (column ""), with the sentence.
TABLE_NOTES: list[str] = ["table", "column", "value"]

# Tables readers filter by plan, and the column naming the plan: beyond
# config.PARTITION_MIN_ROWS rows they are written as a folder with one Parquet
# file per plan (<stem>/<column>=<id>/part-0.parquet).
PARTITION_COLUMNS: dict[str, str] = {
    "units": "region_id",
    "tokens": "region_id",
    "passage_alignment": "region_id",
    "text_reuse": "region_a",
    "topics_units": "region_id",
}


def written_columns(stem: str, columns: list[str]) -> list[str]:
    """``columns`` without the note columns of table ``stem`` (:data:`NOTE_COLUMNS`)."""
    return [c for c in columns if c not in NOTE_COLUMNS.get(stem, ())]


# Every table the build writes: file stem → its columns.
TABLES: dict[str, list[str]] = {
    "regions": REGIONS,
    "units": UNITS_ALL,
    "removed": REMOVED,
    "repairs": REPAIRS,
    "codebook": CODEBOOK,
    "theme_by_region": THEME_BY_REGION,
    "domain_by_region": DOMAIN_BY_REGION,
    "theme_fallback": THEME_FALLBACK,
    "theme_validation": THEME_VALIDATION,
    "theme_validation_by_theme": THEME_VALIDATION_BY_THEME,
    "theme_confusion": THEME_CONFUSION,
    "instrument_table": INSTRUMENT_TABLE,
    "modality_table": MODALITY_TABLE,
    "targets": TARGETS,
    "citations": CITATIONS,
    "citation_network": CITATION_NETWORK,
    "citation_pairs": CITATION_PAIRS,
    "instrument_validation": INSTRUMENT_VALIDATION,
    "instrument_confusion": INSTRUMENT_CONFUSION,
    "target_matches": TARGET_MATCHES,
    "target_validation": TARGET_VALIDATION,
    "citation_matches": CITATION_MATCHES,
    "citation_validation": CITATION_VALIDATION,
    "tokens": TOKENS,
    "candidate_terms": CANDIDATE_TERMS,
    "keywords": KEYWORD_FREQUENCIES,
    "keyness": KEYNESS,
    "cooccurrence": COOCCURRENCE,
    "similarity_regions": written_columns("similarity_regions", SIMILARITY_REGIONS),
    "similarity_by_theme": written_columns("similarity_by_theme", SIMILARITY_BY_THEME),
    "similarity_neighbours": written_columns("similarity_neighbours", SIMILARITY_NEIGHBOURS),
    "similarity_neighbours_by_theme": written_columns("similarity_neighbours_by_theme",
                                                      SIMILARITY_NEIGHBOURS_BY_THEME),
    "table_notes": TABLE_NOTES,
    "passage_alignment": PASSAGE_ALIGNMENT,
    "region_linkage": REGION_LINKAGE,
    "region_linkage_leaves": REGION_LINKAGE_LEAVES,
    "text_reuse": TEXT_REUSE,
    "topic_k_selection": TOPIC_K_SELECTION,
    "topics_terms": TOPICS_TERMS,
    "topics_units": TOPICS_UNITS,
    "topics_regions": TOPICS_REGIONS,
    "topics_vs_themes": TOPICS_VS_THEMES,
    "topic_labels": TOPIC_LABELS,
    "topic_seed_agreement": TOPIC_SEED_AGREEMENT,
}
