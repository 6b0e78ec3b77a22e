"""Tests for analysis.text.tokens: dictionary, protection, backends, cache, stopwords."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jieba
import pandas as pd
import pytest

from analysis import config, schema
from analysis.text import tokens as tk

# The terms the issue names; each must be one token in running text.
ISSUE_TERMS = (
    "立德树人", "五育并举", "县管校聘", "控辍保学", "双减", "课后服务", "产教融合",
    "优质均衡", "集团化办学", "十四五", "师德师风", "全面从严治党",
)


def make_units(texts: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for region, region_texts in texts.items():
        for i, text in enumerate(region_texts, 1):
            rows.append({"region_id": region, "unit_id": f"{region}-{i:04d}", "text": text})
    return pd.DataFrame(rows)


def tokens_of(text: str, **kwargs) -> list[str]:
    units = make_units({"r": [text]})
    return tk.tokens_from_units(units, cache_dir=None, **kwargs)["token"].tolist()


def char_spans(text: str, tokens: list[str]) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for token in tokens:
        start = text.index(token, cursor)
        spans.append((start, start + len(token)))
        cursor = start + len(token)
    return spans


@pytest.fixture(scope="module")
def plan_units(corpus) -> pd.DataFrame:
    return corpus.units


@pytest.fixture(scope="module")
def entries() -> tuple[tk.DictEntry, ...]:
    return tk.read_user_dict()


# ----------------------------------------------------------------------------- data files


def test_user_dict_has_at_least_300_distinct_entries(entries):
    assert len(entries) >= 300
    assert len({e.word for e in entries}) == len(entries)
    assert all(e.freq >= 1 for e in entries)


def test_user_dict_adds_no_word_jieba_already_knows(entries):
    # Re-adding a known word makes jieba (total += freq) and jieba-rs (total
    # replaced) disagree on the dictionary total; such words are one token anyway.
    with jieba.Tokenizer().get_dict_file() as handle:  # jieba's dict.txt: word freq tag
        base = {line.decode("utf-8").split(" ", 1)[0] for line in handle}
    known = [e.word for e in entries if e.word in base]
    assert known == [], f"already in jieba's dictionary, remove from userdict.txt: {known}"


def test_user_dict_parser_rejects_bad_lines(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("# comment\n立德树人 1000 l\n", encoding="utf-8")
    assert tk.read_user_dict(path) == (tk.DictEntry("立德树人", 1000, "l"),)
    # A frequency may be left out: the term gets the shipped entries' frequency.
    path.write_text("立德树人 l\n暖心午餐\n", encoding="utf-8")
    assert tk.read_user_dict(path) == (
        tk.DictEntry("立德树人", tk.DEFAULT_TERM_FREQ, "l"),
        tk.DictEntry("暖心午餐", tk.DEFAULT_TERM_FREQ, None),
    )
    path.write_text("立德 树人 x y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected 'word \\[freq\\]"):
        tk.read_user_dict(path)
    path.write_text("双减 10 j\n双减 20 j\n", encoding="utf-8")
    with pytest.raises(ValueError, match="already listed on line 1"):
        tk.read_user_dict(path)
    path.write_text("双减 0 j\n", encoding="utf-8")
    with pytest.raises(ValueError, match="at least 1"):
        tk.read_user_dict(path)


def test_word_lists_keep_hash_inside_words_and_drop_comments(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("# header\nC#\n的  # inline comment\n\n", encoding="utf-8")
    assert tk.read_word_list(path) == frozenset({"C#", "的"})


def test_stopword_lists_are_separate_and_clean():
    standard = tk.read_word_list(tk.STOPWORD_PATHS["standard"])
    policy = tk.read_word_list(tk.STOPWORD_PATHS["policy"])
    assert len(standard) > 700
    assert {"加强", "推进", "深入", "进一步", "全面", "推动", "落实", "工作"} <= policy
    assert not any(tk.is_droppable(w) for w in standard | policy)
    assert tk.read_stopwords(("standard",)) == standard
    assert tk.read_stopwords(()) == frozenset()


def test_every_policy_stopword_is_a_token_the_tokenizer_produces():
    # A stopword the tokenizer never emits would silently remove nothing.
    policy = sorted(tk.read_word_list(tk.STOPWORD_PATHS["policy"]))
    units = make_units({"r": policy})
    out = tk.tokens_from_units(units, cache_dir=None)
    assert out["token"].tolist() == policy


# ----------------------------------------------------------------------------- tokenising


@pytest.mark.parametrize("backend", tk.BACKENDS)
def test_issue_terms_come_out_whole(backend):
    text = "坚持" + "，推进".join(ISSUE_TERMS) + "工作。"
    tokens = tokens_of(text, backend=backend)
    for term in ISSUE_TERMS:
        assert term in tokens, f"{term} split: {tokens}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全县学前三年毛入园率达到95%以上", ["95%"]),
        ("实施教育信息化2.0行动，打造智慧校园2.0版", ["教育信息化2.0", "2.0"]),
        ("积极鼓励学校开展STEM和创客教育", ["STEM", "创客教育"]),
        ("以“MS—EEPO有效教育”为主要模式", ["MS—EEPO"]),
        ("推进1+X证书制度试点，探索1+X模式", ["1+X证书", "1+X"]),
        ("3-6岁儿童学习与发展指南", ["3-6"]),
        ("行动计划（2020—2023年）", ["2020—2023"]),
        ("覆盖率达到97.2%，增长１２．５％", ["97.2%", "１２．５％"]),
        ("推进“互联网+教育”发展", ["互联网+教育"]),
    ],
)
def test_numbers_percentages_and_latin_terms_stay_intact(text, expected):
    for backend in tk.BACKENDS:
        tokens = tokens_of(text, backend=backend)
        for item in expected:
            assert item in tokens, f"{backend}: {item!r} not a token in {tokens}"


def test_numbering_dot_is_not_glued_to_a_number():
    assert tokens_of("1.进一步加强党的建设")[:2] == ["1", "进一步"]


def test_punctuation_and_whitespace_dropped_positions_contiguous():
    units = make_units({"a": ["“双减”政策，  落实；课后服务！", "。，、"], "b": ["立德树人"]})
    out = tk.tokens_from_units(units, cache_dir=None)
    assert list(out.columns) == schema.TOKENS
    first = out[out["unit_id"] == "a-0001"]
    assert first["token"].tolist() == ["双减", "政策", "落实", "课后服务"]
    assert first["position"].tolist() == [0, 1, 2, 3]
    assert "a-0002" not in set(out["unit_id"])  # only punctuation: no rows
    assert out["region_id"].tolist() == ["a"] * 4 + ["b"]


def test_tokens_are_verbatim_substrings_in_order(plan_units):
    out = tk.tokens_from_units(plan_units, cache_dir=None)
    texts = dict(zip(plan_units["unit_id"], plan_units["text"], strict=True))
    for unit_id, group in out.groupby("unit_id", sort=False):
        char_spans(texts[unit_id], group["token"].tolist())  # raises if not in order
        assert group["position"].tolist() == list(range(len(group)))
    assert not out["token"].map(tk.is_droppable).any()
    assert out["unit_id"].drop_duplicates().tolist() == [
        u for u in plan_units["unit_id"] if u in set(out["unit_id"])
    ]


def test_every_user_dict_term_in_the_plans_is_one_token(plan_units, entries):
    """Each occurrence of an entry in a plan lies inside one token, and that token
    is the entry itself or a longer entry containing it (立德树人 in 立德树人根本任务)."""
    words = {e.word for e in entries}
    out = tk.tokens_from_units(plan_units, cache_dir=None)
    by_unit = {u: g["token"].tolist() for u, g in out.groupby("unit_id", sort=False)}
    found, failures = set(), []
    for unit_id, text in zip(plan_units["unit_id"], plan_units["text"], strict=True):
        present = [w for w in words if w in text]
        if not present:
            continue
        tokens = by_unit.get(unit_id, [])
        spans = char_spans(text, tokens)
        for word in present:
            start = text.find(word)
            while start >= 0:
                end = start + len(word)
                cover = [
                    t for (a, b), t in zip(spans, tokens, strict=True) if a <= start and end <= b
                ]
                if cover and (cover[0] == word or cover[0] in words):
                    found.add(word)
                else:
                    failures.append((word, unit_id, text[max(0, start - 6) : end + 6]))
                start = text.find(word, start + 1)
    assert failures == []
    assert len(found) >= 150  # most entries come from the plans; guards against a vacuous pass


def test_jieba_and_rjieba_identical_on_the_plans_with_hmm_off(plan_units):
    reference = tk.tokens_from_units(plan_units, backend="jieba", hmm=False, cache_dir=None)
    fast = tk.tokens_from_units(plan_units, backend="rjieba", hmm=False, cache_dir=None)
    assert len(reference) > 5000
    pd.testing.assert_frame_equal(reference, fast)


def test_jieba_and_rjieba_agree_with_hmm_on(plan_units):
    # Measured: identical on the plans and on 103 government work reports once
    # Latin/number spans are protected (jieba-rs's HMM otherwise keeps
    # "2026-02-09" whole where jieba splits it).  Assert agreement, not identity.
    a = tk.tokens_from_units(plan_units, backend="jieba", hmm=True, cache_dir=None)
    b = tk.tokens_from_units(plan_units, backend="rjieba", hmm=True, cache_dir=None)
    key = ["unit_id", "position", "token"]
    shared = a[key].merge(b[key], on=key).shape[0]
    assert shared / len(a) >= 0.999


def test_output_is_deterministic(plan_units):
    first = tk.tokens_from_units(plan_units, cache_dir=None)
    second = tk.tokens_from_units(plan_units, cache_dir=None)
    pd.testing.assert_frame_equal(first, second)


def test_process_pool_gives_the_same_tokens(plan_units):
    serial = tk.tokens_from_units(plan_units, cache_dir=None, n_jobs=1)
    pooled = tk.tokens_from_units(plan_units, cache_dir=None, n_jobs=2)
    pd.testing.assert_frame_equal(serial, pooled)


def test_segment_document_returns_joined_strings():
    out = tk.segment_document(
        ["落实双减政策。", "。"], backend="rjieba", hmm=False,
        entries=tk.read_user_dict(), jieba_cache_dir=str(config.CACHE_DIR / "jieba"),
    )
    assert out == ["落实 双减 政策", ""]


# ----------------------------------------------------------------------------- checks


def test_bad_arguments_name_the_allowed_values():
    units = make_units({"r": ["双减"]})
    with pytest.raises(ValueError, match=r"backend must be one of \('rjieba', 'jieba'\)"):
        tk.tokens_from_units(units, backend="pkuseg", cache_dir=None)
    with pytest.raises(ValueError, match="n_jobs"):
        tk.tokens_from_units(units, n_jobs=0, cache_dir=None)
    with pytest.raises(ValueError, match="unique"):
        tk.tokens_from_units(pd.concat([units, units]), cache_dir=None)
    with pytest.raises(ValueError, match="missing columns"):
        tk.tokens_from_units(units.drop(columns="text"), cache_dir=None)


# ----------------------------------------------------------------------------- cache


class CountingSegmenter:
    """Wraps segment_document and records the texts it is asked to segment."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.real = tk.segment_document

    def __call__(self, texts, **kwargs):
        self.calls.append(list(texts))
        return self.real(texts, **kwargs)


def test_cache_hit_does_not_segment_again(monkeypatch, tmp_path):
    counter = CountingSegmenter()
    monkeypatch.setattr(tk, "segment_document", counter)
    units = make_units({"a": ["落实双减政策。"], "b": ["推进产教融合。", "深化县管校聘。"]})
    first = tk.tokens_from_units(units, cache_dir=tmp_path)
    assert len(counter.calls) == 2
    second = tk.tokens_from_units(units, cache_dir=tmp_path)
    assert len(counter.calls) == 2  # nothing segmented the second time
    pd.testing.assert_frame_equal(first, second)
    assert len(list((tmp_path / "tokens").glob("*.parquet"))) == 2


def test_changing_one_document_resegments_only_that_document(monkeypatch, tmp_path):
    counter = CountingSegmenter()
    monkeypatch.setattr(tk, "segment_document", counter)
    units = make_units({"a": ["落实双减政策。"], "b": ["推进产教融合。"]})
    tk.tokens_from_units(units, cache_dir=tmp_path)
    changed = units.copy()
    changed.loc[changed["unit_id"] == "b-0001", "text"] = "推进集团化办学。"
    out = tk.tokens_from_units(changed, cache_dir=tmp_path)
    assert counter.calls[-1] == ["推进集团化办学。"]
    assert len(counter.calls) == 3
    assert "集团化办学" in out["token"].tolist()
    added = pd.concat([changed, make_units({"c": ["控辍保学。"]})], ignore_index=True)
    tk.tokens_from_units(added, cache_dir=tmp_path)
    assert counter.calls[-1] == ["控辍保学。"] and len(counter.calls) == 4


def test_dictionary_backend_or_hmm_change_invalidates_the_cache(monkeypatch, tmp_path):
    counter = CountingSegmenter()
    monkeypatch.setattr(tk, "segment_document", counter)
    units = make_units({"a": ["落实双减政策。"]})
    tk.tokens_from_units(units, cache_dir=tmp_path)
    tk.tokens_from_units(units, cache_dir=tmp_path, backend="jieba")
    tk.tokens_from_units(units, cache_dir=tmp_path, hmm=True)
    assert len(counter.calls) == 3
    edited = tmp_path / "userdict.txt"
    edited.write_text(tk.USER_DICT_PATH.read_text(encoding="utf-8") + "双减政策 1000 n\n",
                      encoding="utf-8")
    out = tk.tokens_from_units(units, cache_dir=tmp_path, user_dict=edited)
    assert len(counter.calls) == 4
    assert "双减政策" in out["token"].tolist()
    # A comment-only edit changes no entry, so the cache still hits.
    commented = tmp_path / "userdict_commented.txt"
    commented.write_text(edited.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    tk.tokens_from_units(units, cache_dir=tmp_path, user_dict=commented)
    assert len(counter.calls) == 4


def test_jieba_dictionary_cache_lives_in_the_project_cache(tmp_path):
    tk.tokens_from_units(make_units({"a": ["落实双减政策。"]}), backend="jieba",
                         cache_dir=tmp_path)
    assert list((tmp_path / "jieba").glob("jieba-*.cache"))


# ----------------------------------------------------------------------------- stopwords


def test_remove_stopwords_switches_lists_and_keeps_positions():
    units = make_units({"a": ["我们要进一步加强课后服务工作"]})
    tokens = tk.tokens_from_units(units, cache_dir=None)
    assert tokens["token"].tolist() == ["我们", "要", "进一步", "加强", "课后服务", "工作"]
    both = tk.remove_stopwords(tokens)
    assert both["token"].tolist() == ["课后服务"]
    assert both["position"].tolist() == [4]
    standard_only = tk.remove_stopwords(tokens, lists=("standard",))
    assert standard_only["token"].tolist() == ["进一步", "加强", "课后服务", "工作"]
    assert tk.remove_stopwords(tokens, lists=()).equals(tokens)
    assert len(tokens) == 6  # input untouched
    with pytest.raises(ValueError, match=r"lists must be one of \('standard', 'policy'\)"):
        tk.remove_stopwords(tokens, lists=("english",))
    with pytest.raises(ValueError, match="sequence of names"):
        tk.remove_stopwords(tokens, lists="standard")


# ----------------------------------------------------------------------------- build info


def test_tokenizer_info_reports_versions_and_hashes():
    info = tk.tokenizer_info()
    assert info["backend"] == "rjieba" and info["hmm"] is False
    assert info["versions"]["jieba"] == jieba.__version__
    digest = hashlib.sha256(tk.USER_DICT_PATH.read_bytes()).hexdigest()
    assert info["user_dict"]["sha256"] == digest
    assert info["user_dict"]["path"] == "analysis/data/userdict.txt"
    assert info["user_dict"]["n_entries"] == len(tk.read_user_dict())
    assert set(info["stopwords"]) == {"standard", "policy"}
    assert not Path(info["stopwords"]["policy"]["path"]).is_absolute()


def test_empty_units_give_an_empty_table_with_the_schema():
    empty = make_units({"a": ["双减"]}).head(0)
    out = tk.tokens_from_units(empty, cache_dir=None)
    assert list(out.columns) == schema.TOKENS and len(out) == 0


def test_unreadable_cache_file_is_segmented_again(monkeypatch, tmp_path):
    counter = CountingSegmenter()
    monkeypatch.setattr(tk, "segment_document", counter)
    units = make_units({"a": ["落实双减政策。"]})
    first = tk.tokens_from_units(units, cache_dir=tmp_path)
    (cached,) = (tmp_path / "tokens").glob("*.parquet")
    cached.write_bytes(b"not parquet")
    again = tk.tokens_from_units(units, cache_dir=tmp_path)
    assert len(counter.calls) == 2
    pd.testing.assert_frame_equal(first, again)
    tk.tokens_from_units(units, cache_dir=tmp_path)
    assert len(counter.calls) == 2  # the rewritten file is used again


# ----------------------------------------------------------------------------- whole-document cut

# Units chosen to break a whole-document cut: empty and punctuation-only units,
# Latin/number spans and protected entries at unit edges, a Han character ending
# one unit and another starting the next (教|育 must not become 教育), \r|\n (a
# \r\n pair is one jieba token), entries that would match across a unit boundary
# (开展STEM|教育), whitespace, symbols inside jieba's Han class (C++, %, -), and
# characters outside it that are kept (①, α, カ, 㐀).
ADVERSARIAL_UNITS = [
    "", "。，、", "教", "育", "落实双减政策", "ABC", "abc教育", "教育abc", "2.0",
    "1+X证书", "推进1+X证书制度试点", "开展STEM", "教育活动", "STEM教育", "行动计划\r",
    "\n2020—2023年", "95%", "以上", " ", "\u3000", "\t课后服务\t", "C++和Python",
    "%", "-", "教育-发展", "1.", "进一步", "…", "——", "“双减”", "①②③", "α β",
    "カタカナ", "㐀丙", "\ufa6e", "１２．５％", "MS—EEPO", "体艺211项目", "", "。",
    "2021", "年", "互联网+教育", "a", "b", "", "最后一个单元",
]
# Texts the fast path must hand to the unit-by-unit path: stand-in characters,
# and characters beyond the Basic Multilingual Plane (CJK Extension B, emoji).
FALLBACK_UNITS = [
    ["落实\x00双减", "政策"], ["课后\x01服务"], ["立德\x02树人"], ["产教\x03融合"],
    ["𠀀教育", "双减😀政策", "😀"],
]


def _whole_and_units(texts, backend, hmm, entries):
    jieba_dir = str(config.CACHE_DIR / "jieba")
    whole = tk.segment_document(
        texts, backend=backend, hmm=hmm, entries=entries, jieba_cache_dir=jieba_dir
    )
    tokenizer = tk._load_tokenizer(backend, entries, jieba_dir)
    units = tk.segment_units(
        texts, tokenizer=tokenizer, backend=backend, hmm=hmm, entries=entries
    )
    fast = tk._segment_whole(
        texts, tokenizer=tokenizer, backend=backend, hmm=hmm,
        splitter=tk._split_pattern(entries),
    )
    return whole, units, fast


@pytest.mark.parametrize("hmm", [False, True])
@pytest.mark.parametrize("backend", tk.BACKENDS)
def test_whole_document_cut_equals_unit_by_unit_on_the_plans(plan_units, entries, backend, hmm):
    n_docs = 0
    for _, group in plan_units.groupby("region_id", sort=False):
        texts = group["text"].tolist()
        whole, units, fast = _whole_and_units(texts, backend, hmm, entries)
        assert fast is not None  # the fast path was taken
        assert whole == units
        n_docs += 1
    assert n_docs >= 5


@pytest.mark.parametrize("hmm", [False, True])
@pytest.mark.parametrize("backend", tk.BACKENDS)
def test_whole_document_cut_equals_unit_by_unit_on_adversarial_units(entries, backend, hmm):
    whole, units, fast = _whole_and_units(ADVERSARIAL_UNITS, backend, hmm, entries)
    assert fast is not None
    assert whole == units
    assert len(whole) == len(ADVERSARIAL_UNITS)
    by_text = dict(zip(ADVERSARIAL_UNITS, whole, strict=False))
    assert by_text["教"] == "教" and by_text["育"] == "育"
    assert by_text["开展STEM"] == "开展 STEM" and by_text["教育活动"] == "教育 活动"
    assert by_text[""] == "" and by_text["。，、"] == ""
    # Every unit alone, and reversed order, give the same tokens too.
    for text, joined in zip(ADVERSARIAL_UNITS, whole, strict=True):
        assert _whole_and_units([text], backend, hmm, entries)[0] == [joined]
    assert _whole_and_units(ADVERSARIAL_UNITS[::-1], backend, hmm, entries)[0] == whole[::-1]


@pytest.mark.parametrize("backend", tk.BACKENDS)
def test_texts_with_stand_ins_or_astral_characters_go_unit_by_unit(entries, backend):
    for texts in FALLBACK_UNITS:
        whole, units, fast = _whole_and_units(texts, backend, False, entries)
        assert fast is None
        assert whole == units


def test_stand_ins_and_frequent_punctuation_are_single_tokens_in_both_backends(entries):
    # The whole-document cut relies on this: such a character splits jieba's blocks
    # and comes out alone, so cut(A + c + B) == cut(A) + [c] + cut(B).
    jieba_dir = str(config.CACHE_DIR / "jieba")
    for char in tk._MARKERS + tk._FREQUENT_PUNCT:
        assert not char.isspace()
        assert not jieba.re_han_default.match(char)
        for backend in tk.BACKENDS:
            tokenizer = tk._load_tokenizer(backend, entries, jieba_dir)
            for hmm in (False, True):
                for a, b in [("教", "育"), ("a", "1"), ("2.", "%"), ("\r", "\n"), ("", "")]:
                    cut = tk._cut(a + char + b, tokenizer, backend, hmm)
                    assert cut == tk._cut(a, tokenizer, backend, hmm) + [char] + tk._cut(
                        b, tokenizer, backend, hmm
                    ), (backend, hmm, repr(char), a, b)
    assert all(tk.is_droppable(c) for c in tk._FREQUENT_PUNCT)


def test_drop_pattern_agrees_with_is_droppable_on_the_whole_bmp():
    chars = [chr(cp) for cp in range(0x10000) if chr(cp) not in tk._MARKERS]
    joined = tk._DELIM + tk._DELIM.join(chars) + tk._DELIM
    kept = tk._drop_pattern().sub("", joined).strip(tk._DELIM).split(tk._DELIM)
    assert kept == [c for c in chars if not tk.is_droppable(c)]
    assert 10_000 < len(chars) - len(kept) < 20_000  # guards against an empty class
    tokens = ["2.0", "。。", "a。", "。a", "——", "C++", "++", "\r\n", "．", "1+X", "%"]
    joined = tk._DELIM + tk._DELIM.join(tokens) + tk._DELIM
    kept = tk._drop_pattern().sub("", joined).strip(tk._DELIM).split(tk._DELIM)
    assert kept == [t for t in tokens if not tk.is_droppable(t)]


def test_split_pattern_finds_the_same_spans_as_protect_pattern(plan_units, entries):
    plain, fast = tk.protect_pattern(entries), tk._split_pattern(entries)
    texts = [*plan_units["text"], *ADVERSARIAL_UNITS, "STEAM教育和STEM教育", "教育信息化2.0"]
    for text in texts:
        assert [m.span() for m in fast.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text
    text = "\x00".join(plan_units["text"])
    assert fast.split(text)[1::2] == plain.findall(text)


def test_units_of_a_document_need_not_be_contiguous(plan_units):
    reference = tk.tokens_from_units(plan_units, cache_dir=None)
    shuffled = plan_units.sample(frac=1, random_state=0)
    out = tk.tokens_from_units(shuffled, cache_dir=None)
    groups = {u: g for u, g in reference.groupby("unit_id", sort=False)}
    expected = pd.concat(
        [groups[u] for u in shuffled["unit_id"] if u in groups], ignore_index=True
    )
    pd.testing.assert_frame_equal(out, expected)


def test_cached_tokens_equal_fresh_tokens(plan_units, tmp_path):
    fresh = tk.tokens_from_units(plan_units, cache_dir=None)
    first = tk.tokens_from_units(plan_units, cache_dir=tmp_path)
    again = tk.tokens_from_units(plan_units, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(fresh, first)
    pd.testing.assert_frame_equal(fresh, again)


def test_a_small_job_is_segmented_in_this_process_even_with_n_jobs(monkeypatch, tmp_path):
    """Below POOL_MIN_CHARS a pool costs more than it saves; above it, it is used."""
    seen = []
    real = tk.map_documents

    def spy(func, items, *, n_jobs, **options):
        seen.append(n_jobs)
        return real(func, items, n_jobs=1, **options)

    monkeypatch.setattr(tk, "map_documents", spy)
    units = pd.DataFrame({"region_id": ["a", "b"], "unit_id": ["a-1", "b-1"],
                          "text": ["加强教师队伍建设。", "推进义务教育优质均衡发展。"]})
    tk.tokens_from_units(units, cache_dir=None, n_jobs=2, progress=False)
    monkeypatch.setitem(tk.POOL_MIN_CHARS, "rjieba", 10)
    tk.tokens_from_units(units, cache_dir=None, n_jobs=2, progress=False)
    assert seen == [1, 2]


def test_remove_stopwords_can_keep_only_some_units_in_the_same_pass():
    tokens = pd.DataFrame({"region_id": ["a"] * 4, "unit_id": ["u1", "u1", "u2", "u2"],
                           "position": [0, 1, 0, 1], "token": ["的", "教师", "学校", "的"]})
    both = tk.remove_stopwords(tokens, units={"u2"})
    in_turn = tk.remove_stopwords(tokens[tokens["unit_id"] == "u2"])
    pd.testing.assert_frame_equal(both, in_turn)
    assert both["token"].tolist() == ["学校"]


def test_dictionaries_extend_the_shipped_one_and_warn_when_it_is_left_out(tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("# my terms\n润心行动\n双减 5 j\n", encoding="utf-8")
    shipped = tk.read_user_dict()
    entries = tk.user_dict_entries([tk.USER_DICT_PATH, mine], extra_terms=["暖心午餐"])
    words = [e.word for e in entries]
    # The shipped entries come first and keep theirs (双减 is not re-weighted).
    assert entries[: len(shipped)] == shipped
    assert words[len(shipped):] == ["润心行动", "暖心午餐"]
    units = pd.DataFrame({"region_id": ["r"], "unit_id": ["r-1"],
                          "text": ["实施润心行动，推进暖心午餐工程，落实双减。"]})
    default = tk.tokens_from_units(units, cache_dir=None)["token"].tolist()
    extended = tk.tokens_from_units(units, user_dict=[tk.USER_DICT_PATH, mine],
                                    extra_terms=["暖心午餐"], cache_dir=None)["token"].tolist()
    assert "润心行动" not in default and "暖心午餐" not in default and "双减" in default
    assert {"润心行动", "暖心午餐", "双减"} <= set(extended)
    with pytest.warns(UserWarning, match=r"shipped dictionary userdict.txt are not in"):
        alone = tk.tokens_from_units(units, user_dict=mine, cache_dir=None)["token"].tolist()
    assert "润心行动" in alone
    with pytest.raises(ValueError, match="extra_terms must be a list of words"):
        tk.user_dict_entries(extra_terms="暖心午餐")


def test_content_tokens_keep_one_part_without_stopwords():
    units = pd.DataFrame({"unit_id": ["u1", "u2", "u3"], "part": ["review", "plan", "plan"]})
    tokens = pd.DataFrame({
        "region_id": ["a"] * 6, "unit_id": ["u1", "u1", "u2", "u2", "u3", "u3"],
        "position": [0, 1, 0, 1, 0, 2], "token": ["教师", "的", "学校", "加强", "的", "课程"]})
    # By hand: plan units u2, u3; 的 (standard) and 加强 (policy) are stopwords.
    plan = tk.content_tokens(tokens, units)
    assert plan[["unit_id", "position", "token"]].values.tolist() == [
        ["u2", 0, "学校"], ["u3", 2, "课程"]]
    assert plan.index.tolist() == [0, 1]
    assert tk.content_tokens(tokens, units, part="review")["token"].tolist() == ["教师"]
    assert tk.content_tokens(tokens, units, part=None)["token"].tolist() == ["教师", "学校", "课程"]
    assert tk.content_tokens(tokens, units, stopwords=("standard",))["token"].tolist() == [
        "学校", "加强", "课程"]
    assert len(tokens) == 6  # input untouched
    # The recipe the build used before content_tokens existed.
    pd.testing.assert_frame_equal(plan, tk.remove_stopwords(tokens, units={"u2", "u3"}))
    with pytest.raises(ValueError, match="part must be one of review, plan or None; got 'all'"):
        tk.content_tokens(tokens, units, part="all")


# ------------------------------------------------------------------ categorical token tables

def _repetitive_tokens() -> pd.DataFrame:
    """Four regions x 30 units x 12 tokens from a small vocabulary, with ids repeated per row."""
    words = ["教师", "培训", "安全", "学前", "普惠", "课程", "评价", "校长", "资源", "均衡"]
    rows = []
    for r in range(4):
        for u in range(30):
            for p in range(12):
                rows.append({"region_id": f"region_{r}", "unit_id": f"region_{r}-{u:04d}",
                             "position": p, "token": words[(r * 7 + u * 3 + p * p) % len(words)]})
    return pd.DataFrame(rows, columns=schema.TOKENS)


def test_categorical_tokens_same_values_less_memory():
    tokens = _repetitive_tokens()
    before = tokens.copy()
    out = tk.categorical_tokens(tokens)
    pd.testing.assert_frame_equal(tokens, before)  # input untouched
    assert list(out.columns) == schema.TOKENS
    for column in tk.CATEGORICAL_COLUMNS:
        assert isinstance(out[column].dtype, pd.CategoricalDtype)
        assert out[column].astype(str).tolist() == tokens[column].tolist()
        # Sorted categories: sorting by the column orders rows as the strings do.
        assert out[column].cat.categories.tolist() == sorted(set(tokens[column]))
    assert out["position"].tolist() == tokens["position"].tolist()
    # 1,440 rows, 4 + 120 + 10 distinct strings: codes (1-2 bytes) replace ~13-byte strings.
    assert out.memory_usage(deep=True).sum() < 0.5 * tokens.memory_usage(deep=True).sum()
    # Already categorical: unchanged.
    pd.testing.assert_frame_equal(tk.categorical_tokens(out), out)
    with pytest.raises(ValueError, match="missing column"):
        tk.categorical_tokens(tokens, columns=("theme",))


def test_categorical_content_tokens_write_the_same_files(tmp_path):
    # The build holds its content tokens as categoricals; every table made from them
    # must be written byte for byte as from strings.
    from analysis.io import split_note_columns, write_table
    from analysis.text.cooccurrence import cooccurrence
    from analysis.text.keyness import keyness_by_region, keyword_frequencies
    from analysis.text.similarity import similarity_regions
    from analysis.text.topics import topic_seed_agreement

    tokens = _repetitive_tokens()
    made = {
        "keywords": lambda t: keyword_frequencies(t),
        "keyness": lambda t: keyness_by_region(t, min_freq=1),
        "cooccurrence": lambda t: cooccurrence(t, min_count=1),
        "similarity_regions": lambda t: similarity_regions(t),
        "topic_seed_agreement": lambda t: topic_seed_agreement(t, k=2, seeds=(1, 2), min_df=1,
                                                             max_df=1.0),
    }
    for kind, table in (("str", tokens), ("cat", tk.categorical_tokens(tokens))):
        for stem, make in made.items():
            # As the build writes them: sentences repeated on every row go to table_notes.
            written, _ = split_note_columns(make(table), stem)
            write_table(written, stem, tmp_path / kind, columns=schema.TABLES[stem])
    for path in sorted((tmp_path / "str").iterdir()):
        assert path.read_bytes() == (tmp_path / "cat" / path.name).read_bytes(), path.name
