"""Tests for analysis.corpus.script: script detection and the simplified forms rules read.

The twin sentences below are written for this test: the same plan sentences in
simplified and in traditional characters (converted by hand, not by OpenCC, so
the test does not check OpenCC against itself).
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.coding.modality import classify_modality
from analysis.coding.targets import extract_targets
from analysis.coding.themes import code_units
from analysis.corpus.script import (
    SCRIPTS,
    detect_script,
    matching_text,
    to_simplified,
    to_simplified_aligned,
)
from analysis.text.tokens import tokens_from_units

SIMPLIFIED = [
    "全面落实立德树人根本任务，加强学校体育和心理健康教育。",
    "到2025年，全县普惠性幼儿园覆盖率达到90%以上。",
    "严格落实义务教育阶段学校作业管理和课后服务制度。",
    "加强教师队伍建设，开展乡村教师专业发展培训。",
    "必须健全校园安全风险防控体系，确保师生安全。",
]
TRADITIONAL = [
    "全面落實立德樹人根本任務，加強學校體育和心理健康教育。",
    "到2025年，全縣普惠性幼兒園覆蓋率達到90%以上。",
    "嚴格落實義務教育階段學校作業管理和課後服務制度。",
    "加強教師隊伍建設，開展鄉村教師專業發展培訓。",
    "必須健全校園安全風險防控體系，確保師生安全。",
]


def _units(texts: list[str], region: str) -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame(
        {
            "region_id": [region] * n,
            "unit_id": [f"{region}-{i:04d}" for i in range(1, n + 1)],
            "part": ["plan"] * n,
            "unit_kind": ["sentence"] * n,
            "clause_type": [None] * n,
            "section_title": ["工作任務" if region == "trad" else "工作任务"] * n,
            "item_title": [None] * n,
            "subitem_title": [None] * n,
            "text": texts,
        }
    )


def test_detect_script_tells_the_scripts_apart():
    assert detect_script("".join(SIMPLIFIED)) == "simplified"
    assert detect_script("".join(TRADITIONAL)) == "traditional"
    # Simplified furniture around a traditional body is neither.
    assert detect_script("".join(SIMPLIFIED[:3] + TRADITIONAL[3:])) == "mixed"
    # Characters common to both scripts say nothing.
    assert detect_script("教育局2024年工作要点") == "none"
    assert set(SCRIPTS) == {"simplified", "traditional", "mixed", "none"}


def test_simplified_forms_match_the_hand_converted_twin():
    for simp, trad in zip(SIMPLIFIED, TRADITIONAL, strict=True):
        assert to_simplified(trad) == simp
        assert to_simplified_aligned(trad) == simp
        assert to_simplified(simp) == simp


def test_aligned_form_keeps_every_offset():
    # A phrase whose phrase-level conversion could change length is still
    # converted character for character, so offsets found in it hold in the input.
    for text in TRADITIONAL + ["乾淨的後院裏", "", "2024年"]:
        assert len(to_simplified_aligned(text)) == len(text)


def test_matching_text_prefers_the_loaders_column_and_keeps_missing():
    units = _units(TRADITIONAL[:2], "trad")
    assert matching_text(units).tolist() == SIMPLIFIED[:2]
    with_column = units.assign(text_simplified=["甲。", "乙。"])
    assert matching_text(with_column).tolist() == ["甲。", "乙。"]
    # A row the loader did not fill (a table built by hand) is converted here.
    partly = units.assign(text_simplified=["甲。", None])
    assert matching_text(partly).tolist() == ["甲。", SIMPLIFIED[1]]
    missing = units.assign(text=[None, TRADITIONAL[1]])
    assert matching_text(missing).isna().tolist() == [True, False]


def test_traditional_twin_codes_like_its_simplified_twin():
    simp = code_units(_units(SIMPLIFIED, "simp"))
    trad = code_units(_units(TRADITIONAL, "trad"))
    assert trad["theme"].tolist() == simp["theme"].tolist()
    assert (simp["theme"] != "unassigned").all()
    # The printed text is kept as printed.
    assert trad["text"].tolist() == TRADITIONAL


def test_traditional_twin_gives_the_same_tokens_targets_and_modality():
    simp_units, trad_units = _units(SIMPLIFIED, "simp"), _units(TRADITIONAL, "trad")
    tok_s = tokens_from_units(simp_units, cache_dir=None)
    tok_t = tokens_from_units(trad_units, cache_dir=None)
    assert tok_t["token"].tolist() == tok_s["token"].tolist()

    targ_s = extract_targets(simp_units)
    targ_t = extract_targets(trad_units)
    assert len(targ_s) >= 1
    assert targ_t["value"].tolist() == targ_s["value"].tolist()
    # Spans are cut from the printed (traditional) text.
    for row in targ_t.itertuples():
        unit_text = trad_units.set_index("unit_id").loc[row.unit_id, "text"]
        assert unit_text[row.start : row.end] == row.span

    mod_s = classify_modality(simp_units)
    mod_t = classify_modality(trad_units)
    assert mod_t["modality"].tolist() == mod_s["modality"].tolist()


@pytest.mark.parametrize("text", ["學校", "學校體育"])
def test_to_simplified_is_idempotent(text):
    once = to_simplified(text)
    assert to_simplified(once) == once


def test_traditional_units_give_kwic_lines_as_printed_and_candidate_terms():
    from analysis.text.concordance import kwic
    from analysis.text.new_words import candidate_terms

    units = _units(TRADITIONAL, "trad")
    tokens = tokens_from_units(units, cache_dir=None)
    lines = kwic(units, tokens=tokens, pattern=["乡村", "建设"])
    assert len(lines) == 2
    # The context and the keyword are cut from the printed (traditional) text.
    assert lines["keyword"].tolist() == ["建設", "鄉村"]
    for line in lines.itertuples():
        assert line.left + line.keyword + line.right == TRADITIONAL[3]
    # Runs of tokens are found in the same text the tokens came from (no error).
    assert list(candidate_terms(tokens, units, min_freq=1).columns)
