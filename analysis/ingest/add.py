"""Adding a plan: copy the original into ``data/raw/`` and append its manifest row.

``python -m analysis add FILE --region-id … --name-zh …`` calls
:func:`add_plan`, which

1. checks the arguments (region id pattern, not already in the manifest;
   a plain file name that is not taken; year, admin level),
2. extracts the file with :func:`analysis.ingest.formats.extract_document`'s
   machinery from the very bytes it will copy, so whatever is refused
   (oversized, undecodable, zip or entity bomb …) is refused before anything
   is written,
3. fills what a later step needs but was not given (:data:`FALLBACKS`: an
   English name romanised from the Chinese one), lists each filled column in
   the row's ``inferred_fields`` and reports it,
4. copies the original bytes into ``raw_dir`` (read-only, never over an
   existing file: raw data is immutable; HTML and .docx originals are kept
   as they are and extracted again, deterministically, at build time), and
5. appends the manifest row by writing a temporary file and ``os.replace``-ing
   it over the manifest.

If any step fails, ``raw_dir``, the manifest and ``processed_dir`` are left
exactly as they were.  The returned :class:`AddReport` shows what the loader
will find: format, encoding, metadata, warnings and paragraph count, plus
whatever the ``summarise`` hook (the corpus pipeline: chrome, spin score,
structure) adds.

References
----------
Wilkinson, M. D. et al. (2016). The FAIR guiding principles for scientific
data management and stewardship. *Scientific Data*, 3, 160018.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis import config, schema
from analysis.ingest.formats import (
    Extracted,
    IngestError,
    extract_bytes,
    format_of,
    read_limited,
    validate_file_name,
)
from analysis.ingest.region_names import english_region_name

REGION_ID_PATTERN: re.Pattern[str] = re.compile(r"^[a-z][a-z0-9_]*$")
# Plans of the People's Republic; a year outside this is a typo.
PLAN_YEAR_RANGE: tuple[int, int] = (1949, 2100)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BOM = "\ufeff"

Summariser = Callable[[Extracted], dict]

#: Manifest columns that may be left out but that a later step needs, and how
#: ``add_plan`` fills them (the figures label every region in English too).
FALLBACKS: dict[str, str] = {
    "name_en": "romanised from name_zh with pypinyin and the suffixes in "
    "analysis/data/region_name_english.yml",
}


@dataclass(frozen=True)
class AddReport:
    """What :func:`add_plan` did and what the loader will find in the file.

    Attributes
    ----------
    region_id, file : str
        The new manifest row's key and the file name in ``raw_dir``.
    raw_path : Path
        Where the original bytes are (or would be, in a dry run).
    format, encoding : str, str or None
        As :class:`analysis.ingest.formats.Extracted`.
    metadata : dict
        Facts the container carried (page date, publisher …).
    warnings : list of str
        Extraction warnings, then notes on defaults taken from metadata.
    n_paragraphs, n_chars : int
        Non-blank lines of extracted text and their characters.
    sha256 : str
        Hex digest of the original bytes.
    manifest_row : dict of str to str
        The row appended (columns :data:`analysis.schema.MANIFEST`).
    copied : bool
        Whether the bytes were copied (False when the file was already in
        ``raw_dir``, or in a dry run).
    dry_run : bool
        True when nothing was written.
    summary : dict
        What the ``summarise`` hook returned (empty without one).
    inferred : dict of str to str
        Manifest columns that were not given and were filled by rule
        (:data:`FALLBACKS`), with the value written; each is also listed in
        the row's ``inferred_fields``.
    """

    region_id: str
    file: str
    raw_path: Path
    format: str
    encoding: str | None
    metadata: dict[str, str]
    warnings: list[str]
    n_paragraphs: int
    n_chars: int
    sha256: str
    manifest_row: dict[str, str]
    copied: bool
    dry_run: bool
    summary: dict = field(default_factory=dict)
    inferred: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        """A plain-text account for the terminal, one fact per line."""
        verb = "would add" if self.dry_run else "added"
        lines = [
            f"{verb} {self.region_id}: {self.file} ({self.format}"
            + (f", {self.encoding})" if self.encoding else ")"),
            f"  raw file      {self.raw_path}"
            + ("" if self.copied or self.dry_run else " (already there)"),
            f"  sha256        {self.sha256}",
            f"  paragraphs    {self.n_paragraphs} ({self.n_chars} characters)",
        ]
        for key, value in sorted(self.metadata.items()):
            lines.append(f"  {key:<13} {value}")
        for key, value in sorted(self.summary.items()):
            lines.append(f"  {key:<13} {value}")
        for key, value in sorted(self.inferred.items()):
            lines.append(
                f"  inferred      {key} = {value!r} ({FALLBACKS[key]}); check it and correct "
                "the manifest if it is wrong"
            )
        lines.append(f"  warnings      {len(self.warnings)}")
        lines.extend(f"    - {warning}" for warning in self.warnings)
        return "\n".join(lines)


def _check_text(value: str | None, *, field_name: str, required: bool = False) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise IngestError(f"{field_name} must be given and non-empty")
        return ""
    if not isinstance(value, str):
        raise IngestError(f"{field_name} must be a string, got {type(value).__name__}")
    if _CONTROL.search(value):
        raise IngestError(f"{field_name} {value!r} contains a newline or other control character")
    return value.strip()


def read_manifest(manifest_path: Path) -> tuple[str, list[dict[str, str]]]:
    """Read the manifest as text and rows, checking its columns.

    Returns the file's text (BOM kept, so an append preserves every existing
    byte) and its rows as dicts of strings.  A missing manifest is empty.
    Raises :class:`IngestError` when the columns differ from
    :data:`analysis.schema.MANIFEST` or it is not UTF-8.
    """
    if not manifest_path.exists():
        return "", []
    try:
        text = manifest_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{manifest_path.name}: the manifest is not UTF-8 ({exc})") from exc
    reader = csv.reader(io.StringIO(text.removeprefix(_BOM), newline=""))
    header = next(reader, None)
    if header is None:
        return text, []
    if header != schema.MANIFEST:
        raise IngestError(
            f"{manifest_path.name}: the manifest's columns {header} are not schema.MANIFEST "
            f"{schema.MANIFEST}; fix the header before adding plans"
        )
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not values:
            continue
        if len(values) != len(header):
            raise IngestError(
                f"{manifest_path.name}: line {line_no} has {len(values)} fields, not {len(header)}"
            )
        rows.append(dict(zip(header, values, strict=True)))
    return text, rows


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Name → (size, mtime_ns) of every file under ``directory``."""
    if not directory.exists():
        return {}
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _restore_snapshot(directory: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Remove files created under ``directory`` since ``before``; list changed old ones."""
    after = _snapshot(directory)
    for created in sorted(set(after) - set(before)):
        (directory / created).unlink()
    return sorted(k for k in before if after.get(k) != before[k])


def _write_atomic(path: Path, text: str, *, mode: int) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_exclusive(data: bytes, dest: Path) -> None:
    """Create ``dest`` with ``data``, read-only, failing if it exists (never overwrites)."""
    handle, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o444)
        # link() refuses an existing target, unlike rename(): no overwrite race.
        os.link(tmp, dest)
    except FileExistsError:
        raise IngestError(
            f"{dest.name}: a file of that name already exists in {dest.parent}"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def add_plan(
    path: Path,
    *,
    region_id: str,
    name_zh: str,
    plan_year: int | None,
    name_en: str | None = None,
    province_zh: str | None = None,
    province_en: str | None = None,
    prefecture_zh: str | None = None,
    admin_level: str | None = None,
    doc_type_zh: str | None = None,
    doc_type_en: str | None = None,
    published: str | None = None,
    source_note: str | None = None,
    inferred_fields: Sequence[str] = (),
    file_name: str | None = None,
    raw_dir: Path = config.RAW_DIR,
    manifest_path: Path = config.MANIFEST_PATH,
    processed_dir: Path = config.PROCESSED_DIR,
    dry_run: bool = False,
    summarise: Summariser | None = None,
) -> AddReport:
    """Add one plan file to the corpus: raw copy plus manifest row, all or nothing.

    Parameters
    ----------
    path : Path
        The plan as downloaded (.txt in any supported encoding, .html/.htm,
        .docx, .pdf with a text layer).  It may already sit in ``raw_dir``; then it is not copied.
    region_id : str
        New key, matching ``^[a-z][a-z0-9_]*$`` and not yet in the manifest.
    name_zh : str
        The region's Chinese name (e.g. 桐庐县).
    plan_year : int or None
        The year the plan is for, within :data:`PLAN_YEAR_RANGE`; None when
        the plan does not say (the manifest keeps it empty rather than guess).
    name_en : str, optional
        The region's English name; when not given it is romanised from
        ``name_zh`` (清溪县 → "Qingxi County", see
        :mod:`analysis.ingest.region_names`), listed in ``inferred_fields``
        and reported in :attr:`AddReport.inferred`.
    province_zh, province_en, prefecture_zh : str, optional
        Manifest columns, empty when not given.
    doc_type_zh, doc_type_en, source_note : str, optional
        Manifest columns, empty when not given.
    inferred_fields : sequence of str, default ()
        Manifest columns whose values the researcher inferred rather than read
        in the plan (written ``;``-separated in ``inferred_fields``).
    admin_level : str, optional
        One of :data:`analysis.schema.ADMIN_LEVELS`.
    published : str, optional
        Publication date; when not given, the page's own date from the
        extracted metadata (``issued_date``, ``published``, then
        ``page_date``) is used and a note says so.
    file_name : str, optional
        Name to store the file under in ``raw_dir`` (default: ``path``'s
        name); must pass :func:`analysis.ingest.formats.validate_file_name` and
        keep the original's file type.
    raw_dir, manifest_path, processed_dir : Path
        Default to :mod:`analysis.config`'s ``RAW_DIR``, ``MANIFEST_PATH``
        and ``PROCESSED_DIR``.  ``add_plan`` never writes to
        ``processed_dir``; it checks that nothing did (the hook included)
        before committing, and removes files that appeared there if it fails.
    dry_run : bool, default False
        Check and extract only; write nothing.
    summarise : callable, optional
        Hook ``summarise(extracted) -> dict`` run after extraction and before
        anything is written; the corpus pipeline passes chrome, spin and
        structure counts here.  Whatever it raises aborts the add.

    Returns
    -------
    AddReport
        See :class:`AddReport`.

    Raises
    ------
    IngestError
        For any refused argument or file; nothing has been written.
    """
    # --- arguments first --------------------------------------------------
    path = Path(path)
    raw_dir, manifest_path, processed_dir = Path(raw_dir), Path(manifest_path), Path(processed_dir)
    if not isinstance(region_id, str) or not REGION_ID_PATTERN.match(region_id):
        raise IngestError(
            f"region id {region_id!r} must match {REGION_ID_PATTERN.pattern} "
            "(lowercase ASCII letters, digits and underscores, starting with a letter)"
        )
    name_zh = _check_text(name_zh, field_name="name_zh", required=True)
    if plan_year is not None:
        if isinstance(plan_year, bool) or not isinstance(plan_year, int):
            raise IngestError(f"plan_year must be an integer year or None, got {plan_year!r}")
        low, high = PLAN_YEAR_RANGE
        if not low <= plan_year <= high:
            raise IngestError(f"plan_year {plan_year} is outside {low}–{high}")
    if isinstance(inferred_fields, str):
        inferred_fields = [part for part in inferred_fields.split(";") if part.strip()]
    unknown = [name for name in inferred_fields if name not in schema.MANIFEST]
    if unknown:
        raise IngestError(
            f"inferred_fields {unknown} are not manifest columns ({', '.join(schema.MANIFEST)})"
        )
    if admin_level not in (None, "") and admin_level not in schema.ADMIN_LEVELS:
        raise IngestError(
            f"admin_level {admin_level!r} must be one of {', '.join(schema.ADMIN_LEVELS)}"
        )
    texts = {
        key: _check_text(value, field_name=key)
        for key, value in (
            ("name_en", name_en),
            ("province_zh", province_zh),
            ("province_en", province_en),
            ("prefecture_zh", prefecture_zh),
            ("doc_type_zh", doc_type_zh),
            ("doc_type_en", doc_type_en),
            ("published", published),
            ("source_note", source_note),
        )
    }
    format_of(path.name)  # an unsupported type is refused with a hint before anything else
    stored_name = validate_file_name(path.name if file_name is None else file_name)
    if Path(stored_name).suffix.lower() != path.suffix.lower():
        raise IngestError(
            f"{stored_name}: must keep the original's file type; use a name ending in {path.suffix}"
        )
    if not raw_dir.is_dir():
        raise IngestError(f"raw_dir {raw_dir} does not exist or is not a directory")

    manifest_text, rows = read_manifest(manifest_path)
    taken_ids = {row["region_id"] for row in rows}
    if region_id in taken_ids:
        raise IngestError(
            f"region id {region_id!r} is already in {manifest_path.name}; choose another"
        )
    if stored_name in {row["file"] for row in rows}:
        raise IngestError(f"{stored_name}: is already listed in {manifest_path.name}")
    dest = raw_dir / stored_name
    in_place = dest.exists() and path.exists() and dest.resolve() == path.resolve()
    if dest.exists() and not in_place:
        raise IngestError(
            f"{stored_name}: a different file of that name already exists in {raw_dir}; raw data "
            "is never overwritten, so pass another file_name"
        )

    # --- extract exactly the bytes that will be stored ----------------------
    data = read_limited(path)
    extracted = extract_bytes(data, name=path.name)
    digest = hashlib.sha256(data).hexdigest()
    warnings = list(extracted.warnings)
    if not texts["published"]:
        for key in ("issued_date", "published", "page_date"):
            if extracted.metadata.get(key):
                texts["published"] = extracted.metadata[key]
                warnings.append(f"published not given; took the page's {key} {texts['published']}")
                break

    inferred: dict[str, str] = {}
    if not texts["name_en"]:
        texts["name_en"] = english_region_name(name_zh) or region_id
        inferred["name_en"] = texts["name_en"]
    inferred_names = [name.strip() for name in inferred_fields]
    inferred_names += [name for name in inferred if name not in inferred_names]

    given = {
        **texts,
        "region_id": region_id,
        "file": stored_name,
        "name_zh": name_zh,
        "admin_level": admin_level or "",
        "plan_year": "" if plan_year is None else str(plan_year),
        "inferred_fields": ";".join(inferred_names),
    }
    missing = [column for column in given if column not in schema.MANIFEST]
    if missing:
        raise AssertionError(f"add_plan fills columns {missing} that schema.MANIFEST lacks")
    # Columns the manifest gains later stay empty until add_plan learns them.
    row = {column: given.get(column, "") for column in schema.MANIFEST}

    processed_before = _snapshot(processed_dir)
    summary: dict = {}
    try:
        if summarise is not None:
            summary = dict(summarise(extracted))
        changed = _restore_snapshot(processed_dir, processed_before)
    except BaseException:
        _restore_snapshot(processed_dir, processed_before)
        raise
    if changed:
        raise IngestError(
            f"{processed_dir} changed while adding {stored_name} ({', '.join(changed)}); "
            "adding a plan must not touch processed data — run the build instead"
        )

    report = AddReport(
        region_id=region_id,
        file=stored_name,
        raw_path=dest,
        format=extracted.format,
        encoding=extracted.encoding,
        metadata=dict(extracted.metadata),
        warnings=warnings,
        n_paragraphs=len(extracted.paragraphs),
        n_chars=sum(len(line) for line in extracted.paragraphs),
        sha256=digest,
        manifest_row=row,
        copied=False,
        dry_run=dry_run,
        summary=summary,
        inferred=inferred,
    )
    if dry_run:
        return report

    # --- commit: raw copy, then manifest; undo the copy if the manifest fails
    if manifest_text and not manifest_text.endswith("\n"):
        manifest_text += "\n"
    if not manifest_text:
        manifest_text = _csv_line(schema.MANIFEST)
    new_manifest = manifest_text + _csv_line(list(row.values()))
    mode = (manifest_path.stat().st_mode & 0o777) if manifest_path.exists() else 0o644
    copied = False
    try:
        if not in_place:
            _copy_exclusive(data, dest)
            copied = True
            if hashlib.sha256(dest.read_bytes()).hexdigest() != digest:
                raise IngestError(
                    f"{stored_name}: the copy in {raw_dir} does not match the original"
                )
        _write_atomic(manifest_path, new_manifest, mode=mode)
    except BaseException:
        if copied:
            dest.unlink(missing_ok=True)
        raise
    return replace(report, copied=copied)


# ---------------------------------------------------------------------------
# Command line: `python -m analysis add …` (wired in analysis/__main__.py)
# ---------------------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``add`` command's arguments to ``parser`` and return it."""
    parser.add_argument(
        "file", type=Path, help="the plan: .txt (any encoding), .html/.htm, .docx or .pdf"
    )
    parser.add_argument(
        "--region-id", required=True, help="new key, e.g. tonglu (^[a-z][a-z0-9_]*$)"
    )
    parser.add_argument("--name-zh", required=True, help="region name in Chinese, e.g. 桐庐县")
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        dest="plan_year",
        help="the year the plan is for (leave out if the plan does not say)",
    )
    parser.add_argument(
        "--name-en",
        help="region name in English (default: romanised from --name-zh, e.g. "
        "清溪县 → 'Qingxi County', and listed in inferred_fields)",
    )
    parser.add_argument("--province-zh")
    parser.add_argument("--province-en")
    parser.add_argument("--prefecture-zh")
    parser.add_argument("--admin-level", choices=schema.ADMIN_LEVELS)
    parser.add_argument("--doc-type-zh", help="e.g. 工作要点")
    parser.add_argument("--doc-type-en", help="e.g. work points")
    parser.add_argument("--published", help="publication date (default: the page's own date)")
    parser.add_argument("--source-note", help="where the file came from")
    parser.add_argument(
        "--inferred-fields",
        default="",
        help="manifest columns you inferred, ';'-separated (e.g. province_zh;province_en)",
    )
    parser.add_argument(
        "--file-name", help="name to store it under in data/raw/ (default: its own)"
    )
    parser.add_argument("--raw-dir", type=Path, default=config.RAW_DIR)
    parser.add_argument("--manifest", type=Path, default=config.MANIFEST_PATH, dest="manifest_path")
    parser.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR)
    parser.add_argument("--dry-run", action="store_true", help="check and show; write nothing")
    return parser


def run(args: argparse.Namespace, *, summarise: Summariser | None = None) -> int:
    """Run the ``add`` command from parsed ``args``; print the report; return the exit code."""
    try:
        report = add_plan(
            args.file,
            region_id=args.region_id,
            name_zh=args.name_zh,
            plan_year=args.plan_year,
            name_en=args.name_en,
            province_zh=args.province_zh,
            province_en=args.province_en,
            prefecture_zh=args.prefecture_zh,
            admin_level=args.admin_level,
            doc_type_zh=args.doc_type_zh,
            doc_type_en=args.doc_type_en,
            published=args.published,
            source_note=args.source_note,
            inferred_fields=args.inferred_fields,
            file_name=args.file_name,
            raw_dir=args.raw_dir,
            manifest_path=args.manifest_path,
            processed_dir=args.processed_dir,
            dry_run=args.dry_run,
            summarise=summarise,
        )
    except IngestError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(report.render())
    if not args.dry_run:
        print("next: python -m analysis build")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.ingest.add FILE --region-id … --name-zh … [--year …]``."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis add", description=__doc__.split("\n")[0]
    )
    return run(configure_parser(parser).parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
