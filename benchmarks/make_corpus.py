"""Build a benchmark corpus of N plans: a raw folder and a manifest the loader accepts.

Usage::

    python benchmarks/make_corpus.py --n 1000            # -> benchmarks/.work/corpus-1000/

The corpus is made from real documents only: the five plans in ``data/raw/``
and the 103 government work reports in ``shared/corpora/gov_work_reports/``
(108 sources).  Document ``i`` (0-based) is source ``i % 108``, copy
``i // 108``; so N = 5 is exactly the five plans and N = 108 is every source
once.  Copies beyond the first make the corpus larger without inventing text:

* **Encodings.**  Apart from the five plans' first copies, which keep their
  own bytes, document ``i`` is written as UTF-8, GB18030, UTF-16 (with BOM)
  or UTF-8 with BOM by ``i % 4``, so the read stage meets the variety it
  meets in real collections.
* **Near-duplicates, not duplicates.**  Copy ``c >= 1`` of a source drops
  every line whose index is ``c - 1`` modulo ``7 + c % 5`` (roughly one line
  in seven to eleven), so repeated sources are near-duplicates as reused
  policy text is, and no two documents of the corpus have the same text (the
  segmentation cache, the similarity and the reuse stages see distinct
  documents).

The first copy of each of the five plans keeps its own region id and file
name (so N = 5 is the project's own corpus, and the build's checks against
the hand-coded validation sample still apply); every other document is
``bench_0006`` … (numbered by position, unique).

Everything is a pure function of N: the same N gives the same bytes.  The
work folder ``benchmarks/.work/`` is git-ignored.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from analysis import config, schema
from analysis.corpus.load import read_manifest

BENCH_DIR: Path = Path(__file__).resolve().parent
WORK_DIR: Path = BENCH_DIR / ".work"
SHARED_REPORTS: Path = config.ROOT.parent / "shared" / "corpora" / "gov_work_reports"

# Encoding of document i (i >= 1 when the corpus is larger than the five plans):
# index i % 4 picks one.  "original" keeps the source's bytes (copy 0) or UTF-8.
ENCODING_CYCLE: tuple[str, ...] = ("original", "gb18030", "utf-16", "utf-8-sig")

ADMIN_BY_REGION_SUFFIX: tuple[tuple[str, str], ...] = (
    ("全国", "nation"), ("省", "province"), ("自治区", "province"), ("市", "province"),
)


@dataclass(frozen=True)
class Source:
    """One real document the corpus is made from."""

    key: str            # e.g. "plan:tonglu", "report:ws_0001"
    path: Path
    manifest_row: dict[str, str]


def _plan_sources(raw_dir: Path) -> list[Source]:
    manifest = read_manifest(raw_dir / config.MANIFEST_PATH.name, raw_dir=raw_dir)
    return [Source(f"plan:{row['region_id']}", raw_dir / row["file"], row)
            for row in manifest.to_dict("records")]


def _admin_level(region: str) -> str:
    # The 31 provincial-level units include the four municipalities (…市).
    for suffix, level in ADMIN_BY_REGION_SUFFIX:
        if region.endswith(suffix):
            return level
    return ""


def _report_sources(reports_dir: Path) -> list[Source]:
    manifest_path = reports_dir / "manifest.csv"
    with manifest_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sources = []
    for row in rows:
        region = row["region"]
        manifest_row = {column: "" for column in schema.MANIFEST}
        manifest_row.update({
            "name_zh": region,
            "province_zh": "" if region == "全国" else region,
            "admin_level": _admin_level(region),
            "plan_year": row["year"],
            "doc_type_zh": "政府工作报告",
            "doc_type_en": "government work report",
        })
        sources.append(Source(f"report:{row['doc_id']}", reports_dir / row["file"], manifest_row))
    return sources


def corpus_sources(*, raw_dir: Path = config.RAW_DIR,
                   reports_dir: Path = SHARED_REPORTS) -> list[Source]:
    """The 108 real documents in corpus order: the five plans, then the reports."""
    if not (reports_dir / "manifest.csv").is_file():
        raise FileNotFoundError(
            f"the government work reports are missing: expected {reports_dir}/manifest.csv")
    return _plan_sources(raw_dir) + _report_sources(reports_dir)


def _vary(text: str, copy_no: int) -> str:
    """Copy ``copy_no`` of a text: the original, or a version with some lines dropped."""
    if copy_no == 0:
        return text
    period = 7 + copy_no % 5
    lines = text.splitlines(keepends=True)
    return "".join(line for i, line in enumerate(lines) if i % period != (copy_no - 1) % period)


def _encode(text: str, encoding: str) -> bytes:
    if encoding in ("original", "utf-8"):
        return text.encode("utf-8")
    if encoding == "utf-16":
        return text.encode("utf-16")  # with a BOM, in the machine's byte order (LE here)
    return text.encode(encoding)


def document_bytes(source: Source, *, index: int, copy_no: int) -> tuple[bytes, str]:
    """The bytes of corpus document ``index`` and the name of its encoding.

    The five plans' first copies keep their own bytes; every other document
    is re-encoded by position (:data:`ENCODING_CYCLE`).
    """
    original = source.path.read_bytes()
    if source.key.startswith("plan:") and copy_no == 0:
        return original, "original"
    encoding = ENCODING_CYCLE[index % len(ENCODING_CYCLE)]
    if copy_no == 0 and encoding == "original":
        return original, "original"
    text = original.decode("utf-8-sig")
    return _encode(_vary(text, copy_no), encoding), encoding


def make_corpus(n: int, *, out_dir: Path | None = None, raw_dir: Path = config.RAW_DIR,
                reports_dir: Path = SHARED_REPORTS) -> Path:
    """Write a corpus of ``n`` documents to ``out_dir`` (default ``.work/corpus-<n>/raw``).

    Returns the raw folder, which holds ``manifest.csv`` and one file per
    document.  An existing folder is replaced.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    out_dir = WORK_DIR / f"corpus-{n}" / "raw" if out_dir is None else Path(out_dir)
    sources = corpus_sources(raw_dir=raw_dir, reports_dir=reports_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    width = max(4, len(str(n)))
    rows = []
    for index in range(n):
        source = sources[index % len(sources)]
        copy_no = index // len(sources)
        data, encoding = document_bytes(source, index=index, copy_no=copy_no)
        row = dict(source.manifest_row)
        if source.key.startswith("plan:") and copy_no == 0:
            # The five plans themselves, under their own ids and names: the
            # build's checks against the hand-coded sample still apply.
            file_name = row["file"]
        else:
            region_id = f"bench_{index + 1:0{width}d}"
            file_name = f"{region_id}.txt"
            row.update({
                "region_id": region_id,
                "file": file_name,
                "name_en": region_id,
                "source_note": (f"benchmark copy {copy_no} of {source.key} "
                                f"({source.path.name}); encoding {encoding}; "
                                f"sha256 {hashlib.sha256(data).hexdigest()[:16]}"),
                "inferred_fields": "",
            })
        (out_dir / file_name).write_bytes(data)
        rows.append({column: row.get(column, "") for column in schema.MANIFEST})
    with (out_dir / config.MANIFEST_PATH.name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.MANIFEST, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", required=True, help="corpus sizes")
    args = parser.parse_args(argv)
    for n in args.n:
        path = make_corpus(n)
        size = sum(p.stat().st_size for p in path.iterdir())
        print(f"N={n}: {path} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
