"""map_documents: same results, in input order, in-process, in a pool and on Dask.

The Dask tests start a two-worker ``distributed.LocalCluster`` on 127.0.0.1
(no dashboard, no network beyond loopback) and are skipped when
``distributed`` is not installed: Dask is an optional dependency.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from analysis import executors
from analysis.executors import SCHEDULER_ENV, map_documents


def _square_and_pid(x: int) -> tuple[int, int]:
    # Later items finish first, so a pool that returned results in completion
    # order would fail the order check.
    time.sleep(0.002 * (24 - x % 24))
    return x * x, os.getpid()


@pytest.fixture(autouse=True)
def _no_scheduler_from_environment(monkeypatch):
    # A developer's ANALYSIS_DASK_SCHEDULER must not send these tests to a cluster.
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_results_come_back_in_input_order(n_jobs):
    items = list(range(3 * executors.MIN_DOCUMENTS_FOR_POOL))
    results = map_documents(_square_and_pid, items, n_jobs=n_jobs, progress=False)
    assert [square for square, _ in results] == [x * x for x in items]
    pids = {pid for _, pid in results}
    if n_jobs == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids, "n_jobs=2 should run the items in worker processes"


def test_small_batches_run_in_this_process():
    items = list(range(executors.MIN_DOCUMENTS_FOR_POOL - 1))
    results = map_documents(_square_and_pid, items, n_jobs=2, progress=False)
    assert [square for square, _ in results] == [x * x for x in items]
    assert {pid for _, pid in results} == {os.getpid()}


def test_empty_input_gives_empty_list():
    assert map_documents(_square_and_pid, [], n_jobs=2, progress=False) == []


@pytest.mark.parametrize("n_jobs", [0, -1, -4])
def test_non_positive_n_jobs_is_refused_with_a_message_naming_it(n_jobs):
    with pytest.raises(ValueError, match=r"n_jobs must be a positive integer.*" + str(n_jobs)):
        map_documents(_square_and_pid, [1, 2, 3], n_jobs=n_jobs)


@pytest.mark.parametrize("n_jobs", [2.5, "2", True])
def test_non_integer_n_jobs_is_refused_with_a_message_naming_it(n_jobs):
    with pytest.raises(ValueError, match="n_jobs must be a positive integer"):
        map_documents(_square_and_pid, list(range(10)), n_jobs=n_jobs, progress=False)


def test_a_scheduler_without_distributed_installed_says_how_to_fix_it(monkeypatch):
    # None in sys.modules makes `import distributed` raise ImportError.
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=f"dask.distributed is not installed.*{SCHEDULER_ENV}"):
        map_documents(abs, [-1], scheduler="tcp://127.0.0.1:1")


# --------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is optional (pip install -e .[dask])")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  protocol="tcp") as cluster:
        yield cluster


def test_dask_results_come_back_in_input_order(dask_cluster):
    # sum over ranges of decreasing length: the first items take longest.
    items = [range(n) for n in (400_000, 300_000, 5, 200_000, 1, 100_000, 0, 7)]
    expected = [sum(r) for r in items]
    assert map_documents(sum, items, scheduler=dask_cluster.scheduler_address,
                         progress=False) == expected


def test_the_environment_variable_sends_work_to_dask(dask_cluster, monkeypatch):
    calls = []
    real = executors._map_dask

    def spy(func, items, *, scheduler, desc, show):
        calls.append(scheduler)
        return real(func, items, scheduler=scheduler, desc=desc, show=show)

    monkeypatch.setattr(executors, "_map_dask", spy)
    monkeypatch.setenv(SCHEDULER_ENV, dask_cluster.scheduler_address)
    # n_jobs=1 would run in this process; the scheduler in the environment wins.
    assert map_documents(abs, [-3, 2, -1], n_jobs=1, progress=False) == [3, 2, 1]
    assert calls == [dask_cluster.scheduler_address]


# The whole build on a LocalCluster, byte for byte: tests/test_distributed.py.
