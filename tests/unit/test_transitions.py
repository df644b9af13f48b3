from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import pytest

from domain.errors import IllegalTransition
from domain.model import ActionStatus, ReturnStatus, ReviewStage
from domain.return_state import return_status_label
from domain.status_words import STAGE_NAMES, state_label, status_label
from domain.transitions import (
    ACTION_TRANSITIONS,
    RETURN_TRANSITIONS,
    REVIEW_TRANSITIONS,
    illegal_move,
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
    assert move_return(status, ReturnStatus.SUBMITTED) is ReturnStatus.SUBMITTED


def test_a_returned_return_stays_returned_while_it_is_changed() -> None:
    """Its writers' saves don't make it "In progress": it reads "Returned for changes" on
    every card until it is submitted again (walk12)."""
    with pytest.raises(IllegalTransition):
        move_return(ReturnStatus.RETURNED, ReturnStatus.IN_PROGRESS)


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


def test_an_illegal_move_says_the_states_in_the_views_words() -> None:
    """It said the stored value with spaces: "This return is nil pending"."""
    with pytest.raises(IllegalTransition) as refused:
        move_return(ReturnStatus.NIL_PENDING, ReturnStatus.SUBMITTED)
    assert str(refused.value) == (
        "This return's status is “Nil return, awaiting the agency lead”, so it cannot move to "
        "“Submitted: waiting for sign-off”."
    )
    with pytest.raises(IllegalTransition, match="This review's stage is “Closed”"):
        move_review(ReviewStage.CLOSED, ReviewStage.ACTIONS_OPEN)


@pytest.mark.parametrize("state", [*ReviewStage, *ReturnStatus, *ActionStatus])
def test_every_state_has_words_and_they_are_the_views(state: StrEnum) -> None:
    words = state_label(state)
    views = {
        ReviewStage: lambda s: STAGE_NAMES[s],
        ReturnStatus: return_status_label,
        ActionStatus: status_label,
    }[type(state)]
    assert words == views(state)
    assert words[:1].isupper()
    assert "_" not in words


def test_every_illegal_move_of_every_table_is_said_in_words() -> None:
    tables: list[tuple[str, Mapping[Any, frozenset[Any]], Callable[[Any, Any], Any]]] = [
        ("review", REVIEW_TRANSITIONS, move_review),
        ("return", RETURN_TRANSITIONS, move_return),
        ("action item", ACTION_TRANSITIONS, move_action),
    ]
    for what, table, move in tables:
        for current, targets in table.items():
            for target in set(type(current)) - targets:
                with pytest.raises(IllegalTransition) as refused:
                    move(current, target)
                said = str(refused.value)
                assert said == illegal_move(what, current, target)
                assert f"“{state_label(current)}”" in said
                assert f"“{state_label(target)}”" in said
                assert "_" not in said, said


def test_a_state_of_no_table_has_no_words() -> None:
    class Other(StrEnum):
        ODD = "odd"

    with pytest.raises(TypeError):
        state_label(Other.ODD)
