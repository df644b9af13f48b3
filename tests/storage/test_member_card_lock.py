"""The member card's freshness check holds its member as an UPDATE of a non-key column does
(FOR NO KEY UPDATE; storage/repositories.py `SqlUnitOfWork.hold`), so a row written elsewhere
that only names the member (a lead's new chronology entry, `created_by`) doesn't wait for it.
Held FOR UPDATE, as before, a lead's save holding its return and then adding an entry waited
for the card, while the card's revoke of that lead's role (the member, then their agencies'
returns, storage/directory.py `hold_changes`) waited for the return: PostgreSQL ended one as a
deadlock. SQLite's single writer queues them either way (skipped there: no row locks)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bot import freshness
from domain import returns
from domain.model import Role
from storage import tables as t
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_import_lock_order import race_paused
from tests.storage.test_lead_entry_holds import _lead_and_return, _require_row_locks, _save_entry

ROUNDS = 6


def _relead(database: Database, lead: int) -> None:
    """The lead a lead again (a round's revoke took the role)."""

    def work(uow: SqlUnitOfWork) -> None:
        if uow.session.get(t.MemberRole, (lead, Role.AGENCY_LEAD.value)) is None:
            uow.session.add(t.MemberRole(member_id=lead, role=Role.AGENCY_LEAD.value))

    database.transaction(work)


def _round(
    database: Database,
    ids: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    card_delay: float,
) -> dict[str, Any]:
    """The lead's entry save pauses once it holds its return (load, as_held's re-read done);
    the member card starts then (its check's hold, then the revoke) and, `card_delay` later,
    the save goes on to insert the entry. How each ended."""
    _relead(database, ids["lead"])

    def card(uow: SqlUnitOfWork) -> None:
        # The card's check, as bot/freshness.py takes it for member_save; then its change.
        freshness.MEMBER.hold(uow, uow.members.get(ids["lead"]), {"member_id": ids["lead"]})
        uow.directory.revoke(ids["lead"], Role.AGENCY_LEAD)

    return race_paused(
        database,
        monkeypatch,
        (returns, "load"),
        ("save", lambda uow: _save_entry(uow, ids)),
        ("card", card),
        card_delay,
    )


def test_a_leads_entry_save_never_deadlocks_with_the_member_card_revoking_them(
    migrated: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _require_row_locks(migrated)
    ids = migrated.transaction(_lead_and_return)
    crossed = []
    for n in range(ROUNDS):
        outcome = _round(migrated, ids, monkeypatch, card_delay=0.05 + 0.1 * n)
        if outcome != {"save": "committed", "card": "committed"}:
            crossed.append(outcome)
    assert crossed == [], (
        f"{len(crossed)} of {ROUNDS} rounds ended one side (deadlock or lock timeout): the "
        f"card held the member FOR UPDATE, which the entry's FOR KEY SHARE waits for: {crossed}"
    )
    entries = migrated.transaction(lambda uow: len(uow.returns.entries(ids["ret"])))
    assert entries == ROUNDS


def test_the_member_card_holds_its_member_for_no_key_update(migrated: Database) -> None:
    """The statement itself (PostgreSQL; SQLite leaves the lock clause out)."""
    ids = migrated.transaction(_lead_and_return)
    statements = held_statements(migrated, ids["lead"], {"member_id": ids["lead"]})
    held = [sql for sql in statements if sql.startswith("SELECT member.id FROM member")]
    assert len(held) == 1, statements
    if migrated.engine.dialect.name == "postgresql":
        assert held[0].endswith("FOR NO KEY UPDATE"), held[0]
    else:
        assert "FOR" not in held[0].split("WHERE")[1], held[0]


def held_statements(database: Database, admin: int, data: dict[str, object]) -> list[str]:
    """The statements the member card's check holds with (bot/freshness.py), as sent."""
    statements: list[str] = []

    def work(uow: SqlUnitOfWork) -> None:
        connection = uow.session.connection()

        def capture(*args: object) -> None:
            statements.append(" ".join(str(args[2]).split()))

        event.listen(connection, "before_cursor_execute", capture)
        try:
            freshness.MEMBER.hold(uow, uow.members.get(admin), data)
        finally:
            event.remove(connection, "before_cursor_execute", capture)

    database.transaction(work)
    return statements
