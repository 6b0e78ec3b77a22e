"""WordprocessingML names: the namespace of a .docx's main XML parts and its tag names.

lxml names an element ``{namespace}tag`` (Clark notation); :func:`w_tag`
spells ``w:tag`` that way, so :mod:`analysis.ingest.docx_numbering` and
:mod:`analysis.ingest.docx` match the same names.  (python-docx's ``qn``
does the same but does not know the markup-compatibility namespace these
modules also read.)

References
----------
ECMA International (2021). *ECMA-376 Office Open XML File Formats*, Part 1,
§17 WordprocessingML Reference Material.
"""

from __future__ import annotations

W_NAMESPACE: str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NAMESPACE: str = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def w_tag(tag: str) -> str:
    """The lxml name of WordprocessingML element or attribute ``w:<tag>``."""
    return f"{{{W_NAMESPACE}}}{tag}"
