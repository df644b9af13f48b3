"""State machines as data (docs/architecture.md §3): every move, with who may make it. An
illegal move raises IllegalTransition.

`REVIEW_MOVES`, `RETURN_MOVES` and `ACTION_MOVES` (and the 7-minute guide's
`domain.guide.GUIDE_TABLE`) are the one table: the plain transition maps are derived from them,
handlers check the mover with `parties_for`, and the tests walk them and check each move's
parties against the authorisation matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from domain.errors import IllegalTransition
from domain.model import ActionStatus, ReturnStatus, ReviewStage
from domain.status_words import state_label

S = TypeVar("S", bound=StrEnum)


class Party(StrEnum):
    """Who makes a move, relative to the record (not a partnership role)."""

    CHAIR = "chair"  # the review's chair or deputy chair
    ADMIN = "admin"
    PRACTITIONER = "practitioner"  # assigned to the return (or a lead of its agency)
    AGENCY_LEAD = "agency_lead"  # a safeguarding lead of the return's agency
    LIC_MEMBER = "lic_member"
    ACTION_OWNER = "action_owner"  # the action item's owner
    # The review's chair or deputy chair who did not send the guide for approval.
    OTHER_CHAIR = "other_chair"


@dataclass(frozen=True)
class Move(Generic[S]):
    name: str
    source: S
    target: S
    parties: frozenset[Party]


CHAIRING = frozenset({Party.CHAIR, Party.ADMIN})
OPEN_STAGES = (
    ReviewStage.DRAFT,
    ReviewStage.PRE_ANALYSIS,
    ReviewStage.ANALYSIS,
    ReviewStage.MEETING,
    ReviewStage.ACTIONS_OPEN,
)
REVIEW_ENDS = frozenset({ReviewStage.CLOSED, ReviewStage.CANCELLED})


def _moves(name: str, sources: Iterable[S], target: S, parties: Iterable[Party]) -> list[Move[S]]:
    return [Move(name, source, target, frozenset(parties)) for source in sources]


REVIEW_MOVES: tuple[Move[ReviewStage], ...] = (
    Move("assign", ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS, CHAIRING),
    # The last return to be signed off (lead), confirmed nil (lead), proceeded without or
    # removed (chair) moves the review on; from a draft too, when every agency was settled
    # (nil, proceeded without) before anybody was assigned.
    *_moves(
        "returns_complete",
        (ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS),
        ReviewStage.ANALYSIS,
        CHAIRING | {Party.AGENCY_LEAD},
    ),
    # An agency added after the returns were complete reopens the returns.
    Move("agency_added", ReviewStage.ANALYSIS, ReviewStage.PRE_ANALYSIS, CHAIRING),
    Move("outcome_saved", ReviewStage.ANALYSIS, ReviewStage.MEETING, CHAIRING),
    Move("outcome_published", ReviewStage.MEETING, ReviewStage.ACTIONS_OPEN, CHAIRING),
    # The LIC group's last impact record closes the review; so does the chair marking the
    # last open item not achievable.
    Move(
        "actions_closed",
        ReviewStage.ACTIONS_OPEN,
        ReviewStage.CLOSED,
        frozenset({Party.LIC_MEMBER}) | CHAIRING,
    ),
    *_moves("cancel", OPEN_STAGES, ReviewStage.CANCELLED, CHAIRING),
    # Reopening goes back to the stage the review was cancelled at.
    *(
        Move("reopen", ReviewStage.CANCELLED, stage, frozenset({Party.ADMIN}))
        for stage in OPEN_STAGES
    ),
)

_OUTSTANDING = (ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS, ReturnStatus.RETURNED)
_NOT_WITHDRAWN = tuple(s for s in ReturnStatus if s is not ReturnStatus.WITHDRAWN)
_CHAIRS = tuple(CHAIRING)

RETURN_MOVES: tuple[Move[ReturnStatus], ...] = (
    Move(
        "start", ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS, frozenset({Party.PRACTITIONER})
    ),
    Move(
        "submit", ReturnStatus.IN_PROGRESS, ReturnStatus.SUBMITTED, frozenset({Party.PRACTITIONER})
    ),
    Move(
        "approve", ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF, frozenset({Party.AGENCY_LEAD})
    ),
    Move(
        "send_back", ReturnStatus.SUBMITTED, ReturnStatus.RETURNED, frozenset({Party.AGENCY_LEAD})
    ),
    # A return sent back stays "Returned for changes" while its writers change it, until they
    # submit it again (every card and command then says the same of it).
    Move(
        "resubmit", ReturnStatus.RETURNED, ReturnStatus.SUBMITTED, frozenset({Party.PRACTITIONER})
    ),
    *_moves("nil_return", _OUTSTANDING, ReturnStatus.NIL_PENDING, _CHAIRS),
    Move("nil_confirm", ReturnStatus.NIL_PENDING, ReturnStatus.NIL, frozenset({Party.AGENCY_LEAD})),
    Move(
        "nil_decline",
        ReturnStatus.NIL_PENDING,
        ReturnStatus.IN_PROGRESS,
        frozenset({Party.AGENCY_LEAD}),
    ),
    *_moves(
        "proceed_without",
        (*_OUTSTANDING, ReturnStatus.SUBMITTED, ReturnStatus.NIL_PENDING),
        ReturnStatus.PROCEEDED_WITHOUT,
        _CHAIRS,
    ),
    *_moves("remove_agency", _NOT_WITHDRAWN, ReturnStatus.WITHDRAWN, _CHAIRS),
    Move("add_agency", ReturnStatus.WITHDRAWN, ReturnStatus.NOT_STARTED, CHAIRING),
)

# Returns that no longer hold the review back: the analysis (and the outcome) may go ahead.
RETURN_SETTLED = frozenset(
    {
        ReturnStatus.SIGNED_OFF,
        ReturnStatus.NIL,
        ReturnStatus.PROCEEDED_WITHOUT,
        ReturnStatus.WITHDRAWN,
    }
)
# Returns the practitioner has nothing more to do on: no chasers for them.
PRACTITIONER_DONE = RETURN_SETTLED | {ReturnStatus.SUBMITTED, ReturnStatus.NIL_PENDING}


def _table(moves: Iterable[Move[S]], states: Iterable[S]) -> Mapping[S, frozenset[S]]:
    found: dict[S, set[S]] = {state: set() for state in states}
    for move in moves:
        found[move.source].add(move.target)
    return {state: frozenset(targets) for state, targets in found.items()}


REVIEW_TRANSITIONS: Mapping[ReviewStage, frozenset[ReviewStage]] = _table(REVIEW_MOVES, ReviewStage)
RETURN_TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = _table(
    RETURN_MOVES, ReturnStatus
)

_OWNED = frozenset({Party.ACTION_OWNER})
_LIC = frozenset({Party.LIC_MEMBER})
_LIVE = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

# An action item's moves (domain/action_state.py has what each mover's card offers). A blocked
# item is unblocked by a progress update before it can be completed. From completed only the
# LIC group moves it: close, send it back, or escalate it to the chair, who decides an escalated
# item: back to the owner (a new date, reopened, or a new owner) or cancelled as not achievable.
# The chair may cancel an item not yet done, or split it into two (domain/action_controls.py).
ACTION_MOVES: tuple[Move[ActionStatus], ...] = (
    *_moves(
        "progress", (ActionStatus.OPEN, ActionStatus.BLOCKED), ActionStatus.IN_PROGRESS, _OWNED
    ),
    *_moves("complete", _LIVE, ActionStatus.COMPLETED, _OWNED),
    *_moves("block", _LIVE, ActionStatus.BLOCKED, _OWNED),
    Move("close", ActionStatus.COMPLETED, ActionStatus.CLOSED, _LIC),
    Move("keep_open", ActionStatus.COMPLETED, ActionStatus.IN_PROGRESS, _LIC),
    Move("escalate", ActionStatus.COMPLETED, ActionStatus.ESCALATED, _LIC),
    Move("set_date", ActionStatus.ESCALATED, ActionStatus.IN_PROGRESS, CHAIRING),
    Move("reopen", ActionStatus.ESCALATED, ActionStatus.IN_PROGRESS, CHAIRING),
    Move("not_achievable", ActionStatus.ESCALATED, ActionStatus.CANCELLED, CHAIRING),
    Move("reassign", ActionStatus.ESCALATED, ActionStatus.IN_PROGRESS, CHAIRING),
    *_moves("cancel", (*_LIVE, ActionStatus.BLOCKED), ActionStatus.CANCELLED, CHAIRING),
    # Split into two new items: the original ends, the two new ones start open.
    *_moves(
        "split",
        (*_LIVE, ActionStatus.BLOCKED, ActionStatus.ESCALATED),
        ActionStatus.SPLIT,
        CHAIRING,
    ),
)
ACTION_TRANSITIONS: Mapping[ActionStatus, frozenset[ActionStatus]] = _table(
    ACTION_MOVES, ActionStatus
)


def label(state: StrEnum) -> str:
    """A state inside a sentence, in the words every view shows it in
    (`domain.status_words.state_label`), quoted because they are a label: “Nil return,
    awaiting the agency lead”. It said the stored value with spaces ("nil pending")."""
    return f"“{state_label(state)}”"


def illegal_move(what: str, current: StrEnum, target: StrEnum) -> str:
    """An illegal move as its mover reads it."""
    return (
        f"This {what}'s {'stage' if what == 'review' else 'status'} is {label(current)}, "
        f"so it cannot move to {label(target)}."
    )


def _move(table: Mapping[S, frozenset[S]], current: S, target: S, what: str) -> S:
    if target not in table[current]:
        raise IllegalTransition(illegal_move(what, current, target))
    return target


def move_review(current: ReviewStage, target: ReviewStage) -> ReviewStage:
    return _move(REVIEW_TRANSITIONS, current, target, "review")


def move_return(current: ReturnStatus, target: ReturnStatus) -> ReturnStatus:
    return _move(RETURN_TRANSITIONS, current, target, "return")


def move_action(current: ActionStatus, target: ActionStatus) -> ActionStatus:
    return _move(ACTION_TRANSITIONS, current, target, "action item")


def parties_for(moves: Iterable[Move[S]], name: str) -> frozenset[Party]:
    """Everyone who may make the named move, from any state."""
    return frozenset(p for move in moves if move.name == name for p in move.parties)


def named_move(moves: Iterable[Move[S]], name: str, current: S) -> Move[S] | None:
    """The named move from this state, or None when the state has no such move."""
    return next((m for m in moves if m.name == name and m.source == current), None)
