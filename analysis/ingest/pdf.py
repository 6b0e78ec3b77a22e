"""PDF plans: the text layer of each page, without the page furniture.

Many bureaus publish their plans as PDF files made from a Word document.
:func:`extract_pdf` reads the text layer with pypdf, page by page, one
printed line per line of text.  Lines are kept as printed: a wrapped line is
*not* joined to the next (the layout stage does that for every format), and
the ideographic spaces ``　　`` that open a paragraph are kept, since they are
what tells a new paragraph from a wrapped line.

What every page prints but the plan does not say is taken off the page edges
(:func:`strip_page_furniture`, rules in ``analysis/data/pdf_page_furniture.yml``):
page numbers (``— 3 —``, ``- 3 -``, ``第3页``, ``3 / 8``, a bare number) and
running headers and footers (the same line at the same edge of most pages).
Each removed line is returned in :attr:`Extracted.removed` with its reason
and page, so that the loader can ledger it; nothing is dropped silently.

Refused, with a message that says what to do: a file that is not a PDF or is
damaged, a password-protected PDF, a PDF without a text layer (a scan), a
text layer that does not map to Unicode, more than :data:`MAX_PDF_PAGES`
pages, and streams that unpack past pypdf's own limits (a decompression bomb).
A PDF that is encrypted with an empty user password (only printing or copying
is restricted, as on many government sites) is read, with a warning.

References
----------
ISO 32000-1:2008. *Document management — Portable document format — Part 1:
PDF 1.7*, §9.10 Extraction of text content and §14.8 Tagged PDF.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pypdf import PdfReader
from pypdf.errors import (
    DependencyError,
    FileNotDecryptedError,
    LimitReachedError,
    PyPdfError,
)

from analysis import config
from analysis.ingest.safety import OLE_MAGIC, ZIP_MAGIC
from analysis.ingest.types import Extracted, IngestError, RemovedLine

#: The rules for page numbers and running headers (commented YAML).
FURNITURE_RULES_PATH: Path = config.RULES_DIR / "pdf_page_furniture.yml"

#: A plan runs to tens of pages; a file of more pages is refused before its
#: text is extracted (a yearbook or a crafted file).
MAX_PDF_PAGES: int = 2000

# A text layer whose characters are mostly private-use, replacement or
# control characters comes from fonts without a Unicode map: it is not text.
UNREADABLE_SHARE: float = 0.3

# pypdf raises these (and its own PyPdfError family) on damaged files.
_DAMAGED = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            RecursionError, AssertionError, ZeroDivisionError, OverflowError)

_OCR_HINT = "run OCR first, e.g. ocrmypdf, then add the result"


@dataclass(frozen=True)
class FurnitureRules:
    """The page-furniture rules of ``pdf_page_furniture.yml``."""

    page_number_patterns: tuple[re.Pattern[str], ...]
    bare_number_max_over_pages: int
    running_min_share: float
    running_min_pages: int
    max_edge_lines: int
    reasons: dict[str, str]


_REASON_KEYS = ("page_number", "running_header", "running_footer")


@lru_cache(maxsize=4)
def load_furniture_rules(path: Path = FURNITURE_RULES_PATH) -> FurnitureRules:
    """Read and check the page-furniture rules (safe YAML, no code).

    Raises ``ValueError`` naming the file and the missing or bad entry.
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    required = ("page_number_patterns", "bare_number_max_over_pages", "running_min_share",
                "running_min_pages", "max_edge_lines", "reasons")
    missing = [key for key in required if not isinstance(raw, dict) or key not in raw]
    if missing:
        raise ValueError(f"PDF furniture rules {path}: missing entries {missing}")
    reasons = raw["reasons"]
    if not isinstance(reasons, dict) or sorted(reasons) != sorted(_REASON_KEYS):
        raise ValueError(
            f"PDF furniture rules {path}: 'reasons' must name exactly {', '.join(_REASON_KEYS)}"
        )
    patterns = []
    for pattern in raw["page_number_patterns"]:
        try:
            patterns.append(re.compile(str(pattern)))
        except re.error as exc:
            raise ValueError(
                f"PDF furniture rules {path}: bad regular expression {pattern!r}: {exc}"
            ) from exc
    share = float(raw["running_min_share"])
    if not 0 < share <= 1:
        raise ValueError(f"PDF furniture rules {path}: running_min_share must be in (0, 1]")
    return FurnitureRules(
        page_number_patterns=tuple(patterns),
        bare_number_max_over_pages=int(raw["bare_number_max_over_pages"]),
        running_min_share=share,
        running_min_pages=max(2, int(raw["running_min_pages"])),
        max_edge_lines=int(raw["max_edge_lines"]),
        reasons={str(k): str(v) for k, v in reasons.items()},
    )


def _edge_key(line: str) -> str:
    """A line as compared across pages: no spaces, every digit run one ``#``."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", unicodedata.normalize("NFKC", line)))


def _is_page_number(line: str, *, n_pages: int, rules: FurnitureRules) -> bool:
    compact = line.strip()
    if compact.isdecimal():
        return int(compact) <= n_pages + rules.bare_number_max_over_pages
    return any(pattern.fullmatch(compact) for pattern in rules.page_number_patterns)


def strip_page_furniture(
    pages: list[list[str]], *, rules: FurnitureRules | None = None
) -> tuple[list[list[str]], list[tuple[int, int, str]]]:
    """Take page numbers and running headers and footers off the page edges.

    Parameters
    ----------
    pages : list of list of str
        Each page's lines, top to bottom, as extracted.
    rules : FurnitureRules, optional
        Defaults to :func:`load_furniture_rules` of
        ``analysis/data/pdf_page_furniture.yml``.

    Returns
    -------
    kept : list of list of str
        Each page's remaining lines, in order (blank lines kept).
    removed : list of (page_index, line_index, reason)
        Every removed line: its 0-based page and line index in ``pages`` and
        the reason from the rules' ``reasons``.

    Notes
    -----
    Only edges are touched: a page's first and last non-blank lines, peeled
    up to ``max_edge_lines`` deep.  A line at an edge is removed when it is a
    page number, or when its text (spaces ignored, digit runs compared as one
    digit, so "第3页" equals "第4页") stands at the same edge on at least
    ``running_min_share`` of the pages and at least ``running_min_pages``
    pages.  The plan's title below a running header on page 1 is not at an
    edge once the header is gone and stays.
    """
    rules = rules or load_furniture_rules()
    n_pages = len(pages)
    # Indices of each page's lines still in play (non-blank, not removed).
    alive = [[i for i, line in enumerate(page) if line.strip()] for page in pages]
    removed: list[tuple[int, int, str]] = []
    threshold = max(rules.running_min_pages, math.ceil(rules.running_min_share * n_pages))
    for _depth in range(rules.max_edge_lines):
        changed = False
        for edge, reason_key in ((0, "running_header"), (-1, "running_footer")):
            # Page numbers first, so a running line behind one lines up across pages.
            for p, indices in enumerate(alive):
                if indices and _is_page_number(pages[p][indices[edge]], n_pages=n_pages,
                                               rules=rules):
                    removed.append((p, indices.pop(edge), rules.reasons["page_number"]))
                    changed = True
            if n_pages < threshold:
                continue
            counts = Counter(_edge_key(pages[p][ix[edge]]) for p, ix in enumerate(alive) if ix)
            # A key of digits and punctuation only ("#", "#.#") is no running line:
            # numbers are the page-number rules' business, and "2024" ≠ "1999".
            running = {key for key, n in counts.items()
                       if n >= threshold and any(ch.isalpha() for ch in key)}
            for p, indices in enumerate(alive):
                if indices and _edge_key(pages[p][indices[edge]]) in running:
                    removed.append((p, indices.pop(edge), rules.reasons[reason_key]))
                    changed = True
        if not changed:
            break
    gone = {(p, i) for p, i, _ in removed}
    kept = [[line for i, line in enumerate(page) if (p, i) not in gone]
            for p, page in enumerate(pages)]
    return kept, sorted(removed)


def _page_lines(text: str) -> list[str]:
    """A page's extracted text as lines: trailing spaces off, leading ``　　`` kept."""
    return [line.rstrip(" \t\r\x0b\x0c") for line in text.replace("\r\n", "\n").split("\n")]


def _is_unreadable(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Co", "Cs", "Cc") or ch == "\ufffd"


def _pdf_date(value: object) -> str | None:
    """``D:20240301120000+08'00'`` (a PDF date string) → ``2024-03-01``."""
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{month}-{day}"


def _document_info(reader: PdfReader) -> dict[str, str]:
    """The document information dictionary as ``doc_*`` metadata (like a .docx's)."""
    try:
        info = reader.metadata
    except _DAMAGED:
        return {}
    if not info:
        return {}
    out: dict[str, str] = {}
    for key, name in (("/Title", "doc_title"), ("/Author", "doc_author")):
        value = info.get(key)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    for key, name in (("/CreationDate", "doc_created"), ("/ModDate", "doc_modified")):
        date = _pdf_date(info.get(key))
        if date:
            out[name] = date
    return out


def _open(data: bytes, *, name: str) -> tuple[PdfReader, list[str]]:
    """Open the PDF, decrypting an empty user password; refuse what cannot be read."""
    warnings: list[str] = []
    if data.startswith(OLE_MAGIC):
        raise IngestError(
            f"{name}: is a legacy Word .doc (an OLE file), not a PDF; open it in Word or WPS "
            "and save it as .docx or .pdf, then add that file"
        )
    if data.startswith(ZIP_MAGIC):
        raise IngestError(
            f"{name}: is a zip package (a .docx?), not a PDF; rename it to its real type"
        )
    if b"%PDF-" not in data[:1024]:
        raise IngestError(
            f"{name}: is not a PDF file (no %PDF- header in its first 1024 bytes); check that "
            "the download finished and that the file is really a PDF"
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise IngestError(
                    f"{name}: is encrypted with a method this installation cannot decrypt "
                    f"({exc}); print it to an unprotected PDF and add that"
                ) from exc
            if not opened:
                raise IngestError(
                    f"{name}: is password-protected (encrypted); open it with its password, "
                    "save or print it as an unprotected PDF, then add that file"
                )
            warnings.append(
                f"{name}: is encrypted with an empty password (copying or printing "
                "restricted); its text layer was read"
            )
        n_pages = len(reader.pages)
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise IngestError(
            f"{name}: is password-protected (encrypted); open it with its password, "
            "save or print it as an unprotected PDF, then add that file"
        ) from exc
    except LimitReachedError as exc:
        raise IngestError(
            f"{name}: a stream of the PDF unpacks past pypdf's safety limit ({exc}); "
            "refused as a possible decompression bomb"
        ) from exc
    except _DAMAGED as exc:
        raise IngestError(
            f"{name}: is a damaged PDF that cannot be read ({type(exc).__name__}: {exc}); "
            "download it again, or open it in a PDF reader and save a new copy"
        ) from exc
    if n_pages == 0:
        raise IngestError(f"{name}: the PDF has no pages")
    if n_pages > MAX_PDF_PAGES:
        raise IngestError(
            f"{name}: the PDF has {n_pages:,} pages, more than the limit of {MAX_PDF_PAGES:,} "
            "for a plan (analysis.ingest.pdf.MAX_PDF_PAGES); extract the plan's pages first"
        )
    return reader, warnings


@contextmanager
def _page_errors(name: str, number: int) -> Iterator[None]:
    """Turn pypdf's failures on page ``number`` into refusals that say what to do."""
    try:
        yield
    except LimitReachedError as exc:
        raise IngestError(
            f"{name}: page {number} unpacks past pypdf's safety limit ({exc}); "
            "refused as a possible decompression bomb"
        ) from exc
    except _DAMAGED as exc:
        raise IngestError(
            f"{name}: page {number} of the PDF is damaged and cannot be read "
            f"({type(exc).__name__}: {exc}); download it again, or open it in a PDF "
            "reader and save a new copy"
        ) from exc


def _extract_pages(reader: PdfReader, *, name: str) -> list[str]:
    """Each page's text layer (``""`` for a page without one)."""
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        with _page_errors(name, number):
            texts.append(page.extract_text() or "")
    return texts


def _refuse_bombs(reader: PdfReader, *, name: str, n_pages: int = 3) -> None:
    """Refuse a PDF whose first pages' content unpacks past pypdf's limits.

    pypdf's text extraction gives up on such a stream quietly (an empty
    page), which would read as a scan; decoding the content of the first
    ``n_pages`` pages says which it is.  A scan's pages hold a few bytes of
    drawing commands, so this costs nothing for one.
    """
    for number, page in enumerate(reader.pages[:n_pages], start=1):
        with _page_errors(name, number):
            contents = page.get_contents()
            if contents is not None:
                contents.get_data()


def extract_pdf(data: bytes, *, name: str, rules: FurnitureRules | None = None) -> Extracted:
    """Extract a PDF plan's text layer, one printed line per line, furniture removed.

    Parameters
    ----------
    data : bytes
        The file's bytes (at most :data:`analysis.config.MAX_RAW_BYTES`,
        checked by the caller, :func:`analysis.ingest.formats.extract_bytes`).
    name : str
        The file name, for messages.
    rules : FurnitureRules, optional
        Page-furniture rules; default ``analysis/data/pdf_page_furniture.yml``.

    Returns
    -------
    Extracted
        ``text``: the pages' lines in order, pages joined by a line break,
        page numbers and running headers and footers left out (each in
        ``removed`` with its page and reason: ``page_number``,
        ``running_header``, ``running_footer``); wrapped lines are not
        joined and paragraph-opening ``　　`` is kept.  ``format`` ``"pdf"``,
        ``encoding`` None, ``metadata`` from the document information
        (``doc_title``, ``doc_author``, ``doc_created``, ``doc_modified``),
        ``warnings`` (pages without text, an empty-password encryption,
        how many furniture lines were removed).

    Raises
    ------
    IngestError
        For a file that is not a PDF, a damaged or password-protected PDF, a
        PDF without a usable text layer (a scan: OCR it first), or one over
        the page or decompression limits.
    """
    reader, warnings = _open(data, name=name)
    page_texts = _extract_pages(reader, name=name)
    pages = [_page_lines(text) for text in page_texts]
    visible = "".join(ch for text in page_texts for ch in text if not ch.isspace())
    if not visible:
        _refuse_bombs(reader, name=name)
        raise IngestError(
            f"{name}: the PDF has no text layer (a scan?): {_OCR_HINT}"
        )
    unreadable = sum(1 for ch in visible if _is_unreadable(ch))
    if unreadable / len(visible) > UNREADABLE_SHARE:
        raise IngestError(
            f"{name}: the PDF's text layer is not readable text ({unreadable:,} of "
            f"{len(visible):,} characters are private-use or control characters: its fonts "
            f"carry no Unicode map); {_OCR_HINT}"
        )
    empty = [n for n, text in enumerate(page_texts, start=1) if not text.strip()]
    if empty:
        shown = ", ".join(str(n) for n in empty[:10]) + (" …" if len(empty) > 10 else "")
        warnings.append(
            f"{name}: {len(empty)} of {len(pages)} pages have no text layer (scanned pages?): "
            f"pages {shown}; their text is missing — OCR the file to include it"
        )

    _, removed_at = strip_page_furniture(pages, rules=rules)
    gone = {(p, i): reason for p, i, reason in removed_at}
    lines: list[str] = []
    removed: list[RemovedLine] = []
    for p, page in enumerate(pages):
        for i, line in enumerate(page):
            if (p, i) in gone:
                # It stood before the next line to be kept: len(lines) + 1.
                removed.append(RemovedLine(len(lines) + 1, line.strip(), gone[(p, i)], p + 1))
            else:
                lines.append(line)
    if removed:
        counts = Counter(r.reason for r in removed)
        warnings.append(
            f"{name}: removed {len(removed)} page-furniture lines ("
            + ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items()))
            + ")"
        )
    return Extracted(
        text="\n".join(lines),
        format="pdf",
        encoding=None,
        metadata=_document_info(reader),
        warnings=warnings,
        removed=tuple(removed),
    )


__all__ = [
    "FURNITURE_RULES_PATH",
    "MAX_PDF_PAGES",
    "FurnitureRules",
    "extract_pdf",
    "load_furniture_rules",
    "strip_page_furniture",
]
