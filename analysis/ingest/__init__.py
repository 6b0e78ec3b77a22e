"""Reading a plan file of any supported format (one module per format).

``formats`` dispatches on the file's name and bytes to ``text`` (plain text in
any supported encoding), ``html`` (a saved web page), ``docx`` (Word, with its
list numbering) and ``pdf`` (a text layer; page furniture is returned as
:class:`RemovedLine` rows for the ledger); ``safety`` holds the size, zip and
XML limits every format is checked against; ``add`` is the ``python -m
analysis add`` command that copies a new plan into ``data/raw/``, filling an
English name it was not given with ``region_names``.

The names most used are available here (imported on first use, so that the
corpus stages and the ``add`` command can import each other's modules)::

    from analysis.ingest import add_plan, extract_document, IngestError
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "add_plan": "analysis.ingest.add",
    "AddReport": "analysis.ingest.add",
    "extract_document": "analysis.ingest.formats",
    "Extracted": "analysis.ingest.types",
    "IngestError": "analysis.ingest.types",
    "RemovedLine": "analysis.ingest.types",
    "english_region_name": "analysis.ingest.region_names",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'analysis.ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
