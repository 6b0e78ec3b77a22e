"""Every recipe of docs/recipes.md runs as printed, is short, and gives a sensible result.

Each recipe is executed in a fresh namespace in an empty working folder, then its
result is checked against the shipped tables or an independent count, so a recipe
that runs but answers wrongly fails too.
"""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis import config

RECIPES_PATH = config.ROOT / "docs" / "recipes.md"
#: Most lines of code a recipe may take (the issue asks for "at most ~8").
MAX_LINES = 8


def recipes() -> dict[str, str]:
    """Recipe number → its Python block, in the order of the page."""
    text = RECIPES_PATH.read_text(encoding="utf-8")
    found = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        number = section.split(".", 1)[0]
        blocks = re.findall(r"```python\n(.*?)```", section, re.S)
        assert len(blocks) == 1, f"recipe {number} must have exactly one python block"
        found[number] = blocks[0]
    return found


def code_lines(code: str) -> int:
    """Logical lines of code: statements, not their continuation lines or comments."""
    lines = 0
    depth = 0
    for raw in code.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if depth == 0:
            lines += 1
        depth += line.count("(") + line.count("[") + line.count("{")
        depth -= line.count(")") + line.count("]") + line.count("}")
    return lines


def run(number: str, tmp_path, monkeypatch) -> dict[str, object]:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(recipes()[number], f"docs/recipes.md#{number}", "exec"), namespace)
    namespace["_warnings"] = caught
    return namespace


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_every_recipe_is_at_most_eight_lines():
    found = recipes()
    assert len(found) >= 8
    too_long = {n: code_lines(c) for n, c in found.items() if code_lines(c) > MAX_LINES}
    assert not too_long, f"recipes longer than {MAX_LINES} lines: {too_long}"


def test_code_lines_counts_statements_not_continuations():
    assert code_lines("import a\nx = f(1,\n      2)\n# note\n\ny = [1,\n 2]  # c\n") == 3


def test_recipe_1_sentences_per_region_and_theme(tmp_path, monkeypatch):
    ns = run("1", tmp_path, monkeypatch)
    counts, sentences = ns["counts"], ns["sentences"]
    assert counts.to_numpy().sum() == len(sentences)
    assert set(sentences["unit_kind"]) == {"sentence"} and set(sentences["part"]) == {"plan"}
    # The shipped theme table counts the same sentences (plan part).
    import analysis
    shipped = analysis.theme_table(level="theme").set_index(["region_id", "theme_id"])
    shipped = shipped["n_sentences"]
    stacked = counts.stack()
    assert (stacked.reindex(shipped.index, fill_value=0) == shipped).all()
    domains = ns["domains"]
    shares = domains.groupby("region_id")["share_sentences"].sum()
    assert ((shares - 1).abs() < 1e-9).all()


def test_recipe_2_keyness_for_years_and_parts(tmp_path, monkeypatch):
    ns = run("2", tmp_path, monkeypatch)
    by_year, tokens = ns["by_year"], ns["tokens"]
    assert set(by_year["target"]) == {"2021"} and set(by_year["reference"]) == {"other years"}
    # keyness counts content terms: numbers, places and single characters are filtered.
    import analysis
    terms = analysis.filter_terms(tokens)
    in_2021 = terms["plan_year"].eq(2021).fillna(False)
    assert by_year["total_target"].iloc[0] == in_2021.sum()
    assert by_year["total_reference"].iloc[0] == (~in_2021 & terms["plan_year"].notna()).sum()
    top = ns["top"]
    over = top.loc[top["log_ratio"] > 0, "log_odds_z"].tolist()
    assert over == sorted(over, reverse=True) and len(over) > 0
    review = ns["review"]
    assert set(review["target"]) == {"review"} and set(review["reference"]) == {"plan"}
    assert ns["fig"].axes


def test_recipe_3_kwic_finds_every_occurrence(tmp_path, monkeypatch):
    ns = run("3", tmp_path, monkeypatch)
    lines, units = ns["lines"], ns["units"]
    expected = sum(units["text"].str.count(term).sum() for term in ("双减", "课后服务"))
    assert len(lines) == expected > 0
    assert set(lines["keyword"]) == {"双减", "课后服务"}
    assert (lines["left"].str.len() <= 15).all() and (lines["right"].str.len() <= 15).all()


def test_recipe_4_extra_terms_are_tokens_and_counted(tmp_path, monkeypatch):
    ns = run("4", tmp_path, monkeypatch)
    tokens, units, counts = ns["tokens"], ns["units"], ns["counts"]
    in_text = units["text"].str.count("课后服务").sum()
    assert (tokens["token"] == "课后服务").sum() == in_text > 0
    assert (tokens["token"] == "双减").sum() > 0, "the shipped dictionary stays in force"
    assert counts.loc[counts["key"] == "课后服务", "n_matches"].sum() == in_text


def test_recipe_5_teacher_similarity_and_dendrogram(tmp_path, monkeypatch):
    ns = run("5", tmp_path, monkeypatch)
    pairs = ns["pairs"]
    compared = pairs.loc[pairs["status"] == "compared", "cosine"]
    assert len(compared) > 0 and compared.between(0, 1).all()
    assert ns["fig"].axes


def test_recipe_6_topics_and_seed_agreement(tmp_path, monkeypatch):
    ns = run("6", tmp_path, monkeypatch)
    assert ns["topics"].terms["topic"].nunique() == 6
    agreement = ns["agreement"]
    assert len(agreement) == 10 and agreement["agreement"].between(0, 1).all()


def test_recipe_7_single_column_pdf_with_truetype(tmp_path, monkeypatch):
    ns = run("7", tmp_path, monkeypatch)
    assert abs(ns["fig"].get_figwidth() * 2.54 - 8.5) < 0.01
    pdf = (tmp_path / "theme_shares.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf.replace(b" ", b"")


def test_recipe_8_export_for_excel_and_r(tmp_path, monkeypatch):
    ns = run("8", tmp_path, monkeypatch)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["tokens_by_province.csv", "tokens_by_province.parquet",
                       "tokens_by_province.xlsx"]
    back = pd.read_parquet(tmp_path / "out" / "tokens_by_province.parquet")
    assert back["n"].sum() == ns["counts"].sum() > 0


def test_recipe_9_cooccurrence_by_year(tmp_path, monkeypatch):
    ns = run("9", tmp_path, monkeypatch)
    networks = ns["networks"]
    assert networks.columns[0] == "plan_year"
    assert (networks["n_units"] >= 3).all() if "n_units" in networks else len(networks) > 0


def test_recipe_10_dictionary_scores(tmp_path, monkeypatch):
    ns = run("10", tmp_path, monkeypatch)
    scores, units = ns["scores"], ns["units"]
    expected = sum(units["text"].str.count(w).sum() for w in ("均衡", "公平", "薄弱"))
    assert scores.loc[scores["key"] == "均衡", "n_matches"].sum() == expected


def test_recipe_11_query_part_of_a_big_table(tmp_path, monkeypatch):
    ns = run("11", tmp_path, monkeypatch)
    whole = pd.read_parquet(config.PROCESSED_DIR / "tokens.parquet")
    keep = whole["region_id"].eq("tonglu") & whole["token"].eq("教师")
    expected = whole.loc[keep, ["unit_id", "position"]].reset_index(drop=True)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(ns["hits"], expected, check_dtype=False)
    pd.testing.assert_frame_equal(ns["same"], expected, check_dtype=False)
