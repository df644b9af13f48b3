"""Issue 15: a name or address in a return answer is caught before anyone else sees it. An
answer the guard flags and its writer has not confirmed is held: its writer reads it, a
co-writer and the agency lead see it masked with a note, a co-writer's save leaves it alone,
and once the writer confirms it everyone reads it. If the writer is taken off the return it is
released to those still writing it, so the return can still be finished (domain/held.py)."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from domain.identifiers import find_identifiers
from domain.returns import CONFIRM_PREFIX
from storage import tables as t
from tests.support.answers import NAMED_ANSWER as NAMED
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    USER_AAD,
    Journey,
    button_data,
    card_verbs,
    episode_key,
    open_review,
)

SECTION = 1  # "involvement": family_members is a long text answer
# Each finding shown as its kind (domain/held.masked); the card breaks "]" from what follows.
MASKS = ("[a name]", "[a street address]")


def _answer(j: Journey, question_id: str) -> t.Answer:
    return next(a for a in j.rows(t.Answer) if a.question_id == question_id)


def _input_ids(node: Any) -> set[str]:
    if isinstance(node, list):
        return {i for item in node for i in _input_ids(item)}
    if not isinstance(node, dict):
        return set()
    own = {str(node["id"])} if str(node.get("type", "")).startswith("Input.") else set()
    return own | {i for value in node.values() for i in _input_ids(value)}


async def _section(j: Journey, return_id: int, aad: str) -> dict[str, Any]:
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": SECTION}, aad)
    card: dict[str, Any] = reply["value"]
    return card


async def _save_named(j: Journey) -> tuple[int, int, dict[str, Any], str]:
    """The practitioner saves NAMED into "family_members": (review id, return id, the answers
    they typed, the card they got back)."""
    review_id, return_id = await open_review(j)
    typed = {**valid_answers(BANK.section(SECTION)), "family_members": NAMED}
    data = {"return_id": return_id, "section": SECTION, **typed}
    return review_id, return_id, typed, await j.card(verbs.RETURN_SAVE, data, PRACTITIONER)


async def _save_named_episode(j: Journey) -> tuple[int, dict[str, Any]]:
    """The practitioner saves key practice episode 1 with NAMED as what happened: (return id,
    the episode's place)."""
    _, return_id = await open_review(j)
    index = next(i for i, s in enumerate(BANK.sections) if s.repeatable)
    place = {"return_id": return_id, "section": index, "episode": 1}
    typed = {**valid_answers(BANK.section(index)), "episode_what_happened": NAMED}
    await j.card(verbs.RETURN_SAVE, {**place, **typed}, PRACTITIONER)
    return return_id, place


async def test_a_flagged_answer_is_held_from_everyone_but_its_writer_until_confirmed(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id, typed, card = await _save_named(j)
    assert "Saved as a draft" in card
    assert "anyone else who opens this return sees it masked" in card
    assert NAMED in card, "the writer reads what they typed"
    written = _answer(j, "family_members")
    assert written.value == NAMED

    # The co-writer: masked, with the note, and no input holding it.
    theirs = await _section(j, return_id, COLLEAGUE)
    shown = json.dumps(theirs, ensure_ascii=False)
    for raw in ("Kelly", "Smith", "Acacia"):
        assert raw not in shown, raw
    assert all(mask in shown for mask in MASKS)
    assert "Held back: it may identify someone. Waiting for Police Practitioner" in shown
    inputs = _input_ids(theirs)
    assert "family_members" not in inputs
    assert CONFIRM_PREFIX + "family_members" not in inputs
    assert "involvement_period" in inputs, "the rest of the section stays editable"

    # The co-writer saves the section: the held answer is untouched.
    save = {**button_data(theirs, verbs.RETURN_SAVE), "involvement_period": "2023 to 2025"}
    save |= {k: v for k, v in typed.items() if k in inputs and k != "involvement_period"}
    card = await j.card(verbs.RETURN_SAVE, save, COLLEAGUE)
    assert "Kelly" not in card
    assert _answer(j, "involvement_period").value == "2023 to 2025"
    kept = _answer(j, "family_members")
    assert (kept.value, kept.revision, kept.updated_by) == (
        NAMED,
        written.revision,
        written.updated_by,
    )

    # A save naming the held question anyway (a made-up card) neither replaces nor clears it.
    for value in ("Something else entirely.", ""):
        made_up = {**save, "family_members": value, "revs": {"family_members": kept.revision}}
        card = await j.card(verbs.RETURN_SAVE, made_up, COLLEAGUE)
        assert "is held until its writer edits it or confirms it" in card
        assert _answer(j, "family_members").value == NAMED

    # The agency lead: masked on the section card and on the review-and-submit card.
    for lead_sees in (
        json.dumps(await _section(j, return_id, LEAD), ensure_ascii=False),
        await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, LEAD),
    ):
        assert "Kelly" not in lead_sees
        assert "Acacia" not in lead_sees
        assert all(mask in lead_sees for mask in MASKS)

    assert "(waiting for Police Practitioner)" in lead_sees, "the overview says who can mend it"

    # The writer confirms it: no longer held, for anyone.
    mine = await _section(j, return_id, PRACTITIONER)
    assert NAMED in json.dumps(mine, ensure_ascii=False)
    confirm = {
        **button_data(mine, verbs.RETURN_SAVE),
        **typed,
        "involvement_period": "2023 to 2025",
        CONFIRM_PREFIX + "family_members": "true",
    }
    await j.card(verbs.RETURN_SAVE, confirm, PRACTITIONER)
    assert _answer(j, "family_members").identifier_warning_confirmed
    for aad in (COLLEAGUE, LEAD):
        now_shown = json.dumps(await _section(j, return_id, aad), ensure_ascii=False)
        assert NAMED in now_shown
        assert "Held back" not in now_shown


async def test_a_co_writer_cannot_remove_an_episode_holding_anothers_answer(
    journey: Journey,
) -> None:
    j = journey
    return_id, data = await _save_named_episode(j)
    theirs = await j.card(verbs.RETURN_OPEN, data, COLLEAGUE)
    assert "Kelly" not in theirs, "nor in the episode list or the Go to list"
    assert all(mask in theirs for mask in MASKS)
    remove = {**data, "episode_key": episode_key(j, return_id, 1)}
    reply = await j.act(verbs.EPISODE_REMOVE, remove, COLLEAGUE)
    assert "held back until Police Practitioner edits it or confirms it" in json.dumps(reply)
    assert _answer(j, "episode_what_happened").value == NAMED
    card = await j.card(verbs.EPISODE_REMOVE, remove, PRACTITIONER)
    assert "Episode 1 removed." in card, "its writer may remove it"


async def test_a_held_answer_whose_writer_is_taken_off_is_released_to_the_co_writer(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id, typed, _ = await _save_named(j)
    # The chair takes the writer off the return, through the real control.
    card = await j.card(
        verbs.RETURN_REASSIGN,
        {"return_id": return_id, "assignees": COLLEAGUE, "replace": "true"},
        USER_AAD,
    )
    assert "taken off the return" in card

    # The co-writer now reads it as its writer did: raw, with the guard's warning and tick.
    theirs = await _section(j, return_id, COLLEAGUE)
    shown = json.dumps(theirs, ensure_ascii=False)
    assert NAMED in shown
    assert "Held back" not in shown
    assert "This looks as if it contains" in shown
    assert "can no longer change this return, so it is yours to check" in shown, "and why"
    assert {"family_members", CONFIRM_PREFIX + "family_members"} <= _input_ids(theirs)

    # They tick it as not identifying: it is theirs now, and no longer held from anyone.
    confirm = {
        **button_data(theirs, verbs.RETURN_SAVE),
        **typed,
        CONFIRM_PREFIX + "family_members": "true",
    }
    await j.act(verbs.RETURN_SAVE, confirm, COLLEAGUE)
    mended = _answer(j, "family_members")
    colleague = next(m for m in j.rows(t.Member) if m.aad_object_id == COLLEAGUE)
    assert (mended.value, mended.identifier_warning_confirmed) == (NAMED, True)
    assert mended.updated_by == colleague.id, "whoever ticks it answers for it"

    # So the return can be finished, submitted and signed off.
    for index, section in enumerate(BANK.sections):
        if index != SECTION:
            data: dict[str, Any] = {"return_id": return_id, "section": index}
            data |= valid_answers(section) | ({"episode": 1} if section.repeatable else {})
            await j.act(verbs.RETURN_NEXT, data, COLLEAGUE)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, COLLEAGUE)
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted"
    card = await j.card(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    assert "Return signed off" in card
    assert j.rows(t.PreAnalysisReturn)[0].status == "signed_off"


async def test_a_held_episode_answer_is_masked_in_the_chronology_s_go_to_list(
    journey: Journey,
) -> None:
    """An episode is listed by its first long answer: the chronology card's "Go to" list
    quoted it raw to the co-writer and the lead while the section card masked it."""
    j = journey
    return_id, _ = await _save_named_episode(j)
    for aad in (COLLEAGUE, LEAD):
        chronology = await j.card(verbs.CHRONOLOGY, {"return_id": return_id}, aad)
        assert "Kelly" not in chronology, aad
        assert "Episode 1" in chronology, "the episode is still listed"
    assert "Kelly" in await j.card(verbs.CHRONOLOGY, {"return_id": return_id}, PRACTITIONER)


async def test_a_co_writer_moves_on_past_an_answer_held_from_them(journey: Journey) -> None:
    """Their card draws the held answer as text, so it sends none: Next must not ask them to
    complete it (the same section came back, with no word why)."""
    j = journey
    _, return_id, typed, _ = await _save_named(j)
    held = _answer(j, "family_members")
    theirs = await _section(j, return_id, COLLEAGUE)
    inputs = _input_ids(theirs)
    assert "family_members" not in inputs
    nxt = button_data(theirs, verbs.RETURN_NEXT) | {k: v for k, v in typed.items() if k in inputs}
    reply = json.dumps(await j.act(verbs.RETURN_NEXT, nxt, COLLEAGUE), ensure_ascii=False)
    assert f"Section {SECTION + 2} of" in reply, "Next moved on"
    kept = _answer(j, "family_members")
    assert (kept.value, kept.revision, kept.updated_by) == (
        held.value,
        held.revision,
        held.updated_by,
    )
    overview = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, COLLEAGUE)
    assert "(waiting for " in overview, "the overview says whom submit waits for"


async def test_a_submitted_return_holds_nothing_a_stricter_guard_flags_later(
    journey: Journey,
) -> None:
    """Submitting needs every flag mended or confirmed; a guard grown stricter since would
    otherwise hold an answer for a writer who can no longer change the return."""
    from sqlalchemy import update

    from tests.support.journey import submitted_return

    j = journey
    return_id = await submitted_return(j)
    later_flagged = "Grace told the class teacher that she was hungry."
    assert find_identifiers(later_flagged), "the guard flags it today"
    with j.bot.db.session() as session:
        session.execute(
            update(t.Answer)
            .where(t.Answer.return_id == return_id, t.Answer.question_id == "family_members")
            .values(value=later_flagged, identifier_warning_confirmed=False)
        )
        session.commit()
    lead = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, LEAD)
    assert "Grace told" in lead, "shown as submitted and signed for"
    assert "(waiting for " not in lead, "no writer is waited for"
    assert "Held back" not in lead


async def _held_from_colleague(j: Journey) -> tuple[int, int]:
    review_id, return_id, _, _ = await _save_named(j)
    assert "Kelly" not in json.dumps(await _section(j, return_id, COLLEAGUE), ensure_ascii=False)
    return review_id, return_id


async def test_a_return_closed_without_submitting_keeps_its_held_answers_hidden(
    journey: Journey,
) -> None:
    """Second review: a nil return or a cancelled review closes a return without the submit
    check, and "nothing held once closed" showed the text raw to the co-writer and the lead."""
    j = journey
    _, return_id = await _held_from_colleague(j)
    await j.card(verbs.RETURN_NIL, {"return_id": return_id, "reason": "No contact."})
    assert j.rows(t.PreAnalysisReturn)[0].status == "nil_pending"
    for aad in (COLLEAGUE, LEAD):
        shown = json.dumps(await _section(j, return_id, aad), ensure_ascii=False)
        assert "Kelly" not in shown, aad
        assert "stays hidden unless the return is opened again" in shown, "no one is waited for"


async def test_a_released_answer_on_a_card_nobody_can_edit_is_not_offered_to_check(
    journey: Journey,
) -> None:
    """The writer taken off, then the review cancelled: the co-writer's card is read-only and
    must not ask them to edit or tick it."""
    j = journey
    review_id, return_id = await _held_from_colleague(j)
    await j.card(
        verbs.RETURN_REASSIGN,
        {"return_id": return_id, "assignees": COLLEAGUE, "replace": "true"},
        USER_AAD,
    )
    await j.act(verbs.REVIEW_CANCEL, {"review_id": review_id, "reason": "Duplicate."})
    card = await _section(j, return_id, COLLEAGUE)
    assert verbs.RETURN_SAVE not in card_verbs(card), "the card is read-only"
    assert "yours to check" not in json.dumps(card, ensure_ascii=False)
