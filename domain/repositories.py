"""Repository interfaces the domain needs. storage/ implements them; tests may fake them.

A unit of work is one database transaction: domain services take one, read and change
through its repositories, and the caller commits once at the end of the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.model import ConversationAddress, MemberView, Role


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

    def create(self, tenant_id: str, name: str) -> PartnershipView: ...


class MemberRepository(Protocol):
    def find(
        self, partnership_id: int, aad_object_id: str | None, teams_user_id: str
    ) -> MemberView | None: ...

    def create(self, partnership_id: int, sighting: MemberSighting) -> MemberView: ...

    def record_sighting(
        self, member_id: int, sighting: MemberSighting
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Update name, Teams id and address; return (old, new) values of changed fields."""
        ...

    def grant(self, member_id: int, role: Role) -> bool:
        """Grant a role; False if the member already held it."""
        ...

    def get(self, member_id: int) -> MemberView: ...

    def mark_welcomed(self, member_id: int, at: datetime) -> bool:
        """Record the welcome; False if this member was already welcomed."""
        ...

    def profile(self, member_id: int) -> MemberProfile: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...


class UnitOfWork(Protocol):
    @property
    def partnerships(self) -> PartnershipRepository: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def audit(self) -> AuditLog: ...
