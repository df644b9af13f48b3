"""Issue 14, item 3 over HTTP (SQLite and PostgreSQL): a practitioner reopens an earlier key
practice episode without deleting a later one, reaches any part from the review-and-submit
card, and sees a possible identifier on the save that found it."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from storage import tables as t
from tests.support.answers import valid_answers
from tests.support.journey import BANK, PRACTITIONER, Journey, open_review

EPISODES = BANK.section_index("episodes")
TEXT = next(q.id for q in BANK.section(EPISODES).questions if q.type.value == "long_text")


def button(card: Any, title: str) -> dict[str, Any]:
    """The data of the button with this title, anywhere on the card."""
    if isinstance(card, list):
        found = [button(item, title) for item in card]
        return next((f for f in found if f), {})
    if not isinstance(card, dict):
        return {}
    if card.get("type") == "Action.Execute" and card.get("title") == title:
        return dict(card["data"])
    return button(list(card.values()), title)


def episode(return_id: int, number: int, text: str) -> dict[str, Any]:
    answers = valid_answers(BANK.section(EPISODES))
    return {"return_id": return_id, "section": EPISODES, "episode": number, **answers, TEXT: text}


async def test_an_earlier_episode_reopens_and_later_ones_stay(any_journey: Journey) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    await j.act(
        verbs.EPISODE_ADD, episode(return_id, 1, "First episode, at the clinic."), PRACTITIONER
    )
    await j.act(
        verbs.RETURN_SAVE, episode(return_id, 2, "Second episode, a home visit."), PRACTITIONER
    )
    # From the overview: every section and both episodes are in the Go to list.
    overview = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    for value in (f"s:{EPISODES}:1", f"s:{EPISODES}:2", "s:0", "s:10", "chronology"):
        assert f'"value": "{value}"' in overview, value
    reply = await j.act(
        verbs.RETURN_OPEN, {"return_id": return_id, "goto": f"s:{EPISODES}:1"}, PRACTITIONER
    )
    card = json.dumps(reply["value"])
    assert "Episode 1 of up to 10" in card
    assert "First episode, at the clinic." in card
    # Fix episode 1 and jump on from the section card itself: saved first, episode 2 kept.
    go = button(reply["value"], "Save and open")
    fixed = {**go, **episode(return_id, 1, "First episode, at the GP clinic.")}
    card = await j.card(verbs.RETURN_SAVE, {**fixed, "goto": f"s:{EPISODES}:2"}, PRACTITIONER)
    assert "Episode 2 of up to 10" in card
    texts = {(a.question_id, a.episode): a.value for a in j.rows(t.Answer)}
    assert texts[(TEXT, 1)] == "First episode, at the GP clinic."
    assert texts[(TEXT, 2)] == "Second episode, a home visit."


async def test_a_possible_identifier_is_shown_on_the_save_that_found_it(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    data = {"return_id": return_id, "section": 0, **valid_answers(BANK.section(0))}
    data["agency_team"] = "Team at HU1 2AB"
    card = await j.card(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert "Section 1 of 11" in card, "it stays on the card it was typed in"
    assert "Saved as a draft" in card
    assert "postcode" in card.lower()
    assert "Team at HU1 2AB" in {a.value for a in j.rows(t.Answer)}, "the draft still saved"
    # Pressing Next again, unchanged, moves on: the warning is the practitioner's call.
    card = await j.card(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert "Section 2 of 11" in card
    overview = json.loads(
        json.dumps(await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER))
    )
    assert "Possible identifiers to check" in json.dumps(overview["value"])
