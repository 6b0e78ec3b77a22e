# Sourced by bin/build, bin/test and bin/docs: make sure .venv/ exists and
# holds the project with its test, dask and docs extras, installed from
# pyproject.toml with the exact versions of constraints.txt.  Re-installs
# when either file changes (the stamp file records their hash).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "error: Python 3.10 or newer is needed (set PYTHON=/path/to/python3.x)" >&2
  exit 1
fi
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv/ with $("$python_bin" --version)" >&2
  "$python_bin" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  echo "installing the project and its dependencies into .venv/ (once)" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  if .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test,dask,docs]"
  else
    # constraints.txt was frozen on Python 3.11; other versions get the newest
    # versions pyproject.toml allows, and figures may differ in their bytes.
    echo "warning: not Python 3.11: installing without constraints.txt" >&2
    .venv/bin/python -m pip install --quiet -e ".[test,dask,docs]"
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
# Keep jieba's dictionary cache and our segmentation cache inside the project.
export ANALYSIS_CACHE_DIR="${ANALYSIS_CACHE_DIR:-$root/.cache}"
