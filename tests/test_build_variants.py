"""Build variants: a researcher's own dictionary, stopwords and codebook, in a folder of its own."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import build as build_module
from analysis import config, steps
from analysis.build import build, tables_inputs
from analysis.build_variants import (
    SHIPPED,
    VariantError,
    check_variant,
    same_scheme_as_shipped,
    variant_from_options,
    variant_info,
)
from analysis.coding.themes import load_codebook
from analysis.corpus.load import read_manifest
from tests.conftest import copy_first_plans

# Split in two by the shipped dictionary (运动 | 技能) in the Tonglu and Xinwu plans.
TERM = "运动技能"
# The most frequent content token of the two plans.
STOPWORD = "教育"


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _tree(directory: Path) -> dict[str, str]:
    """Every file under a folder (relative name → SHA-256), to show it was not touched."""
    return {p.relative_to(directory).as_posix(): _sha(p)
            for p in sorted(Path(directory).rglob("*")) if p.is_file()}


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(directory).iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two plans (Tonglu, Xinwu), the variant's rule files, and the default build of them."""
    root = tmp_path_factory.mktemp("variants")
    raw = copy_first_plans(root / "raw")
    rules = root / "rules"
    rules.mkdir()
    (rules / "mydict.txt").write_text(f"# my terms\n{TERM}\n", encoding="utf-8")
    (rules / "mystop.txt").write_text(f"# my stopwords\n{STOPWORD}\n", encoding="utf-8")
    # The shipped codebook with one more Party-building term: same scheme, other coding.
    shipped = (config.RULES_DIR / "codebook.yml").read_text(encoding="utf-8")
    assert shipped.count("      党建: 3\n") == 1
    (rules / "mycodebook.yml").write_text(
        shipped.replace("      党建: 3\n", f"      党建: 3\n      {TERM}: 3\n"), encoding="utf-8")
    default = root / "default"
    build(raw_dir=raw, out_dir=default, figures_dir=None, verbose=False)
    return {"root": root, "raw": raw, "rules": rules, "default": default}


@pytest.fixture(scope="module")
def variant(small):
    """The two plans built with all three variant files, through the command line."""
    from analysis.__main__ import main

    before = _tree(config.PROCESSED_DIR), _tree(config.FIGURES_DIR)
    out = small["root"] / "variant"
    rules = small["rules"]
    status = main(["build", "--quiet", "--raw-dir", str(small["raw"]), "--out-dir", str(out),
                   "--figures-dir", str(small["root"] / "variant_figures"),
                   "--user-dict", str(rules / "mydict.txt"),
                   "--stopwords", str(rules / "mystop.txt"),
                   "--codebook", str(rules / "mycodebook.yml")])
    assert status == 0
    assert (_tree(config.PROCESSED_DIR), _tree(config.FIGURES_DIR)) == before
    return out


def test_an_extra_dictionary_term_becomes_one_token(small, variant):
    units = pd.read_parquet(small["default"] / "units.parquet")
    # Independent count: how often the term stands in the plans' (simplified) text.
    expected = int(units["text"].str.count(TERM).sum())
    assert expected >= 3
    default = pd.read_parquet(small["default"] / "tokens.parquet")
    tokens = pd.read_parquet(variant / "tokens.parquet")
    assert (default["token"] == TERM).sum() == 0
    assert (tokens["token"] == TERM).sum() == expected
    # Each joined term replaces the two tokens the shipped dictionary made of it.
    assert len(default) - len(tokens) == expected


def test_a_variant_stopword_leaves_the_keywords_and_nothing_else_changes(small, variant):
    default = pd.read_parquet(small["default"] / "keywords.parquet")
    keywords = pd.read_parquet(variant / "keywords.parquet")
    assert (default["token"] == STOPWORD).any()
    assert not (keywords["token"] == STOPWORD).any()
    # Other words keep their counts (the joined term took its parts' counts).
    key = ["region_id", "token"]
    both = default.merge(keywords, on=key, suffixes=("_default", "_variant"))
    both = both[~both["token"].isin(["运动", "技能", TERM])]
    assert len(both) > 100
    assert (both["n_default"] == both["n_variant"]).all()
    # The stopword is gone from the statistics only: the tokens table keeps it.
    assert (pd.read_parquet(variant / "tokens.parquet")["token"] == STOPWORD).any()


def test_the_variant_codebook_codes_the_units(small, variant):
    codebook = pd.read_parquet(variant / "codebook.parquet").set_index("theme_id")
    assert f"{TERM}:3" in codebook.loc["party", "terms"].split("; ")
    units = pd.read_parquet(variant / "units.parquet")
    with_term = units[units["text"].str.contains(TERM)]
    assert len(with_term) > 0
    # Evidence reads "text: party=党建×1+运动技能×1 | …": the term now credits Party building.
    credited = rf"party=[^|]*{TERM}×"
    assert with_term["theme_evidence"].str.contains(credited).all()
    default = pd.read_parquet(small["default"] / "units.parquet")
    assert not default["theme_evidence"].str.contains(credited).any()


def test_build_info_records_every_option_and_file_hash(small, variant):
    info = json.loads((variant / "build_info.json").read_text(encoding="utf-8"))
    rules = small["rules"]
    assert info["options"] == {
        "user_dict": [
            {"path": "analysis/data/userdict.txt",
             "sha256": _sha(config.RULES_DIR / "userdict.txt")},
            # Outside the repository: the file name only, so the bytes do not depend on where.
            {"path": "mydict.txt", "sha256": _sha(rules / "mydict.txt")},
        ],
        "shipped_dict": True,
        "stopwords": [
            {"path": "analysis/data/stopwords_zh.txt",
             "sha256": _sha(config.RULES_DIR / "stopwords_zh.txt")},
            {"path": "analysis/data/stopwords_policy.txt",
             "sha256": _sha(config.RULES_DIR / "stopwords_policy.txt")},
            {"path": "mystop.txt", "sha256": _sha(rules / "mystop.txt")},
        ],
        "stopwords_mode": "extend",
        "codebook": {"path": "mycodebook.yml", "sha256": _sha(rules / "mycodebook.yml")},
        "codebook_shipped_scheme": True,
    }
    default = json.loads((small["default"] / "build_info.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in default["options"]["user_dict"]] == ["analysis/data/userdict.txt"]
    assert default["options"]["codebook"]["path"] == "analysis/data/codebook.yml"


def test_the_same_variant_built_again_gives_identical_bytes(small, variant, tmp_path):
    rules = small["rules"]
    build(raw_dir=small["raw"], out_dir=tmp_path, figures_dir=None, verbose=False, force=True,
          user_dicts=[rules / "mydict.txt"], stopword_files=[rules / "mystop.txt"],
          codebook=rules / "mycodebook.yml")
    again = _files(tmp_path)
    first = {name: data for name, data in _files(variant).items() if name in again}
    assert sorted(first) == sorted(again)
    assert [name for name in again if again[name] != first[name]] == []


def test_a_variant_draws_its_figures_in_its_own_folder(small, variant):
    figures = small["root"] / "variant_figures"
    assert (figures / "manifest.csv").is_file()
    assert not (variant / "figures").exists()


# --- failing early: nothing is read or written when an input is bad ----------------------


@pytest.fixture()
def no_work(monkeypatch):
    """Make any work past the checks fail loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("the build started work before checking its inputs")

    monkeypatch.setattr(build_module, "read_manifest", refuse)
    monkeypatch.setattr(build_module, "_build_tables", refuse)


def test_a_bad_codebook_fails_before_any_work(small, tmp_path, no_work):
    bad = tmp_path / "codebook.yml"
    bad.write_text("version: 1\ndomains: []\nthemes: []\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(VariantError, match=r"^--codebook .*codebook\.yml: domains: expected"):
        build(raw_dir=small["raw"], out_dir=out, figures_dir=None, verbose=False, codebook=bad)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codebook.yml"]  # no staging folder


@pytest.mark.parametrize(("option", "flag"), [("user_dicts", "--user-dict"),
                                              ("stopword_files", "--stopwords")])
def test_a_missing_file_is_named_with_its_flag(small, tmp_path, no_work, option, flag):
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(VariantError, match=f"^{flag} .*nowhere.txt: no such file$"):
        build(raw_dir=small["raw"], out_dir=tmp_path / "out", figures_dir=None, verbose=False,
              **{option: [missing]})
    assert not (tmp_path / "out").exists()


def test_a_malformed_dictionary_or_non_utf8_list_fails_naming_the_line(small, tmp_path, no_work):
    bad_dict = tmp_path / "dict.txt"
    bad_dict.write_text("双减\n双减\n", encoding="utf-8")
    with pytest.raises(VariantError, match=r"^--user-dict .*dict\.txt:2: '双减' is already listed"):
        build(raw_dir=small["raw"], out_dir=tmp_path / "out", figures_dir=None,
              user_dicts=[bad_dict])
    gbk = tmp_path / "stop.txt"
    gbk.write_bytes("教育\n".encode("gbk"))
    with pytest.raises(VariantError, match=r"^--stopwords .*stop\.txt: not UTF-8 text"):
        build(raw_dir=small["raw"], out_dir=tmp_path / "out", figures_dir=None,
              stopword_files=[gbk])


def test_a_variant_may_not_write_to_the_committed_or_raw_folders(small, tmp_path, no_work):
    extra = tmp_path / "dict.txt"
    extra.write_text(f"{TERM}\n", encoding="utf-8")
    with pytest.raises(VariantError, match="^--out-dir .*a folder of its own"):
        build(out_dir=config.PROCESSED_DIR, figures_dir=None, user_dicts=[extra])
    with pytest.raises(VariantError, match="^--out-dir .*raw-data folder"):
        build(raw_dir=small["raw"], out_dir=small["raw"] / "out", figures_dir=None)
    with pytest.raises(VariantError, match="^--figures-dir "):
        build(raw_dir=small["raw"], out_dir=tmp_path / "out", figures_dir=config.FIGURES_DIR,
              user_dicts=[extra])


def test_leaving_out_the_shipped_dictionary_needs_another():
    with pytest.raises(VariantError, match="--no-shipped-dict needs at least one --user-dict"):
        variant_from_options(shipped_dict=False)
    with pytest.raises(VariantError, match="must be a list of paths"):
        variant_from_options(user_dicts="mine.txt")


def test_the_command_line_reports_a_bad_file_without_a_traceback(tmp_path, capsys, no_work):
    from analysis.__main__ import main

    status = main(["build", "--out-dir", str(tmp_path / "out"),
                   "--stopwords", str(tmp_path / "nowhere.txt")])
    assert status == 2
    missing = tmp_path / "nowhere.txt"
    assert capsys.readouterr().err == f"error: --stopwords {missing}: no such file\n"


# --- the command line --------------------------------------------------------------------


def test_the_build_command_parses_the_variant_options():
    from analysis.__main__ import _build_dirs, _parser

    args = _parser().parse_args(["build", "--user-dict", "a.txt", "--user-dict", "b.txt",
                                 "--stopwords", "s.txt", "--codebook", "c.yml",
                                 "--no-shipped-dict", "--out-dir", "v"])
    assert args.user_dict == [Path("a.txt"), Path("b.txt")]  # order kept: read in that order
    assert args.stopwords == [Path("s.txt")]
    assert args.codebook == Path("c.yml")
    assert args.no_shipped_dict is True
    plain = _parser().parse_args(["build"])
    assert (plain.user_dict, plain.stopwords, plain.codebook, plain.no_shipped_dict) == \
        ([], [], None, False)
    assert _build_dirs(None, None) == (config.PROCESSED_DIR, config.FIGURES_DIR)
    assert _build_dirs(Path("v"), None) == (Path("v"), Path("v") / "figures")
    assert _build_dirs(Path("v"), Path("f")) == (Path("v"), Path("f"))


# --- warm builds: a variant never reuses another build's tables ---------------------------


def test_the_tables_digest_follows_the_variant_files(small, tmp_path):
    manifest = read_manifest(small["raw"] / "manifest.csv", raw_dir=small["raw"])
    mine = tmp_path / "mine.txt"
    mine.write_text(f"{TERM}\n", encoding="utf-8")

    def digest(**options):
        return tables_inputs(raw_dir=small["raw"], manifest=manifest,
                             variant=variant_from_options(**options))

    default = tables_inputs(raw_dir=small["raw"], manifest=manifest)
    assert digest() == default
    with_dict = digest(user_dicts=[mine])
    assert with_dict != default
    assert digest(stopwords=[mine]) not in {default, with_dict}
    assert digest(user_dicts=[mine], shipped_dict=False) != with_dict
    mine.write_text(f"{TERM}\n教育生态\n", encoding="utf-8")
    assert digest(user_dicts=[mine]) != with_dict
    # The same content elsewhere is the same input.
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "mine.txt").write_bytes(mine.read_bytes())
    assert digest(user_dicts=[moved / "mine.txt"]) == digest(user_dicts=[mine])


def test_a_variant_in_a_built_folder_runs_the_tables_again(small, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    runs = []

    def tables(manifest, *, out_dir, variant, **_):
        runs.append(variant.user_dicts)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "regions.csv"
        path.write_text(repr(variant), encoding="utf-8")
        return [path]

    monkeypatch.setattr(build_module, "_build_tables", tables)
    mine = tmp_path / "mine.txt"
    mine.write_text(f"{TERM}\n", encoding="utf-8")

    def run(**options):
        build(raw_dir=small["raw"], out_dir=tmp_path / "out", figures_dir=None, verbose=False,
              **options)
        return len(runs)

    assert run() == 1
    assert run() == 1
    assert run(user_dicts=[mine]) == 2
    assert run(user_dicts=[mine]) == 2
    mine.write_text(f"{TERM}\n教育生态\n", encoding="utf-8")
    assert run(user_dicts=[mine]) == 3
    assert run() == 4


# --- the codebook scheme -------------------------------------------------------------------


def test_only_a_codebook_with_the_shipped_scheme_is_validated_and_drawn(tmp_path):
    shipped = (config.RULES_DIR / "codebook.yml").read_text(encoding="utf-8")
    assert same_scheme_as_shipped(None)
    assert same_scheme_as_shipped(load_codebook())
    relabelled = tmp_path / "relabelled.yml"
    # The first one is the domain's label.
    relabelled.write_text(shipped.replace("label_en: Party building\n",
                                          "label_en: Party work\n", 1), encoding="utf-8")
    assert not same_scheme_as_shipped(load_codebook(relabelled))
    info = variant_info(variant_from_options(codebook=relabelled))
    assert info["codebook_shipped_scheme"] is False
    assert info["codebook"] == {"path": "relabelled.yml", "sha256": _sha(relabelled)}


def test_check_variant_returns_the_loaded_codebook(small, tmp_path):
    assert check_variant(SHIPPED, raw_dir=small["raw"], out_dir=tmp_path) is None
    path = small["rules"] / "mycodebook.yml"
    loaded = check_variant(variant_from_options(codebook=path), raw_dir=small["raw"],
                           out_dir=tmp_path)
    assert TERM in {term for theme in loaded.themes for term, _ in theme.terms}


def _relabelled(folder: Path) -> Path:
    path = folder / "relabelled.yml"
    shipped = (config.RULES_DIR / "codebook.yml").read_text(encoding="utf-8")
    path.write_text(shipped.replace("label_en: Party building\n", "label_en: Party work\n", 1),
                    encoding="utf-8")
    return path


def test_the_hand_coding_validates_only_the_shipped_scheme(corpus, small, tmp_path):
    units = {"corpus_units": corpus.units}
    shipped = steps.themes_step(units)
    tuned = steps.themes_step(
        units, codebook=load_codebook(small["rules"] / "mycodebook.yml"))
    other = steps.themes_step(units, codebook=load_codebook(_relabelled(tmp_path)))
    assert len(shipped["theme_validation"]) > 0
    assert len(tuned["theme_validation"]) == len(shipped["theme_validation"])
    for name in ("theme_validation", "theme_validation_by_theme", "theme_confusion"):
        assert other[name].empty
        assert list(other[name].columns) == build_module.TABLES[name]
    # The scheme's own labels still reach the codebook table.
    assert other["codebook"].set_index("theme_id").loc["party", "domain_en"] == "Party work"


def test_a_codebook_with_another_scheme_draws_no_figures(small, tmp_path, monkeypatch):
    from analysis import figures

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    drawn = []

    def tables(manifest, *, out_dir, **_):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "regions.csv").write_text("x", encoding="utf-8")
        return [out_dir / "regions.csv"]

    def draw(processed_dir, figures_dir):
        drawn.append(figures_dir)
        figures_dir.mkdir(parents=True, exist_ok=True)
        (figures_dir / "manifest.csv").write_text("figure_id\n", encoding="utf-8")
        return pd.DataFrame(columns=["figure_id", "png_sha256", "pdf_sha256", "svg_sha256"])

    monkeypatch.setattr(build_module, "_build_tables", tables)
    monkeypatch.setattr(figures, "make_all_figures", draw)
    build(raw_dir=small["raw"], out_dir=tmp_path / "a", figures_dir=tmp_path / "a_fig",
          verbose=False, codebook=_relabelled(tmp_path))
    assert drawn == []
    build(raw_dir=small["raw"], out_dir=tmp_path / "b", figures_dir=tmp_path / "b_fig",
          verbose=False, codebook=small["rules"] / "mycodebook.yml")
    assert drawn == [tmp_path / "b_fig"]
