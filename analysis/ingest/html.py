"""HTML pages: a saved government page to its article text and the page's own facts.

* The page is decoded as a browser would: byte-order mark, then the declared
  charset (GB2312/GBK read as GB18030, which they use in practice), then
  detection as for text plans (:func:`analysis.ingest.text.decode_text`).
* Its main text is found by readability-lxml (Arc90's readability algorithm,
  which was the best of trafilatura, readability-lxml and jusText on
  government page layouts: disclosure pages with an index table, old table
  layouts with ``<br>`` paragraphs, Word-pasted ``MsoNormal`` markup), then
  widened back to the page lines it spans, so tables inside the article that
  the boilerplate filter drops are kept.  Lines come from
  :func:`analysis.ingest.html_text.html_lines`, one paragraph per line.
* The page's own metadata (``<meta name="ArticleTitle|PubDate|ContentSource|
  SiteName">``, the disclosure index table, the "时间：… 来源：…" line) is read
  from the page outside the main text with the field patterns of
  ``chrome_rules.yml``.

Nothing is fetched: lxml's HTML parser does not load DTDs or entities and no
URL is followed.

References
----------
Kohlschütter, C., Fankhauser, P., & Nejdl, W. (2010). Boilerplate detection
using shallow text features. *WSDM '10*, 441–450.
"""

from __future__ import annotations

import codecs
import re

import lxml.etree as etree
import lxml.html
from readability import Document as ReadabilityDocument

from analysis import config
from analysis.ingest.html_text import html_lines, html_lines_with_owners
from analysis.ingest.text import decode_text
from analysis.ingest.types import Extracted, IngestError

# WHATWG encoding labels that Python spells differently; GB2312 and GBK pages
# routinely use GBK-only characters, so browsers decode them as GB18030.
_CHARSET_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "iso-ir-58": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
}
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_LOOKS_MARKUP = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|!--|!doctype)", re.IGNORECASE)
_HTML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii").lower()
    return None


def _decode_html(data: bytes, *, name: str) -> tuple[str, str, list[str]]:
    """Decode a page as a browser would: BOM, then declared charset, then detection."""
    warnings: list[str] = []
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoded = decode_text(data, name=name)
        return decoded.text, decoded.encoding, warnings
    label = _declared_charset(data)
    if label is not None:
        try:
            encoding = _CHARSET_ALIASES.get(label) or codecs.lookup(label).name
        except LookupError:
            encoding = None
            warnings.append(
                f"{name}: the page declares an unknown charset {label!r}; "
                "the encoding was detected instead"
            )
        if encoding is not None:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                warnings.append(
                    f"{name}: the page declares charset {label!r} but its bytes are not valid "
                    f"{encoding}; the encoding was detected instead"
                )
            else:
                return text.replace("\r\n", "\n").replace("\r", "\n"), encoding, warnings
    decoded = decode_text(data, name=name)
    return decoded.text, decoded.encoding, warnings


# libxml2's HTML parser stops building the tree this deep (without huge_tree).
_LIBXML_MAX_DEPTH = 255


_META_KEYS: dict[str, str] = {
    # Chinese government site standard (政府网站发展指引) meta tags, then Open Graph.
    "articletitle": "title_zh",
    "og:title": "title_zh",
    "pubdate": "page_date",
    "article:published_time": "page_date",
    "publishdate": "page_date",
    "contentsource": "publisher",
    "sitename": "source_site",
    "og:site_name": "source_site",
}
# Metadata keys the chrome field patterns may set from a page's non-main lines.
_PAGE_FIELD_KEYS = frozenset(
    {
        "page_date",
        "published",
        "issued_date",
        "publisher",
        "index_no",
        "doc_no",
        "page_views",
    }
)
# "来源：…" names the publishing body on most article pages; in page furniture
# (never in the main text) it is safe to read as the publisher.
_SOURCE_FIELD = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源)[:：\t]\s*(?P<publisher>[\u4e00-\u9fff（）()]{2,40})"
)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_KEYS = ("page_date", "published", "issued_date")
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|--|——|\s-\s|\s－\s)\s*")
_ATTACHMENT_HREF = re.compile(
    r"\.(?:docx?|wps|pdf|xlsx?|et|zip|rar|7z|ofd)(?:$|[?#])", re.IGNORECASE
)
_SHORT_MAIN_TEXT = 200
_LONG_PARAGRAPH = 40


def iso_date(value: str) -> str | None:
    """The first date in ``value`` as ``YYYY-MM-DD``, or None if there is none."""
    match = _DATE.search(value)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _page_title(root: etree._Element, meta: dict[str, str]) -> str | None:
    """The article's title: meta tag, else a heading inside <title>, else its first part."""
    if meta.get("title_zh"):
        return meta["title_zh"]
    title_el = root.find(".//title")
    page_title = " ".join((title_el.text_content() if title_el is not None else "").split())
    squashed_title = _squash(page_title)
    for el in root.iter("h1", "h2", "h3"):
        text = " ".join(el.text_content().split())
        if len(text) >= 4 and squashed_title and _squash(text) in squashed_title:
            return text
    if page_title:
        return _TITLE_SPLIT.split(page_title)[0] or page_title
    return None


def _field_patterns() -> tuple[re.Pattern[str], ...]:
    # The chrome rules are the one list of page-field labels; read them here too.
    from analysis.corpus.chrome import load_chrome_rules

    return load_chrome_rules(config.CHROME_RULES_PATH).fields + (_SOURCE_FIELD,)


def _page_fields(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    patterns = _field_patterns()
    for line in lines:
        for pattern in patterns:
            for match in pattern.finditer(line):
                for key, value in match.groupdict().items():
                    if key in _PAGE_FIELD_KEYS and value and key not in found:
                        found[key] = value.strip()
    return found


def _html_metadata(root: etree._Element, page: list[str], main: list[str]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        key = _META_KEYS.get((el.get("name") or el.get("property") or "").strip().lower())
        content = " ".join((el.get("content") or "").split())
        if key and content and key not in meta:
            meta[key] = content
    title = _page_title(root, meta)
    if title:
        meta["title_zh"] = title
    # Page fields live around the main text, not in it: the lines before it
    # (index table, "时间：… 来源：…") and a few after it (来源 / 责任编辑).
    main_set = {_squash(line) for line in main}
    positions = [i for i, line in enumerate(page) if _squash(line) in main_set]
    around = (
        page[: positions[0]] + page[positions[-1] + 1 : positions[-1] + 6] if positions else page
    )
    for key, value in _page_fields(around).items():
        meta.setdefault(key, value)
    for key in _DATE_KEYS:
        if key in meta:
            normalised = iso_date(meta[key])
            if normalised:
                meta[key] = normalised
            else:
                del meta[key]
    return dict(sorted(meta.items()))


def _main_span(page: list[str], main: list[str]) -> tuple[int, int] | None:
    """Widen readability's main text to the page lines it spans.

    Readability drops blocks inside the article that look like boilerplate
    (tables of tasks, short lists).  The main text's lines are matched in
    order against the whole page's lines; everything from the first matched
    line to the last is kept, so nothing between them is lost.  Returns the
    first and last page line index of the span, or None when fewer than half
    the lines match (readability reshaped the text; its lines are kept).
    """
    squashed_page = [_squash(line) for line in page]
    positions: list[int] = []
    cursor = 0
    for line in main:
        target = _squash(line)
        for i in range(cursor, len(squashed_page)):
            if squashed_page[i] == target:
                positions.append(i)
                cursor = i + 1
                break
    if not positions or len(positions) * 2 < len(main):
        return None
    return positions[0], positions[-1]


def _trailing_tables(owners: list[etree._Element], first: int, last: int) -> list[int]:
    """Page line indexes of tables that close the main text's container.

    Readability drops a table at the end of an article (a 重点任务分解表)
    when its cells are short.  Tables inside the container that holds the
    main text, wholly after its last line and not mostly links (a related-
    articles list), are part of the document; their lines are returned.
    """
    container = _common_ancestor(owners[first], owners[last])
    if container is None:
        return []
    kept: list[int] = []
    for i in range(last + 1, len(owners)):
        chain = [owners[i], *owners[i].iterancestors()]
        if container not in chain:
            break  # past the container: the rest of the page is outside it
        below = chain[: chain.index(container)]
        tables = [el for el in below if el.tag == "table"]
        if tables and _link_share(tables[-1]) < 0.5:
            kept.append(i)
    return kept


def _common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element | None:
    ancestors_a = [a, *a.iterancestors()]
    for candidate in [b, *b.iterancestors()]:
        if candidate in ancestors_a:
            return candidate
    return None


def _link_share(element: etree._Element) -> float:
    total = len(_squash(element.text_content()))
    linked = sum(len(_squash(a.text_content())) for a in element.iter("a"))
    return linked / total if total else 1.0


def extract_html(data: bytes, *, name: str) -> Extracted:
    """Extract an HTML page: its article text, one paragraph per line, and its metadata.

    The text starts with the article's title; ``metadata`` holds the keys
    found among ``title_zh``, ``publisher``, ``page_date``, ``published``,
    ``issued_date``, ``index_no``, ``doc_no``, ``page_views`` and
    ``source_site`` (dates as ISO ``YYYY-MM-DD``).  Warnings name what was
    guessed, changed or left out: an unknown or wrongly declared charset,
    removed control characters, nesting deeper than the parser builds, no
    main block found, article lines the boilerplate filter would drop, long
    paragraphs outside the main text, a thin page and linked attachments.
    Raises :class:`IngestError` for an empty or unparsable page, a file with
    no HTML tags, a frameset, or a page with no visible text.
    """
    text, encoding, warnings = _decode_html(data, name=name)
    text, n_control = _HTML_CONTROL.subn("", _XML_DECL.sub("", text, count=1))
    if n_control:
        warnings.append(f"{name}: {n_control} control characters removed from the page source")
    if not text.strip():
        raise IngestError(f"{name}: the page is empty")
    if not _LOOKS_MARKUP.search(text):
        raise IngestError(
            f"{name}: has no HTML tags after decoding as {encoding}; it is not an HTML page "
            "(save plain text as .txt)"
        )
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise IngestError(f"{name}: is not a readable HTML page ({exc})") from exc
    if root.find(".//frameset") is not None or root.find("body") is None:
        raise IngestError(
            f"{name}: is a frameset page whose text lives in other files; open the frame that "
            "shows the plan and save that page instead"
        )
    try:
        summary = ReadabilityDocument(text).summary(html_partial=True)
        main_root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise IngestError(f"{name}: is not a readable HTML page ({exc})") from exc
    page, owners, depth = html_lines_with_owners(root)
    main, _ = html_lines(main_root)
    if depth >= _LIBXML_MAX_DEPTH:
        warnings.append(
            f"{name}: elements are nested {depth} deep; the HTML parser stops at "
            f"{_LIBXML_MAX_DEPTH}, so text nested deeper may be missing"
        )
    if not main and page:
        warnings.append(f"{name}: no main text block was found; the whole page text is kept")
        main = page
    if not main:
        raise IngestError(f"{name}: the page has no visible text")
    span = _main_span(page, main)
    if span is not None:
        first, last = span
        extra = _trailing_tables(owners, first, last)
        restored = (last - first + 1) - len(main) + len(extra)
        main = page[first : last + 1] + [page[i] for i in extra]
        if restored > 0:
            warnings.append(
                f"{name}: {restored} line(s) of the article that the boilerplate filter would "
                "drop (tables, short blocks) were kept"
            )
    metadata = _html_metadata(root, page, main)
    title = metadata.get("title_zh")
    if title and _squash(main[0]) != _squash(title):
        main = [title, *main]
    kept = {_squash(line) for line in main}
    dropped = [
        line
        for line in page
        if len(_squash(line)) >= _LONG_PARAGRAPH and "。" in line and _squash(line) not in kept
    ]
    if dropped:
        warnings.append(
            f"{name}: {len(dropped)} long paragraph(s) outside the main text were left out; "
            f"the first: {dropped[0][:40]!r}"
        )
    n_chars = sum(len(_squash(line)) for line in main)
    if n_chars < _SHORT_MAIN_TEXT:
        warnings.append(
            f"{name}: the main text has only {n_chars} characters; the plan may be in an "
            "attachment that has to be downloaded separately"
        )
    attachments = sorted(
        {
            " ".join(a.text_content().split()) or a.get("href", "")
            for a in root.iter("a")
            if _ATTACHMENT_HREF.search(a.get("href") or "")
        }
    )
    if attachments:
        warnings.append(
            f"{name}: the page links attachment(s) not included here: {'; '.join(attachments)}"
        )
    outside = [line for line in page if _squash(line) not in kept]
    return Extracted(
        "\n".join(main) + "\n",
        "html",
        encoding,
        metadata,
        warnings,
        page_facts=furniture_facts(outside),
    )


# Facts a page's furniture may state, as regions columns (the title is found apart).
_FURNITURE_FACT_KEYS = (
    "publisher", "source_site", "page_date", "published", "issued_date", "page_views",
    "index_no", "doc_no", "issuing_body", "author",
)


def furniture_facts(lines: list[str]) -> dict[str, str]:
    """Facts stated in lines of page furniture, read with the chrome stage's rules.

    The same metadata rules that read a header inside a plan's text (fields in
    any layout, simplified or traditional) read the header, byline and footer
    lines an HTML page keeps outside its article; only the keys of
    :data:`_FURNITURE_FACT_KEYS` are kept.
    """
    from analysis.corpus.chrome import strip_chrome  # the chrome stage imports this package

    found = strip_chrome("\n".join(lines)).metadata if lines else {}
    return {k: str(found[k]) for k in _FURNITURE_FACT_KEYS if found.get(k)}
