"""The quarterly partnership board report: what the LIC group and the board read each quarter.

One counting basis throughout: a review counts in the quarter its Line-of-Sight meeting was
held (its meeting date), never the quarter it was opened. Action items are rated by the one
RAG rule (domain.action_state.action_rag) on the day the report is made, and said to be so;
the bot keeps no history of ratings, so a past quarter's report shows today's status of the
items agreed in it. No future quarter is reported or compared against.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from domain import audit
from domain.action_state import action_rag, working_days_late
from domain.capabilities import require
from domain.chasers import ChaserPolicy, Rag
from domain.errors import InvalidInput, NotPermitted
from domain.model import ActionStatus, Actor, MemberView, ReturnStatus, ReviewStage, Role
from domain.phrasing import Period, quarter
from domain.records import ReviewView
from domain.repositories import UnitOfWork
from domain.reviews import HELD_STAGES
from domain.status_words import state_label
from domain.summaries import (
    LIVE,
    ImpactLine,
    ReturnDates,
    ScopeKind,
    SummaryRecords,
    TrackerRecord,
    overdue_cutoff,
    policy_of,
    scope_filter,
    scope_for,
    theme_label,
)
from domain.wording import counted, short_date

COMPARED_QUARTERS: Final = 4  # themes this quarter against the four before it
CHARTED_QUARTERS: Final = 4  # the chart: this quarter and the three before it
LONG_LATE: Final = 20  # working days late that the board is told about by name
# Who may read the board report: anyone whose view is wider than their own items. The
# command's registration (help) and the rule below both read this one tuple.
REPORT_ROLES: Final = (Role.MANAGER, Role.AGENCY_LEAD, Role.CHAIR, Role.LIC_MEMBER, Role.ADMIN)
_QUARTER: Final = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*q([1-4])\s*$", re.IGNORECASE)
_QUARTER_LAST: Final = re.compile(r"^\s*q([1-4])\s*[-/ ]?\s*(\d{4})\s*$", re.IGNORECASE)
RAG_COLUMNS: Final[tuple[tuple[Rag | None, str], ...]] = (
    (Rag.RED, "Red"),
    (Rag.AMBER, "Amber"),
    (Rag.GREEN, "Green"),
    (Rag.BLUE, "Blue (closed, impact evidenced)"),
    (None, "Cancelled"),
)


def parse_quarter(text: str, today: date) -> Period:
    """`2026-Q4`, `2026 Q4` or `Q4 2026`; nothing means the quarter we are in. A quarter that
    hasn't started is refused: a report of it would be all zeros."""
    if not text.strip():
        return quarter(today.year, (today.month - 1) // 3 + 1)
    first, last = _QUARTER.match(text), _QUARTER_LAST.match(text)
    if first:
        year, number = int(first.group(1)), int(first.group(2))
    elif last:
        year, number = int(last.group(2)), int(last.group(1))
    else:
        raise InvalidInput(
            f"Name the quarter like 2026-Q4 (I read “{text.strip()[:40]}”): "
            f"for example, report 2026-Q4."
        )
    if not 2000 <= year <= 2100:
        raise InvalidInput("Name a quarter between 2000 and 2100, like 2026-Q4.")
    period = quarter(year, number)
    if period.start > today:
        raise InvalidInput(f"{period.label} hasn't started yet, so there is nothing to report.")
    return period


def previous_quarters(period: Period, count: int) -> tuple[Period, ...]:
    """The `count` quarters before `period`, oldest first."""
    found = []
    year, number = period.start.year, (period.start.month - 1) // 3 + 1
    for _ in range(count):
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
        found.append(quarter(year, number))
    return tuple(reversed(found))


# --- what the report says ----------------------------------------------------------------------


@dataclass(frozen=True)
class HeldReview:
    reference: str
    pseudonym: str
    meeting_on: date
    stage: ReviewStage
    themes: tuple[str, ...]  # agreed theme labels
    learning_needs: tuple[str, ...]
    actions: int


@dataclass(frozen=True)
class ThemeLine:
    label: str
    this_quarter: int
    before: tuple[int, ...]  # one count per earlier quarter, oldest first


@dataclass(frozen=True)
class LateAction:
    reference: str
    description: str
    agency: str
    due_on: date
    days_late: int  # working days
    escalations: int


@dataclass(frozen=True)
class ImpactEntry:
    review_reference: str
    line: ImpactLine


@dataclass(frozen=True)
class ReturnsOnTime:
    """Agency returns due in the quarter (up to the report day), by their due date as extended.

    A nil return (the agency had no involvement) is no return and counts on neither side; one
    the chair proceeded without, or one still not in after its due date, counts as not on time.
    A return due today and not yet in isn't counted until tomorrow."""

    on_time: int = 0  # submitted on or before its due date
    late: int = 0  # submitted after it
    overdue: int = 0  # due date passed, not yet submitted
    proceeded_without: int = 0
    nil: int = 0  # not counted

    @property
    def counted(self) -> int:
        return self.on_time + self.late + self.overdue + self.proceeded_without


NIL_RETURNS: Final = frozenset({ReturnStatus.NIL, ReturnStatus.NIL_PENDING})


def returns_on_time(
    returns: Sequence[ReturnDates], period: Period, today: date, policy: ChaserPolicy
) -> ReturnsOnTime:
    """Submitted on its due day, in the partnership's time zone, is on time."""
    last = min(period.end, today)
    counts = {"on_time": 0, "late": 0, "overdue": 0, "proceeded_without": 0, "nil": 0}
    for ret in returns:
        due = ret.due_on
        if due is None or not period.start <= due <= last:
            continue
        if ret.status in NIL_RETURNS:
            counts["nil"] += 1
        elif ret.status is ReturnStatus.PROCEEDED_WITHOUT:
            counts["proceeded_without"] += 1
        elif ret.submitted_at is not None:
            counts["on_time" if policy.local_date(ret.submitted_at) <= due else "late"] += 1
        elif due < today:
            counts["overdue"] += 1
    return ReturnsOnTime(**counts)


@dataclass(frozen=True)
class QuarterBar:
    """One quarter on the chart: reviews held in it, and the action items agreed at them by
    their RAG rating on the report day."""

    period: Period
    reviews: int
    rag: Mapping[Rag | None, int]


def charted_quarters(period: Period, first_opened: date | None) -> tuple[Period, ...]:
    """This quarter and up to three before it, oldest first, leaving out quarters that ended
    before the partnership's first review was opened (a new partnership charts one quarter).
    Never a quarter after `period`, which parse_quarter has already refused if in the future."""
    window = (*previous_quarters(period, CHARTED_QUARTERS - 1), period)
    if first_opened is None:
        return (period,)
    return tuple(q for q in window if q.end >= first_opened or q == period)


@dataclass(frozen=True)
class BoardReport:
    period: Period
    as_of: date
    scope_note: str
    held: tuple[HeldReview, ...]
    opened: int  # reviews opened in the quarter (by their opened date)
    themes: tuple[ThemeLine, ...]
    compared: tuple[Period, ...]  # the earlier quarters the themes are compared with
    rag_agreed: Mapping[Rag | None, int]  # items agreed at reviews held in the quarter
    rag_all: Mapping[Rag | None, int]  # every item in scope
    impacts: tuple[ImpactEntry, ...]  # every impact record made in the quarter, oldest first
    impact_evidenced: tuple[int, int]  # (closed with impact evidenced, delivered in all)
    on_time: DeliveredOnTime
    overdue: tuple[LateAction, ...]
    escalations: int  # escalation reminders (chasers) sent in the quarter
    exceptions: tuple[str, ...]
    returns: ReturnsOnTime = ReturnsOnTime()
    trend: tuple[QuarterBar, ...] = ()  # the chart, oldest quarter first
    lic_escalations: int = 0  # items the LIC group escalated to the chair in the quarter

    @property
    def impact_items(self) -> int:
        """How many action items the quarter's impact records are about (one item may have
        two: kept open, then closed)."""
        return len({e.line.action_reference for e in self.impacts})

    @property
    def impact_records_words(self) -> str:
        """ "5 records on 4 action items": what the card's and the report's row both say."""
        if not self.impacts:
            return "none"
        return (
            f"{counted(len(self.impacts), 'record')} on {counted(self.impact_items, 'action item')}"
        )

    @property
    def final(self) -> bool:
        """The quarter is over: until then the report carries a draft mark."""
        return self.as_of > self.period.end


def rag_counts(
    records: Sequence[TrackerRecord], today: date, policy: ChaserPolicy
) -> dict[Rag | None, int]:
    counts: dict[Rag | None, int] = dict.fromkeys((r for r, _ in RAG_COLUMNS), 0)
    for record in records:
        a = record.action
        if a.status is ActionStatus.SPLIT:
            continue  # its two new items carry the work, and are counted
        rated = action_rag(a.status, a.effective_due, a.latest_rag, today, policy)
        counts[rated] = counts.get(rated, 0) + 1
    return counts


@dataclass(frozen=True)
class DeliveredOnTime:
    """The board's "delivered on time" measure, and exactly what it counts. Counted: every
    item due in the quarter up to the report day, and every item due later in the quarter
    that is already delivered (early, so on time: left out, the walk's board read "0 of 1
    (0%)" beside an item delivered three days early). Left out until due or delivered: an
    item due later in the quarter still being worked on, said in the label."""

    met: int = 0  # marked complete by the working day its due date is met on
    counted: int = 0
    pending_later: int = 0  # due later in the quarter, not yet delivered: not counted yet

    @property
    def label(self) -> str:
        """The measure's name where the figure is shown, saying what is counted."""
        if not self.pending_later:
            return "Action items due in the quarter delivered on time"
        return "Action items due in the quarter so far, or delivered early, delivered on time"

    @property
    def figure(self) -> str:
        return f"{self.met} of {self.counted} ({percent(self.met, self.counted)})"

    @property
    def basis(self) -> str:
        """What is left out, in words, or "" when nothing due in the quarter is."""
        if not self.pending_later:
            return ""
        items = "item" if self.pending_later == 1 else "items"
        verb = "is" if self.pending_later == 1 else "are"
        return (
            f"Action items: {self.pending_later} {items} due later in the quarter and not yet "
            f"delivered {verb} counted once due or delivered."
        )


# An item its owner still has in hand: not delivered, whatever was marked before.
_STILL_IN_HAND: Final = frozenset(
    {ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED}
)


def on_time(
    records: Sequence[TrackerRecord], period: Period, today: date, policy: ChaserPolicy
) -> DeliveredOnTime:
    """Of the items due in the quarter up to today, and those due later in it already
    delivered, how many were marked complete by the working day their due date is met on.
    An item due later in the quarter and not yet delivered doesn't count yet; a cancelled one
    never does, nor one split in two (its two new items do)."""
    last = min(period.end, today)
    counted = met = later = 0
    for record in records:
        a = record.action
        deadline = a.effective_due
        if deadline is None or a.status in (ActionStatus.CANCELLED, ActionStatus.SPLIT):
            continue
        if not period.start <= deadline <= period.end:
            continue
        # Delivered is as the item stands now, by its last completion: one marked complete
        # and then kept open or taken back into work is not delivered (review13a: an item
        # due later, completed and reopened, read as delivered early and on time).
        done = [p.at.date() for p in record.progress if p.kind == "completed"]
        delivered = bool(done) and a.status not in _STILL_IN_HAND
        if deadline > last and not delivered:
            later += 1
            continue
        counted += 1
        if delivered and max(done) <= policy.calendar.next_working_day(deadline):
            met += 1
    return DeliveredOnTime(met, counted, later)


def held_in(
    reviews: Sequence[ReviewView],
    period: Period,
    today: date,
    recorded: Collection[int] = frozenset(),
) -> list[ReviewView]:
    """Reviews whose meeting was held in the period, on or before today, by meeting date. A
    meeting is held once its outcome records the day (`recorded`: review ids) or the review
    has gone past it (HELD_STAGES); a planned date passing is not a meeting held."""
    last = min(period.end, today)
    return sorted(
        (
            r
            for r in reviews
            if r.meeting_on is not None
            and period.start <= r.meeting_on <= last
            and r.stage is not ReviewStage.CANCELLED
            and (r.stage in HELD_STAGES or r.id in recorded)
        ),
        key=lambda r: (r.meeting_on or period.start, r.reference),
    )


@dataclass(frozen=True)
class UnheldMeeting:
    """A review whose planned meeting day has passed with no meeting recorded."""

    reference: str
    planned_on: date
    stage: ReviewStage


def unheld_meetings(
    reviews: Sequence[ReviewView], today: date, recorded: Collection[int]
) -> tuple[UnheldMeeting, ...]:
    """Open reviews whose meeting day has passed, with no outcome recording it held: the
    meeting slipped (returns still being written) or its outcome is not recorded yet."""
    waiting = (ReviewStage.PRE_ANALYSIS, ReviewStage.ANALYSIS, ReviewStage.MEETING)
    return tuple(
        UnheldMeeting(r.reference, r.meeting_on, r.stage)
        for r in sorted(reviews, key=lambda r: (r.meeting_on or today, r.reference))
        if r.meeting_on is not None
        and r.meeting_on < today
        and r.stage in waiting
        and r.id not in recorded
    )


def theme_lines(
    themes_by_quarter: Sequence[Mapping[str, int]], this_quarter: Mapping[str, int]
) -> tuple[ThemeLine, ...]:
    """Each theme raised this quarter or in the quarters compared, most frequent first."""
    slugs = set(this_quarter).union(*themes_by_quarter) if themes_by_quarter else set(this_quarter)
    lines = [
        ThemeLine(
            theme_label(slug),
            this_quarter.get(slug, 0),
            tuple(q.get(slug, 0) for q in themes_by_quarter),
        )
        for slug in slugs
    ]
    return tuple(sorted(lines, key=lambda t: (-t.this_quarter, -sum(t.before), t.label)))


def late_actions(
    records: Sequence[TrackerRecord], today: date, policy: ChaserPolicy
) -> tuple[LateAction, ...]:
    cutoff = overdue_cutoff(today, policy)
    late = []
    for record in records:
        a = record.action
        due = a.effective_due
        if a.status not in LIVE or due is None or due > cutoff:
            continue
        late.append(
            LateAction(
                a.reference,
                a.description,
                a.agency_name or "Partnership",
                due,
                working_days_late(due, today, policy),
                escalated_times(record),
            )
        )
    return tuple(sorted(late, key=lambda x: (x.agency, -x.days_late, x.reference)))


def exceptions(
    held: Sequence[HeldReview],
    overdue: Sequence[LateAction],
    rag_all: Mapping[Rag | None, int],
    unheld: Sequence[UnheldMeeting] = (),
) -> tuple[str, ...]:
    """What needs the board's attention, in plain sentences; empty when nothing does."""
    found = []
    very_late = [x for x in overdue if x.days_late > LONG_LATE]
    if very_late:
        found.append(
            f"{counted(len(very_late), 'action item')} more than {LONG_LATE} working days late: "
            + ", ".join(x.reference for x in very_late[:10])
            + ("…" if len(very_late) > 10 else "")
            + "."
        )
    waiting = (ReviewStage.PRE_ANALYSIS, ReviewStage.ANALYSIS, ReviewStage.MEETING)
    no_outcome = [h.reference for h in held if h.stage in waiting]
    if no_outcome:
        found.append(
            "Meeting held but no outcome published yet: " + ", ".join(no_outcome[:10]) + "."
        )
    if unheld:
        found.append(
            "Meeting day passed with no meeting recorded: "
            + ", ".join(
                f"{u.reference} (planned {short_date(u.planned_on)}; stage: {state_label(u.stage)})"
                for u in unheld[:10]
            )
            + ("…" if len(unheld) > 10 else "")
            + "."
        )
    if rag_all.get(Rag.RED):
        found.append(f"{counted(rag_all[Rag.RED], 'action item')} rated red (late or blocked).")
    return tuple(found)


# --- assembling it -----------------------------------------------------------------------------


def _as_held(review: ReviewView, held_dates: Mapping[int, date]) -> ReviewView:
    """The review with its meeting on the day the outcome says it was held, once recorded
    (else as planned): the dashboard counts reviews the same way (DASHBOARD_BASIS). The held
    days come from one query for the partnership, not one per review."""
    held = held_dates.get(review.id)
    return replace(review, meeting_on=held) if held is not None else review


def board_report(
    uow: UnitOfWork, actor: Actor, member: MemberView, text: str, today: date
) -> BoardReport:
    require(member, *REPORT_ROLES)
    period = parse_quarter(text, today)
    scope = scope_for(member)
    if scope.kind is ScopeKind.OWN:  # a lead or manager with no agency set: their own items
        raise NotPermitted(
            "The board report is for managers, safeguarding leads, chairs, the LIC group and "
            "admins. If you need it, ask your partnership admin."
        )
    policy = policy_of(uow, member.partnership_id)
    visible = {r.id for r in uow.summaries.visible_reviews(scope)}
    held_dates = uow.summaries.held_dates(member.partnership_id)
    reviews = [
        _as_held(p.review, held_dates)
        for p in uow.reviews.with_progress(member.partnership_id, frozenset(ReviewStage))
        if scope.kind is ScopeKind.PARTNERSHIP or p.review.id in visible
    ]
    compared = previous_quarters(period, COMPARED_QUARTERS)
    recorded = frozenset(held_dates)
    records = {
        r.id: uow.summaries.review_records(r.id, None)
        for q in (*compared, period)
        for r in held_in(reviews, q, today, recorded)
    }
    held = held_in(reviews, period, today, recorded)
    tracker = uow.summaries.tracker(scope_filter(scope))
    held_ids = {r.id for r in held}
    agreed = [t for t in tracker if t.action.review_id in held_ids]
    rag_all = rag_counts(tracker, today, policy)
    held_lines = tuple(
        HeldReview(
            r.reference,
            r.pseudonym,
            r.meeting_on or period.start,
            r.stage,
            tuple(theme_label(s) for s in records[r.id].agreed_themes),
            records[r.id].learning_needs,
            sum(1 for t in agreed if t.action.review_id == r.id),
        )
        for r in held
    )
    overdue = late_actions(tracker, today, policy)
    shown = {r.id for r in reviews}
    returns = [
        r
        for r in uow.summaries.return_dates(member.partnership_id, period.start, period.end)
        if r.review_id in shown
    ]
    impacts = impacts_in(tracker, period)
    report = BoardReport(
        period=period,
        as_of=today,
        scope_note=_scope_note(scope.kind),
        held=held_lines,
        opened=sum(1 for r in reviews if period.start <= r.opened_on <= period.end),
        themes=theme_lines(
            [_theme_counts(held_in(reviews, q, today, recorded), records) for q in compared],
            _theme_counts(held, records),
        ),
        compared=compared,
        rag_agreed=rag_counts(agreed, today, policy),
        rag_all=rag_all,
        impacts=impacts,
        impact_evidenced=_evidenced(tracker),
        on_time=on_time(tracker, period, today, policy),
        overdue=overdue,
        escalations=sum(
            1 for t in tracker for e in t.escalations if period.start <= e.at.date() <= period.end
        ),
        lic_escalations=sum(1 for e in impacts if e.line.decision == "escalate"),
        exceptions=exceptions(
            held_lines, overdue, rag_all, unheld_meetings(reviews, today, recorded)
        ),
        returns=returns_on_time(returns, period, today, policy),
        trend=trend(reviews, tracker, period, today, policy, recorded),
    )
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "board_report.made",
        ("partnership", member.partnership_id),
        after={"quarter": period.key, "scope": scope.kind.value},
    )
    return report


def trend(
    reviews: Sequence[ReviewView],
    tracker: Sequence[TrackerRecord],
    period: Period,
    today: date,
    policy: ChaserPolicy,
    recorded: Collection[int] = frozenset(),
) -> tuple[QuarterBar, ...]:
    """Per charted quarter: reviews held, and the items agreed at them by today's RAG."""
    first = min((r.opened_on for r in reviews), default=None)
    bars = []
    for q in charted_quarters(period, first):
        ids = {r.id for r in held_in(reviews, q, today, recorded)}
        agreed = [t for t in tracker if t.action.review_id in ids]
        bars.append(QuarterBar(q, len(ids), rag_counts(agreed, today, policy)))
    return tuple(bars)


def _theme_counts(
    held: Sequence[ReviewView], records: Mapping[int, SummaryRecords]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for review in held:
        for slug in records[review.id].agreed_themes:
            counts[slug] = counts.get(slug, 0) + 1
    return counts


def escalated_times(record: TrackerRecord) -> int:
    """How often an item was escalated: escalation reminders sent about it, and each time the
    LIC group escalated it to the chair."""
    lic = sum(1 for line in record.impact_records if line.decision == "escalate")
    return len(record.escalations) + lic


def impacts_in(tracker: Sequence[TrackerRecord], period: Period) -> tuple[ImpactEntry, ...]:
    """Every impact record made in the quarter: an item kept open and later closed in it has
    two."""
    found = [
        ImpactEntry(t.action.review_reference, line)
        for t in tracker
        for line in t.impact_records
        if period.start <= line.recorded_at.date() <= period.end
    ]
    return tuple(sorted(found, key=lambda e: (e.line.recorded_at, e.line.action_reference)))


def _evidenced(tracker: Sequence[TrackerRecord]) -> tuple[int, int]:
    """Of the items delivered (completed or closed), how many the LIC group closed with
    impact evidenced."""
    delivered = [
        t for t in tracker if t.action.status in (ActionStatus.COMPLETED, ActionStatus.CLOSED)
    ]
    return sum(1 for t in delivered if t.action.impact_closed), len(delivered)


def _scope_note(kind: ScopeKind) -> str:
    return {
        ScopeKind.PARTNERSHIP: "Every review in the partnership.",
        ScopeKind.AGENCY: "Reviews involving your agency only.",
        ScopeKind.OWN: "Your own reviews and action items only.",
    }[kind]


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "none yet"
