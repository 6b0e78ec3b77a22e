"""Furniture evidence: is a line no rule covers page furniture or plan text?

Chrome rules (``analysis/data/chrome_rules.yml``) name the kinds of page
furniture we know.  A page always has lines no rule foresaw: a site's name, a
column name, an account name, an editor's line in a new layout.
:func:`furniture_reason` judges such a line from its own evidence — length,
sentence punctuation, the share of policy vocabulary (codebook terms and the
user dictionary), a ``key：value`` shape, digits and dates, a numbering label,
and where it stands (before the title, after the last body line) — with the
weights and threshold in ``analysis/data/furniture_evidence.yml``, and
returns the removal reason naming the evidence, or ``None`` to keep the line.

It is only asked about lines outside the body (the caller's header and
footer zones): body text is never removed on evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config
from analysis.corpus.script import to_simplified_aligned

FURNITURE_EVIDENCE_PATH: Path = config.RULES_DIR / "furniture_evidence.yml"
CODEBOOK_PATH: Path = config.RULES_DIR / "codebook.yml"
USERDICT_PATH: Path = config.RULES_DIR / "userdict.txt"

#: Allowed values of ``position``.
POSITIONS = ("before_title", "header", "after_body")

_FEATURES = (
    "short",
    "no_sentence_punct",
    "no_policy_terms",
    "low_policy_terms",
    "key_value",
    "digits_dates",
    "before_title",
    "after_body",
    "terminal_punct",
    "long",
    "numbering_label",
    "heading_word",
    "table_row",
    "indented",
)
_SENTENCE_PUNCT = re.compile(r"[。！？!?；;，,、]")
#: A line that ends a sentence: final punctuation, then any closing quotes or brackets.
TERMINAL = re.compile(r"[。！？!?；;][”’」』）)]*$")
_KEY_VALUE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,8}\s*[:：]\s*\S")
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}:\d{2}")
_DATE_CHARS = re.compile(r"[\d年月日:：\-/.]")
_YEAR = re.compile(r"\d{4}年(?:度)?")
# Two ideographic spaces (or more ASCII ones) opening a line: a body paragraph.
_INDENT = re.compile(r"^(?:\u3000{2}|[ \t]{2,})\S")
_TABLE = re.compile(r"(?:[|｜\t].*){2,}")


@dataclass(frozen=True)
class FurnitureSettings:
    threshold: float
    max_len: int
    short_max: int
    long_min: int
    low_policy_share: float
    digit_share: float
    weights: dict[str, float]
    numbering_label: re.Pattern[str]
    heading_word: re.Pattern[str]
    heading_max: int
    vocabulary: re.Pattern[str] | None


def _policy_vocabulary(min_weight: float, min_len: int) -> re.Pattern[str] | None:
    """Codebook terms (weight ≥ ``min_weight``) and user-dictionary words, longest first."""
    codebook = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    words: set[str] = set()
    for theme in codebook.get("themes", []):
        for term, weight in (theme.get("terms") or {}).items():
            if float(weight) >= min_weight:
                words.add(str(term))
    for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].split()
        if word and len(word[0]) >= min_len:
            words.add(word[0])
    if not words:
        return None
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered))


@lru_cache(maxsize=4)
def load_furniture_settings(path: Path = FURNITURE_EVIDENCE_PATH) -> FurnitureSettings:
    """Read and validate ``furniture_evidence.yml`` (safe YAML, no code)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    required = (
        "threshold",
        "max_len",
        "short_max",
        "long_min",
        "min_term_weight",
        "min_word_len",
        "low_policy_share",
        "digit_share",
        "weights",
        "numbering_label",
        "heading_word",
    )
    missing = [k for k in required if k not in raw]
    if missing:
        raise ValueError(f"furniture evidence {path}: missing settings {missing}")
    unknown = sorted(set(raw["weights"]) - set(_FEATURES))
    absent = sorted(set(_FEATURES) - set(raw["weights"]))
    if unknown or absent:
        raise ValueError(
            f"furniture evidence {path}: weights must name exactly the features "
            f"{', '.join(_FEATURES)} (unknown: {unknown}, missing: {absent})"
        )
    return FurnitureSettings(
        threshold=float(raw["threshold"]),
        max_len=int(raw["max_len"]),
        short_max=int(raw["short_max"]),
        long_min=int(raw["long_min"]),
        low_policy_share=float(raw["low_policy_share"]),
        digit_share=float(raw["digit_share"]),
        weights={k: float(v) for k, v in raw["weights"].items()},
        numbering_label=re.compile(raw["numbering_label"]),
        heading_word=re.compile(raw["heading_word"]),
        heading_max=int(raw.get("heading_max", 14)),
        vocabulary=_policy_vocabulary(float(raw["min_term_weight"]), int(raw["min_word_len"])),
    )


def line_features(line: str, *, position: str, settings: FurnitureSettings) -> list[str]:
    """The evidence features that hold for ``line`` at ``position`` (see the settings file)."""
    simple = to_simplified_aligned(line.strip())
    compact = "".join(ch for ch in simple if not ch.isspace())
    n = len(compact)
    features: list[str] = []
    if n <= settings.short_max:
        features.append("short")
    if n > settings.long_min:
        features.append("long")
    if not _SENTENCE_PUNCT.search(compact):
        features.append("no_sentence_punct")
    if TERMINAL.search(compact):
        features.append("terminal_punct")
    covered = (
        sum(len(m.group()) for m in settings.vocabulary.finditer(compact))
        if settings.vocabulary is not None
        else 0
    )
    if covered == 0:
        features.append("no_policy_terms")
    elif n and covered / n < settings.low_policy_share:
        features.append("low_policy_terms")
    if _KEY_VALUE.search(simple.strip()) and "。" not in compact:
        features.append("key_value")
    undated = _YEAR.sub("", compact)
    if _DATE.search(compact) or (
        undated and len(_DATE_CHARS.findall(undated)) / len(undated) >= settings.digit_share
    ):
        features.append("digits_dates")
    if position in ("before_title", "after_body"):
        features.append(position)
    if settings.numbering_label.search(simple.strip()):
        features.append("numbering_label")
    if n <= settings.heading_max and settings.heading_word.search(compact):
        features.append("heading_word")
    if _TABLE.search(simple):
        features.append("table_row")
    if _INDENT.match(line):
        features.append("indented")
    return features


def furniture_reason(
    line: str, *, position: str, settings: FurnitureSettings | None = None
) -> str | None:
    """Judge a line no chrome rule covers; return a removal reason or None (keep).

    Parameters
    ----------
    line : str
        The printed line (simplified or traditional; judged in simplified form).
    position : {"before_title", "header", "after_body"}
        Where the line stands: in the page header before the plan's title was
        found, in the header after it, or after the plan's last body line.
    settings : FurnitureSettings, optional
        Defaults to :func:`load_furniture_settings`.

    Returns
    -------
    str or None
        ``furniture_evidence:<f1>_<f2>…`` (the positive features that fired,
        e.g. ``furniture_evidence:short_no_policy_terms``) when the score
        reaches the threshold; otherwise None.
    """
    if position not in POSITIONS:
        raise ValueError(f"position {position!r}; allowed values are {', '.join(POSITIONS)}")
    settings = settings or load_furniture_settings()
    compact = "".join(ch for ch in line if not ch.isspace())
    if not compact or len(compact) > settings.max_len:
        return None
    features = line_features(line, position=position, settings=settings)
    score = sum(settings.weights[f] for f in features)
    if score < settings.threshold:
        return None
    named = [
        f.replace("no_sentence_punct", "no_punct").replace("_policy_terms", "_policy")
        for f in features
        if settings.weights[f] > 0 and f not in ("before_title", "after_body")
    ]
    if "no_policy" in named and "short" in named:
        # The commonest case reads as one phrase.
        named = ["short_no_policy_terms"] + [f for f in named if f not in ("short", "no_policy")]
    return "furniture_evidence:" + "_".join(named)
