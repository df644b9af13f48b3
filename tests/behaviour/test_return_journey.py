"""Issue 3 end to end over HTTP: open a review, assign, answer every section, add a chronology
entry, submit, sign off; plus forged, stale and concurrent cards."""

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
    LEAD,
    OUTSIDER,
    PRACTITIONER,
    Journey,
    button_data,
    open_review,
)


async def test_the_whole_return_journey(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    invitations = [c for c in j.bot.connector.cards() if "Start your return" in json.dumps(c)]
    assert len(invitations) == 2, "both practitioners are invited proactively"

    card = await j.card(verbs.RETURN_OPEN, {"return_id": return_id}, PRACTITIONER)
    assert "Section 1 of 11" in card
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        card = await j.card(verbs.RETURN_NEXT, data, PRACTITIONER)
        expected = f"Section {index + 2} of 11" if index < 10 else "Impact chronology"
        assert expected in card, (section.id, card[:800])

    card = await j.card(
        verbs.ENTRY_SAVE,
        {
            "return_id": return_id,
            "event_date": "2025-03-14",
            "date_certainty": "on",
            "source": "health visitor record 14/03",
            "event": "Home visit; Child K not seen.",
            "missed_opportunity": "true",
            "missed_opportunity_reason": "No follow-up visit.",
        },
        PRACTITIONER,
    )
    assert "Entry added" in card
    card = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    assert "Review and submit" in card
    j.bot.connector.clear()
    card = await j.card(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    assert "Return submitted" in card
    sent = json.dumps(j.bot.connector.cards())
    assert "Return for sign-off" in sent, "the agency lead gets the sign-off card"
    assert "return submitted" in sent, "the chair hears as returns arrive"

    card = await j.card(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    assert "Return signed off" in card
    review = j.rows(t.Review)[0]
    assert review.stage == "analysis", "all returns signed off moves the review on"
    assert "has moved to analysis" in json.dumps(j.bot.connector.cards())
    actions = [e.action for e in j.rows(t.AuditEvent)]
    for expected in (
        "review.created",
        "review.assigned",
        "return.answers_saved",
        "chronology.entry_added",
        "return.submitted",
        "return.signed_off",
        "review.stage_changed",
    ):
        assert expected in actions


async def test_continue_resumes_where_the_practitioner_stopped(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    for index in (0, 1):
        data = {"return_id": return_id, "section": index, **valid_answers(BANK.section(index))}
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    await j.act(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 2, "episode": 1, "episode_date": "2025-01-02"},
        PRACTITIONER,
    )
    j.bot.connector.clear()
    await j.say("continue", PRACTITIONER)
    card = json.dumps(j.bot.connector.cards()[-1])
    assert "Section 3 of 11" in card
    assert "2025-01-02" in card, "the saved draft answer is shown"


async def test_required_questions_are_checked_on_the_server(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    card = await j.card(
        verbs.RETURN_NEXT,
        {"return_id": return_id, "section": 0, "agency_team": "Early help"},
        PRACTITIONER,
    )
    assert "Section 1 of 11" in card
    assert "is required" in card
    answers = {a.question_id: a.value for a in j.rows(t.Answer)}
    assert answers == {"agency_team": "Early help"}, "the valid answer was still saved"


async def test_forged_card_for_someone_elses_return_is_refused(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    data = {"return_id": return_id, "section": 0, **valid_answers(BANK.section(0))}
    reply = await j.act(verbs.RETURN_SAVE, data, OUTSIDER)
    assert reply["type"] == "application/vnd.microsoft.activity.message"
    assert "can't find that return" in reply["value"]
    reply = await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, OUTSIDER)
    assert "can't find that return" in reply["value"]
    reply = await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, PRACTITIONER)
    assert reply["type"] == "application/vnd.microsoft.activity.message"
    assert j.rows(t.Answer) == []
    assert j.rows(t.PreAnalysisReturn)[0].status == "not_started"


async def test_stale_card_after_submit_changes_nothing(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    before = {(a.question_id, a.episode): a.value for a in j.rows(t.Answer)}
    reply = await j.act(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 0, "agency_team": "Changed after submit"},
        COLLEAGUE,
    )
    assert reply["type"] == "application/vnd.microsoft.activity.message"
    assert "was submitted" in reply["value"]
    assert {(a.question_id, a.episode): a.value for a in j.rows(t.Answer)} == before


async def test_two_practitioners_never_overwrite_each_other_silently(journey: Journey) -> None:
    j = journey
    return_id = await _first_version(j)
    # The colleague's card was drawn before that save (revision 0 for the question).
    card = await j.card(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 0, "revs": {}, "agency_team": "Second version"},
        COLLEAGUE,
    )
    assert "was changed by Police Practitioner at " in card, "who, and when"
    assert [a.value for a in j.rows(t.Answer)] == ["First version"]
    # The form holds the saved answer (saving it again overwrites nothing unseen); what the
    # colleague typed comes back as text under "What you typed (not saved)".
    shown = json.loads(card)
    assert inputs_shown(shown)["agency_team"].value == "First version"
    assert TYPED_HEADING in card
    assert "Second version" in card
    # With a fresh card (knowing revision 1) the colleague's change goes in.
    await j.act(
        verbs.RETURN_SAVE,
        {
            "return_id": return_id,
            "section": 0,
            "revs": {"agency_team": 1},
            "agency_team": "Second version",
        },
        COLLEAGUE,
    )
    assert [a.value for a in j.rows(t.Answer)] == ["Second version"]


async def test_a_box_left_as_drawn_is_not_given_back_when_a_colleague_changed_it(
    journey: Journey,
) -> None:
    """The colleague's card drew "First version"; the practitioner then changed it. The
    colleague, never touching that box, changes another and saves: theirs goes in, the
    practitioner's stands, and nothing comes back as typed (they typed nothing there)."""
    j = journey
    return_id = await _first_version(j)
    drawn = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": 0}, COLLEAGUE)
    await j.act(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 0, "revs": {"agency_team": 1}, "agency_team": "Later"},
        PRACTITIONER,
    )
    sent = {**button_data(drawn["value"], verbs.RETURN_SAVE), "agency_team": "First version"}
    card = await j.card(verbs.RETURN_SAVE, {**sent, "author_role": "Named nurse"}, COLLEAGUE)
    answers = {a.question_id: a.value for a in j.rows(t.Answer)}
    assert answers == {"agency_team": "Later", "author_role": "Named nurse"}
    assert TYPED_HEADING not in card
    assert "First version" not in card
    assert inputs_shown(json.loads(card))["agency_team"].value == "Later"
    # Changed from what the card drew, it is the clash it always was: given back.
    changed = {**sent, "agency_team": "Colleague's version"}
    card = await j.card(verbs.RETURN_SAVE, changed, COLLEAGUE)
    assert "was changed by Police Practitioner at " in card
    assert TYPED_HEADING in card
    assert "Colleague's version" in card


async def _first_version(j: Journey) -> int:
    """A review open for returns, the practitioner's "First version" saved in section 0."""
    _, return_id = await open_review(j)
    await j.act(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 0, "agency_team": "First version"},
        PRACTITIONER,
    )
    return return_id


async def test_identifiers_are_flagged_not_changed(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    card = await j.card(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 0, "agency_team": "Team at HU1 2AB"},
        PRACTITIONER,
    )
    assert "postcode" in card.lower()
    assert "not identifying information" in card
    assert [a.value for a in j.rows(t.Answer)] == ["Team at HU1 2AB"]
    card = await j.card(
        verbs.ENTRY_SAVE,
        {
            "return_id": return_id,
            "event_date": "2025-03-14",
            "source": "GP record",
            "event": "Call from 07700 900123 about Child K.",
        },
        PRACTITIONER,
    )
    assert "phone" in card.lower()
    assert j.rows(t.ChronologyEntry) == [], "not saved until edited or confirmed"
    card = await j.card(
        verbs.ENTRY_SAVE,
        {
            "return_id": return_id,
            "event_date": "2025-03-14",
            "source": "GP record",
            "event": "Call from 07700 900123 about Child K.",
            "confirm_identifiers__event": "true",
        },
        PRACTITIONER,
    )
    assert "Entry added" in card


async def test_returned_with_comments_goes_back_to_the_practitioner(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    reply = await j.act(verbs.SIGNOFF_RETURN, {"return_id": return_id}, LEAD)
    # The sign-off card again, the problem under the comments box, naming it (walk8: a toast
    # that named no box).
    body = reply["value"]["body"]
    [box] = [i for i, element in enumerate(body) if element.get("id") == "comments"]
    assert body[box + 1]["text"] == (
        "'Comments for the practitioner (needed to return it)' is empty: say what the "
        "practitioner should change, then return it."
    )
    assert body[box + 1]["color"] == "attention"
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted", "nothing written"
    j.bot.connector.clear()
    await j.act(
        verbs.SIGNOFF_RETURN,
        {"return_id": return_id, "comments": "Add the school nurse contact."},
        LEAD,
    )
    ret = j.rows(t.PreAnalysisReturn)[0]
    assert ret.status == "returned"
    notices = json.dumps(j.bot.connector.cards())
    assert "Add the school nurse contact." in notices
    assert len(j.rows(t.Answer)) > 30, "answers are kept"
