"""The engine, sessions and the async bridge that keeps database work off the event loop.

SQLAlchemy here is synchronous. Each unit of work runs in a bounded thread pool: one thread
for SQLite (a single writer, so writers never fight over the file lock), a few for PostgreSQL.

One exception, measured in bench/ (issue 8): on SQLite, *short* work (`run_short`: who spoke,
one return's section) runs on the event loop itself. Handing it to the thread and back cost
more CPU than the work (GIL hand-offs with every socket the loop touches: about 0.8 ms a turn,
and a p99 twice as long). It runs on a connection and session the loop keeps between units,
since a pool round trip per unit cost as much as the unit's reads. It can't block the loop: it
runs with a busy timeout of zero, so if another writer holds the file it is rolled back and
goes to the thread after all; reads never wait in WAL mode; and WAL checkpoints, the only fsync
with synchronous=NORMAL, are moved to the thread. It runs inline only while the thread has
nothing queued or running, so this process still does one unit of work at a time, in the order
they came (SQLite's driver reads outside a transaction until the first write: two units
interleaved could each miss the other's write, and a user's later save could overtake an
earlier one). Work over many rows (summaries, exports) always goes to the thread, and so does
everything on PostgreSQL, where every statement is a network round trip.

Every wait is bounded (`Timeouts`, issue 16): a silent partition (packets dropped, nothing
closed) would otherwise hold every database thread for the kernel's 15 minutes, and every later
turn behind them. libpq's connect, keepalive and `tcp_user_timeout` bounds and the server's
statement, lock and idle-in-transaction timeouts free a connection; a turn waits for its unit
at most `turn_wait` (a thread in a socket can't be cancelled, so the turn stops waiting and the
unit is rolled back when it returns); `_Watchdog` shuts the socket of a connection held past
`stuck_unit`, for what the kernel can't see (a proxy that accepts and never answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from domain.conflicts import ConflictRule, conflict_of
from domain.errors import ConcurrencyConflict, StorageUnavailable
from storage.repositories import SqlUnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)

# The most statements a `run_short` unit may run. The longest is a tenant's first sighting
# (partnership, member and role, each with its audit row: 14); a save turn's one unit runs
# about 8 (who spoke and the click's claim, 2; the save, 6: the return held, read, its answers,
# the write, the audit row, the click's reply), a section's first save up to 18. More means
# the work isn't short and belongs on the thread.
# Checked in tests, not in production.
SHORT_STATEMENTS = 20


class ShortWork(threading.local):
    """Which short unit, if any, this thread is running: tests count its statements with a
    `before_cursor_execute` listener (the unit runs on one thread, inline or in the pool)."""

    unit = 0  # 0: none running; otherwise a new number per unit


SHORT_WORK = ShortWork()
_short_units = iter(range(1, 1 << 62))


def _marked_short(work: Callable[[SqlUnitOfWork], T]) -> Callable[[SqlUnitOfWork], T]:
    def marked(uow: SqlUnitOfWork) -> T:
        SHORT_WORK.unit = next(_short_units)
        try:
            return work(uow)
        finally:
            SHORT_WORK.unit = 0

    return marked


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


@dataclass(frozen=True)
class Timeouts:
    """Every wait the database can impose, bounded (seconds). A silent network partition
    (packets dropped, nothing closed) must cost a turn seconds, not the kernel's 15 minutes."""

    connect: int = 5  # libpq: the whole connection set-up (whole seconds, at least 2)
    statement: float = 15  # server side: any one statement
    lock: float = 5  # server side: waiting for a row or table lock
    idle_in_transaction: float = 30  # server side: a transaction its client has forgotten
    keepalive_idle: int = 10  # TCP keepalives on an idle connection: first probe after this,
    keepalive_interval: int = 3  # then one every interval,
    keepalive_count: int = 3  # and this many unanswered probes close the connection
    tcp_user: float = 15  # sent data unacknowledged this long closes the connection
    pool_checkout: float = 5  # waiting for a free pooled connection
    turn_wait: float = 8  # a turn waits this long for its unit of work, then is told to retry
    # A unit holding a PostgreSQL connection this long has its socket shut, which frees the
    # thread: the kernel's timeouts can't see a middlebox (a proxy, a pooler) that accepts
    # packets and never answers, and a thread stuck in a socket read can't be cancelled.
    stuck_unit: float = 30


def json_text(value: Any) -> str:
    """JSON columns' text, as json.dumps writes it, except that a top-level field whose value
    carries its own encoding (a dict with a `json` string: cards/validation.py MeasuredCard,
    the JSON it was measured as) is written from that rather than encoded a second time. A
    click's stored reply holds its card so: the save turn's card was encoded twice."""
    if isinstance(value, dict) and any(_encoded(item) is not None for item in value.values()):
        fields = (
            f"{json.dumps(key)}: {_encoded(item) or json.dumps(item)}"
            for key, item in value.items()
        )
        return "{" + ", ".join(fields) + "}"
    return json.dumps(value)


def _encoded(item: Any) -> str | None:
    encoded = getattr(item, "json", None) if isinstance(item, dict) else None
    return encoded if isinstance(encoded, str) else None


def make_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            hide_parameters=True,  # errors must never echo answers into logs
            json_serializer=json_text,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    limits = timeouts or Timeouts()
    return create_engine(
        url,
        # No pool_pre_ping: its ping runs before the checkout event, where a stuck one could
        # not be watched. _Watchdog.on_checkout pings instead.
        pool_size=5,
        max_overflow=5,
        pool_timeout=limits.pool_checkout,
        connect_args=postgres_connect_args(limits),
        hide_parameters=True,
        json_serializer=json_text,
    )


def postgres_connect_args(limits: Timeouts) -> dict[str, Any]:
    """libpq's socket-level bounds, and the server-side ones as session settings."""
    settings = {
        "statement_timeout": _ms(limits.statement),
        "lock_timeout": _ms(limits.lock),
        "idle_in_transaction_session_timeout": _ms(limits.idle_in_transaction),
    }
    return {
        "connect_timeout": max(2, int(limits.connect)),
        "keepalives": 1,
        "keepalives_idle": limits.keepalive_idle,
        "keepalives_interval": limits.keepalive_interval,
        "keepalives_count": limits.keepalive_count,
        "tcp_user_timeout": _ms(limits.tcp_user),
        "options": " ".join(f"-c {name}={value}" for name, value in settings.items()),
    }


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


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
        url,
        connect_args={"check_same_thread": False, "timeout": 0},
        hide_parameters=True,
        json_serializer=json_text,
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

    def __init__(self, url: str, timeouts: Timeouts | None = None) -> None:
        self.url = url
        self.timeouts = timeouts or Timeouts()
        self.engine = make_engine(url, self.timeouts)
        self._watchdog = None if is_sqlite(url) else _Watchdog(self.engine, self.timeouts)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._workers = 1 if is_sqlite(url) else 4
        self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="db")
        self._started: dict[int, float] = {}  # worker thread -> when its current unit began
        # An in-memory database is private to its connection: a second engine would see
        # another, empty one, so it keeps everything on the thread.
        inline = is_sqlite(url) and make_url(url).database not in (None, "", ":memory:")
        self._inline_engine = _inline_engine(url) if inline else None
        # The loop's own connection and session, kept between units (_on_inline_connection).
        self._inline: tuple[Connection, Session] | None = None
        self._inline_commits = 0
        self._on_thread = 0  # units queued for or running on the thread, counted on the loop

    def transaction(
        self,
        work: Callable[[SqlUnitOfWork], T],
        abandoned: threading.Event | None = None,
        *,
        retry_on_conflict: bool = False,
    ) -> T:
        """Run `work` in one transaction, synchronously; commit on success, roll back on error,
        and roll back too if the turn waiting for it gave up (`abandoned`): it told the user
        nothing was changed. A concurrency conflict (domain/conflicts.py) raises
        ConcurrencyConflict, after running `work` once more first if `retry_on_conflict` (the
        caller's promise that `work` touches nothing but the database: the rollback undid all
        of it) and the conflict is one worth retrying."""
        try:
            return self._attempt(work, abandoned)
        except _Conflicted as conflicted:
            if not (retry_on_conflict and conflicted.rule.retry):
                raise ConcurrencyConflict() from conflicted.__cause__
        if abandoned is not None and abandoned.is_set():
            raise _Abandoned()  # its turn has already told the user to try again
        try:
            return self._attempt(work, abandoned)
        except _Conflicted as again:
            raise ConcurrencyConflict() from again.__cause__

    def _attempt(self, work: Callable[[SqlUnitOfWork], T], abandoned: threading.Event | None) -> T:
        try:
            with self._sessions() as session, session.begin():
                result = work(SqlUnitOfWork(session))
                if abandoned is not None and abandoned.is_set():
                    raise _Abandoned()
                return result
        except (OperationalError, DBAPIError) as error:
            state = _sqlstate(error)
            rule = conflict_of(state)
            if rule is not None:
                # Two writers met; the database is fine (and /readyz says so).
                log.warning(
                    "concurrency conflict",
                    extra={"conflict": rule.conflict.value, "sqlstate": state},
                )
                raise _Conflicted(rule) from error
            if _is_connectivity(error):
                log.warning("database unavailable", extra={"error_type": type(error).__name__})
                raise StorageUnavailable() from error
            raise

    def wedged(self) -> bool:
        """Every worker has been on one unit for longer than a turn waits: new work would only
        queue behind them, so turns are told to retry at once until one comes free."""
        started = list(self._started.values())
        overdue = time.monotonic() - self.timeouts.turn_wait
        return len(started) >= self._workers and all(began < overdue for began in started)

    def busy_workers(self) -> int:
        return len(self._started)

    async def run(
        self,
        work: Callable[[SqlUnitOfWork], T],
        *,
        wait: float = 0,
        retry_on_conflict: bool = False,
    ) -> T:
        """`work` in one transaction, off the event loop. Waits at most `wait` seconds (default
        `timeouts.turn_wait`: a person is waiting; a background job may wait longer), then
        raises StorageUnavailable. `retry_on_conflict`: see `transaction`."""
        return await self._run(work, wait, retry_on_conflict)

    async def run_short(
        self, work: Callable[[SqlUnitOfWork], T], *, retry_on_conflict: bool = False
    ) -> T:
        """`work` that touches a handful of rows (who spoke, one return, one claim): at most
        SHORT_STATEMENTS statements, a promise the test suite checks on every such unit
        (tests/conftest.py). On SQLite it runs on the loop unless another writer holds the
        file (see the module note)."""
        marked = _marked_short(work)
        if self._inline_engine is not None and not self._on_thread:
            try:
                return self._run_inline(marked)
            except _Busy:
                pass  # another writer has the file: wait for it on the thread instead
        return await self._run(marked, 0, retry_on_conflict)

    async def _run(
        self, work: Callable[[SqlUnitOfWork], T], wait: float, retry_on_conflict: bool
    ) -> T:
        if self.wedged():
            log.warning("database unavailable", extra={"error_type": "WorkersStuck"})
            raise StorageUnavailable()
        return await self._on_executor(work, wait or self.timeouts.turn_wait, retry_on_conflict)

    async def _on_executor(
        self, work: Callable[[SqlUnitOfWork], T], wait: float, retry_on_conflict: bool
    ) -> T:
        abandoned = threading.Event()
        self._on_thread += 1
        future = self._executor.submit(self._unit, work, abandoned, retry_on_conflict)
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), wait)
        except TimeoutError as error:
            abandoned.set()
            if future.done() and not future.cancelled() and future.exception() is None:
                self._on_thread -= 1
                return future.result()  # finished just as the wait ran out
            self._leave_thread_when_done(future)
            log.warning("database unavailable", extra={"error_type": "TurnWaitExpired"})
            raise StorageUnavailable() from error
        except BaseException:
            self._on_thread -= 1
            raise
        self._on_thread -= 1
        return result

    def _leave_thread_when_done(self, future: Future[Any]) -> None:
        """A unit the turn stopped waiting for still counts as on the thread (so no inline
        work overtakes it on SQLite) until it ends; one never started ends now."""
        if future.cancel():
            self._on_thread -= 1
            return
        loop = asyncio.get_running_loop()

        def left(_future: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._left_thread)

        future.add_done_callback(left)

    def _left_thread(self) -> None:
        self._on_thread -= 1

    def _unit(
        self,
        work: Callable[[SqlUnitOfWork], T],
        abandoned: threading.Event,
        retry_on_conflict: bool,
    ) -> T:
        if abandoned.is_set():
            raise _Abandoned()  # its turn gave up while it queued
        me = threading.get_ident()
        self._started[me] = time.monotonic()
        try:
            return self.transaction(work, abandoned, retry_on_conflict=retry_on_conflict)
        finally:
            del self._started[me]

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
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._watchdog is not None:
            self._watchdog.stop()
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


class _Abandoned(Exception):
    """The turn waiting for this unit gave up (and said nothing changed): roll it back."""


class _Watchdog:
    """Watches every checked-out PostgreSQL connection. One held for longer than
    `timeouts.stuck_unit` has its socket shut: the thread blocked in it gets an error at
    once, and the pool discards the connection (psycopg marks it broken). Also pings a pooled
    connection as it is checked out, as pool_pre_ping would, but where the ping is watched."""

    def __init__(self, engine: Engine, timeouts: Timeouts) -> None:
        self._dialect = engine.dialect
        self._stuck_after = timeouts.stuck_unit
        self._out: dict[int, tuple[float, Any]] = {}  # id(pool entry) -> (since, connection)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "checkout", self._on_checkout)
        event.listen(engine, "checkin", self._on_checkin)

    def _on_connect(self, _dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["fresh"] = True  # just connected: no ping needed

    def _on_checkout(self, dbapi_connection: Any, entry: ConnectionPoolEntry, _proxy: Any) -> None:
        self._start()
        self._out[id(entry)] = (time.monotonic(), dbapi_connection)
        if entry.info.pop("fresh", False):
            return
        try:
            self._dialect.do_ping(dbapi_connection)
        except Exception as error:
            self._out.pop(id(entry), None)
            raise DisconnectionError() from error  # the pool discards it and connects afresh

    def _on_checkin(self, _dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        self._out.pop(id(entry), None)

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._watch, name="db-watchdog", daemon=True)
                self._thread.start()

    def _watch(self) -> None:
        interval = min(1.0, self._stuck_after / 4)
        while not self._stopping.wait(interval):
            overdue = time.monotonic() - self._stuck_after
            for key, (since, connection) in list(self._out.items()):
                if since < overdue and self._out.pop(key, None) is not None:
                    log.warning("database connection stuck; closing it")
                    _shut_socket(connection)

    def stop(self) -> None:
        self._stopping.set()


def _shut_socket(connection: Any) -> None:
    """Shut (not close: the driver still owns the descriptor) a psycopg connection's socket,
    which wakes a thread blocked reading or writing it."""
    with contextlib.suppress(Exception):  # closed meanwhile: nothing left to free
        if connection.closed:
            return
        shut = socket.socket(fileno=os.dup(connection.pgconn.socket))
        try:
            shut.shutdown(socket.SHUT_RDWR)
        finally:
            shut.close()


class _Busy(Exception):
    """SQLite's file lock is held by another writer: the inline attempt was rolled back."""


class _Conflicted(Exception):
    """An attempt was rolled back as a concurrency conflict (the database error is its cause)."""

    def __init__(self, rule: ConflictRule) -> None:
        super().__init__(rule.conflict.value)
        self.rule = rule


def _sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE PostgreSQL refused with (psycopg's `sqlstate`); None from SQLite, whose
    errors carry none."""
    code = getattr(error.orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def _is_connectivity(error: DBAPIError) -> bool:
    # OperationalError covers "server gone", "database is locked", "unable to open file";
    # invalidated connections are connectivity problems too. Integrity errors are not.
    return isinstance(error, OperationalError) or bool(error.connection_invalidated)
