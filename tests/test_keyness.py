"""Tests for analysis.text.keyness: each statistic against hand-worked values and
independent implementations (scipy for G², the `logodds` package for log-odds)."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis import schema
from analysis.text import tokens as tk

# The module, not the function analysis.text re-exports under the same name.
kn = importlib.import_module("analysis.text.keyness")


def tokens_table(groups: dict[str, list[list[str]]]) -> pd.DataFrame:
    """A token table from {region: [[tokens of unit 1], [tokens of unit 2], ...]}."""
    rows = []
    for region, units in groups.items():
        for u, unit_tokens in enumerate(units, 1):
            for p, token in enumerate(unit_tokens):
                rows.append((region, f"{region}-{u:04d}", p, token))
    return pd.DataFrame(rows, columns=schema.TOKENS)


# Tiny corpus worked by hand.  Target A: x x x y (4 tokens).  Reference B:
# x y y y y z (6 tokens).  Whole table: x 4, y 5, z 1 (10 tokens).
TINY = tokens_table({"A": [["x", "x", "x", "y"]], "B": [["x", "y", "y", "y", "y", "z"]]})

# G² for x: table [[3, 1], [1, 5]], margins 4/6 and 4/6, N = 10, so
# E = [[1.6, 2.4], [2.4, 3.6]] and
# G² = 2 (3 ln(3/1.6) + 1 ln(1/2.4) + 1 ln(1/2.4) + 5 ln(5/3.6)) = 3.5548176768...
G2_X = 2 * (3 * math.log(3 / 1.6) + 2 * math.log(1 / 2.4) + 5 * math.log(5 / 3.6))
# Log ratio for x: log2((3/4) / (1/6)) = log2(4.5); for z (0 in A, read as 0.5):
# log2((0.5/4) / (1/6)) = log2(0.75).
LOG_RATIO_X = math.log2(4.5)
LOG_RATIO_Z = math.log2(0.75)
# Log-odds for x with alpha0 = 10: alpha_x = 10 * 4/10 = 4;
# delta = ln((3+4)/(4+10-3-4)) - ln((1+4)/(6+10-1-4)) = ln(1) - ln(5/11) = ln(11/5);
# var = 1/7 + 1/5 = 12/35; z = ln(11/5) / sqrt(12/35).
LOG_ODDS_X = math.log(11 / 5)
LOG_ODDS_Z_X = math.log(11 / 5) / math.sqrt(12 / 35)


def test_hand_worked_values_on_a_tiny_corpus():
    assert math.isclose(G2_X, 3.5548176768390056, rel_tol=1e-12)
    table = kn.keyness(TINY, target="A", min_freq=1, prior=10.0, keep_single_chars=True)
    assert list(table.columns) == schema.KEYNESS
    out = table.set_index("token")
    x = out.loc["x"]
    counts = (x["n_target"], x["n_reference"], x["total_target"], x["total_reference"])
    assert counts == (3, 1, 4, 6)
    assert x["per_10k_target"] == pytest.approx(7500.0)
    assert x["g2"] == pytest.approx(G2_X, rel=1e-12)
    assert x["p_value"] == pytest.approx(0.059372830341343816, rel=1e-9)
    assert x["log_ratio"] == pytest.approx(LOG_RATIO_X, rel=1e-12)
    assert x["log_odds"] == pytest.approx(LOG_ODDS_X, rel=1e-12)
    assert x["log_odds_z"] == pytest.approx(LOG_ODDS_Z_X, rel=1e-12)
    assert out.loc["z", "log_ratio"] == pytest.approx(LOG_RATIO_Z, rel=1e-12)
    assert out.loc["z", "n_target"] == 0
    # x is over-represented in A, y under-represented: signs agree across measures.
    assert out.loc["x", "log_odds_z"] > 0 > out.loc["y", "log_odds_z"]
    assert out.loc["y", "log_ratio"] < 0
    assert out.loc["x", "comparison"] == "A vs B"


def test_log_ratio_zero_in_reference_uses_half_a_count():
    value = kn.log_ratio(np.array([4]), np.array([0]), 100.0, 200.0)[0]
    assert value == pytest.approx(math.log2((4 / 100) / (0.5 / 200)))


@pytest.mark.parametrize("seed", range(5))
def test_g2_matches_scipy_chi2_contingency(seed):
    rng = np.random.default_rng(seed)
    n_t, n_r = int(rng.integers(500, 5000)), int(rng.integers(500, 5000))
    a = rng.integers(0, 60, size=40)
    b = rng.integers(0, 60, size=40)
    a[0], b[1] = 0, 0  # zero cells
    b[a + b == 0] = 1  # a token occurs somewhere, or it would not be in the vocabulary
    ours = kn.g2_statistic(a, b, n_t, n_r)
    for i in range(len(a)):
        table = [[a[i], b[i]], [n_t - a[i], n_r - b[i]]]
        result = chi2_contingency(table, correction=False, lambda_="log-likelihood")
        assert ours[i] == pytest.approx(result.statistic, rel=1e-9, abs=1e-9)


def test_p_values_match_scipy_on_the_plans(corpus):
    tokens = tk.remove_stopwords(tk.tokens_from_units(corpus.units, cache_dir=None))
    out = kn.keyness(tokens, target="huangshi", min_freq=10)
    assert len(out) > 20
    for row in out.head(15).itertuples():
        table = [
            [row.n_target, row.n_reference],
            [row.total_target - row.n_target, row.total_reference - row.n_reference],
        ]
        result = chi2_contingency(table, correction=False, lambda_="log-likelihood")
        assert row.g2 == pytest.approx(result.statistic, rel=1e-9)
        assert row.p_value == pytest.approx(result.pvalue, rel=1e-6, abs=1e-300)


def test_log_odds_matches_the_logodds_package():
    """Cross-check against `logodds` (PyPI, MIT; J. Mendelsohn's dependency-free port of
    Hessel's Fightin' Words code).  Its informative prior is prior_counts[w] + alpha;
    we pass our alpha_w = alpha0 * f_w / F as prior_counts and a negligible alpha."""
    logodds = pytest.importorskip("logodds")
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(60)]
    weights = rng.dirichlet(np.full(len(vocab), 0.5))
    groups = {
        "A": [list(rng.choice(vocab, size=400, p=weights))],
        "B": [list(rng.choice(vocab, size=900, p=np.roll(weights, 3)))],
    }
    tokens = tokens_table(groups)
    alpha0 = 250.0
    ours = kn.keyness(tokens, target="A", min_freq=1, prior=alpha0,
                      keep_single_chars=True).set_index("token")
    counts_a = tokens[tokens.region_id == "A"]["token"].value_counts().to_dict()
    counts_b = tokens[tokens.region_id == "B"]["token"].value_counts().to_dict()
    background = tokens["token"].value_counts()
    prior_counts = (alpha0 * background / background.sum()).to_dict()
    theirs = logodds.log_odds_details(counts_a, counts_b, prior_counts=prior_counts, alpha=1e-12)
    assert set(theirs) == set(ours.index)
    for word, detail in theirs.items():
        assert ours.loc[word, "log_odds"] == pytest.approx(detail["delta"], rel=1e-8, abs=1e-10)
        assert ours.loc[word, "log_odds_z"] == pytest.approx(detail["z"], rel=1e-8, abs=1e-10)


def test_min_freq_filters_rows_but_not_totals():
    out = kn.keyness(TINY, target="A", min_freq=5, prior=10.0, keep_single_chars=True)
    assert out["token"].tolist() == ["y"]  # y: 1 + 4 = 5; x: 4; z: 1
    assert (out["total_target"].iloc[0], out["total_reference"].iloc[0]) == (4, 6)


def test_explicit_reference_groups_and_labels():
    tokens = tokens_table({
        "A": [["p", "q", "p"]], "B": [["q", "q", "r"]], "C": [["p", "r", "r", "s"]],
    })
    out = kn.keyness(tokens, target="A", reference=["B"], min_freq=1, prior=5.0,
                     keep_single_chars=True)
    assert set(out["comparison"]) == {"A vs B"}
    assert set(out["token"]) == {"p", "q", "r"}  # s occurs only in C
    assert out["total_reference"].iloc[0] == 3
    # The prior still comes from the whole table: r has 3 of 10 tokens.
    a, b = 0, 1
    alpha_r = 5.0 * 3 / 10
    delta = math.log((a + alpha_r) / (3 + 5 - a - alpha_r)) - math.log(
        (b + alpha_r) / (3 + 5 - b - alpha_r)
    )
    got = out.set_index("token").loc["r", "log_odds"]
    assert got == pytest.approx(delta, rel=1e-12)
    rest = kn.keyness(tokens, target=["A", "B"], min_freq=1, labels=("east", "west"),
                      keep_single_chars=True)
    assert set(rest["comparison"]) == {"east vs west"}


def test_two_sets_of_units_can_be_compared():
    tokens = tokens_table({"A": [["x", "y"], ["x", "x"]], "B": [["y", "y"], ["x", "z"]]})
    out = kn.keyness(
        tokens, target=["A-0002", "B-0002"], reference=["A-0001", "B-0001"],
        group_col="unit_id", min_freq=1, keep_single_chars=True,
    )
    x = out.set_index("token").loc["x"]
    assert (x["n_target"], x["n_reference"]) == (3, 1)
    assert out["target"].iloc[0] == "A-0002+B-0002"


def test_keyness_argument_checks():
    with pytest.raises(ValueError, match="do not occur"):
        kn.keyness(TINY, target="Z")
    with pytest.raises(ValueError, match="share values"):
        kn.keyness(TINY, target="A", reference=["A", "B"])
    with pytest.raises(ValueError, match="reference group is empty"):
        kn.keyness(TINY, target=["A", "B"])
    with pytest.raises(ValueError, match="min_freq"):
        kn.keyness(TINY, target="A", min_freq=0)
    with pytest.raises(ValueError, match="prior"):
        kn.keyness(TINY, target="A", prior=0.0)


def test_keyness_by_region_stacks_one_comparison_per_region():
    tokens = tokens_table({
        "A": [["p", "q", "p"]], "B": [["q", "q", "r"]], "C": [["p", "r", "r", "s"]],
    })
    out = kn.keyness_by_region(tokens, min_freq=1, keep_single_chars=True)
    assert out["comparison"].drop_duplicates().tolist() == ["A vs B+C", "B vs A+C", "C vs A+B"]
    single = kn.keyness(tokens, target="B", min_freq=1, keep_single_chars=True)
    pd.testing.assert_frame_equal(
        out[out["target"] == "B"].reset_index(drop=True), single
    )
    # Each comparison is sorted by z descending.
    for _, group in out.groupby("comparison"):
        assert group["log_odds_z"].is_monotonic_decreasing


def test_keyness_is_deterministic_on_the_plans(corpus):
    tokens = tk.remove_stopwords(tk.tokens_from_units(corpus.units, cache_dir=None))
    first = kn.keyness_by_region(tokens, keep_single_chars=True)
    second = kn.keyness_by_region(tokens.sample(frac=1.0, random_state=0),
                                  keep_single_chars=True)
    pd.testing.assert_frame_equal(first, second)
    assert set(first["target"]) == set(corpus.units["region_id"])


# ----------------------------------------------------------------------------- frequencies


def test_keyword_frequencies_counts_rates_and_document_frequency():
    tokens = tokens_table({"A": [["x", "x", "y", "z"]], "B": [["x", "w"]]})
    out = kn.keyword_frequencies(tokens, keep_single_chars=True)
    assert list(out.columns) == schema.KEYWORD_FREQUENCIES
    rows = {(r.region_id, r.token): r for r in out.itertuples()}
    assert rows[("A", "x")].n == 2
    assert rows[("A", "x")].per_10k == pytest.approx(5000.0)
    assert rows[("B", "w")].per_10k == pytest.approx(5000.0)
    assert rows[("A", "x")].doc_freq == 2 and rows[("A", "y")].doc_freq == 1
    assert set(out["n_docs"]) == {2}
    assert out[["region_id", "token"]].values.tolist() == [
        ["A", "x"], ["A", "y"], ["A", "z"], ["B", "w"], ["B", "x"],
    ]
    by_unit = kn.keyword_frequencies(tokens, by="unit_id", keep_single_chars=True)
    assert by_unit.columns[0] == "unit_id"


def test_keyness_by_region_equals_one_keyness_call_per_region_on_the_plans():
    """The vectorised all-regions table is the per-region calls, stacked."""
    from analysis import config
    from analysis.io import read_table
    from analysis.text.keyness import keyness, keyness_by_region
    from analysis.text.tokens import remove_stopwords

    if not (config.PROCESSED_DIR / "tokens.parquet").exists():
        pytest.skip("needs the built tokens table")
    tokens = remove_stopwords(read_table("tokens", config.PROCESSED_DIR))
    stacked = keyness_by_region(tokens, min_freq=3)
    one_by_one = pd.concat(
        [keyness(tokens, target=g, min_freq=3) for g in sorted(tokens["region_id"].unique())],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(stacked, one_by_one)
    present = keyness_by_region(tokens, min_freq=3, include_absent=False)
    assert (present["n_target"] > 0).all()
    assert len(present) < len(stacked)


def random_tokens(seed: int, n_regions: int = 6, n_units: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = [f"w{i:02d}" for i in range(40)]
    p = 1.0 / np.arange(1, len(words) + 1)
    return tokens_table({
        f"r{r}": [list(rng.choice(words, size=rng.integers(2, 9), p=p / p.sum()))
                  for _ in range(n_units)]
        for r in range(n_regions)
    })


def test_keyness_by_region_without_absent_tokens_is_the_full_table_filtered():
    tokens = random_tokens(5)
    full = kn.keyness_by_region(tokens, min_freq=2)
    present = kn.keyness_by_region(tokens, min_freq=2, include_absent=False)
    expected = full[full["n_target"] > 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(present, expected)
    assert len(present) < len(full)


# ----------------------------------------------------------------------------- any grouping


def years_table() -> pd.DataFrame:
    """TINY plus a plan of unknown year: A 2021 [x x x y], B 2022 [x y y y y z], C <NA> [x z z]."""
    tokens = tokens_table({"A": [["x", "x", "x", "y"]], "B": [["x", "y", "y", "y", "y", "z"]],
                           "C": [["x", "z", "z"]]})
    years = {"A": 2021, "B": 2022, "C": None}
    return tokens.assign(plan_year=pd.array(tokens["region_id"].map(years), dtype="Int64"))


def test_year_2021_against_the_rest_on_a_nullable_integer_column():
    tokens = years_table()
    out = kn.keyness(tokens, target=2021, group_col="plan_year", min_freq=1, prior=10.0,
                     keep_single_chars=True)
    assert set(out["comparison"]) == {"2021 vs 2022"}  # the unknown year is not "another year"
    x = out.set_index("token").loc["x"]
    # C is in neither group: x is 3 of 4 in 2021 and 1 of 6 in 2022, as in TINY.
    counts = (x["n_target"], x["n_reference"], x["total_target"], x["total_reference"])
    assert counts == (3, 1, 4, 6)
    assert x["g2"] == pytest.approx(G2_X, rel=1e-12)
    scipy_g2 = chi2_contingency([[3, 1], [1, 5]], correction=False,
                                lambda_="log-likelihood").statistic
    assert x["g2"] == pytest.approx(scipy_g2, rel=1e-12)
    # The prior is the whole table, C included: x is 5 of 13 tokens.
    alpha = 10.0 * 5 / 13
    delta = math.log((3 + alpha) / (4 + 10 - 3 - alpha)) - math.log(
        (1 + alpha) / (6 + 10 - 1 - alpha))
    assert x["log_odds"] == pytest.approx(delta, rel=1e-12)


def test_a_boolean_target_equals_the_same_groups_given_by_value():
    tokens = years_table()
    by_value = kn.keyness(tokens, target=2021, group_col="plan_year", min_freq=1,
                          keep_single_chars=True)
    # A nullable boolean Series (missing where the year is): missing is in neither group.
    mask = tokens["plan_year"] == 2021
    assert mask.isna().sum() == 3
    by_mask = kn.keyness(tokens, target=mask, labels=("2021", "2022"), min_freq=1,
                         keep_single_chars=True)
    pd.testing.assert_frame_equal(by_mask, by_value)
    # A plain numpy mask over region ids: True = target, False = reference.
    plain = kn.keyness(TINY, target=(TINY["region_id"] == "A").to_numpy(), min_freq=1,
                       keep_single_chars=True)
    assert set(plain["comparison"]) == {"target vs reference"}
    expected = kn.keyness(TINY, target="A", labels=("target", "reference"), min_freq=1,
                          keep_single_chars=True)
    pd.testing.assert_frame_equal(plain, expected)


def test_keyness_by_region_leaves_missing_groups_out_as_keyness_does():
    tokens = years_table()
    stacked = kn.keyness_by_region(tokens, group_col="plan_year", min_freq=1,
                                   keep_single_chars=True)
    one_by_one = pd.concat(
        [kn.keyness(tokens, target=year, group_col="plan_year", min_freq=1,
                    keep_single_chars=True) for year in (2021, 2022)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(stacked, one_by_one)
    assert set(stacked["total_target"] + stacked["total_reference"]) == {10}


def test_any_column_groups_keyness_and_review_against_plan():
    tokens = tokens_table({"X": [["p", "q"], ["q", "r", "r"], ["p", "p", "s"]]})
    tokens["part"] = tokens["unit_id"].map({"X-0001": "review", "X-0002": "plan",
                                            "X-0003": "plan"})
    out = kn.keyness(tokens, target="review", group_col="part", min_freq=1,
                     keep_single_chars=True).set_index("token")
    assert out.loc["p", ["n_target", "n_reference", "total_target", "total_reference"]].tolist() \
        == [1, 2, 2, 6]
    assert out["comparison"].iloc[0] == "review vs plan"


def test_plan_year_as_text_never_matches_nothing_silently():
    """The regions table stores plan_year as text ('2021', '' when unknown)."""
    tokens = years_table()
    as_text = tokens.assign(plan_year=tokens["plan_year"].astype("string").fillna(""))
    with pytest.raises(ValueError, match=r"target values \[2021\] do not occur in column "
                                         r"'plan_year'; its values are '', '2021', '2022'"):
        kn.keyness(as_text, target=2021, group_col="plan_year")
    with pytest.raises(ValueError, match="target is False or missing on every row.*'2021'"):
        kn.keyness(as_text, target=as_text["plan_year"] == 2021)
    with pytest.raises(ValueError, match=r"reference values \['2023'\] do not occur.*"
                                         r"its values are 2021, 2022 \(dtype Int64\)"):
        kn.keyness(tokens, target=2021, reference="2023", group_col="plan_year")
    with pytest.raises(ValueError, match="reference group is empty"):
        kn.keyness(tokens, target=tokens["region_id"] != "Z")


def test_boolean_target_argument_checks():
    tokens = years_table()
    mask = tokens["region_id"] == "A"
    with pytest.raises(ValueError, match="one entry per row"):
        kn.keyness(tokens, target=mask.to_numpy()[:-1])
    with pytest.raises(ValueError, match="index of tokens"):
        kn.keyness(tokens, target=mask.set_axis(mask.index + 1))
    with pytest.raises(ValueError, match="leave reference as None"):
        kn.keyness(tokens, target=mask, reference="B")
    with pytest.raises(ValueError, match="cannot be a missing value"):
        kn.keyness(tokens, target=[2021, None], group_col="plan_year")
    with pytest.raises(ValueError, match="no tokens left once numbers"):
        kn.keyness(tokens, target=mask)  # single characters are dropped by default


# ----------------------------------------------------------------------------- top keywords


def one_comparison() -> pd.DataFrame:
    rows = [  # token, g2, log_ratio, log_odds_z
        ("a", 10.0, 2.0, 3.0), ("b", 8.0, 3.0, 1.0), ("c", 6.0, -1.0, -2.5),
        ("d", 12.0, -0.5, -0.8), ("e", 4.0, 0.5, 2.0), ("f", 0.0, 0.0, 0.0),
        ("g", 9.0, 1.0, 0.5), ("h", 10.0, 0.2, 0.1),
    ]
    table = pd.DataFrame(rows, columns=["token", "g2", "log_ratio", "log_odds_z"])
    table = table.assign(comparison="2021 vs 2022", target="2021", reference="2022")
    for column in schema.KEYNESS:
        if column not in table:
            table[column] = 0
    return table.loc[:, schema.KEYNESS]


@pytest.mark.parametrize(("by", "expected"), [
    # Sorted by hand.  g2: over a 10 = h 10 (tie: by token) > g 9; under d 12 > c 6,
    # listed least extreme first.  log_ratio: b 3 > a 2; c -1 < d -0.5.
    # log_odds_z: a 3 > e 2; c -2.5 < d -0.8.  f (all 0) is in no list.
    ("g2", ["a", "h", "c", "d"]),
    ("log_ratio", ["b", "a", "d", "c"]),
    ("log_odds_z", ["a", "e", "d", "c"]),
])
def test_top_keywords_of_one_comparison_by_each_statistic(by, expected):
    chosen = kn.top_keywords(one_comparison(), n_over=2, n_under=2, by=by)
    assert chosen["token"].tolist() == expected
    assert set(chosen["comparison"]) == {"2021 vs 2022"}
    signed = chosen["signed_g2"].to_numpy()
    assert (signed[:2] > 0).all() and (signed[2:] < 0).all()
    assert chosen.set_index("token").loc["c", "signed_g2"] == -6.0


def test_top_keywords_checks_and_edges():
    table = one_comparison()
    assert kn.top_keywords(table, n_over=20, n_under=0, by="log_ratio")["token"].tolist() == [
        "b", "a", "g", "e", "h"]
    assert kn.top_keywords(table, targets=["2022"]).empty
    with pytest.raises(ValueError, match="by must be one of g2, log_ratio, log_odds_z; got 'z'"):
        kn.top_keywords(table, by="z")
    with pytest.raises(ValueError, match="n_over must be an integer >= 1"):
        kn.top_keywords(table, n_over=0)
    with pytest.raises(ValueError, match="n_under must be an integer >= 0"):
        kn.top_keywords(table, n_under=-1)


# --------------------------------------------------------------------------- partial counts


def _count_tokens() -> pd.DataFrame:
    # Region a: 教育 ×2, 学校; region b: 教育, 课程; one row with no region: 学校.
    return pd.DataFrame({
        "region_id": ["a", "a", "a", "b", "b", None],
        "unit_id": ["a-1", "a-1", "a-2", "b-1", "b-1", "x-1"],
        "token": ["教育", "教育", "学校", "教育", "课程", "学校"],
    })


def test_term_counts_are_the_hand_counted_occurrences_with_the_unplaced_row_kept():
    counts = kn.term_counts(_count_tokens(), keep_places=True)
    got = {(r if isinstance(r, str) else None, t): n
           for r, t, n in counts.itertuples(index=False)}
    assert got == {("a", "教育"): 2, ("a", "学校"): 1, ("b", "教育"): 1, ("b", "课程"): 1,
                   (None, "学校"): 1}
    assert counts["n"].dtype == "int64"


def test_categorical_tokens_count_as_their_strings_missing_values_included():
    # The build's content tokens are categoricals; the counts must not show it.
    tokens = _count_tokens()
    tokens.loc[4, "token"] = None  # a token-less row still counts in its region
    as_strings = kn.term_counts(tokens, keep_places=True)
    as_categories = kn.term_counts(tk.categorical_tokens(tokens, columns=("region_id", "token")),
                                   keep_places=True)
    pd.testing.assert_frame_equal(as_categories, as_strings, check_exact=True)
    got = {(r if isinstance(r, str) else None, t if isinstance(t, str) else None): n
           for r, t, n in as_categories.itertuples(index=False)}
    assert got == {("a", "教育"): 2, ("a", "学校"): 1, ("b", "教育"): 1, ("b", None): 1,
                   (None, "学校"): 1}
    assert tokens.columns.tolist() == ["region_id", "unit_id", "token"]  # input left as it was


def test_counts_of_parts_added_up_give_the_whole_tables():
    tokens = _count_tokens()
    # Cut inside region a, so the same (region, token) is counted in two parts.
    parts = [kn.term_counts(tokens.iloc[:1], keep_places=True),
             kn.term_counts(tokens.iloc[1:], keep_places=True)]
    counts = kn.sum_term_counts(parts)
    assert counts.loc[(counts["region_id"] == "a") & (counts["token"] == "教育"), "n"].tolist() \
        == [2]
    freq = kn.keyword_frequencies_from_counts(counts)
    pd.testing.assert_frame_equal(freq, kn.keyword_frequencies(tokens, keep_places=True))
    # Hand-worked: a has 3 tokens, 教育 twice; 教育 is in both regions.
    row = freq.loc[(freq["region_id"] == "a") & (freq["token"] == "教育")].iloc[0]
    assert row["per_10k"] == pytest.approx(2 / 3 * 10_000)
    assert (row["doc_freq"], row["n_docs"]) == (2, 2)
    # The unplaced 学校 is in keyness's prior (f = 2 of 6 tokens) but in no group.
    table = kn.keyness_by_region_from_counts(counts, min_freq=1)
    pd.testing.assert_frame_equal(table, kn.keyness_by_region(tokens, min_freq=1, keep_places=True))
    school = table.loc[(table["target"] == "a") & (table["token"] == "学校")]
    cols = ["n_target", "n_reference", "total_target", "total_reference"]
    assert school[cols].values.tolist() == [[1, 0, 3, 2]]


def test_summing_needs_a_count_table():
    with pytest.raises(ValueError, match="at least one count table"):
        kn.sum_term_counts([])


@pytest.mark.parametrize("include_absent", [True, False])
def test_keyness_from_categorical_counts_is_the_table_of_strings(include_absent):
    # The build counts categorical content tokens; the keyness table it writes must be
    # the one string tokens give, value for value and in the same order.
    tokens = random_tokens(13)
    as_strings = kn.keyness_by_region(tokens, min_freq=2, include_absent=include_absent)
    counts = kn.term_counts(tk.categorical_tokens(tokens))
    as_categories = kn.keyness_by_region_from_counts(counts, min_freq=2,
                                                     include_absent=include_absent)
    pd.testing.assert_frame_equal(as_categories, as_strings, check_exact=True)
    # Ordered by target, then log-odds z descending, then token.
    resorted = as_strings.sort_values(["target", "log_odds_z", "token"],
                                      ascending=[True, False, True], kind="mergesort")
    pd.testing.assert_frame_equal(as_strings, resorted.reset_index(drop=True), check_exact=True)
    assert (as_strings["n_target"] > 0).all() != include_absent
