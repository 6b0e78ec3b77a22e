"""Validating the policy-instrument coding against a hand-coded sample.

Design (``docs/coding_protocol_instruments.md``): :func:`draw_instrument_sample`
draws plan-part sentences stratified by region with a fixed seed and splits
each region's draw at random into a ``dev`` half (the only half the scheme may
be tuned on) and a ``heldout`` half, before anything is coded.  A human codes
every sampled sentence against ``analysis/data/instruments.yml``
(``data/validation/instrument_gold.csv``); :func:`validate_instruments`
compares :func:`analysis.coding.instruments.code_instruments` with it.

Statistics: accuracy and Cohen's kappa (Cohen, 1960) of the primary
instrument type over all four labels (supply, environment, demand, none), and
per type one-vs-rest (is the primary instrument this type or not), the form in
which agreement per category is usually reported for content-analysis codes
(Krippendorff, 2004, ch. 11).  Kappa is computed by
:func:`analysis.coding.validation.cohen_kappa`; the tests cross-check it against
scikit-learn.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational
and Psychological Measurement*, 20(1), 37-46.  Krippendorff, K. (2004).
*Content Analysis: An Introduction to Its Methodology* (2nd ed.). Sage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config, schema
from analysis.coding.validation import accuracy, cohen_kappa

__all__ = [
    "draw_extra_instrument_sample", "draw_instrument_sample", "EXTRA_HALF", "HALVES",
    "instrument_confusion", "INSTRUMENT_GOLD_EXTRA_PATH", "INSTRUMENT_GOLD_PATH",
    "INSTRUMENT_SAMPLE_EXTRA_PATH", "INSTRUMENT_SAMPLE_PATH", "read_instrument_gold",
    "run_instrument_validation", "validate_instruments", "VALIDATION_DIR",
]

VALIDATION_DIR: Path = config.DATA_DIR / "validation"
INSTRUMENT_SAMPLE_PATH: Path = VALIDATION_DIR / "instrument_sample.csv"
INSTRUMENT_GOLD_PATH: Path = VALIDATION_DIR / "instrument_gold.csv"
# A second tuning sample, drawn later from the sentences the first one left
# (draw_extra_instrument_sample); every sentence in it is tuned on.
INSTRUMENT_SAMPLE_EXTRA_PATH: Path = VALIDATION_DIR / "instrument_sample_extra.csv"
INSTRUMENT_GOLD_EXTRA_PATH: Path = VALIDATION_DIR / "instrument_gold_extra.csv"
HALVES: tuple[str, ...] = ("dev", "heldout")
EXTRA_HALF: str = "dev_extra"


def draw_instrument_sample(units: pd.DataFrame, *, n_per_region: int = 32,
                           random_state: int = config.RANDOM_STATE) -> pd.DataFrame:
    """Draw the hand-coding sample of plan sentences, equal numbers per region.

    Eligible: ``part == "plan"`` and ``unit_kind == "sentence"`` with text.
    For each region (sorted ids), ``min(n_per_region, eligible)`` sentences are
    drawn without replacement by one ``numpy.random.Generator`` seeded with
    ``random_state``; the first half of the draw (in draw order, rounded down)
    is ``dev``, the rest ``heldout``.

    Parameters
    ----------
    units : DataFrame
        The units table (``schema.UNITS``).
    n_per_region : int, default 32
        Even number of sentences per region.
    random_state : int, default ``config.RANDOM_STATE``

    Returns
    -------
    DataFrame
        ``schema.INSTRUMENT_SAMPLE`` (sample_id ``"I001"`` …), sorted by region
        and document order.
    """
    need = ["region_id", "unit_id", "part", "unit_kind", "text"]
    missing = [c for c in need if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks columns {missing}; required {need}")
    if isinstance(n_per_region, bool) or not isinstance(n_per_region, int) \
            or n_per_region < 2 or n_per_region % 2:
        raise ValueError(f"n_per_region must be an even integer >= 2, got {n_per_region!r}")
    rng = np.random.default_rng(random_state)
    eligible = units[(units["part"] == "plan") & (units["unit_kind"] == "sentence")
                     & (units["text"].fillna("").str.len() > 0)].reset_index(drop=True)
    eligible = eligible.assign(_pos=np.arange(len(eligible)))
    drawn = []
    for region in sorted(eligible["region_id"].unique()):
        pool = eligible[eligible["region_id"] == region]
        size = min(n_per_region, len(pool))
        picks = rng.choice(len(pool), size=size, replace=False)
        chosen = pool.iloc[picks].copy()
        chosen["half"] = ["dev"] * (size // 2) + ["heldout"] * (size - size // 2)
        drawn.append(chosen.sort_values("_pos"))
    sample = pd.concat(drawn, ignore_index=True)
    sample.insert(0, "sample_id", [f"I{i:03d}" for i in range(1, len(sample) + 1)])
    return sample.loc[:, schema.INSTRUMENT_SAMPLE]


def draw_extra_instrument_sample(units: pd.DataFrame, first_sample: pd.DataFrame, *,
                                 n_per_region: int = 16,
                                 random_state: int = config.RANDOM_STATE + 1) -> pd.DataFrame:
    """Draw a further tuning sample from the plan sentences the first sample left.

    The same stratified draw as :func:`draw_instrument_sample` on the units
    not in ``first_sample``, with another seed; every drawn sentence is in the
    half ``"dev_extra"`` (tuned on) and numbered ``"X001"`` ….

    Parameters
    ----------
    units : DataFrame
        The units table (``schema.UNITS``).
    first_sample : DataFrame
        The first sample (``schema.INSTRUMENT_SAMPLE``); its units are left out.
    n_per_region : int, default 16
        Even number of sentences per region (fewer where fewer are left).
    random_state : int, default ``config.RANDOM_STATE + 1``

    Returns
    -------
    DataFrame
        ``schema.INSTRUMENT_SAMPLE``.
    """
    rest = units[~units["unit_id"].isin(first_sample["unit_id"])]
    extra = draw_instrument_sample(rest, n_per_region=n_per_region, random_state=random_state)
    extra["half"] = EXTRA_HALF
    extra["sample_id"] = [f"X{i:03d}" for i in range(1, len(extra) + 1)]
    return extra


def read_instrument_gold(path: Path | str = INSTRUMENT_GOLD_PATH,
                         sample_path: Path | str = INSTRUMENT_SAMPLE_PATH) -> pd.DataFrame:
    """Read the hand coding and join the sample's half, region and text.

    Checks the columns (``schema.INSTRUMENT_GOLD``), that every instrument is
    one of ``schema.INSTRUMENT_TYPES``, that a type other than ``none`` has a
    sub-type and that every gold row is in the sample.  Returns the gold
    columns plus ``half``, ``region_id`` and ``text``.
    """
    gold = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in schema.INSTRUMENT_GOLD if c not in gold.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}; expected {schema.INSTRUMENT_GOLD}")
    types = set(schema.INSTRUMENT_TYPES)
    for col in ("instrument", "instrument_secondary"):
        bad = gold.loc[~gold[col].isin(types), "sample_id"].tolist()
        if bad:
            raise ValueError(f"{path}: {col} must be one of {sorted(types)} in rows {bad}")
    bad = gold.loc[(gold["instrument"] != "none") & (gold["instrument_subtype"] == ""),
                   "sample_id"].tolist()
    if bad:
        raise ValueError(f"{path}: instrument_subtype is empty in rows {bad}")
    sample = pd.read_csv(sample_path, dtype=str, keep_default_na=False, encoding="utf-8")
    absent = sorted(set(gold["sample_id"]) - set(sample["sample_id"]))
    if absent:
        raise ValueError(f"{path}: sample_ids {absent} are not in {sample_path}")
    merged = gold.merge(sample[["sample_id", "half", "region_id", "text"]], on="sample_id",
                        how="left", validate="one_to_one")
    return merged


def _coded_gold_units(
    coded_units: pd.DataFrame, gold: pd.DataFrame, *, columns: list[str]
) -> pd.DataFrame:
    """``coded_units`` by ``unit_id``, after checking both tables have ``columns``.

    ``gold`` also needs ``half``; every gold unit must be among the coded ones.
    """
    for name, table, cols in (("coded_units", coded_units, columns),
                              ("gold", gold, [*columns[:1], "half", *columns[1:]])):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    coded = coded_units.drop_duplicates("unit_id").set_index("unit_id")
    absent = [u for u in gold["unit_id"] if u not in coded.index]
    if absent:
        raise ValueError(f"gold units not in coded_units: {absent[:10]}")
    return coded


def validate_instruments(coded_units: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Accuracy and Cohen's kappa of the machine coding against the hand coding.

    Parameters
    ----------
    coded_units : DataFrame
        Output of :func:`analysis.coding.instruments.code_instruments` (needs
        ``unit_id``, ``text``, ``instrument``).
    gold : DataFrame
        Output of :func:`read_instrument_gold` (needs ``unit_id``, ``half``,
        ``text``, ``instrument``).  A gold text that differs from the coded
        unit's text raises ``ValueError`` (the units changed after coding).

    Returns
    -------
    DataFrame
        ``schema.INSTRUMENT_VALIDATION``: for each half (``dev``, ``heldout``
        and ``all``) one ``overall`` row (the four type labels), one
        ``subtype`` row (type and sub-type must both agree; when both tables
        carry ``instrument_subtype``) and one row per type in
        ``schema.INSTRUMENT_TYPES`` (one-vs-rest on the primary instrument).
        ``n`` items; ``n_gold`` / ``n_pred`` items with the label (for
        ``overall`` and ``subtype``: items with an instrument); ``n_agree``
        items both codings give the label (for ``overall`` and ``subtype``:
        items coded identically); ``accuracy``; ``kappa`` (NaN where
        undefined).
    """
    coded = _coded_gold_units(coded_units, gold, columns=["unit_id", "text", "instrument"])
    changed = gold.loc[coded.loc[gold["unit_id"], "text"].to_numpy() != gold["text"].to_numpy(),
                       "unit_id"].tolist()
    if changed:
        raise ValueError(f"text of gold units {changed[:5]} differs from coded_units; "
                         "re-draw and re-code the sample")
    pairs = pd.DataFrame({"half": gold["half"].to_numpy(),
                          "gold": gold["instrument"].to_numpy(),
                          "pred": coded.loc[gold["unit_id"], "instrument"].to_numpy()})
    with_sub = "instrument_subtype" in gold.columns and "instrument_subtype" in coded.columns
    if with_sub:
        # "none" has no sub-type: the gold file leaves it empty, the coder says "none"
        gsub = gold["instrument_subtype"].replace("", "none").to_numpy()
        pairs["gold_sub"] = pairs["gold"] + "/" + gsub
        pairs["pred_sub"] = pairs["pred"] + "/" + \
            coded.loc[gold["unit_id"], "instrument_subtype"].to_numpy()
    rows = []
    for half in (*HALVES, "all"):
        sub = pairs if half == "all" else pairs[pairs["half"] == half]
        if sub.empty:
            continue
        g, p = sub["gold"].tolist(), sub["pred"].tolist()
        rows.append({"half": half, "label": "overall", "n": len(sub),
                     "n_gold": sum(x != "none" for x in g), "n_pred": sum(x != "none" for x in p),
                     "n_agree": sum(a == b for a, b in zip(g, p, strict=True)),
                     "accuracy": accuracy(g, p), "kappa": cohen_kappa(g, p)})
        if with_sub:
            gs, ps = sub["gold_sub"].tolist(), sub["pred_sub"].tolist()
            rows.append({"half": half, "label": "subtype", "n": len(sub),
                         "n_gold": sum(x != "none/none" for x in gs),
                         "n_pred": sum(x != "none/none" for x in ps),
                         "n_agree": sum(a == b for a, b in zip(gs, ps, strict=True)),
                         "accuracy": accuracy(gs, ps), "kappa": cohen_kappa(gs, ps)})
        for label in schema.INSTRUMENT_TYPES:
            gb = [x == label for x in g]
            pb = [x == label for x in p]
            rows.append({"half": half, "label": label, "n": len(sub), "n_gold": sum(gb),
                         "n_pred": sum(pb), "n_agree": sum(a and b for a, b in zip(gb, pb,
                                                                                   strict=True)),
                         "accuracy": accuracy(gb, pb), "kappa": cohen_kappa(gb, pb)})
    out = pd.DataFrame(rows, columns=schema.INSTRUMENT_VALIDATION)
    return out


def instrument_confusion(coded_units: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Gold × predicted primary instrument, per half: the full confusion matrix.

    Parameters
    ----------
    coded_units : DataFrame
        :func:`analysis.coding.instruments.code_instruments` output (``unit_id``,
        ``instrument``).
    gold : DataFrame
        :func:`read_instrument_gold` output (``unit_id``, ``half``, ``instrument``).

    Returns
    -------
    DataFrame
        ``schema.INSTRUMENT_CONFUSION``: for each half (``dev``, ``heldout``,
        ``all``) every cell of the gold × predicted matrix over
        ``schema.INSTRUMENT_TYPES``, zeros included, ``n`` sample sentences in
        the cell.  Rows by half, then gold and predicted in scheme order.
    """
    coded = _coded_gold_units(coded_units, gold, columns=["unit_id", "instrument"])
    pairs = pd.DataFrame({"half": gold["half"].to_numpy(), "gold": gold["instrument"].to_numpy(),
                          "predicted": coded.loc[gold["unit_id"], "instrument"].to_numpy()})
    rows = []
    for half in (*HALVES, "all"):
        sub = pairs if half == "all" else pairs[pairs["half"] == half]
        counts = sub.groupby(["gold", "predicted"]).size()
        rows.extend({"half": half, "gold": g, "predicted": p, "n": int(counts.get((g, p), 0))}
                    for g in schema.INSTRUMENT_TYPES for p in schema.INSTRUMENT_TYPES)
    return pd.DataFrame(rows, columns=schema.INSTRUMENT_CONFUSION)


def run_instrument_validation(units: pd.DataFrame, *,
                              gold_path: Path | str = INSTRUMENT_GOLD_PATH,
                              sample_path: Path | str = INSTRUMENT_SAMPLE_PATH,
                              extra_gold_path: Path | str | None = INSTRUMENT_GOLD_EXTRA_PATH,
                              extra_sample_path: Path | str | None = INSTRUMENT_SAMPLE_EXTRA_PATH,
                              confusion: bool = False
                              ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Code ``units`` with the shipped scheme and score it against the hand coding.

    Parameters
    ----------
    units : DataFrame
        The units table.
    gold_path, sample_path : path
        The first sample and its coding (halves ``dev`` and ``heldout``).
    extra_gold_path, extra_sample_path : path or None
        The second tuning sample and its coding, scored as the half
        ``dev_extra`` (its rows come after ``heldout`` and ``all``, and ``all``
        pools the first sample only); None, or a sample not in ``units``,
        leaves it out.
    confusion : bool, default False
        Also return :func:`instrument_confusion`.

    Returns
    -------
    DataFrame or (DataFrame, DataFrame)
        :func:`validate_instruments` output (``schema.INSTRUMENT_VALIDATION``)
        and, with ``confusion=True``, the confusion table
        (``schema.INSTRUMENT_CONFUSION``).  Only ``dev`` and ``dev_extra`` were
        used to tune ``analysis/data/instruments.yml``.
    """
    from analysis.coding.instruments import code_instruments  # the coder under test

    gold = read_instrument_gold(gold_path, sample_path)
    coded = code_instruments(units[units["unit_id"].isin(gold["unit_id"])])
    scores, table = validate_instruments(coded, gold), instrument_confusion(coded, gold)
    if extra_gold_path is not None and extra_sample_path is not None:
        extra = read_instrument_gold(extra_gold_path, extra_sample_path)
        if set(extra["unit_id"]) <= set(units["unit_id"]):
            # scored as a "dev" half, then renamed: the pooled rows would repeat it
            extra = extra.assign(half="dev")
            coded_x = code_instruments(units[units["unit_id"].isin(extra["unit_id"])])
            more = validate_instruments(coded_x, extra)
            more = more[more["half"] == "dev"].assign(half=EXTRA_HALF)
            more_cells = instrument_confusion(coded_x, extra)
            more_cells = more_cells[more_cells["half"] == "dev"].assign(half=EXTRA_HALF)
            scores = pd.concat([scores, more], ignore_index=True)
            table = pd.concat([table, more_cells], ignore_index=True)
    return (scores, table) if confusion else scores
