"""Chinese or English labels for figures, from the files a researcher edits.

One switch, ``lang="zh" | "en"``, picks the language everywhere.  Names come from
where the project already keeps them, never from Python literals:

* regions: ``data/raw/manifest.csv`` (``name_zh``, ``name_en`` per ``region_id``);
* themes and domains: the codebook ``analysis/data/codebook.yml``
  (``label_zh``, ``label_en`` per ``id``);
* every other text on a figure (axis titles, figure titles and captions, the
  wording of "Topic 3"): ``analysis/data/figure_labels.yml``.

A missing id or language raises ``KeyError`` naming the file to edit, so that a
figure never shows a raw identifier where a reader expects a name.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis import config

LANGS: tuple[str, ...] = ("zh", "en")
KINDS: tuple[str, ...] = ("region", "theme", "domain", "text")

CODEBOOK_PATH: Path = config.RULES_DIR / "codebook.yml"
FIGURE_TEXT_PATH: Path = config.RULES_DIR / "figure_labels.yml"

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
    manifest_path: Path = config.MANIFEST_PATH,
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
        The files read (defaults: the project's own).

    Returns
    -------
    str
        The name as written in the file; an English name that starts in lower
        case ("an unnamed county in Sichuan") gets a capital, since it stands alone.
        A region missing from the manifest is labelled by its ``region_id``.
    """
    if kind not in KINDS:
        raise ValueError(_CHOICE.format(name="kind", allowed=KINDS, value=kind))
    check_lang(lang)
    if kind == "region":
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
    if not value:
        raise KeyError(f"{kind} {id!r} has no {lang} label in {source}")
    if lang == "en" and kind != "text" and value[:1].islower():
        value = value[:1].upper() + value[1:]
    return value


def order(
    kind: str,
    ids: Iterable[str],
    *,
    codebook_path: Path = CODEBOOK_PATH,
    manifest_path: Path = config.MANIFEST_PATH,
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
        known = list(_manifest_labels(*_stamp(manifest_path)))
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


def wrap(value: str, lang: str, *, width: int = 24) -> str:
    """Break a long label onto lines of about ``width`` Latin characters.

    English breaks between words.  Chinese has no spaces and each character is
    about two Latin characters wide, so lines hold ``width // 2`` characters;
    a line is ended early before an opening bracket or after 、，；： so that
    "四川某县（未具名）" breaks as "四川某县 / （未具名）", not inside the bracket.
    """
    check_lang(lang)
    if lang == "en":
        return "\n".join(textwrap.wrap(value, width=width, break_long_words=False)) or value
    step = max(1, width // 2)
    lines: list[str] = []
    rest = value
    while len(rest) > step:
        cut = step
        for i in range(step, 0, -1):
            if rest[i] in "（(《“" or rest[i - 1] in "、，；：":
                cut = i
                break
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    return "\n".join(lines)


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
