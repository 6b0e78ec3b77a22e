"""Chinese or English labels for figures, from the files a researcher edits.

One switch, ``lang="zh" | "en"``, picks the language everywhere.  Names come from
where the project already keeps them, never from Python literals:

* regions: ``data/raw/manifest.csv`` (``name_zh``, ``name_en`` per ``region_id``);
* themes and domains: the codebook ``analysis/data/codebook.yml``
  (``label_zh``, ``label_en`` per ``id``);
* every other text on a figure (axis titles, figure titles and captions, the
  wording of "Topic 3"): ``analysis/data/figure_labels.yml``.

A missing id or language raises ``KeyError`` naming the file to edit, so that a
figure never shows a raw identifier where a reader expects a name.  Regions are
the exception, since a plan can be added without an English name: a region
with an empty ``name_en`` is labelled in English by the same rule ``python -m
analysis add`` uses (:func:`analysis.ingest.region_names.english_region_name`,
清溪县 → "Qingxi County"), and one with an empty ``name_zh`` by its English
name, so that adding a plan never stops the figures.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis import config
from analysis.ingest.region_names import english_region_name

__all__ = [
    "check_lang", "CODEBOOK_PATH", "column_labels", "FIGURE_TEXT_PATH", "KINDS", "label", "LANGS",
    "MANIFEST_PATH", "order", "region_fallback_label", "region_labels", "text", "turned_length",
    "short_label", "wrap",
]

LANGS: tuple[str, ...] = ("zh", "en")
KINDS: tuple[str, ...] = ("region", "theme", "domain", "text")

CODEBOOK_PATH: Path = config.RULES_DIR / "codebook.yml"
FIGURE_TEXT_PATH: Path = config.RULES_DIR / "figure_labels.yml"
#: Where region names are read when no ``manifest_path`` is given: read at each
#: call, set at import from ``config.MANIFEST_PATH`` (a benchmark redirects that
#: before importing the figures; a test may set this).
MANIFEST_PATH: Path = config.MANIFEST_PATH

_CHOICE = "{name} must be one of {allowed}, got {value!r}"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(_CHOICE.format(name="lang", allowed=LANGS, value=lang))
    return lang


def label(
    kind: str,
    id: str,
    lang: str = "zh",
    *,
    codebook_path: Path = CODEBOOK_PATH,
    manifest_path: Path | None = None,
    text_path: Path = FIGURE_TEXT_PATH,
) -> str:
    """Return the display name of one region, theme, domain or figure text.

    Parameters
    ----------
    kind : {"region", "theme", "domain", "text"}
        Where to look: the raw-data manifest, the codebook's themes or domains, or
        the figure-text file.
    id : str
        ``region_id``, theme ``id``, domain ``id`` or figure-text key.
    lang : {"zh", "en"}, default "zh"
    codebook_path, manifest_path, text_path : Path
        The files read (defaults: the project's own; ``manifest_path`` None is
        :data:`MANIFEST_PATH`).

    Returns
    -------
    str
        The name as written in the file; an English name that starts in lower
        case ("an unnamed county in Sichuan") gets a capital, since it stands alone.
        A region missing from the manifest is labelled by its ``region_id``; a
        region whose name in ``lang`` is empty, by the fallback of
        :func:`region_fallback_label`.
    """
    if kind not in KINDS:
        raise ValueError(_CHOICE.format(name="kind", allowed=KINDS, value=kind))
    check_lang(lang)
    if kind == "region":
        manifest_path = MANIFEST_PATH if manifest_path is None else manifest_path
        table, source = _manifest_labels(*_stamp(manifest_path)), manifest_path
    elif kind == "text":
        table, source = _text_labels(*_stamp(text_path)), text_path
    else:
        themes, domains = _codebook_labels(*_stamp(codebook_path))
        table, source = (themes if kind == "theme" else domains), codebook_path
    if id not in table and kind != "text":
        # Codes the tables use but the codebook or manifest does not define
        # ("unassigned") are named in the figure-text file as "<kind>:<id>".
        extra = _text_labels(*_stamp(text_path))
        if f"{kind}:{id}" in extra:
            table, source, id = extra, text_path, f"{kind}:{id}"
    if id not in table and kind == "region":
        # A plan built from another raw folder (a benchmark corpus, a study's own
        # collection) may not be in the project's manifest: it is shown by its id.
        return id
    if id not in table:
        raise KeyError(f"no {kind} {id!r} in {source}; add it there (known: {sorted(table)})")
    value = table[id].get(lang)
    if not value and kind == "region":
        value = region_fallback_label(id, table[id], lang)
    if not value:
        raise KeyError(f"{kind} {id!r} has no {lang} label in {source}")
    if lang == "en" and kind != "text" and value[:1].islower():
        value = value[:1].upper() + value[1:]
    return value


def region_fallback_label(region_id: str, names: Mapping[str, str], lang: str) -> str:
    """The label of a region whose manifest row has no name in ``lang``.

    English: ``name_zh`` romanised (:func:`analysis.ingest.region_names.english_region_name`,
    the rule ``python -m analysis add`` fills ``name_en`` with); Chinese: the
    English name.  ``region_id`` when the row has neither name.
    """
    check_lang(lang)
    if lang == "en" and names.get("zh"):
        return english_region_name(names["zh"]) or region_id
    return names.get("en") or names.get("zh") or region_id


def region_labels(
    ids: Iterable[str],
    lang: str = "zh",
    *,
    manifest_path: Path | None = None,
    text_path: Path = FIGURE_TEXT_PATH,
) -> dict[str, str]:
    """Display names of the regions ``ids`` drawn together, told apart when they share one.

    Each name is :func:`label` ``("region", id, lang)``; when two or more of
    ``ids`` have the same name in ``lang`` (plans of the same place, a corpus of
    plans all named "全国"), each of them is followed by its id as the text
    ``region_disambiguated`` of ``figure_labels.yml`` writes it:
    "全国（bench_0039）", "National (bench_0039)".
    A name is told apart only among the regions of one figure, so a figure with
    one of them shows the plain name.

    Parameters
    ----------
    ids : iterable of str
        The regions of one figure (repeats ignored).
    lang : {"zh", "en"}, default "zh"
    manifest_path, text_path : Path
        The files read (defaults: the project's own; ``manifest_path`` None is
        :data:`MANIFEST_PATH`).

    Returns
    -------
    dict
        ``region_id -> display name``, in the order of ``ids``, regions of the
        same name told apart.
    """
    unique = list(dict.fromkeys(str(i) for i in ids))
    names = {r: label("region", r, lang, manifest_path=manifest_path, text_path=text_path)
             for r in unique}
    counts = Counter(names.values())
    return {
        r: text("region_disambiguated", lang, fields={"name": name, "id": r},
                text_path=text_path) if counts[name] > 1 else name
        for r, name in names.items()
    }


def order(
    kind: str,
    ids: Iterable[str],
    *,
    codebook_path: Path = CODEBOOK_PATH,
    manifest_path: Path | None = None,
) -> list[str]:
    """Sort the distinct ``ids`` of regions, themes or domains in their files' order.

    Regions follow ``manifest.csv``, themes and domains the codebook, so every
    figure lists them the same way; ids the file lacks (``unassigned``) go last,
    alphabetically.
    """
    if kind not in ("region", "theme", "domain"):
        raise ValueError(_CHOICE.format(name="kind", allowed=("region", "theme", "domain"),
                                        value=kind))
    if kind == "region":
        known = list(_manifest_labels(
            *_stamp(MANIFEST_PATH if manifest_path is None else manifest_path)))
    else:
        themes, domains = _codebook_labels(*_stamp(codebook_path))
        known = list(themes if kind == "theme" else domains)
    rank = {key: i for i, key in enumerate(known)}
    distinct = sorted({str(i) for i in ids})
    return sorted(distinct, key=lambda key: (key not in rank, rank.get(key, 0), key))


def text(
    key: str,
    lang: str = "zh",
    *,
    fields: Mapping[str, object] | None = None,
    text_path: Path = FIGURE_TEXT_PATH,
) -> str:
    """Return figure text ``key`` in ``lang``, with ``{placeholders}`` filled from ``fields``."""
    template = label("text", key, lang, text_path=text_path)
    return template.format_map(dict(fields or {}))


_LATIN_WORD = re.compile(r"[A-Za-z0-9_]")

# Punctuation that may not begin a line of Chinese (the closing half of the
# line-breaking rules of GB/T 15834): kept at the end of the line before.
_NO_LINE_START: str = "）)》”’、，。；：！？"


def _display_width(value: str) -> int:
    # Chinese and fullwidth characters take about two Latin character widths.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def _outside_latin_word(line: str, cut: int) -> int:
    # A cut inside a run of Latin letters, digits and "_" (an id, a year) moves to
    # the start of the run, or past its end when only opening brackets precede
    # it on the line: like an English word, the run is never split.
    if not (cut < len(line) and _LATIN_WORD.match(line[cut - 1]) and _LATIN_WORD.match(line[cut])):
        return cut
    start, end = cut, cut
    while start > 0 and _LATIN_WORD.match(line[start - 1]):
        start -= 1
    while end < len(line) and _LATIN_WORD.match(line[end]):
        end += 1
    return start if line[:start].strip("（(《“") else end


def wrap(value: str, lang: str, *, width: int = 24) -> str:
    """Break a long label onto lines of about ``width`` Latin characters.

    English breaks between words.  Chinese has no spaces: a line holds as many
    characters as fit ``width``, each Chinese or fullwidth character counting
    as two Latin ones (so ``width // 2`` of them), a Latin letter or digit as
    one, and a run of Latin letters and digits is not split ("全国（bench_0039）"
    keeps its id on one line, even beyond ``width``).  A line is ended early
    before an opening bracket or after 、，；： so that "四川某县（未具名）"
    breaks as "四川某县 / （未具名）", not inside the bracket, and a closing
    bracket or punctuation mark never begins a line.
    """
    check_lang(lang)
    if lang == "en":
        return "\n".join(textwrap.wrap(value, width=width, break_long_words=False)) or value
    lines: list[str] = []
    rest = value
    while _display_width(rest) > max(width, 2):
        cut, used = 0, 0
        while cut < len(rest) and used + _display_width(rest[cut]) <= max(width, 2):
            used += _display_width(rest[cut])
            cut += 1
        cut = max(cut, 1)
        cut = _outside_latin_word(rest, cut)
        for i in range(min(cut, len(rest) - 1), 0, -1):
            if rest[i] in "（(《“" or rest[i - 1] in "、，；：":
                cut = i
                break
        while cut < len(rest) and rest[cut] in _NO_LINE_START:
            cut += 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest or not lines:
        lines.append(rest)
    return "\n".join(lines)


_PARENTHETICAL = re.compile(r"\s*[（(][^（()）]*[)）]")


def short_label(value: str, lang: str, *, width: int, max_lines: int = 2) -> str:
    """``value`` wrapped at ``width`` on at most ``max_lines`` lines, abbreviated if need be.

    A label that wraps onto more lines first loses its bracketed asides
    ("Student development (moral, intellectual, …)" → "Student development"),
    then is cut after ``max_lines`` lines, the last ending in "…".
    """
    lines = wrap(value, lang, width=width).split("\n")
    if len(lines) <= max_lines:
        return "\n".join(lines)
    bare = _PARENTHETICAL.sub("", value).strip()
    if bare and bare != value:
        return short_label(bare, lang, width=width, max_lines=max_lines)
    kept = lines[:max_lines]
    last = kept[-1].rstrip(" ,;:，、；：")
    # Room for the ellipsis within the line.
    while last and _display_width(last) + 1 > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return "\n".join(kept)


def column_labels(names: Iterable[str], lang: str, *, width: int) -> tuple[list[str], int]:
    """Labels of narrow columns: wrapped upright when they fit, else turned 90 degrees.

    Parameters
    ----------
    names : iterable of str
        One label per column.
    lang : {"zh", "en"}
    width : int
        Latin characters a column holds (Chinese characters count two).

    Returns
    -------
    (labels, rotation) : tuple of list of str and int
        ``wrap(name, lang, width=width)`` each and rotation 0 when no wrapped line
        is wider than ``width``; otherwise the names on one line each and
        rotation 90, so that a name too long to break (a region told apart by
        its id, "全国（bench_0039）") does not run into its neighbours.
    """
    names = list(names)
    wrapped = [wrap(name, lang, width=width) for name in names]
    if all(_display_width(line) <= width for value in wrapped for line in value.split("\n")):
        return wrapped, 0
    return names, 90


def turned_length(labels: Iterable[str], *, fontsize: float) -> float:
    """Inches the longest of ``labels`` takes turned 90 degrees at ``fontsize`` points.

    A Latin character is taken as half an em wide and a Chinese one as a full em
    (the figure is made that much taller, so the turned labels do not squeeze
    the cells).
    """
    return max((_display_width(value) for value in labels), default=0) * 0.5 * fontsize / 72


def _stamp(path: Path) -> tuple[str, int, int]:
    # Cache by path, modification time and size, so an edited file is re-read.
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; labels are read from it")
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=16)
def _manifest_labels(path: str, _mtime: int, _size: int) -> dict[str, dict[str, str]]:
    manifest = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = {"region_id", "name_zh", "name_en"} - set(manifest.columns)
    if missing:
        raise ValueError(f"{path} lacks the columns {sorted(missing)}")
    return {
        row.region_id: {"zh": row.name_zh, "en": row.name_en}
        for row in manifest.itertuples(index=False)
    }


@lru_cache(maxsize=16)
def _codebook_labels(
    path: str, _mtime: int, _size: int
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    with open(path, encoding="utf-8") as handle:
        codebook = yaml.safe_load(handle)
    if not isinstance(codebook, dict):
        raise ValueError(f"{path} is not a mapping with 'themes' and 'domains'")
    out = []
    for section in ("themes", "domains"):
        entries = codebook.get(section) or []
        labels = {}
        for entry in entries:
            if not isinstance(entry, dict) or "id" not in entry:
                raise ValueError(f"{path}: every entry of {section!r} needs an 'id', got {entry!r}")
            labels[str(entry["id"])] = {
                "zh": entry.get("label_zh", ""), "en": entry.get("label_en", ""),
            }
        out.append(labels)
    return out[0], out[1]


@lru_cache(maxsize=16)
def _text_labels(path: str, _mtime: int, _size: int) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    if not isinstance(entries, dict):
        raise ValueError(f"{path} must map each key to {{zh: ..., en: ...}}")
    labels = {}
    for key, value in entries.items():
        if not isinstance(value, dict) or set(value) - set(LANGS):
            raise ValueError(f"{path}: {key!r} must map to {{zh: ..., en: ...}}, got {value!r}")
        labels[str(key)] = {lang: str(value.get(lang, "")) for lang in LANGS}
    return labels
