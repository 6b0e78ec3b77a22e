"""pyproject.toml and environment.yml install the same packages with the same bounds."""

import re

import pytest
import yaml

from analysis import config

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the check needs to run on one version only

# "python>=3.10" and "pip" are the interpreter and installer, not packages
# (but python-docx is a package).
_IS_PYTHON_OR_PIP = re.compile(r"^(?:python|pip)(?![\w-])")

# conda-forge spells a few names differently from PyPI.
CONDA_TO_PYPI = {"pyyaml": "pyyaml", "dask": "dask[distributed]"}


def _normalise(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)\s*(.*)$", requirement)
    assert match, requirement
    name, bound = match.groups()
    return name.lower().replace("_", "-"), bound.replace(" ", "")


def test_environment_yml_installs_what_pyproject_declares():
    project = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        wanted += extra
    declared = dict(_normalise(r) for r in wanted)

    env = yaml.safe_load((config.ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_req in dep["pip"]:
                if not pip_req.startswith("-e"):
                    name, bound = _normalise(pip_req)
                    listed[name] = bound
        elif not _IS_PYTHON_OR_PIP.match(dep):
            name, bound = _normalise(
                dep.replace("=", "==", 1) if re.search(r"[^<>=!]=[^=]", dep) else dep
            )
            listed[CONDA_TO_PYPI.get(name, name)] = bound
    assert listed == declared


def test_environment_yml_python_matches_requires_python():
    project = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((config.ROOT / "environment.yml").read_text(encoding="utf-8"))
    python = [
        d
        for d in env["dependencies"]
        if isinstance(d, str) and d.startswith("python") and _IS_PYTHON_OR_PIP.match(d)
    ]
    assert python == ["python" + project["requires-python"]]
