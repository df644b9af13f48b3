"""Text in exported files, shown as typed and never run: spreadsheet cells (OWASP "CSV
injection") and Word runs.

Excel and LibreOffice run a cell that starts with = + - @ (or a tab, carriage return or line
feed, which they skip before one) as a formula: `=HYPERLINK("http://x","y")` typed as an agency
name would be a live link in the tracker. Every CSV and XLSX writer goes through this module.

- CSV has no types, so such a cell gets a leading single quote, as OWASP advises; the rest is
  kept as typed.
- XLSX cells are stored as strings (data type "s", never a formula) and carry Excel's own
  quote-prefix flag, which is how Excel records a typed leading apostrophe: the cell shows the
  text as typed and stays text even if someone edits it and presses Enter.

Text is first passed through `domain.display.shown`, so an invisible character in front of
"=" can't hide it from the check, and bidi controls can't disguise what a cell says.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from domain.display import shown

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n")


def starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_text(value: object) -> str:
    """A CSV cell's text: None is empty, a formula start is quoted."""
    text = "" if value is None else shown(str(value))
    return "'" + text if starts_formula(text) else text


def xlsx_text(sheet: Any, value: object, **style: Any) -> WriteOnlyCell:
    """A write-only XLSX cell holding `value` as text, whatever it starts with."""
    # Imported here: the CSV writers (the audit trail among them) are loaded by the bot at
    # start-up, and openpyxl with numpy is tens of MB it holds only once someone exports.
    from openpyxl.cell import WriteOnlyCell

    text = "" if value is None else shown(str(value))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl guessed "f" for text starting with "="
    if starts_formula(text):
        cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


# XML 1.0 forbids these control characters; python-docx refuses a string holding one, so a
# pasted vertical tab would otherwise fail the whole export.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def document_text(value: object) -> str:
    """Text for a Word run: plain characters as typed (Word never reads Markdown, so `**` and
    `#` stay literal), without bidi controls, invisible characters or what XML can't hold."""
    text = "" if value is None else shown(str(value))
    return _NOT_XML.sub("", text)
