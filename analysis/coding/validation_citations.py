"""Precision and recall of the citation extractor against a hand-annotated list.

The gold list (``data/validation/citations_gold.csv``) names every cited
document in whole plans by its title as written in its sentence, with the
marks it carries (``brackets``, ``quotes``, ``bare_title``), annotated from the
units before the extractor was changed (``docs/annotation_citations.md``).

Matching rule
-------------
1. Each gold title is located in its unit: the first occurrence of its text
   not claimed by an earlier gold row of the same unit gives its character
   interval.  A title not found in its unit stays unlocated and counts as
   missed.
2. A predicted citation (:func:`analysis.coding.citations.extract_citations`,
   ``start``/``end`` of the title without its marks) matches a gold mention
   in the same unit whose interval it overlaps.  Matching is one-to-one, gold
   mentions in file order, each matched to the first overlapping unmatched
   prediction.
3. precision = matched / predicted and recall = matched / gold, over the
   regions that have gold annotations (every sentence of those plans is
   scored, so a prediction where the annotator found nothing is spurious).

Reference: Manning, Raghavan & Schütze (2008), *Introduction to Information
Retrieval*, ch. 8 (precision, recall, F1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import config, schema

__all__ = [
    "CITATIONS_GOLD_PATH", "locate_citation_gold", "match_citations", "read_citations_gold",
    "run_citation_validation", "SPLITS", "validate_citations", "VALIDATION_DIR",
]

VALIDATION_DIR: Path = config.DATA_DIR / "validation"
CITATIONS_GOLD_PATH: Path = VALIDATION_DIR / "citations_gold.csv"
SPLITS: tuple[str, ...] = ("dev", "heldout")


def read_citations_gold(path: Path | str = CITATIONS_GOLD_PATH) -> pd.DataFrame:
    """Read a gold citation list (columns ``schema.CITATIONS_GOLD``).

    Checks the columns, that ``split`` is dev or heldout, ``marks`` one of
    ``schema.CITATION_DETECTIONS``, ``role`` one of ``schema.CITATION_ROLES``,
    that titles are not empty and that each region has one split.
    """
    gold = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
    missing = [c for c in schema.CITATIONS_GOLD if c not in gold.columns]
    if missing:
        raise ValueError(f"{path} is missing columns {missing}; expected {schema.CITATIONS_GOLD}")
    for column, allowed in (("split", SPLITS), ("marks", schema.CITATION_DETECTIONS),
                            ("role", schema.CITATION_ROLES)):
        bad = gold.index[~gold[column].isin(allowed)].tolist()
        if bad:
            raise ValueError(f"{path}: {column} must be one of {list(allowed)} (rows {bad})")
    empty = gold.index[gold["title"].str.strip() == ""].tolist()
    if empty:
        raise ValueError(f"{path}: empty title in rows {empty}")
    mixed = gold.groupby("region_id")["split"].nunique()
    if (mixed > 1).any():
        raise ValueError(f"{path}: regions {mixed[mixed > 1].index.tolist()} have two splits")
    return gold.loc[:, schema.CITATIONS_GOLD]


def locate_citation_gold(gold: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Place each gold title in its unit: adds ``start`` and ``end`` (-1 if not found)."""
    texts = dict(zip(units["unit_id"], units["text"], strict=True))
    claimed: set[tuple[str, int]] = set()
    starts, ends = [], []
    for row in gold.itertuples(index=False):
        text = texts.get(row.unit_id)
        pos = text.find(row.title) if isinstance(text, str) else -1
        while pos >= 0 and (row.unit_id, pos) in claimed:
            pos = text.find(row.title, pos + 1)
        if pos >= 0:
            claimed.add((row.unit_id, pos))
        starts.append(pos)
        ends.append(pos + len(row.title) if pos >= 0 else -1)
    return gold.assign(start=starts, end=ends)


def match_citations(predicted: pd.DataFrame, gold: pd.DataFrame, units: pd.DataFrame
                    ) -> pd.DataFrame:
    """Pair predicted with gold citations; one row per gold or predicted citation.

    Parameters
    ----------
    predicted : DataFrame
        :func:`analysis.coding.citations.extract_citations` output (``schema.CITATIONS``).
    gold : DataFrame
        :func:`read_citations_gold` output.
    units : DataFrame
        The units the predictions were made on (``unit_id``, ``text``).

    Returns
    -------
    DataFrame
        ``schema.CITATION_MATCHES``; ``status`` is ``"matched"``, ``"missed"``
        (gold only) or ``"spurious"`` (prediction only); ``marks`` is the gold
        mention's, ``detection`` the prediction's; ``start``/``end`` are the
        gold interval (the prediction's for spurious rows).  Only regions in
        ``gold`` are scored.  Sorted by region (gold order), unit, start.
    """
    needed = {"region_id", "unit_id", "title", "detection", "start", "end"}
    missing = sorted(needed - set(predicted.columns))
    if missing:
        raise ValueError(f"predicted is missing columns {missing}; required {sorted(needed)}")
    regions = list(dict.fromkeys(gold["region_id"]))
    splits = dict(zip(gold["region_id"], gold["split"], strict=False))
    placed = locate_citation_gold(gold, units)
    preds = predicted[predicted["region_id"].isin(regions)].reset_index(drop=True)
    used = [False] * len(preds)
    rows = []
    for g in placed.itertuples(index=False):
        hit = None
        if g.start >= 0:
            for i, p in enumerate(preds.itertuples(index=False)):
                if not used[i] and p.unit_id == g.unit_id and p.start < g.end and g.start < p.end:
                    hit = i
                    break
        base = {"split": g.split, "region_id": g.region_id, "unit_id": g.unit_id,
                "gold_title": g.title, "marks": g.marks, "start": int(g.start), "end": int(g.end)}
        if hit is None:
            rows.append({**base, "status": "missed", "pred_title": "", "detection": ""})
        else:
            used[hit] = True
            p = preds.iloc[hit]
            rows.append({**base, "status": "matched", "pred_title": p["title"],
                         "detection": p["detection"]})
    for i, p in enumerate(preds.itertuples(index=False)):
        if not used[i]:
            rows.append({"split": splits[p.region_id], "region_id": p.region_id,
                         "unit_id": p.unit_id, "status": "spurious", "gold_title": "",
                         "pred_title": p.title, "marks": "", "detection": p.detection,
                         "start": int(p.start), "end": int(p.end)})
    out = pd.DataFrame(rows, columns=schema.CITATION_MATCHES)
    order = {r: k for k, r in enumerate(regions)}
    out["_r"] = out["region_id"].map(order)
    out = out.sort_values(["_r", "unit_id", "start", "status"], kind="stable").drop(columns="_r")
    return out.reset_index(drop=True)


def _scores(n_gold: int, n_pred: int, hit_gold: int, hit_pred: int) -> dict:
    p = hit_pred / n_pred if n_pred else float("nan")
    r = hit_gold / n_gold if n_gold else float("nan")
    f = 2 * p * r / (p + r) if n_pred and n_gold and (p + r) else float("nan")
    return {"n_gold": n_gold, "n_pred": n_pred, "n_matched": hit_gold,
            "precision": p, "recall": r, "f1": f}


def validate_citations(matches: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per split and plan, plus totals per split and kind of mark.

    Takes :func:`match_citations` output; returns ``schema.CITATION_VALIDATION``.
    Rows with ``marks == "all"`` count every mention: one per plan and an
    ``"all"`` plan per split.  Rows with ``marks`` one of
    ``schema.CITATION_DETECTIONS`` (plan ``"all"``) take the gold mentions with
    those marks for recall and the predictions of that detection for
    precision, so they say how each way of finding a title fares.  A ratio
    with a zero denominator is NaN.
    """
    missing = [c for c in ("split", "region_id", "status", "marks", "detection")
               if c not in matches.columns]
    if missing:
        raise ValueError(f"matches is missing columns {missing}")
    rows = []
    for split, group in matches.groupby("split", sort=False):
        for region, sub in [*group.groupby("region_id", sort=False), ("all", group)]:
            hit = int((sub["status"] == "matched").sum())
            n_gold = hit + int((sub["status"] == "missed").sum())
            n_pred = hit + int((sub["status"] == "spurious").sum())
            rows.append({"split": split, "region_id": region, "marks": "all",
                         **_scores(n_gold, n_pred, hit, hit)})
        for kind in schema.CITATION_DETECTIONS:
            gold_k = group[(group["marks"] == kind) & (group["status"] != "spurious")]
            pred_k = group[(group["detection"] == kind) & (group["status"] != "missed")]
            rows.append({"split": split, "region_id": "all", "marks": kind,
                         **_scores(len(gold_k), len(pred_k),
                                   int((gold_k["status"] == "matched").sum()),
                                   int((pred_k["status"] == "matched").sum()))})
    return pd.DataFrame(rows, columns=schema.CITATION_VALIDATION)


def run_citation_validation(units: pd.DataFrame, *,
                            gold_path: Path | str = CITATIONS_GOLD_PATH
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Extract citations from the annotated plans and score them.

    Only the ``dev`` plans were used to tune the citation rules
    (``analysis/data/citation_levels.yml``, ``citation_titles.yml``).

    Returns
    -------
    (matches, validation)
        :func:`match_citations` rows (``schema.CITATION_MATCHES``) and
        :func:`validate_citations` scores (``schema.CITATION_VALIDATION``).
    """
    from analysis.coding.citations import extract_citations  # the extractor under test

    gold = read_citations_gold(gold_path)
    plan_units = units[units["region_id"].isin(gold["region_id"])]
    matches = match_citations(extract_citations(plan_units), gold, plan_units)
    return matches, validate_citations(matches)
