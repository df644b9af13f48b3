"""SQL implementations of the repository interfaces declared in domain/repositories.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, String, bindparam, cast, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col, select

from domain.model import MemberView, Role
from domain.repositories import AuditEntry, MemberProfile, MemberSighting, PartnershipView
from storage import atomic
from storage import tables as t
from storage.actions import SqlActions, SqlChases
from storage.claims import SqlClaims
from storage.directory import SqlDirectory, active_with_role, grant_role
from storage.governance import SqlAuditTrail, SqlRetention, SqlSubjectAccess
from storage.outcomes import SqlExports, SqlOutcomes
from storage.reviews import SqlReturns, SqlReviews
from storage.statements import execute
from storage.summaries import SqlSummaries

# Every turn looks up who spoke: these statements are built once (see t.core).
_PARTNERSHIP = t.core(t.Partnership)
_MEMBER = t.core(t.Member)
_MEMBER_ROLE = t.core(t.MemberRole)
_LEAD_COVER = t.core(t.AgencyLeadCover)
_BY_TENANT = core_select(
    _PARTNERSHIP.c.id, _PARTNERSHIP.c.tenant_id, _PARTNERSHIP.c.name, _PARTNERSHIP.c.time_zone
).where(_PARTNERSHIP.c.tenant_id == bindparam("tenant_id"))
_SIGHTING_COLUMNS = (
    "display_name",
    "teams_user_id",
    "aad_object_id",
    "first_seen_at",
    "last_seen_at",
    "service_url",
    "conversation_id",
    "bot_id",
    "address_user_id",
    "conversation_type",
    "unreachable_since",
    "unreachable_reason",
)
_ROLES = (
    core_select(t.comma_list(_MEMBER_ROLE.c.role))
    .where(_MEMBER_ROLE.c.member_id == _MEMBER.c.id)
    .scalar_subquery()
)
_AGENCY = t.core(t.Agency)
# The agencies a member covers as their lead: only their own partnership's (a cover row names
# a member and an agency, and nothing else ties the two to one partnership).
_COVERED = (
    core_select(t.comma_list(cast(_LEAD_COVER.c.agency_id, String)))
    .where(
        _LEAD_COVER.c.member_id == _MEMBER.c.id,
        _LEAD_COVER.c.agency_id.in_(
            core_select(_AGENCY.c.id).where(_AGENCY.c.partnership_id == _MEMBER.c.partnership_id)
        ),
    )
    .scalar_subquery()
)
# One row per member, roles as "admin,chair": a row per role would parse every date column
# again for each role, and who spoke is read on every turn.
_MEMBER_ROW = core_select(
    _MEMBER.c.id,
    _MEMBER.c.partnership_id,
    _MEMBER.c.agency_id,
    _MEMBER.c.active,
    *(_MEMBER.c[name] for name in _SIGHTING_COLUMNS),
    _ROLES.label("roles"),
    _COVERED.label("covered"),
).order_by(_MEMBER.c.id)
_MEMBER_BY_AAD = _MEMBER_ROW.where(
    _MEMBER.c.partnership_id == bindparam("partnership_id"),
    _MEMBER.c.aad_object_id == bindparam("aad_object_id"),
)
_MEMBER_BY_TEAMS_ID = _MEMBER_ROW.where(
    _MEMBER.c.partnership_id == bindparam("partnership_id"),
    _MEMBER.c.teams_user_id == bindparam("teams_user_id"),
)
_MEMBER_BY_ID = _MEMBER_ROW.where(_MEMBER.c.id == bindparam("member_id"))
_MEMBER_IN_TENANT = _MEMBER_ROW.join(
    _PARTNERSHIP, _PARTNERSHIP.c.id == _MEMBER.c.partnership_id
).where(
    _PARTNERSHIP.c.tenant_id == bindparam("tenant_id"),
    _MEMBER.c.aad_object_id == bindparam("aad_object_id"),
)
# The audit log is only ever appended to; its id isn't read back (`inline`: no RETURNING).
_AUDIT_FIELDS = tuple(field.name for field in fields(AuditEntry))
_APPEND_AUDIT = insert(t.AuditEvent).inline()


class SqlPartnerships:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_tenant(self, tenant_id: str) -> PartnershipView | None:
        row = self._session.execute(_BY_TENANT, {"tenant_id": tenant_id}).first()
        return _partnership_view(row) if row else None

    def all_ids(self) -> list[int]:
        return [int(i) for i in self._session.scalars(select(t.Partnership.id)).all()]

    def create(self, tenant_id: str, name: str) -> PartnershipView | None:
        if not atomic.insert_new(self._session, t.Partnership(tenant_id=tenant_id, name=name)):
            return None  # a racing first contact from this tenant created it
        created = self.by_tenant(tenant_id)
        assert created is not None
        return created


class SqlMembers:
    def __init__(self, session: Session) -> None:
        self._session = session
        # Rows `find` read in this transaction, so recording the sighting needn't read again.
        self._found: dict[int, dict[str, Any]] = {}

    def find(
        self, partnership_id: int, aad_object_id: str | None, teams_user_id: str
    ) -> MemberView | None:
        row = None
        if aad_object_id:
            # Members imported before they first talk to the bot are matched by AAD id.
            row = self._row(
                _MEMBER_BY_AAD, partnership_id=partnership_id, aad_object_id=aad_object_id
            )
        if row is None:
            row = self._row(
                _MEMBER_BY_TEAMS_ID, partnership_id=partnership_id, teams_user_id=teams_user_id
            )
        return self._remember(row)

    def find_in_tenant(self, tenant_id: str, aad_object_id: str) -> MemberView | None:
        row = self._row(_MEMBER_IN_TENANT, tenant_id=tenant_id, aad_object_id=aad_object_id)
        return self._remember(row)

    def _remember(self, row: dict[str, Any] | None) -> MemberView | None:
        if row is None:
            return None
        self._found[row["id"]] = row
        return _member_view(row)

    def _row(self, statement: Select[Any], **params: object) -> dict[str, Any] | None:
        """The first member the statement finds (by id: a Teams id may match two)."""
        found = execute(self._session, statement, params).first()
        return None if found is None else found._asdict()

    def create(self, partnership_id: int, sighting: MemberSighting) -> MemberView | None:
        row = t.Member(
            partnership_id=partnership_id,
            display_name=sighting.display_name,
            aad_object_id=sighting.aad_object_id,
            first_seen_at=sighting.seen_at,
        )
        self._apply_sighting(row, sighting)
        if not atomic.insert_new(self._session, row):
            return None  # this person's other activity, arriving at the same time, created them
        found = self.find(partnership_id, sighting.aad_object_id, sighting.teams_user_id)
        assert found is not None, "the member was just inserted"
        self._found.pop(found.id, None)
        return found

    def record_sighting(
        self, member_id: int, sighting: MemberSighting
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        row = self._found.pop(member_id, None) or self._row(_MEMBER_BY_ID, member_id=member_id)
        assert row is not None, "a sighting is recorded for a member just found or created"
        changes = _sighting_changes(row, sighting)
        if changes:
            # Only what changed is written: most turns come from someone already known, and
            # an unconditional write would make every read turn a database write (§9).
            self._session.execute(
                update(_MEMBER).where(_MEMBER.c.id == member_id).values(**changes)
            )
        changed = [name for name in _ADDRESS_FIELDS if name in changes]
        return ({k: row[k] for k in changed}, {k: changes[k] for k in changed})

    def _apply_sighting(self, row: t.Member, sighting: MemberSighting) -> None:
        current = {name: getattr(row, name) for name in _SIGHTING_COLUMNS}
        for name, value in _sighting_changes(current, sighting).items():
            setattr(row, name, value)

    def grant(self, member_id: int, role: Role) -> bool:
        return grant_role(self._session, member_id, role)

    def get(self, member_id: int) -> MemberView:
        return self._view(self._session.get_one(t.Member, member_id))

    def current(self, member_id: int) -> MemberView | None:
        # The prebuilt statement who spoke is read with: one read, as a save turn's others.
        row = self._row(_MEMBER_BY_ID, member_id=member_id)
        return None if row is None else _member_view(row)

    def mark_welcomed(self, member_id: int, at: datetime) -> bool:
        # One statement, so two activities of one install can't both see "not welcomed".
        welcomed = self._session.execute(
            update(_MEMBER)
            .where(_MEMBER.c.id == member_id, _MEMBER.c.welcomed_at.is_(None))
            .values(welcomed_at=at)
        )
        return atomic.rowcount(welcomed) == 1

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
        # Kept if a racing request (or their first message) created them meanwhile.
        atomic.insert_new(self._session, row)
        found = self._row(
            _MEMBER_BY_AAD, partnership_id=partnership_id, aad_object_id=aad_object_id
        )
        assert found is not None
        grant_role(self._session, found["id"], role)
        return self.get(found["id"])

    def mark_unreachable(self, member_id: int, reason: str, at: datetime) -> None:
        row = self._session.get_one(t.Member, member_id)
        row.unreachable_since = row.unreachable_since or at
        row.unreachable_reason = reason[:200]

    def with_role(self, partnership_id: int, role: Role) -> list[int]:
        return active_with_role(self._session, partnership_id, role)

    def _view(self, row: t.Member) -> MemberView:
        assert row.id is not None
        found = self._row(_MEMBER_BY_ID, member_id=row.id)
        assert found is not None, "the member was just flushed"
        return _member_view(found)


class SqlAudit:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: AuditEntry) -> None:
        execute(self._session, _APPEND_AUDIT, _audit_row(entry))


# The row each kind of revisioned thing is held by while a card's revision is checked and the
# click's change written (bot/freshness.py): the outermost row its writers lock anyway.
HELD_ROWS: Mapping[str, type[SQLModel]] = {
    "partnership": t.Partnership,
    "agency": t.Agency,
    "member": t.Member,
    "review": t.Review,
}  # a review's returns and items: domain/holds.py, which holds their review first

# Kinds held as an UPDATE of non-key columns holds them (FOR NO KEY UPDATE), so a row written
# elsewhere that only names the held one (a lead's chronology entry or answer naming its
# writer: the FOR KEY SHARE its foreign key takes) doesn't wait for the card. Only where no
# writer behind the hold changes the row's key: a member's card never changes its AAD id (the
# one unique column besides the id). An agency's rename changes its name key (unique), so it
# is held FOR UPDATE, as that UPDATE would hold it.
KEY_KEPT: frozenset[str] = frozenset({"member"})


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
        self.claims = SqlClaims(session)

    def hold(self, kind: str, row_id: object) -> None:
        """Hold one row (HELD_ROWS) until this transaction ends; racers queue on it, and each
        reads what the one before it committed. An id that isn't a number holds nothing: the
        read after it refuses it as not found."""
        if isinstance(row_id, int) and not isinstance(row_id, bool):
            atomic.lock(self.session, t.core(HELD_ROWS[kind]), row_id, key_share=kind in KEY_KEPT)


def _partnership_view(row: t.Partnership | Row[Any, Any, Any, Any]) -> PartnershipView:
    """From the model or a row of _BY_TENANT (same names)."""
    assert row.id is not None
    return PartnershipView(
        id=row.id, tenant_id=row.tenant_id, name=row.name, time_zone=row.time_zone
    )


def _audit_row(entry: AuditEntry) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies before and after, once more on every save turn.
    return {name: getattr(entry, name) for name in _AUDIT_FIELDS} | {"at": t.utcnow()}


def _member_view(row: Mapping[str, Any]) -> MemberView:
    """A member from a row of _MEMBER_ROW."""
    return MemberView(
        id=row["id"],
        partnership_id=row["partnership_id"],
        aad_object_id=row["aad_object_id"],
        display_name=row["display_name"],
        agency_id=row["agency_id"],
        roles=frozenset(Role(role) for role in t.comma_items(row["roles"])),
        covered_agency_ids=frozenset(int(i) for i in t.comma_items(row["covered"])),
        active=bool(row["active"]),
    )


# The sighting changes the audit trail records (the rest is routing detail).
_ADDRESS_FIELDS = ("display_name", "teams_user_id", "service_url", "conversation_id")


def _sighting_changes(row: Mapping[Any, Any], sighting: MemberSighting) -> dict[str, Any]:
    """The member columns this sighting changes, with their new values."""
    address = sighting.personal_address
    fields: dict[str, object] = {
        "display_name": sighting.display_name or row["display_name"],
        "teams_user_id": sighting.teams_user_id,
        "aad_object_id": row["aad_object_id"] or sighting.aad_object_id,
        "first_seen_at": row["first_seen_at"] or sighting.seen_at,
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
    if _stale(row["last_seen_at"], sighting.seen_at):
        fields["last_seen_at"] = sighting.seen_at
    return {name: value for name, value in fields.items() if row[name] != value}


LAST_SEEN_RESOLUTION = timedelta(minutes=15)


def _stale(last_seen: datetime | None, now: datetime) -> bool:
    """'Last seen' is kept to the quarter hour, so a conversation doesn't write on every turn."""
    if last_seen is None:
        return True
    if last_seen.tzinfo is None:
        last_seen = last_seen.replace(tzinfo=now.tzinfo)
    return now - last_seen >= LAST_SEEN_RESOLUTION
