"""Issue 15 part 3 and 5 over HTTP: every free-text field others will see is checked; a warned
form comes back open with what was typed; a field is kept only by its own tick, and the keeping
is audited by field and kind (never the text)."""

from __future__ import annotations

import json

from sqlalchemy import select

from cards import verbs
from domain.identifier_checks import OVERRIDE_ACTION, confirm_key
from storage import tables as t
from tests.scenarios.test_chaser_engine import published
from tests.support.activities import USER_AAD
from tests.support.journey import PRACTITIONER, Journey

NAMED = "Spoke to Kelly Smith at 14 Acacia Road about the audit"


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
