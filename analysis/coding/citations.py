"""Cited documents: which policies each plan invokes, at which level.

:func:`extract_citations` finds every title in 《…》 (nesting-aware: a title
may contain 〈…〉, “…”, （试行） or a nested 《…》), normalises it so that one
document cited in different forms gets one key, and classifies the issuing
level (central, provincial, local) from issuer words in the title or right
before it, a list of national documents and document kinds
(``analysis/data/citation_levels.yml``).  :func:`citation_network` gives the
region–document edges of the citation network and :func:`shared_citations`
the region × region table of documents invoked in common.

References
----------
Policy-citation networks: 黄萃, 任弢, 张剑 (2015). 政策文献量化研究：公共政策研究
的新领域. 公共管理学报, 12(2), 129-137; Newman, M. (2010). *Networks: An
Introduction*, ch. 6.6 (bipartite networks and their projections).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import sparse

from analysis import config, schema
from analysis.coding.citation_titles import find_cited_titles, find_titles  # noqa: F401 (public)

__all__ = [
    "citation_network", "CITATION_RULES_PATH", "CitationRules", "classify_level",
    "extract_citations", "find_cited_titles", "find_titles", "load_citation_rules",
    "normalise_title", "PLACE_KEY_MARK", "shared_citations", "UNKNOWN",
]

CITATION_RULES_PATH: Path = config.RULES_DIR / "citation_levels.yml"
UNKNOWN = "unknown"
PLACE_KEY_MARK = "@"  # title_norm of a placeless local title: "<key>@<region_id>"
_CLAUSE = re.compile(r"[，。；：！？,;:!?]")
_PLACE_STOP = ("示范", "教育", "学校", "社区", "校区", "园区", "片区", "城乡", "试验", "实验",
               "关于", "先行", "功能", "服务")


@dataclass(frozen=True)
class CitationRules:
    """Compiled citation rules (see analysis/data/citation_levels.yml)."""

    context_chars: int
    issuers: tuple[tuple[str, str], ...]          # (word, level), longest first
    central_prefixes: tuple[str, ...]
    provinces: re.Pattern
    local_place: re.Pattern
    own_place: tuple[tuple[re.Pattern, str], ...]  # 省…/县…/市… without a name: (pattern, level)
    known: dict[str, str]                          # normalised title -> level
    title_rules: tuple[tuple[re.Pattern, str, str], ...]
    drop_patterns: tuple[re.Pattern, ...]
    drop_chars: frozenset[str]
    aliases: dict[str, str]                        # normalised alias -> normalised title


def load_citation_rules(path: Path | str | None = None) -> CitationRules:
    """Read and compile the citation rules (default ``analysis/data/citation_levels.yml``)."""
    path = CITATION_RULES_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    for key in ("central", "provincial", "local", "known_documents", "title_rules", "normalise"):
        if key not in raw:
            raise ValueError(f"{path}: missing section {key!r}")
    norm = raw["normalise"]
    drop_patterns = tuple(re.compile(p) for p in norm["drop_patterns"])
    drop_chars = frozenset(norm["drop_chars"])
    issuers = [(w, lv) for lv in ("central", "provincial", "local") for w in raw[lv]["issuers"]]
    issuers.sort(key=lambda x: (-len(x[0]), x[0]))
    prov = raw["provincial"]
    provinces = re.compile("(" + "|".join(map(re.escape, prov["places"])) + ")"
                           + prov["place_suffix"])

    def key(title: str) -> str:
        return _normalise(title, drop_patterns, drop_chars)

    known = {}
    for level, titles in raw["known_documents"].items():
        if level not in schema.CITATION_LEVELS:
            raise ValueError(f"{path}: known_documents level {level!r} not in "
                             f"{list(schema.CITATION_LEVELS)}")
        known.update({key(t): level for t in titles})
    rules = []
    for i, rule in enumerate(raw["title_rules"]):
        if rule.get("level") not in schema.CITATION_LEVELS:
            raise ValueError(f"{path}: title_rules[{i}] has level {rule.get('level')!r}")
        rules.append((re.compile(rule["pattern"]), rule["level"], str(rule.get("note", ""))))
    aliases = {key(a): key(t) for a, t in (norm.get("aliases") or {}).items()}
    return CitationRules(
        context_chars=int(raw.get("context_chars", 30)), issuers=tuple(issuers),
        central_prefixes=tuple(raw["central"]["title_prefixes"]), provinces=provinces,
        local_place=re.compile(raw["local"]["place_pattern"]), known=known,
        own_place=tuple((re.compile(raw[lv]["own_place_prefix"]), lv)
                        for lv in ("provincial", "local") if raw[lv].get("own_place_prefix")),
        title_rules=tuple(rules), drop_patterns=drop_patterns, drop_chars=drop_chars,
        aliases=aliases)


@lru_cache(maxsize=1)
def _default_rules() -> CitationRules:
    return load_citation_rules()


def _fold(text: str) -> str:
    """NFKC on ASCII-range forms only (full-width digits/letters), not on CJK punctuation."""
    return "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e"
                   and c not in "（）" else c for c in text)


def _normalise(title: str, drop_patterns: tuple[re.Pattern, ...], drop_chars: frozenset[str]
               ) -> str:
    out = _fold(title.strip())
    for pattern in drop_patterns:
        out = pattern.sub("", out)
    return "".join(c for c in out if c not in drop_chars)


def normalise_title(title: str, *, rules: CitationRules | None = None) -> str:
    """The comparison key of a title: marks of edition/period, brackets, quotes and 的
    removed, abbreviations mapped to the full title (``normalise`` in the YAML).

    ``关于印发〈X〉的通知`` keys as X: the circular only transmits the document.
    """
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"title must be a non-empty string, got {title!r}")
    rules = _default_rules() if rules is None else rules
    inner = re.fullmatch(r"(?:关于)?印发[〈《](.+)[〉》](?:的)?(?:通知|决定)?", title.strip())
    if inner:
        title = inner.group(1)
    key = _normalise(title, rules.drop_patterns, rules.drop_chars)
    return rules.aliases.get(key, key)


def _place_ok(name: str) -> bool:
    return not any(stop in name for stop in _PLACE_STOP)


def _issuer_level(fragment: str, rules: CitationRules, *, at_start: bool) -> tuple[str, str] | None:
    """Level named by issuer words (at the start of a title, or nearest the 《)."""
    if at_start:
        for prefix in rules.central_prefixes:
            if fragment.startswith(prefix):
                return "central", f"title_prefix:{prefix}"
        m = rules.provinces.match(fragment)
        if m:
            return "provincial", f"title_place:{m.group(0)}"
        for word, level in rules.issuers:
            if fragment.startswith(word):
                return level, f"title_issuer:{word}"
        for pattern, level in rules.own_place:
            m = pattern.match(fragment)
            if m:
                return level, f"title_own_place:{m.group(0)}"
        m = rules.local_place.match(fragment)
        if m and _place_ok(m.group(0)):
            name = m.group(0)
            if fragment[len(name):len(name) + 1] in ("市", "县", "区"):
                name = fragment[:len(name) + 1]  # 泉州市, not 泉州
            return "local", f"title_place:{name}"
        return None
    best = None  # the issuer whose end is nearest the 《
    for word, level in rules.issuers:
        pos = fragment.rfind(word)
        if pos >= 0 and (best is None or pos + len(word) > best[0]):
            best = (pos + len(word), level, word)
    for m in rules.provinces.finditer(fragment):
        if m.group(0) and (best is None or m.end() > best[0]):
            best = (m.end(), "provincial", m.group(0))
    if best is None:
        return None
    return best[1], f"context_issuer:{best[2]}"


def classify_level(title: str, context: str = "", *, rules: CitationRules | None = None
                   ) -> tuple[str, str]:
    """Level of a cited document and the rule that decided it.

    ``context`` is the text just before the 《 (same clause).  Returns
    ``(level, evidence)`` with level in ``schema.CITATION_LEVELS``.
    """
    rules = _default_rules() if rules is None else rules
    body = re.sub(r"^(关于印发|印发|关于)", "", title.strip())
    hit = _issuer_level(title.strip(), rules, at_start=True) or (
        _issuer_level(body, rules, at_start=True) if body != title.strip() else None)
    if hit:
        return hit
    hit = _issuer_level(context, rules, at_start=False) if context else None
    if hit:
        return hit
    key = normalise_title(title, rules=rules)
    if key in rules.known:
        return rules.known[key], "known_document"
    for pattern, level, note in rules.title_rules:
        if pattern.search(key):
            return level, f"title_rule:{note}"
    return UNKNOWN, ""


def _context(text: str, start: int, rules: CitationRules) -> str:
    lo = max(0, start - rules.context_chars)
    window = text[lo:start]
    breaks = list(_CLAUSE.finditer(window))
    window = window[breaks[-1].end():] if breaks else window
    # a preceding title is not an issuer: 《A》《B》 must not lend A's words to B
    return re.sub(r"《[^》]*》", "", window)


def extract_citations(units: pd.DataFrame, *, rules: CitationRules | None = None
                      ) -> pd.DataFrame:
    """Extract every document cited by title in 《…》.

    Parameters
    ----------
    units : DataFrame
        The units table; needs ``region_id``, ``unit_id``, ``text``.
    rules : CitationRules, optional
        Default :func:`load_citation_rules` of ``analysis/data/citation_levels.yml``.

    Returns
    -------
    DataFrame
        ``schema.CITATIONS``: ``region_id``, ``unit_id``, ``title`` (as
        written between the outer 《》), ``title_norm`` (:func:`normalise_title`),
        ``level`` (central, provincial, local or unknown) and
        ``level_evidence`` (the rule that decided: ``title_prefix:国家``,
        ``title_place:福建省``, ``title_issuer:教育部``,
        ``context_issuer:国务院``, ``known_document``, ``title_rule:…``).
        One row per occurrence, in unit order.
    """
    missing = [c for c in ("region_id", "unit_id", "text") if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks columns {missing}; "
                         "required ['region_id', 'unit_id', 'text']")
    rules = _default_rules() if rules is None else rules
    rows = []
    for row in units.itertuples(index=False):
        text = row.text if isinstance(row.text, str) else ""
        for start, end, title, detection, evidence in find_cited_titles(text):
            # words before the opening mark (or the bare title) may name the issuer;
            # a known title's level is known, whoever is named before it
            before = start - 1 if detection != "bare_title" else start
            context = "" if evidence == "known_title" else _context(text, before, rules)
            level, level_evidence = classify_level(title, context, rules=rules)
            key = normalise_title(title, rules=rules)
            if level in ("local", "provincial") and not level_evidence.startswith("title_place:"):
                # a local document whose title names no place (县…, 教育局…, 中小学教师减负清单)
                # is this place's own: plans elsewhere cite another document by that title
                key = f"{key}{PLACE_KEY_MARK}{row.region_id}"
            rows.append({"region_id": row.region_id, "unit_id": row.unit_id, "title": title,
                         "title_norm": key, "level": level,
                         "level_evidence": level_evidence, "detection": detection,
                         "detection_evidence": evidence, "start": start, "end": end})
    return pd.DataFrame(rows, columns=schema.CITATIONS)


def citation_network(citations: pd.DataFrame) -> pd.DataFrame:
    """Region–document edges of the citation network (a bipartite graph).

    Parameters
    ----------
    citations : DataFrame
        :func:`extract_citations` output (at least ``region_id``, ``title_norm``
        and ``level``); a ``ValueError`` names the missing columns.

    Returns
    -------
    DataFrame
        ``schema.CITATION_NETWORK``: one row per (title_norm, region_id) with
        the document's ``level`` (the most specific level any citation of it
        got: a known level beats ``unknown``), ``n_mentions`` (citations of
        it in that plan) and ``n_regions`` (plans citing it).  Sorted by
        ``n_regions`` descending, then title and region.
    """
    missing = [c for c in ("region_id", "title_norm", "level") if c not in citations.columns]
    if missing:
        raise ValueError(f"citations lacks columns {missing}; pass extract_citations output")
    if citations.empty:
        return pd.DataFrame(columns=schema.CITATION_NETWORK)
    order = {lv: i for i, lv in enumerate(schema.CITATION_LEVELS)}
    level = (citations.assign(_o=citations["level"].map(order))
             .sort_values(["title_norm", "_o"]).drop_duplicates("title_norm")
             .set_index("title_norm")["level"])
    edges = (citations.groupby(["title_norm", "region_id"]).size()
             .rename("n_mentions").reset_index())
    edges["level"] = edges["title_norm"].map(level)
    edges["n_regions"] = edges.groupby("title_norm")["region_id"].transform("nunique")
    edges = edges.sort_values(["n_regions", "title_norm", "region_id"],
                              ascending=[False, True, True], kind="stable")
    edges["n_mentions"] = edges["n_mentions"].astype("int64")
    edges["n_regions"] = edges["n_regions"].astype("int64")
    return edges.loc[:, schema.CITATION_NETWORK].reset_index(drop=True)


def shared_citations(citations: pd.DataFrame, *, regions: list[str] | None = None,
                     levels: tuple[str, ...] | None = None,
                     top_k: int | None = None) -> pd.DataFrame:
    """Region × region table of documents cited by both plans (the projection).

    Parameters
    ----------
    citations : DataFrame
        :func:`extract_citations` output.
    regions : list of str, optional
        Regions to pair (default: those in ``citations``, sorted); a region
        citing nothing still gets its pairs, with zeros (all pairs only).
    levels : tuple of str, optional
        Keep only documents of these levels (``schema.CITATION_LEVELS``).
    top_k : int, optional
        None (default): every unordered pair.  An integer ``k``: only each
        plan's ``k`` pairs sharing the most documents, among the pairs sharing
        at least one; ties go to the partner with the smaller region id.  A
        pair in both plans' lists is one row, so a plan can be in more than
        ``k`` rows.  Computed from the sparse plan × document matrix, a block
        of plans at a time, without listing every pair (the build uses it
        beyond ``config.PAIRWISE_MAX_REGIONS`` plans).

    Returns
    -------
    DataFrame
        ``schema.CITATION_PAIRS``: unordered pairs (region_a < region_b),
        ``n_shared`` and ``shared_titles`` (sorted, joined by ``；``); rows by
        ``region_a``, then ``region_b``.
    """
    missing = [c for c in ("region_id", "title_norm", "level") if c not in citations.columns]
    if missing:
        raise ValueError(f"citations lacks columns {missing}; pass extract_citations output")
    if levels is not None:
        bad = [lv for lv in levels if lv not in schema.CITATION_LEVELS]
        if bad:
            raise ValueError(f"levels must be drawn from {list(schema.CITATION_LEVELS)}, got {bad}")
        citations = citations[citations["level"].isin(levels)]
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be None or a positive integer, got {top_k!r}")
    regions = sorted(set(citations["region_id"])) if regions is None else sorted(regions)
    if top_k is None:
        titles = {r: set(citations.loc[citations["region_id"] == r, "title_norm"])
                  for r in regions}
        pairs = list(combinations(regions, 2))
    else:
        cited = citations.loc[citations["region_id"].isin(set(regions)),
                              ["region_id", "title_norm"]].drop_duplicates()
        titles = {r: set(group) for r, group in cited.groupby("region_id")["title_norm"]}
        pairs = _top_pairs(cited, regions, top_k)
    rows = []
    for a, b in pairs:
        shared = sorted(titles.get(a, set()) & titles.get(b, set()))
        rows.append({"region_a": a, "region_b": b, "n_shared": len(shared),
                     "shared_titles": "；".join(shared)})
    return pd.DataFrame(rows, columns=schema.CITATION_PAIRS)


# Plans whose shared-document counts are computed at once by _top_pairs: a block
# of B plans holds at most B × plans counts (sparse), 512 × 30,000 in the worst case.
_PAIR_BLOCK: int = 512


def _top_pairs(cited: pd.DataFrame, regions: list[str], top_k: int) -> list[tuple[str, str]]:
    """Each region's ``top_k`` partners by shared documents (> 0), as sorted unordered pairs.

    ``cited`` has one row per (region_id, title_norm); ``regions`` is sorted, so
    a smaller index is a smaller region id, which breaks ties.
    """
    index = {r: i for i, r in enumerate(regions)}
    docs, doc_index = np.unique(cited["title_norm"].to_numpy(dtype=object), return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(cited), dtype=np.int32),
         (cited["region_id"].map(index).to_numpy(), doc_index)),
        shape=(len(regions), len(docs)))
    transposed = matrix.T.tocsc()
    found: set[tuple[int, int]] = set()
    for start in range(0, len(regions), _PAIR_BLOCK):
        counts = (matrix[start:start + _PAIR_BLOCK] @ transposed).tocsr()
        for row in range(counts.shape[0]):
            me = start + row
            lo, hi = counts.indptr[row], counts.indptr[row + 1]
            partners, shared = counts.indices[lo:hi], counts.data[lo:hi]
            keep = (partners != me) & (shared > 0)
            partners, shared = partners[keep], shared[keep]
            # most shared first, then the smaller region id
            best = np.lexsort((partners, -shared))[:top_k]
            found.update((min(me, p), max(me, p)) for p in partners[best].tolist())
    return [(regions[a], regions[b]) for a, b in sorted(found)]
