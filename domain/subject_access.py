"""A subject-access style export of everything held about one member (issue 7, item 9):
`lineofsight member export AAD_ID`.

It gathers the member's own row and roles, the answers they last wrote, the chronology entries
they created, their progress entries, the impact records they made, the action items they own,
their return assignments, the returns they sent back (with their comments), what they recorded
elsewhere (outcomes, guides, dissemination), the exports made for them, the chaser log about
their returns and action items, and the audit events they caused or that are about them. The
export is itself audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain import audit
from domain.directory import checked_aad_id
from domain.errors import InvalidInput, NotFound
from domain.model import Actor
from domain.repositories import UnitOfWork

FORMAT_VERSION = 1


@dataclass(frozen=True)
class MemberRecords:
    member_id: int
    sections: dict[str, list[dict[str, Any]]]


class SubjectAccessRepository(Protocol):
    def member_records(self, partnership_id: int, aad_object_id: str) -> MemberRecords | None:
        """Every section, as JSON-ready rows; None when the partnership has no such member."""
        ...


def subject_access_export(
    uow: UnitOfWork, tenant_id: str, raw_aad_id: str, now: datetime
) -> dict[str, Any]:
    try:
        aad_id = checked_aad_id(raw_aad_id, "AAD object id")
    except ValueError as error:
        raise InvalidInput(str(error)) from error
    partnership = uow.partnerships.by_tenant(tenant_id)
    records = uow.subject_access.member_records(partnership.id, aad_id) if partnership else None
    if partnership is None or records is None:
        raise NotFound(f"No member with AAD object id {aad_id} in the partnership of {tenant_id}.")
    # The command line has no Teams identity: the audit event records no actor.
    actor = Actor(tenant_id, None, "", "lineofsight member export")
    counts = {name: len(rows) for name, rows in records.sections.items()}
    audit.record(
        uow,
        partnership.id,
        actor,
        "member.subject_access_exported",
        ("member", records.member_id),
        after={"sections": counts},
    )
    return {
        "format": "lineofsight-subject-access",
        "format_version": FORMAT_VERSION,
        "generated_at": now.isoformat(),
        "partnership": {"id": partnership.id, "tenant_id": tenant_id, "name": partnership.name},
        "aad_object_id": aad_id,
        "counts": counts,
        **records.sections,
    }
