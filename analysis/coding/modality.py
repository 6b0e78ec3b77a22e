"""Commitment strength: how hard each sentence of a plan commits.

Every unit gets a modality — ``binding`` (确保, 必须, 严禁 …), ``directive``
(加强, 推进, 落实 …), ``encouraging`` (鼓励, 支持, 探索, 试点 …) or ``none`` —
from the term lists in ``analysis/data/modality.yml``, with the documented
rule there: binding wins whenever present, otherwise the sentence's first
modal term (its leading predicate) decides between directive and encouraging.
:func:`modality_table` gives the distribution by region and theme: which plans
commit hard, and on what.

References
----------
彭纪生, 仲为国, 孙文祥 (2008). 政策测量、政策协同演变与经济绩效：基于创新政策的
实证研究. 管理世界, (9), 25-36 (policy strength measured from wording).
Vedung, E. (1998). Policy instruments: typologies and theories. In
Bemelmans-Videc, Rist & Vedung (eds.), *Carrots, Sticks & Sermons*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis import config, schema
from analysis.corpus.script import matching_text
from analysis.crosstabs import region_theme_counts, select_units

__all__ = [
    "classify_modality", "load_modality_lexicon", "MODALITY_LEXICON_PATH", "modality_table",
    "ModalityLexicon", "NONE",
]

MODALITY_LEXICON_PATH: Path = config.RULES_DIR / "modality.yml"
NONE = "none"
_MASK = "\u25a1"
_TITLE = re.compile(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》")


@dataclass(frozen=True)
class ModalityLexicon:
    """Term lists per level, the overriding levels and neutral phrases."""

    override: tuple[str, ...]
    terms: dict[str, tuple[str, ...]]
    labels: dict[str, tuple[str, str]]
    neutral_phrases: tuple[str, ...]


def load_modality_lexicon(path: Path | str | None = None) -> ModalityLexicon:
    """Read and check the modality YAML (default ``analysis/data/modality.yml``).

    ``levels`` must define exactly the levels of ``schema.MODALITY_LEVELS``
    other than ``none``, each with a non-empty list of terms, and
    ``override`` must name some of them; otherwise ``ValueError`` names the
    problem.
    """
    path = MODALITY_LEXICON_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    expected = sorted(lv for lv in schema.MODALITY_LEVELS if lv != NONE)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: must be a mapping")
    override = raw.get("override")
    if not isinstance(override, list) or not set(override) <= set(expected) \
            or len(set(override)) != len(override):
        raise ValueError(f"{path}: override must list distinct levels among {expected}, "
                         f"got {override!r}")
    levels = raw.get("levels")
    if not isinstance(levels, dict) or sorted(levels) != expected:
        raise ValueError(f"{path}: levels must define exactly {expected}")
    terms, labels = {}, {}
    for level, entry in levels.items():
        words = entry.get("terms") if isinstance(entry, dict) else None
        if not isinstance(words, list) or not words \
                or not all(isinstance(w, str) and w for w in words):
            raise ValueError(f"{path}: levels.{level}.terms must be a non-empty list of strings")
        terms[level] = tuple(words)
        labels[level] = (str(entry.get("label_zh", level)), str(entry.get("label_en", level)))
    neutral = raw.get("neutral_phrases") or []
    if not all(isinstance(w, str) and w for w in neutral):
        raise ValueError(f"{path}: neutral_phrases must be strings")
    return ModalityLexicon(tuple(override), terms, labels, tuple(neutral))


@lru_cache(maxsize=1)
def _default_lexicon() -> ModalityLexicon:
    return load_modality_lexicon()


def _compile(words: list[str]) -> re.Pattern | None:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None


def classify_modality(units: pd.DataFrame, *, lexicon: ModalityLexicon | None = None
                      ) -> pd.DataFrame:
    """Classify the commitment strength of every unit.

    Parameters
    ----------
    units : DataFrame
        The units table; needs ``text``.  Not modified.
    lexicon : ModalityLexicon, optional
        Default :func:`load_modality_lexicon` of ``analysis/data/modality.yml``.

    Returns
    -------
    DataFrame
        A copy of ``units`` plus ``schema.UNITS_MODALITY_COLUMNS``:
        ``modality`` (binding, directive, encouraging or ``"none"``: an
        ``override`` level (binding) whenever one of its terms occurs,
        otherwise the level of the first modal term) and ``modality_evidence`` (every term found, in
        text order, as ``"level:term"`` joined by ``;``).  Titles in 《》 and
        neutral phrases are ignored.
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, got {type(units).__name__}")
    if "text" not in units.columns:
        raise ValueError("units lacks column 'text'")
    clash = [c for c in schema.UNITS_MODALITY_COLUMNS if c in units.columns]
    if clash:
        raise ValueError(f"units already has {clash}; pass the unclassified units table")
    lexicon = _default_lexicon() if lexicon is None else lexicon
    level_of = {}
    ordered = list(lexicon.override) + [lv for lv in lexicon.terms if lv not in lexicon.override]
    for level in ordered:  # a term in two lists belongs to the overriding level
        for word in lexicon.terms[level]:
            level_of.setdefault(word, level)
    terms = _compile(list(level_of))
    neutral = _compile(list(lexicon.neutral_phrases))
    labels, evidence = [], []
    for text in matching_text(units):  # simplified form: traditional plans code alike
        text = text if isinstance(text, str) else ""
        masked = _TITLE.sub(lambda m: _MASK * len(m.group(0)), text)
        if neutral is not None:
            masked = neutral.sub(lambda m: _MASK * len(m.group(0)), masked)
        found = [(level_of[m.group(0)], m.group(0)) for m in terms.finditer(masked)]
        levels = [lv for lv, _ in found]
        decided = next((lv for lv in lexicon.override if lv in levels), None)
        labels.append(decided or (levels[0] if levels else NONE))
        evidence.append(";".join(f"{lv}:{w}" for lv, w in found))
    out = units.copy()
    out["modality"] = labels
    out["modality_evidence"] = evidence
    return out


def modality_table(classified_units: pd.DataFrame, *, theme_col: str = "theme",
                   parts: tuple[str, ...] = ("plan",),
                   unit_kinds: tuple[str, ...] = ("sentence",)) -> pd.DataFrame:
    """Distribution of modality by region and theme, zeros included.

    Parameters
    ----------
    classified_units : DataFrame
        :func:`classify_modality` output with a theme column.
    theme_col : str, default ``"theme"``
    parts : tuple of str, default ``("plan",)``
        Parts counted (``schema.PARTS``); a review of past work is not a
        commitment.
    unit_kinds : tuple of str, default ``("sentence",)``

    Returns
    -------
    DataFrame
        ``schema.MODALITY_TABLE``: region_id, theme, modality (every level in
        ``schema.MODALITY_LEVELS``), n_sentences, n_total, share.
    """
    rows = select_units(classified_units, parts=parts, unit_kinds=unit_kinds,
                        required=["modality", theme_col], name="classified_units")
    return region_theme_counts(rows, col="modality", levels=schema.MODALITY_LEVELS,
                               theme_col=theme_col, columns=schema.MODALITY_TABLE)
