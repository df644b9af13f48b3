"""One effect per click, for every handler at once (domain/idempotency.py says what a token is).

The claim is taken in the same transaction that records who spoke, before any handler runs;
the handler's reply is stored with it afterwards, or, for a handler whose last unit of work
makes its whole reply, in that unit's transaction, with the change. A verb that is one such
unit (a return's save: Router.unit_verb) has who spoke, the claim, the change and the reply
in one transaction (bot/core.py record_speaker), and nothing of a failed one is kept. A
duplicate (the same click again, or an activity Teams delivers twice) gets that stored reply,
or, while the first is still running, waits a moment for it without holding a database
thread: while the first's claim is committed and pending it looks again every 0.1 s for up
to 5 s; while the first's transaction still holds the claim's key (PostgreSQL, a one-unit
turn), for up to 1 s of that hold without a break, then it is told the first is still being
worked on (storage/claims.py). A claim in flight says whose it is (its member mark): another
member's click is refused at once as for someone else's card, as it is once the claim is
committed, never told "your first click"; a key held that long by no member's claim (a look,
an answer being stored) is said to be busy, with "press again" (`idempotency.still_waiting`).
A handler that fails releases the claim, so trying again can work.

The stored reply is bound to the conversation it was given in (`idempotency.conversation_of`):
the same click from another conversation (a personal card's data replayed in a channel) is
refused, never given that answer there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from bot.router import KeptReply, Reply
from bot.turns import Turn, TurnKind
from cards import verbs
from cards.common import stamped
from domain import idempotency
from domain.errors import DomainError, NotPermitted
from domain.idempotency import Claimed, ClaimState
from domain.model import MemberView
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
FORGED = (
    "That card was sent to someone else, so it can't be used here. "
    "Type help to see what you can do."
)


def key_for(turn: Turn, secret: bytes) -> str | None:
    """What this turn is claimed under, or None when a second delivery would do no harm.
    `secret` keys a click's hash of what was typed (domain.idempotency.click_key)."""
    if turn.kind is TurnKind.MESSAGE:
        return idempotency.activity_key(turn.activity_id) if turn.activity_id else None
    if turn.kind is not TurnKind.CARD_ACTION or turn.verb not in verbs.STATE_CHANGING:
        return None
    if idempotency.token_of(turn.data) is not None:
        return idempotency.click_key(turn.verb, turn.data, secret)
    # A card from before tokens (or one made by hand): at least one effect per delivery.
    return idempotency.activity_key(turn.activity_id) if turn.activity_id else None


def claim(uow: SqlUnitOfWork, turn: Turn, member: MemberView, key: str) -> Claimed:
    # A message has no reply worth keeping (a duplicate is dropped): it is done once claimed.
    state = ClaimState.DONE if turn.kind is TurnKind.MESSAGE else ClaimState.PENDING
    return uow.claims.claim(
        member.partnership_id, member.id, key, turn.verb or turn.kind.value, _now(), state=state
    )


def stamp(reply: Reply) -> Reply:
    """Give the reply's card its id (cards.common.stamped), so its buttons carry a token."""
    if reply.card is None:
        return reply
    card = stamped(reply.card, uuid4().hex)
    if card is reply.card:
        return reply
    return replace(reply, card=card)


class Once:
    """Runs a claimed turn's handler and keeps its answer; answers a duplicate from it."""

    def __init__(
        self,
        run: Callable[[Callable[[SqlUnitOfWork], Any]], Awaitable[Any]],
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run  # Database.run_short
        # How a duplicate waits between looks, and the clock its windows are counted on.
        self._pause = pause
        self._monotonic = monotonic

    async def first(
        self,
        member: MemberView,
        key: str,
        conversation: str,
        handler: Callable[[KeptReply], Awaitable[Reply]],
    ) -> Reply:
        """This turn took the claim: run the handler, then store its reply (or release), bound
        to `conversation` (idempotency.conversation_of). A handler that stored its reply with
        its change (Context.answer_short) is done."""
        partnership = member.partnership_id
        kept = KeptReply(lambda uow, reply: keep(uow, partnership, key, reply, conversation))
        try:
            reply = stamp(await handler(kept))
        except BaseException:
            await self._release(partnership, key)
            raise
        if kept.kept is not None and reply is kept.kept:
            return reply
        if reply.error:
            # A refusal changed nothing: the same click may be tried again.
            await self._release(partnership, key)
        else:
            stored = _stored(reply, conversation)
            await self._run(lambda uow: uow.claims.complete(partnership, key, stored))
        return reply

    async def again(
        self, member: MemberView, key: str, found: Claimed, conversation: str
    ) -> Reply | None:
        """A duplicate: the first one's reply, once it has one, if it was given in this
        conversation."""
        clock = self._monotonic
        deadline = clock() + idempotency.WAIT_FOR_FIRST.total_seconds()
        in_flight_for = idempotency.WAIT_FOR_IN_FLIGHT.total_seconds()
        # Since when the first's transaction has held the key without a break. A committed
        # pending claim seen in between starts it again: the first was then running its
        # handler, and the key held after that is its answer being stored (milliseconds), not
        # a transaction the duplicate can't see into. Counted from the duplicate's arrival, a
        # first click longer than the window told its duplicate "still being worked on" just
        # as its answer was being kept.
        in_flight_since: float | None = None
        current: Claimed | None = found
        while current is not None and current.state is ClaimState.PENDING:
            _require_same_member(current, member)
            now = clock()
            if not current.in_flight:
                in_flight_since = None
            elif in_flight_since is None:
                in_flight_since = now
            elif now - in_flight_since >= in_flight_for:
                log.info(
                    "duplicate while the first is in flight"
                    if current.member_id is not None
                    else "click while its key is held by no member's claim"
                )
                return Reply(text=idempotency.still_waiting(current))
            if now >= deadline:
                raise DomainError(idempotency.BUSY_MESSAGE)
            await self._pause(POLL_SECONDS)
            current = await self._run(lambda uow: uow.claims.find(member.partnership_id, key))
        if current is not None:
            _require_same_member(current, member)
        if current is None:
            # The first one failed and let go: this one is refused too rather than racing a
            # retry; pressing the button again starts afresh.
            raise DomainError("That didn't go through. Please press the button again.")
        if current.state is ClaimState.SPENT:
            # Its reply is no longer kept (domain/retention.py): say it was done instead.
            return Reply(text=idempotency.DONE_BEFORE_MESSAGE)
        # A reply kept before the binding names no conversation: given as before, for the day
        # its reply is kept (domain/retention.py).
        given_in = (current.reply or {}).get(CONVERSATION)
        if given_in is not None and given_in != conversation:
            log.info("duplicate from another conversation refused")
            raise NotPermitted(idempotency.ELSEWHERE_MESSAGE)
        log.info("duplicate answered from its claim")
        return _reply(current.reply)

    async def _release(self, partnership: int, key: str) -> None:
        try:
            await self._run(lambda uow: uow.claims.release(partnership, key))
        except Exception:  # the database is what failed: the claim is abandoned in time
            log.warning("claim not released")


def _require_same_member(found: Claimed, member: MemberView) -> None:
    if found.member_id is not None and found.member_id != member.id:
        log.info("claim held by another member")
        raise NotPermitted(FORGED)


def keep(uow: SqlUnitOfWork, partnership: int, key: str, reply: Reply, conversation: str) -> Reply:
    """Store the reply, stamped as it will be sent, in the handler's own transaction, bound to
    the conversation it is given in."""
    stamped_reply = stamp(reply)
    uow.claims.complete(partnership, key, _stored(stamped_reply, conversation))
    return stamped_reply


# The stored reply's own key for the conversation it was given in (not a Reply field).
CONVERSATION = "conversation"


def _stored(reply: Reply, conversation: str) -> dict[str, Any]:
    return {
        CONVERSATION: conversation,
        # As it is: a measured card is stored from the JSON it was measured as (storage/
        # database.py json_text), not encoded again.
        "card": reply.card,
        "text": reply.text,
        "attachments": list(reply.attachments),
        "aside": reply.aside,
    }


def _reply(stored: Mapping[str, Any] | None) -> Reply | None:
    if not stored:
        return None
    card = stored.get("card")
    text = stored.get("text")
    attachments = stored.get("attachments") or []
    aside = stored.get("aside")
    return Reply(
        card if isinstance(card, dict) else None,
        text if isinstance(text, str) else None,
        attachments=tuple(a for a in attachments if isinstance(a, dict)),
        aside=aside if isinstance(aside, str) else None,
    )


def _now() -> datetime:
    return datetime.now(UTC)
