"""Shared fixtures: the raw plans and a corpus loaded once per test session."""

from __future__ import annotations

import pytest

from analysis import config
from analysis.corpus.load import Corpus, load_corpus, read_manifest


@pytest.fixture(scope="session")
def manifest():
    return read_manifest(config.MANIFEST_PATH, raw_dir=config.RAW_DIR)


@pytest.fixture(scope="session")
def corpus(manifest) -> Corpus:
    return load_corpus(manifest, raw_dir=config.RAW_DIR)
