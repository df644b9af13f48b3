"""Manager summaries, the partnership dashboard, the overdue list and the action tracker
(issue 6), and who may see what.

Who sees what (decided here, tested in tests/unit/test_summaries.py):

- **Partnership-wide**: admins, chairs and LIC members, and a manager who belongs to no agency
  (the partnership's own managers). They see every review and every action item.
- **Their agencies**: a manager who belongs to an agency, and an agency safeguarding lead.
  They see the whole summary of every review involving their agency (it has a return or an
  action item of that agency), and the dashboard over those reviews. A lead's agencies are
  every one they lead for: their own and any they cover (agency_lead_cover), whose returns
  they sign off as its own lead does; a manager's is their own.
- **Their own work**: everyone else (practitioners, action owners). In a review where they
  complete a return or own an action item, they see the review's stage, clocks and agreed
  learning, their own returns and their own action items, nothing of other agencies. Their
  dashboard and overdue list count only the items they own.

A review a member may not see is answered exactly like a review that does not exist, so a
question never tells anyone that a review exists. Every summary, dashboard, overdue list and
export is written to the audit log.

The numbers come from SQL aggregations in storage/ (GROUP BY; a fixed number of statements
however many reviews and items there are). This module turns them into what the cards and
documents show, with the RAG rule from `domain.action_state.action_rag` (the one every view
uses) and the working-day calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final, Literal, Protocol

from domain import audit, chair_cover
from domain.action_history import LATEST_ROOM, HistoryEntry, latest_words
from domain.action_state import (
    IMPACT_DECISIONS,
    action_rag,
    decision_words,
    rag_reason,
    status_label,
    status_words,
)
from domain.calendar import DEFAULT_CALENDAR
from domain.chasers import ChaserPolicy, Rag, day_text
from domain.errors import DomainError, FormInvalid, NotFound
from domain.model import (
    ActionStatus,
    Actor,
    MemberView,
    ReturnStatus,
    ReviewStage,
    small_int,
)
from domain.pack import DECIDED
from domain.phrasing import (
    AgencyMatch,
    Fit,
    Period,
    ReviewMatch,
    ReviewRef,
    asked_words,
    looks_like_review,
    match_agency,
    match_review,
    reference_in,
    said_back,
    take_period,
    year_period,
)
from domain.questions import default_themes
from domain.records import ReviewView
from domain.repositories import UnitOfWork
from domain.retention import HoldPlaced, lifted_summary_line, on_hold_line
from domain.reviews import meeting_held_on, not_visible
from domain.scope import ANY_ROLE as ANY_ROLE  # re-exported: handlers register by it
from domain.scope import Scope as Scope  # re-exported, as the rest of who sees what
from domain.scope import ScopeKind as ScopeKind
from domain.scope import scope_for as scope_for
from domain.status_words import STAGE_NAMES
from domain.transitions import RETURN_SETTLED
from domain.wording import counted
from domain.wording import short_date as short_date  # re-exported: cards and documents use it

RAG_ORDER: Final[Mapping[Rag | None, int]] = {
    Rag.RED: 0,
    Rag.AMBER: 1,
    Rag.GREEN: 2,
    Rag.BLUE: 3,
    None: 4,
}
# Not yet done: past its due date, such an item is overdue (an escalated one waits for the chair).
LIVE: Final = frozenset(
    {ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED, ActionStatus.ESCALATED}
)
SUBMITTED: Final = frozenset({ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF})
DASHBOARD_OVERDUE: Final = 8
OVERDUE_PAGE: Final = 15


# --- who sees what -----------------------------------------------------------------------------


class Access(StrEnum):
    FULL = "full"
    OWN = "own"  # only the member's own returns and action items
    NONE = "none"


@dataclass(frozen=True)
class Involvement:
    """The facts about one review that decide how much of it a member sees."""

    review: ReviewView
    agency_ids: frozenset[int]  # agencies with a return or an action item in the review
    assigned: bool  # the member completes one of its returns
    owns_items: bool  # the member owns one of its action items


def access_to(scope: Scope, involvement: Involvement) -> Access:
    if scope.kind is ScopeKind.PARTNERSHIP or involvement.review.chaired_by(scope.member_id):
        return Access.FULL
    if scope.kind is ScopeKind.AGENCY and scope.agency_ids & involvement.agency_ids:
        return Access.FULL
    if involvement.assigned or involvement.owns_items:
        return Access.OWN
    return Access.NONE


@dataclass(frozen=True)
class Filter:
    """Which reviews and action items a query covers; every condition applies (AND)."""

    partnership_id: int
    review_id: int | None = None
    # Reviews with a return or an item of one of these agencies.
    involving_agency_ids: frozenset[int] | None = None
    member_id: int | None = None  # reviews the member works on; only items they own
    agency_id: int | None = None  # the agency filter: items it leads, reviews involving it
    period: Period | None = None  # counted as DASHBOARD_BASIS says


# What puts a review and an action item in a period; the dashboard says it under its filters.
DASHBOARD_BASIS = (
    "Reviews count in the period their meeting was held (until then, when it is planned); "
    "action items in the period they were agreed at it."
)


def scope_filter(
    scope: Scope, agency_id: int | None = None, period: Period | None = None
) -> Filter:
    return Filter(
        scope.partnership_id,
        involving_agency_ids=scope.agency_ids if scope.kind is ScopeKind.AGENCY else None,
        member_id=scope.member_id if scope.kind is ScopeKind.OWN else None,
        agency_id=agency_id,
        period=period,
    )


# --- what storage hands over -------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnDates:
    """When one agency's return was due (as extended) and when it came in, for timeliness."""

    review_id: int
    agency_name: str
    status: ReturnStatus
    due_on: date | None
    submitted_at: datetime | None  # UTC


@dataclass(frozen=True)
class ReturnLine:
    agency_name: str
    status: ReturnStatus
    due_on: date | None
    assignees: tuple[str, ...]

    @property
    def outstanding(self) -> bool:
        return self.status not in SUBMITTED and self.status not in RETURN_SETTLED

    @property
    def decided(self) -> bool:
        """Nil, or going ahead without it: in no pack, by the chair's decision."""
        return self.status in DECIDED


@dataclass(frozen=True)
class ActionRow:
    id: int
    review_id: int
    review_reference: str
    pseudonym: str
    reference: str
    description: str
    finding: str | None
    theme: str | None
    success_measure: str | None
    status: ActionStatus
    owner_name: str | None
    agency_name: str | None
    agreed_on: date | None
    due_on: date | None
    revised_due_on: date | None
    revised_due_reason: str | None
    chase_count: int
    evidence: str | None
    # Its latest word (`action_history.latest`) and the owner's self-assessment
    # (`action_history.owner_rag`), by the rules the item's own card reads them by.
    latest: HistoryEntry | None
    latest_rag: str | None
    impact_closed: bool  # the LIC group recorded impact and decided to close
    # Of `chase_count`, the chasers since its owner took it on (`chasers.Tally`); None: all.
    owner_chase_count: int | None = None

    @property
    def effective_due(self) -> date | None:
        return self.revised_due_on or self.due_on

    def latest_said(self, room: int = LATEST_ROOM) -> str:
        """Its latest word as one line, who and when (`action_history.latest_words`), or ""
        with none: the summary document's and the tracker's "Latest progress", by the rule
        the item card, the summary and `my actions` use (the tracker kept its own, the last
        progress line, and could name other words than the summary after a decision)."""
        return latest_words(self.latest, room) if self.latest is not None else ""


@dataclass(frozen=True)
class ImpactLine:
    action_reference: str
    how_much: str
    how_well: str
    better_off: str
    evidence: str | None
    decision: str
    minute_reference: str | None
    meeting_on: date | None
    recorded_at: datetime


@dataclass(frozen=True)
class GuideStatus:
    drafted: bool = False
    published: bool = False
    published_on: date | None = None
    usage_returns: int = 0
    staff_reached: int = 0
    awaiting_since: date | None = None  # the working copy was sent for approval that day


@dataclass(frozen=True)
class SummaryRecords:
    returns: tuple[ReturnLine, ...]
    agreed_themes: tuple[str, ...]
    learning_needs: tuple[str, ...]
    outcome_published: bool
    actions: tuple[ActionRow, ...]
    impacts: tuple[ImpactLine, ...]
    guide: GuideStatus
    held_on: date | None = None  # the day the meeting was held, as the outcome records it
    legal_hold: bool = False  # the review is under legal hold (domain/retention.py)
    hold_lifted: bool = False  # not held, and a hold on it was lifted (the audit trail says)
    chair_left: bool = False  # the chair's access ended: who reads their part is looked up


@dataclass(frozen=True)
class AgencyStatus:
    agency_id: int | None
    agency_name: str
    counts: Mapping[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class OverdueRow:
    id: int
    reference: str
    review_id: int
    review_reference: str
    description: str
    owner_name: str | None
    agency_name: str | None
    due_on: date
    status: ActionStatus
    chase_count: int
    # Of `chase_count`, the chasers since its owner took it on (`chasers.Tally`); None: all.
    owner_chase_count: int | None = None
    # When its next chaser is planned (the chaser schedule's `next_chase_at`); None: none is.
    next_chase_at: datetime | None = None
    # How its last chaser went (`chase_engine` outcomes: "unreachable", "failed"...).
    last_chase_outcome: str | None = None


@dataclass(frozen=True)
class ThemeTally:
    """How often one theme came up in one month: in agreed review themes, or action items."""

    slug: str
    year: int
    month: int
    count: int


@dataclass(frozen=True)
class Dissemination:
    guides_drafted: int = 0
    guides_published: int = 0
    usage_returns: int = 0
    staff_reached: int = 0
    guides_awaiting: int = 0  # never published, sent for approval

    @property
    def guides_in_draft(self) -> int:
        return self.guides_drafted - self.guides_published - self.guides_awaiting


@dataclass(frozen=True)
class DashboardRecords:
    stages: Mapping[str, int]
    by_agency: tuple[AgencyStatus, ...]
    overdue: tuple[OverdueRow, ...]
    overdue_total: int
    review_themes: tuple[ThemeTally, ...]
    action_themes: tuple[ThemeTally, ...]
    dissemination: Dissemination


@dataclass(frozen=True)
class ProgressLine:
    at: datetime
    kind: str
    note: str | None


@dataclass(frozen=True)
class EscalationLine:
    at: datetime
    kind: str
    recipient: str
    outcome: str
    # Sent again after an unknown outcome: the recipient may have had it twice.
    possibly_repeated: bool = False


@dataclass(frozen=True)
class TrackerRecord:
    action: ActionRow
    progress: tuple[ProgressLine, ...]
    impact: ImpactLine | None
    escalations: tuple[EscalationLine, ...]
    # Chasers to the owner that may have arrived twice (a resend after an unknown outcome).
    possibly_repeated: int = 0
    # Chasers to the owner whose sender stopped mid-send and that were not sent again: they
    # may not have arrived, and are not counted as sent (chase_engine.INTERRUPTED).
    interrupted: int = 0
    # Every impact record on the item, oldest first (`impact` is the last of them).
    impact_history: tuple[ImpactLine, ...] = ()

    @property
    def impact_records(self) -> tuple[ImpactLine, ...]:
        return self.impact_history or ((self.impact,) if self.impact is not None else ())


class SummaryRepository(Protocol):
    def policy_settings(self, partnership_id: int) -> Mapping[str, object]: ...

    def agencies(self, partnership_id: int) -> list[tuple[int, str, str]]:
        """(id, name, sector) of the partnership's agencies, by name."""
        ...

    def visible_reviews(self, scope: Scope) -> list[ReviewRef]:
        """Reviews the scope sees in full, plus those the member works on."""
        ...

    def involvement(
        self, partnership_id: int, review_id: int, member_id: int
    ) -> Involvement | None: ...

    def review_records(self, review_id: int, owner_id: int | None) -> SummaryRecords:
        """The summary's facts; with `owner_id`, only that member's returns and items."""
        ...

    def dashboard(
        self, where: Filter, overdue_by: date, themes_within: Period, overdue_limit: int
    ) -> DashboardRecords:
        """`overdue_by`: a live item whose effective due date is on or before it is overdue."""
        ...

    def overdue(
        self, where: Filter, overdue_by: date, limit: int, offset: int
    ) -> tuple[list[OverdueRow], int]: ...

    def theme_tallies(
        self, where: Filter, themes_within: Period
    ) -> tuple[list[ThemeTally], list[ThemeTally]]:
        """(agreed review themes, action item themes) by month."""
        ...

    def tracker(self, where: Filter) -> list[TrackerRecord]: ...

    def chair_seats(
        self, partnership_id: int, review_id: int | None = None
    ) -> tuple[list[chair_cover.ReviewSeat], tuple[int, ...]]:
        """The partnership's open reviews (or the one) whose chair's access ended, and its
        admins whose access has not: what `chair_gaps` reads."""
        ...

    def held_dates(self, partnership_id: int) -> Mapping[int, date]:
        """Review id -> the day its meeting was held, for every outcome that records one."""
        ...

    def return_dates(self, partnership_id: int, due_from: date, due_to: date) -> list[ReturnDates]:
        """The partnership's returns (removed agencies' left out) due within the dates."""
        ...


# --- clocks and RAG ----------------------------------------------------------------------------


def policy_of(uow: UnitOfWork, partnership_id: int) -> ChaserPolicy:
    try:
        return ChaserPolicy.from_settings(uow.summaries.policy_settings(partnership_id))
    except FormInvalid:
        return ChaserPolicy()


@dataclass(frozen=True)
class Clocks:
    """Working-day clocks of one review, as of `today` (docs/practice.md, "Timescales")."""

    today: date
    opened_on: date
    working_days_open: int
    returns_due_on: date | None
    returns_due_in: int | None  # working days until due; negative when overdue
    returns_all_in: bool
    meeting_on: date | None
    meeting_in: int | None  # working days until the meeting; negative once it has passed
    held_on: date | None = None  # recorded with the outcome: may differ from the plan
    closed_on: date | None = None  # the clock of a closed review stops that day


def clocks(
    review: ReviewView,
    returns: Sequence[ReturnLine],
    today: date,
    policy: ChaserPolicy,
    held_on: date | None = None,
) -> Clocks:
    calendar = policy.calendar
    due = review.returns_due_on
    meeting = review.meeting_on
    all_in = bool(returns) and not any(r.outstanding for r in returns)
    closed_on = review.closed_on if review.stage is ReviewStage.CLOSED else None
    open_until = min(closed_on or today, today)
    return Clocks(
        today=today,
        opened_on=review.opened_on,
        working_days_open=max(0, calendar.working_days_between(review.opened_on, open_until)),
        returns_due_on=due,
        returns_due_in=_working_days_to(calendar.next_working_day(due), today, policy)
        if due
        else None,
        returns_all_in=all_in,
        meeting_on=meeting,
        meeting_in=_working_days_to(meeting, today, policy) if meeting else None,
        held_on=held_on,
        closed_on=closed_on,
    )


def _working_days_to(day: date, today: date, policy: ChaserPolicy) -> int:
    """Working days until `day`, or minus the working days since it: "overdue by 9" counts the
    working days after the due day up to today, as the dashboard's "working days late" does
    (counting back from today would include the due day and leave out a weekend today)."""
    calendar = policy.calendar
    if day >= today:
        return calendar.working_days_between(today, day)
    return -calendar.working_days_between(day, today)


def overdue_cutoff(today: date, policy: ChaserPolicy) -> date:
    """The latest effective due date that is overdue today.

    `rag` rates an item red once today is past the working day its due date is met on (a due
    date on a Saturday is met on Monday). That is the same as its due date being on or before
    the last working day before today, which SQL can compare with a date column.
    """
    day = today - timedelta(days=1)
    while not policy.calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def rate(row: ActionRow, today: date, policy: ChaserPolicy) -> Rag | None:
    """The item's RAG: `domain.action_state.action_rag`, as every other view rates it."""
    return action_rag(row.status, row.effective_due, row.latest_rag, today, policy)


# --- the review summary ------------------------------------------------------------------------


def rate_reason(row: ActionRow, today: date, policy: ChaserPolicy) -> str | None:
    """Which cause makes the row red or amber: `action_state.rag_reason`, as the item card's
    "Why red" and `my actions` say it."""
    return rag_reason(row.status, row.effective_due, row.latest_rag, today, policy)


@dataclass(frozen=True)
class RatedAction:
    row: ActionRow
    rag: Rag | None
    # Which cause makes it red or amber (`action_state.rag_reason`, as the item card says).
    reason: str | None = None


@dataclass(frozen=True)
class ReviewSummary:
    review: ReviewView
    access: Access
    clocks: Clocks
    returns: tuple[ReturnLine, ...]
    themes: tuple[str, ...]  # labels
    learning_needs: tuple[str, ...]
    outcome_published: bool
    actions: tuple[RatedAction, ...]  # red first, then amber, green, blue, cancelled
    impacts: tuple[ImpactLine, ...]
    guide: GuideStatus
    legal_hold: bool = False
    hold: HoldPlaced | None = None  # under legal hold: who placed it, when and why
    lifted: HoldPlaced | None = None  # not held, its last hold lifted: who, when and why
    # The chair left with no deputy chair who can act for them (`chair_gaps`): shown to those
    # who see the whole partnership.
    chair_gap: chair_cover.ChairGap | None = None

    @property
    def rag_counts(self) -> dict[Rag | None, int]:
        """By rating; None is the cancelled. An item split in two is counted apart
        (`split_count`): its two new items are in the counts."""
        counts: dict[Rag | None, int] = dict.fromkeys(RAG_ORDER, 0)
        for item in self.actions:
            if item.row.status is not ActionStatus.SPLIT:
                counts[item.rag] += 1
        return counts

    @property
    def split_count(self) -> int:
        return split_count(item.row for item in self.actions)

    @property
    def rag_by_agency(self) -> list[tuple[str, dict[Rag | None, int]]]:
        """Each agency's items by rating, as the Word summary's chart draws them
        (`ratings_by_agency`)."""
        return ratings_by_agency((item.row, item.rag) for item in self.actions)

    @property
    def outstanding(self) -> tuple[ReturnLine, ...]:
        return tuple(r for r in self.returns if r.outstanding)

    @property
    def impact_recorded(self) -> tuple[ImpactLine, ...]:
        """The impact that stands for each item: its latest record, newest first. An item the
        LIC group escalated and later closed has two records; only the close is its impact."""
        latest: dict[str, ImpactLine] = {}
        for line in self.impacts:
            held = latest.get(line.action_reference)
            if held is None or line.recorded_at > held.recorded_at:
                latest[line.action_reference] = line
        return tuple(sorted(latest.values(), key=lambda i: i.recorded_at, reverse=True))

    @property
    def impact_standing(self) -> ImpactPicture:
        """What the LIC group's records add up to for a manager: how many items are closed with
        impact evidenced, what was decided on the others, and where each recorded item
        stands now (the card and the Word summary both say this)."""
        statuses = {a.row.reference: a.row.status for a in self.actions}
        total = len(self.actions) - self.split_count  # the split one's two new items count
        return impact_picture(self.impact_recorded, statuses, total)


# The statuses a decision leaves the item in; an item found in another has moved on since.
_LEFT_BY_DECISION: Final[Mapping[str, frozenset[ActionStatus]]] = {
    "close": frozenset({ActionStatus.CLOSED}),
    "keep_open": frozenset({ActionStatus.IN_PROGRESS}),
    "escalate": frozenset({ActionStatus.ESCALATED}),
}


@dataclass(frozen=True)
class ItemStanding:
    """One item's latest LIC decision and where the item stands now."""

    line: ImpactLine
    status: ActionStatus | None  # None: the item isn't among those shown

    @property
    def evidenced(self) -> bool:
        return self.line.decision == "close" and self.status in (ActionStatus.CLOSED, None)

    @property
    def moved_on(self) -> bool:
        """True when the item's status is no longer the one the decision left it in (the
        chair set a new date on an escalated item, the owner marked a kept-open one complete)."""
        left = _LEFT_BY_DECISION.get(self.line.decision)
        return self.status is not None and left is not None and self.status not in left

    @property
    def words(self) -> str:
        """ "LIC escalated to the chair 5 Dec 2026; now in progress"."""
        day = DEFAULT_CALENDAR.local_date(self.line.recorded_at)
        said = f"LIC {decision_words(self.line.decision)} {short_date(day)}"
        if self.moved_on and self.status is not None:
            said += f"; now {status_words(self.status)}"
        return said


@dataclass(frozen=True)
class ImpactPicture:
    total: int  # action items, a split one's two new items in place of it
    items: tuple[ItemStanding, ...]  # newest decision first

    @property
    def evidenced(self) -> int:
        return sum(1 for i in self.items if i.evidenced)

    @property
    def otherwise(self) -> tuple[tuple[str, int], ...]:
        """(decision in words, how many items) for the latest decisions other than a close
        with impact evidenced, in the order of IMPACT_DECISIONS."""
        counts: dict[str, int] = {}
        for item in self.items:
            if not item.evidenced:
                counts[item.line.decision] = counts.get(item.line.decision, 0) + 1
        order = [*IMPACT_DECISIONS, *sorted(set(counts) - set(IMPACT_DECISIONS))]
        return tuple((decision_words(d), counts[d]) for d in order if d in counts)

    @property
    def headline(self) -> str:
        return (
            f"Impact evidenced (closed): {self.evidenced} of {counted(self.total, 'action item')}"
        )

    @property
    def decided_otherwise(self) -> str | None:
        """ "LIC decided otherwise on 2: 1 kept open, 1 escalated to the chair", or None."""
        if not self.otherwise:
            return None
        many = sum(n for _, n in self.otherwise)
        parts = ", ".join(f"{n} {words}" for words, n in self.otherwise)
        return f"The LIC group decided otherwise on {many}: {parts}"


def impact_picture(
    recorded: Sequence[ImpactLine], statuses: Mapping[str, ActionStatus], total: int
) -> ImpactPicture:
    """`recorded` is each item's latest impact record (ReviewSummary.impact_recorded)."""
    return ImpactPicture(
        total, tuple(ItemStanding(line, statuses.get(line.action_reference)) for line in recorded)
    )


# Said where a summary would chart its themes and has none to chart.
NO_THEMES: Final = "No themes recorded yet."


def theme_label(slug: str) -> str:
    return _labels().get(slug, slug.replace("_", " ").capitalize())


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    return {theme.slug: theme.label for theme in default_themes()}


def build_summary(
    review: ReviewView,
    access: Access,
    records: SummaryRecords,
    today: date,
    policy: ChaserPolicy,
) -> ReviewSummary:
    rated = [
        RatedAction(row, rate(row, today, policy), rate_reason(row, today, policy))
        for row in records.actions
    ]
    rated.sort(key=lambda a: (RAG_ORDER[a.rag], a.row.effective_due or date.max, a.row.reference))
    return ReviewSummary(
        review=review,
        access=access,
        clocks=clocks(review, records.returns, today, policy, records.held_on),
        returns=records.returns,
        themes=tuple(theme_label(slug) for slug in records.agreed_themes),
        learning_needs=records.learning_needs,
        outcome_published=records.outcome_published,
        actions=tuple(rated),
        impacts=records.impacts,
        guide=records.guide,
    )


def resolve_review(uow: UnitOfWork, member: MemberView, text: str) -> ReviewMatch:
    """Which review the member means: one, a "did you mean" list, or NotFound."""
    refs = uow.summaries.visible_reviews(scope_for(member))
    found = match_review(text, refs)
    if found.found is None and not found.candidates:
        raise NotFound(not_visible(text))
    return found


def review_summary(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    review_id: object,
    today: date,
    *,
    audit_action: str = "summary.viewed",
) -> ReviewSummary:
    """The summary of one review, as much of it as the member may see; audited."""
    review, access = _visible(uow, member, review_id)
    records = uow.summaries.review_records(review.id, member.id if access is Access.OWN else None)
    summary = build_summary(review, access, records, today, policy_of(uow, member.partnership_id))
    if records.legal_hold:  # who placed it, when and why: one more read, only for a held one
        hold = uow.retention.hold_placed(member.partnership_id, review.id)
        summary = replace(summary, legal_hold=True, hold=hold)
    elif records.hold_lifted:  # one more read, only for a review whose hold was lifted
        lifted = uow.retention.hold_lifted(member.partnership_id, review.id)
        summary = replace(summary, lifted=lifted)
    # One more read (two with a gap), only where the chair's access ended.
    gap = chair_gaps(uow, scope_for(member), review.id) if records.chair_left else ()
    if gap:
        summary = replace(summary, chair_gap=gap[0])
    audit.record(
        uow,
        member.partnership_id,
        actor,
        audit_action,
        ("review", review.id),
        after={"access": access.value},
    )
    return summary


def summary_to_offer(
    uow: UnitOfWork,
    member: MemberView,
    review_id: object = None,
    reference: tuple[int, int] | None = None,
) -> int | None:
    """The review (by id, or by its reference's year and number) whose summary a card about
    it may offer, when the member may open that summary by `review_summary`'s own rule; else
    None. Reads only: nothing is audited until the summary is opened."""
    if reference is not None:
        found = uow.reviews.by_reference(member.partnership_id, *reference)
        review_id = found.id if found is not None else None
    # Card data as anyone may forge it: true is no id, nor is a number past the table's.
    shown_id = small_int(review_id)
    if shown_id is None:
        return None
    try:
        _visible(uow, member, shown_id)
    except DomainError:  # not theirs to see, or no role that sees summaries
        return None
    return shown_id


def _visible(uow: UnitOfWork, member: MemberView, review_id: object) -> tuple[ReviewView, Access]:
    scope = scope_for(member)
    involvement = (
        uow.summaries.involvement(member.partnership_id, review_id, member.id)
        if isinstance(review_id, int) and not isinstance(review_id, bool)
        else None
    )
    access = access_to(scope, involvement) if involvement else Access.NONE
    if involvement is None or access is Access.NONE:
        raise NotFound(
            "I can't find that review, or it isn't one you can see. Type reviews to list them."
        )
    return involvement.review, access


# --- the dashboard -----------------------------------------------------------------------------


ThemeMeasure = Literal["reviews", "actions"]


@dataclass(frozen=True)
class QuarterThemes:
    """One theme in one quarter, each count meaning one thing: reviews and action items are
    never added together (a sum of the two reads as neither)."""

    name: str  # "2026 Q1"
    reviews: int  # reviews agreeing the theme, by the month they were held
    actions: int  # action items on it, by the month they were agreed

    def count(self, measure: ThemeMeasure) -> int:
        return self.reviews if measure == "reviews" else self.actions


@dataclass(frozen=True)
class ThemeTrend:
    slug: str
    label: str
    reviews: int
    actions: int
    by_quarter: tuple[QuarterThemes, ...]

    def series(self, measure: ThemeMeasure) -> tuple[int, ...]:
        return tuple(q.count(measure) for q in self.by_quarter)


def theme_counts_text(trend: ThemeTrend) -> str:
    """ "in 3 reviews, 2 action items": the two counts side by side, never summed."""
    return f"in {counted(trend.reviews, 'review')}, {counted(trend.actions, 'action item')}"


def theme_quarters_text(trend: ThemeTrend, measure: ThemeMeasure) -> str:
    """ "reviews by quarter: Q1 1, Q2 2" (one measure, so each figure means one thing)."""
    noun = "reviews" if measure == "reviews" else "action items"
    by_quarter = ", ".join(f"{q.name[-2:]} {q.count(measure)}" for q in trend.by_quarter)
    return f"{noun} by quarter: {by_quarter}"


@dataclass(frozen=True)
class LateItem:
    row: OverdueRow
    working_days_late: int
    rag: Rag | None
    # How it has been chased and what happens next, its status first when its chaser goes to
    # the chair (`late_chase_text`).
    chase_words: str


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    agency: tuple[int, str] | None
    period: Period | None
    theme_period: Period
    agencies: tuple[tuple[int, str], ...]  # for the filter
    stages: tuple[tuple[ReviewStage, int], ...]
    by_agency: tuple[AgencyStatus, ...]
    overdue: tuple[LateItem, ...]
    overdue_total: int
    themes: tuple[ThemeTrend, ...]
    dissemination: Dissemination
    # Open reviews whose chair left with no deputy chair who can act for them: the chair's
    # reminders and requests go to the admins, or to nobody (`chair_gaps`).
    chair_gaps: tuple[chair_cover.ChairGap, ...] = ()

    @property
    def reviews_total(self) -> int:
        return sum(count for _, count in self.stages)


def dashboard(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    agency_id: int | None,
    period: Period | None,
    today: date,
) -> Dashboard:
    scope = scope_for(member)
    policy = policy_of(uow, member.partnership_id)
    agencies = tuple((i, n) for i, n, _ in uow.summaries.agencies(member.partnership_id))
    agency = _known_agency(agencies, agency_id)
    theme_period = period or year_period(today.year)
    records = uow.summaries.dashboard(
        scope_filter(scope, agency_id, period),
        overdue_cutoff(today, policy),
        theme_period,
        DASHBOARD_OVERDUE,
    )
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "dashboard.viewed",
        ("partnership", member.partnership_id),
        after={
            "scope": scope.kind.value,
            "agency_id": agency_id,
            "period": period.key if period else None,
        },
    )
    return Dashboard(
        scope=scope,
        agency=agency,
        period=period,
        theme_period=theme_period,
        agencies=agencies,
        stages=tuple(
            (stage, records.stages[stage.value])
            for stage in ReviewStage
            if records.stages.get(stage.value)
        ),
        by_agency=tuple(sorted(records.by_agency, key=lambda a: (-a.overdue, a.agency_name))),
        overdue=tuple(_late(row, today, policy) for row in records.overdue),
        overdue_total=records.overdue_total,
        themes=theme_trends(records.review_themes, records.action_themes, theme_period, today),
        dissemination=records.dissemination,
        chair_gaps=chair_gaps(uow, scope),
    )


def chair_gaps(
    uow: UnitOfWork, scope: Scope, review_id: int | None = None
) -> tuple[chair_cover.ChairGap, ...]:
    """The partnership's open reviews (or the one) whose chair's part goes to the admins or
    to nobody (`chair_cover.chair_gaps`), for those who see the whole partnership: the admins
    can name a deputy chair, and a manager or chair can tell them. Nobody else is shown it
    (a practitioner can do nothing about it), and it is read only for them."""
    if scope.kind is not ScopeKind.PARTNERSHIP:
        return ()
    seats, admins = uow.summaries.chair_seats(scope.partnership_id, review_id)
    return chair_cover.chair_gaps(seats, admins)


def _known_agency(
    agencies: Sequence[tuple[int, str]], agency_id: int | None
) -> tuple[int, str] | None:
    if agency_id is None:
        return None
    for known in agencies:
        if known[0] == agency_id:
            return known
    raise NotFound("That agency isn't in your partnership. Type dashboard to see them all.")


def _late(row: OverdueRow, today: date, policy: ChaserPolicy) -> LateItem:
    late = policy.calendar.working_days_between(policy.calendar.next_working_day(row.due_on), today)
    rated = action_rag(row.status, row.due_on, None, today, policy)
    return LateItem(row, max(late, 0), rated, late_chase_text(row, today, policy))


# The statuses whose chaser goes to the review's chair, not the owner: the owner of a blocked
# item has said they can't move, and an escalated one is the chair's to decide
# (`chasers.ChaseKind.BLOCKED`, `ESCALATED`).
_CHAIR_CHASED: Final = frozenset({ActionStatus.BLOCKED, ActionStatus.ESCALATED})


class Chased(Protocol):
    """What an item's chase words are read from: an overdue row, or an item as loaded
    (`actions.ActionDetail`, for the monthly digest)."""

    @property
    def status(self) -> ActionStatus: ...
    @property
    def chase_count(self) -> int: ...
    @property
    def owner_chase_count(self) -> int | None: ...
    @property
    def owner_name(self) -> str | None: ...
    @property
    def next_chase_at(self) -> datetime | None: ...


def late_chase_text(row: Chased, today: date, policy: ChaserPolicy) -> str:
    """How an overdue item has been chased, as the overdue list, the dashboard and the LIC
    group's monthly digest say it. Never chased but with a chaser planned: when ("first
    reminder due Mon 7 Dec"), since "not chased yet" on an item days late reads as a fault
    when its first chaser is simply planned (an overdue item is chased on a cadence from its
    due date, so that may be a day or two on, not the next morning); "not chased yet" with
    nothing planned. A chaser Teams couldn't deliver is counted as one (`chase_engine.SETTLES`:
    it climbs the escalation ladder, and the chair is told of it), so it reads as "chased".

    Blocked or escalated, its chaser goes to the review's chair, never its owner: the status
    first, then what the owner had, then when the chair is reminded ("Blocked · owner not
    chased · chair's reminder due Mon 7 Dec"), not a "first reminder" its owner won't get."""
    at = row.next_chase_at
    planned = None if at is None else policy.local_date(at)
    when = None if planned is None else "today" if planned <= today else day_text(planned, today)
    chased = chased_text(row.chase_count, row.owner_chase_count, row.owner_name)
    if row.status in _CHAIR_CHASED:
        had = chased if row.chase_count > 0 else "owner not chased"
        parts = [status_label(row.status), had, *([f"chair's reminder due {when}"] if when else [])]
        return " · ".join(parts)
    if row.chase_count > 0 or when is None:
        return chased
    return f"first reminder due {when}"


def theme_trends(
    review_themes: Sequence[ThemeTally],
    action_themes: Sequence[ThemeTally],
    period: Period,
    today: date | None = None,
) -> tuple[ThemeTrend, ...]:
    """Each theme's count in the period, by quarter, most frequent first. Quarters after
    today's are left out: a future quarter plotted as zero reads as a fall."""
    quarters = period.quarters()
    if today is not None:
        now = (today.year, (today.month - 1) // 3 + 1)
        quarters = tuple(q for q in quarters if q <= now) or quarters[:1]
    names = [f"{y} Q{q}" for y, q in quarters]
    reviews: dict[str, int] = {}
    actions: dict[str, int] = {}
    # slug -> quarter -> [reviews, action items]: kept apart, never summed
    by_quarter: dict[str, dict[tuple[int, int], list[int]]] = {}
    for column, (tallies, totals) in enumerate(
        ((review_themes, reviews), (action_themes, actions))
    ):
        for tally in tallies:
            key = (tally.year, (tally.month - 1) // 3 + 1)
            totals[tally.slug] = totals.get(tally.slug, 0) + tally.count
            slot = by_quarter.setdefault(tally.slug, {}).setdefault(key, [0, 0])
            slot[column] += tally.count
    trends = [
        ThemeTrend(
            slug,
            theme_label(slug),
            reviews.get(slug, 0),
            actions.get(slug, 0),
            tuple(
                QuarterThemes(name, *by_quarter[slug].get(q, (0, 0)))
                for name, q in zip(names, quarters, strict=True)
            ),
        )
        for slug in by_quarter
    ]
    return tuple(sorted(trends, key=lambda t: (-t.reviews, -t.actions, t.label)))


# --- the overdue list --------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueList:
    scope: Scope
    agency: tuple[int, str] | None
    items: tuple[LateItem, ...]
    total: int
    page: int
    pages: int
    # One review's, when the question named it: its id and "LOS-2026-004 · Child K".
    review: tuple[int, str] | None = None
    # Only items agreed in this period, when the question named one (DASHBOARD_BASIS).
    period: Period | None = None


def overdue_list(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    agency_id: int | None,
    page: int,
    today: date,
    review_id: object = None,
    period: Period | None = None,
) -> OverdueList:
    """The overdue action items the member may see, oldest first: of one agency, of one
    review they may see (`review_id`, from card data: checked, never trusted), or both; and,
    given a period, only those agreed in it (as the dashboard counts them, DASHBOARD_BASIS)."""
    scope = scope_for(member)
    policy = policy_of(uow, member.partnership_id)
    agencies = [(i, n) for i, n, _ in uow.summaries.agencies(member.partnership_id)]
    agency = _known_agency(agencies, agency_id)
    review = None
    if review_id is not None:
        seen, _access = _visible(uow, member, review_id)
        review = (seen.id, f"{seen.reference} · {seen.pseudonym}")
    page = max(page, 1)
    rows, total = uow.summaries.overdue(
        replace(scope_filter(scope, agency_id, period), review_id=review[0] if review else None),
        overdue_cutoff(today, policy),
        OVERDUE_PAGE,
        (page - 1) * OVERDUE_PAGE,
    )
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "overdue.viewed",
        ("partnership", member.partnership_id),
        after={
            "scope": scope.kind.value,
            "agency_id": agency_id,
            **({"review_id": review[0]} if review else {}),
            **({"period": period.key} if period else {}),
        },
    )
    pages = max(1, -(-total // OVERDUE_PAGE))
    late = tuple(_late(r, today, policy) for r in rows)
    return OverdueList(scope, agency, late, total, min(page, pages), pages, review, period)


@dataclass(frozen=True)
class OverdueAsk:
    """How `overdue …`'s words were read (walk10 and docs12: a review read alone, its period
    or agency dropped unsaid). `review`: the review they name, or the question which; else
    `agency_words` name an agency (or nothing: every item the member sees). Beside a review
    typed by reference, the other words are tried as its agency (`agency`); words that could
    be several agencies, or come close to some, are `agency_choice` (the card asks which, as
    it does without a review); words that name no agency or period are `unread`, and the card
    says they weren't used."""

    period: Period | None
    review: ReviewMatch | None = None
    agency: tuple[int, str] | None = None
    agency_words: str = ""
    unread: str = ""
    agency_choice: AgencyMatch | None = None


PERIODS_LOOK_LIKE: Final = "Periods look like 2026, 2026-Q3 or last quarter."


def overdue_read_as(listing: OverdueList) -> str:
    """What the overdue list's typed words were read as: its review, agency and period."""
    parts = [listing.review[1]] if listing.review else []
    if listing.agency:
        parts.append(listing.agency[1])
    if listing.period:
        parts.append(f"items agreed in {listing.period.label}")
    return ", ".join(parts)


def unread_words(words: str) -> str:
    """Said of words typed beside a review that named nothing (`OverdueAsk.unread`)."""
    return (
        f"{_capitalised(said_back(words, 40))} names no agency or period I know, so it wasn't "
        f"used. {PERIODS_LOOK_LIKE}"
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def read_overdue(uow: UnitOfWork, member: MemberView, text: str, today: date) -> OverdueAsk:
    words = asked_words(text, today)
    named = review_named(uow, member, words.reference or words.rest, today)
    if named is None:
        # A reference to no review they see stays in the words, so what is said of them
        # names it (never every item instead).
        typed = " ".join(w for w in (words.reference, words.rest) if w)
        return OverdueAsk(words.period, agency_words=typed)
    if named.found is None or words.reference is None or not words.rest:
        # A pseudonym is all of the rest ("child k"): nothing is left beside it.
        return OverdueAsk(words.period, named)
    agencies = uow.summaries.agencies(member.partnership_id)
    agency: AgencyMatch = match_agency(words.rest, agencies)
    if agency.found is not None:
        return OverdueAsk(words.period, named, agency=agency.found)
    if agency.candidates:
        return OverdueAsk(words.period, named, agency_words=words.rest, agency_choice=agency)
    return OverdueAsk(words.period, named, unread=words.rest)


def review_named(uow: UnitOfWork, member: MemberView, text: str, today: date) -> ReviewMatch | None:
    """The review a question's words name, by reference or pseudonym ("child k", "k",
    "LOS-2026-004"), among those the member may see: the one, or the question which of
    several. None when the words aren't written as a review is named, or name no review
    they see closely enough (an agency or a period is tried then)."""
    reference = reference_in(text)
    query = reference or take_period(text, today)[1]
    if reference is None and not looks_like_review(query):
        return None
    match = match_review(query, uow.summaries.visible_reviews(scope_for(member)))
    if match.found is None and match.fit is not Fit.SEVERAL:
        return None
    return match


# --- exports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerLine:
    record: TrackerRecord
    rag: Rag | None

    @property
    def action(self) -> ActionRow:
        return self.record.action


@dataclass(frozen=True)
class Tracker:
    """The LIC action tracker: one line per action item (docs/practice.md, the tracker)."""

    title: str
    scope_note: str
    generated_on: date
    lines: tuple[TrackerLine, ...]
    themes: tuple[ThemeTrend, ...] = field(default=())


def tracker(
    uow: UnitOfWork,
    member: MemberView,
    review_id: int | None,
    agency_id: int | None,
    today: date,
) -> Tracker:
    """The tracker for one review, or for everything the member may see (optionally one
    agency's items). Exports obey the summary's rules."""
    scope = scope_for(member)
    policy = policy_of(uow, member.partnership_id)
    if review_id is not None:
        review, access = _visible(uow, member, review_id)
        where = Filter(
            member.partnership_id,
            review_id=review.id,
            member_id=member.id if access is Access.OWN else None,
        )
        title = f"Action tracker · {review.reference} · {review.pseudonym}"
        note = "Your own action items only." if access is Access.OWN else "Every action item."
    else:
        where = scope_filter(scope, agency_id)
        title = "Action tracker · partnership"
        note = _scope_note(scope)
    records = uow.summaries.tracker(where)
    lines = [TrackerLine(r, rate(r.action, today, policy)) for r in records]
    return Tracker(title, note, today, tuple(lines))


def _scope_note(scope: Scope) -> str:
    return {
        ScopeKind.PARTNERSHIP: "Every review in the partnership.",
        ScopeKind.AGENCY: "Every review involving your agency.",
        ScopeKind.OWN: "Your own action items only.",
    }[scope.kind]


def themes_for_summary(
    uow: UnitOfWork, member: MemberView, summary: ReviewSummary, today: date
) -> tuple[ThemeTrend, ...]:
    """How this review's themes trend across the reviews the member may see, this year."""
    period = year_period(today.year)
    review_tallies, action_tallies = uow.summaries.theme_tallies(
        scope_filter(scope_for(member)), period
    )
    trends = theme_trends(review_tallies, action_tallies, period, today)
    mine = set(summary.themes) | {theme_label(a.row.theme) for a in summary.actions if a.row.theme}
    chosen = [t for t in trends if t.label in mine]
    return tuple(chosen or trends[:6])


# --- wording shared by cards and documents -----------------------------------------------------

RAG_NAMES: Final[Mapping[Rag | None, str]] = {
    Rag.RED: "Red",
    Rag.AMBER: "Amber",
    Rag.GREEN: "Green",
    Rag.BLUE: "Blue",
    None: "Cancelled",
}
SPLIT_NAME: Final = "Split"
# Each rating with the tables' word for it, red first: the order and the legend of every chart
# drawn by RAG (the Word summary's, the XLSX tracker's).
RATINGS: Final[tuple[tuple[Rag | None, str], ...]] = tuple(
    (rag, RAG_NAMES[rag]) for rag in sorted(RAG_ORDER, key=RAG_ORDER.__getitem__)
)


def ratings_by_agency(
    items: Iterable[tuple[ActionRow, Rag | None]],
) -> list[tuple[str, dict[Rag | None, int]]]:
    """Each agency's action items by rating, the most items first: what the Word summary's
    chart and the XLSX tracker's chart draw, by the RAG their tables shade (walk10: a chart
    coloured the status). An item split in two is left out, as `rag_counts` leaves it (its two
    new items count; `split_count` says how many)."""
    agencies: dict[str, dict[Rag | None, int]] = {}
    for row, rag in items:
        if row.status is ActionStatus.SPLIT:
            continue
        counts = agencies.setdefault(row.agency_name or "No lead agency", {})
        counts[rag] = counts.get(rag, 0) + 1
    return sorted(agencies.items(), key=lambda pair: (-sum(pair[1].values()), pair[0]))


def split_count(rows: Iterable[ActionRow]) -> int:
    """How many items were split in two: the charts by RAG leave them out and say so."""
    return sum(1 for row in rows if row.status is ActionStatus.SPLIT)


def split_note(count: int) -> str:
    """What a chart by RAG says under it of the items it leaves out (`ratings_by_agency`)."""
    return (
        f"Not in the chart: {counted(count, 'item')} split in two (the table's "
        f"{SPLIT_NAME}), whose new items are counted."
    )


def working_days_text(count: int) -> str:
    return counted(count, "working day")


def chased_text(count: int, owner_count: int | None = None, owner_name: str | None = None) -> str:
    """How often an item has been chased, as a person would say it ("chased once"). Given
    how many of them since its owner took it on (`owner_count`, `chasers.Tally`), and that is
    fewer: both, "chased 5 times (2 since Police Lead (demo) took it on)", since "chased 5
    times" alone is read as the owner's silence."""
    text = _times_chased(count)
    since = since_owner(count, owner_count, owner_name)
    return f"{text} ({since})" if since else text


def since_owner(count: int, owner_count: int | None, owner_name: str | None = None) -> str | None:
    """How many of an item's `count` chasers were since its owner took it on, when not all
    ("2 since its owner took it on"): the tracker's and the reports' one wording of it."""
    if owner_count is None or owner_count >= count:
        return None
    since = "none" if owner_count <= 0 else str(owner_count)
    return f"{since} since {owner_name or 'its owner'} took it on"


def _times_chased(count: int) -> str:
    if count <= 0:
        return "not chased yet"
    return "chased once" if count == 1 else f"chased {count} times"


def clock_facts(summary: ReviewSummary) -> list[tuple[str, str]]:
    c = summary.clocks
    return [
        ("Stage", STAGE_NAMES[summary.review.stage]),
        ("Open for", open_clock(c)),
        ("Returns", returns_clock(c, summary.returns)),
        ("Meeting", meeting_clock(summary)),
        *hold_fact(summary),
    ]


def hold_fact(summary: ReviewSummary) -> list[tuple[str, str]]:
    """A held review says so wherever its summary is read (card and Word): "On legal hold
    since Mon 7 Dec 2026 (Coroner's inquest)". The reason is for those who see the whole
    review; a reader of their own part is told only that it is held."""
    whole = summary.access is Access.FULL
    if summary.legal_hold:
        return [("Legal hold", on_hold_line(summary.hold, with_reason=whole))]
    if summary.lifted is not None:  # who lifted it and why were on the audit trail only
        return [("Legal hold", lifted_summary_line(summary.lifted, whole=whole))]
    return []


def open_clock(c: Clocks) -> str:
    """How long the review has been open; a closed review's clock stopped the day it closed."""
    days = working_days_text(c.working_days_open)
    if c.closed_on is None:
        return f"{days} (since {short_date(c.opened_on)})"
    return f"{days} until it closed on {short_date(c.closed_on)} (opened {short_date(c.opened_on)})"


def returns_clock(c: Clocks, returns: Sequence[ReturnLine]) -> str:
    """What happened to the returns: "All 4 in" only when four were handed in; a nil return
    or one the meeting went ahead without is said as such, never counted as in."""
    total = len(returns)
    handed_in = sum(1 for r in returns if r.status in SUBMITTED)
    nil = sum(1 for r in returns if r.status is ReturnStatus.NIL)
    without = sum(1 for r in returns if r.status is ReturnStatus.PROCEEDED_WITHOUT)
    decided = [f"{n} {what}" for n, what in ((nil, "nil"), (without, "proceeded without")) if n]
    if total and c.returns_all_in:
        if not decided:
            return f"All {total} in"
        return ", ".join([f"{handed_in} in"] * bool(handed_in) + decided)
    count = ", ".join([f"{handed_in} of {total} in", *decided]) if total else "No agency returns"
    if c.returns_due_on is None or c.returns_due_in is None:
        return f"{count} · no due date"
    due = short_date(c.returns_due_on)
    if c.returns_due_in >= 0:
        return f"{count} · due {due} (in {working_days_text(c.returns_due_in)})"
    return f"{count} · overdue by {working_days_text(-c.returns_due_in)} (due {due})"


def meeting_clock(summary: ReviewSummary) -> str:
    c = summary.clocks
    if c.meeting_on is None or c.meeting_in is None:
        return "Not set"
    held = meeting_held_on(summary.review.stage, c.meeting_on, c.held_on)
    if held is not None:
        return f"Held {short_date(held)}"
    if c.meeting_in >= 0:
        return f"{short_date(c.meeting_on)} (in {working_days_text(c.meeting_in)})"
    ago = working_days_text(-c.meeting_in)
    return f"{short_date(c.meeting_on)} ({ago} ago, outcome not yet recorded)"


def rag_line(counts: Mapping[Rag | None, int], split: int = 0) -> str:
    parts = [
        f"{counts.get(r, 0)} {RAG_NAMES[r].lower()}"
        for r in (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE)
    ]
    if counts.get(None):
        parts.append(f"{counts[None]} cancelled")
    if split:
        parts.append(f"{split} split in two")
    return " · ".join(parts)


def rag_name(rag: Rag | None, status: ActionStatus) -> str:
    """The RAG column's word: an item split in two has no rating, and says so (its two new
    items have theirs); any other item without one was cancelled."""
    return SPLIT_NAME if status is ActionStatus.SPLIT else RAG_NAMES[rag]


def guide_line(summary: ReviewSummary) -> str:
    return guide_status_line(summary.guide)


def guide_status_line(guide: GuideStatus) -> str:
    """Where the review's 7-minute briefing stands, as the summary and its Word copy say it:
    sent for approval is said so (with the day), not "drafted"."""
    if not guide.drafted:
        return "Not started."
    sent = (
        f"Sent for approval on {short_date(guide.awaiting_since)}" if guide.awaiting_since else ""
    )
    if not guide.published:
        return f"{sent}, not yet published." if sent else "Drafted, not yet published."
    return (
        f"Published {short_date(guide.published_on)} · "
        f"{counted(guide.usage_returns, 'usage return')}, {guide.staff_reached} staff reached."
        + (f" Its next version: {sent[0].lower()}{sent[1:]}." if sent else "")
    )
