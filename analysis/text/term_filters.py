"""Which tokens the keyword statistics count: no numbers, places or single characters.

Keyness, keyword frequencies, word clouds, co-occurrence and topic models all
call one function, :func:`filter_terms`, on the token table they are given.  By
default it drops three kinds of token that say nothing about what a plan is
about and would otherwise lead every list:

numbers and dates
    Tokens that one of the ``number_patterns`` of ``analysis/data/term_filters.yml``
    matches whole: ``2021``, ``2023-2023``, ``95%``, ``2021年``.  ``1+X证书``,
    ``教育信息化2.0`` and ``十四五`` name things and stay.
single characters
    One-character tokens (``求``, ``强``, ``名``) are mostly pieces of a phrase the
    segmenter cut (久久为功 → 久久 为 功); a short allow-list (``single_char_allow``:
    党, 园) stays.
place names
    (a) Words jieba's own dictionary or the user dictionary tags as a place
    (``place_tags``, ``ns``) -- looked up for the *vocabulary* of the table, one
    dictionary lookup per distinct token, not by tagging the running text -- minus
    the words listed in ``not_places`` (jieba tags 普通高中 and 普及 ``ns``);
    (b) the region names of the plans themselves, from the manifest or regions
    table: ``name_zh``, ``province_zh`` and ``prefecture_zh``, each also without its
    administrative suffix (桐庐县 → 桐庐, 湖北省 → 湖北); and (c) words that mean
    "the whole region / our region" (``region_scope_words``: 全县, 全区, 我市 …).

Each kind is kept when asked: ``keep_numbers=True``, ``keep_places=True``,
``keep_single_chars=True``.  :func:`term_exclusions` says, for any list of terms,
which are dropped and why -- the ledger of this filter.

Counts and totals of a statistic are those of the filtered table: "per 10,000
tokens" then means per 10,000 kept content tokens.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
import yaml

from analysis import config
from analysis.text.tokens import USER_DICT_PATH, read_user_dict

__all__ = [
    "dictionary_places", "filter_terms", "place_names_from_regions", "read_term_filter_rules",
    "REASONS", "term_exclusions", "TERM_FILTERS_PATH", "TermFilterRules",
]

TERM_FILTERS_PATH: Path = config.RULES_DIR / "term_filters.yml"

#: Reasons :func:`term_exclusions` gives, in the order they are checked.
REASONS: tuple[str, ...] = ("number", "single_char", "place")

# Columns of the region table whose values are place names.
_REGION_NAME_COLUMNS: tuple[str, ...] = ("name_zh", "province_zh", "prefecture_zh")
# A parenthesised remark in a region name: 四川某县（未具名）.
_REMARK = re.compile(r"[（(][^）)]*[）)]")


@dataclass(frozen=True)
class TermFilterRules:
    """The lists of ``analysis/data/term_filters.yml`` (see the comments there)."""

    number_patterns: tuple[re.Pattern[str], ...]
    single_char_allow: frozenset[str]
    place_tags: frozenset[str]
    not_places: frozenset[str]
    region_scope_words: frozenset[str]
    admin_suffixes: tuple[str, ...]


_KEYS: tuple[str, ...] = (
    "number_patterns", "single_char_allow", "place_tags", "not_places",
    "region_scope_words", "admin_suffixes",
)


@functools.lru_cache(maxsize=4)
def read_term_filter_rules(path: Path = TERM_FILTERS_PATH) -> TermFilterRules:
    """Read and check the rule file; every key must be present and a list of strings."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or sorted(data) != sorted(_KEYS):
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"{path}: expected exactly the keys {list(_KEYS)}; got {found}")
    for key in _KEYS:
        values = data[key]
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"{path}: {key} must be a list of non-empty strings")
    bad = [w for w in data["single_char_allow"] if len(w) != 1]
    if bad:
        raise ValueError(f"{path}: single_char_allow holds words longer than one character: {bad}")
    return TermFilterRules(
        number_patterns=tuple(re.compile(p) for p in data["number_patterns"]),
        single_char_allow=frozenset(data["single_char_allow"]),
        place_tags=frozenset(data["place_tags"]),
        not_places=frozenset(data["not_places"]),
        region_scope_words=frozenset(data["region_scope_words"]),
        # Longest first, so 自治县 is taken off before 县.
        admin_suffixes=tuple(sorted(data["admin_suffixes"], key=lambda s: (-len(s), s))),
    )


@functools.lru_cache(maxsize=4)
def _jieba_words_tagged(tags: frozenset[str]) -> frozenset[str]:
    """The words of jieba's main dictionary (``word freq tag`` lines) tagged one of ``tags``.

    Read once per process and tag set (about 0.4 s for 349,046 words), without
    building jieba's prefix dictionary.  Only those words are kept (17,706 for
    the place tags), not a tag for every word: the whole mapping would hold
    ~45 MiB for the rest of a build.
    """
    words: set[str] = set()
    with jieba.get_dict_file() as handle:
        for raw in handle:
            parts = raw.decode("utf-8").split()
            if len(parts) < 3:
                continue
            # A word listed twice has its last line's tag, as in a word -> tag mapping.
            if parts[2] in tags:
                words.add(parts[0])
            else:
                words.discard(parts[0])
    return frozenset(words)


@functools.lru_cache(maxsize=4)
def _user_tags(path: Path) -> dict[str, str]:
    return {e.word: e.tag for e in read_user_dict(path) if e.tag}


def dictionary_places(
    terms: Iterable[str], *, rules: TermFilterRules | None = None,
    user_dict: Path = USER_DICT_PATH,
) -> frozenset[str]:
    """The terms tagged as a place (``rules.place_tags``) by jieba or the user dictionary.

    The user dictionary's tag wins over jieba's; ``rules.not_places`` are never places.
    """
    rules = rules or read_term_filter_rules()
    tagged, user = _jieba_words_tagged(rules.place_tags), _user_tags(Path(user_dict))
    return frozenset(
        t for t in terms
        if t not in rules.not_places
        and (user[t] in rules.place_tags if t in user else t in tagged)
    )


def place_names_from_regions(
    regions: pd.DataFrame, *, rules: TermFilterRules | None = None
) -> frozenset[str]:
    """Place names of the plans' own regions, with and without administrative suffix.

    Parameters
    ----------
    regions : DataFrame
        The manifest or the regions table; the columns ``name_zh``,
        ``province_zh`` and ``prefecture_zh`` that it has are read (empty values
        and parenthesised remarks such as （未具名） are skipped).
    rules : TermFilterRules, optional
        Default: :func:`read_term_filter_rules`.

    Returns
    -------
    frozenset of str
        Each name (鲤城区, 福建省, 泉州市) and its stem without the longest
        matching ``admin_suffixes`` entry (鲤城, 福建, 泉州) when the stem has at
        least two characters.
    """
    rules = rules or read_term_filter_rules()
    names: set[str] = set()
    for column in _REGION_NAME_COLUMNS:
        if column not in regions.columns:
            continue
        for value in regions[column].dropna().astype(str):
            name = _REMARK.sub("", value).strip()
            if not name:
                continue
            names.add(name)
            for suffix in rules.admin_suffixes:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    names.add(name[: -len(suffix)])
                    break
    return frozenset(names)


def _check_flags(**flags: object) -> None:
    bad = {name: value for name, value in flags.items() if not isinstance(value, bool)}
    if bad:
        raise ValueError(f"{', '.join(flags)} must each be True or False; got {bad}")


def term_exclusions(
    terms: Iterable[str],
    *,
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
    rules: TermFilterRules | None = None,
    user_dict: Path = USER_DICT_PATH,
) -> pd.DataFrame:
    """Which of ``terms`` the filter drops, and why.

    Parameters
    ----------
    terms : iterable of str
        Distinct or not; each is judged once.
    regions : DataFrame, optional
        Manifest or regions table whose region names count as places (see
        :func:`place_names_from_regions`). Default None: the project's manifest
        (``data/raw/manifest.csv``) when there is one, so a plan's own name is
        never a keyword by accident; pass an empty DataFrame to use only the
        dictionary places and region-scope words.
    keep_numbers, keep_places, keep_single_chars : bool, default False
        Keep that kind of token instead of dropping it.
    rules : TermFilterRules, optional
        Default: ``analysis/data/term_filters.yml``.
    user_dict : Path, default ``analysis/data/userdict.txt``
        Its tags count as jieba's do.

    Returns
    -------
    DataFrame with columns ``term, reason``: one row per distinct dropped term,
    sorted by term; ``reason`` is the first of :data:`REASONS` that applies
    (``number``, ``single_char``, ``place``).
    """
    _check_flags(keep_numbers=keep_numbers, keep_places=keep_places,
                 keep_single_chars=keep_single_chars)
    rules = rules or read_term_filter_rules()
    vocab = sorted({str(t) for t in terms})
    places: frozenset[str] = frozenset()
    if not keep_places:
        places = (dictionary_places(vocab, rules=rules, user_dict=user_dict)
                  | rules.region_scope_words)
        if regions is None and config.MANIFEST_PATH.is_file():
            regions = pd.read_csv(config.MANIFEST_PATH, dtype=str, keep_default_na=False,
                                  encoding="utf-8-sig")
        if regions is not None and len(regions):
            places |= place_names_from_regions(regions, rules=rules)
    rows = []
    for term in vocab:
        if not keep_numbers and any(p.fullmatch(term) for p in rules.number_patterns):
            rows.append((term, "number"))
        elif (not keep_single_chars and len(term) == 1
              and term not in rules.single_char_allow):
            rows.append((term, "single_char"))
        elif term in places:
            rows.append((term, "place"))
    return pd.DataFrame(rows, columns=["term", "reason"]).astype({"term": str, "reason": str})


def filter_terms(
    tokens: pd.DataFrame,
    *,
    column: str = "token",
    regions: pd.DataFrame | None = None,
    keep_numbers: bool = False,
    keep_places: bool = False,
    keep_single_chars: bool = False,
    rules: TermFilterRules | None = None,
    user_dict: Path = USER_DICT_PATH,
) -> pd.DataFrame:
    """The rows of a token table whose token is a content term (see the module docstring).

    Parameters
    ----------
    tokens : DataFrame
        Any table with a ``column`` of terms (the tokens table, schema.TOKENS).
    column : str, default "token"
    regions, keep_numbers, keep_places, keep_single_chars, rules, user_dict
        As in :func:`term_exclusions`.

    Returns
    -------
    DataFrame
        The kept rows, in their order, with the original index and columns
        (the input is not modified; nothing dropped means the same rows).
    """
    if column not in tokens.columns:
        raise ValueError(f"tokens is missing column {column!r}")
    if keep_numbers and keep_places and keep_single_chars:
        return tokens
    # Judge each distinct term once, then drop rows by integer code.
    codes, uniques = pd.factorize(tokens[column])
    dropped = term_exclusions(
        uniques, regions=regions, keep_numbers=keep_numbers, keep_places=keep_places,
        keep_single_chars=keep_single_chars, rules=rules, user_dict=user_dict,
    )
    if dropped.empty:
        return tokens
    drop_code = pd.Index(uniques).isin(dropped["term"])
    keep = np.ones(len(tokens), dtype=bool)
    known = codes >= 0
    keep[known] = ~drop_code[codes[known]]
    return tokens.loc[keep]
