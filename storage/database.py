"""The engine, sessions and the async bridge that keeps database work off the event loop.

SQLAlchemy here is synchronous. Each unit of work runs in a bounded thread pool: one thread
for SQLite (a single writer, so writers never fight over the file lock), a few for PostgreSQL.

One exception, measured in bench/ (issue 8): on SQLite, *short* work (who spoke, one return's
section) runs on the event loop itself. Handing it to the thread and back cost more CPU than
the work (GIL hand-offs with every socket the loop touches: about 0.8 ms a turn, and a p99
twice as long). It runs on a connection and session the loop keeps between units, since a
pool round trip per unit cost as much as the unit's reads. It can't block the loop: it runs
with a busy timeout of zero, so if another writer holds the file it is rolled back and goes
to the thread after all; reads never wait in WAL mode; and WAL checkpoints, the only fsync
with synchronous=NORMAL, are moved to the thread. It runs inline only while the thread has
nothing queued or running, so this process still does one unit of work at a time, in the
order they came (SQLite's driver reads outside a transaction until the first write: two
units interleaved could each miss the other's write, and a user's later save could overtake
an earlier one). Work over many rows (summaries, exports) always goes to the thread, and so
does everything on PostgreSQL, where every statement is a network round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import StorageUnavailable
from storage.repositories import SqlUnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            hide_parameters=True,  # errors must never echo answers into logs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"connect_timeout": 5},
        hide_parameters=True,
    )


def ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Set once per file (it persists). Setting it again on every connection would need the
    # write lock, and fail at once, without waiting, whenever another writer holds it.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _inline_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Never wait for the lock on the event loop, and never checkpoint (fsync) there.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _inline_engine(url: str) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 0}, hide_parameters=True
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "connect", _inline_pragmas)
    return engine


def _is_busy(error: OperationalError) -> bool:
    return "locked" in str(error.orig) or "busy" in str(error.orig)


# Inline commits between checkpoints: the WAL then stays around a few MB, as with SQLite's own
# default of 1,000 pages.
CHECKPOINT_EVERY = 500


class Database:
    """Runs domain functions inside one transaction each, on a bounded executor."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        workers = 1 if is_sqlite(url) else 4
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")
        # An in-memory database is private to its connection: a second engine would see
        # another, empty one, so it keeps everything on the thread.
        inline = is_sqlite(url) and make_url(url).database not in (None, "", ":memory:")
        self._inline_engine = _inline_engine(url) if inline else None
        # The loop's own connection and session, kept between units (_on_inline_connection).
        self._inline: tuple[Connection, Session] | None = None
        self._inline_commits = 0
        self._on_thread = 0  # units queued for or running on the thread, counted on the loop

    def transaction(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        """Run `work` in one transaction, synchronously; commit on success, roll back on error."""
        try:
            with self._sessions() as session, session.begin():
                return work(SqlUnitOfWork(session))
        except (OperationalError, DBAPIError) as error:
            if _is_connectivity(error):
                log.warning("database unavailable", extra={"error_type": type(error).__name__})
                raise StorageUnavailable() from error
            raise

    async def run(self, work: Callable[[SqlUnitOfWork], T], *, short: bool = False) -> T:
        """`work` in one transaction, off the event loop; `short` work (a handful of rows) on
        SQLite runs on the loop unless another writer holds the file (see the module note)."""
        if short and self._inline_engine is not None and not self._on_thread:
            try:
                return self._run_inline(work)
            except _Busy:
                pass  # another writer has the file: wait for it on the thread instead
        loop = asyncio.get_running_loop()
        self._on_thread += 1
        try:
            return await loop.run_in_executor(self._executor, self.transaction, work)
        finally:
            self._on_thread -= 1

    def _run_inline(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        try:
            result = self._on_inline_connection(work)
        except OperationalError as error:
            if _is_busy(error):  # rolled back, and the connection is sound
                raise _Busy() from error
            self._drop_inline()  # it may be broken; the next unit connects afresh
            log.warning("database unavailable", extra={"error_type": type(error).__name__})
            raise StorageUnavailable() from error
        self._inline_commits += 1
        if self._inline_commits % CHECKPOINT_EVERY == 0:
            with contextlib.suppress(RuntimeError):  # shutting down: SQLite checkpoints on close
                self._executor.submit(self._checkpoint)
        return result

    def _on_inline_connection(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        """`work` in its own transaction, on the connection and session the loop keeps: a new
        session and a connection checked out of the pool and back in (with its reset) for
        every unit cost as much as the unit's reads (bench/). Closing the session after each
        unit empties it, as a new one would be."""
        if self._inline is None:
            assert self._inline_engine is not None
            connection = self._inline_engine.connect()
            self._inline = (connection, Session(connection, expire_on_commit=False))
        connection, session = self._inline
        try:
            with session.begin():
                return work(SqlUnitOfWork(session))
        finally:
            session.close()
            if _left_open(connection):
                self._drop_inline()  # closing the driver's connection rolls it back

    def _drop_inline(self) -> None:
        inline, self._inline = self._inline, None
        if inline is not None:
            # Already broken, perhaps: dropping it is the point.
            with contextlib.suppress(Exception):
                inline[1].close()
            with contextlib.suppress(Exception):
                inline[0].invalidate()  # not back to the pool: a new one is opened next time

    def _checkpoint(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except OperationalError:
            log.warning("WAL checkpoint failed; SQLite retries at the next one")

    def session(self) -> Session:
        return self._sessions()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        if self._inline_engine is not None:
            self._drop_inline()
            self._inline_engine.dispose()
        self.engine.dispose()


def _left_open(connection: Connection) -> bool:
    """Whether a unit left a transaction open on the kept connection. The driver is asked too:
    SQLAlchemy forgets a transaction whose rollback failed, and sends no rollback after a
    commit that failed with anything but an OperationalError (a deferred constraint, say), so
    the next unit would otherwise commit this one's writes."""
    try:
        return connection.in_transaction() or bool(
            connection.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
        )
    except Exception:  # closed or invalidated under us: as good as open
        return True


class _Busy(Exception):
    """SQLite's file lock is held by another writer: the inline attempt was rolled back."""


def _is_connectivity(error: DBAPIError) -> bool:
    # OperationalError covers "server gone", "database is locked", "unable to open file";
    # invalidated connections are connectivity problems too. Integrity errors are not.
    return isinstance(error, OperationalError) or bool(error.connection_invalidated)
