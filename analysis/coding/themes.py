"""Theme coding of sentence units with a documented, validated codebook.

The codebook (``analysis/data/codebook.yml``) defines 25 policy themes in seven
domains, each with bilingual labels, a definition, inclusion and exclusion notes
and weighted signal terms.  :func:`code_units` gives every unit one primary
theme, optional secondary themes, a score and the evidence that fired;
:func:`theme_by_region` aggregates the coded units into a tidy region × theme
(or region × domain) table whose shares sum to one per region.

How a unit is coded (all thresholds are keyword parameters of :func:`code_units`):

1. *Own text.*  All codebook terms are matched together, longest first and
   without overlap (so 校外培训机构 is read as private tutoring and does not also
   count as 培训); a term listed under two themes credits both.  Regex rules are
   matched on the full text.  A theme's own score ``T`` is the sum of
   weight × count.
2. *Context.*  The headings above the unit add their own scores, damped: the
   sub-item and item titles by ``context_weight``, the section title by
   ``section_weight`` (``C``).  A heading is never its own context.
3. *Position.*  Structural rules add a fixed score (``F``) by position: a
   sentence in the preamble (under no heading), a 总体要求 clause, a part
   heading all frame the unit as ``general``.
4. *Decision.*  The total is ``S = T + C + F``.  The candidates are the
   substantive themes the unit's own text signals strongly (``T >=
   dominance_score``) plus any theme framed by position; the primary theme is the
   candidate with the highest ``S``.  So context re-ranks what the sentence
   itself says but cannot override it: a sentence about canteens inside a
   teachers item stays ``safety``.  With no strong own signal, the best
   substantive theme with ``S >= min_score`` wins (weak own terms plus
   context, or context alone: the unit *inherits* its heading's theme and the
   reason says so).  Failing that, a unit whose only signal is the umbrella
   vocabulary of ``general`` is coded ``general``; anything else is
   ``unassigned``.
5. *Secondary themes* are other substantive themes with a strong own signal
   whose total reaches ``secondary_ratio`` of the primary's.

``general`` versus ``unassigned``: ``general`` is a positive code for
statements about the whole plan (by position, or by umbrella vocabulary alone
under no area heading); ``unassigned`` means the unit, its headings and its
position carry no usable signal.  ``theme_fallback_reason`` records which route
each unit took.

References
----------
Grimmer, J., & Stewart, B. M. (2013). Text as data: The promise and pitfalls of
automatic content analysis methods for political texts. *Political Analysis*,
21(3), 267-297.  Krippendorff, K. (2018). *Content Analysis: An Introduction to
Its Methodology* (4th ed.). Sage.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis import config, schema
from analysis.corpus.script import matching_text, to_simplified_aligned

__all__ = [
    "code_units", "Codebook", "CODEBOOK_PATH", "codebook_table", "CodebookError", "Domain",
    "FALLBACK_ORDER", "fallback_summary", "LEVELS", "load_codebook", "PARTS",
    "REQUIRED_UNIT_COLUMNS", "Rule", "StructuralRule", "Theme", "theme_by_region", "UNASSIGNED",
]

CODEBOOK_PATH: Path = config.RULES_DIR / "codebook.yml"

#: Code of a unit with no usable signal; reserved, never a codebook theme id.
UNASSIGNED: str = "unassigned"

LEVELS: tuple[str, ...] = ("theme", "domain")
PARTS: tuple[str, ...] = (*schema.PARTS, "all")

#: The unit columns code_units reads.
REQUIRED_UNIT_COLUMNS: tuple[str, ...] = (
    "region_id", "unit_id", "unit_kind", "text",
    "section_title", "item_title", "subitem_title", "clause_type",
)

# Which headings frame a unit of each kind (a heading is never its own context).
_CONTEXT_SOURCES: dict[str, tuple[str, ...]] = {
    "part_heading": (),
    "section_heading": (),
    "item_title": ("section_title",),
    "subitem_title": ("item_title", "section_title"),
    "sentence": ("subitem_title", "item_title", "section_title"),
    # A table row is read in its place like a sentence.
    "table_row": ("subitem_title", "item_title", "section_title"),
}
_CONTEXT_LABEL: dict[str, str] = {
    "subitem_title": "subitem", "item_title": "item", "section_title": "section",
}

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STRUCTURAL_POSITIONS: tuple[str, ...] = ("preamble",)


class CodebookError(ValueError):
    """The codebook file is malformed; the message names the file and the entry."""


# ----------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Domain:
    """A group of themes (one level up), with Chinese and English labels."""

    id: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Rule:
    """A regular-expression signal of one theme."""

    id: str
    pattern: re.Pattern[str]
    weight: float
    note: str


@dataclass(frozen=True)
class Theme:
    """One code of the codebook, with its documentation and signals."""

    id: str
    label_zh: str
    label_en: str
    domain: str
    definition: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    terms: tuple[tuple[str, float], ...]
    rules: tuple[Rule, ...]
    umbrella: bool


@dataclass(frozen=True)
class StructuralRule:
    """Adds ``score`` to ``theme`` for units in a given position."""

    id: str
    theme: str
    score: float
    position: str | None
    unit_kinds: tuple[str, ...]
    clause_types: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Codebook:
    """A validated codebook, as read by :func:`load_codebook`."""

    version: int
    domains: tuple[Domain, ...]
    themes: tuple[Theme, ...]
    neutral_phrases: tuple[str, ...]
    structural_rules: tuple[StructuralRule, ...]
    source: str

    @property
    def theme_ids(self) -> list[str]:
        """Theme ids in codebook order."""
        return [t.id for t in self.themes]

    @property
    def domain_ids(self) -> list[str]:
        """Domain ids in codebook order."""
        return [d.id for d in self.domains]

    def theme(self, theme_id: str) -> Theme:
        """The theme with id ``theme_id`` (``KeyError`` naming the known ids otherwise)."""
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(f"unknown theme {theme_id!r}; known: {self.theme_ids}")

    def domain(self, domain_id: str) -> Domain:
        """The domain with id ``domain_id``."""
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(f"unknown domain {domain_id!r}; known: {self.domain_ids}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses duplicate mapping keys (safe_load keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                              deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise CodebookError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _check_keys(entry: Any, where: str, required: set[str], optional: set[str]) -> dict:
    if not isinstance(entry, dict):
        raise CodebookError(f"{where}: expected a mapping, got {type(entry).__name__}")
    missing = sorted(required - entry.keys())
    unknown = sorted(entry.keys() - required - optional)
    if missing or unknown:
        raise CodebookError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    return entry


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CodebookError(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise CodebookError(f"{where}: expected a positive number, got {value!r}")
    return float(value)


def _text_list(value: Any, where: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise CodebookError(f"{where}: expected a {'' if allow_empty else 'non-empty '}list")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))


def _labels(entry: dict, where: str) -> tuple[str, str, str]:
    ident = _text(entry["id"], f"{where}.id")
    if not _ID_PATTERN.match(ident):
        raise CodebookError(f"{where}.id: {ident!r} must be lower-case ascii (a-z, 0-9, _)")
    label_zh = _text(entry["label_zh"], f"{where}.label_zh")
    label_en = _text(entry["label_en"], f"{where}.label_en")
    if not _CJK.search(label_zh):
        raise CodebookError(f"{where}.label_zh: {label_zh!r} contains no Chinese character")
    if _CJK.search(label_en) or not re.search(r"[A-Za-z]", label_en):
        raise CodebookError(f"{where}.label_en: {label_en!r} must be English (latin, no CJK)")
    return ident, label_zh, label_en


def _parse_theme(entry: Any, where: str) -> Theme:
    entry = _check_keys(
        entry, where,
        {"id", "label_zh", "label_en", "domain", "definition", "include", "exclude", "terms"},
        {"rules", "umbrella"},
    )
    ident, label_zh, label_en = _labels(entry, where)
    where = f"theme {ident!r}"
    terms = entry["terms"]
    if not isinstance(terms, dict) or not terms:
        raise CodebookError(f"{where}.terms: expected a non-empty mapping term: weight")
    parsed_terms = tuple(
        (_text(term, f"{where}.terms key"), _number(w, f"{where}.terms[{term!r}]"))
        for term, w in terms.items()
    )
    rules = []
    for i, rule in enumerate(entry.get("rules") or []):
        rwhere = f"{where}.rules[{i}]"
        rule = _check_keys(rule, rwhere, {"id", "pattern", "weight"}, {"note"})
        try:
            pattern = re.compile(_text(rule["pattern"], f"{rwhere}.pattern"))
        except re.error as err:
            raise CodebookError(f"{rwhere}.pattern does not compile: {err}") from err
        if pattern.search(""):
            raise CodebookError(f"{rwhere}.pattern matches the empty string")
        rules.append(Rule(_text(rule["id"], f"{rwhere}.id"), pattern,
                          _number(rule["weight"], f"{rwhere}.weight"),
                          str(rule.get("note") or "").strip()))
    umbrella = entry.get("umbrella", False)
    if not isinstance(umbrella, bool):
        raise CodebookError(f"{where}.umbrella: expected true or false, got {umbrella!r}")
    return Theme(
        id=ident, label_zh=label_zh, label_en=label_en,
        domain=_text(entry["domain"], f"{where}.domain"),
        definition=" ".join(_text(entry["definition"], f"{where}.definition").split()),
        include=_text_list(entry["include"], f"{where}.include"),
        exclude=_text_list(entry["exclude"], f"{where}.exclude"),
        terms=parsed_terms, rules=tuple(rules), umbrella=umbrella,
    )


def _parse_structural(entry: Any, where: str) -> StructuralRule:
    entry = _check_keys(entry, where, {"id", "theme", "score", "when"}, {"note"})
    when = _check_keys(entry["when"], f"{where}.when", set(),
                       {"position", "unit_kind", "clause_type"})
    if not when:
        raise CodebookError(f"{where}.when: give at least one of position, unit_kind, clause_type")
    position = when.get("position")
    if position is not None and position not in _STRUCTURAL_POSITIONS:
        raise CodebookError(f"{where}.when.position: {position!r} is not one of "
                            f"{list(_STRUCTURAL_POSITIONS)}")
    unit_kinds = _text_list(when.get("unit_kind", []), f"{where}.when.unit_kind", allow_empty=True)
    bad = sorted(set(unit_kinds) - set(schema.UNIT_KINDS))
    if bad:
        raise CodebookError(f"{where}.when.unit_kind: {bad} not in {list(schema.UNIT_KINDS)}")
    return StructuralRule(
        id=_text(entry["id"], f"{where}.id"), theme=_text(entry["theme"], f"{where}.theme"),
        score=_number(entry["score"], f"{where}.score"), position=position,
        unit_kinds=unit_kinds,
        clause_types=_text_list(when.get("clause_type", []), f"{where}.when.clause_type",
                                allow_empty=True),
        note=" ".join(str(entry.get("note") or "").split()),
    )


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Read and validate a codebook YAML file.

    Parameters
    ----------
    path : path-like, optional
        The YAML file; default ``analysis/data/codebook.yml``.

    Returns
    -------
    Codebook
        Domains, themes (with terms, rules and documentation), neutral phrases and
        structural rules, in file order.

    Raises
    ------
    CodebookError
        Naming the file and the entry: missing or unknown keys, duplicate keys or
        ids, a label that is not Chinese / English, a non-positive weight, a regex
        that does not compile, a theme in an undefined domain, a domain without
        themes, the reserved id ``unassigned``, a term also listed as neutral.
    """
    path = Path(path) if path is not None else CODEBOOK_PATH
    if not path.is_file():
        raise CodebookError(f"{path}: codebook file not found")
    try:
        # _UniqueKeyLoader is a yaml.SafeLoader subclass: no Python objects are built.
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except CodebookError as err:
        raise CodebookError(f"{path}: {err}") from err
    except yaml.YAMLError as err:
        raise CodebookError(f"{path}: not valid YAML: {err}") from err
    try:
        return _parse_codebook(raw, str(path))
    except CodebookError as err:
        raise CodebookError(f"{path}: {err}") from err


def _parse_codebook(raw: Any, source: str) -> Codebook:
    raw = _check_keys(raw, "top level", {"version", "domains", "themes"},
                      {"neutral_phrases", "structural_rules"})
    version = raw["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise CodebookError(f"version: expected an integer, got {version!r}")
    if not isinstance(raw["domains"], list) or not raw["domains"]:
        raise CodebookError("domains: expected a non-empty list")
    domains = []
    for i, entry in enumerate(raw["domains"]):
        entry = _check_keys(entry, f"domains[{i}]", {"id", "label_zh", "label_en"}, set())
        domains.append(Domain(*_labels(entry, f"domains[{i}]")))
    if not isinstance(raw["themes"], list) or not raw["themes"]:
        raise CodebookError("themes: expected a non-empty list")
    themes = [_parse_theme(entry, f"themes[{i}]") for i, entry in enumerate(raw["themes"])]

    for kind, ids in (("domain", [d.id for d in domains]), ("theme", [t.id for t in themes])):
        dupes = sorted(k for k, n in Counter(ids).items() if n > 1)
        if dupes:
            raise CodebookError(f"duplicate {kind} ids: {dupes}")
    if UNASSIGNED in [t.id for t in themes] + [d.id for d in domains]:
        raise CodebookError(f"{UNASSIGNED!r} is reserved for units with no signal")
    domain_ids = {d.id for d in domains}
    for t in themes:
        if t.domain not in domain_ids:
            raise CodebookError(f"theme {t.id!r}: domain {t.domain!r} is not defined "
                                f"(defined: {sorted(domain_ids)})")
    unused = sorted(domain_ids - {t.domain for t in themes})
    if unused:
        raise CodebookError(f"domains without themes: {unused}")

    neutral = _text_list(raw.get("neutral_phrases") or [], "neutral_phrases", allow_empty=True)
    all_terms = {term for t in themes for term, _ in t.terms}
    clash = sorted(all_terms & set(neutral))
    if clash:
        raise CodebookError(f"neutral_phrases also listed as signal terms: {clash}")

    structural = [_parse_structural(e, f"structural_rules[{i}]")
                  for i, e in enumerate(raw.get("structural_rules") or [])]
    theme_ids = {t.id for t in themes}
    for rule in structural:
        if rule.theme not in theme_ids:
            raise CodebookError(f"structural rule {rule.id!r}: unknown theme {rule.theme!r}")
    return Codebook(version=version, domains=tuple(domains), themes=tuple(themes),
                    neutral_phrases=neutral, structural_rules=tuple(structural), source=source)


def codebook_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """The codebook as a tidy table, one row per theme, for documentation.

    Parameters
    ----------
    codebook : Codebook, optional
        Default: the project's codebook (:func:`load_codebook`, ``CODEBOOK_PATH``).

    Returns
    -------
    pandas.DataFrame
        Columns ``schema.CODEBOOK``: theme_id, theme_zh, theme_en, domain,
        domain_zh, domain_en, definition, include, exclude (";"-joined),
        terms (``term:weight`` ";"-joined), n_terms, n_rules, umbrella.
    """
    codebook = codebook if codebook is not None else load_codebook()
    rows = []
    for t in codebook.themes:
        d = codebook.domain(t.domain)
        rows.append({
            "theme_id": t.id, "theme_zh": t.label_zh, "theme_en": t.label_en,
            "domain": t.domain, "domain_zh": d.label_zh, "domain_en": d.label_en,
            "definition": t.definition, "include": "; ".join(t.include),
            "exclude": "; ".join(t.exclude),
            "terms": "; ".join(f"{term}:{_fmt(w)}" for term, w in t.terms),
            "n_terms": len(t.terms), "n_rules": len(t.rules), "umbrella": t.umbrella,
        })
    return pd.DataFrame(rows, columns=schema.CODEBOOK)


# ----------------------------------------------------------------------------- matching


def _fmt(x: float) -> str:
    """A weight or score without a trailing .0 (3, 1.5, 0.25)."""
    return f"{x:g}"


@dataclass(frozen=True)
class _Signal:
    """What one text signals: score, evidence and first position per theme."""

    scores: dict[str, float]
    evidence: dict[str, list[tuple[str, int]]]
    first: dict[str, int]

    def add(self, theme_id: str, score: float, label: tuple[str, int], position: int) -> None:
        self.scores[theme_id] = self.scores.get(theme_id, 0.0) + score
        self.evidence.setdefault(theme_id, []).append(label)
        self.first[theme_id] = min(self.first.get(theme_id, position), position)


class _Matcher:
    """All terms of a codebook as one longest-first alternation, plus its rules."""

    def __init__(self, codebook: Codebook) -> None:
        self.term_themes: dict[str, list[tuple[str, float]]] = {}
        for theme in codebook.themes:
            for term, weight in theme.terms:
                self.term_themes.setdefault(term, []).append((theme.id, weight))
        for phrase in codebook.neutral_phrases:
            self.term_themes.setdefault(phrase, [])
        # Longest first so that at any position the longest term wins; Python's
        # alternation takes the first alternative that matches there.
        alternatives = sorted(self.term_themes, key=lambda s: (-len(s), s))
        self.pattern = re.compile("|".join(re.escape(a) for a in alternatives))
        self.rules = [(t.id, r) for t in codebook.themes for r in t.rules]
        self._cache: dict[str, _Signal] = {}

    def score(self, text: str) -> _Signal:
        """Per-theme score, evidence (label, count) and first position in one text."""
        if text in self._cache:
            return self._cache[text]
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for m in self.pattern.finditer(text):
            counts[m.group()] += 1
            first.setdefault(m.group(), m.start())
        signal = _Signal({}, {}, {})
        for term, n in counts.items():
            for theme_id, weight in self.term_themes[term]:
                signal.add(theme_id, weight * n, (term, n), first[term])
        for theme_id, rule in self.rules:
            starts = [m.start() for m in rule.pattern.finditer(text)]
            if starts:
                signal.add(theme_id, rule.weight * len(starts), (f"rule:{rule.id}", len(starts)),
                           starts[0])
        self._cache[text] = signal
        return signal


def _clean(value: Any) -> str:
    """A cell as a stripped string; missing values (None, NaN, NA) become ''."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NA:
        return ""
    return str(value).strip()


def _structural_matches(codebook: Codebook, unit_kind: str, clause_type: str,
                        in_preamble: bool) -> list[StructuralRule]:
    matched = []
    for rule in codebook.structural_rules:
        if rule.position == "preamble" and not in_preamble:
            continue
        if rule.unit_kinds and unit_kind not in rule.unit_kinds:
            continue
        if rule.clause_types and clause_type not in rule.clause_types:
            continue
        matched.append(rule)
    return matched


def _evidence_part(label: str, evidence: dict[str, list[tuple[str, int]]],
                   scores: dict[str, float], order: dict[str, int]) -> str:
    themes = sorted(evidence, key=lambda t: (-scores.get(t, 0.0), order[t]))
    body = "; ".join(
        f"{t}=" + "+".join(f"{term}×{n}" for term, n in evidence[t]) for t in themes
    )
    return f"{label}: {body}"


@dataclass(frozen=True)
class _Params:
    context_weight: float
    section_weight: float
    dominance_score: float
    min_score: float
    secondary_ratio: float
    max_secondary: int


def _code_one(own: _Signal, contexts: list[tuple[str, float, _Signal]],
              frames: list[StructuralRule], params: _Params,
              order: dict[str, int], umbrella: set[str]) -> tuple[str, str, float, str, str]:
    """Code one unit: (theme, secondary, score, evidence, fallback reason)."""
    own_scores, own_evidence = own.scores, own.evidence
    total: dict[str, float] = dict(own_scores)
    contribution: dict[str, dict[str, float]] = {}
    for source, weight, signal in contexts:
        for t, s in signal.scores.items():
            total[t] = total.get(t, 0.0) + weight * s
            contribution.setdefault(t, {})[source] = weight * s
    framed: dict[str, list[str]] = {}
    for rule in frames:
        total[rule.theme] = total.get(rule.theme, 0.0) + rule.score
        framed.setdefault(rule.theme, []).append(rule.id)

    def rank(t: str) -> tuple[float, float, float, int]:
        # highest total, then strongest own signal, then first mentioned, then codebook order
        return (-total.get(t, 0.0), -own_scores.get(t, 0.0), own.first.get(t, math.inf),
                order[t])

    substantive = [t for t in total if t not in umbrella]
    strong = [t for t in substantive if own_scores.get(t, 0.0) >= params.dominance_score]
    own_any = any(own_scores.get(t, 0.0) > 0 for t in substantive)
    candidates = strong + [t for t in framed if t not in strong]
    reason = ""
    if candidates:
        primary = min(candidates, key=rank)
        if primary in framed and (primary in umbrella
                                  or own_scores.get(primary, 0.0) < params.min_score):
            reason = "structural:" + "+".join(framed[primary])
    else:
        eligible = [t for t in substantive if total[t] >= params.min_score]
        if eligible:
            primary = min(eligible, key=rank)
            if own_scores.get(primary, 0.0) < params.min_score:
                level = max(contribution.get(primary, {}).items(),
                            key=lambda kv: (kv[1], kv[0] == "item_title"))[0]
                prefix = "weak_signal" if own_any else "no_signal"
                reason = f"{prefix}_inherited_{_CONTEXT_LABEL[level]}"
        elif any(total.get(t, 0.0) > 0 for t in umbrella):
            primary = min((t for t in umbrella if total.get(t, 0.0) > 0), key=rank)
            reason = "general_vocabulary_only"
        else:
            primary = UNASSIGNED
            reason = "below_min_score" if substantive else "no_signal"

    primary_total = total.get(primary, 0.0)
    secondary = sorted(
        (t for t in strong
         if t != primary and total[t] >= params.secondary_ratio * primary_total),
        key=rank,
    )[: params.max_secondary]

    parts = []
    if own_evidence:
        parts.append(_evidence_part("text", own_evidence, own_scores, order))
    for source, weight, signal in contexts:
        if signal.evidence:
            parts.append(_evidence_part(f"{source}×{_fmt(weight)}", signal.evidence,
                                        signal.scores, order))
    for rule in frames:
        parts.append(f"structural:{rule.id}: {rule.theme}+{_fmt(rule.score)}")
    if reason:
        parts.append(f"coded by: {reason}")
    score = round(primary_total, 4) if primary != UNASSIGNED else 0.0
    return primary, ";".join(secondary), score, " | ".join(parts), reason


def code_units(
    units: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    context_weight: float = 0.5,
    section_weight: float = 0.25,
    dominance_score: float = 2.0,
    min_score: float = 1.0,
    secondary_ratio: float = 0.5,
    max_secondary: int = 3,
) -> pd.DataFrame:
    """Give every unit a primary theme, secondary themes, a score and evidence.

    Parameters
    ----------
    units : pandas.DataFrame
        The sentence-units table (``schema.UNITS``); at least the columns in
        ``REQUIRED_UNIT_COLUMNS``.  Not modified.
    codebook : Codebook, optional
        Default: :func:`load_codebook` of ``analysis/data/codebook.yml``.
    context_weight : float, default 0.5
        Multiplier of the item and sub-item title scores added to a unit's own.
    section_weight : float, default 0.25
        Multiplier of the section title score.
    dominance_score : float, default 2.0
        Own-text score from which a theme is a *strong* signal: it can be primary
        whatever the context says, and it can be a secondary theme.
    min_score : float, default 1.0
        Minimum total score for a theme chosen without a strong own signal.
    secondary_ratio : float, default 0.5
        A secondary theme's total must reach this fraction of the primary's.
    max_secondary : int, default 3
        At most this many secondary themes, strongest first.

    Returns
    -------
    pandas.DataFrame
        A new frame: the input columns plus ``schema.UNITS_THEME_COLUMNS``:
        ``theme`` (a codebook id or ``"unassigned"``), ``theme_secondary``
        (";"-joined ids, "" if none), ``theme_score`` (the primary's total score),
        ``theme_evidence`` (the terms and rules that fired per source, e.g.
        ``"text: safety=食堂×1 | item_title×0.5: teachers=师德×1"``) and
        ``theme_fallback_reason`` ("" when the unit's own text decided; otherwise
        ``structural:<rule>``, ``no_signal_inherited_item`` (or ``_subitem``,
        ``_section``), ``weak_signal_inherited_<level>``,
        ``general_vocabulary_only``, ``no_signal`` or ``below_min_score``).

    Notes
    -----
    Dictionary coding with hierarchical context, validated against hand coding
    (see ``docs/coding_protocol_themes.md``); cf. Grimmer & Stewart (2013).
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, got {type(units).__name__}")
    missing = [c for c in REQUIRED_UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks columns {missing}; required: {list(REQUIRED_UNIT_COLUMNS)}")
    clash = [c for c in schema.UNITS_THEME_COLUMNS if c in units.columns]
    if clash:
        raise ValueError(f"units is already coded (has {clash}); pass the uncoded units table")
    for name, value in (("context_weight", context_weight), ("section_weight", section_weight)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    if not min_score > 0:
        raise ValueError(f"min_score must be positive, got {min_score!r}")
    if not dominance_score >= min_score:
        raise ValueError(f"dominance_score must be >= min_score, got {dominance_score!r}")
    if not 0 < secondary_ratio <= 1:
        raise ValueError(f"secondary_ratio must be in (0, 1], got {secondary_ratio!r}")
    if isinstance(max_secondary, bool) or not isinstance(max_secondary, int) or max_secondary < 0:
        raise ValueError(f"max_secondary must be a non-negative integer, got {max_secondary!r}")
    kinds = sorted({_clean(k) for k in units["unit_kind"]} - set(schema.UNIT_KINDS))
    if kinds:
        raise ValueError(f"unit_kind values {kinds} not in {list(schema.UNIT_KINDS)}")

    codebook = codebook if codebook is not None else load_codebook()
    params = _Params(context_weight, section_weight, dominance_score, min_score,
                     secondary_ratio, max_secondary)
    matcher = _Matcher(codebook)
    order = {t: i for i, t in enumerate(codebook.theme_ids)}
    umbrella = {t.id for t in codebook.themes if t.umbrella}
    weights = {"subitem_title": context_weight, "item_title": context_weight,
               "section_title": section_weight}

    records = []
    # Terms are matched on the simplified form, so a traditional-character plan
    # codes like its simplified twin (titles are converted the same way).
    columns = units.loc[:, list(REQUIRED_UNIT_COLUMNS)].assign(text=matching_text(units))
    for row in columns.itertuples(index=False):
        kind = _clean(row.unit_kind)
        text = _clean(row.text)
        heads = {c: to_simplified_aligned(_clean(getattr(row, c)))
                 for c in ("subitem_title", "item_title", "section_title")}
        contexts = []
        for source in _CONTEXT_SOURCES[kind]:
            head = heads[source]
            if head and head != text and weights[source] > 0:
                contexts.append((source, weights[source], matcher.score(head)))
        in_preamble = kind == "sentence" and not any(heads.values())
        frames = _structural_matches(codebook, kind, _clean(row.clause_type), in_preamble)
        records.append(_code_one(matcher.score(text), contexts, frames, params, order,
                                 umbrella))
    coded = pd.DataFrame.from_records(records, columns=schema.UNITS_THEME_COLUMNS,
                                      index=units.index)
    coded["theme_score"] = coded["theme_score"].astype("float64")
    return pd.concat([units.copy(), coded], axis=1)


# ----------------------------------------------------------------------------- tables


def _check_coded(coded_units: pd.DataFrame, level: str, part: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}")
    if part not in PARTS:
        raise ValueError(f"part must be one of {list(PARTS)}, got {part!r}")
    need = ["region_id", "part", "unit_kind", "n_chars", "theme", "theme_fallback_reason"]
    missing = [c for c in need if c not in coded_units.columns]
    if missing:
        raise ValueError(f"coded_units lacks columns {missing}; pass the output of code_units")


def _select(coded_units: pd.DataFrame, part: str, include_headings: bool) -> pd.DataFrame:
    rows = coded_units
    if part != "all":
        rows = rows[rows["part"] == part]
    if not include_headings:
        rows = rows[rows["unit_kind"] == "sentence"]
    return rows


def _regions(rows: pd.DataFrame) -> list[str]:
    """Regions in order of first appearance (the units table's document order)."""
    return list(dict.fromkeys(rows["region_id"].tolist()))


def theme_by_region(
    coded_units: pd.DataFrame,
    *,
    level: str = "theme",
    part: str = "plan",
    include_headings: bool = False,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Count and share of sentences and characters per region and theme (or domain).

    Parameters
    ----------
    coded_units : pandas.DataFrame
        Output of :func:`code_units`.
    level : {"theme", "domain"}, default "theme"
        Aggregate to the 25 themes or to the codebook's domains.
    part : {"plan", "review", "all"}, default "plan"
        Which part of each document to count: the plan proper (the default, so
        a 2020 review is never mixed with 2021 plans), the review, or both.
    include_headings : bool, default False
        Count section, item and sub-item headings too.  By default only
        sentence units are counted, since a heading restates the theme of the
        sentences under it.
    codebook : Codebook, optional
        For labels, domains and the row order; default the shipped codebook.

    Returns
    -------
    pandas.DataFrame
        One row per region × theme (``schema.THEME_BY_REGION``: region_id,
        part, theme_id, theme_zh, theme_en, domain, n_sentences, n_chars,
        share_chars, share_sentences) or region × domain
        (``schema.DOMAIN_BY_REGION``: region_id, part, domain, domain_zh,
        domain_en, n_sentences, n_chars, share_chars, share_sentences), with
        zero rows included and a final ``unassigned`` row, so that both shares
        sum to 1 within each region.  Regions appear in the input's order;
        themes and domains in codebook order.

    Notes
    -----
    Shares of text devoted to policy areas are the usual "attention" measure of
    comparative policy agendas (Baumgartner, Green-Pedersen & Jones, 2006,
    *Journal of European Public Policy* 13(7)).
    """
    _check_coded(coded_units, level, part)
    if not isinstance(include_headings, bool):
        raise ValueError(f"include_headings must be True or False, got {include_headings!r}")
    codebook = codebook if codebook is not None else load_codebook()
    unknown = sorted(set(coded_units["theme"]) - set(codebook.theme_ids) - {UNASSIGNED})
    if unknown:
        raise ValueError(f"themes {unknown} are not in the codebook {codebook.source}")
    rows = _select(coded_units, part, include_headings)
    theme_domain = {t.id: t.domain for t in codebook.themes} | {UNASSIGNED: UNASSIGNED}
    key = "theme_id" if level == "theme" else "domain"
    keys = (codebook.theme_ids if level == "theme" else codebook.domain_ids) + [UNASSIGNED]
    codes = rows["theme"] if level == "theme" else rows["theme"].map(theme_domain)
    counted = (
        pd.DataFrame({"region_id": rows["region_id"].to_numpy(), key: codes.to_numpy(),
                      "n_chars": rows["n_chars"].astype("int64").to_numpy()})
        .groupby(["region_id", key], sort=False)
        .agg(n_sentences=("n_chars", "size"), n_chars=("n_chars", "sum"))
    )
    grid = pd.MultiIndex.from_product([_regions(rows), keys], names=["region_id", key])
    table = counted.reindex(grid, fill_value=0).reset_index()
    table["n_sentences"] = table["n_sentences"].astype("int64")
    table["n_chars"] = table["n_chars"].astype("int64")
    totals = table.groupby("region_id", sort=False)[["n_sentences", "n_chars"]].transform("sum")
    table["share_chars"] = table["n_chars"] / totals["n_chars"]
    table["share_sentences"] = table["n_sentences"] / totals["n_sentences"]
    table.insert(1, "part", part)
    if level == "theme":
        labels = {t.id: (t.label_zh, t.label_en) for t in codebook.themes}
        labels[UNASSIGNED] = ("未归类", "Unassigned")
        table["theme_zh"] = table["theme_id"].map(lambda t: labels[t][0])
        table["theme_en"] = table["theme_id"].map(lambda t: labels[t][1])
        table["domain"] = table["theme_id"].map(theme_domain)
        return table.loc[:, schema.THEME_BY_REGION]
    labels = {d.id: (d.label_zh, d.label_en) for d in codebook.domains}
    labels[UNASSIGNED] = ("未归类", "Unassigned")
    table["domain_zh"] = table["domain"].map(lambda d: labels[d][0])
    table["domain_en"] = table["domain"].map(lambda d: labels[d][1])
    return table.loc[:, schema.DOMAIN_BY_REGION]


#: Order of the coding routes in fallback_summary.
FALLBACK_ORDER: tuple[str, ...] = (
    "own_signal", "structural", "weak_signal_inherited", "no_signal_inherited",
    "general_vocabulary_only", "below_min_score", "no_signal",
)


def fallback_summary(
    coded_units: pd.DataFrame,
    *,
    part: str = "plan",
    include_headings: bool = False,
) -> pd.DataFrame:
    """How many units of each region were coded by which route, and how many fell back.

    Parameters
    ----------
    coded_units : pandas.DataFrame
        Output of :func:`code_units`.
    part : {"plan", "review", "all"}, default "plan"
    include_headings : bool, default False
        As in :func:`theme_by_region`.

    Returns
    -------
    pandas.DataFrame
        ``schema.THEME_FALLBACK``: region_id, part, reason (``own_signal`` for
        units whose own text decided, else ``theme_fallback_reason``), route (the
        reason without its rule or level suffix), n_sentences, share_sentences,
        unassigned (True for the routes ending in ``unassigned``).  Only routes
        that occur are listed; shares sum to 1 per region.
    """
    _check_coded(coded_units, "theme", part)
    rows = _select(coded_units, part, include_headings)
    reason = rows["theme_fallback_reason"].map(_clean).replace("", "own_signal")
    table = (
        pd.DataFrame({"region_id": rows["region_id"].to_numpy(), "reason": reason.to_numpy(),
                      "unassigned": (rows["theme"] == UNASSIGNED).to_numpy()})
        .groupby(["region_id", "reason", "unassigned"], sort=False).size()
        .rename("n_sentences").reset_index()
    )
    table["route"] = table["reason"].map(_route)
    region_order = {r: i for i, r in enumerate(_regions(rows))}
    table = table.sort_values(
        ["region_id", "route", "reason"],
        key=lambda s: s.map(region_order) if s.name == "region_id"
        else s.map(FALLBACK_ORDER.index) if s.name == "route" else s,
    ).reset_index(drop=True)
    table["n_sentences"] = table["n_sentences"].astype("int64")
    table["share_sentences"] = (
        table["n_sentences"] / table.groupby("region_id")["n_sentences"].transform("sum")
    )
    table.insert(1, "part", part)
    return table.loc[:, schema.THEME_FALLBACK]


def _route(reason: str) -> str:
    for route in FALLBACK_ORDER:
        if reason == route or reason.startswith(route + "_") or reason.startswith(route + ":"):
            return route
    raise ValueError(f"unknown fallback reason {reason!r}")
