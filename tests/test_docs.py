"""The API reference (analysis.docs) and the public surface it documents."""

import importlib
import inspect
import pkgutil
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import analysis
import analysis.figures
from analysis import docs

pytest.importorskip("pdoc")  # the `docs` extra

# One page beyond DOC_MODULES shows that submodules of a subpackage get pages too.
BUILT = [*docs.DOC_MODULES, "analysis.text.tokens"]

# Functions of analysis.__all__ without numpydoc "Parameters" (they take nothing).
NO_PARAMETERS_SECTION = {
    "list_tables",  # takes nothing; it returns a sorted list of names
}

def _has_section(doc: str, heading: str) -> bool:
    return re.search(rf"^\s*{heading}\s*\n\s*-{{3,}}\s*$", doc, re.MULTILINE) is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    # Left by an earlier build (a removed module) and a file that is not pdoc's.
    (out / "analysis").mkdir()
    (out / "analysis" / "gone.html").write_text("old", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    written = docs.build_docs(out_dir=out, modules=BUILT)
    return out, written


def _page(out: Path, module: str) -> str:
    return (out / f"{module.replace('.', '/')}.html").read_text(encoding="utf-8")


def _member(page: str, name: str) -> str:
    """The HTML of the member section ``name`` (up to the next member)."""
    start = page.index(f'<section id="{name}">')
    end = page.find("<section id=", start + 1)
    return page[start:] if end == -1 else page[start:end]


class _ExternalLoads(HTMLParser):
    """URLs a browser would fetch from the network to display the page."""

    # url(...) in CSS; import "..." / import("...") / from "..." in JavaScript.
    _URL = re.compile(
        r"""(?:url\(\s*['"]?|import\s*\(?\s*['"]|from\s+['"])((?:https?:)?//[^'")\s]+)"""
    )

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        src = attrs.get("src") if tag in ("script", "img", "iframe", "source", "embed") else None
        if tag == "link" and attrs.get("rel") != "canonical":
            src = attrs.get("href")
        if src and re.match(r"(?:https?:)?//", src):
            self.urls.append(src)
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.urls += self._URL.findall(data)


def _external_loads(html: str) -> list[str]:
    parser = _ExternalLoads()
    parser.feed(html)
    return parser.urls


def test_external_load_check_finds_cdn_assets():
    # The offline test below is only as good as this detector.
    page = (
        '<html><head><script src="https://cdn.example/x.js"></script>'
        '<link rel="stylesheet" href="//cdn.example/s.css">'
        '<script type="module">import m from "https://cdn.example/m.mjs";</script>'
        '<style>@import url("https://fonts.example/f.css");</style></head>'
        '<body><a href="https://pdoc.dev">a link is not a load</a></body></html>'
    )
    assert _external_loads(page) == [
        "https://cdn.example/x.js",
        "//cdn.example/s.css",
        "https://cdn.example/m.mjs",
        "https://fonts.example/f.css",
    ]


def test_a_page_for_every_documented_module(built):
    out, written = built
    for module in BUILT:
        page = out / f"{module.replace('.', '/')}.html"
        assert page in written, module
        assert f"<title>{module} API documentation</title>" in page.read_text(encoding="utf-8")
    assert written == sorted(written)
    assert all(path.is_file() for path in written)
    assert (out / "index.html") in written and (out / "search.js") in written


def test_only_an_earlier_builds_pages_are_removed(built):
    out, _ = built
    assert not (out / "analysis" / "gone.html").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_analysis_page_documents_every_export(built):
    out, _ = built
    page = _page(out, "analysis")
    missing = [name for name in analysis.__all__ if f'<section id="{name}">' not in page]
    assert missing == []


def test_pages_load_nothing_from_the_network(built):
    out, written = built
    loads = {
        path.name: urls
        for path in written
        if path.suffix == ".html"
        and (urls := _external_loads(path.read_text(encoding="utf-8")))
    }
    assert loads == {}


def test_numpydoc_sections_are_rendered(built):
    out, _ = built
    member = _member(_page(out, "analysis"), "keyness")
    keyness = member[member.index('<div class="docstring">'):]  # not the source view
    # numpydoc's underlined headings become headings, not literal dashes.
    assert '<h6 id="parameters">Parameters</h6>' in keyness
    assert '<h6 id="returns">Returns</h6>' in keyness
    assert "-------" not in keyness
    # a parameter of the signature is listed under Parameters
    params = keyness[keyness.index("Parameters</h6>"):keyness.index("Returns</h6>")]
    assert "target" in params and "min_freq" in params


def test_subpackage_page_lists_its_all(built):
    out, _ = built
    page = _page(out, "analysis.figures")
    assert [n for n in analysis.figures.__all__ if f'<section id="{n}">' not in page] == []


def test_every_name_of_every_all_resolves():
    for module_name in docs.doc_modules():
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        assert len(names) == len(set(names)), module_name
        for name in names:
            assert getattr(module, name, None) is not None, f"{module_name}.{name}"


def test_text_coding_and_figures_modules_declare_all_and_a_docstring():
    for module_name in docs.doc_modules():
        module = importlib.import_module(module_name)
        assert (module.__doc__ or "").strip(), module_name
        if module_name.split(".")[1:2] in (["text"], ["coding"], ["figures"]):
            assert isinstance(getattr(module, "__all__", None), list), module_name


def test_all_lists_every_public_function_the_module_defines():
    # Everything in a module's __all__ exists; and a text/coding/figures module
    # leaves out no public function it defines itself.
    for package in ("analysis.text", "analysis.coding", "analysis.figures"):
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            own = {
                name for name, value in vars(module).items()
                if inspect.isfunction(value) and value.__module__ == module.__name__
                and not name.startswith("_")
            }
            assert own - set(module.__all__) == set(), module.__name__


def test_figures_reexports_every_plot_function():
    defined = {
        name
        for info in pkgutil.iter_modules(analysis.figures.__path__)
        for name, value in vars(importlib.import_module(f"analysis.figures.{info.name}")).items()
        # a drawing function returns a Figure (plot_style is a context manager)
        if name.startswith("plot_") and inspect.isfunction(value)
        and "Figure" in str(inspect.signature(value).return_annotation)
    }
    assert len(defined) >= 14
    assert defined <= set(analysis.figures.__all__)
    assert "figure_style" in analysis.figures.__all__


def test_analysis_reexports_the_text_and_coding_verbs():
    import analysis.coding
    import analysis.text

    for package in (analysis.text, analysis.coding):
        for name in package.__all__:
            assert name in analysis.__all__
            assert getattr(analysis, name) is getattr(package, name)


def test_public_functions_have_numpydoc_sections():
    assert set(analysis.__all__) >= NO_PARAMETERS_SECTION  # the list names real exports
    functions = {name: getattr(analysis, name) for name in analysis.__all__
                 if inspect.isfunction(getattr(analysis, name))}
    no_returns = sorted(name for name, function in functions.items()
                        if not _has_section(inspect.getdoc(function) or "", "Returns"))
    no_parameters = sorted(name for name, function in functions.items()
                           if name not in NO_PARAMETERS_SECTION
                           and not _has_section(inspect.getdoc(function) or "", "Parameters"))
    assert (no_returns, no_parameters) == ([], [])


def test_unknown_module_is_refused_with_the_allowed_names(tmp_path):
    with pytest.raises(ValueError, match=r"must be among .*'analysis\.text'.*analysis\.nope"):
        docs.build_docs(out_dir=tmp_path, modules=["analysis.nope"])
    assert list(tmp_path.iterdir()) == []


def test_a_folder_holding_other_files_under_analysis_is_refused(tmp_path):
    # e.g. `--out .` in the project root, where analysis/ is the package
    (tmp_path / "analysis" / "text").mkdir(parents=True)
    (tmp_path / "analysis" / "text" / "keyness.py").write_text("code", encoding="utf-8")
    (tmp_path / "analysis" / "old.html").write_text("page", encoding="utf-8")
    with pytest.raises(ValueError, match=r"keyness\.py"):
        docs.build_docs(out_dir=tmp_path, modules=["analysis.config"])
    assert (tmp_path / "analysis" / "text" / "keyness.py").read_text(encoding="utf-8") == "code"
    assert (tmp_path / "analysis" / "old.html").exists()


def test_missing_pdoc_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pdoc", None)  # makes `import pdoc` fail
    with pytest.raises(ModuleNotFoundError, match=r"\.\[docs\]"):
        docs.build_docs(out_dir=tmp_path, modules=["analysis.config"])
    assert list(tmp_path.iterdir()) == []


def test_doc_modules_lists_subpackage_modules():
    names = docs.doc_modules()
    assert names == sorted(names)
    assert set(docs.DOC_MODULES) <= set(names)
    assert "analysis.text.keyness" in names and "analysis.coding.themes" in names
    assert not any(part.startswith("_") for name in names for part in name.split("."))
    assert docs.doc_modules(submodules=False) == sorted(docs.DOC_MODULES)


def test_command_builds_into_out(monkeypatch, tmp_path, capsys):
    from analysis.__main__ import main

    calls = []
    monkeypatch.setattr(docs, "build_docs", lambda *, out_dir: calls.append(out_dir) or [])
    assert main(["docs", "--out", str(tmp_path)]) == 0
    assert main(["docs"]) == 0
    assert calls == [tmp_path, docs.DEFAULT_DOCS_DIR]
    assert str(tmp_path / "index.html") in capsys.readouterr().out
