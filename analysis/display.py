"""Tables and findings as a reader of the notebooks sees them.

:func:`table_html` turns a table into a styled HTML table: numbers formatted
(shares as percentages, statistics to a few significant digits, counts with
thousands separators), no index, text columns left-aligned and wrapped, region,
theme and domain ids replaced by their names, column headers in the notebook's
language, and at most ``max_rows`` rows with a caption naming the processed
table that holds the rest.  Headers come from ``analysis/data/table_labels.yml``;
region, theme and domain names from the manifest and the codebook (as on the
figures, :mod:`analysis.figures.labels`).

:func:`percent_text`, :func:`number_text` and :func:`findings_markdown` let a
notebook state its findings from the computed tables (f-strings in a code cell,
rendered as Markdown) instead of typing numbers into prose.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from IPython.display import HTML, Markdown
from pandas.io.formats.style import Styler

from analysis import config
from analysis.figures.labels import check_lang, label

TABLE_LABELS_PATH: Path = config.RULES_DIR / "table_labels.yml"
#: Rows shown by default; the caption says where the rest is.
MAX_ROWS: int = 20
#: Significant digits of statistics (G², κ, cosine …) by default.
DIGITS: int = 3
# Text longer than this many characters is wrapped in a wide column.
_LONG_TEXT: int = 16
_ID_KINDS: tuple[str, ...] = ("region", "theme", "domain")


@lru_cache(maxsize=4)
def _labels(path: str, _mtime: int) -> dict:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or not {"columns", "id_columns", "captions"} <= set(data):
        raise ValueError(f"{path} must have the keys columns, id_columns and captions")
    bad = {k: v for k, v in data["id_columns"].items() if v not in _ID_KINDS}
    if bad:
        raise ValueError(f"{path}: id_columns must map to one of {_ID_KINDS}, got {bad}")
    return data


def _table_labels(path: Path) -> dict:
    return _labels(str(path), Path(path).stat().st_mtime_ns)


def percent_text(share: float, *, decimals: int = 0) -> str:
    """A share (0–1) as a percentage, e.g. ``0.532 -> "53%"``; NaN as an en dash.

    Parameters
    ----------
    share : float
    decimals : int, default 0
        Decimals of the percentage.
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return f"{100 * float(share):.{decimals}f}%"


def number_text(value: float, *, digits: int = DIGITS) -> str:
    """A statistic to ``digits`` significant digits, never in exponent notation.

    Digits left of the decimal point are all kept (``1234.6 -> "1,235"``); small
    values keep ``digits`` significant digits (``0.0123456 -> "0.0123"``), values
    below 0.0001 are written with an exponent (``5.78e-08``); integers print as
    integers; NaN prints as an en dash.

    Parameters
    ----------
    value : float
    digits : int, default :data:`DIGITS` (3)
    """
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    number = float(value)
    if number == 0:
        return "0"
    if abs(number) < 1e-4:
        return f"{number:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(number))))
    return f"{number:,.{decimals}f}"


def column_label(column: str, *, lang: str = "zh",
                 labels_path: Path = TABLE_LABELS_PATH) -> str:
    """The header of ``column`` in ``lang``.

    ``table_labels.yml``'s ``columns`` first, then a region, theme or domain of
    that id (a pivot's columns), else ``KeyError`` naming the file to edit.

    Parameters
    ----------
    column : str
    lang : {"zh", "en"}, default "zh"
    labels_path : Path, default :data:`TABLE_LABELS_PATH`
    """
    check_lang(lang)
    columns = _table_labels(labels_path)["columns"]
    if column in columns:
        return columns[column][lang]
    for kind in _ID_KINDS:
        try:
            return _region_label(column, lang) if kind == "region" else label(kind, column, lang)
        except KeyError:
            continue
    raise KeyError(f"no header for column {column!r} in {labels_path}; add it under 'columns'")


@lru_cache(maxsize=4)
def _region_ids(path: str, _mtime: int) -> frozenset[str]:
    manifest = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frozenset(manifest["region_id"])


def _region_label(region_id: str, lang: str) -> str:
    # labels.label() names an unknown region by its id; here an unknown id must fail,
    # so that a column or value that is not a region is not mistaken for one.
    path = config.MANIFEST_PATH
    if region_id not in _region_ids(str(path), Path(path).stat().st_mtime_ns):
        raise KeyError(region_id)
    return label("region", region_id, lang)


def caption_text(key: str, *, lang: str = "zh", labels_path: Path = TABLE_LABELS_PATH,
                 **fields: object) -> str:
    """Caption ``key`` of ``table_labels.yml`` in ``lang``, placeholders filled from ``fields``."""
    check_lang(lang)
    captions = _table_labels(labels_path)["captions"]
    if key not in captions:
        raise KeyError(f"no caption {key!r} in {labels_path}")
    return captions[key][lang].format_map(fields)


def names_of_ids(table: pd.DataFrame, *, lang: str = "zh",
                 labels_path: Path = TABLE_LABELS_PATH) -> pd.DataFrame:
    """Replace region, theme and domain ids by their names in ``lang``.

    The columns treated are ``table_labels.yml``'s ``id_columns``
    (``region_id``, ``target``, ``theme`` …); values that are not ids of that kind
    (``all``, ``cluster 5``) are left as they are; each id of a list separated
    by commas or semicolons is named.

    Returns
    -------
    DataFrame
        A copy with the names.
    """
    check_lang(lang)
    kinds = _table_labels(labels_path)["id_columns"]
    out = table.copy()
    for column, kind in kinds.items():
        if column not in out.columns:
            continue
        out[column] = out[column].map(lambda v, k=kind: _name_of(v, k, lang))
    return out


def _name_of(value: object, kind: str, lang: str) -> object:
    if not isinstance(value, str) or not value:
        return value
    parts = [p.strip() for p in re.split(r"[,;]", value)]
    named = []
    for part in parts:
        try:
            named.append(_region_label(part, lang) if kind == "region" else label(kind, part, lang))
        except KeyError:
            named.append(part)
    return ("、" if lang == "zh" else ", ").join(named)


def table_html(
    table: pd.DataFrame,
    *,
    lang: str = "zh",
    percent: Sequence[str] = (),
    decimals: int = 1,
    digits: int = DIGITS,
    max_rows: int = MAX_ROWS,
    source: str | None = None,
    names: bool = True,
    headers: Mapping[object, str] | None = None,
    text_right: Sequence[str] = (),
    labels_path: Path = TABLE_LABELS_PATH,
) -> Styler:
    """A table formatted to be read in a notebook or the HTML report.

    Parameters
    ----------
    table : DataFrame
        Any table; its index is dropped (put what matters into columns first,
        e.g. ``.reset_index()``).
    lang : {"zh", "en"}, default "zh"
        Language of the headers and of region, theme and domain names.
    percent : sequence of str, default ()
        Columns holding shares (0–1), shown as percentages.
    decimals : int, default 1
        Decimals of the percentages.
    digits : int, default :data:`DIGITS` (3)
        Significant digits of the other non-integer numbers (:func:`number_text`).
    max_rows : int, default :data:`MAX_ROWS` (20)
        Rows shown; the caption says how many there are and where the rest is.
    source : str, optional
        Where the full table is (e.g. ``"data/processed/keyness.csv"``), named in
        the caption when rows are left out.
    names : bool, default True
        Replace region, theme and domain ids by names (:func:`names_of_ids`).
    headers : mapping, optional
        Headers for columns the label file cannot name (a pivot's topic numbers),
        already in ``lang``; the other columns get :func:`column_label`.
    text_right : sequence of str, default ()
        Text columns aligned right instead of left (the left context of a KWIC
        line, so that it ends at the keyword).
    labels_path : Path, default :data:`TABLE_LABELS_PATH`

    Returns
    -------
    pandas.io.formats.style.Styler
        Rendered as HTML by Jupyter and nbconvert: no index, numbers right-aligned
        in tabular figures, text left-aligned and wrapped, headers in ``lang``.
        Its CSS ids derive from the content, so the HTML is the same on every run.

    Raises
    ------
    ValueError
        If ``lang`` is not allowed, ``max_rows < 1`` or a ``percent`` column is missing.
    KeyError
        If a column has no header in ``labels_path``.
    """
    check_lang(lang)
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    missing = [c for c in percent if c not in table.columns]
    if missing:
        raise ValueError(f"percent names columns the table lacks: {missing}")
    total = len(table)
    shown = table.head(max_rows).reset_index(drop=True)
    if names:
        shown = names_of_ids(shown, lang=lang, labels_path=labels_path)
    formats: dict[str, object] = {}
    text_columns: list[str] = []
    long_columns: list[str] = []
    for column in shown.columns:
        values = shown[column]
        if column in percent:
            formats[column] = lambda v, d=decimals: percent_text(v, decimals=d)
        elif pd.api.types.is_bool_dtype(values):
            formats[column] = str
        elif pd.api.types.is_numeric_dtype(values):
            present = values.dropna()
            if len(present) and (present == present.round()).all() and str(column).endswith(
                "year"
            ):
                # A year (plan_year, Int64) is a label, not a quantity: no 2,021.
                formats[column] = lambda v: "–" if pd.isna(v) else str(int(v))
            elif len(present) and (present == present.round()).all():
                # Whole numbers stored as floats (a column with gaps): show no decimals.
                formats[column] = lambda v: "–" if pd.isna(v) else f"{int(v):,}"
            else:
                formats[column] = lambda v, d=digits: number_text(v, digits=d)
        else:
            text_columns.append(column)
            lengths = values.dropna().astype(str).str.len()
            if len(lengths) and lengths.max() > _LONG_TEXT:
                long_columns.append(column)
    given = dict(headers or {})
    headers = {c: given[c] if c in given
               else column_label(str(c), lang=lang, labels_path=labels_path)
               for c in shown.columns}
    digest = hashlib.sha256(
        (shown.to_csv(index=False) + lang + repr(sorted(percent))).encode("utf-8")
    ).hexdigest()[:10]
    styler = (
        Styler(shown, uuid=f"t{digest}", cell_ids=False)
        .format(formats, na_rep="–")
        .hide(axis="index")
        .relabel_index([headers[c] for c in shown.columns], axis="columns")
        .set_table_styles([
            {"selector": "", "props": "border-collapse: collapse; font-size: 0.9em;"},
            {"selector": "th", "props": "text-align: left; vertical-align: bottom; "
                                        "white-space: normal; padding: 0.3em 0.6em; "
                                        "border-bottom: 1px solid #888;"},
            {"selector": "td", "props": "text-align: right; vertical-align: top; "
                                        "padding: 0.25em 0.6em; white-space: nowrap; "
                                        "font-variant-numeric: tabular-nums;"},
            {"selector": "caption", "props": "caption-side: bottom; text-align: left; "
                                             "color: #555; padding-top: 0.4em;"},
        ])
    )
    # Per-column rules (``#T_… td.colN``) outrank the table-wide ones and Jupyter's
    # own stylesheet, which right-aligns every cell.
    numeric = [c for c in shown.columns if c not in text_columns]
    column_styles = {c: [{"selector": "td, th", "props": "text-align: right;"}] for c in numeric}
    # Short text (ids, names) stays on one line; long text wraps in a bounded column.
    column_styles |= {c: [{"selector": "td", "props": "text-align: left; white-space: nowrap;"}]
                      for c in text_columns}
    column_styles |= {c: [{"selector": "td", "props": "text-align: left; white-space: normal; "
                                                      "min-width: 14em; max-width: 36em; "
                                                      "overflow-wrap: anywhere;"}]
                      for c in long_columns}
    column_styles |= {c: [{"selector": "td", "props": "text-align: right; white-space: nowrap;"}]
                      for c in text_right if c in text_columns}
    styler = styler.set_table_styles(column_styles, overwrite=False)
    if total > len(shown):
        key = "rows_shown" if source else "rows_shown_no_source"
        styler = styler.set_caption(html.escape(caption_text(
            key, lang=lang, labels_path=labels_path, shown=len(shown), total=total,
            source=source or "")))
    return styler


def findings_markdown(points: Sequence[str], *, heading: str | None = None) -> Markdown:
    """Render findings computed in a code cell as a Markdown bullet list.

    Parameters
    ----------
    points : sequence of str
        One finding each, usually f-strings filled from the tables above.
    heading : str, optional
        A line printed before the list.
    """
    if not points:
        raise ValueError("points must name at least one finding")
    lines = ([heading, ""] if heading else []) + [f"- {p}" for p in points]
    return Markdown("\n".join(lines))


def text_block(text: str) -> HTML:
    """Show plain text (a rule, a note) in a wrapped block rather than one long line."""
    return HTML(f'<p style="white-space: normal; max-width: 48em">{html.escape(text)}</p>')


def region_name(region_id: str, *, lang: str = "zh") -> str:
    """The name of one region in ``lang`` (``data/raw/manifest.csv``); unknown ids: KeyError."""
    check_lang(lang)
    return _region_label(region_id, lang)


def pair_text(pair: Mapping[str, str] | pd.Series, *, lang: str = "zh") -> str:
    """Name two regions of a row with ``region_a`` and ``region_b``: ``"黄石市 – 鲤城区"``."""
    check_lang(lang)
    return f"{_region_label(pair['region_a'], lang)} – {_region_label(pair['region_b'], lang)}"
