"""The review summary as a Word document: clocks, returns, agreed learning, action items with
RAG shading, impact, the 7-minute briefing, and two charts (action items by agency, by the RAG
the table shades; themes over time). Pure: domain values in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from docx.document import Document as DocumentType
from docx.shared import Cm, Pt
from docx.table import _Cell

from domain.action_state import decision_words, status_label
from domain.actions import NOTE_MAX
from domain.calendar import DEFAULT_CALENDAR
from domain.letterhead import Letterhead
from domain.return_state import return_status_label
from domain.summaries import (
    NO_THEMES,
    RATINGS,
    Access,
    ReviewSummary,
    ThemeMeasure,
    ThemeTrend,
    clock_facts,
    guide_line,
    rag_line,
    rag_name,
    short_date,
    split_note,
)
from exports.cells import document_text as plain
from exports.charts import RAG_FILLS, rag_by_agency_png, themes_over_time_png
from exports.house_style import new_document, new_section, shade, table, to_bytes


def summary_docx(
    summary: ReviewSummary,
    themes: Sequence[ThemeTrend],
    generated_on: date,
    *,
    partnership: str = "",
) -> bytes:
    review = summary.review
    # A summary is a snapshot of work in progress: final only once the review is closed.
    head = Letterhead(
        "Review summary",
        partnership,
        review.reference,
        review.pseudonym,
        generated_on,
        draft=review.stage.value != "closed",
    )
    document = new_document(head)
    if summary.access is Access.OWN:
        document.add_paragraph(
            "This copy shows your own return and action items only, not other agencies'."
        ).runs[0].italic = True
    # The background comes first: a summary read on its own says why the review was held.
    background = [
        ("Reference", review.reference),
        ("Why this review", review.reason or "Not recorded"),
        ("Period under review", review.period_under_review or "Not recorded"),
    ]
    _table(document, [*background, *clock_facts(summary)], header=None, widths=(4.0, 13.4))
    _returns(document, summary)
    _learning(document, summary)
    # The action and impact tables are wide: they get landscape pages of their own.
    new_section(document, landscape=True)
    _actions(document, summary)
    _impact(document, summary)
    new_section(document, landscape=False)
    document.add_heading("7-minute briefing", level=1)
    document.add_paragraph(plain(guide_line(summary)))
    _charts(document, summary, themes)
    return to_bytes(document)


def _table(
    document: DocumentType,
    rows: Sequence[Sequence[str]],
    header: Sequence[str] | None,
    widths: Sequence[float] = (),
) -> list[list[_Cell]]:
    columns = len(header) if header else len(rows[0]) if rows else 2
    # Portrait A4 gives 17.4 cm between margins; shared evenly unless told otherwise.
    return table(document, header, rows, widths or (17.4 / columns,) * columns)


def _returns(document: DocumentType, summary: ReviewSummary) -> None:
    if not summary.returns:
        return
    document.add_heading("Agency returns", level=1)
    outstanding = len(summary.outstanding)
    document.add_paragraph(
        f"{len(summary.returns) - outstanding} of {len(summary.returns)} in; "
        f"{outstanding} outstanding."
    )
    _table(
        document,
        [
            (
                r.agency_name,
                return_status_label(r.status),
                ", ".join(r.assignees) or "Nobody assigned",
            )
            for r in summary.returns
        ],
        ("Agency", "Status", "Practitioners"),
    )


def _learning(document: DocumentType, summary: ReviewSummary) -> None:
    document.add_heading("Agreed learning", level=1)
    if not summary.themes and not summary.learning_needs:
        document.add_paragraph("Not recorded yet: the meeting outcome is still to come.")
        return
    if summary.themes:
        document.add_paragraph(plain("Themes: " + "; ".join(summary.themes)))
    for need in summary.learning_needs:
        document.add_paragraph(plain(need), style="List Bullet")


def _actions(document: DocumentType, summary: ReviewSummary) -> None:
    document.add_heading("Action items", level=1)
    if not summary.actions:
        document.add_paragraph("No action items yet.")
        return
    counts = rag_line(summary.rag_counts, summary.split_count)
    document.add_paragraph(f"{len(summary.actions)} action items: {counts}.")
    rows = []
    for item in summary.actions:
        row = item.row
        latest = row.latest_said(NOTE_MAX)
        due = short_date(row.effective_due) + (" (revised)" if row.revised_due_on else "")
        rows.append(
            (
                row.reference.rsplit("/", 1)[-1],
                rag_name(item.rag, row.status),
                row.description,
                f"{row.owner_name or 'No owner'}\n{row.agency_name or ''}",
                due,
                status_label(row.status),
                latest,
            )
        )
    cells = _table(
        document,
        rows,
        ("No.", "RAG", "Action", "Owner and agency", "Due", "Status", "Latest progress"),
        # RAG fits "Cancelled" on one line (it wrapped "Cancelle / d" at 2.0 cm).
        widths=(1.1, 2.4, 7.1, 4.0, 2.4, 2.6, 6.5),
    )
    for item, row_cells in zip(summary.actions, cells, strict=True):
        shade(row_cells[1], RAG_FILLS[item.rag][0])
        for paragraph in row_cells[2].paragraphs + row_cells[6].paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(9)


def _impact(document: DocumentType, summary: ReviewSummary) -> None:
    document.add_heading("Impact recorded", level=1)
    if not summary.impacts:
        document.add_paragraph("The LIC group has not recorded impact for any action yet.")
        return
    # The same picture the summary card gives, from the same domain source.
    picture = summary.impact_standing
    document.add_paragraph(picture.headline + ".")
    if picture.decided_otherwise:
        document.add_paragraph(picture.decided_otherwise + ".")
    for standing in picture.items:
        number = standing.line.action_reference.rsplit("/", 1)[-1]
        document.add_paragraph(f"{number}: {standing.words}", style="List Bullet")
    document.add_heading("Every impact record, by item and date", level=2)
    _table(
        document,
        [
            (
                i.action_reference.rsplit("/", 1)[-1],
                i.how_much,
                i.how_well,
                i.better_off,
                decision_words(i.decision)
                + f" · {short_date(DEFAULT_CALENDAR.local_date(i.recorded_at))}"
                + (f" · {i.minute_reference}" if i.minute_reference else "")
                + (f" · meeting {short_date(i.meeting_on)}" if i.meeting_on else ""),
            )
            for i in sorted(summary.impacts, key=lambda i: (i.action_reference, i.recorded_at))
        ],
        ("No.", "How much did we do?", "How well?", "Is anyone better off?", "LIC decision"),
        widths=(1.1, 6.0, 6.0, 6.5, 6.5),
    )


def _charts(document: DocumentType, summary: ReviewSummary, themes: Sequence[ThemeTrend]) -> None:
    document.add_heading("Charts", level=1)
    # Coloured by RAG as the action items table is shaded, with the table's words.
    picture = rag_by_agency_png(summary.rag_by_agency, RATINGS)
    document.add_picture(io.BytesIO(picture), width=Cm(16))
    if summary.split_count:
        document.add_paragraph(split_note(summary.split_count))
    if not themes:
        # An empty chart reads as a chart of nothing; the summary says so in words.
        document.add_paragraph(NO_THEMES)
        return
    # One measure per chart: reviews agreeing each theme, or (when no review agreed any of
    # them yet) action items on it; a sum of the two would read as neither.
    measure: ThemeMeasure = "reviews" if any(t.reviews for t in themes) else "actions"
    counted_as = "reviews that agreed each" if measure == "reviews" else "action items on each"
    title = f"Themes over time: {counted_as}, across the reviews you can see"
    document.add_picture(io.BytesIO(themes_over_time_png(themes, title, measure)), width=Cm(16))
