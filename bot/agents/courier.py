"""The Agents SDK edge's half of a proactive send (bot/channel.py `Courier`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AnonymousTokenProvider,
    AuthenticationConstants,
    ClaimsIdentity,
)

from bot.channel import TurnCallback, may_have_left, new_chat_member, send_in_turn
from bot.pacing import retry_after_seconds
from domain.records import Recipient

CARD = "application/vnd.microsoft.card.adaptive"


class LocalConnections:
    """The SDK's `Connections` for local mode: no app id, so no token on outgoing calls (as
    botbuilder sends none there)."""

    def __init__(self) -> None:
        self._anonymous = AnonymousTokenProvider()

    def get_connection(self, connection_name: str) -> AccessTokenProviderBase:
        return self._anonymous

    def get_default_connection(self) -> AccessTokenProviderBase:
        return self._anonymous

    def get_token_provider(
        self, claims_identity: ClaimsIdentity, service_url: str
    ) -> AccessTokenProviderBase:
        return self._anonymous

    def get_token_provider_from_activity(self, *args: Any) -> AccessTokenProviderBase:
        return self._anonymous

    def get_default_connection_configuration(self) -> Any:
        return None


class AgentsCourier:
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
        attachment = Attachment(content_type=CARD, content=dict(card))
        activity = Activity(type="message", attachment_layout="list", attachments=[attachment])

        async def send(context: TurnContext) -> None:
            await context.send_activity(activity)

        async def open_turn(callback: TurnCallback) -> None:
            await self._open_turn(recipient, callback, service_url_hint)

        await send_in_turn(open_turn, send, started)

    async def _open_turn(self, recipient: Recipient, callback: TurnCallback, hint: str) -> None:
        address = recipient.address
        # The app's own identity asks the connection for a token (bot/agents/tokens.py); local
        # mode has no app id, and sends none.
        identity = (
            self.adapter.create_claims_identity(self._app_id)
            if self._app_id
            else ClaimsIdentity({}, authentication_type="Anonymous")
        )
        if address is not None:
            reference = ConversationReference(
                channel_id="msteams",
                service_url=address.service_url,
                conversation=ConversationAccount(
                    id=address.conversation_id,
                    tenant_id=address.tenant_id,
                    conversation_type=address.conversation_type,
                ),
                agent=ChannelAccount(id=address.bot_id),
                user=ChannelAccount(id=address.user_id, aad_object_id=address.aad_object_id),
            )
            await self.adapter.continue_conversation_with_claims(
                identity,
                reference.get_continuation_activity(),
                callback,
                AuthenticationConstants.AGENTS_SDK_SCOPE,
            )
            return
        member = new_chat_member(recipient)
        tenant = recipient.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            agent=ChannelAccount(id=f"28:{self._app_id}"),
            members=[ChannelAccount(id=member)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        await self.adapter.create_conversation(
            self._app_id,
            "msteams",
            hint,
            AuthenticationConstants.AGENTS_SDK_SCOPE,
            parameters,
            callback,
        )

    def status(self, error: BaseException) -> int | None:
        return error.status if isinstance(error, aiohttp.ClientResponseError) else None

    def retry_after(self, error: BaseException) -> float | None:
        headers = error.headers if isinstance(error, aiohttp.ClientResponseError) else None
        return retry_after_seconds(headers.get("Retry-After")) if headers else None

    def may_have_arrived(self, error: BaseException) -> bool:
        return may_have_left(error)  # the SDK's connector raises aiohttp's own errors
