"""Finding document titles in a sentence: in 《》, in “”, or bare.

A reader sees a cited document whether its title is in 《…》, in “…” or
written without marks (the author left them out, or a copy lost them).
:func:`find_cited_titles` finds all three, each with the evidence for its
detection, where the title's shape is unambiguous; the shapes are data
(``analysis/data/citation_titles.yml``).  What counts as a cited document is
defined in ``docs/annotation_citations.md``.

- ``brackets``: every outermost 《…》 (:func:`find_titles`), except titles of
  works and messages that are not policy documents (``not_documents``);
- ``quotes``: “…” whose content ends in a document kind (…法, …意见, …计划,
  …准则 …), optionally with its own period or edition mark;
- ``bare_title``: a known title or title pattern; issuers + 关于…的 + kind;
  or, right after a citing verb (实施, 落实, 制定 …), a phrase that names
  its issuing place (县…, 市…) or carries a period/edition mark and ends in a
  kind.

References
----------
黄萃, 任弢, 张剑 (2015). 政策文献量化研究：公共政策研究的新领域. 公共管理学报,
12(2), 129-137 (titles as the unit of policy-citation analysis).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config

__all__ = [
    "CITATION_LEVELS_PATH", "find_cited_titles", "find_titles", "load_title_rules",
    "not_a_document", "TITLE_RULES_PATH", "TitleRules",
]

TITLE_RULES_PATH: Path = config.RULES_DIR / "citation_titles.yml"
CITATION_LEVELS_PATH: Path = config.RULES_DIR / "citation_levels.yml"
_OPEN, _CLOSE = "《", "》"
# characters that end a bare title's body (clause punctuation, other marks)
_BODY = r"[^，。；：！？、《》,;:!?\s]"


@dataclass(frozen=True)
class TitleRules:
    """Compiled title rules (see analysis/data/citation_titles.yml)."""

    kinds: tuple[str, ...]                         # longest first
    kind_end: re.Pattern                           # a kind, then an optional period mark, at $
    period_mark: re.Pattern
    not_documents: tuple[tuple[re.Pattern, str], ...]
    quote_min: int
    quote_max: int
    quote_need_period: tuple[str, ...]
    quote_not_counted: tuple[str, ...]
    count_word: re.Pattern
    slogan_start: re.Pattern
    known: tuple[str, ...]                         # longest first
    patterns: tuple[tuple[re.Pattern, str], ...]
    law_not_before: str
    issuer_about: re.Pattern
    cue_title: re.Pattern
    place: re.Pattern


def load_title_rules(path: Path | str | None = None, *,
                     issuers: tuple[str, ...] = (), known_documents: tuple[str, ...] = ()
                     ) -> TitleRules:
    """Read and compile the title rules (default ``analysis/data/citation_titles.yml``).

    Parameters
    ----------
    path : path, optional
        The YAML file.
    issuers : tuple of str, default ()
        Issuer words (from ``citation_levels.yml``) that may stand before
        关于…的 in a bare title.
    known_documents : tuple of str, default ()
        Further titles matched as written without marks (the
        ``known_documents`` of ``citation_levels.yml``).
    """
    path = TITLE_RULES_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    for key in ("document_kinds", "law_not_after", "period_mark", "not_documents", "quotes",
                "bare"):
        if key not in raw:
            raise ValueError(f"{path}: missing section {key!r}")
    bare, quotes = raw["bare"], raw["quotes"]
    for key in ("known_titles", "title_patterns", "law_not_before", "cue_verbs", "ordinal",
                "place_prefix", "max_chars", "body_not", "follow"):
        if key not in bare:
            raise ValueError(f"{path}: bare lacks {key!r}")
    kinds = tuple(sorted(raw["document_kinds"], key=lambda k: (-len(k), k)))
    # 法 only after a character that does not make 方法, 书法, 依法 …
    law_guard = re.escape(raw["law_not_after"])
    kind_alt = "|".join(f"(?<![{law_guard}])法" if k == "法" else re.escape(k) for k in kinds)
    period = raw["period_mark"]
    follow = bare["follow"]
    body = _BODY[:-1] + re.escape(bare["body_not"]) + "]"
    n = int(bare["max_chars"])
    cues = "|".join(map(re.escape, sorted(bare["cue_verbs"], key=lambda w: (-len(w), w))))
    place = bare["place_prefix"]
    cue_title = re.compile(
        rf"(?P<cue>{cues})(?P<ord>{bare['ordinal']})?"
        rf"(?P<title>(?P<place>{place}){body}{{1,{n}}}?(?:{kind_alt})(?:{period})?"
        rf"|{body}{{2,{n}}}?(?:{kind_alt})(?P<period>{period}))(?=(?:{follow}))")
    iss = "|".join(map(re.escape, sorted(issuers, key=lambda w: (-len(w), w)))) or "(?!)"
    issuer_about = re.compile(
        rf"(?P<issuer>(?:{iss})[\u4e00-\u9fff、]{{0,12}}?)"
        rf"(?P<title>关于{_BODY}{{2,40}}?的(?:若干)?(?:{kind_alt})(?:{period})?)(?=(?:{follow}))")
    known = {t for t in bare["known_titles"]} | set(known_documents)
    return TitleRules(
        kinds=kinds, kind_end=re.compile(rf"(?:{kind_alt})(?:{period})?$"),
        period_mark=re.compile(period),
        not_documents=tuple((re.compile(r["pattern"]), str(r.get("note", "")))
                            for r in raw["not_documents"]),
        quote_min=int(quotes["min_chars"]), quote_max=int(quotes["max_chars"]),
        quote_need_period=tuple(quotes["kinds_need_period_mark"]),
        quote_not_counted=tuple(quotes["kinds_not_counted"]),
        count_word=re.compile(quotes["count_word"]),
        slogan_start=re.compile(quotes["slogan_start"]),
        known=tuple(sorted(known, key=lambda t: (-len(t), t))),
        patterns=tuple((re.compile(r["pattern"]), str(r.get("note", "")))
                       for r in bare["title_patterns"]),
        law_not_before=str(bare["law_not_before"]), issuer_about=issuer_about,
        cue_title=cue_title, place=re.compile(place))


@lru_cache(maxsize=1)
def _default_rules() -> TitleRules:
    # the issuers and known documents of the level rules are titles' words too
    with open(CITATION_LEVELS_PATH, encoding="utf-8") as handle:
        levels = yaml.safe_load(handle)
    issuers = tuple(w for lv in ("central", "provincial", "local") for w in levels[lv]["issuers"])
    known = tuple(t for titles in levels["known_documents"].values() for t in titles)
    return load_title_rules(issuers=issuers, known_documents=known)


def find_titles(text: str) -> list[tuple[int, int, str]]:
    """Outermost 《…》 titles in ``text``: (start of 《, end after 》, title).

    Nested 《》 inside a title are kept in it; an unclosed 《 yields nothing.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    found, depth, start = [], 0, -1
    for i, ch in enumerate(text):
        if ch == _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch == _CLOSE and depth:
            depth -= 1
            if depth == 0 and i > start + 1:
                found.append((start, i + 1, text[start + 1:i]))
    return found


def _quoted(text: str) -> list[tuple[int, int]]:
    """(start, end) of the content of each “…” pair, outermost, not nested."""
    spans, start = [], -1
    for i, ch in enumerate(text):
        if ch == "“" and start < 0:
            start = i + 1
        elif ch == "”" and start >= 0:
            spans.append((start, i))
            start = -1
    return spans


def not_a_document(title: str, *, rules: TitleRules | None = None) -> str:
    """The note of the ``not_documents`` rule a 《》 title meets, or ``""``."""
    rules = _default_rules() if rules is None else rules
    for pattern, note in rules.not_documents:
        if pattern.search(title):
            return note
    return ""


def _kind(title: str, rules: TitleRules) -> str:
    m = rules.kind_end.search(title)
    if not m:
        return ""
    word = rules.period_mark.sub("", m.group(0))
    return word


def _quote_kind(title: str, rules: TitleRules) -> str:
    """The document kind a quoted phrase ends in, if the phrase reads as a title."""
    kind = _kind(title, rules)
    if (not kind or not rules.quote_min <= len(title) <= rules.quote_max
            or re.search(r"[，。；：！？、]", title)):
        return ""
    if rules.slogan_start.search(title):
        return ""
    if kind in rules.quote_need_period and not rules.period_mark.search(title):
        return ""
    if kind in rules.quote_not_counted and rules.count_word.search(title):
        return ""
    return kind


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def find_cited_titles(text: str, *, rules: TitleRules | None = None
                      ) -> list[tuple[int, int, str, str, str]]:
    """Every document title in ``text``, however it is marked.

    Parameters
    ----------
    text : str
        One sentence.
    rules : TitleRules, optional
        Default :func:`load_title_rules` of ``analysis/data/citation_titles.yml``
        with the issuers and known documents of ``citation_levels.yml``.

    Returns
    -------
    list of (start, end, title, detection, evidence)
        ``text[start:end] == title`` (the title without its marks);
        ``detection`` is ``brackets``, ``quotes`` or ``bare_title``;
        ``evidence`` says what matched: ``《》``, ``“”+kind:<kind>``,
        ``known_title``, ``title_pattern:<note>``,
        ``issuer+关于…的+kind:<kind>``, ``cue:<verb>+place:<place>+kind:<kind>``
        or ``cue:<verb>+period:<mark>+kind:<kind>``.  Sorted by start.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    rules = _default_rules() if rules is None else rules
    found: list[tuple[int, int, str, str, str]] = []
    bracketed = [(s, e) for s, e, _ in find_titles(text)]
    for s, e, title in find_titles(text):
        if not not_a_document(title, rules=rules):
            found.append((s + 1, e - 1, title, "brackets", "《》"))
    taken = list(bracketed)
    quoted = [(s, e) for s, e in _quoted(text) if not _overlaps(s, e, bracketed)]
    for s, e in quoted:
        title = text[s:e]
        kind = _quote_kind(title, rules)
        if kind:
            found.append((s, e, title, "quotes", f"“”+kind:{kind}"))
            taken.append((s - 1, e + 1))
    for s, e, title, evidence in _bare(text, rules):
        if _overlaps(s, e, taken) or title.count("“") != title.count("”"):
            continue  # taken, or runs into a quoted name (省引才“百人计划)
        inside = [(qs, qe) for qs, qe in quoted if qs <= s and e <= qe]
        if inside and inside[0] != (s, e):
            continue  # part of a quoted name (“农业八字宪法”), not a title of its own
        # a known title that fills a whole “…” is found in quotes
        found.append((s, e, title, "quotes" if inside else "bare_title", evidence))
        taken.append((s, e))
    return sorted(found, key=lambda f: (f[0], f[1]))


def _bare(text: str, rules: TitleRules):
    """Candidate bare titles, most certain first (the caller drops overlaps)."""
    for title in rules.known:
        for m in re.finditer(re.escape(title), text):
            after = text[m.end():m.end() + 1]
            if title.endswith("法") and after and after in rules.law_not_before:
                continue
            yield m.start(), m.end(), title, "known_title"
    for pattern, note in rules.patterns:
        for m in pattern.finditer(text):
            yield m.start(), m.end(), m.group(0), f"title_pattern:{note}"
    for m in rules.issuer_about.finditer(text):
        title = m.group("title")
        yield m.start("title"), m.end("title"), title, f"issuer+关于…的+kind:{_kind(title, rules)}"
    for m in rules.cue_title.finditer(text):
        title = m.group("title")
        kind = _kind(title, rules)
        how = f"place:{m.group('place')}" if m.group("place") else f"period:{m.group('period')}"
        yield m.start("title"), m.end("title"), title, f"cue:{m.group('cue')}+{how}+kind:{kind}"
