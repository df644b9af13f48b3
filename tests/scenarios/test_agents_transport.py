"""The Agents SDK edge's pooled connector (bot/agents/connector.py) over real HTTP against the
fake connector: turns and proactive sends share one kept session, which closes with the app,
and a new 1:1 chat goes through it too. The botbuilder edge's transport has its own,
test_transport.py; proactive sends on both platforms are test_proactive.py's."""

from __future__ import annotations

import dataclasses

import pytest

from bot.agents.channel import AgentsChannel
from bot.agents.connector import SessionPool
from bot.app import CHANNEL, SERVICES
from cards.basics import info_card
from tests.conftest import BotUnderTest
from tests.scenarios.test_proactive import recipient_of
from tests.support.activities import message

pytestmark = pytest.mark.platforms("agents", reason="the Agents SDK edge's own connector pool")


def _pool(bot: BotUnderTest) -> SessionPool:
    channel = bot.app[CHANNEL]
    assert isinstance(channel, AgentsChannel)
    return channel.pool


async def test_turns_and_sends_share_one_kept_session(bot: BotUnderTest) -> None:
    recipient = await recipient_of(bot)
    for _ in range(3):
        status, _ = await bot.post(message(bot.connector.url, "help"))
        assert status == 201
    outbound = bot.app[SERVICES].outbound
    for _ in range(3):
        delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
        assert delivery.delivered
    assert len(bot.connector.cards()) == 6
    pool = _pool(bot)
    assert pool.sessions_made == 1, "every turn and send used the one pooled session"
    await bot.app[CHANNEL].close()
    assert pool.sessions_made == 1
    delivery = await outbound.send_card(recipient, info_card("Hi", "again"), bot.connector.url)
    assert delivery.delivered, "a send after close opens the pool again rather than failing"


async def test_a_new_chat_uses_the_pool_too(bot: BotUnderTest) -> None:
    recipient = dataclasses.replace(await recipient_of(bot), address=None)
    outbound = bot.app[SERVICES].outbound
    for _ in range(2):
        delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
        assert delivery.delivered
    assert len(bot.connector.created) == 2
    assert _pool(bot).sessions_made == 1


async def test_a_reply_goes_to_the_activity_it_answers(bot: BotUnderTest) -> None:
    asked = message(bot.connector.url, "help")
    status, _ = await bot.post(asked)
    assert status == 201
    reply = bot.connector.sent[-1]
    assert reply.method == "POST"
    assert reply.reply_to == asked["id"]
