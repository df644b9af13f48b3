"""How a duplicate click waits for the first (bot/once.py `Once.again`), against a scripted
claim store: what it answers depends on what it saw, never on how long the first's handler
took before its answer was being stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bot import once
from bot.once import CONVERSATION, Once
from domain import idempotency
from domain.idempotency import IN_FLIGHT, Claimed, ClaimState
from domain.model import MemberView

MEMBER = MemberView(7, 1, None, "Police Practitioner (demo)", 3)
CONVERSATION_ID = "a:personal-chat"
# A committed claim still pending: the first click is running its handler.
PENDING = Claimed(fresh=False, member_id=MEMBER.id, state=ClaimState.PENDING)
MINE_IN_FLIGHT = Claimed(fresh=False, member_id=MEMBER.id, state=ClaimState.PENDING, in_flight=True)
ANSWER = {CONVERSATION: CONVERSATION_ID, "card": None, "text": "Sent for approval."}
DONE = Claimed(fresh=False, member_id=MEMBER.id, state=ClaimState.DONE, reply=ANSWER)


POLL = once.POLL_SECONDS
# Looks (one poll apart) that make the in-flight window.
WINDOW_LOOKS = round(idempotency.WAIT_FOR_IN_FLIGHT.total_seconds() / POLL)


def scripted(*seen: Claimed) -> tuple[Once, Callable[[], int]]:
    """A duplicate's looks find `seen` in turn, then the last one for ever; time passes only
    in its pauses, so what it answers never depends on this machine's speed."""
    looks: Iterator[Claimed] = iter(seen)
    count = 0
    elapsed = 0.0

    async def run(_work: Callable[[Any], Any]) -> Claimed:
        nonlocal count
        count += 1
        return next(looks, seen[-1])

    async def pause(seconds: float) -> None:
        nonlocal elapsed
        elapsed += seconds

    return Once(run, pause=pause, monotonic=lambda: elapsed), lambda: count


async def until_done(kept: Once, found: Claimed) -> once.Reply | None:
    return await kept.again(MEMBER, "click:key", found, CONVERSATION_ID)


async def test_a_first_click_slower_than_the_window_still_gives_its_duplicate_its_answer() -> None:
    """The first's claim was committed and pending for longer than the in-flight window (its
    handler ran long), then its answer was being stored (the key held again) when the
    duplicate looked: the duplicate waits for the answer, not "still being worked on"."""
    slow_handler = [PENDING] * (3 * WINDOW_LOOKS)
    kept, looks = scripted(*slow_handler, MINE_IN_FLIGHT, MINE_IN_FLIGHT, DONE)

    reply = await until_done(kept, IN_FLIGHT)

    assert reply is not None
    assert reply.text == "Sent for approval."
    assert looks() == len(slow_handler) + 3


async def test_a_transaction_holding_the_key_past_the_window_is_told_in_flight() -> None:
    """A one-unit save keeps its claim in its transaction: past the window without a break,
    the duplicate is told the first is still being worked on, and stops looking."""
    kept, looks = scripted(MINE_IN_FLIGHT)

    reply = await until_done(kept, IN_FLIGHT)

    assert reply is not None
    assert reply.text == idempotency.IN_FLIGHT_MESSAGE
    # The window is counted in float steps of a poll: it ends on its last look or the next.
    assert WINDOW_LOOKS <= looks() <= WINDOW_LOOKS + 1


async def test_a_hold_that_breaks_starts_the_window_again() -> None:
    """Held, committed, held again: each hold shorter than the window, together longer, so
    the duplicate keeps waiting for the answer."""
    held = [MINE_IN_FLIGHT] * (WINDOW_LOOKS - 2)
    kept, _looks = scripted(*held, PENDING, *held, PENDING, *held, DONE)

    reply = await until_done(kept, IN_FLIGHT)

    assert reply is not None
    assert reply.text == "Sent for approval."
