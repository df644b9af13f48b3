"""The engine, sessions and the async bridge that keeps database work off the event loop.

SQLAlchemy here is synchronous. Each unit of work runs in a bounded thread pool: one thread
for SQLite (a single writer, so writers never fight over the file lock), a few for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
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
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Runs domain functions inside one transaction each, on a bounded executor."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        workers = 1 if is_sqlite(url) else 4
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

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

    async def run(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.transaction, work)

    def session(self) -> Session:
        return self._sessions()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()


def _is_connectivity(error: DBAPIError) -> bool:
    # OperationalError covers "server gone", "database is locked", "unable to open file";
    # invalidated connections are connectivity problems too. Integrity errors are not.
    return isinstance(error, OperationalError) or bool(error.connection_invalidated)
