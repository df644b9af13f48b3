"""What a request that lost a race is told: who changed the record and when, in London time
and the one date format every card uses ("Mon 5 Jul 2027": no leading zero, English names)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from domain.audit import already_done
from domain.repositories import UnitOfWork

DONE = "This return was already submitted"


class _Trail:
    def __init__(self, change: tuple[str | None, datetime] | None) -> None:
        self.change = change

    def latest(
        self, record_type: str, record_id: str, actions: Collection[str]
    ) -> tuple[str | None, datetime] | None:
        return self.change


def _told(change: tuple[str | None, datetime] | None) -> str:
    uow: Any = SimpleNamespace(audit_trail=_Trail(change))
    stale = already_done(cast(UnitOfWork, uow), ("return", 7), ("return.submit",), DONE)
    return str(stale)


def test_says_who_and_when_in_the_one_date_format() -> None:
    # 23:30 UTC on Sun 4 Jul 2027 is 00:30 on Mon 5 Jul in London (BST).
    told = _told(("Demo Lead", datetime(2027, 7, 4, 23, 30, tzinfo=UTC)))
    assert told == "This return was already submitted by Demo Lead at 00:30 on Mon 5 Jul 2027."


def test_a_change_with_no_name_is_a_colleagues() -> None:
    told = _told((None, datetime(2027, 1, 5, 9, 0)))  # stored without a zone: UTC
    assert told == "This return was already submitted by a colleague at 09:00 on Tue 5 Jan 2027."


def test_no_trail_says_just_now() -> None:
    assert _told(None) == "This return was already submitted just now, so this card is out of date."
