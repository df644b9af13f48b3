"""Issue 18 over HTTP, on both databases: the tracker's "Finding / learning statement" column
is filled from what the chair typed on the action item form (checked for identifiers like the
rest of the form), not left blank."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from openpyxl import load_workbook

from bot.app import SERVICES
from cards import verbs
from domain.identifier_checks import confirm_key
from storage import tables as t
from tests.support.journey import (
    COLLEAGUE,
    PRACTITIONER,
    Journey,
    good_action,
    make_lic_member,
    police_id,
    published,
    saved,
    signed_off_review,
)

FINDING = "Attendance concerns were not escalated to children's social care."


async def test_the_finding_is_asked_for_and_reaches_the_tracker(journey_each: Journey) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    form = await j.card(verbs.ACTION_FORM, {"review_id": review_id, "new": True})
    assert "The finding or learning statement it answers" in form
    action = {"review_id": review_id, **good_action(police_id(j)), "finding": FINDING}

    named = {**action, "finding": "Kelly Smith's school did not escalate."}
    warned = await j.card(verbs.ACTION_SAVE, named)
    assert "finding" in warned
    assert confirm_key("finding") in warned, "a name in the finding is flagged, with a tick"

    assert "Action 1 saved" in await j.card(verbs.ACTION_SAVE, action)
    card = await j.card(verbs.OUTCOME_PUBLISH, {"review_id": review_id, "agreed_themes": "neglect"})
    assert "Outcome published" in card
    [item] = j.rows(t.ActionItem)
    assert item.finding == FINDING

    card = await j.download(verbs.EXPORT, {"review_id": review_id, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(saved(j, card, ".xlsx").read_bytes()))["Tracker"]
    header = [c.value for c in sheet[1]]
    column = header.index("Finding / learning statement") + 1
    assert sheet.cell(row=2, column=column).value == FINDING


async def test_the_lic_meeting_date_is_asked_for_and_reaches_the_tracker(
    journey_each: Journey,
) -> None:
    j = journey_each
    [item] = await published(j)
    make_lic_member(j, COLLEAGUE)
    done = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    await j.card(verbs.ACTION_COMPLETE, done, PRACTITIONER)
    [asked] = [c for c in j.bot.connector.cards() if "Record impact" in json.dumps(c)]
    assert "LIC meeting date" in json.dumps(asked)
    today = j.bot.app[SERVICES].today()
    impact = {
        "action_id": item.id,
        "how_much": "20 audited",
        "how_well": "All in time",
        "better_off": "Yes",
        "decision": "keep_open",
        "minute_reference": "LIC 4",
    }
    future = {**impact, "lic_held_on": (today + timedelta(days=7)).isoformat()}
    refused = await j.card(verbs.IMPACT_RECORD, future, COLLEAGUE)
    assert "can't be in the future" in refused
    assert j.rows(t.ImpactRecord) == []

    await j.card(verbs.IMPACT_RECORD, {**impact, "lic_held_on": today.isoformat()}, COLLEAGUE)
    [record] = j.rows(t.ImpactRecord)
    assert record.meeting_on == today
    [review] = j.rows(t.Review)
    card = await j.download(verbs.EXPORT, {"review_id": review.id, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(saved(j, card, ".xlsx").read_bytes()))["Tracker"]
    header = [c.value for c in sheet[1]]
    column = header.index("LIC sign-off: meeting date") + 1
    assert str(sheet.cell(row=2, column=column).value)[:10] == today.isoformat()
