"""Figures of policy instruments, commitment strength and cited documents."""

from __future__ import annotations

import logging
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, QuadMesh
from matplotlib.patches import Rectangle

import analysis.io
from analysis import schema
from analysis.coding.instruments import instrument_table, load_instrument_scheme
from analysis.coding.modality import modality_table
from analysis.figures import policy
from analysis.figures.policy import (
    citation_layout,
    make_policy_figures,
    plot_citation_network,
    plot_instrument_mix,
    plot_instrument_subtypes,
    plot_modality,
    plot_theme_instrument_heatmap,
    pooled_shares,
    shorten_title,
    subtype_shares,
)

# Sentences as (region, theme, instrument, sub-type, modality).  Themes come from
# three codebook domains (party -> party, teaching -> development, preschool and
# compulsory -> levels); "unassigned" is outside the codebook.
SENTENCES = [
    ("tonglu", "party", "environment", "leadership", "directive"),
    ("tonglu", "party", "environment", "leadership", "binding"),
    ("tonglu", "teaching", "supply", "teachers", "directive"),
    ("tonglu", "teaching", "none", "none", "none"),
    ("tonglu", "preschool", "supply", "infrastructure", "binding"),
    ("tonglu", "preschool", "demand", "pilots", "encouraging"),
    ("xinwu", "party", "environment", "regulation", "binding"),
    ("xinwu", "compulsory", "supply", "funding", "directive"),
    ("xinwu", "compulsory", "supply", "funding", "directive"),
    ("xinwu", "compulsory", "environment", "evaluation", "directive"),
    ("xinwu", "unassigned", "none", "none", "none"),
]
# Theme -> domain written out here, independently of the code under test.
DOMAIN = {"party": "party", "teaching": "development", "preschool": "levels",
          "compulsory": "levels", "unassigned": "unassigned"}


@pytest.fixture
def units() -> pd.DataFrame:
    rows = [
        {"region_id": r, "unit_id": f"{r}-{i:04d}", "part": "plan", "unit_kind": "sentence",
         "theme": t, "instrument": ins, "instrument_subtype": sub, "modality": mod}
        for i, (r, t, ins, sub, mod) in enumerate(SENTENCES)
    ]
    # A review sentence and a heading: neither may be counted.
    rows.append({"region_id": "tonglu", "unit_id": "tonglu-0100", "part": "review",
                 "unit_kind": "sentence", "theme": "party", "instrument": "demand",
                 "instrument_subtype": "cooperation", "modality": "binding"})
    rows.append({"region_id": "xinwu", "unit_id": "xinwu-0100", "part": "plan",
                 "unit_kind": "item_title", "theme": "party", "instrument": "demand",
                 "instrument_subtype": "cooperation", "modality": "binding"})
    return pd.DataFrame(rows)


@pytest.fixture
def instruments(units) -> pd.DataFrame:
    return instrument_table(units)


@pytest.fixture
def modality(units) -> pd.DataFrame:
    return modality_table(units)


def _counted(units: pd.DataFrame) -> pd.DataFrame:
    return units[(units["part"] == "plan") & (units["unit_kind"] == "sentence")]


# ----------------------------------------------------------------------------- tables


def test_pooled_shares_by_region_match_a_direct_count(units, instruments):
    shares = pooled_shares(instruments, by="region_id")
    assert list(shares.columns) == ["region_id", "instrument", "n_sentences", "n_total", "share"]
    assert len(shares) == 2 * len(schema.INSTRUMENT_TYPES)
    counted = _counted(units)
    for row in shares.itertuples(index=False):
        mine = counted[counted["region_id"] == row.region_id]
        assert row.n_total == len(mine)
        assert row.n_sentences == (mine["instrument"] == row.instrument).sum()
    # tonglu: 2 supply, 2 environment, 1 demand, 1 none of 6 sentences.
    tonglu = shares[shares["region_id"] == "tonglu"].set_index("instrument")["share"]
    assert tonglu.to_dict() == pytest.approx(
        {"supply": 2 / 6, "environment": 2 / 6, "demand": 1 / 6, "none": 1 / 6})


def test_pooled_shares_by_domain_add_counts_not_shares(units, instruments):
    shares = pooled_shares(instruments, by="domain")
    counted = _counted(units).assign(domain=lambda d: d["theme"].map(DOMAIN))
    expected = counted.groupby("domain")["instrument"].value_counts(normalize=True)
    for row in shares.itertuples(index=False):
        assert row.share == pytest.approx(expected.get((row.domain, row.instrument), 0.0))
    # Codebook order, the code outside the codebook last.
    assert list(dict.fromkeys(shares["domain"])) == (
        _codebook_order(["party", "development", "levels"]) + ["unassigned"])
    # levels pools preschool (tonglu, 2 sentences) and compulsory (xinwu, 3): supply is
    # 1 + 2 = 3 of 5, not the mean of 1/2 and 2/3.
    levels = shares[(shares["domain"] == "levels") & (shares["instrument"] == "supply")]
    assert levels["share"].item() == pytest.approx(3 / 5)
    assert levels["n_total"].item() == 5


def _codebook_order(domains: list[str]) -> list[str]:
    from analysis.coding.themes import load_codebook

    return [d for d in load_codebook().domain_ids if d in domains]


def test_pooled_shares_all_and_modality(units, modality):
    shares = pooled_shares(modality, by="all")
    assert list(shares.columns) == ["group", "modality", "n_sentences", "n_total", "share"]
    counted = _counted(units)
    expected = counted["modality"].value_counts(normalize=True)
    got = shares.set_index("modality")["share"]
    for level in schema.MODALITY_LEVELS:
        assert got[level] == pytest.approx(expected.get(level, 0.0))
    assert shares["share"].sum() == pytest.approx(1.0)


def test_pooled_shares_rejects_bad_arguments(instruments):
    with pytest.raises(ValueError, match="by must be one of"):
        pooled_shares(instruments, by="province")
    bad = instruments.assign(instrument=instruments["instrument"].replace("demand", "pull"))
    with pytest.raises(ValueError, match="pull"):
        pooled_shares(bad)
    with pytest.raises(ValueError, match="instrument_table"):
        pooled_shares(instruments.drop(columns="instrument"))


def test_subtype_shares_count_plan_sentences(units):
    shares = subtype_shares(units)
    scheme = load_instrument_scheme()
    assert len(shares) == 2 * len(scheme.subtypes)
    counted = _counted(units)
    for row in shares.itertuples(index=False):
        mine = counted[counted["region_id"] == row.region_id]
        assert row.n_total == len(mine)
        assert row.n_sentences == (mine["instrument_subtype"] == row.instrument_subtype).sum()
    # A region's sub-type shares add up to one minus its share of "none".
    for region, group in shares.groupby("region_id"):
        mine = counted[counted["region_id"] == region]
        assert group["share"].sum() == pytest.approx(1 - (mine["instrument"] == "none").mean())
    assert shares.loc[(shares["region_id"] == "xinwu")
                      & (shares["instrument_subtype"] == "funding"), "n_sentences"].item() == 2


def test_shorten_title_keeps_both_ends():
    assert shorten_title("家庭教育促进法", max_chars=20) == "家庭教育促进法"
    # A trailing remark goes first; that may be enough.
    assert shorten_title("桐庐县发展学前教育第三轮行动计划（2020—2023年）", max_chars=20) == (
        "桐庐县发展学前教育第三轮行动计划")
    long = "黄石市教育领域2021年思想破冰深化改革引领发展实施方案"
    short = shorten_title(long, max_chars=20)
    assert len(short) == 20
    assert short == long[:10] + "…" + long[-9:]
    assert short.endswith("实施方案")
    with pytest.raises(ValueError):
        shorten_title(long, max_chars=2)


# ----------------------------------------------------------------------------- figures


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def _mesh(ax) -> QuadMesh:
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    return meshes[0]


def _ticks(ax, axis: str = "y") -> list[str]:
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels]


def test_instrument_mix_has_one_segment_per_region_and_type(instruments):
    fig = plot_instrument_mix(instruments, lang="zh", regions=["xinwu", "tonglu"])
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars) == 2 * len(schema.INSTRUMENT_TYPES)
    # Each bar (one y position per region) is 100 % wide.
    widths: dict[float, float] = {}
    for bar in bars:
        widths[round(bar.get_y(), 3)] = widths.get(round(bar.get_y(), 3), 0) + bar.get_width()
    assert sorted(widths.values()) == pytest.approx([1.0, 1.0])
    zh = _ticks(ax)
    assert zh == ["新吴区（n=5）", "桐庐县（n=6）"]
    en = _ticks(plot_instrument_mix(instruments, lang="en", regions=["xinwu", "tonglu"]).axes[0])
    assert en == ["Xinwu District (n=5)", "Tonglu County (n=6)"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["供给型", "环境型", "需求型", "未用工具"]


def test_instrument_mix_rejects_unknown_region(instruments):
    with pytest.raises(ValueError, match="licheng"):
        plot_instrument_mix(instruments, regions=["tonglu", "licheng"])
    with pytest.raises(ValueError, match="lang must be one of"):
        plot_instrument_mix(instruments, lang="fr")


@pytest.mark.parametrize(("level", "n_rows"), [("domain", 4), ("theme", 5)])
def test_heatmap_has_one_cell_per_area_and_instrument(instruments, level, n_rows):
    fig = plot_theme_instrument_heatmap(instruments, lang="zh", level=level)
    ax = fig.axes[0]
    cells = _mesh(ax).get_array()
    assert cells.shape == (n_rows, len(schema.INSTRUMENT_TYPES))
    assert np.asarray(cells).sum(axis=1) == pytest.approx(np.ones(n_rows))
    assert len([t for t in ax.texts if t.get_text().isdigit()]) == cells.size
    # The numbers printed are the cells' percentages.
    printed = sorted(int(t.get_text()) for t in ax.texts)
    assert printed == sorted(int(f"{100 * v:.0f}") for v in np.asarray(cells).ravel())
    zh_rows, zh_cols = _ticks(ax), _ticks(ax, "x")
    fig_en = plot_theme_instrument_heatmap(instruments, lang="en", level=level)
    en_rows, en_cols = _ticks(fig_en.axes[0]), _ticks(fig_en.axes[0], "x")
    assert len(en_rows) == len(zh_rows) == n_rows
    assert not set(zh_rows) & set(en_rows) and not set(zh_cols) & set(en_cols)
    assert "未归类（n=1）" in zh_rows  # the code outside the codebook, named, with its n
    assert en_cols[0] == "Supply-side"


def test_heatmap_rejects_unknown_level(instruments):
    with pytest.raises(ValueError, match="level must be one of"):
        plot_theme_instrument_heatmap(instruments, level="subtype")


def test_subtype_heatmap_has_heading_rows_and_one_cell_per_subtype(units):
    scheme = load_instrument_scheme()
    fig = plot_instrument_subtypes(units, lang="zh")
    ax = fig.axes[0]
    cells = _mesh(ax).get_array()
    assert cells.shape == (len(scheme.types) + len(scheme.subtypes), 2)
    assert int(np.ma.count_masked(cells)) == 2 * len(scheme.types)  # the heading rows
    en_ax = plot_instrument_subtypes(units, lang="en").axes[0]
    assert _ticks(ax, "x") != _ticks(en_ax, "x")
    assert "资金投入" in _ticks(ax) and "Funding" in _ticks(en_ax)


def test_modality_has_two_panels_of_stacked_bars(modality):
    fig = plot_modality(modality, lang="zh", regions=["tonglu", "xinwu"])
    top, bottom = fig.axes[:2]
    assert len(_bars(top)) == 2 * len(schema.MODALITY_LEVELS)
    assert len(_bars(bottom)) == 4 * len(schema.MODALITY_LEVELS)  # 4 domains
    fig_en = plot_modality(modality, lang="en", regions=["tonglu", "xinwu"])
    assert _ticks(top) != _ticks(fig_en.axes[0])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "约束性", "指令性", "鼓励探索性", "无情态词"]
    by_theme = plot_modality(modality, level="theme").axes[1]
    assert len(_bars(by_theme)) == 5 * len(schema.MODALITY_LEVELS)


NETWORK = pd.DataFrame({
    "title_norm": ["共同意见", "共同意见", "甲县文件", "乙区办法", "乙区计划"],
    "level": ["central", "central", "local", "local", "unknown"],
    "region_id": ["tonglu", "xinwu", "tonglu", "xinwu", "xinwu"],
    "n_mentions": [1, 2, 1, 1, 1],
    "n_regions": [2, 2, 1, 1, 1],
})


def test_citation_layout_is_deterministic_and_ordered_by_barycentre():
    plans, docs = citation_layout(NETWORK, regions=["tonglu", "huangshi", "xinwu"])
    assert list(plans["region_id"]) == ["tonglu", "huangshi", "xinwu"]
    assert list(plans["n_documents"]) == [2, 0, 3]
    # tonglu is row 0, xinwu row 2: the shared document's barycentre is 1.
    assert list(docs["title_norm"]) == ["甲县文件", "共同意见", "乙区办法", "乙区计划"]
    assert list(docs["barycentre"]) == [0.0, 1.0, 2.0, 2.0]
    assert list(docs["y"]) == [0.0, 1.0, 2.0, 3.0]
    # Plans spread evenly over the four document rows.
    assert list(plans["y"]) == pytest.approx([(i + 0.5) * 4 / 3 - 0.5 for i in range(3)])
    shuffled = NETWORK.sample(frac=1.0, random_state=0)
    again = citation_layout(shuffled, regions=["tonglu", "huangshi", "xinwu"])
    assert again[0].equals(plans) and again[1].equals(docs)
    with pytest.raises(ValueError, match="leaves out"):
        citation_layout(NETWORK, regions=["tonglu"])


def test_citation_network_draws_one_segment_per_edge():
    citations = pd.DataFrame({"title": ["共同的意见", "共同的意见", "共同意见"],
                              "title_norm": ["共同意见"] * 3})
    fig = plot_citation_network(NETWORK, lang="zh", regions=["tonglu", "huangshi", "xinwu"],
                                citations=citations)
    ax = fig.axes[0]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == len(NETWORK)
    texts = [t.get_text() for t in ax.texts]
    # The most frequent original wording, marked as cited by two plans.
    assert "共同的意见（2个规划引用）" in texts
    assert "未引用文件" in texts  # huangshi cites nothing but is shown
    en = [t.get_text() for t in plot_citation_network(
        NETWORK, lang="en", regions=["tonglu", "huangshi", "xinwu"]).axes[0].texts]
    assert "Tonglu County" in en and "桐庐县" in texts and "桐庐县" not in en
    assert "共同意见 (cited by 2 plans)" in en


def test_figures_draw_and_save_without_missing_glyphs(tmp_path, instruments, caplog):
    caplog.set_level(logging.DEBUG, logger="matplotlib.font_manager")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lang in ("zh", "en"):
            fig = plot_citation_network(NETWORK, lang=lang)
            policy.save_figure(fig, f"net_{lang}", out_dir=tmp_path, title="t", caption="c",
                               sources=["citation_network"], command="pytest")
            fig = plot_theme_instrument_heatmap(instruments, lang=lang)
            policy.save_figure(fig, f"heat_{lang}", out_dir=tmp_path, title="t", caption="c",
                               sources=["instrument_table"], command="pytest")
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in messages if "findfont" in m or "not found" in m], messages


def test_saving_twice_is_byte_identical(tmp_path, instruments, modality):
    def draw_and_save(out):
        rows = []
        for fig_id, fig in (("mix", plot_instrument_mix(instruments)),
                            ("modality", plot_modality(modality)),
                            ("net", plot_citation_network(NETWORK))):
            rows.append(policy.save_figure(fig, fig_id, out_dir=out, title="t", caption="c",
                                           sources=["instrument_table"], command="pytest"))
        return rows

    first, second = draw_and_save(tmp_path / "a"), draw_and_save(tmp_path / "b")
    assert first == second
    for name in ("mix", "modality", "net"):
        for ext in ("png", "pdf"):
            assert (tmp_path / "a" / f"{name}.{ext}").read_bytes() == \
                (tmp_path / "b" / f"{name}.{ext}").read_bytes()


def _write_policy_tables(tmp_path, units, instruments, modality):
    """The tables the policy figures read, as a build writes them; their folder."""
    processed = tmp_path / "processed"
    processed.mkdir()
    citations = NETWORK.loc[:, ["region_id", "title_norm", "level"]].assign(
        unit_id="u", title=NETWORK["title_norm"], level_evidence="")
    tables = {
        "instrument_table": instruments, "modality_table": modality, "units": units,
        "citation_network": NETWORK, "citations": citations,
        "regions": pd.DataFrame({"region_id": ["tonglu", "xinwu", "huangshi"]}),
    }
    for stem, table in tables.items():
        table.to_parquet(processed / f"{stem}.parquet", index=False)
    return processed


def test_make_policy_figures_writes_every_figure_with_manifest_rows(
    tmp_path, units, instruments, modality
):
    processed = _write_policy_tables(tmp_path, units, instruments, modality)
    rows = make_policy_figures(processed, tmp_path / "figs", lang="en")
    ids = [r["figure_id"] for r in rows]
    assert ids == [
        "policy_instrument_mix_en", "policy_theme_instrument_domain_en",
        "policy_theme_instrument_theme_en", "policy_instrument_subtypes_en",
        "policy_modality_en", "policy_citation_network_en",
    ]
    assert ids == [f"{spec.name}_en" for spec in policy.POLICY_FIGURES]
    for row in rows:
        assert set(row) == set(schema.FIGURE_MANIFEST)
        assert (tmp_path / "figs" / f"{row['figure_id']}.png").is_file()
        assert (tmp_path / "figs" / f"{row['figure_id']}.pdf").is_file()
        assert row["title"] and row["caption"] and row["sources"]
    assert rows[1]["title"] == "Policy instruments by policy domain"
    assert rows[-1]["sources"] == "citation_network;citations;regions"
    assert "{" not in "".join(r["caption"] for r in rows)
    assert "20" in rows[-1]["caption"]  # the shortening rule's length is filled in


def test_policy_figures_fit_the_figure_registry():
    from analysis.figures.make import FigureSpec

    for spec in policy.POLICY_FIGURES:
        as_registered = FigureSpec(spec.name, spec.sources, spec.draw, spec.fields)
        assert as_registered.name.startswith("policy_")
        assert set(as_registered.sources) <= {
            "instrument_table", "modality_table", "units", "citation_network", "citations",
            "regions"}


def test_policy_figures_read_only_the_columns_and_rows_they_draw(
    tmp_path, units, instruments, modality, monkeypatch
):
    from analysis.io import read_table

    processed = _write_policy_tables(tmp_path, units, instruments, modality)
    reads = []

    def recording(stem, folder, *, columns=None, filters=None):
        out = read_table(stem, folder, columns=columns, filters=filters)
        reads.append((stem, columns, len(out)))
        return out

    # The figures read through analysis.io.tables_in_turn, which calls this.
    monkeypatch.setattr(analysis.io, "read_table", recording)
    make_policy_figures(processed, tmp_path / "figs", lang="en")
    read_units = [(columns, n) for stem, columns, n in reads if stem == "units"]
    plan_sentences = units.loc[(units["part"] == "plan") & (units["unit_kind"] == "sentence")]
    assert 0 < len(plan_sentences) < len(units)  # the filter leaves rows out
    assert read_units == [(("region_id", "part", "unit_kind", "instrument", "instrument_subtype"),
                           len(plan_sentences))]
    assert [c for s, c, _ in reads if s == "citations"] == [("title", "title_norm")]
    # Each table is read once for the figures reading it the same way.
    assert [s for s, _, _ in reads].count("instrument_table") == 1
    # What is drawn from the rows read is what the whole table gives.
    read = read_table("units", processed, columns=read_units[0][0],
                      filters=policy.POLICY_FIGURES[3].filters["units"])
    whole, part = (plot_instrument_subtypes(t, lang="en") for t in (units, read))
    np.testing.assert_array_equal(_mesh(whole.axes[0]).get_array(),
                                  _mesh(part.axes[0]).get_array())
    assert _ticks(whole.axes[0], "x") == _ticks(part.axes[0], "x")
