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
from domain.status_words import STATUS_LABELS as STATUS_LABELS
from domain.status_words import STATUS_ORDER as STATUS_ORDER
from domain.status_words import status_label as status_label
from domain.status_words import status_words as status_words
from domain.wording import counted

_RAG_VALUES: Final = frozenset(r.value for r in Rag)

# What each status is called (`STATUS_LABELS`, `status_label`, `status_words`) is
# `domain.status_words`, which the state machines read too; the names stay importable here.

# What each LIC decision on a record of impact did to the item, in a line about it.
IMPACT_DECISIONS: Final[Mapping[str, str]] = {
    "close": "closed",
    "keep_open": "kept open",
    "escalate": "escalated to the chair",
}


def decision_words(decision: str) -> str:
    """An LIC decision inside a sentence ("kept open")."""
    return IMPACT_DECISIONS.get(decision, decision.replace("_", " "))


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
    - split into two new items: no rating either (the views say "split"; the two new items
      carry the work and their own ratings);
    - closed by the LIC group: blue, impact evidenced;
    - blocked, or escalated by the LIC group to the chair: red;
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


# Why an item's own state makes it red or amber, by what the card's RAG label lumps together
# ("Red: overdue, blocked or escalated"): the label is the same in every view, the reason is
# what the reader acts on.
_STATUS_REASONS: Final[Mapping[ActionStatus, str]] = {
    ActionStatus.BLOCKED: "blocked",
    ActionStatus.ESCALATED: "escalated to the chair",
}
_OWNER_SAYS: Final[Mapping[Rag, str]] = {
    Rag.RED: "its owner says it is off track",
    Rag.AMBER: "its owner says it is at risk",
}


def status_reason(status: ActionStatus) -> str | None:
    """The cause of red an item's state alone gives ("blocked", "escalated to the chair")."""
    return _STATUS_REASONS.get(status)


def rag_reason(
    status: ActionStatus,
    due: date | None,
    latest_rag: str | None,
    today: date,
    policy: ChaserPolicy,
) -> str | None:
    """Which of its colour's causes rate the item red or amber (`action_rag`): "blocked",
    "escalated to the chair", "overdue by 3 working days", "due in 2 working days", "due
    today", "its owner says it is off track" or "… at risk"; each cause that makes the colour,
    joined by "; ". None for any other rating: green and blue say why in their label."""
    rated = action_rag(status, due, latest_rag, today, policy)
    if rated is not Rag.RED and rated is not Rag.AMBER:
        return None
    causes: list[str] = []
    if status in _STATUS_REASONS:
        # Blocked or escalated is red whatever the date; past its date too, it says so.
        causes.append(_STATUS_REASONS[status])
        if due is not None and working_days_late(due, today, policy) > 0:
            causes.append(_overdue(due, today, policy))
        return "; ".join(causes)
    if _rated(status, due, today, None, policy) is rated and due is not None:
        causes.append(
            _overdue(due, today, policy) if rated is Rag.RED else _due_soon(due, today, policy)
        )
    if assessed(latest_rag) is rated:
        causes.append(_OWNER_SAYS[rated])
    return "; ".join(causes)


def _overdue(due: date, today: date, policy: ChaserPolicy) -> str:
    late = working_days_late(due, today, policy)
    return f"overdue by {counted(late, 'working day')}" if late else "overdue"


def _due_soon(due: date, today: date, policy: ChaserPolicy) -> str:
    left = policy.calendar.working_days_between(today, policy.calendar.next_working_day(due))
    return f"due in {counted(left, 'working day')}" if left > 0 else "due today"


# --- the moves, by who makes them ---------------------------------------------------------------


class Mover(StrEnum):
    """Who makes a move on an item, relative to it (not a partnership role)."""

    OWNER = "owner"
    CHAIR = "chair"  # the review's chair or deputy chair, or an admin
    AGENCY_LEAD = "agency_lead"  # a safeguarding lead of the item's agency
    LIC = "lic"  # a member of the LIC group


class Move(StrEnum):
    # The owner's
    PROGRESS = "progress"
    COMPLETE = "complete"
    NEW_DATE = "new_date"
    BLOCKED = "blocked"
    # The chair's, on an escalated item
    SET_DATE = "set_date"
    NOT_ACHIEVABLE = "not_achievable"
    REOPEN = "reopen"
    # The chair's, on any item not yet done
    REASSIGN = "reassign"
    AMEND = "amend"
    SPLIT = "split"
    CANCEL = "cancel"
    # The agency lead's, on an escalation copy
    NUDGE = "nudge"
    LEAD_REASSIGN = "lead_reassign"  # to someone in the item's agency, the lead's own
    PROPOSE_DATE = "propose_date"
    ASK_REASSIGN = "ask_reassign"
    # The LIC group's, on an escalation copy
    COMMENT = "comment"
    REQUEST_UPDATE = "request_update"


# The owner's moves keep the name the cards and verbs first gave them.
OwnerMove = Move

_ALL: Final = (Move.PROGRESS, Move.COMPLETE, Move.NEW_DATE, Move.BLOCKED)
_DECIDE: Final = (Move.SET_DATE, Move.NOT_ACHIEVABLE, Move.REOPEN, Move.REASSIGN, Move.SPLIT)
_CONTROL: Final = (Move.REASSIGN, Move.AMEND, Move.SPLIT, Move.CANCEL)
# The lead reassigns within their agency; to another agency, they ask the chair.
_LEAD: Final = (Move.NUDGE, Move.LEAD_REASSIGN, Move.PROPOSE_DATE, Move.ASK_REASSIGN)
_LIC: Final = (Move.COMMENT, Move.REQUEST_UPDATE)
_NONE: Final[tuple[Move, ...]] = ()

# The one table of moves: what each mover may do in each state, in the order cards offer it.
# A blocked item is unblocked by a progress update before it can be completed (the state table
# has no blocked -> completed move); a completed item takes only evidence of impact; an
# escalated item is the chair's until they decide, so its owner has no moves on it.
MOVES: Final[Mapping[Mover, Mapping[ActionStatus, tuple[Move, ...]]]] = {
    Mover.OWNER: {
        ActionStatus.OPEN: _ALL,
        ActionStatus.IN_PROGRESS: _ALL,
        ActionStatus.BLOCKED: (Move.PROGRESS, Move.NEW_DATE),
        ActionStatus.COMPLETED: (Move.PROGRESS,),
        ActionStatus.CLOSED: (),
        ActionStatus.CANCELLED: (),
        ActionStatus.ESCALATED: (),
        ActionStatus.SPLIT: (),
    },
    # A completed item waits for the LIC group's decision, so the chair leaves it be.
    Mover.CHAIR: {
        ActionStatus.OPEN: _CONTROL,
        ActionStatus.IN_PROGRESS: _CONTROL,
        ActionStatus.BLOCKED: _CONTROL,
        ActionStatus.COMPLETED: (),
        ActionStatus.CLOSED: (),
        ActionStatus.CANCELLED: (),
        ActionStatus.ESCALATED: _DECIDE,
        ActionStatus.SPLIT: (),
    },
    # Readers of escalation copies: messages, not status changes (the lead's reassign changes
    # the owner, not the status). The lead's are for an item still with its owner; an
    # escalated item is the chair's, so the LIC group only comments.
    Mover.AGENCY_LEAD: {
        **dict.fromkeys(ActionStatus, _NONE),
        ActionStatus.OPEN: _LEAD,
        ActionStatus.IN_PROGRESS: _LEAD,
        ActionStatus.BLOCKED: _LEAD,
    },
    Mover.LIC: {
        **dict.fromkeys(ActionStatus, _NONE),
        ActionStatus.OPEN: _LIC,
        ActionStatus.IN_PROGRESS: _LIC,
        ActionStatus.BLOCKED: _LIC,
        ActionStatus.ESCALATED: (Move.COMMENT,),
    },
}
OWNER_MOVES: Final = MOVES[Mover.OWNER]

# Where a move takes the item; a move not listed leaves its status as it is (or, for the owner's
# progress update, moves it as `domain.actions.update_progress` says, and a reassigned escalated
# item goes back to work with its new owner: `REASSIGN_ESCALATED`).
TARGETS: Final[Mapping[Move, ActionStatus]] = {
    Move.COMPLETE: ActionStatus.COMPLETED,
    Move.BLOCKED: ActionStatus.BLOCKED,
    Move.SET_DATE: ActionStatus.IN_PROGRESS,
    Move.NOT_ACHIEVABLE: ActionStatus.CANCELLED,
    Move.REOPEN: ActionStatus.IN_PROGRESS,
    Move.CANCEL: ActionStatus.CANCELLED,
    Move.SPLIT: ActionStatus.SPLIT,
}
REASSIGN_ESCALATED: Final = ActionStatus.IN_PROGRESS
# The chair's moves that settle an item waiting for them without ending it: reassigned (by the
# chair or, within the agency, its lead) or amended, a blocked item goes back to work, as a
# reassigned escalated item does. Left blocked, it stayed "waiting for your decision" after the
# decision, until the owner happened to post a progress update.
_BACK_TO_WORK: Final[Mapping[ActionStatus, frozenset[Move]]] = {
    ActionStatus.ESCALATED: frozenset({Move.REASSIGN, Move.LEAD_REASSIGN}),
    ActionStatus.BLOCKED: frozenset({Move.REASSIGN, Move.LEAD_REASSIGN, Move.AMEND}),
}


def status_after(move: Move, status: ActionStatus) -> ActionStatus | None:
    """Where a chair's (or lead's) move takes an item in `status`; None leaves it as it is."""
    if move in _BACK_TO_WORK.get(status, frozenset()):
        return REASSIGN_ESCALATED
    return TARGETS.get(move)


_WHY_NOT: Final[Mapping[ActionStatus, str]] = {
    ActionStatus.BLOCKED: "it is blocked: update its progress to unblock it first",
    ActionStatus.COMPLETED: "it is complete and waits for the LIC group; "
    "you can add evidence of impact to it",
    ActionStatus.CLOSED: "it is closed",
    ActionStatus.CANCELLED: "it was cancelled",
    ActionStatus.SPLIT: "it was split into two new items, which carry the work now",
    ActionStatus.ESCALATED: "the LIC group escalated it to the review's chair, who decides "
    "what happens next",
}

_MOVE_NAMES: Final[Mapping[Move, str]] = {
    Move.PROGRESS: "updated",
    Move.COMPLETE: "marked complete",
    Move.NEW_DATE: "given a new date",
    Move.BLOCKED: "marked blocked",
    Move.SET_DATE: "given a new date by the chair",
    Move.NOT_ACHIEVABLE: "marked not achievable",
    Move.REOPEN: "reopened",
    Move.REASSIGN: "reassigned",
    Move.AMEND: "amended",
    Move.SPLIT: "split",
    Move.CANCEL: "cancelled",
    Move.NUDGE: "nudged",
    Move.LEAD_REASSIGN: "reassigned",
    Move.PROPOSE_DATE: "given a proposed date",
    Move.ASK_REASSIGN: "put to the chair for reassigning",
    Move.COMMENT: "commented on",
    Move.REQUEST_UPDATE: "asked for an update",
}


def moves_for(mover: Mover, status: ActionStatus) -> tuple[Move, ...]:
    return MOVES[mover][status]


# Movers whose moves one card offers together: a chair (or deputy, or admin) who owns an item
# of their own review may both update it and reassign, amend, split or cancel it. A reader of an
# escalation copy (the lead, the LIC group) is offered their moves only where neither has any.
TOGETHER: Final = frozenset({Mover.OWNER, Mover.CHAIR})
# A move made needless by another the same card offers: an owner's new date asked of the chair
# would come back to the same person to approve, where Amend sets it.
NEEDLESS_BESIDE: Final[Mapping[Move, Move]] = {Move.NEW_DATE: Move.AMEND}


def offered_moves(
    movers: Sequence[Mover], status: ActionStatus
) -> tuple[tuple[Mover, tuple[Move, ...]], ...]:
    """What one card offers someone who is each of `movers` (in order of precedence), mover by
    mover: the first with any moves, and with it the others of `TOGETHER` when it is one of
    them; each move once, none made needless by another on the card."""
    having = [(m, MOVES[m][status]) for m in dict.fromkeys(movers) if MOVES[m][status]]
    if not having:
        return ()
    first = having[0][0]
    groups = [(m, moves) for m, moves in having if m is first or {m, first} <= TOGETHER]
    on_card = {move for _, moves in groups for move in moves}
    offered: list[tuple[Mover, tuple[Move, ...]]] = []
    seen: set[Move] = set()
    for mover, moves in groups:
        kept = tuple(
            move for move in moves if move not in seen and NEEDLESS_BESIDE.get(move) not in on_card
        )
        seen.update(kept)
        if kept:
            offered.append((mover, kept))
    return tuple(offered)


def owner_moves(status: ActionStatus) -> tuple[Move, ...]:
    return MOVES[Mover.OWNER][status]


def require_move(reference: str, mover: Mover, status: ActionStatus, move: Move) -> None:
    """Refuse a move the item's state does not allow this mover, saying why; the form stays
    open."""
    if move in MOVES[mover][status]:
        return
    why = _WHY_NOT.get(status, f"it is {status_words(status)}")
    if mover is Mover.CHAIR and move in (Move.SET_DATE, Move.NOT_ACHIEVABLE, Move.REOPEN):
        why = f"it is {status_words(status)}, not escalated to you"
    raise FormInvalid({"move": f"{reference} can't be {_MOVE_NAMES[move]}: {why}."})


def require_owner_move(reference: str, status: ActionStatus, move: Move) -> None:
    require_move(reference, Mover.OWNER, status, move)


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
    owners: Sequence[int],
    leads: Sequence[int],
    chair: int | None,
    deputy: int | None = None,
    also_chair: Sequence[int] = (),
) -> tuple[tuple[int, Reader], ...]:
    """Each person copied once, as the reader with the most to do: an owner gets only their
    own card, a lead who also chairs (or deputises) gets the chair's copy. The deputy chair
    has the chair's controls, so is copied wherever the chair is. `also_chair`: others who
    read the chair's copy (admins, for a chair who left with no deputy)."""
    seen = set(owners)
    readers: list[tuple[int, Reader]] = []
    chairs = [(chair, Reader.CHAIR), *((m, Reader.CHAIR) for m in also_chair)]
    for member_id, reader in (*chairs, (deputy, Reader.DEPUTY_CHAIR)):
        if member_id is not None and member_id not in seen:
            readers.append((member_id, reader))
            seen.add(member_id)
    for lead in leads:
        if lead not in seen:
            readers.append((lead, Reader.AGENCY_LEAD))
            seen.add(lead)
    return tuple(readers)
