"""SQL for the review summary, the dashboard, the overdue list and the action tracker.

Every method issues a fixed number of statements, whatever the number of reviews or action
items: counts are GROUP BY aggregations, an item's latest word comes from its history read in
one statement for every item (`storage.actions.history_statement`), and theme lists stored as
JSON arrays are unnested in SQL (json_each on SQLite, json_array_elements_text on
PostgreSQL). tests/storage/test_summaries.py checks both the answers, on both backends, and
that the statement count stays flat as the data grows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    exists,
    extract,
    func,
    not_,
    or_,
    true,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from domain import chair_cover
from domain.action_history import HistoryEntry, latest, owner_rag
from domain.chase_engine import (
    ATTEMPTED,
    CLAIMED,
    INTERRUPTED,
    REPORT_RECIPIENTS,
    SENT,
    UNKNOWN,
)
from domain.guide import GuideState
from domain.model import ActionStatus, ReturnStatus, ReviewStage, Role
from domain.phrasing import Period, ReviewRef
from domain.summaries import (
    LIVE,
    ActionRow,
    AgencyStatus,
    DashboardRecords,
    Dissemination,
    EscalationLine,
    Filter,
    GuideStatus,
    ImpactLine,
    Involvement,
    OverdueRow,
    ProgressLine,
    ReturnDates,
    ReturnLine,
    Scope,
    ScopeKind,
    SummaryRecords,
    ThemeTally,
    TrackerRecord,
)
from domain.transitions import OPEN_STAGES
from storage import tables as t
from storage.actions import history_entry, history_statement
from storage.directory import active_with_role
from storage.reviews import review_view as _review_view

_AI = t.ActionItem
_LIVE = [status.value for status in LIVE]
_ESCALATION_AUDIENCES = ("agency_lead", "chair", "lic_channel")
# Chaser log attempts still open, and those that may have reached the recipient.
_OPEN_ATTEMPTS = (CLAIMED, ATTEMPTED)
_MAY_HAVE_ARRIVED = (SENT, UNKNOWN, INTERRUPTED)


def _select(*columns: Any) -> Any:
    # sqlmodel's select is typed for up to four columns; these queries read more.
    return sa_select(*columns)


def _effective_due() -> Any:
    return func.coalesce(col(_AI.revised_due_on), col(_AI.due_on))


# A removed agency's return (withdrawn) involves neither the agency nor its practitioners.
_ON_REVIEW = col(t.PreAnalysisReturn.status) != ReturnStatus.WITHDRAWN.value


def _involving(agency: BindParameter[Any]) -> ColumnElement[bool]:
    """Reviews with a return or an action item of the agency (or, for an expanding parameter,
    of any of the agencies)."""

    def of(column: Any) -> ColumnElement[bool]:
        matches: ColumnElement[bool] = column.in_(agency) if agency.expanding else column == agency
        return matches

    return or_(
        col(t.Review.id).in_(
            select(t.PreAnalysisReturn.review_id).where(
                of(col(t.PreAnalysisReturn.agency_id)), _ON_REVIEW
            )
        ),
        col(t.Review.id).in_(select(_AI.review_id).where(of(col(_AI.agency_id)))),
    )


def _works_on(member_id: int | BindParameter[Any]) -> ColumnElement[bool]:
    """Reviews where the member completes a return or owns an action item."""
    return or_(
        col(t.Review.id).in_(
            select(t.PreAnalysisReturn.review_id)
            .join(t.ReturnAssignee, col(t.ReturnAssignee.return_id) == col(t.PreAnalysisReturn.id))
            .where(col(t.ReturnAssignee.member_id) == member_id, _ON_REVIEW)
        ),
        col(t.Review.id).in_(select(_AI.review_id).where(col(_AI.owner_member_id) == member_id)),
    )


# A Filter's conditions are written with bound parameters named after its fields, so a
# statement depends only on which fields are set (its shape), never on their values: the
# review summary's statements are then built once (the module-level ones below, and
# _action_rows_statement and _impacts_statement per shape), as building them cost more than
# running them. Every statement runs with _params(where).
_PARAM: dict[str, BindParameter[Any]] = {
    name: bindparam(name)
    for name in (
        "partnership_id",
        "review_id",
        "member_id",
        "agency_id",
        "period_start",
        "period_end",
    )
} | {"involving_agency_ids": bindparam("involving_agency_ids", expanding=True)}


@dataclass(frozen=True)
class _Shape:
    review: bool
    involving_agency: bool
    member: bool
    agency: bool
    period: bool


def _shape(where: Filter) -> _Shape:
    return _Shape(
        where.review_id is not None,
        where.involving_agency_ids is not None,
        where.member_id is not None,
        where.agency_id is not None,
        where.period is not None,
    )


def _params(where: Filter) -> dict[str, Any]:
    period = where.period
    return {
        "partnership_id": where.partnership_id,
        "review_id": where.review_id,
        "involving_agency_ids": sorted(where.involving_agency_ids or ()),
        "member_id": where.member_id,
        "agency_id": where.agency_id,
        "period_start": period.start if period else None,
        "period_end": period.end if period else None,
    }


def _review_conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    conditions = [col(t.Review.partnership_id) == _PARAM["partnership_id"]]
    if shape.review:
        conditions.append(col(t.Review.id) == _PARAM["review_id"])
    if shape.involving_agency:
        conditions.append(_involving(_PARAM["involving_agency_ids"]))
    if shape.member:
        conditions.append(_works_on(_PARAM["member_id"]))
    if shape.agency:
        conditions.append(_involving(_PARAM["agency_id"]))
    if shape.period:
        conditions.append(review_day().between(_PARAM["period_start"], _PARAM["period_end"]))
    return conditions


def _item_conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    """For a query over action_item joined to review."""
    conditions = [col(t.Review.partnership_id) == _PARAM["partnership_id"]]
    if shape.review:
        conditions.append(col(_AI.review_id) == _PARAM["review_id"])
    if shape.involving_agency:
        conditions.append(_involving(_PARAM["involving_agency_ids"]))
    if shape.member:
        conditions.append(col(_AI.owner_member_id) == _PARAM["member_id"])
    if shape.agency:
        conditions.append(col(_AI.agency_id) == _PARAM["agency_id"])
    if shape.period:
        agreed = func.coalesce(col(_AI.agreed_on), review_day())
        conditions.append(agreed.between(_PARAM["period_start"], _PARAM["period_end"]))
    return conditions


def review_day() -> ColumnElement[Any]:
    """The day a review counts on in a period (DASHBOARD_BASIS): its meeting, as held, else as
    planned, else the day it opened. Its action items count on the day they were agreed at
    that meeting, so one review's reviews and actions fall in the same period."""
    outcome = aliased(t.MeetingOutcome)  # the outer query may join meeting_outcome itself
    held = (
        sa_select(col(outcome.meeting_on))
        .where(col(outcome.review_id) == col(t.Review.id))
        .correlate(t.Review)
        .scalar_subquery()
    )
    return func.coalesce(held, col(t.Review.meeting_on), col(t.Review.opened_on))


def _item_ids(shape: _Shape) -> Any:
    return (
        select(_AI.id)
        .join(t.Review, col(t.Review.id) == col(_AI.review_id))
        .where(*_item_conditions(shape))
    )


def _overdue(cutoff: date) -> ColumnElement[bool]:
    return and_(col(_AI.status).in_(_LIVE), _effective_due() <= cutoff)


def _year_month(day: Any) -> tuple[Any, Any]:
    return cast(extract("year", day), Integer), cast(extract("month", day), Integer)


# --- statements built once: one review's summary, the read behind every `summary` turn ------

# Whether a hold on the review was ever lifted, in the same read (the summary's statements
# stay as many): only a review whose hold was lifted reads who lifted it, when and why.
_HOLD_LIFTED = (
    exists()
    .where(
        col(t.AuditEvent.record_type) == "review",
        col(t.AuditEvent.record_id) == bindparam("review_key"),
        col(t.AuditEvent.action) == "review.legal_hold_lifted",
        col(t.AuditEvent.partnership_id) == col(t.Review.partnership_id),
    )
    .correlate(t.Review)
)
# The review's chair's access ended (`SummaryRecords.chair_left`): only then is who reads the
# chair's part looked up, so a summary costs no more statements than before.
_CHAIR_LEFT = (
    exists()
    .where(col(t.Member.id) == col(t.Review.chair_member_id), col(t.Member.active).is_(False))
    .correlate(t.Review)
)
_REVIEW_PARTNERSHIP = sa_select(
    col(t.Review.partnership_id),
    col(t.Review.legal_hold),
    _HOLD_LIFTED.label("hold_lifted"),
    _CHAIR_LEFT.label("chair_left"),
).where(col(t.Review.id) == _PARAM["review_id"])
_POLICY = select(t.Partnership.settings).where(col(t.Partnership.id) == _PARAM["partnership_id"])
_OUTCOME = select(
    t.MeetingOutcome.agreed_themes,
    t.MeetingOutcome.learning_needs,
    col(t.MeetingOutcome.published_at),
    col(t.MeetingOutcome.meeting_on),
).where(col(t.MeetingOutcome.review_id) == _PARAM["review_id"])
_INVOLVED_AGENCIES = (
    select(t.PreAnalysisReturn.agency_id)
    .where(col(t.PreAnalysisReturn.review_id) == _PARAM["review_id"], _ON_REVIEW)
    .union(
        select(_AI.agency_id).where(
            col(_AI.review_id) == _PARAM["review_id"], col(_AI.agency_id).is_not(None)
        )
    )
)
_WORKS_ON_REVIEW = select(
    exists()
    .where(
        col(t.ReturnAssignee.return_id) == col(t.PreAnalysisReturn.id),
        col(t.PreAnalysisReturn.review_id) == _PARAM["review_id"],
        col(t.ReturnAssignee.member_id) == _PARAM["member_id"],
        _ON_REVIEW,
    )
    .correlate(None),
    exists()
    .where(
        col(_AI.review_id) == _PARAM["review_id"],
        col(_AI.owner_member_id) == _PARAM["member_id"],
    )
    .correlate(None),
)
_RETURN_LINES = (
    _select(
        t.PreAnalysisReturn.id,
        t.Agency.name,
        t.PreAnalysisReturn.status,
        t.PreAnalysisReturn.due_on,
        t.shown_name(),
    )
    .join(t.Agency, col(t.Agency.id) == col(t.PreAnalysisReturn.agency_id))
    .outerjoin(t.ReturnAssignee, col(t.ReturnAssignee.return_id) == col(t.PreAnalysisReturn.id))
    .outerjoin(t.Member, col(t.Member.id) == col(t.ReturnAssignee.member_id))
    .where(
        col(t.PreAnalysisReturn.review_id) == _PARAM["review_id"],
        _ON_REVIEW,  # removed agencies
    )
    .order_by(col(t.Agency.name), col(t.Member.display_name))
)
_OWN_RETURN_LINES = _RETURN_LINES.where(
    col(t.PreAnalysisReturn.id).in_(
        select(t.ReturnAssignee.return_id).where(
            col(t.ReturnAssignee.member_id) == _PARAM["member_id"]
        )
    )
)
_HELD_DATES = (
    select(t.MeetingOutcome.review_id, col(t.MeetingOutcome.meeting_on))
    .join(t.Review, col(t.Review.id) == col(t.MeetingOutcome.review_id))
    .where(
        col(t.Review.partnership_id) == _PARAM["partnership_id"],
        col(t.MeetingOutcome.meeting_on).is_not(None),
    )
)
_RETURN_DATES = (
    _select(
        t.PreAnalysisReturn.review_id,
        t.Agency.name,
        t.PreAnalysisReturn.status,
        t.PreAnalysisReturn.due_on,
        t.PreAnalysisReturn.submitted_at,
    )
    .join(t.Agency, col(t.Agency.id) == col(t.PreAnalysisReturn.agency_id))
    .join(t.Review, col(t.Review.id) == col(t.PreAnalysisReturn.review_id))
    .where(
        col(t.Review.partnership_id) == _PARAM["partnership_id"],
        col(t.PreAnalysisReturn.due_on) >= _PARAM["period_start"],
        col(t.PreAnalysisReturn.due_on) <= _PARAM["period_end"],
        _ON_REVIEW,  # removed agencies
    )
    .order_by(col(t.PreAnalysisReturn.review_id), col(t.Agency.name))
)
_GUIDE_USES = (
    select(func.count(col(t.DisseminationReturn.id)))
    .where(col(t.DisseminationReturn.guide_id) == col(t.SevenMinuteGuide.id))
    .scalar_subquery()
)
_GUIDE_STAFF = (
    select(func.coalesce(func.sum(t.DisseminationReturn.staff_count), 0))
    .where(col(t.DisseminationReturn.guide_id) == col(t.SevenMinuteGuide.id))
    .scalar_subquery()
)
_GUIDE = _select(
    t.SevenMinuteGuide.published,
    t.SevenMinuteGuide.published_at,
    _GUIDE_USES,
    _GUIDE_STAFF,
    t.SevenMinuteGuide.state,
    t.SevenMinuteGuide.submitted_at,
).where(col(t.SevenMinuteGuide.review_id) == _PARAM["review_id"])


def _whose(scope: Scope) -> str:
    if scope.kind is ScopeKind.AGENCY and scope.agency_ids:
        return "agency"
    return "all" if scope.kind is ScopeKind.PARTNERSHIP else "own"


@lru_cache(maxsize=4)
def _visible_reviews_statement(whose: str) -> Any:
    """Reviews a scope sees, newest first: "all" the partnership's, an "agency"'s (those it is
    involved in, or the member works on) or the member's "own"."""
    query = _select(
        t.Review.id, t.Review.reference, t.Review.pseudonym, t.Review.year, t.Review.sequence
    ).where(col(t.Review.partnership_id) == _PARAM["partnership_id"])
    if whose == "agency":
        query = query.where(
            or_(_involving(_PARAM["involving_agency_ids"]), _works_on(_PARAM["member_id"]))
        )
    elif whose == "own":
        query = query.where(_works_on(_PARAM["member_id"]))
    return query.order_by(col(t.Review.year).desc(), col(t.Review.sequence).desc())


class SqlSummaries:
    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    def _json_elements(self, column: Any) -> Any:
        if self._postgres:
            return func.json_array_elements_text(column).table_valued("value")
        return func.json_each(column).table_valued("value")

    # --- lookups ------------------------------------------------------------------------------

    def policy_settings(self, partnership_id: int) -> Mapping[str, object]:
        settings = self._session.scalar(_POLICY, {"partnership_id": partnership_id})
        policy = settings.get("chaser_policy") if isinstance(settings, dict) else None
        return policy if isinstance(policy, dict) else {}

    def agencies(self, partnership_id: int) -> list[tuple[int, str, str]]:
        rows = self._session.execute(
            select(t.Agency.id, t.Agency.name, t.Agency.sector)
            .where(col(t.Agency.partnership_id) == partnership_id)
            .order_by(col(t.Agency.name))
        ).all()
        return [(int(i), str(n), str(s)) for i, n, s in rows]

    def chair_seats(
        self, partnership_id: int, review_id: int | None = None
    ) -> tuple[list[chair_cover.ReviewSeat], tuple[int, ...]]:
        # Two statements, only for a viewer who sees the whole partnership: the open reviews
        # whose chair's access ended (few, usually none), then, only if there are any, the
        # admins (`chase_engine.chair_readers` reads the same two facts for the sweep).
        chair = aliased(t.Member)
        deputy = aliased(t.Member)
        query = (
            sa_select(
                col(t.Review.id),
                col(t.Review.reference),
                col(t.Review.pseudonym),
                col(t.Review.stage),
                col(chair.id),
                col(chair.display_name),
                col(t.Review.deputy_chair_member_id),
                col(deputy.active),
            )
            .join(chair, col(chair.id) == col(t.Review.chair_member_id))
            .outerjoin(deputy, col(deputy.id) == col(t.Review.deputy_chair_member_id))
            .where(
                col(t.Review.partnership_id) == partnership_id,
                col(t.Review.stage).in_([s.value for s in OPEN_STAGES]),
                col(chair.active).is_(False),
            )
            .order_by(col(t.Review.year), col(t.Review.sequence))
        )
        if review_id is not None:
            query = query.where(col(t.Review.id) == review_id)
        seats = [
            chair_cover.ReviewSeat(
                int(i or 0),
                str(reference),
                str(pseudonym),
                ReviewStage(stage),
                str(name),
                chair_cover.Seat(
                    int(chair_id or 0),
                    True,
                    None if deputy_id is None else int(deputy_id),
                    deputy_id is not None and not deputy_active,
                ),
            )
            for i, reference, pseudonym, stage, chair_id, name, deputy_id, deputy_active in (
                self._session.execute(query).all()
            )
        ]
        if not seats:
            return [], ()
        return seats, tuple(active_with_role(self._session, partnership_id, Role.ADMIN))

    def visible_reviews(self, scope: Scope) -> list[ReviewRef]:
        rows = self._session.execute(
            _visible_reviews_statement(_whose(scope)),
            {
                "partnership_id": scope.partnership_id,
                "involving_agency_ids": sorted(scope.agency_ids),
                "member_id": scope.member_id,
            },
        ).all()
        return [ReviewRef(int(i), str(r), str(p), int(y), int(s)) for i, r, p, y, s in rows]

    def involvement(
        self, partnership_id: int, review_id: int, member_id: int
    ) -> Involvement | None:
        review = self._session.get(t.Review, review_id)
        if review is None or review.partnership_id != partnership_id:
            return None
        params = {"review_id": review_id, "member_id": member_id}
        agencies = self._session.scalars(_INVOLVED_AGENCIES, params).all()
        assigned, owns = self._session.execute(_WORKS_ON_REVIEW, params).one()
        return Involvement(
            _review_view(review),
            frozenset(int(a) for a in agencies if a is not None),
            bool(assigned),
            bool(owns),
        )

    # --- the review summary -------------------------------------------------------------------

    def review_records(self, review_id: int, owner_id: int | None) -> SummaryRecords:
        found = self._session.execute(
            _REVIEW_PARTNERSHIP, {"review_id": review_id, "review_key": str(review_id)}
        ).first()
        partnership_id, legal_hold, lifted, chair_left = (
            found if found else (None, False, False, False)
        )
        where = Filter(int(partnership_id or 0), review_id=review_id, member_id=owner_id)
        outcome = self._session.execute(_OUTCOME, {"review_id": review_id}).first()
        themes, needs, published, held = outcome if outcome else ([], [], None, None)
        return SummaryRecords(
            returns=self._returns(review_id, owner_id),
            agreed_themes=tuple(str(x) for x in themes or ()),
            learning_needs=tuple(str(x) for x in needs or ()),
            outcome_published=published is not None,
            actions=tuple(self._action_rows(where)),
            impacts=tuple(self._impacts(where)),
            guide=self._guide(review_id),
            held_on=held,
            legal_hold=bool(legal_hold),
            hold_lifted=bool(lifted) and not legal_hold,
            chair_left=bool(chair_left),
        )

    def _returns(self, review_id: int, owner_id: int | None) -> tuple[ReturnLine, ...]:
        query = _OWN_RETURN_LINES if owner_id is not None else _RETURN_LINES
        params = {"review_id": review_id, "member_id": owner_id}
        grouped: dict[int, tuple[str, str, date | None, list[str]]] = {}
        for return_id, agency, status, due, name in self._session.execute(query, params).all():
            entry = grouped.setdefault(int(return_id), (str(agency), str(status), due, []))
            if name:
                entry[3].append(str(name))
        return tuple(
            ReturnLine(agency, ReturnStatus(status), due, tuple(names))
            for agency, status, due, names in grouped.values()
        )

    def _action_rows(self, where: Filter) -> list[ActionRow]:
        rows = self._session.execute(_action_rows_statement(_shape(where)), _params(where)).all()
        histories: dict[int, list[HistoryEntry]] = {}
        for entry in self._session.execute(_histories_statement(_shape(where)), _params(where)):
            histories.setdefault(entry.action_item_id, []).append(history_entry(entry))
        return [
            ActionRow(
                id=int(item.id or 0),
                review_id=item.review_id,
                review_reference=str(reference),
                pseudonym=str(pseudonym),
                reference=item.reference,
                description=item.description,
                finding=item.finding,
                theme=item.theme,
                success_measure=item.success_measure,
                status=ActionStatus(item.status),
                owner_name=owner,
                agency_name=agency,
                agreed_on=item.agreed_on,
                due_on=item.due_on,
                revised_due_on=item.revised_due_on,
                revised_due_reason=item.revised_due_reason,
                chase_count=item.chase_count,
                evidence=_evidence(item.evidence_text, item.evidence_link),
                latest=latest(histories.get(item.id or 0, ())),
                latest_rag=owner_rag(histories.get(item.id or 0, ())),
                impact_closed=bool(closed),
                owner_chase_count=item.owner_chase_count,
            )
            for item, reference, pseudonym, owner, agency, closed in rows
        ]

    def _impacts(self, where: Filter) -> list[ImpactLine]:
        rows = self._session.execute(_impacts_statement(_shape(where)), _params(where)).all()
        return [_impact(record, str(reference)) for record, reference in rows]

    def _guide(self, review_id: int) -> GuideStatus:
        row = self._session.execute(_GUIDE, {"review_id": review_id}).first()
        if row is None:
            return GuideStatus()
        published, published_at, used, reached, state, submitted_at = row
        awaiting = state == GuideState.AWAITING_APPROVAL.value and submitted_at is not None
        return GuideStatus(
            True,
            bool(published),
            published_at.date() if published_at else None,
            int(used or 0),
            int(reached or 0),
            submitted_at.date() if awaiting else None,
        )

    # --- the dashboard ------------------------------------------------------------------------

    def dashboard(
        self, where: Filter, overdue_by: date, themes_within: Period, overdue_limit: int
    ) -> DashboardRecords:
        stages = self._session.execute(
            select(t.Review.stage, func.count())
            .where(*_review_conditions(_shape(where)))
            .group_by(col(t.Review.stage)),
            _params(where),
        ).all()
        overdue, total = self.overdue(where, overdue_by, overdue_limit, 0)
        review_themes, action_themes = self.theme_tallies(where, themes_within)
        return DashboardRecords(
            stages={str(stage): int(count) for stage, count in stages},
            by_agency=tuple(self._by_agency(where, overdue_by)),
            overdue=tuple(overdue),
            overdue_total=total,
            review_themes=tuple(review_themes),
            action_themes=tuple(action_themes),
            dissemination=self._dissemination(where),
        )

    def _by_agency(self, where: Filter, overdue_by: date) -> list[AgencyStatus]:
        rows = self._session.execute(
            _select(
                _AI.agency_id,
                t.Agency.name,
                _AI.status,
                func.count(),
                func.sum(case((_overdue(overdue_by), 1), else_=0)),
            )
            .join(t.Review, col(t.Review.id) == col(_AI.review_id))
            .outerjoin(t.Agency, col(t.Agency.id) == col(_AI.agency_id))
            .where(*_item_conditions(_shape(where)))
            .group_by(col(_AI.agency_id), col(t.Agency.name), col(_AI.status)),
            _params(where),
        ).all()
        agencies: dict[int | None, tuple[str, dict[str, int], list[int]]] = {}
        for agency_id, name, status, count, late in rows:
            entry = agencies.setdefault(agency_id, (name or "No lead agency", {}, [0]))
            entry[1][str(status)] = int(count)
            entry[2][0] += int(late or 0)
        return [
            AgencyStatus(agency_id, name, counts, late[0])
            for agency_id, (name, counts, late) in agencies.items()
        ]

    def overdue(
        self, where: Filter, overdue_by: date, limit: int, offset: int
    ) -> tuple[list[OverdueRow], int]:
        due = _effective_due()
        conditions = [*_item_conditions(_shape(where)), _overdue(overdue_by)]
        rows = self._session.execute(
            _select(
                _AI.id,
                _AI.reference,
                t.Review.id,
                t.Review.reference,
                _AI.description,
                t.shown_name(),
                t.Agency.name,
                due,
                _AI.status,
                _AI.chase_count,
                _AI.owner_chase_count,
                _AI.next_chase_at,
                _AI.last_chase_outcome,
            )
            .join(t.Review, col(t.Review.id) == col(_AI.review_id))
            .outerjoin(t.Member, col(t.Member.id) == col(_AI.owner_member_id))
            .outerjoin(t.Agency, col(t.Agency.id) == col(_AI.agency_id))
            .where(*conditions)
            .order_by(due, col(_AI.id))
            .limit(limit)
            .offset(offset),
            _params(where),
        ).all()
        total = self._session.scalar(
            select(func.count())
            .select_from(_AI)
            .join(t.Review, col(t.Review.id) == col(_AI.review_id))
            .where(*conditions),
            _params(where),
        )
        return [
            OverdueRow(
                int(i),
                str(ref),
                int(review_id),
                str(review_ref),
                str(text),
                owner,
                agency,
                _as_date(due_on),
                ActionStatus(status),
                int(chased),
                int(owner_chased),
                _as_utc(next_at),
                outcome,
            )
            for (
                i,
                ref,
                review_id,
                review_ref,
                text,
                owner,
                agency,
                due_on,
                status,
                chased,
                owner_chased,
                next_at,
                outcome,
            ) in rows
        ], int(total or 0)

    def theme_tallies(
        self, where: Filter, themes_within: Period
    ) -> tuple[list[ThemeTally], list[ThemeTally]]:
        elements = self._json_elements(col(t.MeetingOutcome.agreed_themes))
        day = review_day()
        year, month = _year_month(day)
        theme = elements.c.value
        reviews = self._session.execute(
            select(theme, year, month, func.count(distinct(col(t.Review.id))))
            .select_from(t.MeetingOutcome)
            .join(t.Review, col(t.Review.id) == col(t.MeetingOutcome.review_id))
            .join(elements, true())
            .where(
                *_review_conditions(_shape(where)),
                col(t.MeetingOutcome.published_at).is_not(None),
                day.between(themes_within.start, themes_within.end),
            )
            .group_by(theme, year, month),
            _params(where),
        ).all()
        action_year, action_month = _year_month(col(_AI.agreed_on))
        actions = self._session.execute(
            select(_AI.theme, action_year, action_month, func.count())
            .join(t.Review, col(t.Review.id) == col(_AI.review_id))
            .where(
                *_item_conditions(_shape(where)),
                col(_AI.theme).is_not(None),
                # Cancelled items, and an item split in two (its two new items count).
                col(_AI.status).not_in([ActionStatus.CANCELLED.value, ActionStatus.SPLIT.value]),
                col(_AI.agreed_on).between(themes_within.start, themes_within.end),
            )
            .group_by(col(_AI.theme), action_year, action_month),
            _params(where),
        ).all()
        return _tallies(reviews), _tallies(actions)

    def _dissemination(self, where: Filter) -> Dissemination:
        guides = (
            select(t.SevenMinuteGuide.id, t.SevenMinuteGuide.published, t.SevenMinuteGuide.state)
            .join(t.Review, col(t.Review.id) == col(t.SevenMinuteGuide.review_id))
            .where(*_review_conditions(_shape(where)))
            .subquery()
        )
        usage = (
            select(func.count(col(t.DisseminationReturn.id)))
            .where(col(t.DisseminationReturn.guide_id).in_(select(guides.c.id)))
            .scalar_subquery()
        )
        staff = (
            select(func.coalesce(func.sum(t.DisseminationReturn.staff_count), 0))
            .where(col(t.DisseminationReturn.guide_id).in_(select(guides.c.id)))
            .scalar_subquery()
        )
        # A guide never published that waits for its approver (a published one sending its next
        # version counts as published).
        awaiting_first = and_(
            guides.c.state == GuideState.AWAITING_APPROVAL.value, not_(guides.c.published)
        )
        drafted, published, used, reached, awaiting = self._session.execute(
            sa_select(
                func.count(guides.c.id),
                func.coalesce(func.sum(case((guides.c.published, 1), else_=0)), 0),
                usage,
                staff,
                func.coalesce(func.sum(case((awaiting_first, 1), else_=0)), 0),
            ).select_from(guides),
            _params(where),
        ).one()
        return Dissemination(
            int(drafted), int(published), int(used or 0), int(reached or 0), int(awaiting)
        )

    # --- the tracker --------------------------------------------------------------------------

    def held_dates(self, partnership_id: int) -> Mapping[int, date]:
        rows = self._session.execute(_HELD_DATES, {"partnership_id": partnership_id}).all()
        return {int(review_id): held for review_id, held in rows if held is not None}

    def return_dates(self, partnership_id: int, due_from: date, due_to: date) -> list[ReturnDates]:
        params = {"partnership_id": partnership_id, "period_start": due_from, "period_end": due_to}
        return [
            ReturnDates(
                int(review_id),
                str(agency),
                ReturnStatus(status),
                due,
                # SQLite hands back naive datetimes; the column holds UTC.
                submitted.replace(tzinfo=submitted.tzinfo or UTC) if submitted else None,
            )
            for review_id, agency, status, due, submitted in self._session.execute(
                _RETURN_DATES, params
            ).all()
        ]

    def tracker(self, where: Filter) -> list[TrackerRecord]:
        actions = self._action_rows(where)
        ids = _item_ids(_shape(where))
        progress: dict[int, list[ProgressLine]] = {}
        for item_id, at, kind, note in self._session.execute(
            select(
                t.ProgressEntry.action_item_id,
                t.ProgressEntry.at,
                t.ProgressEntry.kind,
                t.ProgressEntry.note,
            )
            .where(col(t.ProgressEntry.action_item_id).in_(ids))
            .order_by(col(t.ProgressEntry.at), col(t.ProgressEntry.id)),
            _params(where),
        ).all():
            progress.setdefault(int(item_id), []).append(ProgressLine(at, str(kind), note))
        impacts: dict[int, list[ImpactLine]] = {}
        for record, reference in self._session.execute(
            select(t.ImpactRecord, _AI.reference)
            .join(_AI, col(_AI.id) == col(t.ImpactRecord.action_item_id))
            .where(col(_AI.id).in_(ids))
            .order_by(col(t.ImpactRecord.recorded_at), col(t.ImpactRecord.id)),
            _params(where),
        ).all():
            impacts.setdefault(record.action_item_id, []).append(_impact(record, str(reference)))
        escalations: dict[int, list[EscalationLine]] = {}
        repeated: dict[int, int] = {}
        # The owner's chasers whose sender stopped mid-send, by key, and those sent again.
        interrupted: dict[int, set[str]] = {}
        resent: set[str] = set()
        for subject_id, at, kind, recipient, outcome, again, key in self._session.execute(
            _select(
                t.ChaserLog.subject_id,
                t.ChaserLog.attempted_at,
                t.ChaserLog.kind,
                t.ChaserLog.recipient,
                t.ChaserLog.outcome,
                t.ChaserLog.possibly_repeated,
                t.ChaserLog.idempotency_key,
            )
            .where(
                col(t.ChaserLog.subject_type) == "action_item",
                col(t.ChaserLog.subject_id).in_(ids),
                or_(
                    col(t.ChaserLog.kind) == "escalation",
                    col(t.ChaserLog.recipient).in_(_ESCALATION_AUDIENCES),
                    col(t.ChaserLog.possibly_repeated),
                    col(t.ChaserLog.outcome) == INTERRUPTED,
                ),
                col(t.ChaserLog.outcome).not_in(_OPEN_ATTEMPTS),
                # The chair's reports of an undelivered chaser or copy are no escalation (and
                # were logged as kind "escalation" before they had their own kind).
                col(t.ChaserLog.recipient).not_in(REPORT_RECIPIENTS),
            )
            .order_by(col(t.ChaserLog.attempted_at), col(t.ChaserLog.id)),
            _params(where),
        ).all():
            if kind != "escalation" and recipient not in _ESCALATION_AUDIENCES:
                if again:
                    resent.add(str(key))
                if again and outcome in _MAY_HAVE_ARRIVED:  # the owner's own chaser, sent again
                    repeated[int(subject_id)] = repeated.get(int(subject_id), 0) + 1
                elif outcome == INTERRUPTED:
                    interrupted.setdefault(int(subject_id), set()).add(str(key))
                continue
            escalations.setdefault(int(subject_id), []).append(
                EscalationLine(at, str(kind), str(recipient), str(outcome), bool(again))
            )
        return [
            TrackerRecord(
                a,
                tuple(progress.get(a.id, ())),
                impacts[a.id][-1] if a.id in impacts else None,  # the latest stands
                tuple(escalations.get(a.id, ())),
                repeated.get(a.id, 0),
                # Not sent again (a resend is counted, and marked possibly twice, instead).
                len(interrupted.get(a.id, set()) - resent),
                tuple(impacts.get(a.id, ())),
            )
            for a in actions
        ]


@lru_cache(maxsize=32)
def _histories_statement(shape: _Shape) -> Any:
    """The histories of the items `_action_rows_statement` reads."""
    return history_statement(col(t.ProgressEntry.action_item_id).in_(_item_ids(shape)))


@lru_cache(maxsize=32)
def _action_rows_statement(shape: _Shape) -> Any:
    """Action items and whether the LIC closed them (their histories are read beside them,
    `storage.actions.history_statement`, for the domain's one rule of their latest word)."""
    impact_closed = (
        exists()
        .where(
            col(t.ImpactRecord.action_item_id) == col(_AI.id),
            col(t.ImpactRecord.decision) == "close",
        )
        .label("impact_closed")
    )
    return (
        _select(
            _AI,
            t.Review.reference,
            t.Review.pseudonym,
            t.shown_name(),
            t.Agency.name,
            impact_closed,
        )
        .join(t.Review, col(t.Review.id) == col(_AI.review_id))
        .outerjoin(t.Member, col(t.Member.id) == col(_AI.owner_member_id))
        .outerjoin(t.Agency, col(t.Agency.id) == col(_AI.agency_id))
        .where(*_item_conditions(shape))
        .order_by(col(t.Review.year), col(t.Review.sequence), col(_AI.number))
    )


@lru_cache(maxsize=32)
def _impacts_statement(shape: _Shape) -> Any:
    return (
        select(t.ImpactRecord, _AI.reference)
        .join(_AI, col(_AI.id) == col(t.ImpactRecord.action_item_id))
        .join(t.Review, col(t.Review.id) == col(_AI.review_id))
        .where(*_item_conditions(shape))
        .order_by(col(t.ImpactRecord.recorded_at).desc(), col(t.ImpactRecord.id).desc())
    )


def _tallies(rows: Sequence[Any]) -> list[ThemeTally]:
    return [
        ThemeTally(str(slug), int(year), int(month), int(count))
        for slug, year, month, count in rows
        if slug
    ]


def _impact(record: t.ImpactRecord, reference: str) -> ImpactLine:
    return ImpactLine(
        reference,
        record.how_much,
        record.how_well,
        record.better_off,
        record.evidence,
        record.decision,
        record.minute_reference,
        record.meeting_on,
        record.recorded_at,
    )


def _evidence(text: str | None, link: str | None) -> str | None:
    parts = [p for p in (text, link) if p]
    return "\n".join(parts) or None


def _as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the columns hold UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _as_date(value: Any) -> date:
    # SQLite hands back COALESCE of two date columns as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
