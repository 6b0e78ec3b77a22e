"""Stage 2 — strip page chrome: separate a plan from the page it came in.

A plan collected from the web arrives inside navigation words, view counters,
disclosure tables, a notice that issued it, a sharing site's tips and footer,
an essay site's "related articles", a WeChat account's prompts, a newspaper's
edition line or a legal database's record fields.  :func:`strip_chrome`
removes such furniture by *kinds* (the rules in
``analysis/data/chrome_rules.yml``, grouped by page kind, never written for
one line of one file), records every removed span with its reason, and moves
the facts the chrome carries (title, dates, publisher, source site, page
views, document number, issuing body, author, index number) into metadata.

The document is read as three zones: a *header* (before the body starts), the
*body*, and a *footer* (after it ends).  Rules that could match real prose —
a bare date, an organisation name alone on a line — only fire in the header
or footer.  A header or footer line that no rule explains is judged on its
own evidence (:mod:`analysis.corpus.furniture`); the first header line that
is neither chrome nor furniture starts the body, so a line in doubt is kept.
Every line is first cleaned of injected code points and inline watermarks
(:mod:`analysis.corpus.inline`), each ledgered; every rule matches the
line's simplified form, so traditional-character pages are read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.corpus.chrome_rules import ChromeRules, LineRule, load_chrome_rules
from analysis.corpus.furniture import (
    TERMINAL,
    FurnitureSettings,
    furniture_reason,
    load_furniture_settings,
)
from analysis.corpus.inline import InlineRules, load_inline_rules, strip_inline_marks
from analysis.corpus.metadata import (
    MetadataKey,
    file_source_value,
    read_metadata_header,
    read_metadata_value,
)
from analysis.corpus.script import to_simplified_aligned
from analysis.corpus.titles import (
    canonical_title,
    is_title,
    same_title,
    split_fused_title,
    two_line_notice_title,
)

__all__ = [
    "ChromeResult",
    "ChromeRules",
    "Removed",
    "iso_date",
    "load_chrome_rules",
    "strip_chrome",
]

_SENTENCE_PUNCT = re.compile(r"[。！？!?；;，,]")
# A line that continues a sentence: it opens with punctuation that never starts one.
_CONTINUES = re.compile(r"^[，、；：,;:。）)”’]")
# Numbering that opens a heading, which a continuation line never does.
_OPENS_NUMBERED = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[、.．)）]|第[一二三四五六七八九十\d]+部分)"
)
# A wrapped continuation that ends its sentence is short (the tail of a paragraph).
_CONTINUATION_MAX = 40

# Metadata keys that are regions columns beyond those load.region_row always writes.
_REGION_FIELDS = ("doc_no", "issuing_body", "author")

# Removed rows whose text carries no page facts (the title is filed on its own).
_NO_FACTS = ("title", "title_repeat", "injected_chars", "inline_watermark", "structure_label")

# Breadcrumb and menu separators: a line with them is navigation, not keywords.
_TRAIL_MARKS = re.compile(r"[>＞»|｜]")

# A signature line's date after the issuing body's name.
_DATE_AFTER_NAME = re.compile(r"[ 　]+\d{4}年\d{1,2}月\d{1,2}日$")

_SEPARATORS = re.compile(r"[\s:：|/\\\-_>＞»·、,，.．()（）【】\[\]0-9]+")


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


def _rule_allowed(rule: LineRule, zone: str) -> bool:
    return (
        rule.zone == "any" or rule.zone == zone or (rule.zone == "header_footer" and zone != "body")
    )


def _match_rule(line: str, zone: str, rules: ChromeRules) -> str | None:
    """Return the removal reason for ``line`` in ``zone``, or None to keep it."""
    simple = to_simplified_aligned(line)
    for rule in rules.line_rules:
        if len(line) <= rule.max_len and _rule_allowed(rule, zone) and rule.pattern.search(simple):
            return rule.reason
    if _is_interface_line(simple, rules, zone):
        return "page_interface"
    if _is_metadata_line(line, rules, zone):
        return "metadata_header"
    return None


def _is_interface_line(line: str, rules: ChromeRules, zone: str) -> bool:
    """A short line made of interface words and metadata fields only.

    Inside the body, a line whose only interface word is one a plan may
    print itself (来源：县财政局 in a funding table) is kept.
    """
    if len(line) > 80 or "。" in line:
        return False
    rest = line
    hits: list[str] = []
    for pattern in rules.fields:
        for match in pattern.finditer(rest):
            hits.append(match.group())
        rest = pattern.sub(" ", rest)
    for word in rules.ui_words:
        if word in rest:
            rest = rest.replace(word, " ")
            hits.append(word)
    residual = _SEPARATORS.sub("", rest)
    if not hits or len(residual) > rules.ui_residual_max:
        return False
    if zone == "body" and len(hits) == 1:
        return not rules.body_generic_keys.match(hits[0])
    return True


def _is_metadata_line(line: str, rules: ChromeRules, zone: str) -> bool:
    """A line that is a metadata header from start to end (作者：… 编辑：… 审核：…).

    Inside the body a lone date field (时间：2024年5月20日) can be a plan's own
    schedule, so there the line needs two fields or a key only pages print.
    """
    if len(line) > 120 or "。" in line or not rules.metadata_keys:
        return False
    header = read_metadata_header(line, keys=rules.metadata_keys, ui_words=rules.ui_words)
    if not header.n_pairs or _SEPARATORS.sub("", line[header.end :]):
        return False
    if zone == "body" and header.n_pairs < 2:
        return not rules.body_generic_keys.match(to_simplified_aligned(line.strip()))
    return True


def _is_keywords_line(line: str, rules: ChromeRules) -> bool:
    words = line.split()
    return (
        len(words) >= rules.keywords_min_words
        and all(len(w) <= rules.keywords_max_word_len for w in words)
        and not _SENTENCE_PUNCT.search(line)
        and not _TRAIL_MARKS.search(line)
    )


def _collect_fields(text: str, rules: ChromeRules, metadata: dict[str, str]) -> None:
    simple = to_simplified_aligned(text)
    for pattern in rules.fields + rules.facts:
        for match in pattern.finditer(simple):
            for key, value in match.groupdict().items():
                if value and key not in metadata:
                    metadata[key] = text[match.start(key) : match.end(key)].strip()


def _file_values(values: dict[str, str], rules: ChromeRules, metadata: dict[str, str]) -> None:
    """Put the values of a metadata header into ``metadata`` (first value wins)."""
    for key, value in values.items():
        if key == "source":
            # 来源：《中国教育报》2024年3月5日第3版 — the name in 《》 is the source.
            quoted = re.match(r"《([^》]{2,30})》", value)
            value = quoted.group(1) if quoted else value
            target = file_source_value(
                value,
                publisher_ends=rules.source_publisher,
                site_contains=rules.source_site,
                ignore=rules.source_ignore,
            )
            if target:
                metadata.setdefault(target, value)
        elif key == "doc_no" and not re.search(r"\d.*[号號]", value):
            continue  # 文号：— (none stated)
        elif key == "page_views":
            digits = re.sub(r"\D", "", value)
            if digits:
                metadata.setdefault(key, digits)
        else:
            metadata.setdefault(key, value)


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?:\s+\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?$"
)


def iso_date(text: str) -> str:
    """``2022年3月29日`` / ``2022-3-29`` / ``2022.03.29`` (a time may follow) → ``2022-03-29``.

    Other text comes back unchanged.
    """
    match = _DATE.match(text.strip())
    if not match:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


@dataclass
class _State:
    """What the walk through the header has learnt so far."""

    metadata: dict[str, str] = field(default_factory=dict)
    removed: list[Removed] = field(default_factory=list)
    inner_title: str | None = None
    pending_key: MetadataKey | None = None
    printed: str = ""
    in_list: bool = False

    def remove(self, line_no: int, text: str, reason: str, rules: ChromeRules) -> None:
        self.removed.append(Removed(line_no, text, reason))
        _collect_fields(text, rules, self.metadata)


def _continues_notice(line: str, state: _State) -> bool:
    """Whether ``line`` is the wrapped rest of the notice paragraph removed just before it.

    Only when that paragraph did not end its sentence, and the line opens with
    punctuation that never starts a sentence, or is short, ends the sentence and
    opens with no numbering.
    """
    if not state.removed or state.removed[-1].reason != "notice_body":
        return False
    simple = to_simplified_aligned(line)
    if TERMINAL.search(to_simplified_aligned(state.removed[-1].text)):
        return False
    if _CONTINUES.match(simple):
        return True
    return (
        len(simple) <= _CONTINUATION_MAX
        and bool(TERMINAL.search(simple))
        and not _OPENS_NUMBERED.match(simple)
    )


def _take_title(line: str, state: _State, rules: ChromeRules) -> None:
    """Record ``line`` as the plan's title (a notice's inner title if it is a notice)."""
    notice = rules.notice_title.search(to_simplified_aligned(line))
    if notice:
        state.metadata["notice_title"] = line
        state.inner_title = line[notice.start("inner") : notice.end("inner")]
        state.metadata["title_zh"] = state.inner_title
        body = (
            line[notice.start("body") : notice.end("body")].strip()
            if "body" in notice.groupdict()
            else ""
        )
        if body:
            state.metadata.setdefault("issuing_body", body)
        for group in ("doc_no", "doc_no_before"):
            if notice.groupdict().get(group):
                number = line[notice.start(group) : notice.end(group)]
                state.metadata.setdefault("doc_no", number)
    else:
        bare = line.strip()
        if bare.startswith("《") and bare.endswith("》"):
            bare = bare[1:-1]
        state.metadata["title_zh"] = bare


def _header_reason(
    line_no: int, line: str, state: _State, rules: ChromeRules, furniture: FurnitureSettings
) -> tuple[str | None, str]:
    """Judge one header line: (reason, rest).

    ``reason`` is None when the body starts on this line; ``rest`` is then
    the part of the line that is body (a metadata header or a title cut off
    its start is recorded in ``state``).
    """
    metadata = state.metadata
    reason = _match_rule(line, "header", rules)
    if reason is None and rules.metadata_keys:
        header = read_metadata_header(line, keys=rules.metadata_keys, ui_words=rules.ui_words)
        if header.bare_key is not None and not _SEPARATORS.sub("", line[header.end :]):
            # A key alone (发布时间): its value is on the next line.
            state.remove(line_no, line, "metadata_header", rules)
            return "metadata_header", ""
        if header.n_pairs and header.end < len(line):
            # A header run into the start of a long line: cut it off, judge the rest.
            state.remove(line_no, line[: header.end].strip(), "metadata_header", rules)
            rest = line[header.end :].strip()
            return _header_reason(line_no, rest, state, rules, furniture)
    if reason is None:
        # 篇一：TITLE — a furniture prefix before a title: cut it, judge the rest.
        rest = _cut_prefix(line_no, line, state, rules)
        if rest != line:
            return _header_reason(line_no, rest.strip(), state, rules, furniture)
    if reason is None and _is_keywords_line(line, rules):
        reason = rules.keywords_reason
        metadata.setdefault("source_keywords", " ".join(line.split()))
    if reason is None and "title_zh" in metadata:
        titles = [metadata["title_zh"], metadata.get("notice_title", "")]
        if any(t and canonical_title(line) == canonical_title(t) for t in titles):
            reason = "title_repeat"
            if canonical_title(line) == canonical_title(metadata["title_zh"]):
                # The repeat nearest the body is the plan's own title line: keep its print.
                metadata["title_zh"] = line
        elif is_title(line, rules=rules) and same_title(
            line, metadata["title_zh"], rules=rules, furniture=furniture
        ):
            # The plan's own title after a page headline that names it in another
            # form (with or without the bureau's name): the one nearest the body wins.
            metadata["title_zh"] = line.strip()
            reason = "title"
        elif "notice_title" not in metadata and is_title(line, rules=rules):
            notice = rules.notice_title.search(to_simplified_aligned(line))
            if notice:
                # A notice title after the page's title (an HTML page's <h1> first).
                title = metadata["title_zh"]
                _take_title(line, state, rules)
                if canonical_title(state.inner_title or "") != canonical_title(title):
                    metadata["title_zh"] = title
                reason = "notice_title"
    if reason is None and "title_zh" not in metadata and is_title(line, rules=rules):
        _take_title(line, state, rules)
        reason = "title"
    if reason is None and "title_zh" not in metadata:
        # 某某县2024年教育工作要点_某某网: the page's title with the site's name.
        suffix = rules.title_site_suffix.search(to_simplified_aligned(line))
        if suffix and is_title(line[: suffix.start()], rules=rules):
            _take_title(line[: suffix.start()].strip(), state, rules)
            metadata.setdefault("source_site", line[suffix.start("site") : suffix.end("site")])
            reason = "title"
    if reason is None and "title_zh" in metadata:
        suffix = rules.title_site_suffix.search(to_simplified_aligned(line))
        if suffix and canonical_title(line[: suffix.start()]) == canonical_title(
            metadata["title_zh"]
        ):
            reason = "title_repeat"
    if reason is None and "title_zh" not in metadata:
        fused = split_fused_title(line, rules=rules)
        if fused is not None:
            head, tail = fused
            state.remove(line_no, head.strip(), "title", rules)
            _take_title(head.strip(), state, rules)
            return None, tail.strip()
    if (
        reason is None
        and state.inner_title is not None
        and "title_repeat" not in {r.reason for r in state.removed}
    ):
        fused = split_fused_title(line, rules=rules)
        if fused is not None and canonical_title(fused[0]) == canonical_title(state.inner_title):
            state.remove(line_no, fused[0].strip(), "title_repeat", rules)
            return None, fused[1].strip()
    if reason is None:
        position = "header" if "title_zh" in metadata else "before_title"
        # The printed line keeps its indent, which is evidence of a body paragraph.
        judged = state.printed if line == state.printed.strip() else line
        reason = furniture_reason(judged, position=position, settings=furniture)
    if reason == "signature" and "title_zh" not in metadata and not line[:1].isdigit():
        # An organisation's name above everything else is the site's name, not a signature.
        reason = "site_name"
    if reason is not None:
        if reason != "title":
            _collect_fields(line, rules, metadata)
        state.removed.append(Removed(line_no, line, reason))
        return reason, ""
    return None, line


def _bare_key(line: str, rules: ChromeRules) -> MetadataKey | None:
    """The metadata key when ``line`` is a key alone (its value on the next line)."""
    if not rules.metadata_keys or len(line) > 12:
        return None
    header = read_metadata_header(line, keys=rules.metadata_keys, ui_words=rules.ui_words)
    if header.bare_key is not None and not _SEPARATORS.sub("", line[header.end :]):
        return header.bare_key
    return None


def _footer_reason(
    line: str, rules: ChromeRules, furniture: FurnitureSettings, *, printed: str = ""
) -> str | None:
    reason = _match_rule(line, "footer", rules)
    if reason is None and rules.list_header.search(to_simplified_aligned(line)):
        reason = rules.list_reason
    if reason is None:
        # The printed line keeps its indent, which is evidence of a body paragraph.
        reason = furniture_reason(printed or line, position="after_body", settings=furniture)
    return reason


def _cut_prefix(line_no: int, line: str, state: _State, rules: ChromeRules) -> str:
    """Cut a furniture prefix (本报讯（记者…）, 篇一：) off a line; return the rest."""
    simple = to_simplified_aligned(line)
    for rule in rules.line_prefixes:
        match = rule.pattern.match(simple)
        if match and match.end() < len(line):
            state.remove(line_no, line[: match.end()].strip(), rule.reason, rules)
            return line[match.end() :]
    return line


def strip_chrome(
    text: str,
    *,
    rules: ChromeRules | None = None,
    inline_rules: InlineRules | None = None,
    furniture: FurnitureSettings | None = None,
) -> ChromeResult:
    """Split ``text`` into body lines and removed chrome.

    Parameters
    ----------
    text : str
        The decoded plan (``\\n`` line endings), as returned by
        :func:`analysis.corpus.read.decode_bytes`.
    rules : ChromeRules, optional
        Defaults to the rules in ``analysis/data/chrome_rules.yml``.
    inline_rules : InlineRules, optional
        Defaults to ``analysis/data/inline_marks.yml``
        (:func:`analysis.corpus.inline.load_inline_rules`).
    furniture : FurnitureSettings, optional
        Defaults to ``analysis/data/furniture_evidence.yml``
        (:func:`analysis.corpus.furniture.load_furniture_settings`).

    Returns
    -------
    ChromeResult
        ``lines``: ``(line_no, text)`` for every body line (1-based line
        numbers of the input; the text without inline marks or cut-off
        prefixes); ``removed``: one :class:`Removed` per removed span (whole
        lines, cut-off line starts and inline marks); ``metadata``: facts
        found in the chrome (``title_zh``, ``notice_title``, ``page_date``,
        ``published``, ``issued_date``, ``publisher``, ``issuing_body``,
        ``doc_no``, ``author``, ``index_no``, ``page_views``, ``source_site``
        …); ``notes``: what a reader should know (e.g. no title found).
    """
    rules = rules or load_chrome_rules()
    inline_rules = inline_rules or load_inline_rules()
    furniture = furniture or load_furniture_settings()
    state = _State()
    metadata = state.metadata
    notes: list[str] = []
    kept: list[tuple[int, str]] = []

    raw_lines = text.split("\n")
    site_furniture = _shows_site_furniture(raw_lines, rules)
    printed: list[str] = []
    for line_no, line in enumerate(raw_lines, start=1):
        cleaned, marks = strip_inline_marks(line, rules=inline_rules, site_furniture=site_furniture)
        state.removed.extend(Removed(line_no, m.text, m.reason) for m in marks)
        printed.append(cleaned)
    nonblank = [(n, line.strip()) for n, line in enumerate(printed, start=1) if line.strip()]

    # Footer: walk back from the end while lines are footer chrome or furniture.
    footer_start, footer_reasons = _footer_walk(nonblank, printed, rules, furniture)

    in_header = True
    rest_is_other_text = False
    skip: set[int] = set()
    for index, (line_no, line) in enumerate(nonblank):
        if index in skip:
            continue
        if state.pending_key is not None:
            # The line after a key alone: its value when it has the value's shape.
            key, state.pending_key = state.pending_key, None
            value = read_metadata_value(line, key=key)
            if value is not None:
                _file_values(dict.fromkeys(key.fields, value), rules, metadata)
                if index < footer_start:
                    state.removed.append(Removed(line_no, line, "metadata_header"))
                    continue
        if index >= footer_start:
            state.remove(line_no, line, footer_reasons[index - footer_start], rules)
            state.pending_key = _bare_key(line, rules)
            continue
        if rest_is_other_text:
            state.remove(line_no, line, "essay_other_part", rules)
            continue
        simple = to_simplified_aligned(line)
        if state.in_list:
            if len(line) <= rules.list_max_len and not TERMINAL.search(simple):
                state.remove(line_no, line, rules.list_reason, rules)
                continue
            state.in_list = False
        if rules.list_header.search(simple):
            state.remove(line_no, line, rules.list_reason, rules)
            state.in_list = True
            continue
        if not in_header and rules.other_part.search(simple):
            # 篇二 on a template-essay page starts another text, not this plan.
            state.remove(line_no, line, "essay_other_part", rules)
            rest_is_other_text = True
            continue
        if in_header and "title_zh" not in metadata and index + 1 < footer_start:
            joined = two_line_notice_title(line, nonblank[index + 1][1], rules=rules)
            if joined is not None:
                state.removed.append(Removed(line_no, line, "title"))
                state.removed.append(
                    Removed(nonblank[index + 1][0], nonblank[index + 1][1], "title")
                )
                _take_title(joined, state, rules)
                skip.add(index + 1)
                continue
        body_text = printed[line_no - 1]
        if in_header and _continues_notice(line, state):
            # The tail of a notice paragraph wrapped onto its own line (PDF text).
            state.remove(line_no, line, "notice_body", rules)
            continue
        if in_header:
            state.printed = printed[line_no - 1]
            reason, rest = _header_reason(line_no, line, state, rules, furniture)
            if reason is not None:
                state.pending_key = _bare_key(line, rules)
                continue
            in_header = False
            if rest != line:
                body_text = rest
        reason = _match_rule(body_text.strip(), "body", rules)
        if reason is not None:
            state.remove(line_no, body_text.strip(), reason, rules)
            continue
        body_text = _cut_prefix(line_no, body_text, state, rules)
        kept.append((line_no, body_text))

    removed = state.removed
    # Facts in removed metadata headers of every zone (来源：… on an interface line).
    for row in list(removed):
        if row.reason not in _NO_FACTS and rules.metadata_keys:
            header = read_metadata_header(
                row.text, keys=rules.metadata_keys, ui_words=rules.ui_words
            )
            _file_values(header.values, rules, metadata)
    # A WeChat account line names the account and author better than any site line.
    for key in ("source_site", "author"):
        account = metadata.pop(f"account_{key}", None)
        if account:
            metadata[key] = account
    kept = _strip_site_name(kept, state, metadata.get("source_site", ""), rules)
    if "title_zh" not in metadata:
        notes.append("no title line recognised")
    if state.inner_title is not None and not any(r.reason == "title_repeat" for r in removed):
        notes.append("notice wrapper found but the plan's title is not repeated before the body")
    if "signature_date" in metadata and "issued_date" not in metadata:
        metadata["issued_date"] = metadata["signature_date"]
    metadata.pop("signature_date", None)
    for key in ("page_date", "published", "issued_date"):
        if key in metadata:
            metadata[key] = iso_date(metadata[key])
    signatures = _signatures(removed)
    if signatures:
        metadata.setdefault("issuing_body", signatures[0])
        publisher = metadata.get("publisher", "")
        # 来源：区教育局 is the signature's 某某区教育局 said short: keep the full name.
        if not publisher or (signatures[0].endswith(publisher) and signatures[0] != publisher):
            metadata["publisher"] = signatures[0]
    site_owner = metadata.pop("site_owner", None)
    if site_owner and "publisher" not in metadata:
        metadata["publisher"] = site_owner
    # The regions columns this stage fills are always present (empty when the
    # page does not state them), so a corpus whose pages name none still has them.
    for key in _REGION_FIELDS:
        metadata.setdefault(key, "")
    return ChromeResult(kept, removed, metadata, notes)


def _signatures(removed: list[Removed]) -> list[str]:
    """Issuing bodies' names from signature lines that stand next to a signature date.

    A notice is signed with a name and a date; an organisation's name alone
    (in a list of links, say) names no issuer.
    """
    dated = {
        r.line_no
        for r in removed
        if r.reason == "signature" and (r.text[0].isdigit() or r.text[0] in "〇零二")
    }
    names = []
    for r in removed:
        if r.reason != "signature" or r.line_no in dated:
            continue
        own_date = _DATE_AFTER_NAME.search(r.text)
        if own_date or any(abs(r.line_no - n) <= 2 for n in dated):
            names.append(_DATE_AFTER_NAME.sub("", r.text))
    return names


def _shows_site_furniture(lines: list[str], rules: ChromeRules) -> bool:
    """Whether a short line of ``lines`` matches a rule of a site-furniture kind."""
    kinds = [r for r in rules.line_rules if r.kind in rules.site_furniture_kinds]
    for line in lines:
        text = line.strip()
        if not text or len(text) > 200:
            continue
        simple = to_simplified_aligned(text)
        if any(len(text) <= r.max_len and r.pattern.search(simple) for r in kinds):
            return True
    return False


def _footer_walk(
    nonblank: list[tuple[int, str]],
    printed: list[str],
    rules: ChromeRules,
    furniture: FurnitureSettings,
) -> tuple[int, list[str]]:
    """Where the footer starts (index into ``nonblank``) and each footer line's reason.

    Walks back from the end while lines are footer chrome or furniture.  A
    related-articles list (a list header followed by short entries) is taken
    as a whole, so its entries need no evidence of their own.
    """
    start = len(nonblank)
    reasons: list[str] = []
    while start > 0:
        line_no, line = nonblank[start - 1]
        reason = _footer_reason(line, rules, furniture, printed=printed[line_no - 1])
        if reason is None:
            head = _list_head_above(nonblank, start - 1, rules)
            if head is None:
                break
            reasons.extend([rules.list_reason] * (start - head))
            start = head
            continue
        reasons.append(reason)
        start -= 1
    reasons.reverse()
    return start, reasons


def _list_head_above(nonblank: list[tuple[int, str]], end: int, rules: ChromeRules) -> int | None:
    """The index of a list header whose entries run down to ``end``, or None."""
    for head in range(end, max(-1, end - 12), -1):
        text = to_simplified_aligned(nonblank[head][1])
        if rules.list_header.search(text):
            return head
        if len(text) > rules.list_max_len or TERMINAL.search(text):
            return None
    return None


def _strip_site_name(
    kept: list[tuple[int, str]], state: _State, site: str, rules: ChromeRules
) -> list[tuple[int, str]]:
    """Remove the page's own site name where it was stamped inside body lines.

    Only a website's name (…网, …文库, …之家) is taken for a stamp: an
    account or newspaper name (清溪教育) can be a phrase of the plan itself.
    """
    if len(site) < 3 or not rules.stamped_site.search(to_simplified_aligned(site)):
        return kept
    cleaned = []
    for line_no, text in kept:
        if site in text and text.strip() != site:
            stamp = re.compile(rf"[【\[（(]\s*{re.escape(site)}\s*[】\]）)]|{re.escape(site)}")
            state.removed.extend(
                Removed(line_no, m.group(), "inline_watermark") for m in stamp.finditer(text)
            )
            text = stamp.sub("", text)
        cleaned.append((line_no, text))
    return cleaned
