"""The tracker XLSX and CSV and the summary DOCX, opened and read back: rows, every tracker
field, RAG fills, frozen header and filters, charts, and formula injection neutralised."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime

from docx import Document
from openpyxl import load_workbook

from cards.summaries import summary_card
from domain.action_history import HistoryEntry
from domain.chasers import DEFAULT_POLICY, Rag
from domain.model import ActionStatus
from domain.retention import HoldPlaced
from domain.summaries import (
    NO_THEMES,
    RATINGS,
    Access,
    EscalationLine,
    ImpactLine,
    ProgressLine,
    ThemeTally,
    Tracker,
    TrackerLine,
    TrackerRecord,
    build_summary,
    clock_facts,
    ratings_by_agency,
    split_note,
    theme_trends,
    year_period,
)
from exports.charts import RAG_FILLS, rag_by_agency_png, themes_over_time_png
from exports.summary_doc import summary_docx
from exports.tracker import (
    BAR_TITLE,
    COLUMNS,
    PRINT_COLUMNS,
    PRINT_SHEET,
    tracker_csv,
    tracker_xlsx,
)
from tests.unit.test_summaries import TODAY, action, records, review

PNG = b"\x89PNG\r\n\x1a\n"


def tracker(count: int = 8) -> Tracker:
    rags = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE, None]
    lines = []
    for i in range(1, count + 1):
        row = action(
            i,
            description='=HYPERLINK("http://evil")' if i == 2 else f"Action {i}",
            agency_name=("Police", "Health", "Education")[i % 3],
            status=list(ActionStatus)[i % 6],
            theme=("neglect", "domestic_abuse")[i % 2],
            agreed_on=date(2026, 1 + (i % 12), 5),
            revised_due_on=date(2026, 12, 31) if i == 3 else None,
            revised_due_reason="Waiting for the system" if i == 3 else None,
            evidence="Audit report" if i == 4 else None,
        )
        impact = (
            ImpactLine(
                row.reference,
                "20 audited",
                "18 of 20 good",
                "Sooner referrals",
                "Re-audit",
                "close",
                "LIC-7",
                date(2026, 5, 20),
                datetime(2026, 5, 20, tzinfo=UTC),
            )
            if i == 4
            else None
        )
        record = TrackerRecord(
            row,
            (
                ProgressLine(datetime(2026, 3, 1, tzinfo=UTC), "progress", "Started"),
                ProgressLine(datetime(2026, 4, 1, tzinfo=UTC), "progress", "@SUM(A1)"),
            ),
            impact,
            (EscalationLine(datetime(2026, 5, 2, tzinfo=UTC), "escalation", "agency_lead", "sent"),)
            if i == 1
            else (),
        )
        lines.append(TrackerLine(record, rags[i % len(rags)]))
    return Tracker(
        "Action tracker · LOS-2026-004 · Child K", "Every action item.", TODAY, tuple(lines)
    )


def test_the_xlsx_tracker_has_every_field_fills_filters_and_charts() -> None:
    built = tracker()
    book = load_workbook(io.BytesIO(tracker_xlsx(built)))
    assert book.sheetnames == ["Tracker", "For the meeting", "Chart data", "Charts", "About"]
    sheet = book["Tracker"]
    header = [c.value for c in sheet[1]]
    for field in (
        "Review reference",
        "Review type",
        "Theme",
        "Finding / learning statement",
        "SMART action",
        "Lead agency",
        "Owner",
        "Date agreed",
        "Target date",
        "Revised date",
        "Reason for revised date",
        "RAG",
        "Progress log (dated)",
        "Evidence of completion",
        "Impact: how much did we do?",
        "Impact: how well did we do it?",
        "Impact: is anyone better off?",
        "Impact evidence",
        "Escalation history",
        "LIC sign-off: meeting date",
        "LIC sign-off: decision",
        "LIC sign-off: minute reference",
    ):
        assert field in header, field
    assert sheet.max_row == 9, "a header and one row per action item"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(COLUMNS)).column_letter}9"
    column = {name: index + 1 for index, name in enumerate(header)}
    rag_cells = [sheet.cell(r, column["RAG"]) for r in range(2, 10)]
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in rag_cells}
    assert fills == {
        "Red": RAG_FILLS[Rag.RED][0],
        "Amber": RAG_FILLS[Rag.AMBER][0],
        "Green": RAG_FILLS[Rag.GREEN][0],
        "Blue": RAG_FILLS[Rag.BLUE][0],
        "Cancelled": RAG_FILLS[None][0],
    }
    row3 = {name: sheet.cell(4, index).value for name, index in column.items()}
    assert row3["Revised date"] == datetime(2026, 12, 31)
    assert row3["Reason for revised date"] == "Waiting for the system"
    row4 = {name: sheet.cell(5, index).value for name, index in column.items()}
    assert row4["Impact: is anyone better off?"] == "Sooner referrals"
    assert row4["LIC sign-off: minute reference"] == "LIC-7"
    assert row4["LIC sign-off: decision"] == "close"
    assert row4["Evidence of completion"] == "Audit report"
    row1 = {name: sheet.cell(2, index).value for name, index in column.items()}
    assert "2026-05-02 escalation to agency lead (sent)" in row1["Escalation history"]
    assert row1["Progress log (dated)"].startswith("2026-03-01 progress: Started")
    formula = sheet.cell(3, column["SMART action"])
    assert formula.data_type == "s", "text that looks like a formula stays text"
    assert len(book["Charts"]._charts) == 2
    with zipfile.ZipFile(io.BytesIO(tracker_xlsx(built))) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        xml = "".join(archive.read(n).decode() for n in charts)
    assert BAR_TITLE in xml
    assert "Themes over time" in xml


def test_an_empty_tracker_still_opens() -> None:
    book = load_workbook(io.BytesIO(tracker_xlsx(tracker(0))))
    assert book["Tracker"].max_row == 1
    assert book["About"]["B4"].value == 0


def test_the_csv_tracker_neutralises_formulas() -> None:
    text = tracker_csv(tracker()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [name for name, _, _ in COLUMNS]
    assert len(rows) == 9
    smart = rows[0].index("SMART action")
    assert rows[2][smart].startswith("'="), rows[2][smart]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_docx_summary_has_tables_shading_and_charts() -> None:
    summary = build_summary(review(), Access.FULL, records(5, 12), TODAY, DEFAULT_POLICY)
    trends = theme_trends([ThemeTally("neglect", 2026, 2, 1)], [], year_period(2026), TODAY)
    content = summary_docx(summary, trends, TODAY)
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in (
        "Agency returns",
        "Agreed learning",
        "Action items",
        "Impact recorded",
        "7-minute briefing",
        "Charts",
    ):
        assert heading in text
    actions = next(t for t in document.tables if t.rows[0].cells[1].text == "RAG")
    assert len(actions.rows) == 13
    shading = {
        row.cells[1].text: row.cells[1]
        ._tc.tcPr.xpath("./w:shd")[0]
        .get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill")
        for row in list(actions.rows)[1:]
    }
    assert shading["Red"] == RAG_FILLS[Rag.RED][0]
    assert shading["Blue"] == RAG_FILLS[Rag.BLUE][0]
    assert len(document.inline_shapes) == 2, "two charts"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert len(images) == 2
        assert all(archive.read(n).startswith(PNG) for n in images)


def test_a_summary_with_no_themes_says_so_in_words_not_an_empty_chart() -> None:
    summary = build_summary(review(), Access.FULL, records(5, 12), TODAY, DEFAULT_POLICY)
    assert theme_trends([], [], year_period(2026), TODAY) == ()
    document = Document(io.BytesIO(summary_docx(summary, (), TODAY)))
    assert NO_THEMES in [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 1, "the status chart alone"


def test_charts_render_as_png() -> None:
    ratings = [(Rag.RED, "Red"), (Rag.BLUE, "Blue"), (None, "Cancelled")]
    bars = rag_by_agency_png(
        [("Police", {Rag.RED: 3, Rag.BLUE: 2}), ("Health", {None: 1})], ratings
    )
    assert bars.startswith(PNG)
    trend = theme_trends([], [], year_period(2026))
    assert themes_over_time_png(trend, "Themes").startswith(PNG)
    assert rag_by_agency_png([], ratings).startswith(PNG)


def test_the_tracker_s_latest_progress_is_the_summary_s_latest_word() -> None:
    """The review: "Latest progress" kept its own rule (the last progress line, "2026-12-07
    chair amend: …"), so after a chair's decision the tracker and the summary could name
    different latest words. It is the summary's (`action_history.latest`), who and when."""
    amended = HistoryEntry(
        datetime(2026, 12, 7, 10, tzinfo=UTC), "chair_amend", "Scope agreed", by="Chair Person"
    )
    row = action(1, description="Audit 20 call-outs", latest=amended)
    logged = (
        ProgressLine(datetime(2026, 12, 1, tzinfo=UTC), "progress", "Audit started"),
        ProgressLine(datetime(2026, 12, 7, 10, tzinfo=UTC), "chair_amend", "Scope agreed"),
    )
    unsaid = action(2, description="Brief the officers", latest=None)
    built = Tracker(
        "Action tracker",
        "Every action item.",
        TODAY,
        (
            TrackerLine(TrackerRecord(row, logged, None, ()), Rag.GREEN),
            TrackerLine(TrackerRecord(unsaid, (), None, ()), Rag.GREEN),
        ),
    )
    sheet = load_workbook(io.BytesIO(tracker_xlsx(built)))[PRINT_SHEET]
    column = [name for name, _ in PRINT_COLUMNS].index("Latest progress") + 1
    said = "Decided by the chair: Amended: Scope agreed (Chair Person, Mon 7 Dec 2026)"
    assert sheet.cell(2, column).value == said
    assert said == row.latest_said(), "as the summary card says it after 'Latest: '"
    assert sheet.cell(3, column).value in ("", None), "no history, no latest word"
    # The full sheet's dated log is the record, as it was.
    full = load_workbook(io.BytesIO(tracker_xlsx(built)))["Tracker"]
    log = [c.value for c in full[1]].index("Progress log (dated)") + 1
    assert full.cell(2, log).value.endswith("2026-12-07 chair amend: Scope agreed")


def test_a_held_review_s_summary_says_so_on_the_card_and_in_word() -> None:
    """walk8: the summary said nothing of a legal hold. It says when it was placed and why;
    a reader of their own part only that it is held."""
    placed = HoldPlaced("Review Chair", datetime(2026, 6, 1, 23, 30, tzinfo=UTC), "Civil claim")
    full = replace(
        build_summary(review(), Access.FULL, records(2, 2), TODAY, DEFAULT_POLICY),
        legal_hold=True,
        hold=placed,
    )
    line = "On legal hold since Tue 2 Jun 2026 (Civil claim)"  # 00:30 on the 2nd in London
    assert ("Legal hold", line) in clock_facts(full)
    card = json.dumps(summary_card(full), ensure_ascii=False)
    assert line in card
    document = Document(io.BytesIO(summary_docx(full, (), TODAY)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert line in cells
    own = replace(full, access=Access.OWN)
    assert ("Legal hold", "On legal hold since Tue 2 Jun 2026") in clock_facts(own)
    unknown = replace(full, hold=None)
    assert ("Legal hold", "On legal hold (when and why is not on the audit trail)") in (
        clock_facts(unknown)
    )
    unheld = build_summary(review(), Access.FULL, records(2, 2), TODAY, DEFAULT_POLICY)
    assert all(title != "Legal hold" for title, _ in clock_facts(unheld))


def test_a_lifted_hold_is_said_on_the_summary_with_who_when_and_why() -> None:
    """A lifted hold's reason was on the audit trail only: the summary, card and Word, says
    it was lifted, by whom, when and why; a reader of their own part only when."""
    lifted = HoldPlaced("Alex Wilber", datetime(2026, 6, 3, 9, 0, tzinfo=UTC), "Claim settled")
    full = replace(
        build_summary(review(), Access.FULL, records(2, 2), TODAY, DEFAULT_POLICY), lifted=lifted
    )
    line = "Lifted on Wed 3 Jun 2026 by Alex Wilber (Claim settled)"
    assert ("Legal hold", line) in clock_facts(full)
    assert line in json.dumps(summary_card(full), ensure_ascii=False)
    document = Document(io.BytesIO(summary_docx(full, (), TODAY)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert line in cells
    own = replace(full, access=Access.OWN)
    assert ("Legal hold", "Lifted on Wed 3 Jun 2026") in clock_facts(own)
    # Held again: the hold in force is what it says.
    again = replace(full, legal_hold=True, hold=lifted)
    assert not any(v.startswith("Lifted") for _, v in clock_facts(again))


def _colours(png: bytes) -> set[str]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    return {f"{r:02X}{g:02X}{b:02X}" for _, (r, g, b) in pixels}


def test_the_word_summary_s_chart_colours_the_rag_its_table_shades() -> None:
    """walk10: the chart coloured each item's status (completed green, blocked red) where the
    table beside it shaded its RAG, so a green bar could be a red row. Now both by RAG, the
    chart in the table's fills, with a legend in the table's words."""
    summary = build_summary(review(), Access.FULL, records(5, 12), TODAY, DEFAULT_POLICY)
    document = Document(io.BytesIO(summary_docx(summary, (), TODAY)))
    shaded = {}
    rag_table = next(t for t in document.tables if t.rows[0].cells[1].text == "RAG")
    for row in rag_table.rows[1:]:
        cell = row.cells[1]
        fill = cell._tc.tcPr.xpath("./w:shd")[0].get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill"
        )
        shaded[cell.text] = fill.upper()
    [chart] = [
        rel.target_part.blob
        for rel in document.part.rels.values()
        if "image" in rel.reltype and rel.target_part.blob.startswith(PNG)
    ]
    drawn = _colours(chart)
    for word, fill in shaded.items():
        if word != "Split":
            assert fill in drawn, f"the table's {word} ({fill}) is not in the chart"
    counts = {rag: sum(c.get(rag, 0) for _, c in summary.rag_by_agency) for rag in RAG_FILLS}
    assert counts == summary.rag_counts, "the chart counts what the summary's line counts"
    assert sum(counts.values()) == len(summary.actions) - summary.split_count


def _bar_series(content: bytes) -> list[tuple[str, str, str]]:
    """The XLSX tracker's bar chart's series: (the header cell it is named by, its fill, its
    outline), in order."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        [bar] = [
            archive.read(n).decode()
            for n in archive.namelist()
            if n.startswith("xl/charts/chart") and "barChart" in archive.read(n).decode()
        ]
    assert BAR_TITLE in bar
    series = re.findall(
        r"<ser>.*?<f>'Chart data'!([A-Z]+1)</f>.*?<a:solidFill[^>]*><a:srgbClr val=\"(\w+)\"/>"
        r".*?<a:ln[^>]*><a:solidFill><a:srgbClr val=\"(\w+)\"/>",
        bar,
    )
    return [(cell, fill, line) for cell, fill, line in series]


def test_the_xlsx_tracker_s_chart_colours_the_rag_its_rag_column_shades() -> None:
    """The Word summary's chart was mended to colour by RAG (walk10); the tracker's own chart
    still coloured each item's status beside a RAG column. Now each bar is a RAG rating, in the
    fill and text colour the Tracker sheet's RAG cells have, named in the column's words (the
    legend), counting what `ratings_by_agency` counts (the Word chart's one rule), the split
    item left out and said so."""
    built = tracker(14)
    first = built.lines[0]
    split = replace(first.action, status=ActionStatus.SPLIT)
    lines = (replace(first, record=replace(first.record, action=split), rag=None), *built.lines[1:])
    content = tracker_xlsx(replace(built, lines=lines))
    book = load_workbook(io.BytesIO(content))

    sheet = book["Tracker"]
    rag_column = [c.value for c in sheet[1]].index("RAG") + 1
    shaded = {
        sheet.cell(row, rag_column).value: (
            sheet.cell(row, rag_column).fill.fgColor.rgb[-6:],
            sheet.cell(row, rag_column).font.color.rgb[-6:],
        )
        for row in range(2, sheet.max_row + 1)
    }
    data = book["Chart data"]
    header = [c.value for c in data[1]]
    drawn = {data[cell].value: (fill, line) for cell, fill, line in _bar_series(content)}
    assert list(drawn) == ["Red", "Amber", "Green", "Blue", "Cancelled"], "the legend's words"
    for word, colours in drawn.items():
        assert colours == shaded[word], f"{word}: the bar is not the RAG column's colours"
    assert "Split" in shaded
    assert "Split" not in drawn

    expected = ratings_by_agency((line.action, line.rag) for line in lines)
    rows = [r for r in data.iter_rows(min_row=2, values_only=True) if r[0]]
    words = {word: rag for rag, word in RATINGS}
    for name, counts in expected:
        row = next(r for r in rows if r[0] == name)
        assert {w: row[header.index(w)] for w in drawn} == {
            w: counts.get(words[w], 0) for w in drawn
        }
    assert split_note(1) in [r[0] for r in rows], "the split item is said to be left out"
    printed = [c for row in book["Charts"].iter_rows(values_only=True) for c in row if c]
    assert printed == [split_note(1)], "and said so under the chart, on the printed sheet"
    assert sum(sum(c.values()) for _, c in expected) == len(lines) - 1


def test_both_charts_by_rag_count_with_one_rule() -> None:
    """The Word summary's chart counts each item the table shows once, by the RAG the table
    shades it, under its agency (review12a: compared with its own definition, this test could
    not fail)."""
    summary = build_summary(review(), Access.FULL, records(5, 12), TODAY, DEFAULT_POLICY)
    shown = [a for a in summary.actions if a.row.status is not ActionStatus.SPLIT]
    assert shown
    for agency, counts in summary.rag_by_agency:
        mine = [a for a in shown if (a.row.agency_name or "No lead agency") == agency]
        assert counts == {rag: sum(a.rag == rag for a in mine) for rag in {a.rag for a in mine}}
    assert sum(sum(c.values()) for _, c in summary.rag_by_agency) == len(shown)
