"""Issue 15 part 3 and 5 over HTTP: every free-text field others will see is checked; a warned
form comes back open with what was typed; a field is kept only by its own tick, and the keeping
is audited by field and kind (never the text)."""

from __future__ import annotations

import json

from sqlalchemy import select

from cards import verbs
from domain.guide import STAFF_COUNT_MESSAGE
from domain.identifier_checks import OVERRIDE_ACTION, confirm_key
from domain.returns import COMMENTS_MAX
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.answers import NAMED_NOTE as NAMED
from tests.support.journey import (
    LEAD,
    PRACTITIONER,
    Journey,
    answer_every_section,
    good_action,
    open_review,
    police_id,
    published,
    published_guide,
    signed_off_review,
)


def kept_events(j: Journey) -> list[t.AuditEvent]:
    return [e for e in j.rows(t.AuditEvent) if e.action == OVERRIDE_ACTION]


def progress(j: Journey) -> list[t.ProgressEntry]:
    return j.rows(t.ProgressEntry)


async def test_a_progress_note_with_a_name_comes_back_open_with_its_text(
    journey: Journey,
) -> None:
    j = journey
    [item] = await published(j)
    before = len(progress(j))
    card = await j.card(
        verbs.ACTION_PROGRESS, {"action_id": item.id, "note": NAMED, "rag": "amber"}, PRACTITIONER
    )
    assert "a name (K\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022)" in card
    assert "a street address" in card
    assert NAMED in card, "the form keeps what was typed"
    assert confirm_key("note") in card
    assert len(progress(j)) == before, "nothing saved until the field is ticked"
    assert kept_events(j) == []


async def test_a_ticked_field_is_saved_and_the_keeping_audited(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    card = await j.card(
        verbs.ACTION_PROGRESS,
        {"action_id": item.id, "note": NAMED, confirm_key("note"): "true"},
        PRACTITIONER,
    )
    assert "Progress recorded" in card
    [event] = kept_events(j)
    assert event.after == {"note": ["name", "address"]}
    assert "Kelly" not in json.dumps(event.after)


async def test_an_nhs_number_in_fullwidth_digits_is_warned_legibly(journey: Journey) -> None:
    """guard12: 943 476 5919 in fullwidth digits (U+FF10-FF19) is an NHS number to a reader,
    so to the guard; the warning masks it in plain digits, and the form keeps what was typed."""
    j = journey
    [item] = await published(j)
    before = len(progress(j))
    note = "Seen at clinic, NHS \uff19\uff14\uff13 \uff14\uff17\uff16 \uff15\uff19\uff11\uff19"
    card = await j.card(
        verbs.ACTION_PROGRESS, {"action_id": item.id, "note": note, "rag": "amber"}, PRACTITIONER
    )
    assert "an NHS number (943 \u2022\u2022\u2022 \u2022\u2022\u2022\u2022)" in card
    assert "\uff14\uff17\uff16" not in card.replace(note, ""), "only the form repeats it"
    assert note in card, "the form keeps what was typed"
    assert confirm_key("note") in card
    assert len(progress(j)) == before, "nothing saved until the field is ticked"
    card = await j.card(
        verbs.ACTION_PROGRESS,
        {"action_id": item.id, "note": note, "rag": "amber", confirm_key("note"): "true"},
        PRACTITIONER,
    )
    assert "Progress recorded" in card
    [event] = kept_events(j)
    assert event.after == {"note": ["nhs_number"]}


async def test_a_tick_on_one_field_does_not_cover_another(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    card = await j.card(
        verbs.ACTION_NEW_DATE,
        {
            "action_id": item.id,
            "reason": "Mrs Smith is off sick",
            "proposed_due_on": "2027-06-30",
            confirm_key("note"): "true",
        },
        PRACTITIONER,
    )
    assert "a name (Mrs S\u2022\u2022\u2022\u2022)" in card
    assert "2027-06-30" in card
    assert "Asked the chair" not in card


async def test_blocked_reasons_and_completion_evidence_are_checked(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    card = await j.card(
        verbs.ACTION_BLOCKED,
        {"action_id": item.id, "reason": "Waiting for mum Kelly to call 07700 900123"},
        PRACTITIONER,
    )
    assert "a phone number (07700 \u2022\u2022\u2022\u2022\u2022\u2022)" in card
    assert j.rows(t.ActionItem)[0].status != "blocked"
    card = await j.card(
        verbs.ACTION_COMPLETE,
        {"action_id": item.id, "evidence": "Briefed staff at Oakfield Primary School"},
        PRACTITIONER,
    )
    assert "a named school or GP surgery" in card
    assert j.rows(t.ActionItem)[0].status != "completed"
    card = await j.card(
        verbs.ACTION_COMPLETE,
        {"action_id": item.id, "evidence": "Briefed 40 staff; slides on the intranet"},
        PRACTITIONER,
    )
    assert "Marked complete" in card


async def test_the_lic_impact_text_is_checked_field_by_field(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    await j.act(verbs.ACTION_COMPLETE, {"action_id": item.id, "evidence": "Done"}, PRACTITIONER)
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        session.add(t.MemberRole(member_id=chair.id, role="lic_member"))
    impact = {
        "action_id": item.id,
        "how_much": "20 audited",
        "how_well": "Jayden Smith's file was exemplary",
        "better_off": "Yes",
        "decision": "close",
    }
    card = await j.card(verbs.IMPACT_RECORD, impact)
    assert "a name (J\u2022\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022's)" in card
    assert "20 audited" in card, "the form keeps what was typed"
    assert j.rows(t.ActionItem)[0].status == "completed"
    card = await j.card(verbs.IMPACT_RECORD, {**impact, confirm_key("how_well"): "true"})
    assert "Impact recorded" in card
    [event] = kept_events(j)
    assert event.after == {"how_well": ["name"]}


async def kept_answer_and_entry(j: Journey) -> int:
    """A return whose writer kept one flagged answer and one flagged entry, then submitted."""
    _, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    await j.act(
        verbs.RETURN_SAVE,
        {
            "return_id": return_id,
            "section": 0,
            "revs": {"agency_team": 1},  # the card drawn after the first save
            "agency_team": "Team based at Oakfield Primary School",
            "confirm__agency_team": "true",
        },
        PRACTITIONER,
    )
    entry = {
        "return_id": return_id,
        "event_date": "2025-03-14",
        "source": "GP record",
        "event": "Call from 07700 900123 about Child K.",
        confirm_key("event"): "true",
    }
    assert "Entry added" in await j.card(verbs.ENTRY_SAVE, entry, PRACTITIONER)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted"
    return return_id


async def test_the_lead_sees_what_was_kept_at_sign_off(journey: Journey) -> None:
    j = journey
    return_id = await kept_answer_and_entry(j)
    card = await j.card(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    assert "Kept after an identifier warning" in card
    assert "(a named school or GP surgery)" in card
    assert "Chronology, 14 Mar 2025 (a phone number)" in card


async def test_the_leads_return_comments_are_checked(journey: Journey) -> None:
    j = journey
    return_id = await kept_answer_and_entry(j)
    comments = "Please ask mum Kelly for the GP letter."
    card = await j.card(verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": comments}, LEAD)
    assert "a name (K\u2022\u2022\u2022\u2022)" in card
    assert comments in card, "the comments come back as typed"
    assert confirm_key("comments") in card
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted", "nothing sent"
    await j.act(
        verbs.SIGNOFF_RETURN,
        {"return_id": return_id, "comments": comments, confirm_key("comments"): "true"},
        LEAD,
    )
    assert j.rows(t.PreAnalysisReturn)[0].status == "returned"
    [event] = [e for e in kept_events(j) if e.record_type == "pre_analysis_return"]
    assert event.after == {"comments": ["name"]}


async def test_too_long_return_comments_are_warned_of_a_name_at_once(journey: Journey) -> None:
    j = journey
    return_id = await kept_answer_and_entry(j)
    comments = "Please ask mum Kelly for the GP letter. " + "x" * COMMENTS_MAX
    card = await j.card(verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": comments}, LEAD)
    assert f"the limit is {COMMENTS_MAX:,}" in card
    assert "a name (K\u2022\u2022\u2022\u2022)" in card, "the warning comes with the length"
    assert confirm_key("comments") in card
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted", "nothing sent"


async def test_a_chronology_tick_keeps_its_own_field_only(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    entry = {
        "return_id": return_id,
        "event_date": "2025-03-14",
        "source": "Letter from Dr Patel",
        "event": "Call from 07700 900123 about Child K.",
        confirm_key("event"): "true",
    }
    card = await j.card(verbs.ENTRY_SAVE, entry, PRACTITIONER)
    assert "a name (Dr P\u2022\u2022\u2022\u2022)" in card
    assert "a phone number" not in card, "the ticked field is not warned again"
    assert j.rows(t.ChronologyEntry) == []
    card = await j.card(verbs.ENTRY_SAVE, {**entry, confirm_key("source"): "true"}, PRACTITIONER)
    assert "Entry added" in card
    [event] = kept_events(j)
    assert event.after == {"source": ["name"], "event": ["phone_number"]}


async def meeting_action(j: Journey, **boxes: str) -> dict[str, object]:
    """The outcome's action-item form for a signed-off review, its description naming
    someone, with `boxes` typed over."""
    review_id = await signed_off_review(j)
    await j.act(verbs.PACK, {"review_id": review_id})
    named = {"description": "Ask Mrs Smith to brief the team"}
    return {"review_id": review_id, **good_action(police_id(j)), **named, **boxes}


async def test_the_meeting_action_form_takes_a_tick_per_field(journey: Journey) -> None:
    j = journey
    action = await meeting_action(j, success_measure="Staff at Oakfield Primary School briefed")
    card = await j.card(verbs.ACTION_SAVE, {**action, confirm_key("description"): "true"})
    assert "a named school or GP surgery" in card
    assert confirm_key("success_measure") in card
    assert "Mrs S\u2022\u2022\u2022\u2022" not in card, "the ticked field is not warned again"
    await j.act(
        verbs.ACTION_SAVE,
        {**action, confirm_key("description"): "true", confirm_key("success_measure"): "true"},
    )
    [event] = kept_events(j)
    assert event.after == {"description": ["name"], "success_measure": ["school_or_surgery"]}


async def outcome_naming(j: Journey, **boxes: str) -> dict[str, object]:
    """The outcome card of a signed-off review, an attendee named, with `boxes` typed."""
    review_id = await signed_off_review(j)
    named = {"agreed_themes": "neglect", "attendees_0": "DS Kelly Smith"}
    return {"review_id": review_id, **named, **boxes}


async def test_the_outcome_s_attendees_and_learning_needs_are_checked(journey: Journey) -> None:
    """Found by tests/security/test_guard_coverage.py: the pack, the contributors' learning
    card and the guide quote them."""
    j = journey
    needs = "Escalation when a child is not seen\nAsk Mrs Smith to brief the team"
    typed = await outcome_naming(j, learning_needs=needs)
    for verb in (verbs.OUTCOME_SAVE, verbs.OUTCOME_PUBLISH):
        card = await j.card(verb, typed)
        assert confirm_key("attendees_0") in card
        assert confirm_key("learning_needs") in card
        assert "Ask Mrs Smith to brief the team" in card, "the card keeps what was typed"
    assert j.rows(t.MeetingOutcome) == [], "nothing stored until each field is ticked"
    ticked = {**typed, confirm_key("attendees_0"): "true", confirm_key("learning_needs"): "true"}
    assert "Outcome saved." in await j.card(verbs.OUTCOME_SAVE, ticked)
    [event] = kept_events(j)
    assert event.after == {"attendees_0": ["name"], "learning_needs": ["name"]}


async def test_the_outcome_shows_a_future_date_and_a_name_at_once(journey: Journey) -> None:
    """One submit, every problem (walk12): the meeting's date and the attendees' name."""
    j = journey
    typed = await outcome_naming(j, held_on="2099-01-21")
    card = await j.card(verbs.OUTCOME_SAVE, typed)
    assert "can't be in the future" in card
    assert confirm_key("attendees_0") in card, "the warning comes with the date's problem"
    assert j.rows(t.MeetingOutcome) == []
    # Without the date (a card drawn before it asked): the day the card would have offered.
    held = {k: v for k, v in typed.items() if k != "held_on"}
    mended = {**held, confirm_key("attendees_0"): "true"}
    assert "Outcome saved." in await j.card(verbs.OUTCOME_SAVE, mended)
    [event] = kept_events(j)
    assert event.after == {"attendees_0": ["name"]}


async def test_guide_usage_reflections_are_checked(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    review_id = item.review_id
    await published_guide(j, review_id)
    usage = {
        "review_id": review_id,
        "team": "Locality team North",
        "used_on": "2026-11-20",
        "staff_count": "12",
        "reflections": "We talked about how Jayden Smith's school escalated",
    }
    card = await j.card(verbs.GUIDE_USAGE_SAVE, usage, PRACTITIONER)
    assert "a name (J\u2022\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022's)" in card
    assert "Locality team North" in card, "the form keeps what was typed"
    card = await j.card(
        verbs.GUIDE_USAGE_SAVE, {**usage, confirm_key("reflections"): "true"}, PRACTITIONER
    )
    assert "used by 1 team" in card
    [event] = kept_events(j)
    assert event.after == {"reflections": ["name"]}


async def test_the_meeting_action_form_shows_its_problems_and_warnings_at_once(
    journey: Journey,
) -> None:
    """One submit, every problem (walk12): a mistyped due date and a flagged box come back
    together, the tick given drawn ticked while the date is mended."""
    j = journey
    action = await meeting_action(j, due_on="31/03/2099")
    card = await j.card(verbs.ACTION_SAVE, action)
    assert "Mrs S\u2022\u2022\u2022\u2022" in card, "the warning comes with the date's problem"
    assert "must be a date like 2027-03-31." in card
    ticked = {**action, confirm_key("description"): "true"}
    card = await j.card(verbs.ACTION_SAVE, ticked)
    assert "Mrs S\u2022\u2022\u2022\u2022" in card, "still shown while the date is wrong"
    assert kept_events(j) == []
    await j.act(verbs.ACTION_SAVE, {**ticked, "due_on": good_action(police_id(j))["due_on"]})
    [event] = kept_events(j)
    assert event.after == {"description": ["name"]}


async def test_guide_usage_shows_a_bad_count_and_a_name_at_once(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    await published_guide(j, item.review_id)
    usage = {
        "review_id": item.review_id,
        "team": "Locality team North",
        "used_on": "2026-11-20",
        "staff_count": "none",
        "reflections": "We talked about how Jayden Smith's school escalated",
    }
    card = await j.card(verbs.GUIDE_USAGE_SAVE, usage, PRACTITIONER)
    assert "a name (J\u2022\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022's)" in card
    assert confirm_key("reflections") in card
    assert STAFF_COUNT_MESSAGE in card
    ticked = {**usage, "staff_count": "12", confirm_key("reflections"): "true"}
    assert "used by 1 team" in await j.card(verbs.GUIDE_USAGE_SAVE, ticked, PRACTITIONER)
