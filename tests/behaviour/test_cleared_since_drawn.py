"""A colleague's clearing is a change like their edit (domain/returns.py `clash`): a card drawn
holding an answer that has since been cleared, or whose key practice episode has since been
removed, never writes it back. A box left as drawn stays as the colleague left it, unannounced,
as it does after a colleague's newer answer; a box changed there is not saved, the person is
told, and what they typed comes back under "What you typed (not saved)". Over HTTP, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from cards.common import inputs_shown
from domain.stale import TYPED_HEADING
from storage import tables as t
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    COLLEAGUE,
    PRACTITIONER,
    Journey,
    button_data,
    episode_key,
    open_review,
)

EPISODES = next(i for i, s in enumerate(BANK.sections) if s.repeatable)


def _as_drawn(card: dict[str, Any]) -> dict[str, Any]:
    """What Save on `card` sends when nobody touches it: the button's data and each input as
    the card drew it (the Go-to list left alone)."""
    held = {k: s.value for k, s in inputs_shown(card).items() if s.value is not None}
    return {**button_data(card, verbs.RETURN_SAVE), **held}


def _answers(j: Journey, return_id: int) -> dict[tuple[str, int], Any]:
    return {
        (a.question_id, a.episode): a.value for a in j.rows(t.Answer) if a.return_id == return_id
    }


async def test_an_answer_cleared_since_the_card_was_drawn_is_not_written_back(
    journey_each: Journey,
) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    first = {"return_id": return_id, "section": 0, "agency_team": "First version"}
    await j.act(verbs.RETURN_SAVE, first, PRACTITIONER)
    drawn = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": 0}, COLLEAGUE)
    sent = _as_drawn(drawn["value"])
    assert sent["agency_team"] == "First version"
    # The practitioner clears it from a fresh card.
    mine = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": 0}, PRACTITIONER)
    await j.act(verbs.RETURN_SAVE, {**_as_drawn(mine["value"]), "agency_team": ""}, PRACTITIONER)
    assert _answers(j, return_id) == {}
    # The colleague, never touching that box, answers another and saves: theirs goes in, the
    # clearing stands, and nothing comes back as typed (they typed nothing there).
    card = await j.card(verbs.RETURN_SAVE, {**sent, "author_role": "Named nurse"}, COLLEAGUE)
    assert _answers(j, return_id) == {("author_role", 0): "Named nurse"}
    assert TYPED_HEADING not in card
    assert "First version" not in card
    assert inputs_shown(json.loads(card))["agency_team"].value in (None, "")
    # Changed from what the card drew, it is a clash like a colleague's edit: not saved, told,
    # given back.
    card = await j.card(
        verbs.RETURN_SAVE, {**sent, "agency_team": "Colleague's version"}, COLLEAGUE
    )
    assert "was cleared after you opened this card" in card
    assert TYPED_HEADING in card
    assert "Colleague's version" in card
    assert _answers(j, return_id) == {("author_role", 0): "Named nurse"}


def _episode(return_id: int, number: int, when: str, headline: str) -> dict[str, Any]:
    answers = valid_answers(BANK.sections[EPISODES])
    text = next(q.id for q in BANK.sections[EPISODES].questions if q.type.value == "long_text")
    return {
        "return_id": return_id,
        "section": EPISODES,
        "episode": number,
        **answers,
        "episode_date": when,
        text: headline,
        "episode_impact": "",  # left for later: empty in every episode
    }


async def test_an_episode_removed_since_the_card_was_drawn_is_not_written_back(
    journey_each: Journey,
) -> None:
    """Episode 2's card, drawn before a colleague removed episode 2: what was episode 3 is
    episode 2 now (new rows, at revision 1 again, as the card's were), so only the card's marks
    tell the answers apart. Saved untouched, it writes nothing over them; with a box typed in
    that is empty in both, nothing goes into the episode that took its number; the last
    episode's card, once that episode is removed, brings nothing back."""
    j = journey_each
    _, return_id = await open_review(j)
    for number, when in ((1, "2025-01-01"), (2, "2025-02-02"), (3, "2025-03-03")):
        headline = f"Episode headline {when}"
        await j.act(verbs.RETURN_SAVE, _episode(return_id, number, when, headline), PRACTITIONER)
    drawn = [
        await j.act(
            verbs.RETURN_OPEN,
            {"return_id": return_id, "section": EPISODES, "episode": n},
            COLLEAGUE,
        )
        for n in (2, 2, 3)
    ]
    second, typed, third = (_as_drawn(card["value"]) for card in drawn)
    assert "episode_key" in second, "the card names the episode it drew"
    assert second["episode_date"] == "2025-02-02"
    removal = {"return_id": return_id, "section": EPISODES, "episode": 2}
    key = episode_key(j, return_id, 2)
    await j.act(verbs.EPISODE_REMOVE, {**removal, "episode_key": key}, PRACTITIONER)
    before = _answers(j, return_id)
    assert before[("episode_date", 2)] == "2025-03-03"
    card = await j.card(verbs.RETURN_SAVE, second, COLLEAGUE)
    assert _answers(j, return_id) == before, "episode 3, renumbered 2, is as it was"
    assert TYPED_HEADING not in card
    card = await j.card(
        verbs.RETURN_SAVE, {**typed, "episode_impact": "Colleague's impact"}, COLLEAGUE
    )
    assert "Episode 2 is not the one this card showed" in card
    assert TYPED_HEADING in card
    assert "Colleague's impact" in card
    assert _answers(j, return_id) == before, "nothing typed went into the other episode"
    # The card drew episode 3, which is no longer there: saved untouched, it stays removed.
    await j.act(verbs.RETURN_SAVE, third, COLLEAGUE)
    assert _answers(j, return_id) == before
    assert not any(number == 3 for _, number in _answers(j, return_id))
