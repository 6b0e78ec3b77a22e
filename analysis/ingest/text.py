"""Plain-text plans: bytes to text exactly as the corpus loader decodes them.

A ``.txt`` plan goes through :func:`analysis.corpus.read.decode_bytes` unchanged
(BOM, strict UTF-8, BOM-less UTF-16, strict GB18030), so a text plan reads
the same whether it is extracted here or loaded by the corpus pipeline.  A
binary document that only carries a text-file name (a zip, a legacy Word
file, a PDF) is refused, and a page saved as ``.txt`` is read with a warning
that renaming it to ``.html`` keeps its metadata and drops its page furniture.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from analysis.ingest.safety import OLE_MAGIC, ZIP_MAGIC
from analysis.ingest.types import Extracted, IngestError

if TYPE_CHECKING:
    from analysis.corpus.read import Decoded

_LOOKS_HTML = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)", re.IGNORECASE)


def decode_text(data: bytes, *, name: str) -> Decoded:
    """Decode ``data`` with :func:`analysis.corpus.read.decode_bytes`; refuse as ``IngestError``.

    The HTML extractor falls back to this when a page declares no usable
    charset, so both formats detect encodings the same way.
    """
    # Imported here so this module loads even where analysis.corpus.read is being rewritten.
    from analysis.corpus.read import ReadError, decode_bytes

    try:
        return decode_bytes(data, name=name)
    except ReadError as exc:
        raise IngestError(str(exc)) from exc


def extract_text(data: bytes, *, name: str) -> Extracted:
    """Extract a ``.txt`` plan: the decoded text, its encoding, no metadata.

    Raises :class:`IngestError` for a zip, Word (OLE) or PDF file named as
    text and for bytes no supported encoding decodes.
    """
    # A binary document with a text-file name: say what it really is.
    for magic, what in (
        (b"%PDF", "a PDF; rename it to .pdf"),
        (ZIP_MAGIC, "a zip package (a .docx?); rename it to .docx"),
        (OLE_MAGIC, "a legacy Word .doc; open it in Word or WPS and save it as .docx or .pdf"),
    ):
        if data.startswith(magic):
            raise IngestError(
                f"{name}: is a binary document with a text-file name: {what}, then add it"
            )
    decoded = decode_text(data, name=name)
    warnings = []
    if _LOOKS_HTML.match(decoded.text[:2000]):
        warnings.append(
            f"{name}: looks like an HTML page saved as text; rename it to .html so that "
            "navigation and footers are removed and the page's metadata is kept"
        )
    return Extracted(decoded.text, "txt", decoded.encoding, {}, warnings)
