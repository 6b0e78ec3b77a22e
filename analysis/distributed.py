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

import itertools
import math
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

from analysis.executors import SCHEDULER_ENV

if TYPE_CHECKING:  # pragma: no cover - typing only
    from distributed import Client

R = TypeVar("R")
T = TypeVar("T")
Tables = dict[str, pd.DataFrame]

# Plans per partition: large enough that a task's overhead (~ms) is small next
# to its work, small enough that a worker holds a few hundred plans' rows at most.
PLANS_PER_PARTITION = 50
# At least this many partitions per worker thread, so a slow one does not idle the rest.
PARTITIONS_PER_THREAD = 2


def resolve_scheduler(scheduler: str | None) -> str | None:
    """The scheduler address to use: ``scheduler``, else ``$ANALYSIS_DASK_SCHEDULER``, else None."""
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


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
        inputs = client.scatter({name: tables[name] for name in sorted(needs)})
        return client.submit(_call_with_tables, func, inputs, pure=False).result()


def _call_with_tables(func: Callable[[Tables], Tables], inputs: Tables) -> Tables:
    return func(dict(inputs))
