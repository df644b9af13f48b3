"""Two sweeps at once (two bot instances) never claim the same chaser: FOR UPDATE SKIP LOCKED on
PostgreSQL. Also: the due-record query uses the next_chase_at index."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from bench.two_instances import MOMENT, seed_due_actions
from domain import chase_engine, lifecycle
from domain.model import Actor, Role
from storage import tables as t
from storage.actions import SqlChases
from storage.database import Database
from storage.migrate import upgrade
from storage.repositories import SqlUnitOfWork

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


# --- the heartbeat (or release) and a cancel, at once ------------------------------------------

PAUSE = 0.15  # after each row lock and write: long enough for the two transactions to interleave


class _Slow(SqlChases):
    """The chase repository, taking a moment after each row it locks or writes."""

    def lock(self, subject_type: str, record_id: int) -> None:
        super().lock(subject_type, record_id)
        time.sleep(PAUSE)

    def set_state(self, subject_type: str, record_id: int, fields: Mapping[str, Any]) -> None:
        super().set_state(subject_type, record_id, fields)
        time.sleep(PAUSE)


def _held_in_claim_order(db: Database, count: int) -> list[chase_engine.Claimed]:
    """`count` items claimed and begun, claimed in the reverse of lock order (the later the id,
    the earlier its chaser): the order the holder would lock them in if it kept claim order."""
    seed(db, count)
    with db.session() as session, session.begin():
        items = session.scalars(select(t.ActionItem).order_by(col(t.ActionItem.id))).all()
        for n, item in enumerate(items):
            item.next_chase_at = NOW - timedelta(minutes=n + 1)
        chair = _chair_of(session, items[0].review_id)
        session.add(t.MemberRole(member_id=chair, role=Role.CHAIR.value))
    held = db.transaction(lambda uow: chase_engine.claim(uow.chases, NOW, 100))
    assert [c.row.record_id for c in held] == sorted(
        (c.row.record_id for c in held), reverse=True
    ), "claim order is the reverse of lock order"
    for claimed in held:
        assert db.transaction(lambda uow, c=claimed: chase_engine.begin(uow.chases, c, NOW))
    return held


def _chair_of(session: Session, review_id: int) -> int:
    chair = session.get_one(t.Review, review_id).chair_member_id
    assert chair is not None
    return chair


def _cancel(db: Database, ready: threading.Barrier) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        uow.chases = _Slow(uow.session)
        [review_id] = {row.review_id for row in uow.session.scalars(select(t.ActionItem))}
        member = uow.members.get(_chair_of(uow.session, review_id))
        actor = Actor("tenant-a", "11111111-1111-4111-8111-111111111111", "29:owner", "Owner")
        ready.wait(10)
        time.sleep(PAUSE)  # the holder has its first lock by now
        lifecycle.cancel(uow, actor, member, {"review_id": review_id, "reason": "Moved away"})

    db.transaction(work)


def _beat(
    db: Database, held: list[chase_engine.Claimed], give_back: bool, ready: threading.Barrier
) -> None:
    later = NOW + timedelta(seconds=10)
    with Session(db.engine) as session, session.begin():
        ready.wait(10)
        chases = _Slow(session)
        if give_back:
            chase_engine.release_all(chases, held, later)
        else:
            assert chase_engine.renew(chases, held, later) == []


@pytest.mark.parametrize("give_back", [False, True], ids=["heartbeat", "release"])
def test_a_heartbeat_or_release_and_a_cancel_at_once_neither_deadlocks(
    postgres_url: str, give_back: bool
) -> None:
    """Two transactions on PostgreSQL that each lock several of one review's items: the
    holder's heartbeat (or its release on shutdown) and the chair's cancel. Each takes them in
    `chase_engine.in_lock_order`, so one waits for the other; in two orders they could each
    wait on the other and PostgreSQL would kill one as a deadlock. Whichever commits first,
    the cancelled review's items end unscheduled."""
    upgrade(postgres_url)
    db = Database(postgres_url)
    try:
        held = _held_in_claim_order(db, 5)
        ready = threading.Barrier(2)
        failures: list[BaseException] = []

        def run(work: Callable[[], None]) -> None:
            try:
                work()
            except BaseException as error:  # a deadlock, reported by the test below
                failures.append(error)

        threads = [
            threading.Thread(target=run, args=(lambda: _beat(db, held, give_back, ready),)),
            threading.Thread(target=run, args=(lambda: _cancel(db, ready),)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == [], failures
        with db.session() as session:
            assert session.scalars(select(col(t.Review.stage))).all() == ["cancelled"]
            planned = session.scalars(select(col(t.ActionItem.next_chase_at))).all()
        assert planned == [None] * 5, "a cancelled review's items are chased no more"
    finally:
        db.close()
