"""Issue 16, item 1: every wait on the database is bounded.

PostgreSQL connections carry libpq's socket bounds and the server-side timeouts; a turn waits
for its unit of work at most `Timeouts.turn_wait`, and a unit it gave up on is rolled back; a
wedged executor refuses new work at once instead of queueing it; a connection stuck in a
socket is shut by the watchdog, which frees its thread, and the pool replaces it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from domain.errors import StorageUnavailable
from storage import tables as t
from storage.database import Database, Timeouts
from storage.repositories import SqlUnitOfWork
from tests.conftest import _migrated

SHORT = Timeouts(connect=2, turn_wait=0.5, stuck_unit=1.5, statement=5, lock=1)


@pytest.fixture
def short_db(database_url: str) -> Iterator[Database]:
    yield from _migrated(database_url, SHORT)


@pytest.fixture
def short_pg(postgres_url: str) -> Iterator[Database]:
    yield from _migrated(postgres_url, SHORT)


async def until_free(db: Database) -> None:
    """Until the units a test held on the workers have ended (they end within a second)."""
    for _ in range(500):
        if not db.busy_workers():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the held units never ended")


def partnerships(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(t.Partnership)) or 0)


def test_postgres_connections_carry_every_bound(short_pg: Database) -> None:
    with short_pg.engine.connect() as connection:
        parameters = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        shown = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
        }
    assert parameters["connect_timeout"] == "2"
    assert parameters["keepalives"] == "1"
    assert {"keepalives_idle", "keepalives_interval", "keepalives_count"} <= set(parameters)
    assert parameters["tcp_user_timeout"] == str(int(SHORT.tcp_user * 1000))
    assert shown == {
        "statement_timeout": "5s",
        "lock_timeout": "1s",
        "idle_in_transaction_session_timeout": "30s",
    }


async def test_a_turn_stops_waiting_and_the_unit_it_left_is_rolled_back(
    short_db: Database,
) -> None:
    gate = threading.Event()

    def slow_write(uow: SqlUnitOfWork) -> None:
        uow.session.add(t.Partnership(tenant_id="slow-tenant", name="Slow"))
        uow.session.flush()
        gate.wait(10)

    with pytest.raises(StorageUnavailable):
        await short_db.run(slow_write)
    gate.set()
    await until_free(short_db)
    assert partnerships(short_db) == 0, "the slow unit rolled back"


async def test_a_wedged_executor_refuses_at_once_instead_of_queueing(short_db: Database) -> None:
    gate = threading.Event()
    workers = 1 if short_db.url.startswith("sqlite") else 4
    stuck = [short_db.run(lambda uow: gate.wait(10)) for _ in range(workers)]
    for waiting in stuck:
        with pytest.raises(StorageUnavailable):
            await waiting
    assert short_db.wedged()
    ran = threading.Event()
    try:
        with pytest.raises(StorageUnavailable):
            await short_db.run(lambda uow: ran.set())
    finally:
        gate.set()
    await until_free(short_db)
    assert not ran.is_set(), "refused, not queued behind the stuck units"
    assert await short_db.run(lambda uow: 2) == 2, "free again once they end"


async def test_a_connection_stuck_in_its_socket_is_shut_and_replaced(short_pg: Database) -> None:
    # pg_sleep stands in for a server that never answers: statement_timeout is longer, so only
    # the watchdog can free the thread.
    def hangs(uow: SqlUnitOfWork) -> None:
        uow.session.execute(text("SELECT pg_sleep(30)"))

    with pytest.raises(StorageUnavailable):
        short_pg.transaction(hangs)
    assert short_pg.transaction(lambda uow: uow.session.scalar(text("SELECT 1"))) == 1


async def test_a_background_job_may_wait_longer_than_a_turn(short_db: Database) -> None:
    def slower_than_a_turn(uow: SqlUnitOfWork) -> int:
        threading.Event().wait(SHORT.turn_wait * 2)
        return 3

    assert await short_db.run(slower_than_a_turn, wait=SHORT.turn_wait * 6) == 3
