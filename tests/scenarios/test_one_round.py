"""One submit shows every problem, over HTTP on both platforms and both databases (walk12:
a form's validation problems came first and its identifier warning only on the next submit,
so people submitted two or three times). The card comes back once with each problem and
each warning under its box, nothing saved and everything typed kept; a tick given stays
ticked while another box is mended; mended and ticked, it saves with the keeping audited
per field as before (`domain.identifier_checks.check_form`)."""

from __future__ import annotations

from cards import verbs
from domain.identifier_checks import OVERRIDE_ACTION, confirm_key
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.journey import PRACTITIONER, Journey, make_lic_member, open_review, published

NHS = "Seen at clinic, NHS number 943 476 5919"
NHS_MASKED = "an NHS number (943 \u2022\u2022\u2022 \u2022\u2022\u2022\u2022)"
CHILD_NAMED = "Jayden Smith's file was exemplary"
NAME_MASKED = "a name (J\u2022\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022's)"
TICKED = '"value": "true"'


def kept_events(j: Journey) -> list[t.AuditEvent]:
    return [e for e in j.rows(t.AuditEvent) if e.action == OVERRIDE_ACTION]


def _tick_drawn_ticked(card: str, field: str) -> bool:
    at = card.index(f'"id": "{confirm_key(field)}"')
    toggle = card[card.rindex("{", 0, at) : card.index("}", at)]
    return TICKED in toggle


async def test_record_impact_shows_a_missing_box_and_a_name_at_once(any_journey: Journey) -> None:
    j = any_journey
    [item] = await published(j)
    await j.act(verbs.ACTION_COMPLETE, {"action_id": item.id, "evidence": "Done"}, PRACTITIONER)
    make_lic_member(j, USER_AAD)  # the chair records the LIC group's decision
    impact = {
        "action_id": item.id,
        "how_much": "20 audited",
        "how_well": CHILD_NAMED,
        "better_off": "",
        "decision": "close",
    }
    card = await j.card(verbs.IMPACT_RECORD, impact)
    assert "'Is anyone better off?' is required." in card
    assert NAME_MASKED in card, "the warning comes with the missing box, not a submit later"
    assert confirm_key("how_well") in card
    assert "20 audited" in card, "everything typed is kept"
    assert CHILD_NAMED in card
    assert j.rows(t.ActionItem)[0].status == "completed", "nothing saved"

    # Ticked while a box is still empty: refused again, the tick drawn ticked.
    ticked = {**impact, confirm_key("how_well"): "true"}
    card = await j.card(verbs.IMPACT_RECORD, ticked)
    assert "'Is anyone better off?' is required." in card
    assert _tick_drawn_ticked(card, "how_well")
    assert kept_events(j) == []

    card = await j.card(verbs.IMPACT_RECORD, {**ticked, "better_off": "Yes"})
    assert "Impact recorded" in card
    [event] = kept_events(j)
    assert event.after == {"how_well": ["name"]}


async def test_a_chronology_entry_shows_a_bad_date_and_an_nhs_number_at_once(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    entry = {
        "return_id": return_id,
        "event_date": "14/03/2025",
        "source": "GP record",
        "event": NHS,
    }
    card = await j.card(verbs.ENTRY_SAVE, entry, PRACTITIONER)
    assert "must be a date like 2025-03-14." in card
    assert NHS_MASKED in card, "the warning comes with the date's problem"
    assert confirm_key("event") in card
    assert "GP record" in card, "everything typed is kept"
    assert NHS in card
    assert j.rows(t.ChronologyEntry) == [], "nothing saved"

    card = await j.card(
        verbs.ENTRY_SAVE,
        {**entry, "event_date": "2025-03-14", confirm_key("event"): "true"},
        PRACTITIONER,
    )
    assert "Entry added" in card
    [event] = kept_events(j)
    assert event.after == {"event": ["nhs_number"]}


async def test_a_progress_note_shows_a_bad_rating_and_an_nhs_number_at_once(
    any_journey: Journey,
) -> None:
    j = any_journey
    [item] = await published(j)
    before = len(j.rows(t.ProgressEntry))
    note = {"action_id": item.id, "note": NHS, "rag": "purple"}
    card = await j.card(verbs.ACTION_PROGRESS, note, PRACTITIONER)
    assert "Choose red, amber or green." in card
    assert NHS_MASKED in card, "the warning comes with the rating's problem"
    assert NHS in card, "the note is kept"
    assert len(j.rows(t.ProgressEntry)) == before, "nothing saved"

    card = await j.card(
        verbs.ACTION_PROGRESS, {**note, "rag": "amber", confirm_key("note"): "true"}, PRACTITIONER
    )
    assert "Progress recorded" in card
    assert len(j.rows(t.ProgressEntry)) == before + 1
    [event] = kept_events(j)
    assert event.after == {"note": ["nhs_number"]}
