"""The one way the bot messages people proactively (invitations, sign-off requests, notices).

With a stored conversation address it continues that conversation; without one it creates a
1:1 chat from the AAD object id (docs/teams-platform.md); the platform's `Courier`
(bot/channel.py) does the sending, so this module is the same on every platform. 403/404 mark
the address unreachable so the sender can tell whoever asked; nothing is retried blindly here.
A 401 (the connector refused the app's token, so nothing was sent) is sent once more: each
edge has dropped the refused token by then (bot/botframework/connector.py, bot/agents/
connector.py), so the second try carries a fresh one.
Sends are paced to Teams' limits per conversation and per tenant (`RateLimiter`, in this
process); a 429's Retry-After holds that conversation back and is reported on the `Delivery`
for the caller to retry. A caller that must not wait long (the chaser sweep) passes
`max_wait`: a conversation held back longer is not sent to, and the `Delivery` says when to
come back (`deferred`). A send whose request may have reached Teams without an answer saying
so (a timeout, a reset connection) is `unknown`: the card may or may not have arrived.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from bot.channel import Courier
from bot.pacing import RateLimiter
from bot.sizing import sendable
from cards.common import stamped
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
    # The request may have reached Teams, but no answer says whether it did.
    unknown: bool = False
    # Not sent: the conversation is held back longer than the caller's `max_wait`.
    deferred: bool = False


class Outbound:
    """Proactive sends on any platform: the platform's `Courier` sends, this paces them and
    judges the outcome."""

    def __init__(
        self, courier: Courier, db: Database, *, limiter: RateLimiter | None = None
    ) -> None:
        self.courier = courier
        self._db = db
        self.limiter = limiter if limiter is not None else RateLimiter()

    async def send_card(
        self,
        recipient: Recipient,
        card: dict[str, Any],
        service_url_hint: str,
        *,
        max_wait: float | None = None,
    ) -> Delivery:
        if not recipient.active:
            # An admin ended their access: nothing proactive reaches them (a chaser's chair
            # hears it was not delivered, as of any other failed send).
            log.info("proactive skipped: access ended", extra={"member": recipient.member_id})
            return Delivery(recipient.member_id, recipient.display_name, False, "access ended")
        conversation = _conversation_key(recipient)
        if max_wait is not None:
            wait = self.limiter.wait_for(conversation)
            if wait > max_wait:
                return _deferred(recipient, wait)
        # Each card sent gets its own id: the token its state-changing buttons carry. Then
        # the size check, on the card as sent: Teams refuses one over its limit.
        card = sendable(stamped(card, uuid4().hex))
        failure: list[BaseException] = []
        sending: list[bool] = []
        for attempt in range(2):
            failure.clear()
            try:
                await self.limiter.acquire(recipient.tenant_id, conversation)
                await self.courier.deliver(
                    recipient, card, service_url_hint, lambda: sending.append(True)
                )
            except Exception as error:
                failure.append(error)
            if not failure or attempt or self.courier.status(failure[0]) != 401:
                break
            log.info(
                "proactive token refused, sending again", extra={"member": recipient.member_id}
            )
        return await self._outcome(recipient, failure, bool(sending))

    async def _outcome(
        self, recipient: Recipient, failure: list[BaseException], sending: bool
    ) -> Delivery:
        if not failure:
            log.info("proactive sent", extra={"member": recipient.member_id})
            return Delivery(recipient.member_id, recipient.display_name, True)
        error = failure[0]
        status = self.courier.status(error)
        retry_after = self.courier.retry_after(error) if status == 429 else None
        if retry_after is not None:
            self.limiter.defer(_conversation_key(recipient), retry_after)
        log.warning(
            "proactive failed",
            extra={
                "member": recipient.member_id,
                "status": status,
                "retry_after": retry_after,
                "error_type": type(error).__name__,
                "unknown": sending and self.courier.may_have_arrived(error),
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
            unknown=sending and self.courier.may_have_arrived(error),
        )


def _deferred(recipient: Recipient, wait: float) -> Delivery:
    log.info("proactive deferred", extra={"member": recipient.member_id, "retry_after": wait})
    return Delivery(
        recipient.member_id,
        recipient.display_name,
        False,
        "held back by Retry-After",
        retry_after=wait,
        deferred=True,
    )


def _conversation_key(recipient: Recipient) -> str:
    if recipient.address is not None:
        return recipient.address.conversation_id
    return f"new:{recipient.aad_object_id}"
