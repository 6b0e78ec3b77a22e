"""Writing and reading the processed tables, byte-for-byte reproducibly.

Every table goes out twice: CSV in UTF-8 with a BOM (so Excel opens Chinese
text correctly) and Parquet (typed, fast).  Rows are written in the order the
caller gives, which is always a documented sort order, and Parquet files carry
no creation timestamp or writer metadata that would change between runs.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.schema import NULLABLE_INT_COLUMNS


def nullable_ints(table: pd.DataFrame, *, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` as pandas nullable integers (``Int64``).

    Empty or blank strings, None and NaN become ``<NA>``; ``"2021"``, ``2021``
    and ``2021.0`` become 2021.  Columns ``table`` lacks are skipped.  Raises
    ``ValueError`` naming the column when a value is not a whole number.
    """
    out = table.copy()
    for column in (c for c in columns if c in out.columns):
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            shown = values
        else:
            shown = values.astype("string").str.strip().mask(lambda t: t.eq(""))
            values = pd.to_numeric(shown, errors="coerce")
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = (shown.notna().to_numpy() & np.isnan(numbers)) | (numbers % 1 > 0)
        if bad.any():
            raise ValueError(
                f"column {column!r} must hold whole numbers or be empty; "
                f"got {str(shown[bad].iloc[0])!r}"
            )
        out[column] = pd.Series(numbers, index=out.index).astype("Int64")
    return out


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
    # Whole numbers with gaps go out as integers (CSV "1", not "1.0"; Parquet int64).
    ordered = nullable_ints(
        table.loc[:, columns].reset_index(drop=True), columns=NULLABLE_INT_COLUMNS.get(stem, ())
    )
    csv_path = out_dir / f"{stem}.csv"
    _write_csv(ordered, csv_path)
    parquet_path = out_dir / f"{stem}.parquet"
    _write_parquet(ordered, parquet_path)
    return [csv_path, parquet_path]


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    # No pandas metadata or writer stamps: the same table gives the same bytes.
    # One chunk per column: a table stacked from blocks (a Dask build's partitions)
    # otherwise writes other bytes than the same values made in one piece.
    arrow = (pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
             .combine_chunks())
    pq.write_table(arrow, path, compression="zstd", write_statistics=False)


def read_table(stem: str, out_dir: Path) -> pd.DataFrame:
    """Read ``<stem>.parquet`` from ``out_dir`` (the typed copy of a table).

    The columns of ``schema.NULLABLE_INT_COLUMNS[stem]`` come back as ``Int64``
    (the file has no pandas metadata, so Arrow alone would give floats with NaN).
    """
    path = out_dir / f"{stem}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `python -m analysis build` first")
    table = pq.read_table(path).to_pandas()
    return nullable_ints(table, columns=NULLABLE_INT_COLUMNS.get(stem, ()))


def write_json(payload: dict, path: Path) -> Path:
    """Write ``payload`` as sorted, indented UTF-8 JSON ending in a newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path


#: Formats :func:`export` writes.
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
# Every member of a written .xlsx gets this date (the zip format's earliest),
# and the workbook's created/modified properties the same, so the same table
# gives the same bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _write_xlsx(table: pd.DataFrame, path: Path) -> None:

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in row])
    fixed = datetime.datetime(1980, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED
    ) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified.
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>1980-01-01T00:00:00Z\g<2>",
                    data,
                )
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH), data)


def export(
    table: pd.DataFrame,
    stem: str,
    *,
    out_dir: Path = Path("."),
    formats: tuple[str, ...] = ("csv", "parquet"),
) -> list[Path]:
    """Write a table of your own for Excel, R, Stata or Python, reproducibly.

    Unlike :func:`write_table` it takes any columns (no schema). CSV is UTF-8
    with a BOM (Excel shows Chinese correctly; R reads it with
    ``readr::read_csv`` or ``read.csv(fileEncoding = "UTF-8-BOM")``), Parquet
    keeps the column types (``arrow::read_parquet`` in R), and ``.xlsx`` has
    one sheet, ``data``. The same table gives the same bytes in every format.

    Parameters
    ----------
    table : DataFrame
        Written as it is, index dropped.
    stem : str
        File name without suffix (letters, digits, ``_ . -``).
    out_dir : Path, default the current folder
        Created if missing.
    formats : tuple of {"csv", "parquet", "xlsx"}, default ("csv", "parquet")

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", stem):
        raise ValueError(f"stem must be letters, digits, '_', '.' or '-'; got {stem!r}")
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"formats must be a non-empty tuple of {', '.join(EXPORT_FORMATS)}; got {formats!r}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = table.reset_index(drop=True)
    paths = []
    for fmt in dict.fromkeys(formats):
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "csv":
            _write_csv(ordered, path)
        elif fmt == "parquet":
            _write_parquet(ordered, path)
        else:
            _write_xlsx(ordered, path)
        paths.append(path)
    return paths
