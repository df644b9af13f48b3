"""The quarterly board report's rules (quarters, the meeting-date counting basis, the one RAG
rule, lateness, the board's exceptions) and its document, rendered: A4 portrait, marked, page
x of y, every section, tables whose headers repeat."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from cards.summaries import board_report_card
from domain import board_report as br
from domain.action_state import action_rag
from domain.chasers import DEFAULT_POLICY, Rag
from domain.errors import InvalidInput
from domain.model import ActionStatus, ReturnStatus, ReviewStage
from domain.phrasing import quarter
from domain.summaries import EscalationLine, ImpactLine, ProgressLine, ReturnDates, TrackerRecord
from exports.board_report import board_report_docx, returns_basis
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


def test_a_planned_day_passing_is_not_a_meeting_held() -> None:
    """Walk finding: two reviews still in pre-analysis were counted "held" (and "held but no
    outcome published") because their planned day had passed. A meeting is held once the
    outcome records its day, or the review has gone past it; a slipped one is named apart."""
    slipped = review(
        id=1, reference="LOS-2026-001", meeting_on=date(2026, 11, 2), stage=ReviewStage.PRE_ANALYSIS
    )
    awaiting = review(
        id=2, reference="LOS-2026-002", meeting_on=date(2026, 11, 9), stage=ReviewStage.MEETING
    )
    recorded = review(
        id=3, reference="LOS-2026-003", meeting_on=date(2026, 11, 16), stage=ReviewStage.MEETING
    )
    published = review(id=4, reference="LOS-2026-004", meeting_on=date(2026, 11, 23))
    cancelled = review(id=5, meeting_on=date(2026, 11, 3), stage=ReviewStage.CANCELLED)
    coming = review(id=6, meeting_on=TODAY, stage=ReviewStage.PRE_ANALYSIS)
    reviews = [slipped, awaiting, recorded, published, cancelled, coming]
    held = br.held_in(reviews, Q4, TODAY, recorded={3, 5})  # 5 was cancelled after its meeting
    assert [r.id for r in held] == [3, 4]
    unheld = br.unheld_meetings(reviews, TODAY, recorded={3})
    assert [u.reference for u in unheld] == ["LOS-2026-001", "LOS-2026-002"]
    [line] = br.exceptions([], [], {}, unheld)
    assert line.startswith("Meeting day passed with no meeting recorded: LOS-2026-001 (planned ")
    assert "stage: Pre-analysis" in line


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
        TrackerRecord(
            action(1, due_on=date(2026, 10, 3), status=ActionStatus.COMPLETED),
            done(date(2026, 10, 5)),
            None,
            (),
        ),
        TrackerRecord(
            action(2, due_on=date(2026, 10, 30), status=ActionStatus.COMPLETED),
            done(date(2026, 11, 9)),
            None,
            (),
        ),
        record(3, due_on=date(2026, 11, 2)),  # due, not done: late
        record(4, due_on=date(2026, 12, 20)),  # later this quarter: not yet counted
        record(5, due_on=date(2026, 9, 30)),  # last quarter
        record(6, due_on=date(2026, 10, 9), status=ActionStatus.CANCELLED),
    ]
    assert br.on_time(rows, Q4, TODAY, DEFAULT_POLICY) == br.DeliveredOnTime(1, 3, 1)


def test_an_item_delivered_early_counts_as_on_time() -> None:
    """Walk finding (M8): LOS-2026-004/A2, due Thu 10 Dec and delivered on Mon 7 Dec, counted
    nowhere while the board read "due in the quarter delivered on time: 0 of 1 (0%)"."""
    today = date(2026, 12, 7)
    rows = [
        record(3, due_on=date(2026, 11, 30)),  # A3: due, not done: late
        TrackerRecord(
            action(2, due_on=date(2026, 12, 10), status=ActionStatus.COMPLETED),
            done(today),
            None,
            (),
        ),
    ]
    measure = br.on_time(rows, Q4, today, DEFAULT_POLICY)
    assert measure == br.DeliveredOnTime(met=1, counted=2, pending_later=0)
    assert measure.figure == "1 of 2 (50%)"
    assert measure.label == "Action items due in the quarter delivered on time"
    assert measure.basis == ""


def test_the_label_says_so_far_when_items_due_later_are_left_out() -> None:
    rows = [
        TrackerRecord(
            action(1, due_on=date(2026, 10, 5), status=ActionStatus.COMPLETED),
            done(date(2026, 10, 5)),
            None,
            (),
        ),
        record(2, due_on=date(2026, 12, 20)),  # later this quarter, still being worked on
        record(3, due_on=date(2026, 12, 21)),
    ]
    measure = br.on_time(rows, Q4, TODAY, DEFAULT_POLICY)
    assert measure == br.DeliveredOnTime(met=1, counted=1, pending_later=2)
    assert "so far" in measure.label
    assert "delivered early" in measure.label
    assert measure.basis == (
        "Action items: 2 items due later in the quarter and not yet delivered are counted "
        "once due or delivered."
    )
    # The quarter over, nothing is "later": the same items are due, and late.
    after = br.on_time(rows, Q4, date(2027, 1, 4), DEFAULT_POLICY)
    assert after == br.DeliveredOnTime(met=1, counted=3, pending_later=0)
    assert after.label == "Action items due in the quarter delivered on time"


def test_an_item_marked_complete_and_taken_back_into_work_is_not_delivered() -> None:
    """review13a: due 20 Dec, marked complete on 1 Dec, then kept open by the LIC group: it
    read "1 of 1 (100%)" delivered on time. It is in hand again, so not yet counted; one due
    already and back in hand is due and not delivered; one completed again late is late."""
    today = date(2026, 12, 7)
    reopened = TrackerRecord(
        action(1, due_on=date(2026, 12, 20), status=ActionStatus.IN_PROGRESS),
        done(date(2026, 12, 1)),
        None,
        (),
    )
    assert br.on_time([reopened], Q4, today, DEFAULT_POLICY) == br.DeliveredOnTime(0, 0, 1)
    due_back = TrackerRecord(
        action(2, due_on=date(2026, 11, 20), status=ActionStatus.OPEN),
        done(date(2026, 11, 2)),
        None,
        (),
    )
    assert br.on_time([due_back], Q4, today, DEFAULT_POLICY) == br.DeliveredOnTime(0, 1, 0)
    again_late = TrackerRecord(
        action(3, due_on=date(2026, 11, 20), status=ActionStatus.COMPLETED),
        done(date(2026, 11, 2)) + done(date(2026, 12, 2)),
        None,
        (),
    )
    assert br.on_time([again_late], Q4, today, DEFAULT_POLICY) == br.DeliveredOnTime(0, 1, 0)


def test_an_item_due_in_another_quarter_is_not_counted_here() -> None:
    rows = [
        # due next quarter, delivered in this one: next quarter's measure counts it
        TrackerRecord(
            action(1, due_on=date(2027, 1, 15), status=ActionStatus.COMPLETED),
            done(date(2026, 11, 2)),
            None,
            (),
        ),
        # due last quarter, delivered (late) in this one: last quarter's
        TrackerRecord(
            action(2, due_on=date(2026, 9, 15), status=ActionStatus.COMPLETED),
            done(date(2026, 10, 2)),
            None,
            (),
        ),
        # due later this quarter, delivered before it began: early, so on time
        TrackerRecord(
            action(3, due_on=date(2026, 12, 15), status=ActionStatus.COMPLETED),
            done(date(2026, 9, 28)),
            None,
            (),
        ),
    ]
    assert br.on_time(rows, Q4, TODAY, DEFAULT_POLICY) == br.DeliveredOnTime(1, 1, 0)


@given(
    dues=st.lists(
        st.tuples(
            st.dates(date(2026, 9, 1), date(2027, 1, 31)),
            st.none() | st.integers(-40, 40),  # delivered this many days after its due date
        ),
        max_size=8,
    ),
    today=st.dates(date(2026, 10, 1), date(2027, 1, 31)),
)
def test_every_item_due_in_the_quarter_is_counted_or_said_to_be_left_out(
    dues: list[tuple[date, int | None]], today: date
) -> None:
    rows = []
    for number, (due, after) in enumerate(dues, start=1):
        on = due + timedelta(days=after) if after is not None else None
        progress = done(on) if on is not None and on <= today else ()
        status = ActionStatus.COMPLETED if progress else ActionStatus.OPEN
        rows.append(TrackerRecord(action(number, due_on=due, status=status), progress, None, ()))
    measure = br.on_time(rows, Q4, today, DEFAULT_POLICY)
    in_quarter = [r for r in rows if Q4.start <= (r.action.due_on or Q4.start) <= Q4.end]
    assert measure.counted + measure.pending_later == len(in_quarter)
    assert 0 <= measure.met <= measure.counted
    assert (measure.pending_later == 0) == ("so far" not in measure.label)
    if today > Q4.end:
        assert measure.pending_later == 0
    # Each item delivered ahead of a date still to come is on time.
    early = [r for r in in_quarter if r.progress and (r.action.due_on or today) > today]
    assert measure.met >= len(early)


def returned(status: ReturnStatus, due: date | None, submitted: date | None = None) -> ReturnDates:
    # Submitted at noon UTC: the same day in the partnership's time zone.
    at = datetime.combine(submitted, time(12), tzinfo=UTC) if submitted else None
    return ReturnDates(1, "Demo Police", status, due, at)


def test_returns_on_time_by_each_due_date_as_extended() -> None:
    rows = [
        returned(ReturnStatus.SIGNED_OFF, date(2026, 10, 9), date(2026, 10, 9)),  # on the day
        returned(ReturnStatus.SUBMITTED, date(2026, 11, 20), date(2026, 11, 2)),  # early
        # extended to 30 Nov: in on 25 Nov is on time against the date as extended
        returned(ReturnStatus.SIGNED_OFF, date(2026, 11, 30), date(2026, 11, 25)),
        returned(ReturnStatus.RETURNED, date(2026, 10, 16), date(2026, 10, 19)),  # late
        returned(ReturnStatus.IN_PROGRESS, date(2026, 11, 13)),  # past due, not in
        returned(ReturnStatus.PROCEEDED_WITHOUT, date(2026, 11, 6)),
        returned(ReturnStatus.NIL, date(2026, 11, 6)),
        returned(ReturnStatus.NIL_PENDING, date(2026, 11, 6)),
        returned(ReturnStatus.NOT_STARTED, TODAY),  # due today: not late until tomorrow
        returned(ReturnStatus.NOT_STARTED, date(2026, 12, 18)),  # later this quarter
        returned(ReturnStatus.SIGNED_OFF, date(2026, 9, 30), date(2026, 10, 5)),  # last quarter
        returned(ReturnStatus.SIGNED_OFF, None, date(2026, 10, 5)),  # no due date: can't be late
    ]
    # 23:30 UTC on 4 Nov is 23:30 in London (GMT): still the due day; in summer (BST) the
    # same clock time is the next day, so local dates decide.
    rows.append(
        ReturnDates(2, "Demo Health", ReturnStatus.SUBMITTED, date(2026, 11, 4),
                    datetime(2026, 11, 4, 23, 30, tzinfo=UTC))
    )  # fmt: skip
    counts = br.returns_on_time(rows, Q4, TODAY, DEFAULT_POLICY)
    expected = br.ReturnsOnTime(on_time=4, late=1, overdue=1, proceeded_without=1, nil=2)
    assert counts == expected, counts
    assert counts.counted == 7
    assert br.percent(counts.on_time, counts.counted) == "57%"
    summer = ReturnDates(3, "Demo Police", ReturnStatus.SUBMITTED, date(2026, 8, 4),
                         datetime(2026, 8, 4, 23, 30, tzinfo=UTC))  # fmt: skip
    late = br.returns_on_time([summer], quarter(2026, 3), TODAY, DEFAULT_POLICY)
    assert late.late == 1, "00:30 on 5 Aug in London: a day late"
    said = returns_basis(counts)
    assert "4 on time, 1 late, 1 past due and not yet in, 1 proceeded without" in said
    assert "counted as not on time" in said
    assert "2 nil returns (no involvement) are not counted" in said
    assert br.returns_on_time([], Q4, TODAY, DEFAULT_POLICY).counted == 0
    assert br.percent(0, 0) == "none yet"


def test_the_chart_never_shows_a_future_quarter_and_starts_with_the_partnership() -> None:
    assert [q.key for q in br.charted_quarters(Q4, date(2020, 1, 1))] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert [q.key for q in br.charted_quarters(Q4, date(2026, 8, 14))] == ["2026-Q3", "2026-Q4"]
    assert br.charted_quarters(Q4, date(2026, 11, 1)) == (Q4,)
    assert br.charted_quarters(Q4, None) == (Q4,), "no review yet: this quarter alone"
    q2 = quarter(2026, 2)
    assert br.charted_quarters(q2, date(2020, 1, 1))[-1] == q2, "never a quarter after it"


def test_the_trend_counts_items_agreed_by_the_quarter_of_their_meeting() -> None:
    reviews = [
        review(id=1, opened_on=date(2026, 5, 1), meeting_on=date(2026, 8, 5)),
        review(id=2, opened_on=date(2026, 9, 1), meeting_on=date(2026, 10, 5)),
        review(id=3, opened_on=date(2026, 10, 1), meeting_on=date(2027, 1, 20)),  # not yet
    ]
    rows = [
        record(1, review_id=1, due_on=date(2026, 10, 1)),  # red by now
        record(2, review_id=2, status=ActionStatus.CLOSED, impact_closed=True),
        record(3, review_id=2, due_on=date(2027, 3, 1)),
        record(4, review_id=3, due_on=date(2027, 3, 1)),  # its meeting is to come
    ]
    bars = br.trend(reviews, rows, Q4, TODAY, DEFAULT_POLICY)
    assert [(b.period.key, b.reviews, sum(b.rag.values())) for b in bars] == [
        ("2026-Q2", 0, 0),
        ("2026-Q3", 1, 1),
        ("2026-Q4", 1, 2),
    ]
    assert bars[1].rag[Rag.RED] == 1
    assert bars[2].rag[Rag.BLUE] == 1


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
        on_time=br.DeliveredOnTime(7, 9, 2),
        overdue=late,
        escalations=7,
        exceptions=br.exceptions(held, late, {Rag.RED: 12}),
        returns=br.ReturnsOnTime(on_time=9, late=2, overdue=1, proceeded_without=1, nil=2),
        trend=tuple(
            br.QuarterBar(q, n, {Rag.RED: n, Rag.AMBER: 1, Rag.GREEN: 2 * n, Rag.BLUE: n})
            for n, q in enumerate((*compared[1:], Q4), start=1)
        ),
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
    title = next(line for line in out.text.splitlines() if "Quarterly board report" in line)
    assert "DRAFT" in title, "the title keeps its DRAFT mark on its one line"
    # The overdue table's rows: each starts on the line that has its due date.
    rows = [line for line in out.text.splitlines() if re.search(r"\d Sep 2026", line)]
    references = [r for line in rows for r in re.findall(r"LOS-\d{4}-\d{3}/\S*", line)]
    assert any(r.endswith("/A10") for r in references), "two-digit item numbers are listed"
    assert all(re.fullmatch(r"LOS-\d{4}-\d{3}/A\d+", r) for r in references), references
    assert f"Page 1 of {len(out.pages)}" in text
    for heading in ("The quarter at a glance", "Themes: this quarter against the four before"):
        assert heading in text
    assert "2025 Q4" in text
    assert "2026 Q3" in text
    assert "2027" not in text.split("Page")[0]
    # The measure says what it counts, and what it leaves out until due or delivered (M8).
    document = Document(io.BytesIO(board_report_docx(sample(), TODAY)))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert [
        "Action items due in the quarter so far, or delivered early, delivered on time",
        "7 of 9 (78%)",
    ] in cells
    assert "2 items due later in the quarter and not yet delivered are counted" in text
    final = render(board_report_docx(sample(final=True), TODAY), tmp_path, "final")
    assert "DRAFT" not in final.text


def test_an_empty_quarter_says_so() -> None:
    empty = replace(sample(rows=0), held=(), themes=(), impacts=(), exceptions=())
    content = board_report_docx(empty, TODAY)
    assert content.startswith(b"PK")
    # A new partnership: one quarter, nothing agreed yet. The chart still draws, and says so.
    first = replace(
        empty, trend=(br.QuarterBar(Q4, 0, dict.fromkeys((r for r, _ in br.RAG_COLUMNS), 0)),)
    )
    document = Document(io.BytesIO(board_report_docx(first, TODAY)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Only 1 quarter: none before the partnership's first review." in text
    assert len(document.inline_shapes) == 1, "the chart"


def _lic(reference: str, decision: str, day: date) -> ImpactLine:
    at = datetime.combine(day, time(12), tzinfo=UTC)
    return ImpactLine(reference, "Audit", "Well", "Not yet", None, decision, None, None, at)


def test_lic_escalations_count_as_escalations_and_records_are_told_from_items() -> None:
    """The walk-through: the LIC group escalated A2 and kept A3 open then closed it in the
    quarter. The report said "Escalations 0" (only reminders counted) and "Impact records 4"
    (items with a record, not the 5 records made)."""
    a3 = (
        _lic("LOS-2026-005/A3", "keep_open", date(2026, 11, 2)),
        _lic("LOS-2026-005/A3", "close", date(2026, 12, 1)),
    )
    a2 = _lic("LOS-2026-005/A2", "escalate", date(2026, 11, 3))
    old = _lic("LOS-2026-005/A1", "escalate", date(2026, 9, 30))  # last quarter
    rows = [
        TrackerRecord(action(1, due_on=date(2026, 10, 1)), (), old, (), impact_history=(old,)),
        TrackerRecord(action(2, due_on=date(2026, 10, 2)), (), a2, (), impact_history=(a2,)),
        TrackerRecord(action(3), (), a3[-1], (), impact_history=a3),
        # Built without a history (as before): its one record still counts.
        TrackerRecord(action(4), (), _lic("LOS-2026-005/A4", "keep_open", TODAY), ()),
    ]
    found = br.impacts_in(rows, Q4)
    assert [(e.line.action_reference[-2:], e.line.decision) for e in found] == [
        ("A3", "keep_open"),
        ("A2", "escalate"),
        ("A3", "close"),
        ("A4", "keep_open"),
    ]
    report = replace(sample(), impacts=found, lic_escalations=1, escalations=0)
    assert report.impact_records_words == "4 records on 3 action items"
    assert [x.escalations for x in br.late_actions(rows[:2], TODAY, DEFAULT_POLICY)] == [1, 1]
    card = board_report_card(report)
    shown = {
        f["title"]: f["value"] for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]
    }
    assert shown["Escalated by the LIC group"] == "1"
    assert shown["Escalation reminders sent"] == "0"
    assert shown["Impact records"] == "4 records on 3 action items"
    assert "Escalations" not in shown
    text = "\n".join(
        " | ".join(c.text for c in row.cells)
        for t in Document(io.BytesIO(board_report_docx(report, TODAY))).tables
        for row in t.rows
    )
    assert "Action items escalated to the chair by the LIC group | 1" in text
    assert "Escalation reminders sent (overdue chasers) | 0" in text
    assert "Impact records made by the LIC group | 4 records on 3 action items" in text
    assert "escalated to the chair" in text, "the decision in words in the impact table"


def test_the_reviews_table_names_each_stage_as_every_view_does() -> None:
    """It printed the stored value with spaces ("actions open", "pre analysis")."""
    document = Document(io.BytesIO(board_report_docx(sample(), TODAY)))
    [reviews] = [t for t in document.tables if t.rows[0].cells[0].text == "Review"]
    stages = {row.cells[3].text for row in reviews.rows[1:]}
    assert stages == {"Actions open"}
