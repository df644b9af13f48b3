"""The one size check every card the bot sends passes (cards/fit.py says what a card too big
gives up): turn replies, Universal Action answers and card refreshes in bot/core.py
(`fit_cards`), proactive sends in bot/outbound.py."""

from __future__ import annotations

import logging

from cards import verbs
from cards.common import Card, card_nodes
from cards.copyable import with_copyable_addresses
from cards.fit import within_limit
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard

log = logging.getLogger(__name__)


def sendable(card: Card) -> Card:
    """`card`, with a box to copy each typed web address exactly (cards/copyable.py), then
    lightened if it must be to fit Teams' size limit. A lightened card is logged with its
    sizes, the steps taken and its action verbs (never its text), so the builder that needs
    work is found."""
    fitted = within_limit(card)
    if fitted.steps:
        log.warning(
            "card over the size limit, lightened",
            extra={
                "verbs": ",".join(card_verbs(card)),
                "steps": ",".join(fitted.steps),
                "bytes_before": fitted.size_before,
                "bytes_after": fitted.size,
            },
        )
    return _with_copy_box(fitted.card)


def _with_copy_box(card: MeasuredCard) -> Card:
    """The copy box added only to a card that fits, and only where it still fits with it:
    added first, a card near the limit was lightened for its sake, cutting the person's own
    text to keep a box that repeats it (review13b)."""
    offered = with_copyable_addresses(card)
    if offered is card:
        return card
    with_box = MeasuredCard(offered)
    return with_box if with_box.size <= TEAMS_CARD_LIMIT_BYTES else card


def card_verbs(card: Card) -> list[str]:
    """The card's action verbs (`verb`, and `data`'s), in order, once each: the names of
    cards/verbs.py only, so nothing a person typed can reach a log line."""
    found = (node.get("verb") for node in card_nodes(card))
    return list(dict.fromkeys(v for v in found if isinstance(v, str) and v in verbs.ALL))
