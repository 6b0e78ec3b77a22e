"""Stage 2 — strip page chrome: separate a plan from the page it came in.

A plan collected from the web arrives inside navigation words, view counters,
disclosure tables, a notice that issued it, or a sharing site's tips and
footer.  :func:`strip_chrome` removes such lines by the rules in
``analysis/data/chrome_rules.yml`` (written for government and
document-sharing pages in general, never for line numbers of one file),
records every removed span with its reason, and moves facts the chrome
carries (dates, publisher, index number, page views) into metadata.

The document is read as three zones: a *header* (before the body starts), the
*body*, and a *footer* (after it ends).  Rules that could match real prose —
a bare date, an organisation name alone on a line — only fire in the header
or footer.  A header line that no rule explains starts the body, so an
unrecognised line is kept rather than lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config

_ZONES = ("any", "header", "footer", "header_footer")
_SENTENCE_PUNCT = re.compile(r"[。！？!?；;，,]")
_SEPARATORS = re.compile(r"[\s:：|/\\\-_>＞»·、,，.．()（）【】\[\]0-9]+")


@dataclass(frozen=True)
class LineRule:
    id: str
    reason: str
    pattern: re.Pattern[str]
    zone: str
    max_len: int


@dataclass(frozen=True)
class ChromeRules:
    line_rules: tuple[LineRule, ...]
    fields: tuple[re.Pattern[str], ...]
    ui_words: tuple[str, ...]
    ui_residual_max: int
    keywords_reason: str
    keywords_min_words: int
    keywords_max_word_len: int
    title_pattern: re.Pattern[str]
    title_max_len: int
    notice_title: re.Pattern[str]


@dataclass(frozen=True)
class Removed:
    """One removed span: the line it was on, its text and why."""

    line_no: int
    text: str
    reason: str


@dataclass
class ChromeResult:
    """The body lines kept, what was removed, and metadata found in chrome."""

    lines: list[tuple[int, str]]
    removed: list[Removed]
    metadata: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(
            f"chrome rules: {where}: bad regular expression {pattern!r}: {exc}"
        ) from exc


@lru_cache(maxsize=4)
def load_chrome_rules(path: Path = config.CHROME_RULES_PATH) -> ChromeRules:
    """Read and validate the chrome rule file (safe YAML, no code)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    required = (
        "ui_words",
        "ui_residual_max",
        "fields",
        "line_rules",
        "keywords_line",
        "title",
        "notice_title",
    )
    missing = [k for k in required if k not in raw]
    if missing:
        raise ValueError(f"chrome rules {path}: missing sections {missing}")
    rules = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["line_rules"]):
        for key in ("id", "reason", "pattern", "zone", "max_len"):
            if key not in entry:
                raise ValueError(f"chrome rules {path}: line rule #{i} lacks {key!r}")
        if entry["id"] in seen:
            raise ValueError(f"chrome rules {path}: duplicate rule id {entry['id']!r}")
        seen.add(entry["id"])
        if entry["zone"] not in _ZONES:
            raise ValueError(
                f"chrome rules {path}: rule {entry['id']!r} has zone {entry['zone']!r}; "
                f"allowed values are {', '.join(_ZONES)}"
            )
        rules.append(
            LineRule(
                entry["id"],
                entry["reason"],
                _compile(entry["pattern"], entry["id"]),
                entry["zone"],
                int(entry["max_len"]),
            )
        )
    kw = raw["keywords_line"]
    return ChromeRules(
        line_rules=tuple(rules),
        fields=tuple(_compile(p, "fields") for p in raw["fields"]),
        ui_words=tuple(sorted(raw["ui_words"], key=len, reverse=True)),
        ui_residual_max=int(raw["ui_residual_max"]),
        keywords_reason=kw["reason"],
        keywords_min_words=int(kw["min_words"]),
        keywords_max_word_len=int(kw["max_word_len"]),
        title_pattern=_compile(raw["title"]["ends_with"] + "$", "title"),
        title_max_len=int(raw["title"]["max_len"]),
        notice_title=_compile(raw["notice_title"], "notice_title"),
    )


def _rule_allowed(rule: LineRule, zone: str) -> bool:
    return (
        rule.zone == "any" or rule.zone == zone or (rule.zone == "header_footer" and zone != "body")
    )


def _match_rule(line: str, zone: str, rules: ChromeRules) -> str | None:
    """Return the removal reason for ``line`` in ``zone``, or None to keep it."""
    for rule in rules.line_rules:
        if len(line) <= rule.max_len and _rule_allowed(rule, zone) and rule.pattern.search(line):
            return rule.reason
    if _is_interface_line(line, rules):
        return "page_interface"
    return None


def _is_interface_line(line: str, rules: ChromeRules) -> bool:
    """A short line made of interface words and metadata fields only."""
    if len(line) > 80 or "。" in line:
        return False
    rest = line
    hit = False
    for pattern in rules.fields:
        rest, n = pattern.subn(" ", rest)
        hit = hit or n > 0
    for word in rules.ui_words:
        if word in rest:
            rest = rest.replace(word, " ")
            hit = True
    residual = _SEPARATORS.sub("", rest)
    return hit and len(residual) <= rules.ui_residual_max


def _is_keywords_line(line: str, rules: ChromeRules) -> bool:
    words = line.split()
    return (
        len(words) >= rules.keywords_min_words
        and all(len(w) <= rules.keywords_max_word_len for w in words)
        and not _SENTENCE_PUNCT.search(line)
    )


def _is_title(text: str, rules: ChromeRules) -> bool:
    return (
        0 < len(text) <= rules.title_max_len
        and not _SENTENCE_PUNCT.search(text)
        and bool(rules.title_pattern.search(text))
    )


def _collect_fields(text: str, rules: ChromeRules, metadata: dict[str, str]) -> None:
    for pattern in rules.fields:
        for match in pattern.finditer(text):
            for key, value in match.groupdict().items():
                if value and key not in metadata:
                    metadata[key] = value


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def iso_date(text: str) -> str:
    """``2022年3月29日`` / ``2022-3-29`` / ``2022.03.29`` → ``2022-03-29``; other text unchanged."""
    match = _DATE.match(text.strip())
    if not match:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _canonical(text: str) -> str:
    """Compare titles ignoring spaces and the brackets around them."""
    return re.sub(r"[\s《》〈〉]", "", text)


def strip_chrome(text: str, *, rules: ChromeRules | None = None) -> ChromeResult:
    """Split ``text`` into body lines and removed chrome.

    Parameters
    ----------
    text : str
        The decoded plan (``\\n`` line endings), as returned by
        :func:`analysis.corpus.read.decode_bytes`.
    rules : ChromeRules, optional
        Defaults to the rules in ``analysis/data/chrome_rules.yml``.

    Returns
    -------
    ChromeResult
        ``lines``: ``(line_no, text)`` for every body line (1-based line
        numbers of the input); ``removed``: one :class:`Removed` per removed
        span; ``metadata``: facts found in the chrome (``title_zh``,
        ``notice_title``, ``page_date``, ``published``, ``issued_date``,
        ``publisher``, ``index_no``, ``page_views``, ``source_site`` …);
        ``notes``: what a reader should know (e.g. no title found).
    """
    rules = rules or load_chrome_rules()
    numbered = [(i + 1, line) for i, line in enumerate(text.split("\n"))]
    nonblank = [(n, line.strip()) for n, line in numbered if line.strip()]
    removed: list[Removed] = []
    metadata: dict[str, str] = {}
    notes: list[str] = []
    kept: list[tuple[int, str]] = []

    # Footer: walk back from the end while lines are footer chrome.
    footer_start = len(nonblank)
    while footer_start > 0:
        _, line = nonblank[footer_start - 1]
        if _match_rule(line, "footer", rules) is None:
            break
        footer_start -= 1

    inner_title: str | None = None
    in_header = True
    for index, (line_no, line) in enumerate(nonblank):
        if index >= footer_start:
            reason = _match_rule(line, "footer", rules)
            assert reason is not None  # guaranteed by the backward walk above
            removed.append(Removed(line_no, line, reason))
            _collect_fields(line, rules, metadata)
            continue
        if in_header:
            reason = _match_rule(line, "header", rules)
            if reason is None and _is_keywords_line(line, rules):
                reason = rules.keywords_reason
                metadata.setdefault("source_keywords", " ".join(line.split()))
            if (
                reason is None
                and inner_title is not None
                and _canonical(line) == _canonical(inner_title)
            ):
                reason = "title_repeat"
                in_header = False
            if reason is None and "title_zh" not in metadata and _is_title(line, rules):
                reason = "title"
                notice = rules.notice_title.search(line)
                if notice:
                    metadata["notice_title"] = line
                    inner_title = notice.group("inner")
                    metadata["title_zh"] = inner_title
                else:
                    metadata["title_zh"] = line
            if reason is None and "title_zh" not in metadata:
                # A title run into the first body line ("…工作意见 2023年全县…").
                head, _, tail = line.partition(" ")
                if tail.strip() and _is_title(head, rules):
                    removed.append(Removed(line_no, head, "title"))
                    metadata["title_zh"] = head
                    kept.append((line_no, tail))
                    in_header = False
                    continue
            if reason is not None:
                removed.append(Removed(line_no, line, reason))
                _collect_fields(line, rules, metadata)
                continue
            in_header = False
        reason = _match_rule(line, "body", rules)
        if reason is not None:
            removed.append(Removed(line_no, line, reason))
            _collect_fields(line, rules, metadata)
            continue
        kept.append((line_no, numbered[line_no - 1][1]))

    if "title_zh" not in metadata:
        notes.append("no title line recognised")
    if inner_title is not None and not any(r.reason == "title_repeat" for r in removed):
        notes.append("notice wrapper found but the plan's title is not repeated before the body")
    if "signature_date" in metadata and "issued_date" not in metadata:
        metadata["issued_date"] = metadata["signature_date"]
    metadata.pop("signature_date", None)
    for key in ("page_date", "published", "issued_date"):
        if key in metadata:
            metadata[key] = iso_date(metadata[key])
    signatures = [r.text for r in removed if r.reason == "signature" and not r.text[0].isdigit()]
    if signatures and "publisher" not in metadata:
        metadata["publisher"] = signatures[0]
    return ChromeResult(kept, removed, metadata, notes)
