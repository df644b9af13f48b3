"""Two sweeps at once (two bot instances) never claim the same chaser: FOR UPDATE SKIP LOCKED on
PostgreSQL. Also: the due-record query uses the next_chase_at index."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.two_instances import MOMENT, seed_due_actions
from domain import chase_engine
from storage import tables as t
from storage.actions import SqlChases
from storage.database import Database
from storage.migrate import upgrade

NOW = MOMENT


def seed(db: Database, count: int) -> None:
    """`count` due action items, all one owner's."""
    owner = t.Member(display_name="Owner", aad_object_id="11111111-1111-4111-8111-111111111111")
    with db.session() as session, session.begin():
        seed_due_actions(session, "tenant-a", [owner], count)


def claim_in(
    db: Database, results: list[list[str]], hold: threading.Event, started: threading.Event
) -> None:
    with Session(db.engine) as session, session.begin():
        claimed = chase_engine.claim(SqlChases(session), NOW, 1000)
        results.append([c.key for c in claimed])
        started.set()
        hold.wait(10)  # keep the row locks while the other sweep runs


def test_two_concurrent_sweeps_never_claim_the_same_record(postgres_url: str) -> None:
    upgrade(postgres_url)
    db = Database(postgres_url)
    try:
        seed(db, 40)
        first: list[list[str]] = []
        second: list[list[str]] = []
        hold, started = threading.Event(), threading.Event()
        holder = threading.Thread(target=claim_in, args=(db, first, hold, started))
        holder.start()
        assert started.wait(20)
        other_started = threading.Event()
        claim_in(db, second, threading.Event(), other_started)  # runs while the first holds
        hold.set()
        holder.join(20)
        assert len(first[0]) == 40
        assert second[0] == [], "the locked rows are skipped, not claimed twice"
    finally:
        db.close()


def test_the_due_query_is_served_by_the_next_chase_at_index(postgres_url: str) -> None:
    upgrade(postgres_url)
    db = Database(postgres_url)
    try:
        seed(db, 5)
        with db.engine.connect() as connection:
            connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                row[0]
                for row in connection.execute(
                    text(
                        "EXPLAIN SELECT * FROM action_item WHERE next_chase_at <= now() "
                        "ORDER BY next_chase_at LIMIT 100"
                    )
                )
            )
        assert "ix_action_item_next_chase_at" in plan
    finally:
        db.close()
