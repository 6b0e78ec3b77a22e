"""Tests for analysis.memory: freed heap memory goes back to the system."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis import memory

STATM = Path("/proc/self/statm")


def _resident_bytes() -> int:
    # statm's second field: resident pages.
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(memory._malloc_trim() is None or not STATM.exists(),
                    reason="needs glibc's malloc_trim and /proc (Linux)")
def test_freed_heap_blocks_under_a_live_one_are_returned():
    # 64 MiB of 4 KiB blocks from malloc's heap (too small for mmap, too large for
    # Python's small-object allocator), then one block kept above them: free()
    # alone cannot shrink the heap past it, so the freed pages stay resident.
    blocks = [bytes(4096) + bytes([i % 256]) for i in range(16_384)]
    kept = bytes(4096) + b"kept"
    before = _resident_bytes()
    del blocks
    freed_only = _resident_bytes()
    memory.release_memory()
    released = _resident_bytes()
    assert before - freed_only < 16 * 2**20  # free() gave back little of the 64 MiB
    assert freed_only - released > 48 * 2**20  # release_memory gave back most of it
    assert kept.endswith(b"kept")


def test_release_memory_runs_without_the_c_library_function(monkeypatch):
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert memory.release_memory() is None
