"""A lead's chronology-entry save or removal holds the return before the lead is read again
(domain/holds.as_held), as a section save does, so an admin's revoke of the lead role waits
for it rather than committing between "still a lead" and the write (found by review: a new
entry's card has no revision, so no freshness hold was taken, and removal took none)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import returns
from domain.model import Actor, Role
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_lead_cover import _world, a_return

ACTOR = Actor("tenant-a", "aad-lead", "teams-lead", "Demo Lead")
ENTRY = {
    "event_date": "2025-09-12",
    "date_certainty": "on",
    "source": "GP record",
    "event": "Seen by GP.",
}


def _require_row_locks(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")


def _lead_and_return(uow: SqlUnitOfWork) -> dict[str, int]:
    ids = _world(uow)
    ids["ret"] = a_return(uow, ids["a"], 20, ids["police"], "in_progress")
    return ids


def _save_entry(uow: SqlUnitOfWork, ids: dict[str, int]) -> Any:
    member = uow.members.get(ids["lead"])
    data = {"return_id": ids["ret"], **ENTRY}
    now = datetime(2026, 1, 10, tzinfo=UTC)
    return returns.save_entry(uow, ACTOR, member, data, date(2026, 1, 10), now)


def _revoke_while_open(database: Database, ids: dict[str, int], go: threading.Event) -> bool:
    """Revoke the lead's role while their transaction is open (then let it go on): whether
    the revoke committed before it, i.e. crossed the lead's write."""
    revoked = threading.Event()
    failed: list[str] = []

    def revoke() -> None:
        try:
            database.transaction(lambda uow: uow.directory.revoke(ids["lead"], Role.AGENCY_LEAD))
        except BaseException as error:
            failed.append(repr(error))
            raise
        revoked.set()

    revoker = threading.Thread(target=revoke)
    revoker.start()
    crossed = revoked.wait(2)
    go.set()
    revoker.join(10)
    assert failed == [], failed
    assert revoked.is_set(), "the revoke went through once the lead's write was done"
    return crossed


def test_a_revoke_waits_for_a_leads_new_entry_save(migrated: Database) -> None:
    _require_row_locks(migrated)
    ids = migrated.transaction(_lead_and_return)
    written, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def lead_saves(uow: SqlUnitOfWork) -> None:
        outcome["result"] = type(_save_entry(uow, ids)).__name__
        written.set()
        go.wait(10)

    saver = threading.Thread(target=lambda: migrated.transaction(lead_saves))
    saver.start()
    assert written.wait(10)
    crossed = _revoke_while_open(migrated, ids, go)  # the lead's entry written, not committed
    saver.join(10)
    assert outcome["result"] == "ChronologyScreen", outcome
    assert not crossed, (
        "the revoke committed while the lead's entry save was open: the entry is kept "
        "after the lead lost access (save_entry holds no return before as_held)"
    )


def test_a_revoke_waits_for_a_leads_entry_removal(
    migrated: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead's removal pauses after load() (its as_held re-read), before its delete: the
    return held first, the revoke waits here."""
    _require_row_locks(migrated)

    def seed(uow: SqlUnitOfWork) -> dict[str, int]:
        ids = _lead_and_return(uow)
        _save_entry(uow, ids)
        ids["entry"] = uow.returns.entries(ids["ret"])[0].id
        return ids

    ids = migrated.transaction(seed)
    loaded, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}
    real_entry = returns._entry

    def paused_entry(uow, ret, entry_id):  # type: ignore[no-untyped-def]
        found = real_entry(uow, ret, entry_id)
        loaded.set()  # load(write=True) has re-read the lead (as_held): they are one still
        go.wait(10)
        return found

    monkeypatch.setattr(returns, "_entry", paused_entry)

    def lead_removes(uow: SqlUnitOfWork) -> None:
        member = uow.members.get(ids["lead"])
        data = {"return_id": ids["ret"], "entry_id": ids["entry"]}
        outcome["result"] = type(returns.remove_entry(uow, ACTOR, member, data)).__name__

    saver = threading.Thread(target=lambda: migrated.transaction(lead_removes))
    saver.start()
    assert loaded.wait(10)
    crossed = _revoke_while_open(migrated, ids, go)
    saver.join(10)
    left = migrated.transaction(lambda uow: len(uow.returns.entries(ids["ret"])))
    assert outcome.get("result") == "ChronologyScreen", outcome
    assert not (crossed and left == 0), (
        "the revoke committed before the lead's removal wrote, and the removal was still "
        "kept: remove_entry holds no return before load(write=True)'s as_held re-read"
    )
