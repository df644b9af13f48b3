"""What a kept answer is bound to (domain/idempotency.py `conversation_of`): the conversation,
a channel thread's suffix left off, hashed."""

from __future__ import annotations

from domain.idempotency import conversation_of

CHANNEL = "19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2"


def test_one_channels_threads_are_one_conversation() -> None:
    assert conversation_of(CHANNEL + ";messageid=1732612000000") == conversation_of(CHANNEL)
    assert conversation_of(CHANNEL + ";messageid=1") == conversation_of(CHANNEL + ";messageid=2")


def test_a_chat_and_a_channel_are_not() -> None:
    assert conversation_of("a:chat-demo-user") != conversation_of(CHANNEL)
    assert conversation_of("a:chat-demo-user") != conversation_of("a:chat-demo-other")


def test_the_id_itself_is_not_kept() -> None:
    bound = conversation_of("a:chat-demo-user")
    assert "chat" not in bound
    assert len(bound) == 32
