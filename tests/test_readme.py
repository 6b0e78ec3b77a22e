"""The README's library example runs as printed (so it cannot rot)."""

from __future__ import annotations

import os
import re

import pandas as pd

from analysis import config, schema


def _library_example() -> str:
    readme = (config.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your own questions (the library)", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_library_example_runs_as_printed(tmp_path):
    (tmp_path / "my_terms.txt").write_text("# my terms\n县管校聘\n", encoding="utf-8")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: dict[str, object] = {}
        exec(compile(_library_example(), "README.md", "exec"), namespace)
    finally:
        os.chdir(here)
    counts = namespace["counts"]
    assert isinstance(counts, pd.DataFrame) and counts["n_matches"].sum() > 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "my_counts.csv", "my_counts.parquet", "my_counts.xlsx"
    ]
    tokens = namespace["tokens"]
    assert list(tokens.columns) == schema.TOKENS and len(tokens) > 1000
