"""Sentence units to a tidy token table: jieba segmentation with a policy-term dictionary.

One verb does the work, :func:`tokens_from_units`; the rest are its parts and its
companions (:func:`remove_stopwords`, :func:`tokenizer_info`).

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
  about 7 M characters/s (rjieba) against 0.16-0.27 M (jieba); end to end, with
  protection, clean-up and table assembly in Python, about 1.5 M against 0.15 M.

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
import tempfile
import unicodedata
from collections.abc import Sequence
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
from analysis.executors import default_jobs, map_documents

BACKENDS: tuple[str, ...] = ("rjieba", "jieba")

USER_DICT_PATH: Path = config.RULES_DIR / "userdict.txt"
STOPWORD_PATHS: dict[str, Path] = {
    "standard": config.RULES_DIR / "stopwords_zh.txt",
    "policy": config.RULES_DIR / "stopwords_policy.txt",
}

# Bump when protection, clean-up or the cache format changes: it is part of the
# cache key, so every cached document is segmented again.
TOKENIZER_VERSION: str = "1"

# Progress bars appear (when ``progress=None``) once this many documents need segmenting.
_PROGRESS_MIN_DOCS: int = 10

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

    Each non-comment line is ``word freq [tag]``, separated by whitespace.  The
    frequency is required and must be at least 1 (jieba treats 0 as "never join").
    A word listed twice is an error, because the second line would silently win.

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
        if match is None or match["freq"] is None:
            raise ValueError(f"{path}:{line_no}: expected 'word freq [tag]', got {raw!r}")
        word, freq = match["word"], int(match["freq"])
        if freq < 1:
            raise ValueError(f"{path}:{line_no}: frequency of {word!r} must be at least 1")
        if word in seen:
            raise ValueError(f"{path}:{line_no}: {word!r} is already listed on line {seen[word]}")
        seen[word] = line_no
        entries.append(DictEntry(word, freq, match["tag"]))
    return tuple(entries)


def read_word_list(path: Path) -> frozenset[str]:
    """Read a one-word-per-line list (stopwords), ignoring blank lines and ``#`` comments."""
    words = set()
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        word = _strip_comment(raw)
        if word:
            words.add(word)
    return frozenset(words)


def read_stopwords(lists: Sequence[str] = ("standard", "policy")) -> frozenset[str]:
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
    """Tokens of one text: protect spans, segment the rest, drop punctuation."""
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


def segment_document(
    texts: Sequence[str],
    *,
    backend: str,
    hmm: bool,
    entries: Sequence[DictEntry],
    jieba_cache_dir: str,
) -> list[str]:
    """Segment the texts of one document; return one space-joined token string per text.

    A plain top-level function so that it pickles: :func:`tokens_from_units` maps
    it over documents in a process pool, and a Dask or other executor can do the
    same.  Joined strings pickle far faster than lists of tokens.
    """
    tokenizer = _load_tokenizer(backend, entries, jieba_cache_dir)
    pattern = protect_pattern(entries)
    out = []
    for text in texts:
        tokens = segment_text(text, tokenizer=tokenizer, backend=backend, hmm=hmm, pattern=pattern)
        bad = [t for t in tokens if _JOIN in t]
        if bad:
            raise ValueError(f"token {bad[0]!r} contains a space; cannot join tokens safely")
        out.append(_JOIN.join(tokens))
    return out


def _versions() -> dict[str, str]:
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
    payload = {
        "tokenizer_version": TOKENIZER_VERSION,
        "backend": backend,
        "hmm": hmm,
        "versions": _versions(),
        "user_dict": dict_digest,
        "region_id": region_id,
        "units": [[u, t] for u, t in zip(unit_ids, texts, strict=True)],
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


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
    # Write then rename, so a killed run never leaves a half-written cache file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


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
    user_dict: Path = USER_DICT_PATH,
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
        HMM off and is about 10x faster end to end.
    hmm : bool, default False
        Let jieba's HMM join unknown character runs into new words.
    user_dict : Path, default ``analysis/data/userdict.txt``
        jieba user dictionary (``word freq [tag]`` lines, ``#`` comments).
    cache_dir : Path or None, default ``config.CACHE_DIR``
        Root of the per-document segmentation cache (``tokens/``) and of jieba's
        dictionary cache (``jieba/``).  ``None`` disables the segmentation cache;
        jieba's dictionary cache then goes to ``config.CACHE_DIR / "jieba"``.
    n_jobs : int, default 1
        Processes used for documents that are not cached; ``-1`` uses every CPU.
        With rjieba one process is usually fastest (segmenting is cheaper than
        starting workers); see benchmarks/README.md.
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
        token : str, a verbatim substring of the unit's text.
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
    entries = read_user_dict(user_dict)
    dict_digest = _entries_digest(entries)
    # jieba's dictionary cache is always project-local, even with the token cache off.
    jieba_cache_dir = str(Path(config.CACHE_DIR if cache_dir is None else cache_dir) / "jieba")
    token_cache = None if cache_dir is None else Path(cache_dir) / "tokens"

    # Documents in order of first appearance; units keep their order inside each.
    frame = units[["region_id", "unit_id", "text"]]
    docs: list[tuple[str, list[str], list[str]]] = [
        (str(rid), group["unit_id"].astype(str).tolist(), group["text"].astype(str).tolist())
        for rid, group in frame.groupby("region_id", sort=False)
    ]
    joined_by_unit: dict[str, str] = {}
    todo: list[tuple[int, Path | None]] = []
    for i, (rid, unit_ids, texts) in enumerate(docs):
        path = None
        if token_cache is not None:
            key = _document_key(
                rid, unit_ids, texts, backend=backend, hmm=hmm, dict_digest=dict_digest
            )
            path = token_cache / f"{key}.parquet"
            cached = _read_cache(path, unit_ids)
            if cached is not None:
                joined_by_unit.update(zip(unit_ids, cached, strict=True))
                continue
        todo.append((i, path))

    worker = partial(
        segment_document, backend=backend, hmm=hmm, entries=entries, jieba_cache_dir=jieba_cache_dir
    )
    show = len(todo) >= _PROGRESS_MIN_DOCS if progress is None else progress
    workers = default_jobs() if n_jobs == -1 else n_jobs
    text_lists = [docs[i][2] for i, _ in todo]
    results = map_documents(
        worker, text_lists, n_jobs=workers, scheduler=scheduler, desc="segmenting", progress=show
    )
    for (i, path), joined in zip(todo, results, strict=True):
        unit_ids = docs[i][1]
        joined_by_unit.update(zip(unit_ids, joined, strict=True))
        if path is not None:
            _write_cache(path, unit_ids, joined)

    return _assemble(frame, joined_by_unit)


def _assemble(frame: pd.DataFrame, joined_by_unit: dict[str, str]) -> pd.DataFrame:
    """Explode one joined string per unit into one row per token (vectorised in Arrow)."""
    unit_ids = frame["unit_id"].astype(str).tolist()
    joined = pa.array([joined_by_unit[u] or None for u in unit_ids], type=pa.large_string())
    lists = pc.split_pattern(joined, pattern=_JOIN)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    unit_index = np.repeat(np.arange(len(unit_ids)), lengths)
    starts = np.cumsum(lengths) - lengths
    position = np.arange(int(lengths.sum()), dtype="int64") - np.repeat(starts, lengths)
    table = pa.table(
        {
            "region_id": pa.array(frame["region_id"].astype(str).tolist(), pa.string()).take(
                unit_index
            ),
            "unit_id": pa.array(unit_ids, pa.string()).take(unit_index),
            "position": position,
            "token": pc.list_flatten(lists).cast(pa.string()),
        }
    )
    return table.to_pandas().loc[:, schema.TOKENS]


def _check_lists(lists: Sequence[str]) -> None:
    if isinstance(lists, str):
        raise ValueError(f"lists must be a sequence of names, e.g. ('standard',); got {lists!r}")
    for name in lists:
        if name not in STOPWORD_PATHS:
            allowed = tuple(STOPWORD_PATHS)
            raise ValueError(_MESSAGE.format(name="lists", allowed=allowed, value=name))


def remove_stopwords(
    tokens: pd.DataFrame, *, lists: Sequence[str] = ("standard", "policy")
) -> pd.DataFrame:
    """Drop tokens found in the named stopword lists.

    Parameters
    ----------
    tokens : DataFrame
        A token table (schema.TOKENS or any table with a ``token`` column).
    lists : sequence of {"standard", "policy"}, default both
        ``"standard"``: common Chinese function words (``analysis/data/stopwords_zh.txt``).
        ``"policy"``: boilerplate policy verbs, intensifiers and fillers such as
        加强, 推进, 进一步, 工作 (``analysis/data/stopwords_policy.txt``).  Pass
        ``("standard",)`` to see results with the boilerplate kept, ``()`` for none.

    Returns
    -------
    DataFrame with the same columns, fewer rows.  ``position`` is kept as it was,
    so gaps show where stopwords stood and KWIC still lines up with the text.
    """
    _check_lists(lists)
    stop = read_stopwords(lists)
    keep = ~tokens["token"].isin(stop)
    return tokens.loc[keep].reset_index(drop=True)


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
        "versions": _versions(),
        "user_dict": {
            **_file_info(user_dict),
            "entries_sha256": _entries_digest(entries),
            "n_entries": len(entries),
        },
        "stopwords": stopwords,
    }
