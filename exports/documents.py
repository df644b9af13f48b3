"""The meeting pack and the 7-minute guide as Word documents, and the combined chronology as
CSV. Pure: domain values in, bytes out; nothing here reads the database or the clock. The page
set-up, marking and tables are exports/house_style.py's."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from docx.document import Document as DocumentType
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.shared import Cm, Pt, RGBColor

from domain.chronology import CERTAINTY_WORDS
from domain.guide import (
    BOX_FONT_PT,
    PART_TITLES,
    DueDateChange,
    corrections_legend,
    dissemination_return,
    printed_marks,
    questions_not_in,
    with_corrections,
)
from domain.letterhead import Letterhead
from domain.model import ReturnStatus
from domain.pack import AnsweredSection, MeetingPack
from domain.records import EntryInput
from domain.wording import counted, plain_date
from exports import house_style
from exports.cells import csv_text
from exports.cells import document_text as plain
from exports.house_style import new_document, new_section, table, to_bytes, usable_width_cm

FINAL = frozenset({ReturnStatus.SIGNED_OFF})
ROLL_WIDTHS = (4.6, 2.0, 10.8)
# Four rows of boxes under the title fill portrait A4; a box of guide.BOX_FITS characters
# needs about 5 cm, so the page still holds all seven at their longest.
BOX_ROW_CM = 5.4
# The marks a reader must not miss, in red: everything but a plain "signed off".
MARKS_TO_SEE = ("UNSIGNED", "LATE", "OVERDUE", "NIL", "PROCEEDED WITHOUT", "†")
MARK_RED = RGBColor(0xB0, 0x00, 0x20)
SIDE_BY_SIDE_COLUMNS = 6  # agencies per table: 3.4 cm each on landscape A4
QUESTION_WIDTH = 5.7
FOOTER = house_style.FOOTER  # the tracker's About sheet says the same
# Landscape A4 gives 26.1 cm between margins: the date narrow (one line, "01 May 2025" in
# DejaVu Sans, the fallback for Calibri on a server), what happened wide.
# Certainty fits "approximately" on one line at 9 pt (it wrapped at 2.1 cm in DejaVu Sans).
CHRONOLOGY_WIDTHS = (2.65, 2.8, 2.6, 7.6, 2.4, 4.85, 3.2)
CSV_COLUMNS = (
    "date",
    "date_certainty",
    "end_date",
    "agency",
    "source",
    "event",
    "impact_on_child",
    "action_outcome",
    "key_practice_episode",
    "missed_opportunity",
    "missed_opportunity_reason",
    "themes",
    "possible_duplicate_group",
)


def meeting_pack_docx(built: MeetingPack, generated_on: date, *, partnership: str = "") -> bytes:
    # Final once every agency's return is signed off or decided by the chair; a draft until then.
    head = Letterhead(
        "Meeting pack",
        partnership,
        built.reference,
        built.pseudonym,
        generated_on,
        draft=bool(built.outstanding) or any(r.status not in FINAL for r in built.returns),
    )
    document = new_document(head)
    _background(document, built)
    _returns_included(document, built)
    _agency_returns(document, built)
    new_section(document, landscape=True)
    _side_by_side(document, built)
    _chronology(document, built)
    new_section(document, landscape=False)
    _themes(document, built)
    _learning(document, built)
    _proposed_learning(document, built)
    _questions(document, built)
    return to_bytes(document)


TERMS_OF_REFERENCE = (
    "This Line-of-Sight review asks what it was like to be the child, what each agency knew "
    "and did, where practice helped and where opportunities were missed, and what the "
    "partnership must learn and change. It looks for learning, not blame."
)


def _background(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Background and terms of reference", level=1)
    facts = built.background
    rows = [
        ("Why this review", facts.reason or "Not recorded"),
        ("Period under review", facts.period or "Not recorded"),
        ("Review opened", f"{facts.opened_on:%d %B %Y}" if facts.opened_on else "Not recorded"),
        ("Meeting", f"{facts.meeting_on:%d %B %Y}" if facts.meeting_on else "Not yet set"),
        ("Terms of reference", TERMS_OF_REFERENCE),
    ]
    table(document, None, rows, (4.0, 13.4))


def _agency_returns(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Each agency's return", level=1)
    for index, ret in enumerate(built.returns):
        heading = document.add_heading(plain(ret.agency), level=2)
        # Each agency's return from the top of a page: read, printed and discussed one by one.
        heading.paragraph_format.page_break_before = index > 0
        for mark in ret.marks():
            paragraph = document.add_paragraph(plain(mark))
            paragraph.runs[0].bold = True
            paragraph.runs[0].font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        for section in ret.sections[: ret.episodes_after]:
            _answered(document, section)
        if ret.episodes:  # where the return form asks for them
            document.add_heading("Key practice episodes", level=3)
            for episode in ret.episodes:
                document.add_paragraph(plain(episode.title)).runs[0].bold = True
                table(document, None, episode.answers, (5.0, 12.4))
        for section in ret.sections[ret.episodes_after :]:
            _answered(document, section)


def _answered(document: DocumentType, section: AnsweredSection) -> None:
    document.add_heading(plain(section.title), level=3)
    table(document, None, section.answers, (5.0, 12.4))


def _proposed_learning(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Proposed partnership learning", level=1)
    if not built.proposed_learning:
        document.add_paragraph("No return proposed multi-agency learning.")
    for point in built.proposed_learning:
        document.add_paragraph(plain(f"{point.agency}: {point.text}"), style="List Bullet")


def _questions(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Questions for the meeting", level=1)
    for question in built.questions:
        document.add_paragraph(plain(question), style="List Number")


def _returns_included(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Agency returns in this pack", level=1)
    if not built.roll:
        document.add_paragraph("No agency has been asked for a return.")
    rows = [
        (line.agency, "Yes" if line.included else "No", "\n".join(line.marks))
        for line in built.roll
    ]
    header = ("Agency", "In the pack", "What the meeting should know")
    cells = table(document, header, rows, ROLL_WIDTHS)
    for line, row in zip(built.roll, cells, strict=True):
        for paragraph in row[2].paragraphs:
            if paragraph.text.startswith(MARKS_TO_SEE):
                for run in paragraph.runs:
                    run.bold = True
                    run.font.color.rgb = MARK_RED
        if not line.included:
            house_style.shade(row[1], "F2F2F2")
    if built.kept:
        document.add_paragraph(
            plain(
                "Kept after an identifier warning (the writer confirmed it is not identifying; "
                "marked † in the chronology): " + "; ".join(k.describe() for k in built.kept)
            )
        )


def _side_by_side(document: DocumentType, built: MeetingPack) -> None:
    """The short answers across agencies, a column each (six to a table, to stay readable)."""
    if not built.side_by_side:
        return
    document.add_heading("The returns side by side", level=1)
    paragraph = document.add_paragraph(
        "The short answers, one column per agency. Each agency's reasons and full answers "
        "are in its own section."
    )
    paragraph.runs[0].italic = True
    agencies = built.included
    for start in range(0, len(agencies), SIDE_BY_SIDE_COLUMNS):
        shown = agencies[start : start + SIDE_BY_SIDE_COLUMNS]
        each = (usable_width_cm(landscape=True) - QUESTION_WIDTH) / len(shown)
        rows: list[tuple[str, ...]] = []
        section = ""
        for row in built.side_by_side:
            if row.section != section:  # the section's title on a row of its own
                section = row.section
                rows.append((section, *([""] * len(shown))))
            rows.append((row.question, *row.answers[start : start + len(shown)]))
        widths = (QUESTION_WIDTH, *([each] * len(shown)))
        cells = table(document, ("Question", *shown), rows, widths, font_pt=9)
        for values, row_cells in zip(rows, cells, strict=True):
            if not any(values[1:]):  # a section's title: across the table, bold, shaded
                merged = row_cells[0].merge(row_cells[-1])
                for empty in merged.paragraphs[1:]:  # one from each cell merged in
                    merged._tc.remove(empty._p)
                merged.paragraphs[0].runs[0].bold = True
                house_style.shade(merged, "EDEDED")
        document.add_paragraph()


def _chronology(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Combined impact chronology", level=1)
    if built.duplicate_count:
        document.add_paragraph(
            f"{counted(built.duplicate_count, 'possible duplicate group')} "
            f"{'is' if built.duplicate_count == 1 else 'are'} marked ‡: the same day, a similar "
            "event, two agencies."
        )
    rows = []
    for item in built.entries:
        entry = item.entry
        flags = [
            label
            for on, label in (
                (entry.key_practice_episode, "Key practice episode"),
                (entry.missed_opportunity, "Missed opportunity"),
                (item.duplicate_group is not None, f"‡ possible duplicate {item.duplicate_group}"),
                (item.kept_identifiers, "† Identifier warning overridden"),
            )
            if on
        ]
        if entry.missed_opportunity and entry.missed_opportunity_reason:
            flags.append(f"Why: {entry.missed_opportunity_reason}")
        rows.append(
            (
                _day(entry),
                CERTAINTY_WORDS[entry.date_certainty],
                item.agency,
                entry.event,
                entry.source,
                entry.impact_on_child,
                "\n".join(flags),
            )
        )
    table(
        document,
        ("Date", "Certainty", "Agency", "What happened", "Source", "Impact on the child", "Flags"),
        rows,
        CHRONOLOGY_WIDTHS,
        font_pt=9,
    )
    for gap in built.gaps:
        paragraph = document.add_paragraph(
            f"Gap: no agency contact recorded between {plain_date(gap.start)} and "
            f"{plain_date(gap.end)} ({gap.days} days)."
        )
        paragraph.runs[0].font.color.rgb = RGBColor(0xA0, 0x40, 0x00)


def _day(entry: EntryInput) -> str:
    """The date alone: the Certainty column beside it says "approximately", so "About 29 Jan
    2025" said it twice and wrapped the column onto two lines."""
    day = plain_date(entry.event_date)
    return f"{day} to {plain_date(entry.end_date)}" if entry.end_date else day


def _themes(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Themes across agencies", level=1)
    table(
        document,
        ("Theme", "Raised by", "Evidence"),
        [(row.label, ", ".join(row.agencies), row.evidence) for row in built.themes],
        (3.4, 4.0, 10.0),
    )


def _learning(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Learning by theme", level=1)
    for group in built.learning:
        document.add_heading(plain(group.theme), level=2)
        for heading, points in (
            ("What worked well", group.worked_well),
            ("What could have been different", group.could_differ),
        ):
            if points:
                document.add_paragraph(heading).runs[0].bold = True
            for point in points:
                document.add_paragraph(plain(f"{point.agency}: {point.text}"), style="List Bullet")


def chronology_csv(built: MeetingPack) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in built.entries:
        e = item.entry
        row = (
            e.event_date.isoformat(),
            e.date_certainty.value,
            e.end_date.isoformat() if e.end_date else "",
            item.agency,
            e.source,
            e.event,
            e.impact_on_child,
            e.action_outcome,
            "yes" if e.key_practice_episode else "no",
            "yes" if e.missed_opportunity else "no",
            e.missed_opportunity_reason,
            ";".join(e.themes),
            item.duplicate_group,
        )
        # Every cell, the admin-typed agency name included, through the one neutraliser.
        writer.writerow([csv_text(value) for value in row])
    # A BOM so Excel opens the UTF-8 file with the right characters.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def guide_docx(
    reference: str,
    pseudonym: str,
    parts: Sequence[str],
    published_on: date,
    *,
    partnership: str = "",
    draft: bool = True,
    approval: str = "",
    changes: Sequence[DueDateChange] = (),
) -> bytes:
    """The one-page briefing: seven boxes in a two-column grid, the eighth cell the
    dissemination return (and any standing question box 6 lost), under its version and approval
    (guide.version_line). The caller checks each box fits (guide.too_long_for_one_page)
    before asking for it. A line of box 7 whose due date changed (guide.due_date_changes)
    keeps its words, with the live date printed under it, as the cards show it."""
    head = Letterhead("7-minute briefing", partnership, reference, pseudonym, published_on, draft)
    document = new_document(head, compact=True)
    if approval:
        line = document.add_paragraph()
        run = line.add_run(plain(approval))
        run.bold = True
        run.font.size = Pt(9)
        line.paragraph_format.space_after = Pt(3)
    if changes:
        legend = document.add_paragraph().add_run(plain(corrections_legend(published=not draft)))
        _caution(legend)
    grid = document.add_table(rows=4, cols=2)
    grid.style = "Table Grid"
    boxes = [grid.cell(row, col) for row in range(4) for col in range(2)]
    for index, (cell, (title, text)) in enumerate(
        zip(boxes, zip(PART_TITLES, parts, strict=True), strict=False)
    ):
        shown = changes if index == 6 else ()
        lines = with_corrections(text, shown, draft=draft)
        size, marks = printed_marks(lines)
        _box(
            cell,
            title,
            [(line, mark) for (line, _), mark in zip(lines, marks, strict=True)],
            font_pt=size,
        )
    # Box 6 holds the standing questions as drafted: the eighth cell repeats only any it lost.
    missing = questions_not_in(parts[5] if len(parts) > 5 else "")
    title = "Standing questions, and the return" if missing else "After your team has used it"
    _box(boxes[7], title, [(line, "") for line in (*missing, dissemination_return(reference))])
    for cell in boxes:
        cell.width = Cm(8.7)
    for row in grid.rows:  # the grid fills the page, as the familiar printed briefing does
        row.height = Cm(BOX_ROW_CM)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    return to_bytes(document)


def _box(
    cell: Any,
    title: str,
    lines: Sequence[tuple[str, str]],
    *,
    font_pt: float = BOX_FONT_PT,
) -> None:
    """A box's title, then each line with its due-date mark ("" for none) on its end."""
    heading = cell.paragraphs[0]
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(10)
    run.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    for line, mark in lines:
        paragraph = cell.add_paragraph(plain(line))
        paragraph.paragraph_format.space_after = Pt(1)
        if mark:  # on the line's own end, so the page stays one page (the legend says why)
            _caution(paragraph.add_run(plain(mark)))
        for text_run in paragraph.runs:
            text_run.font.size = Pt(font_pt)


def _caution(run: Any) -> None:
    run.bold = True
    run.italic = True
    run.font.size = Pt(8.5)
    run.font.color.rgb = RGBColor(0xA4, 0x26, 0x2C)
