"""Tests for analysis.text.similarity: hand-worked cosines, sklearn checks, by theme and group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from analysis import schema
from analysis.text import clustering as cl
from analysis.text import similarity as sim


def make_tokens(docs: dict[str, list[list[str]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tokens and units tables from {region: [unit tokens, ...]} (unit text = tokens joined)."""
    token_rows, unit_rows = [], []
    for region, units in docs.items():
        for i, toks in enumerate(units, start=1):
            unit_id = f"{region}-{i:04d}"
            unit_rows.append({"region_id": region, "unit_id": unit_id, "text": "".join(toks)})
            for pos, tok in enumerate(toks):
                token_rows.append({"region_id": region, "unit_id": unit_id, "position": pos,
                                   "token": tok})
    return pd.DataFrame(token_rows), pd.DataFrame(unit_rows)


def random_corpus(seed: int, n_regions: int = 4, n_units: int = 12, vocab: int = 40):
    rng = np.random.default_rng(seed)
    words = [f"w{i:02d}" for i in range(vocab)]
    # Zipf-like draws so that some words are frequent and others rare.
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    docs = {
        f"r{r}": [list(rng.choice(words, size=rng.integers(3, 12), p=p)) for _ in range(n_units)]
        for r in range(n_regions)
    }
    # Near-copies across plans, so that high scores occur too.
    for r in range(1, n_regions):
        for u in range(3):
            docs[f"r{r}"].append(docs["r0"][u] + [str(rng.choice(words))] * (r - 1))
    return make_tokens(docs)


# ---------------------------------------------------------------- region similarity

def test_cosine_matches_hand_computation():
    # A = x x y, B = x z, C = z.  N = 3; df(x) = 2, df(y) = 1, df(z) = 2.
    tokens, _ = make_tokens({"A": [["x", "x", "y"]], "B": [["x", "z"]], "C": [["z"]]})
    out = sim.similarity_regions(tokens)
    a = 1 + math.log(4 / 3)  # idf of x and z: ln((1+3)/(1+2)) + 1
    b = 1 + math.log(4 / 2)  # idf of y
    # A = (2a, b, 0), B = (a, 0, a), C = (0, 0, a)
    expected = {
        ("A", "B"): (2 * a * a) / (math.sqrt(4 * a * a + b * b) * math.sqrt(2) * a),
        ("A", "C"): 0.0,
        ("B", "C"): 1 / math.sqrt(2),
    }
    got = {(r.region_a, r.region_b): r.cosine for r in out.itertuples()}
    assert set(got) == set(expected)
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value, abs=1e-9)
    assert (out["n_terms"] == 3).all()
    assert "N = 3 region documents" in out["weighting"].iloc[0]
    assert "identity callable analyzer" in out["tokenisation"].iloc[0]
    assert list(out.columns) == schema.SIMILARITY_REGIONS


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("sublinear", [False, True])
def test_cosine_matches_sklearn_pipeline(seed, sublinear):
    tokens, _ = random_corpus(seed)
    out = sim.similarity_regions(tokens, sublinear_tf=sublinear)
    regions = sorted(tokens["region_id"].unique())
    # Independent route: whitespace-joined strings, sklearn's own split, cosine_similarity.
    joined = [" ".join(tokens.loc[tokens.region_id == r, "token"]) for r in regions]
    vec = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=sublinear)
    ref = cosine_similarity(vec.fit_transform(joined))
    for r in out.itertuples():
        i, j = regions.index(r.region_a), regions.index(r.region_b)
        assert r.cosine == pytest.approx(ref[i, j], abs=1e-9)
    assert len(out) == len(regions) * (len(regions) - 1) // 2
    assert (out["region_a"] < out["region_b"]).all()


def test_similarity_is_deterministic_and_order_free():
    tokens, _ = random_corpus(5)
    first = sim.similarity_regions(tokens)
    shuffled = tokens.sample(frac=1.0, random_state=0).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, sim.similarity_regions(tokens))
    pd.testing.assert_frame_equal(first, sim.similarity_regions(shuffled))


def test_similarity_matrix_is_symmetric_with_unit_diagonal():
    tokens, _ = random_corpus(4)
    pairs = sim.similarity_regions(tokens)
    mat = sim.similarity_matrix(pairs)
    assert np.allclose(mat.to_numpy(), mat.to_numpy().T)
    assert np.allclose(np.diag(mat.to_numpy()), 1.0)
    with pytest.raises(ValueError, match="no 'cosine' for the pair"):
        sim.similarity_matrix(pairs.iloc[1:])


def test_tokens_table_is_checked():
    with pytest.raises(ValueError, match="lacks column"):
        sim.similarity_regions(pd.DataFrame({"region_id": ["a"], "token": ["x"]}))


# ---------------------------------------------------------------- by theme

def theme_corpus():
    tokens, units = make_tokens({
        "A": [["t", "x"], ["t", "y"], ["s", "q"], ["s", "q"]],
        "B": [["t", "x"], ["t", "x"], ["s", "w"], ["s", "w"]],
        "C": [["t", "z"], ["t", "z"], ["s", "q"]],
    })
    units["theme"] = ["teachers", "teachers", "safety", "safety",
                      "teachers", "teachers", "safety", "safety",
                      "teachers", "teachers", "safety"]
    return tokens, units


def test_by_theme_hand_values_theme_idf():
    tokens, units = theme_corpus()
    out = sim.similarity_by_theme(tokens, units, min_units=2, idf_scope="theme")
    got = {(r.theme, r.region_a, r.region_b): r for r in out.itertuples()}
    # Safety: C has only one safety unit -> left out at min_units=2.  A = s s q q, B = s s w w.
    # N = 2; idf(s) = 1, idf(q) = idf(w) = ln(3/2) + 1 = c.  A = (2, 2c, 0), B = (2, 0, 2c).
    c = 1 + math.log(3 / 2)
    assert {k for k in got if k[0] == "safety" and got[k].status == "compared"} == {
        ("safety", "A", "B")}
    assert got[("safety", "A", "B")].cosine == pytest.approx(4 / (4 + 4 * c * c), abs=1e-9)
    assert got[("safety", "A", "B")].n_units_a == 2
    # Teachers, N = 3: A = t t x y, B = t t x x, C = t t z z.
    # df: t 3, x 2, y 1, z 1 -> idf t = 1, x = ln(4/3)+1 = d, y = z = ln 2 + 1 = e.
    d, e = 1 + math.log(4 / 3), 1 + math.log(2)
    va = np.array([2, d, e, 0])
    vb = np.array([2, 2 * d, 0, 0])
    vc = np.array([2, 0, 0, 2 * e])
    cos = lambda u, v: u @ v / np.linalg.norm(u) / np.linalg.norm(v)  # noqa: E731
    assert got[("teachers", "A", "B")].cosine == pytest.approx(cos(va, vb), abs=1e-9)
    assert got[("teachers", "A", "C")].cosine == pytest.approx(cos(va, vc), abs=1e-9)
    assert got[("teachers", "B", "C")].cosine == pytest.approx(cos(vb, vc), abs=1e-9)
    assert list(out.columns) == schema.SIMILARITY_BY_THEME


def test_by_theme_corpus_idf_uses_whole_plan_weights():
    tokens, units = theme_corpus()
    out = sim.similarity_by_theme(tokens, units, min_units=2, idf_scope="corpus")
    # Corpus idf over the three plans: every term's df counts whole plans.
    dtm = sim.tfidf_matrix(tokens, by="region_id")
    idf = dict(zip(dtm.terms, dtm.vectorizer.idf_, strict=True))
    va = np.array([2 * idf["s"], 2 * idf["q"], 0])
    vb = np.array([2 * idf["s"], 0, 2 * idf["w"]])
    row = out[(out.theme == "safety")].iloc[0]
    expected = va @ vb / np.linalg.norm(va) / np.linalg.norm(vb)
    assert row.cosine == pytest.approx(expected, abs=1e-9)
    assert (out["n_terms"] == len(dtm.terms)).all()


def test_by_theme_requires_theme_column():
    tokens, units = theme_corpus()
    with pytest.raises(ValueError, match="no theme column 'topic_code'"):
        sim.similarity_by_theme(tokens, units, theme_col="topic_code")
    with pytest.raises(ValueError, match="idf_scope must be one of"):
        sim.similarity_by_theme(tokens, units, idf_scope="global")


def test_by_theme_lists_regions_below_min_units_with_the_reason():
    tokens, units = theme_corpus()
    out = sim.similarity_by_theme(tokens, units, min_units=2, idf_scope="theme")
    safety = out[out.theme == "safety"].set_index(["region_a", "region_b"])
    # C has one safety unit: its pairs are listed, not compared, and say why.
    assert list(safety.index) == [("A", "B"), ("A", "C"), ("B", "C")]
    assert safety.loc[("A", "B"), "status"] == "compared"
    for pair in [("A", "C"), ("B", "C")]:
        assert math.isnan(safety.loc[pair, "cosine"])
        assert safety.loc[pair, "n_units_b"] == 1
        assert safety.loc[pair, "status"] == (
            "not compared: fewer than min_units units in region_b (1 < 2)")
    # At min_units=3 nobody qualifies for safety (A 2, B 2, C 1): all three pairs listed.
    strict = sim.similarity_by_theme(tokens, units, min_units=3)
    row = strict[(strict.theme == "safety") & (strict.region_a == "A") & (strict.region_b == "C")]
    assert row["status"].iloc[0] == (
        "not compared: fewer than min_units units in region_a (2 < 3) and region_b (1 < 3)")
    assert strict["cosine"].isna().all()
    assert len(strict) == 2 * 3


def themed_random_corpus(seed: int):
    tokens, units = random_corpus(seed, n_regions=5, n_units=10)
    rng = np.random.default_rng(seed)
    units["theme"] = rng.choice(["teachers", "safety", "funding"], size=len(units),
                                p=[0.5, 0.3, 0.2])
    return tokens, units


def independent_theme_cosines(tokens, units, theme, regions, *, idf: str):
    """sklearn on whitespace-joined strings: idf fitted on whole plans or on the theme only."""
    vec = TfidfVectorizer(token_pattern=r"\S+", lowercase=False)
    theme_units = set(units.loc[units.theme == theme, "unit_id"])
    whole = [" ".join(tokens.loc[tokens.region_id == r, "token"]) for r in sorted(
        tokens.region_id.unique())]
    restricted = [" ".join(tokens.loc[(tokens.region_id == r) & tokens.unit_id.isin(
        theme_units), "token"]) for r in regions]
    if idf == "corpus":
        vec.fit(whole)
        matrix = vec.transform(restricted)
    else:
        matrix = vec.fit_transform(restricted)
    return cosine_similarity(matrix)


@pytest.mark.parametrize("seed", [21, 22])
@pytest.mark.parametrize("min_units", [1, 3])
def test_the_two_routes_agree_given_the_same_idf_and_differ_by_it(seed, min_units):
    tokens, units = themed_random_corpus(seed)
    for scope, source in [("corpus", "corpus"), ("theme", "subset")]:
        by_theme = sim.similarity_by_theme(tokens, units, min_units=min_units, idf_scope=scope)
        for theme, rows in by_theme.groupby("theme"):
            theme_units = units.loc[units.theme == theme, "unit_id"]
            by_group = sim.similarity_by_group(tokens, unit_ids=theme_units, idf_from=source,
                                               min_units=min_units)
            assert rows["region_a"].tolist() == by_group["group_a"].tolist()
            assert rows["region_b"].tolist() == by_group["group_b"].tolist()
            np.testing.assert_array_equal(rows["cosine"].to_numpy(),
                                          by_group["cosine"].to_numpy())
            assert rows["status"].astype(str).str.replace("region_", "").tolist() == \
                by_group["status"].astype(str).str.replace("group_", "").tolist()
            compared = rows[rows.status == "compared"]
            regions = sorted(set(compared.region_a) | set(compared.region_b))
            ref = independent_theme_cosines(tokens, units, theme, regions,
                                            idf="corpus" if scope == "corpus" else "theme")
            for r in compared.itertuples():
                i, j = regions.index(r.region_a), regions.index(r.region_b)
                assert r.cosine == pytest.approx(ref[i, j], abs=1e-9)
    # The researcher's second route, similarity_regions on the theme's tokens, is the
    # subset-idf route; it differs from the shipped (corpus-idf) numbers.
    theme_units = units.loc[units.theme == "teachers", "unit_id"]
    subset = sim.similarity_regions(tokens[tokens.unit_id.isin(theme_units)])
    via_group = sim.similarity_by_group(tokens, unit_ids=theme_units, idf_from="subset")
    np.testing.assert_array_equal(subset["cosine"].to_numpy(), via_group["cosine"].to_numpy())
    shipped = sim.similarity_by_theme(tokens, units, min_units=1)
    shipped = shipped[shipped.theme == "teachers"]
    assert np.abs(shipped["cosine"].to_numpy() - subset["cosine"].to_numpy()).max() > 1e-3


def test_by_group_without_subset_is_similarity_regions_for_either_idf():
    tokens, _ = random_corpus(8)
    regions = sim.similarity_regions(tokens)
    for source in sim.IDF_SOURCES:
        out = sim.similarity_by_group(tokens, idf_from=source)
        assert list(out.columns) == schema.SIMILARITY_BY_GROUP
        np.testing.assert_array_equal(out["cosine"].to_numpy(), regions["cosine"].to_numpy())
        assert (out["status"] == "compared").all()
        assert (out["group_col"] == "region_id").all()
        assert (out["idf_from"] == source).all()


def test_by_group_any_column_and_units_subset_match_sklearn():
    tokens, units = random_corpus(9, n_regions=4)
    years = {"r0": "2021", "r1": "2021", "r2": "2022", "r3": "2023"}
    tokens = tokens.assign(plan_year=tokens["region_id"].map(years))
    keep = units["unit_id"].iloc[::2]
    out = sim.similarity_by_group(tokens, group_col="plan_year", unit_ids=keep)
    sub = tokens[tokens.unit_id.isin(keep)].sort_values(["region_id", "unit_id", "position"])
    groups = ["2021", "2022", "2023"]
    joined = [" ".join(sub.loc[sub.plan_year == g, "token"]) for g in groups]
    ref = cosine_similarity(
        TfidfVectorizer(token_pattern=r"\S+", lowercase=False).fit_transform(joined))
    assert list(zip(out.group_a, out.group_b, strict=True)) == [
        ("2021", "2022"), ("2021", "2023"), ("2022", "2023")]
    for r in out.itertuples():
        assert r.cosine == pytest.approx(ref[groups.index(r.group_a), groups.index(r.group_b)],
                                         abs=1e-9)
    expected_units = sub.groupby("plan_year")["unit_id"].nunique()
    assert out["n_units_a"].tolist() == expected_units[["2021", "2021", "2022"]].tolist()
    # The matrix and the clustering take the group table as it is.
    mat = sim.similarity_matrix(out)
    assert list(mat.index) == groups and mat.index.name == "group_a"
    assert mat.loc["2021", "2023"] == pytest.approx(ref[0, 2], abs=1e-9)
    linkage = cl.region_linkage(out)
    assert linkage.leaves["region_id"].tolist() == groups


def test_by_group_min_units_and_matrix_skip_groups_not_compared():
    tokens, units = random_corpus(10, n_regions=3, n_units=4)
    keep = units.loc[units.region_id != "r2", "unit_id"].tolist() + ["r2-0001"]
    out = sim.similarity_by_group(tokens, unit_ids=keep, min_units=2)
    r2 = out[(out.group_b == "r2")]
    assert r2["cosine"].isna().all()
    assert set(r2["status"]) == {"not compared: fewer than min_units units in group_b (1 < 2)"}
    assert list(sim.similarity_matrix(out).index) == ["r0", "r1"]


def test_by_group_arguments_are_checked():
    tokens, _ = random_corpus(8)
    with pytest.raises(ValueError, match="no group column 'plan_year'"):
        sim.similarity_by_group(tokens, group_col="plan_year")
    with pytest.raises(ValueError, match=r"idf_from must be one of \('subset', 'corpus'\)"):
        sim.similarity_by_group(tokens, idf_from="theme")
    with pytest.raises(ValueError, match="min_units must be a positive integer"):
        sim.similarity_by_group(tokens, min_units=0)
    with pytest.raises(ValueError, match="exactly one of the column pairs"):
        sim.similarity_matrix(pd.DataFrame({"a": ["x"], "b": ["y"], "cosine": [0.5]}))


def test_documents_stream_gives_the_same_lists_one_at_a_time():
    tokens, _ = random_corpus(19)
    ids, listed = sim.documents_from_tokens(tokens, by="unit_id")
    ids_streamed, streamed = sim.documents_from_tokens(tokens, by="unit_id", stream=True)
    assert not isinstance(streamed, list)
    assert next(iter(streamed)) == listed[0]
    assert [listed[0], *streamed] == listed
    assert list(ids_streamed) == list(ids)
    # Documents chosen and ordered by doc_ids, an unknown id giving an empty document.
    wanted = [ids[3], "nowhere", ids[0]]
    _, chosen = sim.documents_from_tokens(tokens, by="unit_id", doc_ids=wanted, stream=True)
    assert list(chosen) == [listed[3], [], listed[0]]
