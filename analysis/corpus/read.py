"""Stage 1 — read: raw bytes to text, with the encoding detected and reported.

Government files arrive as UTF-8 (with or without a BOM), GB18030/GBK or
UTF-16.  Detection is deterministic and strict: a byte-order mark decides
first, then strict UTF-8, then UTF-16 without a BOM (recognised by its
pattern of zero bytes), then strict GB18030 (a superset of GBK and GB2312).
Nothing is decoded with ``errors="replace"``: a file that none of these
decodes cleanly is refused, because a replaced character is a lost one.

Line endings become ``\\n`` and non-breaking / ideographic / zero-width
spaces become ordinary spaces; both are counted so the ledger can account
for them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from analysis import config

ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "gb18030")

# Characters that are whitespace in meaning but not matched by str.isspace
# everywhere, or that web pages use for layout.  All become an ordinary space.
_SPACE_LIKE = re.compile("[\u00a0\u2002\u2003\u2009\u200b\u200c\u200d\u202f\u205f\u3000\ufeff]")
# Control characters other than tab and newline mark a binary file.
_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class ReadError(ValueError):
    """A raw file cannot be read as a plan; the message names the file."""


@dataclass(frozen=True)
class Decoded:
    """The text of one raw file and how it was decoded.

    ``n_chars_decoded`` counts characters straight after decoding (BOM
    excluded); ``n_newline_normalised`` and ``n_space_normalised`` count what
    :func:`normalise_layout` changed, so the ledger can add them back.
    """

    text: str
    encoding: str
    n_chars_decoded: int
    n_newline_normalised: int
    n_space_normalised: int


def _looks_utf16(data: bytes) -> str | None:
    """Return the UTF-16 byte order if ``data`` looks like BOM-less UTF-16.

    Chinese text in UTF-16 has no zero bytes in most code units, but ASCII
    (digits, punctuation, newlines) puts a zero in every other byte; a file
    whose zero bytes sit almost all at odd (LE) or even (BE) offsets is UTF-16.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    zeros_even = data[0::2].count(0)
    zeros_odd = data[1::2].count(0)
    # A few CJK code points (U+xx00) put a zero on the "wrong" side too, so
    # compare the two sides instead of requiring one of them to be clean.
    if zeros_odd >= len(data) // 40 and zeros_odd > 5 * zeros_even:
        return "utf-16-le"
    if zeros_even >= len(data) // 40 and zeros_even > 5 * zeros_odd:
        return "utf-16-be"
    return None


def _damaged_utf8(data: bytes) -> str | None:
    """Describe the damage if ``data`` is UTF-8 with a few invalid bytes.

    Such a file also "decodes" as GB18030, into nonsense; refusing it is the
    only way not to lose text silently.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        lenient = data.decode("utf-8", errors="replace")
        non_ascii = sum(1 for ch in lenient if ord(ch) > 127)
        bad = lenient.count("\ufffd")
        if non_ascii >= 20 and bad * 50 <= non_ascii:
            return f"{bad} invalid byte(s), the first at byte offset {error.start}"
    return None


def detect_and_decode(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode ``data`` strictly, returning ``(text, encoding)``.

    Raises :class:`ReadError` naming ``name`` when the bytes are empty,
    binary, or decode under none of :data:`ENCODINGS`.
    """
    if not data.strip():
        raise ReadError(f"{name}: the file is empty")
    candidates: list[str]
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        candidates = ["utf-16"]
    else:
        utf16 = _looks_utf16(data)
        candidates = [utf16] if utf16 else ["utf-8", "gb18030"]
        damage = None if utf16 else _damaged_utf8(data)
        if damage:
            raise ReadError(
                f"{name}: looks like UTF-8 but is damaged ({damage}); it cannot be decoded safely"
            )
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _BINARY.search(text):
            raise ReadError(
                f"{name}: contains control characters after decoding as {encoding}; "
                "it looks like a binary file, not a text plan"
            )
        if not text.strip():
            raise ReadError(f"{name}: the file is empty")
        label = (
            "utf-16-le"
            if encoding == "utf-16" and data.startswith(codecs.BOM_UTF16_LE)
            else ("utf-16-be" if encoding == "utf-16" else encoding)
        )
        return text, label
    if b"\x00" in data:
        raise ReadError(
            f"{name}: contains NUL bytes and is not UTF-16 text; it looks like a binary file"
        )
    raise ReadError(
        f"{name}: cannot be decoded as any of {', '.join(ENCODINGS)}; "
        "re-save it as UTF-8 or check that it is a text file"
    )


def normalise_layout(text: str) -> tuple[str, int, int]:
    """Turn CR/CRLF into LF and space-like characters into spaces.

    Returns the new text and the number of newline and space characters
    changed (a CRLF pair counts as one changed character: the CR dropped).
    """
    n_crlf = text.count("\r\n")
    text = text.replace("\r\n", "\n")
    n_cr = text.count("\r")
    text = text.replace("\r", "\n")
    text, n_space = _SPACE_LIKE.subn(" ", text)
    return text, n_crlf + n_cr, n_space


def decode_bytes(data: bytes, *, name: str) -> Decoded:
    """Decode raw bytes of a plan and normalise its layout characters."""
    text, encoding = detect_and_decode(data, name=name)
    n_decoded = len(text)
    text, n_newline, n_space = normalise_layout(text)
    return Decoded(text, encoding, n_decoded, n_newline, n_space)


def read_text_file(path: Path, *, max_bytes: int = config.MAX_RAW_BYTES) -> Decoded:
    """Read and decode the plan at ``path``.

    The size is checked before reading so an oversized file is refused
    without loading it.  Raises :class:`ReadError` naming the file.
    """
    if not path.exists():
        raise ReadError(f"{path.name}: the file does not exist (looked for {path})")
    if not path.is_file():
        raise ReadError(f"{path.name}: is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ReadError(
            f"{path.name}: is {size:,} bytes, more than the limit of {max_bytes:,} bytes for a plan"
        )
    return decode_bytes(path.read_bytes(), name=path.name)
