"""Word numbering formats: a list counter drawn as the label Word shows ("十一", "⑶", "iv").

Word keeps the numbers of numbered headings and items as list formatting, not
text: each level names a ``w:numFmt`` (ECMA-376 Part 1, §17.9) and
:func:`format_number` draws a counter in it.  Chinese plans number their
parts 一、二、…十一、 (``chineseCounting``, read 十一 not 一十一, as GB/T 9704
headings are written), items 1. 2. and sub-items （一）（二） or ①②.  Both
the .docx list numbering (:mod:`analysis.ingest.docx_numbering`) and HTML ``<ol>``
labels (:mod:`analysis.ingest.html_text`) draw their labels here.

References
----------
ECMA International (2021). *ECMA-376 Office Open XML File Formats*, Part 1,
§17.9 Numbering.
"""

from __future__ import annotations

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_CN_LEGAL_TRAD = "零壹貳參肆伍陸柒捌玖"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _chinese_counting(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    """Chinese numerals as Word's chineseCounting draws them (十一, 二十, 一百零五)."""
    if n <= 0:
        return str(n)
    if n >= 10000:
        return str(n)
    parts: list[str] = []
    places = [(1000, units[2]), (100, units[1]), (10, units[0]), (1, "")]
    started = False
    pending_zero = False
    for value, unit in places:
        digit = (n // value) % 10
        if digit == 0:
            if started:
                pending_zero = True
            continue
        if pending_zero:
            parts.append(digits[0])
            pending_zero = False
        # 10–19 read 十, 十一 …, not 一十 (GB/T 9704 headings: 十、十一、).
        if not (value == 10 and digit == 1 and not started):
            parts.append(digits[digit])
        parts.append(unit)
        started = True
    return "".join(parts)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    table = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ]
    out = []
    for value, letters in table:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    # Word repeats the letter: 27 → AA, 28 → BB.
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _enclosed(n: int, first: int, count: int) -> str | None:
    return chr(first + n - 1) if 1 <= n <= count else None


NUMBER_FORMATS: tuple[str, ...] = (
    "decimal",
    "decimalZero",
    "decimalFullWidth",
    "decimalFullWidth2",
    "decimalHalfWidth",
    "chineseCounting",
    "chineseCountingThousand",
    "taiwaneseCounting",
    "taiwaneseCountingThousand",
    "japaneseCounting",
    "chineseLegalSimplified",
    "ideographLegalTraditional",
    "ideographTraditional",
    "ideographZodiac",
    "ideographDigital",
    "taiwaneseDigital",
    "decimalEnclosedCircle",
    "decimalEnclosedCircleChinese",
    "decimalEnclosedFullstop",
    "decimalEnclosedParen",
    "ideographEnclosedCircle",
    "upperLetter",
    "lowerLetter",
    "upperRoman",
    "lowerRoman",
    "none",
    "bullet",
)


def format_number(n: int, fmt: str) -> str:
    """Draw counter ``n`` in Word numbering format ``fmt`` (``w:numFmt``).

    Formats not in :data:`NUMBER_FORMATS` raise ``KeyError``; callers fall
    back to decimal with a warning.  Enclosed forms beyond their glyph range
    (①–⑳, ㈠–㈩) fall back to decimal, as Word does.
    """
    if fmt in ("decimal", "decimalHalfWidth"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}" if 0 <= n < 10 else str(n)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(_FULLWIDTH_DIGITS)
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "japaneseCounting",
    ):
        return _chinese_counting(n)
    if fmt == "chineseLegalSimplified":
        return _chinese_counting(n, _CN_LEGAL, "拾佰仟")
    if fmt == "ideographLegalTraditional":
        return _chinese_counting(n, _CN_LEGAL_TRAD, "拾佰仟")
    if fmt == "ideographTraditional":
        return _HEAVENLY_STEMS[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _EARTHLY_BRANCHES[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n)) if n >= 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _enclosed(n, 0x2460, 20) or str(n)
    if fmt == "decimalEnclosedFullstop":
        return _enclosed(n, 0x2488, 20) or f"{n}."
    if fmt == "decimalEnclosedParen":
        return _enclosed(n, 0x2474, 20) or f"({n})"
    if fmt == "ideographEnclosedCircle":
        return _enclosed(n, 0x3220, 10) or str(n)
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    raise KeyError(fmt)
