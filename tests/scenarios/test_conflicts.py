"""A click killed by PostgreSQL as a deadlock is told to try again, not that the database is
out of reach; nothing it did is kept, /readyz stays green, and the same button then works.

The deadlock is a real one, on the path the user hits: approving a return holds its review,
then the return (domain/holds.py). A rival client holds the return first; once the click waits
for it, the rival asks for the review. The rival's deadlock_timeout is long, so PostgreSQL ends
the click's transaction, not the rival's. (The click's handler unit is not run again by
itself: only units that touch nothing but the database are, tests/storage/test_conflicts.py.)
"""

from __future__ import annotations

import asyncio
import json

import psycopg

from cards import verbs
from domain.errors import ConcurrencyConflict, StorageUnavailable
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.scenarios.test_races import _complete_return, audited
from tests.storage.test_conflicts import rival, until_waiting_for_a_lock
from tests.support.journey import LEAD, PRACTITIONER, Journey, button_data, journey_on


def hold(connection: psycopg.Connection, table: str, row: int) -> None:
    connection.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", (row,))


async def ready(bot: BotUnderTest) -> int:
    async with bot.http.get(bot.url("/readyz")) as response:
        return response.status


async def test_a_click_killed_as_a_deadlock_is_told_to_try_again_and_then_works(
    bot_on_postgres: BotUnderTest, postgres_url: str
) -> None:
    j: Journey = await journey_on(bot_on_postgres)
    review_id, return_id = await _complete_return(j)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    sign_off = await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    approve = button_data(sign_off["value"], verbs.SIGNOFF_APPROVE)

    other = rival(postgres_url)
    try:
        hold(other, "pre_analysis_return", return_id)
        click = asyncio.ensure_future(j.act(verbs.SIGNOFF_APPROVE, approve, LEAD))
        await until_waiting_for_a_lock(other)  # the click holds the review, waits for the return
        await asyncio.to_thread(hold, other, "review", review_id)  # the deadlock
        other.rollback()
        reply = json.dumps(await click)
    finally:
        other.close()

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
