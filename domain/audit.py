"""Every state change writes an append-only audit event (DESIGN.md §10)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from domain.model import Actor
from domain.repositories import AuditEntry, UnitOfWork


def record(
    uow: UnitOfWork,
    partnership_id: int | None,
    actor: Actor,
    action: str,
    target: tuple[str, object],
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one event; `target` is (record type, record id)."""
    record_type, record_id = target
    uow.audit.append(
        AuditEntry(
            partnership_id,
            actor.aad_object_id,
            action,
            record_type,
            str(record_id),
            before=before,
            after=after,
        )
    )


def status_change(
    uow: UnitOfWork,
    partnership_id: int,
    actor: Actor,
    action: str,
    target: tuple[str, object],
    old: StrEnum,
    new: StrEnum,
) -> None:
    """A state-machine move, with the status before and after."""
    record(
        uow,
        partnership_id,
        actor,
        action,
        target,
        before={"status": old.value},
        after={"status": new.value},
    )
