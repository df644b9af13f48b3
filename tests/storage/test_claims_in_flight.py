"""A duplicate click never waits inside the database for the first click's transaction
(storage/claims.py). On PostgreSQL an INSERT … ON CONFLICT DO NOTHING meeting a conflicting row
another transaction has inserted and not committed waits for that transaction: the duplicate of
a return's save (whose claim commits with the save) held a database thread up to lock_timeout.
Now the claim tries the key's advisory lock first and answers at once as in flight; once the
first has committed, the claim reads the kept reply; had it rolled back, the claim is taken.
SQLite's single writer has no such wait (skipped there: no row locks).

The first click's transaction stays open until the test lets it go, after the duplicate has
been answered: a duplicate that waited inside the database would wait for that (it can't end
before) until its lock timeout, and fail. It stayed open a fixed second before, which a loaded
machine could outlast before the duplicate had looked (then reading it committed, not in
flight)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.idempotency import ClaimState
from storage import tables as t
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_agency_names import _partnership as _a_partnership

KEY = "click:" + "ab" * 32
HOLD_LIMIT = 10.0  # the first click's transaction is let go by the test, or after this


def _require_row_locks(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")


def _partnership(database: Database) -> int:
    return database.transaction(_a_partnership)


def _first(
    database: Database,
    partnership: int,
    claimed: threading.Event,
    release: threading.Event,
    *,
    commit: bool,
) -> threading.Thread:
    """The first click: claims, keeps its reply, and stays in its transaction (a one-unit
    save) until `release` is set, then commits or fails."""

    def work(uow: SqlUnitOfWork) -> None:
        assert uow.claims.claim(partnership, 1, KEY, "return_next", datetime.now(UTC)).fresh
        uow.claims.complete(partnership, KEY, {"text": "Section 2 of 7", "conversation": "c"})
        claimed.set()
        assert release.wait(HOLD_LIMIT), "the test never let the first click go"
        if not commit:
            raise RuntimeError("the save failed")

    def run() -> None:
        with contextlib.suppress(RuntimeError):
            database.transaction(work)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _timed(database: Database, work: Callable[[SqlUnitOfWork], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    found = database.transaction(work)
    return found, time.monotonic() - started


def test_a_duplicate_of_an_uncommitted_claim_is_answered_at_once_then_reads_the_reply(
    migrated: Database,
) -> None:
    _require_row_locks(migrated)
    partnership = _partnership(migrated)
    claimed, release = threading.Event(), threading.Event()
    first = _first(migrated, partnership, claimed, release, commit=True)
    assert claimed.wait(10)

    duplicate, waited = _timed(
        migrated,
        lambda uow: uow.claims.claim(partnership, 1, KEY, "return_next", datetime.now(UTC)),
    )
    looked, looked_in = _timed(migrated, lambda uow: uow.claims.find(partnership, KEY))
    print(
        f"duplicate's claim answered in {waited * 1000:.1f} ms, its look in "
        f"{looked_in * 1000:.1f} ms (the first holding its transaction until then)"
    )
    assert first.is_alive(), "both answered while the first still held its transaction"
    release.set()
    # A wait on the first's lock could only have ended in the lock timeout's error.
    assert waited < migrated.timeouts.lock, waited
    assert looked_in < migrated.timeouts.lock, looked_in
    assert not duplicate.fresh
    assert duplicate.in_flight
    assert duplicate.state is ClaimState.PENDING
    assert looked is not None
    assert looked.in_flight

    first.join(10)
    again = migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, KEY, "return_next", datetime.now(UTC))
    )
    assert not again.fresh
    assert not again.in_flight
    assert again.state is ClaimState.DONE
    assert again.reply is not None
    assert again.reply["text"] == "Section 2 of 7"
    rows = migrated.transaction(lambda uow: uow.session.query(t.IdempotencyRecord).count())
    assert rows == 1


def test_a_duplicate_of_a_claim_rolled_back_takes_it(migrated: Database) -> None:
    _require_row_locks(migrated)
    partnership = _partnership(migrated)
    claimed, release = threading.Event(), threading.Event()
    first = _first(migrated, partnership, claimed, release, commit=False)
    assert claimed.wait(10)
    during = migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, KEY, "return_next", datetime.now(UTC))
    )
    release.set()
    assert during.in_flight
    first.join(10)
    assert migrated.transaction(lambda uow: uow.claims.find(partnership, KEY)) is None
    after = migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, KEY, "return_next", datetime.now(UTC))
    )
    assert after.fresh


def test_a_claim_completed_and_released_in_turn_on_both_databases(migrated: Database) -> None:
    """The ordinary path, one transaction at a time: claim, a duplicate reads it pending,
    complete, the duplicate reads the reply; a released claim is taken afresh."""
    partnership = _partnership(migrated)

    def claim(uow: SqlUnitOfWork) -> Any:
        return uow.claims.claim(partnership, 1, KEY, "entry_save", datetime.now(UTC))

    assert migrated.transaction(claim).fresh
    pending = migrated.transaction(claim)
    assert (pending.fresh, pending.in_flight, pending.state) == (False, False, ClaimState.PENDING)
    migrated.transaction(lambda uow: uow.claims.complete(partnership, KEY, {"text": "Saved"}))
    done = migrated.transaction(claim)
    assert done.state is ClaimState.DONE
    assert done.reply == {"text": "Saved"}
    other = "click:" + "cd" * 32
    assert migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, other, "entry_save", datetime.now(UTC))
    ).fresh
    migrated.transaction(lambda uow: uow.claims.release(partnership, other))
    assert migrated.transaction(lambda uow: uow.claims.find(partnership, other)) is None
    assert migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, other, "entry_save", datetime.now(UTC))
    ).fresh
