"""Two sweeps at once (two bot instances) never claim the same chaser: FOR UPDATE SKIP LOCKED on
PostgreSQL. Also: the due-record query uses the next_chase_at index."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from domain import chase_engine
from storage import tables as t
from storage.actions import SqlChases
from storage.database import Database
from storage.migrate import upgrade

NOW = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)


def seed(db: Database, count: int) -> None:
    with db.session() as session, session.begin():
        partnership = t.Partnership(tenant_id="tenant-a", name="A")
        session.add(partnership)
        session.flush()
        agency = t.Agency(partnership_id=partnership.id, name="Police", sector="police")
        owner = t.Member(
            partnership_id=partnership.id,
            display_name="Owner",
            aad_object_id="11111111-1111-4111-8111-111111111111",
        )
        session.add_all([agency, owner])
        session.flush()
        review = t.Review(
            partnership_id=partnership.id,
            reference="LOS-2027-001",
            year=2027,
            sequence=1,
            pseudonym="Child K",
            reason="r",
            opened_on=date(2027, 1, 4),
            stage="actions_open",
            chair_member_id=owner.id,
        )
        session.add(review)
        session.flush()
        session.add_all(
            t.ActionItem(
                review_id=review.id,
                number=n,
                reference=f"LOS-2027-001/A{n}",
                description="d",
                owner_member_id=owner.id,
                agency_id=agency.id,
                due_on=date(2027, 3, 31),
                next_chase_at=NOW - timedelta(minutes=5),
            )
            for n in range(1, count + 1)
        )


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
