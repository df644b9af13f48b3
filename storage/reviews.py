"""SQL repositories for reviews, pre-analysis returns, answers and chronology entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.orm import Session
from sqlmodel import col, select

from domain.model import ConversationAddress, DateCertainty, ReturnStatus, ReviewStage, Role
from domain.records import (
    AnswerKey,
    ChronologyView,
    EntryInput,
    Recipient,
    ReturnView,
    ReviewProgress,
    ReviewView,
    StoredAnswer,
)
from domain.reviews import NewReview, ReviewAccess, format_reference
from storage import tables as t
from storage.tables import utcnow


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
        chair = self._session.scalar(
            select(t.Review.chair_member_id).where(col(t.Review.id) == review_id)
        )
        rows = self._session.execute(
            select(t.PreAnalysisReturn.agency_id, t.ReturnAssignee.member_id)
            .outerjoin(
                t.ReturnAssignee, col(t.ReturnAssignee.return_id) == col(t.PreAnalysisReturn.id)
            )
            .where(col(t.PreAnalysisReturn.review_id) == review_id)
        ).all()
        return ReviewAccess(
            chair_member_id=chair,
            agency_ids=frozenset(int(agency) for agency, _ in rows),
            assignee_member_ids=frozenset(int(m) for _, m in rows if m is not None),
        )

    def with_progress(
        self, partnership_id: int, stages: frozenset[ReviewStage]
    ) -> list[ReviewProgress]:
        status = col(t.PreAnalysisReturn.status)
        submitted = (ReturnStatus.SUBMITTED.value, ReturnStatus.SIGNED_OFF.value)
        rows = self._session.execute(
            select(
                t.Review,
                func.count(col(t.PreAnalysisReturn.id)),
                func.sum(case((status.in_(submitted), 1), else_=0)),
                func.sum(case((status == ReturnStatus.SIGNED_OFF.value, 1), else_=0)),
            )
            .outerjoin(t.PreAnalysisReturn, col(t.PreAnalysisReturn.review_id) == col(t.Review.id))
            .where(
                col(t.Review.partnership_id) == partnership_id,
                col(t.Review.stage).in_([stage.value for stage in stages]),
            )
            .group_by(col(t.Review.id))
            .order_by(col(t.Review.year).desc(), col(t.Review.sequence).desc())
        ).all()
        return [
            ReviewProgress(review_view(review), int(total), int(done or 0), int(signed or 0))
            for review, total, done, signed in rows
        ]

    def set_stage(self, review_id: int, stage: ReviewStage) -> None:
        review = self._session.get_one(t.Review, review_id)
        review.stage = stage.value
        review.updated_at = utcnow()
        if stage is ReviewStage.CLOSED:
            review.closed_on = date.today()

    def returns(self, review_id: int) -> list[ReturnView]:
        rows = self._session.scalars(
            select(t.PreAnalysisReturn.id).where(col(t.PreAnalysisReturn.review_id) == review_id)
        ).all()
        views = _return_views(self._session, list(rows))
        return sorted(views, key=lambda view: view.agency_name)

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
        views = _return_views(self._session, [return_id])
        return views[0] if views else None

    def for_member(self, member_id: int) -> list[ReturnView]:
        ids = self._session.scalars(
            select(t.ReturnAssignee.return_id).where(col(t.ReturnAssignee.member_id) == member_id)
        ).all()
        return _return_views(self._session, list(ids))

    def assign(self, return_id: int, member_ids: Sequence[int]) -> list[int]:
        existing = set(
            self._session.scalars(
                select(t.ReturnAssignee.member_id).where(
                    col(t.ReturnAssignee.return_id) == return_id
                )
            ).all()
        )
        added = [m for m in dict.fromkeys(member_ids) if m not in existing]
        for member_id in added:
            self._session.add(t.ReturnAssignee(return_id=return_id, member_id=member_id))
        self._session.flush()
        return added

    def answers(self, return_id: int) -> dict[AnswerKey, StoredAnswer]:
        rows = self._session.execute(
            select(t.Answer, t.Member.display_name)
            .outerjoin(t.Member, col(t.Member.id) == col(t.Answer.updated_by))
            .where(col(t.Answer.return_id) == return_id)
        ).all()
        return {(a.question_id, a.episode): _answer_view(a, name) for a, name in rows}

    def save_answer(
        self, return_id: int, key: AnswerKey, value: Any, member_id: int, confirmed: bool
    ) -> StoredAnswer:
        row = self._answer_row(return_id, key)
        if row is None:
            row = t.Answer(return_id=return_id, question_id=key[0], episode=key[1], revision=0)
            self._session.add(row)
        row.value = value
        row.revision += 1
        row.updated_by = member_id
        row.updated_at = utcnow()
        row.identifier_warning_confirmed = confirmed
        self._session.flush()
        return _answer_view(row, None)

    def delete_answer(self, return_id: int, key: AnswerKey) -> None:
        row = self._answer_row(return_id, key)
        if row is not None:
            self._session.delete(row)

    def _answer_row(self, return_id: int, key: AnswerKey) -> t.Answer | None:
        return self._session.scalars(
            select(t.Answer).where(
                col(t.Answer.return_id) == return_id,
                col(t.Answer.question_id) == key[0],
                col(t.Answer.episode) == key[1],
            )
        ).first()

    def update(self, return_id: int, fields: Mapping[str, Any]) -> None:
        row = self._session.get_one(t.PreAnalysisReturn, return_id)
        for name, value in fields.items():
            setattr(row, name, value)
        row.revision += 1
        row.updated_at = utcnow()

    def entries(self, return_id: int) -> list[ChronologyView]:
        rows = self._session.scalars(
            select(t.ChronologyEntry).where(col(t.ChronologyEntry.return_id) == return_id)
        ).all()
        return [_entry_view(row) for row in rows]

    def add_entry(self, return_id: int, entry: EntryInput, member_id: int) -> ChronologyView:
        highest = self._session.scalar(
            select(func.max(t.ChronologyEntry.sequence)).where(
                col(t.ChronologyEntry.return_id) == return_id
            )
        )
        row = t.ChronologyEntry(
            return_id=return_id,
            sequence=int(highest or 0) + 1,
            created_by=member_id,
            **_entry_fields(entry),
        )
        self._session.add(row)
        self._session.flush()
        return _entry_view(row)

    def update_entry(self, return_id: int, entry_id: int, entry: EntryInput) -> bool:
        row = self._session.get(t.ChronologyEntry, entry_id)
        if row is None or row.return_id != return_id:
            return False
        for name, value in _entry_fields(entry).items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        return True

    def delete_entry(self, return_id: int, entry_id: int) -> bool:
        row = self._session.get(t.ChronologyEntry, entry_id)
        if row is None or row.return_id != return_id:
            return False
        self._session.delete(row)
        return True

    def agency_lead_ids(self, agency_id: int) -> list[int]:
        return [
            int(m)
            for m in self._session.scalars(
                select(t.Member.id)
                .join(t.MemberRole, col(t.MemberRole.member_id) == col(t.Member.id))
                .where(
                    col(t.Member.agency_id) == agency_id,
                    col(t.MemberRole.role) == Role.AGENCY_LEAD.value,
                    col(t.Member.active),
                )
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
        return [_recipient(member, tenant) for member, tenant in rows]


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
    )


def _return_views(session: Session, return_ids: list[int]) -> list[ReturnView]:
    if not return_ids:
        return []
    rows = session.execute(
        select(t.PreAnalysisReturn, t.Review, t.Agency.name)
        .join(t.Review, col(t.Review.id) == col(t.PreAnalysisReturn.review_id))
        .join(t.Agency, col(t.Agency.id) == col(t.PreAnalysisReturn.agency_id))
        .where(col(t.PreAnalysisReturn.id).in_(return_ids))
    ).all()
    assignees: dict[int, set[int]] = {}
    for return_id, member_id in session.execute(
        select(t.ReturnAssignee.return_id, t.ReturnAssignee.member_id).where(
            col(t.ReturnAssignee.return_id).in_(return_ids)
        )
    ).all():
        assignees.setdefault(int(return_id), set()).add(int(member_id))
    return [
        _return_view(ret, review, str(agency), assignees.get(int(ret.id or 0), set()))
        for ret, review, agency in rows
    ]


def _return_view(
    ret: t.PreAnalysisReturn, review: t.Review, agency: str, assignees: set[int]
) -> ReturnView:
    assert ret.id is not None
    return ReturnView(
        id=ret.id,
        partnership_id=review.partnership_id,
        review_id=ret.review_id,
        reference=review.reference,
        pseudonym=review.pseudonym,
        review_stage=ReviewStage(review.stage),
        chair_member_id=review.chair_member_id,
        agency_id=ret.agency_id,
        agency_name=agency,
        status=ReturnStatus(ret.status),
        due_on=ret.due_on,
        current_section=ret.current_section,
        bank_version=ret.question_bank_version,
        returned_comments=ret.returned_comments,
        assignee_ids=frozenset(assignees),
        submitted_at=ret.submitted_at,
    )


def _answer_view(row: t.Answer, updated_by_name: str | None) -> StoredAnswer:
    return StoredAnswer(
        row.question_id,
        row.episode,
        row.value,
        row.revision,
        row.updated_by,
        updated_by_name,
        row.identifier_warning_confirmed,
    )


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
    )
