"""Sentence units to a tidy token table: jieba segmentation with a policy-term dictionary.

One verb does the work, :func:`tokens_from_units`; the rest are its parts and its
companions (:func:`remove_stopwords`, :func:`content_tokens`, :func:`tokenizer_info`).

How a unit's text becomes tokens
--------------------------------
1. **Protection.**  Spans that a Chinese segmenter would break apart are cut out
   first and kept whole: runs of Latin letters and digits joined by ``. + - — – & / ~``
   with an optional trailing percent sign (``2.0``, ``95%``, ``1+X``, ``STEM``,
   ``MS—EEPO``, ``3-6``, ``2021—2023``), and every user-dictionary entry that
   contains such characters (``互联网+教育``, ``1+X证书``).  jieba itself would cut
   ``2.0`` into ``2 . 0`` and ``95%`` into ``95 %``.
2. **Segmentation** of the text between protected spans with jieba's default
   dictionary plus the user dictionary (``analysis/data/userdict.txt``), in
   jieba's precise mode, HMM off by default (see below).
3. **Clean-up.**  Tokens made only of punctuation, symbols, whitespace or control
   characters are dropped; ``position`` numbers the remaining tokens of a unit
   from 0.  Every token is a verbatim substring of the unit's text, in order.

That is the definition, unit by unit (:func:`segment_text`).  The pipeline gets
the same tokens faster (:func:`segment_document`): it joins a document's units
with a control character that jieba always cuts off as a token of its own, puts
a stand-in for each protected span, cuts the whole document in one call, and
drops punctuation with one regular-expression pass over the joined tokens.
Documents whose text contains one of the stand-ins, or characters beyond the
Basic Multilingual Plane, are segmented unit by unit.  Tests check that both
ways give the same tokens on the plans and on adversarial units.

Backends
--------
``"jieba"`` is the reference implementation (jieba 0.42.1, pure Python).
``"rjieba"`` binds jieba-rs (Rust).  Both get the same dictionary entries at the
same frequencies, in the same order.  Measured on this project's machine:

* Agreement.  HMM off: identical tokens on the five plans (``tests/test_tokens.py``
  checks this) and on the 103 government work reports in ``shared/corpora``
  (768,861 tokens).  HMM on: also identical on both, once Latin/number spans are
  protected; without protection jieba-rs's HMM keeps dates such as ``2026-02-09``
  whole where jieba splits them (44 of 9,068 lines of the reports differ).
* Speed on the reports (1.7 M characters, one core): the segmenter alone runs at
  about 7 M characters/s (rjieba) against 0.16-0.27 M (jieba).
* Speed end to end on 100 plans (37,155 units, 1.56 M characters; one process
  on a 2-core machine shared with other jobs; best of 3): 0.32-0.33 s with rjieba
  once its tokenizer is built (about 4.8 M characters/s), 11x faster than bare
  ``jieba.lcut(text, HMM=False)`` over the same texts (3.6 s); rjieba's own
  ``cut`` takes 0.18-0.19 s of that.  The ``"jieba"`` backend takes 3.8 s.  A
  first call in a fresh process with an empty cache directory takes 0.47-0.59 s,
  7-9x faster than ``jieba.initialize()`` plus ``lcut`` (4.2 s): building the
  rjieba tokenizer (0.10-0.13 s) and writing 100 Parquet files (0.06 s) come on
  top.

So ``"rjieba"`` is the default, and HMM is off by default: it adds nothing to
agreement and invents "new words" from unknown character runs, which would make
counts depend on a statistical model instead of the dictionary.

Caching
-------
Segmentation is cached per document (all units of one ``region_id``) as one
Parquet file under ``<cache_dir>/tokens/``.  The file name is the SHA-256 of the
document's unit ids and texts, the parsed user-dictionary entries, the backend,
the HMM switch, the jieba and rjieba versions and :data:`TOKENIZER_VERSION`, so
adding one plan segments one plan, and editing the dictionary re-segments
everything.  Stopwords are applied afterwards and are not part of the key.
jieba's own prefix-dictionary cache goes to ``<cache_dir>/jieba/``, not to the
system temporary directory.

References
----------
Sun, J. (2012-2020). jieba: Chinese text segmentation. https://github.com/fxsjy/jieba
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import unicodedata
import uuid
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import rjieba

from analysis import config, schema
from analysis.corpus.script import matching_text
from analysis.executors import default_jobs, map_documents

__all__ = [
    "BACKENDS", "categorical_tokens", "CATEGORICAL_COLUMNS", "CONTENT_PART", "content_tokens",
    "DEFAULT_STOPWORD_LISTS", "DEFAULT_TERM_FREQ",
    "DictEntry", "is_droppable", "POOL_MIN_CHARS", "protect_pattern", "read_stopwords",
    "read_user_dict", "read_word_list", "remove_stopwords", "segment_document", "segment_text",
    "segment_units", "STOPWORD_PATHS", "tokenizer_info", "TOKENIZER_VERSION", "tokens_from_units",
    "user_dict_entries", "USER_DICT_PATH",
]

BACKENDS: tuple[str, ...] = ("rjieba", "jieba")

USER_DICT_PATH: Path = config.RULES_DIR / "userdict.txt"
# A term given without a frequency (a line ``word`` or ``word tag``, or an
# ``extra_terms`` entry) gets the frequency every shipped entry has: high enough
# that jieba keeps the term whole against its own splits.
DEFAULT_TERM_FREQ: int = 1000
STOPWORD_PATHS: dict[str, Path] = {
    "standard": config.RULES_DIR / "stopwords_zh.txt",
    "policy": config.RULES_DIR / "stopwords_policy.txt",
}

# Bump when protection, clean-up or the cache format changes: it is part of the
# cache key, so every cached document is segmented again.
TOKENIZER_VERSION: str = "2"

# Progress bars appear (when ``progress=None``) once this many documents need segmenting.
_PROGRESS_MIN_DOCS: int = 10

# The stopword lists removed unless told otherwise (see remove_stopwords).
DEFAULT_STOPWORD_LISTS: tuple[str, ...] = ("standard", "policy")

# Below this many characters to segment, ``n_jobs`` > 1 still runs in one process:
# starting a worker and building its tokenizer (~0.3 s) costs more than segmenting
# a million characters with rjieba (~0.2 s).  The jieba backend is ~10x slower,
# so its threshold is a tenth.
POOL_MIN_CHARS: dict[str, int] = {"rjieba": 1_000_000, "jieba": 100_000}

# Tokens travel from workers and sit in the cache as one string per unit, joined
# by a space.  No kept token contains an ASCII space: whitespace is dropped, and
# neither protected spans nor jieba words can contain one.
_JOIN: str = " "

_ALNUM: str = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
# Connectors allowed *between* two alphanumeric runs (never at the edges, so the
# "1." of a numbering label stays "1").
_CONNECT: str = r".．+\-—–‐－&/~～"
_LATIN_NUMBER: str = rf"[{_ALNUM}]+(?:[{_CONNECT}][{_ALNUM}]+)*[%％‰]?"
_HAS_LATIN = re.compile(rf"[{_ALNUM}]")

_DICT_LINE = re.compile(r"^(?P<word>\S+)(?:\s+(?P<freq>\d+))?(?:\s+(?P<tag>[A-Za-z]+))?\s*$")

_INLINE_COMMENT = re.compile(r"\s#")

_MESSAGE = "{name} must be one of {allowed}; got {value!r}"


def _strip_comment(line: str) -> str:
    """A line without its comment: ``#`` at the start, or after whitespace (``C#`` stays)."""
    if line.lstrip().startswith("#"):
        return ""
    return _INLINE_COMMENT.split(line, maxsplit=1)[0].strip()


@dataclass(frozen=True)
class DictEntry:
    """One line of the user dictionary: a term, jieba's frequency for it, a POS tag."""

    word: str
    freq: int
    tag: str | None


def read_user_dict(path: Path = USER_DICT_PATH) -> tuple[DictEntry, ...]:
    """Parse a jieba user dictionary that may carry ``#`` comments.

    Each non-comment line is ``word [freq] [tag]``, separated by whitespace.  A
    missing frequency is :data:`DEFAULT_TERM_FREQ`; a given one must be at least 1
    (jieba treats 0 as "never join").  A word listed twice in one file is an
    error, because the second line would silently win.

    Returns the entries in file order (the order matters to jieba: each added
    word changes the dictionary total that later words are weighed against).
    """
    entries: list[DictEntry] = []
    seen: dict[str, int] = {}
    for line_no, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = _strip_comment(raw)
        if not line:
            continue
        match = _DICT_LINE.match(line)
        if match is None:
            raise ValueError(f"{path}:{line_no}: expected 'word [freq] [tag]', got {raw!r}")
        word = match["word"]
        freq = DEFAULT_TERM_FREQ if match["freq"] is None else int(match["freq"])
        if freq < 1:
            raise ValueError(f"{path}:{line_no}: frequency of {word!r} must be at least 1")
        if word in seen:
            raise ValueError(f"{path}:{line_no}: {word!r} is already listed on line {seen[word]}")
        seen[word] = line_no
        entries.append(DictEntry(word, freq, match["tag"]))
    return tuple(entries)


def user_dict_entries(
    user_dict: Path | Sequence[Path] = USER_DICT_PATH, *, extra_terms: Sequence[str] = ()
) -> tuple[DictEntry, ...]:
    """The dictionary entries segmentation uses: one or more files, then extra terms.

    Dictionaries *extend* each other: entries are taken file by file in the
    order given, then ``extra_terms`` (at :data:`DEFAULT_TERM_FREQ`); a word
    already taken keeps its first entry.  Leaving out terms of the shipped
    ``analysis/data/userdict.txt`` is allowed but warned about, since policy
    terms such as 双减 and 课后服务 are then split again.
    """
    paths = [Path(user_dict)] if isinstance(user_dict, str | Path) else [Path(p) for p in user_dict]
    if not paths:
        raise ValueError("user_dict must name at least one dictionary file")
    bad = [t for t in extra_terms if not isinstance(t, str) or not t.strip() or " " in t.strip()]
    if isinstance(extra_terms, str) or bad:
        raise ValueError(f"extra_terms must be a list of words without spaces; got {extra_terms!r}")
    entries: dict[str, DictEntry] = {}
    for path in paths:
        for entry in read_user_dict(path):
            entries.setdefault(entry.word, entry)
    for term in extra_terms:
        entries.setdefault(term.strip(), DictEntry(term.strip(), DEFAULT_TERM_FREQ, None))
    left_out = [e.word for e in read_user_dict(USER_DICT_PATH) if e.word not in entries]
    if left_out:
        warnings.warn(
            f"{len(left_out)} terms of the shipped dictionary {USER_DICT_PATH.name} are not in "
            f"user_dict ({', '.join(left_out[:3])} …) and will be split; pass "
            "[USER_DICT_PATH, your_file] to extend it instead of replacing it",
            UserWarning,
            stacklevel=3,
        )
    return tuple(entries.values())


def read_word_list(path: Path) -> frozenset[str]:
    """Read a one-word-per-line list (stopwords), ignoring blank lines and ``#`` comments."""
    words = set()
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        word = _strip_comment(raw)
        if word:
            words.add(word)
    return frozenset(words)


def read_stopwords(lists: Sequence[str] = DEFAULT_STOPWORD_LISTS) -> frozenset[str]:
    """The union of the named stopword lists (names are keys of :data:`STOPWORD_PATHS`)."""
    _check_lists(lists)
    words: set[str] = set()
    for name in lists:
        words |= read_word_list(STOPWORD_PATHS[name])
    return frozenset(words)


def protect_pattern(entries: Sequence[DictEntry]) -> re.Pattern[str]:
    """The regular expression of spans kept whole before segmentation.

    User-dictionary entries containing Latin letters or digits come first,
    longest first, so ``1+X证书`` wins over the generic ``1+X``.
    """
    latin_entries = sorted(
        {e.word for e in entries if _HAS_LATIN.search(e.word)}, key=lambda w: (-len(w), w)
    )
    parts = [re.escape(w) for w in latin_entries] + [_LATIN_NUMBER]
    return re.compile("|".join(parts))


@functools.lru_cache(maxsize=1 << 16)
def is_droppable(token: str) -> bool:
    """True when a token is only punctuation, symbols, separators or control characters."""
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in token)


# Tokenizers already built in this process, keyed by (backend, entries digest, jieba cache dir).
_TOKENIZERS: dict[tuple[str, str, str], object] = {}


def _entries_digest(entries: Sequence[DictEntry]) -> str:
    payload = json.dumps([[e.word, e.freq, e.tag] for e in entries], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _load_tokenizer(backend: str, entries: Sequence[DictEntry], jieba_cache_dir: str) -> object:
    key = (backend, _entries_digest(entries), jieba_cache_dir)
    if key in _TOKENIZERS:
        return _TOKENIZERS[key]
    if backend == "jieba":
        # jieba logs "Building prefix dict ..." at DEBUG on its own stderr handler.
        jieba.setLogLevel(logging.INFO)
        Path(jieba_cache_dir).mkdir(parents=True, exist_ok=True)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = jieba_cache_dir
        tokenizer.cache_file = f"jieba-{jieba.__version__}.cache"
        tokenizer.initialize()
        for entry in entries:
            tokenizer.add_word(entry.word, entry.freq, entry.tag)
    else:
        tokenizer = rjieba.Jieba()
        for entry in entries:
            tokenizer.add_word(entry.word, entry.freq, entry.tag)
    _TOKENIZERS[key] = tokenizer
    return tokenizer


def segment_text(
    text: str, *, tokenizer: object, backend: str, hmm: bool, pattern: re.Pattern[str]
) -> list[str]:
    """Tokens of one text: protect spans, segment the rest, drop punctuation.

    This is the definition of a unit's tokens.  :func:`segment_document` gets the
    same tokens faster by cutting a whole document at once.

    Parameters
    ----------
    text : str
        One unit's text.
    tokenizer : object
        A jieba ``Tokenizer`` or an rjieba one, with the user dictionary loaded.
    backend : {"rjieba", "jieba"}
        Which of the two ``tokenizer`` is (:data:`BACKENDS`).
    hmm : bool
        Let the segmenter guess unknown words with its HMM.
    pattern : re.Pattern
        Spans kept whole as one token (:func:`protect_pattern`).

    Returns
    -------
    list of str
        The tokens in order, punctuation and whitespace dropped.
    """
    tokens: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        tokens.extend(_cut(text[start : match.start()], tokenizer, backend, hmm))
        tokens.append(match.group())
        start = match.end()
    tokens.extend(_cut(text[start:], tokenizer, backend, hmm))
    return [t for t in tokens if not is_droppable(t)]


def _cut(chunk: str, tokenizer: object, backend: str, hmm: bool) -> list[str]:
    if not chunk:
        return []
    if backend == "jieba":
        return list(tokenizer.cut(chunk, HMM=hmm))
    return tokenizer.cut(chunk, hmm)


# Whole-document segmentation
# ---------------------------
# jieba and jieba-rs first split their input into blocks: maximal runs of their
# "Han" class (CJK ideographs, ASCII letters and digits, ``+#&._%-``) and the
# characters between them.  Blocks are segmented independently, and a character
# outside the Han class that is not whitespace always comes out as a token of its
# own.  So for such a character c, cut(A + c + B) == cut(A) + [c] + cut(B), and
# a whole document can be cut in one call (one call per unit and per protected
# span cost more than the cutting itself: 47,636 calls for 100 plans) with
# these stand-ins:
#   _UNIT_SEP  between units, so no word can span two units;
#   _HOLE      in place of each protected span, put back afterwards;
#   _DELIM     between the returned tokens, so that dropping punctuation and
#              splitting into units are a few whole-string operations in C;
#   _PUNCT     in place of the most frequent punctuation marks (below), which
#              are always dropped: jieba-rs returns one shared string object for
#              an ASCII character instead of a new one, and removing them is a
#              plain replace instead of one regular-expression match each.
# A document whose text contains a stand-in is segmented unit by unit instead.
_UNIT_SEP: str = "\x00"
_HOLE: str = "\x01"
_DELIM: str = "\x02"
_PUNCT: str = "\x03"
_MARKERS: str = _UNIT_SEP + _HOLE + _DELIM + _PUNCT
# 96% of the 141,760 droppable tokens of 100 plans.  Each must be droppable, outside the
# Han class of both backends and not whitespace (tests/test_tokens.py checks this).
_FREQUENT_PUNCT: str = "，。、“”"


def _beyond_bmp(text: str) -> bool:
    """True when a character lies beyond the Basic Multilingual Plane.

    The fast drop rule is compiled for the BMP only: a character class with ranges
    above it is tested range by range in Python's re, slowly.  Such documents (none
    in the plans) go unit by unit.  UTF-16 needs two code units exactly for those
    characters; encoding is four times faster than a regex search.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def _ranges(code_points: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted code points as inclusive (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for cp in code_points:
        if runs and cp == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], cp)
        else:
            runs.append((cp, cp))
    return runs


@functools.cache
def _droppable_class() -> str:
    """A regex character class body: BMP characters of category P*, S*, Z*, C*
    (the characters :func:`is_droppable` accepts), minus the stand-ins."""
    code_points = [
        cp
        for cp in range(0x10000)
        if unicodedata.category(chr(cp))[0] in "PSZC" and chr(cp) not in _MARKERS
    ]
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in _ranges(code_points)
    )


@functools.cache
def _drop_pattern() -> re.Pattern[str]:
    """Matches a droppable token and the delimiter after it, in ``_DELIM``-joined text.

    It starts with the character class (not with the lookbehind) so that Python's
    re skips ahead to candidate characters in C instead of trying every position;
    the lookbehind then checks that a delimiter precedes that first character.
    """
    cls = _droppable_class()
    return re.compile(f"[{cls}](?<={_DELIM}[^{_DELIM}])[{cls}]*{_DELIM}")


def _split_pattern(entries: Sequence[DictEntry]) -> re.Pattern[str]:
    """:func:`protect_pattern` rewritten for speed, with one capturing group.

    Same matches, same order of preference: every alternative starts with the
    character class of all first characters, so Python's re skips ahead in C to
    positions where a match can start, and a lookbehind then picks the
    alternatives whose first character it is (the plain pattern tries all
    alternatives at every position, about 2.5 times slower on the plans).
    ``pattern.split(text)`` gives text between spans and the spans, alternately.
    """
    latin_entries = sorted(
        {e.word for e in entries if _HAS_LATIN.search(e.word)}, key=lambda w: (-len(w), w)
    )
    firsts = "".join(sorted({re.escape(w[0]) for w in latin_entries}))
    parts = [f"(?<={re.escape(w[0])}){re.escape(w[1:])}" for w in latin_entries]
    parts.append(rf"(?<=[{_ALNUM}])[{_ALNUM}]*(?:[{_CONNECT}][{_ALNUM}]+)*[%％‰]?")
    return re.compile(f"([{firsts}{_ALNUM}](?:{'|'.join(parts)}))")


def _segment_whole(
    texts: Sequence[str],
    *,
    tokenizer: object,
    backend: str,
    hmm: bool,
    splitter: re.Pattern[str],
) -> list[str] | None:
    """One space-joined token string per text, cutting the document once.

    Returns None when the fast path does not apply (a text contains a stand-in or
    a character beyond the BMP, or a kept token contains a space).
    """
    text = _UNIT_SEP.join(texts)
    if (
        text.count(_UNIT_SEP) != len(texts) - 1
        or _HOLE in text
        or _DELIM in text
        or _PUNCT in text
        or _beyond_bmp(text)
    ):
        return None
    # Alternately: text between protected spans, a protected span, text, ...
    pieces = splitter.split(text)
    protected = pieces[1::2]
    masked = _HOLE.join(pieces[0::2])
    for mark in _FREQUENT_PUNCT:
        masked = masked.replace(mark, _PUNCT)
    tokens = _cut(masked, tokenizer, backend, hmm)
    # Every token between two delimiters, including the first and the last.
    joined = _DELIM + _DELIM.join(tokens) + _DELIM
    joined = _drop_pattern().sub("", joined.replace(_PUNCT + _DELIM, ""))
    if protected:
        # Each hole is one token and so one _HOLE in `joined`, in text order.
        # Protected spans contain a letter or digit, so none is droppable.
        gaps = joined.split(_HOLE)
        filled = [""] * (2 * len(gaps) - 1)
        filled[0::2] = gaps
        filled[1::2] = protected
        joined = "".join(filled)
    if _JOIN in joined:
        return None  # the unit-by-unit path names the token
    # "␂a␂b␂␀␂c␂␀␂␀␂d␂" -> " a b ", " c ", " ", " d ": each unit between two spaces.
    units = joined.replace(_DELIM, _JOIN).split(_UNIT_SEP)
    return [u[1:-1] for u in units]


# (backend, id(entries), jieba cache dir) -> (entries, tokenizer, split pattern).
# segment_document runs once per document with the same entries object; hashing
# the 400 entries for _load_tokenizer's key each time cost 30 ms on 100 plans.
# The entries are kept in the value, so their id cannot be reused while listed.
_PREPARED: dict[tuple[str, int, str], tuple[Sequence[DictEntry], object, re.Pattern[str]]] = {}


def _prepare(
    backend: str, entries: Sequence[DictEntry], jieba_cache_dir: str
) -> tuple[object, re.Pattern[str]]:
    key = (backend, id(entries), jieba_cache_dir)
    hit = _PREPARED.get(key)
    if hit is None or hit[0] is not entries:
        if len(_PREPARED) >= 16:
            _PREPARED.clear()
        tokenizer = _load_tokenizer(backend, entries, jieba_cache_dir)
        hit = _PREPARED[key] = (entries, tokenizer, _split_pattern(entries))
    return hit[1], hit[2]


def segment_document(
    texts: Sequence[str],
    *,
    backend: str,
    hmm: bool,
    entries: Sequence[DictEntry],
    jieba_cache_dir: str,
) -> list[str]:
    """Segment the texts of one document; return one space-joined token string per text.

    The tokens are those of :func:`segment_text` applied to each text, but the
    document is cut in one call (see the comment above ``_UNIT_SEP``) and
    punctuation is dropped with one regular-expression pass.

    A plain top-level function so that it pickles: :func:`tokens_from_units` maps
    it over documents in a process pool, and a Dask or other executor can do the
    same.  Joined strings pickle far faster than lists of tokens.
    """
    if not texts:
        return []
    tokenizer, splitter = _prepare(backend, entries, jieba_cache_dir)
    fast = _segment_whole(texts, tokenizer=tokenizer, backend=backend, hmm=hmm, splitter=splitter)
    if fast is not None:
        return fast
    return segment_units(texts, tokenizer=tokenizer, backend=backend, hmm=hmm, entries=entries)


def segment_units(
    texts: Sequence[str],
    *,
    tokenizer: object,
    backend: str,
    hmm: bool,
    entries: Sequence[DictEntry],
) -> list[str]:
    """:func:`segment_document` the slow way: :func:`segment_text` unit by unit."""
    pattern = protect_pattern(entries)
    out = []
    for text in texts:
        tokens = segment_text(text, tokenizer=tokenizer, backend=backend, hmm=hmm, pattern=pattern)
        bad = [t for t in tokens if _JOIN in t]
        if bad:
            raise ValueError(f"token {bad[0]!r} contains a space; cannot join tokens safely")
        out.append(_JOIN.join(tokens))
    return out


@functools.cache
def _versions() -> dict[str, str]:
    # Cached: importlib.metadata takes 0.3 ms per call, and keys are made per document.
    return {"jieba": jieba.__version__, "rjieba": metadata.version("rjieba")}


def _document_key(
    region_id: str,
    unit_ids: Sequence[str],
    texts: Sequence[str],
    *,
    backend: str,
    hmm: bool,
    dict_digest: str,
) -> str:
    header = {
        "tokenizer_version": TOKENIZER_VERSION,
        "backend": backend,
        "hmm": hmm,
        "versions": _versions(),
        "user_dict": dict_digest,
        "region_id": region_id,
        "unit_ids": list(unit_ids),
        "text_lengths": [len(t) for t in texts],
    }
    digest = hashlib.sha256(json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    # The texts follow back to back: their lengths above make the split unambiguous,
    # and this is three times faster than JSON-encoding every text.
    digest.update("".join(texts).encode("utf-8"))
    return digest.hexdigest()


def _read_cache(path: Path, unit_ids: Sequence[str]) -> list[str] | None:
    if not path.exists():
        return None
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError):
        return None  # unreadable (e.g. truncated by a full disk): segment again and overwrite
    if table.column_names != ["unit_id", "tokens"]:
        return None
    if table.column("unit_id").to_pylist() != list(unit_ids):
        return None
    return table.column("tokens").to_pylist()


def _write_cache(path: Path, unit_ids: Sequence[str], joined: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({"unit_id": list(unit_ids), "tokens": list(joined)})
    # Write then rename, so a killed run never leaves a half-written cache file.  A
    # random name instead of tempfile.mkstemp, and no dictionary pages or statistics
    # (every value is distinct, nothing filters on them): 57 instead of 81 ms for
    # 100 plans; writing is about a tenth of a first run.
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=False, write_statistics=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _check_units(units: pd.DataFrame) -> None:
    missing = [c for c in ("region_id", "unit_id", "text") if c not in units.columns]
    if missing:
        raise ValueError(f"units is missing columns {missing}")
    if units["unit_id"].duplicated().any():
        dup = units.loc[units["unit_id"].duplicated(), "unit_id"].iloc[0]
        raise ValueError(f"unit_id must be unique; {dup!r} appears more than once")
    nulls = units[["region_id", "unit_id", "text"]].isna().sum()
    if nulls.any():
        raise ValueError(f"units has missing values: {nulls[nulls > 0].to_dict()}")


def tokens_from_units(
    units: pd.DataFrame,
    *,
    backend: str = "rjieba",
    hmm: bool = False,
    user_dict: Path | Sequence[Path] = USER_DICT_PATH,
    extra_terms: Sequence[str] = (),
    cache_dir: Path | None = config.CACHE_DIR,
    n_jobs: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Segment every unit's text into a tidy token table.

    Parameters
    ----------
    units : DataFrame
        One row per unit with at least ``region_id``, ``unit_id`` (unique) and
        ``text`` (schema.UNITS).  A document is all units of one ``region_id``.
    backend : {"rjieba", "jieba"}, default "rjieba"
        ``"jieba"`` is the reference; ``"rjieba"`` gives identical tokens with
        HMM off and is about 11x faster end to end (0.33 s against 3.8 s on 100
        plans, 1.56 M characters).
    hmm : bool, default False
        Let jieba's HMM join unknown character runs into new words.
    user_dict : Path or list of Path, default ``analysis/data/userdict.txt``
        jieba user dictionaries (``word [freq] [tag]`` lines, ``#`` comments),
        read in order, each extending the ones before (see
        :func:`user_dict_entries`; leaving out the shipped one warns).
    extra_terms : list of str, default ()
        More words to keep whole, added after the dictionaries, e.g.
        ``["强师计划", "县管校聘"]``.
    cache_dir : Path or None, default ``config.CACHE_DIR``
        Root of the per-document segmentation cache (``tokens/``) and of jieba's
        dictionary cache (``jieba/``).  ``None`` disables the segmentation cache;
        jieba's dictionary cache then goes to ``config.CACHE_DIR / "jieba"``.
    n_jobs : int, default 1
        Processes used for documents that are not cached; ``-1`` uses every CPU.
        When the uncached documents hold fewer than :data:`POOL_MIN_CHARS`
        characters (1 M for rjieba, 0.1 M for jieba) they are segmented in this
        process, where that is faster than starting workers; see
        benchmarks/README.md.
    scheduler : str or None, default None
        Dask scheduler address: segment the uncached documents on that cluster
        (see :func:`analysis.executors.map_documents`).
    progress : bool or None, default None
        Show a tqdm bar; ``None`` shows one when 10 or more documents need segmenting.

    Returns
    -------
    DataFrame with columns schema.TOKENS:
        region_id : str, from ``units``.
        unit_id : str, from ``units``.
        position : int, 0-based index of the token among the unit's kept tokens.
        token : str, a verbatim substring of the unit's ``text_simplified``
            (the simplified form, the same length as ``text``; see
            :mod:`analysis.corpus.script`).
    Rows follow the order of ``units``, then ``position``.  Units with no tokens
    (e.g. only punctuation) have no rows.

    References
    ----------
    Sun, J. jieba: Chinese text segmentation, version 0.42.1.
    """
    if backend not in BACKENDS:
        raise ValueError(_MESSAGE.format(name="backend", allowed=BACKENDS, value=backend))
    if not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive int or -1; got {n_jobs!r}")
    _check_units(units)
    entries = user_dict_entries(user_dict, extra_terms=extra_terms)
    dict_digest = _entries_digest(entries)
    # jieba's dictionary cache is always project-local, even with the token cache off.
    jieba_cache_dir = str(Path(config.CACHE_DIR if cache_dir is None else cache_dir) / "jieba")
    token_cache = None if cache_dir is None else Path(cache_dir) / "tokens"

    # Documents in order of first appearance; units keep their order inside each.
    # Ids stay in Arrow (zero-copy from Arrow-backed columns) until the cache needs them.
    region_arr = _large_strings(units["region_id"])
    unit_arr = _large_strings(units["unit_id"])
    # The simplified form, so a traditional-character plan gives its twin's tokens.
    texts = matching_text(units).astype(str).tolist()
    codes = pc.dictionary_encode(region_arr).indices.to_numpy()  # by first appearance
    if len(codes) and (np.diff(codes) >= 0).all():
        # Each document's units are contiguous (the usual case): slice, don't gather.
        rows = np.split(np.arange(len(codes)), np.flatnonzero(np.diff(codes)) + 1)
    else:
        rows = [np.flatnonzero(codes == c) for c in range(codes.max() + 1 if len(codes) else 0)]
    unit_ids = unit_arr.to_pylist() if token_cache is not None else None
    docs: list[tuple[str, list[str], list[str]]] = []
    for idx in rows:
        lo, hi = int(idx[0]), int(idx[-1]) + 1
        rid = region_arr[lo].as_py()
        if hi - lo == len(idx):
            docs.append((rid, unit_ids[lo:hi] if unit_ids else [], texts[lo:hi]))
        else:
            docs.append(
                (rid, [unit_ids[i] for i in idx] if unit_ids else [], [texts[i] for i in idx])
            )

    joined_by_doc: list[list[str]] = [[] for _ in docs]  # every entry is set below
    todo: list[tuple[int, Path | None]] = []
    for i, (rid, doc_unit_ids, doc_texts) in enumerate(docs):
        path = None
        if token_cache is not None:
            key = _document_key(
                rid, doc_unit_ids, doc_texts, backend=backend, hmm=hmm, dict_digest=dict_digest
            )
            path = token_cache / f"{key}.parquet"
            cached = _read_cache(path, doc_unit_ids)
            if cached is not None:
                joined_by_doc[i] = cached
                continue
        todo.append((i, path))

    worker = partial(
        segment_document, backend=backend, hmm=hmm, entries=entries, jieba_cache_dir=jieba_cache_dir
    )
    show = len(todo) >= _PROGRESS_MIN_DOCS if progress is None else progress
    workers = default_jobs() if n_jobs == -1 else n_jobs
    text_lists = [docs[i][2] for i, _ in todo]
    if sum(len(t) for texts in text_lists for t in texts) < POOL_MIN_CHARS[backend]:
        workers = 1
    results = map_documents(
        worker, text_lists, n_jobs=workers, scheduler=scheduler, desc="segmenting", progress=show
    )
    for (i, path), joined in zip(todo, results, strict=True):
        joined_by_doc[i] = joined
        if path is not None:
            _write_cache(path, docs[i][1], joined)

    # One joined string per unit, back in the order of `units`.
    order = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    joined_all = [j for doc in joined_by_doc for j in doc]
    joined_arr = pa.array(joined_all, type=pa.large_string())
    if len(order) and not (np.diff(order) == 1).all():
        joined_arr = joined_arr.take(pa.array(np.argsort(order, kind="stable")))
    return _assemble(region_arr, unit_arr, joined_arr)


def _large_strings(column: pd.Series) -> pa.Array:
    """A column as one Arrow large_string array (no copy when it already is one)."""
    arr = pa.array(column.astype(str), type=pa.large_string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _assemble(region_ids: pa.Array, unit_ids: pa.Array, joined: pa.Array) -> pd.DataFrame:
    """Explode one joined string per unit into one row per token (vectorised in Arrow)."""
    # An empty string would split into one empty token; a null splits into none.
    empty = pc.equal(joined, "")
    joined = pc.if_else(empty, pa.scalar(None, pa.large_string()), joined)
    lists = pc.split_pattern(joined, pattern=_JOIN)
    parent = pc.list_parent_indices(lists)
    offsets = lists.offsets.to_numpy()
    parent_np = parent.to_numpy()
    position = np.arange(len(parent_np), dtype="int64") - offsets[parent_np]
    columns = {
        "region_id": region_ids.take(parent),
        "unit_id": unit_ids.take(parent),
        "position": position,
        "token": lists.flatten(),
    }
    return pa.table({name: columns[name] for name in schema.TOKENS}).to_pandas()


def _check_lists(lists: Sequence[str]) -> None:
    if isinstance(lists, str):
        raise ValueError(f"lists must be a sequence of names, e.g. ('standard',); got {lists!r}")
    for name in lists:
        if name not in STOPWORD_PATHS:
            allowed = tuple(STOPWORD_PATHS)
            raise ValueError(_MESSAGE.format(name="lists", allowed=allowed, value=name))


def remove_stopwords(
    tokens: pd.DataFrame,
    *,
    lists: Sequence[str] = DEFAULT_STOPWORD_LISTS,
    units: Collection[str] | None = None,
) -> pd.DataFrame:
    """Drop tokens found in the named stopword lists (and, optionally, of other units).

    Parameters
    ----------
    tokens : DataFrame
        A token table (schema.TOKENS or any table with a ``token`` column).
    lists : sequence of {"standard", "policy"}, default both
        ``"standard"``: common Chinese function words (``analysis/data/stopwords_zh.txt``).
        ``"policy"``: boilerplate policy verbs, intensifiers and fillers such as
        加强, 推进, 进一步, 工作 (``analysis/data/stopwords_policy.txt``).  Pass
        ``("standard",)`` to see results with the boilerplate kept, ``()`` for none.
    units : collection of str, optional
        Keep only tokens of these ``unit_id`` values too.  One filter instead of
        two in a row, so a large token table is copied once (the build keeps the
        plan-part units this way).

    Returns
    -------
    DataFrame with the same columns, fewer rows.  ``position`` is kept as it was,
    so gaps show where stopwords stood and KWIC still lines up with the text.
    """
    _check_lists(lists)
    stop = read_stopwords(lists)
    keep = ~tokens["token"].isin(stop)
    if units is not None:
        keep &= tokens["unit_id"].isin(units)
    return tokens.loc[keep].reset_index(drop=True)


# The part of a plan document the shipped statistics describe (see content_tokens).
CONTENT_PART: str = "plan"


def content_tokens(
    tokens: pd.DataFrame,
    units: pd.DataFrame,
    *,
    part: str | None = CONTENT_PART,
    stopwords: Sequence[str] = DEFAULT_STOPWORD_LISTS,
) -> pd.DataFrame:
    """The content tokens of one part of the plans: the tokens every shipped statistic counts.

    The build's keywords, keyness, co-occurrence, similarity and topics all read
    ``content_tokens(tokens, units)``: tokens of the plan-part units (a combined
    review-and-plan document such as 新吴 also has a ``"review"`` part), with the
    standard and policy-boilerplate stopwords removed (:func:`remove_stopwords`).

    Parameters
    ----------
    tokens : DataFrame
        The token table (schema.TOKENS) of ``units``.
    units : DataFrame
        The units table (schema.UNITS; ``unit_id`` and ``part`` are read).
    part : {"review", "plan"} or None, default "plan"
        Keep the tokens of the units of this part; None keeps every unit of ``units``.
    stopwords : sequence of {"standard", "policy"}, default both
        The stopword lists removed (``()`` removes none); see :func:`remove_stopwords`.

    Returns
    -------
    DataFrame with the columns of ``tokens`` (schema.TOKENS), fewer rows, in their
    order, with a fresh index; ``position`` is kept as it was.
    """
    if part is not None and part not in schema.PARTS:
        raise ValueError(f"part must be one of {', '.join(schema.PARTS)} or None; got {part!r}")
    kept = units["unit_id"] if part is None else units.loc[units["part"] == part, "unit_id"]
    return remove_stopwords(tokens, lists=stopwords, units=set(kept))


#: String columns of a token table that repeat a few distinct values over many rows.
CATEGORICAL_COLUMNS: tuple[str, ...] = ("region_id", "unit_id", "token")


def categorical_tokens(
    tokens: pd.DataFrame, *, columns: Sequence[str] = CATEGORICAL_COLUMNS
) -> pd.DataFrame:
    """The same token table with its repeated string columns stored as categoricals.

    A token table repeats each region id over tens of thousands of rows and
    each unit id over dozens; as strings every row holds its own copy (about
    70 bytes a row for ``region_id, unit_id, position, token``).  A pandas
    categorical holds each distinct string once and a 4-byte (or smaller)
    code per row: on 300 synthetic plans (1.44 M tokens) the token table
    takes 24 MiB instead of 87 MiB, its content tokens 20 MiB instead of 60.
    Values, row order and index are unchanged; the
    categories are sorted, so sorting by such a column orders rows as the
    strings would.

    Parameters
    ----------
    tokens : DataFrame
        A token table (schema.TOKENS, or any table with the ``columns``).
    columns : sequence of str, default ``CATEGORICAL_COLUMNS``
        (``region_id, unit_id, token``) -- the columns converted; a column
        that already is categorical is left as it is.

    Returns
    -------
    A new DataFrame with the columns of ``tokens`` in their order; ``columns``
    are ``category`` dtype with string categories.
    """
    missing = [c for c in columns if c not in tokens.columns]
    if missing:
        raise ValueError(f"tokens is missing column(s) {missing}; "
                         f"columns must be among {list(tokens.columns)}")
    converted = {c: tokens[c].astype("category") for c in columns
                 if not isinstance(tokens[c].dtype, pd.CategoricalDtype)}
    return tokens.assign(**converted)


def _file_info(path: Path) -> dict[str, object]:
    path = Path(path)
    try:
        shown = str(path.resolve().relative_to(config.ROOT))
    except ValueError:
        shown = path.name
    return {"path": shown, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def tokenizer_info(
    *, backend: str = "rjieba", hmm: bool = False, user_dict: Path = USER_DICT_PATH
) -> dict[str, object]:
    """Settings, versions and data-file hashes that determine the tokens, for build_info.

    Returns a JSON-ready dict: backend, hmm, tokenizer_version, jieba and rjieba
    versions, the user dictionary (path relative to the repository, SHA-256 of the
    file, SHA-256 of the parsed entries as used in the cache key, entry count) and
    each stopword list (path, SHA-256, word count).
    """
    if backend not in BACKENDS:
        raise ValueError(_MESSAGE.format(name="backend", allowed=BACKENDS, value=backend))
    entries = read_user_dict(user_dict)
    stopwords = {
        name: {**_file_info(path), "n_words": len(read_word_list(path))}
        for name, path in STOPWORD_PATHS.items()
    }
    return {
        "backend": backend,
        "hmm": hmm,
        "tokenizer_version": TOKENIZER_VERSION,
        "versions": dict(_versions()),
        "user_dict": {
            **_file_info(user_dict),
            "entries_sha256": _entries_digest(entries),
            "n_entries": len(entries),
        },
        "stopwords": stopwords,
    }
