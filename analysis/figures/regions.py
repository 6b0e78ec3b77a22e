"""Which regions a figure shows when the corpus has more than it can draw legibly.

A figure with one panel, bar, row or column per region stays legible, and takes
bounded time and memory, only up to some number of regions.  Beyond its cap
(the constants below) a figure shows a subset chosen by one documented,
deterministic rule, and its caption says so ("9 of 100 regions: …"):

``largest``
    the plans with the most text units (``n_units`` of the ``regions`` table,
    ties broken by manifest order, then by ``region_id``), used by
    :func:`analysis.figures.make.make_all_figures`, so that every figure of a
    build shows the same largest plans;
``manifest``
    the first regions in manifest order, used when no sizes are given (a
    drawing function called on its own).

Either way the regions shown are listed in manifest order, as in every other
figure.  Figures whose subject is every region pooled (theme by instrument,
panel (b) of the modality figure) or that are not drawn per region (topic
terms, confusion matrix) have no cap.  The region x region similarity figure
draws the dendrogram of the ``region_linkage`` table restricted to the regions
shown (:func:`induced_linkage`), so its merge heights are still those the table
reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from analysis.figures.labels import order, text

__all__ = [
    "attach_subsets", "caption_note", "figure_subsets", "induced_linkage", "MAX_COLUMNS",
    "MAX_DOCUMENTS", "MAX_MATRIX", "MAX_PANELS", "MAX_ROWS", "MAX_THEME_MATRIX", "RULES",
    "select_regions", "Subset", "with_note",
]

# --- caps (regions drawn at most) ------------------------------------------------------
#: Per-region small multiples (keyness bars, word clouds): three rows of three
#: panels, which is one printed page for 15 keyness bars a panel; each word
#: cloud also costs about half a second of layout, so the cap bounds the time.
MAX_PANELS: int = 9
#: One bar or heatmap row per region (domain shares, instrument mix, commitment
#: strength by region, topic shares, plans of the citation network): 20 rows of
#: 0.3-0.42 in fit a page with the legend and caption.
MAX_ROWS: int = 20
#: Regions as heatmap columns with a printed percentage in every cell (theme
#: shares, instrument sub-types): 12 columns leave about 0.3 in per cell on a
#: double-column width, room for "12.3" at 6.5 pt.
MAX_COLUMNS: int = 12
#: The region x region similarity heatmap (annotated with two decimals) and its
#: dendrogram: 12 x 12 cells of about 0.3 in on a 5.5 in wide figure.
MAX_MATRIX: int = 12
#: The per-theme similarity small multiples: each theme panel is about 1.8 in
#: wide (four a row), so 8 x 8 triangles keep the 5.5 pt cosines readable.
MAX_THEME_MATRIX: int = 8
#: Documents on the right of the citation network (one text line each): the
#: documents cited by the most shown plans, then by mentions, level and title.
MAX_DOCUMENTS: int = 40

RULES: tuple[str, ...] = ("largest", "manifest", "most_cited")

_SELECTION_ATTR = "_region_subsets"


@dataclass(frozen=True)
class Subset:
    """What a figure shows of a larger set: ``n_shown`` of ``n_total`` ``what`` by ``rule``."""

    what: str
    n_shown: int
    n_total: int
    rule: str

    @property
    def is_subset(self) -> bool:
        """True when some of the ``n_total`` items are left out."""
        return self.n_shown < self.n_total


def select_regions(
    regions: Sequence[str],
    *,
    cap: int,
    sizes: Mapping[str, float] | None = None,
) -> tuple[list[str], Subset]:
    """Pick at most ``cap`` of ``regions`` by the rule of this module.

    Parameters
    ----------
    regions : sequence of str
        The regions a figure could draw (any order; repeats are ignored).
    cap : int
        Most regions drawn (one of the constants of this module).
    sizes : mapping of region_id -> number, optional
        Plan sizes (``n_units``); when given, the ``cap`` largest are kept
        (rule ``largest``), otherwise the first ``cap`` in manifest order
        (rule ``manifest``).  A region missing from ``sizes`` counts as 0.

    Returns
    -------
    (shown, subset) : tuple of list of str and Subset
        ``shown`` in manifest order; ``subset`` for the caption
        (:func:`caption_note`).
    """
    if not isinstance(cap, (int, np.integer)) or isinstance(cap, bool) or cap < 1:
        raise ValueError(f"cap must be a positive integer, got {cap!r}")
    ordered = order("region", regions)
    if len(ordered) <= cap:
        return ordered, Subset("regions", len(ordered), len(ordered), "largest"
                               if sizes is not None else "manifest")
    if sizes is None:
        return ordered[:cap], Subset("regions", cap, len(ordered), "manifest")
    rank = {r: i for i, r in enumerate(ordered)}
    largest = sorted(ordered, key=lambda r: (-float(sizes.get(r, 0) or 0), rank[r]))[:cap]
    keep = set(largest)
    return [r for r in ordered if r in keep], Subset("regions", cap, len(ordered), "largest")


def attach_subsets(fig: Figure, *subsets: Subset) -> Figure:
    """Record on ``fig`` what it leaves out, for :func:`figure_subsets`; returns ``fig``."""
    setattr(fig, _SELECTION_ATTR, tuple(s for s in subsets if s.is_subset))
    return fig


def figure_subsets(fig: Figure) -> tuple[Subset, ...]:
    """The subsets recorded by :func:`attach_subsets` (empty: the figure shows everything)."""
    return tuple(getattr(fig, _SELECTION_ATTR, ()))


def caption_note(subsets: Sequence[Subset], lang: str) -> str:
    """The sentence(s) a caption ends with when a figure shows a subset ('' when none).

    The wording is in ``analysis/data/figure_labels.yml`` (``subset_note:<what>``
    and ``subset_rule:<rule>``).
    """
    notes = [
        text(f"subset_note:{s.what}", lang, fields={
            "n_shown": s.n_shown, "n_total": s.n_total,
            "rule": text(f"subset_rule:{s.rule}", lang)})
        for s in subsets if s.is_subset
    ]
    return ("" if lang == "zh" else " ").join(notes)


def with_note(caption: str, subsets: Sequence[Subset], lang: str) -> str:
    """``caption`` followed by :func:`caption_note` (unchanged when nothing is left out)."""
    note = caption_note(subsets, lang)
    if not note:
        return caption
    return caption + note if lang == "zh" else f"{caption} {note}"


def induced_linkage(z: np.ndarray, leaves: Sequence[str], keep: Sequence[str]
                    ) -> tuple[np.ndarray, list[str]]:
    """Restrict a scipy linkage matrix to the leaves named in ``keep``.

    Each merge of the full tree that joins two clusters both holding kept
    leaves becomes a merge of the smaller tree at the same height; merges with
    one side empty disappear.  Heights stay those of the full clustering (for
    average linkage, the distance at which the two groups joined there).

    Returns
    -------
    (z_kept, leaves_kept) : the new linkage matrix and its leaf names (kept
    leaves in their order in ``leaves``).
    """
    keep_set = set(keep)
    n = len(leaves)
    kept_leaves = [name for name in leaves if name in keep_set]
    position = {name: i for i, name in enumerate(kept_leaves)}
    new_id: dict[int, int | None] = {i: position.get(name) for i, name in enumerate(leaves)}
    sizes = {i: 1 for i in range(len(kept_leaves))}
    rows = []
    next_id = len(kept_leaves)
    for step, (a, b, distance, _size) in enumerate(z):
        left, right = new_id[int(a)], new_id[int(b)]
        if left is not None and right is not None:
            sizes[next_id] = sizes[left] + sizes[right]
            # Left and right as in the full tree, so the leaves keep its order.
            rows.append([left, right, float(distance), sizes[next_id]])
            new_id[n + step] = next_id
            next_id += 1
        else:
            new_id[n + step] = left if left is not None else right
    return np.array(rows, dtype=float).reshape(-1, 4), kept_leaves
