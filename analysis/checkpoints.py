"""Resumable builds: what the finished steps made, kept until the whole build succeeds.

The table steps of :mod:`analysis.build` write into a *checkpoint* folder next
to the output folder (``<parent>/.<out_dir name>-checkpoint/``, on the same
file system, so the finished files are later renamed into place, not copied).
After each step the checkpoint holds

* the tables of :data:`analysis.schema.TABLES` made so far (CSV + Parquet, as
  they will be shipped);
* ``intermediate/<name>.parquet``: the tables later steps still read that are
  not shipped (the coded units, the content tokens ...), written once, with
  pandas' metadata so dtypes and index come back as they were;
* ``checkpoint.json``: the build's inputs digest
  (:func:`analysis.build.tables_inputs`), the finished steps in order, and the
  size of every file above, written last and atomically: a step counts as
  finished only once everything it made is on disk.

A build that stops (an error, Ctrl-C, a killed process) leaves the checkpoint;
the next build with the same inputs digest starts after the last finished
step.  Other inputs (a changed plan, rule file or package file), another
format version, a missing or resized file, or ``resume=False`` discard it and
start over.  The output folder itself changes only when every step has
succeeded, as before.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: Bumped when the checkpoint's layout changes, so an old one is discarded.
CHECKPOINT_VERSION: int = 1

MANIFEST_NAME = "checkpoint.json"
INTERMEDIATE_DIR = "intermediate"


@dataclass(frozen=True)
class Checkpoint:
    """A build's checkpoint folder and what it holds.

    ``finished`` are the names of the finished steps, in order; ``files``
    maps each kept file (relative to ``path``) to its size in bytes.
    """

    path: Path
    inputs: str
    finished: tuple[str, ...] = ()
    files: tuple[tuple[str, int], ...] = ()

    def intermediates(self) -> list[str]:
        """Names of the intermediate tables kept, sorted."""
        prefix = f"{INTERMEDIATE_DIR}/"
        return sorted(Path(name).stem for name, _ in self.files if name.startswith(prefix))


def checkpoint_dir(out_dir: Path) -> Path:
    """The checkpoint folder of a build into ``out_dir``: ``<parent>/.<name>-checkpoint``."""
    out_dir = Path(out_dir)
    return out_dir.parent / f".{out_dir.name}-checkpoint"


def open_checkpoint(out_dir: Path, *, inputs: str, resume: bool = True) -> Checkpoint:
    """The checkpoint to continue from, or a new empty one.

    Parameters
    ----------
    out_dir : Path
        The build's output folder (its checkpoint is :func:`checkpoint_dir`).
    inputs : str
        The build's inputs digest; a checkpoint made from other inputs is discarded.
    resume : bool, default True
        False discards any checkpoint and starts over.

    Returns
    -------
    Checkpoint
        The kept one when ``resume`` and it is whole (same version and inputs,
        every recorded file present with its recorded size); otherwise a new
        one with no finished step, in an emptied folder.
    """
    path = checkpoint_dir(out_dir)
    if resume:
        kept = _read(path)
        if kept is not None and kept.inputs == inputs:
            return kept
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    fresh = Checkpoint(path=path, inputs=inputs)
    _write_manifest(fresh)
    return fresh


def record_finished(
    checkpoint: Checkpoint, step: str, *, intermediates: Mapping[str, pd.DataFrame]
) -> Checkpoint:
    """Record that ``step`` finished; return the updated checkpoint.

    Parameters
    ----------
    checkpoint : Checkpoint
    step : str
        The step's name (:func:`analysis.build` compares names when resuming).
    intermediates : mapping of name to DataFrame
        Every table later steps still read that is not shipped.  Those not
        kept yet are written (tables never change once made); kept ones no
        longer listed are deleted.

    Returns
    -------
    Checkpoint
        With ``step`` appended to ``finished`` and the size of every file in
        the folder recorded (the tables the step wrote there included,
        however the build lays them out).
    """
    folder = checkpoint.path / INTERMEDIATE_DIR
    folder.mkdir(exist_ok=True)
    kept = set(checkpoint.intermediates())
    files = dict(checkpoint.files)
    for name in sorted(set(intermediates) - kept):
        _write_parquet(intermediates[name], folder / f"{name}.parquet")
        files[f"{INTERMEDIATE_DIR}/{name}.parquet"] = (folder / f"{name}.parquet").stat().st_size
    for name in sorted(kept - set(intermediates)):
        (folder / f"{name}.parquet").unlink()
        del files[f"{INTERMEDIATE_DIR}/{name}.parquet"]
    for file in _folder_files(checkpoint.path):
        files[file.relative_to(checkpoint.path).as_posix()] = file.stat().st_size
    updated = Checkpoint(path=checkpoint.path, inputs=checkpoint.inputs,
                         finished=(*checkpoint.finished, step),
                         files=tuple(sorted(files.items())))
    _write_manifest(updated)
    return updated


def load_intermediates(checkpoint: Checkpoint) -> dict[str, pd.DataFrame]:
    """The intermediate tables kept, by name, as they were when recorded."""
    folder = checkpoint.path / INTERMEDIATE_DIR
    return {name: pd.read_parquet(folder / f"{name}.parquet")
            for name in checkpoint.intermediates()}


def discard(checkpoint: Checkpoint) -> None:
    """Delete the checkpoint folder (after a build has moved its tables into place)."""
    shutil.rmtree(checkpoint.path, ignore_errors=True)


def _folder_files(path: Path) -> list[Path]:
    """Every file in the folder but the manifest and files being written, sorted."""
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name != MANIFEST_NAME
                  and not p.name.endswith(".tmp"))


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    # With pandas' metadata (unlike the shipped Parquet): index and dtypes must come
    # back exactly, so the steps after a resume compute what they would have.
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_parquet(tmp, compression="zstd")
    os.replace(tmp, path)


def _write_manifest(checkpoint: Checkpoint) -> None:
    payload = {
        "version": CHECKPOINT_VERSION,
        "inputs": checkpoint.inputs,
        "finished": list(checkpoint.finished),
        "files": dict(checkpoint.files),
    }
    # Written to a temporary file and renamed: a killed build leaves the old manifest or the new.
    fd, tmp = tempfile.mkstemp(dir=checkpoint.path, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, checkpoint.path / MANIFEST_NAME)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _read(path: Path) -> Checkpoint | None:
    """The checkpoint in ``path`` if it is whole, else None."""
    try:
        payload = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # none, or damaged: start over
    if not isinstance(payload, dict) or payload.get("version") != CHECKPOINT_VERSION:
        return None
    files = payload.get("files")
    finished = payload.get("finished")
    if not isinstance(files, dict) or not isinstance(finished, list):
        return None
    for name, size in files.items():
        file = path / name
        if not file.is_file() or file.stat().st_size != size:
            return None
    return Checkpoint(path=path, inputs=str(payload.get("inputs")), finished=tuple(finished),
                      files=tuple(sorted(files.items())))
