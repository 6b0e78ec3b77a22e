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
# --- progress bars: one build-wide setting, standard error only --------------------------


def _double(x: int) -> int:
    return 2 * x


@pytest.mark.parametrize(("setting", "progress", "n_items", "shown"), [
    (None, None, executors.PROGRESS_MIN_ITEMS, False),  # outside a build: only long batches
    (None, None, executors.PROGRESS_MIN_ITEMS + 1, True),
    (None, True, 1, True),
    (False, True, 1000, False),  # a build with bars off hides even a stage's own
    (True, None, 1, True),  # a build with bars on shows every per-plan stage
    (True, False, 1000, False),
])
def test_show_bar_follows_the_build_then_the_stage_then_the_size(setting, progress, n_items,
                                                                  shown):
    if setting is None:
        assert executors.show_bar(progress, n_items=n_items) is shown
    else:
        with executors.progress_bars(setting):
            assert executors.show_bar(progress, n_items=n_items) is shown
    assert executors.show_bar(None, n_items=1) is False  # the setting ends with the block


@pytest.mark.parametrize(("progress", "verbose", "tty", "wanted"), [
    (None, True, True, True), (None, True, False, False), (None, False, True, False),
    (True, False, False, True), (False, True, True, False),
])
def test_a_build_shows_bars_on_a_terminal_unless_told(monkeypatch, progress, verbose, tty, wanted):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert executors.bars_wanted(progress, verbose=verbose) is wanted


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_bar_counts_the_documents_on_stderr_and_nothing_on_stdout(capsys, n_jobs):
    items = list(range(executors.MIN_DOCUMENTS_FOR_POOL + 2))
    with executors.progress_bars(True):
        assert map_documents(_double, items, n_jobs=n_jobs, desc="loading plans") == [
            2 * x for x in items]
    out, err = capsys.readouterr()
    assert out == ""
    assert "loading plans: 100%" in err and f"{len(items)}/{len(items)}" in err


def test_bars_off_write_nothing(capsys):
    with executors.progress_bars(False):
        map_documents(_double, list(range(30)), n_jobs=1, progress=True)
    assert capsys.readouterr() == ("", "")


def test_in_this_process_runs_documents_here_even_with_a_scheduler_set(monkeypatch):
    # An unreachable address: were it used, the call would fail to connect.
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://127.0.0.1:1")
    with executors.in_this_process():
        assert executors.scheduler_from("tcp://10.0.0.1:8786") is None
        assert map_documents(len, ["ab", "c"], scheduler="tcp://127.0.0.1:1") == [2, 1]
    assert executors.scheduler_from(None) == "tcp://127.0.0.1:1"


def _jobs_in_this_process(_: int) -> int:
    from analysis.executors import default_jobs
    return default_jobs()


def test_default_jobs_is_one_in_a_daemonic_process():
    # A pool's workers are daemonic and may not start processes of their own
    # (the figures step on a Dask worker would fail otherwise).
    import multiprocessing

    from analysis.executors import default_jobs
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.map(_jobs_in_this_process, [0]) == [1]
    assert default_jobs() >= 1
