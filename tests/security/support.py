"""Helpers the security tests share: a running bot with any settings, whole-database snapshots,
and checks for leaked internals. People talk to the bot through the one driver,
tests/support/journey.py (`Person`, `say`, `click`, `submit_card`, `exchange`)."""

from __future__ import annotations

import builtins
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine, inspect, text

from bot.app import create_app
from bot.config import Settings
from bot.server import server_options
from tests.conftest import BotUnderTest
from tests.support.connector import FakeConnector
from tests.support.local import migrate

Row = tuple[Any, ...]
Snapshot = dict[str, dict[Any, Row]]


@asynccontextmanager
async def running_bot(
    settings: Settings, url: str, connector: FakeConnector
) -> AsyncIterator[BotUnderTest]:
    """The real app (create_app) on a loopback port, like tests/conftest.py, with any settings."""
    migrate(url)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server(**server_options(settings))
    try:
        async with ClientSession() as http:
            yield BotUnderTest(server, http, connector)
    finally:
        await server.close()


def settings_for(data_dir: Path, database_url: str, **values: str) -> Settings:
    """Settings by their environment names, ignoring any .env file."""
    given: dict[str, Any] = {"DATA_DIR": str(data_dir), "DATABASE_URL": database_url, **values}
    return Settings(_env_file=None, **given)


# --- the database as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    """The application tables as the database has them (reflected once per test database)."""

    columns: dict[str, list[str]]
    keys: dict[str, list[str]]
    foreign: dict[str, list[tuple[list[str], str, list[str]]]]


_SCHEMAS: dict[str, Schema] = {}


def schema(engine: Engine) -> Schema:
    url = str(engine.url)
    if url not in _SCHEMAS:
        found = inspect(engine)
        names = [n for n in found.get_table_names() if n != "alembic_version"]
        _SCHEMAS[url] = Schema(
            columns={n: [c["name"] for c in found.get_columns(n)] for n in names},
            keys={n: found.get_pk_constraint(n)["constrained_columns"] for n in names},
            foreign={
                n: [
                    (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                    for fk in found.get_foreign_keys(n)
                ]
                for n in names
            },
        )
    return _SCHEMAS[url]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every application table (read from the database itself), by primary key."""
    tables: Snapshot = {}
    shape = schema(engine)
    with engine.connect() as connection:
        for name, columns in shape.columns.items():
            positions = [columns.index(k) for k in shape.keys[name]]
            listed = ", ".join(f'"{c}"' for c in columns)
            result = connection.execute(text(f'SELECT {listed} FROM "{name}"'))
            tables[name] = {tuple(row[i] for i in positions): tuple(row) for row in result}
    return tables


@dataclass(frozen=True)
class Change:
    table: str
    key: Any
    before: Row | None
    after: Row | None


def changes(before: Snapshot, after: Snapshot) -> list[Change]:
    found: list[Change] = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        for key in sorted(set(old) | set(new), key=repr):
            if old.get(key) != new.get(key):
                found.append(Change(table, key, old.get(key), new.get(key)))
    return found


def counts(shot: Snapshot) -> dict[str, int]:
    return {table: len(rows) for table, rows in shot.items()}


class Owners:
    """Which partnership a row belongs to, found by following foreign keys to `partnership_id`.

    Generic on purpose: tables added later are covered without changing the tests.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._schema = schema(engine)

    def of(self, change: Change) -> set[int]:
        row = change.after if change.after is not None else change.before
        assert row is not None
        return self._owners(change.table, row, depth=0)

    def _owners(self, table: str, row: Row, depth: int) -> set[int]:
        values = dict(zip(self._schema.columns[table], row, strict=True))
        if table == "partnership":
            return {int(values["id"])}
        if values.get("partnership_id") is not None:
            return {int(values["partnership_id"])}
        owners: set[int] = set()
        if depth > 6:
            return owners
        for local, referred_table, referred in self._schema.foreign[table]:
            if any(values.get(c) is None for c in local):
                continue
            parent = self._parent(referred_table, referred, [values[c] for c in local])
            if parent is not None:
                owners |= self._owners(referred_table, parent, depth + 1)
        return owners

    def _parent(self, table: str, referred: list[str], values: list[Any]) -> Row | None:
        where = " AND ".join(f'"{r}" = :p{i}' for i, r in enumerate(referred))
        listed = ", ".join(f'"{c}"' for c in self._schema.columns[table])
        with self._engine.connect() as connection:
            found = connection.execute(
                text(f'SELECT {listed} FROM "{table}" WHERE {where}'),
                {f"p{i}": v for i, v in enumerate(values)},
            ).first()
        return tuple(found) if found is not None else None


# --- what must never reach a user -----------------------------------------------------------

_EXCEPTION_NAMES = sorted(
    {n for n in dir(builtins) if n.endswith(("Error", "Exception"))}
    | {"DeserializationError", "SerializationError", "DecodeError", "InvalidSignatureError"}
    | {"IntegrityError", "OperationalError", "StatementError", "DataError", "HttpOperationError"}
)
INTERNALS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\.py\"|site-packages"
    r"|\b(sqlalchemy|sqlite3|psycopg|botbuilder|botframework|msrest)\."
    r"|object has no attribute|Server got itself in trouble|Internal Server Error"
    r"|\b(" + "|".join(_EXCEPTION_NAMES) + r")\b"
)
# In the one answer that means an unexpected exception escaped a handler (bot/core.py error_card):
# both the card and the Universal Action message carry it.
CRASH = "give your admin this reference"


def internals_in(texts: Iterable[str]) -> list[str]:
    return [m.group(0) for t in texts for m in [INTERNALS.search(t)] if m is not None]
