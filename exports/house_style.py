"""House style for every Word document the bot writes (and so every PDF, converted from it).

A4 (a landscape section where a wide table needs it); a header naming the partnership, the
review reference and pseudonym, with the OFFICIAL-SENSITIVE marking and a DRAFT mark until the
content is final; a footer with the marking, the generated date and "Page x of y" as Word
fields (PAGE / NUMPAGES, filled in by Word and by LibreOffice when it converts). Tables repeat
their header row on every page, keep each row whole, and take the column widths given, so a
date is narrow and what happened is wide. Pure: values in, a python-docx document out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from domain.letterhead import Letterhead
from exports.cells import document_text as plain

MARKING = "OFFICIAL-SENSITIVE"
DRAFT = "DRAFT"
A4_SHORT, A4_LONG = Cm(21.0), Cm(29.7)
MARGIN = Cm(1.8)
DRAFT_RED = RGBColor(0xB0, 0x00, 0x20)
HANDLING = "Pseudonymised. Share only within the safeguarding partnership."
FOOTER = (
    f"{MARKING}. Pseudonymised: contains no names, dates of birth or addresses. "
    "Share only within the safeguarding partnership."
)


def new_document(
    head: Letterhead, *, landscape: bool = False, compact: bool = False
) -> DocumentType:
    """An A4 document in house style, its title block written (`compact`: one line, for a
    one-page document)."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    for name in ("Header", "Footer"):
        document.styles[name].font.size = Pt(8)
    section = document.sections[0]
    _page(section, landscape)
    _header(section, head)
    _footer(section, head)
    # Titles carry pseudonyms and partnership names: typed text, shown as typed.
    title = f"{head.title} · {head.reference}" + (f" · {DRAFT}" if head.draft else "")
    heading = document.add_heading(plain(title), level=1 if compact else 0)
    if not compact:
        heading.runs[0].font.size = Pt(title_points(title, landscape))
    subtitle = document.add_paragraph(
        plain(f"{head.partnership} · {head.pseudonym} · generated {head.generated_on:%d %B %Y}")
    )
    subtitle.runs[0].italic = True
    return document


def new_section(document: DocumentType, *, landscape: bool) -> Section:
    """Start a new page in the other orientation; the header and footer carry on."""
    section: Section = document.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape)
    return section


def _page(section: Section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    )
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = Cm(1.6)
    section.header_distance = section.footer_distance = Cm(0.7)


TITLE_POINTS = 26.0  # the Title style's own size
GLYPH_EM = 0.62  # a wide average glyph (DejaVu Sans, the server's Calibri fallback)


def title_points(title: str, landscape: bool) -> float:
    """The title's size, smaller for a long one so it keeps to one line: "Quarterly board
    report · 2026-Q4 · DRAFT" wrapped its DRAFT onto a line of its own."""
    width_pt = usable_width_cm(landscape) / 2.54 * 72
    return min(TITLE_POINTS, float(int(width_pt / (GLYPH_EM * max(1, len(title))))))


def usable_width_cm(landscape: bool) -> float:
    return (29.7 if landscape else 21.0) - 2 * 1.8


def _header(section: Section, head: Letterhead) -> None:
    paragraph = section.header.paragraphs[0]
    marking = paragraph.add_run(MARKING + ("  ·  " + DRAFT if head.draft else ""))
    marking.bold = True
    if head.draft:
        marking.font.color.rgb = DRAFT_RED
    paragraph.add_run(plain(f"    {head.partnership} · {head.reference} · {head.pseudonym}"))
    _small(paragraph)


def _footer(section: Section, head: Letterhead) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.add_run(f"{MARKING}. {HANDLING} ")
    paragraph.add_run(f"Generated {head.generated_on:%d %B %Y}. Page ")
    add_field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    add_field(paragraph, "NUMPAGES")
    _small(paragraph)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _small(paragraph: Paragraph) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(8)


def add_field(paragraph: Paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES): begin, instruction, separate, a placeholder result and
    end, each its own run as Word writes them, so Word and LibreOffice both fill it in."""
    for kind, text in (("begin", ""), ("instr", code), ("separate", ""), ("text", "1")):
        run = paragraph.add_run("1" if kind == "text" else None)
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = f" {text} "
            run._r.append(instruction)
        elif kind != "text":
            run._r.append(_field_char(kind))
    paragraph.add_run()._r.append(_field_char("end"))


def _field_char(kind: str) -> BaseOxmlElement:
    element: BaseOxmlElement = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def table(
    document: DocumentType,
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str | None]],
    widths_cm: Sequence[float],
    *,
    font_pt: float = 9.5,
) -> list[list[_Cell]]:
    """A table in house style; each cell's text goes through plain() (what people typed).
    Returns the body rows' cells, for shading."""
    columns = len(widths_cm)
    built = document.add_table(rows=1 if header else 0, cols=columns)
    built.style = "Table Grid"
    built.alignment = WD_TABLE_ALIGNMENT.CENTER
    built.autofit = False
    _fixed_layout(built)
    if header:
        for cell, text in zip(built.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
            _shade(cell, "D9E2F3")
        _row_flag(built.rows[0], "w:tblHeader")
        _row_flag(built.rows[0], "w:cantSplit")
    added = []
    for values in rows:
        row = built.add_row()
        _row_flag(row, "w:cantSplit")
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = plain(value or "")
        added.append(list(row.cells))
    for index, width in enumerate(widths_cm):
        built.columns[index].width = Cm(width)
        for cell in built.columns[index].cells:
            cell.width = Cm(width)
    for row in built.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(font_pt)
    return added


def _fixed_layout(built: Table) -> None:
    properties = built._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)


def _row_flag(row: object, tag: str) -> None:
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


shade = _shade


def to_bytes(document: DocumentType) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    content: bytes = buffer.getvalue()
    return content
