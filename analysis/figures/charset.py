"""The characters the figures of a corpus can draw, for the font built for them.

:func:`analysis.figures.make.make_all_figures` draws with a font holding only
these characters (:func:`analysis.figures.fonts.use_characters`), 1 000-4 000
glyphs instead of 28 000: converted in 1-3 s, and cheaper for the PDF backend to
subset at every file.  Every text on a figure comes from one of

* a string column of a processed table the figures read (region ids, tokens and
  topic terms, document titles, theme names...): every string column of those
  tables is read, whether or not a figure draws it today, so that a figure
  changed to draw another column still finds its characters;
* a label file: every string (key or value, not comments) of every YAML file of
  ``analysis/data`` (figure texts, the codebook, the instrument scheme, the
  modality lexicon, citation levels), and every cell of the raw-data manifest the
  region names come from (:data:`analysis.figures.labels.MANIFEST_PATH`);
* what matplotlib writes itself (tick numbers, the minus sign) and the
  punctuation the figure code puts around names and notes (brackets, dashes,
  、：): :data:`analysis.figures.fonts.BASE_RANGES`, always added.

All columns and all strings make a superset of what is drawn, which costs a few
hundred glyphs (well under a second) and no risk.  Comments are left out so that
editing one does not change the font, and with it every PDF.  The set does not
depend on the language drawn, so the Chinese and English figures of a build
share one font.  :func:`analysis.figures.save.save_figure` checks every text
drawn against it, so a text from anywhere else (a literal added to the figure
code) fails the build by name instead of being drawn in another font.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from analysis import config
from analysis.figures import labels
from analysis.figures.fonts import character_set
from analysis.io import table_dataset, table_exists

__all__ = [
    "figure_characters", "file_characters", "label_files", "table_characters",
]

# libyaml's safe loader when PyYAML was built with it: the rule files take 0.3 s
# with the pure-Python one, and both give the same strings.
_YAML_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def label_files() -> tuple[Path, ...]:
    """The files figure text is read from besides the tables, sorted.

    Every ``*.yml`` of ``analysis/data`` (``config.RULES_DIR``) and the manifest
    that region names come from (:data:`analysis.figures.labels.MANIFEST_PATH`,
    when it exists).
    """
    files = sorted(Path(config.RULES_DIR).glob("*.yml"))
    if Path(labels.MANIFEST_PATH).is_file():
        files.append(Path(labels.MANIFEST_PATH))
    return tuple(files)


def _strings(node: object) -> Iterator[str]:
    # Every string of a parsed YAML document, keys included.
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def file_characters(paths: Iterable[Path]) -> set[str]:
    """The distinct characters of the strings of YAML files and the cells of CSV files.

    A ``.csv`` is read as text (UTF-8, with or without BOM), every other file as
    YAML; comments are not part of either.
    """
    found: set[str] = set()
    for path in paths:
        path = Path(path)
        if path.suffix == ".csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            values: Iterable[str] = [*table.columns, *table.to_numpy().ravel()]
        else:
            with open(path, encoding="utf-8") as handle:
                values = _strings(yaml.load(handle, Loader=_YAML_LOADER))
        for value in values:
            found.update(value)
    return found


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _is_text(kind.value_type)
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or (
        hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind))


def table_characters(processed_dir: Path, stems: Sequence[str]) -> set[str]:
    """The distinct characters of every string column of the written tables ``stems``.

    Tables that do not exist are skipped (a figure cannot draw them either).
    Only the string columns are read, one column and one batch of rows at a
    time, and each batch's distinct values are joined once: memory stays that
    of a batch however large the table (the text of a thousand plans' ``units``
    is hundreds of MiB), and the characters are the same as reading it whole.
    """
    found: set[str] = set()
    for stem in dict.fromkeys(stems):
        if not table_exists(stem, processed_dir):
            continue
        # One file or, for a large table, a folder of one file per plan.
        dataset = table_dataset(stem, processed_dir)
        for name in [field.name for field in dataset.schema if _is_text(field.type)]:
            for batch in dataset.to_batches(columns=[name], batch_size=_BATCH_ROWS):
                column = batch.column(0)
                if pa.types.is_dictionary(column.type):
                    column = column.dictionary
                found.update("".join(v for v in pc.unique(column).to_pylist() if v))
    return found


# Rows of one column read at a time by table_characters.
_BATCH_ROWS: int = 65_536


def figure_characters(
    processed_dir: Path, stems: Sequence[str], *, extra: Iterable[str] = (),
    files: Sequence[Path] | None = None,
) -> str:
    """The character set of the figures drawn from the tables ``stems`` of ``processed_dir``.

    Parameters
    ----------
    processed_dir : Path
        Folder of the processed tables (Parquet).
    stems : sequence of str
        The tables the figures read.
    extra : iterable of str, default ()
        More text to cover (a notebook's own titles).
    files : sequence of Path, optional
        The label files; default :func:`label_files`.

    Returns
    -------
    str
        Sorted distinct characters, with :data:`analysis.figures.fonts.BASE_RANGES`
        (:func:`analysis.figures.fonts.character_set`), ready for
        :func:`analysis.figures.fonts.use_characters`.
    """
    found = table_characters(processed_dir, stems)
    found |= file_characters(label_files() if files is None else files)
    found.update(*extra)
    return character_set(found)
