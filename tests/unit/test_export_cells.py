"""One neutraliser for every spreadsheet cell (OWASP "CSV injection"): formula starts are
quoted in CSV and quote-prefixed text in XLSX, after invisible characters are dropped."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from exports.cells import FORMULA_STARTS, csv_text, xlsx_text


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_formula_start_is_quoted_in_csv_and_the_rest_kept(start: str) -> None:
    assert csv_text(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_plain_text_none_and_numbers_pass_through() -> None:
    assert csv_text("Review Chair") == "Review Chair"
    assert csv_text(None) == ""
    assert csv_text(12) == "12"


def test_an_invisible_character_cannot_hide_a_formula_start() -> None:
    assert csv_text('\u200b=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert csv_text("\u202e=1+1") == "'=1+1"


def _round_trip(*values: str) -> list[tuple[object, str, bool]]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append([xlsx_text(sheet, value) for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(buffer)["s"][1]
    return [(c.value, c.data_type, bool(c.quotePrefix)) for c in cells]


def test_xlsx_stores_a_formula_start_as_quote_prefixed_text() -> None:
    formula = '=HYPERLINK("http://x","y")'
    assert _round_trip(formula, "+cmd", "@SUM(A1)", "Police") == [
        (formula, "s", True),
        ("+cmd", "s", True),
        ("@SUM(A1)", "s", True),
        ("Police", "s", False),
    ]
