"""The chaser engine's rules around the pure policy: claiming due records, the idempotency
key, settling a delivery attempt, and re-planning after a change (DESIGN.md §5).

A claim writes a 'claimed' log row and pushes `next_chase_at` forward by a lease. If the process
dies before settling, the lease runs out and the record is claimed again with the same key:
nothing is lost. A key already logged as sent is never sent again: nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from domain.chasers import (
    Audience,
    ChaserPolicy,
    ChaseSubject,
    PlannedChase,
    mark_answered,
    mark_sent,
    next_chase,
    on_sweep,
)
from domain.errors import FormInvalid

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
ACTION = "action_item"
RETURN = "pre_analysis_return"


@dataclass(frozen=True)
class ChaseRow:
    subject_type: str
    record_id: int
    partnership_id: int
    subject: ChaseSubject
    owner_ids: tuple[int, ...]
    lead_ids: tuple[int, ...]
    chair_id: int | None
    reference: str
    title: str


class ChaseRepository(Protocol):
    def due(self, now: datetime, limit: int) -> list[ChaseRow]:
        """Records whose next chaser has come, locked against other instances' sweeps."""
        ...

    def row(self, subject_type: str, record_id: int) -> ChaseRow | None: ...

    def set_state(self, subject_type: str, record_id: int, fields: Mapping[str, Any]) -> None: ...

    def delivered(self, key: str) -> bool: ...

    def attempts(self, key: str) -> int: ...

    def log(
        self,
        row: ChaseRow,
        key: str,
        attempt: int,
        kind: str,
        recipient: str,
        outcome: str,
        status: int | None = None,
        detail: str | None = None,
    ) -> None: ...

    def policy_settings(self, partnership_id: int) -> Mapping[str, object]: ...

    def save_policy_settings(self, partnership_id: int, settings: Mapping[str, object]) -> None: ...


def policy_for(chases: ChaseRepository, partnership_id: int) -> ChaserPolicy:
    try:
        return ChaserPolicy.from_settings(chases.policy_settings(partnership_id))
    except FormInvalid:
        # A stored policy that no longer validates must not stop chasing: use the defaults.
        return ChaserPolicy()


def key_for(row: ChaseRow, sequence: int) -> str:
    return f"{row.subject_type}:{row.record_id}:{sequence}"


@dataclass(frozen=True)
class Claimed:
    row: ChaseRow
    chase: PlannedChase
    key: str
    attempt: int
    next_chase_at: datetime | None
    audiences: tuple[Audience, ...]


def claim(chases: ChaseRepository, now: datetime, limit: int) -> list[Claimed]:
    claimed = []
    for row in chases.due(now, limit):
        policy = policy_for(chases, row.partnership_id)
        outcome = on_sweep(policy, row.subject, now)
        if outcome.send is None:
            chases.set_state(
                row.subject_type, row.record_id, {"next_chase_at": outcome.next_chase_at}
            )
            continue
        key = key_for(row, outcome.send.sequence)
        if chases.delivered(key):
            # Sent before a crash stopped the bookkeeping: record it, never send it again.
            _record_sent(chases, row, outcome.send, outcome.next_chase_at, now)
            continue
        attempt = chases.attempts(key) + 1
        chases.log(row, key, attempt, outcome.send.kind.value, "owner", "claimed")
        chases.set_state(row.subject_type, row.record_id, {"next_chase_at": now + LEASE})
        claimed.append(
            Claimed(row, outcome.send, key, attempt, outcome.next_chase_at, outcome.send.recipients)
        )
    return claimed


@dataclass(frozen=True)
class Attempt:
    """What delivery to the owner(s) did: sent, or the failure to act on."""

    delivered: bool
    status: int | None = None
    retry_after: float | None = None
    detail: str | None = None

    @property
    def unreachable(self) -> bool:
        return self.status in (403, 404)


def settle(chases: ChaseRepository, claimed: Claimed, attempt: Attempt, now: datetime) -> str:
    """Record one attempt; returns the outcome ('sent', 'retrying', 'unreachable', 'failed')."""
    row = claimed.row
    if attempt.delivered:
        chases.log(row, claimed.key, claimed.attempt, claimed.chase.kind.value, "owner", "sent")
        _record_sent(chases, row, claimed.chase, claimed.next_chase_at, now)
        return "sent"
    outcome = _failure_outcome(attempt, claimed.attempt)
    chases.log(
        row,
        claimed.key,
        claimed.attempt,
        claimed.chase.kind.value,
        "owner",
        outcome,
        attempt.status,
        (attempt.detail or "")[:500] or None,
    )
    retry = outcome == "retrying"
    chases.set_state(
        row.subject_type,
        row.record_id,
        {
            "next_chase_at": now + _backoff(attempt, claimed.attempt)
            if retry
            else claimed.next_chase_at,
            "last_chase_outcome": outcome,
            "last_chased_at": now,
        },
    )
    return outcome


def _failure_outcome(attempt: Attempt, number: int) -> str:
    if attempt.unreachable:
        return "unreachable"
    return "retrying" if number < MAX_ATTEMPTS else "failed"


def _backoff(attempt: Attempt, number: int) -> timedelta:
    # Honour Retry-After (429); otherwise 1, 2, 4, 8… minutes, capped at an hour. The jitter
    # that spreads retries comes from each record's own claim time.
    if attempt.retry_after is not None:
        return timedelta(seconds=max(attempt.retry_after, 1.0))
    return timedelta(minutes=min(2 ** (number - 1), 60))


def _record_sent(
    chases: ChaseRepository,
    row: ChaseRow,
    chase: PlannedChase,
    next_at: datetime | None,
    now: datetime,
) -> None:
    after = mark_sent(row.subject, chase)
    chases.set_state(
        row.subject_type,
        row.record_id,
        {
            "chase_count": after.chase_count,
            "overdue_chase_count": after.overdue_unanswered,
            "next_chase_at": next_at,
            "last_chase_outcome": "sent",
            "last_chased_at": now,
        },
    )


def reschedule(
    chases: ChaseRepository,
    subject_type: str,
    record_id: int,
    now: datetime,
    *,
    answered: bool = False,
) -> datetime | None:
    """Plan the next chaser after a change (or an owner's answer) to the record."""
    row = chases.row(subject_type, record_id)
    if row is None:
        return None
    subject = mark_answered(row.subject) if answered else row.subject
    planned = next_chase(policy_for(chases, row.partnership_id), subject, now)
    fields: dict[str, Any] = {"next_chase_at": planned.at if planned else None}
    if answered:
        fields["overdue_chase_count"] = 0
    chases.set_state(subject_type, record_id, fields)
    return planned.at if planned else None


def save_policy(
    chases: ChaseRepository, partnership_id: int, data: Mapping[str, object]
) -> ChaserPolicy:
    """Validate the admin card's policy and store it (raises FormInvalid, field by field)."""
    fields = {k: v for k, v in data.items() if k in ChaserPolicy.model_fields and v != ""}
    policy = ChaserPolicy.from_settings(fields)
    chases.save_policy_settings(partnership_id, policy.to_settings())
    return policy


def subject_dates(status_changed: datetime | None, policy: ChaserPolicy) -> date | None:
    return policy.local_date(status_changed) if status_changed else None


def recipients_of(claimed: Claimed) -> tuple[Sequence[int], Sequence[int], int | None, bool]:
    """(owners, leads to copy, chair to copy, post to LIC channel) for this chaser."""
    audiences = set(claimed.audiences)
    row = claimed.row
    owners = row.owner_ids if Audience.OWNER in audiences else ()
    leads = row.lead_ids if Audience.AGENCY_LEAD in audiences else ()
    chair = row.chair_id if Audience.CHAIR in audiences else None
    return owners, leads, chair, Audience.LIC_CHANNEL in audiences


def with_status(row: ChaseRow, subject: ChaseSubject) -> ChaseRow:
    return replace(row, subject=subject)
