"""Detect synonym-spun text and restore it with a reviewed substitution table.

Some plans reach us only through document-sharing sites that pass the text
through a synonym "spinner" (伪原创工具) before publishing it: 发展 becomes 进展,
积极 becomes 乐观, 学生 becomes 同学 and so on.  Left alone, such a plan looks
unlike every other plan for reasons that have nothing to do with policy.

This module has two jobs, both driven by the data file
``analysis/data/spin_repairs.yml`` (``config.SPIN_RULES_PATH``):

* :func:`spin_score` measures, the same way for every document, how much of
  the text is in spun form.  It counts *diagnostic pairs* (``markers:`` in the
  YAML file): a spun form and the canonical form it replaces, each counted
  under the same context constraints.  The score is the share of diagnostic
  occurrences that are in spun form, with each pair's weight capped (one
  frequent pair cannot decide alone) and the denominator floored (a short text
  with one or two stray hits scores near 0).
* :func:`repair_text` applies the reviewed substitutions (``rules:``) to a
  document, left to right and without overlaps, and logs every change.
  :func:`repair_document` ties the two together: it repairs only a document
  whose score reaches ``config.SPIN_THRESHOLD`` and can be switched off.

Context constraints
-------------------
A rule or marker matches its form only where every constraint it lists holds
in the *input* text (lookarounds see the unrepaired neighbours):

``left`` / ``right``
    lists of literal strings; one of them must immediately precede / follow.
``not_left`` / ``not_right``
    lists of literal strings; none of them may immediately precede / follow.
``lookbehind`` / ``lookahead`` (and ``not_lookbehind`` / ``not_lookahead``)
    a regular expression the left / right neighbourhood must (must not) match;
    Python's ``re`` requires a lookbehind to have a fixed width.

Precedence
----------
Every rule proposes all its matches; the proposals are taken greedily from left
to right.  Where two proposals start at the same offset the longer spun form
wins, then the rule with more context constraints (the more specific one),
then the rule listed first in the file.  A proposal that overlaps one already
taken is dropped, so each character is rewritten at most once, and the output
does not depend on the order in which rules happen to be evaluated.

References
----------
Zhang, Q., Wang, D. Y., & Voelker, G. M. (2014).  DSpin: Detecting
automatically spun content on the web.  *NDSS Symposium 2014*.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config

# Context keys shared by rules and markers; lists of literals, then regexes.
_LIST_KEYS: tuple[str, ...] = ("left", "right", "not_left", "not_right")
_REGEX_KEYS: tuple[str, ...] = ("lookbehind", "lookahead", "not_lookbehind", "not_lookahead")
_CONTEXT_KEYS: tuple[str, ...] = _LIST_KEYS + _REGEX_KEYS

_RULE_REQUIRED: tuple[str, ...] = (
    "id", "spun", "original", "examples", "evidence", "clean_plan_count",
)
_RULE_ALLOWED: frozenset[str] = frozenset(_RULE_REQUIRED + _CONTEXT_KEYS + ("note",))
_MARKER_REQUIRED: tuple[str, ...] = ("id", "spun", "canonical")
_MARKER_ALLOWED: frozenset[str] = frozenset(_MARKER_REQUIRED + _CONTEXT_KEYS + ("note",))
_SCORING_REQUIRED: tuple[str, ...] = ("min_occurrences", "max_weight_per_marker")
_TOP_ALLOWED: frozenset[str] = frozenset(("version", "scoring", "markers", "rules", "not_repaired"))


@dataclass(frozen=True)
class SpinRule:
    """One reviewed substitution: ``spun`` is restored to ``original`` where ``pattern`` matches.

    ``n_constraints`` counts the context constraints (used for precedence) and
    ``order`` is the rule's position in the file (the last tie-breaker).
    """

    rule_id: str
    spun: str
    original: str
    pattern: re.Pattern[str]
    n_constraints: int
    order: int
    examples: tuple[str, ...]
    evidence: str
    clean_plan_count: int


@dataclass(frozen=True)
class Repair:
    """One change made by :func:`repair_text`.

    ``start``/``end`` are offsets in the *output* text, so
    ``output[start:end] == after``; ``before`` is the replaced input text.
    """

    start: int
    end: int
    before: str
    after: str
    rule_id: str


@dataclass(frozen=True)
class SpinMarker:
    """A diagnostic pair: the spun form and its canonical form under the same context."""

    marker_id: str
    spun: str
    canonical: str
    spun_pattern: re.Pattern[str]
    canonical_pattern: re.Pattern[str]


@dataclass(frozen=True)
class MarkerSet:
    """The diagnostic pairs plus the two scoring settings read from the YAML file."""

    markers: tuple[SpinMarker, ...]
    min_occurrences: int
    max_weight_per_marker: int


@dataclass(frozen=True)
class SpinScore:
    """Result of :func:`spin_score`.

    ``score`` is in [0, 1]; ``n_markers_seen`` is the number of diagnostic
    occurrences found (spun plus canonical), ``n_spun`` those in spun form, and
    ``evidence`` lists ``id spun/canonical`` for every pair that occurred.
    """

    score: float
    n_markers_seen: int
    n_spun: int
    evidence: str


@dataclass(frozen=True)
class RepairOutcome:
    """Result of :func:`repair_document`: the text to pass on and what was done to it."""

    text: str
    repairs: tuple[Repair, ...]
    score: SpinScore
    spun: bool
    repaired: bool


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"spin repair file {path} does not exist")
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(
            f"{path}: expected a mapping with 'rules' and 'markers', got {type(data).__name__}")
    unknown = sorted(set(data) - _TOP_ALLOWED)
    if unknown:
        raise ValueError(
            f"{path}: unknown top-level keys {unknown}; allowed {sorted(_TOP_ALLOWED)}")
    return data


def _check_entry(entry: object, kind: str, index: int, required: tuple[str, ...],
                 allowed: frozenset[str]) -> str:
    """Check keys and context types of one rule/marker; return its id."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"{kind} #{index}: expected a mapping, got {type(entry).__name__}")
    entry_id = entry.get("id")
    label = f"{kind} {entry_id!r}" if isinstance(entry_id, str) and entry_id else f"{kind} #{index}"
    missing = [key for key in required if key not in entry]
    if missing:
        raise ValueError(f"{label}: missing required keys {missing}")
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ValueError(f"{label}: unknown keys {unknown}; allowed {sorted(allowed)}")
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise ValueError(f"{label}: 'id' must be a non-empty string")
    for key in required:
        if key in ("id", "clean_plan_count", "examples"):
            continue
        value = entry[key]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{label}: {key!r} must be a non-empty string, got {value!r}")
    for key in _LIST_KEYS + ("examples",):
        if key in entry:
            value = entry[key]
            if (not isinstance(value, list) or not value
                    or not all(isinstance(item, str) and item for item in value)):
                raise ValueError(f"{label}: {key!r} must be a non-empty list of non-empty strings")
    for key in _REGEX_KEYS:
        if key in entry and (not isinstance(entry[key], str) or not entry[key]):
            raise ValueError(f"{label}: {key!r} must be a non-empty regular expression string")
    return entry_id


def _compile(form: str, context: Mapping[str, object], label: str) -> tuple[re.Pattern[str], int]:
    """Compile ``form`` with its context constraints; return the pattern and how many there are."""
    parts: list[str] = []
    n_constraints = 0
    if "left" in context:
        # One lookbehind per literal: Python's re needs fixed-width lookbehinds.
        parts.append("(?:" + "|".join(f"(?<={re.escape(s)})" for s in context["left"]) + ")")
        n_constraints += 1
    if "not_left" in context:
        parts.extend(f"(?<!{re.escape(s)})" for s in context["not_left"])
        n_constraints += 1
    for key, template in (("lookbehind", "(?<={})"), ("not_lookbehind", "(?<!{})")):
        if key in context:
            parts.append(template.format(context[key]))
            n_constraints += 1
    parts.append(re.escape(form))
    if "right" in context:
        parts.append("(?=" + "|".join(re.escape(s) for s in context["right"]) + ")")
        n_constraints += 1
    if "not_right" in context:
        parts.append("(?!" + "|".join(re.escape(s) for s in context["not_right"]) + ")")
        n_constraints += 1
    for key, template in (("lookahead", "(?={})"), ("not_lookahead", "(?!{})")):
        if key in context:
            parts.append(template.format(context[key]))
            n_constraints += 1
    source = "".join(parts)
    try:
        return re.compile(source), n_constraints
    except re.error as exc:
        raise ValueError(f"{label}: bad regex in context constraints ({exc}): {source}") from exc


@lru_cache(maxsize=8)  # parsing the YAML costs ~0.3 s; plans are many, the file is one
def load_spin_rules(path: Path = config.SPIN_RULES_PATH) -> tuple[SpinRule, ...]:
    """Read and validate the ``rules:`` section of the spin repair file.

    Parameters
    ----------
    path : Path, default ``config.SPIN_RULES_PATH``
        The YAML file (read with ``yaml.safe_load``).

    Returns
    -------
    list of SpinRule
        In file order.

    Raises
    ------
    ValueError
        Naming the rule id and the problem: missing or unknown keys, duplicate
        ids, a bad context regex, or a rule whose replacement does not change
        the text.
    """
    data = _read_yaml(path)
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: 'rules' must be a non-empty list")
    rules: list[SpinRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        rule_id = _check_entry(entry, "rule", index, _RULE_REQUIRED, _RULE_ALLOWED)
        label = f"rule {rule_id!r}"
        if rule_id in seen:
            raise ValueError(f"{label}: duplicate rule id")
        seen.add(rule_id)
        if entry["spun"] == entry["original"]:
            raise ValueError(f"{label}: replacement {entry['original']!r} does not change the text")
        count = entry["clean_plan_count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(
                f"{label}: 'clean_plan_count' must be a non-negative integer, got {count!r}")
        pattern, n_constraints = _compile(entry["spun"], entry, label)
        rules.append(SpinRule(
            rule_id=rule_id, spun=entry["spun"], original=entry["original"], pattern=pattern,
            n_constraints=n_constraints, order=index, examples=tuple(entry["examples"]),
            evidence=" ".join(entry["evidence"].split()),
            clean_plan_count=count,
        ))
    return tuple(rules)


@lru_cache(maxsize=8)
def load_spin_markers(path: Path = config.SPIN_RULES_PATH) -> MarkerSet:
    """Read and validate the ``markers:`` and ``scoring:`` sections of the spin repair file.

    Returns
    -------
    MarkerSet
        The diagnostic pairs in file order and the scoring settings
        (``min_occurrences``: floor of the denominator; ``max_weight_per_marker``:
        cap on one pair's weight).

    Raises
    ------
    ValueError
        Naming the marker id and the problem (missing keys, duplicate ids,
        identical spun and canonical forms, bad regex, bad settings).
    """
    data = _read_yaml(path)
    scoring = data.get("scoring")
    if not isinstance(scoring, Mapping):
        raise ValueError(f"{path}: 'scoring' must be a mapping with keys {list(_SCORING_REQUIRED)}")
    for key in _SCORING_REQUIRED:
        value = scoring.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{path}: scoring {key!r} must be a positive integer, got {value!r}")
    entries = data.get("markers")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: 'markers' must be a non-empty list")
    markers: list[SpinMarker] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        marker_id = _check_entry(entry, "marker", index, _MARKER_REQUIRED, _MARKER_ALLOWED)
        label = f"marker {marker_id!r}"
        if marker_id in seen:
            raise ValueError(f"{label}: duplicate marker id")
        seen.add(marker_id)
        if entry["spun"] == entry["canonical"]:
            raise ValueError(f"{label}: spun and canonical forms are identical ({entry['spun']!r})")
        spun_pattern, _ = _compile(entry["spun"], entry, label)
        canonical_pattern, _ = _compile(entry["canonical"], entry, label)
        markers.append(SpinMarker(marker_id, entry["spun"], entry["canonical"],
                                  spun_pattern, canonical_pattern))
    return MarkerSet(tuple(markers), scoring["min_occurrences"], scoring["max_weight_per_marker"])


# --------------------------------------------------------------------------- scoring


def spin_score(text: str, *, markers: MarkerSet | None = None) -> SpinScore:
    """Score how much of ``text`` is in synonym-spun form.

    For each diagnostic pair *i* with ``s_i`` spun and ``c_i`` canonical
    occurrences (``n_i = s_i + c_i``), the weight is ``w_i = min(n_i, cap)``
    and the score is ``sum(w_i * s_i / n_i) / max(sum(w_i), floor)``, where
    ``cap`` is ``max_weight_per_marker`` and ``floor`` is ``min_occurrences``
    from the YAML file.  Ordinary text, which uses the canonical forms, scores
    near 0; text run through a spinner scores near 1.

    Parameters
    ----------
    text : str
        Any document text (raw or cleaned).
    markers : MarkerSet, optional
        Defaults to ``load_spin_markers()`` (the ``markers:`` section of
        ``config.SPIN_RULES_PATH``).

    Returns
    -------
    SpinScore
        ``score``, ``n_markers_seen``, ``n_spun``, ``evidence``.

    References
    ----------
    Zhang, Wang & Voelker (2014), DSpin: Detecting automatically spun content
    on the web.  NDSS.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    marker_set = load_spin_markers() if markers is None else markers
    if not isinstance(marker_set, MarkerSet):
        raise TypeError(f"markers must be a MarkerSet or None, got {type(marker_set).__name__}")
    weighted_spun = 0.0
    total_weight = 0
    n_seen = 0
    n_spun = 0
    evidence: list[str] = []
    for marker in marker_set.markers:
        spun = sum(1 for _ in marker.spun_pattern.finditer(text))
        canonical = sum(1 for _ in marker.canonical_pattern.finditer(text))
        n = spun + canonical
        if n == 0:
            continue
        weight = min(n, marker_set.max_weight_per_marker)
        weighted_spun += weight * spun / n
        total_weight += weight
        n_seen += n
        n_spun += spun
        evidence.append(f"{marker.marker_id} {spun}/{canonical}")
    score = weighted_spun / max(total_weight, marker_set.min_occurrences)
    summary = "; ".join(evidence) if evidence else "no diagnostic pairs found"
    return SpinScore(score=score, n_markers_seen=n_seen, n_spun=n_spun, evidence=summary)


# --------------------------------------------------------------------------- repairing


def repair_text(text: str, *, rules: Sequence[SpinRule]) -> tuple[str, list[Repair]]:
    """Apply ``rules`` to ``text`` left to right without overlaps.

    Every rule proposes all its matches in the input text; proposals are taken
    from left to right, and at one offset the longer spun form, then the rule
    with more context constraints, then the earlier rule in the file wins.
    Overlapping proposals are dropped.  The input is not modified.

    Parameters
    ----------
    text : str
        The document text (apply only to documents judged spun; see
        :func:`repair_document`).
    rules : sequence of SpinRule
        From :func:`load_spin_rules`.

    Returns
    -------
    tuple (str, list of Repair)
        The repaired text and one record per change in output order, with
        ``start``/``end`` offsets into the repaired text
        (``repaired[start:end] == after``), ``before``, ``after``, ``rule_id``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    bad = [type(rule).__name__ for rule in rules if not isinstance(rule, SpinRule)]
    if bad:
        raise TypeError(f"rules must be SpinRule objects (from load_spin_rules), got {bad[:3]}")
    # Sort key: leftmost, then longest, then most constraints, then file order.
    proposals = [
        (match.start(), match.start() - match.end(), -rule.n_constraints, rule.order,
         match.end(), rule)
        for rule in rules
        for match in rule.pattern.finditer(text)
    ]
    proposals.sort(key=lambda p: p[:4])
    pieces: list[str] = []
    repairs: list[Repair] = []
    cursor = 0  # next unconsumed input offset
    out_len = 0  # length of the output built so far
    for start, _, _, _, end, rule in proposals:
        if start < cursor:
            continue  # overlaps a change already taken
        kept = text[cursor:start]
        pieces.append(kept)
        out_len += len(kept)
        pieces.append(rule.original)
        repairs.append(Repair(start=out_len, end=out_len + len(rule.original),
                              before=text[start:end], after=rule.original, rule_id=rule.rule_id))
        out_len += len(rule.original)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), repairs


def repair_document(
    text: str,
    *,
    repair: bool = True,
    threshold: float = config.SPIN_THRESHOLD,
    rules: Sequence[SpinRule] | None = None,
    markers: MarkerSet | None = None,
) -> RepairOutcome:
    """Score ``text`` and, if it is spun and ``repair`` is on, restore it.

    Parameters
    ----------
    text : str
        One document.
    repair : bool, default True
        Switch the stage off (``False``) to show results without repair; the
        score is still computed and reported.
    threshold : float, default ``config.SPIN_THRESHOLD``
        A document whose score reaches this is treated as spun.
    rules, markers : optional
        Default to the tables in ``config.SPIN_RULES_PATH``.

    Returns
    -------
    RepairOutcome
        ``text`` (repaired or unchanged), ``repairs`` (empty unless repaired),
        ``score``, ``spun`` (score >= threshold), ``repaired``.
    """
    if not isinstance(repair, bool):
        raise TypeError(f"repair must be True or False, got {repair!r}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    score = spin_score(text, markers=markers)
    spun = score.score >= threshold
    if not (spun and repair):
        return RepairOutcome(text=text, repairs=(), score=score, spun=spun, repaired=False)
    rule_list = load_spin_rules() if rules is None else rules
    repaired, changes = repair_text(text, rules=rule_list)
    return RepairOutcome(text=repaired, repairs=tuple(changes), score=score, spun=spun,
                         repaired=True)
