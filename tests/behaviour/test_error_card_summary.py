"""An error card about a review leads back to it (SQLite and PostgreSQL).

Found walking the Agents Playground: `pack LOS-2026-001` typed before any return was in said
"That didn't work" and offered only "What can I do?". When the review is one the person may
open, the card offers its summary too; when it isn't, nothing about it is given away.
"""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from storage import tables as t
from tests.support.journey import OUTSIDER, Journey, open_review


def buttons(card: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(a["title"], a["verb"], a["data"]) for a in card.get("actions", [])]


async def error_card_for(j: Journey, text: str, aad: str | None = None) -> dict[str, Any]:
    j.bot.connector.clear()
    await (j.say(text) if aad is None else j.say(text, aad))
    [card] = j.bot.connector.cards()
    assert "That didn't work" in str(card["body"]), card
    return card


async def test_an_error_about_a_review_the_chair_may_open_offers_its_summary(
    any_journey: Journey,
) -> None:
    j = any_journey
    review_id, _ = await open_review(j)
    reference = j.rows(t.Review)[0].reference
    card = await error_card_for(j, f"pack {reference}")
    assert "there is nothing for the meeting pack" in str(card["body"]), card
    summary, help_ = buttons(card)
    assert summary[:2] == ("Review summary", verbs.SUMMARY), summary
    assert summary[2]["review_id"] == review_id, summary
    assert help_[:2] == ("What can I do?", verbs.HELP), help_
    # Any spelling with its prefix names the review.
    card = await error_card_for(j, f"pack {reference.lower().replace('-', ' ')}")
    assert [b[0] for b in buttons(card)] == ["Review summary", "What can I do?"]
    # The button opens the summary.
    opened = await j.card(verbs.SUMMARY, summary[2])
    assert f"Summary · {reference}" in opened


async def test_an_error_about_a_review_someone_may_not_see_offers_only_help(
    any_journey: Journey,
) -> None:
    j = any_journey
    await open_review(j)
    reference = j.rows(t.Review)[0].reference
    # A Demo Health practitioner, with no part in the review: it is not theirs to open.
    card = await error_card_for(j, f"pack {reference}", OUTSIDER)
    assert [b[0] for b in buttons(card)] == ["What can I do?"], buttons(card)
    # An error that names no review offers no review either.
    card = await error_card_for(j, "pack")
    assert [b[0] for b in buttons(card)] == ["What can I do?"], buttons(card)
    card = await error_card_for(j, "pack LOS-2099-999")
    assert [b[0] for b in buttons(card)] == ["What can I do?"], buttons(card)


async def test_a_forged_review_id_is_refused_and_offers_no_review(
    any_journey: Journey,
) -> None:
    """Card data as anyone may forge it: an id no database integer holds, a negative one, a
    string that isn't digits, or JSON's true (which Python counts as 1, so the pack, the
    guide and every chaired-review control took it for review 1) is refused, and the error
    offers no review."""
    j = any_journey
    await open_review(j)
    for forged in (10**30, -1, "1e9", True):
        reply = json.dumps(await j.act(verbs.PACK, {"review_id": forged}))
        assert "can't find that review" in reply, reply
        assert "Review summary" not in reply, reply
