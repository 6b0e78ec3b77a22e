"""The API reference: HTML pages rendered from the docstrings with pdoc.

``python -m analysis docs`` (or ``bin/docs``) writes one page per module into
``docs/api/`` (git-ignored: the reference is generated, not committed); open
``docs/api/index.html`` in a browser.  The pages load no script, stylesheet or
font from the network (pdoc inlines its CSS and JavaScript; MathJax and Mermaid,
which would come from a CDN, are off), so the reference builds and reads offline.

pdoc was chosen over Sphinx or MkDocs because it needs no configuration
project, renders numpydoc sections (``docformat="numpy"``) and follows each
module's ``__all__``.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from analysis import __version__, config

__all__ = ["DEFAULT_DOCS_DIR", "DOC_MODULES", "SUBPACKAGES", "build_docs", "doc_modules"]

#: Where ``python -m analysis docs`` writes the reference by default.
DEFAULT_DOCS_DIR: Path = config.ROOT / "docs" / "api"

#: The modules of the public surface, each with a page of its own.
DOC_MODULES: tuple[str, ...] = (
    "analysis",
    "analysis.text",
    "analysis.coding",
    "analysis.corpus",
    "analysis.ingest",
    "analysis.figures",
    "analysis.tables",
    "analysis.io",
    "analysis.schema",
    "analysis.config",
)

#: Subpackages whose modules also get a page (constants, dataclasses and the
#: helpers the subpackage does not re-export are documented there).
SUBPACKAGES: tuple[str, ...] = (
    "analysis.coding",
    "analysis.corpus",
    "analysis.figures",
    "analysis.ingest",
    "analysis.text",
)


def doc_modules(*, submodules: bool = True) -> list[str]:
    """Names of the modules the reference documents, sorted.

    Parameters
    ----------
    submodules : bool, default True
        Also list every public module (name not starting with ``_``) of the
        :data:`SUBPACKAGES`; ``False`` gives :data:`DOC_MODULES` only.

    Returns
    -------
    list of str
        Dotted module names, e.g. ``"analysis.text.keyness"``.
    """
    names = set(DOC_MODULES)
    if submodules:
        for package in SUBPACKAGES:
            path = importlib.import_module(package).__path__
            names.update(
                f"{package}.{info.name}"
                for info in pkgutil.iter_modules(path)
                if not info.name.startswith("_")
            )
    return sorted(names)


def _resolve_lazy_exports(module: ModuleType) -> None:
    # pdoc looks the names of __all__ up in the module's __dict__ and does not
    # call a PEP 562 __getattr__ (analysis.ingest loads its names on first use),
    # so load them here the way a first use would; nothing else changes.
    for name in getattr(module, "__all__", ()):
        if name not in vars(module):
            setattr(module, name, getattr(module, name))


def _check_out_dir(out_dir: Path) -> None:
    # pdoc writes the pages of analysis.* into <out_dir>/analysis/, which an
    # earlier build's pages are cleared from; refuse a folder whose analysis/
    # holds anything else (``--out .`` would otherwise be the package itself).
    pages = out_dir / "analysis"
    others = sorted(p for p in pages.rglob("*") if p.is_file() and p.suffix != ".html")
    if others:
        raise ValueError(
            f"out_dir must be a folder for the API reference; {pages} holds files "
            f"that are not pages, e.g. {others[0]}"
        )


def _remove_previous(out_dir: Path) -> None:
    # Only what pdoc writes, so that a page of a module since removed does not
    # linger, and nothing else is lost.
    for name in ("index.html", "search.js", "analysis.html"):
        (out_dir / name).unlink(missing_ok=True)
    if (out_dir / "analysis").is_dir():
        shutil.rmtree(out_dir / "analysis")


def build_docs(
    *,
    out_dir: Path = DEFAULT_DOCS_DIR,
    modules: Sequence[str] | None = None,
    show_source: bool = True,
) -> list[Path]:
    """Render the API reference as HTML pages into ``out_dir``.

    Parameters
    ----------
    out_dir : Path, default ``docs/api/``
        Folder to write into (created if missing).  Pages of an earlier build
        there are removed first; other files are left alone.
    modules : sequence of str, optional
        Modules to document, each one of :func:`doc_modules`; default all of
        them.  Every module gets a page, and each ``analysis`` subpackage
        page lists the names of its ``__all__``.
    show_source : bool, default True
        Add a "View Source" button with each function's code.

    Returns
    -------
    list of Path
        Every file written, sorted: ``index.html`` (redirects to
        ``analysis.html``), ``search.js`` (the search index) and one
        ``<module path>.html`` per module, e.g. ``analysis/text/keyness.html``.

    Raises
    ------
    ValueError
        If a name of ``modules`` is not one of :func:`doc_modules`, or
        ``out_dir/analysis/`` holds files other than pages (``--out .``).
    ModuleNotFoundError
        If pdoc (the ``docs`` extra) is not installed.
    """
    allowed = doc_modules()
    chosen = allowed if modules is None else sorted(set(modules))
    unknown = [name for name in chosen if name not in allowed]
    if unknown:
        raise ValueError(f"modules must be among {allowed}; got {unknown}")
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)

    # pdoc is the `docs` extra, not a dependency of the analysis itself.
    try:
        import pdoc
        import pdoc.extract
        import pdoc.render
    except ImportError as error:
        raise ModuleNotFoundError(
            "the API reference needs pdoc, the `docs` extra: pip install -e '.[docs]' "
            "(bin/docs installs it)"
        ) from error

    for name in chosen:
        _resolve_lazy_exports(importlib.import_module(name))
    pdoc.render.configure(
        docformat="numpy",
        math=False,
        mermaid=False,
        search=True,
        show_source=show_source,
        footer_text=f"analysis {__version__}",
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(out_dir)
    with warnings.catch_warnings():
        # Known and harmless: string annotations of dataclass fields whose
        # types are imported for type checking only render as written, and
        # analysis.text.keyness is reached both by name and as
        # analysis.text's `keyness` (a function of the same name).  Any other
        # warning (a name of __all__ that does not resolve, a module that
        # fails to import) is shown.
        warnings.filterwarnings("ignore", message="Error parsing type annotation")
        warnings.filterwarnings("ignore", message="The module specification")
        pdoc.pdoc(*chosen, output_directory=out_dir)
        walked = pdoc.extract.walk_specs(chosen)
    pages = [out_dir / f"{name.replace('.', '/')}.html" for name in walked]
    return sorted([out_dir / "index.html", out_dir / "search.js", *pages])
