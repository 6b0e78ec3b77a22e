"""The corpus loader, one module per stage, in the order a plan goes through them.

``read`` (bytes → text, strict decoding) → ``chrome`` (page furniture out,
its facts into metadata) → ``layout`` (page and chunk markers out, hard-wrapped
lines rejoined) → ``repair`` (synonym-spinner damage) →
``normalise`` (punctuation, spaces) → ``structure`` (parts, sections, items,
sentences); ``load`` runs the chain for every plan of the manifest and
assembles the tidy tables named in :mod:`analysis.schema`.

    from analysis.corpus import load_corpus
    corpus = load_corpus()      # regions, units, removed, repairs
"""

from __future__ import annotations

from analysis.corpus.load import (
    Corpus,
    DocumentResult,
    ManifestError,
    load_corpus,
    load_plan,
    process_document,
    read_manifest,
    read_plan,
)

__all__ = [
    "Corpus",
    "DocumentResult",
    "ManifestError",
    "load_corpus",
    "load_plan",
    "process_document",
    "read_manifest",
    "read_plan",
]
