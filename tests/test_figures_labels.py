"""Chinese and English labels for figures, from the manifest, codebook and text file."""

from __future__ import annotations

import pytest

from analysis.figures import labels
from analysis.figures.labels import label, text, wrap

MANIFEST = (
    "region_id,name_zh,name_en\n"
    "alpha,甲县,Alpha County\n"
    "beta,某县（未具名）,an unnamed county\n"
)
CODEBOOK = """
domains:
  - {id: levels, label_zh: 各级各类教育, label_en: Levels of schooling}
themes:
  - {id: preschool, label_zh: 学前教育, label_en: Pre-school education, domain: levels}
  - {id: nolabel, label_zh: 无英文, domain: levels}
"""
TEXTS = """
topic_n: {zh: "主题{n}", en: "Topic {n}"}
share_chars: {zh: 字数占比, en: Share of characters}
"""


@pytest.fixture
def files(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(MANIFEST, encoding="utf-8-sig")
    codebook = tmp_path / "codebook.yml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    texts = tmp_path / "figure_labels.yml"
    texts.write_text(TEXTS, encoding="utf-8")
    return {"manifest_path": manifest, "codebook_path": codebook, "text_path": texts}


def test_lang_switch_gives_zh_and_en(files):
    assert label("region", "alpha", "zh", **files) == "甲县"
    assert label("region", "alpha", "en", **files) == "Alpha County"
    assert label("theme", "preschool", "zh", **files) == "学前教育"
    assert label("theme", "preschool", "en", **files) == "Pre-school education"
    assert label("domain", "levels", "en", **files) == "Levels of schooling"
    assert label("text", "share_chars", "zh", **files) == "字数占比"


def test_standalone_english_name_is_capitalised(files):
    assert label("region", "beta", "en", **files) == "An unnamed county"
    assert label("region", "beta", "zh", **files) == "某县（未具名）"


def test_text_fills_placeholders(files):
    path = files["text_path"]
    assert text("topic_n", "zh", fields={"n": 3}, text_path=path) == "主题3"
    assert text("topic_n", "en", fields={"n": 3}, text_path=path) == "Topic 3"


def test_a_region_missing_from_the_manifest_is_labelled_by_its_id(files):
    assert label("region", "gamma", "zh", **files) == "gamma"
    assert label("region", "gamma", "en", **files) == "gamma"


def test_unknown_id_kind_or_lang_is_an_error(files):
    with pytest.raises(KeyError, match="no theme 'gamma'"):
        label("theme", "gamma", "zh", **files)
    with pytest.raises(KeyError, match="no en label"):
        label("theme", "nolabel", "en", **files)
    with pytest.raises(ValueError, match="lang must be one of"):
        label("region", "alpha", "fr", **files)
    with pytest.raises(ValueError, match="kind must be one of"):
        label("province", "alpha", "zh", **files)


def test_edited_file_is_reread(files):
    assert label("region", "alpha", "en", **files) == "Alpha County"
    files["manifest_path"].write_text(
        MANIFEST.replace("Alpha County", "Alpha Co."), encoding="utf-8-sig"
    )
    assert label("region", "alpha", "en", **files) == "Alpha Co."


def test_project_files_label_every_region_theme_and_domain():
    import pandas as pd
    import yaml

    from analysis import config

    manifest = pd.read_csv(config.MANIFEST_PATH, dtype=str, encoding="utf-8-sig")
    for region_id in manifest["region_id"]:
        for lang in labels.LANGS:
            assert label("region", region_id, lang)
    assert label("region", "tonglu", "zh") == "桐庐县"
    assert label("region", "tonglu", "en") == "Tonglu County"
    codebook = yaml.safe_load(labels.CODEBOOK_PATH.read_text(encoding="utf-8"))
    for kind, section in (("theme", "themes"), ("domain", "domains")):
        for entry in codebook[section]:
            assert label(kind, entry["id"], "zh") != label(kind, entry["id"], "en")


def test_wrap_breaks_chinese_by_characters_and_english_by_words():
    assert wrap("学前教育与普惠发展", "zh", width=8) == "学前教育\n与普惠发\n展"
    assert wrap("四川某县（未具名）", "zh", width=14) == "四川某县\n（未具名）"
    assert wrap("经费、资助与办学条件", "zh", width=12) == "经费、\n资助与办学条\n件"
    assert wrap("短", "zh", width=12) == "短"
    assert wrap("Pre-school education and more", "en", width=12) == (
        "Pre-school\neducation\nand more"
    )
    assert wrap("short", "en", width=12) == "short"


def test_codes_outside_the_codebook_come_from_the_text_file(files):
    files["text_path"].write_text(TEXTS + '"theme:unassigned": {zh: 未归类, en: Unassigned}\n',
                                  encoding="utf-8")
    assert label("theme", "unassigned", "en", **files) == "Unassigned"
    with pytest.raises(KeyError):
        label("domain", "unassigned", "en", **files)


def test_order_follows_the_files_and_puts_unknown_ids_last(files):
    paths = {k: v for k, v in files.items() if k != "text_path"}
    assert labels.order("region", ["beta", "zeta", "alpha", "beta"], **paths) == [
        "alpha", "beta", "zeta",
    ]
    assert labels.order("theme", ["unassigned", "nolabel", "preschool"], **paths) == [
        "preschool", "nolabel", "unassigned",
    ]


def test_regions_sharing_a_name_are_told_apart_by_their_id(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "region_id,name_zh,name_en\n"
        "bench_0039,全国,National\nbench_0002,全国,National\nalpha,甲县,Alpha County\n"
        "beta,乙县,Alpha County\n",
        encoding="utf-8-sig")
    paths = {"manifest_path": manifest, "text_path": labels.FIGURE_TEXT_PATH}
    ids = ["bench_0039", "alpha", "bench_0002", "beta", "alpha"]
    assert labels.region_labels(ids, "zh", **paths) == {
        "bench_0039": "全国（bench_0039）", "alpha": "甲县",
        "bench_0002": "全国（bench_0002）", "beta": "乙县",
    }
    # Told apart per language: the English names of alpha and beta coincide.
    assert labels.region_labels(ids, "en", **paths) == {
        "bench_0039": "National (bench_0039)", "alpha": "Alpha County (alpha)",
        "bench_0002": "National (bench_0002)", "beta": "Alpha County (beta)",
    }
    # Only among the regions of one figure: alone, a region keeps its plain name.
    assert labels.region_labels(["bench_0039", "alpha"], "zh", **paths) == {
        "bench_0039": "全国", "alpha": "甲县"}


def test_a_figure_of_plans_with_the_same_name_labels_each_differently(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from analysis import schema
    from analysis.figures import keywords

    ids = [f"bench_{i:04d}" for i in range(4)]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("region_id,name_zh,name_en\n"
                        + "".join(f"{r},全国,National\n" for r in ids), encoding="utf-8-sig")
    monkeypatch.setattr(labels, "MANIFEST_PATH", manifest)
    rows = [{"comparison": f"{r} vs rest", "target": r, "reference": "3 region_id values",
             "token": f"词{i}", "g2": 5.0 + i, "log_ratio": 1.0 if i % 2 else -1.0}
            for r in ids for i in range(4)]
    table = pd.DataFrame(rows)
    for column in schema.KEYNESS:
        if column not in table:
            table[column] = 0
    fig = keywords.plot_keyness(table, lang="zh")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == [f"全国（{r}）" for r in ids]
    plt.close(fig)


def test_wrap_keeps_a_latin_id_whole_and_no_line_starts_with_a_closing_mark():
    assert wrap("全国（bench_0039）", "zh", width=22) == "全国（bench_0039）"
    assert wrap("全国（bench_0039）", "zh", width=12) == "全国\n（bench_0039）"
    assert wrap("全国（bench_0039）", "zh", width=10) == "全国\n（bench_0039）"
    assert wrap("全国bench_0039", "zh", width=6) == "全国\nbench_0039"
    # Latin letters and digits count one width, Chinese characters two.
    assert wrap("2021年至2025年教育发展规划", "zh", width=8) == "2021年至\n2025年教\n育发展规\n划"
    assert wrap("学生发展（五育并举）", "zh", width=10) == "学生发展\n（五育并举）"


def test_column_labels_stay_upright_when_they_fit_and_turn_when_not():
    assert labels.column_labels(["桐庐县", "四川某县（未具名）"], "zh", width=12) == (
        ["桐庐县", "四川某县\n（未具名）"], 0)
    names = ["全国（bench_0039）", "广东省"]
    assert labels.column_labels(names, "zh", width=12) == (names, 90)
    assert labels.turned_length(names, fontsize=7) == pytest.approx(18 * 0.5 * 7 / 72)


def test_a_region_without_an_english_name_is_romanised_not_an_error(tmp_path, files):
    manifest = tmp_path / "added.csv"
    manifest.write_text("region_id,name_zh,name_en\nqingxi,清溪县,\nnoname,,Some Place\n",
                        encoding="utf-8")
    assert label("region", "qingxi", "en", **{**files, "manifest_path": manifest}) == (
        "Qingxi County")
    assert label("region", "qingxi", "zh", **{**files, "manifest_path": manifest}) == "清溪县"
    # A row without a Chinese name shows its English one in Chinese figures.
    assert label("region", "noname", "zh", **{**files, "manifest_path": manifest}) == (
        "Some Place")
