"""Which database refusals are concurrency conflicts (domain/conflicts.py), and what the user
is told of one."""

from __future__ import annotations

import pytest

from domain.conflicts import CONFLICTS, Conflict, conflict_of
from domain.errors import ConcurrencyConflict, StorageUnavailable


@pytest.mark.parametrize(
    ("sqlstate", "conflict", "retry"),
    [
        ("40P01", Conflict.DEADLOCK, True),
        ("40001", Conflict.SERIALIZATION, True),
        ("55P03", Conflict.LOCK_TIMEOUT, False),
    ],
)
def test_the_concurrency_conflicts_and_which_are_worth_a_second_run(
    sqlstate: str, conflict: Conflict, retry: bool
) -> None:
    rule = conflict_of(sqlstate)
    assert rule is not None
    assert (rule.conflict, rule.retry) == (conflict, retry)


@pytest.mark.parametrize(
    "sqlstate",
    [
        None,  # SQLite's errors carry none: "database is locked" stays an outage
        "",
        "08006",  # connection failure
        "57P01",  # the server shutting down
        "57014",  # statement_timeout: a slow database, not two writers
        "23505",  # a unique violation: the caller's own handling
        "40p01",  # SQLSTATEs are upper case; nothing is guessed
    ],
)
def test_anything_else_is_no_conflict(sqlstate: str | None) -> None:
    assert conflict_of(sqlstate) is None


def test_the_table_holds_exactly_the_three() -> None:
    assert set(CONFLICTS) == {"40P01", "40001", "55P03"}


def test_the_user_is_told_to_try_again_not_that_the_database_is_out_of_reach() -> None:
    told = ConcurrencyConflict().user_message
    assert told == (
        "Someone else was changing this at the same moment. Nothing was saved: please try again."
    )
    assert "reach" not in told
    assert told != StorageUnavailable().user_message
