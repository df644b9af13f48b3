"""Issue 16: PostgreSQL's own error text quotes what was typed (a duplicate key's DETAIL, the
value an input failed to parse as) even with SQLAlchemy's hide_parameters; logged errors carry
none of it."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine, create_engine, text

from bot.logs import JsonFormatter, RedactSecrets

TYPED = "Child K Agency\nof Northtown"  # as typed on a card, newline and all


def duplicate_key(connection: Connection) -> None:
    connection.exec_driver_sql("CREATE TEMP TABLE agency (name text UNIQUE)")
    for _ in range(2):
        connection.execute(text("INSERT INTO agency VALUES (:name)"), {"name": TYPED})


def failed_check(connection: Connection) -> None:
    connection.exec_driver_sql("CREATE TEMP TABLE agency (name text CHECK (length(name) < 3))")
    connection.execute(text("INSERT INTO agency VALUES (:name)"), {"name": TYPED})


def unparsable(connection: Connection) -> None:
    connection.execute(text("SELECT CAST(:value AS integer)"), {"value": TYPED})


@pytest.fixture
def engine(postgres_url: str) -> Engine:
    return create_engine(postgres_url, hide_parameters=True)


@pytest.mark.parametrize("failure", [duplicate_key, failed_check, unparsable])
def test_database_errors_are_logged_without_the_values(
    engine: Engine, failure: Callable[[Connection], None]
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets([]))
    log = logging.getLogger("test.error_privacy")
    log.addHandler(handler)
    # The driver's own message quotes the value.
    with pytest.raises(Exception, match="Child K") as raised, engine.connect() as connection:
        failure(connection)
    try:
        log.error("turn failed", exc_info=raised.value)
    finally:
        log.removeHandler(handler)
        engine.dispose()
    logged = stream.getvalue()
    assert "turn failed" in logged
    assert "Child K" not in logged
    assert "Northtown" not in logged
