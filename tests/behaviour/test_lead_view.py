"""Walk 6b over HTTP (SQLite and PostgreSQL): an agency lead opening a return its
practitioners are still writing gets a card for a lead, naming who is writing it, with no
"Submit to agency lead"; a lead who writes the return too keeps the writer's card and is
never told that they have their own comments."""

from __future__ import annotations

import json
from datetime import date

from cards import verbs
from storage import tables as t
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    LEAD,
    OUTSIDER,
    PRACTITIONER,
    Journey,
    answer_every_section,
    answered_by_lead_who_writes,
    button_data,
    card_verbs,
    open_review,
    submitted_return,
)


async def test_a_lead_opening_a_return_being_written_reads_who_writes_it(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    first = {"return_id": return_id, "section": 0, **valid_answers(BANK.section(0))}
    await j.act(verbs.RETURN_NEXT, first, PRACTITIONER)
    where = j.rows(t.PreAnalysisReturn)[0].current_section
    assert where == 1

    # As the chaser's escalation opens it: no part named.
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id}, LEAD)
    card = json.dumps(reply["value"])
    assert "Return in progress" in card
    assert "still being written by Police Colleague and Police Practitioner" in card
    assert "sign-off card when it's submitted to you" in card
    assert verbs.RETURN_SUBMIT not in card_verbs(reply["value"])
    assert "Submit to agency lead" not in card
    # Its review-and-submit card, asked for by name, is the lead's card too, and reading it
    # leaves where the practitioners resume as it was.
    reply = await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id}, LEAD)
    assert "Return in progress" in json.dumps(reply["value"])
    assert verbs.RETURN_SUBMIT not in card_verbs(reply["value"])
    assert j.rows(t.PreAnalysisReturn)[0].current_section == where
    reply = await j.act(verbs.CHRONOLOGY, {"return_id": return_id}, LEAD)
    assert "Review and submit" not in json.dumps(reply["value"])
    assert j.rows(t.PreAnalysisReturn)[0].current_section == where
    # A section still opens for a lead who helps (leads may write returns).
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "goto": "s:2"}, LEAD)
    assert "Section 3 of 11" in json.dumps(reply["value"])

    # The practitioner's own card is the writer's, with Submit.
    await answer_every_section(j, return_id)
    reply = await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    assert "Submit to agency lead" in json.dumps(reply["value"])
    assert verbs.RETURN_SUBMIT in card_verbs(reply["value"])


async def test_a_lead_who_writes_the_return_too_gets_the_writers_card(
    any_journey: Journey,
) -> None:
    j = any_journey
    return_id = await answered_by_lead_who_writes(j)

    reply = await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id}, LEAD)
    card = json.dumps(reply["value"])
    assert "Review and submit" in card
    assert "still being written" not in card
    assert verbs.RETURN_SUBMIT in card_verbs(reply["value"])

    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, LEAD)
    j.bot.connector.clear()
    done = await j.act(
        verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": "Add the dates."}, LEAD
    )
    told = json.dumps(done)
    assert "It's back with you to change too." in told, told[:600]
    assert "Police Practitioner and Police Colleague have your comments" in told, told[:600]
    assert "Police Lead has your comments" not in told
    # Back with them: the button that opens it (the new-user walk: a dead end before).
    opens = button_data(done["value"], verbs.RETURN_OPEN)
    assert opens["return_id"] == return_id
    assert card_verbs(done["value"])[0] == verbs.RETURN_OPEN
    returned = [c for c in j.bot.connector.cards() if "needs changes" in json.dumps(c)]
    assert len(returned) == 2, "the two practitioners; the lead is answered in their chat"


async def test_continue_names_a_review_and_opens_the_persons_return_on_it(
    any_journey: Journey,
) -> None:
    j = any_journey
    await open_review(j)
    reference = j.rows(t.Review)[0].reference

    j.bot.connector.clear()
    await j.say(f"continue {reference}", PRACTITIONER)
    shown = json.dumps(j.bot.connector.cards())
    assert "Section 1 of 11" in shown, shown[:600]
    assert "Did you mean" not in shown
    # Its pseudonym names it too, and `continue` alone still opens the one return.
    j.bot.connector.clear()
    await j.say("continue Child K", PRACTITIONER)
    assert "Section 1 of 11" in json.dumps(j.bot.connector.cards())
    j.bot.connector.clear()
    await j.say("continue", PRACTITIONER)
    assert "Section 1 of 11" in json.dumps(j.bot.connector.cards())

    # The agency's lead, not assigned: the lead's reading card (nothing is saved yet).
    j.bot.connector.clear()
    await j.say(f"continue {reference}", LEAD)
    shown = json.dumps(j.bot.connector.cards())
    assert "Return not started yet" in shown, shown[:600]
    assert verbs.RETURN_SUBMIT not in shown

    # Someone with no return there is told so plainly, and nothing of it is shown.
    j.bot.connector.clear()
    await j.say(f"continue {reference}", OUTSIDER)
    shown = json.dumps(j.bot.connector.cards())
    assert f"I can't find a review called {reference} that you can see" in shown, shown[:600]
    assert "Section 1 of 11" not in shown


async def test_a_lead_helping_with_a_section_leaves_where_its_writers_resume(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    reference = j.rows(t.Review)[0].reference
    first = {"return_id": return_id, "section": 0, **valid_answers(BANK.section(0))}
    await j.act(verbs.RETURN_NEXT, first, PRACTITIONER)
    assert j.rows(t.PreAnalysisReturn)[0].current_section == 1

    # The lead opens section 3 and moves about it as a writer would: Next, Back, Save draft
    # and "Save and open" on the Go-to. Each saves; none moves the practitioners' place.
    third = {"return_id": return_id, "section": 2, **valid_answers(BANK.section(2))}
    await j.act(verbs.RETURN_NEXT, third, LEAD)
    assert j.rows(t.PreAnalysisReturn)[0].current_section == 1
    await j.act(verbs.RETURN_BACK, third, LEAD)
    assert j.rows(t.PreAnalysisReturn)[0].current_section == 1
    saved = await j.act(verbs.RETURN_SAVE, third, LEAD)
    card = json.dumps(saved["value"])
    # What the lead's `continue LOS-…` opens: the overview, not this section (walk7).
    assert f"type continue {reference} to open this return again, at its overview" in card
    assert "come back here" not in card
    assert j.rows(t.PreAnalysisReturn)[0].current_section == 1
    j.bot.connector.clear()
    await j.say(f"continue {reference}", LEAD)
    shown = json.dumps(j.bot.connector.cards())
    assert "Return in progress" in shown, shown[:600]
    await j.act(verbs.RETURN_SAVE, {**third, "jump": True, "goto": "s:5"}, LEAD)
    assert j.rows(t.PreAnalysisReturn)[0].current_section == 1

    # The practitioner's `continue` opens where they were, and their Save draft still tells
    # them `continue` alone brings them back.
    j.bot.connector.clear()
    await j.say("continue", PRACTITIONER)
    shown = json.dumps(j.bot.connector.cards())
    assert "Section 2 of 11" in shown, shown[:600]
    second = {"return_id": return_id, "section": 1, **valid_answers(BANK.section(1))}
    saved = await j.act(verbs.RETURN_SAVE, second, PRACTITIONER)
    assert "type continue to come back here" in json.dumps(saved["value"])


async def test_a_lead_continuing_an_overdue_return_is_told_it_is_late_not_to_finish_it(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    reference = j.rows(t.Review)[0].reference
    with j.bot.db.session() as session, session.begin():
        row = session.get(t.PreAnalysisReturn, return_id)
        assert row is not None
        row.due_on = date(2026, 11, 23)

    j.bot.connector.clear()
    await j.say(f"continue {reference}", LEAD)
    shown = json.dumps(j.bot.connector.cards())
    assert "Return not started yet" in shown, shown[:600]
    assert "Overdue: this return was due Mon 23 Nov 2026." in shown, shown[:600]
    assert "Please finish it" not in shown
    # Its writer is still asked to finish it.
    j.bot.connector.clear()
    await j.say("continue", PRACTITIONER)
    assert "Please finish it as soon as you can." in json.dumps(j.bot.connector.cards())


async def test_the_overdue_line_shows_wherever_the_return_s_card_is_drawn(
    any_journey: Journey,
) -> None:
    """Not only where `continue` drew it (walk9): its Open button, the chronology and the
    overview say it too, to the lead as a fact and to its writer as a request."""
    j = any_journey
    _, return_id = await open_review(j)
    with j.bot.db.session() as session, session.begin():
        row = session.get(t.PreAnalysisReturn, return_id)
        assert row is not None
        row.due_on = date(2026, 11, 23)
    late = "Overdue: this return was due Mon 23 Nov 2026."
    for verb, data in (
        (verbs.RETURN_OPEN, {"return_id": return_id}),
        (verbs.RETURN_OPEN, {"return_id": return_id, "section": 2}),
        (verbs.CHRONOLOGY, {"return_id": return_id}),
        (verbs.RETURN_OVERVIEW, {"return_id": return_id}),
    ):
        as_lead = await j.card(verb, data, LEAD)
        assert late in as_lead, (verb, data, as_lead[:600])
        assert "Please finish it" not in as_lead
        as_writer = await j.card(verb, data, PRACTITIONER)
        assert f"{late} Please finish it as soon as you can." in as_writer, (verb, as_writer[:600])
    # The page a save opens too (review10: Next, Save and Go to drew it without the line).
    first = BANK.sections[0]
    next_page = {"return_id": return_id, "section": 0, **valid_answers(first)}
    for verb in (verbs.RETURN_NEXT, verbs.RETURN_SAVE):
        as_writer = await j.card(verb, next_page, PRACTITIONER)
        assert f"{late} Please finish it as soon as you can." in as_writer, (verb, as_writer[:600])


async def test_continue_with_ordinary_words_opens_the_persons_returns(
    any_journey: Journey,
) -> None:
    j = any_journey
    await open_review(j)
    for typed in ("continue my return", "continue where i left off"):
        j.bot.connector.clear()
        await j.say(typed, PRACTITIONER)
        shown = json.dumps(j.bot.connector.cards())
        assert "Section 1 of 11" in shown, (typed, shown[:600])
        assert "That didn't work" not in shown

    # A reference or pseudonym that names no review they can see is still refused plainly.
    j.bot.connector.clear()
    await j.say("continue LOS-2026-999", PRACTITIONER)
    shown = json.dumps(j.bot.connector.cards())
    assert "I can't find a review called LOS-2026-999 that you can see" in shown, shown[:600]
    j.bot.connector.clear()
    await j.say("continue Baby Xavier", PRACTITIONER)
    shown = json.dumps(j.bot.connector.cards())
    assert "I can't find that review among the ones you can see" in shown, shown[:600]
    assert "Section 1 of 11" not in shown


async def test_a_lead_reading_a_return_nobody_has_started_is_told_so(
    any_journey: Journey,
) -> None:
    # Walk7: "Return in progress" over "Status: Not started".
    j = any_journey
    _, return_id = await open_review(j)
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id}, LEAD)
    card = json.dumps(reply["value"])
    assert "Return not started yet" in card, card[:600]
    assert "Not started: nothing is saved yet" in card
    assert "Return in progress" not in card
    assert "still being written" not in card
    assert "is with Police Colleague and Police Practitioner to write" in card
    # A Save draft of empty boxes saves nothing, so the return is still not started.
    saved = await j.act(verbs.RETURN_SAVE, {"return_id": return_id, "section": 10}, LEAD)
    assert "open this return again, at its overview" in json.dumps(saved["value"])
    assert "Nothing is saved yet: every box is empty." in json.dumps(saved["value"])  # walk8
    assert j.rows(t.PreAnalysisReturn)[0].status == "not_started"
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id}, LEAD)
    assert "Return not started yet" in json.dumps(reply["value"])


async def test_a_chair_reading_a_submitted_return_is_not_offered_review_and_submit(
    any_journey: Journey,
) -> None:
    # Walk7: the chair's Go-to list named the overview "Review and submit".
    j = any_journey
    return_id = await submitted_return(j)
    for verb, data in (
        (verbs.RETURN_OVERVIEW, {"return_id": return_id}),
        (verbs.RETURN_OPEN, {"return_id": return_id, "section": 0}),
        (verbs.CHRONOLOGY, {"return_id": return_id}),
    ):
        reply = await j.act(verb, data)  # the chair
        card = json.dumps(reply["value"])
        assert "Review and submit" not in card, (verb, card[:600])
        assert verbs.RETURN_SUBMIT not in card_verbs(reply["value"])
        assert '"title": "Overview"' in card, (verb, card[:600])
    reply = await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id})
    card = json.dumps(reply["value"])
    assert "Return overview" in card
    assert "Submitted: waiting for sign-off" in card
