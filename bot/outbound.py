"""The one way the bot messages people proactively (invitations, sign-off requests, notices).

With a stored conversation address it continues that conversation; without one it creates a
1:1 chat from the AAD object id (TEAMS.md). 403/404 mark the address unreachable so the
sender can tell whoever asked; nothing is retried blindly here. Sends are paced to Teams'
limits per conversation and per tenant (`RateLimiter`, in this process); a 429's Retry-After
holds that conversation back and is reported on the `Delivery` for the caller to retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
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

from bot.transport import RateLimiter, card_activity, retry_after_seconds
from domain.records import Recipient
from storage.database import Database

log = logging.getLogger(__name__)
UNREACHABLE = (403, 404)


@dataclass(frozen=True)
class Delivery:
    member_id: int
    name: str
    delivered: bool
    detail: str = ""
    status: int | None = None
    retry_after: float | None = None


class Outbound:
    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        db: Database,
        *,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._db = db
        self.limiter = limiter if limiter is not None else RateLimiter()

    async def send_card(
        self, recipient: Recipient, card: dict[str, Any], service_url_hint: str
    ) -> Delivery:
        activity = card_activity(card)
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            # Errors must be caught here: with on_turn_error set, the adapter swallows them.
            try:
                await turn_context.send_activity(activity)
            except Exception as error:
                failure.append(error)

        try:
            await self.limiter.acquire(recipient.tenant_id, _conversation_key(recipient))
            await self._dispatch(recipient, callback, service_url_hint)
        except Exception as error:
            failure.append(error)
        return await self._outcome(recipient, failure)

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
            await self._adapter.continue_conversation(reference, callback, self._app_id)
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
        await self._adapter.create_conversation(
            self._app_id, callback, parameters, "msteams", hint, None
        )

    async def _outcome(self, recipient: Recipient, failure: list[BaseException]) -> Delivery:
        if not failure:
            log.info("proactive sent", extra={"member": recipient.member_id})
            return Delivery(recipient.member_id, recipient.display_name, True)
        error = failure[0]
        status = _status(error)
        retry_after = _retry_after(error) if status == 429 else None
        if retry_after is not None:
            self.limiter.defer(_conversation_key(recipient), retry_after)
        log.warning(
            "proactive failed",
            extra={
                "member": recipient.member_id,
                "status": status,
                "retry_after": retry_after,
                "error_type": type(error).__name__,
            },
        )
        # Member id 0 is a registered channel, not a person: nothing to mark.
        if status in UNREACHABLE and recipient.member_id:
            reason = f"Teams answered {status}"
            now = datetime.now(UTC)
            await self._db.run(
                lambda uow: uow.members.mark_unreachable(recipient.member_id, reason, now)
            )
        return Delivery(
            recipient.member_id,
            recipient.display_name,
            False,
            f"status {status}" if status else type(error).__name__,
            status,
            retry_after,
        )


def _conversation_key(recipient: Recipient) -> str:
    if recipient.address is not None:
        return recipient.address.conversation_id
    return f"new:{recipient.aad_object_id}"


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
