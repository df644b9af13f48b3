"""Faults: the database going away mid-conversation, and coming back."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import create_engine, text

from bot.app import Readiness
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.activities import message
from tests.support.local import PG_ADMIN_URL


def set_connections(database: str, allowed: bool) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        flag = "true" if allowed else "false"
        connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {flag}'))
        if not allowed:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                {"db": database},
            )
    admin.dispose()


async def readiness(bot: BotUnderTest) -> int:
    async with bot.http.get(bot.server.make_url("/readyz")) as response:
        return response.status


async def readiness_becomes(bot: BotUnderTest, status: int, within: float) -> float:
    """Seconds until /readyz answers `status` (it reuses an answer for Readiness.FRESH_FOR)."""
    started = time.monotonic()
    while await readiness(bot) != status:
        assert time.monotonic() - started < within, f"/readyz not {status} after {within} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_database_outage_is_told_to_the_user_and_recovers_by_itself(
    bot_on_postgres: BotUnderTest,
) -> None:
    bot = bot_on_postgres
    database = bot.db.url.rsplit("/", 1)[-1]
    await bot.post(message(bot.connector.url, "help"))
    members_before = bot.count(t.Member)

    set_connections(database, allowed=False)
    try:
        status, _ = await bot.post(message(bot.connector.url, "help"))
        assert status == 201
        reply = bot.connector.cards()[-1]
        assert "Please try again" in str(reply)
        assert "Anything you saved before is safe" in str(reply)
        await readiness_becomes(bot, 503, within=Readiness.FRESH_FOR + 1)
    finally:
        set_connections(database, allowed=True)

    await readiness_becomes(bot, 200, within=Readiness.FRESH_FOR + 1)
    await bot.post(message(bot.connector.url, "help"))
    assert "What you can do" in str(bot.connector.cards()[-1])
    assert bot.count(t.Member) == members_before
