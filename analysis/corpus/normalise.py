"""Stage 4 — normalise punctuation, quotes and whitespace.

The plans mix half- and full-width commas, colons and brackets, use three
kinds of quotation marks and scatter layout spaces.  One convention makes
them comparable (and makes sentence splitting and n-grams reliable):

* ASCII ``, : ; ? !`` next to a Chinese character become ``， ： ； ？ ！``;
  between digits or Latin letters they stay (``10:39``, ``1,000``).
* ``( )`` pairs become ``（ ）`` when they enclose or touch Chinese text.
* ``〝〞`` (a spinner's quotes), ``「」`` and straight ``"`` pairs around
  Chinese text become ``“”``; ``『』`` become ``‘’``.
* Full-width digits and Latin letters become ASCII (``２０２１`` → ``2021``).
* Whitespace touching a Chinese character or Chinese punctuation is removed;
  other runs (between Latin words) collapse to one space.

Every change is one character for one character except whitespace removal, so
the ledger counts whitespace removed and characters changed separately, and
:func:`normalise_text` returns an index map from each output character back
to its input position (the repair ledger uses it to place repairs in units).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_FULL_PUNCT = set("，。、；：？！“”‘’（）《》〈〉【】—…·〔〕")
_ASCII_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_QUOTES = {"〝": "“", "〞": "”", "「": "“", "」": "”", "『": "‘", "』": "’", "＂": '"'}


@dataclass(frozen=True)
class Normalised:
    """Normalised text, a map to input positions and what was changed."""

    text: str
    source_index: tuple[int, ...]
    n_whitespace_removed: int
    n_chars_changed: int


def _is_chinese(ch: str) -> bool:
    return bool(ch) and (bool(_CJK.match(ch)) or ch in _FULL_PUNCT)


def _neighbour(chars: list[str], i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(chars) and chars[j].isspace():
        j += step
    return chars[j] if 0 <= j < len(chars) else ""


def _fold_width(ch: str) -> str:
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    return ch


def _convert_brackets(chars: list[str]) -> None:
    """Make matching () pairs full-width when they touch or enclose Chinese."""
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch in "(（":
            stack.append(i)
        elif ch in ")）" and stack:
            j = stack.pop()
            inner = chars[j + 1 : i]
            chinese = (
                any(_is_chinese(c) for c in inner)
                or _is_chinese(_neighbour(chars, j, -1))
                or _is_chinese(_neighbour(chars, i, +1))
                or chars[j] == "（"
                or ch == "）"
            )
            if chinese:
                chars[j], chars[i] = "（", "）"


def _convert_straight_quotes(chars: list[str]) -> None:
    """Pair straight double quotes within a line and curl them if Chinese."""
    positions = [i for i, c in enumerate(chars) if c == '"']
    for open_i, close_i in zip(positions[0::2], positions[1::2], strict=False):
        if any(_is_chinese(c) for c in chars[open_i + 1 : close_i]):
            chars[open_i], chars[close_i] = "“", "”"


def normalise_text(text: str) -> Normalised:
    """Apply the punctuation, quote and whitespace convention to one line.

    Returns a :class:`Normalised` whose ``source_index[i]`` is the position in
    ``text`` of output character ``i``.
    """
    original = list(text)
    chars = [_QUOTES.get(_fold_width(c), _fold_width(c)) for c in original]
    _convert_straight_quotes(chars)
    _convert_brackets(chars)
    for i, ch in enumerate(chars):
        if ch in _ASCII_TO_FULL and (
            _is_chinese(_neighbour(chars, i, -1)) or _is_chinese(_neighbour(chars, i, +1))
        ):
            chars[i] = _ASCII_TO_FULL[ch]
    out: list[str] = []
    index: list[int] = []
    removed = 0
    i = 0
    while i < len(chars):
        if not chars[i].isspace():
            out.append(chars[i])
            index.append(i)
            i += 1
            continue
        j = i
        while j < len(chars) and chars[j].isspace():
            j += 1
        before = out[-1] if out else ""
        after = chars[j] if j < len(chars) else ""
        if before and after and not _is_chinese(before) and not _is_chinese(after):
            out.append(" ")
            index.append(i)
            removed += (j - i) - 1
        else:
            removed += j - i
        i = j
    changed = sum(
        1 for k, src in enumerate(index) if out[k] != original[src] and not original[src].isspace()
    )
    return Normalised("".join(out), tuple(index), removed, changed)
