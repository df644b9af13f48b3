"""A change of an agency's leads holds every one of its returns still open to a lead, in id
order, before it changes anything (domain/holds.py): a save or sign-off racing it either went
first or reads the leads as changed. tests/behaviour/test_races.py races the member card's
removal of a lead against the lead's save on the core."""

from __future__ import annotations

from sqlalchemy import event

from domain.model import Role
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_lead_cover import _world, a_return


def _police_returns(uow: SqlUnitOfWork, ids: dict[str, int]) -> dict[str, int]:
    """A Police return in each status named, each on a review of its own."""
    statuses = ("in_progress", "signed_off", "nil_pending", "withdrawn", "returned")
    return {
        status: a_return(uow, ids["a"], sequence, ids["police"], status)
        for sequence, status in enumerate(statuses, 10)
    }


def test_the_returns_held_are_the_agencies_open_ones_in_id_order(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        ids = _world(uow)
        police = _police_returns(uow, ids)
        open_ones = [police[s] for s in ("in_progress", "nil_pending", "returned")]
        held = uow.returns.hold_open_to_leads({ids["school"], ids["police"]})
        assert held == sorted([*open_ones, ids["school_return"]]), "settled ones left alone"
        assert uow.returns.hold_open_to_leads(()) == []

    migrated.transaction(work)


def test_a_lead_revoked_holds_their_agencies_returns_before_the_role_goes(
    migrated: Database,
) -> None:
    def seed(uow: SqlUnitOfWork) -> dict[str, int]:
        ids = _world(uow)
        return ids | _police_returns(uow, ids)

    ids = migrated.transaction(seed)
    statements: list[str] = []

    def capture(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(migrated.engine, "before_cursor_execute", capture)
    try:
        migrated.transaction(lambda uow: uow.directory.revoke(ids["lead"], Role.AGENCY_LEAD))
    finally:
        event.remove(migrated.engine, "before_cursor_execute", capture)
    hold = next(
        n
        for n, sql in enumerate(statements)
        if "FROM pre_analysis_return" in sql and "ORDER BY pre_analysis_return.id" in sql
    )
    revoke = next(
        n for n, sql in enumerate(statements) if sql.startswith("DELETE FROM member_role")
    )
    assert hold < revoke, "held before the role goes"
    if migrated.engine.dialect.name == "postgresql":
        assert statements[hold].endswith("FOR UPDATE"), statements[hold]
    # The same statement held the returns the lead-waiting count reset writes: no second hold.
    assert not [sql for sql in statements[hold + 1 :] if "FOR UPDATE" in sql]


def test_a_change_that_is_no_lead_change_holds_nothing(migrated: Database) -> None:
    ids = migrated.transaction(_world)
    statements: list[str] = []

    def capture(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(migrated.engine, "before_cursor_execute", capture)
    try:
        migrated.transaction(lambda uow: uow.directory.grant(ids["lead"], Role.MANAGER))
    finally:
        event.remove(migrated.engine, "before_cursor_execute", capture)
    assert not [sql for sql in statements if "pre_analysis_return" in sql]
