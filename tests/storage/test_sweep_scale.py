"""Issue 8, scale: the chaser sweep's due query is answered from the next_chase_at indexes, on
both databases, for the very statements the sweep sends (captured, then EXPLAINed), over a
table of 20,000 action items of which a handful are due. `python -m bench.sweep_scale` times
it at 10,000 and 100,000 items."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event

from bench.sweep_scale import NOW, seed_action_items
from storage.actions import SqlChases
from storage.database import Database


@pytest.fixture
def sweep_statements(migrated: Database) -> tuple[Engine, list[tuple[str, Any]]]:
    seed_action_items(migrated, total=20_000, due=25)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    with migrated.session() as session, session.begin():
        session.connection().exec_driver_sql("ANALYZE")
    event.listen(migrated.engine, "before_cursor_execute", capture)
    try:
        with migrated.session() as session, session.begin():
            due = SqlChases(session).due(NOW, 100)
    finally:
        event.remove(migrated.engine, "before_cursor_execute", capture)
    assert len(due) == 50  # the query works: exactly the due ones (items and returns)
    return migrated.engine, [(s, p) for s, p in captured if "next_chase_at <=" in s]


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(explain + statement, parameters)
        return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


def test_the_due_queries_use_the_next_chase_at_indexes(
    sweep_statements: tuple[Engine, list[tuple[str, Any]]],
) -> None:
    engine, statements = sweep_statements
    tables = {"action_item", "pre_analysis_return"}
    assert {t for t in tables for s, _ in statements if f"FROM {t}" in s} == tables
    for statement, parameters in statements:
        plan = _plan(engine, statement, parameters)
        table = next(t for t in tables if f"FROM {t}" in statement)
        assert f"ix_{table}_next_chase_at" in plan, plan
        assert "Seq Scan" not in plan, plan  # PostgreSQL reading the whole table
        whole_table = [line for line in plan.splitlines() if f"SCAN {table}" in line]
        assert all("USING" in line for line in whole_table), plan  # SQLite's equivalent
