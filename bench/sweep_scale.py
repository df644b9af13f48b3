"""Issue 8, scale: does finding due chasers stay flat as the tracker grows?

Seeds a partnership with N action items (all but a few scheduled far ahead, as in a real
tracker where most items are between chasers) and times the sweep's due query, at 10,000 and
100,000 items, on SQLite (default) or PostgreSQL. The query is answered from the
next_chase_at indexes, so the time should barely move; tests/storage/test_sweep_scale.py
checks the plans.

    .venv/bin/python -m bench.sweep_scale                 # SQLite in a temp dir
    .venv/bin/python -m bench.sweep_scale --postgres URL  # an empty PostgreSQL database
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select
from sqlmodel import SQLModel

from storage import tables as t
from storage.actions import SqlChases
from storage.database import Database
from storage.migrate import upgrade

NOW = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)
SIZES = (10_000, 100_000)


def seed_action_items(db: Database, *, total: int, due: int) -> None:
    """`total` action items and a twentieth as many returns (one per review), `due` of each
    due now and the rest scheduled over the coming weeks. Core inserts, so 100,000 is quick."""
    with db.session() as session, session.begin():
        partnership = t.Partnership(tenant_id="tenant-scale", name="Scale")
        session.add(partnership)
        session.flush()
        agency = t.Agency(partnership_id=partnership.id, name="Police", sector="police")
        owner = t.Member(partnership_id=partnership.id, display_name="Owner K")
        session.add_all([agency, owner])
        session.flush()
        connection = session.connection()
        reviews = max(1, total // 20)
        _insert(
            connection,
            t.Review,
            [_review(partnership.id, owner.id, n) for n in range(1, reviews + 1)],
        )
        review_ids = list(
            connection.execute(select(t.core(t.Review).c.id).order_by("id")).scalars()
        )
        _insert(
            connection,
            t.PreAnalysisReturn,
            [_return(rid, agency.id, n, due) for n, rid in enumerate(review_ids, 1)],
        )
        _insert(
            connection,
            t.ActionItem,
            [_item(review_ids[0], owner.id, agency.id, n, due) for n in range(1, total + 1)],
        )


def _next_chase(n: int, due: int) -> datetime:
    # Spread over the coming weeks, as schedules are; the first `due` are due now.
    return NOW - timedelta(minutes=5) if n <= due else NOW + timedelta(minutes=10 + n % 40_000)


def _review(partnership_id: object, chair: object, n: int) -> dict[str, object]:
    return {
        "partnership_id": partnership_id,
        "reference": f"LOS-2027-{n:05d}",
        "year": 2027,
        "sequence": n,
        "pseudonym": f"Child K{n}",
        "reason": "scale",
        "opened_on": date(2027, 1, 4),
        "stage": "actions_open",
        "chair_member_id": chair,
        "legal_hold": False,
        "question_bank_version": "1",
        "created_at": NOW,
        "updated_at": NOW,
    }


def _return(review_id: object, agency_id: object, n: int, due: int) -> dict[str, object]:
    return {
        "review_id": review_id,
        "agency_id": agency_id,
        "status": "in_progress",
        "question_bank_version": "1",
        "current_section": 0,
        "revision": 0,
        "next_chase_at": _next_chase(n, due),
        "chase_count": 0,
        "overdue_chase_count": 0,
        "due_on": date(2027, 4, 30),
        "created_at": NOW,
        "updated_at": NOW,
    }


def _item(review_id: object, owner: object, agency: object, n: int, due: int) -> dict[str, object]:
    return {
        "review_id": review_id,
        "number": n,
        "reference": f"LOS-2027-00001/A{n}",
        "description": "Scale item",
        "owner_member_id": owner,
        "agency_id": agency,
        "due_on": date(2027, 6, 30),
        "next_chase_at": _next_chase(n, due),
        "status": "open",
        "chase_count": 0,
        "overdue_chase_count": 0,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _insert(connection: Connection, model: type[SQLModel], rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), 5_000):
        connection.execute(insert(t.core(model)), rows[start : start + 5_000])


def time_due_query(db: Database, repeats: int = 30) -> float:
    """Median milliseconds for the sweep's due query (one claim batch)."""
    samples = []
    for _ in range(repeats):
        with db.session() as session, session.begin():
            started = time.perf_counter()
            SqlChases(session).due(NOW, 100)
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'scale.db'}"
        upgrade(url)
        db = Database(url)
        try:
            results = {}
            for size in SIZES:
                with db.session() as session, session.begin():
                    session.execute(delete(t.core(t.ActionItem)))
                    session.execute(delete(t.core(t.PreAnalysisReturn)))
                    session.execute(delete(t.core(t.Review)))
                    session.execute(delete(t.core(t.Agency)))
                    session.execute(delete(t.core(t.Member)))
                    session.execute(delete(t.core(t.Partnership)))
                seed_action_items(db, total=size, due=50)
                with db.engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
                results[size] = time_due_query(db)
                print(f"{size:>7} action items: due query {results[size]:.2f} ms (median)")
            ratio = results[SIZES[-1]] / results[SIZES[0]]
            print(f"100,000 vs 10,000: {ratio:.2f}x (flat is about 1x; a table scan would be 10x)")
        finally:
            db.close()


if __name__ == "__main__":
    main()
