"""Tests for analysis.text.lsh and text_reuse(method="lsh"): MinHash, banding, planted recall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.text.lsh import candidate_pairs, candidate_probability, minhash_signatures
from analysis.text.reuse import text_reuse

KEY = ["unit_id_a", "start_a", "end_a", "unit_id_b", "start_b", "end_b"]


def noise(rng: np.random.Generator, length: int) -> str:
    return "".join(chr(c) for c in rng.integers(0x4E00, 0x9FA5, size=length))


def test_candidate_probability_hand_worked():
    # 1 - (1 - 0.5**2)**2 = 1 - 0.75**2 = 0.4375; one band of one row is J itself.
    assert candidate_probability(0.5, bands=2, rows=2) == pytest.approx(0.4375)
    assert candidate_probability(0.3, bands=1, rows=1) == pytest.approx(0.3)
    assert candidate_probability(0.05, bands=64, rows=1) == pytest.approx(1 - 0.95**64)
    with pytest.raises(ValueError, match="bands must be an integer >= 1"):
        candidate_probability(0.5, bands=0, rows=1)


def test_signature_of_a_union_is_the_elementwise_minimum():
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 10**9, 40), rng.integers(0, 10**9, 25)
    item = np.concatenate([np.zeros(40), np.ones(25), np.full(65, 2)]).astype(int)
    key = np.concatenate([a, b, a, b])
    items, sig = minhash_signatures(item, key, num_perm=16)
    assert items.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(sig[2], np.minimum(sig[0], sig[1]))


def test_signatures_ignore_order_and_repeats_and_repeat_across_runs():
    rng = np.random.default_rng(2)
    item = rng.integers(0, 30, 500)
    key = rng.integers(0, 200, 500)
    items, sig = minhash_signatures(item, key, num_perm=32)
    shuffle = rng.permutation(500)
    twice = np.concatenate([shuffle, shuffle])
    items2, sig2 = minhash_signatures(item[twice], key[twice], num_perm=32)
    np.testing.assert_array_equal(items, items2)
    np.testing.assert_array_equal(sig, sig2)
    _, other_seed = minhash_signatures(item, key, num_perm=32, seed=7)
    assert not np.array_equal(sig, other_seed)


def test_agreement_rate_estimates_jaccard():
    # {0..99} and {50..149}: Jaccard 50 / 150 = 1/3.
    item = np.repeat([0, 1], 100)
    key = np.concatenate([np.arange(100), np.arange(50, 150)])
    _, sig = minhash_signatures(item, key, num_perm=1024)
    agreement = (sig[0] == sig[1]).mean()
    # Binomial(1024, 1/3): standard deviation 0.015; 0.06 is four of them.
    assert abs(agreement - 1 / 3) < 0.06


def test_candidate_pairs_banding_and_orientation():
    sig = np.array([
        [1, 2, 3, 4],    # item 0, group 1
        [1, 2, 9, 9],    # item 1, group 0: agrees with 0 on band 0
        [7, 7, 3, 5],    # item 2, group 2: agrees with 0 on one row of band 1 only
        [8, 8, 8, 8],    # item 3, group 3: agrees with no one
        [1, 2, 3, 4],    # item 4, group 1: identical to item 0 but in the same group
    ], dtype=np.uint64)
    group = np.array([1, 0, 2, 3, 1])
    a, b = candidate_pairs(sig, group, bands=2, rows=2)
    # Oriented group[a] < group[b]: (1, 0) and (1, 4); never 0 with 4 (same group).
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(1, 0), (1, 4)]
    # With four one-row bands, item 2 now agrees with 0 and 4 in the third position.
    a, b = candidate_pairs(sig, group, bands=4, rows=1)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2), (1, 0), (1, 4), (4, 2)]
    with pytest.raises(ValueError, match="bands \\* rows"):
        candidate_pairs(sig, group, bands=3, rows=1)


# ------------------------------------------------------------ text_reuse(method="lsh")

PASSAGES = {  # passage -> the two plans it is planted in
    "推进集团化办学提升农村学校办学质量": ("r01", "r05"),
    "建立健全教师交流轮岗制度激发队伍活力": ("r02", "r09"),
    "完善家校社协同育人机制形成教育合力": ("r03", "r04"),
    "实施县域普通高中发展提升行动计划": ("r00", "r07"),
    "加快推进智慧校园建设和数字资源共享": ("r00", "r08"),
    "深化课后服务改革切实减轻学生负担": ("r00", "r11"),
}


def planted_units(seed: int = 0) -> pd.DataFrame:
    """Twelve plans of noise; each passage shared by exactly the two plans named above.

    Plan r00 has one long unit holding three passages, each shared with a
    different plan: that unit's Jaccard similarity with each partner is low.
    """
    rng = np.random.default_rng(seed)
    texts = {f"r{i:02d}": [noise(rng, 40) for _ in range(4)] for i in range(12)}
    hub = []
    for passage, (first, second) in PASSAGES.items():
        if first == "r00":
            hub.append(noise(rng, 25) + passage)
        else:
            texts[first][1] = noise(rng, 6) + passage + "。" + noise(rng, 10)
        texts[second][2] = noise(rng, 9) + passage + noise(rng, 3)
    texts["r00"][0] = "".join(hub) + noise(rng, 25)
    return pd.DataFrame([
        {"region_id": r, "unit_id": f"{r}-{i}", "text": t}
        for r, ts in texts.items() for i, t in enumerate(ts)
    ])


def test_lsh_finds_every_planted_passage_and_no_unrelated_pair():
    units = planted_units()
    exact = text_reuse(units, n=8, min_chars=12, stock_min_regions=3)
    lsh = text_reuse(units, n=8, min_chars=12, stock_min_regions=3, method="lsh")
    found = {(r.text, r.region_a, r.region_b) for r in lsh.itertuples()}
    assert found == {(p, *plans) for p, plans in PASSAGES.items()}
    pd.testing.assert_frame_equal(lsh, exact)


def test_lsh_rows_are_exact_rows_and_recall_is_high_on_recombined_text():
    rng = np.random.default_rng(3)
    pool = ["加强师德师风建设", "推进教育数字化转型", "深化新时代教育评价改革",
            "办好人民满意的教育", "扩大优质教育资源覆盖面", "健全学校家庭社会协同机制", "，"]
    rows = [{"region_id": f"r{r:02d}", "unit_id": f"r{r:02d}-{i}",
             "text": "".join(rng.choice(pool, size=rng.integers(2, 5))) + noise(rng, 5)}
            for r in range(20) for i in range(6)]
    units = pd.DataFrame(rows)
    exact = text_reuse(units, n=6, min_chars=10, stock_min_regions=0.5)
    lsh = text_reuse(units, n=6, min_chars=10, stock_min_regions=0.5, method="lsh")
    exact_reuse, lsh_reuse = exact[exact.kind == "reuse"], lsh[lsh.kind == "reuse"]
    assert len(exact_reuse) > 100
    merged = lsh_reuse.merge(exact_reuse, on=KEY + ["text", "text_b"], how="left",
                             indicator=True)
    assert merged["_merge"].eq("both").all()  # never a span exact does not report
    assert lsh_reuse["n_chars"].sum() >= 0.95 * exact_reuse["n_chars"].sum()
    # Stock phrases do not depend on the method.
    pd.testing.assert_frame_equal(lsh[lsh.kind == "stock_phrase"],
                                  exact[exact.kind == "stock_phrase"])


def test_few_bands_trade_recall_for_fewer_pairs():
    units = planted_units(4)
    one = text_reuse(units, n=8, min_chars=12, stock_min_regions=3, method="lsh",
                     lsh_bands=1, lsh_rows=4)
    full = text_reuse(units, n=8, min_chars=12, stock_min_regions=3, method="lsh")
    # One band of four rows needs four agreeing minima: the hub unit's low-Jaccard
    # pairs are lost, but the units that share one whole passage are still found.
    assert len(one) < len(full)
    assert {"r01", "r02", "r03"} <= set(one["region_a"])


def test_lsh_arguments_are_checked():
    units = planted_units()
    with pytest.raises(ValueError, match=r"method must be one of \['exact', 'lsh'\]"):
        text_reuse(units, method="minhash")
    with pytest.raises(ValueError, match="lsh_bands must be an integer >= 1"):
        text_reuse(units, method="lsh", lsh_bands=0)
