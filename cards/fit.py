"""Every card the bot sends fits Teams' size limit: what a card too big gives up, in order.

Builders fit their own cards where they know what matters: a section card drops its worked
examples, then its "Go to" list (cards/returns.py), and the typed-back block shortens long
texts (cards/common.py `fit_typed_back`). A card can still end up too big once the bot adds to
it: a stale refusal puts a notice and what was typed on the current card, which may already be
near the limit. Teams refuses a card over the limit and the person sees nothing, so the bot
passes every card it sends through `within_limit` (bot/sizing.py), which gives up, in this
order, only as much as it must:

1. optional navigation, the "Go to" list (Back, Next and the review-and-submit card still reach
   every part);
2. the typed-back block: the notice above it says instead that what was typed didn't fit;
3. everything but the card's opening lines (its title, and the notice under it that says what
   changed), with a sentence saying what happened and what to do next;
4. a fixed card saying the same, which always fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from cards import verbs
from cards.common import (
    GOTO_LIST_ID,
    TYPED_BACK_ID,
    Card,
    build,
    button,
    dumped,
    header,
    paragraph,
    replaced,
)
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard
from domain.stale import TYPED_BELOW, TYPED_NO_ROOM

TOO_BIG_TITLE: Final = "This card was too big to show"
TOO_BIG: Final = (
    "The rest of this card is too long to send in one Teams message, so it was left off. Nothing "
    "you saved is lost. Choose What can I do? to see your options, and tell your admin if "
    "this keeps happening."
)
# The opening lines kept by step 3 at most: the brand, the title, a notice, the context line.
_OPENING_LINES: Final = 4


@dataclass(frozen=True)
class Fitted:
    """The card to send, what it gave up to fit (step names, in order: empty when it fitted
    as built) and its size before and after, in bytes."""

    card: MeasuredCard
    steps: tuple[str, ...]
    size_before: int
    size: int


def within_limit(card: Card, limit: int = TEAMS_CARD_LIMIT_BYTES) -> Fitted:
    """`card` as it is when it fits `limit`, otherwise lightened step by step (the module's
    list) until it does; never over `limit` unless `limit` is below even the fixed card's size.
    Measured (cards/validation.py MeasuredCard): measuring is encoding, so an invoke's answer
    writes the JSON measured here rather than encode the card again (bot/app.py)."""
    first = measured = _measured(card)
    steps: list[str] = []
    for name, step in _STEPS:
        if measured.size <= limit:
            break
        lighter = step(measured)
        if lighter == measured:
            continue  # nothing of that kind on this card
        measured = MeasuredCard(lighter)
        steps.append(name)
    return Fitted(measured, tuple(steps), first.size, measured.size)


def _measured(card: Card) -> MeasuredCard:
    return card if isinstance(card, MeasuredCard) else MeasuredCard(card)


def without_navigation(card: Card) -> Card:
    return replaced(card, GOTO_LIST_ID, None)


def typed_pointer(card: Card) -> Card:
    """The card without what was typed: the notice that said it is below says instead that
    it didn't fit (no room taken below it), or, if no notice said so, one sentence where it was."""
    said = _retold(card, TYPED_BELOW, TYPED_NO_ROOM)
    if said != card:
        return replaced(said, TYPED_BACK_ID, None)
    return replaced(card, TYPED_BACK_ID, _POINTER)


def opening_only(card: Card) -> Card:
    """The card's opening run of text lines (the title, and a notice a refusal put under it),
    the sentence in place of what was typed if it held any, and the sentence saying the rest
    was left off."""
    opening: list[Card] = []
    for element in card.get("body", [])[:_OPENING_LINES]:
        if not isinstance(element, dict) or element.get("type") != "TextBlock":
            break
        opening.append(element)
    if _holds(card, TYPED_BACK_ID):  # what was typed is left off with the rest: say it wasn't saved
        opening.append(_POINTER)
    return build([*opening, paragraph(TOO_BIG)], [button("What can I do?", verbs.HELP)])


def too_big_card(_card: Card) -> Card:
    """The last resort: fixed text, so it always fits."""
    return build(
        [*header(TOO_BIG_TITLE), paragraph(TOO_BIG)], [button("What can I do?", verbs.HELP)]
    )


_POINTER: Final = {
    "type": "Container",
    "id": TYPED_BACK_ID,
    "style": "emphasis",
    "items": [dumped(paragraph(TYPED_NO_ROOM))],
}

_STEPS: Final[tuple[tuple[str, Callable[[Card], Card]], ...]] = (
    ("navigation", without_navigation),
    ("typed_back", typed_pointer),
    ("opening_only", opening_only),
    ("too_big_card", too_big_card),
)


def _holds(node: Any, element_id: str) -> bool:
    if isinstance(node, list):
        return any(_holds(item, element_id) for item in node)
    if isinstance(node, dict):
        return node.get("id") == element_id or any(_holds(v, element_id) for v in node.values())
    return False


def _retold(card: Card, said: str, instead: str) -> Card:
    """`card` with `said` in any element's text replaced by `instead`."""
    result: Card = _retold_in(card, said, instead)
    return result


def _retold_in(node: Any, said: str, instead: str) -> Any:
    if isinstance(node, list):
        return [_retold_in(item, said, instead) for item in node]
    if isinstance(node, dict):
        return {
            key: value.replace(said, instead)
            if key == "text" and isinstance(value, str)
            else _retold_in(value, said, instead)
            for key, value in node.items()
        }
    return node
