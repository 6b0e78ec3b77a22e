"""Writing and reading the processed tables, byte-for-byte reproducibly.

Every table goes out twice: CSV in UTF-8 with a BOM (so Excel opens Chinese
text correctly) and Parquet (typed, fast).  Rows are written in the order the
caller gives, which is always a documented sort order, and Parquet files carry
no creation timestamp or writer metadata that would change between runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def write_table(table: pd.DataFrame, stem: str, out_dir: Path, *, columns: list[str]) -> list[Path]:
    """Write ``table`` as ``<stem>.csv`` and ``<stem>.parquet`` in ``out_dir``.

    ``columns`` is the schema list from :mod:`analysis.schema`; the table must
    have exactly those columns (in any order) or a ``ValueError`` names the
    difference.  Returns the two paths written.
    """
    missing = [c for c in columns if c not in table.columns]
    extra = [c for c in table.columns if c not in columns]
    if missing or extra:
        raise ValueError(
            f"table {stem!r} does not match its schema: missing {missing}, unexpected {extra}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = table.loc[:, columns].reset_index(drop=True)
    csv_path = out_dir / f"{stem}.csv"
    ordered.to_csv(csv_path, index=False, encoding="utf-8-sig", lineterminator="\n")
    parquet_path = out_dir / f"{stem}.parquet"
    arrow = pa.Table.from_pandas(ordered, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(arrow, parquet_path, compression="zstd", write_statistics=False)
    return [csv_path, parquet_path]


def read_table(stem: str, out_dir: Path) -> pd.DataFrame:
    """Read ``<stem>.parquet`` from ``out_dir`` (the typed copy of a table)."""
    path = out_dir / f"{stem}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `python -m analysis build` first")
    return pq.read_table(path).to_pandas()


def write_json(payload: dict, path: Path) -> Path:
    """Write ``payload`` as sorted, indented UTF-8 JSON ending in a newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path
