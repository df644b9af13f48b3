"""A deadlock, a serialization failure or a lock timeout on PostgreSQL is a concurrency
conflict (domain/conflicts.py), not an outage: logged as one, raised as ConcurrencyConflict
("try again"), and a unit whose caller says it touches only the database
(`retry_on_conflict`) runs once more after a deadlock and succeeds.

The deadlock is a real one: a rival connection holds row 2, the unit takes row 1, the rival
asks for row 1 and waits, then the unit asks for row 2. The rival's own deadlock_timeout is
long, so PostgreSQL always ends the unit's transaction, not the rival's. The unit closes the
cycle, never the rival: PostgreSQL looks for a deadlock once per wait, deadlock_timeout (1 s)
after the wait began, so a rival that closed it more than a second after the unit began to wait
(a loaded machine) found the unit's one look already taken, and the unit ran into its lock
timeout instead (not run again: 2 runs in 9 failed so under load).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import text

from domain.errors import ConcurrencyConflict
from storage.database import Database, Timeouts
from storage.repositories import SqlUnitOfWork
from tests.conftest import _migrated


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    # A lock timeout longer than PostgreSQL's deadlock check (1 s), which must come first.
    for db in _migrated(postgres_url, Timeouts(lock=3)):
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE contested (id int PRIMARY KEY, n int)")
            connection.exec_driver_sql("INSERT INTO contested VALUES (1, 0), (2, 0)")
        yield db


def rival(url: str) -> psycopg.Connection:
    """Another client, PostgreSQL's deadlock check set long on it so the unit is the victim."""
    connection = psycopg.connect(url.replace("+psycopg", ""))
    connection.execute("SET deadlock_timeout = '30s'")
    connection.commit()
    return connection


def bump(connection: psycopg.Connection, row: int) -> None:
    connection.execute("UPDATE contested SET n = n + 1 WHERE id = %s", (row,))


def watcher(url: str) -> psycopg.Connection:
    """A client outside any transaction: each look at pg_stat_activity is fresh (inside a
    transaction it is read once, at the first look, and kept)."""
    return psycopg.connect(url.replace("+psycopg", ""), autocommit=True)


# Another backend in this database waiting for a row lock: a fresh answer only outside a
# transaction, or in a new one (pg_stat_activity is read once a transaction).
WAITING_FOR_A_LOCK = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
)


async def until_waiting_for_a_lock(connection: psycopg.Connection) -> None:
    """Until another backend in this database waits for a row lock."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = connection.execute(WAITING_FOR_A_LOCK).fetchone()
        if waiting and waiting[0]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the rival never waited for the unit's row")


class Closing:
    """The unit closes the deadlock, whatever the machine's load: its first run, holding its
    first row, stops (`pause`) until the rival waits for that row (`rival_asks`), then asks
    for the rival's row, and its own deadlock check a second later finds the cycle."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self._go = threading.Event()

    def pause(self) -> None:
        """In the unit, after its first hold: the first run only (a second finds no rival)."""
        if self.holding.is_set():
            return
        self.holding.set()
        if not self._go.wait(10):
            raise AssertionError("the rival never asked for the unit's row")

    async def rival_asks(self, url: str, ask: Callable[[], object]) -> None:
        """The rival's request for the unit's first row (`ask`, blocking), once the unit holds
        it; returns when PostgreSQL has ended the unit's transaction as the deadlock's victim
        and given the rival the row."""
        assert await asyncio.to_thread(self.holding.wait, 10), "the unit never took its row"
        asking = asyncio.ensure_future(asyncio.to_thread(ask))
        watching = watcher(url)
        try:
            await until_waiting_for_a_lock(watching)
        finally:
            watching.close()
            self._go.set()
        await asking


def counts(db: Database) -> dict[int, int]:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, n FROM contested").all()
    return {row[0]: row[1] for row in rows}


async def deadlock(db: Database, url: str, *, retry: bool) -> tuple[list[int], object]:
    """The unit (row 1, then row 2) against the rival (row 2, then row 1): the unit's attempts
    and its result, or the exception it raised. The unit's first run asks for row 2 only once
    the rival waits for its row 1 (a second run finds the rival gone)."""
    attempts: list[int] = []
    closing = Closing()

    def unit(uow: SqlUnitOfWork) -> str:
        attempts.append(1)
        uow.session.execute(text("UPDATE contested SET n = n + 1 WHERE id = 1"))
        closing.pause()
        uow.session.execute(text("UPDATE contested SET n = n + 1 WHERE id = 2"))
        return "done"

    other = rival(url)
    try:
        bump(other, 2)
        running = asyncio.ensure_future(db.run(unit, retry_on_conflict=retry))
        await closing.rival_asks(url, lambda: bump(other, 1))
        other.commit()
        outcome: object
        try:
            outcome = await running
        except ConcurrencyConflict as conflict:
            outcome = conflict
    finally:
        other.close()
    return attempts, outcome


async def test_a_deadlocked_unit_that_touches_only_the_database_runs_again_and_succeeds(
    pg: Database, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="storage.database")
    attempts, outcome = await deadlock(pg, postgres_url, retry=True)
    assert outcome == "done"
    assert len(attempts) == 2
    assert counts(pg) == {1: 2, 2: 2}, "the rival's and the second run's, once each"
    logged = [record for record in caplog.records if record.name == "storage.database"]
    assert [r.getMessage() for r in logged] == ["concurrency conflict"]
    assert getattr(logged[0], "conflict", None) == "deadlock"
    assert getattr(logged[0], "sqlstate", None) == "40P01"


async def test_any_other_deadlocked_unit_is_a_conflict_not_an_outage(
    pg: Database, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="storage.database")
    attempts, outcome = await deadlock(pg, postgres_url, retry=False)
    assert isinstance(outcome, ConcurrencyConflict)
    assert len(attempts) == 1
    assert counts(pg) == {1: 1, 2: 1}, "the rival's only: the unit was rolled back"
    messages = [r.getMessage() for r in caplog.records if r.name == "storage.database"]
    assert messages == ["concurrency conflict"]
    assert await pg.run(lambda uow: 1) == 1, "the database is fine"


async def test_a_lock_timeout_is_a_conflict_and_not_waited_for_twice(
    pg: Database, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="storage.database")
    impatient = Database(postgres_url, Timeouts(lock=0.5))
    attempts: list[int] = []

    def unit(uow: SqlUnitOfWork) -> None:
        attempts.append(1)
        uow.session.execute(text("UPDATE contested SET n = n + 1 WHERE id = 1"))

    assert await impatient.run(lambda uow: 1) == 1  # its connection made before the timing
    other = rival(postgres_url)
    try:
        bump(other, 1)
        started = time.monotonic()
        with pytest.raises(ConcurrencyConflict):
            await impatient.run(unit, retry_on_conflict=True)
        waited = time.monotonic() - started
    finally:
        other.rollback()
        other.close()
        impatient.close()
    assert len(attempts) == 1
    assert waited < 2 * impatient.timeouts.lock, "one lock timeout (0.5 s), not two"
    assert counts(pg) == {1: 0, 2: 0}
    logged = [r for r in caplog.records if r.name == "storage.database"]
    assert [getattr(r, "sqlstate", None) for r in logged] == ["55P03"]
