"""Notebooks stay thin and are stored without outputs (they are executed by nbmake)."""

import ast

import nbformat
import pytest

from analysis import config

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))


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
        # IPython magics (%matplotlib inline) are not Python; leave them out of the parse.
        python = "\n".join(
            line for line in cell.source.splitlines() if not line.startswith(("%", "!"))
        )
        tree = ast.parse(python)
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
def test_notebook_states_its_question_and_its_findings(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and "Question" in notebook.cells[0].source
    assert (
        notebook.cells[-1].cell_type == "markdown" and "What we found" in notebook.cells[-1].source
    )
