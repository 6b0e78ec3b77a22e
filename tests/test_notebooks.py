"""Notebooks stay thin, are stored without outputs, and read right when executed.

The stored notebooks are checked for shape (no functions, no outputs, a question, a
``LANG`` parameters cell, findings computed rather than typed).  Each notebook is then
executed on a fresh kernel in both languages (nbclient, as ``python -m analysis
report`` does) and its outputs are checked as a reader would see them: every cell
that draws a figure shows exactly one image, no other cell shows one, and in English
no table header is left in Chinese.
"""

import ast
import json
import re

import nbformat
import pytest

from analysis import config
from analysis.report import LANGS, PARAMETERS_TAG, execute_notebook, figure_cell_images

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
FINDINGS_HEADING = "## What we found"
CJK = re.compile(r"[\u3400-\u9fff]")
HEADER_CELL = re.compile(r"<th[^>]*>(.*?)</th>", re.S)


def _python(cell) -> str:
    # IPython magics (%matplotlib inline) are not Python; leave them out of the parse.
    return "\n".join(line for line in cell.source.splitlines() if not line.startswith(("%", "!")))


def test_the_numbered_notebooks_exist():
    names = [p.stem for p in NOTEBOOKS]
    assert names[:6] == [
        "01_corpus",
        "02_themes",
        "03_keywords",
        "04_similarity",
        "05_topics",
        "06_policy_tools",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_defines_no_functions_and_stores_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs", []) == [], f"{path.name}: outputs are stored; strip them"
        assert cell.get("execution_count") is None, f"{path.name}: execution counts are stored"
        tree = ast.parse(_python(cell))
        defined = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
        ]
        assert defined == [], f"{path.name}: analysis logic belongs in analysis/, not the notebook"
        assert "import analysis" in "".join(
            c.source for c in notebook.cells
        ) or "from analysis" in ("".join(c.source for c in notebook.cells))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_its_own_id(path):
    # nbformat 4.5 requires cell ids (a missing one is a validation warning now and
    # an error in later nbformat versions); a cell pasted in by hand often lacks one.
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    ids = [cell.get("id") for cell in cells]
    assert None not in ids and len(set(ids)) == len(ids), f"{path.name}: cell ids {ids}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_one_lang_parameters_cell_first(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    tagged = [c for c in code if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0], f"{path.name}: first code cell must be tagged"
    assigned = {
        target.id: ast.literal_eval(node.value)
        for node in ast.parse(code[0].source).body if isinstance(node, ast.Assign)
        for target in node.targets
    }
    assert assigned.get("LANG") in LANGS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_states_its_question_and_computes_its_findings(path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and "Question" in cells[0].source
    starts = [i for i, c in enumerate(cells)
              if c.cell_type == "markdown" and FINDINGS_HEADING in c.source]
    assert len(starts) == 1, f"{path.name}: one '{FINDINGS_HEADING}' section"
    findings = cells[starts[0]:]
    # The findings are written by a code cell from the tables above it …
    assert any(c.cell_type == "code" and "findings_markdown(" in c.source for c in findings)
    # … so the prose around them types no number (file names in `code` are not numbers).
    for cell in findings:
        if cell.cell_type == "markdown":
            prose = re.sub(r"`[^`]*`", "", cell.source)
            assert not re.search(r"\d", prose), f"{path.name}: a number typed into the findings"
    assert cells[-1].cell_type == "markdown", f"{path.name}: ends with what the sample supports"


_EXECUTED: dict[tuple[str, str], nbformat.NotebookNode] = {}


def _executed(path, lang):
    key = (path.name, lang)
    if key not in _EXECUTED:
        _EXECUTED[key] = execute_notebook(path, lang=lang)
    return _EXECUTED[key]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_cell_shows_exactly_one_image(path, lang):
    notebook = _executed(path, lang)
    counts = figure_cell_images(notebook)
    wrong = [(i, n) for i, n in counts if n != 1]
    assert wrong == [], f"{path.name} ({lang}): figure cells (index, images) not showing one image"
    figure_cells = {i for i, _ in counts}
    stray = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and i not in figure_cells
             and any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))]
    assert stray == [], f"{path.name} ({lang}): cells drawing no figure show an image: {stray}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_english_notebook_has_no_chinese_table_headers(path):
    notebook = _executed(path, "en")
    headers = [
        header
        for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        for header in HEADER_CELL.findall(output.get("data", {}).get("text/html", ""))
    ]
    assert headers, f"{path.name}: no table shown"
    chinese = [h for h in headers if CJK.search(h)]
    assert chinese == [], f"{path.name}: headers left in Chinese: {chinese[:5]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_notebook_shows_no_error_and_no_raw_table_dump(path):
    notebook = _executed(path, "zh")
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
            assert output.get("name") != "stderr", f"{path.name}: {output.get('text', '')[:200]}"
            html = output.get("data", {}).get("text/html", "")
            # pandas' own repr (class="dataframe") means a table skipped analysis.display.
            assert 'class="dataframe"' not in html, f"{path.name}: a raw DataFrame is shown"
