"""Statements the save turn runs on every click, compiled once and run on the unit's own
driver connection (issue 8, bench/).

Through `Session.execute`, one of these small statements cost about 40 µs of SQLAlchemy per
turn against about 8 µs in SQLite itself: finding the bind, the compiled-cache lookup, a
new execution context and result metadata, every time. A `Prepared` statement keeps what
SQLAlchemy compiled for the dialect (the SQL, the order of its parameters, and the type
processors SQLAlchemy would apply to them and to the result columns) and runs it on the
cursor of the connection the unit's transaction already holds. So it is the same SQL, with
the same conversions, in the same transaction; driver errors are raised as SQLAlchemy's own
(`DBAPIError.instance`), so callers handle them as before.

Like `Session.execute`, a statement first flushes the unit's pending ORM changes. Result
columns are converted as SQLAlchemy converts them for the column types the driver reports
with the first rows. Only statements whose execution is just "send SQL and parameters"
qualify: anything SQLAlchemy computes at execution time (Python-side column defaults,
expanding IN lists, literal-execute parameters, escaped parameter names) is refused when the
statement is first compiled. The engine's before and after cursor events fire as for any
statement, with a stand-in execution context. What these statements don't do: fire
`handle_error`, log SQL when the engine echoes, or invalidate the whole pool when the server
is lost (the one connection is; PostgreSQL's pool pings the others before use).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


class NotPreparable(TypeError):
    """The statement needs SQLAlchemy at execution time; run it with Session.execute."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameters in the order the SQL takes them (qmark may repeat one)
    positional: bool  # qmark/format (SQLite) or named (psycopg's pyformat)
    defaults: Mapping[str, Any]  # parameters with a value of their own (`revision + 1`)
    binds: tuple[tuple[str, Processor], ...]  # parameters the driver can't take as they are


_Key = tuple[str, str, str]  # dialect, driver, parameter style: what the compiled SQL depends on
T = TypeVar("T")


class Prepared:
    """One statement, compiled once per dialect; rows come back as named tuples."""

    def __init__(self, statement: ClauseElement, *, column_keys: tuple[str, ...] = ()) -> None:
        self.statement = statement
        self._column_keys = list(column_keys) or None  # an INSERT's columns
        self._compiled: dict[_Key, _Compiled] = {}
        # Result conversions per set of column types the driver reports, as SQLAlchemy chooses.
        self._results: dict[tuple[Any, ...], tuple[tuple[int, Processor], ...]] = {}
        self._columns = list(getattr(statement, "selected_columns", ()))
        # Rows read like SQLAlchemy's: by position, by name, and unpacked.
        keys = [column.key for column in self._columns]
        self.row: Any = namedtuple("Row", keys) if keys else None

    def all(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        return self._rows(session, params, lambda cursor: cursor.fetchall())

    def first(self, session: Session, params: Mapping[str, Any]) -> Any | None:
        found = self._rows(session, params, _first_row)
        return found[0] if found else None

    def rowcount(self, session: Session, params: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE; how many rows it changed."""
        changed, _, _ = self._run(session, params, lambda cursor: int(cursor.rowcount))
        return changed

    def _rows(
        self, session: Session, params: Mapping[str, Any], fetch: Callable[[Any], list[Any]]
    ) -> list[Any]:
        assert self.row is not None, "only a SELECT returns rows"
        found, description, dialect = self._run(session, params, fetch)
        if not found:
            return []
        # Keyed by the column types the driver reported too: conversions depend on them.
        key = (*_key(dialect), *(column[1] for column in description))
        processors = self._results.get(key)
        if processors is None:
            processors = self._results[key] = self._result_processors(dialect, description)
        make = self.row._make
        if not processors:
            return [make(values) for values in found]
        rows = []
        for values in found:
            converted = list(values)
            for index, process in processors:
                converted[index] = process(converted[index])
            rows.append(make(converted))
        return rows

    def _run(
        self, session: Session, params: Mapping[str, Any], fetch: Callable[[Any], T]
    ) -> tuple[T, Any, Dialect]:
        """`fetch`'s answer and the columns' description, from the statement run in the unit's
        transaction; the cursor is closed and driver errors raised as SQLAlchemy's."""
        if session.autoflush:
            session.flush()  # as Session.execute: the unit's pending ORM changes are seen
        connection = session.connection()  # begins the unit's transaction, as execute would
        dialect = connection.dialect
        key = _key(dialect)
        compiled = self._compiled.get(key) or self._compile(dialect, key)
        values = _bound(compiled, params)
        sql, cursor = compiled.sql, None
        try:
            driver_connection = connection.connection.dbapi_connection
            assert driver_connection is not None
            cursor = driver_connection.cursor()
            events = connection.dispatch
            # Statement counts (tests, bench/) and tracing listen here. As in SQLAlchemy, each
            # listener may hand back a rewritten statement (retval=True), and gets a context
            # it can keep its own attributes on from before to after.
            context = _EventContext() if events.before_cursor_execute else None
            for listener in events.before_cursor_execute:
                sql, values = listener(connection, cursor, sql, values, context, False)
            cursor.execute(sql, values)
            if events.after_cursor_execute:
                events.after_cursor_execute(connection, cursor, sql, values, context, False)
            return fetch(cursor), cursor.description, dialect
        except dialect.loaded_dbapi.Error as error:
            raise _translated(connection, sql, error) from error
        finally:
            if cursor is not None:
                cursor.close()

    def _compile(self, dialect: Dialect, key: _Key) -> _Compiled:
        compiler = self.statement.compile(dialect=dialect, column_keys=self._column_keys)
        assert isinstance(compiler, SQLCompiler)
        _refuse_runtime_work(compiler)
        binds = compiler.binds
        rendered = compiler.positiontup if compiler.positional else compiler.bind_names.values()
        names = tuple(rendered or ())
        unique = dict.fromkeys(names)
        processors = []
        for name in unique:
            process = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((name, process))
        compiled = _Compiled(
            sql=compiler.string,
            names=names if compiler.positional else tuple(unique),
            positional=compiler.positional,
            defaults={
                name: binds[name].value
                for name in unique
                if not binds[name].required and binds[name].callable is None
            },
            binds=tuple(processors),
        )
        self._compiled[key] = compiled
        return compiled

    def _result_processors(
        self, dialect: Dialect, description: Any
    ) -> tuple[tuple[int, Processor], ...]:
        processors = []
        for index, column in enumerate(self._columns):
            type_code = description[index][1]  # psycopg's type OID, as SQLAlchemy passes it
            process = column.type.dialect_impl(dialect).result_processor(dialect, type_code)
            if process is not None:
                processors.append((index, process))
        return tuple(processors)


class _EventContext:
    """What cursor-event listeners get for an execution context: no compiled statement of
    SQLAlchemy's, one row set, and room for a listener's own attributes (a tracing span)."""

    compiled = None
    executemany = False


def _key(dialect: Dialect) -> _Key:
    return dialect.name, dialect.driver, str(dialect.paramstyle)


def _first_row(cursor: Any) -> list[Any]:
    row = cursor.fetchone()
    return [] if row is None else [row]


def _refuse_runtime_work(compiler: SQLCompiler) -> None:
    if compiler.insert_prefetch or compiler.update_prefetch:
        raise NotPreparable("the statement has Python-side column defaults")
    if compiler.literal_execute_params or compiler.post_compile_params:
        raise NotPreparable("the statement has parameters rendered at execution time")
    if compiler.escaped_bind_names:
        raise NotPreparable("the statement has parameter names the SQL spells differently")
    if any(bind.callable is not None for bind in compiler.binds.values()):
        raise NotPreparable("the statement has parameters computed at execution time")


def _bound(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    values = dict(compiled.defaults)
    values.update(params)
    missing = [name for name in compiled.names if name not in values]
    if missing:
        raise KeyError(f"no value for {missing}")
    for name, process in compiled.binds:
        values[name] = process(values[name])
    if compiled.positional:
        return tuple(values[name] for name in compiled.names)
    return {name: values[name] for name in compiled.names}


def _translated(connection: Connection, sql: str, error: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy would raise it (OperationalError for a locked file or
    a lost server, IntegrityError for a constraint), the connection invalidated when lost."""
    dialect = connection.dialect
    driver_connection = connection.connection.dbapi_connection
    lost = dialect.is_disconnect(error, driver_connection, None)  # type: ignore[arg-type]
    translated = DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
    )
    if lost:
        connection.invalidate(error)
    assert isinstance(translated, DBAPIError)
    return translated
