"""Writes that stay correct when requests race, on SQLite and PostgreSQL alike.

SQLite has one writer at a time, so a check followed by a write can't be overtaken there. On
PostgreSQL (read committed) two transactions can both read "submitted: no" and both submit, both
read max(sequence) = 3 and both insert 4. So each racing write is made one statement whose
outcome says who won:

- `transition`: a conditional UPDATE (`… WHERE id = :id AND status IN (:expected)`). A racer
  blocked on the winner's row re-checks the condition once the winner commits, finds the status
  moved and changes nothing; its rowcount of 0 tells it so.
- `insert_new`: INSERT … ON CONFLICT DO NOTHING. A racer inserting the same key waits for the
  winner, then inserts nothing, and reads the winner's row afterwards (a new statement sees it).
- `lock`: SELECT … FOR UPDATE (FOR NO KEY UPDATE when the holder keeps the row's key) of one
  row, for a check whose state isn't a single column (a pending date request, an impact record
  per item): racers queue on the row, and each reads what the one before committed. SQLite
  leaves FOR UPDATE out; its single writer queues them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from storage.tables import core, utcnow


def transition(
    session: Session,
    table: Table,
    row_id: int,
    column: str,
    expected: Collection[str],
    values: Mapping[str, Any],
) -> bool:
    """Write `values` to the row only while `column` still holds one of `expected`; whether it
    did. `updated_at` is stamped when the table has one, and `revision` bumped likewise."""
    changes = dict(values)
    if "updated_at" in table.c:
        changes.setdefault("updated_at", utcnow())
    if "revision" in table.c:
        changes["revision"] = table.c.revision + 1
    statement = (
        update(table)
        .where(table.c.id == row_id, table.c[column].in_(list(expected)))
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    session.flush()  # pending ORM changes first: expiring below must not drop them
    won = rowcount(session.execute(statement)) == 1
    if won:
        session.expire_all()  # ORM copies of the row read earlier in this unit are stale now
    return won


def insert_new(session: Session, row: SQLModel) -> bool:
    """Insert the model's row unless a unique key it carries is taken (by a racer too); whether
    it did. The row object itself isn't added to the session: read the row back by its key."""
    table = core(type(row))
    values = {
        column.key: getattr(row, column.key)
        for column in table.columns
        if not (column.primary_key and getattr(row, column.key) is None)
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.flush()
    # RETURNING, not the rowcount: psycopg reports -1 for a row inserted this way.
    key = next(iter(table.primary_key.columns))
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or INSERT changed (DML results are cursor results)."""
    return int(cast(CursorResult[Any], result).rowcount)


def lock(session: Session, table: Table, row_id: int, *, key_share: bool = False) -> None:
    """Hold the row until this transaction ends (PostgreSQL); reads after it see what racers
    ahead of it committed, ORM rows included. `key_share`: FOR NO KEY UPDATE, for a holder that
    won't change the row's key or delete it, so rows naming it (FOR KEY SHARE) don't wait."""
    session.flush()
    statement = select(table.c.id).where(table.c.id == row_id)
    session.execute(statement.with_for_update(key_share=key_share))
    session.expire_all()
