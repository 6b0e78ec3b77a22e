"""Shared fixtures: the raw plans and a corpus loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import config
from analysis.corpus.load import Corpus, load_corpus, read_manifest


@pytest.fixture(scope="session")
def manifest():
    return read_manifest(config.MANIFEST_PATH, raw_dir=config.RAW_DIR)


@pytest.fixture(scope="session")
def corpus(manifest) -> Corpus:
    return load_corpus(manifest, raw_dir=config.RAW_DIR)


def copy_first_plans(raw: Path, *, n: int = 2) -> Path:
    """Copy the manifest's first ``n`` plans (Tonglu, Xinwu …) and their manifest to ``raw``.

    A small corpus for whole builds; without the hand-coded plans it also shows a
    build of "another set of plans".  Returns ``raw``.
    """
    raw.mkdir(parents=True, exist_ok=True)
    lines = (config.RAW_DIR / "manifest.csv").read_text(encoding="utf-8").splitlines()
    (raw / "manifest.csv").write_text("\n".join(lines[:n + 1]) + "\n", encoding="utf-8")
    for line in lines[1:n + 1]:
        name = line.split(",")[1]
        (raw / name).write_bytes((config.RAW_DIR / name).read_bytes())
    return raw
