"""The port between the framework-free core and a platform's edge (docs/architecture.md §10).

A `Channel` authenticates a request, reads its activity into the core's `Turn`, runs
`Bot.handle` and delivers the `Reply` (messages through the platform's connector, an invoke's
answer back for the HTTP body), and sends proactively through a `Courier`. The HTTP front
(bot/app.py: size limits, JSON, the envelope, the tenant allow-list) is shared by every edge.
No SDK is imported here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

if TYPE_CHECKING:
    from bot.core import Bot
    from bot.outbound import Outbound
    from bot.router import Reply
    from domain.records import Recipient


# A call to the connector gives up after this, on every platform; an answer later than that is
# an unknown outcome to the sender. Well inside the chaser lease (domain/chase_engine.py), so a
# send never outlives its claim. Each edge reads it when it opens its pooled session.
CONNECTOR_TIMEOUT_SECONDS = 60.0
CONNECT_TIMEOUT_SECONDS = 10.0


def connector_timeout() -> aiohttp.ClientTimeout:
    """The timeout of an edge's pooled session, read when the session opens."""
    return aiohttp.ClientTimeout(total=CONNECTOR_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)


# How long an edge keeps an idle connection to the connector. Shorter than the server's own
# idle limit, so the bot never sends on a connection the server is closing: a send that meets
# the close fails with "server disconnected", an unknown outcome nobody can resend safely.
# Node's http server (the Agents Playground) closes after 5 s; others allow longer, and a busy
# bot keeps its connections in use, so a new handshake after 4 idle seconds costs little.
IDLE_CONNECTION_SECONDS = 4.0


def pooled_connector(limit: int) -> aiohttp.TCPConnector:
    """The connection pool of an edge's session, read when the session opens."""
    return aiohttp.TCPConnector(
        limit=limit, ttl_dns_cache=300, keepalive_timeout=IDLE_CONNECTION_SECONDS
    )


class Unauthenticated(Exception):
    """The request's token is missing, invalid or unacceptable: answer 401."""


class ActivityRefused(Exception):
    """The activity's fields can't be read (wrong types): the sender's mistake, answer 400."""


@dataclass(frozen=True)
class InvokeAnswer:
    """What an invoke is answered with in the HTTP response."""

    status: int
    body: Any


CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
# The invokes the core answers; task modules, message extensions and the like are not offered
# by this app, and are told so plainly rather than answered with a 5xx.
ANSWERED_INVOKES = ("adaptiveCard/action", "fileConsent/invoke")
NOT_OFFERED = "That isn't something I do."


def invoke_answer(reply: Reply | None) -> InvokeAnswer:
    """What an invoke is answered with, on every platform (and in tests/support/core.py): a
    Universal Action's card replaces the one clicked; an error, a download's `aside` or no
    card is a message, and the card clicked stays."""
    if reply is not None and reply.aside is not None:
        return message_answer(reply.aside)
    if reply is not None and reply.card is not None and not reply.error:
        return InvokeAnswer(200, {"statusCode": 200, "type": CARD, "value": reply.card})
    return message_answer((reply.text if reply is not None else None) or "Done.")


def message_answer(text: str) -> InvokeAnswer:
    return InvokeAnswer(200, {"statusCode": 200, "type": MESSAGE, "value": text})


class Courier(Protocol):
    """The platform's half of a proactive send; pacing, outcomes and unreachable marking are
    `bot.outbound.Outbound`'s, the same on every platform."""

    async def deliver(
        self,
        recipient: Recipient,
        card: dict[str, Any],
        service_url_hint: str,
        started: Callable[[], None],
    ) -> None:
        """Send the card to the recipient's stored conversation, or create a 1:1 chat;
        `started()` once the request may leave. Raises what the connector raised."""
        ...

    def status(self, error: BaseException) -> int | None:
        """The HTTP status a failed send was answered with, if any."""
        ...

    def retry_after(self, error: BaseException) -> float | None:
        """A 429's Retry-After, in seconds."""
        ...

    def may_have_arrived(self, error: BaseException) -> bool:
        """No answer, but the request may have reached the platform (a timeout, a reset)."""
        ...


class Channel(Protocol):
    """One platform's edge: read, answer, send."""

    outbound: Outbound

    async def authenticate(self, authorization: str, body: dict[str, Any]) -> object:
        """The caller's identity, checked against the activity's channel and service URL (the
        only fields read before this); raises Unauthenticated."""
        ...

    async def answer(self, identity: object, body: dict[str, Any], bot: Bot) -> InvokeAnswer | None:
        """Read the checked activity into a Turn, let the core handle it and deliver the
        reply; an invoke's answer is returned. Raises ActivityRefused on unreadable fields."""
        ...

    async def close(self) -> None:
        """Release pooled connections (app cleanup)."""
        ...


TurnCallback = Callable[[Any], Awaitable[None]]


async def send_in_turn(
    open_turn: Callable[[TurnCallback], Awaitable[object]],
    send: Callable[[Any], Awaitable[object]],
    started: Callable[[], None],
) -> None:
    """A proactive send as both SDKs make one: `open_turn(callback)` runs the callback in a turn
    on the recipient's conversation, where `send(context)` sends. The send's error is raised
    here, after the turn: both adapters would hand it to their turn-error handler, which only
    logs, and `Outbound` must judge it."""
    failure: list[BaseException] = []

    async def callback(context: Any) -> None:
        started()
        try:
            await send(context)
        except Exception as error:
            failure.append(error)

    await open_turn(callback)
    if failure:
        raise failure[0]


def new_chat_member(recipient: Recipient) -> str:
    """Who a new 1:1 chat is opened with when the recipient has no stored conversation."""
    if not recipient.aad_object_id:
        raise LookupError("no address and no AAD object id")
    return recipient.aad_object_id


def may_have_left(error: BaseException) -> bool:
    """An HTTP send that failed with no answer, after the request may have left: a read timeout
    or a connection lost after connecting. Failing to connect means nothing was sent."""
    unsent = aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    answered = aiohttp.ClientResponseError
    return isinstance(error, aiohttp.ClientError | TimeoutError) and not isinstance(
        error, unsent | answered
    )
