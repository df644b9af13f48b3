"""The member card and the agency card acting on one person at once take their rows in one
order (domain/holds.py): the agency first (the member card holds the agency chosen on it FOR
KEY SHARE, as the member's foreign key would at the move; the agency card holds its own FOR
UPDATE), then the member. Before, the member card held its member first and reached the agency
only at the move, while the agency card held the agency and then waited for the member it was
making its lead: PostgreSQL ended one of them as a deadlock. SQLite's single writer queues them
either way (the races are skipped there: no row locks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import freshness
from cards import verbs
from domain import directory
from domain.idempotency import REVISION
from domain.model import Role
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_import_lock_order import (
    ADMIN,
    _member,
    _require_row_locks,
    _world,
    race_paused,
)
from tests.storage.test_member_card_lock import held_statements

ROUNDS = 12
# Ended by the database rather than by a rule: what the old order produced.
DEADLOCKED = {"ConcurrencyConflict", "OperationalError", "StorageUnavailable"}


def _person(database: Database, ids: dict[str, Any]) -> int:
    """A School practitioner: the member card moves them into Police while Police's card
    chooses them as its lead."""
    return database.transaction(lambda uow: _member(uow, ids, "school", Role.PRACTITIONER))


def _shown(database: Database, ids: dict[str, Any], person: int) -> tuple[str, str]:
    """The revisions the two cards were drawn at: the person's, and Police's."""

    def work(uow: SqlUnitOfWork) -> tuple[str, str]:
        admin = uow.members.get(ids["admin"])
        return (
            directory.current_member_revision(uow, admin, person),
            directory.current_agency_revision(uow, admin, ids["police"]),
        )

    return database.transaction(work)


def _member_card(ids: dict[str, Any], person: int, shown: str) -> Callable[[SqlUnitOfWork], None]:
    """The member card moving `person` into Police: its freshness check (bot/freshness.py,
    the hold and the revision), then the save."""

    def work(uow: SqlUnitOfWork) -> None:
        admin = uow.members.get(ids["admin"])
        data = {
            "member_id": person,
            "display_name": "Demo Moved Person",
            "agency": str(ids["police"]),
            "roles": Role.PRACTITIONER.value,
            REVISION: shown,
        }
        check = freshness.check_for(verbs.MEMBER_SAVE, admin, data)
        assert check is not None
        check(uow)
        directory.save_member(uow, ADMIN, admin, data)

    return work


def _agency_card(ids: dict[str, Any], person: int, shown: str) -> Callable[[SqlUnitOfWork], None]:
    """Police's agency card choosing `person` as its lead: its check, then the save."""

    def work(uow: SqlUnitOfWork) -> None:
        admin = uow.members.get(ids["admin"])
        data = {
            "agency_id": ids["police"],
            "name": "Demo Police",
            "sector": "other",
            REVISION: shown,
        }
        check = freshness.check_for(verbs.AGENCY_SAVE, admin, data)
        assert check is not None
        check(uow)
        directory.save_agency(uow, ADMIN, admin, {**data, "lead": person})

    return work


def _rounds(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    first: str,
) -> list[dict[str, Any]]:
    """ROUNDS races on a fresh person each: `first` runs its check (its holds and the
    revision read) and pauses there; the other card starts then and, 20-460 ms later, the
    first goes on. How each ended."""
    ids = database.transaction(_world)
    ids["admin"] = database.transaction(lambda uow: _member(uow, ids, "police", Role.ADMIN))
    pause = {
        "member card": (directory, "current_member_revision"),
        "agency card": (directory, "current_agency_revision"),
    }[first]
    outcomes = []
    for n in range(ROUNDS):
        person = _person(database, ids)
        member_shown, agency_shown = _shown(database, ids, person)
        cards = {
            "member card": ("member card", _member_card(ids, person, member_shown)),
            "agency card": ("agency card", _agency_card(ids, person, agency_shown)),
        }
        second = "agency card" if first == "member card" else "member card"
        outcome = race_paused(
            database, monkeypatch, pause, cards[first], cards[second], 0.02 + 0.04 * n
        )
        outcome["lead"] = database.transaction(
            lambda uow, p=person: Role.AGENCY_LEAD in uow.members.get(p).roles
        )
        outcomes.append(outcome)
    return outcomes


@pytest.mark.parametrize("first", ["member card", "agency card"])
def test_the_member_card_and_the_agency_card_on_one_person_never_deadlock(
    migrated: Database, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    """Whichever card's check holds first, the other queues behind it and then runs (or is
    refused as changed since shown, a rule's answer): never ended by the database."""
    _require_row_locks(migrated)
    outcomes = _rounds(migrated, monkeypatch, first)
    ended = [o for o in outcomes if set(o.values()) & DEADLOCKED]
    assert ended == [], (
        f"{len(ended)} of {ROUNDS} rounds ended a card as a deadlock or lock timeout: the "
        f"member card held its member before the agency: {ended}"
    )
    # The one that held first always commits; the lead is made unless its card was refused.
    assert all(o[first] == "committed" for o in outcomes), outcomes
    for o in outcomes:
        assert o["lead"] == (o["agency card"] == "committed"), o


def test_the_member_card_holds_the_chosen_agency_before_its_member(migrated: Database) -> None:
    """The statements themselves, on both databases (SQLite leaves the lock clauses out):
    the agency chosen on the card, then the member, before any write."""
    ids = migrated.transaction(_world)
    ids["admin"] = migrated.transaction(lambda uow: _member(uow, ids, "police", Role.ADMIN))
    person = _person(migrated, ids)
    data = {"member_id": person, "agency": str(ids["police"])}
    statements = held_statements(migrated, ids["admin"], data)
    agency = [i for i, s in enumerate(statements) if s.startswith("SELECT agency.id FROM agency")]
    member = [i for i, s in enumerate(statements) if s.startswith("SELECT member.id FROM member")]
    assert len(agency) == 1, statements
    assert len(member) == 1, statements
    assert agency[0] < member[0], statements
    assert not any(s.startswith(("UPDATE", "INSERT", "DELETE")) for s in statements), statements
    if migrated.engine.dialect.name == "postgresql":
        assert statements[agency[0]].endswith("FOR KEY SHARE"), statements[agency[0]]
        assert statements[member[0]].endswith("FOR NO KEY UPDATE"), statements[member[0]]
