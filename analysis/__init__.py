"""Tools for comparing Chinese local education policy plans.

The public verbs take tidy tables and return new tidy tables; see
``data/processed/README.md`` for every column they write.
"""

from __future__ import annotations

__version__ = "0.1.0"
