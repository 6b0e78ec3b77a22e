""".docx package safety: refuse zip bombs and XML entity bombs before anything is unpacked.

A ``.docx`` is a zip package of XML parts, and both layers can be made to
explode: a zip member can unpack to gigabytes (a zip bomb), and an XML part
can declare entities that expand to gigabytes (the "billion laughs" entity
bomb) or fetch external files.  :func:`check_docx_package` checks the zip
directory against the limits in :mod:`analysis.config`, reads every member
in chunks (so a header that understates a size is caught), and pre-parses
every XML part with defusedxml, which refuses a DTD or an entity declaration
instead of expanding it.  Only a package that passes is handed to
python-docx (:mod:`analysis.ingest.docx`).

References
----------
ECMA International (2021). *ECMA-376 Office Open XML File Formats*, Part 2,
Open Packaging Conventions.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

from analysis import config
from analysis.ingest.types import IngestError, human_bytes

# File signatures: a legacy .doc and an encrypted .docx are OLE compound files.
OLE_MAGIC: bytes = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC: bytes = b"PK\x03\x04"


def check_docx_package(data: bytes, *, name: str) -> dict[str, int]:
    """Refuse a .docx that is not a sane zip of well-formed, DTD-free XML.

    Checks, before python-docx unpacks anything: the bytes are a zip (not a
    legacy .doc or an encrypted package, which are OLE files); the member
    count, each member's and the total uncompressed size, and each large
    member's compression ratio are within the limits in :mod:`analysis.config`
    (``MAX_ZIP_MEMBERS``, ``MAX_ZIP_MEMBER_BYTES``, ``MAX_ZIP_TOTAL_BYTES``,
    ``MAX_ZIP_RATIO`` above ``ZIP_RATIO_MIN_BYTES``); no member is encrypted;
    and every ``.xml``/``.rels`` part parses with defusedxml with DTDs,
    entity declarations and external references forbidden.  Members are
    read in chunks and counted, so a header that understates a member's size
    is caught too.  Returns the uncompressed size of each member, by name.
    """
    if data.startswith(OLE_MAGIC):
        raise IngestError(
            f"{name}: is an OLE compound file, not a .docx: either a legacy .doc renamed to .docx "
            "or a password-protected document; open it in Word or WPS and save it as an "
            "unprotected .docx"
        )
    if not data.startswith(ZIP_MAGIC):
        raise IngestError(
            f"{name}: is not a .docx file (a .docx is a zip package; this file is not one)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{name}: is a damaged zip package ({exc})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > config.MAX_ZIP_MEMBERS:
            raise IngestError(
                f"{name}: the .docx package has {len(members):,} members, more than the limit "
                f"of {config.MAX_ZIP_MEMBERS:,} (config.MAX_ZIP_MEMBERS); "
                "refused as a possible zip bomb"
            )
        total = 0
        for info in members:
            if info.flag_bits & 0x1:
                raise IngestError(
                    f"{name}: the .docx package member {info.filename!r} is encrypted"
                )
            if info.file_size > config.MAX_ZIP_MEMBER_BYTES:
                raise IngestError(
                    f"{name}: the .docx member {info.filename!r} unpacks to "
                    f"{human_bytes(info.file_size)}, more than the limit of "
                    f"{human_bytes(config.MAX_ZIP_MEMBER_BYTES)} (config.MAX_ZIP_MEMBER_BYTES); "
                    "refused as a possible zip bomb"
                )
            total += info.file_size
            if total > config.MAX_ZIP_TOTAL_BYTES:
                raise IngestError(
                    f"{name}: the .docx package unpacks to more than "
                    f"{human_bytes(config.MAX_ZIP_TOTAL_BYTES)} (config.MAX_ZIP_TOTAL_BYTES); "
                    "refused as a possible zip bomb"
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > config.ZIP_RATIO_MIN_BYTES and ratio > config.MAX_ZIP_RATIO:
                raise IngestError(
                    f"{name}: the .docx member {info.filename!r} is compressed {ratio:,.0f}:1 "
                    f"({human_bytes(info.compress_size)} unpacking to "
                    f"{human_bytes(info.file_size)}), beyond the limit of "
                    f"{config.MAX_ZIP_RATIO}:1 (config.MAX_ZIP_RATIO); refused as a zip bomb"
                )
        if "[Content_Types].xml" not in archive.namelist():
            raise IngestError(
                f"{name}: is a zip file but not a Word document (no [Content_Types].xml)"
            )
        sizes: dict[str, int] = {}
        for info in members:
            if info.is_dir():
                continue
            payload = _read_member(archive, info, name=name)
            sizes[info.filename] = len(payload)
            if info.filename.lower().endswith((".xml", ".rels")):
                _check_xml(payload, part=info.filename, name=name)
    return sizes


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str) -> bytes:
    """Read one member in chunks, never more than its declared size allows."""
    limit = min(info.file_size, config.MAX_ZIP_MEMBER_BYTES)
    chunks: list[bytes] = []
    n_read = 0
    try:
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                n_read += len(chunk)
                if n_read > limit:
                    raise IngestError(
                        f"{name}: the .docx member {info.filename!r} unpacks to more than its "
                        "header says; refused as a possible zip bomb"
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise IngestError(
            f"{name}: the .docx member {info.filename!r} is damaged or unreadable ({exc})"
        ) from exc
    except RuntimeError as exc:
        raise IngestError(
            f"{name}: the .docx member {info.filename!r} cannot be read ({exc})"
        ) from exc
    return b"".join(chunks)


def _check_xml(payload: bytes, *, part: str, name: str) -> None:
    try:
        SafeET.fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as exc:
        raise IngestError(
            f"{name}: the .docx part {part} declares a DTD (<!DOCTYPE …>); Word never writes one, "
            "and its entity declarations can expand to gigabytes (an XML entity bomb), so the "
            "file is refused"
        ) from exc
    except EntitiesForbidden as exc:
        raise IngestError(
            f"{name}: the .docx part {part} declares XML entities; refused as a possible "
            "XML entity bomb"
        ) from exc
    except DefusedXmlException as exc:
        raise IngestError(
            f"{name}: the .docx part {part} refers to external XML resources; refused"
        ) from exc
    except ParseError as exc:
        raise IngestError(f"{name}: the .docx part {part} is not well-formed XML ({exc})") from exc
