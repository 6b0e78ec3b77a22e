"""Tests for analysis.ingest.types: the result every extractor returns."""

from __future__ import annotations

from analysis.ingest.types import Extracted


def test_extracted_paragraphs_drop_blank_lines():
    extracted = Extracted("一、标题\n\n  正文。  \n", "txt", "utf-8")
    assert extracted.paragraphs == ["一、标题", "正文。"]
