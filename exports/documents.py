"""The meeting pack and the 7-minute guide as Word documents, and the combined chronology as
CSV. Pure: domain values in, bytes out; nothing here reads the database or the clock."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from domain.chronology import describe_date
from domain.guide import PART_TITLES
from domain.pack import MeetingPack
from exports.cells import csv_text
from exports.cells import document_text as plain

FOOTER = (
    "OFFICIAL-SENSITIVE. Pseudonymised: contains no names, dates of birth or addresses. "
    "Share only within the safeguarding partnership."
)
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


def _new_document(title: str, subtitle: str) -> DocumentType:
    document = Document()
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(1.8)
        section.top_margin = section.bottom_margin = Cm(1.5)
        section.footer.paragraphs[0].text = FOOTER
    styles = document.styles["Normal"]
    styles.font.name = "Calibri"
    styles.font.size = Pt(10.5)
    # Titles and subtitles carry pseudonyms; every run that can hold what people typed goes
    # through plain(), so Word shows it as typed.
    document.add_heading(plain(title), level=0)
    document.add_paragraph(plain(subtitle)).runs[0].italic = True
    return document


def _bytes(document: DocumentType) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def meeting_pack_docx(built: MeetingPack, generated_on: date) -> bytes:
    document = _new_document(
        f"Meeting pack · {built.reference}", f"{built.pseudonym} · prepared {generated_on:%d %B %Y}"
    )
    _returns_included(document, built)
    _chronology(document, built)
    _themes(document, built)
    _learning(document, built)
    return _bytes(document)


def _returns_included(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Agency returns in this pack", level=1)
    document.add_paragraph(plain(", ".join(built.included) or "None"))
    if built.outstanding:
        document.add_paragraph(
            plain("Not yet submitted (not included): " + ", ".join(built.outstanding))
        )
    for line in built.decisions:
        document.add_paragraph(plain(line))
    if built.kept:
        document.add_paragraph(
            plain(
                "Kept after an identifier warning (the writer confirmed it is not identifying; "
                "marked † in the chronology): " + "; ".join(k.describe() for k in built.kept)
            )
        )


def _chronology(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Combined impact chronology", level=1)
    if built.duplicate_count:
        document.add_paragraph(
            f"{built.duplicate_count} possible duplicate group(s) are "
            f"marked ‡: the same day, a similar event, two agencies."
        )
    table = document.add_table(rows=1, cols=5)
    table.style = "Light Grid Accent 1"
    for cell, text in zip(
        table.rows[0].cells,
        ("Date", "Agency", "What happened", "Impact on the child", "Flags"),
        strict=True,
    ):
        cell.text = text
    for item in built.entries:
        entry = item.entry
        flags = [
            label
            for on, label in (
                (entry.key_practice_episode, "Key practice episode"),
                (entry.missed_opportunity, "Missed opportunity"),
                (item.duplicate_group is not None, f"‡ {item.duplicate_group}"),
                (item.kept_identifiers, "† Identifier warning overridden"),
            )
            if on
        ]
        row = table.add_row().cells
        row[0].text = describe_date(entry)
        row[1].text = plain(item.agency)
        row[2].text = plain(f"{entry.event}\nSource: {entry.source}")
        row[3].text = plain(entry.impact_on_child)
        row[4].text = "; ".join(flags)
    for gap in built.gaps:
        paragraph = document.add_paragraph(
            f"Gap: no agency contact recorded between {gap.start:%d %b %Y} and "
            f"{gap.end:%d %b %Y} ({gap.days} days)."
        )
        paragraph.runs[0].font.color.rgb = RGBColor(0xA0, 0x40, 0x00)


def _themes(document: DocumentType, built: MeetingPack) -> None:
    document.add_heading("Themes across agencies", level=1)
    table = document.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    for cell, text in zip(
        table.rows[0].cells, ("Theme", "Raised by", "Chronology entries"), strict=True
    ):
        cell.text = text
    for row in built.themes:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = plain(row.label), plain(", ".join(row.agencies))
        cells[2].text = str(row.entry_count)


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


def guide_docx(reference: str, pseudonym: str, parts: Sequence[str], published_on: date) -> bytes:
    document = _new_document(
        f"7-minute guide · {reference}",
        f"{pseudonym} · Line-of-Sight learning, {published_on:%B %Y}",
    )
    for index, text in enumerate(parts):
        if not text.strip():
            continue
        heading = document.add_heading(PART_TITLES[index], level=2)
        heading.paragraph_format.space_before = Pt(6)
        for line in plain(text).splitlines():
            paragraph = document.add_paragraph(line)
            paragraph.paragraph_format.space_after = Pt(2)
    closing = document.add_paragraph(
        "Record that your team used this briefing: in Teams, "
        "open the guide card and choose 'We used this briefing'."
    )
    closing.alignment = WD_ALIGN_PARAGRAPH.CENTER
    closing.runs[0].italic = True
    return _bytes(document)
