"""State machines as data (DESIGN.md §3). An illegal move raises IllegalTransition."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from domain.errors import IllegalTransition
from domain.model import ActionStatus, ReturnStatus, ReviewStage

S = TypeVar("S", bound=StrEnum)

REVIEW_TRANSITIONS: Mapping[ReviewStage, frozenset[ReviewStage]] = {
    ReviewStage.DRAFT: frozenset({ReviewStage.PRE_ANALYSIS, ReviewStage.CANCELLED}),
    ReviewStage.PRE_ANALYSIS: frozenset({ReviewStage.ANALYSIS, ReviewStage.CANCELLED}),
    ReviewStage.ANALYSIS: frozenset({ReviewStage.MEETING, ReviewStage.CANCELLED}),
    ReviewStage.MEETING: frozenset({ReviewStage.ACTIONS_OPEN, ReviewStage.CANCELLED}),
    ReviewStage.ACTIONS_OPEN: frozenset({ReviewStage.CLOSED, ReviewStage.CANCELLED}),
    ReviewStage.CLOSED: frozenset(),
    ReviewStage.CANCELLED: frozenset(),
}

RETURN_TRANSITIONS: Mapping[ReturnStatus, frozenset[ReturnStatus]] = {
    ReturnStatus.NOT_STARTED: frozenset({ReturnStatus.IN_PROGRESS}),
    ReturnStatus.IN_PROGRESS: frozenset({ReturnStatus.SUBMITTED}),
    ReturnStatus.SUBMITTED: frozenset({ReturnStatus.SIGNED_OFF, ReturnStatus.RETURNED}),
    ReturnStatus.RETURNED: frozenset({ReturnStatus.IN_PROGRESS}),
    ReturnStatus.SIGNED_OFF: frozenset(),
}

ACTION_TRANSITIONS: Mapping[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.OPEN: frozenset(
        {
            ActionStatus.IN_PROGRESS,
            ActionStatus.COMPLETED,
            ActionStatus.BLOCKED,
            ActionStatus.CANCELLED,
        }
    ),
    ActionStatus.IN_PROGRESS: frozenset(
        {ActionStatus.COMPLETED, ActionStatus.BLOCKED, ActionStatus.CANCELLED}
    ),
    ActionStatus.BLOCKED: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED}),
    # From completed only the LIC group moves the item: close, or send it back.
    ActionStatus.COMPLETED: frozenset({ActionStatus.CLOSED, ActionStatus.IN_PROGRESS}),
    ActionStatus.CLOSED: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
}


def _move(table: Mapping[S, frozenset[S]], current: S, target: S, what: str) -> S:
    if target not in table[current]:
        raise IllegalTransition(
            f"This {what} is {current.value.replace('_', ' ')}, so it cannot move to "
            f"{target.value.replace('_', ' ')}."
        )
    return target


def move_review(current: ReviewStage, target: ReviewStage) -> ReviewStage:
    return _move(REVIEW_TRANSITIONS, current, target, "review")


def move_return(current: ReturnStatus, target: ReturnStatus) -> ReturnStatus:
    return _move(RETURN_TRANSITIONS, current, target, "return")


def move_action(current: ActionStatus, target: ActionStatus) -> ActionStatus:
    return _move(ACTION_TRANSITIONS, current, target, "action item")
