"""Executing notebooks and rendering them as a self-contained HTML report."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis import report
from analysis.__main__ import _parser

# Two pyplot figures, each drawn inside figure_style(): before issue 13 only the
# first of them reached the notebook.
FIGURE_CELL = """
with figure_style():
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.bar(["桐庐", "黄石"], [1, 2])
    ax.set_title(LANG)
"""


def _notebook(path):
    notebook = new_notebook()
    parameters = new_code_cell('LANG = "zh"')
    parameters.metadata["tags"] = [report.PARAMETERS_TAG]
    notebook.cells = [
        new_markdown_cell("# 99 · A test notebook\n\n**Question.** Do both figures show?"),
        parameters,
        new_code_cell("import matplotlib.pyplot as plt\n\nfrom analysis.figures.style import "
                      "figure_style"),
        new_code_cell(FIGURE_CELL + "plot_first = 1"),
        new_code_cell("print(LANG)"),
        new_code_cell(FIGURE_CELL + "plot_second = 2"),
    ]
    nbformat.write(notebook, path)
    return path


def test_notebook_with_lang_overrides_the_parameters_cell_right_after_it(tmp_path):
    notebook = nbformat.read(_notebook(tmp_path / "99_test.ipynb"), as_version=4)
    injected = report.notebook_with_lang(notebook, lang="en")
    assert len(injected.cells) == len(notebook.cells) + 1
    assert injected.cells[2].source == "LANG = 'en'"
    assert injected.cells[2].metadata["tags"] == [report.INJECTED_TAG]
    assert len(notebook.cells) == 6  # the original is left alone
    with pytest.raises(ValueError, match="lang"):
        report.notebook_with_lang(notebook, lang="fr")
    notebook.cells[1].metadata["tags"] = []
    with pytest.raises(ValueError, match="parameters"):
        report.notebook_with_lang(notebook, lang="en")


def test_figure_cells_are_found_by_their_plot_calls():
    notebook = new_notebook(cells=[new_code_cell("fig = plot_theme_shares(t)"),
                                   new_code_cell("x = plotted(1)")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("display_data", {"image/png": "AA=="})]
    assert report.figure_cell_images(notebook) == [(0, 1)]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    _notebook(folder / "99_test.ipynb")
    first = report.write_report(out_dir=folder / "a", lang="en",
                                notebooks=[folder / "99_test.ipynb"], verbose=False)
    second = report.write_report(out_dir=folder / "b", lang="en",
                                 notebooks=[folder / "99_test.ipynb"], verbose=False)
    return first, second


def test_report_embeds_every_figure_and_needs_no_network(written):
    first, _ = written
    page = first[0].read_text(encoding="utf-8")
    # Both figures of the two figure_style() cells, as data: URIs in the page itself.
    assert report.embedded_png_count(page) == 2
    assert 'src="http' not in page and "src='http" not in page
    assert "'en'" in page  # the injected LANG ran


def test_report_has_an_index_linking_every_page(written):
    first, _ = written
    index = first[-1].read_text(encoding="utf-8")
    assert first[-1].name == "index.html"
    assert 'href="99_test.html"' in index and "Do both figures show?" in index


def test_report_is_the_same_bytes_on_every_run(written):
    first, second = written
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_report_command_takes_out_and_lang_only():
    args = _parser().parse_args(["report", "--lang", "en", "--out", "x"])
    assert (args.lang, str(args.out)) == ("en", "x")
    assert _parser().parse_args(["report"]).lang == "zh"
    with pytest.raises(SystemExit):
        _parser().parse_args(["report", "--lang", "fr"])
