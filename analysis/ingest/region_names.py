"""An English name for a region that has only a Chinese one (romanised, flagged as inferred).

A plan added without ``--name-en`` still needs an English label: the figures
are drawn in English too.  :func:`english_region_name` splits a Chinese
region name into a stem and an administrative suffix (县 County, 区 District,
市 City, 旗 Banner, 自治县 Autonomous County, 州 Prefecture …), writes the
stem in Hanyu Pinyin without tones with pypinyin and translates the suffix:
清溪县 → "Qingxi County", 云岭区 → "Yunling District", 某县 → "Unnamed
County".  The suffixes, the placeholder for an unnamed place and stems whose
reading pypinyin gets wrong are in ``analysis/data/region_name_english.yml``.
The result is a guess: the ``add`` command lists ``name_en`` in the row's
``inferred_fields`` and prints it so that a researcher can check it.

References
----------
GB/T 16159-2012. *Basic rules of the Chinese phonetic alphabet orthography*
(place names: syllables written together, apostrophe before a, o, e).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

from analysis import config

#: The naming rules (commented YAML).
NAME_RULES_PATH: Path = config.RULES_DIR / "region_name_english.yml"


@dataclass(frozen=True)
class NameRules:
    """The rules of ``region_name_english.yml``."""

    suffixes: tuple[tuple[str, str], ...]  # longest first
    placeholder_chars: str
    unnamed: str
    unnamed_in: str
    remark_brackets: tuple[str, ...]
    readings: dict[str, str]


@lru_cache(maxsize=4)
def load_name_rules(path: Path = NAME_RULES_PATH) -> NameRules:
    """Read and check the naming rules; ``ValueError`` names the file and the entry."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    required = ("suffixes", "placeholder_chars", "unnamed", "unnamed_in", "remark_brackets",
                "readings")
    missing = [key for key in required if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise ValueError(f"region name rules {path}: missing entries {missing}")
    for key in ("unnamed", "unnamed_in"):
        if "{suffix}" not in str(raw[key]):
            raise ValueError(f"region name rules {path}: {key!r} must contain {{suffix}}")
    brackets = tuple(str(pair) for pair in raw["remark_brackets"])
    if any(len(pair) != 2 for pair in brackets):
        raise ValueError(
            f"region name rules {path}: each remark_brackets entry is an opening and a "
            "closing bracket, e.g. '（）'"
        )
    suffixes = sorted(((str(k), str(v)) for k, v in (raw["suffixes"] or {}).items()),
                      key=lambda pair: (-len(pair[0]), pair[0]))
    return NameRules(
        suffixes=tuple(suffixes),
        placeholder_chars=str(raw["placeholder_chars"]),
        unnamed=str(raw["unnamed"]),
        unnamed_in=str(raw["unnamed_in"]),
        remark_brackets=brackets,
        readings={str(k): str(v) for k, v in (raw["readings"] or {}).items()},
    )


def _pinyin_word(text: str, rules: NameRules) -> str:
    """``text`` as one capitalised pinyin word (Latin letters and digits kept as they are)."""
    if text in rules.readings:
        return rules.readings[text]
    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL, v_to_u=True) if s.strip()]
    word = ""
    for syllable in syllables:
        syllable = syllable.strip()
        # GB/T 16159: an apostrophe before a syllable starting with a, o or e.
        if word and syllable[:1] in ("a", "o", "e") and word[-1:].isalpha():
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


def _split_suffix(name: str, rules: NameRules) -> tuple[str, str]:
    for suffix, english in rules.suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], english
        if name == suffix:
            return "", english
    return name, ""


def english_region_name(name_zh: str, *, rules: NameRules | None = None) -> str:
    """An English name for the Chinese region name ``name_zh``, by rule.

    Parameters
    ----------
    name_zh : str
        The region's Chinese name as in the manifest (清溪县, 云岭区,
        四川某县（未具名）).
    rules : NameRules, optional
        Defaults to :func:`load_name_rules` of
        ``analysis/data/region_name_english.yml``.

    Returns
    -------
    str
        Pinyin stem plus translated suffix ("Qingxi County"); "Unnamed County"
        (or "Unnamed County in Sichuan") for a placeholder name; the pinyin of
        the whole name when it has no known suffix; ``""`` for an empty name.
        Bracketed remarks are left out.
    """
    rules = rules or load_name_rules()
    name = name_zh.strip()
    for pair in rules.remark_brackets:
        opening, closing = re.escape(pair[0]), re.escape(pair[1])
        name = re.sub(f"{opening}[^{closing}]*{closing}", "", name)
    name = re.sub(r"\s+", "", name)
    if not name:
        return ""
    stem, suffix = _split_suffix(name, rules)
    placeholder = rules.placeholder_chars
    bare = stem.rstrip(placeholder)
    if placeholder and bare != stem:
        place = _split_suffix(bare, rules)[0] if bare else ""
        if not place:
            return rules.unnamed.format(suffix=suffix or "Region").strip()
        return rules.unnamed_in.format(suffix=suffix or "Region",
                                       place=_pinyin_word(place, rules)).strip()
    if not stem:
        return suffix
    return f"{_pinyin_word(stem, rules)} {suffix}".strip()
