"""A button marked to open beside (cards.common OPENS_BESIDE) brings its card as a new message
only in a personal chat: in a channel or group chat a new message is everyone's, where the
answer to a click is the clicker's own (bot/core.py `beside`)."""

from __future__ import annotations

import pytest

from bot.core import BESIDE, beside
from bot.router import Reply
from bot.turns import Turn, TurnKind
from cards.common import OPENS_BESIDE
from domain.model import Actor, ConversationAddress

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}


def _turn(conversation_type: str, data: dict[str, object]) -> Turn:
    address = ConversationAddress(
        "https://smba.example/", "a:1", "tenant", "bot", "user", "aad", conversation_type
    )
    actor = Actor("tenant", "aad", "user", "Alex Wilber")
    return Turn(TurnKind.CARD_ACTION, actor, address, verb="show_item", data=data)


def test_in_a_personal_chat_the_card_comes_beside() -> None:
    answered = beside(_turn("personal", {OPENS_BESIDE: 1}), Reply(CARD))
    assert answered.aside == BESIDE


@pytest.mark.parametrize("conversation_type", ["channel", "groupChat"])
def test_in_a_channel_or_group_the_card_replaces_the_clicked_one(conversation_type: str) -> None:
    reply = Reply(CARD)
    assert beside(_turn(conversation_type, {OPENS_BESIDE: 1}), reply) is reply


def test_an_unmarked_button_s_card_replaces_the_clicked_one() -> None:
    reply = Reply(CARD)
    assert beside(_turn("personal", {}), reply) is reply


def test_in_a_channel_a_handler_s_own_aside_is_dropped_too() -> None:
    """The summary names its own aside ("The summary of … is below."): in a channel it too
    replaces the card clicked, for the clicker."""
    answered = beside(_turn("channel", {OPENS_BESIDE: 1}), Reply(CARD, aside="It is below."))
    assert answered.aside is None
