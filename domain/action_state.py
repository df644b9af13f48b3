"""One place for what an action item's state means: its RAG, and the owner's moves.

Every view (`my actions`, the owner's card and chasers, the summary, the dashboard, the XLSX
tracker and the Word summary) rates an item through `action_rag`, so the same item never shows
two colours. Every card and every verb asks `owner_moves` what the owner may do, so a button
is offered only when pressing it would be accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final

from domain.chasers import ChaserPolicy, Rag, rag
from domain.errors import FormInvalid
from domain.model import ActionStatus

_RAG_VALUES: Final = frozenset(r.value for r in Rag)


def assessed(latest_rag: str | None) -> Rag | None:
    """The owner's latest self-assessment, if it is one of red, amber or green."""
    return Rag(latest_rag) if latest_rag in _RAG_VALUES and latest_rag != Rag.BLUE else None


def action_rag(
    status: ActionStatus,
    due: date | None,
    latest_rag: str | None,
    today: date,
    policy: ChaserPolicy,
) -> Rag | None:
    """The item's RAG, the same in every view.

    - cancelled: no rating (the views say "cancelled");
    - closed by the LIC group: blue, impact evidenced;
    - blocked: red;
    - completed: green, whatever the owner said about progress before delivering it (a
      completed item is never "due soon");
    - open or in progress: by the due date against the warning window, made worse (never
      better) by the owner's own assessment. An item without a due date is never late on
      time grounds.
    """
    return _rated(status, due, today, assessed(latest_rag), policy)


@lru_cache(maxsize=4096)
def _rated(
    status: ActionStatus,
    due: date | None,
    today: date,
    owner_says: Rag | None,
    policy: ChaserPolicy,
) -> Rag | None:
    # Items share due dates (a meeting agrees several at once), so the rating is cached.
    if status is ActionStatus.COMPLETED:
        owner_says = None
    effective = due or today + timedelta(days=7 * (policy.reminder_days_before + 3))
    return rag(
        status,
        effective,
        today,
        status is ActionStatus.CLOSED,
        policy.reminder_days_before,
        self_assessment=owner_says,
        calendar=policy.calendar,
    )


# --- the owner's moves -------------------------------------------------------------------------


class OwnerMove(StrEnum):
    PROGRESS = "progress"
    COMPLETE = "complete"
    NEW_DATE = "new_date"
    BLOCKED = "blocked"


_ALL: Final = (OwnerMove.PROGRESS, OwnerMove.COMPLETE, OwnerMove.NEW_DATE, OwnerMove.BLOCKED)

# What the owner may do in each state, in the order the card offers it. A blocked item is
# unblocked by a progress update before it can be completed (the state table has no
# blocked -> completed move); a completed item takes only evidence of impact.
OWNER_MOVES: Final[Mapping[ActionStatus, tuple[OwnerMove, ...]]] = {
    ActionStatus.OPEN: _ALL,
    ActionStatus.IN_PROGRESS: _ALL,
    ActionStatus.BLOCKED: (OwnerMove.PROGRESS, OwnerMove.NEW_DATE),
    ActionStatus.COMPLETED: (OwnerMove.PROGRESS,),
    ActionStatus.CLOSED: (),
    ActionStatus.CANCELLED: (),
}

_WHY_NOT: Final[Mapping[ActionStatus, str]] = {
    ActionStatus.BLOCKED: "it is blocked: update its progress to unblock it first",
    ActionStatus.COMPLETED: "it is complete and waits for the LIC group; "
    "you can add evidence of impact with Update progress",
    ActionStatus.CLOSED: "it is closed",
    ActionStatus.CANCELLED: "it was cancelled",
}

_MOVE_NAMES: Final[Mapping[OwnerMove, str]] = {
    OwnerMove.PROGRESS: "updated",
    OwnerMove.COMPLETE: "marked complete",
    OwnerMove.NEW_DATE: "given a new date",
    OwnerMove.BLOCKED: "marked blocked",
}


def owner_moves(status: ActionStatus) -> tuple[OwnerMove, ...]:
    return OWNER_MOVES[status]


def require_owner_move(reference: str, status: ActionStatus, move: OwnerMove) -> None:
    """Refuse a move the item's state does not allow, saying why; the form stays open."""
    if move in OWNER_MOVES[status]:
        return
    why = _WHY_NOT.get(status, f"it is {status.value.replace('_', ' ')}")
    raise FormInvalid({"move": f"{reference} can't be {_MOVE_NAMES[move]}: {why}."})


# --- escalation copies ---------------------------------------------------------------------------


class Reader(StrEnum):
    """Who an escalation copy is written for."""

    AGENCY_LEAD = "agency_lead"
    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"
    LIC = "lic"


def working_days_late(due: date | None, today: date, policy: ChaserPolicy) -> int:
    """How many working days past the day its due date is met on; 0 when not late."""
    if due is None:
        return 0
    met_on = policy.calendar.next_working_day(due)
    return max(0, policy.calendar.working_days_between(met_on, today))


def copy_readers(
    owners: Sequence[int], leads: Sequence[int], chair: int | None, deputy: int | None = None
) -> tuple[tuple[int, Reader], ...]:
    """Each person copied once, as the reader with the most to do: an owner gets only their
    own card, a lead who also chairs (or deputises) gets the chair's copy. The deputy chair
    has the chair's controls, so is copied wherever the chair is."""
    seen = set(owners)
    readers: list[tuple[int, Reader]] = []
    for member_id, reader in ((chair, Reader.CHAIR), (deputy, Reader.DEPUTY_CHAIR)):
        if member_id is not None and member_id not in seen:
            readers.append((member_id, reader))
            seen.add(member_id)
    for lead in leads:
        if lead not in seen:
            readers.append((lead, Reader.AGENCY_LEAD))
            seen.add(lead)
    return tuple(readers)
