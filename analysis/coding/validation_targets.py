"""Precision and recall of the target extractor against a hand-annotated list.

The gold list (``data/validation/targets_gold.csv``) names every target in
whole plans by its exact text (``span``) and value, annotated from the raw
files before the extractor was run on them (``docs/annotation_targets.md``).

Matching rule
-------------
1. Each gold span is located in the units of its region.  Text is compared in
   a *key* form: Unicode NFKC (full-width → half-width), all punctuation and
   whitespace removed, so the spans need not copy the normaliser's
   punctuation.  The first unit (in document order) whose key contains the
   span's key, not already claimed by an identical earlier gold span, gives
   the gold target's ``unit_id`` and character interval.  If no unit contains
   it (a spinner repair changed a word), the unit with the highest
   ``difflib`` similarity that contains the span's numeral is used when the
   similarity is at least 0.6; otherwise the gold target stays unlocated and
   counts as missed.
2. A predicted target matches a gold target when both are in the same unit,
   their character intervals overlap, and their values are equal (relative
   difference below 1e-9).  Matching is one-to-one, gold targets taken in
   document order, each matched to the first overlapping unmatched prediction.
3. precision = matched / predicted and recall = matched / gold, counted over
   the regions that have gold annotations only.

Reference: Manning, Raghavan & Schütze (2008), *Introduction to Information
Retrieval*, ch. 8 (precision, recall, F1).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

import pandas as pd

from analysis import config, schema

__all__ = [
    "locate_gold", "match_targets", "read_oos_sample", "read_targets_gold",
    "run_target_validation", "SPLITS", "TARGETS_GOLD_PATH", "TARGETS_OOS_GOLD_PATH",
    "TARGETS_OOS_SAMPLE_PATH", "validate_targets", "VALIDATION_DIR",
]

VALIDATION_DIR: Path = config.DATA_DIR / "validation"
TARGETS_GOLD_PATH: Path = VALIDATION_DIR / "targets_gold.csv"
TARGETS_OOS_SAMPLE_PATH: Path = VALIDATION_DIR / "targets_oos_sample.csv"
TARGETS_OOS_GOLD_PATH: Path = VALIDATION_DIR / "targets_oos_gold.csv"
SPLITS: tuple[str, ...] = ("dev", "heldout")

_PUNCT = re.compile(r"[\s\W_]+", flags=re.UNICODE)
_NUMERAL = re.compile(r"\d+(?:\.\d+)?%?|[一二两三四五六七八九十百千万]+")


def read_targets_gold(path: Path | str = TARGETS_GOLD_PATH) -> pd.DataFrame:
    """Read a gold target list (columns ``schema.TARGETS_GOLD``).

    Checks the columns, that ``split`` is dev or heldout, that every value
    parses as a number and that each region has one split.
    """
    gold = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
    missing = [c for c in schema.TARGETS_GOLD if c not in gold.columns]
    if missing:
        raise ValueError(f"{path} is missing columns {missing}; expected {schema.TARGETS_GOLD}")
    bad = gold.index[~gold["split"].isin(SPLITS)].tolist()
    if bad:
        raise ValueError(f"{path}: split must be one of {list(SPLITS)} (rows {bad})")
    values = pd.to_numeric(gold["value"], errors="coerce")
    bad = gold.index[values.isna()].tolist()
    if bad:
        raise ValueError(f"{path}: value is not a number in rows {bad}")
    gold["value"] = values.astype("float64")
    mixed = gold.groupby("region_id")["split"].nunique()
    if (mixed > 1).any():
        raise ValueError(f"{path}: regions {mixed[mixed > 1].index.tolist()} have two splits")
    return gold.loc[:, schema.TARGETS_GOLD]


def read_oos_sample(path: Path | str = TARGETS_OOS_SAMPLE_PATH) -> pd.DataFrame:
    """Read the out-of-sample sentences (``schema.TARGETS_OOS_SAMPLE``)."""
    sample = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
    missing = [c for c in schema.TARGETS_OOS_SAMPLE if c not in sample.columns]
    if missing:
        raise ValueError(f"{path} is missing columns {missing}")
    return sample.loc[:, schema.TARGETS_OOS_SAMPLE]


def _key(text: str) -> tuple[str, list[int]]:
    """NFKC text without punctuation/whitespace, and each key char's source offset."""
    chars, index = [], []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch)
        for c in folded:
            if c == "%" or not _PUNCT.fullmatch(c):
                chars.append(c)
                index.append(i)
    return "".join(chars), index


def locate_gold(gold: pd.DataFrame, units: pd.DataFrame, *, min_similarity: float = 0.6
                ) -> pd.DataFrame:
    """Place each gold span in the units: adds ``unit_id``, ``start``, ``end``, ``located``.

    ``located`` is ``"exact"``, ``"fuzzy"`` (similarity ≥ ``min_similarity``
    around the same numeral) or ``"no"``; see the module docstring.
    """
    if not 0 < min_similarity <= 1:
        raise ValueError(f"min_similarity must be in (0, 1], got {min_similarity}")
    keyed = {}
    for region, group in units.groupby("region_id", sort=False):
        keyed[region] = [(row.unit_id, row.text, *_key(row.text))
                         for row in group.itertuples(index=False) if isinstance(row.text, str)]
    claimed: set[tuple[str, int]] = set()
    out = []
    for row in gold.itertuples(index=False):
        rec = {"unit_id": "", "start": -1, "end": -1, "located": "no"}
        span_key, _ = _key(row.span)
        for unit_id, _text, key, index in keyed.get(row.region_id, []):
            pos = key.find(span_key)
            while pos >= 0 and (unit_id, pos) in claimed:
                pos = key.find(span_key, pos + 1)
            if pos >= 0 and span_key:
                claimed.add((unit_id, pos))
                rec = {"unit_id": unit_id, "start": index[pos],
                       "end": index[pos + len(span_key) - 1] + 1, "located": "exact"}
                break
        if rec["located"] == "no":
            rec = _fuzzy(row.span, keyed.get(row.region_id, []), min_similarity) or rec
        out.append(rec)
    located = pd.DataFrame(out, index=gold.index)
    return pd.concat([gold, located], axis=1)


def _fuzzy(span: str, units: list, min_similarity: float) -> dict | None:
    """Best unit window aligned on the span's longest numeral, if similar enough."""
    span = unicodedata.normalize("NFKC", span)
    numerals = _NUMERAL.findall(span)
    if not numerals:
        return None
    anchor = max(numerals, key=len)
    offset = span.find(anchor)
    best = None
    for unit_id, text, _key_text, _index in units:
        norm = unicodedata.normalize("NFKC", text)
        for m in re.finditer(re.escape(anchor), norm):
            lo = max(0, m.start() - offset)
            window = norm[lo: lo + len(span)]
            ratio = difflib.SequenceMatcher(None, span, window, autojunk=False).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, unit_id, lo, lo + len(window))
    if best is None or best[0] < min_similarity:
        return None
    return {"unit_id": best[1], "start": best[2], "end": best[3], "located": "fuzzy"}


def match_targets(predicted: pd.DataFrame, gold: pd.DataFrame, units: pd.DataFrame, *,
                  regions: list[str] | None = None,
                  splits: dict[str, str] | None = None) -> pd.DataFrame:
    """Pair predicted with gold targets; one row per gold or predicted target.

    Parameters
    ----------
    predicted : DataFrame
        :func:`analysis.coding.targets.extract_targets` output (``schema.TARGETS``).
    gold : DataFrame
        :func:`read_targets_gold` output.
    units : DataFrame
        The units the predictions were made on (to locate gold spans).
    regions : list of str, optional
        The regions whose every target was annotated (scored even when they
        have no gold target, so their predictions count as spurious); default
        the regions in ``gold``.
    splits : dict, optional
        region_id → split name; default the gold list's ``split`` column
        (a scored region without gold targets then needs an entry).

    Returns
    -------
    DataFrame
        Columns ``schema.TARGET_MATCHES``; ``status`` is ``"matched"``,
        ``"missed"`` (gold only) or ``"spurious"`` (prediction only).  Only
        ``regions`` are scored.
    """
    needed = {"region_id", "unit_id", "start", "end", "value", "span", "unit"}
    missing = sorted(needed - set(predicted.columns))
    if missing:
        raise ValueError(f"predicted is missing columns {missing}; required {sorted(needed)}")
    in_gold = list(dict.fromkeys(gold["region_id"]))
    regions = in_gold if regions is None else list(regions)
    stray = [r for r in in_gold if r not in regions]
    if stray:
        raise ValueError(f"gold has regions {stray} that are not in regions={regions}")
    if splits is None:
        splits = dict(zip(gold["region_id"], gold["split"], strict=True)) \
            if "split" in gold.columns else {r: "all" for r in regions}
    unknown = [r for r in regions if r not in splits]
    if unknown:
        raise ValueError(f"splits does not name regions {unknown}; it names {sorted(splits)}")
    placed = locate_gold(gold, units)
    preds = predicted[predicted["region_id"].isin(regions)].reset_index(drop=True)
    used = [False] * len(preds)
    rows = []
    for g in placed.itertuples(index=False):
        hit = None
        if g.located != "no":
            for i, p in enumerate(preds.itertuples(index=False)):
                if used[i] or p.unit_id != g.unit_id:
                    continue
                if p.start < g.end and g.start < p.end and _same(p.value, g.value):
                    hit = i
                    break
        base = {"split": splits[g.region_id], "region_id": g.region_id, "unit_id": g.unit_id,
                "gold_span": g.span, "gold_value": float(g.value), "gold_unit": g.unit,
                "start": int(g.start), "end": int(g.end)}
        if hit is None:
            rows.append({**base, "status": "missed", "pred_span": "", "pred_value": float("nan"),
                         "pred_unit": ""})
        else:
            used[hit] = True
            p = preds.iloc[hit]
            rows.append({**base, "status": "matched", "pred_span": p["span"],
                         "pred_value": float(p["value"]), "pred_unit": p["unit"]})
    for i, p in enumerate(preds.itertuples(index=False)):
        if not used[i]:
            rows.append({"split": splits[p.region_id], "region_id": p.region_id,
                         "unit_id": p.unit_id, "status": "spurious", "gold_span": "",
                         "pred_span": p.span, "gold_value": float("nan"),
                         "pred_value": float(p.value), "gold_unit": "", "pred_unit": p.unit,
                         "start": int(p.start), "end": int(p.end)})
    out = pd.DataFrame(rows, columns=schema.TARGET_MATCHES)
    order = {r: k for k, r in enumerate(regions)}
    out["_r"] = out["region_id"].map(order)
    out = out.sort_values(["_r", "unit_id", "start", "status"], kind="stable").drop(columns="_r")
    return out.reset_index(drop=True)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def validate_targets(matches: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per split and region, plus an ``"all"`` row per split.

    Takes :func:`match_targets` output; returns columns ``schema.TARGET_VALIDATION``.
    A ratio with a zero denominator is NaN.
    """
    missing = [c for c in ("split", "region_id", "status") if c not in matches.columns]
    if missing:
        raise ValueError(f"matches is missing columns {missing}")
    rows = []
    for split, group in matches.groupby("split", sort=False):
        for region, sub in [*group.groupby("region_id", sort=False), ("all", group)]:
            n_match = int((sub["status"] == "matched").sum())
            n_gold = n_match + int((sub["status"] == "missed").sum())
            n_pred = n_match + int((sub["status"] == "spurious").sum())
            p = n_match / n_pred if n_pred else float("nan")
            r = n_match / n_gold if n_gold else float("nan")
            f = 2 * p * r / (p + r) if n_pred and n_gold and (p + r) else float("nan")
            rows.append({"split": split, "region_id": region, "n_gold": n_gold, "n_pred": n_pred,
                         "n_matched": n_match, "precision": p, "recall": r, "f1": f})
    return pd.DataFrame(rows, columns=schema.TARGET_VALIDATION)


def run_target_validation(units: pd.DataFrame, *,
                          gold_path: Path | str = TARGETS_GOLD_PATH,
                          oos_sample_path: Path | str = TARGETS_OOS_SAMPLE_PATH,
                          oos_gold_path: Path | str = TARGETS_OOS_GOLD_PATH
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Extract targets and score them against both gold lists.

    The plans (``units``, regions in ``targets_gold.csv``) give the splits
    ``plans_dev`` and ``plans_heldout``; the out-of-sample government
    work-report sentences give ``reports_dev`` and ``reports_heldout``.  Only
    the dev splits were used to tune ``analysis/data/targets.yml``.

    Returns
    -------
    (matches, validation)
        :func:`match_targets` rows (``schema.TARGET_MATCHES``) and
        :func:`validate_targets` scores (``schema.TARGET_VALIDATION``).
    """
    from analysis.coding.targets import extract_targets  # the extractor under test

    gold = read_targets_gold(gold_path)
    plan_units = units[units["region_id"].isin(gold["region_id"])]
    plan_matches = match_targets(extract_targets(plan_units), gold, plan_units)
    plan_matches["split"] = "plans_" + plan_matches["split"]
    sample = read_oos_sample(oos_sample_path)
    oos_units = pd.DataFrame({"region_id": sample["sentence_id"], "unit_id": sample["sentence_id"],
                              "part": "report", "text": sample["text"]})
    oos_gold = read_targets_gold(oos_gold_path)
    oos_matches = match_targets(extract_targets(oos_units), oos_gold, oos_units,
                                regions=list(sample["sentence_id"]),
                                splits=dict(zip(sample["sentence_id"], sample["half"],
                                                strict=True)))
    oos_matches["split"] = "reports_" + oos_matches["split"]
    matches = pd.concat([plan_matches, oos_matches], ignore_index=True)
    scores = validate_targets(matches)
    # the per-sentence rows of the report sample say nothing; keep its totals
    keep = scores["split"].str.startswith("plans_") | (scores["region_id"] == "all")
    return matches, scores[keep].reset_index(drop=True)

