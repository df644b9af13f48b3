"""Removing a draft action item or a key practice episode names it by a stable key, not by its
place in a list (issue 16): after another removal (a colleague's, or a racing click), a card
drawn before it is refused and says why, instead of removing whichever item moved into that
place. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from storage import tables as t
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    PRACTITIONER,
    Journey,
    draft_key,
    episode_key,
    good_action,
    open_review,
    police_id,
    signed_off_review,
)

EPISODES = next(i for i, s in enumerate(BANK.sections) if s.repeatable)


def _drafts(j: Journey) -> list[str]:
    """Which drafts are left, by the word each description ends with."""
    [outcome] = j.rows(t.MeetingOutcome)
    return [str(d["description"]).rsplit(" ", 1)[-1] for d in outcome.draft_actions]


async def test_a_stale_remove_of_an_action_item_removes_nothing(journey_each: Journey) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    for word in ("first", "second", "third"):
        action = good_action(police_id(j))
        action["description"] = f"{action['description']} ({word})"
        await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **action})
    first, second = draft_key(j, 0), draft_key(j, 1)
    await j.act(verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": first})
    stale = await j.act(verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": first})
    assert "has been removed" in json.dumps(stale)
    assert _drafts(j) == ["(second)", "(third)"], "nothing else removed"
    edit = await j.act(verbs.ACTION_FORM, {"review_id": review_id, "action_key": second})
    assert "Edit action A1" in json.dumps(edit), "the key follows the item to its new place"
    await j.act(verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": second})
    assert _drafts(j) == ["(third)"]


async def test_keep_as_it_is_names_drafts_by_key(journey_each: Journey) -> None:
    """The 'keep these as they are' tick follows its draft when an earlier one is removed,
    and a tick for a removed draft confirms nothing."""
    j = journey_each
    review_id = await signed_off_review(j)
    for word in ("first", "second"):
        vague = {
            **good_action(police_id(j)),
            "description": f"Raise awareness of neglect ({word})",
            "success_measure": "",
        }
        await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **vague})
    first, second = draft_key(j, 0), draft_key(j, 1)
    await j.act(verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": first})
    save = {"review_id": review_id, "agreed_themes": "neglect"}
    await j.act(verbs.OUTCOME_SAVE, {**save, "keep": first})
    [outcome] = j.rows(t.MeetingOutcome)
    assert [d["confirmed"] for d in outcome.draft_actions] == [False], "a removed draft's tick"
    await j.act(verbs.OUTCOME_SAVE, {**save, "keep": second})
    [outcome] = j.rows(t.MeetingOutcome)
    assert [(d["key"], d["confirmed"]) for d in outcome.draft_actions] == [(second, True)]


def _episode(return_id: int, number: int, when: str) -> dict[str, Any]:
    answers = valid_answers(BANK.sections[EPISODES])
    return {
        "return_id": return_id,
        "section": EPISODES,
        "episode": number,
        **answers,
        "episode_date": when,
    }


async def test_a_stale_remove_of_an_episode_removes_nothing(journey_each: Journey) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    for number, when in ((1, "2025-01-01"), (2, "2025-02-02"), (3, "2025-03-03")):
        await j.act(verbs.RETURN_SAVE, _episode(return_id, number, when), PRACTITIONER)
    keys = [episode_key(j, return_id, n) for n in (1, 2, 3)]

    def removal(number: int, key: str) -> dict[str, Any]:
        return {"return_id": return_id, "section": EPISODES, "episode": number, "episode_key": key}

    await j.act(verbs.EPISODE_REMOVE, removal(1, keys[0]), PRACTITIONER)
    # A card drawn before that removal: its episode 2 is now the third one, renumbered 2.
    for number, key in ((1, keys[0]), (2, keys[1])):
        stale = await j.act(verbs.EPISODE_REMOVE, removal(number, key), PRACTITIONER)
        assert "no longer where this card showed it" in json.dumps(stale)
    assert _dates(j, return_id) == {1: "2025-02-02", 2: "2025-03-03"}, "nothing else removed"
    current = episode_key(j, return_id, 2)
    await j.act(verbs.EPISODE_REMOVE, removal(2, current), PRACTITIONER)
    assert _dates(j, return_id) == {1: "2025-02-02"}


def _dates(j: Journey, return_id: int) -> dict[int, Any]:
    return {
        a.episode: a.value
        for a in j.rows(t.Answer)
        if a.return_id == return_id and a.question_id == "episode_date"
    }
