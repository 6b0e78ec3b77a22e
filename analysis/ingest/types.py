"""What every format extractor shares: the refusal, the result, and how sizes are worded.

:class:`IngestError` is raised for every refused file, with a message that
names the file and the problem; :class:`Extracted` is what an extractor
returns; :func:`human_bytes` words a byte count in those messages;
:class:`RemovedLine` is a line an extractor left out of the text, with its
reason, for the loader's ledger.  The
extractors (:mod:`analysis.ingest.text`, :mod:`analysis.ingest.html`,
:mod:`analysis.ingest.docx`) and :mod:`analysis.ingest.formats`, which dispatches to
them, all import from here, so no extractor needs :mod:`analysis.ingest.formats`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class IngestError(ValueError):
    """A file is refused; the message names the file and the problem."""


@dataclass(frozen=True)
class RemovedLine:
    """A line an extractor left out of :attr:`Extracted.text`, kept for the ledger.

    Attributes
    ----------
    line_no : int
        The 1-based line of :attr:`Extracted.text` the removed line stood
        before (one past the last line when it stood at the very end), so
        that ledger rows sort into document order.
    text : str
        The line as extracted, spaces at its ends stripped.
    reason : str
        Why it was removed, as written to ``removed.csv`` (e.g.
        ``page_number``, ``running_header``).
    page : int
        The 1-based page it was on (0 when the format has no pages).
    """

    line_no: int
    text: str
    reason: str
    page: int = 0


@dataclass(frozen=True)
class Extracted:
    """What :func:`analysis.ingest.formats.extract_document` found in one file.

    Attributes
    ----------
    text : str
        Plain text, one paragraph per line (for ``txt`` the decoded file as
        :func:`analysis.corpus.read.decode_bytes` returns it).
    format : str
        ``"txt"``, ``"html"``, ``"docx"`` or ``"pdf"``.
    encoding : str or None
        The character encoding used to decode the bytes (``None`` for .docx,
        whose XML is always Unicode).
    metadata : dict of str to str
        Facts the container carried, keyed like the chrome stage's metadata
        and the regions table: ``title_zh``, ``publisher``, ``page_date``,
        ``published``, ``issued_date``, ``index_no``, ``doc_no``,
        ``page_views``, ``source_site`` (HTML); ``doc_title``,
        ``doc_author``, ``doc_created``, ``doc_modified`` (.docx core
        properties, the PDF document information).  Dates are ISO
        ``YYYY-MM-DD``.  Only keys found are set.
    warnings : list of str
        Everything the extractor could not carry over or had to guess.
    removed : tuple of RemovedLine
        Lines the extractor found in the file but left out of :attr:`text`
        (a PDF's running headers, footers and page numbers), each with its
        reason, so that the loader can ledger them.  Empty for the other
        formats.
    page_facts : dict of str to str
        Facts stated in page furniture the extractor left out of :attr:`text`
        (an HTML page's "发布时间：… 来源：… 浏览次数：…" header outside the
        article), read by the chrome stage's metadata rules.  They only fill
        what neither the container nor the text itself states.
    """

    text: str
    format: str
    encoding: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    removed: tuple[RemovedLine, ...] = ()
    page_facts: dict[str, str] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        """The non-blank lines of :attr:`text`, stripped."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]


def human_bytes(n: int) -> str:
    """``n`` bytes as a person reads it: ``"999 bytes"``, ``"2.0 MB"``, ``"1.5 GB"``."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
