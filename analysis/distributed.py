"""Table steps on a Dask cluster: partitions of plans mapped on workers, or a step as one task.

:mod:`analysis.executors` sends per-document work (loading, segmentation) to a
cluster; this module does the same for the table steps of
:mod:`analysis.build` when a scheduler is named (``--scheduler`` or the
``ANALYSIS_DASK_SCHEDULER`` environment variable).  Two ways:

*Partitions of plans* (:func:`map_partitions`).  A table is cut into
contiguous blocks of rows whose boundaries fall where ``region_id`` changes
(:func:`region_partitions`), each block is sent to a worker, a function runs
on it there, and the results come back in block order.  For a function that
works row by row (the theme, instrument, modality, target and citation coders)
concatenating the results (:func:`concat_partitions`) gives the very table the
function gives on the whole input; for counts (keyword frequencies, keyness)
the per-block count tables are summed on the client and the statistics are
computed once on the sums, so the numbers are the same too.

*A step as one task* (:func:`run_on_worker`).  A step whose work is not split
(similarity, passage alignment, topics, text reuse, co-occurrence) runs whole
on one worker: only the tables it reads are sent, and its tables come back.
It frees the client's memory and core for the duration, but not the worker's.

Without a scheduler every function here runs the work in this process, so the
build is unchanged.  Dask is imported only when a scheduler is named.
"""

from __future__ import annotations

import functools
import itertools
import math
import shutil
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import config, schema
from analysis.executors import SCHEDULER_ENV, scheduler_from
from analysis.io import write_table
from analysis.text.tokens import USER_DICT_PATH

if TYPE_CHECKING:  # pragma: no cover - typing only
    from distributed import Client

    from analysis.coding.themes import Codebook

R = TypeVar("R")
T = TypeVar("T")
Tables = dict[str, pd.DataFrame]

# Plans per partition: large enough that a task's overhead (~ms) is small next
# to its work, small enough that a worker holds a few hundred plans' rows at most.
PLANS_PER_PARTITION = 50
# At least this many partitions per worker thread, so a slow one does not idle the rest.
PARTITIONS_PER_THREAD = 2


def resolve_scheduler(scheduler: str | None) -> str | None:
    """The scheduler address to use: ``scheduler``, else ``$ANALYSIS_DASK_SCHEDULER``, else None.

    Always None inside :func:`analysis.executors.in_this_process` (on a worker).
    """
    return scheduler_from(scheduler)


@contextmanager
def cluster_client(scheduler: str) -> Iterator[Client]:
    """A ``distributed.Client`` connected to ``scheduler``, closed on exit.

    Raises
    ------
    ImportError
        dask.distributed is not installed; the message says how to install it.
    """
    try:
        from distributed import Client
    except ImportError as error:
        raise ImportError(
            f"a Dask scheduler was given ({scheduler!r}) but dask.distributed is not installed; "
            f"install it with `pip install -e .[dask]` or unset {SCHEDULER_ENV}"
        ) from error
    with Client(scheduler) as client:
        yield client


def region_partitions(
    table: pd.DataFrame, *, n_partitions: int, column: str = "region_id"
) -> list[pd.DataFrame]:
    """Cut ``table`` into at most ``n_partitions`` row blocks, never inside a run of one region.

    Parameters
    ----------
    table : DataFrame
        Any table with ``column``; its row order is kept.  Not modified.
    n_partitions : int
        The most blocks wanted (a positive integer); fewer when the table has
        fewer runs of equal ``column`` values.
    column : str, default "region_id"

    Returns
    -------
    list of DataFrame
        Row slices (``iloc``) of ``table`` with its index and columns; their
        concatenation in list order is ``table``.  An empty table gives one
        empty block.  Blocks hold about the same number of region runs.
    """
    if isinstance(n_partitions, bool) or not isinstance(n_partitions, int) or n_partitions < 1:
        raise ValueError(f"n_partitions must be a positive integer; got {n_partitions!r}")
    if column not in table.columns:
        raise ValueError(f"table is missing column {column!r}")
    if table.empty:
        return [table.iloc[0:0]]
    codes = pd.factorize(table[column])[0]
    # Where a new run of the column starts (a region's rows are one run in the
    # units table; cutting only there keeps every plan's rows on one worker).
    changes = np.ones(len(codes), dtype=bool)
    changes[1:] = codes[1:] != codes[:-1]
    run_starts = np.flatnonzero(changes).tolist()
    per_block = math.ceil(len(run_starts) / n_partitions)
    starts = run_starts[::per_block]
    ends = [*starts[1:], len(table)]
    return [table.iloc[start:end] for start, end in zip(starts, ends, strict=True)]


def _partition_count(client: Client, n_regions: int) -> int:
    threads = sum(client.nthreads().values()) or 1
    return max(1, min(n_regions, max(threads * PARTITIONS_PER_THREAD,
                                      math.ceil(n_regions / PLANS_PER_PARTITION))))


def bounded_map(
    client: Client, func: Callable[[T], R], items: Sequence[T], *, window: int,
    scatter: bool = False, on_result: Callable[[], None] | None = None,
) -> list[R]:
    """``func`` of every item on the cluster, at most ``window`` tasks at a time; results in order.

    Submitting every item at once keeps every input and every finished result in
    the workers' memory until the client has gathered them all, so a worker grows
    with the number of plans.  Here a task is submitted only when one has come
    back, and each result is released as soon as it is fetched, so a worker holds
    about ``window / n_workers`` blocks whatever the size of the collection.

    Parameters
    ----------
    client : distributed.Client
    func : a picklable function of one item.
    items : the inputs, in the order the results are returned.
    window : int -- most tasks in flight (at least 1).
    scatter : bool, default False -- send each item to the cluster first
        (``client.scatter``) rather than inside the task (for large tables).
    on_result : callable, optional -- called once per result (a progress bar's update).
    """
    from distributed import as_completed

    if window < 1:
        raise ValueError(f"window must be at least 1, got {window!r}")
    results: list[R | None] = [None] * len(items)
    position: dict[str, int] = {}
    pending = iter(enumerate(items))
    finished = as_completed()

    def submit(index: int, item: T) -> None:
        argument = client.scatter(item) if scatter else item
        future = client.submit(func, argument, pure=False)
        position[future.key] = index
        finished.add(future)

    for index, item in itertools.islice(pending, window):
        submit(index, item)
    for future in finished:
        results[position.pop(future.key)] = future.result()
        future.release()
        if on_result is not None:
            on_result()
        following = next(pending, None)
        if following is not None:
            submit(*following)
    return results  # type: ignore[return-value]


def map_partitions(
    func: Callable[[pd.DataFrame], R],
    table: pd.DataFrame,
    *,
    scheduler: str | None,
    column: str = "region_id",
) -> list[R]:
    """Apply ``func`` to blocks of whole plans of ``table``; results in block order.

    Parameters
    ----------
    func : callable
        A picklable function of one table (a top-level function or a
        ``functools.partial`` of one); it must not rely on seeing every plan.
    table : DataFrame
        Rows of many plans, each plan's rows together (as the units and token
        tables are).  Not modified.
    scheduler : str or None
        A Dask scheduler address; None (and no ``$ANALYSIS_DASK_SCHEDULER``)
        runs ``func(table)`` here and returns ``[func(table)]``.
    column : str, default "region_id"
        The plan column the blocks are cut at (:func:`region_partitions`).

    Returns
    -------
    list
        ``func`` of each block, in the blocks' (the table's) order.  The number
        of blocks depends on the cluster's size, never the results once combined
        (:func:`concat_partitions`, or sums of counts).
    """
    scheduler = resolve_scheduler(scheduler)
    if scheduler is None:
        return [func(table)]
    with cluster_client(scheduler) as client:
        n_regions = int(table[column].nunique()) if column in table.columns else 1
        parts = region_partitions(table, n_partitions=_partition_count(client, n_regions),
                                  column=column)
        # Scattered first: a block travels to a worker once, not inside the task graph;
        # a bounded window keeps the workers' memory flat in the number of plans.
        threads = sum(client.nthreads().values()) or 1
        return bounded_map(client, func, parts, window=threads * PARTITIONS_PER_THREAD,
                           scatter=True)


def concat_partitions(parts: list[pd.DataFrame], *, keep_index: bool) -> pd.DataFrame:
    """The tables of :func:`map_partitions` stacked in order, as one call on the whole input gives.

    Parameters
    ----------
    parts : list of DataFrame
        At least one table, all with the same columns.
    keep_index : bool
        True for row-wise coders, which keep their input's index (the blocks'
        indexes then join into the whole table's); False for tables numbered
        from 0 (each block's ``RangeIndex`` is replaced by one for the whole).

    Notes
    -----
    Empty blocks are left out when another block has rows: an empty result can
    carry other column dtypes (``object`` where rows give ``int64``), and
    stacking it would change the dtypes of the whole.
    """
    if not parts:
        raise ValueError("concat_partitions needs at least one table")
    filled = [part for part in parts if len(part)] or parts[:1]
    if len(filled) == 1:
        return filled[0] if keep_index else filled[0].reset_index(drop=True)
    return pd.concat(filled, ignore_index=not keep_index)


def run_on_worker(
    func: Callable[[Tables], Tables],
    tables: Mapping[str, pd.DataFrame],
    *,
    needs: Collection[str],
    scheduler: str | None,
) -> Tables:
    """Run a whole build step on one worker of the cluster; here when there is none.

    Parameters
    ----------
    func : callable
        A picklable step: a dict of tables in, a dict of new tables out.
    tables : mapping of str to DataFrame
        The tables made so far; only those named in ``needs`` are sent.
    needs : collection of str
        The names of the tables the step reads.
    scheduler : str or None
        A Dask scheduler address; None (and no ``$ANALYSIS_DASK_SCHEDULER``)
        runs ``func`` here on ``tables``.

    Returns
    -------
    dict of str to DataFrame
        What ``func`` returns.
    """
    scheduler = resolve_scheduler(scheduler)
    if scheduler is None:
        return func(dict(tables))
    missing = sorted(set(needs) - set(tables))
    if missing:
        raise ValueError(f"the step needs tables {missing}, which are not made yet")
    with cluster_client(scheduler) as client:
        # scatter({}) fails inside distributed; a step that reads no table sends nothing.
        inputs = client.scatter({name: tables[name] for name in sorted(needs)}) if needs else {}
        return client.submit(_call_with_tables, func, inputs, pure=False).result()


def _call_with_tables(func: Callable[[Tables], Tables], inputs: Tables) -> Tables:
    return func(dict(inputs))


# --------------------------------------------------------------------------- per-plan stream

#: The tables :func:`write_per_plan_tables` writes: every per-plan table of the
#: loading, theme, policy and segmentation steps.
PER_PLAN_TABLES: tuple[str, ...] = (
    "regions", "units", "removed", "repairs", "targets", "citations", "tokens")
# Written one Parquet file per plan, straight from the worker (schema.PARTITION_COLUMNS);
# the rest are pieces per block, joined into one file at the end.
_PER_PLAN_FOLDERS: tuple[str, ...] = ("units", "tokens")
# Where the pieces of the other tables wait, inside out_dir, until they are joined.
_PIECES = ".per-plan-pieces"


def write_per_plan_tables(
    manifest: pd.DataFrame,
    *,
    raw_dir: Path,
    out_dir: Path,
    scheduler: str | None,
    plans_per_partition: int = PLANS_PER_PARTITION,
    codebook: Codebook | None = None,
    user_dict: Sequence[Path] = (USER_DICT_PATH,),
    cache_dir: Path | None = config.CACHE_DIR,
) -> pd.DataFrame:
    """Load, code and segment blocks of plans on the workers, writing each block's rows at once.

    :func:`analysis.build.build` with a scheduler runs these stages on the
    cluster too, but gathers every block into one units and one tokens table
    in the client (4.2 GiB at 3,000 plans).  Here each block of
    ``plans_per_partition`` manifest rows is loaded (:func:`analysis.corpus.load.load_corpus`),
    theme-coded (:func:`analysis.coding.themes.code_units`), policy-coded and
    segmented (:func:`analysis.text.tokens.tokens_from_units`) on one worker,
    by the functions the build runs on the same blocks, and the worker writes
    its rows to ``out_dir`` before taking the next block.  At most a bounded
    window of blocks is in flight (:func:`bounded_map`) and only a small
    summary comes back, so neither the workers' nor the client's memory grows
    with the number of plans.  Workers must see ``raw_dir`` and ``out_dir`` at
    the same paths (one machine, or a shared file system).

    Parameters
    ----------
    manifest : DataFrame
        The plans (:func:`analysis.corpus.load.read_manifest`), in the order
        their rows are written.  Not modified.
    raw_dir : Path
        The raw plans the manifest names.
    out_dir : Path
        Where the tables go.  Earlier copies of :data:`PER_PLAN_TABLES` in it are replaced.
    scheduler : str or None
        A Dask scheduler address; None (and no ``$ANALYSIS_DASK_SCHEDULER``)
        runs the blocks one after another in this process (same files).
    plans_per_partition : int, default :data:`PLANS_PER_PARTITION` (50)
        Plans per block: a worker holds about this many plans' rows at a time.
    codebook : Codebook or None, default None (the shipped one)
    user_dict : sequence of Path, default the shipped dictionary
        The dictionaries segmentation reads, in order.
    cache_dir : Path or None, default ``config.CACHE_DIR``
        The segmentation cache (:func:`analysis.text.tokens.tokens_from_units`);
        None segments every plan afresh.

    Returns
    -------
    DataFrame
        One row per table of :data:`PER_PLAN_TABLES`, sorted by ``table``:
        ``table``, ``rows`` (rows written), ``plans`` (plans with at least one row).

    Notes
    -----
    ``units`` and ``tokens`` are written one Parquet file per plan
    (``<table>/region_id=<id>/part-0.parquet``, the layout the build uses for
    large tables, whatever their size); the other tables as one Parquet file
    each, joined from the blocks' pieces one block at a time.  No CSV copies.
    Read them with :func:`analysis.io.read_table` or
    :func:`analysis.tables.load_table`: the values are those of a build's
    tables; the build's table-wide steps (validation, shares by region,
    keywords onwards) are not run.
    """
    if (isinstance(plans_per_partition, bool) or not isinstance(plans_per_partition, int)
            or plans_per_partition < 1):
        raise ValueError(
            f"plans_per_partition must be a positive integer; got {plans_per_partition!r}")
    out_dir = Path(out_dir)
    for stem in PER_PLAN_TABLES:
        _remove_table(out_dir, stem)
    pieces = out_dir / _PIECES
    if pieces.exists():
        shutil.rmtree(pieces)
    pieces.mkdir(parents=True)
    blocks = [(index, manifest.iloc[start:start + plans_per_partition])
              for index, start in enumerate(range(0, len(manifest), plans_per_partition))]
    work = functools.partial(_per_plan_block, raw_dir=Path(raw_dir), out_dir=out_dir,
                             codebook=codebook, user_dict=tuple(user_dict), cache_dir=cache_dir)
    scheduler = resolve_scheduler(scheduler)
    if scheduler is None:
        summaries = [work(block) for block in blocks]
    else:
        with cluster_client(scheduler) as client:
            threads = sum(client.nthreads().values()) or 1
            summaries = bounded_map(client, work, blocks,
                                    window=threads * PARTITIONS_PER_THREAD)
    for stem in _PER_PLAN_FOLDERS:
        _same_schema_in_every_file([s[stem] for s in summaries])
    for stem in PER_PLAN_TABLES:
        if stem not in _PER_PLAN_FOLDERS:
            _join_pieces([s[stem]["files"] for s in summaries], out_dir, stem)
    shutil.rmtree(pieces)
    rows = [{"table": stem, "rows": sum(s[stem]["rows"] for s in summaries),
             "plans": sum(s[stem]["plans"] for s in summaries)} for stem in PER_PLAN_TABLES]
    return pd.DataFrame(rows, columns=["table", "rows", "plans"]).sort_values(
        "table", ignore_index=True)


def _per_plan_block(
    block: tuple[int, pd.DataFrame], *, raw_dir: Path, out_dir: Path,
    codebook: Codebook | None, user_dict: tuple[Path, ...], cache_dir: Path | None,
) -> dict[str, dict[str, object]]:
    """One block of plans, loaded, coded, segmented and written; what was written, per table."""
    from analysis.coding.themes import code_units
    from analysis.corpus.load import load_corpus
    from analysis.executors import in_this_process, progress_bars
    from analysis.steps import _policy_partition
    from analysis.text.tokens import tokens_from_units

    index, manifest = block
    # Already on a worker: every stage runs here, quietly, even with a scheduler set.
    with in_this_process(), progress_bars(False):
        corpus = load_corpus(manifest, raw_dir=raw_dir, n_jobs=1)
        themed = code_units(corpus.units, codebook=codebook)
        units, citations, targets = _policy_partition(themed)
        tables = {"regions": corpus.regions, "units": units, "removed": corpus.removed,
                  "repairs": corpus.repairs, "targets": targets, "citations": citations,
                  "tokens": tokens_from_units(themed, n_jobs=1, user_dict=list(user_dict),
                                              cache_dir=cache_dir, progress=False)}
    del corpus, themed
    written = {}
    for stem in PER_PLAN_TABLES:
        table = tables.pop(stem)
        # No file for a block without rows: its columns could carry other dtypes.
        # A folder per block for the pieces: two threads of a worker never share a path.
        target = out_dir if stem in _PER_PLAN_FOLDERS else out_dir / _PIECES / stem / f"{index:06d}"
        files = [] if table.empty else write_table(
            table, stem, target, columns=schema.TABLES[stem], csv_max_rows=0,
            partition_min_rows=0, partition_by="region_id" if stem in _PER_PLAN_FOLDERS else None)
        written[stem] = {"rows": len(table), "files": [str(f) for f in files],
                         "plans": int(table["region_id"].nunique()) if len(table) else 0,
                         "schema": pq.read_schema(files[0]) if files else None}
    return written


def _same_schema_in_every_file(blocks: list[dict[str, object]]) -> None:
    """Give every per-plan file of a table the same column types.

    A column that is empty (all null) in one block is written with Arrow's
    null type, which a reader taking the first file's schema cannot combine
    with the string column of another; those files are rewritten with the
    types all blocks share.
    """
    schemas = [b["schema"] for b in blocks if b["schema"] is not None]
    if not schemas:
        return
    shared = pa.unify_schemas(schemas, promote_options="permissive")
    for block in blocks:
        if block["schema"] is not None and not block["schema"].equals(shared):
            for path in block["files"]:
                pq.write_table(pq.read_table(path).cast(shared), path, compression="zstd",
                               write_statistics=False)


def _join_pieces(pieces: list[list[str]], out_dir: Path, stem: str) -> None:
    """The blocks' pieces of table ``stem`` as one Parquet file, one piece in memory at a time."""
    target = out_dir / f"{stem}.parquet"
    paths = [path for block in pieces for path in block]
    if not paths:
        # No block had rows: the empty table with its columns, as the build writes it.
        write_table(pd.DataFrame(columns=schema.TABLES[stem]), stem, target.parent,
                    columns=schema.TABLES[stem], csv_max_rows=None)
        (target.parent / f"{stem}.csv").unlink()
        return
    schemas = [pq.read_schema(path) for path in paths]
    shared = pa.unify_schemas(schemas, promote_options="permissive")
    with pq.ParquetWriter(target, shared, compression="zstd", write_statistics=False) as writer:
        for path in paths:
            writer.write_table(pq.read_table(path).cast(shared))


def _remove_table(out_dir: Path, stem: str) -> None:
    """Remove every copy of table ``stem`` from ``out_dir`` (CSV, Parquet file or folder)."""
    folder = out_dir / stem
    if folder.is_dir():
        shutil.rmtree(folder)
    for path in (out_dir / f"{stem}.csv", out_dir / f"{stem}.parquet"):
        path.unlink(missing_ok=True)
