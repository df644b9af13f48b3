"""Short work on SQLite runs on the event loop, but never waits there (Database.run)."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.errors import DomainError, StorageUnavailable
from storage import database
from storage.database import Database
from storage.repositories import SqlUnitOfWork

_TENANTS = itertools.count()


def _thread_and_tenant(uow: SqlUnitOfWork) -> tuple[int, int]:
    created = uow.partnerships.create(f"tenant-{next(_TENANTS)}", "Test partnership")
    return threading.get_ident(), created.id


async def test_short_work_runs_on_the_loop_on_sqlite_and_off_it_on_postgres(
    migrated: Database,
) -> None:
    thread, partnership_id = await migrated.run_short(_thread_and_tenant)
    on_loop = thread == threading.get_ident()
    assert on_loop is migrated.url.startswith("sqlite")
    # Committed like any other unit of work.
    assert partnership_id in migrated.transaction(lambda uow: uow.partnerships.all_ids())
    other_thread, _ = await migrated.run(_thread_and_tenant)
    assert other_thread != threading.get_ident()


async def test_short_work_waits_on_the_thread_when_another_writer_holds_the_file(
    migrated_sqlite: Database,
) -> None:
    migrated = migrated_sqlite
    migrated.ping()  # the bot is up: the file is in WAL mode
    holder = sqlite3.connect(migrated.url.split("///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as the CLI or the sweep might hold it
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, holder.execute, "COMMIT")
    started = loop.time()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while loop.time() - started < 0.25:
            ticks += 1
            await asyncio.sleep(0.01)

    (thread, partnership_id), _ = await asyncio.gather(
        migrated.run_short(_thread_and_tenant), ticker()
    )
    holder.close()
    assert thread != threading.get_ident()  # it went to the thread...
    assert ticks >= 10  # ...and the loop kept serving meanwhile
    assert loop.time() - started >= 0.3  # it waited for the lock rather than failing
    assert partnership_id in migrated.transaction(lambda uow: uow.partnerships.all_ids())


async def test_checkpoints_run_on_the_thread_every_so_many_inline_commits(
    migrated_sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated = migrated_sqlite
    monkeypatch.setattr(database, "CHECKPOINT_EVERY", 3)
    threads: list[int] = []
    checkpoint = migrated._checkpoint

    def recording_checkpoint() -> None:
        threads.append(threading.get_ident())
        checkpoint()

    monkeypatch.setattr(migrated, "_checkpoint", recording_checkpoint)
    for _ in range(7):
        await migrated.run_short(_thread_and_tenant)
    await migrated.run(lambda uow: None)  # the thread has run what was queued before
    assert len(threads) == 2
    assert threading.get_ident() not in threads


async def test_short_work_queues_behind_work_already_on_the_thread(
    migrated_sqlite: Database,
) -> None:
    """One unit at a time, in order: inline work never overtakes or interleaves with a unit
    the thread is running (SQLite's driver reads outside a transaction until the first write)."""
    release = threading.Event()
    order: list[str] = []

    def slow(_uow: SqlUnitOfWork) -> None:
        release.wait(5)
        order.append("first")

    def quick(_uow: SqlUnitOfWork) -> int:
        order.append("second")
        return threading.get_ident()

    first = asyncio.create_task(migrated_sqlite.run(slow))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(migrated_sqlite.run_short(quick))
    await asyncio.sleep(0.05)
    assert order == []  # the short one waits its turn rather than running on the loop now
    release.set()
    _, thread = await asyncio.gather(first, second)
    assert order == ["first", "second"]
    assert thread != threading.get_ident()
    # With the thread idle again, short work is back on the loop.
    assert await migrated_sqlite.run_short(lambda _uow: threading.get_ident()) == (
        threading.get_ident()
    )


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_keeps_everything_on_the_thread(url: str) -> None:
    """Each connection to :memory: is its own empty database: no second engine for it."""
    db = Database(url)
    try:
        assert db._inline_engine is None
    finally:
        db.close()


async def test_inline_units_share_one_connection_each_in_its_own_transaction(
    migrated_sqlite: Database,
) -> None:
    """The loop keeps one connection (bench/: a pool round trip per unit cost as much as its
    reads); a unit that fails rolls back alone, and a broken connection is replaced."""

    def connection_of(uow: SqlUnitOfWork) -> object:
        return uow.session.connection().connection.dbapi_connection

    first = await migrated_sqlite.run_short(connection_of)
    assert await migrated_sqlite.run_short(connection_of) is first

    def create_then_fail(uow: SqlUnitOfWork) -> None:
        uow.partnerships.create("tenant-rolled-back", "Rolled back")
        raise DomainError("no")

    with pytest.raises(DomainError):
        await migrated_sqlite.run_short(create_then_fail)
    thread, kept = await migrated_sqlite.run_short(_thread_and_tenant)
    assert thread == threading.get_ident()
    assert (
        migrated_sqlite.transaction(lambda uow: uow.partnerships.by_tenant("tenant-rolled-back"))
        is None
    )
    assert kept in migrated_sqlite.transaction(lambda uow: uow.partnerships.all_ids())

    def broken(uow: SqlUnitOfWork) -> None:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk I/O error"))

    with pytest.raises(StorageUnavailable):
        await migrated_sqlite.run_short(broken)
    fresh = await migrated_sqlite.run_short(connection_of)
    assert fresh is not first


async def test_a_commit_that_fails_leaves_nothing_for_the_next_unit_to_commit(
    migrated_sqlite: Database,
) -> None:
    """A deferred constraint fails at COMMIT with an IntegrityError, after which SQLAlchemy
    sends the driver no rollback: the kept connection must not carry that unit's writes into
    the next unit's commit."""
    migrated_sqlite.transaction(
        lambda uow: uow.session.execute(
            text(
                "CREATE TABLE parcel (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES "
                "partnership (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    )

    def orphan(uow: SqlUnitOfWork) -> None:
        uow.session.execute(text("INSERT INTO parcel (id, owner) VALUES (1, 999999)"))

    with pytest.raises(IntegrityError):
        await migrated_sqlite.run_short(orphan)
    await migrated_sqlite.run_short(_thread_and_tenant)  # a later unit that commits
    rows = migrated_sqlite.transaction(
        lambda uow: uow.session.execute(text("SELECT count(*) FROM parcel")).scalar_one()
    )
    assert rows == 0
