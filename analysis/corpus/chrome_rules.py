"""The chrome rule file: kinds of page furniture, read and checked.

``analysis/data/chrome_rules.yml`` holds the rules :mod:`analysis.corpus.chrome`
strips page furniture with: whole-line rules grouped by page kind, metadata
keys, fields and facts, list headers, line prefixes and the title shapes.
:func:`load_chrome_rules` reads it with ``yaml.safe_load`` and checks every
section, rule id and zone, naming what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config
from analysis.corpus.metadata import MetadataKey, metadata_keys_from

ZONES = ("any", "header", "footer", "header_footer")


@dataclass(frozen=True)
class LineRule:
    id: str
    reason: str
    pattern: re.Pattern[str]
    zone: str
    max_len: int
    kind: str = ""


@dataclass(frozen=True)
class PrefixRule:
    id: str
    reason: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class ChromeRules:
    line_rules: tuple[LineRule, ...]
    fields: tuple[re.Pattern[str], ...]
    facts: tuple[re.Pattern[str], ...]
    ui_words: tuple[str, ...]
    ui_residual_max: int
    keywords_reason: str
    keywords_min_words: int
    keywords_max_word_len: int
    title_pattern: re.Pattern[str]
    title_max_len: int
    notice_title: re.Pattern[str]
    metadata_keys: tuple[MetadataKey, ...] = ()
    source_publisher: re.Pattern[str] = re.compile(r"$^")
    source_site: re.Pattern[str] = re.compile(r"$^")
    source_ignore: re.Pattern[str] = re.compile(r"$^")
    list_reason: str = "related_list"
    list_header: re.Pattern[str] = re.compile(r"$^")
    list_max_len: int = 0
    line_prefixes: tuple[PrefixRule, ...] = ()
    title_fused: re.Pattern[str] = re.compile(r"$^")
    title_site_suffix: re.Pattern[str] = re.compile(r"$^")
    notice_start: re.Pattern[str] = re.compile(r"$^")
    other_part: re.Pattern[str] = re.compile(r"$^")
    site_furniture_kinds: tuple[str, ...] = ()
    body_generic_keys: re.Pattern[str] = re.compile(r"$^")
    stamped_site: re.Pattern[str] = re.compile(r"$^")
    same_title_share: float = 1.0


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(
            f"chrome rules: {where}: bad regular expression {pattern!r}: {exc}"
        ) from exc


def _line_rules(raw: object, path: Path) -> list[LineRule]:
    """The ``line_rules`` section: a mapping of page kind → rules (or one flat list)."""
    groups = raw.items() if isinstance(raw, dict) else [("", raw)]
    rules: list[LineRule] = []
    seen: set[str] = set()
    for kind, entries in groups:
        for i, entry in enumerate(entries or []):
            for key in ("id", "reason", "pattern", "zone", "max_len"):
                if key not in entry:
                    raise ValueError(
                        f"chrome rules {path}: line rule #{i} of "
                        f"{kind or 'line_rules'} lacks {key!r}"
                    )
            if entry["id"] in seen:
                raise ValueError(f"chrome rules {path}: duplicate rule id {entry['id']!r}")
            seen.add(entry["id"])
            if entry["zone"] not in ZONES:
                raise ValueError(
                    f"chrome rules {path}: rule {entry['id']!r} has zone {entry['zone']!r}; "
                    f"allowed values are {', '.join(ZONES)}"
                )
            rules.append(
                LineRule(
                    entry["id"],
                    entry["reason"],
                    _compile(entry["pattern"], entry["id"]),
                    entry["zone"],
                    int(entry["max_len"]),
                    str(kind),
                )
            )
    return rules


@lru_cache(maxsize=4)
def load_chrome_rules(path: Path = config.CHROME_RULES_PATH) -> ChromeRules:
    """Read and validate the chrome rule file (safe YAML, no code)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    required = (
        "ui_words",
        "ui_residual_max",
        "fields",
        "line_rules",
        "keywords_line",
        "title",
        "notice_title",
        "facts",
        "metadata_keys",
        "source_value",
        "list_headers",
        "line_prefixes",
        "notice_start",
        "other_part",
        "site_furniture_kinds",
        "body_generic_keys",
        "stamped_site",
    )
    missing = [k for k in required if k not in raw]
    if missing:
        raise ValueError(f"chrome rules {path}: missing sections {missing}")
    kw = raw["keywords_line"]
    source = raw.get("source_value", {})
    lists = raw.get("list_headers", {})
    title = raw["title"]
    ends = title["ends_with"] + title.get("suffix", "")
    fused_start = title.get("fused_body_start")
    return ChromeRules(
        line_rules=tuple(_line_rules(raw["line_rules"], Path(path))),
        fields=tuple(_compile(p, "fields") for p in raw["fields"]),
        facts=tuple(_compile(p, "facts") for p in raw.get("facts", [])),
        ui_words=tuple(sorted(raw["ui_words"], key=len, reverse=True)),
        ui_residual_max=int(raw["ui_residual_max"]),
        keywords_reason=kw["reason"],
        keywords_min_words=int(kw["min_words"]),
        keywords_max_word_len=int(kw["max_word_len"]),
        title_pattern=_compile(ends + "$", "title"),
        title_max_len=int(title["max_len"]),
        notice_title=_compile(raw["notice_title"], "notice_title"),
        metadata_keys=metadata_keys_from(raw.get("metadata_keys", [])),
        source_publisher=_compile(source.get("publisher_ends", r"$^"), "source_value"),
        source_site=_compile(source.get("site_contains", r"$^"), "source_value"),
        source_ignore=_compile(source.get("ignore", r"$^"), "source_value"),
        list_reason=lists.get("reason", "related_list"),
        list_header=_compile(lists.get("header", r"$^"), "list_headers"),
        list_max_len=int(lists.get("max_len", 0)),
        line_prefixes=tuple(
            PrefixRule(e["id"], e["reason"], _compile(e["pattern"], e["id"]))
            for e in raw.get("line_prefixes", [])
        ),
        title_site_suffix=_compile(title.get("site_suffix", r"$^"), "title"),
        notice_start=_compile(raw.get("notice_start", r"$^"), "notice_start"),
        other_part=_compile(raw.get("other_part", r"$^"), "other_part"),
        site_furniture_kinds=tuple(raw.get("site_furniture_kinds", ())),
        body_generic_keys=_compile(raw.get("body_generic_keys", r"$^"), "body_generic_keys"),
        stamped_site=_compile(raw.get("stamped_site", r"$^"), "stamped_site"),
        same_title_share=float(title.get("same_title_share", 1.0)),
        title_fused=(
            _compile(
                rf"^(?P<title>.{{4,{int(title['max_len'])}}}?{ends})(?={fused_start})", "title"
            )
            if fused_start
            else re.compile(r"$^")
        ),
    )
