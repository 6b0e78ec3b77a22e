"""Test PDFs written with fpdf2, in the shapes plans published as PDF have.

Imported by the test modules (``from pdf_fixtures import …``); not a test
module itself.  :func:`plan_pdf` lays a plan out as a word processor prints
it: A4 pages, each paragraph opening with two ideographic spaces and wrapped
at a fixed number of characters per line, an optional running header on
every page and a page number at the foot.  :func:`image_only_pdf` is a scan
(one picture per page, no text layer).  The font is the project's converted
Noto Sans CJK SC (:func:`analysis.figures.fonts.cjk_font_path`), built for
the characters the PDF needs.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF

from analysis.figures.fonts import cjk_font_path

INDENT = "\u3000\u3000"
# A fixed creation date, so that the same arguments give the same bytes.
_FIXED_DATE = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def wrap_paragraph(text: str, *, chars_per_line: int, indent: str = INDENT) -> list[str]:
    """``indent + text`` cut into printed lines of ``chars_per_line`` characters."""
    full = indent + text
    return [full[i:i + chars_per_line] for i in range(0, len(full), chars_per_line)]


def plan_lines(
    paragraphs: list[str], *, title: str | None, chars_per_line: int
) -> list[tuple[str, str]]:
    """The printed lines of a plan as ``(kind, text)``: ``title`` lines then body lines."""
    lines = [("title", title)] if title else []
    for paragraph in paragraphs:
        lines += [("body", line) for line in wrap_paragraph(paragraph,
                                                            chars_per_line=chars_per_line)]
    return lines


def plan_pdf(
    path: Path,
    paragraphs: list[str],
    *,
    title: str | None = None,
    header: str | None = None,
    header_on_first_page: bool = True,
    footer: str | None = "— {n} —",
    chars_per_line: int = 30,
    lines_per_page: int = 18,
    user_password: str | None = None,
    owner_password: str = "owner",
    doc_title: str | None = None,
) -> Path:
    """Write a plan as a PDF with a text layer and return ``path``.

    Parameters
    ----------
    paragraphs : list of str
        Body paragraphs; each is printed with a ``　　`` indent, wrapped.
    title : str, optional
        Printed centred above the body on page 1.
    header : str, optional
        A running header printed at the top of every page (of every page but
        the first when ``header_on_first_page`` is False).
    footer : str or None, default "— {n} —"
        The page number at the foot, ``{n}`` the page's number; None for none.
    chars_per_line, lines_per_page : int
        Where lines wrap and pages break.
    user_password : str, optional
        Encrypt the file (RC4) with this password to open it ("" restricts
        only printing and copying, as many government PDFs do).
    doc_title : str, optional
        The document information's /Title.
    """
    lines = plan_lines(paragraphs, title=title, chars_per_line=chars_per_line)
    footers = [footer.format(n=n) for n in range(1, 100)] if footer else []
    chars = "".join(text for _, text in lines) + (header or "") + "".join(footers[:20])
    font = cjk_font_path(chars=chars + "0123456789")

    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(font))
    if doc_title:
        pdf.set_title(doc_title)
    if user_password is not None:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)

    def new_page() -> None:
        pdf.add_page()
        if header and (header_on_first_page or pdf.page_no() > 1):
            pdf.set_font("cjk", size=9)
            pdf.set_xy(pdf.l_margin, 10)
            pdf.cell(0, 6, header, align="C")
        pdf.set_xy(pdf.l_margin, 24)

    def end_page() -> None:
        # Drawn after the body, as a word processor's footer is.
        if footer:
            pdf.set_font("cjk", size=10)
            pdf.set_xy(pdf.l_margin, 280)
            pdf.cell(0, 6, footer.format(n=pdf.page_no()), align="C")

    new_page()
    on_page = 0
    for kind, text in lines:
        if on_page == lines_per_page:
            end_page()
            new_page()
            on_page = 0
        pdf.set_font("cjk", size=15 if kind == "title" else 12)
        pdf.cell(0, 12 if kind == "title" else 9, text, align="C" if kind == "title" else "L",
                 new_x="LMARGIN", new_y="NEXT")
        on_page += 1
    end_page()
    pdf.output(str(path))
    return Path(path)


def image_only_pdf(path: Path, *, n_pages: int = 2) -> Path:
    """Write a scanned-looking PDF: one grey picture per page, no text layer at all."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (420, 594), color=250)
    draw = ImageDraw.Draw(picture)
    for y in range(60, 560, 18):  # lines of "print" as a scan shows them
        draw.rectangle((50, y, 370, y + 8), fill=60)
    png = Path(path).with_suffix(".scan.png")
    picture.save(png)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_DATE)
    for _ in range(n_pages):
        pdf.add_page()
        pdf.image(str(png), x=0, y=0, w=210)
    pdf.output(str(path))
    png.unlink()
    return Path(path)
