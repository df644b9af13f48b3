"""Every card leaves within Teams' size limit (cards/fit.py, bot/sizing.py): a stale refusal
on a card already near the limit, which the notice and the typing given back would push over
it, arrives under the limit and still says what changed. On both databases and platforms."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update

from cards import verbs
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems, card_size
from domain.idempotency import STALE_MESSAGE
from domain.stale import TYPED_HEADING, TYPED_NO_ROOM
from storage import tables as t
from tests.support.journey import Journey, button_data, signed_off_review

# How far under the limit the current card is: room for neither the notice and the typing
# given back (some 1.5 KB) nor the notice and a pointer to the typing.
UNDER_BY = 600


async def outcome_card(j: Journey, review_id: int) -> dict[str, Any]:
    reply = await j.act(verbs.OUTCOME, {"review_id": review_id})
    card: dict[str, Any] = reply["value"]
    return card


def store_needs(j: Journey, review_id: int, needs: list[str]) -> None:
    # Straight to the store: no form makes a card this near the limit in a few turns.
    with j.bot.db.session() as session, session.begin():
        session.execute(
            update(t.MeetingOutcome)
            .where(t.MeetingOutcome.review_id == review_id)
            .values(learning_needs=needs)
        )


async def test_a_stale_refusal_on_a_near_limit_card_fits_and_says_what_changed(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    older, newer = await outcome_card(j, review_id), await outcome_card(j, review_id)
    saved = {"agreed_themes": "neglect", "learning_needs": "Newer need"}
    await j.act(verbs.OUTCOME_SAVE, {**button_data(newer, verbs.OUTCOME_SAVE), **saved})

    # Pad the saved needs until the outcome card is just under the limit.
    store_needs(j, review_id, ["Newer need", "n" * 1000])
    padding = 1000 + TEAMS_CARD_LIMIT_BYTES - UNDER_BY - card_size(await outcome_card(j, review_id))
    store_needs(j, review_id, ["Newer need", "n" * padding])
    current = await outcome_card(j, review_id)
    assert 0 < TEAMS_CARD_LIMIT_BYTES - card_size(current) <= UNDER_BY + 50

    typed = {"agreed_themes": "neglect", "learning_needs": "Older need, typed on the old card."}
    reply = await j.act(verbs.OUTCOME_SAVE, {**button_data(older, verbs.OUTCOME_SAVE), **typed})
    assert reply["type"] == "application/vnd.microsoft.card.adaptive", reply
    card = reply["value"]
    assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert STALE_MESSAGE in text
    assert "Last change: Review Chair saved the outcome at " in text, "still says what changed"
    assert TYPED_NO_ROOM in text, "says the typing didn't fit"
    assert TYPED_HEADING not in text
    assert "learning_needs" in text, "the current form comes, to work on"
    [outcome] = j.rows(t.MeetingOutcome)
    assert outcome.learning_needs == ["Newer need", "n" * padding], "nothing was saved"
