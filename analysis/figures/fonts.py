"""A CJK font with TrueType outlines, built once from a freely licensed source.

Why a conversion: the Noto Sans CJK SC font that installs from the package index
(shipped by ``mplfonts``, SIL Open Font License) has CFF (PostScript) outlines.
Embedded with ``pdf.fonttype = 42`` its subset is declared as a TrueType CID font
but carries CFF data, which PDF checkers (poppler's ``pdffonts``: "Mismatch between
font type and embedded font file") flag; ``pdf.fonttype = 3`` avoids that but writes
Type 3 fonts, which some journals reject.  A font with TrueType (quadratic)
outlines embeds cleanly as a "CID TrueType" font, so at first use the CFF outlines
are converted to TrueType with fontTools' cu2qu (Cu2QuPen, max error 1 font unit
of 1000) and the result is written to the project cache.

To keep that one-off step short (about 20 s on one core, against about 45 s for
all 65 535 glyphs and a minute when fontTools subsets the CFF font first) only the
glyphs of the scripts a Chinese policy document uses are converted: Latin, Greek
and Cyrillic letters, general punctuation and symbols, CJK punctuation, the 20 992
unified ideographs of the Basic Multilingual Plane and the CJK compatibility,
fullwidth and halfwidth forms; the TrueType font is then subset to them.  Kana,
Hangul and the rare ideographs of the supplementary planes are left out; a
character outside the kept ranges falls back to DejaVu Sans (see
:mod:`analysis.figures.style`), and matplotlib warns if that lacks it too.

The converted font is renamed (family "Noto Sans CJK SC TT") so that matplotlib
never confuses it with an OpenType Noto Sans CJK SC installed on the system.  The
conversion is deterministic: the cache file name carries a hash of the source
font, the fontTools version and this module's conversion settings, and the same
inputs give the same bytes (no timestamps are recalculated).

References
----------
Adobe & Google (2014-2015). Noto Sans CJK / Source Han Sans, SIL Open Font License 1.1.
fontTools cu2qu: https://github.com/fonttools/fonttools (Lib/fontTools/cu2qu).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

import fontTools
from fontTools import subset as ft_subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

from analysis.config import CACHE_DIR

#: Family name of the converted font, as matplotlib and the PDF see it.
FAMILY: str = "Noto Sans CJK SC TT"
POSTSCRIPT_NAME: str = "NotoSansCJKscTT-Regular"

#: The OpenType source, as the ``mplfonts`` package ships it (SIL OFL 1.1).
SOURCE_PACKAGE: str = "mplfonts"
SOURCE_FILE: str = "fonts/NotoSansCJKsc-Regular.otf"

# Maximum deviation, in font units (1000 per em), of the quadratic outlines
# from the cubic originals: 1 unit is 0.01 pt at 10 pt, far below what prints.
MAX_ERR: float = 1.0

# Unicode blocks kept (half-open ranges).  Wide enough for any Chinese policy text
# (the five plans and 103 government work reports use only these), narrow
# enough to halve the conversion time.
KEEP_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x0250),  # Basic Latin, Latin-1, Latin Extended-A/B
    (0x0370, 0x0530),  # Greek, Cyrillic
    (0x2000, 0x2070),  # General Punctuation
    (0x2100, 0x2300),  # Letterlike, Number Forms, Arrows, Mathematical Operators
    (0x2460, 0x2700),  # Enclosed Alphanumerics, Box Drawing, Geometric Shapes, Symbols
    (0x2E80, 0x2FE0),  # CJK Radicals
    (0x3000, 0x3040),  # CJK Symbols and Punctuation
    (0x3200, 0x3400),  # Enclosed CJK, CJK Compatibility
    (0x4E00, 0xA000),  # CJK Unified Ideographs
    (0xF900, 0xFB00),  # CJK Compatibility Ideographs
    (0xFE30, 0xFE50),  # CJK Compatibility Forms
    (0xFF00, 0xFFF0),  # Halfwidth and Fullwidth Forms
)

# Bump when the conversion below changes, so cached fonts are rebuilt.
CONVERTER_VERSION: str = "1"


def source_font_path() -> Path:
    """Return the path of the OpenType Noto Sans CJK SC that ``mplfonts`` installs."""
    path = Path(str(resources.files(SOURCE_PACKAGE).joinpath(SOURCE_FILE)))
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; reinstall the project so that {SOURCE_PACKAGE!r} ships "
            "Noto Sans CJK SC"
        )
    return path


def _cache_key(source: Path) -> str:
    digest = hashlib.sha256()
    digest.update(source.read_bytes())
    settings = f"{fontTools.version}|{CONVERTER_VERSION}|{MAX_ERR}|{KEEP_RANGES}"
    digest.update(settings.encode("utf-8"))
    return digest.hexdigest()[:16]


def cjk_font_path(*, cache_dir: Path = CACHE_DIR, n_jobs: int = 1) -> Path:
    """Return the TrueType CJK font, converting it into ``cache_dir`` at first use.

    Parameters
    ----------
    cache_dir : Path, default ``analysis.config.CACHE_DIR``
        The font goes to ``cache_dir / "fonts"``.  Set ``ANALYSIS_CACHE_DIR`` to
        share one cache between checkouts.
    n_jobs : int, default 1
        Processes converting the outlines when the font is not cached yet
        (:func:`convert_to_truetype`); the bytes written do not depend on it.

    Returns
    -------
    Path
        ``<cache_dir>/fonts/NotoSansCJKscTT-Regular-<key>.ttf``, where ``key`` hashes
        the source font, the fontTools version and the conversion settings.
    """
    source = source_font_path()
    target = Path(cache_dir) / "fonts" / f"{POSTSCRIPT_NAME}-{_cache_key(source)}.ttf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    font = convert_to_truetype(source, n_jobs=n_jobs)
    # Write to a temporary file and rename, so that two processes building the
    # font at once never leave a half-written file behind.
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".ttf.part")
    try:
        with os.fdopen(handle, "wb") as tmp:
            font.save(tmp)
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; the cache is shared
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def convert_to_truetype(source: Path, *, n_jobs: int = 1) -> TTFont:
    """Replace the CFF outlines of ``source`` by TrueType ones, keeping :data:`KEEP_RANGES`.

    Returns the converted font in memory (renamed to :data:`FAMILY`); timestamps
    are kept from the source so that the saved bytes depend only on the inputs.
    With ``n_jobs`` > 1 (default 1) the outlines, two thirds of the time, are
    converted by that many processes, each a contiguous run of the glyph order;
    the glyphs are the same objects as in one process, so the font is too.
    """
    font = TTFont(str(source), recalcTimestamp=False)
    if "CFF " not in font:
        raise ValueError(f"{source} has no CFF outlines; nothing to convert")
    cmap = font.getBestCmap()
    unicodes = sorted(cp for lo, hi in KEEP_RANGES for cp in range(lo, hi) if cp in cmap)
    keep = {".notdef"} | {cmap[cp] for cp in unicodes}
    # Converting first and subsetting the TrueType font afterwards is about three
    # times faster than subsetting the CFF font (whose subroutine pruning alone
    # takes half a minute); glyphs not kept are converted as empty outlines.
    _cff_to_glyf(font, keep=keep, source=source, n_jobs=n_jobs)
    _subset(font, unicodes=unicodes)
    _rename(font)
    return font


def _subset(font: TTFont, *, unicodes: list[int]) -> None:
    options = ft_subset.Options()
    # matplotlib lays text out glyph by glyph and never reads GSUB/GPOS, so layout
    # features (and the thousands of alternates they would pull in) are dropped,
    # with the vertical-text tables.
    options.layout_features = []
    options.drop_tables += ["DSIG", "GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.recalc_timestamp = False
    subsetter = ft_subset.Subsetter(options=options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)


def _draw_glyphs(glyph_set: object, names: list[str], keep: set[str] | frozenset[str]) -> list:
    # After fontTools' Snippets/otf2ttf.py: draw every kept CFF glyph through
    # Cu2QuPen into a TTGlyphPen; reverse_direction turns PostScript's
    # counter-clockwise outer contours into TrueType's clockwise ones.
    glyphs = []
    for name in names:
        pen = TTGlyphPen(None)
        if name in keep:
            glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyphs.append(pen.glyph())
    return glyphs


def _draw_chunk(task: tuple[Path, list[str], frozenset[str]]) -> list:
    source, names, keep = task
    return _draw_glyphs(TTFont(str(source), recalcTimestamp=False).getGlyphSet(), names, keep)


def _cff_to_glyf(font: TTFont, *, keep: set[str], source: Path, n_jobs: int = 1) -> None:
    order = font.getGlyphOrder()
    # Also loads the tables the glyph set needs (hmtx among them) while maxp
    # still holds the glyph count they are read with.
    glyph_set = font.getGlyphSet()
    if n_jobs > 1:
        size = -(-len(order) // n_jobs)
        frozen = frozenset(keep)
        tasks = [(source, order[i:i + size], frozen) for i in range(0, len(order), size)]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            drawn = [glyph for chunk in pool.map(_draw_chunk, tasks) for glyph in chunk]
    else:
        drawn = _draw_glyphs(glyph_set, order, keep)
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name, glyph in zip(order, drawn, strict=True):
        glyf[name] = glyph
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 3.0  # no glyph names: CID-keyed source glyphs have none worth keeping
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = None
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont) -> None:
    names = {
        1: FAMILY,
        3: f"{POSTSCRIPT_NAME};converted-{CONVERTER_VERSION}",
        4: f"{FAMILY} Regular",
        6: POSTSCRIPT_NAME,
        16: FAMILY,
    }
    table = font["name"]
    for record in list(table.names):
        if record.nameID in names:
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        if name_id == 16 and not any(r.nameID == 17 for r in table.names):
            continue
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
