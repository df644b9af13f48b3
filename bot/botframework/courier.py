"""The botbuilder edge's half of a proactive send (bot/channel.py `Courier`): continue a stored
conversation, or create a 1:1 chat from the AAD object id, through the pooled adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
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
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            # Errors must be caught here: with on_turn_error set, the adapter swallows them.
            started()
            try:
                await turn_context.send_activity(activity)
            except Exception as error:
                failure.append(error)

        await self._dispatch(recipient, callback, service_url_hint)
        if failure:
            raise failure[0]

    async def _dispatch(self, recipient: Recipient, callback: Any, hint: str) -> None:
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
        if not recipient.aad_object_id:
            raise LookupError("no address and no AAD object id")
        tenant = recipient.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}"),
            members=[ChannelAccount(id=recipient.aad_object_id)],
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
    """No status, and the request may have left: a read timeout or a connection lost after
    connecting. Failing to connect at all means nothing was sent."""
    if not isinstance(error, ConnectorUnreachable):
        return False
    cause = error.__cause__
    return not isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


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
