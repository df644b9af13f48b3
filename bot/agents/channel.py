"""The Agents SDK edge's `Channel`: read the activity with the SDK's model, run the core in the
SDK's CloudAdapter turn, deliver the reply through the SDK's TurnContext."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import MessageFactory, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

from bot.agents.authentication import ChannelAuthentication
from bot.agents.connector import PooledClientFactory, SessionPool
from bot.agents.courier import AgentsCourier, LocalConnections
from bot.agents.tokens import app_configuration, app_connections
from bot.channel import (
    ANSWERED_INVOKES,
    CARD,
    NOT_OFFERED,
    ActivityRefused,
    InvokeAnswer,
    invoke_answer,
    message_answer,
)
from bot.config import Settings
from bot.core import Bot
from bot.outbound import Outbound
from bot.router import Reply
from bot.turns import tenant_of, to_turn
from storage.database import Database

log = logging.getLogger(__name__)


class AgentsChannel:
    def __init__(self, settings: Settings, db: Database) -> None:
        self._authentication: ChannelAuthentication | None = None
        self.pool = SessionPool()
        if settings.local_mode:
            factory = PooledClientFactory(LocalConnections(), self.pool, anonymous=True)
        else:
            configuration = app_configuration(settings)
            self._authentication = ChannelAuthentication(
                configuration, settings.openid_metadata_url
            )
            connections = app_connections(configuration)
            factory = PooledClientFactory(connections, self.pool, anonymous=False)
        self.adapter = CloudAdapter(channel_service_client_factory=factory)
        self.adapter.on_turn_error = _on_turn_error
        self.outbound = Outbound(AgentsCourier(self.adapter, settings.app_id), db)

    async def authenticate(self, authorization: str, body: dict[str, Any]) -> object:
        if self._authentication is None:
            # Local mode (no app id): the anonymous identity, as botbuilder gives it; no token
            # is sent with replies either.
            return ClaimsIdentity({}, authentication_type="Anonymous")
        return await self._authentication.authenticate(authorization, body)

    async def answer(self, identity: object, body: dict[str, Any], bot: Bot) -> InvokeAnswer | None:
        activity = _activity(body)
        answered: list[InvokeAnswer] = []

        async def on_turn(context: TurnContext) -> None:
            answer = await _serve(context, bot)
            if answer is not None:
                answered.append(answer)

        assert isinstance(identity, ClaimsIdentity)
        response = await self.adapter.process_activity(identity, activity, on_turn)
        if answered:
            return answered[0]  # an invoke: the core's answer, not the SDK's 501 default
        if response is not None:
            # deliveryMode expectReplies: the SDK buffered the replies for the HTTP body.
            return InvokeAnswer(int(response.status), response.body)
        return None

    async def close(self) -> None:
        await self.pool.close()


async def _serve(context: TurnContext, bot: Bot) -> InvokeAnswer | None:
    activity = context.activity
    if activity.type == "invoke" and activity.name not in ANSWERED_INVOKES:
        return message_answer(NOT_OFFERED)
    conversation = activity.conversation
    tenant = tenant_of(
        {"channelData": activity.channel_data, "conversation": {"tenantId": conversation.tenant_id}}
    )
    reply = await bot.handle(to_turn(activity, tenant or ""))
    if activity.type == "invoke":
        if reply is not None and reply.aside is not None and reply.card is not None:
            # The card clicked stays; the answer comes as a new message below it.
            await _send_card(context, reply.card)
        if reply is not None:
            await _send_attachments(context, reply)
        return invoke_answer(reply)
    await _deliver(context, reply)
    return None


async def _deliver(context: TurnContext, reply: Reply | None) -> None:
    if reply is None:
        return
    if reply.text and not reply.error:
        await context.send_activity(MessageFactory.text(reply.text))
    if reply.card:
        await _send_card(context, reply.card)
    await _send_attachments(context, reply)


async def _send_card(context: TurnContext, card: Mapping[str, Any]) -> None:
    attachment = Attachment(content_type=CARD, content=dict(card))
    await context.send_activity(
        Activity(type="message", attachment_layout="list", attachments=[attachment])
    )


async def _send_attachments(context: TurnContext, reply: Reply) -> None:
    for raw in reply.attachments:
        attachment = Attachment(
            content_type=raw["contentType"],
            content=raw.get("content"),
            content_url=raw.get("contentUrl"),
            name=raw.get("name"),
        )
        await context.send_activity(MessageFactory.attachment(attachment))


def _activity(body: dict[str, Any]) -> Activity:
    try:
        _check_timestamps(body)
        return Activity.model_validate(body)
    except (ValidationError, TypeError) as error:
        log.info("activity refused", extra={"error_type": type(error).__name__})
        raise ActivityRefused("Activity fields have the wrong types") from error


# The wire format's timestamps are ISO 8601 strings, and the botbuilder edge refuses anything
# else; pydantic's lax mode would read a number, or a string of digits, as Unix time.
TIMESTAMPS = ("timestamp", "localTimestamp", "expiration")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_timestamps(body: dict[str, Any]) -> None:
    for field in TIMESTAMPS:
        value = body.get(field)
        if value is not None and not (isinstance(value, str) and ISO_DATE.match(value)):
            raise TypeError(f"{field} is not an ISO 8601 timestamp")


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # Reached only when delivering a reply failed (the core catches its own errors): trying
    # to send yet another message would fail the same way, so log and stop.
    log.error("reply delivery failed", extra={"error_type": type(error).__name__})
