"""The new-user walk of a lead's sign-off over HTTP, on both platforms and both databases: a
lead who writes the return too sends it back with comments and a part to start at; the reply
says it is back with them and its button opens the return there (before: "it's back with
you" with nothing to press, a dead end)."""

from __future__ import annotations

from cards import verbs
from tests.support.journey import LEAD, Journey, answered_by_lead_who_writes, button_data


async def test_back_with_the_lead_who_writes_it_opens_where_they_chose(
    any_journey: Journey,
) -> None:
    j = any_journey
    return_id = await answered_by_lead_who_writes(j)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, LEAD)
    typed = {"return_id": return_id, "comments": "Add the dates.", "comment_on": "s:3"}
    done = (await j.act(verbs.SIGNOFF_RETURN, typed, LEAD))["value"]
    assert "It's back with you to change" in str(done)
    opens = button_data(done, verbs.RETURN_OPEN)
    assert opens["return_id"] == return_id
    card = await j.card(verbs.RETURN_OPEN, opens, LEAD)
    assert "Section 4 of 11" in card, "where the lead chose for the practitioner to start"
    assert "Add the dates." in card
