"""Tests for analysis.text.reuse: planted spans, stock phrases, offsets, a brute-force reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import schema
from analysis.text.reuse import stock_threshold, text_reuse


def noise(rng: np.random.Generator, length: int) -> str:
    """Random CJK characters: two noise strings share no 8-character run in practice."""
    return "".join(chr(c) for c in rng.integers(0x4E00, 0x9FA5, size=length))


def units_table(texts: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for region, region_texts in texts.items():
        for i, text in enumerate(region_texts, start=1):
            rows.append({"region_id": region, "unit_id": f"{region}-{i:04d}", "text": text,
                         "unit_kind": "sentence"})
    return pd.DataFrame(rows)


SHARED = "推进集团化办学提升农村学校办学质量"  # 17 characters, planted in two plans
STOCK = "落实立德树人根本任务"  # 10 characters, planted in every plan


def planted_corpus(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    texts = {r: [noise(rng, 30) for _ in range(3)] for r in ("ra", "rb", "rc", "rd")}
    texts["ra"][1] = noise(rng, 5) + SHARED + noise(rng, 9)       # offsets 5..22
    texts["rc"][2] = noise(rng, 11) + SHARED + "。" + noise(rng, 4)  # offsets 11..28
    for r, i in (("ra", 0), ("rb", 2), ("rc", 0), ("rd", 1)):
        texts[r][i] = noise(rng, 3) + STOCK + "，" + noise(rng, 12)  # offsets 3..13
    return units_table(texts)


def test_planted_shared_span_found_with_exact_offsets():
    units = planted_corpus()
    out = text_reuse(units, n=8, min_chars=12, stock_min_regions=3)
    reuse = out[out.kind == "reuse"]
    assert len(reuse) == 1
    row = reuse.iloc[0]
    assert (row.region_a, row.unit_id_a, row.start_a, row.end_a) == ("ra", "ra-0002", 5, 22)
    assert (row.region_b, row.unit_id_b, row.start_b, row.end_b) == ("rc", "rc-0003", 11, 28)
    assert row.text == SHARED and row.text_b == SHARED
    assert row.n_chars == len(SHARED)
    assert row.n_regions == 2
    assert list(out.columns) == schema.TEXT_REUSE


def test_phrase_in_every_plan_is_stock_not_reuse():
    units = planted_corpus()
    out = text_reuse(units, n=8, min_chars=12, stock_min_regions=3)
    stock = out[out.kind == "stock_phrase"]
    # One row per occurrence, trimmed of the trailing comma, no partner columns.
    assert sorted(stock["unit_id_a"]) == ["ra-0001", "rb-0003", "rc-0001", "rd-0002"]
    assert set(stock["text"]) == {STOCK}
    assert (stock["start_a"] == 3).all() and (stock["end_a"] == 13).all()
    assert (stock["n_regions"] == 4).all()
    assert stock["region_b"].isna().all() and stock["start_b"].isna().all()
    assert STOCK not in "".join(out.loc[out.kind == "reuse", "text"])


def test_offsets_index_into_unit_text():
    units = planted_corpus(3)
    out = text_reuse(units, n=8, min_chars=8, stock_min_regions=3)
    text_of = dict(zip(units.unit_id, units.text, strict=True))
    for r in out.itertuples():
        assert text_of[r.unit_id_a][r.start_a:r.end_a] == r.text
        if r.kind == "reuse":
            assert text_of[r.unit_id_b][r.start_b:r.end_b] == r.text_b


def test_stock_phrase_inside_reuse_span_is_kept_whole():
    rng = np.random.default_rng(5)
    span = "加强教师队伍建设" + STOCK + "深化课堂教学改革"
    texts = {r: [noise(rng, 25)] for r in ("ra", "rb", "rc", "rd")}
    texts["ra"][0] = noise(rng, 4) + span + noise(rng, 4)
    texts["rb"][0] = noise(rng, 7) + span
    texts["rc"][0] = STOCK + noise(rng, 10)
    texts["rd"][0] = noise(rng, 2) + STOCK
    out = text_reuse(units_table(texts), n=8, min_chars=12, stock_min_regions=3)
    reuse = out[out.kind == "reuse"].iloc[0]
    assert reuse.text == span
    assert (reuse.start_a, reuse.end_a, reuse.start_b, reuse.end_b) == (4, 30, 7, 33)
    assert reuse.n_regions == 2  # its other shingles are only in two plans


def test_near_verbatim_chain_and_verbatim_only():
    rng = np.random.default_rng(8)
    left, right = "全面推进义务教育优质均衡", "发展和城乡一体化建设工作"
    texts = {
        "ra": [noise(rng, 6) + left + "甲" + right + noise(rng, 6)],
        "rb": [noise(rng, 3) + left + "乙丙" + right + noise(rng, 3)],
    }
    units = units_table(texts)
    chained = text_reuse(units, n=6, min_chars=20, stock_min_regions=3, max_gap=2)
    assert len(chained) == 1
    row = chained.iloc[0]
    assert row.text == left + "甲" + right and row.text_b == left + "乙丙" + right
    assert (row.start_a, row.end_a, row.start_b, row.end_b) == (6, 31, 3, 29)
    verbatim = text_reuse(units, n=6, min_chars=10, stock_min_regions=3, max_gap=0)
    assert sorted(verbatim["text"]) == sorted([left, right])


def test_repeats_within_one_plan_are_not_reuse():
    rng = np.random.default_rng(9)
    texts = {"ra": [noise(rng, 3) + SHARED, SHARED + noise(rng, 3)], "rb": [noise(rng, 30)]}
    out = text_reuse(units_table(texts), n=8, min_chars=10, stock_min_regions=3)
    assert out.empty
    assert list(out.columns) == schema.TEXT_REUSE


def test_min_chars_filters_short_spans():
    units = planted_corpus()
    assert text_reuse(units, n=8, min_chars=18, stock_min_regions=3).query(
        "kind == 'reuse'").empty


def test_stock_threshold_rule():
    assert stock_threshold(0.5, 5) == 3
    assert stock_threshold(0.5, 1000) == 500
    assert stock_threshold(0.1, 5) == 3  # never fewer than three plans
    assert stock_threshold(4, 5) == 4
    for bad in (1, 0.0, 1.5, True, "3"):
        with pytest.raises(ValueError, match="stock_min_regions"):
            stock_threshold(bad, 5)


def test_arguments_are_checked():
    units = planted_corpus()
    with pytest.raises(ValueError, match="n must be an integer"):
        text_reuse(units, n=1)
    with pytest.raises(ValueError, match="lacks column"):
        text_reuse(units.drop(columns="text"))


def test_blocks_do_not_change_the_result_and_runs_repeat():
    units = planted_corpus(4)
    a = text_reuse(units, n=8, min_chars=8, stock_min_regions=3)
    b = text_reuse(units, n=8, min_chars=8, stock_min_regions=3, max_block_pairs=1)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, text_reuse(units, n=8, min_chars=8, stock_min_regions=3))


# ------------------------------------------------------------ brute-force reference

def brute_force(units: pd.DataFrame, n: int, min_chars: int, threshold: int) -> set:
    """Maximal verbatim matches (max_gap=0) found by scanning every diagonal of every pair."""
    texts = units["text"].tolist()
    regions = units["region_id"].tolist()
    ids = units["unit_id"].tolist()
    where: dict[str, set] = {}
    for text, region in zip(texts, regions, strict=True):
        for i in range(len(text) - n + 1):
            where.setdefault(text[i:i + n], set()).add(region)
    count = {g: len(r) for g, r in where.items()}
    found = set()
    for x in range(len(texts)):
        for y in range(len(texts)):
            if regions[x] >= regions[y]:
                continue
            a, b = texts[x], texts[y]
            for d in range(-len(a), len(b)):
                i = max(0, -d)
                while i < len(a) and 0 <= i + d < len(b):
                    if a[i] != b[i + d]:
                        i += 1
                        continue
                    j = i
                    while j < len(a) and j + d < len(b) and a[j] == b[j + d]:
                        j += 1
                    grams = [a[k:k + n] for k in range(i, j - n + 1)]
                    if grams and any(count[g] < threshold for g in grams):
                        s, e = i, j  # trim punctuation at the ends
                        while s < e and a[s] in "，。；：、（）“”":
                            s += 1
                        while e > s and a[e - 1] in "，。；：、（）“”":
                            e -= 1
                        if e - s >= min_chars:
                            least = min(count[a[k:k + n]] for k in range(s, e - n + 1))
                            if least < threshold:
                                found.add((ids[x], s, e, ids[y], s + d, e + d, least))
                    i = j
    return found


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_matches_brute_force_on_recombined_sentences(seed):
    rng = np.random.default_rng(seed)
    # A small pool of phrases recombined into plans: many partial overlaps, some stock.
    pool = ["加强师德师风建设", "推进教育数字化转型", "落实立德树人根本任务",
            "深化新时代教育评价改革", "办好人民满意的教育", "扩大优质教育资源覆盖面", "，", "。"]
    texts = {}
    for r in range(5):
        texts[f"r{r}"] = [
            "".join(rng.choice(pool, size=rng.integers(2, 6))) + noise(rng, int(rng.integers(0, 4)))
            for _ in range(4)
        ]
    units = units_table(texts)
    threshold = 4
    out = text_reuse(units, n=6, min_chars=8, stock_min_regions=threshold, max_gap=0)
    got = {
        (r.unit_id_a, r.start_a, r.end_a, r.unit_id_b, r.start_b, r.end_b, r.n_regions)
        for r in out[out.kind == "reuse"].itertuples()
    }
    assert got == brute_force(units, 6, 8, threshold)
    assert len(got) > 0


# ------------------------------------------------------------ listed pairs of plans

PAIRS = pd.DataFrame({"region_id": ["r0", "r3", "r2", "r4"],
                      "neighbour": ["r1", "r0", "r4", "r2"]})  # r2-r4 listed both ways
LISTED = {("r0", "r1"), ("r0", "r3"), ("r2", "r4")}  # as (region_a, region_b), a < b


def recombined(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pool = ["加强师德师风建设", "推进教育数字化转型", "落实立德树人根本任务",
            "深化新时代教育评价改革", "办好人民满意的教育", "扩大优质教育资源覆盖面", "，", "。"]
    return units_table({
        f"r{r}": ["".join(rng.choice(pool, size=rng.integers(2, 6)))
                  + noise(rng, int(rng.integers(0, 4))) for _ in range(4)]
        for r in range(5)
    })


def _kept_to_listed(out: pd.DataFrame) -> pd.DataFrame:
    keep = (out["kind"] == "stock_phrase") | pd.Series(
        [pair in LISTED for pair in zip(out["region_a"], out["region_b"], strict=True)],
        index=out.index)
    return out[keep].reset_index(drop=True)


@pytest.mark.parametrize("seed", [21, 24])
@pytest.mark.parametrize("block", [2_000_000, 1])
@pytest.mark.parametrize("method", ["exact", "lsh"])
def test_listed_pairs_give_the_all_pairs_rows_of_those_pairs(seed, block, method):
    units = recombined(seed)
    settings = {"n": 6, "min_chars": 8, "stock_min_regions": 4, "method": method}
    every = text_reuse(units, **settings)
    got = text_reuse(units, **settings, pairs=PAIRS, max_block_pairs=block)
    expected = _kept_to_listed(every)
    assert 0 < (expected["kind"] == "reuse").sum() < (every["kind"] == "reuse").sum()
    pd.testing.assert_frame_equal(got, expected)


def test_listed_pairs_match_brute_force_kept_to_those_pairs():
    units = recombined(25)
    out = text_reuse(units, n=6, min_chars=8, stock_min_regions=4, max_gap=0, pairs=PAIRS)
    got = {(r.unit_id_a, r.start_a, r.end_a, r.unit_id_b, r.start_b, r.end_b, r.n_regions)
           for r in out[out.kind == "reuse"].itertuples()}
    region_of = dict(zip(units.unit_id, units.region_id, strict=True))
    expected = {row for row in brute_force(units, 6, 8, 4)
                if (region_of[row[0]], region_of[row[3]]) in LISTED}
    assert got == expected and len(got) > 0


def test_listed_pairs_checks_and_no_pairs():
    units = planted_corpus()
    none = text_reuse(units, n=8, min_chars=12, stock_min_regions=3, pairs=PAIRS.iloc[:0])
    assert (none["kind"] == "stock_phrase").all() and len(none) == 4
    with pytest.raises(ValueError, match="not in the units table"):
        text_reuse(units, pairs=pd.DataFrame({"region_id": ["ra"], "neighbour": ["nowhere"]}))
    with pytest.raises(ValueError, match="pairs must be None or a DataFrame"):
        text_reuse(units, pairs=[("ra", "rc")])
