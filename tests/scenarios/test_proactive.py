"""Proactive sends through each platform's courier and pooled connector, over real HTTP against
the fake connector: a card is delivered, failures reach Outbound in the shape it judges (a 403
marks the member unreachable, a 429's Retry-After holds the conversation back), and a new 1:1
chat is created when there is no stored conversation."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from bot.app import SERVICES
from cards.basics import info_card
from domain.records import Recipient
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.activities import USER_AAD, message

# The key a created conversation's body names the tenant by: msrest's, and the Agents SDK's.
TENANT_KEY = {"botframework": "tenantID", "agents": "tenantId"}


async def recipient_of(bot: BotUnderTest) -> Recipient:
    """The test user, once they have spoken (so the bot has their conversation's address)."""
    await bot.post(message(bot.connector.url, "help"))
    with bot.db.session() as session:
        member_id = session.scalars(
            select(t.Member.id).where(t.Member.aad_object_id == USER_AAD)
        ).one()
    found = await bot.db.run(lambda uow: uow.returns.recipients([member_id]))
    bot.connector.clear()
    return found[0]


async def test_a_proactive_card_is_delivered(bot: BotUnderTest) -> None:
    recipient = await recipient_of(bot)
    outbound = bot.app[SERVICES].outbound
    delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
    assert delivery.delivered
    assert delivery.status is None
    assert recipient.address is not None
    assert bot.connector.sent[-1].conversation_id == recipient.address.conversation_id
    assert "there" in str(bot.connector.cards()[-1])


async def test_forbidden_marks_the_member_unreachable(bot: BotUnderTest) -> None:
    recipient = await recipient_of(bot)
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
    recipient = await recipient_of(bot)
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


async def test_without_an_address_a_conversation_is_created(
    bot: BotUnderTest, platform: str
) -> None:
    recipient = dataclasses.replace(await recipient_of(bot), address=None)
    outbound = bot.app[SERVICES].outbound
    delivery = await outbound.send_card(recipient, info_card("Hi", "there"), bot.connector.url)
    assert delivery.delivered
    created = bot.connector.created[-1]
    assert created["members"] == [{"id": USER_AAD}]
    assert created[TENANT_KEY[platform]] == recipient.tenant_id
    assert bot.connector.sent[-1].conversation_id.startswith("a:new-conversation-")
