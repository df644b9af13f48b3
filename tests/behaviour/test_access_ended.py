"""Ending a member's access (someone who left their agency) and restoring it, on both
databases: the admin ends it from the member card with a reason, the person's every turn is
then refused with one message and no data, what they still hold is listed for someone to pick
up, and nothing proactive goes to them."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import SERVICES
from bot.core import BESIDE
from cards import verbs
from domain import chase_engine
from domain.members import ACCESS_ENDED
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.chasers import DEPUTY, Sends, at_next_chase, log_rows, sweep, with_deputy
from tests.support.journey import (
    CARD,
    COLLEAGUE,
    LEAD,
    MESSAGE,
    PRACTITIONER,
    Journey,
    answer_every_section,
    button_data,
    open_review,
    person,
    published,
    saved_file,
)


def member_id(j: Journey, aad: str) -> int:
    return next(m.id for m in j.rows(t.Member) if m.aad_object_id == aad)


def is_active(j: Journey, aad: str) -> bool:
    return bool(next(m.active for m in j.rows(t.Member) if m.aad_object_id == aad))


def audited(j: Journey, action: str) -> list[t.AuditEvent]:
    return [e for e in j.rows(t.AuditEvent) if e.action == action]


async def member_card(j: Journey, aad: str) -> dict[str, Any]:
    reply = await j.act(verbs.MEMBER_FORM, {"member_id": member_id(j, aad), "page": 1})
    assert reply["type"] == CARD, reply
    card: dict[str, Any] = reply["value"]
    return card


async def end_access(j: Journey, aad: str, reason: str = "Left the agency.") -> Any:
    data = button_data(await member_card(j, aad), verbs.MEMBER_END_ACCESS)
    return await j.act(verbs.MEMBER_END_ACCESS, {**data, "reason": reason})


async def test_ended_access_refuses_every_turn_without_data_until_restored(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id, return_id = await open_review(j)
    reply = await end_access(j, PRACTITIONER)
    shown = json.dumps(reply["value"])
    assert "Police Practitioner's access ended." in shown
    # What they still hold, for the chair to reassign: the return they write, by reference.
    [review] = j.rows(t.Review)
    assert "Still with them" in shown
    assert review.reference in shown
    assert "Writes the return: Demo Police" in shown
    assert "Restore access" in shown
    assert "End access" not in shown
    [ended] = audited(j, "member.access_ended")
    assert ended.after == {"active": False, "reason": "Left the agency."}
    assert ended.record_id == str(member_id(j, PRACTITIONER))

    # Their next message, and a click on a card they kept, get the one message and no data.
    j.bot.connector.clear()
    said = await j.say("continue", PRACTITIONER)
    assert said.texts == [ACCESS_ENDED], said.sent
    assert said.cards == []
    clicked = await j.act(verbs.RETURN_OPEN, {"return_id": return_id}, PRACTITIONER)
    assert clicked == {"type": MESSAGE, "value": ACCESS_ENDED} or clicked["value"] == ACCESS_ENDED
    assert "Child K" not in json.dumps(clicked)

    # The members list says so.
    listing = json.dumps((await j.act(verbs.MEMBERS, {}))["value"])
    assert "Access ended" in listing

    # Their card, opened again later, still says so and what they hold (walk10: the list was
    # only on the card that ended it, and the status said "hasn't used the bot yet").
    reopened = await member_card(j, PRACTITIONER)
    again = json.dumps(reopened)
    assert "Still with them" in again
    assert "Writes the return: Demo Police" in again
    assert '"value": "Access ended"' in again
    assert "hasn't used the bot yet" not in again
    # The return's own button, named by it, brings its agency card below (where the chair or
    # admin assigns someone else) and leaves the member card in place (walk10: it opened the
    # review's summary, not the item).
    assert verbs.SUMMARY not in again
    data = button_data(reopened, verbs.REVIEW_AGENCY)
    assert data["return_id"] == return_id
    assert '"title": "Open the Demo Police return"' in again
    j.bot.connector.clear()
    opened = await j.act(verbs.REVIEW_AGENCY, data)
    assert (opened["type"], opened["value"]) == (MESSAGE, BESIDE)
    [agency] = j.bot.connector.cards()
    drawn = json.dumps(agency, ensure_ascii=False)
    assert f"Demo Police · {review.reference}" in drawn
    assert "Assign or replace" in drawn

    # Restored: they are back, with their roles, and the trail says who did it.
    data = button_data(reopened, verbs.MEMBER_RESTORE)
    restored = json.dumps((await j.act(verbs.MEMBER_RESTORE, data))["value"])
    assert "Police Practitioner's access restored." in restored
    assert is_active(j, PRACTITIONER)
    assert len(audited(j, "member.access_restored")) == 1
    opened = await j.card(verbs.RETURN_OPEN, {"return_id": return_id}, PRACTITIONER)
    assert "Child K" in opened
    assert review_id


async def test_a_replayed_end_access_click_ends_it_once(journey_each: Journey) -> None:
    j = journey_each
    data = button_data(await member_card(j, COLLEAGUE), verbs.MEMBER_END_ACCESS)
    click = person(USER_AAD).clicks(
        j.bot.connector.url, verbs.MEMBER_END_ACCESS, {**data, "reason": "Moved away."}
    )
    first = await j.turn(click)
    again = await j.turn(click)
    assert first.status == again.status == 200
    assert len(audited(j, "member.access_ended")) == 1
    assert not is_active(j, COLLEAGUE)


async def test_only_an_admin_ends_access_and_a_reason_is_needed(journey_each: Journey) -> None:
    j = journey_each
    target = {"member_id": member_id(j, PRACTITIONER), "reason": "Left."}
    refused = await j.act(verbs.MEMBER_END_ACCESS, target, COLLEAGUE)
    assert refused["type"] == MESSAGE
    assert "admin can do that" in refused["value"]
    assert is_active(j, PRACTITIONER)

    missing = json.dumps((await end_access(j, PRACTITIONER, reason="  "))["value"])
    assert "'Reason for ending access' is required." in missing
    named = json.dumps(
        (await end_access(j, PRACTITIONER, "Kelly Smith, 14 Acacia Road, left."))["value"]
    )
    assert "'Reason for ending access' looks as if it contains a name" in named
    assert "pseudonym" not in named
    own = json.dumps(
        (
            await j.act(
                verbs.MEMBER_END_ACCESS, {"member_id": member_id(j, USER_AAD), "reason": "Test."}
            )
        )["value"]
    )
    assert "You can't end your own access." in own
    assert is_active(j, PRACTITIONER)
    assert is_active(j, USER_AAD)
    assert audited(j, "member.access_ended") == []


async def test_a_lead_whose_access_ended_is_not_asked_to_sign_off(journey_each: Journey) -> None:
    j = journey_each
    reply = await end_access(j, LEAD)
    assert "They chair no open review and hold no open returns" in json.dumps(reply["value"])
    _, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    submitted = await j.turn(
        person(PRACTITIONER).clicks(
            j.bot.connector.url, verbs.RETURN_SUBMIT, {"return_id": return_id}
        )
    )
    assert submitted.status == 200
    # The chair hears of it; the lead, whose access ended, is sent nothing.
    readers = [(s.get("recipient") or {}).get("aadObjectId") for s in submitted.sent]
    assert USER_AAD in readers
    assert LEAD not in readers
    assert LEAD not in json.dumps(submitted.created)
    [ret] = j.rows(t.PreAnalysisReturn)
    assert ret.status == "submitted"


async def test_someone_whose_access_ended_is_given_no_work_and_not_answered_in_public(
    journey_each: Journey,
) -> None:
    """The review's finding: a people picker or an older card could still name a leaver as a
    return's writer (and the chair was told to ask them to open Line of Sight); and their
    @mention in a channel was answered there, telling the channel their access had ended."""
    j = journey_each
    await end_access(j, COLLEAGUE)
    police = next(a.id for a in j.rows(t.Agency) if a.name == "Demo Police")
    draft = await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": str(police),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    assert "Child K" in draft
    [review] = j.rows(t.Review)
    refused = await j.card(
        verbs.REVIEW_ASSIGN, {"review_id": review.id, f"assignees_{police}": COLLEAGUE}
    )
    assert "access to Line of Sight has ended: choose someone else" in refused
    assert j.rows(t.ReturnAssignee) == []

    j.bot.connector.clear()
    in_channel = await j.say("continue", COLLEAGUE, channel=True)
    assert in_channel.sent == [], "nothing is posted where others read it"
    in_private = await j.say("continue", COLLEAGUE)
    assert in_private.texts == [ACCESS_ENDED]


async def test_a_chaser_due_to_a_leaver_tells_the_chair_and_lead_at_once_and_sends_nothing(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a chaser due to someone whose access ended was a failed send, tried six times
    over half an hour, then "tell them yourself". Now nothing is sent to them, nothing is tried
    again, no copy asks others to help them, and the chair and the item's agency lead hear at
    once that it needs a new owner, with the button that opens it to reassign."""
    j = journey_each
    [item] = await published(j)
    sends = Sends(j, monkeypatch)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    owner, lead, chair = members[PRACTITIONER], members[LEAD], members[USER_AAD]
    await end_access(j, PRACTITIONER)
    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    assert sends.to(owner.id) == [], "nothing is sent to them"
    [owner_row] = [r for r in log_rows(j) if r.recipient == "owner"]
    assert (owner_row.attempt, owner_row.outcome) == (1, chase_engine.ACCESS_ENDED)
    [told] = sends.to(chair.id, f"Needs a new owner · {item.reference}")
    assert f"{owner.display_name}'s access to Line of Sight has ended" in told
    assert "tell them yourself" not in told
    assert len(sends.to(lead.id, f"Needs a new owner · {item.reference}")) == 1
    notices = [r for r in log_rows(j) if r.recipient == chase_engine.ACCESS_ENDED_NOTICE]
    assert sorted((r.kind, r.outcome) for r in notices) == [(chase_engine.REPORT, "sent")] * 2
    assert not [r for r in log_rows(j) if r.kind == chase_engine.ESCALATION]

    # Nothing is tried again: the next sweep, half an hour on, sends nothing.
    j.bot.app[SERVICES].clock.set(j.bot.app[SERVICES].now() + timedelta(minutes=30))
    assert await sweep(j) == {}
    [after] = j.rows(t.ActionItem)
    assert after.next_chase_at is not None, "the next chaser is planned as usual"
    assert after.last_chase_outcome == chase_engine.ACCESS_ENDED

    # The chair's button opens the item with Reassign.
    data = button_data(json.loads(told), verbs.ACTION_VIEW)
    opened = await j.act(verbs.ACTION_VIEW, data)
    assert verbs.ACTION_REASSIGN in json.dumps(opened["value"])
    # It says why, beside the owner's name, and offers Reassign first (leavers3).
    shown = json.dumps(opened["value"])
    assert f"{owner.display_name} (access ended)" in shown
    assert "Its owner's access to Line of Sight has ended" in shown
    assert opened["value"]["actions"][0]["title"] == "Reassign"

    # Restored, they are chased again, and not told they heard the one that was never sent.
    restore = button_data(await member_card(j, PRACTITIONER), verbs.MEMBER_RESTORE)
    await j.act(verbs.MEMBER_RESTORE, restore)
    at_next_chase(j, item.id)
    assert await sweep(j) == {"sent": 1}
    [back] = sends.to(owner.id)
    assert "not sent while your access to Line of Sight was ended" in back
    assert "could not be delivered in Teams" not in back, "not a failure in Teams"
    assert "You have now been chased" not in back


async def test_a_completed_item_s_leaver_is_told_to_the_chair_once_not_at_every_impact_request(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """review10 M1: a completed item is chased for evidence of impact until the LIC group
    records it, and nobody can reassign a finished item. With its owner gone, "needs a new
    owner" at every impact request was a dead end that never stopped; the chair now hears once
    that no evidence will come from them, with a button that opens the item, and the agency
    lead (who can't move it) isn't asked."""
    j = journey_each
    [item] = await published(j)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    owner, lead, chair = members[PRACTITIONER], members[LEAD], members[USER_AAD]
    done = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    assert "Marked complete" in await j.card(verbs.ACTION_COMPLETE, done, PRACTITIONER)
    await end_access(j, PRACTITIONER)
    sends = Sends(j, monkeypatch)
    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    [told] = sends.to(chair.id, f"No evidence of impact to come · {item.reference}")
    assert "the request for evidence of impact was not sent" in told
    assert "Reassign" not in told
    assert sends.to(owner.id) == []
    assert sends.to(lead.id) == [], "a lead can't move a completed item"
    opened = await j.act(verbs.ACTION_VIEW, button_data(json.loads(told), verbs.ACTION_VIEW))
    assert item.reference in json.dumps(opened["value"])

    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}, "the next request is not sent either"
    assert len(sends.to(chair.id)) == 1, "the chair is told once, not at every request"


async def test_a_return_chaser_due_to_writers_who_all_left_tells_the_chair_to_assign(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    sends = Sends(j, monkeypatch)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    await end_access(j, PRACTITIONER)
    with j.bot.db.session() as session:
        due = session.get_one(t.PreAnalysisReturn, return_id).next_chase_at
    assert due is not None
    j.bot.app[SERVICES].clock.set(due + timedelta(minutes=1))
    # One of its two writers remains: the chaser goes to them, as before.
    assert await sweep(j) == {"sent": 1}
    assert sends.to(members[COLLEAGUE].id) != []
    assert sends.to(members[PRACTITIONER].id) == []

    await end_access(j, COLLEAGUE)
    with j.bot.db.session() as session:
        due = session.get_one(t.PreAnalysisReturn, return_id).next_chase_at
    assert due is not None
    j.bot.app[SERVICES].clock.set(due + timedelta(minutes=1))
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    [told] = sends.to(members[USER_AAD].id, "Needs a new writer")
    assert "The access of Police Colleague and Police Practitioner to Line of Sight" in told
    assert verbs.REVIEW_AGENCY in told
    assert sends.to(members[LEAD].id, "Needs a new writer") == []


async def test_an_admin_by_the_server_s_settings_keeps_their_access(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = journey_each
    settings = j.bot.app[SERVICES].settings
    monkeypatch.setitem(settings.__dict__, "admin_aad_ids", frozenset({USER_AAD, COLLEAGUE}))
    reply = json.dumps((await end_access(j, COLLEAGUE))["value"])
    assert "is an admin by the server&#39;s settings (ADMIN_AAD_IDS)" in reply or (
        "is an admin by the server's settings (ADMIN_AAD_IDS)" in reply
    )
    assert is_active(j, COLLEAGUE)
    assert audited(j, "member.access_ended") == []


async def exported(j: Journey, command: str) -> Path:
    """The file `command` exports (local mode's card names it: `saved_file`)."""
    j.bot.connector.clear()
    await j.say(command)
    return saved_file(j.bot, json.dumps([*j.bot.connector.cards(), *j.bot.connector.texts()]))


async def test_a_leaver_is_marked_wherever_their_work_is_shown(journey_each: Journey) -> None:
    """leavers2 left the summary (card and Word document) and the tracker naming a leaver as
    owner or writer as if nothing had changed: each now says "(access ended)" beside the name,
    read with it (`storage.tables.shown_name`); restored, the mark goes."""
    j = journey_each
    [item] = await published(j)
    owner = next(m for m in j.rows(t.Member) if m.aad_object_id == PRACTITIONER)
    marked = f"{owner.display_name} (access ended)"
    review = item.reference.split("/")[0]
    await end_access(j, PRACTITIONER)

    j.bot.connector.clear()
    await j.say(f"summary {review}")
    summary = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert f"{marked} · " in summary, "the item's owner"
    document = Document(await exported(j, f"export the summary for {review} as a word document"))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for table in document.tables for row in table.rows for c in row.cells]
    )
    assert marked in text
    book = load_workbook(await exported(j, f"export {review}"))
    cells = [str(c.value) for row in book["Tracker"].iter_rows() for c in row if c.value]
    assert marked in cells

    restore = button_data(await member_card(j, PRACTITIONER), verbs.MEMBER_RESTORE)
    await j.act(verbs.MEMBER_RESTORE, restore)
    j.bot.connector.clear()
    await j.say(f"summary {review}")
    assert "(access ended)" not in json.dumps(j.bot.connector.cards(), ensure_ascii=False)


@pytest.mark.parametrize("deputy", [True, False], ids=["deputy", "no-deputy"])
async def test_a_chaser_meant_for_a_chair_who_left_goes_to_the_deputy_else_the_admins(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch, deputy: bool
) -> None:
    """leavers2 left a chair's own chasers (a blocked item's) sent to a chair whose access had
    ended: the sender skipped them and they were reported as undelivered. Now what is meant
    for the chair goes to the deputy chair, who has the chair's controls, or with no deputy to
    the partnership's admins (`chase_engine.chair_readers`)."""
    j = journey_each
    [item] = await published(j)
    await with_deputy(j)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    leaver, stand_in = members[DEPUTY], members[USER_AAD]  # USER_AAD: the journey's admin
    with j.bot.db.session() as session, session.begin():
        for review in session.scalars(select(t.Review)):
            review.chair_member_id = leaver.id
            review.deputy_chair_member_id = stand_in.id if deputy else None
    await j.act(
        verbs.ACTION_BLOCKED, {"action_id": item.id, "reason": "No audit tool"}, PRACTITIONER
    )
    await end_access(j, DEPUTY)
    sends = Sends(j, monkeypatch)
    at_next_chase(j, item.id)
    assert await sweep(j) == {"sent": 1}, "not a send to a leaver, skipped and reported"
    assert sends.to(leaver.id) == []
    [reminder] = sends.to(stand_in.id, f"For your decision: blocked action · {item.reference}")
    assert verbs.ACTION_REASSIGN in reminder, "the chair's own moves"
    assert not [r for r in log_rows(j) if r.recipient == chase_engine.CHAIR_UNDELIVERED]
    # review2: a stand-in is told first why the chair's card came to them.
    why = (
        f"getting this as deputy chair for {leaver.display_name}, whose access to Line of Sight"
        if deputy
        else f"getting this as a partnership admin: {leaver.display_name}, the chair of"
    )
    assert why in reminder
    review_reference = item.reference.partition("/")[0]
    assert f"the chair of {review_reference}" in reminder
    assert f"the chair of {item.reference}" not in reminder, "the review's, not the item's"
    assert f"(type manage {review_reference})" in reminder or deputy


async def test_a_chair_s_part_nobody_can_read_is_logged_without_personal_data(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """review2: a chair who left, with no deputy chair and no partnership admin, has nobody to
    read the chair's part: nothing is sent, and the sweep logs a warning (ids only)."""
    j = journey_each
    [item] = await published(j)
    await with_deputy(j)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    leaver = members[DEPUTY]
    with j.bot.db.session() as session, session.begin():
        for review in session.scalars(select(t.Review)):
            review.chair_member_id = leaver.id
            review.deputy_chair_member_id = None
    await j.act(
        verbs.ACTION_BLOCKED, {"action_id": item.id, "reason": "No audit tool"}, PRACTITIONER
    )
    await end_access(j, DEPUTY)
    with j.bot.db.session() as session, session.begin():
        for role in session.scalars(select(t.MemberRole).where(t.MemberRole.role == "admin")):
            session.delete(role)
    sends = Sends(j, monkeypatch)
    at_next_chase(j, item.id)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        await sweep(j)
    assert sends.to(leaver.id) == []
    assert sends.to(members[USER_AAD].id, item.reference) == []
    [warned] = [r for r in caplog.records if "reaches nobody" in r.getMessage()]
    assert (warned.subject_type, warned.record_id) == (chase_engine.ACTION, item.id)  # type: ignore[attr-defined]
    logged = warned.getMessage() + str(warned.__dict__)
    for personal in (leaver.display_name, item.reference, "No audit tool"):
        assert personal not in logged
