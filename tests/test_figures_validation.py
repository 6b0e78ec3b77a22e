"""Confusion matrix of codebook against hand coding."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from analysis import schema
from analysis.figures import validation
from analysis.figures.labels import label

PAIRS = [  # gold, predicted, n
    ("teachers", "teachers", 9), ("party", "party", 5), ("party", "teachers", 1),
    ("preschool", "compulsory", 2), ("compulsory", "compulsory", 4),
]


def _confusion() -> pd.DataFrame:
    rows = [{"half": half, "level": "theme", "gold": g, "predicted": p, "n": n}
            for half in ("dev", "heldout") for g, p, n in PAIRS]
    rows.append({"half": "heldout", "level": "domain", "gold": "party", "predicted": "party",
                 "n": 5})
    return pd.DataFrame(rows, columns=schema.THEME_CONFUSION)


def test_matrix_equals_an_independent_crosstab():
    matrix = validation.confusion_matrix(_confusion(), half="heldout")
    codes = ["party", "preschool", "compulsory", "teachers"]  # codebook order
    assert list(matrix.index) == codes and list(matrix.columns) == codes
    frame = pd.DataFrame(PAIRS, columns=["gold", "predicted", "n"])
    expected = pd.crosstab(frame["gold"], frame["predicted"], values=frame["n"],
                           aggfunc="sum").reindex(index=codes, columns=codes).fillna(0)
    np.testing.assert_array_equal(matrix.to_numpy(), expected.to_numpy())
    assert np.trace(matrix.to_numpy()) == 18


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figure_counts_colours_and_labels(lang):
    fig = validation.plot_confusion(_confusion(), lang=lang)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == f"1  {label('theme', 'party', lang)}"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["9", "5", "1", "2", "4"])
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    colour = np.ma.filled(mesh.get_array(), np.nan).reshape(4, 4)
    assert colour[0, 0] == pytest.approx(5 / 6) and colour[0, 3] == pytest.approx(1 / 6)
    assert colour[1, 2] == pytest.approx(1.0) and np.isnan(colour[1, 1])
    plt.close(fig)


def test_bad_half_or_level_is_named():
    with pytest.raises(ValueError, match="half must be one of"):
        validation.confusion_matrix(_confusion(), half="test")
    with pytest.raises(ValueError, match="level must be one of"):
        validation.confusion_matrix(_confusion(), level="instrument")
    with pytest.raises(ValueError, match="no rows"):
        validation.confusion_matrix(_confusion(), half="dev", level="domain")
