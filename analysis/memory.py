"""Give memory the build no longer uses back to the operating system.

Freeing a table does not shrink the process: Arrow's allocator keeps freed
blocks for reuse, and glibc's ``malloc`` keeps freed heap pages (the many
small and mid-sized blocks of Python objects and NumPy temporaries) mapped
until told to trim.  Without this a step leaves the process at its own peak,
and the next step's large arrays (mapped afresh, not from that heap) add to
it.  Nothing computed changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable

import pyarrow as pa

__all__ = ["release_memory"]


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Collect garbage, then return the freed memory of Arrow and of ``malloc`` to the system.

    ``malloc_trim(0)`` returns every whole free page of the heap (glibc 2.8 and
    later), not only its top; elsewhere only Arrow's pool is released.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
