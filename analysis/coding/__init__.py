"""Coding of units: themes, policy instruments, modality, targets, citations.

Each coder reads its rules from a commented data file in ``analysis/data/``
and has a validation module that scores it against a hand-coded sample:

``themes`` / ``validation``
    codebook themes per unit, and their agreement with the gold sample.
``instruments`` / ``validation_instruments``
    policy instruments (mandate, incentive, capacity …) per unit.
``modality``
    how binding a sentence is (必须 / 要 / 鼓励 …).
``targets`` / ``validation_targets``
    quantified targets (numbers, percentages, years) per unit.
``citations`` / ``citation_titles`` / ``validation_citations``
    documents cited by the plans and the network they form.

The verbs a researcher calls are re-exported here and from :mod:`analysis`.
"""

from __future__ import annotations

from analysis.coding.citations import citation_network, extract_citations, shared_citations
from analysis.coding.instruments import code_instruments, instrument_table
from analysis.coding.modality import classify_modality, modality_table
from analysis.coding.targets import extract_targets
from analysis.coding.themes import code_units, codebook_table, load_codebook, theme_by_region
from analysis.coding.validation import confusion_table, validate_themes

__all__ = [
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
]
