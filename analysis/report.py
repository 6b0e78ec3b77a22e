"""Execute the notebooks and render them as a self-contained HTML report.

``python -m analysis report [--out DIR] [--lang zh|en]`` runs every notebook of
``notebooks/`` top to bottom on a fresh kernel (nbclient), with its ``LANG``
parameter set, and writes one HTML page per notebook plus an ``index.html``
(nbconvert).  Figures are embedded as ``data:`` URIs and no script is loaded
from the network, so the folder can be opened, copied or mailed without a
connection.  Nothing in a page depends on the clock: cells carry no execution
timings and the injected parameter cell has a fixed id, so running the report
twice on the same tables gives the same bytes.

The parameter convention is papermill's: the cell tagged ``parameters`` holds
the defaults (``LANG = "zh"``); a cell tagged ``injected-parameters`` inserted
right after it overrides them.

References
----------
Jupyter nbclient and nbconvert documentation, https://nbclient.readthedocs.io/,
https://nbconvert.readthedocs.io/; papermill's parameters convention,
https://papermill.readthedocs.io/en/latest/usage-parameterize.html
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from analysis import config

LANGS: tuple[str, ...] = ("zh", "en")
#: Default output folder; the report for one language goes to ``REPORT_DIR / lang``.
REPORT_DIR: Path = config.ROOT / "docs" / "report"
PARAMETERS_TAG: str = "parameters"
INJECTED_TAG: str = "injected-parameters"
#: A cell draws a figure when it calls one of the ``plot_…`` functions of
#: :mod:`analysis.figures`.
FIGURE_CALL = re.compile(r"\bplot_\w+\s*\(")
# Scripts the nbconvert templates load from CDNs (require.js, MathJax): the
# report needs neither, and a page must not wait for, or leak requests to, the network.
_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*')
_EMBEDDED_PNG = re.compile(r'<img[^>]*\bsrc="data:image/png;base64,')
_CHOICE = "{name} must be one of {allowed}, got {value!r}"


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(_CHOICE.format(name="lang", allowed=LANGS, value=lang))


def notebook_with_lang(notebook: nbformat.NotebookNode, *, lang: str) -> nbformat.NotebookNode:
    """Return a copy of ``notebook`` whose ``LANG`` is ``lang`` (papermill style).

    Parameters
    ----------
    notebook : NotebookNode
        A notebook with one code cell tagged ``parameters``.
    lang : {"zh", "en"}
        The language of figure labels and table headers.

    Returns
    -------
    NotebookNode
        The copy, with a cell tagged ``injected-parameters`` (fixed id) right after
        the parameters cell.

    Raises
    ------
    ValueError
        If ``lang`` is not allowed or the notebook has no parameters cell.
    """
    _check_lang(lang)
    out = copy.deepcopy(notebook)
    tagged = [i for i, cell in enumerate(out.cells)
              if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"a notebook needs exactly one cell tagged {PARAMETERS_TAG!r}, "
                         f"found {len(tagged)}")
    cell = nbformat.v4.new_code_cell(f"LANG = {lang!r}")
    cell.metadata["tags"] = [INJECTED_TAG]
    cell["id"] = INJECTED_TAG  # a random id would make the HTML differ between runs
    out.cells.insert(tagged[0] + 1, cell)
    return out


def execute_notebook(
    path: Path, *, lang: str = "zh", timeout: int = 900, kernel_name: str = "python3"
) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` top to bottom on a fresh kernel and return it.

    Parameters
    ----------
    path : Path
        An ``.ipynb`` file; it runs with its own folder as working directory.
    lang : {"zh", "en"}, default "zh"
    timeout : int, default 900
        Seconds one cell may take.
    kernel_name : str, default "python3"
        The Jupyter kernel (the interpreter of the running environment).

    Returns
    -------
    NotebookNode
        The executed notebook (nbformat 4.5, cell ids normalised), outputs included
        and no execution timings.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises.
    """
    _check_lang(lang)
    notebook = nbformat.read(path, as_version=4)
    # Cell ids (nbformat 4.5) are made from the cell's position, not at random.
    notebook.nbformat_minor = max(notebook.nbformat_minor, 5)
    for number, cell in enumerate(notebook.cells):
        cell.setdefault("id", f"cell-{number:03d}")
    notebook = notebook_with_lang(notebook, lang=lang)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel_name,
        record_timing=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    return notebook


def figure_cell_images(notebook: nbformat.NotebookNode) -> list[tuple[int, int]]:
    """Count the PNG outputs of every cell that draws a figure.

    Parameters
    ----------
    notebook : NotebookNode
        An executed notebook.

    Returns
    -------
    list of (int, int)
        ``(cell index, number of image/png outputs)`` for each code cell whose
        source calls a ``plot_…`` function (:data:`FIGURE_CALL`), in cell order.
        A reader sees each figure once, so every count should be 1.
    """
    return [
        (index, sum("image/png" in output.get("data", {}) for output in cell.get("outputs", [])))
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and FIGURE_CALL.search(cell.source)
    ]


def notebook_to_html(notebook: nbformat.NotebookNode) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Returns
    -------
    str
        nbconvert's ``lab`` page with CSS inline, images as ``data:`` URIs and the
        template's remote scripts (require.js, MathJax) removed.
    """
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _resources = exporter.from_notebook_node(notebook)
    return _REMOTE_SCRIPT.sub("", body)


def embedded_png_count(page: str) -> int:
    """Number of PNG images embedded in an HTML page as ``data:`` URIs."""
    return len(_EMBEDDED_PNG.findall(page))


def notebook_title(notebook: nbformat.NotebookNode) -> tuple[str, str]:
    """Return the first heading and the question (``**Question.** …``) of a notebook."""
    source = notebook.cells[0].source if notebook.cells else ""
    heading = next((line.lstrip("# ").strip() for line in source.splitlines()
                    if line.startswith("#")), "")
    question = next((line.replace("**Question.**", "").strip() for line in source.splitlines()
                     if line.startswith("**Question.**")), "")
    return heading, question


def index_html(entries: Sequence[tuple[str, str, str]], *, lang: str) -> str:
    """The report's index page: one link per notebook with its question.

    Parameters
    ----------
    entries : sequence of (file name, title, question)
    lang : {"zh", "en"}
        Written into ``<html lang>`` and the page title.
    """
    _check_lang(lang)
    items = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(title)}</a>'
        f"<p>{html.escape(question)}</p></li>"
        for name, title, question in entries
    )
    heading = {"zh": "教育工作要点分析：笔记本报告",
               "en": "Education work plans: notebook report"}[lang]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{heading}</title>\n<style>body{{font-family:sans-serif;max-width:48em;"
        f"margin:2em auto;line-height:1.5}}li{{margin-bottom:1em}}p{{margin:.2em 0}}</style>\n"
        f"</head>\n<body>\n<h1>{heading}</h1>\n<p>Generated by <code>python -m analysis report "
        f"--lang {lang}</code> from <code>data/processed/</code>.</p>\n<ol>\n{items}\n</ol>\n"
        f"</body>\n</html>\n"
    )


def write_report(
    *,
    out_dir: Path | None = None,
    lang: str = "zh",
    notebooks: Sequence[Path] | None = None,
    timeout: int = 900,
    verbose: bool = True,
) -> list[Path]:
    """Execute ``notebooks`` and write their HTML pages and an index into ``out_dir``.

    Parameters
    ----------
    out_dir : Path, optional
        Output folder (created); default ``REPORT_DIR / lang`` (``docs/report/zh``).
    lang : {"zh", "en"}, default "zh"
    notebooks : sequence of Path, optional
        Default: every ``*.ipynb`` of ``config.NOTEBOOKS_DIR``, in name order.
    timeout : int, default 900
        Seconds one cell may take.
    verbose : bool, default True
        Print one line per page written.

    Returns
    -------
    list of Path
        The pages written, the index last.
    """
    _check_lang(lang)
    out_dir = Path(out_dir) if out_dir is not None else REPORT_DIR / lang
    paths = sorted(notebooks) if notebooks is not None else sorted(
        config.NOTEBOOKS_DIR.glob("*.ipynb"))
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries: list[tuple[str, str, str]] = []
    for path in paths:
        executed = execute_notebook(path, lang=lang, timeout=timeout)
        page = notebook_to_html(executed)
        target = out_dir / f"{Path(path).stem}.html"
        target.write_text(page, encoding="utf-8")
        written.append(target)
        entries.append((target.name, *notebook_title(executed)))
        if verbose:
            print(f"{target}: {embedded_png_count(page)} figures")
    index = out_dir / "index.html"
    index.write_text(index_html(entries, lang=lang), encoding="utf-8")
    written.append(index)
    return written
