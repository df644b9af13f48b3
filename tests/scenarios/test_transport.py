"""The botbuilder edge's pooled transport over real HTTP against the fake connector: turns share
one client and session, replies go to the activity they answer, and errors keep botbuilder's
shape. Proactive sends on both platforms are test_proactive.py's."""

from __future__ import annotations

import pytest
from botbuilder.schema import Activity, ActivityTypes

from bot.app import CHANNEL
from bot.botframework.connector import PooledCloudAdapter, PooledConnectorClient
from bot.botframework.errors import ConnectorError
from tests.conftest import BotUnderTest
from tests.support.activities import message

# The botbuilder edge's pooled transport (bot/botframework/connector.py) itself; the agents
# edge's pooled connector has its own, test_agents_transport.py.
pytestmark = pytest.mark.platforms(
    "botframework", reason="botbuilder's own transport: its client, its error shapes"
)


def _adapter(bot: BotUnderTest) -> PooledCloudAdapter:
    adapter = bot.app[CHANNEL].adapter  # type: ignore[attr-defined]
    assert isinstance(adapter, PooledCloudAdapter)
    return adapter


async def test_turns_share_one_connector_client_and_one_session(bot: BotUnderTest) -> None:
    for _ in range(3):
        status, _ = await bot.post(message(bot.connector.url, "help"))
        assert status == 201
    transport = _adapter(bot).transport
    session = transport.session()
    asked = message(bot.connector.url, "my profile")
    await bot.post(asked)
    assert transport.session() is session
    assert len(transport._clients) == 1
    assert len(bot.connector.cards()) == 4
    reply = bot.connector.sent[-1]
    assert reply.method == "POST"
    assert reply.reply_to == asked["id"], "a reply goes to the activity it answers"


async def test_errors_from_the_connector_keep_the_stock_shape(bot: BotUnderTest) -> None:
    await bot.post(message(bot.connector.url, "help"))
    adapter = _adapter(bot)
    [client] = adapter.transport._clients.values()
    assert isinstance(client, PooledConnectorClient)
    activity = Activity(type=ActivityTypes.message, text="changed", id="sent-1")
    answer = await client.conversations.update_activity("a:1", "sent-1", activity)
    assert answer.id.startswith("sent-")
    assert bot.connector.sent[-1].method == "PUT"
    bot.connector.fail_next(
        404, headers={"Retry-After": "2"}, body={"error": {"code": "NotFound", "message": "x"}}
    )
    with pytest.raises(ConnectorError) as raised:
        await client.conversations.send_to_conversation("a:1", activity)
    assert raised.value.response.status_code == 404
    assert raised.value.response.headers["retry-after"] == "2"
    assert raised.value.error.error.code == "NotFound"
