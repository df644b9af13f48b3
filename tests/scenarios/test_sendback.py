"""A resubmitted return over HTTP, on each platform (and both databases): the lead sends it
back with comments, the practitioner changes and resubmits it, and the sign-off card the
platform's courier delivers to the lead, and the one they open, say what was sent back before
(walk12: the lead couldn't check their points were met)."""

from __future__ import annotations

import json

from cards import verbs
from domain.stale import local_day
from storage import tables as t
from tests.support.journey import LEAD, PRACTITIONER, Journey, submitted_return

ASKED = "Say who held the strategy meeting, and when."


async def test_the_resubmitted_return_s_sign_off_card_says_what_was_sent_back(
    any_journey: Journey,
) -> None:
    j = any_journey
    return_id = await submitted_return(j)
    await j.act(verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": ASKED}, LEAD)
    [row] = j.rows(t.PreAnalysisReturn)
    assert row.returned_at is not None
    said = f"You sent this back on {local_day(row.returned_at)}: {ASKED}"

    # The practitioner changes it and submits it again.
    await j.act(verbs.RETURN_NEXT, {"return_id": return_id, "section": 10}, PRACTITIONER)
    overview = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    assert "Returned for changes" in overview
    assert f"Returned by your agency lead: {ASKED}" in overview
    j.bot.connector.clear()
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)

    delivered = [
        card
        for sent in j.bot.connector.sent
        for card in sent.cards
        if "Return for sign-off" in json.dumps(card)
    ]
    assert len(delivered) == 1, "one notice to the agency's lead"
    assert said in json.dumps(delivered[0], ensure_ascii=False)
    opened = await j.card(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    assert said in opened
