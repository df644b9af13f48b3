"""The botbuilder edge's half of a proactive send (bot/channel.py `Courier`): continue a stored
conversation, or create a 1:1 chat from the AAD object id, through the pooled adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.models import ErrorResponseException

from bot.botframework.errors import ConnectorUnreachable
from bot.botframework.wire import card_activity
from bot.channel import TurnCallback, may_have_left, new_chat_member, send_in_turn
from bot.pacing import retry_after_seconds
from domain.records import Recipient


class BotFrameworkCourier:
    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self.adapter = adapter
        self._app_id = app_id

    async def deliver(
        self,
        recipient: Recipient,
        card: dict[str, Any],
        service_url_hint: str,
        started: Callable[[], None],
    ) -> None:
        activity = card_activity(card)

        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activity(activity)

        async def open_turn(callback: TurnCallback) -> None:
            await self._open_turn(recipient, callback, service_url_hint)

        await send_in_turn(open_turn, send, started)

    async def _open_turn(self, recipient: Recipient, callback: TurnCallback, hint: str) -> None:
        address = recipient.address
        if address is not None:
            reference = ConversationReference(
                channel_id="msteams",
                service_url=address.service_url,
                conversation=ConversationAccount(
                    id=address.conversation_id,
                    tenant_id=address.tenant_id,
                    conversation_type=address.conversation_type,
                ),
                bot=ChannelAccount(id=address.bot_id),
                user=ChannelAccount(id=address.user_id, aad_object_id=address.aad_object_id),
            )
            await self.adapter.continue_conversation(reference, callback, self._app_id)
            return
        member = new_chat_member(recipient)
        tenant = recipient.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}"),
            members=[ChannelAccount(id=member)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        await self.adapter.create_conversation(
            self._app_id, callback, parameters, "msteams", hint, None
        )

    def status(self, error: BaseException) -> int | None:
        return _status(error)

    def retry_after(self, error: BaseException) -> float | None:
        return _retry_after(error)

    def may_have_arrived(self, error: BaseException) -> bool:
        return _may_have_arrived(error)


def _may_have_arrived(error: BaseException) -> bool:
    """The pooled transport wraps the aiohttp error that left no answer."""
    cause = error.__cause__
    return isinstance(error, ConnectorUnreachable) and (cause is None or may_have_left(cause))


def _status(error: BaseException) -> int | None:
    # The pooled transport's ConnectorError is an ErrorResponseException of the same shape.
    if isinstance(error, ErrorResponseException) and error.response is not None:
        return int(error.response.status_code)
    return None


def _retry_after(error: BaseException) -> float | None:
    headers = getattr(getattr(error, "response", None), "headers", None)
    if headers is None:
        return None
    return retry_after_seconds(headers.get("Retry-After"))
