"""The agency lead is told who has the comments of a return sent back: by name, in the right
number, and who Teams didn't take them to (new-user walk, 6 Dec)."""

from __future__ import annotations

from cards.common import identifier_warning
from domain.identifier_checks import confirm_key
from domain.returns import sent_back_message


def test_one_practitioner_is_named_in_the_singular() -> None:
    message = sent_back_message(["Police Practitioner"], [])
    assert message.startswith("Police Practitioner has your comments;")
    assert "practitioners" not in message


def test_two_are_named_in_the_plural() -> None:
    message = sent_back_message(["A Writer", "B Writer"], [])
    assert message.startswith("A Writer and B Writer have your comments;")


def test_whoever_teams_did_not_reach_is_said_so() -> None:
    message = sent_back_message(["A Writer"], ["B Writer"])
    assert "A Writer has your comments" in message
    assert "I couldn't reach B Writer in Teams" in message
    alone = sent_back_message([], ["B Writer"])
    assert "has your comments" not in alone
    assert "have your comments" not in alone


def test_a_return_with_no_writer_says_the_comments_wait_on_it() -> None:
    assert "No practitioner is assigned" in sent_back_message([], [])


def test_a_tick_given_is_drawn_ticked_again() -> None:
    _, tick = identifier_warning("attendees_0", "a name (K••••)", ticked=True)
    assert tick.id == confirm_key("attendees_0")
    assert tick.value == "true"
    _, fresh = identifier_warning("attendees_0", "a name (K••••)")
    assert fresh.value == "false"
