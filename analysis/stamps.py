"""Up-to-date checks for the build: skip a step whose inputs and outputs are as last built.

Like ``make``, but by content rather than by modification time, so a fresh
checkout, a ``touch`` or a copied directory never fools it.  A step (the
tables, the figures) has an *inputs digest*: the SHA-256 of everything that
can change what it writes -- the raw files and manifest, the hand-coded
validation files, every file of the ``analysis`` package (code and rule
files), the Python version and the versions of the result-shaping
libraries.  After a step has written its files, :func:`record_step` stores
the digest and the SHA-256 of each file written.  :func:`current_outputs`
answers "can this step be skipped?": only when the digest is the same and
every recorded file is still there with the same content.  Anything else --
a changed input, an edited or deleted output, no stamp at all -- means the
step runs again.

Stamps live in the project cache (``<cache_dir>/build/``), one JSON file per
output directory; they are local bookkeeping, never committed, and deleting
them only costs one full rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Bumped when the meaning of a stamp changes, so old stamps are ignored.
STAMP_VERSION: int = 1

# Directories inside a source tree that never affect results.
_IGNORED_DIRS: frozenset[str] = frozenset({"__pycache__", ".ipynb_checkpoints"})

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (outputs can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tree_files(root: Path) -> list[Path]:
    """Every regular file under ``root``, sorted, leaving out ``__pycache__`` and ``*.pyc``."""
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS)
        found += [Path(dirpath) / name for name in filenames if not name.endswith(".pyc")]
    return sorted(found)


def inputs_digest(
    *, files: Mapping[str, Path], values: Mapping[str, object],
    hashed: Mapping[str, str] | None = None,
) -> str:
    """One SHA-256 over named files' contents and JSON-serialisable settings.

    Parameters
    ----------
    files : mapping of a stable name (e.g. a path relative to its root) to the file.
        Names, not absolute paths, go into the digest, so a clone elsewhere
        with the same content has the same digest.
    values : settings and versions, e.g. ``{"python": "3.11.7"}``.
    hashed : mapping of a stable name to a SHA-256 already known, optional
        Files whose hash was just computed (e.g. by :func:`recorded_outputs`),
        so large outputs are not read again.
    """
    digests = {name: file_sha256(path) for name, path in files.items()}
    digests.update(hashed or {})
    payload = {
        "stamp_version": STAMP_VERSION,
        "files": dict(sorted(digests.items())),
        "values": values,
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def stamp_path(out_dir: Path, *, cache_dir: Path) -> Path:
    """The stamp file of one output directory (keyed by its resolved path)."""
    key = hashlib.sha256(str(Path(out_dir).resolve()).encode("utf-8")).hexdigest()[:24]
    return Path(cache_dir) / "build" / f"{key}.json"


def _read(path: Path) -> dict:
    try:
        stamp = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no stamp or a damaged one: nothing is known to be current
    return stamp if isinstance(stamp, dict) and stamp.get("version") == STAMP_VERSION else {}


def current_outputs(path: Path, step: str, inputs: str) -> list[Path] | None:
    """The files a step wrote last time, if it can be skipped now; else ``None``.

    A step can be skipped when its stamp holds the same inputs digest and every
    file it recorded still exists with the recorded SHA-256.
    """
    entry = _read(path).get("steps", {}).get(step)
    if not isinstance(entry, dict) or entry.get("inputs") != inputs:
        return None
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return None
    for name, sha in outputs.items():
        file = Path(name)
        if not file.is_file() or file_sha256(file) != sha:
            return None
    return [Path(name) for name in outputs]


def recorded_outputs(path: Path, step: str) -> dict[Path, str]:
    """The files a step last recorded, with their SHA-256 (empty when none)."""
    entry = _read(path).get("steps", {}).get(step)
    outputs = entry.get("outputs") if isinstance(entry, dict) else None
    return {Path(name): sha for name, sha in outputs.items()} if isinstance(outputs, dict) else {}


def record_step(path: Path, step: str, inputs: str, outputs: Iterable[Path]) -> None:
    """Store a step's inputs digest and the SHA-256 of each file it wrote.

    Written to a temporary file and renamed, so a killed run never leaves a
    half-written stamp (which would only be ignored, but costs a rebuild).
    """
    path = Path(path)
    stamp = _read(path) or {"version": STAMP_VERSION, "steps": {}}
    stamp["steps"][step] = {
        "inputs": inputs,
        "outputs": {str(Path(p).resolve()): file_sha256(Path(p)) for p in sorted(outputs)},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(stamp, handle, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)

