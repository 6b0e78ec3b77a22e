"""Saving figures byte-for-byte reproducibly, and the manifest that traces them.

Every figure is written as PNG (300 dpi, for slides and the web) and PDF (vector,
fonts embedded, for print), optionally SVG.  The same figure gives the same bytes
on every run: the PDF's dates come from ``SOURCE_DATE_EPOCH`` (or a fixed default
when it is unset), the PNG carries no software stamp, SVG ids use a fixed salt,
and the embedded font subsets are named by a hash of their glyphs.

``figures/manifest.csv`` lists, for each figure, its title and caption, the
processed tables it was drawn from, the command that makes it and the SHA-256
of each file, so a reader citing "Figure 3" can trace it back to the data
(reproducible-builds.org, "SOURCE_DATE_EPOCH specification", 2017).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import schema
from analysis.figures.fonts import MissingCharactersError, active_font, check_characters
from analysis.figures.style import figure_style

__all__ = [
    "DEFAULT_SOURCE_DATE_EPOCH", "DPI", "drawn_texts", "FIGURE_ID", "FORMATS", "MANIFEST_NAME",
    "manifest_table", "read_manifest", "save", "save_figure", "sha256_file", "source_date",
    "write_files", "write_manifest",
]

#: Used when SOURCE_DATE_EPOCH is unset: 1970-01-01T00:00:00Z, the usual
#: "no date" of reproducible builds, so no output ever carries the build time.
DEFAULT_SOURCE_DATE_EPOCH: int = 0

DPI: int = 300
MANIFEST_NAME: str = "manifest.csv"
FIGURE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def source_date() -> datetime:
    """Return the build date: ``SOURCE_DATE_EPOCH`` (seconds, UTC) or the fixed default."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        seconds = DEFAULT_SOURCE_DATE_EPOCH
    elif raw.isdigit():
        seconds = int(raw)
    else:
        raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, got {raw!r}")
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the bytes of ``path``."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_figure(
    fig: Figure,
    fig_id: str,
    *,
    out_dir: Path,
    title: str,
    caption: str,
    sources: Sequence[str],
    command: str,
    svg: bool = False,
    dpi: int = DPI,
) -> dict[str, str]:
    """Write ``fig`` as ``<fig_id>.png`` and ``<fig_id>.pdf`` (and ``.svg``) in ``out_dir``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    fig_id : str
        File stem and manifest key: lower-case letters, digits, ``_``, ``-``, ``.``.
    out_dir : Path
        Created if missing.
    title, caption : str
        For the manifest and the files' own metadata (PNG and PDF ``Title``).
    sources : sequence of str
        Stems of the processed tables the figure was drawn from (at least one).
    command : str
        The shell command that regenerates the figure.
    svg : bool, default False
        Also write an SVG (text as paths, so it needs no font to view).
    dpi : int, default 300
        Resolution of the PNG.

    Returns
    -------
    dict
        One manifest row with the keys of :data:`analysis.schema.FIGURE_MANIFEST`:
        ``figure_id, title, caption, sources`` (joined by ``;``), ``command``,
        ``png_sha256, pdf_sha256, svg_sha256`` (empty when no SVG was written).

    Raises
    ------
    analysis.figures.fonts.MissingCharactersError
        When drawn with the font of a character set
        (:func:`analysis.figures.fonts.use_characters`) and a text of the figure
        has a character outside it; the PNG is removed and no PDF written.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not FIGURE_ID.match(fig_id):
        raise ValueError(f"fig_id must match {FIGURE_ID.pattern}, got {fig_id!r}")
    sources = [str(s) for s in sources]
    if not sources or any(not s or ";" in s for s in sources):
        raise ValueError(f"sources must name at least one table, without ';', got {sources!r}")
    if not title.strip() or not command.strip():
        raise ValueError("title and command must not be empty")
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    date = source_date()
    paths = {"png": out_dir / f"{fig_id}.png", "pdf": out_dir / f"{fig_id}.pdf"}
    if svg:
        paths["svg"] = out_dir / f"{fig_id}.svg"
    write_files(fig, paths, dpi=dpi, metadata={
        "png": {"Software": None, "Title": title},
        "pdf": {"Title": title, "Subject": caption, "Creator": command,
                "Keywords": ";".join(sources), "CreationDate": date, "ModDate": date},
        "svg": {"Title": title, "Description": caption,
                "Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")},
    })
    return {
        "figure_id": fig_id,
        "title": title,
        "caption": caption,
        "sources": ";".join(sources),
        "command": command,
        "png_sha256": sha256_file(paths["png"]),
        "pdf_sha256": sha256_file(paths["pdf"]),
        "svg_sha256": sha256_file(paths["svg"]) if svg else "",
    }


#: Formats :func:`save` and :func:`write_files` write.
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")


def write_files(
    fig: Figure,
    paths: Mapping[str, Path],
    *,
    dpi: int = DPI,
    metadata: Mapping[str, Mapping[str, object]],
) -> None:
    """Write ``fig`` once per format of ``paths`` (``{"png": path, ...}``), reproducibly.

    The shared writer of :func:`save_figure` and :func:`save`: PNG first, then
    the characters are checked against the active font, then PDF and SVG, all
    in the house style (``pdf.fonttype = 42``: the CJK font embedded as
    TrueType, never Type 3), cropped to the ink.  ``metadata`` gives each
    format's metadata (``{}`` for none).
    """
    # The house style is re-applied for saving because pdf.fonttype, svg.hashsalt
    # and the like are read when a file is written, not when the figure is drawn.
    with figure_style():
        common = {"bbox_inches": "tight", "pad_inches": 0.03}
        written = []
        if "png" in paths:
            fig.savefig(paths["png"], format="png", dpi=dpi, metadata=dict(metadata["png"]),
                        **common)
            written.append(paths["png"])
        # Checked once drawn, when tick labels and legends hold their final text.
        try:
            check_characters(drawn_texts(fig), active_font())
        except MissingCharactersError:
            for path in written:
                path.unlink()
            raise
        for fmt in ("pdf", "svg"):
            if fmt in paths:
                fig.savefig(paths[fmt], format=fmt, metadata=dict(metadata[fmt]), **common)


def save(
    fig: Figure,
    path: str | Path,
    *,
    formats: Sequence[str] | None = None,
    dpi: int = DPI,
) -> list[Path]:
    """Save ``fig`` for publication: CJK font embedded as TrueType, same bytes on every run.

    Unlike ``fig.savefig``, this works for any figure (also one a plot was
    drawn into with ``ax=``, or one made outside the house style): it is
    written in the house style, so PDFs embed TrueType (``pdf.fonttype = 42``),
    never the Type 3 fonts journals reject.  Files are reproducible like those
    of :func:`save_figure` (dates from ``SOURCE_DATE_EPOCH``, no software stamp)
    but get no manifest row.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
        The file to write; its suffix (``.png``, ``.pdf``, ``.svg``) gives the
        format when ``formats`` is None.  The folder is created if missing.
    formats : sequence of {"png", "pdf", "svg"}, optional
        Write these formats instead, each to ``path`` with that suffix.
    dpi : int, default 300
        Resolution of a PNG.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats`` (PNG first when both).

    Raises
    ------
    analysis.figures.fonts.MissingCharactersError
        As :func:`save_figure` (inside :func:`analysis.figures.fonts.use_characters`).
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    path = Path(path)
    if formats is None:
        chosen = [path.suffix.lower().lstrip(".")]
        if chosen[0] not in FORMATS:
            raise ValueError(f"path must end in one of {tuple('.' + f for f in FORMATS)} "
                             f"or formats be given, got {str(path)!r}")
    else:
        chosen = list(dict.fromkeys(formats)) if not isinstance(formats, str) else [formats]
        bad = [f for f in chosen if f not in FORMATS]
        if bad or not chosen:
            raise ValueError(f"formats must be drawn from {FORMATS}, got {formats!r}")
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    paths = {fmt: path if formats is None else path.with_suffix(f".{fmt}")
             for fmt in sorted(chosen, key=FORMATS.index)}
    path.parent.mkdir(parents=True, exist_ok=True)
    date = source_date()
    write_files(fig, paths, dpi=dpi, metadata={
        "png": {"Software": None},
        "pdf": {"CreationDate": date, "ModDate": date},
        "svg": {"Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")},
    })
    return list(paths.values())


def drawn_texts(fig: Figure) -> list[str]:
    """The strings of every visible text artist of ``fig`` (titles, ticks, legends, notes)."""
    return [artist.get_text() for artist in fig.findobj(Text)
            if artist.get_visible() and artist.get_text()]


def manifest_table(rows: Iterable[Mapping[str, str]]) -> pd.DataFrame:
    """Rows from :func:`save_figure` as a table sorted by ``figure_id`` (ids must be unique)."""
    table = pd.DataFrame(list(rows), columns=schema.FIGURE_MANIFEST).fillna("")
    duplicated = sorted(set(table.loc[table["figure_id"].duplicated(), "figure_id"]))
    if duplicated:
        raise ValueError(f"figure ids must be unique, repeated: {duplicated}")
    return table.sort_values("figure_id", kind="stable").reset_index(drop=True)


def write_manifest(rows: Iterable[Mapping[str, str]], out_dir: Path) -> Path:
    """Write ``out_dir/manifest.csv`` (UTF-8 with BOM, like every table) and return its path.

    Columns are :data:`analysis.schema.FIGURE_MANIFEST`, one row per figure,
    sorted by ``figure_id``.
    """
    table = manifest_table(rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MANIFEST_NAME
    table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def read_manifest(out_dir: Path) -> pd.DataFrame:
    """Read ``out_dir/manifest.csv`` back (all columns as strings)."""
    path = Path(out_dir) / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; run `python -m analysis figures` first")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
