"""The one size check every card the bot sends passes (cards/fit.py says what a card too big
gives up): turn replies, Universal Action answers and card refreshes in bot/core.py
(`fit_cards`), proactive sends in bot/outbound.py."""

from __future__ import annotations

import logging

from cards.common import Card
from cards.fit import within_limit

log = logging.getLogger(__name__)


def sendable(card: Card) -> Card:
    """`card`, lightened if it must be to fit Teams' size limit. A lightened card is logged
    with its sizes and the steps taken (never its text), so a builder that needs it is found."""
    fitted = within_limit(card)
    if fitted.steps:
        log.warning(
            "card over the size limit, lightened",
            extra={
                "steps": ",".join(fitted.steps),
                "bytes_before": fitted.size_before,
                "bytes_after": fitted.size,
            },
        )
    return fitted.card
