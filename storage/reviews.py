"""SQL repositories for reviews, pre-analysis returns, answers and chronology entries."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import String, Update, bindparam, case, cast, delete, func, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from domain.holds import OPEN_TO_LEADS
from domain.model import ConversationAddress, DateCertainty, ReturnStatus, ReviewStage, Role
from domain.records import (
    AnswerKey,
    ChronologyView,
    EntryInput,
    Recipient,
    ReturnView,
    ReviewProgress,
    ReviewView,
    SentBack,
    StoredAnswer,
)
from domain.return_state import WRITABLE
from domain.reviews import NewReview, ReviewAccess, format_reference
from storage import atomic
from storage import tables as t
from storage.statements import execute
from storage.tables import utcnow

# A practitioner's save turn reads the return and its answers and writes one or two rows:
# these statements are built once (see t.core), because building one costs more than running it.
_RETURN = t.core(t.PreAnalysisReturn)
_REVIEW = t.core(t.Review)
_AGENCY = t.core(t.Agency)
_ASSIGNEE = t.core(t.ReturnAssignee)
_ANSWER = t.core(t.Answer)
_MEMBER = t.core(t.Member)
_ENTRY = t.core(t.ChronologyEntry)
_ASSIGNEE_IDS = (
    core_select(t.comma_list(cast(_ASSIGNEE.c.member_id, String)))
    .where(_ASSIGNEE.c.return_id == _RETURN.c.id)
    .scalar_subquery()
)
_RETURN_VIEW_COLUMNS = (
    core_select(
        _RETURN.c.id,
        _RETURN.c.review_id,
        _RETURN.c.agency_id,
        _RETURN.c.status,
        _RETURN.c.due_on,
        _RETURN.c.current_section,
        _RETURN.c.question_bank_version,
        _RETURN.c.returned_comments,
        _RETURN.c.returned_by,
        _RETURN.c.returned_at,
        _RETURN.c.submitted_at,
        _RETURN.c.status_note,
        _RETURN.c.status_changed_at,
        _REVIEW.c.partnership_id,
        _REVIEW.c.reference,
        _REVIEW.c.pseudonym,
        _REVIEW.c.stage,
        _REVIEW.c.chair_member_id,
        _REVIEW.c.deputy_chair_member_id,
        _AGENCY.c.name.label("agency_name"),
        _ASSIGNEE_IDS.label("assignee_ids"),  # "3,7": one statement instead of two
    )
    .join_from(_RETURN, _REVIEW, _REVIEW.c.id == _RETURN.c.review_id)
    .join(_AGENCY, _AGENCY.c.id == _RETURN.c.agency_id)
)
_RETURN_VIEWS = _RETURN_VIEW_COLUMNS.where(_RETURN.c.id.in_(bindparam("ids", expanding=True)))
# One return, every save turn: run on the unit's connection (storage/statements.py).
_RETURN_VIEW = _RETURN_VIEW_COLUMNS.where(_RETURN.c.id == bindparam("id"))
# Held before the read above in every save turn (domain/holds.py): prebuilt, on the unit's
# connection, like it. SQLite leaves FOR UPDATE out (storage/atomic.py).
_LOCK_RETURN = core_select(_RETURN.c.id).where(_RETURN.c.id == bindparam("id")).with_for_update()
_ANSWERS = (
    core_select(
        _ANSWER.c.question_id,
        _ANSWER.c.episode,
        _ANSWER.c.value,
        _ANSWER.c.revision,
        _ANSWER.c.updated_by,
        _MEMBER.c.display_name,
        _ANSWER.c.identifier_warning_confirmed,
        _ANSWER.c.id,
        _ANSWER.c.updated_at,
    )
    .select_from(_ANSWER.outerjoin(_MEMBER, _MEMBER.c.id == _ANSWER.c.updated_by))
    .where(_ANSWER.c.return_id == bindparam("return_id"))
)
_THIS_ANSWER = (
    _ANSWER.c.return_id == bindparam("key_return_id"),
    _ANSWER.c.question_id == bindparam("key_question_id"),
    _ANSWER.c.episode == bindparam("key_episode"),
)
_ANSWER_WRITE = {
    "value": bindparam("new_value", type_=_ANSWER.c.value.type),
    "updated_by": bindparam("new_updated_by", type_=_ANSWER.c.updated_by.type),
    "updated_at": bindparam("new_updated_at", type_=_ANSWER.c.updated_at.type),
    "identifier_warning_confirmed": bindparam(
        "new_confirmed", type_=_ANSWER.c.identifier_warning_confirmed.type
    ),
}
# Only if nobody saved it since it was read: the revision is the optimistic lock.
_UPDATE_ANSWER = (
    update(_ANSWER)
    .where(*_THIS_ANSWER, _ANSWER.c.revision == bindparam("key_revision"))
    .values(revision=_ANSWER.c.revision + 1, **_ANSWER_WRITE)
)
# A colleague's answer inserted since this card was read is kept, not overwritten.
_INSERT_ANSWER = {
    "sqlite": sqlite_insert(_ANSWER).on_conflict_do_nothing().returning(_ANSWER.c.id),
    "postgresql": postgresql_insert(_ANSWER).on_conflict_do_nothing().returning(_ANSWER.c.id),
}
_DELETE_ANSWER = delete(_ANSWER).where(
    *_THIS_ANSWER, _ANSWER.c.revision == bindparam("key_revision")
)


def _answer_key(return_id: int, key: AnswerKey, revision: int) -> dict[str, Any]:
    """Parameters of _THIS_ANSWER at the revision the turn read (the optimistic lock)."""
    return {
        "key_return_id": return_id,
        "key_question_id": key[0],
        "key_episode": key[1],
        "key_revision": revision,
    }


@cache
def _return_update(names: tuple[str, ...]) -> Update:
    """UPDATE of these return columns (and its revision), built once per set of columns."""
    values: dict[str, Any] = {
        name: bindparam(f"new_{name}", type_=_RETURN.c[name].type)
        for name in (*names, "updated_at")
    }
    return (
        update(_RETURN)
        .where(_RETURN.c.id == bindparam("key_return_id"))
        .values(revision=_RETURN.c.revision + 1, **values)
    )


# Racing chronology entries on one return each retry with the next number; more racers than
# this on one return at one instant is not a real workload.
_SEQUENCE_RETRIES = 50


class SqlReviews:
    def __init__(self, session: Session) -> None:
        self._session = session

    def agency_choices(self, partnership_id: int) -> list[tuple[int, str]]:
        rows = self._session.execute(
            select(t.Agency.id, t.Agency.name)
            .where(col(t.Agency.partnership_id) == partnership_id, col(t.Agency.active))
            .order_by(t.Agency.name)
        ).all()
        return [(int(agency_id), str(name)) for agency_id, name in rows]

    def next_sequence(self, partnership_id: int, year: int) -> int:
        # Lock the partnership row (PostgreSQL) so two chairs never draw the same number;
        # SQLite has a single writer already.
        self._session.execute(
            select(t.Partnership.id)
            .where(col(t.Partnership.id) == partnership_id)
            .with_for_update()
        )
        highest = self._session.scalar(
            select(func.max(t.Review.sequence)).where(
                col(t.Review.partnership_id) == partnership_id, col(t.Review.year) == year
            )
        )
        return int(highest or 0) + 1

    def create(
        self,
        partnership_id: int,
        reference: tuple[int, int],
        new: NewReview,
        chair_member_id: int,
        opened_on: date,
        bank_version: str,
    ) -> ReviewView:
        year, sequence = reference
        review = t.Review(
            partnership_id=partnership_id,
            reference=format_reference(year, sequence),
            year=year,
            sequence=sequence,
            pseudonym=new.pseudonym,
            reason=new.reason,
            chair_member_id=chair_member_id,
            stage=ReviewStage.DRAFT.value,
            opened_on=opened_on,
            returns_due_on=new.returns_due_on,
            meeting_on=new.meeting_on,
            question_bank_version=bank_version,
        )
        self._session.add(review)
        self._session.flush()
        assert review.id is not None
        for agency_id in new.agency_ids:
            self._session.add(
                t.PreAnalysisReturn(
                    review_id=review.id,
                    agency_id=agency_id,
                    due_on=new.returns_due_on,
                    question_bank_version=bank_version,
                )
            )
        self._session.flush()
        return review_view(review)

    def get(self, partnership_id: int, review_id: int) -> ReviewView | None:
        review = self._session.get(t.Review, review_id)
        if review is None or review.partnership_id != partnership_id:
            return None
        return review_view(review)

    def by_reference(self, partnership_id: int, year: int, sequence: int) -> ReviewView | None:
        review = self._session.scalars(
            select(t.Review).where(
                col(t.Review.partnership_id) == partnership_id,
                col(t.Review.year) == year,
                col(t.Review.sequence) == sequence,
            )
        ).first()
        return review_view(review) if review else None

    def access(self, review_id: int) -> ReviewAccess:
        chairs = self._session.execute(
            select(t.Review.chair_member_id, t.Review.deputy_chair_member_id).where(
                col(t.Review.id) == review_id
            )
        ).first()
        # A removed agency (and its practitioners) is no longer involved in the review.
        rows = self._session.execute(
            select(t.PreAnalysisReturn.agency_id, t.ReturnAssignee.member_id)
            .outerjoin(
                t.ReturnAssignee, col(t.ReturnAssignee.return_id) == col(t.PreAnalysisReturn.id)
            )
            .where(
                col(t.PreAnalysisReturn.review_id) == review_id,
                col(t.PreAnalysisReturn.status) != ReturnStatus.WITHDRAWN.value,
            )
        ).all()
        return ReviewAccess(
            chair_member_id=chairs[0] if chairs else None,
            agency_ids=frozenset(int(agency) for agency, _ in rows),
            assignee_member_ids=frozenset(int(m) for _, m in rows if m is not None),
            deputy_chair_member_id=chairs[1] if chairs else None,
        )

    def with_progress(
        self, partnership_id: int, stages: frozenset[ReviewStage]
    ) -> list[ReviewProgress]:
        status = col(t.PreAnalysisReturn.status)
        submitted = (ReturnStatus.SUBMITTED.value, ReturnStatus.SIGNED_OFF.value)
        decided = (ReturnStatus.NIL.value, ReturnStatus.PROCEEDED_WITHOUT.value)
        rows = self._session.execute(
            core_select(  # five columns: more than sqlmodel's select is typed for
                t.Review,
                func.count(col(t.PreAnalysisReturn.id)),
                func.sum(case((status.in_(submitted), 1), else_=0)),
                func.sum(case((status == ReturnStatus.SIGNED_OFF.value, 1), else_=0)),
                func.sum(case((status.in_(decided), 1), else_=0)),
            )
            .outerjoin(
                t.PreAnalysisReturn,
                (col(t.PreAnalysisReturn.review_id) == col(t.Review.id))
                & (status != ReturnStatus.WITHDRAWN.value),
            )
            .where(
                col(t.Review.partnership_id) == partnership_id,
                col(t.Review.stage).in_([stage.value for stage in stages]),
            )
            .group_by(col(t.Review.id))
            .order_by(col(t.Review.year).desc(), col(t.Review.sequence).desc())
        ).all()
        dues = self._outstanding_due_on([review.id for review, *_ in rows if review.id])
        return [
            ReviewProgress(
                review_view(review),
                int(total),
                int(done or 0),
                int(signed or 0),
                tuple(dues.get(review.id, ())),
                int(settled or 0),
            )
            for review, total, done, signed, settled in rows
        ]

    def _outstanding_due_on(self, review_ids: list[int]) -> dict[int, list[date | None]]:
        """Each review's returns still with the practitioners, by their own due dates."""
        outstanding = [s.value for s in WRITABLE]
        dues: dict[int, list[date | None]] = {}
        if not review_ids:
            return dues
        for review_id, due in self._session.execute(
            select(col(t.PreAnalysisReturn.review_id), col(t.PreAnalysisReturn.due_on))
            .where(
                col(t.PreAnalysisReturn.review_id).in_(review_ids),
                col(t.PreAnalysisReturn.status).in_(outstanding),
            )
            .order_by(col(t.PreAnalysisReturn.id))
        ):
            dues.setdefault(review_id, []).append(due)
        return dues

    def set_stage(
        self,
        review_id: int,
        stage: ReviewStage,
        expected: Collection[ReviewStage],
        closed_on: date | None = None,
    ) -> bool:
        values: dict[str, Any] = {"stage": stage.value}
        if stage is ReviewStage.CLOSED:
            if closed_on is None:
                raise ValueError("closing a review needs the day it closed (closed_on)")
            values["closed_on"] = closed_on
        return atomic.transition(
            self._session, _REVIEW, review_id, "stage", [s.value for s in expected], values
        )

    def lock(self, review_id: int) -> None:
        atomic.lock(self._session, _REVIEW, review_id)

    def returns(self, review_id: int) -> list[ReturnView]:
        """The review's agencies' returns, removed agencies left out."""
        return self.returns_on((review_id,))

    def returns_on(self, review_ids: Collection[int]) -> list[ReturnView]:
        """The returns of several reviews in one query, as `returns` gives each review's, by
        review and agency."""
        if not review_ids:
            return []
        rows = self._session.scalars(
            select(t.PreAnalysisReturn.id).where(
                col(t.PreAnalysisReturn.review_id).in_(list(review_ids)),
                col(t.PreAnalysisReturn.status) != ReturnStatus.WITHDRAWN.value,
            )
        ).all()
        views = _return_views(self._session, list(rows))
        return sorted(views, key=lambda view: (view.review_id, view.agency_name))

    def update_review(self, review_id: int, fields: Mapping[str, Any]) -> None:
        review = self._session.get_one(t.Review, review_id)
        for name, value in fields.items():
            setattr(review, name, value)
        review.updated_at = utcnow()
        self._session.flush()

    def withdrawn_return(self, review_id: int, agency_id: int) -> int | None:
        found = self._session.scalar(
            select(t.PreAnalysisReturn.id).where(
                col(t.PreAnalysisReturn.review_id) == review_id,
                col(t.PreAnalysisReturn.agency_id) == agency_id,
                col(t.PreAnalysisReturn.status) == ReturnStatus.WITHDRAWN.value,
            )
        )
        return int(found) if found is not None else None

    def add_return(
        self, review_id: int, agency_id: int, due_on: date | None, bank_version: str
    ) -> int:
        row = t.PreAnalysisReturn(
            review_id=review_id,
            agency_id=agency_id,
            due_on=due_on,
            question_bank_version=bank_version,
        )
        self._session.add(row)
        self._session.flush()
        assert row.id is not None
        return row.id

    def action_ids(self, review_id: int) -> list[int]:
        return [
            int(i)
            for i in self._session.scalars(
                select(t.ActionItem.id).where(col(t.ActionItem.review_id) == review_id)
            ).all()
        ]

    def chairs(self, partnership_id: int) -> list[tuple[int, str]]:
        rows = self._session.execute(
            select(t.Member.id, t.Member.display_name)
            .join(t.MemberRole, col(t.MemberRole.member_id) == col(t.Member.id))
            .where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.active),
                col(t.MemberRole.role) == Role.CHAIR.value,
            )
            .order_by(t.Member.display_name)
        ).all()
        return [(int(member_id), str(name)) for member_id, name in rows]

    def assignable_members(self, partnership_id: int) -> list[tuple[str, str, int | None]]:
        rows = self._session.execute(
            select(t.Member.aad_object_id, t.Member.display_name, t.Member.agency_id)
            .join(t.MemberRole, col(t.MemberRole.member_id) == col(t.Member.id))
            .where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.active),
                col(t.Member.aad_object_id).is_not(None),
                col(t.MemberRole.role).in_([Role.PRACTITIONER.value, Role.AGENCY_LEAD.value]),
            )
            .distinct()
            .order_by(t.Member.display_name)
        ).all()
        return [(str(aad), str(name), agency) for aad, name, agency in rows]


class SqlReturns:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, return_id: int) -> ReturnView | None:
        row = execute(self._session, _RETURN_VIEW, {"id": return_id}).first()
        return _return_view(row) if row else None

    def for_member(self, member_id: int) -> list[ReturnView]:
        ids = self._session.scalars(
            select(t.ReturnAssignee.return_id).where(col(t.ReturnAssignee.member_id) == member_id)
        ).all()
        return _return_views(self._session, list(ids))

    def awaiting_lead(self, partnership_id: int, agency_ids: Collection[int]) -> list[ReturnView]:
        if not agency_ids:
            return []
        ids = self._session.scalars(
            select(t.PreAnalysisReturn.id)
            .join(t.Review, col(t.Review.id) == col(t.PreAnalysisReturn.review_id))
            .where(
                col(t.Review.partnership_id) == partnership_id,
                col(t.PreAnalysisReturn.agency_id).in_(sorted(agency_ids)),
                col(t.PreAnalysisReturn.status).in_(
                    [ReturnStatus.SUBMITTED.value, ReturnStatus.NIL_PENDING.value]
                ),
            )
        ).all()
        return _return_views(self._session, [i for i in ids if i is not None])

    def assign(self, return_id: int, member_ids: Sequence[int]) -> list[int]:
        existing = set(
            self._session.scalars(
                select(t.ReturnAssignee.member_id).where(
                    col(t.ReturnAssignee.return_id) == return_id
                )
            ).all()
        )
        # Only those this request assigned: a racing assignment's are theirs to invite.
        return [
            member_id
            for member_id in dict.fromkeys(member_ids)
            if member_id not in existing
            and atomic.insert_new(
                self._session, t.ReturnAssignee(return_id=return_id, member_id=member_id)
            )
        ]

    def unassign(self, return_id: int, member_ids: Sequence[int]) -> None:
        if member_ids:
            self._session.execute(
                delete(t.ReturnAssignee).where(
                    col(t.ReturnAssignee.return_id) == return_id,
                    col(t.ReturnAssignee.member_id).in_(list(member_ids)),
                )
            )

    def answers(self, return_id: int) -> dict[AnswerKey, StoredAnswer]:
        rows: Sequence[Any] = execute(self._session, _ANSWERS, {"return_id": return_id}).all()
        return {(row[0], row[1]): StoredAnswer(*row) for row in rows}

    def save_answer(
        self,
        return_id: int,
        key: AnswerKey,
        value: Any,
        member_id: int,
        confirmed: bool,
        *,
        revision: int,
    ) -> StoredAnswer | None:
        written = {
            "new_value": value,
            "new_updated_by": member_id,
            "new_updated_at": utcnow(),
            "new_confirmed": confirmed,
        }
        if revision:
            changed = execute(
                self._session, _UPDATE_ANSWER, {**_answer_key(return_id, key, revision), **written}
            ).rowcount
            if changed != 1:
                return None
        else:
            row = {
                "return_id": return_id,
                "question_id": key[0],
                "episode": key[1],
                "revision": 1,
                "value": value,
                "updated_by": member_id,
                "updated_at": written["new_updated_at"],
                "identifier_warning_confirmed": confirmed,
            }
            insert_new = _INSERT_ANSWER[self._session.get_bind().dialect.name]
            if self._session.execute(insert_new, row).first() is None:
                return None  # it was there after all: a colleague's, kept
        return StoredAnswer(key[0], key[1], value, revision + 1, member_id, None, confirmed)

    def delete_answer(self, return_id: int, key: AnswerKey, *, revision: int) -> bool:
        deleted = execute(self._session, _DELETE_ANSWER, _answer_key(return_id, key, revision))
        return deleted.rowcount == 1

    def update(self, return_id: int, fields: Mapping[str, Any]) -> None:
        params = {f"new_{name}": value for name, value in fields.items()}
        self._session.execute(
            _return_update(tuple(fields)),
            {**params, "new_updated_at": utcnow(), "key_return_id": return_id},
        )

    def lock(self, return_id: int) -> None:
        # atomic.lock's statement, prebuilt: built per call and run through Session.execute it
        # cost about twice the CPU (0.30 ms against 0.14 ms on PostgreSQL, 6 Dec).
        execute(self._session, _LOCK_RETURN, {"id": return_id})
        self._session.expire_all()  # as atomic.lock: ORM rows read before it are stale

    def transition(
        self,
        return_id: int,
        expected: Collection[ReturnStatus],
        fields: Mapping[str, Any],
        *,
        at: datetime,
    ) -> bool:
        if "status" in fields:
            fields = {**fields, "status_changed_at": at}
        return atomic.transition(
            self._session, _RETURN, return_id, "status", [s.value for s in expected], fields
        )

    def entries(self, return_id: int) -> list[ChronologyView]:
        rows = self._session.scalars(
            select(t.ChronologyEntry).where(col(t.ChronologyEntry.return_id) == return_id)
        ).all()
        return [_entry_view(row) for row in rows]

    def add_entry(self, return_id: int, entry: EntryInput, member_id: int) -> ChronologyView:
        # max + 1, again if a colleague's entry took that number first (each retry reads
        # theirs): ten people adding entries at once all get one, numbered in turn.
        for _ in range(_SEQUENCE_RETRIES):
            highest = self._session.scalar(
                select(func.max(t.ChronologyEntry.sequence)).where(
                    col(t.ChronologyEntry.return_id) == return_id
                )
            )
            sequence = int(highest or 0) + 1
            row = t.ChronologyEntry(
                return_id=return_id, sequence=sequence, created_by=member_id, **_entry_fields(entry)
            )
            if atomic.insert_new(self._session, row):
                added = self._session.scalars(
                    select(t.ChronologyEntry).where(
                        col(t.ChronologyEntry.return_id) == return_id,
                        col(t.ChronologyEntry.sequence) == sequence,
                    )
                ).one()
                return _entry_view(added)
        raise RuntimeError("no free chronology sequence after retries")  # not reached in practice

    # One statement each, judged by its rowcount: a colleague may have removed the entry since
    # this turn read it (the ORM would raise on finding no row to change).
    def update_entry(self, return_id: int, entry_id: int, entry: EntryInput) -> bool:
        changed = self._session.execute(
            update(_ENTRY)
            .where(_ENTRY.c.id == entry_id, _ENTRY.c.return_id == return_id)
            .values(**_entry_fields(entry), updated_at=utcnow())
        )
        return atomic.rowcount(changed) == 1

    def delete_entry(self, return_id: int, entry_id: int) -> bool:
        removed = self._session.execute(
            delete(_ENTRY).where(_ENTRY.c.id == entry_id, _ENTRY.c.return_id == return_id)
        )
        return atomic.rowcount(removed) == 1

    def hold_open_to_leads(self, agency_ids: Collection[int]) -> list[int]:
        """Hold every return of these agencies its leads may still act on (domain/holds.py
        `OPEN_TO_LEADS`), in id order, in one statement (PostgreSQL locks the rows as the
        sorted scan returns them); their ids."""
        if not agency_ids:
            return []
        self._session.flush()
        held = self._session.scalars(
            select(t.PreAnalysisReturn.id)
            .where(
                col(t.PreAnalysisReturn.agency_id).in_(sorted(agency_ids)),
                col(t.PreAnalysisReturn.status).in_(sorted(s.value for s in OPEN_TO_LEADS)),
            )
            .order_by(col(t.PreAnalysisReturn.id))
            .with_for_update()
        ).all()
        self._session.expire_all()  # as lock(): ORM rows read before it are stale
        return [int(i) for i in held]

    def agency_lead_ids(self, agency_id: int) -> list[int]:
        return [
            int(m)
            for m in self._session.scalars(
                select(t.Member.id)
                .join(t.MemberRole, col(t.MemberRole.member_id) == col(t.Member.id))
                .where(
                    or_(
                        col(t.Member.agency_id) == agency_id,
                        col(t.Member.id).in_(
                            select(t.AgencyLeadCover.member_id).where(
                                col(t.AgencyLeadCover.agency_id) == agency_id
                            )
                        ),
                    ),
                    col(t.MemberRole.role) == Role.AGENCY_LEAD.value,
                    col(t.Member.active),
                    # A cover counts only within the agency's own partnership.
                    col(t.Member.partnership_id)
                    == select(t.Agency.partnership_id)
                    .where(col(t.Agency.id) == agency_id)
                    .scalar_subquery(),
                )
                .order_by(col(t.Member.id))
            ).all()
        ]

    def recipients(self, member_ids: Sequence[int]) -> list[Recipient]:
        if not member_ids:
            return []
        rows = self._session.execute(
            select(t.Member, t.Partnership.tenant_id)
            .join(t.Partnership, col(t.Partnership.id) == col(t.Member.partnership_id))
            .where(col(t.Member.id).in_(list(member_ids)))
        ).all()
        hints = {m.partnership_id: self._service_url(m.partnership_id) for m, _ in rows}
        return [
            replace(_recipient(member, tenant), service_url_hint=hints[member.partnership_id])
            for member, tenant in rows
        ]

    def _service_url(self, partnership_id: int) -> str:
        found = self._session.scalars(
            select(t.Member.service_url)
            .where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.service_url).is_not(None),
            )
            .order_by(col(t.Member.id).desc())
            .limit(1)
        ).first()
        return found or ""


def review_view(row: t.Review) -> ReviewView:
    assert row.id is not None
    return ReviewView(
        id=row.id,
        partnership_id=row.partnership_id,
        reference=row.reference,
        pseudonym=row.pseudonym,
        reason=row.reason,
        chair_member_id=row.chair_member_id,
        stage=ReviewStage(row.stage),
        opened_on=row.opened_on,
        returns_due_on=row.returns_due_on,
        meeting_on=row.meeting_on,
        deputy_chair_member_id=row.deputy_chair_member_id,
        period_under_review=row.period_under_review,
        cancelled_reason=row.cancelled_reason,
        cancelled_from=ReviewStage(row.cancelled_from) if row.cancelled_from else None,
        closed_on=row.closed_on,
    )


def _return_views(session: Session, return_ids: list[int]) -> list[ReturnView]:
    if not return_ids:
        return []
    return [_return_view(row) for row in session.execute(_RETURN_VIEWS, {"ids": return_ids})]


def _return_view(row: Any) -> ReturnView:
    """A return from a row of _RETURN_VIEW_COLUMNS."""
    return ReturnView(
        id=row.id,
        partnership_id=row.partnership_id,
        review_id=row.review_id,
        reference=row.reference,
        pseudonym=row.pseudonym,
        review_stage=ReviewStage(row.stage),
        chair_member_id=row.chair_member_id,
        agency_id=row.agency_id,
        agency_name=row.agency_name,
        status=ReturnStatus(row.status),
        due_on=row.due_on,
        current_section=row.current_section,
        bank_version=row.question_bank_version,
        assignee_ids=frozenset(int(i) for i in t.comma_items(row.assignee_ids)),
        submitted_at=row.submitted_at,
        status_note=row.status_note,
        deputy_chair_member_id=row.deputy_chair_member_id,
        status_changed_at=row.status_changed_at,
        sent_back=_sent_back(row),
    )


def _sent_back(row: Any) -> SentBack | None:
    """The return's last send-back, from a row of _RETURN_VIEW_COLUMNS; None if never sent back."""
    if row.returned_comments is None:
        return None
    return SentBack(row.returned_comments, row.returned_by, row.returned_at)


def _entry_fields(entry: EntryInput) -> dict[str, Any]:
    return {
        "event_date": entry.event_date,
        "date_certainty": entry.date_certainty.value,
        "end_date": entry.end_date,
        "source": entry.source,
        "event": entry.event,
        "impact_on_child": entry.impact_on_child,
        "action_outcome": entry.action_outcome,
        "key_practice_episode": entry.key_practice_episode,
        "missed_opportunity": entry.missed_opportunity,
        "missed_opportunity_reason": entry.missed_opportunity_reason,
        "themes": list(entry.themes),
    }


def _entry_view(row: t.ChronologyEntry) -> ChronologyView:
    assert row.id is not None
    return ChronologyView(
        row.id,
        row.sequence,
        EntryInput(
            event_date=row.event_date,
            date_certainty=DateCertainty(row.date_certainty),
            end_date=row.end_date,
            source=row.source,
            event=row.event,
            impact_on_child=row.impact_on_child,
            action_outcome=row.action_outcome,
            key_practice_episode=row.key_practice_episode,
            missed_opportunity=row.missed_opportunity,
            missed_opportunity_reason=row.missed_opportunity_reason,
            themes=tuple(row.themes or ()),
        ),
    )


def _recipient(member: t.Member, tenant_id: str) -> Recipient:
    assert member.id is not None
    address = None
    if member.service_url and member.conversation_id:
        address = ConversationAddress(
            service_url=member.service_url,
            conversation_id=member.conversation_id,
            tenant_id=tenant_id,
            bot_id=member.bot_id or "",
            user_id=member.address_user_id or "",
            aad_object_id=member.aad_object_id,
            conversation_type=member.conversation_type or "personal",
        )
    return Recipient(
        member.id,
        member.display_name,
        member.aad_object_id,
        tenant_id,
        address,
        member.unreachable_since is not None,
        active=member.active,
    )
