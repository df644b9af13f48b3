"""Issue 14, item 2 over HTTP (SQLite and PostgreSQL): the agency lead's sign-off can't be
lost. Reading the full return keeps Approve and Return with comments, `sign-offs` lists what
waits, and a returned return opens where the lead's comments are."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot.app import CHASERS, SERVICES
from bot.scheduler import SweepReport
from cards import verbs
from cards.common import card_nodes
from cards.returns import CHOOSE_A_PART, READ_CHOSEN
from domain import returns as domain_returns
from domain.errors import StorageUnavailable
from domain.returns import APPROVE_WITH_COMMENTS, START_CHOSEN
from domain.stale import local_day
from storage import tables as t
from tests.support.journey import (
    LEAD,
    PRACTITIONER,
    Journey,
    answer_every_section,
    button_data,
    card_verbs,
    open_review,
    submitted_return,
)

CARD = "application/vnd.microsoft.card.adaptive"


async def test_lead_reads_the_full_return_then_approves_from_there(any_journey: Journey) -> None:
    j = any_journey
    return_id = await submitted_return(j)
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": 0}, LEAD)
    assert reply["type"] == CARD
    first = reply["value"]
    assert "Section 1 of 11" in json.dumps(first)
    assert {verbs.SIGNOFF_APPROVE, verbs.SIGNOFF_RETURN} <= set(card_verbs(first))
    # Anywhere else it can be opened: the chronology and a section from the "Go to" list.
    reply = await j.act(verbs.CHRONOLOGY, {"return_id": return_id}, LEAD)
    assert {verbs.SIGNOFF_APPROVE, verbs.SIGNOFF_RETURN} <= set(card_verbs(reply["value"]))
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "goto": "s:4"}, LEAD)
    assert "Section 5 of 11" in json.dumps(reply["value"])
    assert verbs.SIGNOFF_APPROVE in card_verbs(reply["value"])

    card = await j.card(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    assert "Return signed off" in card
    assert "now with the review chair" in card, "the lead isn't the chair here"
    assert j.rows(t.PreAnalysisReturn)[0].status == "signed_off"


async def test_a_lead_who_chairs_the_review_is_not_told_it_is_with_the_chair(
    any_journey: Journey,
) -> None:
    """walk10: the demo's Alex leads the agency and chairs the review; "now with the review
    chair" read as someone else. The chair's own notice still comes, below."""
    j = any_journey
    return_id = await submitted_return(j)
    [review] = j.rows(t.Review)
    lead = next(m for m in j.rows(t.Member) if m.aad_object_id == LEAD)
    with j.bot.db.session() as session, session.begin():
        row = session.get(t.Review, review.id)
        assert row is not None
        row.chair_member_id = lead.id
    j.bot.connector.clear()
    card = await j.card(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    assert "Return signed off" in card
    assert "You chair this review" in card
    assert "now with the review chair" not in card
    told = json.dumps(j.bot.connector.cards())
    assert "return signed off" in told, "the chair's notice still comes"


async def test_a_practitioner_reading_a_submitted_return_gets_no_sign_off(
    any_journey: Journey,
) -> None:
    j = any_journey
    return_id = await submitted_return(j)
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": 0}, PRACTITIONER)
    assert verbs.SIGNOFF_APPROVE not in card_verbs(reply["value"])
    reply = await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, PRACTITIONER)
    assert reply["type"] != CARD
    assert "safeguarding lead" in reply["value"]


async def test_sign_offs_lists_what_waits_with_a_button_to_each(any_journey: Journey) -> None:
    j = any_journey
    return_id = await submitted_return(j)
    j.bot.connector.clear()
    await j.say("sign-offs", LEAD)
    card = j.bot.connector.cards()[-1]
    text = json.dumps(card)
    assert "Returns waiting for your sign-off" in text
    assert "waiting 0 working days" in text
    assert verbs.SIGNOFF_OPEN in card_verbs(card)
    reply = await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    assert "Return for sign-off" in json.dumps(reply["value"])

    approved = await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    # walk10: no "Sign-offs waiting" that leads to "Nothing is waiting"; what is still to
    # be signed off on the review is named.
    assert verbs.SIGN_OFFS not in card_verbs(approved["value"])
    said = json.dumps(approved["value"])
    assert "Nothing else is waiting for your sign-off." in said
    assert "Not yet signed off on " in said or "Every return on " in said
    j.bot.connector.clear()
    await j.say("sign-offs", LEAD)
    assert "Nothing is waiting for your sign-off" in json.dumps(j.bot.connector.cards()[-1])
    j.bot.connector.clear()
    await j.say("sign-offs", PRACTITIONER)
    assert "Only an agency's safeguarding lead" in json.dumps(j.bot.connector.cards()[-1])


async def test_an_approval_whose_after_read_fails_is_reported_with_its_way_on(
    any_journey: Journey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """review11: the sign-off commits and its notices go, then a second unit reads what else
    waits for the lead. If that read can't reach the database, the approval still stands and
    is reported as done (not "nothing was changed", which would have them approve again): the
    card says it was signed off, claims nothing about what waits, and keeps its buttons."""
    j = any_journey
    return_id = await submitted_return(j)
    reads: list[int] = []

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        reads.append(return_id)
        raise OperationalError(
            "SELECT ...", {}, Exception("server closed the connection unexpectedly")
        )

    monkeypatch.setattr(domain_returns, "after_sign_off", unreachable)
    j.bot.connector.clear()
    with caplog.at_level(logging.WARNING, logger="bot.handlers.returns"):
        approved = await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    assert reads == [return_id], "the read of what else waits was made, and failed"

    assert [r.status for r in j.rows(t.PreAnalysisReturn)] == ["signed_off"]
    assert approved["type"] == CARD, approved
    said = json.dumps(approved["value"], ensure_ascii=False)
    assert "Return signed off" in said
    assert "now with the review chair" in said
    for error in (StorageUnavailable().user_message, "didn't work", "went wrong", "try again"):
        assert error not in said, error
    # What waits was not read, so nothing is claimed about it.
    for claim in ("Still waiting for your sign-off", "Nothing else is waiting", "Every return"):
        assert claim not in said, claim
    assert "return signed off" in json.dumps(j.bot.connector.cards()), "the chair was told"
    assert "what else waits was not read: StorageUnavailable" in caplog.text

    # A way on: the return as signed off, the reviews, and (what waits being unknown) the
    # sign-offs list, which answers once the database is back.
    buttons = card_verbs(approved["value"])
    assert buttons == [verbs.SIGN_OFFS, verbs.RETURN_OPEN, verbs.REVIEWS], buttons
    monkeypatch.undo()
    waiting = await j.card(verbs.SIGN_OFFS, button_data(approved["value"], verbs.SIGN_OFFS), LEAD)
    assert "Nothing is waiting for your sign-off" in waiting


async def test_a_returned_return_opens_at_the_lead_comments(any_journey: Journey) -> None:
    j = any_journey
    return_id = await submitted_return(j)
    # The lead reads section 5 and returns it from there.
    await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "goto": "s:4"}, LEAD)
    j.bot.connector.clear()
    await j.act(
        verbs.SIGNOFF_RETURN,
        {
            "return_id": return_id,
            "comments": "Say who held the strategy meeting.",
            "comment_on": "s:4",
        },
        LEAD,
    )
    returned = next(c for c in j.bot.connector.cards() if "needs changes" in json.dumps(c))
    button = next(a for a in returned["actions"] if a["verb"] == verbs.RETURN_OPEN)
    card = await j.card(verbs.RETURN_OPEN, button["data"], PRACTITIONER)
    assert "Section 5 of 11" in card
    assert "Say who held the strategy meeting." in card
    # From the sign-off card without a named part: the review-and-submit card, with comments.
    await j.act(verbs.RETURN_NEXT, {"return_id": return_id, "section": 10}, PRACTITIONER)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    await j.act(verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": "Add dates."}, LEAD)
    j.bot.connector.clear()
    await j.say("continue", PRACTITIONER)
    card = json.dumps(j.bot.connector.cards()[-1])
    assert "Review and submit" in card
    assert "Add dates." in card


async def test_a_sign_off_waiting_past_the_policy_is_chased_then_the_chair_told(
    any_journey: Journey,
) -> None:
    j = any_journey
    _, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    with j.bot.db.session() as session, session.begin():  # the practitioners, chased 3 times
        counts = {"chase_count": 3, "owner_chase_count": 3}
        session.execute(update(t.PreAnalysisReturn).values(**counts))
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    [ret] = j.rows(t.PreAnalysisReturn)
    assert ret.next_chase_at is not None, "the sign-off is scheduled from submit"
    assert (ret.chase_count, ret.owner_chase_count) == (3, 0), "the lead's count starts"
    j.bot.app[SERVICES].clock.set(_aware(ret.next_chase_at) - timedelta(minutes=1))
    assert await j.bot.app[CHASERS].sweep() == SweepReport()
    j.bot.app[SERVICES].clock.set(_aware(ret.next_chase_at) + timedelta(minutes=1))
    j.bot.connector.clear()
    report = await j.bot.app[CHASERS].sweep()
    assert report.outcomes == {"sent": 1}
    # One message: the one lead, not the two practitioners who were chased before submit.
    [to_lead] = j.bot.connector.sent
    chaser = json.dumps(to_lead.cards)
    assert "Waiting for your sign-off for 3 working days" in chaser
    # The lead's own count, whatever went to the practitioners before they submitted.
    assert "This is the first reminder about this sign-off." in chaser
    [ret] = j.rows(t.PreAnalysisReturn)
    assert (ret.chase_count, ret.owner_chase_count) == (4, 1)
    assert verbs.SIGNOFF_OPEN in card_verbs(to_lead.cards)
    # The lead doesn't answer: after escalate_after (2) chasers the chair is copied in.
    for _ in range(2):
        [ret] = j.rows(t.PreAnalysisReturn)
        j.bot.app[SERVICES].clock.set(_aware(ret.next_chase_at) + timedelta(minutes=1))
        j.bot.connector.clear()
        await j.bot.app[CHASERS].sweep()
    assert len(j.bot.connector.sent) == 2, "the lead and the chair"
    copies = [r for r in j.rows(t.ChaserLog) if r.kind == "escalation"]
    assert [r.recipient for r in copies] == ["chair"]
    # Approving from the chaser's card stops the chasing.
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    [ret] = j.rows(t.PreAnalysisReturn)
    assert ret.next_chase_at is None


def _aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_read_this_part_with_nothing_chosen_asks_for_a_part(any_journey: Journey) -> None:
    """walk9: the sign-off card's "Read this part" with nothing chosen opened where the
    writer stopped, unasked. It now comes back with the problem under the list, the typed
    comments kept, and nothing written; a part chosen opens as before."""
    j = any_journey
    return_id = await submitted_return(j)
    shown = (await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD))["value"]
    read = button_data(shown, verbs.RETURN_OPEN)
    assert read[READ_CHOSEN]
    card = await j.card(verbs.RETURN_OPEN, {**read, "comments": "Half typed"}, LEAD)
    assert "Return for sign-off" in card
    assert CHOOSE_A_PART in card
    assert "Half typed" in card
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted"
    chosen = await j.card(verbs.RETURN_OPEN, {**read, "goto": "s:4"}, LEAD)
    assert "Section 5 of 11" in chosen
    assert CHOOSE_A_PART not in chosen


async def test_submitting_an_unfinished_return_says_how_many_answers_are_still_needed(
    any_journey: Journey,
) -> None:
    """walk10: the refusal listed five unanswered questions and no more, which read as the
    whole of it while about thirty were open."""
    j = any_journey
    _, return_id = await open_review(j)
    reply = await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    said = json.dumps(reply)
    assert "isn't ready to submit" in said
    assert "more: the overview lists them)" in said, said[:800]
    assert j.rows(t.PreAnalysisReturn)[0].status != "submitted"


def _titled(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The data of the card's button called `title` (at any depth), as Teams sends it back."""
    found = [
        dict(n["data"])
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute" and n.get("title") == title
    ]
    assert found, f"no {title!r} button on the card"
    return found[0]


def _clicker(j: Journey, typed: str) -> Any:
    """Click a card's button by its title as the lead, the comments box holding `typed` (Teams
    sends a card's inputs with any of its buttons) and any other `inputs`; the card back."""

    async def click(card: dict[str, Any], title: str, **inputs: Any) -> dict[str, Any]:
        data = {**_titled(card, title), "comments": typed, **inputs}
        reply = await j.act(str(data["verb"]), data, LEAD)
        assert reply["type"] == CARD, reply
        value: dict[str, Any] = reply["value"]
        return value

    return click


def _box(card: dict[str, Any]) -> object:
    """What the card's comments box holds (None when it holds nothing)."""
    [value] = [n.get("value") for n in card_nodes(card) if n.get("id") == "comments"]
    return value


async def test_comments_typed_while_reading_go_with_every_page(any_journey: Journey) -> None:
    """walk12: a lead typed comments on the sign-off card, pressed "Read the full return",
    then "Next section": each page's box came empty and the comments were dropped without a
    word. Every button that leaves a page carries the box (Teams sends a card's inputs with
    any of its buttons), and the next card's box holds it: pages, the chronology, the
    sign-off card again; Return with comments from a page then sends it."""
    j = any_journey
    return_id = await submitted_return(j)
    typed = "Please add when the strategy meeting was held.\nAnd who chaired it."
    card = (await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD))["value"]
    assert _box(card) is None

    click = _clicker(j, typed)

    page = await click(card, "Read the full return")
    assert "Section 1 of 11" in json.dumps(page)
    assert _box(page) == typed
    page = await click(page, "Next section")
    assert "Section 2 of 11" in json.dumps(page)
    assert _box(page) == typed
    page = await click(page, "Previous section")
    assert "Section 1 of 11" in json.dumps(page)
    assert _box(page) == typed
    page = await click(page, "Open", goto="chronology")
    assert "Impact chronology" in json.dumps(page)
    assert _box(page) == typed
    # Back to the sign-off card ("Go to", Overview): the box there holds it too.
    back = await click(page, "Open", goto="overview")
    assert "Return for sign-off" in json.dumps(back)
    assert _box(back) == typed
    # Blank is nothing to carry: the next page's box is empty, as before.
    page = await click(back, "Read the full return", comments="  ")
    assert _box(page) is None
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted", "reading wrote nothing"

    page = await click(page, "Next section")
    j.bot.connector.clear()
    sent = await click(page, "Return with comments")
    assert "Return sent back" in json.dumps(sent)
    [row] = j.rows(t.PreAnalysisReturn)
    assert row.status == "returned"
    assert row.returned_comments == typed
    assert typed.split("\n")[0] in json.dumps(j.bot.connector.cards())


async def test_approve_with_comments_typed_is_refused_on_the_page_keeping_them(
    any_journey: Journey,
) -> None:
    """walk12: Approve threw away what was in the comments box without a word. An approval
    has nowhere to keep comments, so it is refused, on the page it was pressed on, with the
    box as typed and the button to return it with them; cleared, it approves."""
    j = any_journey
    return_id = await submitted_return(j)
    page = (await j.act(verbs.RETURN_OPEN, {"return_id": return_id, "section": 2}, LEAD))["value"]
    data = {**_titled(page, "Approve"), "comments": "Looks thin on dates."}
    refused = (await j.act(verbs.SIGNOFF_APPROVE, data, LEAD))["value"]
    text = json.dumps(refused)
    assert "Section 3 of 11" in text, "answered on the page it was pressed on"
    # One Return with comments, under the box (the new-user walk: it showed twice).
    returning = [
        n
        for n in card_nodes(refused)
        if n.get("type") == "Action.Execute" and n.get("verb") == verbs.SIGNOFF_RETURN
    ]
    assert len(returning) == 1
    assert APPROVE_WITH_COMMENTS in text
    assert _box(refused) == "Looks thin on dates."
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted"
    # The same from the sign-off card: the card again, the box as typed.
    shown = (await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD))["value"]
    data = {**_titled(shown, "Approve"), "comments": "Looks thin on dates."}
    again = (await j.act(verbs.SIGNOFF_APPROVE, data, LEAD))["value"]
    assert "Return for sign-off" in json.dumps(again)
    assert APPROVE_WITH_COMMENTS in json.dumps(again)
    assert _box(again) == "Looks thin on dates."
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted"
    # Cleared (Teams sends the empty box), it approves.
    card = await j.card(verbs.SIGNOFF_APPROVE, {**data, "comments": ""}, LEAD)
    assert "Return signed off" in card
    assert j.rows(t.PreAnalysisReturn)[0].status == "signed_off"


def _start(card: dict[str, Any]) -> object:
    """What the sign-off card's "where should the practitioner start?" list holds."""
    [value] = [n.get("value") for n in card_nodes(card) if n.get("id") == "comment_on"]
    return value


async def test_the_part_chosen_to_start_at_goes_with_every_page(any_journey: Journey) -> None:
    """The new-user walk: the part the lead chose on the sign-off card for the practitioner
    to start at was dropped once they read the return page by page (the comments were
    carried). Every button of a page carries it, the page says it, the sign-off card shows it
    chosen again, and Return with comments from a page sends the practitioner there, not to
    the page it was pressed on."""
    j = any_journey
    return_id = await submitted_return(j)
    card = (await j.act(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD))["value"]
    typed = "Please add the dates."

    click = _clicker(j, typed)

    page = await click(card, "Read the full return", comment_on="s:4")
    said = "If you return it, the practitioner starts at: 5. "
    assert "Section 1 of 11" in json.dumps(page)
    assert said in json.dumps(page, ensure_ascii=False)
    assert _titled(page, "Next section")[START_CHOSEN] == "s:4"
    page = await click(page, "Next section")
    assert "Section 2 of 11" in json.dumps(page)
    assert said in json.dumps(page, ensure_ascii=False)
    page = await click(page, "Open", goto="chronology")
    assert said in json.dumps(page, ensure_ascii=False)
    back = await click(page, "Open", goto="overview")
    assert "Return for sign-off" in json.dumps(back)
    assert _start(back) == "s:4"
    assert _box(back) == typed
    page = await click(back, "Read the full return", comment_on="s:4")
    page = await click(page, "Next section")
    sent = await click(page, "Return with comments")
    assert "Return sent back" in json.dumps(sent)
    [row] = j.rows(t.PreAnalysisReturn)
    assert row.status == "returned"
    assert row.current_section == 4, "where the lead chose, not the page it was sent from"


async def test_a_resubmitted_return_s_sign_off_card_says_what_was_sent_back(
    any_journey: Journey,
) -> None:
    """walk12: the lead's sign-off card for a resubmitted return didn't say what they had sent
    back, so they couldn't check their points were met. While it is changed, the return reads
    "Returned for changes" on every card (its writers' save no longer makes it "In progress"),
    with the comments to act on; resubmitted, the lead's card (the notice and the one opened
    from `sign-offs`) says "You sent this back on <day>: <comments>"."""
    j = any_journey
    return_id = await submitted_return(j)
    asked = "Say who held the strategy meeting.\nAnd add its date."
    await j.act(verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": asked}, LEAD)
    [row] = j.rows(t.PreAnalysisReturn)
    assert row.returned_at is not None
    day = local_day(row.returned_at)
    lead = next(m for m in j.rows(t.Member) if m.aad_object_id == LEAD)
    assert row.returned_by == lead.id

    # The writer changes it: a save keeps it "Returned for changes", the comments in view.
    await j.act(verbs.RETURN_NEXT, {"return_id": return_id, "section": 10}, PRACTITIONER)
    assert j.rows(t.PreAnalysisReturn)[0].status == "returned"
    overview = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    assert "Returned for changes" in overview
    assert "In progress" not in overview
    assert "Returned by your agency lead: Say who held the strategy meeting." in overview
    j.bot.connector.clear()
    await j.say("continue", PRACTITIONER)
    told = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "Returned for changes" in told
    assert "In progress" not in told

    j.bot.connector.clear()
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    [row] = j.rows(t.PreAnalysisReturn)
    assert row.status == "submitted"
    assert (row.returned_comments, row.returned_by) == (asked, lead.id), "kept"
    said = f"You sent this back on {day}: Say who held the strategy meeting."
    notice = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert said in notice, "the lead's sign-off notice"
    card = await j.card(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    assert said in card
    assert "And add its date." in card
    # The writer's own card of the submitted return has nothing left to act on.
    mine = await j.card(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    assert "Say who held the strategy meeting." not in mine
    # Signed off, the card is gone; the send-back stays on the record.
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    assert j.rows(t.PreAnalysisReturn)[0].returned_comments == asked
