"""Issue 18 over HTTP, on both databases: the tracker's "Finding / learning statement" column
is filled from what the chair typed on the action item form (checked for identifiers like the
rest of the form), not left blank."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from cards import verbs
from domain.identifier_checks import confirm_key
from storage import tables as t
from tests.scenarios.test_pdf_exports import saved
from tests.support.journey import Journey, good_action, police_id, signed_off_review

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

    card = await j.card(verbs.EXPORT, {"review_id": review_id, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(saved(card, ".xlsx").read_bytes()))["Tracker"]
    header = [c.value for c in sheet[1]]
    column = header.index("Finding / learning statement") + 1
    assert sheet.cell(row=2, column=column).value == FINDING
