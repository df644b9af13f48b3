"""Every state change writes an append-only audit event (docs/architecture.md §8)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import StaleCard
from domain.model import Actor
from domain.repositories import AuditEntry, UnitOfWork
from domain.wording import short_date

# What a person reading "at 14:05" means: the partnership's working time zone.
_LOCAL = ZoneInfo("Europe/London")


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


def already_done(
    uow: UnitOfWork, target: tuple[str, object], actions: Collection[str], done: str
) -> StaleCard:
    """What a request that lost a race (or came after the change) is told: `done` ("This
    return was already submitted"), by whom and when, from the audit trail."""
    record_type, record_id = target
    change = uow.audit_trail.latest(record_type, str(record_id), actions)
    if change is None:
        return StaleCard(f"{done} just now, so this card is out of date.")
    who, at = change
    when = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(_LOCAL)
    on = short_date(when.date())
    return StaleCard(f"{done} by {who or 'a colleague'} at {when:%H:%M} on {on}.")
