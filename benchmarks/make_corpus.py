"""Build a benchmark corpus of N synthetic plans: a raw folder and a manifest the loader accepts.

Usage::

    python benchmarks/make_corpus.py --n 1000            # -> benchmarks/.work/corpus-1000/raw/
    python benchmarks/make_corpus.py --n 5 50 --reuse    # and the share of reused characters

Each plan is *composed*, the way a county bureau writes one: a title, an
opening paragraph of national policy language, then numbered sections
(一、指导思想, 工作目标, several 主要任务 sections, 保障措施, in that order
when present) whose items come from different real documents, then often a
signature and date.  The text is drawn from three sources (108 + 31 documents,
nothing invented beyond names and numbers):

* the five plans in ``data/raw/`` (see ``data/raw/manifest.csv``);
* the development split of the loader's development set,
  ``data/loader_devset/sources/dev/`` (plans written for this project in the
  shapes real pages have; the held-out split is never read);
* the 103 government work reports in ``shared/corpora/gov_work_reports/``
  (national and provincial policy language, and most of the text of long plans).

Every source is cut into an opening (the paragraphs before its first
``一、`` section) and sections of paragraphs; long paragraphs (the reports')
are cut to a run of a few sentences.  A plan then varies what it takes:

* **Length** is drawn log-uniformly between :data:`MIN_CHARS` (a short 工作要点)
  and :data:`MAX_CHARS` (a long 工作计划); sections are added until it is reached.
* **Selection and order.**  Each section keeps a random subset of its items,
  sometimes reordered; optional sections (指导思想, 工作目标, 保障措施) are
  dropped at random; an item's numbering style (``1.``, ``（一）`` or none)
  is the plan's.
* **Local names.**  Each plan gets its own region name, made from two seed
  character lists and a suffix 县/区/市 (:func:`region_names`; unique in the
  corpus, not taken from any page).  Names of the source documents' places
  are replaced by it (provinces and prefectures of the education sources by
  省 and 市, as county plans refer to them), and 全省/本省 by 全县/本县 etc.
* **Numbers and years.**  Years 2000–2030 move with the plan's year; other
  figures are scaled by a random factor (percentages capped at 100).
* **Local rewording.**  A share of common policy verbs and adverbs
  (加强, 推进, 进一步 …) is replaced by a near-synonym (:data:`REWORDING`), as
  bureaus edit what they copy; this, the sentence runs and the numbers are
  what keep verbatim reuse between synthetic plans near the real plans' rate
  (``benchmarks/README.md``, "The scale corpus").

Files are written as UTF-8, GB18030, UTF-16 (with BOM) or UTF-8 with BOM by
position (:data:`ENCODINGS`), so the read stage meets the variety it meets in
real collections.  Region ids are ``bench_0001`` …; the manifest has the
project's columns (``analysis.schema.MANIFEST``).

Reproducible: plan ``i`` depends only on the seed and ``i`` (so a corpus of
N plans is the first N plans of any larger one), and the same N and seed give
byte-identical files.  The work folder ``benchmarks/.work/`` is git-ignored.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis import config, schema
from analysis.corpus.load import read_manifest

BENCH_DIR: Path = Path(__file__).resolve().parent
WORK_DIR: Path = BENCH_DIR / ".work"


def _shared_reports() -> Path:
    # ../shared next to the checkout; a git worktree under another folder looks
    # further up for it.
    for folder in config.ROOT.parents:
        candidate = folder / "shared" / "corpora" / "gov_work_reports"
        if candidate.is_dir():
            return candidate
    return config.ROOT.parent / "shared" / "corpora" / "gov_work_reports"


SHARED_REPORTS: Path = _shared_reports()
DEVSET_DEV: Path = config.ROOT / "data" / "loader_devset" / "sources" / "dev"

DEFAULT_SEED: int = config.RANDOM_STATE

# Encoding of document i: index i % 4 picks one.
ENCODINGS: tuple[str, ...] = ("utf-8", "gb18030", "utf-16", "utf-8-sig")

# Target length of a plan in characters, drawn log-uniformly in [MIN_CHARS, MAX_CHARS]:
# from a short 工作要点 to a long 工作计划.
MIN_CHARS: int = 2_000
MAX_CHARS: int = 30_000

# Region names: a first and a second character, and a suffix with its admin level.
# Generated, not copied from any page; any coincidence with a real place is chance.
NAME_FIRST: str = "东西南北青白云松柳桃梅竹石金玉清平安永丰福长凤龙鹤鹿兰桂荷枫杉泉溪湖"
NAME_SECOND: str = "江河山湖溪川林源阳岭泉城宁州塘桥岗坪沙洲浦湾峰岩谷田原亭坝港台"
SUFFIXES: tuple[tuple[str, str], ...] = (("县", "county"), ("区", "district"),
                                         ("市", "prefecture_city"))

# Document types by length: (upper bound in characters, Chinese, English).
DOC_TYPES: tuple[tuple[int, str, str], ...] = (
    (6_000, "工作要点", "work points"),
    (14_000, "工作意见", "work opinions"),
    (math.inf, "工作计划", "work plan"),
)

# Share of task sections drawn from the education sources (the rest from the reports).
EDUCATION_SHARE: float = 0.2
# Chance that a reworded verb (REWORDING) is replaced where it occurs.
REWORD_RATE: float = 0.6
# Share of task items recombined from clauses (_recombined) rather than copied as a run
# of sentences: sets how much verbatim text synthetic plans share.
RECOMBINE_RATE: float = 0.85
# Share of a recombined item's clauses taken from its own section (the rest from
# anywhere in the reports).
SECTION_CLAUSES: float = 0.3
# Longest run of sentences kept from one source paragraph.
MAX_SENTENCES: int = 6
# Most 主要任务 sections in one plan.
MAX_TASK_SECTIONS: int = 12

# Near-synonyms a bureau substitutes when it adapts copied text (one pass, so a
# replacement is never replaced again).
REWORDING: dict[str, tuple[str, ...]] = {
    "加强": ("强化", "切实加强"), "推进": ("推动", "加快推进"), "推动": ("推进", "促进"),
    "深化": ("深入推进", "持续深化"), "完善": ("健全", "优化"), "健全": ("完善", "建立健全"),
    "提升": ("提高", "全面提升"), "提高": ("提升", "不断提高"), "进一步": ("持续", "更加"),
    "全面": ("全力", "全方位"), "积极": ("主动", "积极稳妥"), "切实": ("扎实", "认真"),
    "扎实": ("切实", "稳步"), "着力": ("致力", "重点"), "大力": ("全力", "积极"),
    "不断": ("持续", "逐步"), "持续": ("不断", "坚持"), "确保": ("保证", "力争"),
    "实施": ("推行", "组织实施"), "促进": ("推动", "助推"), "构建": ("打造", "建立"),
    "建立": ("建设", "构建"), "开展": ("组织", "深入开展"), "落实": ("执行", "贯彻"),
    "坚持": ("始终坚持", "坚定"), "创新": ("革新", "探索"),
    "重点": ("关键", "核心"), "有效": ("有力", "切实有效"),
    "机制": ("制度", "体系"), "水平": ("质量", "能力"), "统筹": ("协调", "兼顾"),
}

_SECTION = re.compile(
    r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]{1,3}[、.．])\s*(.+)$")
_ITEM = re.compile(
    r"^\s*(?:\d{1,2}[.．、](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[）)]、?)\s*(.+)$")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_CLAUSE = re.compile(r"(?<=[。！？；，])")
_NUMBER = re.compile(r"(?<![\d.])(\d+)(\.\d+)?(?![\d.])(%|％)?")
_REVIEW = re.compile(r"回顾|过去|成绩|成就|总结|工作情况")
_ADMIN_SUFFIX = r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|县|区)?"
_LEVEL_WORD = re.compile(r"([全本])(省|市|区|县)(?=[^委政人级直属内外]|$)")

_SLOTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("guiding", re.compile(r"指导思想|总体要求|总体思路|总体目标和要求")),
    ("goals", re.compile(r"目标")),
    ("safeguards", re.compile(r"保障|组织领导|工作要求|组织实施")),
)
_GUIDING_HEADINGS = ("指导思想", "总体要求", "总体思路")
_GOALS_HEADINGS = ("工作目标", "主要目标", "目标任务")
_SAFEGUARDS_HEADINGS = ("保障措施", "工作保障", "组织保障")


@dataclass(frozen=True)
class Section:
    """One section of a source document: its heading and its paragraphs (labels removed)."""

    source: str             # e.g. "plan:tonglu", "devset:dev07_notice_qingxi", "report:ws_0001"
    family: str             # "education" or "report"
    slot: str               # "guiding", "goals", "tasks" or "safeguards"
    heading: str
    paragraphs: tuple[str, ...]
    places: tuple[tuple[str, str], ...]  # (name in the source, "own" | "province" | "prefecture")


@dataclass(frozen=True)
class Pool:
    """Everything a plan is composed from."""

    openings: tuple[Section, ...]   # opening paragraphs of the education sources
    sections: tuple[Section, ...]
    clauses: tuple[str, ...]        # every clause of the reports' sections, in order


# --------------------------------------------------------------------------- sources


def _slot(heading: str) -> str:
    for slot, pattern in _SLOTS:
        if pattern.search(heading[:20]):
            return slot
    return "tasks"


def _stem(name: str) -> str:
    """A place name without its administrative suffix (桐庐县 -> 桐庐)."""
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "县", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _split_sections(lines: Sequence[str], *, source: str, family: str,
                    places: tuple[tuple[str, str], ...]) -> tuple[Section | None, list[Section]]:
    """Cut a document's body lines into its opening and its ``一、`` sections."""
    opening: list[str] = []
    sections: list[Section] = []
    heading, paragraphs = None, []

    def close() -> None:
        if heading is not None and paragraphs:
            sections.append(Section(source, family, _slot(heading), heading, tuple(paragraphs),
                                    places))

    for raw in lines:
        line = raw.strip().replace("\u3000", "")
        if not line:
            continue
        found = _SECTION.match(line)
        if found is not None and len(found[1]) <= 60:
            close()
            heading, paragraphs = found[1].strip(), []
            continue
        item = _ITEM.match(line)
        text = item[1].strip() if item is not None else line
        if len(text) < 12:  # dates, signatures, page furniture
            continue
        if heading is None:
            opening.append(text)
        else:
            paragraphs.append(text)
    close()
    first = (Section(source, family, "guiding", "", tuple(opening), places)
             if opening else None)
    return first, sections


def _plan_pool(raw_dir: Path) -> tuple[list[Section], list[Section]]:
    manifest = read_manifest(raw_dir / config.MANIFEST_PATH.name, raw_dir=raw_dir)
    openings, sections = [], []
    for row in manifest.to_dict("records"):
        places = tuple((p, kind) for p, kind in (
            (_stem(row["name_zh"]), "own"), (_stem(row["prefecture_zh"]), "prefecture"),
            (_stem(row["province_zh"]), "province")) if p and "（" not in p)
        text = (raw_dir / row["file"]).read_bytes().decode("utf-8-sig", errors="replace")
        lines = text.splitlines()[1:]  # the first line is the title
        first, found = _split_sections(lines, source=f"plan:{row['region_id']}",
                                       family="education", places=places)
        openings += [first] if first else []
        sections += found
    return openings, sections


def _devset_pool(dev_dir: Path) -> tuple[list[Section], list[Section]]:
    from analysis import devset

    openings, sections = [], []
    for path in devset.source_paths(dev_dir):
        source = devset.parse_source(path)
        if source.script != "simplified":
            continue  # the traditional twins repeat a simplified source
        place = re.match(r"(.{2,3}?)(?:县|区|市)", source.title or "")
        places = ((place[1], "own"),) if place else ()
        lines = []
        for line in source.lines:
            # The printed label is kept apart from the text by the parser (ContentLine).
            if line.tag == "H1":
                lines.append("一、" + devset.body_text(line))
            elif line.tag in ("H2", "H3", "P"):
                lines.append(devset.body_text(line))
        first, found = _split_sections(lines, source=f"devset:{source.id}", family="education",
                                       places=places)
        openings += [first] if first else []
        sections += found
    return openings, sections


def _report_pool(reports_dir: Path) -> list[Section]:
    manifest_path = reports_dir / "manifest.csv"
    with manifest_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sections = []
    for row in rows:
        region = row["region"]
        places = () if region == "全国" else ((_stem(region), "own"),)
        text = (reports_dir / row["file"]).read_text(encoding="utf-8")
        _, found = _split_sections(text.splitlines(), source=f"report:{row['doc_id']}",
                                   family="report", places=places)
        # A report's review of past years would read as a review part (the loader
        # splits plan from review there): tasks only.
        sections += [s for s in found if s.slot == "tasks" and not _REVIEW.search(s.heading)]
    return sections


@lru_cache(maxsize=4)
def source_pool(*, raw_dir: Path = config.RAW_DIR, dev_dir: Path = DEVSET_DEV,
                reports_dir: Path = SHARED_REPORTS) -> Pool:
    """The openings and sections of every source document, in a fixed order."""
    if not (reports_dir / "manifest.csv").is_file():
        raise FileNotFoundError(
            f"the government work reports are missing: expected {reports_dir}/manifest.csv")
    plan_openings, plan_sections = _plan_pool(raw_dir)
    dev_openings, dev_sections = _devset_pool(dev_dir)
    reports = _report_pool(reports_dir)
    return Pool(openings=tuple(plan_openings + dev_openings),
                sections=tuple(plan_sections + dev_sections + reports),
                clauses=tuple(_clauses([p for s in reports for p in s.paragraphs])))


# --------------------------------------------------------------------------- names


def region_names(n: int, *, seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    """``n`` distinct region names and their admin levels, e.g. ``("松溪县", "county")``.

    Name ``i`` depends only on ``seed`` and ``i``.  Two-character stems come
    first (a fixed shuffle of every pair of :data:`NAME_FIRST` and
    :data:`NAME_SECOND`), then three-character ones; no two names share a stem.
    """
    rng = random.Random(f"names:{seed}")
    stems = [a + b for a in NAME_FIRST for b in NAME_SECOND if a != b]
    rng.shuffle(stems)
    if n > len(stems):
        longer = [a + b + c for a in NAME_FIRST for b in NAME_SECOND for c in NAME_FIRST]
        rng.shuffle(longer)
        stems += longer
    if n > len(stems):
        raise ValueError(f"at most {len(stems)} distinct region names; asked for {n}")
    out = []
    for i, stem in enumerate(stems[:n]):
        suffix, level = SUFFIXES[random.Random(f"suffix:{seed}:{i}").randrange(len(SUFFIXES))]
        out.append((stem + suffix, level))
    return out


# --------------------------------------------------------------------------- rewriting


def _localise(text: str, section: Section, name: str) -> str:
    """Replace the source's place names by the plan's, and 全省/本省 by the plan's level."""
    suffix = name[-1]
    for place, kind in sorted(section.places, key=lambda p: -len(p[0])):
        if kind == "own" or section.family == "report":
            replacement = name
        else:
            replacement = "省" if kind == "province" else "市"
        text = re.sub(re.escape(place) + _ADMIN_SUFFIX, replacement, text)
    return _LEVEL_WORD.sub(lambda m: m[1] + suffix, text)


def _vary_numbers(text: str, rng: random.Random, year_shift: int) -> str:
    def vary(match: re.Match[str]) -> str:
        whole, decimals, percent = match[1], match[2] or "", match[3] or ""
        value = int(whole)
        if len(whole) == 4 and 1900 <= value <= 2099 and not decimals and not percent:
            # A year: the plan's own years move with it, history stays.
            return str(value + year_shift) if 2000 <= value <= 2030 else whole
        if len(whole) > 8:
            return match[0]  # document numbers, phone numbers
        scaled = float(whole + decimals) * rng.uniform(0.6, 1.5)
        if percent:
            scaled = min(scaled, 100.0)
        figure = f"{scaled:.{len(decimals) - 1}f}" if decimals else str(max(1, round(scaled)))
        return figure + percent

    return _NUMBER.sub(vary, text)


_REWORD = re.compile("|".join(sorted(REWORDING, key=len, reverse=True)))


def _reword(text: str, rng: random.Random) -> str:
    def swap(match: re.Match[str]) -> str:
        if rng.random() >= REWORD_RATE:
            return match[0]
        return rng.choice(REWORDING[match[0]])

    return _REWORD.sub(swap, text)


def _excerpt(paragraph: str, rng: random.Random) -> str:
    """A paragraph, or a run of at most MAX_SENTENCES of its sentences when it is long."""
    sentences = [s for s in _SENTENCE_END.split(paragraph) if s]
    if len(sentences) <= MAX_SENTENCES:
        return paragraph
    k = rng.randint(2, MAX_SENTENCES)
    start = rng.randrange(len(sentences) - k + 1)
    return "".join(sentences[start:start + k])


def _clauses(paragraphs: Sequence[str]) -> list[str]:
    return [c for p in paragraphs for c in _CLAUSE.split(p) if len(c) >= 4]


def _recombined(section: Section, rng: random.Random, pool_clauses: Sequence[str]) -> str:
    """A new item of 2–5 sentences, each joined from clauses of the section's paragraphs.

    Stands in for the local text a bureau writes itself: every clause is real
    policy wording on the section's subject, but the sentences are new, so
    two plans share a passage only where they happen to draw the same clause.
    """
    clauses = _clauses(section.paragraphs)
    if len(clauses) < 4:
        return _excerpt(rng.choice(section.paragraphs), rng)
    sentences = []
    for _ in range(rng.randint(2, 5)):
        # Most clauses from anywhere in the reports: a section's own clauses alone
        # would recur in every plan that draws the section.
        picked = [rng.choice(clauses if rng.random() < SECTION_CLAUSES else pool_clauses)
                  .rstrip("。！？；，、") for _ in range(rng.randint(2, 4))]
        sentences.append("，".join(picked) + "。")
    return "".join(sentences)


# --------------------------------------------------------------------------- one plan


@dataclass(frozen=True)
class Plan:
    """One generated plan: its text and the facts its manifest row records."""

    text: str
    name: str
    admin_level: str
    year: int
    doc_type_zh: str
    doc_type_en: str
    sources: tuple[str, ...]


_NUMERALS = "一二三四五六七八九十"


def _numeral(k: int) -> str:
    """Chinese numeral for 1..99."""
    if k <= 10:
        return _NUMERALS[k - 1]
    tens, ones = divmod(k, 10)
    return ("" if tens == 1 else _NUMERALS[tens - 1]) + "十" + (_NUMERALS[ones - 1] if ones else "")


def make_plan(index: int, *, name: str, admin_level: str, pool: Pool,
              seed: int = DEFAULT_SEED) -> Plan:
    """Compose plan ``index`` (0-based) from ``pool``; a pure function of its arguments."""
    rng = random.Random(f"plan:{seed}:{index}")
    year = rng.randint(2019, 2025)
    year_shift = year - 2021
    target = math.exp(rng.uniform(math.log(MIN_CHARS), math.log(MAX_CHARS)))
    _, doc_zh, doc_en = next(t for t in DOC_TYPES if target < t[0])
    numbering = rng.choice(("arabic", "paren", "none"))
    used: list[str] = []

    def adapt(text: str, section: Section) -> str:
        text = _localise(text, section, name)
        return _reword(_vary_numbers(text, rng, year_shift), rng)

    def items_of(section: Section, *, at_most: int, recombine: float = 0.0) -> list[str]:
        paragraphs = list(section.paragraphs)
        k = rng.randint(1, min(len(paragraphs), at_most))
        chosen = sorted(rng.sample(range(len(paragraphs)), k))
        if rng.random() < 0.3:
            rng.shuffle(chosen)
        used.append(section.source)
        return [adapt(_recombined(section, rng, pool.clauses) if rng.random() < recombine
                      else _excerpt(paragraphs[i], rng), section) for i in chosen]

    by_slot: dict[str, list[Section]] = {"guiding": [], "goals": [], "safeguards": []}
    education, reports = [], []
    for section in pool.sections:
        if section.slot in by_slot:
            by_slot[section.slot].append(section)
        elif section.family == "education":
            education.append(section)
        else:
            reports.append(section)

    title = rng.choice((f"{name}教育局{year}年{doc_zh}", f"{year}年{name}教育{doc_zh}",
                        f"{name}{year}年教育{doc_zh}"))
    opening_a, opening_b = rng.sample(pool.openings, 2)
    first = _excerpt(opening_a.paragraphs[0], rng)
    clauses_a = first.split("，")
    clauses_b = _excerpt(opening_b.paragraphs[0], rng).split("，")
    # National policy language: the start of one opening and the end of another.
    cut_a, cut_b = max(1, len(clauses_a) // 2), len(clauses_b) // 2
    opening = "，".join([adapt("，".join(clauses_a[:cut_a]), opening_a),
                        adapt("，".join(clauses_b[cut_b:]), opening_b)])
    body: list[tuple[str, list[str]]] = []
    if rng.random() < 0.5 and by_slot["guiding"]:
        section = rng.choice(by_slot["guiding"])
        body.append((rng.choice(_GUIDING_HEADINGS), items_of(section, at_most=2)))
    if rng.random() < 0.5 and by_slot["goals"]:
        section = rng.choice(by_slot["goals"])
        body.append((rng.choice(_GOALS_HEADINGS),
                     items_of(section, at_most=3, recombine=RECOMBINE_RATE)))
    closing = None
    if rng.random() < 0.7 and by_slot["safeguards"]:
        section = rng.choice(by_slot["safeguards"])
        closing = (rng.choice(_SAFEGUARDS_HEADINGS),
                   items_of(section, at_most=4, recombine=RECOMBINE_RATE))

    def length() -> int:
        return len(opening) + sum(len(h) + sum(len(p) for p in ps) for h, ps in body) + (
            sum(len(p) for p in closing[1]) if closing else 0)

    first_task = len(body)
    while length() < target:
        family = education if rng.random() < EDUCATION_SHARE else reports
        section = rng.choice(family)
        items = items_of(section, at_most=8, recombine=RECOMBINE_RATE)
        if len(body) - first_task < MAX_TASK_SECTIONS:
            body.append((adapt(section.heading, section), items))
        else:
            # A long plan has more items per section, not dozens of sections.
            body[first_task + rng.randrange(MAX_TASK_SECTIONS)][1].extend(items)
    if closing:
        body.append(closing)

    lines = [title, "", opening]
    item_no = 0
    for k, (heading, items) in enumerate(body, start=1):
        lines.append(f"{_numeral(k)}、{heading}")
        for j, item in enumerate(items, start=1):
            item_no += 1
            if numbering == "arabic":
                lines.append(f"{item_no}.{item}")
            elif numbering == "paren":
                lines.append(f"（{_numeral(j)}）{item}")
            else:
                lines.append(item)
    if rng.random() < 0.6:
        lines += ["", f"{name}教育局", f"{year}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日"]
    return Plan("\n".join(lines) + "\n", name, admin_level, year, doc_zh, doc_en,
                tuple(dict.fromkeys(used)))


# --------------------------------------------------------------------------- the corpus


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16":
        return text.encode("utf-16")  # with a BOM, in the machine's byte order (LE here)
    return text.encode(encoding)


def make_corpus(n: int, *, out_dir: Path | None = None, seed: int = DEFAULT_SEED,
                raw_dir: Path = config.RAW_DIR, dev_dir: Path = DEVSET_DEV,
                reports_dir: Path = SHARED_REPORTS) -> Path:
    """Write a corpus of ``n`` synthetic plans to ``out_dir`` (default ``.work/corpus-<n>/raw``).

    Parameters
    ----------
    n : number of plans (a positive integer).
    out_dir : folder to write; an existing folder is replaced.
    seed : int, default ``config.RANDOM_STATE`` -- with ``n`` it fixes every byte.
    raw_dir, dev_dir, reports_dir : the source documents (see the module docstring).

    Returns
    -------
    The raw folder: ``manifest.csv`` (columns ``analysis.schema.MANIFEST``, one
    row per plan, region ids ``bench_0001`` …) and one ``.txt`` file per plan.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    out_dir = WORK_DIR / f"corpus-{n}" / "raw" if out_dir is None else Path(out_dir)
    pool = source_pool(raw_dir=Path(raw_dir), dev_dir=Path(dev_dir),
                       reports_dir=Path(reports_dir))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    width = max(4, len(str(n)))
    rows = []
    for index, (name, level) in enumerate(region_names(n, seed=seed)):
        plan = make_plan(index, name=name, admin_level=level, pool=pool, seed=seed)
        encoding = ENCODINGS[index % len(ENCODINGS)]
        data = _encode(plan.text, encoding)
        region_id = f"bench_{index + 1:0{width}d}"
        file_name = f"{region_id}.txt"
        (out_dir / file_name).write_bytes(data)
        row = {column: "" for column in schema.MANIFEST}
        row.update({
            "region_id": region_id, "file": file_name, "name_zh": plan.name,
            "name_en": region_id, "admin_level": plan.admin_level,
            "plan_year": str(plan.year), "doc_type_zh": plan.doc_type_zh,
            "doc_type_en": plan.doc_type_en,
            "source_note": (f"synthetic plan {index} (seed {seed}) composed from "
                            f"{len(plan.sources)} source documents; {len(plan.text)} characters; "
                            f"encoding {encoding}; "
                            f"sha256 {hashlib.sha256(data).hexdigest()[:16]}"),
        })
        rows.append(row)
    with (out_dir / config.MANIFEST_PATH.name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=schema.MANIFEST, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out_dir


# --------------------------------------------------------------------------- reuse


def reuse_shares(units: pd.DataFrame, reuse: pd.DataFrame) -> pd.DataFrame:
    """Share of each plan's characters inside reused passages (and stock phrases).

    Parameters
    ----------
    units : the units ``reuse`` was computed on (``region_id, unit_id, n_chars``).
    reuse : the output of ``analysis.text.reuse.text_reuse`` on those units.

    Returns
    -------
    DataFrame, one row per plan sorted by ``region_id``: ``region_id``,
    ``n_chars``, ``reuse_share`` (characters covered by a ``reuse`` span on
    either side of a pair, each character once, over ``n_chars``) and
    ``reuse_or_stock_share`` (the same with ``stock_phrase`` spans added).
    """
    lengths = units.set_index("unit_id")["n_chars"].to_dict()
    covered: dict[str, dict[str, set[int]]] = {"reuse": {}, "both": {}}
    pairs = reuse[reuse["kind"] == "reuse"]
    sides = [(pairs, "a"), (pairs, "b"), (reuse[reuse["kind"] == "stock_phrase"], "a")]
    for which, (table, side) in enumerate(sides):
        for unit, start, end in zip(table[f"unit_id_{side}"], table[f"start_{side}"],
                                    table[f"end_{side}"], strict=True):
            span = range(int(start), min(int(end), lengths[unit]))
            covered["both"].setdefault(unit, set()).update(span)
            if which < 2:
                covered["reuse"].setdefault(unit, set()).update(span)
    out = units[["region_id", "unit_id", "n_chars"]].copy()
    out["reuse"] = out["unit_id"].map(lambda u: len(covered["reuse"].get(u, ())))
    out["both"] = out["unit_id"].map(lambda u: len(covered["both"].get(u, ())))
    per_plan = out.groupby("region_id", sort=True)[["n_chars", "reuse", "both"]].sum()
    return pd.DataFrame({
        "region_id": per_plan.index.astype(str),
        "n_chars": per_plan["n_chars"].to_numpy(),
        "reuse_share": (per_plan["reuse"] / per_plan["n_chars"]).to_numpy(),
        "reuse_or_stock_share": (per_plan["both"] / per_plan["n_chars"]).to_numpy(),
    })


def corpus_reuse(raw: Path) -> pd.DataFrame:
    """Load the corpus in ``raw`` with the project's loader and measure reuse per plan.

    As the build does it: ``text_reuse`` with its defaults on the plan part's
    units.  Returns :func:`reuse_shares`.
    """
    from analysis.corpus.load import load_corpus
    from analysis.text.reuse import text_reuse

    manifest = read_manifest(Path(raw) / "manifest.csv", raw_dir=Path(raw))
    units = load_corpus(manifest, raw_dir=Path(raw)).units
    plan = units[units["part"] == "plan"]
    return reuse_shares(plan, text_reuse(plan))


def describe_shares(shares: pd.DataFrame) -> str:
    """Median and interquartile range of both shares, as percentages."""
    parts = []
    for column in ("reuse_share", "reuse_or_stock_share"):
        q = shares[column].quantile([0.25, 0.5, 0.75]) * 100
        parts.append(f"{column} median {q[0.5]:.1f}% (IQR {q[0.25]:.1f}–{q[0.75]:.1f}%)")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", required=True, help="corpus sizes")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--reuse", action="store_true",
                        help="also load each corpus and print its reuse shares per plan")
    args = parser.parse_args(argv)
    for n in args.n:
        path = make_corpus(n, seed=args.seed)
        size = sum(p.stat().st_size for p in path.iterdir())
        print(f"N={n}: {path} ({size / 1e6:.1f} MB)")
        if args.reuse:
            print(f"N={n}: {describe_shares(corpus_reuse(path))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
