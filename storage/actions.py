"""SQL repositories for action items (updates, impact) and the chaser engine's state."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col, select

from domain.action_history import HistoryEntry, owner_rag
from domain.actions import (
    DATE_REQUEST_SETTLED,
    ActionDetail,
    Digest,
    ImpactInput,
    LicDecision,
    NewSplitItem,
)
from domain.chase_engine import (
    ACCESS_ENDED_NOTICE,
    ACTION,
    ATTEMPTED,
    CLAIMED,
    INTERRUPTED,
    RETURN,
    SENT,
    ChaseRow,
    OpenSend,
    policy_for,
)
from domain.chasers import (
    ChaserPolicy,
    ChaseSubject,
    SubjectKind,
    nil_confirmation_subject,
    sign_off_subject,
)
from domain.directory import ACCESS_ENDED_EVENT, shown_name
from domain.model import ActionStatus, ReturnStatus, ReviewStage, Role
from domain.outcome import action_reference
from storage import atomic
from storage import tables as t
from storage.directory import active_with_role
from storage.reviews import SqlReturns
from storage.tables import utcnow

# Before any leaving: where the audit trail has none, every notice sent counts.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ACTION = t.core(t.ActionItem)
# Return statuses that wait for the agency lead, who is then the one chased.
_LEAD_WAITS = (ReturnStatus.SUBMITTED.value, ReturnStatus.NIL_PENDING.value)
_LIVE = (ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value, ActionStatus.BLOCKED.value)
# An escalated item keeps its review open: the chair has yet to decide it.
_NOT_CLOSED = (*_LIVE, ActionStatus.COMPLETED.value, ActionStatus.ESCALATED.value)
# An item that may wait for its chair's decision (domain/actions.py `awaits_decision`): a live
# one (blocked, or with a date asked for) or an escalated one.
_CHAIR_MAY_DECIDE = (*_LIVE, ActionStatus.ESCALATED.value)
# Of those, the ones that wait for it whatever their progress says (the rest, a date asked for).
_DECIDE_WHATEVER = (ActionStatus.BLOCKED.value, ActionStatus.ESCALATED.value)


def history_statement(where: Any) -> Any:
    """Progress entries (with who made each) oldest first, as `domain.action_history` reads
    them: the one query every view of an item's latest word and history comes from. Built
    once per shape by its callers (columns, not entities: a summary reads every item's)."""
    entry = t.ProgressEntry
    return (
        sa_select(
            col(entry.id),
            col(entry.action_item_id),
            col(entry.at),
            col(entry.kind),
            col(entry.note),
            col(entry.proposed_due_on),
            col(entry.rag),
            col(t.Member.display_name).label("by"),
        )
        .outerjoin(t.Member, col(t.Member.id) == col(entry.member_id))
        .where(where)
        .order_by(col(entry.at), col(entry.id))
    )


# The histories of the items whose ids are bound as `ids`.
_HISTORIES_OF_ITEMS = history_statement(
    col(t.ProgressEntry.action_item_id).in_(bindparam("ids", expanding=True))
)


def history_entry(row: Any) -> HistoryEntry:
    """One row of `history_statement` as the domain reads it."""
    return HistoryEntry(
        # SQLite hands back naive datetimes; the column holds UTC.
        at=row.at.replace(tzinfo=row.at.tzinfo or UTC),
        kind=row.kind,
        note=row.note,
        by=row.by,
        proposed_due_on=row.proposed_due_on,
        rag=row.rag,
    )


class SqlActions:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _details(self, where: Any) -> list[ActionDetail]:
        rows = self._session.execute(
            sa_select(
                t.ActionItem,
                t.Review,
                col(t.Member.display_name),
                col(t.Member.active),
                col(t.Agency.name),
            )
            .join(t.Review, col(t.Review.id) == col(t.ActionItem.review_id))
            .outerjoin(t.Member, col(t.Member.id) == col(t.ActionItem.owner_member_id))
            .outerjoin(t.Agency, col(t.Agency.id) == col(t.ActionItem.agency_id))
            .where(where)
        ).all()
        ids = [a.id for a, *_ in rows]
        progress = self._latest_progress(ids)
        decisions = self._latest_decisions(ids)
        return [
            replace(
                _detail(
                    a,
                    r,
                    shown_name(owner, active is not False),
                    agency,
                    progress.get(a.id or 0, {}),
                    decisions.get(a.id or 0),
                ),
                owner_access_ended=active is False,
            )
            for a, r, owner, active, agency in rows
        ]

    def _latest_decisions(self, ids: list[int | None]) -> dict[int, LicDecision]:
        """Each item's latest impact record (the LIC group's decision and answers)."""
        if not ids:
            return {}
        latest: dict[int, LicDecision] = {}
        for record in self._session.scalars(
            select(t.ImpactRecord)
            .where(col(t.ImpactRecord.action_item_id).in_(ids))
            .order_by(col(t.ImpactRecord.recorded_at), col(t.ImpactRecord.id))
        ).all():
            latest[record.action_item_id] = LicDecision(
                decision=record.decision,
                # SQLite hands back naive datetimes; the column holds UTC.
                recorded_at=record.recorded_at.replace(tzinfo=record.recorded_at.tzinfo or UTC),
                how_much=record.how_much,
                how_well=record.how_well,
                better_off=record.better_off,
                minute_reference=record.minute_reference,
                meeting_on=record.meeting_on,
            )
        return latest

    def _latest_progress(self, ids: list[int | None]) -> dict[int, dict[str, Any]]:
        """Each item's history (`domain.action_history`), and the date request waiting on it."""
        if not ids:
            return {}
        latest: dict[int, dict[str, Any]] = {}
        for entry in self._session.execute(_HISTORIES_OF_ITEMS, {"ids": ids}):
            item = latest.setdefault(entry.action_item_id, {"history": []})
            item["history"].append(history_entry(entry))
            if entry.kind == "date_requested":
                item["pending"] = (entry.proposed_due_on, entry.note, entry.id)
            if entry.kind in DATE_REQUEST_SETTLED:
                item.pop("pending", None)
        return latest

    def get(self, action_id: int) -> ActionDetail | None:
        found = self._details(col(t.ActionItem.id) == action_id)
        return found[0] if found else None

    def for_owner(self, member_id: int) -> list[ActionDetail]:
        return self._details(col(t.ActionItem.owner_member_id) == member_id)

    def chaired_open(self, member_id: int) -> list[ActionDetail]:
        chairs = (col(t.Review.chair_member_id) == member_id) | (
            col(t.Review.deputy_chair_member_id) == member_id
        )
        # Only what can wait for their decision (domain/actions.py `awaits_decision`) is
        # loaded with its progress: blocked or escalated, or a live item with a date asked for
        # and not yet decided or closed (`DATE_REQUEST_SETTLED`); none of a cancelled review,
        # on which every move is refused (`settled_by_review`).
        asked = aliased(t.ProgressEntry)
        decided = aliased(t.ProgressEntry)
        pending = (
            select(col(asked.id))
            .where(
                col(asked.action_item_id) == col(t.ActionItem.id),
                col(asked.kind) == "date_requested",
                ~select(col(decided.id))
                .where(
                    col(decided.action_item_id) == col(asked.action_item_id),
                    col(decided.kind).in_(DATE_REQUEST_SETTLED),
                    # After it in the order `_latest_progress` reads them: (at, id).
                    (col(decided.at) > col(asked.at))
                    | ((col(decided.at) == col(asked.at)) & (col(decided.id) > col(asked.id))),
                )
                .exists(),
            )
            .exists()
        )
        return self._details(
            chairs
            & (col(t.Review.stage) != ReviewStage.CANCELLED.value)
            & col(t.ActionItem.status).in_(_CHAIR_MAY_DECIDE)
            & (col(t.ActionItem.status).in_(_DECIDE_WHATEVER) | pending)
        )

    def awaiting_impact(self, partnership_id: int) -> list[ActionDetail]:
        return self._details(
            (col(t.Review.partnership_id) == partnership_id)
            & (col(t.ActionItem.status) == ActionStatus.COMPLETED.value)
        )

    def update(self, action_id: int, fields: Mapping[str, Any]) -> None:
        row = self._session.get_one(t.ActionItem, action_id)
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        self._session.flush()

    def transition(
        self, action_id: int, expected: Collection[ActionStatus], fields: Mapping[str, Any]
    ) -> bool:
        return atomic.transition(
            self._session, _ACTION, action_id, "status", [s.value for s in expected], fields
        )

    def lock(self, action_id: int) -> None:
        atomic.lock(self._session, _ACTION, action_id)

    def split_into(self, action_id: int, parts: Sequence[NewSplitItem]) -> list[int]:
        original = self._session.get_one(t.ActionItem, action_id)
        review = self._session.get_one(t.Review, original.review_id)
        last = self._session.scalar(
            select(func.max(t.ActionItem.number)).where(
                col(t.ActionItem.review_id) == original.review_id
            )
        )
        rows = []
        for number, part in enumerate(parts, start=int(last or 0) + 1):
            rows.append(
                t.ActionItem(
                    review_id=original.review_id,
                    number=number,
                    reference=action_reference(review.reference, number),
                    description=part.description,
                    theme=original.theme,
                    finding=original.finding,
                    owner_member_id=part.owner_member_id,
                    agency_id=original.agency_id,
                    agreed_on=original.agreed_on,
                    due_on=part.due_on,
                    success_measure=part.success_measure,
                )
            )
        self._session.add_all(rows)
        self._session.flush()
        return [row.id for row in rows if row.id is not None]

    def add_progress(
        self,
        action_id: int,
        member_id: int,
        kind: str,
        note: str | None,
        at: datetime,
        rag: str | None = None,
        proposed_due_on: date | None = None,
    ) -> None:
        self._session.add(
            t.ProgressEntry(
                action_item_id=action_id,
                member_id=member_id,
                kind=kind,
                note=note,
                at=at,
                rag=rag,
                proposed_due_on=proposed_due_on,
            )
        )
        self._session.flush()

    def record_impact(
        self, action_id: int, impact: ImpactInput, member_id: int, at: datetime
    ) -> None:
        self._session.add(
            t.ImpactRecord(
                action_item_id=action_id,
                recorded_at=at,
                how_much=impact.how_much,
                how_well=impact.how_well,
                better_off=impact.better_off,
                evidence=impact.evidence,
                decision=impact.decision.value,
                minute_reference=impact.minute_reference,
                meeting_on=impact.meeting_on,
                recorded_by=member_id,
            )
        )
        self._session.flush()

    def current_impact(self, action_id: int) -> str | None:
        completed = col(t.ActionItem.completed_at)
        decision = self._session.scalar(
            select(t.ImpactRecord.decision)
            .join(t.ActionItem, col(t.ActionItem.id) == col(t.ImpactRecord.action_item_id))
            .where(col(t.ImpactRecord.action_item_id) == action_id)
            .where(completed.is_(None) | (col(t.ImpactRecord.recorded_at) >= completed))
            .order_by(col(t.ImpactRecord.id).desc())
            .limit(1)
        )
        return None if decision is None else str(decision)

    def digest(
        self, partnership_id: int, month_start: date, month_end: date, today: date
    ) -> Digest:
        mine = col(t.Review.partnership_id) == partnership_id
        live = col(t.ActionItem.status).in_(_LIVE)

        def count(*where: Any) -> int:
            return int(
                self._session.scalar(
                    select(func.count())
                    .select_from(t.ActionItem)
                    .join(t.Review, col(t.Review.id) == col(t.ActionItem.review_id))
                    .where(mine, *where)
                )
                or 0
            )

        overdue = self._details(mine & live & (_effective_due() < today))
        return Digest(
            due_this_month=count(
                live, _effective_due() >= month_start, _effective_due() <= month_end
            ),
            overdue=tuple(sorted(overdue, key=lambda i: i.effective_due or today)),
            awaiting_impact=count(col(t.ActionItem.status) == ActionStatus.COMPLETED.value),
            closed_this_month=count(
                col(t.ActionItem.status) == ActionStatus.CLOSED.value,
                func.date(col(t.ActionItem.closed_at)) >= month_start,
            ),
        )

    def open_count(self, review_id: int) -> int:
        return int(
            self._session.scalar(
                select(func.count()).where(
                    col(t.ActionItem.review_id) == review_id,
                    col(t.ActionItem.status).in_(_NOT_CLOSED),
                )
            )
            or 0
        )


def _detail(
    a: t.ActionItem,
    r: t.Review,
    owner: str | None,
    agency: str | None,
    progress: dict[str, Any],
    lic: LicDecision | None = None,
) -> ActionDetail:
    pending = progress.get("pending") or (None, None, None)
    history = tuple(progress.get("history", ()))
    return ActionDetail(
        id=a.id or 0,
        partnership_id=r.partnership_id,
        review_id=r.id or 0,
        review_reference=r.reference,
        pseudonym=r.pseudonym,
        review_stage=ReviewStage(r.stage),
        chair_member_id=r.chair_member_id,
        deputy_chair_member_id=r.deputy_chair_member_id,
        reference=a.reference,
        description=a.description,
        theme=a.theme,
        owner_member_id=a.owner_member_id,
        owner_name=owner,
        agency_id=a.agency_id,
        agency_name=agency,
        due_on=a.due_on,
        revised_due_on=a.revised_due_on,
        success_measure=a.success_measure,
        status=ActionStatus(a.status),
        evidence_text=a.evidence_text,
        evidence_link=a.evidence_link,
        chase_count=a.chase_count,
        owner_chase_count=a.owner_chase_count,
        latest_rag=owner_rag(history),
        history=history,
        pending_date=pending[0],
        pending_date_reason=pending[1],
        pending_request_id=pending[2],
        lic_decision=lic,
        # SQLite hands back naive datetimes; the column holds UTC.
        next_chase_at=a.next_chase_at.replace(tzinfo=a.next_chase_at.tzinfo or UTC)
        if a.next_chase_at is not None
        else None,
    )


@dataclass
class _BatchLookup:
    """What a batch of records shares, read once for the batch (SqlChases._lookup)."""

    impact: dict[int, int]
    assignees: dict[int, list[int]]
    leads: dict[int, list[int]] = field(default_factory=dict)
    policies: dict[int, ChaserPolicy] = field(default_factory=dict)
    # Of the batch's owners (action items' owners, returns' writers) and its reviews' chairs
    # and deputy chairs, those whose access ended.
    ended: frozenset[int] = frozenset()
    # Each partnership's active admins, read only where a chair left with no deputy.
    admins: dict[int, tuple[int, ...]] = field(default_factory=dict)


class SqlChases:
    def __init__(self, session: Session) -> None:
        self._session = session

    def due(self, now: datetime, limit: int) -> list[ChaseRow]:
        # FOR UPDATE SKIP LOCKED: concurrent sweeps in other instances skip what this one holds
        # (PostgreSQL). SQLite ignores it; there the single writer thread serialises sweeps.
        actions = self._session.scalars(
            select(t.ActionItem)
            .where(col(t.ActionItem.next_chase_at) <= now)
            .order_by(col(t.ActionItem.next_chase_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        returns = self._session.scalars(
            select(t.PreAnalysisReturn)
            .where(col(t.PreAnalysisReturn.next_chase_at) <= now)
            .order_by(col(t.PreAnalysisReturn.next_chase_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        lookup = self._lookup(actions, returns)
        rows = [self._action_row(a, lookup) for a in actions]
        rows += [self._return_row(r, lookup) for r in returns]
        return [r for r in rows if r is not None]

    def _lookup(
        self, actions: Sequence[t.ActionItem], returns: Sequence[t.PreAnalysisReturn]
    ) -> _BatchLookup:
        # One query per kind of detail for the whole batch, not one per row (issue 8: a
        # sweep claims 100 at a time, and the per-row lookups were a millisecond each).
        assignees = self._assignees([r.id for r in returns if r.id is not None])
        owners = {a.owner_member_id for a in actions if a.owner_member_id}
        owners |= {m for writers in assignees.values() for m in writers}
        reviews = sorted({a.review_id for a in actions} | {r.review_id for r in returns})
        return _BatchLookup(
            impact=self._impact_counts([a.id for a in actions if a.id is not None]),
            assignees=assignees,
            ended=self._ended(sorted(owners), reviews),
        )

    def _ended(self, member_ids: list[int], review_ids: list[int]) -> frozenset[int]:
        """Of the owners and the reviews' chairs and deputies, those whose access ended: one
        query for the batch (the chairs' by subquery, so no more statements than before)."""
        if not member_ids and not review_ids:
            return frozenset()
        chairs = select(t.Review.chair_member_id).where(col(t.Review.id).in_(review_ids))
        deputies = select(t.Review.deputy_chair_member_id).where(col(t.Review.id).in_(review_ids))
        return frozenset(
            int(m)
            for m in self._session.scalars(
                select(t.Member.id).where(
                    or_(
                        col(t.Member.id).in_(member_ids),
                        col(t.Member.id).in_(chairs),
                        col(t.Member.id).in_(deputies),
                    ),
                    col(t.Member.active).is_(False),
                )
            )
        )

    def _chair_facts(self, review: t.Review, lookup: _BatchLookup) -> dict[str, Any]:
        """Whether the review's chair and deputy left, and, where nobody who chairs it can read
        what is meant for the chair, its partnership's admins (`chase_engine.chair_readers`)."""
        chair_ended = review.chair_member_id in lookup.ended
        deputy_ended = review.deputy_chair_member_id in lookup.ended
        admins: tuple[int, ...] = ()
        if chair_ended and (review.deputy_chair_member_id is None or deputy_ended):
            partnership = review.partnership_id
            if partnership not in lookup.admins:
                lookup.admins[partnership] = tuple(
                    active_with_role(self._session, partnership, Role.ADMIN)
                )
            admins = lookup.admins[partnership]
        return {"chair_ended": chair_ended, "deputy_ended": deputy_ended, "admin_ids": admins}

    def _impact_counts(self, action_ids: list[int]) -> dict[int, int]:
        if not action_ids:
            return {}
        # Only records since the item was last completed: after "keep open" the item is
        # completed again, and the group's earlier record must not stop the impact chasers.
        completed = col(t.ActionItem.completed_at)
        found = self._session.execute(
            select(t.ImpactRecord.action_item_id, func.count())
            .join(t.ActionItem, col(t.ActionItem.id) == col(t.ImpactRecord.action_item_id))
            .where(col(t.ImpactRecord.action_item_id).in_(action_ids))
            .where(completed.is_(None) | (col(t.ImpactRecord.recorded_at) >= completed))
            .group_by(col(t.ImpactRecord.action_item_id))
        ).all()
        return {int(action_id): int(count) for action_id, count in found}

    def _assignees(self, return_ids: list[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {return_id: [] for return_id in return_ids}
        if return_ids:
            for return_id, member_id in self._session.execute(
                select(t.ReturnAssignee.return_id, t.ReturnAssignee.member_id).where(
                    col(t.ReturnAssignee.return_id).in_(return_ids)
                )
            ).all():
                found[int(return_id)].append(int(member_id))
        return found

    def row(self, subject_type: str, record_id: int) -> ChaseRow | None:
        if subject_type == ACTION:
            action = self._session.get(t.ActionItem, record_id)
            return self._action_row(action, self._lookup([action], ())) if action else None
        ret = self._session.get(t.PreAnalysisReturn, record_id)
        return self._return_row(ret, self._lookup((), [ret])) if ret else None

    def _action_row(self, a: t.ActionItem, lookup: _BatchLookup) -> ChaseRow | None:
        review = self._session.get_one(t.Review, a.review_id)
        due = a.due_on
        if due is None or a.id is None:
            return None
        policy = lookup.policies.get(review.partnership_id) or policy_for(
            self, review.partnership_id
        )
        lookup.policies[review.partnership_id] = policy
        since = (
            policy.local_date(a.status_changed_at)
            if a.status_changed_at
            else (policy.local_date(a.updated_at))
        )
        impact = lookup.impact.get(a.id, 0)
        subject = ChaseSubject(
            SubjectKind.ACTION_ITEM,
            ActionStatus(a.status),
            due,
            a.revised_due_on,
            a.chase_count,
            a.overdue_chase_count,
            bool(impact),
            since,
            a.unanswered_chase_count,
            a.owner_chase_count,
        )
        owners = (a.owner_member_id,) if a.owner_member_id else ()
        return ChaseRow(
            ACTION,
            a.id,
            review.partnership_id,
            subject,
            owners,
            tuple(self._leads(a.agency_id, lookup)),
            review.chair_member_id,
            a.reference,
            a.description,
            deputy_id=review.deputy_chair_member_id,
            stopped=review.stage == ReviewStage.CANCELLED.value,
            ended_ids=tuple(m for m in owners if m in lookup.ended),
            **self._chair_facts(review, lookup),
        )

    def _return_row(self, r: t.PreAnalysisReturn, lookup: _BatchLookup) -> ChaseRow | None:
        review = self._session.get_one(t.Review, r.review_id)
        if r.due_on is None or r.id is None:
            return None
        agency = self._session.get_one(t.Agency, r.agency_id)
        leads = tuple(self._leads(r.agency_id, lookup))
        waiting = self._lead_waits(r, review.partnership_id, lookup)
        if waiting is not None:
            # Waiting for sign-off or a nil return's confirmation: the agency's leads are the
            # ones chased (issue 14).
            subject, what = waiting
            return ChaseRow(
                RETURN,
                r.id,
                review.partnership_id,
                subject,
                leads,
                (),
                review.chair_member_id,
                review.reference,
                f"{agency.name} {what}",
                deputy_id=review.deputy_chair_member_id,
                stopped=review.stage == ReviewStage.CANCELLED.value,
                **self._chair_facts(review, lookup),
            )
        subject = ChaseSubject(
            SubjectKind.PRE_ANALYSIS_RETURN,
            ReturnStatus(r.status),
            r.due_on,
            None,
            r.chase_count,
            r.overdue_chase_count,
            unanswered=r.unanswered_chase_count,
            # Its writers hear the record's lifetime count (owner_chases None): only its lead's
            # wait starts an owner count (`handed_over`), and the column holds the lead's until
            # the writers' next chaser is counted (domain/chase_engine.py `_record_chased`).
        )
        owners = tuple(lookup.assignees[r.id])
        return ChaseRow(
            RETURN,
            r.id,
            review.partnership_id,
            subject,
            owners,
            leads,
            review.chair_member_id,
            review.reference,
            f"{agency.name} pre-analysis return",
            deputy_id=review.deputy_chair_member_id,
            stopped=review.stage == ReviewStage.CANCELLED.value,
            ended_ids=tuple(m for m in owners if m in lookup.ended),
            **self._chair_facts(review, lookup),
        )

    def _lead_waits(
        self, r: t.PreAnalysisReturn, partnership_id: int, lookup: _BatchLookup
    ) -> tuple[ChaseSubject, str] | None:
        """The subject of a return waiting for its agency lead, and what it waits for."""
        if r.status not in _LEAD_WAITS:
            return None
        policy = lookup.policies.get(partnership_id) or policy_for(self, partnership_id)
        lookup.policies[partnership_id] = policy
        counts = (r.chase_count, r.overdue_chase_count, r.owner_chase_count)
        if r.status == ReturnStatus.SUBMITTED.value and r.submitted_at is not None:
            subject = sign_off_subject(policy, _aware(r.submitted_at), *counts)
            return subject, "return: waiting for sign-off"
        if r.status == ReturnStatus.NIL_PENDING.value:
            # Recorded before the status date was kept: the last write is when it was recorded.
            since = _aware(r.status_changed_at or r.updated_at)
            subject = nil_confirmation_subject(policy, since, *counts)
            return subject, "nil return: waiting for its lead"
        return None

    def _leads(self, agency_id: int | None, lookup: _BatchLookup) -> list[int]:
        if agency_id is None:
            return []
        if agency_id not in lookup.leads:
            lookup.leads[agency_id] = SqlReturns(self._session).agency_lead_ids(agency_id)
        return lookup.leads[agency_id]

    def set_state(self, subject_type: str, record_id: int, fields: Mapping[str, Any]) -> None:
        table = t.ActionItem if subject_type == ACTION else t.PreAnalysisReturn
        row = self._session.get_one(table, record_id)
        for name, value in fields.items():
            setattr(row, name, value)
        self._session.flush()

    def delivered(self, key: str) -> bool:
        return bool(
            self._session.scalar(
                select(func.count()).where(
                    col(t.ChaserLog.idempotency_key) == key, col(t.ChaserLog.outcome) == "sent"
                )
            )
        )

    def attempts(self, key: str) -> int:
        return int(
            self._session.scalar(
                select(func.max(t.ChaserLog.attempt)).where(col(t.ChaserLog.idempotency_key) == key)
            )
            or 0
        )

    def outcomes_of(self, keys: Sequence[str]) -> Mapping[str, list[tuple[int, str]]]:
        found: dict[str, list[tuple[int, str]]] = {}
        for key, attempt, outcome in self._session.execute(
            select(t.ChaserLog.idempotency_key, t.ChaserLog.attempt, t.ChaserLog.outcome)
            .where(col(t.ChaserLog.idempotency_key).in_(keys))
            .order_by(col(t.ChaserLog.idempotency_key), col(t.ChaserLog.attempt))
        ).all():
            found.setdefault(str(key), []).append((int(attempt), str(outcome)))
        return found

    def outcomes(self, key: str) -> list[tuple[int, str]]:
        found = self._session.execute(
            select(t.ChaserLog.attempt, t.ChaserLog.outcome)
            .where(col(t.ChaserLog.idempotency_key) == key)
            .order_by(col(t.ChaserLog.attempt))
        ).all()
        return [(int(attempt), str(outcome)) for attempt, outcome in found]

    def lock(self, subject_type: str, record_id: int) -> None:
        # FOR UPDATE without SKIP LOCKED: wait for another instance's claim of this record to
        # commit, then read what it logged. SQLite ignores it (its writer serialises).
        table = t.ActionItem if subject_type == ACTION else t.PreAnalysisReturn
        self._session.execute(
            select(col(table.id)).where(col(table.id) == record_id).with_for_update()
        )

    def stopped(self, subject_type: str, record_id: int) -> bool:
        # A column read, not the session's copy of the review: it must see a cancel committed
        # while this transaction waited for the record's lock.
        table = t.ActionItem if subject_type == ACTION else t.PreAnalysisReturn
        stage = self._session.scalar(
            select(t.Review.stage)
            .join(table, col(table.review_id) == col(t.Review.id))
            .where(col(table.id) == record_id)
        )
        return stage == ReviewStage.CANCELLED.value

    def attempted_before(self, cutoff: datetime, limit: int) -> list[OpenSend]:
        # SKIP LOCKED: two instances' sweeps never settle the same row (PostgreSQL); SQLite's
        # single writer serialises them, and the second finds it settled.
        found = self._session.scalars(
            select(t.ChaserLog)
            .where(col(t.ChaserLog.outcome) == ATTEMPTED, col(t.ChaserLog.attempted_at) <= cutoff)
            .order_by(col(t.ChaserLog.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [
            OpenSend(
                r.idempotency_key,
                r.attempt,
                r.kind,
                r.recipient,
                r.subject_type,
                r.subject_id,
                _aware(r.attempted_at),
            )
            for r in found
        ]

    def opened_at(self, key: str) -> datetime | None:
        latest = self._session.execute(
            select(t.ChaserLog.outcome, t.ChaserLog.attempted_at)
            .where(col(t.ChaserLog.idempotency_key) == key)
            .order_by(col(t.ChaserLog.attempt).desc())
            .limit(1)
        ).first()
        if latest is None or latest[0] not in (CLAIMED, ATTEMPTED):
            return None
        opened: datetime = latest[1]
        return opened

    def mark(self, key: str, attempt: int, outcome: str, *, was: str | None = None) -> None:
        # `was`: only a row still in that outcome changes (the check and the write one UPDATE:
        # on PostgreSQL a writer that waited for the row's lock re-checks it on what committed).
        where = [col(t.ChaserLog.idempotency_key) == key, col(t.ChaserLog.attempt) == attempt]
        if was is not None:
            where.append(col(t.ChaserLog.outcome) == was)
        self._session.execute(update(t.ChaserLog).where(*where).values(outcome=outcome))

    def log(
        self,
        row: ChaseRow,
        key: str,
        attempt: int,
        kind: str,
        recipient: str,
        outcome: str,
        status: int | None = None,
        detail: str | None = None,
        *,
        possibly_repeated: bool = False,
    ) -> bool:
        this = (col(t.ChaserLog.idempotency_key) == key, col(t.ChaserLog.attempt) == attempt)
        existing = self._session.scalars(select(t.ChaserLog.id).where(*this)).first()
        if existing is not None:
            # Never over an `interrupted` row: the chair was told that send may not have
            # arrived, and a sender that stalled past STALE_AFTER mustn't rewrite it afterwards.
            # One conditional UPDATE, so a settling that commits while we wait still wins.
            written = self._session.execute(
                update(t.ChaserLog)
                .where(col(t.ChaserLog.id) == existing, col(t.ChaserLog.outcome) != INTERRUPTED)
                .values(
                    outcome=outcome,
                    status_code=status,
                    detail=detail,
                    possibly_repeated=possibly_repeated,
                    attempted_at=utcnow(),
                )
            )
            return atomic.rowcount(written) > 0
        entry = t.ChaserLog(
            partnership_id=row.partnership_id,
            subject_type=row.subject_type,
            subject_id=row.record_id,
            chaser_number=_number_in(key),
            idempotency_key=key,
            attempt=attempt,
            kind=kind,
            recipient=recipient,
            outcome=outcome,
            status_code=status,
            detail=detail,
            possibly_repeated=possibly_repeated,
            attempted_at=utcnow(),
        )
        self._session.add(entry)
        self._session.flush()
        return True

    def access_ended_told(self, row: ChaseRow) -> bool:
        # The latest leaving of any owner (by the audit trail; none found: any notice counts),
        # and a notice sent on this record since. Both clocks are the rows' own (utcnow).
        left = (
            sa_select(func.max(t.AuditEvent.at))
            .where(
                col(t.AuditEvent.partnership_id) == row.partnership_id,
                col(t.AuditEvent.record_type) == "member",
                col(t.AuditEvent.action) == ACCESS_ENDED_EVENT,
                col(t.AuditEvent.record_id).in_([str(m) for m in row.owner_ids]),
            )
            .scalar_subquery()
        )
        sent = sa_select(col(t.ChaserLog.id)).where(
            col(t.ChaserLog.subject_type) == row.subject_type,
            col(t.ChaserLog.subject_id) == row.record_id,
            col(t.ChaserLog.recipient) == ACCESS_ENDED_NOTICE,
            col(t.ChaserLog.outcome) == SENT,
            col(t.ChaserLog.attempted_at) >= func.coalesce(left, _EPOCH),
        )
        return bool(self._session.scalar(sa_select(sent.exists())))

    def policy_settings(self, partnership_id: int) -> Mapping[str, object]:
        settings = (
            self._session.scalar(
                select(t.Partnership.settings).where(col(t.Partnership.id) == partnership_id)
            )
            or {}
        )
        policy = settings.get("chaser_policy") if isinstance(settings, dict) else None
        return policy if isinstance(policy, dict) else {}

    def save_policy_settings(self, partnership_id: int, settings: Mapping[str, object]) -> None:
        row = self._session.get_one(t.Partnership, partnership_id)
        row.settings = {**(row.settings or {}), "chaser_policy": dict(settings)}
        self._session.flush()


def _effective_due() -> Any:
    """A revised due date, when agreed, replaces the original one."""
    return func.coalesce(col(t.ActionItem.revised_due_on), col(t.ActionItem.due_on))


def _number_in(key: str) -> int:
    """The chaser number in a key "type:id:number[:…]" (a digest key has a month there)."""
    parts = key.split(":")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the columns hold UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
