"""Stale cards after the meeting and in the admin's forms, on both databases: two cards opened,
the newer one saved, then the older one submitted. The older is refused with the current card
("this changed since you opened it") and nothing it carried is stored."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from domain.idempotency import STALE_MESSAGE
from domain.stale import TYPED_BELOW, TYPED_HEADING, TYPED_LEFT_ON_CARD
from samples.activities import activity
from storage import tables as t
from tests.support.journey import (
    PRACTITIONER,
    Journey,
    button_data,
    draft_key,
    good_action,
    person,
    police_id,
    signed_off_review,
)


async def opened(j: Journey, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    reply = await j.act(verb, data)
    assert reply["type"] == "application/vnd.microsoft.card.adaptive", reply
    card: dict[str, Any] = reply["value"]
    return card


async def refused(
    j: Journey, verb: str, data: dict[str, Any], current: str, change: str | None = None
) -> dict[str, Any]:
    """The older card's click: refused as stale, answered with the current card, naming the
    last change (who, what kind, when) where `change` is given."""
    reply = await j.act(verb, data)
    text = json.dumps(reply, ensure_ascii=False)
    assert STALE_MESSAGE in text
    assert current in text, "answered with the thing as it is now"
    if change is not None:
        assert f"Last change: {change} at " in text, text[:600]
    return reply


def given_back(reply: dict[str, Any]) -> list[str]:
    """The texts of the "What you typed (not saved)" block: inert text, never inputs."""
    card = reply["value"]
    [block] = [
        item
        for item in card["body"]
        if item.get("type") == "Container"
        and any(i.get("text") == TYPED_HEADING for i in item.get("items", []))
    ]
    assert all(not str(i.get("type")).startswith("Input.") for i in block["items"])
    return [str(i["text"]) for i in block["items"]]


def titled(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The data of the card's button with this title."""
    [data] = [a["data"] for a in card["actions"] if a["title"] == title]
    return dict(data)


def audited(j: Journey, action: str) -> int:
    return sum(1 for e in j.rows(t.AuditEvent) if e.action == action)


async def test_an_older_outcome_card_overwrites_nothing(journey_each: Journey) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    shown = {"review_id": review_id}
    older, newer = await opened(j, verbs.OUTCOME, shown), await opened(j, verbs.OUTCOME, shown)
    typed = {"agreed_themes": "neglect", "learning_needs": "Newer need"}
    await j.act(verbs.OUTCOME_SAVE, {**button_data(newer, verbs.OUTCOME_SAVE), **typed})

    typed_older = {"agreed_themes": "neglect", "learning_needs": "Older need"}
    for verb in (verbs.OUTCOME_SAVE, verbs.ACTION_FORM, verbs.OUTCOME_PUBLISH):
        reply = await refused(
            j,
            verb,
            {**button_data(older, verb), **typed_older},
            "Newer need",
            change="Review Chair saved the outcome",
        )
        # What they typed and the outcome doesn't hold comes back; the theme it holds doesn't.
        assert given_back(reply) == [
            TYPED_HEADING,
            "Specific learning needs (one per line)",
            "Older need",
        ]

    [outcome] = j.rows(t.MeetingOutcome)
    assert outcome.learning_needs == ["Newer need"]
    assert audited(j, "outcome.published") == 0
    assert audited(j, "outcome.saved") == 1


def submitted_in(channel: bool, j: Journey, value: dict[str, Any]) -> dict[str, Any]:
    """An Action.Submit (what a client without Action.Execute sends): a message whose answer
    is a new message, in the chair's own chat or in a team channel."""
    body = person().submits(j.bot.connector.url, value)
    if channel:
        shared = activity("message-channel-mention", j.bot.connector.url)
        body["conversation"], body["channelData"] = shared["conversation"], shared["channelData"]
    return body


async def test_a_stale_submit_in_a_channel_does_not_repeat_what_was_typed_to_everyone(
    journey_each: Journey,
) -> None:
    """In a channel, the refusal of an older card's Action.Submit is a new message everyone
    there sees: it says the typed text is still in the card clicked (which stays on screen
    with it), and doesn't repeat it. In the person's own chat it is given back as before."""
    j = journey_each
    review_id = await signed_off_review(j)
    shown = {"review_id": review_id}
    # Two older cards (a click's answer is kept for its card, so each is clicked once).
    in_channel, in_chat = (
        await opened(j, verbs.OUTCOME, shown),
        await opened(j, verbs.OUTCOME, shown),
    )
    newer = await opened(j, verbs.OUTCOME, shown)
    typed = {"agreed_themes": "neglect", "learning_needs": "Newer need"}
    await j.act(verbs.OUTCOME_SAVE, {**button_data(newer, verbs.OUTCOME_SAVE), **typed})
    for channel, older in ((True, in_channel), (False, in_chat)):
        stale = {
            **button_data(older, verbs.OUTCOME_SAVE),
            "agreed_themes": "neglect",
            "learning_needs": "Older need, typed by the chair",
        }
        result = await j.turn(submitted_in(channel, j, stale))
        assert result.status == 201, result.body
        said = json.dumps(result.sent, ensure_ascii=False)
        assert STALE_MESSAGE in said
        assert "Newer need" in said, "the outcome as it is now"
        if channel:
            assert "Older need" not in said, "nothing typed is posted to the whole channel"
            assert TYPED_LEFT_ON_CARD in said
            assert TYPED_HEADING not in said
        else:
            assert "Older need, typed by the chair" in said, "given back in their own chat"
            assert TYPED_BELOW in said
    [outcome] = j.rows(t.MeetingOutcome)
    assert outcome.learning_needs == ["Newer need"]
    assert audited(j, "outcome.saved") == 1


async def test_an_older_action_item_form_overwrites_nothing(journey_each: Journey) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    action = good_action(police_id(j))
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **action})
    outcome = await opened(j, verbs.OUTCOME, {"review_id": review_id})
    edit = {**titled(outcome, "Edit chosen"), "action_key": draft_key(j, 0)}
    older, newer = (
        await opened(j, verbs.ACTION_FORM, edit),
        await opened(j, verbs.ACTION_FORM, edit),
    )
    newer_text = "Audit 30 referrals against the pathway and report to the LIC group."
    saved = {**button_data(newer, verbs.ACTION_SAVE), **action, "description": newer_text}
    await j.act(verbs.ACTION_SAVE, saved)

    older_text = "Audit 10 referrals against the pathway and report to the LIC group."
    stale = {**button_data(older, verbs.ACTION_SAVE), **action, "description": older_text}
    reply = await refused(
        j, verbs.ACTION_SAVE, stale, newer_text[:60], change="Review Chair saved the outcome"
    )
    assert older_text in given_back(reply), "the older form's text comes back, not saved"

    [stored] = j.rows(t.MeetingOutcome)
    assert [d["description"] for d in stored.draft_actions] == [newer_text]
    # An item removed meanwhile: its form is refused too, and says so.
    remove = await opened(j, verbs.OUTCOME, {"review_id": review_id})
    await j.act(
        verbs.ACTION_REMOVE,
        {**button_data(remove, verbs.ACTION_REMOVE), "action_key": draft_key(j, 0)},
    )
    again = {**saved, "description": newer_text + " Again."}  # not a replay of the first save
    gone = json.dumps(await j.act(verbs.ACTION_SAVE, again))
    assert "has been removed" in gone
    assert j.rows(t.MeetingOutcome)[0].draft_actions == []


async def test_adding_action_items_from_two_forms_keeps_both(journey_each: Journey) -> None:
    """An add overwrites nothing, so its form carries no revision."""
    j = journey_each
    review_id = await signed_off_review(j)
    outcome = await opened(j, verbs.OUTCOME, {"review_id": review_id})
    add = button_data(outcome, verbs.ACTION_FORM)
    first, second = await opened(j, verbs.ACTION_FORM, add), await opened(j, verbs.ACTION_FORM, add)
    for form in (second, first):
        data = {**button_data(form, verbs.ACTION_SAVE), **good_action(police_id(j))}
        await j.act(verbs.ACTION_SAVE, data)
    assert len(j.rows(t.MeetingOutcome)[0].draft_actions) == 2


async def test_an_older_agency_or_member_form_overwrites_nothing(journey_each: Journey) -> None:
    j = journey_each
    police = police_id(j)
    agency = {"agency_id": police}
    older, newer = (
        await opened(j, verbs.AGENCY_FORM, agency),
        await opened(j, verbs.AGENCY_FORM, agency),
    )
    named = {"sector": "police"}
    await j.act(
        verbs.AGENCY_SAVE,
        {**button_data(newer, verbs.AGENCY_SAVE), **named, "name": "Demo Constabulary"},
    )
    stale = {**button_data(older, verbs.AGENCY_SAVE), **named, "name": "Demo Police Force"}
    reply = await refused(
        j, verbs.AGENCY_SAVE, stale, "Demo Constabulary", change="Review Chair saved this agency"
    )
    assert given_back(reply)[1:] == ["Agency name", "Demo Police Force"]
    assert next(a.name for a in j.rows(t.Agency) if a.id == police) == "Demo Constabulary"

    member = next(m for m in j.rows(t.Member) if m.aad_object_id == PRACTITIONER)
    shown = {"member_id": member.id}
    older, newer = (
        await opened(j, verbs.MEMBER_FORM, shown),
        await opened(j, verbs.MEMBER_FORM, shown),
    )
    roles = {"roles": "practitioner", "agency": str(police)}
    newer_data = {**button_data(newer, verbs.MEMBER_SAVE), **roles, "display_name": "Pat Newer"}
    await j.act(verbs.MEMBER_SAVE, newer_data)
    older_data = {**button_data(older, verbs.MEMBER_SAVE), **roles, "display_name": "Pat Older"}
    await refused(j, verbs.MEMBER_SAVE, older_data, "Pat Newer")
    assert next(m for m in j.rows(t.Member) if m.id == member.id).display_name == "Pat Newer"


async def hold_set_from_another_card(j: Journey, review_id: int, reason: str) -> dict[str, Any]:
    """A hold card opened, then the hold placed or lifted from a newer one: the older card."""
    shown = {"review_id": review_id}
    older, newer = (
        await opened(j, verbs.LEGAL_HOLD, shown),
        await opened(j, verbs.LEGAL_HOLD, shown),
    )
    await j.act(
        verbs.LEGAL_HOLD_SET, {**button_data(newer, verbs.LEGAL_HOLD_SET), "reason": reason}
    )
    return older


async def test_older_governance_cards_overwrite_nothing(journey_each: Journey) -> None:
    j = journey_each
    older, newer = await opened(j, verbs.RETENTION, {}), await opened(j, verbs.RETENTION, {})
    periods = {"closed_review_months": "84", "export_file_days": "7", "chaser_log_months": "12"}
    await j.act(verbs.RETENTION_SAVE, {**button_data(newer, verbs.RETENTION_SAVE), **periods})
    shorter = {**periods, "closed_review_months": "73"}
    await refused(
        j, verbs.RETENTION_SAVE, {**button_data(older, verbs.RETENTION_SAVE), **shorter}, '"84"'
    )
    assert j.rows(t.Partnership)[0].settings["retention"]["closed_review_months"] == 84

    older, newer = await opened(j, verbs.POLICY, {}), await opened(j, verbs.POLICY, {})
    await j.act(verbs.POLICY_SAVE, {**button_data(newer, verbs.POLICY_SAVE), "overdue_every": "4"})
    stale = {**button_data(older, verbs.POLICY_SAVE), "overdue_every": "9"}
    await refused(j, verbs.POLICY_SAVE, stale, "Chaser policy")
    assert audited(j, "chaser_policy.saved") == 1

    review_id = await signed_off_review(j)
    older = await hold_set_from_another_card(j, review_id, "Civil claim")
    again = {**button_data(older, verbs.LEGAL_HOLD_SET), "reason": "Inquest"}
    await refused(j, verbs.LEGAL_HOLD_SET, again, "under legal hold")
    held = [e.after["reason"] for e in j.rows(t.AuditEvent) if e.action.startswith("review.legal")]
    assert held == ["Civil claim"]


async def test_a_stale_hold_card_gives_back_the_reason_under_the_label_it_was_typed_under(
    journey_each: Journey,
) -> None:
    """walk8: the older card asked "Why is the hold lifted?"; another admin lifted it first,
    so the card now asks "Why is the review held?". What was typed comes back under the
    question it answered, and the button's own data ("hold": "off") is never listed."""
    j = journey_each
    review_id = await signed_off_review(j)
    shown = {"review_id": review_id}
    place = await opened(j, verbs.LEGAL_HOLD, shown)
    await j.act(
        verbs.LEGAL_HOLD_SET, {**button_data(place, verbs.LEGAL_HOLD_SET), "reason": "Inquest"}
    )
    older = await hold_set_from_another_card(j, review_id, "Inquest concluded")
    again = {**button_data(older, verbs.LEGAL_HOLD_SET), "reason": "Claim settled"}
    reply = await refused(
        j, verbs.LEGAL_HOLD_SET, again, "not held", "Review Chair lifted the review's legal hold"
    )
    back = given_back(reply)
    assert back[0] == TYPED_HEADING
    assert back[1].startswith("Why is the hold lifted?"), back
    assert back[2] == "Claim settled"
    assert len(back) == 3, "the button's own data (hold: off) is no typing"
    assert "Why is the review held?" in json.dumps(reply["value"]), "the card now asks that"
    lifts = [e for e in j.rows(t.AuditEvent) if e.action == "review.legal_hold_lifted"]
    assert len(lifts) == 1
