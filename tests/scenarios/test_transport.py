"""The pooled transport over real HTTP against the fake connector: replies, proactive sends,
new conversations, updates, and failures in the shape Outbound expects."""

from __future__ import annotations

import dataclasses

import pytest
from botbuilder.schema import Activity, ActivityTypes
from sqlalchemy import select

from bot.app import CHANNEL, SERVICES
from bot.botframework.connector import PooledCloudAdapter, PooledConnectorClient
from bot.botframework.errors import ConnectorError
from cards.basics import info_card
from domain.records import Recipient
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.activities import USER_AAD, message


async def _recipient(bot: BotUnderTest) -> Recipient:
    await bot.post(message(bot.connector.url, "help"))
    with bot.db.session() as session:
        member_id = session.scalars(
            select(t.Member.id).where(t.Member.aad_object_id == USER_AAD)
        ).one()
    found = await bot.db.run(lambda uow: uow.returns.recipients([member_id]))
    bot.connector.clear()
    return found[0]


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


async def test_a_proactive_card_is_delivered(bot: BotUnderTest) -> None:
    recipient = await _recipient(bot)
    outbound = bot.app[SERVICES].outbound
    delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
    assert delivery.delivered
    assert delivery.status is None
    assert recipient.address is not None
    assert bot.connector.sent[-1].conversation_id == recipient.address.conversation_id
    assert "there" in str(bot.connector.cards()[-1])


async def test_forbidden_marks_the_member_unreachable(bot: BotUnderTest) -> None:
    recipient = await _recipient(bot)
    outbound = bot.app[SERVICES].outbound
    bot.connector.fail_next(
        403, body={"error": {"code": "ConversationBlockedByUser", "message": "blocked"}}
    )
    delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
    assert not delivery.delivered
    assert delivery.status == 403
    assert delivery.detail == "status 403"
    with bot.db.session() as session:
        member = session.get_one(t.Member, recipient.member_id)
        assert member.unreachable_since is not None
        assert member.unreachable_reason == "Teams answered 403"


async def test_too_many_requests_reports_retry_after_and_holds_back(bot: BotUnderTest) -> None:
    recipient = await _recipient(bot)
    outbound = bot.app[SERVICES].outbound
    bot.connector.fail_next(429, headers={"Retry-After": "0.3"})
    delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
    assert not delivery.delivered
    assert delivery.status == 429
    assert delivery.retry_after == 0.3
    assert recipient.address is not None
    waited = await outbound.limiter.acquire(recipient.tenant_id, recipient.address.conversation_id)
    assert waited > 0.1, "the conversation is held back for Retry-After"
    with bot.db.session() as session:
        assert session.get_one(t.Member, recipient.member_id).unreachable_since is None


async def test_without_an_address_a_conversation_is_created(bot: BotUnderTest) -> None:
    recipient = dataclasses.replace(await _recipient(bot), address=None)
    outbound = bot.app[SERVICES].outbound
    delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
    assert delivery.delivered
    created = bot.connector.created[-1]
    assert created["members"] == [{"id": USER_AAD}]
    assert created["tenantID"] == recipient.tenant_id  # msrest's key for it, kept
    assert bot.connector.sent[-1].conversation_id.startswith("a:new-conversation-")


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
