"""SQL repositories for information governance: retention and legal holds, the audit trail of a
review, and the subject-access export of a member. Audit rows are only ever read here."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Final, TypeVar

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col, select

from domain.audit_trail import TrailEvent, TrailNames, TrailSubjects
from domain.chase_engine import ACTION, RETURN
from domain.idempotency import CLICK_PREFIX, ClaimState
from domain.model import ReviewStage
from domain.retention import (
    SETTINGS_KEY,
    Deleted,
    ExportCandidate,
    HoldPlaced,
    HoldView,
    ReviewCandidate,
)
from domain.subject_access import MemberRecords
from storage import atomic
from storage import tables as t

# Bound parameters per IN list: far below SQLite's and PostgreSQL's limits.
CHUNK = 500
M = TypeVar("M", bound=SQLModel)


def _chunks(ids: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# The audit actions that place and lift a hold (domain/retention.py `set_legal_hold`).
_PLACED: Final = "review.legal_hold_placed"
_LIFTED: Final = "review.legal_hold_lifted"


class SqlRetention:
    def __init__(self, session: Session) -> None:
        self._session = session

    def policy_settings(self, partnership_id: int) -> Mapping[str, object]:
        settings = self._session.scalar(
            select(t.Partnership.settings).where(col(t.Partnership.id) == partnership_id)
        )
        stored = settings.get(SETTINGS_KEY) if isinstance(settings, dict) else None
        return stored if isinstance(stored, dict) else {}

    def save_policy_settings(self, partnership_id: int, settings: Mapping[str, int]) -> None:
        row = self._session.get_one(t.Partnership, partnership_id)
        row.settings = {**(row.settings or {}), SETTINGS_KEY: dict(settings)}
        self._session.flush()

    def partnership_ids(self, tenant_id: str | None) -> list[int]:
        query = select(t.Partnership.id).order_by(col(t.Partnership.id))
        if tenant_id is not None:
            query = query.where(col(t.Partnership.tenant_id) == tenant_id)
        return [int(i) for i in self._session.scalars(query) if i is not None]

    def claim(self, partnership_id: int) -> bool:
        # PostgreSQL: a second instance running retention at the same moment skips this
        # partnership instead of deleting the same rows. SQLite has one writer anyway.
        found = self._session.scalar(
            select(t.Partnership.id)
            .where(col(t.Partnership.id) == partnership_id)
            .with_for_update(skip_locked=True)
        )
        return found is not None

    def ended_reviews(self, partnership_id: int) -> list[ReviewCandidate]:
        rows = self._session.scalars(
            select(t.Review).where(
                col(t.Review.partnership_id) == partnership_id,
                col(t.Review.stage).in_([ReviewStage.CLOSED.value, ReviewStage.CANCELLED.value]),
            )
        )
        return [
            ReviewCandidate(
                int(r.id or 0), r.reference, ReviewStage(r.stage), _ended_on(r), r.legal_hold
            )
            for r in rows
        ]

    def held_reviews(self, partnership_id: int) -> list[HoldView]:
        rows = list(
            self._session.scalars(
                select(t.Review)
                .where(col(t.Review.partnership_id) == partnership_id, col(t.Review.legal_hold))
                .order_by(col(t.Review.reference))
            )
        )
        placed = self._placements(partnership_id, [int(r.id or 0) for r in rows])
        return [_hold_view(r, placed.get(int(r.id or 0))) for r in rows]

    def exports_before(self, partnership_id: int, cutoff: datetime) -> list[ExportCandidate]:
        rows = self._session.scalars(
            select(t.ExportFile).where(
                col(t.ExportFile.partnership_id) == partnership_id,
                col(t.ExportFile.created_at) <= cutoff,
            )
        )
        return [ExportCandidate(int(r.id or 0), r.filename, r.path, r.created_at) for r in rows]

    def chaser_log_before(
        self, partnership_id: int, cutoff: datetime, keep_review_ids: Sequence[int]
    ) -> list[int]:
        query = select(t.ChaserLog.id).where(
            col(t.ChaserLog.partnership_id) == partnership_id,
            col(t.ChaserLog.attempted_at) < cutoff,
        )
        if keep_review_ids:
            query = query.where(~_about_reviews(keep_review_ids))
        return [int(i) for i in self._session.scalars(query.order_by(col(t.ChaserLog.id)))]

    def rows_under_review(self, review_id: int) -> list[Deleted]:
        return [Deleted(kind, str(key)) for kind, _, keys in self._plan(review_id) for key in keys]

    def delete_review(self, review_id: int) -> list[Deleted]:
        deleted: list[Deleted] = []
        for kind, condition, keys in self._plan(review_id):
            if keys:
                self._session.execute(delete(_TABLES[kind]).where(condition))
                deleted += [Deleted(kind, str(key)) for key in keys]
        self._session.flush()
        return deleted

    def _plan(self, review_id: int) -> list[tuple[str, ColumnElement[bool], list[Any]]]:
        """(record type, which rows, their ids) for everything under a review, children first,
        so foreign keys are never violated on the way."""
        returns = self._ids(t.PreAnalysisReturn, col(t.PreAnalysisReturn.review_id) == review_id)
        actions = self._ids(t.ActionItem, col(t.ActionItem.review_id) == review_id)
        guides = self._ids(t.SevenMinuteGuide, col(t.SevenMinuteGuide.review_id) == review_id)
        by_return = col(t.ReturnAssignee.return_id).in_(returns)
        assignees = [
            f"{r}/{m}"
            for r, m in self._session.execute(
                select(t.ReturnAssignee.return_id, t.ReturnAssignee.member_id).where(by_return)
            )
        ]
        conditions: list[tuple[str, ColumnElement[bool]]] = [
            ("chaser_log", _about(returns, actions)),
            ("impact_record", col(t.ImpactRecord.action_item_id).in_(actions)),
            ("progress_entry", col(t.ProgressEntry.action_item_id).in_(actions)),
            ("dissemination_return", col(t.DisseminationReturn.guide_id).in_(guides)),
            ("answer", col(t.Answer.return_id).in_(returns)),
            ("chronology_entry", col(t.ChronologyEntry.return_id).in_(returns)),
            ("action_item", col(t.ActionItem.review_id) == review_id),
            ("guide_version", col(t.GuideVersion.guide_id).in_(guides)),
            ("seven_minute_guide", col(t.SevenMinuteGuide.review_id) == review_id),
            ("meeting_outcome", col(t.MeetingOutcome.review_id) == review_id),
        ]
        plan: list[tuple[str, ColumnElement[bool], list[Any]]] = [
            (kind, condition, self._ids(_TABLES[kind], condition)) for kind, condition in conditions
        ]
        plan.insert(5, ("return_assignee", by_return, assignees))
        plan.append(
            ("pre_analysis_return", col(t.PreAnalysisReturn.review_id) == review_id, returns)
        )
        plan.append(("review", col(t.Review.id) == review_id, [review_id]))
        return plan

    def _ids(self, table: type[SQLModel], condition: ColumnElement[bool]) -> list[int]:
        key = table.id  # type: ignore[attr-defined]
        return [int(i) for i in self._session.scalars(select(key).where(condition).order_by(key))]

    def delete_exports(self, export_ids: Sequence[int]) -> None:
        for chunk in _chunks(export_ids):
            self._session.execute(delete(t.ExportFile).where(col(t.ExportFile.id).in_(chunk)))

    def claims_before(self, partnership_id: int, cutoff: datetime) -> int:
        return int(
            self._session.scalar(
                select(func.count())
                .select_from(t.IdempotencyRecord)
                .where(*_claims_before(partnership_id, cutoff))
            )
            or 0
        )

    def delete_claims(self, partnership_id: int, cutoff: datetime) -> int:
        # No claim's advisory lock here (storage/claims.py says why): a lock a row, held to
        # the run's commit, would fill PostgreSQL's shared lock table on a busy day.
        old = delete(t.IdempotencyRecord).where(*_claims_before(partnership_id, cutoff))
        return atomic.rowcount(self._session.execute(old))

    def replies_before(self, partnership_id: int, cutoff: datetime) -> int:
        return int(
            self._session.scalar(
                select(func.count())
                .select_from(t.IdempotencyRecord)
                .where(*_replies_before(partnership_id, cutoff))
            )
            or 0
        )

    def drop_replies(self, partnership_id: int, cutoff: datetime) -> int:
        spent = update(t.IdempotencyRecord).where(*_replies_before(partnership_id, cutoff))
        return atomic.rowcount(
            self._session.execute(spent.values(state=ClaimState.SPENT.value, reply=None))
        )

    def delete_chaser_log(self, log_ids: Sequence[int]) -> None:
        for chunk in _chunks(log_ids):
            self._session.execute(delete(t.ChaserLog).where(col(t.ChaserLog.id).in_(chunk)))

    def log_deletions(
        self, partnership_id: int, deleted: Sequence[Deleted], rule: str, at: datetime
    ) -> None:
        self._session.add_all(
            t.DeletionLog(
                partnership_id=partnership_id,
                at=at,
                record_type=row.record_type,
                record_id=str(row.record_id)[:60],
                rule=rule[:200],
            )
            for row in deleted
        )
        self._session.flush()

    def review(self, partnership_id: int, review_id: int) -> HoldView | None:
        row = self._session.get(t.Review, review_id)
        if row is None or row.partnership_id != partnership_id:
            return None
        if row.legal_hold:
            return _hold_view(row, self._placements(partnership_id, [review_id]).get(review_id))
        # Not held: whether a hold was lifted, by whom, when and why (the same one read).
        lifts = self._placements(partnership_id, [review_id], _LIFTED)
        return replace(_hold_view(row), lifted=lifts.get(review_id))

    def hold_placed(self, partnership_id: int, review_id: int) -> HoldPlaced | None:
        return self._placements(partnership_id, [review_id]).get(review_id)

    def hold_lifted(self, partnership_id: int, review_id: int) -> HoldPlaced | None:
        return self._placements(partnership_id, [review_id], _LIFTED).get(review_id)

    def _placements(
        self, partnership_id: int, review_ids: Sequence[int], action: str = _PLACED
    ) -> dict[int, HoldPlaced]:
        """Each review's newest `action` event (placing a hold, or lifting one), with its
        actor's name in the partnership (the audit trail's own join): who placed the hold now
        in force, or lifted the last, when and why."""
        if not review_ids:
            return {}
        rows = self._session.execute(
            _EVENTS_WITH_NAMES.where(
                col(t.AuditEvent.partnership_id) == partnership_id,
                col(t.AuditEvent.record_type) == "review",
                col(t.AuditEvent.record_id).in_(_ids_text(review_ids)),
                col(t.AuditEvent.action) == action,
            ).order_by(col(t.AuditEvent.id))
        ).all()
        found: dict[int, HoldPlaced] = {}
        for event, name in rows:  # oldest first: the newest of each review is kept
            after = event.after if isinstance(event.after, dict) else {}
            reason = after.get("reason")
            found[int(event.record_id)] = HoldPlaced(
                name, event.at, reason if isinstance(reason, str) else "no reason recorded"
            )
        return found

    def set_legal_hold(self, review_id: int, held: bool) -> bool:
        # Conditional, so of two admins placing the hold at once only one records placing it.
        review = t.core(t.Review)
        changed = self._session.execute(
            update(review)
            .where(review.c.id == review_id, review.c.legal_hold.is_not(held))
            .values(legal_hold=held)
        )
        self._session.expire_all()
        return atomic.rowcount(changed) == 1


_TABLES: dict[str, type[SQLModel]] = {
    "chaser_log": t.ChaserLog,
    "impact_record": t.ImpactRecord,
    "progress_entry": t.ProgressEntry,
    "dissemination_return": t.DisseminationReturn,
    "answer": t.Answer,
    "chronology_entry": t.ChronologyEntry,
    "return_assignee": t.ReturnAssignee,
    "action_item": t.ActionItem,
    "guide_version": t.GuideVersion,
    "seven_minute_guide": t.SevenMinuteGuide,
    "meeting_outcome": t.MeetingOutcome,
    "pre_analysis_return": t.PreAnalysisReturn,
    "review": t.Review,
}
# What retention deletes with a review; tests/storage check no other table points at these.
REVIEW_TABLES = frozenset(str(table.__tablename__) for table in _TABLES.values())


def _about(return_ids: Sequence[int], action_ids: Sequence[int]) -> ColumnElement[bool]:
    """Chaser log rows about these returns or action items."""
    parts: list[ColumnElement[bool]] = []
    if return_ids:
        parts.append(
            and_(
                col(t.ChaserLog.subject_type) == RETURN,
                col(t.ChaserLog.subject_id).in_(return_ids),
            )
        )
    if action_ids:
        parts.append(
            and_(
                col(t.ChaserLog.subject_type) == ACTION,
                col(t.ChaserLog.subject_id).in_(action_ids),
            )
        )
    return or_(*parts) if parts else false()


def _about_reviews(review_ids: Sequence[int]) -> ColumnElement[bool]:
    returns = select(t.PreAnalysisReturn.id).where(
        col(t.PreAnalysisReturn.review_id).in_(review_ids)
    )
    actions = select(t.ActionItem.id).where(col(t.ActionItem.review_id).in_(review_ids))
    return or_(
        and_(col(t.ChaserLog.subject_type) == RETURN, col(t.ChaserLog.subject_id).in_(returns)),
        and_(col(t.ChaserLog.subject_type) == ACTION, col(t.ChaserLog.subject_id).in_(actions)),
    )


def _ended_on(row: t.Review) -> date | None:
    if row.stage == ReviewStage.CLOSED.value:
        return row.closed_on or row.updated_at.date()
    if row.stage == ReviewStage.CANCELLED.value:
        return row.updated_at.date()
    return None


def _hold_view(row: t.Review, placed: HoldPlaced | None = None) -> HoldView:
    return HoldView(
        int(row.id or 0),
        row.reference,
        row.pseudonym,
        ReviewStage(row.stage),
        row.legal_hold,
        _ended_on(row),
        placed if row.legal_hold else None,
    )


# Audit events with each actor's name in the event's own partnership (None: no such member).
_EVENTS_WITH_NAMES = select(t.AuditEvent, t.Member.display_name).outerjoin(
    t.Member,
    and_(
        col(t.Member.aad_object_id) == col(t.AuditEvent.actor_aad_id),
        col(t.Member.partnership_id) == col(t.AuditEvent.partnership_id),
    ),
)


# --- the audit trail of a review --------------------------------------------------------------


class SqlAuditTrail:
    def __init__(self, session: Session) -> None:
        self._session = session

    def latest(
        self, record_type: str, record_id: str, actions: Collection[str]
    ) -> tuple[str | None, datetime] | None:
        event = self._newest(None, record_type, record_id, actions)
        return None if event is None else (event.actor_name, event.at)

    def last_change(
        self, partnership_id: int, record_type: str, record_id: str, actions: Collection[str]
    ) -> TrailEvent | None:
        return self._newest(partnership_id, record_type, record_id, actions)

    def _newest(
        self,
        partnership_id: int | None,
        record_type: str,
        record_id: str,
        actions: Collection[str],
    ) -> TrailEvent | None:
        """The newest of these actions on the record (in the partnership, when given), with
        its actor's name in the event's own partnership."""
        query = _EVENTS_WITH_NAMES.where(
            col(t.AuditEvent.record_type) == record_type,
            col(t.AuditEvent.record_id) == record_id,
            col(t.AuditEvent.action).in_(list(actions)),
        )
        if partnership_id is not None:
            query = query.where(col(t.AuditEvent.partnership_id) == partnership_id)
        row = self._session.execute(query.order_by(col(t.AuditEvent.id).desc()).limit(1)).first()
        return None if row is None else _event(*row)

    def subjects(self, partnership_id: int, review_id: int) -> TrailSubjects | None:
        review = self._session.get(t.Review, review_id)
        if review is None or review.partnership_id != partnership_id:
            return None
        returns = self._ids(
            select(t.PreAnalysisReturn.id).where(col(t.PreAnalysisReturn.review_id) == review_id)
        )
        entries = self._ids(
            select(t.ChronologyEntry.id).where(col(t.ChronologyEntry.return_id).in_(returns))
        )
        actions = self._ids(select(t.ActionItem.id).where(col(t.ActionItem.review_id) == review_id))
        guides = self._ids(
            select(t.SevenMinuteGuide.id).where(col(t.SevenMinuteGuide.review_id) == review_id)
        )
        return TrailSubjects(
            review_id, review.reference, review.pseudonym, returns, entries, actions, guides
        )

    def deleted_subjects(self, partnership_id: int, reference: str) -> TrailSubjects | None:
        """A review retention deleted: its rows' ids are in the deletion log, under the rule
        that names its reference, so its trail can still be read."""
        logged = self._session.execute(
            select(t.DeletionLog.record_type, t.DeletionLog.record_id).where(
                col(t.DeletionLog.partnership_id) == partnership_id,
                col(t.DeletionLog.rule).like(f"%: review {reference} %"),
            )
        ).all()
        ids: dict[str, list[int]] = {}
        for kind, key in logged:
            if key.isdigit():
                ids.setdefault(kind, []).append(int(key))
        if len(ids.get("review", [])) != 1:
            return None

        def of(kind: str) -> tuple[int, ...]:
            return tuple(sorted(ids.get(kind, [])))

        return TrailSubjects(
            ids["review"][0],
            reference,
            "(deleted by retention)",
            of("pre_analysis_return"),
            of("chronology_entry"),
            of("action_item"),
            of("seven_minute_guide"),
            deleted=True,
        )

    def _ids(self, query: Any) -> tuple[int, ...]:
        return tuple(int(i) for i in self._session.scalars(query))

    def names(self, partnership_id: int, subjects: TrailSubjects) -> TrailNames:
        returns = self._session.execute(
            select(t.PreAnalysisReturn.id, t.Agency.name)
            .join(t.Agency, col(t.Agency.id) == col(t.PreAnalysisReturn.agency_id))
            .where(col(t.PreAnalysisReturn.id).in_(subjects.return_ids))
        ).all()
        actions = self._session.execute(
            select(t.ActionItem.id, t.ActionItem.number).where(
                col(t.ActionItem.id).in_(subjects.action_ids)
            )
        ).all()
        members = self._session.execute(
            select(t.Member.id, t.Member.display_name).where(
                col(t.Member.partnership_id) == partnership_id
            )
        ).all()
        agencies = self._session.execute(
            select(t.Agency.id, t.Agency.name).where(col(t.Agency.partnership_id) == partnership_id)
        ).all()
        return TrailNames(
            returns={int(i): str(n) for i, n in returns},
            actions={int(i): int(n) for i, n in actions},
            members={int(i): str(n) for i, n in members if n},
            agencies={int(i): str(n) for i, n in agencies},
        )

    def count(self, partnership_id: int, subjects: TrailSubjects) -> int:
        query = (
            select(func.count()).select_from(t.AuditEvent).where(_trail(partnership_id, subjects))
        )
        return int(self._session.scalar(query) or 0)

    def events(
        self, partnership_id: int, subjects: TrailSubjects, offset: int, limit: int
    ) -> list[TrailEvent]:
        actor = t.Member
        query = (
            select(t.AuditEvent, actor.display_name)
            .outerjoin(
                actor,
                and_(
                    col(actor.partnership_id) == partnership_id,
                    col(actor.aad_object_id) == col(t.AuditEvent.actor_aad_id),
                ),
            )
            .where(_trail(partnership_id, subjects))
            .order_by(col(t.AuditEvent.at).desc(), col(t.AuditEvent.id).desc())
            .offset(offset)
            .limit(limit)
        )
        return [_event(e, name) for e, name in self._session.execute(query)]


def _event(e: t.AuditEvent, name: str | None) -> TrailEvent:
    return TrailEvent(
        int(e.id or 0),
        e.at,
        e.actor_aad_id,
        name,
        e.action,
        e.record_type,
        e.record_id,
        e.before if isinstance(e.before, dict) else None,
        e.after if isinstance(e.after, dict) else None,
    )


def _ids_text(ids: Iterable[int]) -> list[str]:
    return [str(i) for i in ids]


def _trail(partnership_id: int, s: TrailSubjects) -> ColumnElement[bool]:
    """Audit rows about the review's own records. Chronology entries since removed are found
    by the return named in their events; exported files by their name (the reference)."""
    kind, key = col(t.AuditEvent.record_type), col(t.AuditEvent.record_id)
    after, before = t.AuditEvent.after, t.AuditEvent.before
    exported = select(func.substr(t.ExportFile.token, 1, 8)).where(
        col(t.ExportFile.partnership_id) == partnership_id,
        col(t.ExportFile.filename).like(f"{s.reference}-%"),
    )
    return and_(
        col(t.AuditEvent.partnership_id) == partnership_id,
        or_(
            and_(kind == "review", key == str(s.review_id)),
            and_(kind == "pre_analysis_return", key.in_(_ids_text(s.return_ids))),
            and_(kind == "action_item", key.in_(_ids_text(s.action_ids))),
            and_(kind == "seven_minute_guide", key.in_(_ids_text(s.guide_ids))),
            and_(
                kind == "chronology_entry",
                or_(
                    key.in_(_ids_text(s.entry_ids)),
                    after["return_id"].as_integer().in_(s.return_ids),  # type: ignore[index]
                    before["return_id"].as_integer().in_(s.return_ids),  # type: ignore[index]
                ),
            ),
            and_(
                kind == "export_file",
                or_(
                    after["filename"].as_string().like(f"{s.reference}-%"),  # type: ignore[index]
                    key.in_(exported),
                ),
            ),
        ),
    )


# --- the subject-access export of a member ----------------------------------------------------


class SqlSubjectAccess:
    def __init__(self, session: Session) -> None:
        self._session = session

    def member_records(self, partnership_id: int, aad_object_id: str) -> MemberRecords | None:
        member = self._session.scalars(
            select(t.Member).where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.aad_object_id) == aad_object_id,
            )
        ).first()
        if member is None or member.id is None:
            return None
        mid = member.id
        owned = self._ids(select(t.ActionItem.id).where(col(t.ActionItem.owner_member_id) == mid))
        assigned = self._ids(
            select(t.ReturnAssignee.return_id).where(col(t.ReturnAssignee.member_id) == mid)
        )
        sections: dict[str, list[dict[str, Any]]] = {
            "member": [_json(member)],
            "roles": self._rows(select(t.MemberRole).where(col(t.MemberRole.member_id) == mid)),
            "agency": self._rows(select(t.Agency).where(col(t.Agency.id) == member.agency_id)),
            "return_assignments": self._rows(
                select(t.ReturnAssignee).where(col(t.ReturnAssignee.member_id) == mid)
            ),
            "answers_last_written": self._answers(mid),
            "chronology_entries_created": self._rows(
                select(t.ChronologyEntry).where(col(t.ChronologyEntry.created_by) == mid)
            ),
            "returns_submitted_or_signed_off": self._rows(
                select(t.PreAnalysisReturn).where(
                    or_(
                        col(t.PreAnalysisReturn.submitted_by) == mid,
                        col(t.PreAnalysisReturn.signed_off_by) == mid,
                    )
                ),
                keep=(
                    "id",
                    "review_id",
                    "agency_id",
                    "status",
                    "submitted_at",
                    "submitted_by",
                    "signed_off_at",
                    "signed_off_by",
                ),
            ),
            # The comments a lead sent a return back with are their words: the last
            # send-back of each return they sent back (kept past a resubmission).
            "returns_sent_back": self._rows(
                select(t.PreAnalysisReturn).where(col(t.PreAnalysisReturn.returned_by) == mid),
                keep=(
                    "id",
                    "review_id",
                    "agency_id",
                    "status",
                    "returned_at",
                    "returned_by",
                    "returned_comments",
                ),
            ),
            "reviews_chaired": self._rows(
                select(t.Review).where(col(t.Review.chair_member_id) == mid),
                keep=("id", "reference", "stage", "opened_on", "closed_on"),
            ),
            "action_items_owned": self._rows(
                select(t.ActionItem).where(col(t.ActionItem.owner_member_id) == mid)
            ),
            "progress_entries": self._rows(
                select(t.ProgressEntry).where(col(t.ProgressEntry.member_id) == mid)
            ),
            "impact_records": self._rows(
                select(t.ImpactRecord).where(col(t.ImpactRecord.recorded_by) == mid)
            ),
            "meeting_outcomes_recorded": self._rows(
                select(t.MeetingOutcome).where(col(t.MeetingOutcome.recorded_by) == mid),
                keep=("id", "review_id", "updated_at", "published_at"),
            ),
            "guides_edited": self._rows(
                select(t.SevenMinuteGuide).where(col(t.SevenMinuteGuide.edited_by) == mid),
                keep=("id", "review_id", "updated_at", "published", "published_at"),
            ),
            "guide_versions_approved": self._rows(
                select(t.GuideVersion).where(col(t.GuideVersion.approved_by) == mid),
                keep=("id", "guide_id", "version", "approver", "approved_at"),
            ),
            "dissemination_returns": self._rows(
                select(t.DisseminationReturn).where(col(t.DisseminationReturn.recorded_by) == mid)
            ),
            "channels_registered": self._rows(
                select(t.TeamChannel).where(col(t.TeamChannel.registered_by) == mid)
            ),
            # Clicks claimed once (domain/idempotency.py): when, which verb, and the answer
            # while it is kept (a day); the key is a hash of the click.
            "click_records": self._rows(
                select(t.IdempotencyRecord).where(
                    col(t.IdempotencyRecord.partnership_id) == partnership_id,
                    col(t.IdempotencyRecord.member_id) == mid,
                ),
                keep=("id", "verb", "state", "created_at", "reply"),
            ),
            "exports": self._rows(
                select(t.ExportFile).where(col(t.ExportFile.member_id) == mid),
                keep=("id", "kind", "filename", "size_bytes", "created_at", "delivered_at"),
            ),
            "chaser_log": self._rows(
                select(t.ChaserLog).where(
                    col(t.ChaserLog.partnership_id) == partnership_id, _about(assigned, owned)
                )
            ),
            "audit_events_by_member": self._rows(
                select(t.AuditEvent).where(
                    col(t.AuditEvent.partnership_id) == partnership_id,
                    col(t.AuditEvent.actor_aad_id) == aad_object_id,
                )
            ),
            "audit_events_about_member": self._rows(
                select(t.AuditEvent).where(
                    col(t.AuditEvent.partnership_id) == partnership_id,
                    col(t.AuditEvent.record_type) == "member",
                    col(t.AuditEvent.record_id) == str(mid),
                )
            ),
        }
        return MemberRecords(mid, sections)

    def _ids(self, query: Any) -> list[int]:
        return [int(i) for i in self._session.scalars(query)]

    def _rows(self, query: Any, keep: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        return [_json(row, keep) for row in self._session.scalars(query)]

    def _answers(self, member_id: int) -> list[dict[str, Any]]:
        query = (
            select(t.Answer, t.Review.reference, t.PreAnalysisReturn.agency_id)
            .join(t.PreAnalysisReturn, col(t.PreAnalysisReturn.id) == col(t.Answer.return_id))
            .join(t.Review, col(t.Review.id) == col(t.PreAnalysisReturn.review_id))
            .where(col(t.Answer.updated_by) == member_id)
            .order_by(col(t.Answer.return_id), col(t.Answer.question_id), col(t.Answer.episode))
        )
        return [
            {**_json(answer), "review_reference": reference, "agency_id": agency_id}
            for answer, reference, agency_id in self._session.execute(query)
        ]


def _json(row: SQLModel, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    values = row.model_dump()
    if keep:
        values = {k: values[k] for k in keep}
    return {key: _plain(value) for key, value in values.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _claims_before(partnership_id: int, cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        col(t.IdempotencyRecord.partnership_id) == partnership_id,
        col(t.IdempotencyRecord.created_at) < cutoff,
    )


def _replies_before(partnership_id: int, cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    # A click's answered claim; a message's claim never keeps a reply.
    return (
        *_claims_before(partnership_id, cutoff),
        col(t.IdempotencyRecord.state) == ClaimState.DONE.value,
        col(t.IdempotencyRecord.token).startswith(CLICK_PREFIX),
    )
