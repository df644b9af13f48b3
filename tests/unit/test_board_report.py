"""The quarterly board report's rules (quarters, the meeting-date counting basis, the one RAG
rule, lateness, the board's exceptions) and its document, rendered: A4 portrait, marked, page
x of y, every section, tables whose headers repeat."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain import board_report as br
from domain.action_state import action_rag
from domain.chasers import DEFAULT_POLICY, Rag
from domain.errors import InvalidInput
from domain.model import ActionStatus, ReviewStage
from domain.phrasing import quarter
from domain.summaries import EscalationLine, ImpactLine, ProgressLine, TrackerRecord
from exports.board_report import board_report_docx
from tests.unit.test_document_layout import is_a4, landscape, render
from tests.unit.test_summaries import action, review

TODAY = date(2026, 12, 4)
Q4 = quarter(2026, 4)


def test_quarters_are_read_and_future_ones_refused() -> None:
    assert br.parse_quarter("2026-Q4", TODAY) == Q4
    assert br.parse_quarter("q3 2026", TODAY) == quarter(2026, 3)
    assert br.parse_quarter("", TODAY) == Q4, "nothing means this quarter"
    with pytest.raises(InvalidInput, match="hasn't started"):
        br.parse_quarter("2027-Q1", TODAY)
    with pytest.raises(InvalidInput, match="like 2026-Q4"):
        br.parse_quarter("next week", TODAY)
    assert [p.key for p in br.previous_quarters(quarter(2026, 2), 4)] == [
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
    ]


def test_reviews_count_in_the_quarter_of_their_meeting_date() -> None:
    reviews = [
        review(id=1, opened_on=date(2026, 8, 1), meeting_on=date(2026, 10, 5)),
        review(id=2, opened_on=date(2026, 10, 1), meeting_on=date(2027, 1, 20)),  # not yet
        review(id=3, opened_on=date(2026, 6, 1), meeting_on=date(2026, 12, 3)),
        review(id=4, meeting_on=date(2026, 11, 1), stage=ReviewStage.CANCELLED),
        review(id=5, meeting_on=date(2026, 12, 20)),  # later this quarter: not held yet
    ]
    assert [r.id for r in br.held_in(reviews, Q4, TODAY)] == [1, 3]


def record(number: int, **changes: object) -> TrackerRecord:
    return TrackerRecord(action(number, **changes), (), None, ())


def test_rag_comes_from_the_one_rule() -> None:
    rows = [
        record(1, due_on=date(2026, 10, 1)),
        record(2, due_on=date(2027, 3, 1)),
        record(3, status=ActionStatus.CLOSED, impact_closed=True),
        record(4, status=ActionStatus.CANCELLED),
    ]
    counts = br.rag_counts(rows, TODAY, DEFAULT_POLICY)
    expected = [
        action_rag(r.action.status, r.action.effective_due, None, TODAY, DEFAULT_POLICY)
        for r in rows
    ]
    assert sum(counts.values()) == 4
    for rag in expected:
        assert counts[rag] >= 1
    assert counts[Rag.RED] == 1
    assert counts[None] == 1, "cancelled items are counted, unrated"


def test_late_items_in_working_days_by_agency_and_exceptions() -> None:
    escalated = EscalationLine(datetime(2026, 11, 2, tzinfo=UTC), "escalation", "lead", "sent")
    rows = [
        TrackerRecord(action(1, due_on=date(2026, 10, 1)), (), None, (escalated,)),
        record(2, due_on=date(2026, 12, 1), agency_name="Demo Health"),
        record(3, due_on=date(2026, 12, 31)),
        record(4, due_on=date(2026, 9, 1), status=ActionStatus.COMPLETED),
    ]
    late = br.late_actions(rows, TODAY, DEFAULT_POLICY)
    assert [x.reference for x in late] == ["LOS-2026-004/A2", "LOS-2026-004/A1"]
    assert late[0].days_late == 3
    assert late[1].days_late > br.LONG_LATE
    assert late[1].escalations == 1
    held = [
        br.HeldReview("LOS-2026-009", "Child Q", date(2026, 11, 2), ReviewStage.ANALYSIS, (), (), 0)
    ]
    found = br.exceptions(held, late, {Rag.RED: 2})
    assert any("more than 20 working days late: LOS-2026-004/A1" in f for f in found)
    assert any("no outcome published yet: LOS-2026-009" in f for f in found)
    assert br.exceptions([], [], {}) == ()


def done(on: date) -> tuple[ProgressLine, ...]:
    return (ProgressLine(datetime(on.year, on.month, on.day, 10, tzinfo=UTC), "completed", "x"),)


def test_on_time_counts_items_due_in_the_quarter_so_far() -> None:
    rows = [
        # due Sat 3 Oct, met on Mon 5 Oct: completed that Monday is on time
        TrackerRecord(action(1, due_on=date(2026, 10, 3)), done(date(2026, 10, 5)), None, ()),
        TrackerRecord(action(2, due_on=date(2026, 10, 30)), done(date(2026, 11, 9)), None, ()),
        record(3, due_on=date(2026, 11, 2)),  # due, not done: late
        record(4, due_on=date(2026, 12, 20)),  # later this quarter: not yet counted
        record(5, due_on=date(2026, 9, 30)),  # last quarter
        record(6, due_on=date(2026, 10, 9), status=ActionStatus.CANCELLED),
    ]
    assert br.on_time(rows, Q4, TODAY, DEFAULT_POLICY) == (1, 3)


def test_themes_are_compared_with_the_four_quarters_before() -> None:
    lines = br.theme_lines(
        [{"neglect": 2}, {}, {"neglect": 1}, {"domestic_abuse": 1}], {"neglect": 1}
    )
    assert next((t.label, t.this_quarter, t.before) for t in lines) == (
        "Neglect",
        1,
        (2, 0, 1, 0),
    )
    assert len(lines) == 2


def sample(final: bool = False, rows: int = 25) -> br.BoardReport:
    held = tuple(
        br.HeldReview(
            f"LOS-2026-{i:03d}",
            f"Child {chr(65 + i)}",
            date(2026, 10, 1 + i),
            ReviewStage.ACTIONS_OPEN,
            ("Neglect", "Information sharing between agencies", "Voice of the child"),
            (f"Learning need {i}: escalate attendance concerns sooner and share them.",),
            3,
        )
        for i in range(6)
    )
    late = tuple(
        br.LateAction(
            f"LOS-2026-{i:03d}/A{i}",
            "Audit twenty attendance referrals against the escalation pathway " * 2,
            ("Demo Police", "Demo Community Health")[i % 2],
            date(2026, 9, 1 + i),
            20 + i,
            i % 3,
        )
        for i in range(rows)
    )
    impact = ImpactLine(
        "LOS-2026-001/A1",
        "20 referrals audited",
        "18 of 20 met the standard",
        "Children referred four days sooner on average " * 2,
        "Re-audit",
        "close",
        "LIC 4",
        date(2026, 11, 20),
        datetime(2026, 11, 20, 12, tzinfo=UTC),
    )
    compared = br.previous_quarters(Q4, 4)
    return br.BoardReport(
        period=Q4,
        as_of=date(2027, 1, 5) if final else TODAY,
        scope_note="Every review in the partnership.",
        held=held,
        opened=4,
        themes=br.theme_lines(
            [{"neglect": 2}, {}, {"neglect": 1}, {"domestic_abuse": 1}], {"neglect": 4}
        ),
        compared=compared,
        rag_agreed={Rag.RED: 3, Rag.AMBER: 4, Rag.GREEN: 9, Rag.BLUE: 2, None: 0},
        rag_all={Rag.RED: 12, Rag.AMBER: 8, Rag.GREEN: 30, Rag.BLUE: 10, None: 1},
        impacts=(br.ImpactEntry("LOS-2026-001", impact),) * 3,
        impact_evidenced=(10, 14),
        on_time=(7, 9),
        overdue=late,
        escalations=7,
        exceptions=br.exceptions(held, late, {Rag.RED: 12}),
    )


def test_the_report_is_a4_portrait_marked_and_paged(tmp_path: Path) -> None:
    out = render(
        board_report_docx(sample(), TODAY, partnership="Demo Partnership"), tmp_path, "board"
    )
    assert 2 <= len(out.pages) <= 5, len(out.pages)
    assert all(is_a4(p) and not landscape(p) for p in out.pages)
    text = " ".join(out.text.split())
    assert "OFFICIAL-SENSITIVE" in text
    assert "DRAFT" in text, "the quarter is not over"
    assert f"Page 1 of {len(out.pages)}" in text
    for heading in ("The quarter at a glance", "Themes: this quarter against the four before"):
        assert heading in text
    assert "2025 Q4" in text
    assert "2026 Q3" in text
    assert "2027" not in text.split("Page")[0]
    final = render(board_report_docx(sample(final=True), TODAY), tmp_path, "final")
    assert "DRAFT" not in final.text


def test_an_empty_quarter_says_so() -> None:
    empty = replace(sample(rows=0), held=(), themes=(), impacts=(), exceptions=())
    content = board_report_docx(empty, TODAY)
    assert content.startswith(b"PK")
