"""Tools for comparing Chinese local education policy plans.

The public verbs take tidy tables and return new tidy tables; see
``data/processed/README.md`` for every column they write.  The most used ones
are importable from here::

    import analysis
    units = analysis.load_units()              # one row per sentence or heading
    themes = analysis.theme_table(level="domain")
    tokens = analysis.load_tokens(region_columns=("plan_year",))   # the shipped content tokens
    table = analysis.keyness(tokens, target=tokens["plan_year"] == 2021)
    analysis.top_keywords(table, by="log_odds_z")
    analysis.save(fig, "fig1.pdf")             # a figure, fonts embedded as TrueType
"""

from __future__ import annotations

from analysis.io import export
from analysis.tables import (
    list_tables,
    load_regions,
    load_table,
    load_tokens,
    load_units,
    theme_table,
)
from analysis.text.dictionary import count_terms
from analysis.text.keyness import keyness, top_keywords
from analysis.text.tokens import content_tokens

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # ``analysis.save`` is imported on first use, so ``import analysis`` does not
    # load matplotlib for the table verbs.
    if name == "save":
        from analysis.figures.save import save

        return save
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


__all__ = [
    "content_tokens",
    "count_terms",
    "export",
    "keyness",
    "list_tables",
    "load_regions",
    "load_table",
    "load_tokens",
    "load_units",
    "save",
    "theme_table",
    "top_keywords",
    "__version__",
]
