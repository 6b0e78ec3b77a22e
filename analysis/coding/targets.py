"""Measurable targets: every quantified commitment in a plan, with its text span.

A target is a number a plan commits to reach, build, keep or report — a rate
(毛入园率达到95%以上), a count of things to build, create, train or hold
(新建幼儿园3所, 不少于40场), money (1350万元) or a ranking (全市第1,
保持全市第一方阵).  Years, dates, ordinals, ages, durations, section numbers
and numbered names (十四五, 1+X, “5+11+11”, 五育) are not.  The rules and word
lists live in ``analysis/data/targets.yml``; the definition the hand-annotated
gold list follows is in ``docs/annotation_targets.md``.

Reference: Vedung, E. (1998). Policy instruments: typologies and theories. In
Bemelmans-Videc et al. (eds.), *Carrots, Sticks & Sermons*; for numerals, the
national standard GB/T 15835-2011 出版物上数字用法 (Arabic numerals for
statistics, Chinese numerals for fixed expressions), which the Chinese-numeral
rule relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis import config, schema
from analysis.corpus.script import matching_text

__all__ = [
    "extract_targets", "load_target_rules", "parse_numeral", "TARGET_RULES_PATH", "TargetRules",
]

TARGET_RULES_PATH: Path = config.RULES_DIR / "targets.yml"

# thousands groups (1,000 / 23，688，944) before plain decimals; old reports
# write the decimal point as a middle dot (4·3%)
_ARABIC = r"\d{1,3}(?:[,，]\d{3})+(?![\d.·])|\d+(?:[.·]\d+)?"
_CHINESE = r"[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*"
_NUMBER = re.compile(
    rf"(?P<num>{_ARABIC}|{_CHINESE})"
    rf"(?:(?P<sep>[-—–－~～至到])(?P<num2>{_ARABIC}|{_CHINESE}))?"
    r"(?P<yu1>余|多)?(?P<mult>万亿|千万|百万|万|亿|千(?![瓦米克]))?(?P<yu2>余|多)?"
)
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_MULTIPLIERS = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8, "千": 1e3}
_QUOTE_PAIRS = (("“", "”"), ("‘", "’"), ("「", "」"), ("『", "』"), ('"', '"'))
_TITLE_PAIRS = (("《", "》"), ("〈", "〉"))


def parse_numeral(text: str) -> float | None:
    """Parse an Arabic or Chinese numeral into a float.

    Handles ``95``, ``1.02``, ``1,000``, ``十`` (10), ``二十五`` (25),
    ``一百零五`` (105), ``三千五百`` (3500) and a trailing multiplier
    (``一万`` → 10000, ``5亿`` → 5e8, ``二十万`` → 200000).  Returns ``None``
    when ``text`` is not a well-formed numeral (``十四五`` is a name, not 145).
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    mult = 1.0
    for word, factor in _MULTIPLIERS.items():
        if text.endswith(word) and len(text) > len(word):
            text, mult = text[: -len(word)], factor
            break
    if re.fullmatch(_ARABIC, text):
        return float(re.sub("[,，]", "", text).replace("·", ".")) * mult
    value = _parse_chinese(text)
    return None if value is None else value * mult


def _parse_chinese(text: str) -> float | None:
    """Chinese numerals below 10 000 in positional form; None if malformed."""
    if not text or any(ch not in _DIGITS and ch not in _SMALL_UNITS for ch in text):
        return None
    if all(ch in _DIGITS for ch in text):
        # a bare run of digits (一二三) is a numeral only when it is one digit
        return float(_DIGITS[text]) if len(text) == 1 else None
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                return None  # two digits in a row: 十四五, 一二
            digit = _DIGITS[ch] if _DIGITS[ch] != 0 else None
        else:
            unit = _SMALL_UNITS[ch]
            if unit >= last_unit:
                return None  # units must fall: 十百 is malformed
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:
        if last_unit < 10 and total:
            return None
        total += digit
    return float(total)


@dataclass(frozen=True)
class TargetRules:
    """Compiled target rules (see analysis/data/targets.yml)."""

    measures: tuple[str, ...]
    not_measure_after: dict[str, re.Pattern]
    money_units: tuple[str, ...]
    not_after: tuple[re.Pattern, ...]
    not_before: tuple[re.Pattern, ...]
    rank_scope: re.Pattern
    rank_after: re.Pattern
    rank_unit_default: str
    rank_unit_after: dict[str, str]
    top_n: re.Pattern
    top_n_after: re.Pattern
    comparators: tuple[str, ...]
    bounds: tuple[str, ...]
    qualifiers_after: tuple[str, ...]
    approx_before: tuple[str, ...]
    strong_cue_window: int
    strong_cues: tuple[str, ...]
    floor_cues: tuple[str, ...]
    frequency_frame: re.Pattern
    frequency_units: tuple[str, ...]
    per_capita: re.Pattern
    clause_breaks: re.Pattern
    max_left: int
    max_right: int
    chinese_not_after: re.Pattern
    indicator_strip: re.Pattern


def load_target_rules(path: Path | None = None) -> TargetRules:
    """Read and compile the target rules YAML (default ``analysis/data/targets.yml``)."""
    path = TARGET_RULES_PATH if path is None else Path(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return _compile(raw)


def _compile(raw: dict) -> TargetRules:
    rank = raw["ranking"]
    by_len = lambda words: tuple(sorted(words, key=len, reverse=True))  # noqa: E731
    return TargetRules(
        measures=by_len(raw["measure_words"]),
        not_measure_after={k: re.compile(v) for k, v in raw["not_measure_after"].items()},
        money_units=by_len(raw["money_units"]),
        not_after=tuple(re.compile(p) for p in raw["not_target_after"]),
        not_before=tuple(re.compile(p) for p in raw["not_target_before"]),
        rank_scope=re.compile(rank["scope"]),
        rank_after=re.compile(rank["after"]),
        rank_unit_default=rank["unit_default"],
        rank_unit_after=dict(rank["unit_after"]),
        top_n=re.compile(rank["top_n"]),
        top_n_after=re.compile(rank["top_n_after"]),
        comparators=by_len(raw["comparators"]),
        bounds=by_len(raw["bounds"]),
        qualifiers_after=by_len(raw["qualifiers_after"]),
        approx_before=by_len(raw["approx_before"]),
        strong_cue_window=int(raw["strong_cue_window"]),
        strong_cues=by_len(raw["strong_cues"]),
        floor_cues=by_len(raw["floor_cues"]),
        frequency_frame=re.compile(raw["frequency_frame"]),
        frequency_units=tuple(raw["frequency_units"]),
        per_capita=re.compile(raw["per_capita"]),
        clause_breaks=re.compile(raw["clause_breaks"]),
        max_left=int(raw["max_left_chars"]),
        max_right=int(raw["max_right_chars"]),
        chinese_not_after=re.compile(raw["chinese_not_after"]),
        indicator_strip=re.compile(raw["indicator_strip_leading"]),
    )


@lru_cache(maxsize=1)
def _default_rules() -> TargetRules:
    return load_target_rules()


def _enclosed(text: str, pairs: tuple[tuple[str, str], ...]) -> list[bool]:
    """Mark characters inside any of the bracket pairs (nesting-aware)."""
    inside = [False] * len(text)
    opens = {o: c for o, c in pairs if o != c}
    closes = {c for o, c in pairs if o != c}
    symmetric = {o for o, c in pairs if o == c}
    depth, sym_open = 0, False
    for i, ch in enumerate(text):
        if ch in opens:
            depth += 1
        elif ch in closes and depth:
            depth -= 1
            inside[i] = True
            continue
        elif ch in symmetric:
            sym_open = not sym_open
        inside[i] = depth > 0 or sym_open
    if depth or sym_open:
        # an unclosed quote (a sentence split inside it) protects nothing:
        # better a false target than losing every number after a stray mark
        return _closed_only(text, pairs)
    return inside


def _closed_only(text: str, pairs: tuple[tuple[str, str], ...]) -> list[bool]:
    inside = [False] * len(text)
    for o, c in pairs:
        for m in re.finditer(re.escape(o) + r"[^" + re.escape(o + c) + r"]*" + re.escape(c), text):
            for i in range(m.start(), m.end()):
                inside[i] = True
    return inside


def _match_prefix(text: str, words: tuple[str, ...]) -> str | None:
    for w in words:
        if text.startswith(w):
            return w
    return None


def _match_suffix(text: str, words: tuple[str, ...]) -> str | None:
    for w in words:
        if text.endswith(w):
            return w
    return None


def _last_cue(left: str, rules: TargetRules) -> tuple[str, int] | None:
    """Nearest comparator cue in ``left`` (latest end, then longest).

    One-character cues (达, 为, 在) count only when they touch the number.
    """
    best: tuple[str, int] | None = None
    for cue in rules.comparators:
        pos = len(left) - 1 if len(cue) == 1 and left.endswith(cue) else (
            -1 if len(cue) == 1 else left.rfind(cue))
        if pos < 0:
            continue
        if best is None or (pos + len(cue), len(cue)) > (best[1] + len(best[0]), len(best[0])):
            best = (cue, pos)
    return best


def _unit_after(right: str, rules: TargetRules) -> tuple[str, int] | None:
    """The measure word, %, or money unit opening ``right`` and its length."""
    if right[:1] in ("%", "％"):
        return "%", 1
    money = _match_prefix(right, rules.money_units)
    if money:
        return money, len(money)
    word = _match_prefix(right, rules.measures)
    if word is None:
        return None
    guard = rules.not_measure_after.get(word)
    if guard is not None and guard.search(right[len(word):]):
        return None
    return word, len(word)


def _clause_start(text: str, pos: int, rules: TargetRules) -> int:
    lo = max(0, pos - rules.max_left)
    start = lo
    for m in rules.clause_breaks.finditer(text, lo, pos):
        start = m.end()
    return start


def _clause_end(text: str, pos: int, rules: TargetRules) -> int:
    hi = min(len(text), pos + rules.max_right)
    m = rules.clause_breaks.search(text, pos, hi)
    return m.start() if m else hi


def _scan(text: str, rules: TargetRules) -> list[dict]:
    """Every target in one text, in order, with offsets into ``text``."""
    protected = [a or b for a, b in zip(_enclosed(text, _QUOTE_PAIRS),
                                        _enclosed(text, _TITLE_PAIRS), strict=True)]
    found: list[dict] = []
    last_end = 0
    for m in _NUMBER.finditer(text):
        if any(protected[m.start():m.end()]):
            continue
        hit = _judge(text, m, rules, min(last_end, m.start()), protected)
        if hit is not None:
            found.append(hit)
            last_end = hit["end"]
    return found


def _judge(text: str, m: re.Match, rules: TargetRules, last_end: int,
           protected: list[bool]) -> dict | None:
    """Decide whether one numeral is a target; if so describe it."""
    s, e = m.start(), m.end()
    num, num2 = m.group("num"), m.group("num2")
    chinese = not num[0].isdigit()
    before, right = text[:s], text[e:]
    if s and (text[s - 1].isdigit() or text[s - 1] in ".．·"
              or (s > 1 and text[s - 1] in ",，" and text[s - 2].isdigit())):
        return None  # a fragment of a longer number
    if before.endswith("第"):  # 全市第1 is a ranking, 第一批 an ordinal
        if rules.rank_scope.search(before[:-1]) and rules.rank_after.match(right) and not num2:
            return _ranking(text, m, rules, last_end, s - 1, protected)
        return None
    if rules.top_n.search(before) and rules.top_n_after.match(right) and not num2:
        return _ranking(text, m, rules, last_end, s - 1, protected)
    if any(p.search(before) for p in rules.not_before):
        return None
    if any(p.match(right) for p in rules.not_after):
        return None
    if chinese and (before.endswith("每") or rules.chinese_not_after.search(before)):
        return None
    unit_hit = _unit_after(right, rules)
    percent_prefix = chinese and before.endswith("百分之")
    if unit_hit is None and not percent_prefix:
        return None
    unit, unit_len = unit_hit if unit_hit else ("%", 0)
    mult = m.group("mult")
    value = parse_numeral(num)
    if value is None:
        return None
    value *= _MULTIPLIERS[mult] if mult else 1.0
    yu = m.group("yu1") or m.group("yu2")
    q_start = s - 3 if percent_prefix else s
    clause_start = _clause_start(text, q_start, rules)
    cue_zone = text[clause_start:q_start]
    # approximation and per-capita words sit between a cue and the number
    approx = _match_suffix(cue_zone, rules.approx_before)
    core_end = q_start - len(approx or "")
    per = rules.per_capita.search(text[clause_start:core_end])
    if per:
        core_end = clause_start + per.start()
    freq = rules.frequency_frame.search(cue_zone)
    rest = right[unit_len:]
    bound = _match_prefix(rest, rules.bounds)
    if chinese and not _chinese_ok(num, cue_zone, rules, yu, mult, bound, unit, freq):
        return None
    after_q = _match_prefix(rest[len(bound or ""):], rules.qualifiers_after)
    q_end = e + unit_len + len(bound or "") + len(after_q or "")
    cue = _last_cue(text[clause_start:core_end], rules)
    cue_abs = (cue[0], clause_start + cue[1]) if cue else None
    comparator = cue[0] if cue else ""
    if bound:
        comparator = f"{comparator}…{bound}" if comparator else bound
    qualifiers = [q for q in (approx, yu, after_q) if q]
    if num2:
        if parse_numeral(num2) is None:
            return None
        qualifiers.append(f"{num}-{num2}")
    if per:
        unit = f"{unit}/{per.group(0)[1:]}"
    elif freq and unit in rules.frequency_units:
        unit = f"{unit}/{freq.group(2)}"
    left_start = max(clause_start, last_end)
    indicator, start, end = _indicator(text, cue_abs, left_start, core_end, q_start, q_end,
                                       unit in rules.money_units, rules, protected)
    if per or unit in ("%", "个百分点", "成") or re.search(r"(率|比例|占比|比重)$", indicator):
        kind = "rate"
    elif unit in rules.money_units:
        kind = "money"
    else:
        kind = "count"
    return {"start": start, "end": end, "value": float(value), "unit": unit,
            "comparator": comparator, "qualifier": ";".join(qualifiers),
            "target_type": kind, "indicator": indicator}


def _chinese_ok(numeral: str, cue_zone: str, rules: TargetRules, yu: str | None,
                mult: str | None, bound: str | None, unit: str, freq: re.Match | None) -> bool:
    """Extra evidence a Chinese numeral needs (GB/T 15835: words, not statistics)."""
    if yu or bound or (mult and mult != "千") or unit in rules.money_units or unit == "%":
        return True
    if freq and unit in rules.frequency_units:
        return True
    # a bare 一 with a measure word is the indefinite article (建成一个…体系)
    # unless a floor makes it a number (至少一所)
    cues = rules.floor_cues if numeral == "一" else rules.strong_cues
    for cue in cues:
        pos = cue_zone.rfind(cue)
        if pos >= 0 and len(cue_zone) - (pos + len(cue)) <= rules.strong_cue_window:
            return True
    return False


_TITLES = re.compile(r"《[^》]*》|^[^《]*》")


def _clean(fragment: str, rules: TargetRules) -> str:
    fragment = _TITLES.sub("", fragment)
    fragment = rules.indicator_strip.sub("", fragment.strip("、，的等 "))
    return fragment.strip("、，的 ")


def _cjk(fragment: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", fragment))


def _right_phrase(text: str, q_end: int, rules: TargetRules) -> int:
    """End of the phrase after a quantity: the clause end, an enumeration 、 or a number."""
    end = _clause_end(text, q_end, rules)
    stop = re.compile(r"[、0-9]").search(text, q_end, end)
    return stop.start() if stop else end


def _indicator(text: str, cue: tuple[str, int] | None, left_start: int, core_end: int,
               q_start: int, q_end: int, is_money: bool, rules: TargetRules,
               protected: list[bool]) -> tuple[str, int, int]:
    """What is measured, and the span (start, end) a reader can find.

    Chinese puts what is counted after the measure word (3所|幼儿园,
    95%|的区属学校通过验收) or, when the quantity ends the clause, before it:
    between the cue and the number (新增|幼儿园|4所) or before the cue
    (幼儿园总数|达到|58所).  Money names its purpose after the amount, so its
    indicator is taken from the left first.  The cue word itself is the last
    resort (提任|21人).
    """
    cue_in = cue is not None and cue[1] >= left_start
    between_raw = text[cue[1] + len(cue[0]) if cue_in else left_start: core_end]
    before_cue = _clean(text[left_start: cue[1]], rules) if cue_in else ""
    between = _clean(between_raw, rules)
    right_end = _right_phrase(text, q_end, rules)
    right = _clean(re.sub(r"^(的|及以上|以上)", "", text[q_end:right_end]), rules)
    order = [("between", between), ("before", before_cue), ("right", right)]
    if not is_money:
        order = [order[2], order[0], order[1]]
    chosen = next(((where, frag) for where, frag in order if _cjk(frag) >= 2), None)
    if chosen is None:
        chosen = ("cue", cue[0]) if cue else ("none", "")
    where, indicator = chosen
    if where == "right":
        end = right_end
        if cue_in:
            start = cue[1]
        elif between_raw.rstrip().endswith("等"):
            start = left_start
        else:
            start = q_start
    else:
        start, end = left_start, q_end
    while start < q_start and (protected[start] or text[start] in "、，。；：,;: 》”"):
        start += 1
    return indicator, start, end


def _ranking(text: str, m: re.Match, rules: TargetRules, last_end: int, mark: int,
             protected: list[bool]) -> dict | None:
    """A ranking: 全市第1, 第一方阵, 前10名 (``mark`` is the 第 or 前)."""
    value = parse_numeral(m.group("num"))
    if value is None or m.group("mult") or m.group("yu1") or m.group("yu2"):
        return None
    right = text[m.end():]
    if text[mark] == "前":
        tail = rules.top_n_after.match(right).group(0)
        unit = f"前{value:g}{tail}"
        scope = rules.top_n.search(text[:mark + 1])
    else:
        tail = rules.rank_after.match(right).group(0) or ""
        unit = rules.rank_unit_after.get(tail, rules.rank_unit_default)
        scope = rules.rank_scope.search(text[:mark])
    q_end = m.end() + len(tail)
    scope_start = scope.start() if scope and scope.group(0) else mark
    clause_start = _clause_start(text, mark, rules)
    left_start = max(clause_start, last_end)
    cue = _last_cue(text[clause_start:scope_start], rules)
    cue_abs = clause_start + cue[1] if cue else scope_start
    indicator = _clean(text[left_start:max(left_start, cue_abs)], rules)
    start = left_start
    while start < mark and (protected[start] or text[start] in "、，。；：,;: 》”"):
        start += 1
    return {"start": start, "end": q_end, "value": float(value), "unit": unit,
            "comparator": cue[0] if cue else "", "qualifier": "",
            "target_type": "ranking", "indicator": indicator}


def extract_targets(units: pd.DataFrame, *, rules: TargetRules | None = None) -> pd.DataFrame:
    """Extract every quantified commitment from sentence units.

    Parameters
    ----------
    units : DataFrame
        The units table (``schema.UNITS``); needs ``region_id``, ``unit_id``,
        ``part`` and ``text``.  A ``theme`` column (from theme coding) is
        carried over when present, else the output's ``theme`` is missing.
    rules : TargetRules, optional
        Compiled rules; default :func:`load_target_rules` on
        ``analysis/data/targets.yml``.

    Returns
    -------
    DataFrame
        One row per target, columns ``schema.TARGETS``: ``region_id``,
        ``unit_id``, ``part``, ``theme``, ``span`` (exactly
        ``text[start:end]``), ``indicator`` (what is measured),
        ``value`` (float; 万/亿 folded in, 95% → 95.0, a range gives its lower
        bound), ``unit`` (measure word, ``%``, ``元``, ``位次``/``方阵`` for
        rankings, ``所/万人`` per capita, ``课时/学年`` per period),
        ``comparator`` (达到, 不少于, 新增, 保持 …; ``达到…以上`` when a bound
        follows), ``qualifier`` (约, 余, 左右, ``1-2`` …), ``target_type``
        (rate, count, money, ranking), ``start`` and ``end`` (offsets into the
        unit's ``text``).  Sorted by the units' order, then ``start``.

    References
    ----------
    GB/T 15835-2011 出版物上数字用法; Vedung (1998) on quantified policy
    commitments.
    """
    required = ["region_id", "unit_id", "part", "text"]
    missing = [c for c in required if c not in units.columns]
    if missing:
        raise ValueError(f"units is missing columns {missing}; required columns are {required}")
    rules = _default_rules() if rules is None else rules
    has_theme = "theme" in units.columns
    rows = []
    # Rules read the simplified form; spans are cut from the text as printed
    # (the two have the same length, see analysis.corpus.script).
    matched = matching_text(units).tolist()
    for order, row in enumerate(units.itertuples(index=False)):
        text = row.text
        if not isinstance(text, str) or not text:
            continue
        for hit in _scan(matched[order], rules):
            rows.append({
                "_order": order, "region_id": row.region_id, "unit_id": row.unit_id,
                "part": row.part, "theme": row.theme if has_theme else pd.NA,
                "span": text[hit["start"]:hit["end"]], "indicator": hit["indicator"],
                "value": hit["value"], "unit": hit["unit"], "comparator": hit["comparator"],
                "qualifier": hit["qualifier"], "target_type": hit["target_type"],
                "start": hit["start"], "end": hit["end"],
            })
    out = pd.DataFrame(rows, columns=["_order", *schema.TARGETS])
    out = out.sort_values(["_order", "start"], kind="stable").drop(columns="_order")
    out = out.reset_index(drop=True)
    out["value"] = out["value"].astype("float64")
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    return out
