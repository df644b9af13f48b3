"""SQL repository for meeting outcomes, action items, the 7-minute guide and team channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session
from sqlmodel import col, select

from domain.guide import GuideState
from domain.model import ConversationAddress, ReturnStatus
from domain.records import (
    ActionView,
    ExportRecord,
    GuideRecord,
    GuideVersion,
    NewActionItem,
    OutcomeRecord,
)
from storage import atomic
from storage import tables as t
from storage.tables import core, utcnow


def _parts(sections: list[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(str(s.get("text", "")) for s in sections or [])


def _sections(parts: Sequence[str]) -> list[dict[str, Any]]:
    return [{"part": i + 1, "text": text} for i, text in enumerate(parts)]


class SqlOutcomes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, review_id: int) -> t.MeetingOutcome | None:
        return self._session.scalars(
            select(t.MeetingOutcome).where(col(t.MeetingOutcome.review_id) == review_id)
        ).first()

    def get(self, review_id: int) -> OutcomeRecord | None:
        row = self._row(review_id)
        if row is None:
            return None
        attendees = {str(a.get("agency")): str(a.get("names")) for a in row.attendees or []}
        return OutcomeRecord(
            review_id,
            attendees,
            tuple(row.agreed_themes or ()),
            tuple(row.learning_needs or ()),
            tuple(row.draft_actions or ()),
            row.published_at,
            row.meeting_on,
        )

    def save(
        self,
        review_id: int,
        attendees: Mapping[str, str],
        themes: Sequence[str],
        needs: Sequence[str],
        drafts: Sequence[dict[str, Any]],
        member_id: int,
    ) -> None:
        row = self._row(review_id) or t.MeetingOutcome(review_id=review_id)
        row.attendees = [{"agency": k, "names": v} for k, v in attendees.items()]
        row.agreed_themes = list(themes)
        row.learning_needs = list(needs)
        row.draft_actions = [dict(d) for d in drafts]
        row.recorded_by = member_id
        row.updated_at = utcnow()
        self._session.add(row)
        self._session.flush()

    def set_held_on(self, review_id: int, held_on: date) -> None:
        row = self._row(review_id)
        assert row is not None
        row.meeting_on = held_on
        self._session.flush()

    def mark_published(self, review_id: int, at: datetime) -> None:
        row = self._row(review_id)
        assert row is not None
        row.published_at = at

    def create_actions(self, review_id: int, items: Sequence[NewActionItem]) -> list[ActionView]:
        for item in items:
            self._session.add(
                t.ActionItem(
                    review_id=review_id,
                    number=item.number,
                    reference=item.reference,
                    description=item.description,
                    theme=item.theme,
                    owner_member_id=item.owner_member_id,
                    agency_id=item.agency_id,
                    agreed_on=item.agreed_on,
                    due_on=item.due_on,
                    success_measure=item.success_measure,
                    finding=item.finding,
                )
            )
        self._session.flush()
        return self.actions(review_id)

    def actions(self, review_id: int) -> list[ActionView]:
        rows = self._session.execute(
            select(t.ActionItem, t.shown_name(), t.Agency.name)
            .outerjoin(t.Member, col(t.Member.id) == col(t.ActionItem.owner_member_id))
            .outerjoin(t.Agency, col(t.Agency.id) == col(t.ActionItem.agency_id))
            .where(col(t.ActionItem.review_id) == review_id)
            .order_by(col(t.ActionItem.number))
        ).all()
        return [
            ActionView(
                a.id or 0,
                a.review_id,
                a.reference,
                a.description,
                a.theme,
                a.owner_member_id,
                owner,
                agency,
                a.revised_due_on or a.due_on,
                a.success_measure,
                a.status,
            )
            for a, owner, agency in rows
        ]

    def contributors(self, review_id: int) -> list[int]:
        shared = (ReturnStatus.SUBMITTED.value, ReturnStatus.SIGNED_OFF.value)
        return [
            int(m)
            for m in self._session.scalars(
                select(t.ReturnAssignee.member_id)
                .join(
                    t.PreAnalysisReturn,
                    col(t.PreAnalysisReturn.id) == col(t.ReturnAssignee.return_id),
                )
                .where(
                    col(t.PreAnalysisReturn.review_id) == review_id,
                    col(t.PreAnalysisReturn.status).in_(shared),
                )
                .distinct()
            ).all()
        ]

    def _guide_row(self, review_id: int) -> t.SevenMinuteGuide | None:
        return self._session.scalars(
            select(t.SevenMinuteGuide).where(col(t.SevenMinuteGuide.review_id) == review_id)
        ).first()

    def guide(self, review_id: int) -> GuideRecord | None:
        row = self._guide_row(review_id)
        if row is None or row.id is None:
            return None
        used = (
            self._session.scalar(
                select(func.count()).where(col(t.DisseminationReturn.guide_id) == row.id)
            )
            or 0
        )
        return GuideRecord(
            row.id,
            review_id,
            _parts(row.sections),
            row.published,
            int(used),
            GuideState(row.state),
            row.submitted_by,
            self._versions(row.id),
            frozenset(row.editors or ()),
            row.sent_back_note,
        )

    def _versions(self, guide_id: int) -> tuple[GuideVersion, ...]:
        rows = self._session.execute(
            select(t.GuideVersion, t.Member.display_name)
            .outerjoin(t.Member, col(t.Member.id) == col(t.GuideVersion.approved_by))
            .where(col(t.GuideVersion.guide_id) == guide_id)
            .order_by(col(t.GuideVersion.version))
        ).all()
        return tuple(
            GuideVersion(v.version, _parts(v.sections), name, v.approver, v.approved_at)
            for v, name in rows
        )

    def save_guide(self, review_id: int, parts: Sequence[str], member_id: int) -> GuideRecord:
        row = self._guide_row(review_id) or t.SevenMinuteGuide(review_id=review_id)
        sections = _sections(parts)
        if row.id is not None and _parts(row.sections) != tuple(parts):
            row.editors = sorted({*(row.editors or ()), member_id})
        row.sections = sections
        row.edited_by = member_id
        row.updated_at = utcnow()
        self._session.add(row)
        self._session.flush()
        guide = self.guide(review_id)
        assert guide is not None
        return guide

    def move_guide(
        self,
        guide_id: int,
        source: GuideState,
        target: GuideState,
        submitted_by: int | None,
        at: datetime,
        note: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"state": target.value}
        if target is GuideState.AWAITING_APPROVAL:
            values |= {"submitted_by": submitted_by, "submitted_at": at, "sent_back_note": None}
        if source is GuideState.AWAITING_APPROVAL and target is GuideState.DRAFT:
            values |= {"sent_back_note": note}
        if target is GuideState.PUBLISHED:
            values |= {"published": True, "published_at": at, "editors": []}
        return atomic.transition(
            self._session, core(t.SevenMinuteGuide), guide_id, "state", {source.value}, values
        )

    def hold_guide(self, guide_id: int) -> None:
        atomic.lock(self._session, core(t.SevenMinuteGuide), guide_id)

    def add_version(
        self,
        guide_id: int,
        version: GuideVersion,
        submitted_by: int | None,
        approved_by: int,
    ) -> bool:
        return atomic.insert_new(
            self._session,
            t.GuideVersion(
                guide_id=guide_id,
                version=version.version,
                sections=_sections(version.parts),
                submitted_by=submitted_by,
                approved_by=approved_by,
                approver=version.approver,
                approved_at=version.approved_at,
            ),
        )

    def add_usage(
        self,
        guide_id: int,
        team: str,
        used_on: date,
        staff_count: int,
        reflections: str | None,
        member_id: int,
    ) -> None:
        self._session.add(
            t.DisseminationReturn(
                guide_id=guide_id,
                team=team,
                used_on=used_on,
                staff_count=staff_count,
                reflections=reflections,
                recorded_by=member_id,
            )
        )

    def channel(self, partnership_id: int, purpose: str) -> ConversationAddress | None:
        row = self._session.scalars(
            select(t.TeamChannel).where(
                col(t.TeamChannel.partnership_id) == partnership_id,
                col(t.TeamChannel.purpose) == purpose,
            )
        ).first()
        tenant = self._session.scalar(
            select(t.Partnership.tenant_id).where(col(t.Partnership.id) == partnership_id)
        )
        if row is None or not row.service_url or not row.conversation_id:
            return None
        return ConversationAddress(
            row.service_url,
            row.conversation_id,
            str(tenant),
            row.bot_id or "",
            row.address_user_id or "",
            None,
            "channel",
        )

    def register_channel(
        self,
        partnership_id: int,
        purpose: str,
        address: ConversationAddress,
        names: tuple[str | None, str | None],
        member_id: int,
    ) -> None:
        row = self._session.scalars(
            select(t.TeamChannel).where(
                col(t.TeamChannel.partnership_id) == partnership_id,
                col(t.TeamChannel.purpose) == purpose,
            )
        ).first() or t.TeamChannel(partnership_id=partnership_id, purpose=purpose)
        row.service_url, row.conversation_id = address.service_url, address.conversation_id
        row.bot_id, row.address_user_id = address.bot_id, address.user_id
        row.conversation_type = "channel"
        row.team_name, row.channel_name = names
        row.registered_by, row.registered_at = member_id, utcnow()
        row.unreachable_since = None
        self._session.add(row)


class SqlExports:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        partnership_id: int,
        member_id: int,
        token: str,
        kind: str,
        filename: str,
        path: str,
        size: int,
    ) -> None:
        self._session.add(
            t.ExportFile(
                token=token,
                partnership_id=partnership_id,
                member_id=member_id,
                kind=kind,
                filename=filename,
                path=path,
                size_bytes=size,
            )
        )

    def by_token(self, token: str) -> ExportRecord | None:
        row = self._session.scalars(
            select(t.ExportFile).where(col(t.ExportFile.token) == token)
        ).first()
        if row is None or row.id is None:
            return None
        return ExportRecord(row.id, row.token, row.member_id, row.kind, row.filename, row.path)

    def mark_delivered(self, export_id: int, at: datetime) -> None:
        self._session.get_one(t.ExportFile, export_id).delivered_at = at
