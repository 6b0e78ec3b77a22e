"""Topic-model figures: the most relevant terms per topic, and topic shares per region.

Terms are taken in the tables' rank order, which is by relevance (Sievert &
Shirley 2014; :func:`analysis.text.topics.topic_relevance`), so the words every plan
uses do not head every topic; each panel's title gives the topic's coverage
(share of sentences whose largest topic it is).  Weights and shares are
one-sided, so the bars use one colour and the heatmap the sequential scale from
0.  Topics are numbered as the tables number them (by decreasing total weight);
terms are shown as written in both languages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from analysis import schema
from analysis.figures.common import (
    check_choice,
    check_columns,
    check_positive,
    draw_heatmap,
    percent_labels,
)
from analysis.figures.labels import check_lang, region_labels, text, wrap
from analysis.figures.regions import MAX_ROWS, attach_subsets, select_regions
from analysis.figures.sizing import (
    BASE_FONTSIZE,
    figure_sizing,
    new_figure,
    plot_style,
    target_axes,
)
from analysis.figures.style import (
    QUALITATIVE,
    SEQUENTIAL_CMAP,
    WIDTH_DOUBLE,
    sequential_norm,
)

__all__ = [
    "plot_topic_regions", "plot_topic_terms", "top_terms", "topic_names",
]


def _one_model(table: pd.DataFrame, model: str) -> pd.DataFrame:
    check_choice("model", model, sorted(table["model"].astype(str).unique()))
    return table.loc[table["model"].astype(str) == model]


def top_terms(topics_terms: pd.DataFrame, *, model: str = "nmf", n_terms: int = 8) -> pd.DataFrame:
    """The ``n_terms`` best-ranked terms of each topic of ``model``, sorted by topic and rank."""
    check_columns(topics_terms, schema.TOPICS_TERMS, "topics_terms")
    check_positive("n_terms", n_terms)
    table = _one_model(topics_terms, model)
    table = table.sort_values(["topic", "rank"], kind="stable")
    return table.groupby("topic", sort=True).head(n_terms).reset_index(drop=True)


def topic_names(topics_terms: pd.DataFrame, *, model: str, lang: str, n: int = 3) -> dict[int, str]:
    """Column labels "Topic 3" followed by the topic's ``n`` top terms, one per line.

    One term per line keeps the labels as narrow as the heatmap's columns.
    """
    terms = top_terms(topics_terms, model=model, n_terms=n)
    return {
        int(topic): "\n".join([text("topic_n", lang, fields={"n": int(topic)}), *rows["term"]])
        for topic, rows in terms.groupby("topic", sort=True)
    }


def plot_topic_terms(
    topics_terms: pd.DataFrame,
    *,
    lang: str = "zh",
    model: str = "nmf",
    n_terms: int = 8,
    n_cols: int | None = None,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: None = None,
) -> Figure:
    """Small multiples of bar charts: each topic's top terms by weight.

    Parameters
    ----------
    topics_terms : DataFrame (``schema.TOPICS_TERMS``)
    lang : {"zh", "en"}, default "zh"
    model : str, default "nmf"
        One of the models in the table.
    n_terms : int, default 8
    n_cols : int, optional
        Panels per row (default 4; 2 when the figure is narrower than the house width).
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row of bars per term at the chosen font size.
    cmap : str or Colormap, optional
        The bars take the colour of the map's middle (default: the first
        Okabe-Ito colour).
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : None
        Must be None: one panel per topic needs a figure of its own.

    Returns
    -------
    Figure
        One panel per topic, titled with its number and coverage (percent of
        sentences whose largest topic it is, from the ``coverage`` column); bars
        of the term's weight in the topic's term distribution (percent), the
        terms in rank (relevance) order, most relevant at the top; panels share
        the x axis.

    References
    ----------
    Sievert, C., & Shirley, K. (2014). LDAvis: A method for visualizing and
    interpreting topics. Proceedings of the Workshop on Interactive Language
    Learning, Visualization, and Interfaces, 63-70.
    """
    check_lang(lang)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=WIDTH_DOUBLE, default_cmap=None,
                           panels="one panel per topic")
    if n_cols is None:
        n_cols = 2 if sizing.narrow else 4
    check_positive("n_cols", n_cols)
    terms = top_terms(topics_terms, model=model, n_terms=n_terms)
    topics = sorted(int(t) for t in terms["topic"].unique())
    n_rows = math.ceil(len(topics) / n_cols)
    limit = float(terms["weight"].max()) * 1.08
    bar_color = QUALITATIVE[0] if sizing.cmap is None else sizing.cmap(0.6)

    with plot_style(sizing):
        fig = new_figure(sizing, height=sizing.tall(0.5 + n_rows * (0.35 + 0.15 * n_terms)))
        axes = fig.subplots(n_rows, n_cols, sharex=True, squeeze=False)
        for index, ax in enumerate(axes.ravel()):
            if index >= len(topics):
                ax.set_axis_off()
                continue
            rows = terms.loc[terms["topic"] == topics[index]]
            y = np.arange(len(rows))
            ax.barh(y, rows["weight"], color=bar_color, height=0.7)
            ax.set_yticks(y, rows["term"].tolist())
            ax.set_ylim(n_terms - 0.5, -0.5)
            ax.set_xlim(0, limit)
            ax.xaxis.set_major_formatter(lambda x, _pos: f"{100 * x:g}")
            # With shared x axes only the bottom row is labelled; a panel with
            # an empty slot below it is the last of its column and needs labels.
            ax.xaxis.set_tick_params(labelbottom=index + n_cols >= len(topics))
            coverage = float(rows["coverage"].iloc[0])
            title = text("topic_n_coverage", lang, fields={
                "n": topics[index], "coverage": f"{100 * coverage:.0f}"})
            if sizing.narrow:
                # Titles start over the bars, right of the terms: wrapped to half
                # their panel (a Latin character about 0.55 em).
                room = 0.5 * sizing.width * 72 / n_cols / (0.55 * sizing.pt(8))
                title = wrap(title, lang, width=max(8, int(room)))
            ax.set_title(title, loc="left")
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
        fig.supxlabel(text("term_weight_pct", lang), fontsize=sizing.pt(8))
    return fig


def plot_topic_regions(
    topics_regions: pd.DataFrame,
    topics_terms: pd.DataFrame,
    *,
    lang: str = "zh",
    model: str = "nmf",
    region_sizes: Mapping[str, float] | None = None,
    max_regions: int = MAX_ROWS,
    width: float | str | None = None,
    height: float | None = None,
    cmap: str | Colormap | None = None,
    fontsize: float = BASE_FONTSIZE,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of each region's mean topic share, topics labelled by their top terms.

    Parameters
    ----------
    topics_regions : DataFrame (``schema.TOPICS_REGIONS``)
    topics_terms : DataFrame (``schema.TOPICS_TERMS``)
        For the column labels (three top terms per topic).
    lang : {"zh", "en"}, default "zh"
    model : str, default "nmf"
    region_sizes : mapping of region_id -> plan size, optional
        With more than ``max_regions`` regions, the largest are drawn; without
        sizes, the first in manifest order (:func:`analysis.figures.regions.select_regions`).
    max_regions : int, default :data:`analysis.figures.regions.MAX_ROWS`
        Most rows drawn.
    width : float, {"single", "medium", "double"} or None, default None
        Centimetres or a journal preset (:data:`analysis.figures.sizing.WIDTHS_CM`);
        None is the house width (:data:`analysis.figures.style.WIDTH_DOUBLE`).
    height : float or None, default None
        Centimetres; None: a row per region at the chosen font size.
    cmap : str or Colormap, optional
        Colour map of the cells (default :data:`analysis.figures.style.SEQUENTIAL_CMAP`);
        cell labels are black or white, whichever reads better on each cell.
    fontsize : float, default 8
        Base font size in points; every other text keeps its ratio to it.
    ax : Axes, optional
        Draw the heatmap into this axes (its colour bar takes room beside it) and
        return its figure.

    Returns
    -------
    Figure
        Rows the regions shown (manifest order), columns topics, cells the share in percent
        (sequential scale from 0); each row adds up to 100%.
    """
    check_columns(topics_regions, schema.TOPICS_REGIONS, "topics_regions")
    check_lang(lang)
    table = _one_model(topics_regions, model)
    names = topic_names(topics_terms, model=model, lang=lang)
    topics = sorted(int(t) for t in table["topic"].unique())
    missing = [t for t in topics if t not in names]
    if missing:
        raise ValueError(f"topics_terms has no terms for {model} topics {missing}")
    regions, subset = select_regions(table["region_id"].astype(str).unique(), cap=max_regions,
                                     sizes=region_sizes)
    matrix = (
        table.pivot_table(index="region_id", columns="topic", values="share", aggfunc="sum")
        .reindex(index=regions, columns=topics)
    )
    values = matrix.to_numpy(dtype=float)
    sizing = figure_sizing(width=width, height=height, cmap=cmap, fontsize=fontsize, ax=ax,
                           default_width=min(WIDTH_DOUBLE, 2.4 + 0.75 * len(topics)),
                           default_cmap=SEQUENTIAL_CMAP)

    with plot_style(sizing):
        if sizing.ax is None:
            fig = new_figure(sizing, height=sizing.tall(1.6 + 0.42 * len(regions)))
            grid = fig.add_gridspec(1, 2, width_ratios=[len(topics), 0.25])
            ax = fig.add_subplot(grid[0, 0])
        else:
            fig, ax = target_axes(sizing, height=0.0)
        mesh = draw_heatmap(ax, values, cmap=sizing.cmap, norm=sequential_norm(values),
                            annotations=percent_labels(values), fontsize=sizing.pt(7))
        ax.set_yticklabels([wrap(name, lang, width=sizing.chars(22))
                            for name in region_labels(regions, lang).values()])
        columns = [names[t] for t in topics]
        if sizing.narrow:
            # "Topic 3" on two lines, so that it is no wider than its terms.
            columns = ["\n".join([wrap(first, lang, width=6), *terms])
                       for first, *terms in (name.split("\n") for name in columns)]
        # A point smaller when narrow: four Chinese characters fit a column.
        ax.set_xticklabels(columns, fontsize=sizing.pt(6.5 if not sizing.narrow else 5.5))
        ax.xaxis.tick_top()
        if sizing.ax is None:
            bar = fig.colorbar(mesh, cax=fig.add_subplot(grid[0, 1]))
        else:
            bar = fig.colorbar(mesh, ax=ax)
        bar.ax.yaxis.set_major_formatter(lambda x, _pos: f"{100 * x:.0f}")
        bar.set_label(text("topic_share_pct", lang))
        bar.outline.set_visible(False)
    return attach_subsets(fig, subset)
