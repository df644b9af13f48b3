"""Fixtures shared by the HTTP scenario tests."""

from __future__ import annotations

import pytest

from tests.conftest import BotUnderTest
from tests.support.journey import Journey, journey_on


@pytest.fixture
async def journey(bot: BotUnderTest) -> Journey:
    return await journey_on(bot)
