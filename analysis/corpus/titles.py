"""The plan's title among the page furniture: its shape and its other forms.

A title is a short line without sentence punctuation that ends in a plan's
document word (工作要点, 工作计划, 实施方案 …, list in
``analysis/data/chrome_rules.yml``).  These helpers recognise one, split one
run into the first body line, join a notice title broken over two lines and
tell whether two lines are forms of the same title; :mod:`analysis.corpus.chrome`
decides where in the page to look.
"""

from __future__ import annotations

import re
from collections import Counter

from analysis.corpus.chrome_rules import ChromeRules
from analysis.corpus.furniture import FurnitureSettings
from analysis.corpus.script import to_simplified, to_simplified_aligned

_SENTENCE_PUNCT = re.compile(r"[。！？!?；;，,]")


def is_title(text: str, *, rules: ChromeRules) -> bool:
    """Whether ``text`` has a plan title's shape.

    Parameters
    ----------
    text : str
        One printed line (simplified or traditional; judged in simplified form).
    rules : ChromeRules
        ``title_pattern`` (the document words a title ends in, with an
        optional bracketed note) and ``title_max_len``.

    Returns
    -------
    bool
        True for a line of at most ``title_max_len`` characters, without
        sentence punctuation, ending in a title word; a title printed in
        《》 as a whole counts too.
    """
    simple = to_simplified_aligned(text.strip())
    if simple.startswith("《") and simple.endswith("》"):
        simple = simple[1:-1]
    return (
        0 < len(simple) <= rules.title_max_len
        and not _SENTENCE_PUNCT.search(simple)
        and bool(rules.title_pattern.search(simple))
    )


def canonical_title(text: str) -> str:
    """``text`` in simplified form without spaces and 《》〈〉, for comparing titles."""
    return re.sub(r"[\s《》〈〉]", "", to_simplified(text))


def same_title(line: str, title: str, *, rules: ChromeRules, furniture: FurnitureSettings) -> bool:
    """Whether ``line`` is another form of ``title``.

    Parameters
    ----------
    line, title : str
        A title-shaped header line and the title found before it.
    rules : ChromeRules
        ``same_title_share``: the share of the longer form's characters
        both must share.
    furniture : FurnitureSettings
        ``numbering_label``: a numbered line (一、… 第一部分 …) is a heading,
        never a form of the title.

    Returns
    -------
    bool
    """
    a, b = canonical_title(line), canonical_title(title)
    if not a or not b or furniture.numbering_label.search(to_simplified_aligned(line.strip())):
        return False
    shared = sum((Counter(a) & Counter(b)).values())
    return shared / max(len(a), len(b)) >= rules.same_title_share


def split_fused_title(line: str, *, rules: ChromeRules) -> tuple[str, str] | None:
    """Split a title run into the first body line.

    Parameters
    ----------
    line : str
        A header line.
    rules : ChromeRules
        ``title_fused``: where the body visibly starts after a title word
        (a numbering label, a year, a preamble's first word).

    Returns
    -------
    (str, str) or None
        ``(title, rest)`` when the line starts with a title followed by a
        space or by a visible body start; otherwise None.
    """
    head, _, tail = line.partition(" ")
    if tail.strip() and is_title(head, rules=rules):
        return head, tail
    match = rules.title_fused.search(to_simplified_aligned(line))
    if match and is_title(line[: match.end("title")], rules=rules):
        return line[: match.end("title")], line[match.end("title") :]
    return None


def two_line_notice_title(line: str, following: str, *, rules: ChromeRules) -> str | None:
    """Join a notice title broken over two lines (…关于印发《某某县2024年 / 教育工作要点》的通知).

    Parameters
    ----------
    line, following : str
        A header line starting a notice title (``notice_start``) and the
        line after it.
    rules : ChromeRules

    Returns
    -------
    str or None
        The joined title when the two lines together have a notice title's
        shape and ``line`` alone has no title's shape; otherwise None.
    """
    simple = to_simplified_aligned(line)
    if not rules.notice_start.search(simple) or is_title(line, rules=rules):
        return None
    joined = line.strip() + following.strip()
    if is_title(joined, rules=rules) and rules.notice_title.search(to_simplified_aligned(joined)):
        return joined
    return None
