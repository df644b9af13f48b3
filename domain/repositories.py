"""Repository interfaces the domain needs. storage/ implements them; tests may fake them.

A unit of work is one database transaction: domain services take one, read and change
through its repositories, and the caller commits once at the end of the turn.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from domain.idempotency import Claimed, ClaimState
from domain.model import ActionStatus, ConversationAddress, MemberView, ReturnStatus, Role

if TYPE_CHECKING:
    from domain.actions import ActionRepository
    from domain.audit_trail import AuditTrailRepository
    from domain.chase_engine import ChaseRepository
    from domain.records import (
        ExportRepository,
        OutcomeRepository,
        ReturnRepository,
        ReviewRepository,
    )
    from domain.retention import RetentionRepository
    from domain.subject_access import SubjectAccessRepository
    from domain.summaries import SummaryRepository


@dataclass(frozen=True)
class PartnershipView:
    id: int
    tenant_id: str
    name: str
    time_zone: str


@dataclass(frozen=True)
class AuditEntry:
    partnership_id: int | None
    actor_aad_id: str | None
    action: str
    record_type: str
    record_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class MemberSighting:
    """What one turn tells us about its sender."""

    aad_object_id: str | None
    teams_user_id: str
    display_name: str
    personal_address: ConversationAddress | None
    seen_at: datetime


@dataclass(frozen=True)
class MemberProfile:
    display_name: str
    agency_name: str | None
    partnership_name: str
    reachable: bool


class PartnershipRepository(Protocol):
    def by_tenant(self, tenant_id: str) -> PartnershipView | None: ...

    def all_ids(self) -> list[int]: ...

    def create(self, tenant_id: str, name: str) -> PartnershipView | None:
        """None if the tenant's partnership exists already (a racing first contact made it)."""
        ...


class MemberRepository(Protocol):
    def find(
        self, partnership_id: int, aad_object_id: str | None, teams_user_id: str
    ) -> MemberView | None: ...

    def find_in_tenant(self, tenant_id: str, aad_object_id: str) -> MemberView | None:
        """The member with this AAD id in the tenant's partnership: who spoke, in one read."""
        ...

    def create(self, partnership_id: int, sighting: MemberSighting) -> MemberView | None:
        """None if they exist already: another activity of theirs, at the same instant."""
        ...

    def record_sighting(
        self, member_id: int, sighting: MemberSighting
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Update name, Teams id and address; return (old, new) values of changed fields."""
        ...

    def grant(self, member_id: int, role: Role) -> bool:
        """Grant a role; False if the member already held it."""
        ...

    def get(self, member_id: int) -> MemberView: ...

    def current(self, member_id: int) -> MemberView | None:
        """The member as committed now (roles, agency, covers), in one read; None if gone."""
        ...

    def mark_welcomed(self, member_id: int, at: datetime) -> bool:
        """Record the welcome; False if this member was already welcomed."""
        ...

    def profile(self, member_id: int) -> MemberProfile: ...

    def by_aad_ids(self, partnership_id: int, aad_ids: list[str]) -> dict[str, MemberView]: ...

    def create_pending(
        self, partnership_id: int, aad_object_id: str, agency_id: int | None, role: Role
    ) -> MemberView:
        """A member named by AAD id (people picker) who has not talked to the bot yet."""
        ...

    def mark_unreachable(self, member_id: int, reason: str, at: datetime) -> None: ...

    def with_role(self, partnership_id: int, role: Role) -> list[int]: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...


class UnitOfWork(Protocol):
    @property
    def partnerships(self) -> PartnershipRepository: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def directory(self) -> DirectoryRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def returns(self) -> ReturnRepository: ...

    @property
    def outcomes(self) -> OutcomeRepository: ...

    @property
    def exports(self) -> ExportRepository: ...

    @property
    def actions(self) -> ActionRepository: ...

    @property
    def chases(self) -> ChaseRepository: ...

    @property
    def summaries(self) -> SummaryRepository: ...

    @property
    def retention(self) -> RetentionRepository: ...

    @property
    def audit_trail(self) -> AuditTrailRepository: ...

    @property
    def subject_access(self) -> SubjectAccessRepository: ...

    @property
    def claims(self) -> ClaimRepository: ...


class ClaimRepository(Protocol):
    """Idempotency records (domain/idempotency.py), one per claimed click or activity."""

    def claim(
        self,
        partnership_id: int,
        member_id: int,
        token: str,
        verb: str,
        now: datetime,
        *,
        state: ClaimState = ClaimState.PENDING,
    ) -> Claimed: ...

    def find(self, partnership_id: int, token: str) -> Claimed | None: ...

    def complete(self, partnership_id: int, token: str, reply: Mapping[str, Any]) -> None: ...

    def release(self, partnership_id: int, token: str) -> None: ...


@dataclass(frozen=True)
class AgencyView:
    """An agency; its safeguarding leads are its members holding the agency_lead role."""

    id: int
    name: str
    sector: str
    lead_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryMember:
    """A member as the admin sees them. `seen` is False until they first talk to the bot."""

    id: int
    aad_object_id: str | None
    display_name: str
    email: str | None
    agency_id: int | None
    agency_name: str | None
    roles: frozenset[Role]
    seen: bool
    # False once an admin ended their access; their roles are kept for a restore.
    active: bool = True


class HoldingKind(StrEnum):
    CHAIRS = "chairs"  # a review they chair (`about`: its deputy chair's name, or "")
    DEPUTY = "deputy"  # a review they deputy-chair
    WRITES = "writes"  # a return they are assigned to write
    SIGNS_OFF = "signs_off"  # a return waiting on them as a safeguarding lead
    OWNS = "owns"  # an action item they own


# A return its writers still have in hand, and an action item its owner is still working on.
WRITER_STATUSES: Final = frozenset(
    {ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS, ReturnStatus.RETURNED}
)
OWNER_STATUSES: Final = frozenset(
    {ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED}
)


@dataclass(frozen=True)
class Holding:
    """One thing a member whose access ended still holds: the review or item reference, what
    it is about (the agency, the item's description, or a chaired review's deputy chair) and
    its status (or the review's stage)."""

    kind: HoldingKind
    reference: str
    about: str
    status: str
    # The review it is on (0: not known).
    review_id: int = 0
    # The return's or action item's own id, so its button opens that item (walk10: every
    # button opened the review); 0 for a review chaired or deputy-chaired.
    item_id: int = 0


@dataclass(frozen=True)
class MemberPage:
    members: tuple[DirectoryMember, ...]
    total: int
    offset: int


class DirectoryRepository(Protocol):
    """Agencies and members of one partnership. Every read is scoped by partnership id, so an
    id from card data that belongs elsewhere is simply not found."""

    def agencies(self, partnership_id: int) -> list[AgencyView]: ...

    def agency(self, partnership_id: int, agency_id: int) -> AgencyView | None: ...

    def add_agency(self, partnership_id: int, name: str, sector: str) -> AgencyView | None:
        """None if the name is taken (by a racing request too); nothing is written then."""
        ...

    def update_agency(
        self, partnership_id: int, agency_id: int, name: str, sector: str
    ) -> AgencyView | None:
        """None if a racing request took the name (in any case) first; nothing is written."""
        ...

    def member_page(self, partnership_id: int, offset: int, limit: int) -> MemberPage:
        """Members ordered by name, with their agency and roles."""
        ...

    def member(self, partnership_id: int, member_id: int) -> DirectoryMember | None: ...

    def members_by_aad(
        self, partnership_id: int, aad_object_ids: frozenset[str]
    ) -> dict[str, DirectoryMember]: ...

    def upsert_member(
        self, partnership_id: int, aad_object_id: str, display_name: str, email: str | None
    ) -> DirectoryMember:
        """Create the member with this AAD id, or update the name (and email, when given) of
        the existing one. A member created here is linked when they first talk to the bot."""
        ...

    def add_member(
        self, partnership_id: int, aad_object_id: str, display_name: str
    ) -> DirectoryMember | None:
        """A new member with this AAD id; None if one exists (added by a racing request too)."""
        ...

    def rename_member(self, partnership_id: int, member_id: int, display_name: str) -> None: ...

    def set_agency(self, partnership_id: int, member_id: int, agency_id: int | None) -> None: ...

    def hold_changes(
        self,
        members: Collection[int],
        leads: Collection[int] = (),
        joining: Collection[int] = (),
        moving_in: Collection[int] = (),
    ) -> None:
        """Before changing these members: hold the rows of the agencies they move into
        (`moving_in` and `joining`; as a member naming one holds it, FOR KEY SHARE), in id
        order; then the members' rows, in id order; then every return still open to a lead
        (domain/holds.py `OPEN_TO_LEADS`) of each agency a change of leads touches (the
        `leads`' agencies and covers, and the agencies in `joining` a lead moves to or joins
        with), in id order, in one statement. What this transaction held this way already is
        not held again. Every change of leads holds through here, once: a change of many
        members (the CSV import) names them all before its first change."""
        ...

    def grant(self, member_id: int, role: Role) -> bool:
        """False if the member already held the role. Pass only ids found in the partnership."""
        ...

    def revoke(self, member_id: int, role: Role) -> bool:
        """False if the member did not hold the role. Pass only ids found in the partnership."""
        ...

    def count_with_role(self, partnership_id: int, role: Role) -> int:
        """Active members holding the role (an ended access holds none)."""
        ...

    def set_active(self, partnership_id: int, member_id: int, active: bool) -> bool:
        """End or restore a member's access; False if it already was so."""
        ...

    def holdings(self, partnership_id: int, member_id: int) -> list[Holding]: ...
