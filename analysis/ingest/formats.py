"""Format extraction: a raw plan file (.txt, .html, .docx, .pdf) to plain text, safely.

A researcher collects plans as text files in whatever encoding, as HTML pages
saved from a government site, as Word ``.docx`` downloads, or as PDF files.
:func:`extract_document` turns each into the same thing: plain text with one
paragraph per line, plus the facts the container carried (the page's date
and publisher) and warnings about anything it could not carry over.

This module is the entry point: it checks the file name
(:func:`validate_file_name`), tells the format from the suffix
(:func:`format_of`), reads at most :data:`analysis.config.MAX_RAW_BYTES`
(:func:`read_limited`) and hands the bytes to the extractor for the format:

* **txt** — :mod:`analysis.ingest.text`, through
  :func:`analysis.corpus.read.decode_bytes` unchanged, so a text plan reads exactly
  as the loader reads it.
* **html** — :mod:`analysis.ingest.html` (charset, readability-lxml main
  text, page metadata), serialised by :mod:`analysis.ingest.html_text`.
* **docx** — :mod:`analysis.ingest.safety` refuses zip and XML entity bombs
  before :mod:`analysis.ingest.docx` opens the package with python-docx;
  list numbering is drawn by :mod:`analysis.ingest.docx_numbering` in the formats
  of :mod:`analysis.ingest.number_formats`.
* **pdf** — :mod:`analysis.ingest.pdf` reads the text layer with pypdf, one
  printed line per line (wrapped lines are joined later, by the layout
  stage), and takes page numbers and running headers and footers off the
  page edges, returning each in :attr:`Extracted.removed` for the ledger.  A
  scan without a text layer, a password-protected or damaged PDF is refused
  with what to do instead.

Every refusal is an :class:`IngestError` whose message names the file and
the problem.  Extraction is deterministic: the same bytes give the same text,
so the loader can extract HTML and .docx originals at build time.
:class:`IngestError`, :class:`Extracted` and the helpers callers used before
the extractors had modules of their own (:func:`check_docx_package`,
:func:`format_number`, :data:`NUMBER_FORMATS`, :func:`html_lines`,
:func:`iso_date`) stay importable from here.

References
----------
Kohlschütter, C., Fankhauser, P., & Nejdl, W. (2010). Boilerplate detection
using shallow text features. *WSDM '10*, 441–450.
ECMA International (2021). *ECMA-376 Office Open XML File Formats*, Part 1,
§17.9 Numbering.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

from analysis import config
from analysis.ingest.docx import extract_docx
from analysis.ingest.html import extract_html, iso_date
from analysis.ingest.html_text import html_lines
from analysis.ingest.number_formats import NUMBER_FORMATS, format_number
from analysis.ingest.pdf import extract_pdf
from analysis.ingest.safety import check_docx_package
from analysis.ingest.text import extract_text
from analysis.ingest.types import Extracted, IngestError, human_bytes

FORMATS: tuple[str, ...] = ("txt", "html", "docx", "pdf")

# File name suffix → format.  Anything else is refused with a hint.
SUFFIX_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
# Formats people will try, and what to do instead.
_SUFFIX_HINTS: dict[str, str] = {
    ".doc": "a legacy binary Word file (.doc) is not read; open it in Word or WPS, "
    "save it as .docx or .pdf, and add that file",
    ".wps": "a WPS binary file is not read; open it in WPS, save it as .docx or .pdf, "
    "and add that file",
    ".et": "a WPS spreadsheet is not a plan file; save the plan's text as .docx or .pdf",
    ".rtf": "RTF is not supported; save it as .docx or .txt",
    ".ofd": "OFD (the Chinese fixed-layout format) is not read; open it in an OFD reader, "
    "print or export it to PDF, and add that file",
    ".caj": "CAJ is not read; export it to PDF from CAJViewer and add that file",
    ".mht": "a web archive; save the page as 'HTML only' (.html)",
    ".mhtml": "a web archive; save the page as 'HTML only' (.html)",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_NAME_BYTES = 255


def validate_file_name(name: str) -> str:
    """Return ``name`` if it is a plain file name, else raise :class:`IngestError`.

    A plain file name has no directory part: no ``/`` or ``\\``, no ``..``,
    no drive or absolute prefix, no NUL or other control character, does not
    start with ``.`` (hidden) or ``-`` (read as an option by command-line
    tools), and fits in 255 bytes of UTF-8.  Names in the manifest are joined
    to ``data/raw/``, so anything else could read or write outside it.
    """
    if not isinstance(name, str) or not name:
        raise IngestError(f"{name!r}: a file name must be a non-empty string")
    shown = repr(name)
    if "\x00" in name:
        raise IngestError(f"{shown}: the file name contains a NUL byte")
    if "/" in name or "\\" in name:
        raise IngestError(
            f"{shown}: the file name contains a path separator ('/' or '\\'); "
            "give a plain file name, not a path"
        )
    if ".." in name:
        raise IngestError(
            f"{shown}: the file name contains '..', which could point outside data/raw/"
        )
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or ":" in name:
        raise IngestError(f"{shown}: the file name is an absolute path or has a drive prefix")
    if _CONTROL.search(name):
        raise IngestError(f"{shown}: the file name contains a control character (newline, tab …)")
    if name != name.strip():
        raise IngestError(f"{shown}: the file name starts or ends with whitespace")
    if name.startswith((".", "-")):
        raise IngestError(
            f"{shown}: the file name starts with '{name[0]}'; "
            "use a name starting with a letter or digit"
        )
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        raise IngestError(f"{shown}: the file name is longer than {_MAX_NAME_BYTES} bytes")
    if PurePosixPath(name).name != name or PureWindowsPath(name).name != name:
        raise IngestError(f"{shown}: is not a plain file name")
    return name


def format_of(name: str) -> str:
    """Return the format (``txt``/``html``/``docx``/``pdf``) a file name's suffix says.

    Raises :class:`IngestError` for any other suffix, with a hint for the
    usual ones (.doc, .wps, .ofd, .mht …).
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    if suffix in _SUFFIX_HINTS:
        raise IngestError(f"{name}: {_SUFFIX_HINTS[suffix]}")
    supported = ", ".join(sorted(SUFFIX_FORMATS))
    raise IngestError(
        f"{name}: unsupported file type {suffix or '(no suffix)'!r}; supported: {supported}"
    )


def _too_large(name: str, size: int, limit: int) -> str:
    """The refusal of a file of ``size`` bytes over the plan size ``limit``."""
    return (
        f"{name}: the file is {human_bytes(size)}, more than the limit of "
        f"{human_bytes(limit)} for a plan (config.MAX_RAW_BYTES)"
    )


def read_limited(path: Path, *, max_bytes: int | None = None) -> bytes:
    """Read a regular file's bytes, refusing it by ``stat`` if it is too large.

    The size is checked before any byte is read, and the read itself stops
    one byte past the limit, so a file that grows in between is refused too.
    ``max_bytes`` defaults to :data:`analysis.config.MAX_RAW_BYTES`.
    """
    limit = config.MAX_RAW_BYTES if max_bytes is None else max_bytes
    name = path.name
    try:
        info = path.stat()
    except FileNotFoundError:
        raise IngestError(f"{name}: the file does not exist (looked for {path})") from None
    except OSError as exc:
        raise IngestError(f"{name}: cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise IngestError(f"{name}: is not a regular file (a directory, device or pipe)")
    if info.st_size == 0:
        raise IngestError(f"{name}: the file is empty")
    if info.st_size > limit:
        raise IngestError(_too_large(name, info.st_size, limit) + "; refused without reading it")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise IngestError(
            f"{name}: the file grew past the limit of {human_bytes(limit)} while being read"
        )
    return data


def extract_document(path: Path) -> Extracted:
    """Extract the plain text and metadata of one raw plan file.

    Parameters
    ----------
    path : Path
        A ``.txt``, ``.html``/``.htm``, ``.docx`` or ``.pdf`` file.  Its name must pass
        :func:`validate_file_name`; its size must not exceed
        :data:`analysis.config.MAX_RAW_BYTES` (checked with ``stat`` before
        reading).

    Returns
    -------
    Extracted
        ``text`` (one paragraph per line), ``format``, ``encoding``,
        ``metadata`` and ``warnings``; see :class:`Extracted`.

    Raises
    ------
    IngestError
        For an unsupported, oversized, empty, undecodable, malformed or
        malicious file (zip bomb, XML entity bomb), a PDF without a text
        layer or with a password, naming the file and what to do.

    References
    ----------
    Kohlschütter, C., Fankhauser, P., & Nejdl, W. (2010). Boilerplate
    detection using shallow text features. *WSDM '10*, 441–450.
    """
    path = Path(path)
    name = validate_file_name(path.name)
    format_of(name)  # refuse an unsupported type before reading anything
    return extract_bytes(read_limited(path), name=name)


def extract_bytes(data: bytes, *, name: str) -> Extracted:
    """Extract a plan from bytes already read; ``name`` gives the format and the messages.

    The same as :func:`extract_document` for callers that hold the bytes
    (``add_plan`` extracts exactly the bytes it copies).  The size limit
    applies here too.
    """
    fmt = format_of(name)
    if len(data) > config.MAX_RAW_BYTES:
        raise IngestError(_too_large(name, len(data), config.MAX_RAW_BYTES))
    if not data:
        raise IngestError(f"{name}: the file is empty")
    if fmt == "txt":
        return extract_text(data, name=name)
    if fmt == "html":
        return extract_html(data, name=name)
    if fmt == "pdf":
        return extract_pdf(data, name=name)
    return extract_docx(data, name=name)


__all__ = [
    "FORMATS",
    "NUMBER_FORMATS",
    "SUFFIX_FORMATS",
    "Extracted",
    "IngestError",
    "check_docx_package",
    "extract_bytes",
    "extract_document",
    "format_number",
    "format_of",
    "html_lines",
    "iso_date",
    "read_limited",
    "validate_file_name",
]
