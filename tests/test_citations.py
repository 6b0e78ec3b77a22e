"""Tests for analysis.coding.citations: titles, normalisation, levels and the network."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema
from analysis.coding.citations import (
    citation_network,
    classify_level,
    extract_citations,
    find_titles,
    normalise_title,
    shared_citations,
)


def units_of(*texts: str, region: str = "r") -> pd.DataFrame:
    return pd.DataFrame({
        "region_id": [region] * len(texts),
        "unit_id": [f"{region}-{i:04d}" for i in range(1, len(texts) + 1)],
        "text": list(texts),
    })


def test_titles_with_nested_quotes_and_brackets():
    text = ("落实《关于“双减”的意见》和《关于印发〈中小学德育工作指南〉的通知》，"
            "实施《发展学前教育第三轮行动计划（2020—2023年）》《A《B》C》，未闭合《D")
    titles = [t for _, _, t in find_titles(text)]
    assert titles == ["关于“双减”的意见", "关于印发〈中小学德育工作指南〉的通知",
                      "发展学前教育第三轮行动计划（2020—2023年）", "A《B》C"]
    start, end, _ = find_titles(text)[0]
    assert text[start] == "《" and text[end - 1] == "》"


def test_normalisation_and_abbreviations():
    full = normalise_title("关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见")
    assert normalise_title("关于“双减”的意见") == full
    assert normalise_title("“双减”意见") == full
    assert normalise_title("关于建立中小学校党组织领导的校长负责制的意见(试行)") == \
        normalise_title("关于建立中小学校党组织领导的校长负责制的意见（试行）") == \
        "关于建立中小学校党组织领导校长负责制意见"
    assert normalise_title("发展学前教育第三轮行动计划（2020—2023年）") == \
        "发展学前教育第三轮行动计划"
    assert normalise_title("培智学校义务教育课程标准（2016年版）") == "培智学校义务教育课程标准"
    assert normalise_title("关于印发〈中小学德育工作指南〉的通知") == "中小学德育工作指南"
    with pytest.raises(ValueError):
        normalise_title("  ")


@pytest.mark.parametrize("title,context,level", [
    ("福建省高中阶段教育质量提升计划", "", "provincial"),
    ("福建省教育厅关于进一步加强普通中小学教学常规管理工作的指导意见", "", "provincial"),
    ("北京市中小学德育工作实施办法", "", "provincial"),
    ("教育部关于加强中小学幼儿园教师队伍建设的意见", "", "central"),
    ("国家通用语言文字法", "", "central"),
    ("家庭教育促进法", "", "central"),
    ("培智学校义务教育课程标准（2016年版）", "", "central"),
    ("泉州市深化新时代教育督导体制机制改革的若干措施", "", "local"),
    ("县振兴高中教育十大行动计划", "", "local"),          # the plan's own county
    ("省义务教育学校办学条件基本标准", "", "provincial"),  # the plan's own province
    ("市场准入负面清单", "", "unknown"),                  # 市场 is no place
    ("桐庐县儿童青少年心理健康促进行动实施意见", "", "local"),
    ("教育局党委2020年度党建工作要点", "", "local"),
    ("关于加强学校体育工作的实施意见", "贯彻落实中共中央、国务院", "central"),
    ("关于加强学校体育工作的实施意见", "福建省教育厅等四部门关于印发", "provincial"),
    ("关于加强学校体育工作的实施意见", "认真落实", "unknown"),
    ("教育系统基层党建创新发展实施办法", "", "unknown"),  # 办法 is not a law
    ("学前教育示范区建设方案", "", "unknown"),         # 示范区 is not a place
])
def test_levels(title, context, level):
    assert classify_level(title, context)[0] == level


def test_level_from_sentence_context_versus_title():
    units = units_of(
        "贯彻落实中共中央、国务院《关于全面加强新时代大中小学劳动教育的意见》，推进课程建设。",
        "贯彻落实《关于全面加强新时代大中小学劳动教育的意见》文件精神。",
        "落实《福建省教育厅关于进一步加强普通中小学教学常规管理工作的指导意见》精神。",
        "落实《关于做好校园安全工作的通知》要求。",
    )
    out = extract_citations(units)
    assert list(out.columns) == schema.CITATIONS
    assert out["level"].tolist() == ["central", "central", "provincial", "unknown"]
    assert out["level_evidence"].tolist()[:2] == ["context_issuer:国务院", "known_document"]
    assert out.loc[0, "title_norm"] == out.loc[1, "title_norm"]


def test_a_preceding_title_lends_no_issuer():
    out = extract_citations(units_of("制定《新吴区教师师德考核办法》《关于做好安全工作的通知》。"))
    assert out["level"].tolist() == ["local", "unknown"]


def test_network_edges_and_shared_documents():
    cites = pd.concat([
        extract_citations(units_of("落实《关于“双减”的意见》和《家庭教育促进法》。", region="a")),
        extract_citations(units_of("落实“双减”，贯彻《关于进一步减轻义务教育阶段学生作业负担和"
                                   "校外培训负担的意见》，两次提及《家庭教育促进法》《家庭教育促进法》。",
                                   region="b")),
        extract_citations(units_of("学习《新吴区教师师德考核办法》。", region="c")),
    ], ignore_index=True)
    edges = citation_network(cites)
    assert list(edges.columns) == schema.CITATION_NETWORK
    law = edges[edges.title_norm == "家庭教育促进法"].set_index("region_id")
    assert law.loc["b", "n_mentions"] == 2 and law.loc["a", "n_mentions"] == 1
    assert set(law["n_regions"]) == {2}
    assert edges["n_regions"].is_monotonic_decreasing
    pairs = shared_citations(cites, regions=["a", "b", "c", "d"])
    assert list(pairs.columns) == schema.CITATION_PAIRS
    assert len(pairs) == 6  # every unordered pair of four regions
    ab = pairs[(pairs.region_a == "a") & (pairs.region_b == "b")].iloc[0]
    assert ab["n_shared"] == 2
    assert pairs.loc[pairs.region_a == "c", "n_shared"].sum() == 0
    assert pairs[pairs.region_b == "d"]["n_shared"].sum() == 0
    central = shared_citations(cites, levels=("central",))
    assert central.set_index(["region_a", "region_b"]).loc[("a", "b"), "n_shared"] == 2
    with pytest.raises(ValueError, match="levels must be drawn"):
        shared_citations(cites, levels=("national",))


def test_empty_inputs():
    out = extract_citations(units_of("没有引用文件。"))
    assert out.empty and list(out.columns) == schema.CITATIONS
    assert citation_network(out).empty


def test_citations_carry_how_they_were_found_and_where():
    text = ("深化落实“新时代教师职业行为十项准则”，实施教育信息化2.0行动计划，"
            "通过《致家长信》联系家长，落实《家庭教育促进法》。")
    out = extract_citations(units_of(text))
    assert out["detection"].tolist() == ["quotes", "bare_title", "brackets"]
    for row in out.itertuples():
        assert text[row.start:row.end] == row.title  # offsets point at the title
    assert out["level"].tolist() == ["central", "central", "central"]
    assert "致家长信" not in out["title"].tolist()  # a letter, not a policy document


def test_a_bare_known_title_takes_its_known_level_not_the_words_before_it():
    out = extract_citations(units_of("支持湖北某职业学院实施提质培优行动计划。"))
    assert out["title_norm"].tolist() == [normalise_title("职业教育提质培优行动计划")]
    assert out["level"].tolist() == ["central"]
    assert out["level_evidence"].tolist() == ["known_document"]


def test_a_placeless_local_title_is_its_own_plans_document():
    cites = pd.concat([
        extract_citations(units_of("推动落实市、县“中小学教师减负清单”。", region="a")),
        extract_citations(units_of("落实中小学教师减负清单，落实《湖北省中小学教师减负清单》。",
                                   region="b")),
        extract_citations(units_of("制定《教育局党委年度党建工作要点》。", region="c")),
    ], ignore_index=True)
    assert cites["title_norm"].tolist() == [
        "中小学教师减负清单@a", "中小学教师减负清单@b", "湖北省中小学教师减负清单",
        "教育局党委年度党建工作要点@c"]
    assert shared_citations(cites)["n_shared"].sum() == 0  # no document in common


def _cites(cited: dict[str, str]) -> pd.DataFrame:
    """A citations table from ``region -> documents`` (one letter a document, cited twice)."""
    rows = [{"region_id": region, "title_norm": doc, "level": "central"}
            for region, docs in cited.items() for doc in docs for _ in range(2)]
    return pd.DataFrame(rows, columns=["region_id", "title_norm", "level"])


def _top_k_by_brute_force(pairs: pd.DataFrame, k: int) -> pd.DataFrame:
    """Each plan's k rows of the all-pairs table sharing the most (> 0), ties by partner id."""
    regions = sorted(set(pairs["region_a"]) | set(pairs["region_b"]))
    keep = set()
    for r in regions:
        mine = pairs[((pairs.region_a == r) | (pairs.region_b == r)) & (pairs.n_shared > 0)]
        partner = mine["region_b"].where(mine["region_a"] == r, mine["region_a"])
        ranked = mine.assign(partner=partner).sort_values(["n_shared", "partner"],
                                                          ascending=[False, True])
        keep.update(zip(ranked["region_a"].head(k), ranked["region_b"].head(k), strict=True))
    chosen = [(a, b) in keep for a, b in zip(pairs["region_a"], pairs["region_b"], strict=True)]
    return pairs.loc[chosen].reset_index(drop=True)


def test_top_k_pairs_are_the_all_pairs_table_sorted_and_cut():
    # Hand-worked: a shares 3 with b, 1 with c, d and e (a tie: c and d win by id at k=2);
    # f shares nothing; g cites nothing at all (absent from citations).
    cites = _cites({"a": "xyzw", "b": "xyzv", "c": "wv", "d": "wu", "e": "wt", "f": "q",
                    "h": "tu"})
    everything = shared_citations(cites, regions=list("abcdefgh"))
    top2 = shared_citations(cites, regions=list("abcdefgh"), top_k=2)
    assert list(top2.columns) == schema.CITATION_PAIRS
    pd.testing.assert_frame_equal(top2, _top_k_by_brute_force(everything, 2))
    a_rows = top2[(top2.region_a == "a") | (top2.region_b == "a")]
    # a's own two (b: 3, then c: 1, first by id of the ties c, d, e) and d's and e's (a)
    assert set(zip(a_rows.region_a, a_rows.region_b, a_rows.n_shared, strict=True)) == {
        ("a", "b", 3), ("a", "c", 1), ("a", "d", 1), ("a", "e", 1)}
    assert not ({"f", "g"} & (set(top2.region_a) | set(top2.region_b)))
    assert (top2["n_shared"] > 0).all()
    for k in (1, 3, 10):
        pd.testing.assert_frame_equal(shared_citations(cites, top_k=k),
                                      _top_k_by_brute_force(shared_citations(cites), k))


def test_top_k_on_many_plans_matches_brute_force_across_blocks(monkeypatch):
    import numpy as np

    from analysis.coding import citations as module

    monkeypatch.setattr(module, "_PAIR_BLOCK", 7)  # several blocks of plans
    rng = np.random.default_rng(0)
    cited = {f"r{i:03d}": "".join(rng.choice(list("abcdefghij"), size=rng.integers(0, 5),
                                             replace=False)) for i in range(40)}
    cites = _cites(cited)
    pd.testing.assert_frame_equal(shared_citations(cites, top_k=3, levels=("central",)),
                                  _top_k_by_brute_force(shared_citations(cites), 3))


def test_top_k_must_be_a_positive_integer():
    cites = _cites({"a": "x", "b": "x"})
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="top_k must be None or a positive integer"):
            shared_citations(cites, top_k=bad)


def test_the_policy_step_keeps_top_k_pairs_beyond_the_pairwise_cap_and_says_so(monkeypatch):
    from analysis import config, steps

    cites = _cites({"a": "xy", "b": "xy", "c": "x", "d": "z"})
    regions = list("abcde")
    monkeypatch.setattr(config, "NEIGHBOURS_K", 1)
    monkeypatch.setattr(config, "PAIRWISE_MAX_REGIONS", 5)
    made = steps._citation_pairs(cites, regions)
    assert set(made) == {"citation_pairs"} and len(made["citation_pairs"]) == 10  # all pairs
    monkeypatch.setattr(config, "PAIRWISE_MAX_REGIONS", 4)
    made = steps._citation_pairs(cites, regions)
    assert list(zip(made["citation_pairs"].region_a, made["citation_pairs"].region_b,
                    strict=True)) == [("a", "b"), ("a", "c")]  # a, b: each other; c: a (by id)
    notes = made["table_notes"]
    assert list(notes.columns) == schema.TABLES["table_notes"]
    assert notes["table"].tolist() == ["citation_pairs"] and notes["column"].tolist() == [""]
    assert "5 plans > config.PAIRWISE_MAX_REGIONS (4)" in notes["value"].iloc[0]
