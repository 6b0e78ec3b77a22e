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

Two fonts are built, each once per cache:

*the font of a character set* (:func:`charset_font`)
    only the glyphs of the characters the figures can draw, as collected from the
    processed tables and label files by :mod:`analysis.figures.charset`, plus
    :data:`BASE_RANGES` (Latin, punctuation, digits, the minus sign).  A corpus
    needs 1 000-4 000 glyphs, converted in 1-3 s, and the font file is 0.3-1 MB
    instead of 7 MB, so the PDF backend, which re-reads the font to subset it for
    every file, is faster too.  :func:`analysis.figures.make.make_all_figures`
    draws with it (:func:`use_characters`); the cache file name carries a hash of
    the character set, so a corpus with new characters gets its own font.
*the full font* (:func:`cjk_font_path` without ``chars``)
    the fallback when no character set is in use, for a figure drawn by calling a
    plotting function directly (tests, notebooks), whose text nobody collected:
    the glyphs of the scripts a Chinese policy document uses, :data:`KEEP_RANGES`
    (Latin, Greek and Cyrillic letters, general punctuation and symbols, CJK
    punctuation, the 20 992 unified ideographs of the Basic Multilingual Plane
    and the CJK compatibility, fullwidth and halfwidth forms).  Converting it
    takes about 20 s on one core, once per cache.  Kana, Hangul and the rare
    ideographs of the supplementary planes are left out; such a character falls
    back to DejaVu Sans (see :mod:`analysis.figures.style`), and matplotlib warns
    if that lacks it too.  To draw a notebook's figures with the small font, wrap
    them in ``with use_characters(figure_characters(processed_dir, stems)):``
    (:func:`analysis.figures.charset.figure_characters`).

Both convert CFF to TrueType first and subset the TrueType font afterwards.

The converted font is renamed (family "Noto Sans CJK SC TT", followed for a
character-set font by the start of its hash) so that matplotlib never confuses it
with an OpenType Noto Sans CJK SC installed on the system, nor the two fonts with
each other when one process draws with both; the PostScript name, which the PDF
shows, is the same for both.  The conversion is deterministic: the cache file name
carries a hash of the source font, the fontTools version, this module's conversion
settings and the character set, and the same inputs give the same bytes (no
timestamps are recalculated).

References
----------
Adobe & Google (2014-2015). Noto Sans CJK / Source Han Sans, SIL Open Font License 1.1.
fontTools cu2qu: https://github.com/fonttools/fonttools (Lib/fontTools/cu2qu).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import fontTools
from fontTools import subset as ft_subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._g_l_y_f import Glyph

from analysis.config import CACHE_DIR

__all__ = [
    "active_font", "AUTOHINT_REFERENCE", "BASE_RANGES", "character_set", "charset_family",
    "charset_font", "check_characters", "cjk_font_path", "CJKFont", "convert_to_truetype",
    "CONVERTER_VERSION", "FAMILY", "KEEP_RANGES", "MAX_ERR", "MissingCharactersError",
    "PARALLEL_MIN_GLYPHS", "POSTSCRIPT_NAME", "SOURCE_FILE", "source_font_path", "SOURCE_PACKAGE",
    "use_characters",
]

#: Family name of the converted font, as matplotlib and the PDF see it.
FAMILY: str = "Noto Sans CJK SC TT"
POSTSCRIPT_NAME: str = "NotoSansCJKscTT-Regular"

#: The OpenType source, as the ``mplfonts`` package ships it (SIL OFL 1.1).
SOURCE_PACKAGE: str = "mplfonts"
SOURCE_FILE: str = "fonts/NotoSansCJKsc-Regular.otf"

# Maximum deviation, in font units (1000 per em), of the quadratic outlines
# from the cubic originals: 1 unit is 0.01 pt at 10 pt, far below what prints.
MAX_ERR: float = 1.0

# Unicode blocks kept in the full font (half-open ranges).  Wide enough for any
# Chinese policy text (the five plans and 103 government work reports use only
# these), narrow enough to halve the conversion time.
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

# Characters every character-set font holds whatever the corpus (half-open
# ranges): what matplotlib itself writes (digits, ".", "e", "+", "%" and the
# minus sign of tick labels, axes.unicode_minus) and the punctuation a caption,
# a number or a label typed in a notebook may use, so that such text never
# depends on what the tables happen to contain.  About 400 glyphs.
BASE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007F),  # Basic Latin: ASCII letters, digits and punctuation
    (0x00A0, 0x0100),  # Latin-1 Supplement: ×, °, ², ·, no-break space
    (0x2000, 0x2070),  # General Punctuation: dashes, quotes, …, ‰, thin spaces
    (0x2212, 0x2213),  # MINUS SIGN, which matplotlib puts on negative tick labels
    (0x3000, 0x3040),  # CJK Symbols and Punctuation: 、。《》「」【】
    (0xFF00, 0xFFF0),  # Halfwidth and Fullwidth Forms: ，：；（）０-９
)

# The characters FreeType's auto-hinter measures to fit a script's outlines to
# the pixel grid (the blue strings of src/autofit/afblue.dat and the standard
# characters of afscript.h, FreeType 2.14, for the scripts this font draws:
# Latin with its sub- and superscripts, Greek, Cyrillic, CJK).  The converted
# outlines carry no hinting instructions, so FreeType auto-hints them, and the
# heights and stem widths it snaps to are the averages over these characters
# that the font has: a font without them renders every Chinese character a pixel
# differently.  Each character-set font holds those of them the full font holds,
# so a PNG is the same whichever of the two it is drawn with.
AUTOHINT_REFERENCE: str = (
    "THEZOCQSHEZLOCUSfijkdbhuvxzoescnrxzoescpqgjyoO0"  # Latin
    "₀₃₅₇₈₀₁₂₃₈ᵢⱼₕₖₗₐₑₒₓₙₛᵥᵤᵣᵦᵧᵨᵩₚ⁰³⁵⁷ᵀᴴᴱᴼ⁰¹²³ᴱᴸᴼᵁᵇᵈᵏʰʲᶠⁱᵉᵒʳˢˣᶜᶻᵖʸᵍ"  # sub/superscripts
    "ΓΒΕΖΘΟΩΒΔΖΞΘΟβθδζλξαειοπστωβγημρφχψοΟ"  # Greek
    "БВЕПЗОСЭБВЕШЗОСЭхпншезосруфоО"  # Cyrillic
    "他们你來們到和地对對就席我时時會来為能舰說说这這齊军同已愿既星是景民照现現理用置要"
    "軍那配里開雷露面顾个为人他以们你來個們到和大对對就我时時有来為要說说主些因它想意理生"
    "當看着置者自著裡过还进進過道還里面些们你來們到和地她将將就年得情最样樣理能說说这這通"
    "即吗吧听呢品响嗎师師收断斷明眼間间际陈限除陳随際隨事前學将將情想或政斯新样樣民沒没"
    "然特现現球第經谁起例別别制动動吗嗎增指明朝期构物确种調调費费那都間间田囗"  # CJK
)

# Below this many glyphs the outlines are converted in the calling process even
# when n_jobs > 1: each worker re-reads the 16 MB source and sends its glyphs
# back pickled, which outweighs the gain for a character-set font (measured on
# 2 loaded cores: 4 300 glyphs in 2.2 s in one process, 3.2 s in two); the full
# font (28 000 glyphs, about 20 s in one process) still gains.
PARALLEL_MIN_GLYPHS: int = 10_000

# Bump when the conversion below changes, so cached fonts are rebuilt.
CONVERTER_VERSION: str = "1"


@dataclass(frozen=True)
class CJKFont:
    """A converted font: its file, the family matplotlib knows it by, what it covers.

    ``chars`` is the character set it was built for (:func:`charset_font`), or
    None for the full font (:data:`KEEP_RANGES`).
    """

    path: Path
    family: str
    chars: frozenset[str] | None = None


def source_font_path() -> Path:
    """Return the path of the OpenType Noto Sans CJK SC that ``mplfonts`` installs."""
    path = Path(str(resources.files(SOURCE_PACKAGE).joinpath(SOURCE_FILE)))
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; reinstall the project so that {SOURCE_PACKAGE!r} ships "
            "Noto Sans CJK SC"
        )
    return path


@lru_cache(maxsize=4)
def _source_digest(path: str, _mtime: int, _size: int) -> hashlib._Hash:
    # Hashing the 16 MB source takes about 30 ms and the style asks for the font
    # at every figure, so the hash state is kept per (path, modification time, size).
    return hashlib.sha256(Path(path).read_bytes())


def _cache_key(source: Path, chars: str | None = None) -> str:
    stat = source.stat()
    digest = _source_digest(str(source), stat.st_mtime_ns, stat.st_size).copy()
    if chars is None:
        settings = f"{fontTools.version}|{CONVERTER_VERSION}|{MAX_ERR}|{KEEP_RANGES}"
    else:
        # The ranges of the full font do not shape a character-set font.
        settings = f"{fontTools.version}|{CONVERTER_VERSION}|{MAX_ERR}|chars|{chars}"
    digest.update(settings.encode("utf-8"))
    return digest.hexdigest()[:16]


def character_set(chars: Iterable[str]) -> str:
    """Return the distinct characters of ``chars`` and :data:`BASE_RANGES`, sorted.

    ``chars`` is any iterable of strings (each string counts by its characters);
    line breaks and other control characters are dropped, since no font draws
    them.  The characters of :data:`AUTOHINT_REFERENCE` that the full font has
    are added too, so that FreeType hints the glyphs as in the full font.
    """
    found = {c for value in chars for c in value if c.isprintable()}
    found.update(chr(cp) for lo, hi in BASE_RANGES for cp in range(lo, hi))
    found.update(c for c in AUTOHINT_REFERENCE
                 if any(lo <= ord(c) < hi for lo, hi in KEEP_RANGES))
    return "".join(sorted(found))


def charset_family(chars: str) -> str:
    """The family name of the font of the character set ``chars`` (from :func:`character_set`)."""
    return f"{FAMILY} {_cache_key(source_font_path(), chars)[:8]}"


def cjk_font_path(
    *, chars: Iterable[str] | None = None, cache_dir: Path = CACHE_DIR, n_jobs: int = 1,
) -> Path:
    """Return the TrueType CJK font, converting it into ``cache_dir`` at first use.

    Parameters
    ----------
    chars : iterable of str, optional
        Build the font of these characters (with :data:`BASE_RANGES`; see
        :func:`character_set`).  Default None: the full font of :data:`KEEP_RANGES`.
    cache_dir : Path, default ``analysis.config.CACHE_DIR``
        The font goes to ``cache_dir / "fonts"``.  Set ``ANALYSIS_CACHE_DIR`` to
        share one cache between checkouts.
    n_jobs : int, default 1
        Processes converting the outlines when the font is not cached yet
        (:func:`convert_to_truetype`); the bytes written do not depend on it.

    Returns
    -------
    Path
        ``<cache_dir>/fonts/NotoSansCJKscTT-Regular-<key>.ttf`` for the full font,
        ``...-chars-<key>.ttf`` for a character set, where ``key`` hashes the
        source font, the fontTools version, the conversion settings and the
        character set.
    """
    source = source_font_path()
    charset = None if chars is None else character_set(chars)
    stem = POSTSCRIPT_NAME if charset is None else f"{POSTSCRIPT_NAME}-chars"
    target = Path(cache_dir) / "fonts" / f"{stem}-{_cache_key(source, charset)}.ttf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if charset is None:
        font = convert_to_truetype(source, n_jobs=n_jobs)
    else:
        font = convert_to_truetype(source, unicodes=[ord(c) for c in charset],
                                   family=charset_family(charset), n_jobs=n_jobs)
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


def charset_font(chars: Iterable[str], *, cache_dir: Path = CACHE_DIR, n_jobs: int = 1
                 ) -> CJKFont:
    """The font of the characters ``chars`` (built at first use, see :func:`cjk_font_path`).

    ``cache_dir`` (default ``analysis.config.CACHE_DIR``) and ``n_jobs``
    (default 1) as for :func:`cjk_font_path`.
    """
    charset = character_set(chars)
    path = cjk_font_path(chars=charset, cache_dir=cache_dir, n_jobs=n_jobs)
    return CJKFont(path=path, family=charset_family(charset), chars=frozenset(charset))


# The font the house style draws with when not the full one (use_characters);
# per process, so each worker of make_all_figures sets its own.
_ACTIVE: CJKFont | None = None


def active_font(*, cache_dir: Path = CACHE_DIR) -> CJKFont:
    """The font figures are drawn with now.

    Inside :func:`use_characters`, the font of its character set; elsewhere the
    full font of ``cache_dir`` (default ``analysis.config.CACHE_DIR``), built at
    first use.
    """
    if _ACTIVE is not None:
        return _ACTIVE
    return CJKFont(path=cjk_font_path(cache_dir=cache_dir), family=FAMILY)


@contextmanager
def use_characters(
    chars: Iterable[str], *, cache_dir: Path = CACHE_DIR, n_jobs: int = 1,
) -> Iterator[CJKFont]:
    """Draw with the font of ``chars`` inside this block (yields that font).

    Figures drawn inside may only show characters of ``chars`` and
    :data:`BASE_RANGES`; :func:`analysis.figures.save.save_figure` raises
    :class:`MissingCharactersError` for any other.  ``cache_dir`` (default
    ``analysis.config.CACHE_DIR``) and ``n_jobs`` (default 1) as for
    :func:`cjk_font_path`.  The previous font is restored on leaving (blocks
    nest; not meant for threads drawing at once).
    """
    global _ACTIVE
    previous = _ACTIVE
    _ACTIVE = charset_font(chars, cache_dir=cache_dir, n_jobs=n_jobs)
    try:
        yield _ACTIVE
    finally:
        _ACTIVE = previous


class MissingCharactersError(ValueError):
    """A figure shows characters that the font it is drawn with was not built for."""


def check_characters(texts: Iterable[str], font: CJKFont) -> None:
    """Raise :class:`MissingCharactersError` if ``texts`` use characters ``font`` lacks.

    Only a character-set font is checked (``font.chars`` not None); the full font
    leaves the check to matplotlib's "Glyph ... missing from font(s)" warning.
    A character of the set that the source font lacks is drawn by the fallback
    family, as it would be with the full font, so it passes.
    """
    if font.chars is None:
        return
    missing: dict[str, str] = {}
    for value in texts:
        for char in value:
            if char not in font.chars and char.isprintable() and char not in missing:
                missing[char] = value
    if missing:
        shown = "; ".join(f"{c!r} (U+{ord(c):04X}) in {t[:40]!r}" for c, t in missing.items())
        raise MissingCharactersError(
            f"the figure draws characters outside the font's character set: {shown}. "
            "The set comes from the processed tables and label files "
            "(analysis.figures.charset.figure_characters); text from elsewhere must be "
            "added to it (use_characters)")


def convert_to_truetype(
    source: Path, *, unicodes: Sequence[int] | None = None, family: str = FAMILY,
    n_jobs: int = 1,
) -> TTFont:
    """Replace the CFF outlines of ``source`` by TrueType ones, keeping only some characters.

    Parameters
    ----------
    source : Path
        An OpenType font with CFF outlines.
    unicodes : sequence of int, optional
        Code points to keep (those the source lacks are skipped).  Default None:
        every character of :data:`KEEP_RANGES`.
    family : str, default :data:`FAMILY`
        Family name of the converted font.
    n_jobs : int, default 1
        With more than 1 and at least :data:`PARALLEL_MIN_GLYPHS` glyphs, the
        outlines (two thirds of the time) are converted by that many processes,
        each an equal share of the kept glyphs; the glyphs are the same objects
        as in one process, so the font is too.

    Returns
    -------
    TTFont
        The converted font in memory, renamed; timestamps are kept from the
        source so that the saved bytes depend only on the inputs.
    """
    font = TTFont(str(source), recalcTimestamp=False)
    if "CFF " not in font:
        raise ValueError(f"{source} has no CFF outlines; nothing to convert")
    cmap = font.getBestCmap()
    wanted = (range(lo, hi) for lo, hi in KEEP_RANGES) if unicodes is None else (unicodes,)
    kept = sorted({cp for block in wanted for cp in block if cp in cmap})
    keep = {".notdef"} | {cmap[cp] for cp in kept}
    # Converting first and subsetting the TrueType font afterwards is about three
    # times faster than subsetting the CFF font (whose subroutine pruning alone
    # takes half a minute); glyphs not kept become empty outlines.
    _cff_to_glyf(font, keep=keep, source=source, n_jobs=n_jobs)
    _subset(font, unicodes=kept)
    _rename(font, family=family)
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


def _draw_glyphs(glyph_set: object, names: Sequence[str]) -> list:
    # After fontTools' Snippets/otf2ttf.py: draw every CFF glyph named through
    # Cu2QuPen into a TTGlyphPen; reverse_direction turns PostScript's
    # counter-clockwise outer contours into TrueType's clockwise ones.
    glyphs = []
    for name in names:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyphs.append(pen.glyph())
    return glyphs


def _draw_chunk(task: tuple[Path, list[str]]) -> list:
    source, names = task
    return _draw_glyphs(TTFont(str(source), recalcTimestamp=False).getGlyphSet(), names)


def _cff_to_glyf(font: TTFont, *, keep: set[str], source: Path, n_jobs: int = 1) -> None:
    order = font.getGlyphOrder()
    # Also loads the tables the glyph set needs (hmtx among them) while maxp
    # still holds the glyph count they are read with.
    glyph_set = font.getGlyphSet()
    names = [name for name in order if name in keep]
    if n_jobs > 1 and len(names) >= PARALLEL_MIN_GLYPHS:
        size = -(-len(names) // n_jobs)
        tasks = [(source, names[i:i + size]) for i in range(0, len(names), size)]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            drawn = [glyph for chunk in pool.map(_draw_chunk, tasks) for glyph in chunk]
    else:
        drawn = _draw_glyphs(glyph_set, names)
    outlines = dict(zip(names, drawn, strict=True))
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    # Glyphs not kept are dropped by the subsetter right after; an empty Glyph()
    # is ten times cheaper to make than an empty pen's, for tens of thousands.
    glyf.glyphs = {name: outlines[name] if name in outlines else Glyph() for name in order}
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


def _rename(font: TTFont, *, family: str = FAMILY) -> None:
    names = {
        1: family,
        3: f"{POSTSCRIPT_NAME};converted-{CONVERTER_VERSION}"
           + ("" if family == FAMILY else f";{family[len(FAMILY):].strip()}"),
        4: f"{family} Regular",
        6: POSTSCRIPT_NAME,
        16: family,
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
