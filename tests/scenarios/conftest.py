"""Fixtures shared by the HTTP scenario tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import BotUnderTest, _running_bot
from tests.support.connector import FakeConnector
from tests.support.journey import Journey, journey_on


@pytest.fixture
async def journey(bot: BotUnderTest) -> Journey:
    return await journey_on(bot)


@pytest.fixture(params=["sqlite", "postgres"])
def any_bot(request: pytest.FixtureRequest) -> BotUnderTest:
    """The bot on SQLite, then on PostgreSQL."""
    name = "bot" if request.param == "sqlite" else "bot_on_postgres"
    bot: BotUnderTest = request.getfixturevalue(name)
    return bot


@pytest.fixture
async def any_journey(any_bot: BotUnderTest) -> Journey:
    """`journey` on SQLite, then on PostgreSQL."""
    return await journey_on(any_bot)


@pytest.fixture(params=["sqlite", "postgres"])
async def journey_each(
    request: pytest.FixtureRequest, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[Journey]:
    """The journey's partnership on each database in turn (one effect per click is a claim
    on the database, so it is proved on both)."""
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    async for running in _running_bot(tmp_path, url, connector):
        yield await journey_on(running)
