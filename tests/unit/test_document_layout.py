"""House style, checked where it shows: each document rendered to PDF (LibreOffice, as the bot
does) and then to PNG (pdftoppm). A4 pages, the chronology in landscape, page-count bounds,
the marking, page x of y and the draft mark on the page; wide tables repeat their header and
keep rows whole in the Word file itself."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from domain import guide
from domain.chasers import DEFAULT_POLICY
from domain.model import DateCertainty, ReturnStatus
from domain.pack import Background, ReturnContent, build_pack
from domain.records import ChronologyView, EntryInput
from domain.summaries import Access, build_summary, theme_trends, year_period
from exports import pdf
from exports.documents import CHRONOLOGY_WIDTHS, guide_docx, meeting_pack_docx
from exports.house_style import usable_width_cm
from exports.summary_doc import summary_docx
from tests.conftest import require
from tests.unit.test_meeting_rules import TODAY, chronology_table, ret
from tests.unit.test_summaries import records, review

A4_PORTRAIT = (595, 842)  # points, rounded
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Rendered:
    pages: list[tuple[int, int]]  # (width, height) in points, per page
    text: str
    pngs: list[Path]


def render(docx: bytes, folder: Path, name: str) -> Rendered:
    require(pdf.available(), "LibreOffice (soffice) is not installed: PDF can't be made")
    require(shutil.which("pdftoppm") is not None, "poppler-utils (pdftoppm) is not installed")
    target = folder / f"{name}.pdf"
    target.write_bytes(pdf.docx_to_pdf(docx))
    return _read_pdf(target, folder, name)


def _read_pdf(target: Path, folder: Path, name: str) -> Rendered:
    """Page sizes (pdfinfo), the text (pdftotext) and a PNG per page (pdftoppm)."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(target)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = [
        (round(float(w)), round(float(h)))
        for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", info)
    ]
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(target), str(folder / name)], check=True)
    return Rendered(pages, text, sorted(folder.glob(f"{name}*.png")))


def is_a4(size: tuple[int, int]) -> bool:
    return sorted(size) == sorted(A4_PORTRAIT)


def landscape(size: tuple[int, int]) -> bool:
    return size[0] > size[1]


def long_pack_docx(entries: int = 60) -> bytes:
    chronology = [
        ChronologyView(
            i,
            i,
            EntryInput(
                date(2025, 1, 1 + i % 28),
                DateCertainty.APPROXIMATELY if i % 3 == 0 else DateCertainty.ON,
                None,
                "Case record",
                f"Entry {i}: school raised concern about attendance " + "and home. " * 12,
                "Child K missed more school " * 5,
                None,
                i % 5 == 0,
                i % 7 == 0,
                "Not shared with health" if i % 7 == 0 else None,
                ("neglect",),
            ),
        )
        for i in range(1, entries + 1)
    ]
    police = ReturnContent(
        ret("Police"),
        {"learning_themes": ["neglect"], "what_worked_well": "Quick referral"},
        chronology,
    )
    built = build_pack(
        "LOS-2026-004",
        "Child K",
        [police, ReturnContent(ret("Health", ReturnStatus.IN_PROGRESS, rid=2), {}, [])],
    )
    return meeting_pack_docx(built, TODAY, partnership="Demo Safeguarding Partnership")


def test_the_pack_is_a4_with_the_chronology_in_landscape(tmp_path: Path) -> None:
    out = render(long_pack_docx(), tmp_path, "pack")
    assert all(is_a4(size) for size in out.pages), out.pages
    assert not landscape(out.pages[0]), "the title page is portrait"
    assert landscape(out.pages[1]), "the chronology starts on a landscape page"
    assert not landscape(out.pages[-1]), "themes and learning are portrait again"
    assert 4 <= len(out.pages) <= 20, len(out.pages)
    assert len(out.pngs) == len(out.pages)
    assert out.text.count("OFFICIAL-SENSITIVE") >= len(out.pages)
    assert f"Page 1 of {len(out.pages)}" in out.text
    assert f"Page {len(out.pages)} of {len(out.pages)}" in out.text
    assert "DRAFT" in out.text, "a return is outstanding, so the pack is a draft"
    assert "Demo Safeguarding Partnership" in out.text
    assert "Generated 26 November 2026" in out.text
    certainty = [line for line in out.text.splitlines() if "approximatel" in line]
    assert certainty, "approximate dates are in the chronology"
    assert all("approximately" in line for line in certainty), "'approximately' never wraps"
    column = [
        r.cells[1].text for r in chronology_table(Document(io.BytesIO(long_pack_docx()))).rows[1:]
    ]
    assert "on" not in column, "the stored code is never printed"
    assert "exact" in column
    text = " ".join(p.text for p in Document(io.BytesIO(long_pack_docx())).paragraphs)
    assert "group(s)" not in text


def test_wide_tables_repeat_headers_keep_rows_whole_and_fit_the_page() -> None:
    document = Document(io.BytesIO(long_pack_docx(5)))
    chronology = chronology_table(document)
    first = chronology.rows[0]._tr.trPr
    assert first.find(f"{W}tblHeader") is not None, "the header row repeats on every page"
    assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in chronology.rows)
    assert sum(CHRONOLOGY_WIDTHS) <= usable_width_cm(landscape=True)
    widths = [cell.width.cm for cell in chronology.rows[0].cells]
    assert widths[0] < 2.7 < 7.5 < widths[3], "the date is narrow, what happened is wide"
    approximate = [r.cells for r in chronology.rows if r.cells[1].text == "approximately"]
    assert approximate, "approximate dates are in the chronology"
    assert all(re.fullmatch(r"\d{1,2} \w{3} \d{4}", c[0].text) for c in approximate), (
        "the date alone: its certainty has a column of its own"
    )
    headers = [cell.text for cell in chronology.rows[0].cells]
    for name in ("Certainty", "Source", "Impact on the child", "Flags"):
        assert name in headers
    for section in document.sections:
        assert round(min(section.page_width.cm, section.page_height.cm), 1) == 21.0


def test_the_guide_and_summary_are_a4_portrait_and_marked(tmp_path: Path) -> None:
    parts = guide.draft("LOS-2026-004", "Child K", "Reason.", ["neglect"], ["Need"], [])
    final = guide_docx(
        "LOS-2026-004", "Child K", parts, TODAY, partnership="Demo Partnership", draft=False
    )
    out = render(final, tmp_path, "guide")
    assert all(is_a4(s) and not landscape(s) for s in out.pages), out.pages
    assert "OFFICIAL-SENSITIVE" in out.text
    assert "DRAFT" not in out.text, "a published guide carries no draft mark"
    out = render(summary_docx_sample(), tmp_path, "summary")
    assert all(is_a4(s) for s in out.pages), out.pages
    assert not landscape(out.pages[0])
    assert any(landscape(s) for s in out.pages), "the action table is on landscape pages"
    assert not landscape(out.pages[-1]), "the charts are portrait"
    assert 3 <= len(out.pages) <= 9
    assert f"Page 1 of {len(out.pages)}" in out.text
    assert "DRAFT" in out.text, "the review is not closed"
    text = " ".join(out.text.split())
    for shown in ("Demo Partnership", "LOS-2026-004", "Child K", "OFFICIAL-SENSITIVE"):
        assert shown in text, shown
    assert "generated 26 November 2026" in text
    assert "Neglect concerns over two years" in text, "the summary says why the review was held"
    rag = [line for line in out.text.splitlines() if "Cancelle" in line]
    assert rag, "cancelled items are in the action table"
    assert all("Cancelled" in line for line in rag), "'Cancelled' keeps to one line"


def summary_docx_sample() -> bytes:
    background = review(reason="Neglect concerns over two years.", period_under_review="2025")
    summary = build_summary(background, Access.FULL, records(5, 12), TODAY, DEFAULT_POLICY)
    trends = theme_trends([], [], year_period(2026)) or ()
    return summary_docx(summary, trends, TODAY, partnership="Demo Partnership")


def test_the_summary_tables_repeat_headers_keep_rows_whole_and_fit_the_page() -> None:
    """The issue saw a US Letter summary, action numbers wrapping ("A / 1") and the impact
    table's header split from its rows."""
    document = Document(io.BytesIO(summary_docx_sample()))
    for section in document.sections:
        assert round(min(section.page_width.cm, section.page_height.cm), 1) == 21.0, "A4"
        across = usable_width_cm(landscape=section.page_width > section.page_height)
        assert round(section.page_width.cm - section.left_margin.cm * 2, 1) == round(across, 1)
    headed = [t for t in document.tables if t.rows[0].cells[0].text == "No."]
    assert len(headed) == 2, "the action and impact tables"
    for found in document.tables[1:]:
        assert found.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None, "the header repeats"
    for found in document.tables:
        assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in found.rows)
    for found in headed:
        widths = [cell.width.cm for cell in found.rows[0].cells]
        assert sum(widths) <= usable_width_cm(landscape=True) + 0.01
        assert widths[0] >= 1.1, "'A10' on one line"
    actions = headed[0]
    assert [c.width.cm for c in actions.rows[0].cells][1] >= 2.4, "'Cancelled' on one line"
    facts = [row.cells[0].text for row in document.tables[0].rows]
    assert facts[:3] == ["Reference", "Why this review", "Period under review"], facts


MISSED = {"answer": "yes", "follow_up": "No follow-up visit"}


def test_the_pack_carries_every_section_episodes_marks_and_questions() -> None:
    long_answer = "Escalation was discussed at length. " * 60 + "THE END"
    police = ReturnContent(
        replace(ret("Police"), status=ReturnStatus.SUBMITTED),
        {
            "learning_themes": ["neglect", "information_sharing"],
            "what_worked_well": "Quick referral **as typed**",
            "escalation_detail": long_answer,
            "multi_agency_learning": "Share attendance data weekly",
            "child_seen": "yes",
        },
        [],
        {
            1: {
                "episode_what_happened": "Home visit, nobody in",
                "episode_missed_opportunity": {"answer": "yes", "follow_up": "No follow-up visit"},
            }
        },
    )
    health = ReturnContent(ret("Health", rid=2), {"learning_themes": ["neglect"]}, [])
    built = build_pack(
        "LOS-2026-004",
        "Child K",
        [police, health],
        background=Background("Neglect concerns over two years", "Jan 2024 to Mar 2026"),
    )
    document = Document(io.BytesIO(meeting_pack_docx(built, TODAY, partnership="Demo")))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for heading in (
        "Background and terms of reference",
        "Each agency's return",
        "Key practice episodes",
        "Escalation and professional challenge",
        "Lived experience of the child",
        "Proposed partnership learning",
        "Questions for the meeting",
    ):
        assert heading in text, heading
    assert "UNSIGNED: not yet signed off" in text
    order = text.index("Key practice episodes"), text.index("Lived experience of the child")
    assert order[0] < order[1], "the episodes where the return form asks for them"
    assert "Neglect concerns over two years" in cells
    assert "Jan 2024 to Mar 2026" in cells
    assert long_answer in cells, "a long answer is never cut"
    assert "No follow-up visit" in cells
    assert "Quick referral **as typed**" in text, "typed text as typed, no Markdown applied"
    assert "Share attendance data weekly" in text
    assert "Police's return is not yet signed off" in text
    learning = [g.theme for g in built.learning]
    assert "Neglect" in learning, learning
    assert "Information sharing" in learning, "learning is filed under every theme raised"


def test_the_tracker_prints_landscape_fitted_to_width_with_headers_repeated() -> None:
    from openpyxl import load_workbook

    from exports.tracker import tracker_xlsx
    from tests.unit.test_summary_exports import tracker

    sheet = load_workbook(io.BytesIO(tracker_xlsx(tracker(3))))["Tracker"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9, "A4"
    assert sheet.page_setup.fitToWidth == 4, "four pages wide: 27 columns on one were 3 pt"
    assert sheet.page_setup.fitToHeight == 0, "as many pages down as it takes"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.print_title_cols == "$D:$D", "the action reference on every page"
    assert sheet.print_area.endswith("$4"), sheet.print_area
    meeting = load_workbook(io.BytesIO(tracker_xlsx(tracker(3))))["For the meeting"]
    assert meeting.page_setup.fitToWidth == 1
    assert meeting.page_setup.orientation == "landscape"
    assert meeting.print_title_rows == "$1:$1"
    assert [c.value for c in meeting[1]][:3] == ["Action reference", "Theme", "SMART action"]
    heights = [sheet.row_dimensions[row].height for row in range(1, 5)]
    assert all(h is not None and h >= 15 for h in heights), heights
    assert "Page &P of &N" in sheet.oddFooter.center.text
    chasers = [c.value for c in sheet[1]].index("Chasers sent") + 1
    assert sheet.cell(2, chasers).alignment.vertical == "top", "numbers sit at the top too"
    data = load_workbook(io.BytesIO(tracker_xlsx(tracker(3))))["Chart data"]
    assert data.column_dimensions["A"].width >= 20
    assert data.column_dimensions["B"].width >= 14, "'In progress' fits its column"
    with zipfile.ZipFile(io.BytesIO(tracker_xlsx(tracker(3)))) as book:
        charts = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/charts/")]
    assert len(charts) == 2
    assert all('majorUnit val="1"' in c for c in charts), "whole-number gridlines, not 0.2"


def test_the_briefing_is_one_a4_page_of_seven_boxes(tmp_path: Path) -> None:
    parts = tuple(f"Box {i} text. " + "Practice detail and reflection. " * 19 for i in range(7))
    assert all(len(p) <= guide.BOX_FITS for p in parts)
    assert guide.too_long_for_one_page(parts) is None
    approval = guide.version_line(2, TODAY, guide.approver_label(is_lic_member=True))
    content = guide_docx(
        "LOS-2026-004", "Child K", parts, TODAY, partnership="Demo", draft=False, approval=approval
    )
    cells = [c.text for r in Document(io.BytesIO(content)).tables[0].rows for c in r.cells]
    assert len(cells) == 8
    for title in guide.PART_TITLES:
        assert any(c.startswith(title) for c in cells), title
    assert all(q in cells[7] for q in guide.STANDING_QUESTIONS)
    assert "Dissemination return" in cells[7]
    out = render(content, tmp_path, "briefing")
    assert len(out.pages) == 1, "the briefing is one page"
    assert is_a4(out.pages[0])
    assert not landscape(out.pages[0])
    assert "OFFICIAL-SENSITIVE" in out.text
    assert "Version 2, approved by the LIC group on" in " ".join(out.text.split())


FULL_BOX = "Box text. " + "Practice detail and reflection. " * 19


def marked_box_7(lines: list[str]) -> tuple[str, tuple[guide.DueDateChange, ...]]:
    """Box 7 of `lines`, every one naming an action item whose date moved a year."""
    changes = tuple(
        guide.DueDateChange(line, f"Action {n}", "September 2026", "September 2027", n)
        for n, line in enumerate(lines)
    )
    return "\n".join(lines), changes


@pytest.mark.parametrize(
    "lines",
    [
        # six long SMART lines, the briefing's usual box 7, every date moved
        [
            f"Action {n}: agencies review the escalation pathway, lead named, by September 2026"
            for n in range(1, 7)
        ],
        # thirteen short ones (the most the fit check lets through), every date moved
        [f"Action {n}: named lead, by September 2026" for n in range(1, 14)],
    ],
    ids=["six-long-lines", "thirteen-short-lines"],
)
def test_box_7_with_every_date_marked_stays_on_the_one_page(
    tmp_path: Path, lines: list[str]
) -> None:
    box_7, changes = marked_box_7(lines)
    parts = (FULL_BOX,) * 6 + (box_7,)
    assert guide.too_long_for_one_page(parts) is None, "the fit check lets this through"
    for draft in (True, False):
        content = guide_docx("LOS-2026-004", "Child K", parts, TODAY, draft=draft, changes=changes)
        out = render(content, tmp_path, f"marked-{draft}")
        assert len(out.pages) == 1, "the marks never push the briefing onto a second page"
        flat = " ".join(out.text.split())
        assert flat.count("\u21b3 now") == len(lines), "every changed line is marked"
        box_cell = Document(io.BytesIO(content)).tables[0].rows[3].cells[0].text
        assert all(line in box_cell for line in lines), "the words are kept as written"


def test_a_box_of_many_short_lines_is_named_as_too_long(tmp_path: Path) -> None:
    many = "\n".join(f"Point {n}." for n in range(1, 41))
    assert len(many) < guide.BOX_FITS, "short enough by characters"
    message = guide.too_long_for_one_page(("short", many) + ("short",) * 5)
    assert message is not None
    assert "2 · Why it matters (40 printed lines)" in message
    content = guide_docx("LOS-2026-004", "Child K", ("short", many) + ("short",) * 5, TODAY)
    assert len(render(content, tmp_path, "many").pages) == 2, "why it is refused"


def test_a_box_too_long_for_the_page_is_named() -> None:
    parts = ("short",) * 2 + ("x" * (guide.BOX_FITS + 1),) + ("short",) * 4
    message = guide.too_long_for_one_page(parts)
    assert message is not None
    assert "3 · Key learning" in message
    assert "1 · Background" not in message


def test_a_briefing_with_empty_boxes_keeps_seven_numbered_boxes_on_one_page(
    tmp_path: Path,
) -> None:
    parts = ("Background.", "Why it matters.", "Learning one.", "", " ", "Remember.", "Do.")
    for draft, empty in ((True, guide.EMPTY_DRAFT_BOX), (False, guide.EMPTY_PUBLISHED_BOX)):
        content = guide_docx("LOS-2026-004", "Child K", parts, TODAY, draft=draft)
        cells = [c.text for r in Document(io.BytesIO(content)).tables[0].rows for c in r.cells]
        titles = [c.splitlines()[0] for c in cells[:7]]
        assert titles == list(guide.PART_TITLES), titles
        assert [c.splitlines()[1] for c in cells[3:5]] == [empty, empty]
        out = render(content, tmp_path, f"briefing-{draft}")
        assert len(out.pages) == 1, "still the one page"
        assert all(f"{n} · " in out.text for n in range(1, 8)), "numbered 1 to 7, none skipped"


def print_tracker(lines: int, folder: Path, name: str) -> Rendered:
    """The tracker workbook printed by LibreOffice's Calc with its own page set-up."""
    from exports.tracker import tracker_xlsx
    from tests.unit.test_summary_exports import tracker

    require(pdf.spreadsheets_available(), "LibreOffice Calc (libreoffice-calc-nogui) is missing")
    require(shutil.which("pdftoppm") is not None, "poppler-utils (pdftoppm) is not installed")
    target = folder / f"{name}.pdf"
    target.write_bytes(pdf.xlsx_to_pdf(tracker_xlsx(tracker(lines))))
    return _read_pdf(target, folder, name)


READABLE_POINTS = 8.0  # a printed word's height; 27 columns fitted to one page were ~3


def test_the_tracker_prints_readably_with_a_one_page_meeting_view(tmp_path: Path) -> None:
    """It printed as 17 pages, then fitted to one page wide at about 25% (3 pt text). Now the
    meeting view prints three rows on one A4 landscape page, and the full tracker four pages
    wide with the action reference on each, both at about 8 pt."""
    out = print_tracker(3, tmp_path, "tracker")
    pages = _page_texts(tmp_path / "tracker.pdf", len(out.pages))
    full = [i for i, text in enumerate(pages) if "Action reference" in text]
    meeting = [i for i, text in enumerate(pages) if "Latest progress" in text]
    assert len(meeting) == 1, meeting
    assert full == [0, 1, 2, 3, *meeting], "the full tracker is four pages wide, then the view"
    for page in full:
        assert all(f"LOS-2026-004/A{n}" in pages[page] for n in (1, 2, 3)), page
        assert is_a4(out.pages[page])
        assert landscape(out.pages[page]), "the tracker prints landscape"
        assert _word_height(tmp_path / "tracker.pdf", page + 1) >= READABLE_POINTS
    assert "Success measure" in pages[1]
    assert "Escalation history" in pages[3]
    assert "Page 1 of" in pages[0]
    assert all(is_a4(size) for size in out.pages), out.pages
    assert len(out.pages) <= 9, "the chart data, charts and About print a page each, or so"
    assert len(out.pngs) == len(out.pages)


def _word_height(target: Path, page: int) -> float:
    """The commonest height of a word on the page, in points (pdftotext's boxes)."""
    boxes = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(target), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = [
        round(float(y2) - float(y1), 1)
        for y1, y2 in re.findall(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"', boxes)
    ]
    return max(set(heights), key=heights.count)


def test_a_long_tracker_repeats_its_header_row_on_every_page(tmp_path: Path) -> None:
    out = print_tracker(150, tmp_path, "long")
    pages = _page_texts(tmp_path / "long.pdf", len(out.pages))
    tracker_pages = [text for text in pages if "LOS-2026-004/A" in text]
    assert len(tracker_pages) >= 2, "150 rows run over more than one page"
    assert all("Action reference" in text for text in tracker_pages), "the header repeats"
    meeting = [text for text in tracker_pages if "Latest progress" in text]
    assert len(meeting) >= 2, "the meeting view runs over pages too, its header on each"


def _page_texts(target: Path, count: int) -> list[str]:
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(target), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]
