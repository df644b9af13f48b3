"""The claim's one advisory lock (storage/claims.py `claim_lock_key`), computed in SQL, is the
digest the claim has always used; retention's counts are only the rows it changed; and a click
that finds the key held learns whose claim holds it (its member mark), so another member is
refused as for someone else's card, not told "your first click". Retention takes no claim lock
(a lock a row held to its commit would fill PostgreSQL's shared lock table on a busy day; the
module's docstring says why). Skipped on SQLite (one writer, no row locks) where it says so;
the ordinary runs are checked on both."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from domain.idempotency import ClaimState
from domain.retention import claim_cutoff, reply_cutoff
from storage import tables as t
from storage.claims import claim_lock_key
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_claims_in_flight import _partnership, _require_row_locks
from tests.storage.test_conflicts import WAITING_FOR_A_LOCK

OLD = "click:" + "0d" * 32  # a day-old card's click, its reply kept
ANCIENT = "click:" + "a0" * 32  # a claim past its 30 days
HOLD_LIMIT = 10.0  # the other transaction is let go by the test, or after this


def _old_claims(database: Database, partnership: int) -> None:
    now = datetime.now(UTC)

    def work(uow: SqlUnitOfWork) -> None:
        for key, age in ((OLD, timedelta(days=2)), (ANCIENT, timedelta(days=40))):
            assert uow.claims.claim(partnership, 1, key, "entry_save", now - age).fresh
            uow.claims.complete(partnership, key, {"text": "Saved", "conversation": "c"})

    database.transaction(work)


def _holding(
    database: Database, work: Callable[[SqlUnitOfWork], Any]
) -> tuple[threading.Thread, threading.Event, list[Any]]:
    """`work` in a transaction kept open after it ran until the returned event is set (a wait on
    it can't end before then: only in the lock timeout's error). It was kept open a fixed 2 s,
    which a loaded machine could outlast before the reads it was held for."""
    done, release = threading.Event(), threading.Event()
    found: list[Any] = []

    def hold(uow: SqlUnitOfWork) -> None:
        found.append(work(uow))
        done.set()
        assert release.wait(HOLD_LIMIT), "the test never let the transaction go"

    thread = threading.Thread(target=lambda: database.transaction(hold))
    thread.start()
    assert done.wait(10)
    return thread, release, found


def _timed(database: Database, work: Callable[[SqlUnitOfWork], Any]) -> tuple[Any, float]:
    """`work`'s answer and how long it took, timed from the transaction's first statement (a
    new pooled connection's set-up, about half a second here, is no wait on a lock)."""

    def timed(uow: SqlUnitOfWork) -> tuple[Any, float]:
        uow.session.execute(select(1))
        started = time.monotonic()
        return work(uow), time.monotonic() - started

    return database.transaction(timed)


def _until_a_lock_is_waited_for(database: Database) -> None:
    """Until another transaction in this database waits for a row lock (each look its own
    transaction, so it is fresh)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if database.transaction(lambda uow: uow.session.scalar(text(WAITING_FOR_A_LOCK))):
            return
        time.sleep(0.02)
    raise AssertionError("nothing waited for the held transaction")


def _retention(uow: SqlUnitOfWork, partnership: int) -> tuple[int, int]:
    now = datetime.now(UTC)
    spent = uow.retention.drop_replies(partnership, reply_cutoff(now))
    deleted = uow.retention.delete_claims(partnership, claim_cutoff(now))
    return spent, deleted


def test_the_lock_key_is_the_claim_s_digest(migrated: Database) -> None:
    """The key, computed in SQL for bound values and for a row's columns alike, is the first 8
    bytes of SHA-256 of "partnership:token", signed (as it was computed in Python before)."""
    _require_row_locks(migrated)
    for partnership, token in ((1, OLD), (4242, "activity:" + "f" * 64)):
        digest = hashlib.sha256(f"{partnership}:{token}".encode()).digest()
        expected = int.from_bytes(digest[:8], "big", signed=True)
        got = migrated.transaction(
            lambda uow, p=partnership, k=token: uow.session.scalar(select(claim_lock_key(p, k)))
        )
        assert got == expected


def test_retention_s_counts_on_both_databases(migrated: Database) -> None:
    partnership = _partnership(migrated)
    _old_claims(migrated, partnership)
    assert migrated.transaction(lambda uow: _retention(uow, partnership)) == (2, 1)
    assert migrated.transaction(lambda uow: _retention(uow, partnership)) == (0, 0)
    rows = migrated.transaction(
        lambda uow: [(r.token, r.state, r.reply) for r in uow.session.query(t.IdempotencyRecord)]
    )
    assert rows == [(OLD, ClaimState.SPENT.value, None)]


def test_a_claim_in_flight_says_whose_it_is(migrated: Database) -> None:
    """Member 1's click holds its claim in its transaction; member 2's click on the same card
    reads member 1 as the holder (so bot/once.py refuses it as someone else's card); member
    1's own duplicate reads itself."""
    _require_row_locks(migrated)
    partnership = _partnership(migrated)
    key = "click:" + "5e" * 32
    thread, release, _ = _holding(
        migrated,
        lambda uow: uow.claims.claim(partnership, 1, key, "return_save", datetime.now(UTC)),
    )
    other, waited = _timed(
        migrated,
        lambda uow: uow.claims.claim(partnership, 2, key, "return_save", datetime.now(UTC)),
    )
    mine = migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, key, "return_save", datetime.now(UTC))
    )
    looked = migrated.transaction(lambda uow: uow.claims.find(partnership, key))
    assert thread.is_alive(), "all three answered while member 1's transaction held its claim"
    release.set()
    thread.join(10)
    assert (other.in_flight, other.member_id) == (True, 1)
    assert waited < migrated.timeouts.lock, waited
    assert (mine.in_flight, mine.member_id) == (True, 1)
    assert looked is not None
    assert (looked.in_flight, looked.member_id) == (True, 1)


def test_a_click_refused_for_someone_else_s_claim_is_not_read_as_its_holder(
    migrated: Database,
) -> None:
    """Member 2's click on member 1's settled card holds the key while it is refused: member 1's
    own duplicate then must not read member 2 as the claim's holder (it would be told its own
    card was sent to someone else); it reads no holder and looks again."""
    _require_row_locks(migrated)
    partnership = _partnership(migrated)
    key = "click:" + "6f" * 32

    def settled(uow: SqlUnitOfWork) -> None:
        assert uow.claims.claim(partnership, 1, key, "return_save", datetime.now(UTC)).fresh
        uow.claims.complete(partnership, key, {"text": "Saved", "conversation": "c"})

    migrated.transaction(settled)
    thread, release, found = _holding(
        migrated,
        lambda uow: uow.claims.claim(partnership, 2, key, "return_save", datetime.now(UTC)),
    )
    mine = migrated.transaction(
        lambda uow: uow.claims.claim(partnership, 1, key, "return_save", datetime.now(UTC))
    )
    assert thread.is_alive(), "answered while member 2's transaction held the key"
    release.set()
    thread.join(10)
    assert (found[0].fresh, found[0].member_id) == (False, 1), "member 2 refused: member 1's"
    assert (mine.in_flight, mine.member_id) == (True, None)


def test_a_click_meeting_retention_s_spend_reads_the_spent_claim_never_unknown(
    migrated: Database,
) -> None:
    """docs12: "a key retention holds reads as unknown to a click". Retention takes no claim
    key (this module's docstring): a click on the day-old card while retention's transaction
    has spent its reply and not yet committed waits for that commit in its insert, then reads
    the claim spent (bot/once.py: "That was done already, so nothing was changed again."),
    never in flight with nobody's mark. On SQLite the click waits for the one writer."""
    partnership = _partnership(migrated)
    _old_claims(migrated, partnership)
    thread, release, counted = _holding(migrated, lambda uow: _retention(uow, partnership))
    clicked: list[Any] = []
    click = threading.Thread(
        target=lambda: clicked.append(
            migrated.transaction(
                lambda uow: uow.claims.claim(partnership, 1, OLD, "entry_save", datetime.now(UTC))
            )
        )
    )
    click.start()
    if migrated.engine.dialect.name == "postgresql":
        _until_a_lock_is_waited_for(migrated)  # the click's insert, on retention's spend
        release.set()
    else:  # SQLite shows no wait for its one writer: retention holds 2 s, as it always did
        threading.Timer(2.0, release.set).start()
    click.join(15)
    thread.join(10)
    [met] = clicked
    assert counted == [(2, 1)]
    assert (met.fresh, met.in_flight, met.state, met.reply) == (
        False,
        False,
        ClaimState.SPENT,
        None,
    )
    assert met.member_id == 1
