"""Chase leases on both databases (issue 16): the holder renews them, checks them before it
sends and settles, and gives them back; another instance's later claim wins over a holder
whose lease ran out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from domain import chase_engine as ce
from storage import tables as t
from storage.actions import SqlChases
from storage.database import Database
from storage.migrate import upgrade
from tests.storage.test_chase_claims import NOW, seed

LATER = NOW + ce.LEASE + timedelta(seconds=1)


def next_chase(db: Database, item_id: int) -> object:
    with db.session() as session:
        return session.get_one(t.ActionItem, item_id).next_chase_at


def log(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        return [
            (row.attempt, row.outcome)
            for row in session.query(t.ChaserLog).order_by(t.ChaserLog.id)
        ]


def test_the_holder_renews_begins_and_settles_its_claim(migrated: Database) -> None:
    seed(migrated, 1)
    [claimed] = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    item = claimed.row.record_id
    beat = NOW + ce.HEARTBEAT
    assert migrated.transaction(lambda uow: ce.renew(uow.chases, [claimed], beat)) == []
    assert next_chase(migrated, item) == beat + ce.LEASE
    assert migrated.transaction(lambda uow: ce.begin(uow.chases, claimed, beat))
    assert log(migrated) == [(1, ce.ATTEMPTED)]
    settled = migrated.transaction(
        lambda uow: ce.settle(uow.chases, claimed, ce.Attempt(True), beat)
    )
    assert settled == ce.SENT
    assert log(migrated) == [(1, ce.SENT)]


def test_a_holder_whose_lease_ran_out_loses_to_the_next_claim(migrated: Database) -> None:
    seed(migrated, 1)
    [stale] = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    # The holder stalls past its lease; another instance claims the record again.
    [fresh] = migrated.transaction(lambda uow: ce.claim(uow.chases, LATER, 10))
    assert (fresh.attempt, fresh.possibly_repeated) == (2, False)
    assert log(migrated) == [(1, ce.EXPIRED), (2, ce.CLAIMED)]
    assert not migrated.transaction(lambda uow: ce.begin(uow.chases, stale, LATER))
    assert migrated.transaction(lambda uow: ce.renew(uow.chases, [stale], LATER)) == [stale.key]
    assert migrated.transaction(lambda uow: ce.release(uow.chases, stale, LATER)) is None
    assert next_chase(migrated, fresh.row.record_id) == LATER + ce.LEASE, "still the new lease"


def test_a_late_answer_is_logged_but_the_new_holder_keeps_the_record(migrated: Database) -> None:
    seed(migrated, 1)
    [stale] = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    assert migrated.transaction(lambda uow: ce.begin(uow.chases, stale, NOW))
    [fresh] = migrated.transaction(lambda uow: ce.claim(uow.chases, LATER, 10))
    assert fresh.possibly_repeated, "the first attempt may have arrived"
    outcome = migrated.transaction(
        lambda uow: ce.settle(uow.chases, stale, ce.Attempt(True), LATER)
    )
    assert outcome == "lost"
    assert log(migrated) == [(1, ce.SENT), (2, ce.CLAIMED)], "the history says what happened"
    with migrated.session() as session:
        assert session.get_one(t.ActionItem, fresh.row.record_id).chase_count == 0


def test_release_gives_back_unsent_claims_due_at_once(migrated: Database) -> None:
    seed(migrated, 2)
    first, second = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    assert migrated.transaction(lambda uow: ce.begin(uow.chases, second, NOW))
    at = NOW + timedelta(seconds=5)
    assert migrated.transaction(lambda uow: ce.release(uow.chases, first, at)) == ce.RELEASED
    assert migrated.transaction(lambda uow: ce.release(uow.chases, second, at)) == ce.UNKNOWN
    assert next_chase(migrated, first.row.record_id) == at
    again = migrated.transaction(lambda uow: ce.claim(uow.chases, at, 10))
    assert sorted((c.attempt, c.possibly_repeated) for c in again) == [(2, False), (2, True)]


def counts(db: Database, item_id: int) -> tuple[int, int, int]:
    with db.session() as session:
        item = session.get_one(t.ActionItem, item_id)
        return item.chase_count, item.overdue_chase_count, item.unanswered_chase_count


def test_an_answer_while_the_chaser_is_sent_stands(migrated: Database) -> None:
    """Review item 4: settle wrote the claim's counts + 1 over an answer that came in while the
    chaser was being sent, and the claim's plan over the answer's."""
    seed(migrated, 1)
    with migrated.session() as session, session.begin():
        session.execute(
            update(t.ActionItem).values(
                chase_count=4, overdue_chase_count=4, unanswered_chase_count=4
            )
        )
    [claimed] = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    item = claimed.row.record_id
    assert migrated.transaction(lambda uow: ce.begin(uow.chases, claimed, NOW))
    answer_at = NOW + timedelta(seconds=5)
    planned = migrated.transaction(
        lambda uow: ce.reschedule(uow.chases, ce.ACTION, item, answer_at, answered=True)
    )
    assert planned is not None
    beat = NOW + ce.HEARTBEAT  # the holder's heartbeat writes its lease over the answer's plan
    assert migrated.transaction(lambda uow: ce.renew(uow.chases, [claimed], beat)) == []
    settled = migrated.transaction(
        lambda uow: ce.settle(uow.chases, claimed, ce.Attempt(True), beat)
    )
    assert settled == ce.SENT
    assert counts(migrated, item) == (5, 0, 0), "the answer answers the chaser it crossed"
    assert next_chase(migrated, item) == planned, "as the answer planned it"


def test_a_late_sender_leaves_an_interrupted_send_interrupted(migrated: Database) -> None:
    """Review item 5: a sender stalled past STALE_AFTER wrote its outcome over `interrupted`,
    after the chair had been told the send may not have arrived."""
    seed(migrated, 1)
    [claimed] = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    assert migrated.transaction(lambda uow: ce.begin(uow.chases, claimed, NOW))
    copy = ce.Copy(ce.copy_key(claimed, "agency_lead", 3), "agency_lead", 3)
    due = migrated.transaction(
        lambda uow: ce.claim_copies(uow.chases, claimed, [copy], ce.ATTEMPTED)
    )
    assert due == [copy]
    # Judged on the log's own clock, as the sweep does.
    later = datetime.now(UTC) + ce.STALE_AFTER + timedelta(minutes=1)
    found = migrated.transaction(lambda uow: ce.settle_interrupted(uow.chases, later))
    assert {send.key for send in found.sends} == {claimed.key, copy.key}
    # The stalled sender comes back and writes what it saw.
    migrated.transaction(lambda uow: ce.settle_copies(uow.chases, claimed, [(copy, ce.SENT)]))
    outcome = migrated.transaction(
        lambda uow: ce.settle(uow.chases, claimed, ce.Attempt(True), NOW)
    )
    assert outcome == "lost"
    with migrated.session() as session:
        rows = {
            row.idempotency_key: row.outcome
            for row in session.query(t.ChaserLog)
            if row.recipient != ce.COPY_UNDELIVERED
        }
    assert rows == {claimed.key: ce.INTERRUPTED, copy.key: ce.INTERRUPTED}


def test_settling_interrupted_leaves_a_send_its_sender_settled_first(migrated: Database) -> None:
    seed(migrated, 1)
    [claimed] = migrated.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
    assert migrated.transaction(lambda uow: ce.begin(uow.chases, claimed, NOW))
    migrated.transaction(lambda uow: ce.settle(uow.chases, claimed, ce.Attempt(True), NOW))
    migrated.transaction(
        lambda uow: uow.chases.mark(claimed.key, 1, ce.INTERRUPTED, was=ce.ATTEMPTED)
    )
    assert log(migrated) == [(1, ce.SENT)]


def test_a_late_sender_waiting_on_the_settling_leaves_it_interrupted(postgres_url: str) -> None:
    """On PostgreSQL the late sender's write waits for the settling's row lock, then re-checks
    the row as the settling committed it: still not over `interrupted`."""
    upgrade(postgres_url)
    db = Database(postgres_url)
    try:
        seed(db, 1)
        [claimed] = db.transaction(lambda uow: ce.claim(uow.chases, NOW, 10))
        assert db.transaction(lambda uow: ce.begin(uow.chases, claimed, NOW))
        later = datetime.now(UTC) + ce.STALE_AFTER + timedelta(minutes=1)
        settled, release = threading.Event(), threading.Event()

        def settle_interrupted() -> None:
            with Session(db.engine) as session, session.begin():
                ce.settle_interrupted(SqlChases(session), later)
                settled.set()
                release.wait(10)  # hold the row while the late sender writes

        def late_sender() -> None:
            with Session(db.engine) as session, session.begin():
                kind = claimed.chase.kind.value
                SqlChases(session).log(claimed.row, claimed.key, 1, kind, "owner", ce.SENT)

        settling = threading.Thread(target=settle_interrupted)
        settling.start()
        assert settled.wait(20)
        sender = threading.Thread(target=late_sender)
        sender.start()
        sender.join(1)
        assert sender.is_alive(), "the sender waits for the settling's row lock"
        release.set()
        settling.join(20)
        sender.join(20)
        assert log(db) == [(1, ce.INTERRUPTED)]
    finally:
        db.close()
