"""Chase leases on both databases (issue 16): the holder renews them, checks them before it
sends and settles, and gives them back; another instance's later claim wins over a holder
whose lease ran out."""

from __future__ import annotations

from datetime import timedelta

from domain import chase_engine as ce
from storage import tables as t
from storage.database import Database
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
