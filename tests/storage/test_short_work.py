"""`run_short` keeps its promise or the test fails: the guard counts a short unit's statements
on either backend, and ordinary units are not counted."""

from __future__ import annotations

from sqlalchemy import text

from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.support.short_work import short_work_guard


def _statements(count: int):  # type: ignore[no-untyped-def]
    def work(uow: SqlUnitOfWork) -> int:
        for _ in range(count):
            uow.session.execute(text("SELECT 1"))
        return count

    return work


async def test_short_work_within_the_limit_passes(migrated: Database) -> None:
    with short_work_guard(limit=3) as guard:
        assert await migrated.run_short(_statements(3)) == 3
    assert guard.failure() is None


async def test_short_work_over_the_limit_fails_naming_its_statements(migrated: Database) -> None:
    with short_work_guard(limit=3) as guard:
        await migrated.run_short(_statements(4))
        await migrated.run_short(_statements(2))  # each unit is counted on its own
    failure = guard.failure()
    assert failure is not None
    assert "1 unit(s) run with run_short ran more than 3 statements" in failure
    assert "SELECT 1" in failure


async def test_ordinary_units_are_not_counted(migrated: Database) -> None:
    with short_work_guard(limit=1) as guard:
        await migrated.run(_statements(5))
    assert guard.failure() is None
