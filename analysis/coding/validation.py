"""Validating the theme coding against a hand-coded sample.

The validation design is documented in ``docs/coding_protocol_themes.md``:
:func:`draw_validation_sample` draws a stratified random sample of units with a
fixed seed and splits it at random into a ``dev`` half (the only half the
codebook may be tuned on) and a ``heldout`` half; a human codes every sampled
unit against the codebook (``data/validation/theme_gold.csv``, read with
:func:`read_gold`); :func:`validate_themes` and :func:`confusion_table` compare
:func:`analysis.coding.themes.code_units` with that hand coding.

Agreement statistics are computed here, not borrowed: Cohen's kappa
(Cohen, 1960) and macro-averaged F1 over the labels that occur in either the
gold or the predicted codes (the convention of scikit-learn's ``f1_score`` with
``average="macro"``); the tests cross-check both against scikit-learn.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational
and Psychological Measurement*, 20(1), 37-46.  Sokolova, M., & Lapalme, G.
(2009). A systematic analysis of performance measures for classification
tasks. *Information Processing & Management*, 45(4), 427-437.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config, schema
from analysis.coding.themes import UNASSIGNED, Codebook, load_codebook

__all__ = [
    "accuracy", "align_gold", "cohen_kappa", "confusion_table", "draw_validation_sample",
    "GOLD_PATH", "HALF_CHOICES", "HALVES", "label_scores", "LEVELS", "macro_f1", "read_gold",
    "SAMPLE_PATH", "validate_themes", "VALIDATION_DIR",
]

VALIDATION_DIR: Path = config.DATA_DIR / "validation"
SAMPLE_PATH: Path = VALIDATION_DIR / "theme_sample.csv"
GOLD_PATH: Path = VALIDATION_DIR / "theme_gold.csv"

HALVES: tuple[str, ...] = ("dev", "heldout")
#: ``half`` arguments: one half, both halves pooled ("all"), or each and the pool.
HALF_CHOICES: tuple[str, ...] = ("dev", "heldout", "all", "each")
LEVELS: tuple[str, ...] = ("theme", "domain")


# ----------------------------------------------------------------------------- statistics


def cohen_kappa(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Cohen's kappa of two nominal codings of the same items.

    ``(p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed agreement and ``p_e``
    the agreement expected from the two marginal distributions.  Returns NaN
    when ``p_e == 1`` (both codings use one and the same label), where kappa is
    undefined.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    n = len(y_true)
    p_o = sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / n
    true_counts, pred_counts = Counter(y_true), Counter(y_pred)
    p_e = sum(true_counts[k] * pred_counts.get(k, 0) for k in true_counts) / (n * n)
    if p_e == 1:
        return float("nan")
    return (p_o - p_e) / (1 - p_e)


def label_scores(y_true: Sequence[str], y_pred: Sequence[str],
                 labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Precision, recall, F1, support and number predicted per label.

    ``labels`` default: the sorted union of the labels in either coding.  An
    undefined precision or recall (nothing predicted / nothing to find) counts
    as 0, as does F1 = 2PR / (P + R) when both are 0.

    Returns
    -------
    pandas.DataFrame
        Columns label, precision, recall, f1, support, n_predicted.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    labels = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    rows = []
    for label in labels:
        tp = sum(a == label and b == label for a, b in zip(y_true, y_pred, strict=True))
        support = sum(a == label for a in y_true)
        predicted = sum(b == label for b in y_pred)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"label": label, "precision": precision, "recall": recall, "f1": f1,
                     "support": support, "n_predicted": predicted})
    return pd.DataFrame(rows, columns=["label", "precision", "recall", "f1", "support",
                                       "n_predicted"])


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Unweighted mean F1 over the labels occurring in either coding."""
    return float(label_scores(y_true, y_pred)["f1"].mean())


def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Share of items coded identically."""
    y_true, y_pred = _pair(y_true, y_pred)
    return sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / len(y_true)


def _pair(y_true: Sequence[str], y_pred: Sequence[str]) -> tuple[list[str], list[str]]:
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"codings differ in length: {len(y_true)} gold, {len(y_pred)} predicted")
    if not y_true:
        raise ValueError("no items to compare")
    return y_true, y_pred


# ----------------------------------------------------------------------------- sample


def draw_validation_sample(
    units: pd.DataFrame,
    *,
    n_per_region: int = 48,
    random_state: int = config.RANDOM_STATE,
) -> pd.DataFrame:
    """Draw the hand-coding sample: equal numbers per region, split into halves.

    Every unit with text (sentences and headings, both parts) is eligible.  For
    each region in turn (sorted by ``region_id``), ``n_per_region`` units are
    drawn without replacement with one ``numpy.random.Generator`` seeded by
    ``random_state``; the first half of each region's draw (in draw order) is
    ``dev``, the rest ``heldout``, so the halves are random and balanced by
    region.  Equal allocation gives every plan the same weight in the
    agreement statistics, however long it is.

    Parameters
    ----------
    units : pandas.DataFrame
        The units table (``schema.UNITS``).
    n_per_region : int, default 48
        Even number of units per region; a region with fewer eligible units
        raises ``ValueError``.
    random_state : int, default ``config.RANDOM_STATE``

    Returns
    -------
    pandas.DataFrame
        ``schema.THEME_SAMPLE``, sorted by region (sorted ids) and document
        order; ``sample_no`` numbers the rows from 1.
    """
    need = ["region_id", "unit_id", "part", "unit_kind", "section_title", "item_title",
            "subitem_title", "text"]
    missing = [c for c in need if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks columns {missing}")
    if isinstance(n_per_region, bool) or not isinstance(n_per_region, int) \
            or n_per_region < 2 or n_per_region % 2:
        raise ValueError(f"n_per_region must be an even integer >= 2, got {n_per_region!r}")
    rng = np.random.default_rng(random_state)
    eligible = units[units["text"].fillna("").str.len() > 0].reset_index(drop=True)
    eligible = eligible.assign(_pos=np.arange(len(eligible)))
    drawn = []
    for region in sorted(eligible["region_id"].unique()):
        pool = eligible[eligible["region_id"] == region]
        if len(pool) < n_per_region:
            raise ValueError(f"region {region!r} has {len(pool)} units, fewer than "
                             f"n_per_region={n_per_region}")
        picks = rng.choice(len(pool), size=n_per_region, replace=False)
        chosen = pool.iloc[picks].copy()
        chosen["half"] = ["dev"] * (n_per_region // 2) + ["heldout"] * (n_per_region // 2)
        drawn.append(chosen.sort_values("_pos"))
    sample = pd.concat(drawn, ignore_index=True)
    sample.insert(0, "sample_no", np.arange(1, len(sample) + 1))
    return sample.loc[:, schema.THEME_SAMPLE]


def read_gold(path: Path | str = GOLD_PATH, *, codebook: Codebook | None = None) -> pd.DataFrame:
    """Read and check the hand coding (``schema.THEME_GOLD``).

    Checks the columns, that every ``gold_theme`` is a codebook theme or
    ``unassigned``, that ``gold_secondary`` (";"-joined) names codebook themes
    other than the primary, that ``half`` is dev or heldout and unit ids are
    unique.  Raises ``ValueError`` naming the rows at fault.
    """
    path = Path(path)
    gold = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in schema.THEME_GOLD if c not in gold.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    codebook = codebook if codebook is not None else load_codebook()
    known = set(codebook.theme_ids)
    bad = gold.loc[~gold["gold_theme"].isin(known | {UNASSIGNED}), "unit_id"].tolist()
    if bad:
        raise ValueError(f"{path}: gold_theme not in the codebook for units {bad}")
    for row in gold.itertuples(index=False):
        secondary = [s for s in row.gold_secondary.split(";") if s]
        if set(secondary) - known or row.gold_theme in secondary:
            raise ValueError(f"{path}: bad gold_secondary {row.gold_secondary!r} for "
                             f"{row.unit_id} (unknown theme or repeats the primary)")
    bad = gold.loc[~gold["half"].isin(HALVES), "unit_id"].tolist()
    if bad:
        raise ValueError(f"{path}: half must be one of {list(HALVES)} for units {bad}")
    dupes = gold.loc[gold["unit_id"].duplicated(), "unit_id"].tolist()
    if dupes:
        raise ValueError(f"{path}: duplicate unit_id {dupes}")
    gold["sample_no"] = gold["sample_no"].astype("int64")
    return gold.loc[:, schema.THEME_GOLD]


# ----------------------------------------------------------------------------- comparison


def align_gold(coded_units: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Join the hand coding to the machine coding by ``unit_id``.

    Every gold unit must exist in ``coded_units`` with the same text; a
    difference means the units table changed after the sample was coded and
    raises ``ValueError`` naming the units (the sample must then be re-drawn and
    re-coded, not silently matched).

    Returns
    -------
    pandas.DataFrame
        Columns sample_no, region_id, unit_id, half, gold, predicted,
        gold_secondary, predicted_secondary, in gold order.
    """
    for name, table, cols in (
        ("coded_units", coded_units, ["unit_id", "text", "theme", "theme_secondary"]),
        ("gold", gold, ["sample_no", "region_id", "unit_id", "half", "text", "gold_theme",
                        "gold_secondary"]),
    ):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    coded = coded_units.set_index("unit_id")
    absent = [u for u in gold["unit_id"] if u not in coded.index]
    if absent:
        raise ValueError(f"gold units not in the coded units table: {absent[:10]}"
                         f"{' …' if len(absent) > 10 else ''} ({len(absent)} in all)")
    texts = coded.loc[gold["unit_id"], "text"].to_numpy()
    changed = gold.loc[texts != gold["text"].to_numpy(), "unit_id"].tolist()
    if changed:
        raise ValueError(f"text of {len(changed)} gold units differs from the units table "
                         f"(e.g. {changed[:5]}); re-draw and re-code the sample")
    return pd.DataFrame({
        "sample_no": gold["sample_no"].to_numpy(),
        "region_id": gold["region_id"].to_numpy(),
        "unit_id": gold["unit_id"].to_numpy(),
        "half": gold["half"].to_numpy(),
        "gold": gold["gold_theme"].to_numpy(),
        "predicted": coded.loc[gold["unit_id"], "theme"].to_numpy(),
        "gold_secondary": gold["gold_secondary"].to_numpy(),
        "predicted_secondary": coded.loc[gold["unit_id"], "theme_secondary"].to_numpy(),
    })


def _check_args(half: str, level: str) -> None:
    if half not in HALF_CHOICES:
        raise ValueError(f"half must be one of {list(HALF_CHOICES)}, got {half!r}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}")


def _subsets(aligned: pd.DataFrame, half: str) -> list[tuple[str, pd.DataFrame]]:
    names = [*HALVES, "all"] if half == "each" else [half]
    return [(name, aligned if name == "all" else aligned[aligned["half"] == name])
            for name in names]


def _to_level(codes: pd.Series, level: str, codebook: Codebook) -> pd.Series:
    if level == "theme":
        return codes
    mapping = {t.id: t.domain for t in codebook.themes} | {UNASSIGNED: UNASSIGNED}
    return codes.map(mapping)


def _label_order(labels: set[str], level: str, codebook: Codebook) -> list[str]:
    order = (codebook.theme_ids if level == "theme" else codebook.domain_ids) + [UNASSIGNED]
    return [label for label in order if label in labels]


def validate_themes(
    coded_units: pd.DataFrame,
    gold: pd.DataFrame,
    *,
    half: str = "each",
    level: str = "theme",
    codebook: Codebook | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement of the machine coding with the hand coding (primary codes).

    Parameters
    ----------
    coded_units : pandas.DataFrame
        Output of :func:`analysis.coding.themes.code_units` on the full units table.
    gold : pandas.DataFrame
        The hand coding (:func:`read_gold`).
    half : {"each", "dev", "heldout", "all"}, default "each"
        Which sample half to score; ``"each"`` gives dev, heldout and the pooled
        sample ("all") as separate rows.  Only ``heldout`` is an honest estimate:
        the codebook was tuned on ``dev``.
    level : {"theme", "domain"}, default "theme"
        Compare themes, or the domains they belong to.
    codebook : Codebook, optional
        For the domain mapping and label order; default the shipped codebook.

    Returns
    -------
    overall : pandas.DataFrame
        ``schema.THEME_VALIDATION``: half, level, n, accuracy, macro_f1
        (unweighted mean F1 over labels in either coding), kappa (Cohen's).
    by_theme : pandas.DataFrame
        ``schema.THEME_VALIDATION_BY_THEME``: half, level, theme (a theme or
        domain id, or ``unassigned``), precision, recall, f1, support (gold
        count), n_predicted — one row per label in either coding, in codebook
        order; macro_f1 is the mean of its f1 within a half.
    """
    _check_args(half, level)
    codebook = codebook if codebook is not None else load_codebook()
    aligned = align_gold(coded_units, gold)
    overall, by_theme = [], []
    for name, subset in _subsets(aligned, half):
        if subset.empty:
            raise ValueError(f"no gold units in half {name!r}")
        y_true = _to_level(subset["gold"], level, codebook).tolist()
        y_pred = _to_level(subset["predicted"], level, codebook).tolist()
        labels = _label_order(set(y_true) | set(y_pred), level, codebook)
        scores = label_scores(y_true, y_pred, labels)
        overall.append({"half": name, "level": level, "n": len(y_true),
                        "accuracy": accuracy(y_true, y_pred),
                        "macro_f1": float(scores["f1"].mean()),
                        "kappa": cohen_kappa(y_true, y_pred)})
        by_theme.append(scores.rename(columns={"label": "theme"})
                        .assign(half=name, level=level))
    overall_table = pd.DataFrame(overall, columns=schema.THEME_VALIDATION)
    overall_table["n"] = overall_table["n"].astype("int64")
    by_theme_table = pd.concat(by_theme, ignore_index=True).loc[:, schema.THEME_VALIDATION_BY_THEME]
    by_theme_table[["support", "n_predicted"]] = by_theme_table[["support", "n_predicted"]].astype(
        "int64")
    return overall_table, by_theme_table


def confusion_table(
    coded_units: pd.DataFrame,
    gold: pd.DataFrame,
    *,
    half: str = "each",
    level: str = "theme",
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Gold × predicted counts, long format, for a confusion-matrix figure.

    Parameters
    ----------
    coded_units : DataFrame
        Units with the machine's theme (the ``units`` table).
    gold : DataFrame
        The hand-coded sample; joined by ``unit_id`` (:func:`align_gold`).
    half : {"dev", "heldout", "all", "each"}, default "each"
        Which half of the sample to count; ``"each"`` gives both halves and all.
    level : {"theme", "domain"}, default "theme"
        Count themes, or the domains they belong to.
    codebook : Codebook, optional
        Orders the labels; default the project's codebook.

    Returns
    -------
    pandas.DataFrame
        ``schema.THEME_CONFUSION``: half, level, gold, predicted, n — only the
        non-zero cells, ordered by half, then gold and predicted in codebook
        order.
    """
    _check_args(half, level)
    codebook = codebook if codebook is not None else load_codebook()
    aligned = align_gold(coded_units, gold)
    order = {label: i for i, label in enumerate(
        (codebook.theme_ids if level == "theme" else codebook.domain_ids) + [UNASSIGNED])}
    tables = []
    for name, subset in _subsets(aligned, half):
        cells = (
            pd.DataFrame({"gold": _to_level(subset["gold"], level, codebook).to_numpy(),
                          "predicted": _to_level(subset["predicted"], level, codebook).to_numpy()})
            .groupby(["gold", "predicted"]).size().rename("n").reset_index()
        )
        cells = cells.sort_values(["gold", "predicted"],
                                  key=lambda s: s.map(order)).assign(half=name, level=level)
        tables.append(cells)
    table = pd.concat(tables, ignore_index=True).loc[:, schema.THEME_CONFUSION]
    table["n"] = table["n"].astype("int64")
    return table
