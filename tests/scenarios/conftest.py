"""Fixtures shared by the HTTP scenario tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.demo import load_demo
from tests.conftest import BotUnderTest, _running_bot
from tests.support.activities import TENANT, USER_AAD
from tests.support.connector import FakeConnector
from tests.support.journey import Journey, journey_on
from tests.support.local import migrate


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


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI's main() configures the root logger for a real process; give it back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with the demo partnership, as the CLI sees it from the environment."""
    url = f"sqlite:///{tmp_path / 'lineofsight.db'}"
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MicrosoftAppId", "")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    migrate(url)
    load_demo(url, TENANT, USER_AAD)
    return url


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
