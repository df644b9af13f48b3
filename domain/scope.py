"""Who sees what of the partnership's reviews: the widest view a member's roles give them
(the summaries, the dashboard and the board report read it; so does finding a review by its
pseudonym, domain/review_flow.py `named_review`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from domain.capabilities import require
from domain.model import MemberView, Role

ANY_ROLE: Final = tuple(Role)
PARTNERSHIP_ROLES: Final = (Role.ADMIN, Role.CHAIR, Role.LIC_MEMBER)


class ScopeKind(StrEnum):
    PARTNERSHIP = "partnership"
    AGENCY = "agency"
    OWN = "own"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    partnership_id: int
    member_id: int
    agency_ids: frozenset[int] = frozenset()  # AGENCY: the agencies whose reviews it sees


def scope_for(member: MemberView) -> Scope:
    """The widest view the member's roles give them (see the module docstring)."""
    require(member, *ANY_ROLE)
    partnership_manager = member.has(Role.MANAGER) and member.agency_id is None
    if member.has(*PARTNERSHIP_ROLES) or partnership_manager:
        return Scope(ScopeKind.PARTNERSHIP, member.partnership_id, member.id)
    managed = frozenset({member.agency_id}) if member.has(Role.MANAGER) else frozenset()
    agencies = frozenset(a for a in managed | member.led_agency_ids if a is not None)
    if agencies:
        return Scope(ScopeKind.AGENCY, member.partnership_id, member.id, agencies)
    return Scope(ScopeKind.OWN, member.partnership_id, member.id)
