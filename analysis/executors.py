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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")

SCHEDULER_ENV = "ANALYSIS_DASK_SCHEDULER"
# Below this many documents a pool costs more to start than it saves.
MIN_DOCUMENTS_FOR_POOL = 8


def default_jobs() -> int:
    """The number of worker processes: the CPUs this process may use."""
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
        Show a progress bar; by default only for more than 20 items.
    """
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1
    ):
        raise ValueError(f"n_jobs must be a positive integer or None; got {n_jobs!r}")
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    show = len(items) > 20 if progress is None else progress
    if scheduler:
        return _map_dask(func, items, scheduler=scheduler, desc=desc, show=show)
    jobs = default_jobs() if n_jobs is None else n_jobs
    if jobs == 1 or len(items) < MIN_DOCUMENTS_FOR_POOL:
        return [func(item) for item in tqdm(items, desc=desc, disable=not show)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        chunk = max(1, len(items) // (jobs * 8))
        return list(
            tqdm(
                pool.map(func, items, chunksize=chunk),
                total=len(items),
                desc=desc,
                disable=not show,
            )
        )


def _map_dask(
    func: Callable[[T], R], items: Sequence[T], *, scheduler: str, desc: str, show: bool
) -> list[R]:
    # Imported here: analysis.distributed reads SCHEDULER_ENV from this module.
    from analysis.distributed import cluster_client

    with cluster_client(scheduler) as client:
        futures = client.map(func, items, pure=False)
        results = []
        for future in tqdm(futures, desc=f"{desc} (dask)", disable=not show):
            results.append(future.result())
        return results
