"""Migration 0016: the chaser log is read by the record it is about (the tracker's escalations
and resends, retention's rows under a review), so (subject_type, subject_id) has an index. On
both databases the migration adds it and a downgrade takes it away; on PostgreSQL, with a log
long enough for the planner to care, the tracker's and retention's own reads use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import event, insert, inspect, text
from sqlmodel import Session

from domain.summaries import Filter
from storage import tables as t
from storage.database import Database
from storage.migrate import alembic_config, upgrade
from tests.support.partnership import TENANT, _seed

INDEX = "ix_chaser_log_subject_type_subject_id"
ROWS = 20_000


def _indexes(url: str) -> set[str]:
    engine = Database(url).engine
    try:
        return {str(i["name"]) for i in inspect(engine).get_indexes("chaser_log")}
    finally:
        engine.dispose()


def test_the_migration_adds_the_index_and_a_downgrade_takes_it_away(database_url: str) -> None:
    upgrade(database_url)
    assert INDEX in _indexes(database_url)
    command.downgrade(alembic_config(database_url), "0015")
    assert INDEX not in _indexes(database_url)
    upgrade(database_url)
    assert INDEX in _indexes(database_url)


def _long_log(session: Session, partnership_id: int) -> None:
    """Many settled sends about other records, as a partnership's log becomes over years."""
    now = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    rows = [
        {
            "partnership_id": partnership_id,
            "subject_type": "action_item" if n % 2 else "pre_analysis_return",
            "subject_id": 1_000 + n % 5_000,
            "chaser_number": 1,
            "idempotency_key": f"old-{n}",
            "kind": "chaser",
            "recipient": "owner",
            "attempted_at": now - timedelta(minutes=n),
            "outcome": "sent",
        }
        for n in range(ROWS)
    ]
    session.execute(insert(t.ChaserLog), rows)


def test_the_tracker_and_retention_read_the_log_through_the_index(postgres_url: str) -> None:
    upgrade(postgres_url)
    db = Database(postgres_url)
    try:
        with Session(db.engine) as session:
            seeded = _seed(session, TENANT)
            _long_log(session, seeded.partnership_id)
            session.commit()
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE chaser_log"))
            connection.commit()
        captured: list[tuple[str, Any]] = []

        def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "FROM chaser_log" in statement and statement.lstrip().startswith("SELECT"):
                captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", note)
        review = seeded.reviews["LOS-2026-001"]
        db.transaction(lambda uow: uow.summaries.tracker(Filter(seeded.partnership_id)))
        db.transaction(lambda uow: uow.retention.rows_under_review(review))
        event.remove(db.engine, "before_cursor_execute", note)
        assert len(captured) == 2, "the tracker's read and retention's"
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in captured:
                cursor.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(str(row[0]) for row in cursor.fetchall())
                assert INDEX in plan, plan
                assert "Seq Scan on chaser_log" not in plan, plan
        finally:
            raw.close()
    finally:
        db.close()
