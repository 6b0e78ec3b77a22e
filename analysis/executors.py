"""Run a per-document function over many documents: in-process, in a local
process pool, or on a Dask cluster — with the same results in the same order.

(The table steps after loading and segmentation go to the cluster through
:mod:`analysis.distributed`, in blocks of plans or as one task.)

Per-document stages (loading a plan, segmenting it) only see one plan, so they
parallelise across documents.  The default is a local process pool sized to
the machine; giving a Dask scheduler address (``--scheduler`` or the
``ANALYSIS_DASK_SCHEDULER`` environment variable) sends the same calls to a
cluster instead.  Dask is an optional dependency (``pip install -e .[dask]``)
and is imported only when a scheduler is named.

Results always come back in input order, so outputs do not depend on which
worker finished first.

Progress bars (tqdm, on standard error) count the documents done and estimate
the time left.  A build turns them all on or off for everything it runs with
:func:`progress_bars` (on by default only when standard error is a terminal,
see :func:`bars_wanted`), so a build into a log file or a test shows none.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")

SCHEDULER_ENV = "ANALYSIS_DASK_SCHEDULER"
# Below this many documents a pool costs more to start than it saves.
MIN_DOCUMENTS_FOR_POOL = 8
# Without a build's setting, a bar appears only for more than this many documents.
PROGRESS_MIN_ITEMS = 20

# A build's choice for every bar it shows (progress_bars); None outside a build.
_BARS: ContextVar[bool | None] = ContextVar("analysis_progress_bars", default=None)
# True inside in_this_process(): work already on a worker never goes back to the cluster.
_HERE: ContextVar[bool] = ContextVar("analysis_in_this_process", default=False)


@contextmanager
def in_this_process() -> Iterator[None]:
    """Run every stage called inside the block in this process, scheduler or not.

    A task already running on a Dask worker (a block of plans of
    :func:`analysis.distributed.write_per_plan_tables`) calls the same
    functions a build calls; a worker started with ``$ANALYSIS_DASK_SCHEDULER``
    set would otherwise send their work back to the cluster and wait for it.
    A context variable, so each worker thread decides for itself.
    """
    token = _HERE.set(True)
    try:
        yield
    finally:
        _HERE.reset(token)


def scheduler_from(scheduler: str | None) -> str | None:
    """The scheduler address to use: ``scheduler``, else ``$ANALYSIS_DASK_SCHEDULER``, else None.

    Always None inside :func:`in_this_process`.
    """
    if _HERE.get():
        return None
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


def bars_wanted(progress: bool | None, *, verbose: bool) -> bool:
    """Whether a build shows progress bars.

    ``progress`` True or False decides; ``None`` shows them when ``verbose``
    and standard error is a terminal (not a log file, a pipe or a test).
    """
    if progress is not None:
        return progress
    return verbose and sys.stderr.isatty()


@contextmanager
def progress_bars(enabled: bool) -> Iterator[None]:
    """Turn every per-document bar on or off while the block runs.

    Off hides even the bars a stage asks for itself (``progress=True``); on
    shows a bar for any number of documents unless a stage passes ``False``.
    """
    token = _BARS.set(enabled)
    try:
        yield
    finally:
        _BARS.reset(token)


def show_bar(progress: bool | None, *, n_items: int) -> bool:
    """Whether a stage over ``n_items`` documents shows its bar.

    The enclosing :func:`progress_bars` set to off wins; then the stage's own
    ``progress``; then :func:`progress_bars` set to on; else more than
    :data:`PROGRESS_MIN_ITEMS` documents.
    """
    setting = _BARS.get()
    if setting is False:
        return False
    if progress is not None:
        return progress
    return True if setting else n_items > PROGRESS_MIN_ITEMS


def _bar(iterable, *, total: int, desc: str, show: bool) -> tqdm:
    # One look for every per-document bar: "loading plans: 40%|███ | 120/300 [00:07<00:10]".
    return tqdm(iterable, total=total, desc=desc, unit="doc", file=sys.stderr,
                disable=not show, dynamic_ncols=True)


def default_jobs() -> int:
    """The number of worker processes: the CPUs this process may use; 1 in a daemonic process.

    A daemonic process (a Dask worker, a multiprocessing pool's worker) may not
    start child processes, so work asked of it runs in it.
    """
    if multiprocessing.current_process().daemon:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_documents(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    desc: str = "documents",
    progress: bool | None = None,
) -> list[R]:
    """Apply ``func`` to every item and return the results in input order.

    Parameters
    ----------
    func : callable
        A top-level (picklable) function of one argument.
    items : sequence
    n_jobs : int, optional
        Worker processes for the local pool; default :func:`default_jobs`.
        ``1`` runs in this process.  Small batches (fewer than
        ``MIN_DOCUMENTS_FOR_POOL`` items) always run in this process.
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``).  Defaults to the
        ``ANALYSIS_DASK_SCHEDULER`` environment variable; when neither is set
        the local pool is used.
    desc : str
        Label of the progress bar.
    progress : bool, optional
        Show a progress bar (done / total and time left, on standard error);
        default: as the enclosing :func:`progress_bars` says, else only for
        more than :data:`PROGRESS_MIN_ITEMS` items (see :func:`show_bar`).
    """
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1
    ):
        raise ValueError(f"n_jobs must be a positive integer or None; got {n_jobs!r}")
    scheduler = scheduler_from(scheduler)
    show = show_bar(progress, n_items=len(items))
    if scheduler:
        return _map_dask(func, items, scheduler=scheduler, desc=desc, show=show)
    jobs = default_jobs() if n_jobs is None else n_jobs
    if jobs == 1 or len(items) < MIN_DOCUMENTS_FOR_POOL:
        return [func(item) for item in _bar(items, total=len(items), desc=desc, show=show)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        chunk = max(1, len(items) // (jobs * 8))
        return list(
            _bar(pool.map(func, items, chunksize=chunk), total=len(items), desc=desc, show=show)
        )


# Documents in flight per worker thread on a cluster: enough to hide the round trip
# of one task (a few ms against tens of ms of work), few enough to keep memory flat.
DOCUMENTS_PER_THREAD = 8


def _map_dask(
    func: Callable[[T], R], items: Sequence[T], *, scheduler: str, desc: str, show: bool
) -> list[R]:
    # Imported here: analysis.distributed reads SCHEDULER_ENV from this module.
    from analysis.distributed import bounded_map, cluster_client

    with cluster_client(scheduler) as client, \
            _bar(None, total=len(items), desc=f"{desc} (dask)", show=show) as bar:
        # A bounded window of documents in flight: the workers' memory stays flat in N.
        threads = sum(client.nthreads().values()) or 1
        return bounded_map(client, func, list(items), window=threads * DOCUMENTS_PER_THREAD,
                           on_result=bar.update)
