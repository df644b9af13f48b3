"""Fixtures of the behaviour scenarios: the core alone (tests/support/core.py `CoreBot`), on
SQLite and PostgreSQL, each scenario once per database (no platform: no HTTP, no connector).
The fixtures carry the HTTP scenarios' names (tests/scenarios/conftest.py), so a scenario whose
assertions are all behaviour moves here as it is (docs/architecture.md §11 says which do); a
scenario that ran on SQLite alone over HTTP runs on both databases here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.core import CoreBot, core_bot
from tests.support.journey import Journey, journey_on


@pytest.fixture(params=["sqlite", "postgres"])
async def bot(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CoreBot]:
    """The core on SQLite, then on PostgreSQL (a new database each, already migrated)."""
    fixture = "sqlite_url" if request.param == "sqlite" else "migrated_postgres_url"
    url: str = request.getfixturevalue(fixture)
    async with core_bot(tmp_path, url) as running:
        yield running


@pytest.fixture
def any_bot(bot: CoreBot) -> CoreBot:
    """The HTTP scenarios' name for the bot on each database."""
    return bot


@pytest.fixture
async def journey(bot: CoreBot) -> Journey:
    """A partnership with a chair, two police practitioners, their lead and an outsider."""
    return await journey_on(bot)


@pytest.fixture
def any_journey(journey: Journey) -> Journey:
    """The HTTP scenarios' name for the journey on each database."""
    return journey


@pytest.fixture
def journey_each(journey: Journey) -> Journey:
    """The HTTP scenarios' name for the journey on each database."""
    return journey
