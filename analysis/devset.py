"""The loader development set: parse a source, render its file, derive its gold.

Each source under ``data/loader_devset/sources/{dev,heldout}/`` is a UTF-8
``.txt`` file that describes one plan file *and* its gold annotation (the
markup is specified in ``data/loader_devset/README.md``): a ``# key: value``
header, then tagged content lines (``C`` chrome, ``N`` notice wrapper, ``T``
title, ``H0#n`` part heading, ``H1#n``–``H3#n`` numbered blocks with the
printed label in ``[...]``, ``P`` body paragraph, ``R`` table row) with
inline marks (``{{wm:…}}``, ``{{x:…}}``, ``{{page:…}}``, ``{{chunk:…}}``).

* :func:`parse_source` reads one source strictly: an unknown tag or header
  key, a bad header value, an ``id`` other than the file name or a ``split``
  other than the folder raises :class:`DevsetError` naming file and line.
* :func:`read_sources` reads every source under a folder and checks that ids
  are unique and every ``twin`` exists; :func:`check_sources` collects the
  problems per file instead (``python -m analysis.devset check DIR``).
* :func:`render_source` turns a source into the bytes of the file a loader
  sees (``txt`` in its encoding, an HTML page, a ``.docx`` through
  python-docx, an A4 PDF through fpdf2) and its :class:`Gold`: sentences
  with the path of their ``H1``–``H3`` numbers, chrome lines (with a PDF's
  running headers and page numbers), inline marks, title, metadata, twin.

Rendering is byte-reproducible: no clock, no random ids (the .docx core
properties and zip entries carry :data:`FIXED_DATE`, the PDF's creation date
too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from analysis import config

SPLITS: tuple[str, ...] = ("dev", "heldout")
KINDS: tuple[str, ...] = (
    "gov_portal",
    "disclosure",
    "notice",
    "docshare",
    "essay",
    "wechat",
    "reprint",
    "legal_db",
    "plain",
)
FORMATS: tuple[str, ...] = ("txt", "html", "docx", "pdf")
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "gb18030", "utf-16")
SCRIPTS: tuple[str, ...] = ("simplified", "traditional")
META_FIELDS: tuple[str, ...] = (
    "publisher",
    "source_site",
    "page_date",
    "page_views",
    "doc_no",
    "issuing_body",
    "author",
)
HEADER_KEYS: tuple[str, ...] = (
    "id",
    "kind",
    "split",
    "format",
    "encoding",
    "script",
    "twin",
    "layout",
    "pdf_header",
    "title",
    "note",
)
REQUIRED_KEYS: tuple[str, ...] = ("id", "kind", "split", "format")
MARK_KINDS: tuple[str, ...] = ("wm", "x", "page", "chunk")
# Tags whose text is body (the loader must keep it) and tags that may carry inline marks.
BODY_TAGS: tuple[str, ...] = ("H0", "H1", "H2", "H3", "P", "R")
MARK_TAGS: tuple[str, ...] = ("T", "H0", "H1", "H2", "H3", "P")
CHROME_TAGS: tuple[str, ...] = ("C", "N", "T")
FILE_SUFFIX: dict[str, str] = {"txt": ".txt", "html": ".html", "docx": ".docx", "pdf": ".pdf"}
# Every date inside a rendered file (docx core properties and zip entries, PDF
# creation date), so that the bytes do not depend on when they were rendered.
FIXED_DATE: dt.datetime = dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=dt.timezone.utc)
INDENT = "\u3000\u3000"  # two ideographic spaces open a paragraph in print

_TAG = re.compile(r"^(?P<tag>[A-Z][A-Z0-9]*)(?:#(?P<num>[^:\s]*))?:(?: (?P<text>.*)|(?P<empty>))$")
_MARK = re.compile(r"\{\{(?P<kind>[a-z]+):(?P<text>.*?)\}\}")
_LABEL = re.compile(r"^\[(?P<label>[^\]]*)\]")
_LAYOUT = re.compile(r"^(?:lines|oneline|oneline_spaced|hardwrap:(?P<n>[1-9]\d*))$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class DevsetError(ValueError):
    """A source breaks the markup; the message names the file and line."""


@dataclass(frozen=True)
class Mark:
    """An inline mark: ``kind`` (``wm``, ``x``, ``page``, ``chunk``) and its text."""

    kind: str
    text: str


@dataclass(frozen=True)
class ContentLine:
    """One content line of a source.

    ``tag`` is ``C``, ``N``, ``T``, ``H0``–``H3``, ``P``, ``R`` or ``""`` for a
    blank line; ``number`` the gold number of an ``H`` line; ``label`` the
    printed label (``""`` when the number was lost); ``text`` the text after
    the label with the marks still in it; ``line_no`` the 1-based line of the
    source file.
    """

    tag: str
    number: int | None
    label: str
    text: str
    line_no: int

    @property
    def marks(self) -> list[Mark]:
        return [Mark(m["kind"], m["text"]) for m in _MARK.finditer(self.text)]

    @property
    def plain(self) -> str:
        """The text with the label and every inline mark removed (the gold text)."""
        return _MARK.sub("", self.text)


@dataclass(frozen=True)
class Source:
    """A parsed source: its header values and content lines."""

    path: Path
    id: str
    kind: str
    split: str
    format: str
    encoding: str
    script: str
    twin: str
    layout: str
    pdf_header: str
    title: str
    meta: dict[str, str]
    note: str
    lines: tuple[ContentLine, ...]

    @property
    def file_name(self) -> str:
        """The name of the rendered file (``<id>.<format suffix>``)."""
        return self.id + FILE_SUFFIX[self.format]


@dataclass(frozen=True)
class GoldSentence:
    """A gold sentence: its text and the path of its numbered blocks.

    ``text`` is the sentence as the plan states it (label and inline marks
    removed; a clause label such as ``目标任务：`` is still there, the
    evaluation strips it); ``path`` the numbers of the enclosing ``H1``–``H3``
    blocks, outermost first; ``line_no`` the source line; ``tag`` its tag.
    """

    text: str
    path: tuple[int, ...]
    line_no: int
    tag: str


@dataclass(frozen=True)
class GoldChrome:
    """A gold chrome line: ``C``, ``N``, ``T``, ``pdf_header`` or ``pdf_page``."""

    text: str
    tag: str
    line_no: int


@dataclass(frozen=True)
class GoldMark:
    """A gold inline mark (the loader should remove ``text``)."""

    kind: str
    text: str
    line_no: int


@dataclass(frozen=True)
class Gold:
    """What a perfect loader reports for one source.

    ``body_lines`` maps every ``H``/``P``/``R`` line (by source line number)
    to the indices of its sentences in ``sentences``.
    """

    sentences: tuple[GoldSentence, ...]
    chrome: tuple[GoldChrome, ...]
    marks: tuple[GoldMark, ...]
    body_lines: tuple[tuple[int, tuple[int, ...]], ...]
    title: str
    meta: dict[str, str]
    twin: str


@dataclass(frozen=True)
class Rendered:
    """A rendered source: the file's name and bytes, its text lines and its gold.

    ``lines`` are the lines of text the file shows, in order (for a PDF, its
    paragraphs before wrapping by the page width, without running headers
    and page numbers).
    """

    file_name: str
    data: bytes
    lines: tuple[str, ...]
    gold: Gold
    n_pages: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- parsing


def _fail(path: Path, line_no: int, message: str) -> DevsetError:
    where = f"{path}:{line_no}" if line_no else str(path)
    return DevsetError(f"{where}: {message}")


def _check_header_value(path: Path, line_no: int, key: str, value: str) -> None:
    def allowed(values: Sequence[str]) -> None:
        if value not in values:
            raise _fail(path, line_no, f"{key} {value!r}; allowed values are {', '.join(values)}")

    if key == "id" and not _ID.match(value):
        raise _fail(path, line_no, f"id {value!r} must be letters, digits, '_', '-', '.'")
    if key == "kind":
        allowed(KINDS)
    elif key == "split":
        allowed(SPLITS)
    elif key == "format":
        allowed(FORMATS)
    elif key == "encoding":
        allowed(ENCODINGS)
    elif key == "script":
        allowed(SCRIPTS)
    elif key == "layout" and not _LAYOUT.match(value):
        raise _fail(
            path,
            line_no,
            f"layout {value!r}; allowed values are lines, hardwrap:N (N ≥ 1), oneline, "
            "oneline_spaced",
        )
    elif key == "meta.page_date" and not _ISO_DATE.match(value):
        raise _fail(path, line_no, f"meta.page_date {value!r} must be an ISO date YYYY-MM-DD")
    elif key == "meta.page_date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise _fail(path, line_no, f"meta.page_date {value!r} is not a calendar date") from None
    elif key == "meta.page_views" and not value.isdigit():
        raise _fail(path, line_no, f"meta.page_views {value!r} must be digits")


def _parse_content(path: Path, line_no: int, raw: str) -> ContentLine:
    if not raw.strip():
        return ContentLine("", None, "", "", line_no)
    match = _TAG.match(raw)
    if match is None:
        raise _fail(path, line_no, f"not a content line 'TAG: text': {raw[:40]!r}")
    tag, num = match["tag"], match["num"]
    text = match["text"] if match["text"] is not None else ""
    tags = ("C", "N", "T", "P", "R", "H0", "H1", "H2", "H3")
    if tag not in tags:
        raise _fail(path, line_no, f"unknown tag {tag!r}; allowed tags are {', '.join(tags)}")
    number = None
    if tag.startswith("H"):
        if num is None or not num.isdigit():
            raise _fail(path, line_no, f"{tag} needs its gold number as {tag}#n, got {raw[:12]!r}")
        number = int(num)
    elif num is not None:
        raise _fail(path, line_no, f"only H0–H3 lines take a number (#{num})")
    label = ""
    if tag.startswith("H"):
        found = _LABEL.match(text)
        if found is not None:
            label, text = found["label"], text[found.end() :]
    leftover = _MARK.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        raise _fail(path, line_no, "an unclosed or malformed inline mark ({{kind:text}})")
    for mark in _MARK.finditer(text):
        if mark["kind"] not in MARK_KINDS:
            raise _fail(
                path,
                line_no,
                f"unknown inline mark {{{{{mark['kind']}:…}}}}; allowed marks are "
                + ", ".join(MARK_KINDS),
            )
        if tag not in MARK_TAGS:
            raise _fail(
                path, line_no, f"inline marks are allowed in {', '.join(MARK_TAGS)} lines only"
            )
        if not mark["text"]:
            raise _fail(path, line_no, f"empty inline mark {{{{{mark['kind']}:}}}}")
    if not text.strip() and not label:
        raise _fail(path, line_no, f"{tag} line without text")
    return ContentLine(tag, number, label, text, line_no)


def parse_source(path: Path) -> Source:
    """Parse one source file strictly.

    Parameters
    ----------
    path : Path
        A ``.txt`` source whose parent folder is named after its split.

    Returns
    -------
    Source

    Raises
    ------
    DevsetError
        Naming file and line: a header key that is unknown, repeated or
        missing (``id``, ``kind``, ``split``, ``format`` are required), a value
        outside its allowed values, ``id`` other than the file's stem,
        ``split`` other than the folder's name, a header option that does not
        fit the format, an unknown tag or inline mark.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise _fail(path, 0, f"not UTF-8 ({error.reason} at byte {error.start})") from None
    header: dict[str, tuple[str, int]] = {}
    lines: list[ContentLine] = []
    in_header = True
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if in_header and (raw.startswith("# ") or raw == "#"):
            key, sep, value = raw[2:].partition(":")
            key, value = key.strip(), value.strip()
            if not sep:
                raise _fail(path, line_no, f"header line without 'key: value': {raw!r}")
            if key not in HEADER_KEYS and not (key.startswith("meta.") and key[5:] in META_FIELDS):
                raise _fail(
                    path,
                    line_no,
                    f"unknown header key {key!r}; allowed keys are {', '.join(HEADER_KEYS)}, "
                    + ", ".join(f"meta.{f}" for f in META_FIELDS),
                )
            if key in header:
                raise _fail(path, line_no, f"header key {key!r} given twice")
            _check_header_value(path, line_no, key, value)
            header[key] = (value, line_no)
            continue
        if in_header and not raw.strip():
            continue  # blank lines between header and content are not rendered
        in_header = False
        lines.append(_parse_content(path, line_no, raw.rstrip("\r")))
    while lines and not lines[-1].tag:
        lines.pop()
    for key in REQUIRED_KEYS:
        if key not in header or not header[key][0]:
            raise _fail(path, 0, f"header key {key!r} is missing")
    values = {k: v for k, (v, _) in header.items()}

    def line_of(key: str) -> int:
        return header[key][1]

    if values["id"] != path.stem:
        raise _fail(
            path, line_of("id"), f"id {values['id']!r} differs from the file name {path.stem!r}"
        )
    if values["split"] != path.parent.name:
        raise _fail(
            path,
            line_of("split"),
            f"split {values['split']!r} differs from the folder {path.parent.name!r}",
        )
    fmt = values["format"]
    if "encoding" in values and fmt != "txt" and values["encoding"] != "utf-8":
        raise _fail(path, line_of("encoding"), f"encoding is for txt files, not {fmt}")
    if "pdf_header" in values and fmt != "pdf":
        raise _fail(path, line_of("pdf_header"), f"pdf_header is for pdf files, not {fmt}")
    script = values.get("script", "simplified")
    if values.get("twin") and script != "traditional":
        raise _fail(path, line_of("twin"), "twin is for a traditional file (script: traditional)")
    if not any(line.tag in BODY_TAGS for line in lines):
        raise _fail(path, 0, "no body line (H0–H3, P or R)")
    return Source(
        path=path,
        id=values["id"],
        kind=values["kind"],
        split=values["split"],
        format=fmt,
        encoding=values.get("encoding", "utf-8"),
        script=script,
        twin=values.get("twin", ""),
        layout=values.get("layout", "lines") or "lines",
        pdf_header=values.get("pdf_header", ""),
        title=values.get("title", ""),
        meta={k[5:]: v for k, v in sorted(values.items()) if k.startswith("meta.") and v},
        note=values.get("note", ""),
        lines=tuple(lines),
    )


def source_paths(root: Path) -> list[Path]:
    """Every ``.txt`` source under ``root`` (a sources folder or one split), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise DevsetError(f"{root}: not a folder")
    return sorted(p for p in root.rglob("*.txt") if p.is_file())


def _check_set(sources: list[Source], *, known_ids: dict[str, Source]) -> dict[Path, str]:
    problems: dict[Path, str] = {}
    seen: dict[str, Path] = {}
    for source in sources:
        if source.id in seen:
            problems[source.path] = (
                f"{source.path}: id {source.id!r} also used by {seen[source.id]}"
            )
        seen[source.id] = source.path
    for source in sources:
        if not source.twin:
            continue
        twin = known_ids.get(source.twin)
        line_no = next(
            (
                n
                for n, raw in enumerate(source.path.read_text(encoding="utf-8").splitlines(), 1)
                if raw.startswith("# twin")
            ),
            0,
        )
        if twin is None:
            problems[source.path] = str(
                _fail(source.path, line_no, f"twin {source.twin!r} not found")
            )
        elif twin.script != "simplified":
            problems[source.path] = str(
                _fail(source.path, line_no, f"twin {source.twin!r} is not a simplified file")
            )
    return problems


def read_sources(root: Path, *, split: str = "all") -> list[Source]:
    """Parse every source under ``root`` and check the set.

    Parameters
    ----------
    root : Path
        The sources folder (with ``dev/`` and ``heldout/``) or one split folder.
    split : {"all", "dev", "heldout"}, default "all"
        Return only the sources of this split.  Twins are looked up among all
        sources under ``root`` whatever the split.

    Returns
    -------
    list of Source
        Sorted by split, then id.

    Raises
    ------
    DevsetError
        The first problem found (see :func:`parse_source`), a repeated id or a
        ``twin`` that names no simplified source under ``root``.
    """
    if split not in ("all",) + SPLITS:
        raise DevsetError(f"split {split!r}; allowed values are all, {', '.join(SPLITS)}")
    sources = [parse_source(p) for p in source_paths(root)]
    problems = _check_set(sources, known_ids={s.id: s for s in sources})
    if problems:
        raise DevsetError(problems[sorted(problems)[0]])
    chosen = [s for s in sources if split == "all" or s.split == split]
    return sorted(chosen, key=lambda s: (s.split, s.id))


def check_sources(root: Path) -> dict[str, list[str]]:
    """Every problem of every source under ``root``, by file (only files with problems).

    Returns a dict from the file's path (as a string, sorted) to its problems
    (messages naming file and line).  An empty dict means the set is sound.
    """
    problems: dict[str, list[str]] = {}
    sources: list[Source] = []
    for path in source_paths(root):
        try:
            sources.append(parse_source(path))
        except DevsetError as error:
            problems.setdefault(str(path), []).append(str(error))
    for path, message in _check_set(sources, known_ids={s.id: s for s in sources}).items():
        problems.setdefault(str(path), []).append(message)
    for source in sources:
        if str(source.path) in problems:
            continue
        try:
            derive_gold(source)
            if source.format == "pdf" and pdf_missing_characters(source):
                render_source(source)  # raises, naming the characters
        except DevsetError as error:
            problems.setdefault(str(source.path), []).append(str(error))
    return dict(sorted(problems.items()))


# --------------------------------------------------------------------------- gold


@lru_cache(maxsize=1)
def _sentence_rules() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(sentence splitter, clause label) from ``analysis/data/structure_rules.yml``."""
    rules = yaml.safe_load(config.STRUCTURE_RULES_PATH.read_text(encoding="utf-8"))
    ends = re.escape(rules["sentence_end"])
    closing = re.escape(rules["closing_marks"])
    return re.compile(f"[^{ends}]*(?:[{ends}]+[{closing}]*|$)"), re.compile(rules["clause_labels"])


def split_sentences(text: str) -> list[str]:
    """Split gold text after ``。！？!?`` and closing marks; text without an end is one sentence.

    The end and closing characters come from ``structure_rules.yml``
    (``sentence_end``, ``closing_marks``), as the loader's.  Sentences are
    stripped of surrounding whitespace; empty ones are dropped.
    """
    splitter, _ = _sentence_rules()
    return [s.strip() for s in splitter.findall(text) if s.strip()]


def strip_clause_label(sentence: str) -> str:
    """``sentence`` without a clause label (``目标任务：``) at its start (the loader moves it)."""
    _, label = _sentence_rules()
    return label.sub("", sentence, count=1)


def derive_gold(source: Source, *, n_pages: int = 0) -> Gold:
    """The gold of a source (for a PDF, pass its page count for headers and page numbers).

    Sentences come from ``H0``–``H3`` and ``P`` lines (label and inline
    marks removed, split by :func:`split_sentences`); an ``R`` table row is
    one gold unit as printed.  Each sentence's path holds the numbers of the
    enclosing ``H1``–``H3`` blocks (an ``H0`` part heading resets them).
    Chrome lines are every ``C``, ``N`` and ``T`` line, and for a PDF the
    running header (when given) and ``— N —`` of each of ``n_pages`` pages.
    """
    sentences: list[GoldSentence] = []
    chrome: list[GoldChrome] = []
    marks: list[GoldMark] = []
    body_lines: list[tuple[int, tuple[int, ...]]] = []
    path: list[int | None] = [None, None, None]
    for line in source.lines:
        if not line.tag:
            continue
        marks.extend(GoldMark(m.kind, m.text, line.line_no) for m in line.marks)
        if line.tag in CHROME_TAGS:
            chrome.append(GoldChrome(line.plain.strip(), line.tag, line.line_no))
            continue
        if line.tag == "H0":
            path = [None, None, None]
        elif line.tag in ("H1", "H2", "H3"):
            level = int(line.tag[1]) - 1
            path[level] = line.number
            for deeper in range(level + 1, 3):
                path[deeper] = None
        key = tuple(n for n in path if n is not None)
        texts = [line.plain.strip()] if line.tag == "R" else split_sentences(line.plain)
        first = len(sentences)
        sentences.extend(GoldSentence(t, key, line.line_no, line.tag) for t in texts)
        body_lines.append((line.line_no, tuple(range(first, len(sentences)))))
    if source.format == "pdf":
        for page in range(1, n_pages + 1):
            if source.pdf_header:
                chrome.append(GoldChrome(source.pdf_header, "pdf_header", 0))
            chrome.append(GoldChrome(page_number_text(page), "pdf_page", 0))
    return Gold(
        sentences=tuple(sentences),
        chrome=tuple(chrome),
        marks=tuple(marks),
        body_lines=tuple(body_lines),
        title=source.title,
        meta=dict(source.meta),
        twin=source.twin,
    )


def body_text(line: ContentLine) -> str:
    """The line's text as the plan wrote it: every mark removed with its text.

    Watermarks, injected characters, page and chunk markers are the page's or
    the copier's, not the bureau's (``data/loader_devset/README.md``, "The source markup").
    """
    return _MARK.sub("", line.text)


def page_number_text(page: int) -> str:
    """The page number printed at a PDF page's foot."""
    return f"— {page} —"


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Piece:
    text: str
    marker: bool = False  # a page marker alone on its line (never wrapped or joined)


@dataclass(frozen=True)
class _Block:
    tag: str
    pieces: tuple[_Piece, ...]


def _inline_pieces(line: ContentLine) -> list[_Piece]:
    """The physical lines one content line renders to (page and chunk marks break it)."""
    pieces: list[_Piece] = []
    current = line.label
    position = 0
    for mark in _MARK.finditer(line.text):
        current += line.text[position : mark.start()]
        position = mark.end()
        if mark["kind"] in ("wm", "x"):
            current += mark["text"]
        elif mark["kind"] == "page":
            pieces.append(_Piece(current))
            pieces.append(_Piece(mark["text"], marker=True))
            current = ""
        else:  # chunk: a line break, then the marker directly followed by the rest
            pieces.append(_Piece(current))
            current = mark["text"]
    current += line.text[position:]
    pieces.append(_Piece(current))
    return [p for p in pieces if p.text]


def _hardwrap(pieces: list[_Piece], width: int) -> list[_Piece]:
    wrapped: list[_Piece] = []
    for n, piece in enumerate(pieces):
        if piece.marker:
            wrapped.append(piece)
            continue
        text = (INDENT + piece.text) if n == 0 else piece.text
        wrapped.extend(_Piece(text[i : i + width]) for i in range(0, len(text), width))
    return wrapped


def _blocks(source: Source) -> list[_Block]:
    """The source's lines as blocks of physical lines, laid out as ``layout`` says."""
    blocks: list[_Block] = []
    layout = source.layout
    for line in source.lines:
        if not line.tag:
            blocks.append(_Block("", ()))
            continue
        pieces = _inline_pieces(line)
        if line.tag in BODY_TAGS and line.tag != "R" and layout.startswith("hardwrap:"):
            pieces = _hardwrap(pieces, int(layout.split(":")[1]))
        blocks.append(_Block(line.tag, tuple(pieces)))
    if layout not in ("oneline", "oneline_spaced"):
        return blocks
    joiner = " " if layout == "oneline_spaced" else ""
    merged: list[_Block] = []
    run: list[_Piece] | None = None
    for block in blocks:
        if block.tag in BODY_TAGS:
            if run is None:
                run = list(block.pieces)
            elif run and block.pieces and not run[-1].marker and not block.pieces[0].marker:
                run[-1] = _Piece(run[-1].text + joiner + block.pieces[0].text)
                run.extend(block.pieces[1:])
            else:
                run.extend(block.pieces)
            continue
        if not block.tag and run is not None:
            continue  # blank lines inside the body vanish when it runs together
        if run is not None:
            merged.append(_Block("P", tuple(run)))
            run = None
        merged.append(block)
    if run is not None:
        merged.append(_Block("P", tuple(run)))
    return merged


def rendered_lines(source: Source) -> list[str]:
    """The lines of text the rendered file shows, in order (blank lines as ``""``)."""
    return [p.text for b in _blocks(source) for p in (b.pieces or (_Piece(""),))]


# --------------------------------------------------------------------------- formats


def _render_txt(source: Source) -> bytes:
    return ("\n".join(rendered_lines(source)) + "\n").encode(source.encoding)


def _html_block(block: _Block, element: str) -> str:
    inner = "<br/>".join(html.escape(p.text, quote=False) for p in block.pieces)
    return f"<{element}>{inner}</{element}>"


def _render_html(source: Source) -> bytes:
    blocks = [b for b in _blocks(source) if b.tag]
    inside = [i for i, b in enumerate(blocks) if b.tag != "C"]
    first, last = inside[0], inside[-1]
    before, body, after = blocks[:first], blocks[first : last + 1], blocks[last + 1 :]
    # A page that shows no plan title is titled after the site (its first chrome line).
    site = next((b.pieces[0].text for b in before if b.pieces), "")
    page_title = source.title or site
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8"/>',
        f"<title>{html.escape(page_title, quote=False)}</title>",
        "</head>",
        "<body>",
    ]
    if before:
        # The first chrome line is the site's header; the rest is navigation and breadcrumbs.
        out.append('<div class="header">' + _html_block(before[0], "div") + "</div>")
        if before[1:]:
            out.append(
                '<div class="nav">' + "".join(_html_block(b, "div") for b in before[1:]) + "</div>"
            )
    out.append('<div class="main"><div class="article">')
    for block in body:
        if block.tag == "T":
            out.append(_html_block(block, "h1"))
        elif block.tag == "C":
            out.append('<div class="share">' + _html_block(block, "span") + "</div>")
        elif block.tag == "R":
            cells = re.split(r"\s*\|\s*|\t", block.pieces[0].text) if block.pieces else []
            out.append(
                "<table><tr>"
                + "".join(f"<td>{html.escape(c, quote=False)}</td>" for c in cells)
                + "</tr></table>"
            )
        else:
            out.append(_html_block(block, "p"))
    out.append("</div></div>")
    if after:
        # Related-article lists stand beside the article; the last line is the footer.
        if after[:-1]:
            out.append(
                '<div class="aside">'
                + "".join(_html_block(b, "div") for b in after[:-1])
                + "</div>"
            )
        out.append('<div class="footer">' + _html_block(after[-1], "div") + "</div>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip package with every entry dated :data:`FIXED_DATE`, in the same order."""
    out = io.BytesIO()
    stamp = FIXED_DATE.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _render_docx(source: Source) -> bytes:
    import docx  # python-docx: a project dependency

    document = docx.Document()
    for line in rendered_lines(source):
        document.add_paragraph(line)
    core = document.core_properties
    naive = FIXED_DATE.replace(tzinfo=None)
    core.created = naive
    core.modified = naive
    core.last_printed = naive
    core.author = ""
    core.last_modified_by = ""
    core.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


@lru_cache(maxsize=2)
def _font_chars(font_path: Path) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path, lazy=True) as font:
        return frozenset(chr(cp) for cp in font.getBestCmap())


def _pdf_font(font_path: Path | None) -> Path:
    from analysis.figures.fonts import cjk_font_path

    return Path(font_path) if font_path is not None else cjk_font_path()


def pdf_missing_characters(source: Source, *, font_path: Path | None = None) -> str:
    """The characters of a PDF source the font cannot draw (sorted, ``""`` if none).

    fpdf2 leaves such characters out of the page with only a log message, so
    the file would silently differ from the gold; :func:`render_source`
    refuses a source with any.
    """
    needed = set(source.pdf_header) | {c for line in rendered_lines(source) for c in line}
    have = _font_chars(_pdf_font(font_path))
    return "".join(sorted(c for c in needed if c.isprintable() and c != " " and c not in have))


def _render_pdf(source: Source, *, font_path: Path | None) -> tuple[bytes, int]:
    from fpdf import FPDF
    from fpdf.enums import WrapMode, XPos, YPos

    font = _pdf_font(font_path)
    missing = pdf_missing_characters(source, font_path=font)
    if missing:
        raise _fail(
            source.path,
            0,
            f"the PDF font has no glyph for {missing!r} "
            f"({', '.join(f'U+{ord(c):04X}' for c in missing)}); "
            "use another format for this file or other characters",
        )
    header_text = source.pdf_header

    class _Page(FPDF):
        def header(self) -> None:
            if header_text:
                self.set_font("cjk", size=9)
                self.cell(0, 6, header_text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.ln(4)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("cjk", size=10)
            self.cell(0, 8, page_number_text(self.page_no()), align="C")

    pdf = _Page(format="A4", unit="mm")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(25, 20, 25)
    pdf.add_font("cjk", fname=str(font))
    pdf.add_page()
    for block in _blocks(source):
        if not block.tag:
            pdf.ln(6)
            continue
        for n, piece in enumerate(block.pieces):
            text = piece.text
            body = block.tag in BODY_TAGS and not piece.marker
            if body and n == 0 and not text.startswith(INDENT):
                text = INDENT + text
            size, align = (16, "C") if block.tag == "T" else (11, "L")
            if piece.marker:
                align = "C"
            pdf.set_font("cjk", size=size)
            pdf.multi_cell(
                0,
                7 if size < 16 else 10,
                text,
                align=align,
                wrapmode=WrapMode.CHAR,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    return bytes(pdf.output()), pdf.page_no()


def render_source(source: Source, *, font_path: Path | None = None) -> Rendered:
    """Render a source to the bytes of its file and derive its gold.

    Parameters
    ----------
    source : Source
        From :func:`parse_source`.
    font_path : Path, optional
        A TrueType CJK font for PDF output.  Default: the converted Noto Sans
        CJK SC of :func:`analysis.figures.fonts.cjk_font_path` (built into
        ``.cache/fonts/`` at first use).

    Returns
    -------
    Rendered
        The file name (``<id>.txt|.html|.docx|.pdf``), its bytes, the text
        lines it shows and its :class:`Gold`.

    Notes
    -----
    ``txt``: one line per physical line in ``encoding`` (``utf-16`` and
    ``utf-8-sig`` with their byte-order mark).  ``html``: chrome lines before
    the body in header and nav divs, after it in aside and footer divs, the
    title in ``<h1>``, body paragraphs as ``<p>`` in an article div, a chrome
    line inside the body where it stands; page and chunk breaks as ``<br/>``.
    ``docx``: one paragraph a line.  ``pdf``: A4, body paragraphs opening with
    two ideographic spaces and wrapped by the page width, ``pdf_header`` at
    the top and ``— N —`` at the foot of every page.
    """
    n_pages = 0
    if source.format == "txt":
        data = _render_txt(source)
    elif source.format == "html":
        data = _render_html(source)
    elif source.format == "docx":
        data = _render_docx(source)
    else:
        data, n_pages = _render_pdf(source, font_path=font_path)
    return Rendered(
        file_name=source.file_name,
        data=data,
        lines=tuple(rendered_lines(source)),
        gold=derive_gold(source, n_pages=n_pages),
        n_pages=n_pages,
    )


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.devset check DIR`` / ``render DIR OUT``."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis.devset", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check every source under DIR; exit 1 on any problem")
    check.add_argument("dir", type=Path)
    render = commands.add_parser("render", help="render every source under DIR into OUT/<split>/")
    render.add_argument("dir", type=Path)
    render.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            paths = source_paths(args.dir)
            problems = check_sources(args.dir)
            for path, messages in problems.items():
                print(path)
                for message in messages:
                    print(f"  {message}")
            print(f"{len(paths)} sources, {len(problems)} with problems")
            return 1 if problems else 0
        for source in read_sources(args.dir):
            rendered = render_source(source)
            target = args.out / source.split / rendered.file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(rendered.data)
            print(target)
        return 0
    except DevsetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
