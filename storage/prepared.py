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

Only statements whose execution is just "send SQL and parameters" qualify: anything that
SQLAlchemy computes at execution time (Python-side column defaults, expanding IN lists,
literal-execute parameters) is refused when the statement is first compiled. These
statements do not fire the engine's cursor events.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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
    names: tuple[str, ...]  # parameters in the order the SQL takes them
    positional: bool  # qmark/format (SQLite) or named (psycopg's pyformat)
    defaults: Mapping[str, Any]  # parameters with a value of their own (`revision + 1`)
    binds: tuple[tuple[str, Processor], ...]  # parameters the driver can't take as they are
    results: tuple[tuple[int, Processor], ...]  # result columns SQLAlchemy would convert


class Prepared:
    """One statement, compiled once per dialect; rows come back as named tuples."""

    def __init__(self, statement: ClauseElement, *, column_keys: tuple[str, ...] = ()) -> None:
        self.statement = statement
        self._column_keys = list(column_keys) or None  # an INSERT's columns
        self._compiled: dict[str, _Compiled] = {}
        selected = getattr(statement, "selected_columns", ())
        keys = [column.key for column in selected]
        # Rows read like SQLAlchemy's: by position, by name, and unpacked.
        self.row: Any = namedtuple("Row", keys) if keys else None

    def all(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        connection, cursor = self._execute(session, params)
        try:
            return self._rows(connection.dialect, cursor.fetchall())
        finally:
            cursor.close()

    def first(self, session: Session, params: Mapping[str, Any]) -> Any | None:
        connection, cursor = self._execute(session, params)
        try:
            found = cursor.fetchone()
        finally:
            cursor.close()
        return None if found is None else self._rows(connection.dialect, [found])[0]

    def rowcount(self, session: Session, params: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE; how many rows it changed."""
        _connection, cursor = self._execute(session, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _execute(self, session: Session, params: Mapping[str, Any]) -> tuple[Connection, Any]:
        connection = session.connection()  # begins the unit's transaction, as execute would
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        values = _bound(compiled, params)
        driver_connection = connection.connection.dbapi_connection
        assert driver_connection is not None
        cursor = driver_connection.cursor()
        try:
            cursor.execute(compiled.sql, values)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise _translated(connection, compiled.sql, error) from error
        return connection, cursor

    def _rows(self, dialect: Dialect, found: list[Any]) -> list[Any]:
        assert self.row is not None, "only a SELECT returns rows"
        processors = self._compiled[dialect.name].results
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

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiler = self.statement.compile(dialect=dialect, column_keys=self._column_keys)
        assert isinstance(compiler, SQLCompiler)
        _refuse_runtime_work(compiler)
        binds = compiler.binds
        rendered = compiler.positiontup if compiler.positional else compiler.bind_names.values()
        names = tuple(dict.fromkeys(rendered or ()))
        processors = []
        for name in names:
            process = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((name, process))
        results = []
        for index, column in enumerate(getattr(self.statement, "selected_columns", ())):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((index, process))
        compiled = _Compiled(
            sql=compiler.string,
            names=names,
            positional=compiler.positional,
            defaults={
                name: binds[name].value
                for name in names
                if not binds[name].required and binds[name].callable is None
            },
            binds=tuple(processors),
            results=tuple(results),
        )
        self._compiled[dialect.name] = compiled
        return compiled


def _refuse_runtime_work(compiler: SQLCompiler) -> None:
    if compiler.insert_prefetch or compiler.update_prefetch:
        raise NotPreparable("the statement has Python-side column defaults")
    if compiler.literal_execute_params or compiler.post_compile_params:
        raise NotPreparable("the statement has parameters rendered at execution time")
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
