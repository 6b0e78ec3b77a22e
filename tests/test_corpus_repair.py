"""Tests for analysis.corpus.repair: spin score, reviewed substitutions, YAML validation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis import config
from analysis.corpus.repair import (
    MarkerSet,
    Repair,
    SpinRule,
    load_spin_markers,
    load_spin_rules,
    repair_document,
    repair_text,
    spin_score,
)

SPUN_ID = "003"
CLEAN_IDS = ("000", "001", "002", "004")
GOV_DIR = Path("/work/shared/corpora/gov_work_reports")
# Words that are spinner output in 003 but ordinary words in the clean plans.
ORDINARY_IN_CLEAN = ("进展", "中心", "学校", "规划")


def _raw(prefix: str) -> str:
    (path,) = sorted(config.RAW_DIR.glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules() -> list[SpinRule]:
    return load_spin_rules()


@pytest.fixture(scope="module")
def markers() -> MarkerSet:
    return load_spin_markers()


@pytest.fixture(scope="module")
def raw_texts() -> dict[str, str]:
    return {doc: _raw(doc) for doc in (SPUN_ID, *CLEAN_IDS)}


@pytest.fixture(scope="module")
def body_003(raw_texts: dict[str, str]) -> str:
    # The body is the one long line; the short lines around it are site chrome.
    return max(raw_texts[SPUN_ID].splitlines(), key=len)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spin.yml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL_HEADER = """
scoring: {min_occurrences: 10, max_weight_per_marker: 5}
markers:
  - {id: m1, spun: 根底, canonical: 基础}
"""


def _rules_yaml(body: str) -> str:
    return MINIMAL_HEADER + "rules:\n" + body


def _rule(rule_id: str, spun: str, original: str, extra: str = "") -> str:
    return (
        f"  - id: {rule_id}\n    spun: {spun}\n    original: {original}\n"
        f"    examples: [x]\n    evidence: test\n    clean_plan_count: 0\n{extra}"
    )


# --------------------------------------------------------------------------- the table itself


def test_every_rule_fires_on_each_of_its_evidence_contexts(rules, body_003):
    for rule in rules:
        assert rule.examples, rule.rule_id
        for example in rule.examples:
            assert example in body_003, f"{rule.rule_id}: example {example!r} is not in 003"
            _, changes = repair_text(example, rules=rules)
            fired = {change.rule_id for change in changes}
            assert rule.rule_id in fired, f"{rule.rule_id} does not fire on {example!r}"


def test_clean_plan_counts_in_the_table_are_true(rules, raw_texts):
    for rule in rules:
        counted = sum(raw_texts[doc].count(rule.spun) for doc in CLEAN_IDS)
        assert counted == rule.clean_plan_count, rule.rule_id


def test_rule_ids_are_unique_and_replacements_change_text(rules):
    ids = [rule.rule_id for rule in rules]
    assert len(ids) == len(set(ids))
    assert all(rule.spun != rule.original for rule in rules)


# --------------------------------------------------------------------------- safety on clean text


@pytest.mark.parametrize("doc", CLEAN_IDS)
def test_rules_change_nothing_in_clean_plans(rules, raw_texts, doc):
    text = raw_texts[doc]
    repaired, changes = repair_text(text, rules=rules)
    assert changes == []
    assert repaired == text


def test_ordinary_words_in_clean_plans_are_untouched_by_context_alone(rules, raw_texts):
    """Every occurrence of 进展/中心/学校/规划 in the clean plans survives, at the same offset."""
    for word in ORDINARY_IN_CLEAN:
        total = 0
        for doc in CLEAN_IDS:
            text = raw_texts[doc]
            before = [m.start() for m in re.finditer(word, text)]
            repaired, _ = repair_text(text, rules=rules)
            after = [m.start() for m in re.finditer(word, repaired)]
            assert before == after, (word, doc)
            # no rule for this spun form matches any occurrence in a clean plan
            for rule in rules:
                if rule.spun == word:
                    assert not rule.pattern.search(text), (rule.rule_id, doc)
            total += len(before)
        assert total > 0, f"{word} never occurs in the clean plans: the test would be vacuous"


@pytest.mark.parametrize(
    "sentence",
    [
        "坚持以人民为中心发展教育", "区教师发展中心", "紧扣质量中心", "乡镇中心幼儿园",
        "通报改革工作进展情况", "取得积极进展", "各项工作取得新进展",
        "加强学校管理", "高中学校布局调整", "初中学校改造", "中学校长培训", "学校生活",
        "教育事业发展规划", "兴边富民行动规划", "实施规划",
        "形势依然不容乐观", "乐观向上的心态", "同学们", "不同学派", "以便同学校教育相配合",
        "数字化项目试验区", "改革试验区", "居民人均可支配收入", "经费支配权",
        "预备工作委员会", "比照执行", "社会力量办学", "鼓励社会力量", "校内外",
        "课程标准", "津贴标准", "立德树人根本任务", "以人民满意为根本标准", "高校毕业生",
        "其次,必须确保", "到达哈密", "深化课程改革", "推进", "做“四有”好老师",
    ],
)
def test_context_constraints_keep_ordinary_uses(rules, sentence):
    repaired, changes = repair_text(sentence, rules=rules)
    assert changes == [], [(c.before, c.rule_id) for c in changes]
    assert repaired == sentence


# --------------------------------------------------------------------------- the spin score


def test_score_separates_003_from_the_clean_plans(markers, raw_texts, body_003):
    threshold = config.SPIN_THRESHOLD
    spun_scores = [spin_score(raw_texts[SPUN_ID], markers=markers).score,
                   spin_score(body_003, markers=markers).score]
    clean_scores = [spin_score(raw_texts[doc], markers=markers).score for doc in CLEAN_IDS]
    assert min(spun_scores) >= threshold + 0.3, spun_scores
    assert max(clean_scores) <= threshold - 0.3, clean_scores


def test_score_keeps_government_reports_below_threshold(markers):
    files = sorted(GOV_DIR.glob("*.txt")) if GOV_DIR.is_dir() else []
    if not files:
        pytest.skip(f"{GOV_DIR} is not available")
    scores = {path.name: spin_score(path.read_text(encoding="utf-8"), markers=markers).score
              for path in files}
    worst = max(scores, key=scores.get)
    assert scores[worst] <= config.SPIN_THRESHOLD - 0.3, (worst, scores[worst])


def test_score_matches_independent_calculation(tmp_path):
    path = _write(tmp_path, """
scoring: {min_occurrences: 10, max_weight_per_marker: 5}
markers:
  - {id: a, spun: 根底, canonical: 基础}
  - {id: b, spun: 乐观, canonical: 积极, not_right: [向上]}
rules:
""" + _rule("r1", "根底", "基础"))
    marker_set = load_spin_markers(path)
    # a: 3 spun + 1 canonical -> weight 4, share 3/4
    # b: 7 canonical (积极向上 excluded by context) -> weight 5, share 0
    text = "根底" * 3 + "基础" + "积极" * 7 + "积极向上"
    result = spin_score(text, markers=marker_set)
    assert result.score == pytest.approx((4 * 0.75 + 5 * 0.0) / max(4 + 5, 10))
    assert result.n_markers_seen == 11
    assert result.n_spun == 3
    assert result.evidence == "a 3/1; b 0/7"
    # the weight cap: 20 spun hits of one pair weigh no more than 5
    capped = spin_score("根底" * 20 + "积极" * 5, markers=marker_set)
    assert capped.score == pytest.approx((5 * 1.0 + 5 * 0.0) / 10)
    # the floor: one stray spun form in a short text scores 1/10, not 1
    assert spin_score("根底", markers=marker_set).score == pytest.approx(0.1)
    assert spin_score("", markers=marker_set).score == 0.0
    assert spin_score("", markers=marker_set).evidence == "no diagnostic pairs found"


def test_default_markers_come_from_the_config_file(body_003, markers):
    assert spin_score(body_003) == spin_score(body_003, markers=markers)


# --------------------------------------------------------------------------- repairing


def test_offsets_are_exact_and_reconstruct_the_input(rules, body_003):
    repaired, changes = repair_text(body_003, rules=rules)
    assert changes
    previous_end = 0
    rebuilt: list[str] = []
    for change in changes:
        assert isinstance(change, Repair)
        assert repaired[change.start:change.end] == change.after
        assert change.start >= previous_end  # ordered, no overlaps
        rebuilt.append(repaired[previous_end:change.start])
        rebuilt.append(change.before)
        previous_end = change.end
    rebuilt.append(repaired[previous_end:])
    assert "".join(rebuilt) == body_003
    assert len(repaired) - len(body_003) == sum(len(c.after) - len(c.before) for c in changes)


def test_repair_is_deterministic_and_leaves_inputs_alone(rules, body_003):
    rules_before = tuple(rules)
    text_before = str(body_003)
    first = repair_text(body_003, rules=rules)
    second = repair_text(body_003, rules=list(reversed(rules)))
    assert first == second  # precedence does not depend on list order
    assert body_003 == text_before
    assert tuple(rules) == rules_before


def test_repaired_003_has_no_spun_forms_left_where_rules_apply(rules, markers, body_003):
    repaired, changes = repair_text(body_003, rules=rules)
    for rule in rules:
        assert not rule.pattern.search(repaired), rule.rule_id
    for spun in ("均衡进展", "根底", "同学", "乐观", "掩盖", "其次", "一般高中", "争辩",
                 "素养教育", "中学校校", "中心办公厅", "去学校化", "行动规划", "鼓励机制"):
        assert spun not in repaired, spun
    after = spin_score(repaired, markers=markers)
    assert after.n_spun == 0 and after.score == 0.0
    assert {change.rule_id for change in changes} == {rule.rule_id for rule in rules}
    # 〝〞 belong to the punctuation normaliser
    assert repaired.count("〞") == body_003.count("〞")


def test_precedence_longest_then_most_specific_then_file_order(tmp_path):
    path = _write(tmp_path, _rules_yaml(
        _rule("short", "推动", "推进")
        + _rule("long", "深化推动", "深入推进")
        + _rule("ab-plain", "ab", "甲")
        + _rule("ab-context", "ab", "乙", "    right: [c]\n")
        + _rule("xy-first", "xy", "丙")
        + _rule("xy-second", "xy", "丁")
        + _rule("pq", "pq", "戊")
        + _rule("qr", "qrs", "己")
    ))
    loaded = load_spin_rules(path)
    assert repair_text("深化推动", rules=loaded)[0] == "深入推进"
    assert repair_text("abc ab", rules=loaded)[0] == "乙c 甲"
    assert repair_text("xy", rules=loaded)[0] == "丙"
    # leftmost wins over a longer match that starts later
    repaired, changes = repair_text("pqrs", rules=loaded)
    assert repaired == "戊rs"
    assert [(c.start, c.end, c.before, c.rule_id) for c in changes] == [(0, 1, "pq", "pq")]


def test_repair_document_scores_repairs_and_can_be_switched_off(
    rules, markers, raw_texts, body_003
):
    on = repair_document(body_003, rules=rules, markers=markers)
    off = repair_document(body_003, repair=False, rules=rules, markers=markers)
    assert on.spun and on.repaired
    assert (on.text, list(on.repairs)) == repair_text(body_003, rules=rules)
    assert off.spun and not off.repaired
    assert off.text == body_003 and off.repairs == ()
    assert on.score == off.score
    clean = repair_document(raw_texts["002"], rules=rules, markers=markers)
    assert not clean.spun and not clean.repaired and clean.text == raw_texts["002"]


def test_repair_document_checks_its_arguments(body_003):
    with pytest.raises(ValueError, match="threshold"):
        repair_document(body_003, threshold=1.5)
    with pytest.raises(TypeError, match="repair"):
        repair_document(body_003, repair="yes")
    with pytest.raises(TypeError, match="SpinRule"):
        repair_text(body_003, rules=["根底"])


# --------------------------------------------------------------------------- YAML validation


_R1 = _rule("r1", "根底", "基础")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_R1.replace("    original: 基础\n", ""),
         r"rule 'r1': missing required keys \['original'\]"),
        (_R1 + _rule("r1", "乐观", "积极"), r"rule 'r1': duplicate rule id"),
        (_rule("r1", "根底", "根底"), r"rule 'r1': replacement '根底' does not change the text"),
        (_R1 + "    lookahead: '[教育'\n", r"rule 'r1': bad regex"),
        (_R1 + "    lookbehind: '教+'\n", r"rule 'r1': bad regex"),
        (_R1 + "    rigth: [教育]\n", r"rule 'r1': unknown keys \['rigth'\]"),
        (_R1 + "    left: 教育\n", r"rule 'r1': 'left' must be a non-empty list"),
        (_R1.replace("clean_plan_count: 0", "clean_plan_count: -1"),
         r"rule 'r1': 'clean_plan_count' must be a non-negative integer"),
        (_R1.replace("examples: [x]", "examples: []"),
         r"rule 'r1': 'examples' must be a non-empty list"),
        (_R1.replace("original: 基础", "original: "),
         r"rule 'r1': 'original' must be a non-empty string"),
    ],
)
def test_rule_validation_errors_name_the_rule_and_problem(tmp_path, body, message):
    path = _write(tmp_path, _rules_yaml(body))
    with pytest.raises(ValueError, match=message):
        load_spin_rules(path)


_SCORING = "scoring: {min_occurrences: 10, max_weight_per_marker: 5}\nmarkers:\n"
_M1 = "  - {id: m1, spun: 根底, canonical: 基础}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_SCORING + _M1 + "  - {id: m1, spun: 乐观, canonical: 积极}\n",
         r"marker 'm1': duplicate marker id"),
        (_SCORING + _M1.replace("基础", "根底"),
         r"marker 'm1': spun and canonical forms are identical"),
        (_SCORING + _M1.replace(", canonical: 基础", ""),
         r"marker 'm1': missing required keys \['canonical'\]"),
        (_SCORING.replace("min_occurrences: 10", "min_occurrences: 0") + _M1,
         r"scoring 'min_occurrences' must be a positive"),
        (_SCORING + _M1.replace("}", ", lookahead: '(教'}"), r"marker 'm1': bad regex"),
    ],
)
def test_marker_validation_errors_name_the_marker_and_problem(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_spin_markers(_write(tmp_path, text))


def test_file_level_errors(tmp_path):
    with pytest.raises(ValueError, match="not valid YAML"):
        load_spin_rules(_write(tmp_path, "rules: [\n"))
    with pytest.raises(ValueError, match="'rules' must be a non-empty list"):
        load_spin_rules(_write(tmp_path, MINIMAL_HEADER))
    with pytest.raises(ValueError, match=r"unknown top-level keys \['rule'\]"):
        load_spin_rules(_write(tmp_path, "rule: []\n"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_spin_rules(tmp_path / "missing.yml")
