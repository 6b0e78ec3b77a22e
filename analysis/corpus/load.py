"""The corpus loader: raw plans + manifest → regions, units and the ledgers.

Each plan goes through read → chrome → layout → repair → normalise → structure (one
module per stage).  :func:`process_document` runs the chain for one plan and
only sees that plan, so it can run in a process pool or on a cluster;
:func:`load_corpus` runs it for every manifest row and assembles the tidy
tables named in :mod:`analysis.schema`.

The ledger invariant (tested for every plan): apart from whitespace, every
character read is either in a unit's text, in a removed span
(``removed.csv``: chrome, page and chunk markers, numbering labels), or
accounted for by a repair
(``repairs.csv``: ``len(before) - len(after)``).  Punctuation normalisation
changes characters one for one and is counted in ``n_punct_normalised``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import config, schema
from analysis.corpus.chrome import strip_chrome
from analysis.corpus.layout import repair_layout
from analysis.corpus.read import Decoded, ReadError, read_text_file
from analysis.corpus.repair import load_spin_rules, repair_text, spin_score
from analysis.corpus.script import detect_script, to_simplified_aligned
from analysis.corpus.structure import structure_units
from analysis.executors import map_documents
from analysis.ingest.formats import Extracted, extract_document
from analysis.ingest.types import RemovedLine
from analysis.io import nullable_ints

_REGION_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ManifestError(ValueError):
    """The manifest is malformed; the message names the row and the problem."""


def read_manifest(
    path: Path = config.MANIFEST_PATH, *, raw_dir: Path | None = None
) -> pd.DataFrame:
    """Read and validate the manifest (one row per plan).

    Checks the columns (:data:`analysis.schema.MANIFEST`), region ids (unique,
    lower-case identifiers), ``admin_level`` values, file names (plain names,
    no path separators) and, when ``raw_dir`` is given, that every file
    exists.  Raises :class:`ManifestError` naming the problem.
    """
    if not Path(path).exists():
        raise ManifestError(f"manifest {path} does not exist")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in schema.MANIFEST if c not in table.columns]
    if missing:
        raise ManifestError(f"manifest {Path(path).name}: missing columns {missing}")
    dupes = sorted(table.loc[table["region_id"].duplicated(), "region_id"].unique())
    if dupes:
        raise ManifestError(f"manifest {Path(path).name}: duplicate region_id {', '.join(dupes)}")
    for row in table.itertuples(index=False):
        if not _REGION_ID.match(row.region_id):
            raise ManifestError(
                f"manifest {Path(path).name}: region_id {row.region_id!r} must be lower-case "
                "letters, digits and underscores, starting with a letter"
            )
        if row.admin_level and row.admin_level not in schema.ADMIN_LEVELS:
            raise ManifestError(
                f"manifest {Path(path).name}: region {row.region_id!r} has admin_level "
                f"{row.admin_level!r}; allowed values are {', '.join(schema.ADMIN_LEVELS)}"
            )
        name = row.file
        if not name or Path(name).name != name or name in (".", ".."):
            raise ManifestError(
                f"manifest {Path(path).name}: region {row.region_id!r} has file {name!r}; "
                "give a plain file name inside data/raw/"
            )
        if raw_dir is not None and not (raw_dir / name).is_file():
            raise ManifestError(
                f"manifest {Path(path).name}: region {row.region_id!r} names file {name!r}, "
                f"which is missing from {raw_dir}"
            )
    return table.loc[:, schema.MANIFEST]


@dataclass
class DocumentResult:
    """Everything the loader learnt about one plan."""

    region_id: str
    units: pd.DataFrame
    removed: pd.DataFrame
    repairs: pd.DataFrame
    metadata: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _nonspace_len(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def process_document(
    decoded: Decoded,
    *,
    region_id: str,
    repair: bool = True,
    spin_threshold: float = config.SPIN_THRESHOLD,
    extracted_removed: Sequence[RemovedLine] = (),
) -> DocumentResult:
    """Run chrome → layout → repair → normalise → structure on one decoded plan.

    Parameters
    ----------
    decoded : Decoded
        The plan as returned by :func:`analysis.corpus.read.decode_bytes`.
    region_id : str
        Used for ``unit_id`` (``<region_id>-0001`` …) and every row.
    repair : bool, default True
        Restore spun text when the spin score reaches ``spin_threshold``.
        ``False`` keeps the text as published (the score is still reported).
    spin_threshold : float, default ``config.SPIN_THRESHOLD``
    extracted_removed : sequence of RemovedLine, default ()
        Lines the format's extractor already left out of ``decoded.text`` (a
        PDF's page numbers and running headers, see
        :attr:`analysis.ingest.types.Extracted.removed`); they go into the
        ledger and count as read, so nothing on the page is unaccounted for.

    Returns
    -------
    DocumentResult
        ``units`` (columns :data:`schema.UNITS`), ``removed``
        (:data:`schema.REMOVED`), ``repairs`` (:data:`schema.REPAIRS`), and
        ``metadata`` with the counts and facts that go into ``regions``.
    """
    chrome = strip_chrome(decoded.text)
    # Page numbers, preview-chunk markers and hard wraps go before repair, so
    # spin repair and structure see whole paragraphs.
    chrome_cut: dict[int, str] = {}
    for r in chrome.removed:
        chrome_cut[r.line_no] = chrome_cut.get(r.line_no, "") + r.text
    layout = repair_layout(chrome.lines, removed_lines=chrome_cut)
    body = "\n".join(text for _, text in layout.lines)
    score = spin_score(body)
    spun = score.score >= spin_threshold
    lines = layout.lines
    line_repairs: list[tuple[int, object]] = []
    metadata: dict[str, object] = dict(chrome.metadata)
    if spun and repair:
        rules = load_spin_rules()
        repaired_lines = []
        for line_no, text in lines:
            new_text, records = repair_text(text, rules=rules)
            repaired_lines.append((line_no, new_text))
            line_repairs.extend((line_no, r) for r in records)
        lines = repaired_lines
        if "title_zh" in metadata:
            metadata["title_zh"] = repair_text(str(metadata["title_zh"]), rules=rules)[0]

    structure = structure_units(lines, oneline=layout.oneline)
    rows = []
    previous_container = None
    sentence_no = 0
    for n, unit in enumerate(structure.units, start=1):
        container = (unit.part, unit.section_no, unit.item_no, unit.subitem_no)
        sentence_no = sentence_no + 1 if container == previous_container else 1
        previous_container = container
        rows.append(
            {
                "region_id": region_id,
                "unit_id": f"{region_id}-{n:04d}",
                "part": unit.part,
                "section_no": unit.section_no,
                "section_label": unit.section_label,
                "section_title": unit.section_title,
                "item_no": unit.item_no,
                "item_label": unit.item_label,
                "item_no_inferred": unit.item_no_inferred,
                "item_title": unit.item_title,
                "subitem_no": unit.subitem_no,
                "subitem_label": unit.subitem_label,
                "subitem_title": unit.subitem_title,
                "clause_type": unit.clause_type,
                "unit_kind": unit.unit_kind,
                "sentence_no": sentence_no,
                "line_no": unit.line_no,
                "text": unit.text,
                "text_simplified": to_simplified_aligned(unit.text),
                "n_chars": len(unit.text),
                "_src": (unit.line_no, unit.src_start, unit.src_end),
            }
        )
    units = nullable_ints(
        pd.DataFrame(rows, columns=schema.UNITS + ["_src"]),
        columns=schema.NULLABLE_INT_COLUMNS["units"],
    )
    # Text even in a plan with no such marker (an all-None column would be untyped).
    labels = ["section_label", "item_label", "subitem_label"]
    units[labels] = units[labels].astype("str")

    repair_rows = []
    for line_no, record in line_repairs:
        owner = next(
            (
                r["unit_id"]
                for r in rows
                if r["_src"][0] == line_no and r["_src"][1] <= record.start < r["_src"][2]
            ),
            "",
        )
        repair_rows.append(
            {
                "region_id": region_id,
                "unit_id": owner,
                "line_no": line_no,
                "before": record.before,
                "after": record.after,
                "rule_id": record.rule_id,
            }
        )
    repairs = pd.DataFrame(repair_rows, columns=schema.REPAIRS)
    units = units.drop(columns="_src")

    removed_rows = [
        {"region_id": region_id, "line_no": r.line_no, "text": r.text, "reason": r.reason}
        for r in [*extracted_removed, *chrome.removed, *layout.removed]
    ]
    removed_rows += [
        {
            "region_id": region_id,
            "line_no": lab.line_no,
            "text": lab.text,
            "reason": "structure_label",
        }
        for lab in structure.labels
    ]
    removed = pd.DataFrame(removed_rows, columns=schema.REMOVED)
    removed = removed.sort_values(["line_no"], kind="stable").reset_index(drop=True)

    kept = int(units["n_chars"].sum()) if len(units) else 0
    n_removed = int(removed["text"].str.len().sum()) if len(removed) else 0
    repair_delta = (
        int((repairs["after"].str.len() - repairs["before"].str.len()).sum()) if len(repairs) else 0
    )
    n_read = decoded.n_chars_decoded + sum(len(r.text) for r in extracted_removed)
    whitespace = n_read - kept - n_removed + repair_delta
    notes = list(chrome.notes) + list(layout.notes) + list(structure.notes)
    if spun:
        notes.append(
            f"spin score {score.score:.2f} ≥ {spin_threshold}: "
            "text passed through a synonym spinner; "
            + (
                f"{len(repairs)} substitutions restored"
                if repair
                else "left unrepaired (repair=False)"
            )
        )
    kinds = units["unit_kind"]
    metadata.update(
        {
            "encoding": decoded.encoding,
            "script": detect_script(body),
            "n_chars_read": n_read,
            "n_chars_kept": kept,
            "n_chars_removed": n_removed,
            "n_chars_repaired_delta": repair_delta,
            "n_whitespace_removed": whitespace,
            "n_punct_normalised": structure.n_chars_changed,
            "spin_score": round(score.score, 4),
            "spun": spun,
            "n_repairs": len(repairs),
            "n_parts": int(units["part"].nunique()),
            "n_sections": int((kinds == "section_heading").sum()),
            "n_items": int((kinds == "item_title").sum())
            if structure.structure_recognised
            else int(units["item_no"].nunique()),
            "n_units": len(units),
            "n_sentences": int((kinds == "sentence").sum()),
            "structure_recognised": structure.structure_recognised,
        }
    )
    return DocumentResult(region_id, units, removed, repairs, metadata, notes)


@dataclass
class Corpus:
    """The loader's tables (see :mod:`analysis.schema` for their columns)."""

    regions: pd.DataFrame
    units: pd.DataFrame
    removed: pd.DataFrame
    repairs: pd.DataFrame


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def region_row(
    manifest_row: dict[str, str], result: DocumentResult, *, sha256: str
) -> dict[str, object]:
    """Combine a manifest row with what the loader found (one row of ``regions``)."""
    meta = result.metadata
    row: dict[str, object] = dict(manifest_row)
    for key in (
        "title_zh",
        "publisher",
        "issued_date",
        "page_date",
        "index_no",
        "page_views",
        "source_site",
    ):
        row[key] = str(meta.get(key, "") or "")
    for key in schema.REGIONS:
        if key not in row and key in meta:
            row[key] = meta[key]
    row["sha256"] = sha256
    row["quality_notes"] = "; ".join(result.notes)
    return row


def decoded_from_extracted(extracted: Extracted) -> Decoded:
    """The text of an HTML or .docx plan in the shape the text pipeline takes."""
    return Decoded(
        extracted.text, extracted.encoding or extracted.format, len(extracted.text), 0, 0
    )


def read_plan(path: Path) -> tuple[Decoded, Extracted | None]:
    """Read a raw plan of any supported format.

    Plain text goes through :func:`analysis.corpus.read.read_text_file` (no
    :class:`Extracted`); HTML pages, .docx and PDF files through
    :func:`analysis.ingest.formats.extract_document`, whose result also
    carries the container's metadata (the page's own date and publisher),
    warnings and the lines the extractor left out.
    """
    if path.suffix.lower() == ".txt":
        return read_text_file(path), None
    extracted = extract_document(path)
    return decoded_from_extracted(extracted), extracted


def load_plan(task: tuple[dict[str, str], Path, bool]) -> tuple[dict[str, object], DocumentResult]:
    """Load one manifest row (a top-level function, so a worker process can run it)."""
    row, raw_dir, repair = task
    path = raw_dir / row["file"]
    if not path.is_file():
        raise ReadError(
            f"{row['file']}: listed in the manifest for {row['region_id']!r} "
            f"but missing from {raw_dir}"
        )
    decoded, extracted = read_plan(path)
    result = process_document(
        decoded,
        region_id=row["region_id"],
        repair=repair,
        extracted_removed=extracted.removed if extracted else (),
    )
    if extracted is not None:
        # What the container states (an HTML page's meta tags) wins over chrome guesses;
        # facts in furniture the extractor left out only fill what is still missing.
        result.metadata.update({k: v for k, v in extracted.metadata.items() if v})
        for key, value in extracted.page_facts.items():
            if not result.metadata.get(key):
                result.metadata[key] = value
        result.notes = list(extracted.warnings) + result.notes
    return region_row(row, result, sha256=sha256_file(path)), result


def summarise_plan(extracted: Extracted) -> dict[str, object]:
    """What the loader finds in a plan, for the ``add`` command's report."""
    result = process_document(
        decoded_from_extracted(extracted), region_id="new_plan", extracted_removed=extracted.removed
    )
    keys = (
        "encoding",
        "n_chars_read",
        "n_chars_kept",
        "n_chars_removed",
        "spin_score",
        "spun",
        "n_repairs",
        "n_parts",
        "n_sections",
        "n_items",
        "n_sentences",
        "structure_recognised",
        "title_zh",
    )
    summary: dict[str, object] = {key: result.metadata.get(key, "") for key in keys}
    summary["removed_by_reason"] = result.removed.groupby("reason").size().to_dict()
    summary["notes"] = "; ".join(result.notes)
    return summary


def load_corpus(
    manifest: pd.DataFrame | None = None,
    *,
    raw_dir: Path = config.RAW_DIR,
    repair: bool = True,
    n_jobs: int | None = None,
    scheduler: str | None = None,
) -> Corpus:
    """Load every plan in the manifest into the corpus tables.

    Parameters
    ----------
    manifest : DataFrame, optional
        Defaults to :func:`read_manifest` of ``data/raw/manifest.csv``.
    raw_dir : Path, default ``config.RAW_DIR``
    repair : bool, default True
        Passed to :func:`process_document`; ``False`` shows the plans as
        published, spinner damage included.
    n_jobs, scheduler
        Where the per-plan work runs; see :func:`analysis.executors.map_documents`.

    Returns
    -------
    Corpus
        ``regions`` (one row per plan, :data:`schema.REGIONS`), ``units``
        (one row per sentence or heading, in manifest then document order),
        ``removed`` and ``repairs`` (the ledgers).
    """
    if manifest is None:
        manifest = read_manifest(raw_dir=raw_dir)
    tasks = [(row, raw_dir, repair) for row in manifest.to_dict("records")]
    loaded = map_documents(
        load_plan, tasks, n_jobs=n_jobs, scheduler=scheduler, desc="loading plans"
    )
    regions = pd.DataFrame([region for region, _ in loaded]).loc[:, schema.REGIONS]
    return Corpus(
        # plan_year and page_views are text in the manifest and page; whole numbers here.
        regions=nullable_ints(regions, columns=schema.NULLABLE_INT_COLUMNS["regions"]),
        units=pd.concat([r.units for _, r in loaded], ignore_index=True),
        removed=pd.concat([r.removed for _, r in loaded], ignore_index=True),
        repairs=pd.concat([r.repairs for _, r in loaded], ignore_index=True),
    )
