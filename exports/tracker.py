"""The LIC action tracker as XLSX and CSV: one row per action item, with every tracker field in
docs/practice.md ("Action tracker fields"). Pure: a domain Tracker in, bytes out.

The workbook is written in openpyxl's write-only mode, so a partnership-wide tracker of tens
of thousands of rows streams instead of building every cell in memory. It has:

- "Tracker": the rows, a frozen header, an autofilter, RAG cells filled red, amber, green or
  blue, dates as real dates; it prints four pages wide, the action reference on every page;
- "For the meeting": the ten columns an LIC meeting prints, one A4 landscape page wide;
- "Charts": native Excel charts (action items by agency, by RAG rating, in the RAG column's
  fills; themes over time) over the data on "Chart data";
- "About": what the file covers, the RAG key and the handling marking.

Every text cell goes through `exports.cells`: text that would start a formula (= + - @, a tab
or a line break) is stored as quote-prefixed text in XLSX and prefixed with ' in CSV, so opening
the file never runs anything, whoever typed it (an admin's agency name included).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from domain.action_state import status_label
from domain.actions import NOTE_MAX
from domain.chase_engine import INTERRUPTED, outcome_words
from domain.phrasing import Period
from domain.summaries import (
    RAG_NAMES,
    RATINGS,
    ThemeTally,
    ThemeTrend,
    Tracker,
    TrackerLine,
    rag_name,
    ratings_by_agency,
    short_date,
    since_owner,
    split_count,
    split_note,
    theme_label,
    theme_trends,
)
from exports.cells import csv_text, xlsx_text
from exports.charts import RAG_FILLS
from exports.documents import FOOTER

REVIEW_TYPE: Final = "Line-of-Sight local learning review"
BAR_TITLE: Final = "Action items by agency, by RAG rating"
DATE_FORMAT: Final = "dd/mm/yyyy"


def _date_text(day: date | None) -> str:
    return day.isoformat() if day else ""


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def _progress(line: TrackerLine) -> str:
    return "\n".join(
        f"{_stamp(p.at)} {p.kind.replace('_', ' ')}: {p.note or ''}".strip()
        for p in line.record.progress
    )


def _escalations(line: TrackerLine) -> str:
    return "\n".join(
        f"{_stamp(e.at)} {e.kind.replace('_', ' ')} to {e.recipient.replace('_', ' ')} "
        f"({outcome_words(e.outcome)}{', possibly repeated' if e.possibly_repeated else ''})"
        for e in line.record.escalations
    )


def _chasers_sent(line: TrackerLine) -> int | str:
    """The count, how many of them may have reached the owner twice (delivery is at least
    once: a send whose answer was lost is sent again once), and any more that may not have
    arrived at all (their sender stopped mid-send, and they were not sent again)."""
    count, repeated = line.action.chase_count, line.record.possibly_repeated
    notes = [f"{repeated} possibly twice"] if repeated else []
    # Reassigned: how many went to its owner now (the tracker's Owner column).
    if since := since_owner(count, line.action.owner_chase_count):
        notes.insert(0, since)
    if line.record.interrupted:
        notes.append(f"{line.record.interrupted} more {outcome_words(INTERRUPTED)}")
    return f"{count} ({'; '.join(notes)})" if notes else count


def _impact(field: str) -> Callable[[TrackerLine], Any]:
    def value(line: TrackerLine) -> Any:
        impact = line.record.impact
        found = getattr(impact, field) if impact else None
        if isinstance(found, str):
            return found.replace("_", " ") if field == "decision" else found
        return found if isinstance(found, date) else ""

    return value


# (header, width, value). Values are text, dates or numbers; the RAG column is styled.
Column = tuple[str, int, Callable[[TrackerLine], Any]]
COLUMNS: Final[tuple[Column, ...]] = (
    ("Review reference", 15, lambda x: x.action.review_reference),
    ("Review type", 18, lambda _x: REVIEW_TYPE),
    ("Pseudonym", 12, lambda x: x.action.pseudonym),
    ("Action reference", 18, lambda x: x.action.reference),
    ("Theme", 22, lambda x: theme_label(x.action.theme) if x.action.theme else ""),
    ("Finding / learning statement", 36, lambda x: x.action.finding or ""),
    ("SMART action", 48, lambda x: x.action.description),
    ("Success measure", 30, lambda x: x.action.success_measure or ""),
    ("Lead agency", 20, lambda x: x.action.agency_name or ""),
    ("Owner", 20, lambda x: x.action.owner_name or ""),
    ("Date agreed", 12, lambda x: x.action.agreed_on),
    ("Target date", 12, lambda x: x.action.due_on),
    ("Revised date", 12, lambda x: x.action.revised_due_on),
    ("Reason for revised date", 28, lambda x: x.action.revised_due_reason or ""),
    ("Status", 12, lambda x: status_label(x.action.status)),
    ("RAG", 10, lambda x: rag_name(x.rag, x.action.status)),
    ("Progress log (dated)", 48, _progress),
    ("Evidence of completion", 32, lambda x: x.action.evidence or ""),
    ("Impact: how much did we do?", 30, _impact("how_much")),
    ("Impact: how well did we do it?", 30, _impact("how_well")),
    ("Impact: is anyone better off?", 30, _impact("better_off")),
    ("Impact evidence", 28, _impact("evidence")),
    ("Escalation history", 36, _escalations),
    ("LIC sign-off: meeting date", 14, _impact("meeting_on")),
    ("LIC sign-off: decision", 14, _impact("decision")),
    ("LIC sign-off: minute reference", 20, _impact("minute_reference")),
    ("Chasers sent", 10, _chasers_sent),
)  # fmt: skip
RAG_COLUMN: Final = next(i for i, c in enumerate(COLUMNS) if c[0] == "RAG")

# What an LIC meeting prints: all 27 columns fitted to A4 came out at about a quarter size
# (3 pt text), and the same columns spread over pages wide would split every action across
# sheets of paper. So the meeting gets its own sheet, one landscape page wide at about 80% (9 pt
# text): which action, who owns it, when it is due, where it stands and the latest word on it.
# The full "Tracker" sheet stays the record; its own print repeats the action reference and the
# header on every page, four pages wide, for anyone who does print it all.
# (header, width): the value is the Tracker column's of the same name.
PRINT_COLUMNS: Final[tuple[tuple[str, int], ...]] = (
    ("Action reference", 17),
    ("Theme", 16),
    ("SMART action", 42),
    ("Lead agency", 15),
    ("Owner", 15),
    ("Target date", 11),
    ("Revised date", 11),
    ("Status", 12),
    ("RAG", 8),
    ("Latest progress", 34),
)
PRINT_SHEET: Final = "For the meeting"
TRACKER_PAGES_WIDE: Final = 4
HEADER_FILL: Final = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT: Final = Font(bold=True, color="FFFFFF")
WRAP: Final = Alignment(wrap_text=True, vertical="top")


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        cell.alignment = WRAP
        return cell
    if isinstance(value, int) or value is None:
        cell = WriteOnlyCell(sheet, value=value)
        cell.alignment = WRAP  # at the top of its row like the text beside it, not the foot
        return cell
    return xlsx_text(sheet, str(value), alignment=WRAP)


def tracker_xlsx(tracker: Tracker) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tracker")
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{len(tracker.lines) + 1}"
    _print_setup(sheet, len(tracker.lines) + 1)
    sheet.row_dimensions[1].height = row_height([name for name, _, _ in COLUMNS])
    sheet.append(
        [
            xlsx_text(sheet, name, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP)
            for name, _, _ in COLUMNS
        ]
    )
    for row, line in enumerate(tracker.lines, start=2):
        values = [value(line) for _, _, value in COLUMNS]
        sheet.row_dimensions[row].height = row_height(values)
        cells = [_cell(sheet, v) for v in values]
        fill, text = RAG_FILLS[line.rag]
        cells[RAG_COLUMN].fill = PatternFill("solid", fgColor=fill)
        cells[RAG_COLUMN].font = Font(bold=True, color=text)
        sheet.append(cells)
    _print_sheet(book, tracker)
    _charts(book, tracker)
    _about(book, tracker)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


LINE_POINTS = 15.0  # one line of 11 pt Calibri
MAX_ROW_POINTS = 409.0  # Excel's tallest row


def _latest_progress(line: TrackerLine) -> str:
    """The item's latest word, as its summary says it (`ActionRow.latest_said`)."""
    return line.action.latest_said(NOTE_MAX)


def _print_value(header: str, line: TrackerLine) -> Any:
    if header == "Latest progress":
        return _latest_progress(line)
    return next(value for name, _, value in COLUMNS if name == header)(line)


def _print_sheet(book: Workbook, tracker: Tracker) -> None:
    """The compact view the LIC meeting prints: one A4 landscape page wide, readable."""
    sheet = book.create_sheet(PRINT_SHEET)
    widths = [width for _, width in PRINT_COLUMNS]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    _paper(sheet, landscape=True)
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_title_rows = "1:1"
    last = get_column_letter(len(PRINT_COLUMNS))
    sheet.print_area = f"A1:{last}{len(tracker.lines) + 1}"
    headers = [name for name, _ in PRINT_COLUMNS]
    sheet.row_dimensions[1].height = row_height(headers, widths)
    sheet.append(
        [xlsx_text(sheet, n, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP) for n in headers]
    )
    rag = headers.index("RAG")
    for row, line in enumerate(tracker.lines, start=2):
        values = [_print_value(name, line) for name in headers]
        sheet.row_dimensions[row].height = row_height(values, widths)
        cells = [_cell(sheet, v) for v in values]
        fill, text = RAG_FILLS[line.rag]
        cells[rag].fill = PatternFill("solid", fgColor=fill)
        cells[rag].font = Font(bold=True, color=text)
        sheet.append(cells)


def row_height(values: Sequence[object], widths: Sequence[int] | None = None) -> float:
    """Points for a row whose wrapped text fits: Excel and LibreOffice don't grow rows for
    wrapped text written by a library, so without this the text overlaps or is hidden."""
    lines = 1
    for width, value in zip(widths or [w for _, w, _ in COLUMNS], values, strict=True):
        if value is None or isinstance(value, int | float | date):
            continue
        per_line = max(1, int(width) - 2)  # about one character per unit of column width
        wrapped = sum(max(1, -(-len(part) // per_line)) for part in str(value).split("\n"))
        lines = max(lines, wrapped)
    return min(MAX_ROW_POINTS, LINE_POINTS * lines + 3)


def _print_setup(sheet: Any, rows: int) -> None:
    """Landscape A4, four pages wide (as many pages down as it takes), the header row and the
    action reference repeated on every page, and a print area of the table alone."""
    _paper(sheet, landscape=True, pages_wide=TRACKER_PAGES_WIDE)
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_title_rows = "1:1"
    reference = get_column_letter(
        1 + next(i for i, c in enumerate(COLUMNS) if c[0] == "Action reference")
    )
    sheet.print_title_cols = f"{reference}:{reference}"
    sheet.print_area = f"A1:{get_column_letter(len(COLUMNS))}{max(rows, 1)}"


def _paper(sheet: Any, *, landscape: bool, pages_wide: int = 1) -> None:
    """Every sheet prints on A4 fitted to the page width, marked on every page: printing the
    whole workbook never cuts a chart or a line of text across two pages."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = "9"  # A4 in the OOXML paper-size table
    sheet.page_setup.fitToWidth = pages_wide
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "OFFICIAL-SENSITIVE · Page &P of &N"
    sheet.oddHeader.left.text = "OFFICIAL-SENSITIVE"


def action_theme_trends(lines: Sequence[TrackerLine]) -> tuple[ThemeTrend, ...]:
    """Action items per theme by the quarter they were agreed in."""
    tallies = [
        ThemeTally(line.action.theme, line.action.agreed_on.year, line.action.agreed_on.month, 1)
        for line in lines
        if line.action.theme and line.action.agreed_on
    ]
    if not tallies:
        return ()
    first = min((t.year, t.month) for t in tallies)
    last = max((t.year, t.month) for t in tallies)
    span = Period(date(first[0], first[1], 1), date(last[0], last[1], 28), "", "")
    return theme_trends((), tallies, span)


def _charts(book: Workbook, tracker: Tracker) -> None:
    data = book.create_sheet("Chart data")
    charts = book.create_sheet("Charts")
    _paper(data, landscape=False)
    _paper(charts, landscape=False)
    # Wide enough for "Cancelled" and "Quarter agreed": the default cut them on paper.
    for index in range(1, 1 + max(len(RATINGS), 6) + 1):
        data.column_dimensions[get_column_letter(index)].width = 22 if index == 1 else 16
    # By the RAG the Tracker sheet's column shades, as the Word summary's chart (one rule:
    # `ratings_by_agency`; walk10 found a chart coloured by status beside a table by RAG).
    agencies = ratings_by_agency((line.action, line.rag) for line in tracker.lines)[:25]
    line_anchor = "A1"
    ratings = [(rag, word) for rag, word in RATINGS if any(c.get(rag) for _, c in agencies)]
    data.append(["Agency", *(word for _, word in ratings)])
    for name, counts in agencies:
        # An admin typed the agency's name: it goes in as text, never as a formula.
        data.append([xlsx_text(data, name), *(counts.get(rag, 0) for rag, _ in ratings)])
    split = split_count(line.action for line in tracker.lines)
    if split:
        data.append([xlsx_text(data, split_note(split), font=Font(italic=True))])
    if agencies and ratings:
        bar = BarChart()
        bar.type = "bar"
        bar.grouping = "stacked"
        bar.overlap = 100
        bar.title = BAR_TITLE
        bar.y_axis.title = "Action items"
        bar.legend.position = "r"
        values = Reference(
            data, min_col=2, max_col=len(ratings) + 1, min_row=1, max_row=len(agencies) + 1
        )
        bar.add_data(values, titles_from_data=True)
        for series, (rag, _) in zip(bar.series, ratings, strict=True):
            # The fill the Tracker sheet's RAG cell has, outlined in its text colour, so the
            # bars read apart in grey print too.
            fill, text = RAG_FILLS[rag]
            series.graphicalProperties.solidFill = fill
            series.graphicalProperties.line.solidFill = text
        bar.set_categories(Reference(data, min_col=1, min_row=2, max_row=len(agencies) + 1))
        bar.y_axis.majorUnit = _step(max(sum(c.values()) for _, c in agencies))
        bar.height, bar.width = max(7.5, 2 + 0.8 * len(agencies)), 18
        charts.add_chart(bar, "A1")
        below = int(bar.height / 0.5) + 2
        if split:
            # Under the chart it speaks of, on the sheet that is printed with it (a write-only
            # sheet is written row by row: blank rows down to the chart's foot).
            for _ in range(below - 1):
                charts.append([])
            charts.append([xlsx_text(charts, split_note(split), font=Font(italic=True))])
            below += 2
        line_anchor = f"A{below + 1}"
    trends = action_theme_trends(tracker.lines)[:6]
    # The header row of the themes table, after the note (if any) and a blank row.
    start = len(agencies) + (4 if split else 3)
    if trends:
        quarters = [q.name for q in trends[0].by_quarter]
        data.append([])
        data.append(["Quarter agreed", *(xlsx_text(data, t.label) for t in trends)])
        for index, name in enumerate(quarters):
            data.append([name, *(t.by_quarter[index].actions for t in trends)])
        line = LineChart()
        line.title = "Themes over time (action items by quarter agreed)"
        line.y_axis.title = "Action items"
        series = Reference(
            data,
            min_col=2,
            max_col=len(trends) + 1,
            min_row=start,
            max_row=start + len(quarters),
        )
        line.add_data(series, titles_from_data=True)
        for drawn in line.series:
            drawn.smooth = False
            # A marker on every point: a line through a single quarter draws nothing.
            drawn.marker.symbol = "circle"
        line.set_categories(
            Reference(data, min_col=1, min_row=start + 1, max_row=start + len(quarters))
        )
        line.y_axis.majorUnit = _step(max(n for t in trends for n in t.series("actions")))
        line.height, line.width = 9, 18
        charts.add_chart(line, line_anchor)


def _step(largest: int) -> int | None:
    """Whole-number gridlines for small counts (left alone, a chart of ones reads 0.2, 0.4 ...);
    Excel's own choice above ten."""
    return 1 if largest <= 10 else None


def _about(book: Workbook, tracker: Tracker) -> None:
    about = book.create_sheet("About")
    _paper(about, landscape=False)
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 90
    about.append([xlsx_text(about, tracker.title, font=Font(bold=True, size=14))])
    about.append(["Covers", xlsx_text(about, tracker.scope_note)])
    about.append(["Generated", short_date(tracker.generated_on)])
    about.append(["Action items", len(tracker.lines)])
    about.append([])
    about.append([xlsx_text(about, "RAG key", font=Font(bold=True))])
    for rag, meaning in (
        ("Red", "Overdue, blocked, or escalated to the chair by the LIC group."),
        ("Amber", "Due within the warning window, or the owner says progress is at risk."),
        ("Green", "On track."),
        ("Blue", "Completed and embedded: the LIC group recorded the impact and closed it."),
    ):
        key = next(r for r, name in RAG_NAMES.items() if name == rag)
        fill, text = RAG_FILLS[key]
        label = xlsx_text(
            about, rag, fill=PatternFill("solid", fgColor=fill), font=Font(bold=True, color=text)
        )
        about.append([label, meaning])
    about.append([])
    about.append([xlsx_text(about, FOOTER, font=Font(italic=True))])


def tracker_csv(tracker: Tracker) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _, _ in COLUMNS])
    for line in tracker.lines:
        writer.writerow([_csv_value(value(line)) for _, _, value in COLUMNS])
    # A BOM so Excel opens the UTF-8 file with the right characters.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    if isinstance(value, date):
        return _date_text(value)
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return csv_text(value)
