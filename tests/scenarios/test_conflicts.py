"""A click killed by PostgreSQL as a deadlock is told to try again, not that the database is
out of reach; nothing it did is kept, /readyz stays green, and the same button then works.

The deadlock is a real one, on the path the user hits: approving a return holds its review,
then the return (domain/holds.py). A rival client holds the return first; once the click holds
the review, the rival asks for it, and then the click asks for the return. The rival's
deadlock_timeout is long, so PostgreSQL ends the click's transaction, not the rival's. The
click closes the cycle, never the rival (held between its two holds until the rival waits):
PostgreSQL looks for a deadlock once per wait, a second after it began, so a rival closing it
later than that (a loaded machine) met a click that had already looked, and the click ran into
its lock timeout instead (tests/storage/test_conflicts.py says more). (The click's handler unit
is not run again by itself: only units that touch nothing but the database are, as who spoke
and the turn's claim are in the second test; tests/storage/test_conflicts.py drives the
mechanism directly.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import psycopg
import pytest

from cards import verbs
from domain.errors import ConcurrencyConflict, StorageUnavailable
from domain.idempotency import activity_key
from storage import tables as t
from storage.claims import SqlClaims
from storage.reviews import SqlReviews
from tests.behaviour.test_races import _complete_return, audited
from tests.conftest import BotUnderTest
from tests.storage.test_conflicts import Closing, rival
from tests.support.activities import USER_AAD
from tests.support.journey import (
    LEAD,
    PRACTITIONER,
    Journey,
    button_data,
    journey_on,
    person,
)


def hold(connection: psycopg.Connection, table: str, row: int) -> None:
    connection.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", (row,))


async def ready(bot: BotUnderTest) -> int:
    async with bot.http.get(bot.url("/readyz")) as response:
        return response.status


async def test_a_click_killed_as_a_deadlock_is_told_to_try_again_and_then_works(
    bot_on_postgres: BotUnderTest, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    j: Journey = await journey_on(bot_on_postgres)
    review_id, return_id = await _complete_return(j)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    sign_off = await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    approve = button_data(sign_off["value"], verbs.SIGNOFF_APPROVE)

    closing = Closing()
    real_lock = SqlReviews.lock

    def lock(reviews: SqlReviews, review: int) -> None:
        real_lock(reviews, review)
        if review == review_id:
            closing.pause()  # the click holds the review: it asks for the return once the
            # rival waits for the review

    monkeypatch.setattr(SqlReviews, "lock", lock)
    other = rival(postgres_url)
    try:
        hold(other, "pre_analysis_return", return_id)
        click = asyncio.ensure_future(j.act(verbs.SIGNOFF_APPROVE, approve, LEAD))
        await closing.rival_asks(postgres_url, lambda: hold(other, "review", review_id))
        other.rollback()
        reply = json.dumps(await click)
    finally:
        other.close()
    monkeypatch.undo()

    assert ConcurrencyConflict.MESSAGE in reply, reply
    assert StorageUnavailable().user_message not in reply
    assert audited(j, "return.signed_off") == 0, "nothing of the click was kept"
    [ret] = j.rows(t.PreAnalysisReturn)
    assert ret.status == "submitted"
    assert await ready(bot_on_postgres) == 200, "a conflict is no outage"

    again = json.dumps(await j.act(verbs.SIGNOFF_APPROVE, approve, LEAD))
    assert ConcurrencyConflict.MESSAGE not in again, again
    assert audited(j, "return.signed_off") == 1, "the same button, pressed again, worked"
    [ret] = j.rows(t.PreAnalysisReturn)
    assert ret.status == "signed_off"


async def test_a_turn_whose_claim_is_killed_as_a_deadlock_runs_it_again_unseen(
    bot_on_postgres: BotUnderTest,
    postgres_url: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Who spoke and the turn's claim are one unit that only writes the database, so after a
    deadlock it runs once more (Database.run_short's `retry_on_conflict`) and the user sees
    an ordinary answer. The turn renames its sender (a member row write), then claims its
    activity, whose claim a rival has inserted and not committed; the rival writes the member
    row, and then the turn claims (its first run held between the two until the rival waits,
    so the turn closes the deadlock)."""
    caplog.set_level(logging.WARNING, logger="storage.database")
    j = await journey_on(bot_on_postgres)
    chair = next(m for m in j.rows(t.Member) if m.aad_object_id == USER_AAD)
    body = person(USER_AAD, name="Kelly Smith").says(bot_on_postgres.connector.url, "help")
    body["id"] = "conflicted-activity"

    closing = Closing()
    real_claim = SqlClaims.claim

    def claim(
        claims: SqlClaims, partnership: int, member: int, token: str, *a: Any, **k: Any
    ) -> Any:
        if token == activity_key(body["id"]):
            closing.pause()  # the turn holds the member row: it claims once the rival waits
        return real_claim(claims, partnership, member, token, *a, **k)

    monkeypatch.setattr(SqlClaims, "claim", claim)
    other = rival(postgres_url)
    try:
        other.execute(
            "INSERT INTO idempotency_record (partnership_id, member_id, token, verb, state, "
            "reply, created_at) VALUES (%s, %s, %s, 'message', 'done', 'null', now())",
            (chair.partnership_id, chair.id, activity_key(body["id"])),
        )
        turn = asyncio.ensure_future(j.turn(body))
        rename = "UPDATE member SET display_name = 'Rival Name' WHERE id = %s"
        await closing.rival_asks(postgres_url, lambda: other.execute(rename, (chair.id,)))
        other.rollback()  # the rival's claim and rename are gone: the second run takes both
        answered = await turn
    finally:
        other.close()

    assert answered.status == 201, answered.body
    sent = json.dumps(answered.sent)
    assert answered.sent, "answered as ever"
    assert ConcurrencyConflict.MESSAGE not in sent, sent
    assert StorageUnavailable().user_message not in sent
    [renamed] = [m for m in j.rows(t.Member) if m.id == chair.id]
    assert renamed.display_name == "Kelly Smith"
    tokens = [r.token for r in j.rows(t.IdempotencyRecord)]
    assert tokens.count(activity_key(body["id"])) == 1, "claimed once, by the second run"
    logged = [r.getMessage() for r in caplog.records if r.name == "storage.database"]
    assert logged == ["concurrency conflict"], "one conflict, run again; no outage logged"
    assert await ready(bot_on_postgres) == 200
