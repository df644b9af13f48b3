"""What a click is told when the claim it met is still held after a second: a member's first
click is still being worked on; a key held by no member's claim (a duplicate's look, an answer
being stored) read as "unknown" and was told the same, which
was nobody's first click, promised an answer that would not come and gave no way on (docs12)."""

from __future__ import annotations

from dataclasses import replace

from domain.idempotency import (
    HELD_MESSAGE,
    IN_FLIGHT,
    IN_FLIGHT_MESSAGE,
    Claimed,
    ClaimState,
    still_waiting,
)


def test_a_member_s_claim_in_flight_is_their_first_click() -> None:
    assert still_waiting(replace(IN_FLIGHT, member_id=7)) == IN_FLIGHT_MESSAGE


def test_a_key_held_by_no_member_s_claim_is_said_busy_with_a_way_on() -> None:
    assert IN_FLIGHT.member_id is None
    told = still_waiting(IN_FLIGHT)
    assert told == HELD_MESSAGE
    assert "first click" not in told
    assert "will appear" not in told, "no answer is promised: none is coming"
    assert "Nothing was done" in told
    assert "Press the button again in a moment" in told


def test_a_settled_claim_is_never_asked() -> None:
    """Only an in-flight claim reaches it; a committed one says whose it is."""
    settled = Claimed(fresh=False, member_id=3, state=ClaimState.DONE)
    assert still_waiting(settled) == IN_FLIGHT_MESSAGE
