"""The committed figures are exactly what a fresh build makes from the committed tables.

If this fails after a change to the tables, the labels or the figure code,
regenerate with ``python -m analysis figures`` and commit figures/.  If it fails
with nothing changed but library versions (matplotlib, fontTools, Pillow,
wordcloud), the renderer changed: regenerate and commit under the new versions.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from analysis import config
from analysis.figures import make
from analysis.figures.save import read_manifest, sha256_file


def test_committed_figures_match_a_fresh_build(tmp_path):
    committed = read_manifest(config.FIGURES_DIR)
    for row in committed.itertuples():
        for ext, digest in (("png", row.png_sha256), ("pdf", row.pdf_sha256)):
            path = config.FIGURES_DIR / f"{row.figure_id}.{ext}"
            assert path.is_file(), f"{path} is listed in figures/manifest.csv but missing"
            assert sha256_file(path) == digest, f"{path} differs from figures/manifest.csv"
    fresh = make.make_all_figures(config.PROCESSED_DIR, tmp_path)
    before = committed.set_index("figure_id").to_dict("index")
    after = fresh.set_index("figure_id").to_dict("index")
    changed = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
    assert not changed, (
        f"a fresh build changes {changed}; run `python -m analysis figures` and commit figures/"
    )
    pd.testing.assert_frame_equal(fresh, committed)
