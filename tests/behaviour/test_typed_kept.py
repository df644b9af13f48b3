"""New-user walk, 6 Dec (SQLite and PostgreSQL): a card drawn again shows what this person
typed or chose, not the stored value, and a text confirmed "not identifying" stays confirmed
until it is changed. The outcome card keeps its date, themes and choices through an identifier
warning and does not ask again about attendees it saved; the agency lead's "where should the
practitioner start?" survives a warning in the comments, and the lead is told who has them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.app import SERVICES
from cards import verbs
from domain.identifier_checks import OVERRIDE_ACTION, confirm_key
from domain.meeting import ACTION_KEY
from storage import tables as t
from tests.support.journey import (
    LEAD,
    PRACTITIONER,
    Journey,
    button_data,
    draft_key,
    good_action,
    police_id,
    signed_off_review,
    submitted_return,
)

NAMED = "DS Kelly Smith"


def inputs(reply: dict[str, Any]) -> dict[str, Any]:
    """Each input on the card by id, as Teams would draw it."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found[node["id"]] = node
            for value in node.values():
                walk(value)

    walk(reply["value"]["body"])
    return found


def value(reply: dict[str, Any], input_id: str) -> Any:
    return inputs(reply)[input_id].get("value")


def kept_events(j: Journey) -> list[t.AuditEvent]:
    return [e for e in j.rows(t.AuditEvent) if e.action == OVERRIDE_ACTION]


async def after_the_meeting(j: Journey) -> tuple[int, Any]:
    """A signed-off review, a month on: the meeting was held some days after it opened."""
    review_id = await signed_off_review(j)
    opened = j.rows(t.Review)[0].opened_on
    services = j.bot.app[SERVICES]
    services.clock.set(services.now() + timedelta(days=30))
    return review_id, opened


async def test_a_warning_on_the_first_outcome_keeps_the_date_and_themes(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id, opened = await after_the_meeting(j)
    card = await j.act(verbs.OUTCOME, {"review_id": review_id})
    held = (opened + timedelta(days=3)).isoformat()
    typed = {
        **button_data(card["value"], verbs.OUTCOME_SAVE),
        "held_on": held,
        "agreed_themes": "voice_of_child,domestic_abuse",
        "attendees_0": NAMED,
    }
    for verb in (verbs.OUTCOME_SAVE, verbs.ACTION_FORM):
        warned = await j.act(verb, {**typed, "new": verb == verbs.ACTION_FORM})
        assert confirm_key("attendees_0") in inputs(warned)
        assert value(warned, "held_on") == held, "not today's date"
        assert value(warned, "agreed_themes") == "voice_of_child,domestic_abuse", (
            "not the pack's suggested themes"
        )
        assert value(warned, "attendees_0") == NAMED
    assert j.rows(t.MeetingOutcome) == [], "nothing stored until the field is ticked"


async def test_a_warning_keeps_every_typed_field_not_the_saved_ones(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id, opened = await after_the_meeting(j)
    action = {"review_id": review_id, **good_action(police_id(j))}
    await j.act(verbs.ACTION_SAVE, action)
    await j.act(verbs.ACTION_SAVE, {**action, "success_measure": ""})  # not SMART yet
    first, second = draft_key(j, 0, review_id), draft_key(j, 1, review_id)
    saved_on = (opened + timedelta(days=2)).isoformat()
    await j.act(
        verbs.OUTCOME_SAVE,
        {"review_id": review_id, "held_on": saved_on, "agreed_themes": "information_sharing"},
    )
    card = await j.act(verbs.OUTCOME, {"review_id": review_id})
    held = (opened + timedelta(days=3)).isoformat()
    typed = {
        **button_data(card["value"], verbs.ACTION_FORM),  # "Add action item"
        "held_on": held,
        "agreed_themes": "neglect,domestic_abuse",
        "attendees_0": NAMED,
        "learning_needs": "Escalation when a child is not seen",
        "keep": second,
        ACTION_KEY: first,
    }
    warned = await j.act(verbs.ACTION_FORM, typed)

    assert confirm_key("attendees_0") in inputs(warned)
    assert value(warned, "held_on") == held, "not the saved date"
    assert value(warned, "agreed_themes") == "neglect,domestic_abuse", "not the saved themes"
    assert value(warned, "keep") == second
    assert value(warned, ACTION_KEY) == first
    assert value(warned, "learning_needs") == "Escalation when a child is not seen"
    [record] = j.rows(t.MeetingOutcome)
    assert record.meeting_on.isoformat() == saved_on, "nothing stored"


async def test_a_tick_stays_while_another_field_is_answered(journey_each: Journey) -> None:
    j = journey_each
    review_id, _ = await after_the_meeting(j)
    typed = {
        "review_id": review_id,
        "agreed_themes": "neglect",
        "attendees_0": NAMED,
        "learning_needs": "Ask Mrs Smith to brief the team",
        confirm_key("attendees_0"): "true",
    }
    warned = await j.act(verbs.OUTCOME_SAVE, typed)
    assert value(warned, confirm_key("attendees_0")) == "true", "drawn ticked, as ticked"
    assert value(warned, confirm_key("learning_needs")) == "false"
    # Submitted as drawn, with the other field ticked too: both kept, in one audited save.
    saved = await j.card(verbs.OUTCOME_SAVE, {**typed, confirm_key("learning_needs"): "true"})
    assert "Outcome saved." in saved
    [event] = kept_events(j)
    assert event.after == {"attendees_0": ["name"], "learning_needs": ["name"]}


async def test_a_confirmed_text_is_not_flagged_again_until_it_changes(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id, _ = await after_the_meeting(j)
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    outcome = {
        "review_id": review_id,
        "agreed_themes": "neglect",
        "attendees_0": NAMED,
        "learning_needs": "Escalation when a child is not seen",
    }
    saved = await j.act(verbs.OUTCOME_SAVE, {**outcome, confirm_key("attendees_0"): "true"})
    assert "Outcome saved." in json.dumps(saved)
    assert value(saved, "attendees_0") == NAMED
    assert confirm_key("attendees_0") not in inputs(saved)

    # "Edit chosen", as the saved card sends it back: no tick, and none needed.
    [edit] = [a["data"] for a in saved["value"]["actions"] if a["title"] == "Edit chosen"]
    chosen = {**edit, **outcome, ACTION_KEY: draft_key(j, 0, review_id)}
    form = await j.card(verbs.ACTION_FORM, chosen)
    assert "Edit action A1" in form, "straight on to the item, not the same warning again"
    assert confirm_key("attendees_0") not in form

    # Changed, it is checked again; put back as confirmed, publishing asks nothing.
    changed = await j.act(verbs.OUTCOME_SAVE, {**outcome, "attendees_0": "DC Peter Hughes"})
    assert confirm_key("attendees_0") in inputs(changed)
    published = await j.card(verbs.OUTCOME_PUBLISH, outcome)
    assert "Outcome published" in published
    assert len(kept_events(j)) == 1, "kept once, when it was ticked"


async def test_the_lead_s_start_choice_survives_a_warning(journey_each: Journey) -> None:
    j = journey_each
    return_id = await submitted_return(j)
    comments = "Say what DC Peter Hughes found at the strategy meeting."
    typed = {"return_id": return_id, "comments": comments, "comment_on": "s:4"}
    warned = await j.act(verbs.SIGNOFF_RETURN, typed, LEAD)
    assert confirm_key("comments") in inputs(warned)
    assert value(warned, "comment_on") == "s:4", "the chosen part, not blank"
    assert value(warned, "comments") == comments
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted", "nothing sent"

    j.bot.connector.clear()
    done = await j.act(verbs.SIGNOFF_RETURN, {**typed, confirm_key("comments"): "true"}, LEAD)
    told = json.dumps(done, ensure_ascii=False)
    # Both police practitioners write this return: each is named.
    assert "Police Practitioner and Police Colleague have your comments" in told, told[:600]
    returned = next(c for c in j.bot.connector.cards() if "needs changes" in json.dumps(c))
    button = next(a for a in returned["actions"] if a["verb"] == verbs.RETURN_OPEN)
    card = await j.card(verbs.RETURN_OPEN, button["data"], PRACTITIONER)
    assert "Section 5 of 11" in card, "opened at the part the lead chose"
