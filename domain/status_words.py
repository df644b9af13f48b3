"""What each state of a review, a return and an action item is called wherever a person reads
it, and the one function that says any of them (`state_label`).

The stored values ("pre_analysis", "nil_pending", "in_progress") are the database's words, not
people's. The action item's words live here rather than beside its moves in
`domain.action_state` (which reads them from here) because the state machines
(`domain.transitions`) say them too, and `domain.action_state` is downstream of those.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from domain.model import ActionStatus, ReturnStatus, ReviewStage
from domain.return_state import return_status_label

# What each status is called wherever a person reads it (cards, the XLSX tracker and its
# charts, the Word summary, messages), in the order views list them: live work first, then the
# ended.
STATUS_LABELS: Final[Mapping[ActionStatus, str]] = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.BLOCKED: "Blocked",
    ActionStatus.ESCALATED: "Escalated to the chair",
    ActionStatus.COMPLETED: "Completed",
    ActionStatus.CLOSED: "Closed",
    ActionStatus.CANCELLED: "Cancelled",
    ActionStatus.SPLIT: "Split in two",
}
STATUS_ORDER: Final = tuple(STATUS_LABELS)

# A review's stage by its short name (the Word summary's facts, an illegal move's message).
STAGE_NAMES: Final[Mapping[str, str]] = {
    ReviewStage.DRAFT: "Draft",
    ReviewStage.PRE_ANALYSIS: "Pre-analysis",
    ReviewStage.ANALYSIS: "Analysis",
    ReviewStage.MEETING: "Meeting",
    ReviewStage.ACTIONS_OPEN: "Actions open",
    ReviewStage.CLOSED: "Closed",
    ReviewStage.CANCELLED: "Cancelled",
}


def status_label(status: ActionStatus | str) -> str:
    """The status as a fact or a column shows it ("In progress"). A stored value will do: an
    ActionStatus is its value."""
    return STATUS_LABELS[ActionStatus(status)]


def status_words(status: ActionStatus | str) -> str:
    """The status inside a sentence or a list ("2 in progress", "it is escalated to the
    chair")."""
    label = status_label(status)
    return label[:1].lower() + label[1:]


def state_label(state: StrEnum) -> str:
    """Any state as a person reads it: a review's stage ("Pre-analysis"), a return's status
    ("Nil return, awaiting the agency lead"), an action item's ("In progress")."""
    if isinstance(state, ReviewStage):
        return STAGE_NAMES[state]
    if isinstance(state, ReturnStatus):
        return return_status_label(state)
    if isinstance(state, ActionStatus):
        return status_label(state)
    raise TypeError(f"No words for the state {state!r}")
