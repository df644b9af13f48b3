"""The quarterly partnership board report as a Word document (and so, converted, a PDF).

Pure: a domain.board_report.BoardReport in, bytes out. House style is exports/house_style.py's
(A4 portrait, marking, DRAFT until the quarter is over, page x of y, repeated table headers).
Every table says what it counts and on which basis.
"""

from __future__ import annotations

import io
from datetime import date

from docx.document import Document as DocumentType
from docx.shared import Cm, Pt, RGBColor

from domain.action_state import decision_words
from domain.board_report import CHARTED_QUARTERS, RAG_COLUMNS, BoardReport, ReturnsOnTime, percent
from domain.letterhead import Letterhead
from domain.status_words import state_label
from domain.summaries import short_date
from domain.wording import plain_date
from exports.cells import document_text as plain
from exports.charts import rag_by_quarter_png
from exports.house_style import new_document, table, to_bytes

# Portrait A4 gives 17.4 cm between the margins: action references ("LOS-2026-004/A12") and
# dates each on one line, the free text wide.
REVIEW_WIDTHS = (3.0, 2.0, 2.5, 2.3, 5.9, 1.7)
# The action column fits "LOS-2026-010/A10" on one line (at 3.2 cm it broke after the "/").
OVERDUE_WIDTHS = (2.8, 3.6, 4.8, 2.5, 1.4, 2.3)
IMPACT_WIDTHS = (3.6, 1.9, 6.9, 2.5, 2.5)
NOTE = RGBColor(0x40, 0x40, 0x40)
SMALL = 8.5  # the tables with references and dates: each on one line


def day(value: date) -> str:
    """A date in a table cell: short enough for one line ("20 Nov 2026")."""
    return plain_date(value)


def board_report_docx(report: BoardReport, generated_on: date, *, partnership: str = "") -> bytes:
    head = Letterhead(
        "Quarterly board report",
        partnership,
        report.period.label,
        "All reviews" if report.scope_note.startswith("Every") else "Scoped view",
        generated_on,
        draft=not report.final,
    )
    document = new_document(head)
    _basis(document, report)
    _figures(document, report)
    _chart(document, report)
    _exceptions(document, report)
    _reviews(document, report)
    _learning(document, report)
    _themes(document, report)
    _rag(document, report)
    _impact(document, report)
    _overdue(document, report)
    return to_bytes(document)


def _note(document: DocumentType, text: str) -> None:
    paragraph = document.add_paragraph(plain(text))
    paragraph.paragraph_format.keep_with_next = True  # with the table it introduces
    for run in paragraph.runs:
        run.italic = True
        run.font.size = Pt(9)
        run.font.color.rgb = NOTE


def _basis(document: DocumentType, report: BoardReport) -> None:
    status = (
        "The quarter is over."
        if report.final
        else f"The quarter is not over: figures to {short_date(report.as_of)}, marked DRAFT."
    )
    _note(
        document,
        f"{report.scope_note} Reviews are counted in the quarter their Line-of-Sight meeting "
        f"was held (the meeting date). Action items are rated red, amber, green or blue by the "
        f"partnership's one RAG rule as at {short_date(report.as_of)}. {status}",
    )


def _figures(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("The quarter at a glance", level=1)
    evidenced, delivered = report.impact_evidenced
    agreed = sum(report.rag_agreed.values())
    rows = [
        ("Reviews held (by meeting date)", str(len(report.held))),
        ("Reviews opened", str(report.opened)),
        ("Action items agreed at those reviews", str(agreed)),
        ("Impact records made by the LIC group", report.impact_records_words),
        (
            "Delivered items closed with impact evidenced",
            f"{evidenced} of {delivered} ({percent(evidenced, delivered)})",
        ),
        (
            "Agency returns due in the quarter, in on time",
            f"{report.returns.on_time} of {report.returns.counted} "
            f"({percent(report.returns.on_time, report.returns.counted)})",
        ),
        (report.on_time.label, report.on_time.figure),
        (f"Overdue action items on {short_date(report.as_of)}", str(len(report.overdue))),
        ("Action items escalated to the chair by the LIC group", str(report.lic_escalations)),
        ("Escalation reminders sent (overdue chasers)", str(report.escalations)),
    ]
    table(document, ("Measure", "Count"), rows, (12.4, 5.0))
    _note(document, " ".join(filter(None, (returns_basis(report.returns), report.on_time.basis))))


def returns_basis(counts: ReturnsOnTime) -> str:
    """How the returns figure was counted, in words, with every return it leaves out."""
    nil = (
        f" {counts.nil} nil return{'' if counts.nil == 1 else 's'} (no involvement) "
        f"{'is' if counts.nil == 1 else 'are'} not counted."
        if counts.nil
        else ""
    )
    return (
        "Returns: each agency return due in the quarter so far, its submitted date against its "
        f"due date as extended. {counts.on_time} on time, {counts.late} late, "
        f"{counts.overdue} past due and not yet in, {counts.proceeded_without} proceeded "
        f"without by the chair (counted as not on time).{nil}"
    )


def _chart(document: DocumentType, report: BoardReport) -> None:
    if not report.trend:
        return
    document.add_heading("The last four quarters", level=1)
    picture = rag_by_quarter_png(
        [(bar.period.label, bar.reviews, bar.rag) for bar in report.trend],
        RAG_COLUMNS,
        short_date(report.as_of),
    )
    document.add_picture(io.BytesIO(picture), width=Cm(16.5))
    quarters = len(report.trend)
    _note(
        document,
        "Each bar: the action items agreed at the reviews whose meeting was held in that "
        f"quarter, by their rating on {short_date(report.as_of)}; no later quarter is shown."
        + (
            ""
            if quarters == CHARTED_QUARTERS
            else f" Only {quarters} quarter{'' if quarters == 1 else 's'}: none before the "
            "partnership's first review."
        ),
    )


def _exceptions(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("For the board's attention", level=1)
    if not report.exceptions:
        document.add_paragraph("Nothing needs the board's attention this quarter.")
    for line in report.exceptions:
        document.add_paragraph(plain(line), style="List Bullet")


def _reviews(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("Reviews held in the quarter", level=1)
    if not report.held:
        document.add_paragraph("No Line-of-Sight meeting was held in the quarter.")
        return
    rows = [
        (
            h.reference,
            h.pseudonym,
            day(h.meeting_on),
            state_label(h.stage),
            ", ".join(h.themes) or "Not yet agreed",
            str(h.actions),
        )
        for h in report.held
    ]
    table(
        document,
        ("Review", "Child", "Meeting", "Stage", "Themes agreed", "Actions"),
        rows,
        REVIEW_WIDTHS,
        font_pt=SMALL,
    )


def _learning(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("Learning needs agreed", level=1)
    needs = [(h.reference, n) for h in report.held for n in h.learning_needs]
    if not needs:
        document.add_paragraph("No learning needs were recorded at this quarter's meetings.")
    for reference, need in needs:
        document.add_paragraph(plain(f"{reference}: {need}"), style="List Bullet")


def _themes(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("Themes: this quarter against the four before", level=1)
    _note(document, "Reviews whose meeting agreed each theme, by the quarter of the meeting.")
    if not report.themes:
        document.add_paragraph("No themes were agreed in these five quarters.")
        return
    labels = [q.label for q in report.compared]
    rows = [(t.label, *(str(n) for n in t.before), str(t.this_quarter)) for t in report.themes]
    widths = (5.4, *(2.4 for _ in labels), 2.4)
    table(document, ("Theme", *labels, f"{report.period.label} (this)"), rows, widths)


def _rag(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("Action items by RAG", level=1)
    _note(document, f"Rated as at {short_date(report.as_of)}.")
    header = ("Action items", *(label for _, label in RAG_COLUMNS), "Total")
    rows = [
        (name, *(str(counts.get(rag, 0)) for rag, _ in RAG_COLUMNS), str(sum(counts.values())))
        for name, counts in (
            ("Agreed at reviews held this quarter", report.rag_agreed),
            ("Every action item", report.rag_all),
        )
    ]
    table(document, header, rows, (4.6, 1.7, 1.8, 1.8, 3.3, 2.3, 1.9))


def _impact(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("Impact recorded this quarter", level=1)
    if not report.impacts:
        document.add_paragraph("The LIC group recorded no impact this quarter.")
        return
    rows = [
        (
            e.line.action_reference,
            decision_words(e.line.decision),
            e.line.better_off,
            day(e.line.recorded_at.date()),
            day(e.line.meeting_on) if e.line.meeting_on else "Not recorded",
        )
        for e in report.impacts
    ]
    table(
        document,
        ("Action", "Decision", "Is anyone better off?", "Recorded", "LIC meeting"),
        rows,
        IMPACT_WIDTHS,
        font_pt=SMALL,
    )


def _overdue(document: DocumentType, report: BoardReport) -> None:
    document.add_heading("Overdue action items, by agency", level=1)
    _note(document, f"Late on {short_date(report.as_of)}, in working days past the due date.")
    if not report.overdue:
        document.add_paragraph("No action item is overdue.")
        return
    rows = [
        (
            x.agency,
            x.reference,
            x.description,
            day(x.due_on),
            str(x.days_late),
            str(x.escalations),
        )
        for x in report.overdue
    ]
    table(
        document,
        ("Agency", "Action", "What was agreed", "Due", "Days late", "Times escalated"),
        rows,
        OVERDUE_WIDTHS,
        font_pt=SMALL,
    )
