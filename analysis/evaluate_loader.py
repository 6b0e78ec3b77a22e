"""Measure the corpus loader on the loader development set.

``python -m analysis evaluate-loader`` renders every source of
``data/loader_devset/sources/`` (:mod:`analysis.devset`) into a temporary raw
folder, loads each file with the real loader exactly as ``python -m analysis
add`` + ``build`` would (:func:`analysis.corpus.load.load_plan` with a minimal
manifest row) and scores it against the source's gold:

* **chrome recall** — share of gold chrome lines (``C``, ``N``, ``T``, a PDF's
  running headers and page numbers) left out of the units.  A chrome line
  counts as *left in* when its normalised text occurs in the concatenated
  unit texts more often than in the concatenated gold sentences (so a short
  chrome word that body prose also uses is not held against the loader); of
  ``k`` identical chrome lines, as many count as left in as there are extra
  occurrences (at most ``k``).
* **chrome precision** — removed chrome lines / (removed chrome lines + gold
  body lines, ``H``/``P``/``R``, any of whose sentences is missing from the
  concatenated unit texts): body text must never be removed.
* **notice recall** — chrome recall of ``N`` lines only; **mark recall** — the
  same for inline marks (``{{wm}}``, ``{{x}}``, ``{{page}}``, ``{{chunk}}``).
* **title found** — ``regions.title_zh`` equals the gold title (normalised,
  ``《》`` removed); files with an empty gold title are skipped.
* **sentence precision / recall / F1** — multiset match between the texts of
  all units (every ``unit_kind``) and the gold sentences (a clause label such
  as ``目标任务：`` removed from the gold sentence's start, since the loader
  moves it to ``clause_type``; an ``R`` table row is one gold unit).
* **structure exact** — every gold sentence matched with its path: the
  non-null ``section_no``, ``item_no``, ``subitem_no`` equal the numbers of
  the enclosing ``H1``–``H3`` blocks.
* **metadata** — share of gold ``meta.*`` fields the loader reports with the
  same value in a ``regions`` column of the same name; a field without such a
  column (``doc_no``, ``issuing_body``, ``author`` today) counts as missing.
* **twin theme agreement** — for a traditional-script file and its
  simplified twin, the share of sentence pairs (the i-th gold sentence of
  each, both matched to a unit) whose primary theme
  (:func:`analysis.coding.themes.code_units`) agrees.

Texts are compared after :func:`normalise_for_match` (NFKC, quotes folded,
whitespace and the table-cell separator ``|`` removed).  A file the loader cannot read
scores zero: every chrome line and mark counts as left in, every sentence as
missing.  Aggregates are micro-averages (summed numerators over summed
denominators) per split and per kind × split.

References
----------
Kohlschütter, C., Fankhauser, P., & Nejdl, W. (2010). Boilerplate detection
using shallow text features. *WSDM '10*, 441–450.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import config, schema
from analysis.devset import (
    SPLITS,
    DevsetError,
    Gold,
    Rendered,
    Source,
    read_sources,
    render_source,
    strip_clause_label,
)

# Quality the loader must reach on the held-out split (tests/test_evaluate_loader.py).
THRESHOLDS: dict[str, float] = {
    "chrome_recall": 0.95,
    "chrome_precision": 0.98,
    "title_found": 0.95,
    "sentence_f1": 0.95,
    "structure_exact": 0.90,
    "twin_theme_agreement": 0.95,
}
DEFAULT_SOURCES: Path = config.DATA_DIR / "loader_devset" / "sources"
DEFAULT_OUT: Path = config.ROOT / "docs"
SPLIT_CHOICES: tuple[str, ...] = ("all",) + SPLITS

# metric → (numerator count, denominator count); F1 is derived from precision and recall.
RATIOS: dict[str, tuple[str, str]] = {
    "chrome_recall": ("n_chrome_removed", "n_chrome"),
    "chrome_precision": ("n_chrome_removed", "n_chrome_removed_or_body_lost"),
    "notice_recall": ("n_notice_removed", "n_notice"),
    "mark_recall": ("n_marks_removed", "n_marks"),
    "title_found": ("n_title_found", "n_title"),
    "sentence_precision": ("n_sentences_matched", "n_units"),
    "sentence_recall": ("n_sentences_matched", "n_gold_sentences"),
    "structure_exact": ("n_structure_exact", "n_files_loaded_or_failed"),
    "metadata": ("n_meta_matched", "n_meta"),
    "twin_theme_agreement": ("n_twin_agree", "n_twin_pairs"),
}
METRICS: list[str] = [
    "chrome_recall",
    "chrome_precision",
    "notice_recall",
    "mark_recall",
    "title_found",
    "sentence_precision",
    "sentence_recall",
    "sentence_f1",
    "structure_exact",
    "metadata",
    "twin_theme_agreement",
]
COUNTS: list[str] = [
    "n_chrome",
    "n_chrome_removed",
    "n_body_lines",
    "n_body_lines_lost",
    "n_chrome_removed_or_body_lost",
    "n_notice",
    "n_notice_removed",
    "n_marks",
    "n_marks_removed",
    "n_title",
    "n_title_found",
    "n_gold_sentences",
    "n_units",
    "n_sentences_matched",
    "n_structure_exact",
    "n_files_loaded_or_failed",
    "n_meta",
    "n_meta_matched",
    "n_twin_pairs",
    "n_twin_agree",
]
BY_FILE_COLUMNS: list[str] = (
    ["id", "kind", "split", "format", "script", "layout"]
    + METRICS
    + COUNTS
    + ["meta_missing", "load_error"]
)
BY_KIND_COLUMNS: list[str] = ["kind", "split", "n_files"] + METRICS + COUNTS

# What each column of by_file.csv / by_kind.csv holds (the report's glossary; a test
# checks that every column is here).
COLUMN_MEANINGS: dict[str, str] = {
    "id": "the source's id (by_file)",
    "kind": "page kind (`gov_portal`, `notice`, …); `all` for a split's total (by_kind)",
    "split": "`dev` or `heldout`",
    "format": "rendered format: txt, html, docx or pdf (by_file)",
    "script": "simplified or traditional (by_file)",
    "layout": "lines, hardwrap:N, oneline or oneline_spaced (by_file)",
    "n_files": "files in the group (by_kind)",
    "chrome_recall": "n_chrome_removed / n_chrome",
    "chrome_precision": "n_chrome_removed / n_chrome_removed_or_body_lost",
    "notice_recall": "n_notice_removed / n_notice",
    "mark_recall": "n_marks_removed / n_marks",
    "title_found": "n_title_found / n_title",
    "sentence_precision": "n_sentences_matched / n_units",
    "sentence_recall": "n_sentences_matched / n_gold_sentences",
    "sentence_f1": "2 · n_sentences_matched / (n_units + n_gold_sentences)",
    "structure_exact": "n_structure_exact / n_files_loaded_or_failed",
    "metadata": "n_meta_matched / n_meta",
    "twin_theme_agreement": "n_twin_agree / n_twin_pairs",
    "n_chrome": "gold chrome lines (C, N, T, PDF running headers and page numbers)",
    "n_chrome_removed": "gold chrome lines not left in the units",
    "n_body_lines": "gold body lines (H0–H3, P, R)",
    "n_body_lines_lost": "body lines any of whose gold sentences is missing from the units",
    "n_chrome_removed_or_body_lost": "n_chrome_removed + n_body_lines_lost",
    "n_notice": "gold notice-wrapper (N) lines",
    "n_notice_removed": "N lines not left in the units",
    "n_marks": "gold inline marks",
    "n_marks_removed": "inline marks not left in the units",
    "n_title": "1 when the file has a gold title (files without one are skipped)",
    "n_title_found": "1 when `regions.title_zh` equals the gold title",
    "n_gold_sentences": "gold sentences (an R table row counts as one)",
    "n_units": "units the loader produced (non-empty texts)",
    "n_sentences_matched": "multiset matches between unit texts and gold sentences",
    "n_structure_exact": "1 when every gold sentence is matched at its gold path",
    "n_files_loaded_or_failed": "1 per file (the denominator of structure_exact)",
    "n_meta": "gold `meta.*` fields",
    "n_meta_matched": "gold metadata fields reported with the same value",
    "n_twin_pairs": "aligned sentence pairs with the simplified twin (traditional files)",
    "n_twin_agree": "pairs whose units have the same primary theme",
    "meta_missing": "gold metadata fields that have no `regions` column, `;`-joined (by_file)",
    "load_error": "the loader's error when it could not read the file (by_file)",
}

_WHITESPACE = re.compile(r"[\s|]+")
_QUOTE_FOLD = str.maketrans({c: '"' for c in "“”„「」〝〞＂"} | {c: "'" for c in "‘’『』＇"})
_TITLE_BRACKETS = re.compile(r"[《》]")


def normalise_for_match(text: str) -> str:
    """``text`` as compared: NFKC, quotes folded, whitespace and ``|`` removed.

    NFKC makes full- and half-width forms equal and the loader's quote
    convention (``「」`` and ``〝〞`` become ``“”``, ``『』`` become ``‘’``) is
    a normalisation, not a change of text, so every double quote compares as
    ``"`` and every single quote as ``'``; whitespace differs with every
    layout; ``|`` and tabs separate table cells as printed, and an HTML table
    comes back with tabs.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD)
    return _WHITESPACE.sub("", folded)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def _left_in(texts: list[str], predicted: str, body: str) -> int:
    """How many of ``texts`` (gold lines the loader should remove) are left in ``predicted``."""
    left = 0
    for text, k in Counter(normalise_for_match(t) for t in texts).items():
        if not text:
            continue
        extra = predicted.count(text) - body.count(text)
        left += min(k, max(0, extra))
    return left


def _unit_path(row: pd.Series) -> tuple[int, ...]:
    return tuple(
        int(row[c]) for c in ("section_no", "item_no", "subitem_no") if pd.notna(row[c])
    )


def match_sentences(gold: Gold, units: pd.DataFrame) -> list[int | None]:
    """For each gold sentence in order, the position of its unit in ``units`` (or None).

    Gold sentences (clause label removed) and unit texts are compared
    normalised; the first unused unit with the same text is taken, in order,
    so repeated sentences pair up in document order.
    """
    free: dict[str, deque[int]] = defaultdict(deque)
    for position, text in enumerate(units["text"].astype(str)):
        free[normalise_for_match(text)].append(position)
    matched: list[int | None] = []
    for sentence in gold.sentences:
        queue = free.get(normalise_for_match(strip_clause_label(sentence.text)))
        matched.append(queue.popleft() if queue else None)
    return matched


def score_file(
    gold: Gold,
    units: pd.DataFrame,
    region: dict[str, object],
    *,
    failed: bool = False,
) -> dict[str, object]:
    """Score the loader's output for one file against its gold.

    Parameters
    ----------
    gold : Gold
        From :func:`analysis.devset.render_source`.
    units : DataFrame
        The file's units (at least ``text``, ``section_no``, ``item_no``,
        ``subitem_no``), in document order.
    region : dict
        The file's ``regions`` row (``title_zh`` and the metadata columns).
    failed : bool, default False
        The loader could not read the file: every chrome line and mark counts
        as left in, every sentence as missing.

    Returns
    -------
    dict
        The counts of :data:`COUNTS`, the metrics of :data:`METRICS` (NaN where
        the file has nothing to measure) and ``meta_missing`` (the gold
        metadata fields without a ``regions`` column, ``;``-joined).
    """
    if failed:
        units = pd.DataFrame(columns=["text", "section_no", "item_no", "subitem_no"])
        region = {}
    unit_texts = [normalise_for_match(t) for t in units["text"].astype(str)]
    predicted = "".join(unit_texts)
    gold_texts = [normalise_for_match(strip_clause_label(s.text)) for s in gold.sentences]
    body = "".join(gold_texts)

    chrome_texts = [c.text for c in gold.chrome]
    notice_texts = [c.text for c in gold.chrome if c.tag == "N"]
    mark_texts = [m.text for m in gold.marks]
    if failed:
        chrome_left, notice_left, marks_left = (
            len(chrome_texts), len(notice_texts), len(mark_texts)
        )
    else:
        chrome_left = _left_in(chrome_texts, predicted, body)
        notice_left = _left_in(notice_texts, predicted, body)
        marks_left = _left_in(mark_texts, predicted, body)
    n_chrome_removed = len(chrome_texts) - chrome_left

    lost = 0
    for _, indices in gold.body_lines:
        if any(gold_texts[i] and gold_texts[i] not in predicted for i in indices):
            lost += 1

    gold_counts = Counter(t for t in gold_texts if t)
    unit_counts = Counter(t for t in unit_texts if t)
    n_matched = sum((gold_counts & unit_counts).values())
    gold_paths = Counter(
        (t, s.path) for t, s in zip(gold_texts, gold.sentences, strict=True) if t
    )
    unit_paths = Counter(
        (t, _unit_path(row))
        for t, (_, row) in zip(unit_texts, units.iterrows(), strict=True)
        if t
    )
    structure_exact = int(not failed and not (gold_paths - unit_paths))

    n_title = int(bool(normalise_for_match(gold.title)))
    found = _TITLE_BRACKETS.sub("", normalise_for_match(str(region.get("title_zh", "") or "")))
    n_title_found = int(
        bool(n_title) and found == _TITLE_BRACKETS.sub("", normalise_for_match(gold.title))
    )

    # A field is missing when ``regions`` has no column for it at all (not just no value).
    missing = [f for f in sorted(gold.meta) if f not in schema.REGIONS]
    n_meta_matched = sum(
        1
        for f, value in gold.meta.items()
        if f in region
        and normalise_for_match(str(region[f] or "")) == normalise_for_match(value)
    )

    counts = {
        "n_chrome": len(chrome_texts),
        "n_chrome_removed": n_chrome_removed,
        "n_body_lines": len(gold.body_lines),
        "n_body_lines_lost": lost,
        "n_chrome_removed_or_body_lost": n_chrome_removed + lost,
        "n_notice": len(notice_texts),
        "n_notice_removed": len(notice_texts) - notice_left,
        "n_marks": len(mark_texts),
        "n_marks_removed": len(mark_texts) - marks_left,
        "n_title": n_title,
        "n_title_found": n_title_found,
        "n_gold_sentences": sum(gold_counts.values()),
        "n_units": sum(unit_counts.values()),
        "n_sentences_matched": n_matched,
        "n_structure_exact": structure_exact,
        "n_files_loaded_or_failed": 1,
        "n_meta": len(gold.meta),
        "n_meta_matched": n_meta_matched,
        "n_twin_pairs": 0,
        "n_twin_agree": 0,
    }
    result: dict[str, object] = dict(counts)
    result.update(metrics_of(counts))
    result["meta_missing"] = ";".join(missing)
    return result


def metrics_of(counts: dict[str, int]) -> dict[str, float]:
    """The metrics of :data:`METRICS` from summed counts (NaN where a denominator is 0)."""
    metrics = {name: _ratio(counts[num], counts[den]) for name, (num, den) in RATIOS.items()}
    # F1 = 2PR/(P+R) = 2·matched/(units + gold), which stays defined (0) when the
    # loader returned no unit at all.
    metrics["sentence_f1"] = _ratio(
        2 * counts["n_sentences_matched"], counts["n_units"] + counts["n_gold_sentences"]
    )
    return {name: metrics[name] for name in METRICS}


def twin_agreement(
    traditional: tuple[Gold, pd.DataFrame], simplified: tuple[Gold, pd.DataFrame]
) -> tuple[int, int]:
    """(pairs, agreeing pairs) of a traditional file and its simplified twin.

    Each argument is the file's gold and its units *with* a ``theme`` column
    (:func:`analysis.coding.themes.code_units`).  The i-th gold sentences of the two
    files form a pair when both are matched to a unit (:func:`match_sentences`);
    a pair agrees when the two units' primary themes are equal.
    """
    pairs = agree = 0
    t_gold, t_units = traditional
    s_gold, s_units = simplified
    # The two files may differ in length when one lost a sentence; pairs stop at the shorter.
    matched = zip(match_sentences(t_gold, t_units), match_sentences(s_gold, s_units), strict=False)
    for t_pos, s_pos in matched:
        if t_pos is None or s_pos is None:
            continue
        pairs += 1
        agree += int(t_units["theme"].iloc[t_pos] == s_units["theme"].iloc[s_pos])
    return pairs, agree


@dataclass
class _Loaded:
    source: Source
    rendered: Rendered
    units: pd.DataFrame
    region: dict[str, object]
    error: str


def region_id_of(source_id: str) -> str:
    """A manifest ``region_id`` for a source id (lower case, ``_`` for anything else)."""
    return "d_" + re.sub(r"[^a-z0-9_]", "_", source_id.lower())


def load_rendered(
    rendered: Rendered, *, raw_dir: Path, source_id: str
) -> tuple[pd.DataFrame, dict[str, object], str]:
    """Write a rendered file into ``raw_dir`` and load it with the real loader.

    Returns ``(units, region, error)``: the units and ``regions`` row, or an
    empty table, ``{}`` and the error message when the loader refuses or
    fails on the file.
    """
    from analysis.corpus.load import load_plan

    (raw_dir / rendered.file_name).write_bytes(rendered.data)
    row = {column: "" for column in schema.MANIFEST}
    row.update(region_id=region_id_of(source_id), file=rendered.file_name, name_zh=source_id)
    try:
        region, result = load_plan((row, raw_dir, True))
    # A loader failure on one file is a measurement (the file scores zero), not
    # a reason to stop measuring the others; its message goes to by_file.csv.
    except Exception as error:  # noqa: BLE001
        message = f"{type(error).__name__}: {error}".replace("\n", " ")
        return pd.DataFrame(columns=["text", "section_no", "item_no", "subitem_no"]), {}, message
    return result.units, region, ""


def evaluate_sources(
    sources_dir: Path = DEFAULT_SOURCES,
    *,
    split: str = "all",
    font_path: Path | None = None,
    show_progress: bool = True,
) -> pd.DataFrame:
    """Render, load and score every source of ``split`` under ``sources_dir``.

    Parameters
    ----------
    sources_dir : Path, default ``data/loader_devset/sources``
    split : {"all", "dev", "heldout"}, default "all"
    font_path : Path, optional
        TrueType CJK font for PDF sources (default: see
        :func:`analysis.devset.render_source`).
    show_progress : bool, default True
        A tqdm bar over the files.

    Returns
    -------
    DataFrame
        One row per file, columns :data:`BY_FILE_COLUMNS`, sorted by split and id.
    """
    if split not in SPLIT_CHOICES:
        raise ValueError(f"split {split!r}; allowed values are {', '.join(SPLIT_CHOICES)}")
    from analysis.coding.themes import code_units

    everything = {s.id: s for s in read_sources(sources_dir)}
    chosen = [s for s in everything.values() if split == "all" or s.split == split]
    # A traditional file's twin is loaded too, whatever its split (only its units are used).
    needed = sorted(
        {s.id for s in chosen} | {s.twin for s in chosen if s.twin},
        key=lambda i: (everything[i].split, i),
    )
    loaded: dict[str, _Loaded] = {}
    with tempfile.TemporaryDirectory(prefix="evaluate-loader-") as tmp:
        raw_dir = Path(tmp)
        for source_id in tqdm(needed, desc="evaluating loader", disable=not show_progress):
            source = everything[source_id]
            rendered = render_source(source, font_path=font_path)
            units, region, error = load_rendered(rendered, raw_dir=raw_dir, source_id=source_id)
            loaded[source_id] = _Loaded(source, rendered, units, region, error)

    rows = []
    for source in sorted(chosen, key=lambda s: (s.split, s.id)):
        item = loaded[source.id]
        row: dict[str, object] = {
            "id": source.id,
            "kind": source.kind,
            "split": source.split,
            "format": source.format,
            "script": source.script,
            "layout": source.layout,
        }
        row.update(
            score_file(item.rendered.gold, item.units, item.region, failed=bool(item.error))
        )
        if source.twin:
            twin = loaded[source.twin]
            pairs = agree = 0
            if item.error or twin.error:
                pairs = len(item.rendered.gold.sentences)  # nothing loaded: nothing agrees
            else:
                pairs, agree = twin_agreement(
                    (item.rendered.gold, code_units(item.units)),
                    (twin.rendered.gold, code_units(twin.units)),
                )
            row.update(n_twin_pairs=pairs, n_twin_agree=agree)
            row["twin_theme_agreement"] = _ratio(agree, pairs)
        row["load_error"] = item.error
        rows.append(row)
    return pd.DataFrame(rows, columns=BY_FILE_COLUMNS)


def aggregate(by_file: pd.DataFrame, *, keys: list[str]) -> pd.DataFrame:
    """Micro-averaged metrics per group of ``keys`` (counts summed, then :func:`metrics_of`)."""
    rows = []
    for values, group in by_file.groupby(keys, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        counts = {c: int(group[c].sum()) for c in COUNTS}
        row: dict[str, object] = dict(zip(keys, values, strict=True))
        row["n_files"] = len(group)
        row.update(metrics_of(counts))
        row.update(counts)
        rows.append(row)
    return pd.DataFrame(rows)


def overall_metrics(by_file: pd.DataFrame) -> dict[str, float]:
    """The metrics of :data:`METRICS` micro-averaged over every row of ``by_file``."""
    return metrics_of({c: int(by_file[c].sum()) for c in COUNTS})


def by_kind_table(by_file: pd.DataFrame) -> pd.DataFrame:
    """Kind × split micro-averages, then one ``all`` row per split (:data:`BY_KIND_COLUMNS`)."""
    if by_file.empty:
        return pd.DataFrame(columns=BY_KIND_COLUMNS)
    per_kind = aggregate(by_file, keys=["kind", "split"])
    overall = aggregate(by_file, keys=["split"]).assign(kind="all")
    table = pd.concat([per_kind, overall], ignore_index=True)
    table["_all"] = table["kind"] == "all"
    table = table.sort_values(["split", "_all", "kind"], kind="stable").drop(columns="_all")
    return table.loc[:, BY_KIND_COLUMNS].reset_index(drop=True)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def _markdown_table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return lines


def report_markdown(by_file: pd.DataFrame, by_kind: pd.DataFrame) -> str:
    """``docs/loader_evaluation.md``: the metrics explained, both splits, thresholds, numbers."""
    overall = by_kind[by_kind["kind"] == "all"].set_index("split")
    lines = [
        "# Loader evaluation on the development set",
        "",
        "Written by `python -m analysis evaluate-loader` (do not edit by hand). Every",
        "source of `data/loader_devset/sources/` is rendered to the file a loader sees",
        "(`analysis/devset.py`), loaded with the real loader as `python -m analysis add`",
        "and `build` would (`analysis.corpus.load.load_plan`), and scored against its",
        "gold. Per-file numbers: `docs/loader_evaluation/by_file.csv`; per kind and",
        "split: `docs/loader_evaluation/by_kind.csv`.",
        "",
        "The held-out split is never used to write or tune a loader rule: read only its",
        "aggregate numbers.",
        "",
        "## Metrics",
        "",
        "Texts are compared normalised: NFKC, every double quote as `\"` and single",
        "quote as `'` (the loader turns 「」 into “”), whitespace and the table-cell",
        "separator `|` removed. Aggregates are micro-averages (numerators and denominators",
        "summed over files). A file the loader cannot read scores zero: its chrome",
        "and marks count as left in, its sentences as missing.",
        "",
        "| metric | meaning |",
        "|---|---|",
        "| chrome_recall | share of gold chrome lines (C, N, T; a PDF's running headers "
        "and `— N —` page numbers) left out of the units. A line counts as left in when "
        "its text occurs in the concatenated unit texts more often than in the "
        "concatenated gold sentences |",
        "| chrome_precision | removed chrome lines / (removed chrome lines + gold body "
        "lines (H, P, R) any of whose sentences is missing from the unit texts) |",
        "| notice_recall | chrome recall of the notice-wrapper (N) lines |",
        "| mark_recall | share of inline marks ({{wm}}, {{x}}, {{page}}, {{chunk}}) "
        "left out, counted like chrome lines |",
        "| title_found | share of files whose `regions.title_zh` equals the gold title "
        "(《》 removed); files without a title are skipped |",
        "| sentence_precision / _recall / _f1 | multiset match of all unit texts against "
        "the gold sentences (clause label such as 目标任务： removed; a table row is one "
        "unit) |",
        "| structure_exact | share of files whose every gold sentence is matched by a unit "
        "with the same path (section_no, item_no, subitem_no = the H1–H3 numbers) |",
        "| metadata | share of gold `meta.*` fields reported with the same value in the "
        "`regions` column of that name; fields without a column count as missing |",
        "| twin_theme_agreement | traditional-script files: share of sentence pairs "
        "(i-th gold sentence of the file and of its simplified twin, both matched) whose "
        "primary theme (`analysis.coding.themes.code_units`) agrees |",
        "",
        "## Both splits",
        "",
    ]
    splits = [s for s in SPLITS if s in overall.index]
    table = ["| metric | threshold (held-out) | " + " | ".join(splits) + " |",
             "|---|---|" + "---|" * len(splits)]
    for metric in METRICS:
        threshold = THRESHOLDS.get(metric)
        cells = []
        for split in splits:
            value = overall.loc[split, metric]
            mark = ""
            if split == "heldout" and threshold is not None and not math.isnan(value):
                mark = " ✓" if value >= threshold else " ✗"
            cells.append(_fmt(value) + mark)
        table.append(
            f"| {metric} | {'' if threshold is None else f'≥ {threshold:.2f}'} | "
            + " | ".join(cells)
            + " |"
        )
    table.append("| files | | " + " | ".join(str(int(overall.loc[s, "n_files"])) for s in splits)
                 + " |")
    lines += table
    missing = sorted({f for v in by_file["meta_missing"] if v for f in str(v).split(";")})
    failed = by_file[by_file["load_error"] != ""]
    lines += ["", "## Per kind", ""]
    lines += _markdown_table(
        by_kind.loc[:, ["kind", "split", "n_files", "chrome_recall", "chrome_precision",
                        "title_found", "sentence_f1", "structure_exact", "metadata"]]
    )
    lines += ["", "## Per format and layout", ""]
    # hardwrap:18 and hardwrap:40 are one layout family.
    families = by_file.assign(layout=by_file["layout"].str.replace(r":\d+$", "", regex=True))
    for key in ("format", "layout"):
        lines += _markdown_table(
            aggregate(families, keys=[key, "split"]).loc[
                :, [key, "split", "n_files", "chrome_recall", "chrome_precision", "title_found",
                    "sentence_f1", "structure_exact"]
            ]
        )
        lines.append("")
    lines += [
        "## Per file (development split)",
        "",
        "Held-out files are listed only in `by_file.csv`, so that nobody reads them",
        "while changing a rule.",
        "",
    ]
    dev = by_file[by_file["split"] == "dev"]
    lines += _markdown_table(
        dev.loc[:, ["id", "kind", "format", "layout", "chrome_recall", "chrome_precision",
                    "title_found", "sentence_f1", "structure_exact", "metadata"]]
    )
    lines += ["", "## Notes", ""]
    if missing:
        lines.append(
            "Gold metadata fields without a `regions` column (counted as missing): "
            + ", ".join(f"`{f}`" for f in missing) + "."
        )
    if len(failed):
        if missing:
            lines.append("")
        lines.append("Files the loader could not read (scored zero):")
        lines.append("")
        lines += [
            f"* `{r.id}` ({r.format}): {r.load_error}"
            for r in failed.itertuples()
            if r.split == "dev"
        ]
        by_format = failed[failed["split"] == "heldout"].groupby("format").size()
        lines += [f"* held-out: {n} {fmt} file(s)" for fmt, n in by_format.items()]
    if not missing and not len(failed):
        lines.append("None.")
    lines += ["", "## Columns of the CSV files", "", "| column | meaning |", "|---|---|"]
    lines += [f"| `{c}` | {COLUMN_MEANINGS[c]} |" for c in COLUMN_MEANINGS]
    return "\n".join(lines) + "\n"


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.4f", lineterminator="\n")


def write_evaluation(by_file: pd.DataFrame, *, out_dir: Path) -> list[Path]:
    """Write ``loader_evaluation.md`` and ``loader_evaluation/by_*.csv`` in ``out_dir``."""
    by_kind = by_kind_table(by_file)
    folder = Path(out_dir) / "loader_evaluation"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "by_file.csv", folder / "by_kind.csv", Path(out_dir) / "loader_evaluation.md"]
    paths[0].write_text(_csv(by_file), encoding="utf-8")
    paths[1].write_text(_csv(by_kind), encoding="utf-8")
    paths[2].write_text(report_markdown(by_file, by_kind), encoding="utf-8")
    return paths


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``python -m analysis evaluate-loader``."""
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES,
                        help="sources folder with dev/ and heldout/ "
                        "(default: data/loader_devset/sources)")
    parser.add_argument("--split", choices=SPLIT_CHOICES, default="all",
                        help="which split to evaluate (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for loader_evaluation.md and loader_evaluation/ "
                        "(default: docs/)")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the evaluation for parsed arguments; print the overall numbers."""
    try:
        by_file = evaluate_sources(args.sources, split=args.split)
    except DevsetError as error:
        # A source that breaks the markup is the devset author's to fix: no traceback.
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in write_evaluation(by_file, out_dir=args.out):
        print(path)
    overall = by_kind_table(by_file)
    overall = overall[overall["kind"] == "all"]
    print(overall.loc[:, ["split", "n_files"] + METRICS].to_string(index=False))
    return 0
