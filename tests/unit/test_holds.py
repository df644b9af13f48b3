"""Which rows a change to a return holds, and when (domain/holds.py): a practitioner's save, an
episode's removal and a submit hold the return itself before they read it, so on PostgreSQL
the read that decides whether the return may still be written sees what a racer holding it
committed (a save behind a submit finds it submitted; a submit behind a save checks what the
save wrote). tests/scenarios/test_races.py races a save against a submit over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import returns
from domain.errors import NotFound
from domain.model import Actor, MemberView, Role
from domain.returns import Nav

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
MEMBER = MemberView(7, 1, "aad-7", "Police Practitioner (demo)", 3, frozenset({Role.PRACTITIONER}))
ACTOR = Actor("tenant-1", "aad-7", "29:teams-7", "Police Practitioner (demo)")


class _Returns:
    """Records what is asked of the returns, and finds none."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def lock(self, return_id: int) -> None:
        self.calls.append(("lock", return_id))

    def get(self, return_id: int) -> None:
        self.calls.append(("get", return_id))


class _Uow:
    def __init__(self) -> None:
        self.returns = _Returns()


Move = Callable[[Any, dict[str, object]], object]
MOVES: dict[str, Move] = {
    "save": lambda uow, data: returns.save_section(
        uow, ACTOR, MEMBER, data, Nav.SAVE, date(2026, 12, 6), NOW
    ),
    "remove an episode": lambda uow, data: returns.remove_episode(uow, ACTOR, MEMBER, data),
    "submit": lambda uow, data: returns.submit(uow, ACTOR, MEMBER, data, date(2026, 12, 6), NOW),
}


@pytest.mark.parametrize("move", MOVES)
def test_a_change_to_a_return_holds_it_before_reading_it(move: str) -> None:
    uow = _Uow()
    with pytest.raises(NotFound):
        MOVES[move](uow, {"return_id": 42})
    assert uow.returns.calls == [("lock", 42), ("get", 42)]


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("forged", ["4²", True, -1, 2**63, None])
def test_an_id_that_names_no_return_holds_nothing(move: str, forged: object) -> None:
    uow = _Uow()
    with pytest.raises(NotFound):
        MOVES[move](uow, {"return_id": forged})
    assert "lock" not in [call for call, _ in uow.returns.calls]
