"""The core driver and the HTTP edge agree (docs/architecture.md §11): one behaviour journey,
from a review's creation to its return signed off (invitations, the sign-off request and the
chair's notice sent proactively on the way), gets the same answers and the same cards, to the
same conversations, through `Bot.handle` directly as over HTTP on each platform. The behaviour
scenarios in tests/behaviour/ run on the core alone because of this."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from domain.idempotency import REVISION
from tests.conftest import BotUnderTest
from tests.support.core import core_bot
from tests.support.journey import AnyBot, Exchange, Journey, journey_on, signed_off_review

# What two runs differ in: each card's own id (bot/once.py `stamp`), new on every card, and a
# button's revision of what it acts on, a digest that covers when the thing last changed.
CARD_ID = re.compile(r"\b[0-9a-f]{32}\b")
REVISION_VALUE = re.compile(rf'"{REVISION}": "[0-9a-f]+"')


class Recorded(Journey):
    """A journey that keeps every turn's exchange."""

    def __init__(self, bot: AnyBot) -> None:
        super().__init__(bot)
        self.exchanges: list[Exchange] = []
        # Activities a click sent beside its answer: its answer is the invoke's body, so these
        # went to others (the journey's people share one chat, so the conversation can't tell).
        self.proactive = 0

    async def turn(self, body: dict[str, Any]) -> Exchange:
        result = await super().turn(body)
        self.exchanges.append(result)
        if body.get("type") == "invoke":
            self.proactive += len(result.sent)
        return result


async def _walk(bot: AnyBot) -> tuple[list[Any], int]:
    j = Recorded(bot)
    await journey_on(bot)  # the partnership; its own turns are "help" for each person
    await signed_off_review(j)
    seen = [(e.status, e.body, e.to, [_said(s) for s in e.sent], e.created) for e in j.exchanges]
    text = CARD_ID.sub("<card id>", json.dumps(seen, ensure_ascii=False))
    return json.loads(REVISION_VALUE.sub(f'"{REVISION}": "<revision>"', text)), j.proactive


async def test_a_journey_through_the_core_gets_what_it_gets_over_http(
    bot: BotUnderTest, tmp_path: Path
) -> None:
    over_http, _ = await _walk(bot)
    async with core_bot(tmp_path / "core", f"sqlite:///{tmp_path / 'core.db'}") as core:
        on_core, proactive = await _walk(core)
    assert len(on_core) == len(over_http) > 15
    for step, (core_turn, http_turn) in enumerate(zip(on_core, over_http, strict=True)):
        assert core_turn == http_turn, f"turn {step} differs"
    cards = [card for _, _, _, sent, _ in on_core for s in sent for card in _cards(s)]
    assert len(cards) >= 3, "the cards sent were compared too"
    # Proactive sends, not only replies: activities to people who didn't speak in that turn
    # (the invited practitioner, the lead asked to sign off).
    assert proactive >= 2, "the proactive sends were compared too"


# What a person sees of a sent activity; the envelope (ids, timestamps, channel fields) is
# each SDK's own, and the edge suites' to check.
SEEN = ("type", "text", "attachmentLayout")
ATTACHMENT = ("contentType", "content", "contentUrl", "name")


def _said(sent: dict[str, Any]) -> dict[str, Any]:
    seen = {key: sent[key] for key in SEEN if sent.get(key) is not None}
    attachments = sent.get("attachments") or []
    seen["attachments"] = [
        {k: a[k] for k in ATTACHMENT if a.get(k) is not None} for a in attachments
    ]
    seen["to"] = (sent.get("recipient") or {}).get("aadObjectId")
    return seen


def _cards(sent: dict[str, Any]) -> list[Any]:
    return [a["content"] for a in sent.get("attachments") or [] if "content" in a]
