from __future__ import annotations

import pytest

from domain.errors import IllegalTransition
from domain.model import ActionStatus, ReturnStatus, ReviewStage
from domain.transitions import (
    ACTION_TRANSITIONS,
    RETURN_TRANSITIONS,
    REVIEW_TRANSITIONS,
    move_action,
    move_return,
    move_review,
)


def test_every_state_has_a_row() -> None:
    assert set(REVIEW_TRANSITIONS) == set(ReviewStage)
    assert set(RETURN_TRANSITIONS) == set(ReturnStatus)
    assert set(ACTION_TRANSITIONS) == set(ActionStatus)


def test_review_happy_path() -> None:
    stage = ReviewStage.DRAFT
    for target in (
        ReviewStage.PRE_ANALYSIS,
        ReviewStage.ANALYSIS,
        ReviewStage.MEETING,
        ReviewStage.ACTIONS_OPEN,
        ReviewStage.CLOSED,
    ):
        stage = move_review(stage, target)
    assert stage is ReviewStage.CLOSED


def test_return_can_be_returned_and_resubmitted() -> None:
    status = move_return(ReturnStatus.SUBMITTED, ReturnStatus.RETURNED)
    status = move_return(status, ReturnStatus.IN_PROGRESS)
    assert move_return(status, ReturnStatus.SUBMITTED) is ReturnStatus.SUBMITTED


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (ActionStatus.OPEN, ActionStatus.CLOSED),
        (ActionStatus.CLOSED, ActionStatus.OPEN),
        (ActionStatus.CANCELLED, ActionStatus.IN_PROGRESS),
    ],
)
def test_illegal_action_moves_say_why(current: ActionStatus, target: ActionStatus) -> None:
    with pytest.raises(IllegalTransition, match="cannot move"):
        move_action(current, target)


def test_closed_reviews_stay_closed() -> None:
    with pytest.raises(IllegalTransition):
        move_review(ReviewStage.CLOSED, ReviewStage.ACTIONS_OPEN)
