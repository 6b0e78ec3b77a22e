"""make_all_figures: every figure from a processed folder, with its manifest."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pypdf
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

import analysis.io
from analysis import schema
from analysis.figures import make
from analysis.figures.save import read_manifest, sha256_file
from analysis.io import write_table

REGIONS = ["tonglu", "xinwu", "huangshi"]
THEMES = [("party", "party"), ("moral", "development"), ("teachers", "teachers")]


def _write_tables(folder) -> None:
    rng = np.random.default_rng(11)
    theme_rows, domain_rows, keyword_rows, keyness_rows = [], [], [], []
    for region in REGIONS:
        chars = rng.integers(5, 50, size=len(THEMES))
        for (theme, domain), n in zip(THEMES, chars, strict=True):
            row = {"region_id": region, "part": "plan", "n_sentences": 2, "n_chars": int(n),
                   "share_chars": n / chars.sum(), "share_sentences": 1 / 3}
            theme_rows.append({**row, "theme_id": theme, "theme_zh": "", "theme_en": "",
                               "domain": domain})
            domain_rows.append({**row, "domain": domain, "domain_zh": "", "domain_en": ""})
        rest = "+".join(r for r in sorted(REGIONS) if r != region)
        for i in range(12):
            keyword_rows.append({"region_id": region, "token": f"词{i}", "n": 20 - i,
                                 "per_10k": 100.0 - i, "doc_freq": 3, "n_docs": 3})
            keyness_rows.append({"comparison": f"{region} vs {rest}", "target": region,
                                 "reference": rest, "token": f"词{i}",
                                 "g2": float(rng.gamma(2, 3)), "log_ratio": rng.normal()})
    keyness = pd.DataFrame(keyness_rows)
    for column in schema.KEYNESS:
        keyness[column] = keyness.get(column, 0)
    pairs = [(a, b) for a, b in itertools.combinations(sorted(REGIONS), 2)]
    cosines = [0.6, 0.5, 0.7]
    similarity_regions = pd.DataFrame(
        [{"region_a": a, "region_b": b, "cosine": c, "weighting": "w", "tokenisation": "t",
          "n_terms": 10} for (a, b), c in zip(pairs, cosines, strict=True)])
    z = hierarchy.linkage(squareform(1 - np.array(
        [[1, 0.6, 0.5], [0.6, 1, 0.7], [0.5, 0.7, 1]]), checks=False), method="average")
    leaves = sorted(REGIONS)
    linkage = pd.DataFrame([
        {"step": s, "cluster_id": 2 + s, "cluster_a": int(a), "cluster_b": int(b),
         "label_a": leaves[int(a)] if a < 3 else f"cluster {int(a)}",
         "label_b": leaves[int(b)] if b < 3 else f"cluster {int(b)}",
         "distance": d, "size": int(n), "members": ""}
        for s, (a, b, d, n) in enumerate(z, start=1)])
    by_theme = pd.DataFrame([{"theme": "teachers", "region_a": a, "region_b": b, "cosine": 0.3,
                              "n_units_a": 3, "n_units_b": 3, "status": "compared",
                              "weighting": "w", "tokenisation": "t", "n_terms": 5}
                             for a, b in pairs])
    terms = pd.DataFrame([{"model": "nmf", "topic": t, "rank": r, "term": f"主{t}词{r}",
                           "weight": 0.1 / r, "relevance": -0.1 * r, "coverage": 0.5}
                          for t in (1, 2) for r in range(1, 9)])
    topic_regions = pd.DataFrame([{"model": "nmf", "region_id": r, "topic": t, "share": 0.5}
                                  for r in REGIONS for t in (1, 2)])
    confusion = pd.DataFrame([{"half": "heldout", "level": "theme", "gold": g, "predicted": p,
                               "n": n} for g, p, n in [("party", "party", 4),
                                                       ("moral", "party", 1),
                                                       ("teachers", "teachers", 3)]])
    validation = pd.DataFrame([{"half": "heldout", "level": "theme", "n": 8, "accuracy": 0.875,
                                "macro_f1": 0.8, "kappa": 0.8}])
    for table, stem, columns in [
        (pd.DataFrame(theme_rows), "theme_by_region", schema.THEME_BY_REGION),
        (pd.DataFrame(domain_rows), "domain_by_region", schema.DOMAIN_BY_REGION),
        (pd.DataFrame(keyword_rows), "keywords", schema.KEYWORD_FREQUENCIES),
        (keyness, "keyness", schema.KEYNESS),
        (similarity_regions, "similarity_regions", schema.SIMILARITY_REGIONS),
        (linkage, "region_linkage", schema.REGION_LINKAGE),
        (by_theme, "similarity_by_theme", schema.SIMILARITY_BY_THEME),
        (terms, "topics_terms", schema.TOPICS_TERMS),
        (topic_regions, "topics_regions", schema.TOPICS_REGIONS),
        (confusion, "theme_confusion", schema.THEME_CONFUSION),
        (validation, "theme_validation", schema.THEME_VALIDATION),
    ]:
        write_table(table.loc[:, columns], stem, folder, columns=columns)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    processed = tmp_path_factory.mktemp("processed")
    _write_tables(processed)
    out = tmp_path_factory.mktemp("figures")
    # No policy tables here (tests/test_figures_policy.py covers those figures).
    manifest = make.make_all_figures(processed, out, skip_missing=True)
    return processed, out, manifest


def test_manifest_lists_every_figure_in_both_languages(built):
    _processed, out, manifest = built
    assert list(manifest.columns) == schema.FIGURE_MANIFEST
    expected = sorted(make.figure_id(i, spec, lang) for i, spec in enumerate(make.FIGURES, 1)
                      for lang in ("zh", "en"))
    assert manifest["figure_id"].tolist() == expected
    assert read_manifest(out).equals(manifest)
    for row in manifest.itertuples():
        assert sha256_file(out / f"{row.figure_id}.png") == row.png_sha256
        assert sha256_file(out / f"{row.figure_id}.pdf") == row.pdf_sha256
        assert row.command == make.COMMAND and row.svg_sha256 == ""
        assert "{" not in row.title + row.caption and row.caption
    sources = dict(zip(manifest["figure_id"], manifest["sources"], strict=True))
    assert sources["fig05_region_similarity_en"] == "similarity_regions;region_linkage"
    confusion = manifest.set_index("figure_id").loc["fig09_theme_confusion_en", "caption"]
    assert "accuracy 87.5%" in confusion and "κ = 0.80" in confusion


def test_titles_follow_the_language(built):
    _processed, out, manifest = built
    titles = manifest.set_index("figure_id")["title"]
    assert titles["fig01_theme_shares_zh"] == "各地区教育工作计划的主题构成"
    assert titles["fig01_theme_shares_en"].startswith("Thematic composition")
    text = pypdf.PdfReader(out / "fig01_theme_shares_zh.pdf").pages[0].extract_text()
    assert "党的建设" in text and "桐庐县" in text
    text_en = pypdf.PdfReader(out / "fig01_theme_shares_en.pdf").pages[0].extract_text()
    assert "Party building" in text_en and "Tonglu" in text_en and "Huangshi" in text_en


def test_a_second_build_is_byte_identical(built, tmp_path):
    processed, out, manifest = built
    again = make.make_all_figures(processed, tmp_path, lang="en", skip_missing=True)
    first = manifest.set_index("figure_id").loc[again["figure_id"]].reset_index()
    pd.testing.assert_frame_equal(again, first)


def test_many_regions_draw_the_languages_in_turn_with_the_same_files(built, tmp_path,
                                                                   monkeypatch):
    """Beyond PARALLEL_LANGS_MAX_REGIONS no worker processes; the files do not change."""
    processed, _out, manifest = built

    def no_pool(*args, **kwargs):
        raise AssertionError("languages drawn in parallel despite many regions")

    monkeypatch.setattr(make, "PARALLEL_LANGS_MAX_REGIONS", -1)  # fewer than any corpus
    monkeypatch.setattr(make, "ProcessPoolExecutor", no_pool)
    again = make.make_all_figures(processed, tmp_path / "seq", skip_missing=True)
    pd.testing.assert_frame_equal(again, manifest)


def _copy_tables(source, target, stems):
    target.mkdir()
    for path in source.iterdir():
        if path.stem in stems:
            (target / path.name).write_bytes(path.read_bytes())
    return target


def test_stale_figures_are_removed_and_other_files_kept(built, tmp_path):
    processed, _out, _manifest = built
    only_domains = _copy_tables(processed, tmp_path / "processed", {"domain_by_region"})
    out = tmp_path / "figures"
    out.mkdir()
    (out / "fig99_old_zh.png").write_bytes(b"x")
    (out / "fig99_old_zh.pdf").write_bytes(b"x")
    (out / "notes.txt").write_text("keep me")
    old = pd.DataFrame([dict.fromkeys(schema.FIGURE_MANIFEST, "") | {"figure_id": "fig99_old_zh"}])
    old.to_csv(out / "manifest.csv", index=False, encoding="utf-8-sig")
    manifest = make.make_all_figures(only_domains, out, lang="zh", skip_missing=True)
    assert manifest["figure_id"].tolist() == ["fig02_domain_shares_zh"]
    assert not (out / "fig99_old_zh.png").exists()
    assert not (out / "fig99_old_zh.pdf").exists()
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "fig02_domain_shares_zh.png").exists()


def test_missing_tables_raise_before_drawing_unless_skipped(built, tmp_path):
    processed, _out, _manifest = built
    partial = _copy_tables(processed, tmp_path / "processed",
                           {"domain_by_region", "topics_regions"})
    with pytest.raises(FileNotFoundError, match="theme_by_region"):
        make.make_all_figures(partial, tmp_path / "a", lang="en")
    with pytest.raises(FileNotFoundError, match="policy figures"):
        make.make_all_figures(processed, tmp_path / "c", lang="en")
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())
    manifest = make.make_all_figures(partial, tmp_path / "b", lang="en", skip_missing=True)
    # topic_regions also needs topics_terms, so only the domain bars can be drawn.
    assert manifest["figure_id"].tolist() == ["fig02_domain_shares_en"]


def test_lang_is_checked(tmp_path):
    with pytest.raises(ValueError, match="lang must be one of"):
        make.make_all_figures(tmp_path, tmp_path, lang="fr")


def test_partitioned_and_empty_tables_draw_like_single_files(built, tmp_path, monkeypatch):
    # A large build writes some tables as a folder of one file per plan, and leaves
    # the all-pairs similarity empty beyond config.PAIRWISE_MAX_REGIONS plans.
    import shutil

    import analysis.io

    processed, _, manifest = built
    copy = tmp_path / "processed"
    shutil.copytree(processed, copy)
    monkeypatch.setitem(analysis.io.PARTITION_COLUMNS, "theme_by_region", "region_id")
    table = analysis.io.read_table("theme_by_region", copy)
    (copy / "theme_by_region.parquet").unlink()
    write_table(table, "theme_by_region", copy, columns=schema.THEME_BY_REGION,
                partition_by="region_id", partition_min_rows=0)
    assert (copy / "theme_by_region").is_dir()
    write_table(pd.DataFrame(columns=schema.SIMILARITY_REGIONS), "similarity_regions", copy,
                columns=schema.SIMILARITY_REGIONS)
    out = tmp_path / "figures"
    again = make.make_all_figures(copy, out, lang="en", skip_missing=True)
    drawn = set(again["figure_id"])
    assert not any("region_similarity" in f for f in drawn)
    theme = [f for f in drawn if "theme_shares" in f]
    assert theme, "the partitioned table's figure is drawn"
    before = manifest.set_index("figure_id")
    assert sha256_file(out / f"{theme[0]}.png") == before.loc[theme[0], "png_sha256"]


def test_each_figure_reads_only_the_columns_it_names(built, tmp_path, monkeypatch):
    from analysis.figures import keywords
    from analysis.io import read_table

    processed, out, _manifest = built
    reads = []

    def recording(stem, folder, *, columns=None, filters=None):
        reads.append((stem, columns))
        return read_table(stem, folder, columns=columns, filters=filters)

    # The figures read through analysis.io.tables_in_turn, which calls this.
    monkeypatch.setattr(analysis.io, "read_table", recording)
    again = tmp_path / "figures"
    make.make_all_figures(processed, again, lang="en", skip_missing=True)
    read = dict(reads)
    assert read["keyness"] == keywords.KEYNESS_TABLE_COLUMNS
    assert read["keywords"] == keywords.CLOUD_TABLE_COLUMNS
    assert read["theme_by_region"] is None  # every column (the default)
    # topics_terms feeds two figures, read the same way: once.
    assert [stem for stem, _ in reads].count("topics_terms") == 1
    for path in sorted(again.glob("*_en.png")):
        assert path.read_bytes() == (out / path.name).read_bytes()
