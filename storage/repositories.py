"""SQL implementations of the repository interfaces declared in domain/repositories.py."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlmodel import col, select

from domain.model import MemberView, Role
from domain.repositories import AuditEntry, MemberProfile, MemberSighting, PartnershipView
from storage import tables as t
from storage.actions import SqlActions, SqlChases
from storage.directory import SqlDirectory
from storage.governance import SqlAuditTrail, SqlRetention, SqlSubjectAccess
from storage.outcomes import SqlExports, SqlOutcomes
from storage.reviews import SqlReturns, SqlReviews
from storage.summaries import SqlSummaries


class SqlPartnerships:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_tenant(self, tenant_id: str) -> PartnershipView | None:
        row = self._session.scalars(
            select(t.Partnership).where(col(t.Partnership.tenant_id) == tenant_id)
        ).first()
        return _partnership_view(row) if row else None

    def all_ids(self) -> list[int]:
        return [int(i) for i in self._session.scalars(select(t.Partnership.id)).all()]

    def create(self, tenant_id: str, name: str) -> PartnershipView:
        row = t.Partnership(tenant_id=tenant_id, name=name)
        self._session.add(row)
        self._session.flush()
        return _partnership_view(row)


class SqlMembers:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(
        self, partnership_id: int, aad_object_id: str | None, teams_user_id: str
    ) -> MemberView | None:
        row = self._find_row(partnership_id, aad_object_id, teams_user_id)
        return self._view(row) if row else None

    def _find_row(
        self, partnership_id: int, aad_object_id: str | None, teams_user_id: str
    ) -> t.Member | None:
        in_partnership = select(t.Member).where(col(t.Member.partnership_id) == partnership_id)
        if aad_object_id:
            # Members imported before they first talk to the bot are matched by AAD id.
            row = self._session.scalars(
                in_partnership.where(col(t.Member.aad_object_id) == aad_object_id)
            ).first()
            if row is not None:
                return row
        return self._session.scalars(
            in_partnership.where(col(t.Member.teams_user_id) == teams_user_id)
        ).first()

    def create(self, partnership_id: int, sighting: MemberSighting) -> MemberView:
        row = t.Member(
            partnership_id=partnership_id,
            display_name=sighting.display_name,
            aad_object_id=sighting.aad_object_id,
            first_seen_at=sighting.seen_at,
        )
        self._session.add(row)
        self._apply_sighting(row, sighting)
        self._session.flush()
        return self._view(row)

    def record_sighting(
        self, member_id: int, sighting: MemberSighting
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        row = self._session.get_one(t.Member, member_id)
        before = _address_fields(row)
        self._apply_sighting(row, sighting)
        after = _address_fields(row)
        changed = {key for key in after if after[key] != before[key]}
        return ({k: before[k] for k in changed}, {k: after[k] for k in changed})

    def _apply_sighting(self, row: t.Member, sighting: MemberSighting) -> None:
        # Only what changed is written: most turns come from someone already known, and an
        # unconditional write would make every read turn a database write (DESIGN.md §9).
        address = sighting.personal_address
        fields: dict[str, object] = {
            "display_name": sighting.display_name or row.display_name,
            "teams_user_id": sighting.teams_user_id,
            "aad_object_id": row.aad_object_id or sighting.aad_object_id,
            "first_seen_at": row.first_seen_at or sighting.seen_at,
        }
        if address is not None:
            fields |= {
                "service_url": address.service_url,
                "conversation_id": address.conversation_id,
                "bot_id": address.bot_id,
                "address_user_id": address.user_id,
                "conversation_type": address.conversation_type,
                # Writing to the bot again makes a blocked address reachable again.
                "unreachable_since": None,
                "unreachable_reason": None,
            }
        if _stale(row.last_seen_at, sighting.seen_at):
            fields["last_seen_at"] = sighting.seen_at
        for name, value in fields.items():
            if getattr(row, name) != value:
                setattr(row, name, value)

    def grant(self, member_id: int, role: Role) -> bool:
        if self._session.get(t.MemberRole, (member_id, role.value)) is not None:
            return False
        self._session.add(t.MemberRole(member_id=member_id, role=role.value))
        self._session.flush()
        return True

    def get(self, member_id: int) -> MemberView:
        return self._view(self._session.get_one(t.Member, member_id))

    def mark_welcomed(self, member_id: int, at: datetime) -> bool:
        row = self._session.get_one(t.Member, member_id)
        if row.welcomed_at is not None:
            return False
        row.welcomed_at = at
        return True

    def profile(self, member_id: int) -> MemberProfile:
        query = (
            select(t.Member, t.Partnership.name, t.Agency.name)
            .join(t.Partnership, col(t.Partnership.id) == t.Member.partnership_id)
            .outerjoin(t.Agency, col(t.Agency.id) == t.Member.agency_id)
            .where(col(t.Member.id) == member_id)
        )
        member, partnership_name, agency_name = self._session.execute(query).one()
        reachable = bool(member.conversation_id) and member.unreachable_since is None
        return MemberProfile(member.display_name, agency_name, partnership_name, reachable)

    def by_aad_ids(self, partnership_id: int, aad_ids: list[str]) -> dict[str, MemberView]:
        rows = self._session.scalars(
            select(t.Member).where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.aad_object_id).in_(aad_ids),
            )
        ).all()
        return {str(row.aad_object_id): self._view(row) for row in rows}

    def create_pending(
        self, partnership_id: int, aad_object_id: str, agency_id: int | None, role: Role
    ) -> MemberView:
        row = t.Member(
            partnership_id=partnership_id,
            aad_object_id=aad_object_id,
            agency_id=agency_id,
            display_name="Pending member (not yet seen)",
        )
        self._session.add(row)
        self._session.flush()
        assert row.id is not None
        self._session.add(t.MemberRole(member_id=row.id, role=role.value))
        self._session.flush()
        return self._view(row)

    def mark_unreachable(self, member_id: int, reason: str, at: datetime) -> None:
        row = self._session.get_one(t.Member, member_id)
        row.unreachable_since = row.unreachable_since or at
        row.unreachable_reason = reason[:200]

    def with_role(self, partnership_id: int, role: Role) -> list[int]:
        return [
            int(member_id)
            for member_id in self._session.scalars(
                select(t.Member.id)
                .join(t.MemberRole, col(t.MemberRole.member_id) == col(t.Member.id))
                .where(
                    col(t.Member.partnership_id) == partnership_id,
                    col(t.MemberRole.role) == role.value,
                )
            ).all()
        ]

    def _view(self, row: t.Member) -> MemberView:
        assert row.id is not None
        roles = self._session.scalars(
            select(t.MemberRole.role).where(col(t.MemberRole.member_id) == row.id)
        ).all()
        return MemberView(
            id=row.id,
            partnership_id=row.partnership_id,
            aad_object_id=row.aad_object_id,
            display_name=row.display_name,
            agency_id=row.agency_id,
            roles=frozenset(Role(r) for r in roles),
        )


class SqlAudit:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: AuditEntry) -> None:
        self._session.add(t.AuditEvent(**asdict(entry)))


class SqlUnitOfWork:
    """One transaction's repositories. The Database commits or rolls back around it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.partnerships = SqlPartnerships(session)
        self.members = SqlMembers(session)
        self.audit = SqlAudit(session)
        self.directory = SqlDirectory(session)
        self.reviews = SqlReviews(session)
        self.returns = SqlReturns(session)
        self.outcomes = SqlOutcomes(session)
        self.exports = SqlExports(session)
        self.actions = SqlActions(session)
        self.chases = SqlChases(session)
        self.summaries = SqlSummaries(session)
        self.retention = SqlRetention(session)
        self.audit_trail = SqlAuditTrail(session)
        self.subject_access = SqlSubjectAccess(session)


def _partnership_view(row: t.Partnership) -> PartnershipView:
    assert row.id is not None
    return PartnershipView(
        id=row.id, tenant_id=row.tenant_id, name=row.name, time_zone=row.time_zone
    )


def _address_fields(row: t.Member) -> dict[str, Any]:
    return {
        "display_name": row.display_name,
        "teams_user_id": row.teams_user_id,
        "service_url": row.service_url,
        "conversation_id": row.conversation_id,
    }


LAST_SEEN_RESOLUTION = timedelta(minutes=15)


def _stale(last_seen: datetime | None, now: datetime) -> bool:
    """'Last seen' is kept to the quarter hour, so a conversation doesn't write on every turn."""
    if last_seen is None:
        return True
    if last_seen.tzinfo is None:
        last_seen = last_seen.replace(tzinfo=now.tzinfo)
    return now - last_seen >= LAST_SEEN_RESOLUTION
