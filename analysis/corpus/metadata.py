"""Metadata headers of web pages: 发布时间：… 来源：… 浏览次数：… in any layout.

A page prints the facts about an article as ``key：value`` pairs, with or
without separators, all on one line or one per line, sometimes with the key
on one line and its value on the next, and sometimes run straight into the
first body sentence when a page was flattened into one line.
:func:`read_metadata_header` reads such a run from the start of a line and
says where it stops, so the caller can remove exactly the header and keep the
rest.  The keys and what their values are (a date, a count, a name) are data
in ``analysis/data/chrome_rules.yml`` (section ``metadata_keys``).

Matching is done on the line's simplified form
(:func:`analysis.corpus.script.to_simplified_aligned`, same length), so
traditional pages (發佈時間、瀏覽次數) are read by the same keys and the
offsets still cut the printed line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.corpus.script import to_simplified_aligned

#: Allowed values of a metadata key's ``kind``.
VALUE_KINDS = ("date", "count", "code", "name")

_VALUE = {
    "date": re.compile(
        r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
    ),
    "count": re.compile(r"\d+(?:\s*次)?"),
    # An index number: 002938471/2024-01022, 11330998MB0000123K/2024-00017.
    "code": re.compile(r"[0-9A-Za-z][0-9A-Za-z/\-_.]{3,60}"),
    # A name runs to the next space or separator (it is cut again at a key).
    "name": re.compile(r"(?:《[^》\s]{1,30}》)?[^\s:：|｜丨【】\[\]<>《》，,;；。]{0,40}"),
}
_COLON = re.compile(r"\s*[:：丨|｜]\s*")
# What may stand between two header items: spaces, bars, brackets, slashes.
_GAP = re.compile(r"[\s|｜丨/／·•【】\[\]()（）<>＜＞,，;；]*")
# A name longer than this is a name followed by text; it is cut after the
# first organisation or site suffix, or not taken as a value at all.
_NAME_MAX = 20
_NAME_END = re.compile(r"^.{2,20}?(?:局|委员会|委|政府|办公室|厅|中心|学校|网|站|报|平台)")


@dataclass(frozen=True)
class MetadataKey:
    """One key of a metadata header: its printed (simplified) form and its value."""

    key: str
    kind: str
    fields: tuple[str, ...]


@dataclass
class HeaderMatch:
    """What :func:`read_metadata_header` found at the start of a line.

    ``end`` is the offset (in the printed line) where the header stops;
    ``values`` maps each of a key's ``fields`` to the value as printed (first
    one wins); ``n_pairs`` counts keys with a value, ``n_words`` interface words;
    ``bare_key`` is the key when the line ends on a key with no value (the
    value is on the next line).
    """

    end: int = 0
    values: dict[str, str] = field(default_factory=dict)
    n_pairs: int = 0
    n_words: int = 0
    bare_key: MetadataKey | None = None


def metadata_keys_from(entries: list[dict]) -> tuple[MetadataKey, ...]:
    """Build the key table from the ``metadata_keys`` section of the chrome rules.

    Each entry has ``keys`` (a list of printed keys), ``kind`` (one of
    :data:`VALUE_KINDS`) and ``field`` (the metadata key or a list of keys,
    ``"source"``, or empty).  Keys are returned longest first so 浏览次数 wins over 浏览.
    """
    keys: list[MetadataKey] = []
    for i, entry in enumerate(entries):
        for name in ("keys", "kind", "field"):
            if name not in entry:
                raise ValueError(f"chrome rules: metadata_keys entry #{i} lacks {name!r}")
        if entry["kind"] not in VALUE_KINDS:
            raise ValueError(
                f"chrome rules: metadata_keys entry #{i} has kind {entry['kind']!r}; "
                f"allowed values are {', '.join(VALUE_KINDS)}"
            )
        target = entry["field"] or ()
        fields = (target,) if isinstance(target, str) else tuple(target)
        keys.extend(MetadataKey(str(k), entry["kind"], fields) for k in entry["keys"])
    return tuple(sorted(keys, key=lambda k: (-len(k.key), k.key)))


def _key_at(simple: str, pos: int, keys: tuple[MetadataKey, ...]) -> MetadataKey | None:
    for key in keys:
        if simple.startswith(key.key, pos):
            return key
    return None


def _cut_name(simple: str, start: int, end: int, keys: tuple[MetadataKey, ...]) -> int:
    """Where a name value starting at ``start`` really ends (``start`` if it is no name)."""
    # A key inside the run (…教育局浏览次数：12) ends the name there.
    for i in range(start + 1, end):
        key = _key_at(simple, i, keys)
        if key is not None and len(key.key) >= 2:
            after = simple[i + len(key.key) : i + len(key.key) + 1]
            if after in (":", "：") or after.isdigit():
                end = i
                break
    if end - start <= _NAME_MAX:
        return end
    match = _NAME_END.match(simple, start)
    return match.end() if match else start


def read_metadata_header(
    line: str, *, keys: tuple[MetadataKey, ...], ui_words: tuple[str, ...] = ()
) -> HeaderMatch:
    """Read the run of ``key：value`` pairs and interface words at the start of ``line``.

    Parameters
    ----------
    line : str
        One printed line (simplified or traditional).
    keys : tuple of MetadataKey
        From :func:`metadata_keys_from`, longest first.
    ui_words : tuple of str, default ()
        Interface words (打印, 关闭, 字号 …) that may stand between the pairs.

    Returns
    -------
    HeaderMatch
        ``end`` is 0 when the line does not start with a header.  A name
        value needs a colon or a space after its key, so prose that merely
        begins with a key word (来源于…, 时间紧…) is not read as a header.
    """
    simple = to_simplified_aligned(line)
    result = HeaderMatch()
    pos = 0
    while True:
        start = _GAP.match(simple, pos).end()
        if start >= len(simple):
            break
        key = _key_at(simple, start, keys)
        if key is not None:
            after_key = start + len(key.key)
            colon = _COLON.match(simple, after_key)
            value_at = colon.end() if colon else after_key
            value = _VALUE[key.kind].match(simple, value_at)
            value_end = value.end() if value else value_at
            if value and key.kind == "name":
                spaced = after_key < len(simple) and simple[after_key].isspace()
                value_end = (
                    _cut_name(simple, value_at, value_end, keys) if (colon or spaced) else value_at
                )
            if value_end > value_at:
                printed = line[value_at:value_end].strip()
                for name in key.fields:
                    result.values.setdefault(name, printed)
                result.n_pairs += 1
                pos = result.end = value_end
                continue
            rest = simple[value_at:].strip()
            if colon and (not rest or _key_at(simple, _GAP.match(simple, value_at).end(), keys)):
                # 来源： (empty) followed by the next key, or at the line's end.
                pos = result.end = colon.end()
                if not rest:
                    result.bare_key = key
                continue
            if not simple[after_key:].strip():
                result.bare_key = key
                pos = result.end = len(simple)
                continue
            break
        word = next((w for w in ui_words if simple.startswith(w, start)), None)
        if word is None:
            break
        result.n_words += 1
        pos = result.end = start + len(word)
    if result.end and not result.n_pairs and result.bare_key is None:
        # Interface words alone are not a metadata header (page_interface handles them).
        return HeaderMatch()
    return result


def read_metadata_value(line: str, *, key: MetadataKey) -> str | None:
    """The value of ``key`` when ``line`` is that value alone (key on the line before)."""
    simple = to_simplified_aligned(line.strip())
    match = _VALUE[key.kind].fullmatch(simple)
    if match is None or (key.kind == "name" and len(simple) > _NAME_MAX):
        return None
    return line.strip()


def file_source_value(
    value: str,
    *,
    publisher_ends: re.Pattern[str],
    site_contains: re.Pattern[str],
    ignore: re.Pattern[str],
) -> str | None:
    """Which metadata field a 来源 value belongs to: ``publisher``, ``source_site`` or None.

    An organisation (ends in 局, 委员会, 中心 …) is the publisher; a website,
    newspaper or account is the source site; 本站, 原创, 网络 … name nothing.
    """
    simple = to_simplified_aligned(value)
    if ignore.search(simple):
        return None
    if site_contains.search(simple):
        return "source_site"
    if publisher_ends.search(simple):
        return "publisher"
    return "source_site"
