"""Policy instruments: code each sentence by the tool of government it uses.

The scheme (``analysis/data/instruments.yml``) is the supply / environment /
demand typology of Rothwell & Zegveld (1985) as used by most Chinese
policy-text studies, with sub-types and signal terms.  :func:`code_instruments`
adds the primary instrument, its sub-type, the evidence and a secondary
instrument of another type to every unit; :func:`instrument_table` counts
them by region and theme (the two-dimensional "instrument × policy area" table
of that literature).  Validation against hand coding:
:mod:`analysis.coding.validation_instruments` and ``docs/coding_protocol_instruments.md``.

References
----------
Rothwell, R., & Zegveld, W. (1985). *Reindustrialization and Technology*.
Longman.  黄萃, 苏竣, 施丽萍, 程啸天 (2011). 政策工具视角的中国风能政策文本量化
研究. 科学学研究, 29(6), 876-882.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis import config, schema
from analysis.crosstabs import region_theme_counts, select_units

__all__ = [
    "code_instruments", "INSTRUMENT_SCHEME_PATH", "instrument_table", "InstrumentScheme",
    "load_instrument_scheme", "NONE", "Subtype",
]

INSTRUMENT_SCHEME_PATH: Path = config.RULES_DIR / "instruments.yml"
NONE = "none"
_MASK = "\u25a1"  # □ keeps offsets while hiding neutral phrases and matched terms
# ▣ hides a 《》 title; a pattern may name it (carrying out or issuing a document)
_TITLE_MASK = "\u25a3"
_TITLE = re.compile(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》")


@dataclass(frozen=True)
class Subtype:
    """One instrument sub-type and its signals."""

    id: str
    type: str
    label_zh: str
    label_en: str
    definition: str
    terms: tuple[tuple[str, float], ...]
    patterns: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class InstrumentScheme:
    """The parsed scheme: types in order, their sub-types, neutral phrases."""

    types: tuple[str, ...]
    type_labels: dict[str, tuple[str, str]]
    subtypes: tuple[Subtype, ...]
    neutral_phrases: tuple[str, ...]

    def subtype_ids(self, type_id: str) -> tuple[str, ...]:
        """Sub-type ids of one type, in scheme order."""
        return tuple(s.id for s in self.subtypes if s.type == type_id)


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(f"instrument scheme, {where}: {problem}")


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, f"must be a list of non-empty strings, got {value!r}")
    return list(value)


def load_instrument_scheme(path: Path | str | None = None) -> InstrumentScheme:
    """Read and check the scheme YAML (default ``analysis/data/instruments.yml``).

    Raises ``ValueError`` naming the entry at fault when a type or sub-type
    lacks an id, labels, definition or signals, when ids repeat, or when a
    pattern is not a valid regular expression.
    """
    path = INSTRUMENT_SCHEME_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict) or not isinstance(raw.get("types"), list):
        raise _fail(str(path), "needs a top-level list `types`")
    types, labels, subtypes, seen = [], {}, [], set()
    for i, entry in enumerate(raw["types"]):
        where = f"types[{i}]"
        if not isinstance(entry, dict):
            raise _fail(where, "must be a mapping")
        for key in ("id", "label_zh", "label_en", "definition", "subtypes"):
            if key not in entry:
                raise _fail(where, f"missing `{key}`")
        type_id = entry["id"]
        if type_id in seen or type_id == NONE:
            raise _fail(where, f"id {type_id!r} repeats or is reserved")
        seen.add(type_id)
        types.append(type_id)
        labels[type_id] = (entry["label_zh"], entry["label_en"])
        for j, sub in enumerate(entry["subtypes"]):
            swhere = f"{where} ({type_id}).subtypes[{j}]"
            for key in ("id", "label_zh", "label_en", "definition"):
                if not isinstance(sub, dict) or key not in sub:
                    raise _fail(swhere, f"missing `{key}`")
            if sub["id"] in seen:
                raise _fail(swhere, f"id {sub['id']!r} repeats")
            seen.add(sub["id"])
            terms = [(t, 1.0) for t in _strings(sub.get("terms"), f"{swhere}.terms")]
            try:
                patterns = tuple(re.compile(p) for p in _strings(sub.get("patterns"),
                                                                 f"{swhere}.patterns"))
            except re.error as err:
                raise _fail(swhere, f"bad pattern: {err}") from err
            if not terms and not patterns:
                raise _fail(swhere, "needs at least one term or pattern")
            subtypes.append(Subtype(sub["id"], type_id, sub["label_zh"], sub["label_en"],
                                    str(sub["definition"]).strip(), tuple(terms), patterns))
    neutral = tuple(_strings(raw.get("neutral_phrases"), "neutral_phrases"))
    return InstrumentScheme(tuple(types), labels, tuple(subtypes), neutral)


@lru_cache(maxsize=1)
def _default_scheme() -> InstrumentScheme:
    return load_instrument_scheme()


class _Matcher:
    """All terms of all sub-types in one longest-first alternation."""

    def __init__(self, scheme: InstrumentScheme) -> None:
        owner: dict[str, list[Subtype]] = {}
        for sub in scheme.subtypes:
            for term, _weight in sub.terms:
                owner.setdefault(term, []).append(sub)
        self.owner = owner
        ordered = sorted(owner, key=lambda t: (-len(t), t))
        self.terms = re.compile("|".join(re.escape(t) for t in ordered)) if ordered else None
        neutral = sorted(scheme.neutral_phrases, key=lambda t: (-len(t), t))
        self.neutral = re.compile("|".join(re.escape(t) for t in neutral)) if neutral else None
        self.patterns = [(p, sub) for sub in scheme.subtypes for p in sub.patterns]

    def matches(self, text: str) -> list[tuple[int, str, Subtype]]:
        """(position, matched text, sub-type) for every signal, in text order."""
        masked = _TITLE.sub(lambda m: _TITLE_MASK * len(m.group(0)), text)
        if self.neutral is not None:
            masked = self.neutral.sub(lambda m: _MASK * len(m.group(0)), masked)
        found = []
        if self.terms is not None:
            for m in self.terms.finditer(masked):
                found.extend((m.start(), m.group(0), sub) for sub in self.owner[m.group(0)])
            masked = self.terms.sub(lambda m: _MASK * len(m.group(0)), masked)
        for pattern, sub in self.patterns:
            found.extend((m.start(), m.group(0), sub) for m in pattern.finditer(masked))
        return sorted(found, key=lambda x: (x[0], x[2].id))


def _best(scores: dict[str, float], first: dict[str, int]) -> str:
    """Highest score; ties go to the label whose first signal comes first."""
    return min(scores, key=lambda k: (-scores[k], first[k], k))


def _code_text(text: str, matcher: _Matcher) -> tuple[str, str, str, str, str]:
    hits = matcher.matches(text)
    if not hits:
        return NONE, NONE, "", NONE, NONE
    type_score: dict[str, float] = {}
    type_first: dict[str, int] = {}
    sub_score: dict[str, float] = {}
    sub_first: dict[str, int] = {}
    sub_type: dict[str, str] = {}
    for pos, _word, sub in hits:
        type_score[sub.type] = type_score.get(sub.type, 0.0) + 1.0
        type_first.setdefault(sub.type, pos)
        sub_score[sub.id] = sub_score.get(sub.id, 0.0) + 1.0
        sub_first.setdefault(sub.id, pos)
        sub_type[sub.id] = sub.type

    def subtype_of(type_id: str) -> str:
        own = {s: v for s, v in sub_score.items() if sub_type[s] == type_id}
        return _best(own, sub_first)

    primary = _best(type_score, type_first)
    others = {t: v for t, v in type_score.items() if t != primary}
    secondary = _best(others, type_first) if others else NONE
    evidence = ";".join(f"{sub.type}/{sub.id}:{word}" for _pos, word, sub in hits)
    return (primary, subtype_of(primary), evidence, secondary,
            subtype_of(secondary) if secondary != NONE else NONE)


def code_instruments(units: pd.DataFrame, *, scheme: InstrumentScheme | None = None
                     ) -> pd.DataFrame:
    """Code every unit by policy instrument.

    Parameters
    ----------
    units : DataFrame
        The units table (``schema.UNITS``); needs ``unit_id`` and ``text``.
        Not modified.
    scheme : InstrumentScheme, optional
        Default :func:`load_instrument_scheme` of ``analysis/data/instruments.yml``.

    Returns
    -------
    DataFrame
        A copy of ``units`` plus ``schema.UNITS_INSTRUMENT_COLUMNS``:
        ``instrument`` (supply, environment, demand or ``"none"``),
        ``instrument_subtype`` (a sub-type id or ``"none"``),
        ``instrument_evidence`` (every signal in text order,
        ``"type/subtype:term"`` joined by ``;``), ``instrument_secondary``
        (the best-scoring other type, or ``"none"``) and
        ``instrument_secondary_subtype``.

    Notes
    -----
    Each signal counts one for its sub-type and type; the primary type has
    the highest count, ties broken by the earliest signal (the sentence's
    leading predicate), as the coding protocol tells a human coder.  See
    Rothwell & Zegveld (1985) for the typology.
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, got {type(units).__name__}")
    missing = [c for c in ("unit_id", "text") if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks columns {missing}; required ['unit_id', 'text']")
    clash = [c for c in schema.UNITS_INSTRUMENT_COLUMNS if c in units.columns]
    if clash:
        raise ValueError(f"units is already coded (has {clash}); pass the uncoded units table")
    matcher = _Matcher(_default_scheme() if scheme is None else scheme)
    coded = [_code_text(t if isinstance(t, str) else "", matcher) for t in units["text"]]
    out = units.copy()
    added = pd.DataFrame(coded, columns=schema.UNITS_INSTRUMENT_COLUMNS, index=units.index)
    return pd.concat([out, added], axis=1)


def instrument_table(coded_units: pd.DataFrame, *, theme_col: str = "theme",
                     parts: tuple[str, ...] = ("plan",),
                     unit_kinds: tuple[str, ...] = ("sentence",)) -> pd.DataFrame:
    """Region × theme × instrument counts and shares, zeros included.

    Parameters
    ----------
    coded_units : DataFrame
        :func:`code_instruments` output with a theme column.
    theme_col : str, default ``"theme"``
        The column holding each unit's policy area.
    parts : tuple of str, default ``("plan",)``
        Which parts to count (``schema.PARTS``).
    unit_kinds : tuple of str, default ``("sentence",)``
        Which unit kinds to count (``schema.UNIT_KINDS``).

    Returns
    -------
    DataFrame
        ``schema.INSTRUMENT_TABLE``: one row per region × theme × instrument
        (every instrument type and ``"none"``, for every theme the region
        uses), ``n_sentences``, ``n_total`` (sentences of that region and
        theme) and ``share = n_sentences / n_total``.  Sorted by region,
        theme, then the scheme's instrument order.
    """
    rows = select_units(coded_units, parts=parts, unit_kinds=unit_kinds,
                        required=["instrument", theme_col],
                        name=f"coded_units (code_instruments output with a {theme_col!r} column)")
    return region_theme_counts(rows, col="instrument", levels=schema.INSTRUMENT_TYPES,
                               theme_col=theme_col, columns=schema.INSTRUMENT_TABLE)
