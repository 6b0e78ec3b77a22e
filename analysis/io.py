"""Writing and reading the processed tables, byte-for-byte reproducibly.

Every table goes out as Parquet (typed, fast) and, up to ``config.CSV_MAX_ROWS``
rows, as CSV in UTF-8 with a BOM (so Excel opens Chinese text correctly); a
large table that readers filter by plan is a folder of Parquet files, one per
plan (:func:`write_table`).  Rows are written in the order the
caller gives, which is always a documented sort order, and Parquet files carry
no creation timestamp or writer metadata that would change between runs.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import urllib.parse
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from analysis import config
from analysis.schema import (
    NOTE_COLUMNS,
    NULLABLE_INT_COLUMNS,
    PARTITION_COLUMNS,
    TABLE_NOTES,
    TABLES,
)


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


def write_table(
    table: pd.DataFrame, stem: str, out_dir: Path, *, columns: list[str],
    csv_max_rows: int | None = config.CSV_MAX_ROWS,
    partition_by: str | None = None,
    partition_min_rows: int = config.PARTITION_MIN_ROWS,
) -> list[Path]:
    """Write ``table`` as ``<stem>.parquet`` (or a folder ``<stem>/``) and ``<stem>.csv``.

    ``columns`` is the schema list from :mod:`analysis.schema`; the table must
    have exactly those columns (in any order) or a ``ValueError`` names the
    difference.

    Parameters
    ----------
    table, stem, out_dir, columns : the table, its file stem, folder and columns.
    csv_max_rows : int or None, default ``config.CSV_MAX_ROWS`` (1,000,000) -- a
        table with more rows is written as Parquet only; None always writes CSV
        (``build --csv``).
    partition_by : str or None, default None -- a column (``region_id`` for the
        tables of ``schema.PARTITION_COLUMNS``); with more than
        ``partition_min_rows`` rows the Parquet copy becomes a folder with one
        file per value, hive style: ``<stem>/<column>=<value>/part-0.parquet``
        (the value URL-quoted; the column lives in the folder names, not the
        files).  :func:`read_table`, ``pyarrow.dataset`` and DuckDB read it as one table.
    partition_min_rows : int, default ``config.PARTITION_MIN_ROWS`` (1,000,000).

    Returns
    -------
    The paths written: the CSV when written, then the Parquet file (or every
    file of the folder, sorted).
    """
    missing = [c for c in columns if c not in table.columns]
    extra = [c for c in table.columns if c not in columns]
    if missing or extra:
        raise ValueError(
            f"table {stem!r} does not match its schema: missing {missing}, unexpected {extra}"
        )
    if partition_by is not None and partition_by not in columns:
        raise ValueError(f"partition_by must be one of the columns {columns}; got {partition_by!r}")
    for name, value in (("csv_max_rows", csv_max_rows), ("partition_min_rows", partition_min_rows)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Whole numbers with gaps go out as integers (CSV "1", not "1.0"; Parquet int64).
    ordered = nullable_ints(
        table.loc[:, columns].reset_index(drop=True), columns=NULLABLE_INT_COLUMNS.get(stem, ())
    )
    written = []
    if csv_max_rows is None or len(ordered) <= csv_max_rows:
        written.append(out_dir / f"{stem}.csv")
        _write_csv(ordered, written[-1])
    if partition_by is not None and len(ordered) > partition_min_rows:
        written += _write_partitioned(ordered, out_dir / stem, column=partition_by)
    else:
        written.append(out_dir / f"{stem}.parquet")
        _write_parquet(ordered, written[-1])
    return written


def _write_partitioned(table: pd.DataFrame, folder: Path, *, column: str) -> list[Path]:
    """One Parquet file per value of ``column``, in hive-style folders, values sorted.

    Each file holds its value's rows in the order of ``table``.  The rows are
    put in order of ``column`` once (a stable sort, skipped when the table is
    sorted by it already, as every partitioned table is) and each value's rows
    are then one slice: filtering the whole table once per value cost plans ×
    rows, 8× the time for 3× the plans.
    """
    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
    keys = pc.cast(arrow.column(column), pa.string())
    if keys.null_count:
        raise ValueError(f"column {column!r} has missing values; it cannot name partitions")
    if not len(keys):
        return []
    rest = arrow.drop_columns([column])
    del arrow
    if not _is_sorted(keys):
        # Arrow's sort is stable and orders strings by their UTF-8 bytes, which is
        # the order of their code points, as Python's sorted() gives.
        order = pc.sort_indices(keys)
        keys, rest = keys.take(order), rest.take(order)
    # Each value's rows run from where the value first appears to where the next one does.
    starts = np.concatenate([[0], _changes(keys) + 1]).astype(np.int64)
    ends = np.append(starts[1:], len(keys))
    values = keys.take(pa.array(starts)).to_pylist()
    written = []
    for value, start, end in zip(values, starts, ends, strict=True):
        path = folder / f"{column}={urllib.parse.quote(value, safe='')}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        # One chunk per column, as a filtered copy would have: the same bytes.
        part = rest.slice(int(start), int(end - start)).combine_chunks()
        pq.write_table(part, path, compression="zstd", write_statistics=False)
        written.append(path)
    return written


def _is_sorted(values: pa.ChunkedArray) -> bool:
    """Whether ``values`` (strings, no nulls) never decrease."""
    if len(values) < 2:
        return True
    return pc.all(pc.less_equal(values[:-1], values[1:])).as_py()


def _changes(values: pa.ChunkedArray) -> np.ndarray:
    """Positions ``i`` where ``values[i + 1]`` differs from ``values[i]`` (no nulls)."""
    if len(values) < 2:
        return np.array([], dtype=np.int64)
    return pc.indices_nonzero(pc.not_equal(values[:-1], values[1:])).to_numpy()


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    # No pandas metadata or writer stamps: the same table gives the same bytes.
    # One chunk per column: a table stacked from blocks (a Dask build's partitions)
    # otherwise writes other bytes than the same values made in one piece.
    arrow = (pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
             .combine_chunks())
    pq.write_table(arrow, path, compression="zstd", write_statistics=False)


def table_dataset(stem: str, out_dir: Path) -> ds.Dataset:
    """The written table ``stem`` of ``out_dir`` as a ``pyarrow.dataset`` (nothing read yet).

    One Parquet file or, for a partitioned table, its folder (the partition
    column, from ``schema.PARTITION_COLUMNS``, read from the folder names as a
    string).  Filter and project it to read part of a large table::

        table_dataset("tokens", out_dir).to_table(
            columns=["unit_id", "token"], filter=ds.field("region_id") == "bench_0001")
    """
    folder, path = Path(out_dir) / stem, Path(out_dir) / f"{stem}.parquet"
    if folder.is_dir():
        column = PARTITION_COLUMNS.get(stem)
        if column is None:
            raise ValueError(f"{folder} is a folder but table {stem!r} is never partitioned")
        partitioning = ds.partitioning(pa.schema([(column, pa.string())]), flavor="hive")
        return ds.dataset(folder, format="parquet", partitioning=partitioning)
    if path.exists():
        return ds.dataset(path, format="parquet")
    raise FileNotFoundError(f"{path} does not exist; run `python -m analysis build` first")


def table_exists(stem: str, out_dir: Path) -> bool:
    """Whether ``out_dir`` holds the written table ``stem`` (one Parquet file or a folder)."""
    return (Path(out_dir) / f"{stem}.parquet").is_file() or (Path(out_dir) / stem).is_dir()


def table_num_rows(stem: str, out_dir: Path) -> int:
    """Rows of the written table ``stem`` from its Parquet footers (no data is read)."""
    return table_dataset(stem, out_dir).count_rows()


def read_table(
    stem: str, out_dir: Path, *, columns: Sequence[str] | None = None,
    filters: list | pc.Expression | None = None,
) -> pd.DataFrame:
    """Read the table ``stem`` from ``out_dir`` (its typed Parquet copy), whole or in part.

    Reads ``<stem>.parquet`` or, for a large table written partitioned by
    region, the folder ``<stem>/`` (:func:`write_table`); both give the same
    columns, in schema order.  The rows of a partitioned table come back
    grouped by its partition column (sorted), each plan's rows in the order
    written -- the written order whenever the table is sorted by that column
    first, as ``units``, ``tokens``, ``passage_alignment`` and ``text_reuse`` are.

    Parameters
    ----------
    stem, out_dir : the table and its folder.
    columns : sequence of str, optional -- read only these columns (in this order).
    filters : optional -- keep only matching rows, as ``pyarrow.parquet.read_table``
        takes them: a list of ``(column, op, value)`` tuples (ANDed), a list of
        such lists (ORed), or a ``pyarrow.compute.Expression``.  On a
        partitioned table a filter on the region column opens only those plans' files.

    Returns
    -------
    DataFrame.  The columns of ``schema.NULLABLE_INT_COLUMNS[stem]`` come back
    as ``Int64`` (the file has no pandas metadata, so Arrow alone would give
    floats with NaN).
    """
    dataset = table_dataset(stem, out_dir)
    names = dataset.schema.names
    column = PARTITION_COLUMNS.get(stem)
    if set(TABLES.get(stem, ())) == set(names):
        known = TABLES[stem]
    else:
        # Not the schema's columns: the partition column (last in a dataset) goes first.
        known = sorted(names, key=lambda c: c != column)
    if columns is not None:
        if isinstance(columns, str):
            raise ValueError(f"columns must be a sequence of column names, e.g. [{columns!r}]")
        unknown = [c for c in columns if c not in dataset.schema.names]
        if unknown:
            raise ValueError(f"table {stem!r} has no column(s) {unknown}; "
                             f"columns are {', '.join(dataset.schema.names)}")
    wanted = list(columns) if columns is not None else list(known)
    expression = pq.filters_to_expression(filters) if isinstance(filters, list) else filters
    arrow = dataset.to_table(columns=wanted, filter=expression)
    table = arrow.to_pandas()
    if (Path(out_dir) / stem).is_dir() and column in table.columns:
        # Files are listed by their quoted names; order the plans by value.
        table = table.sort_values(column, kind="stable").reset_index(drop=True)
    return nullable_ints(table, columns=NULLABLE_INT_COLUMNS.get(stem, ()))


def split_note_columns(
    table: pd.DataFrame, stem: str, *, columns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move columns that repeat one value on every row out of ``table``, into notes.

    Parameters
    ----------
    table : a table about to be written.
    stem : its name (the ``table`` column of the notes).
    columns : sequence of str, optional -- the columns to move; default
        ``schema.NOTE_COLUMNS[stem]``.  Each must hold at most one distinct
        value, else ``ValueError`` names it.

    Returns
    -------
    (table without ``columns``, notes with columns ``schema.TABLE_NOTES``:
    ``table, column, value``; one row per column, none for an empty table).
    """
    columns = list(NOTE_COLUMNS.get(stem, ()) if columns is None else columns)
    rows = []
    for column in columns:
        if column not in table.columns:
            raise ValueError(f"table {stem!r} has no column {column!r}")
        values = pd.unique(table[column].astype(object))
        if len(values) > 1:
            raise ValueError(f"column {column!r} of {stem!r} holds {len(values)} values, not one")
        if len(values) == 1:
            rows.append({"table": stem, "column": column, "value": str(values[0])})
    notes = pd.DataFrame(rows, columns=TABLE_NOTES)
    return table.drop(columns=columns), notes


def tables_in_turn(
    reads: Sequence[Mapping[str, tuple[Sequence[str] | None, list | None]]], out_dir: Path,
) -> Iterator[dict[str, pd.DataFrame]]:
    """For each of several readers in turn (e.g. figures), the tables it reads.

    ``reads`` gives each reader's tables as ``{stem: (columns, filters)}``
    (:func:`read_table`'s arguments; None for all).  A table read the same way
    by a later reader is read once and kept until its last reader has had it;
    any other is let go as soon as no later reader wants it, so at most the
    tables still wanted are held (a thousand plans' ``units`` or ``keyness``
    take hundreds of MiB each).
    """
    keys = [{stem: (stem, repr(how)) for stem, how in reader.items()} for reader in reads]
    held: dict[tuple[str, str], pd.DataFrame] = {}
    for index, reader in enumerate(reads):
        wanted = {key for later in keys[index:] for key in later.values()}
        for key in [key for key in held if key not in wanted]:
            del held[key]
        tables = {}
        for stem, (columns, filters) in reader.items():
            key = keys[index][stem]
            if key not in held:
                held[key] = read_table(stem, out_dir, columns=columns, filters=filters)
            tables[stem] = held[key]
        yield tables


def merge_table_notes(*notes: pd.DataFrame) -> pd.DataFrame:
    """One ``table_notes`` table from the notes several steps wrote.

    A later note on the same ``(table, column)`` replaces an earlier one (a
    step rerun says the newer thing); rows are sorted by table, then column.
    """
    merged = pd.concat([frame.loc[:, TABLE_NOTES] for frame in notes], ignore_index=True)
    return (merged.drop_duplicates(["table", "column"], keep="last")
            .sort_values(["table", "column"], kind="stable").reset_index(drop=True))


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
