"""data/processed/README.md documents every column of every table, and nothing else.

The README has one ``### `<stem>` — …`` section per table, each with a two-column
``| column | meaning |`` table whose first cell names one or more columns in
backticks.  These tests parse it and compare the names with

* the Parquet files in ``data/processed/`` (skipped when the build has not run);
* the column lists of ``analysis.build.TABLES`` (every table the build writes)
  and, for a section documented ahead of the build, ``schema.<STEM>`` (these
  run without a build);
* the header rows of the CSV files in ``data/validation/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis import build, config, schema

README_PATH: Path = config.PROCESSED_DIR / "README.md"
VALIDATION_DIR: Path = config.DATA_DIR / "validation"
BUILT_TABLES: list[Path] = sorted(config.PROCESSED_DIR.glob("*.parquet"))

_SECTION = re.compile(r"^###\s+`([^`]+)`")
_HEADER = re.compile(r"^\|\s*column\s*\|\s*meaning\s*\|\s*$")
_RULE = re.compile(r"^\|[\s:|-]+\|\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")  # a pipe escaped as \| stays inside its cell
_NAME = re.compile(r"`([^`]+)`")
_COLUMN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def parse_sections(markdown: str) -> dict[str, list[str]]:
    """Map each ``### `<stem>``` section to the column names its table documents.

    Names are listed in table order, repeats kept (so a caller can see them).
    Raises ``ValueError`` naming the line for a repeated section, a section
    without exactly one ``| column | meaning |`` table, a row that is not two
    cells, or a first cell holding anything but backticked column names
    separated by commas.
    """
    sections: dict[str, list[str]] = {}
    tables: dict[str, int] = {}
    current: str | None = None
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _SECTION.match(line)
        if heading:
            current = heading.group(1)
            if current in sections:
                raise ValueError(f"line {i + 1}: section `{current}` appears twice")
            sections[current], tables[current] = [], 0
        elif line.startswith("#"):
            current = None  # a higher-level heading closes the section
        elif current is not None and _HEADER.match(line):
            tables[current] += 1
            if i + 1 >= len(lines) or not _RULE.match(lines[i + 1]):
                raise ValueError(f"line {i + 2}: the table of `{current}` lacks its |---| row")
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                sections[current] += _row_names(lines[i], i + 1, current)
                i += 1
            continue
        i += 1
    for name, count in tables.items():
        if count != 1 or not sections[name]:
            raise ValueError(f"section `{name}` has {count} column tables; it needs exactly one "
                             "non-empty | column | meaning | table")
    return sections


def _row_names(line: str, line_no: int, section: str) -> list[str]:
    cells = _CELL_SPLIT.split(line.strip())
    if len(cells) != 4 or cells[0] or cells[-1]:
        raise ValueError(f"line {line_no} ({section}): a row needs two cells, got {line!r}")
    first, meaning = cells[1], cells[2]
    names = _NAME.findall(first)
    if not names or _NAME.sub("", first).strip(" ,") or not meaning.strip():
        raise ValueError(f"line {line_no} ({section}): the first cell must be backticked column "
                         f"names separated by commas and the second a meaning, got {line!r}")
    bad = [n for n in names if not _COLUMN_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"line {line_no} ({section}): {bad} are not column names")
    return names


def _difference(documented: list[str], actual: list[str]) -> str:
    missing = [c for c in actual if c not in documented]
    extra = [c for c in documented if c not in actual]
    return f"undocumented columns {missing}; documented but absent {extra}"


@pytest.fixture(scope="module")
def sections() -> dict[str, list[str]]:
    return parse_sections(README_PATH.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- the parser


def test_parser_reads_several_names_per_cell_and_escaped_pipes():
    markdown = (
        "# Title\n\n## Area\n\n### `demo` — one row per thing\n\nProse.\n\n"
        "| column | meaning |\n|---|---|\n"
        "| `a`, `b_2` | two columns in one row |\n"
        "| `c` | joined by ` \\| ` |\n\n"
        "## Next area\n\n| column | meaning |\n|---|---|\n| `not_a_section` | ignored |\n"
    )
    assert parse_sections(markdown) == {"demo": ["a", "b_2", "c"]}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("| `a` and more prose | x |", "backticked column names"),
        ("| `a` |  |", "backticked column names"),
        ("| `a` | x | y |", "two cells"),
        ("| `A-b` | x |", "not column names"),
    ],
)
def test_parser_refuses_malformed_rows(row, message):
    markdown = f"### `demo` — x\n\n| column | meaning |\n|---|---|\n{row}\n"
    with pytest.raises(ValueError, match=message):
        parse_sections(markdown)


def test_parser_refuses_a_repeated_section_and_a_section_without_a_table():
    table = "| column | meaning |\n|---|---|\n| `a` | x |\n"
    with pytest.raises(ValueError, match="appears twice"):
        parse_sections(f"### `demo` — x\n\n{table}\n### `demo` — y\n\n{table}")
    with pytest.raises(ValueError, match="0 column tables"):
        parse_sections(f"### `demo` — x\n\nno table\n\n### `other` — y\n\n{table}")
    with pytest.raises(ValueError, match="2 column tables"):
        parse_sections(f"### `demo` — x\n\n{table}\n{table}")


# ----------------------------------------------------------------------------- the README


def test_no_column_is_documented_twice_in_a_section(sections):
    repeated = {stem: sorted({c for c in cols if cols.count(c) > 1})
                for stem, cols in sections.items() if len(set(cols)) != len(cols)}
    assert not repeated


def test_every_table_the_build_writes_is_documented_with_its_schema_columns(sections):
    for stem, expected in build.TABLES.items():
        assert stem in sections, f"README.md has no ### `{stem}` section"
        diff = _difference(sections[stem], expected)
        assert set(sections[stem]) == set(expected), f"{stem}: {diff}"


def test_sections_ahead_of_the_build_match_their_schema_list(sections):
    """A section for a table neither built nor in build.TABLES must match schema.<STEM>."""
    known = {p.stem for p in BUILT_TABLES} | set(build.TABLES)
    pending = [s for s in sections if not s.endswith(".csv") and s not in known]
    for stem in pending:
        expected = getattr(schema, stem.upper(), None)
        assert expected is not None, (
            f"README.md documents `{stem}`, which is not built, not in build.TABLES and "
            f"has no schema.{stem.upper()}: a stale section?"
        )
        diff = _difference(sections[stem], expected)
        assert set(sections[stem]) == set(expected), f"{stem}: {diff}"


@pytest.mark.parametrize("path", BUILT_TABLES or [None],
                         ids=lambda p: p.stem if p is not None else "not-built")
def test_every_column_of_a_built_table_is_documented(path, sections):
    if path is None:
        pytest.skip("data/processed/ has not been built (python -m analysis build)")
    assert path.stem in sections, f"README.md has no ### `{path.stem}` section"
    columns = pq.read_schema(path).names
    missing = [c for c in columns if c not in sections[path.stem]]
    assert not missing, f"{path.stem}: columns {missing} are not documented"


@pytest.mark.parametrize("path", BUILT_TABLES or [None],
                         ids=lambda p: p.stem if p is not None else "not-built")
def test_no_section_documents_a_column_its_table_lacks(path, sections):
    if path is None:
        pytest.skip("data/processed/ has not been built (python -m analysis build)")
    columns = pq.read_schema(path).names
    extra = [c for c in sections.get(path.stem, []) if c not in columns]
    assert not extra, f"{path.stem}: the README documents {extra}, which the table lacks"


def test_validation_files_are_documented_with_their_columns(sections):
    files = sorted(VALIDATION_DIR.glob("*.csv"))
    assert files, f"no CSV files in {VALIDATION_DIR}"
    documented = {s for s in sections if s.endswith(".csv")}
    assert documented == {p.name for p in files}
    for path in files:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns.tolist()
        assert set(sections[path.name]) == set(header), (
            f"{path.name}: {_difference(sections[path.name], header)}"
        )
