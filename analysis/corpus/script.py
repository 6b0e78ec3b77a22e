"""Script: traditional-character plans read and coded like their simplified twins.

Plans reach researchers in traditional characters too (mirrors, reprints, Hong
Kong and Taiwan sites).  The text a unit shows stays as printed; every rule
that *matches* text (chrome, structure, codebook terms, dictionaries,
stopwords) sees its simplified form, made with OpenCC's own ``t2s``
conversion (characters and phrases, e.g. 發佈 → 发布, 乾淨 → 干净).

Two forms are offered:

* :func:`to_simplified` -- OpenCC ``t2s`` of the whole text, for coding and
  segmentation (phrase-aware, so its length can in rare cases differ);
* :func:`to_simplified_aligned` -- the same text converted so that character
  ``i`` of the result stands for character ``i`` of the input, for rules whose
  match offsets are used to cut the printed text.

Simplified text passes through both unchanged (``t2s`` leaves simplified
characters alone), so callers need not check the script first.
"""

from __future__ import annotations

from functools import lru_cache

import opencc
import pandas as pd

#: Values of ``regions.script``.
SCRIPTS = ("simplified", "traditional", "mixed", "none")

# A plan is called traditional (or simplified) when at least this share of the
# characters that differ between the scripts are of that script; in between it
# is "mixed" (a traditional mirror's simplified furniture, say).
_SCRIPT_SHARE = 0.8
# Fewer distinguishing characters than this say nothing either way.
_MIN_EVIDENCE = 5


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def _char_t2s(ch: str) -> str:
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=65536)
def _is_traditional_only(ch: str) -> bool:
    return _char_t2s(ch) != ch


@lru_cache(maxsize=65536)
def _is_simplified_only(ch: str) -> bool:
    out = _s2t().convert(ch)
    return len(out) == 1 and out != ch


def to_simplified(text: str) -> str:
    """OpenCC ``t2s`` conversion of ``text`` (phrase-aware; simplified text unchanged)."""
    return _t2s().convert(text) if text else text


def to_simplified_aligned(text: str) -> str:
    """Simplified form of ``text`` with the same length, character for character.

    The phrase-aware conversion is used when it keeps the length (almost
    always); otherwise each character is converted on its own.
    """
    if not text:
        return text
    whole = _t2s().convert(text)
    if len(whole) == len(text):
        return whole
    return "".join(_char_t2s(ch) for ch in text)


def detect_script(text: str) -> str:
    """Which script ``text`` is written in: one of :data:`SCRIPTS`.

    Counts the characters that exist in only one of the two scripts
    (學/学, 發/发 …); characters shared by both say nothing.  Returns
    ``"none"`` when fewer than five such characters occur.
    """
    traditional = sum(1 for ch in text if _is_traditional_only(ch))
    simplified = sum(1 for ch in text if _is_simplified_only(ch))
    total = traditional + simplified
    if total < _MIN_EVIDENCE:
        return "none"
    if traditional / total >= _SCRIPT_SHARE:
        return "traditional"
    if simplified / total >= _SCRIPT_SHARE:
        return "simplified"
    return "mixed"


def matching_text(units: pd.DataFrame) -> pd.Series:
    """The text of ``units`` that rules and the segmenter read: its simplified form.

    ``units.text_simplified`` where the loader made it (same length as ``text``,
    so character offsets found in one hold in the other); elsewhere ``text``
    converted here, so a units table built by hand codes the same way.
    Missing texts stay missing.
    """
    def convert(text: pd.Series) -> pd.Series:
        return text.map(lambda t: to_simplified_aligned(t) if isinstance(t, str) else t)

    if "text_simplified" not in units.columns:
        return convert(units["text"])
    # Convert only the rows the loader did not fill (none, for the loader's own units).
    given = units["text_simplified"].astype(object)
    missing = ~given.map(lambda t: isinstance(t, str))
    if missing.any():
        given = given.copy()
        given[missing] = convert(units.loc[missing, "text"])
    return given
