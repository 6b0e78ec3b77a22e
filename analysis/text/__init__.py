"""Text statistics: segmentation, keyness, similarity, reuse and topics.

One module per job, grouped the way the analysis uses them:

``tokens``
    segment units into words with jieba (user dictionary, stopwords).
``term_filters``
    drop numbers, dates, place names and single characters from term lists.
``dictionary``
    count a researcher's own dictionary of terms (like quanteda's ``dfm_lookup``).
``keyness``
    frequencies, keyness (G², log ratio, weighted log-odds) of any grouping, top
    keywords.
``cooccurrence``
    tokens that occur in the same unit, as an edge table with (normalised) PMI.
``kwic``
    keyword in context, by token, substring or regular expression.
``similarity``
    TF-IDF documents; cosine similarity between regions, overall, per theme and
    between any groups.
``neighbours``
    each plan's nearest plans, overall and per theme, without the N x N matrix.
``clustering``
    hierarchical clustering of plans on cosine distance.
``alignment``
    passage alignment: each unit's most similar units in the other plans.
``reuse``
    shared passages between plans (character n-gram text reuse).
``topics``
    NMF and LDA topic models with stability and coherence.
``new_words``
    candidate terms for the user dictionary (PMI, boundary entropy).

The verbs a researcher calls are re-exported here and from :mod:`analysis`, except
``keyness`` and ``cooccurrence``: here those names are their modules
(``analysis.text.keyness``), so the functions are ``analysis.keyness`` and
``analysis.cooccurrence`` (or ``analysis.text.keyness.keyness``).
"""

from __future__ import annotations

from analysis.text.alignment import passage_alignment
from analysis.text.clustering import region_linkage
from analysis.text.concordance import kwic
from analysis.text.dictionary import count_terms, read_dictionary
from analysis.text.keyness import keyness_by_region, keyword_frequencies, top_keywords
from analysis.text.new_words import candidate_terms
from analysis.text.reuse import text_reuse
from analysis.text.similarity import similarity_by_group, similarity_by_theme, similarity_matrix
from analysis.text.term_filters import filter_terms
from analysis.text.tokens import (
    content_tokens,
    remove_stopwords,
    segment_text,
    tokens_from_units,
)
from analysis.text.topics import fit_topics, topic_k_selection, topic_seed_agreement

__all__ = [
    "candidate_terms",
    "content_tokens",
    "count_terms",
    "filter_terms",
    "fit_topics",
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
]
