"""Issue 5 over HTTP and the fake connector: owners update from cards, chasers go on the
policy's days, failures are retried or reported, and chasing stops when impact is recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import CHASERS, SERVICES
from cards import verbs
from domain import chase_engine
from domain.action_state import Reader
from domain.errors import StorageUnavailable
from domain.summaries import Filter, Tracker, TrackerLine
from exports.tracker import tracker_csv
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.chasers import Sends, at_next_chase, escalate_after_one, log_rows, sweep
from tests.support.controls import CHAIR_CONTROLS
from tests.support.journey import (
    LEAD,
    LIC_CHANNEL,
    PRACTITIONER,
    Journey,
    card_verbs,
    open_review,
    published,
    refusal,
    register_lic_channel,
    waiting_request,
)


async def test_chaser_arrives_owner_completes_lic_records_impact_chasing_stops(
    journey: Journey,
) -> None:
    j = journey
    await register_lic_channel(j)
    [item] = await published(j)
    assert item.next_chase_at is not None

    at_next_chase(j, item.id)
    j.bot.connector.clear()
    assert await sweep(j) == {"sent": 1}
    chaser = json.dumps(j.bot.connector.cards())
    assert "Reminder: Your action" in chaser
    assert "Mark complete" in chaser
    assert await sweep(j) == {}, "the same chaser is never sent twice"

    card = await j.card(
        verbs.ACTION_COMPLETE,
        {"action_id": item.id, "evidence": "Audit done: 20 referrals."},
        PRACTITIONER,
    )
    assert "Marked complete" in card
    lic = [s for s in j.bot.connector.sent if s.conversation_id == LIC_CHANNEL]
    assert lic, "the LIC channel gets the record-impact card"
    assert "Record impact" in json.dumps(lic[-1].cards)

    reply = await j.act(
        verbs.IMPACT_RECORD,
        {
            "action_id": item.id,
            "how_much": "20 audited",
            "how_well": "All in time",
            "better_off": "Yes",
            "decision": "close",
        },
        PRACTITIONER,
    )
    assert "Only a member of the LIC group" in reply["value"], "owners can't record impact"
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        session.add(t.MemberRole(member_id=chair.id, role="lic_member"))
    card = await j.card(
        verbs.IMPACT_RECORD,
        {
            "action_id": item.id,
            "how_much": "20 audited",
            "how_well": "All in time",
            "better_off": "Yes",
            "decision": "close",
            "minute_reference": "LIC 4",
        },
    )
    assert "Impact recorded" in card
    assert "the review is closed" in card
    [closed] = j.rows(t.ActionItem)
    assert closed.status == "closed"
    assert closed.next_chase_at is None, "chasing stops when impact is recorded"
    assert j.rows(t.Review)[0].stage == "closed"
    j.bot.app[SERVICES].clock.set(j.bot.app[SERVICES].now() + timedelta(days=60))
    assert await sweep(j) == {}


async def test_owner_updates_new_date_and_blocked_reach_the_chair(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    card = await j.card(
        verbs.ACTION_PROGRESS,
        {"action_id": item.id, "note": "Started the audit", "rag": "amber"},
        PRACTITIONER,
    )
    assert "Progress recorded" in card
    assert j.rows(t.ActionItem)[0].status == "in_progress"
    j.bot.connector.clear()
    card = await j.card(
        verbs.ACTION_NEW_DATE,
        {"action_id": item.id, "reason": "Staff off", "proposed_due_on": "2027-06-30"},
        PRACTITIONER,
    )
    assert "Asked the chair" in card
    assert "New date asked for" in json.dumps(j.bot.connector.cards())
    decision = {"action_id": item.id, "request_id": waiting_request(j, item.id)}
    card = await j.card(verbs.DATE_APPROVE, decision)
    assert "Date approved" in card
    assert "Police Practitioner has been told." in card, "named once Teams took it"
    assert str(j.rows(t.ActionItem)[0].revised_due_on) == "2027-06-30"
    reply = await j.act(verbs.DATE_APPROVE, decision)
    assert "no date request waiting" in refusal(reply), "a stale decision card changes nothing"
    j.bot.connector.clear()
    await j.act(
        verbs.ACTION_BLOCKED, {"action_id": item.id, "reason": "No audit tool"}, PRACTITIONER
    )
    assert "Blocked" in json.dumps(j.bot.connector.cards())
    assert j.rows(t.ActionItem)[0].status == "blocked"
    card = await j.card(verbs.ACTION_COMPLETE, {"action_id": item.id, "evidence": ""}, PRACTITIONER)
    assert "can't be marked complete: it is blocked" in card, "refused with why, before the form"
    card = await j.card(verbs.ACTION_PROGRESS, {"action_id": item.id, "note": ""}, PRACTITIONER)
    assert "is required" in card
    reply = await j.act(verbs.ACTION_PROGRESS, {"action_id": item.id, "note": "x"}, LEAD)
    assert "Only the owner" in reply["value"] or "can't find" in reply["value"]


async def test_my_actions_lists_items_most_urgent_first(journey: Journey) -> None:
    j = journey
    await published(j, actions=2)
    await j.say("my actions", PRACTITIONER)
    card = json.dumps(j.bot.connector.cards()[-1])
    assert "My actions" in card
    assert card.count("/A") >= 2


async def test_429_waits_for_retry_after_and_503_backs_off_then_succeeds(
    journey: Journey,
) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    # Retry-After is honoured twice: the record is rescheduled by it (not by the minute-long
    # backoff of other failures), and the sender holds the conversation back for it in real
    # time, so it is kept short here.
    j.bot.connector.fail_next(429, {"Retry-After": "3"})
    assert await sweep(j) == {"retrying": 1}
    now = j.bot.app[SERVICES].now()
    retry_at = j.rows(t.ActionItem)[0].next_chase_at
    assert retry_at is not None
    assert timedelta(seconds=2) < retry_at - now < timedelta(seconds=10)
    j.bot.app[SERVICES].clock.set(retry_at + timedelta(seconds=1))
    j.bot.connector.fail_next(503)
    assert await sweep(j) == {"retrying": 1}
    j.bot.app[SERVICES].clock.set(j.rows(t.ActionItem)[0].next_chase_at + timedelta(seconds=1))
    assert await sweep(j) == {"sent": 1}
    attempts = [(r.attempt, r.outcome) for r in log_rows(j)]
    assert attempts == [(1, "retrying"), (2, "retrying"), (3, "sent")]
    assert j.rows(t.ActionItem)[0].chase_count == 1, "one chaser, delivered once"


async def test_403_marks_the_owner_unreachable_and_is_reported(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
    j.bot.connector.clear()
    assert await sweep(j) == {"unreachable": 1}
    owner = next(m for m in j.rows(t.Member) if m.aad_object_id == PRACTITIONER)
    assert owner.unreachable_since is not None
    [attempt] = [r for r in log_rows(j) if r.recipient == "owner"]
    assert attempt.status_code == 403
    assert j.rows(t.ActionItem)[0].next_chase_at is not None, "the schedule carries on"
    # The chair hears who couldn't be reached, and can act on the item from there.
    [report] = [c for c in j.bot.connector.cards() if "Reminder not delivered" in json.dumps(c)]
    assert owner.display_name in json.dumps(report)
    assert "can't be reached" in json.dumps(report)
    assert verbs.ACTION_VIEW in card_verbs(report)
    assert [(r.kind, r.outcome) for r in log_rows(j) if r.recipient == "chair_undelivered"] == [
        (chase_engine.REPORT, "sent")
    ], "a report to the chair, not an escalation"
    assert await sweep(j) == {}, "reported once, with the chaser it is about"
    assert (
        len([c for c in j.bot.connector.cards() if "Reminder not delivered" in json.dumps(c)]) == 1
    )


async def test_a_return_chaser_that_fails_is_reported_to_the_chair(journey: Journey) -> None:
    j = journey
    _, return_id = await open_review(j)
    with j.bot.db.session() as session:
        due = session.get_one(t.PreAnalysisReturn, return_id).next_chase_at
    assert due is not None
    j.bot.app[SERVICES].clock.set(due + timedelta(minutes=1))
    j.bot.connector.clear()
    for _ in range(2):  # the return has two practitioners: neither can be reached
        j.bot.connector.fail_next(404)
    assert await sweep(j) == {"unreachable": 1}
    [report] = [c for c in j.bot.connector.cards() if "Reminder not delivered" in json.dumps(c)]
    assert verbs.REVIEW_AGENCY in card_verbs(report), "the chair can assign someone else"


async def test_a_crash_between_claim_and_send_loses_nothing_and_sends_once(
    journey: Journey,
) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    now = j.bot.app[SERVICES].now()
    claimed = j.bot.db.transaction(lambda uow: chase_engine.claim(uow.chases, now, 10))
    assert len(claimed) == 1  # ...and the process dies here, before sending
    j.bot.connector.clear()
    assert await sweep(j) == {}, "still leased: another instance must not send it"
    j.bot.app[SERVICES].clock.set(now + chase_engine.LEASE + timedelta(seconds=1))
    assert await sweep(j) == {"sent": 1}
    assert len(j.bot.connector.cards()) == 1
    keys = {r.idempotency_key for r in log_rows(j)}
    assert keys == {claimed[0].key}, "the retry used the same idempotency key"


async def test_a_copy_whose_sender_stopped_mid_send_is_settled_unknown_once_and_never_resent(
    any_journey: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process stops while the lead's copy is going out: the copy stays `attempted` (it
    may have arrived). Once it is older than any send can take, the next sweep settles it as
    `interrupted`, once; it is never sent again, and the tracker's history says it may not
    have arrived."""
    j = any_journey
    item, lead, _, sends = await escalating_item(j, monkeypatch)
    real = j.bot.app[SERVICES].outbound.send_card

    async def stops_at_the_lead(recipient: Any, card: Any, hint: str, **kwargs: Any) -> Any:
        if recipient.member_id == lead.id:
            sends.cards.append((lead.id, json.dumps(card)))
            raise ConnectionResetError("the process stopped while sending")
        return await real(recipient, card, hint, **kwargs)

    monkeypatch.setattr(j.bot.app[SERVICES].outbound, "send_card", stops_at_the_lead)
    await chase_until_the_lead_is_copied(j, item.id)
    [copy] = [r for r in log_rows(j) if r.recipient == "agency_lead"]
    assert copy.outcome == chase_engine.ATTEMPTED
    at_next_chase(j, item.id)
    await sweep(j)  # the owner's chaser, cut short with it, is tried again: not the copy
    assert await sweep(j) == {}, "younger than any send: its sender may still be sending"
    assert [r.outcome for r in log_rows(j) if r.id == copy.id] == [chase_engine.ATTEMPTED]

    with j.bot.db.session() as session, session.begin():
        row = session.get_one(t.ChaserLog, copy.id)
        row.attempted_at = row.attempted_at - chase_engine.STALE_AFTER
    assert await sweep(j) == {chase_engine.INTERRUPTED: 1}
    assert await sweep(j) == {}, "settled once"
    copies = [r for r in log_rows(j) if r.recipient == "agency_lead"]
    assert [(r.id, r.outcome) for r in copies] == [(copy.id, chase_engine.INTERRUPTED)]
    assert len(sends.to(lead.id)) == 1, "never sent again: it may have arrived"
    # The chair hears of it as of a copy Teams didn't take, worded for an unknown outcome.
    [review] = j.rows(t.Review)
    assert review.chair_member_id is not None
    [told] = sends.to(review.chair_member_id, "Reminder may not have arrived")
    assert "may not have arrived" in told
    assert "couldn't deliver" not in told
    assert verbs.ACTION_VIEW in told
    reports = [r.outcome for r in log_rows(j) if r.recipient == chase_engine.COPY_UNDELIVERED]
    assert reports == [chase_engine.SENT]

    where = Filter(j.rows(t.Partnership)[0].id, review_id=item.review_id)
    [record] = j.bot.db.transaction(lambda uow: uow.summaries.tracker(where))
    today = j.bot.app[SERVICES].today()
    csv = tracker_csv(Tracker("Tracker", "Every item.", today, (TrackerLine(record, None),)))
    assert (
        b"escalation to agency lead (may not have arrived: the sender stopped while sending)"
        in (csv)
    )


async def test_a_sent_chaser_whose_bookkeeping_was_lost_is_not_sent_again(
    journey: Journey,
) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    now = j.bot.app[SERVICES].now()
    [claimed] = j.bot.db.transaction(lambda uow: chase_engine.claim(uow.chases, now, 10))
    # The card went out and the log says so, but the record's state was never advanced.
    j.bot.db.transaction(
        lambda uow: uow.chases.log(claimed.row, claimed.key, 1, "reminder", "owner", "sent")
    )
    j.bot.app[SERVICES].clock.set(now + chase_engine.LEASE + timedelta(seconds=1))
    j.bot.connector.clear()
    assert await sweep(j) == {}
    assert j.bot.connector.cards() == []
    assert j.rows(t.ActionItem)[0].chase_count == 1


async def test_overdue_returns_are_chased_too(journey: Journey) -> None:
    j = journey
    from tests.support.journey import open_review

    _, return_id = await open_review(j)
    with j.bot.db.session() as session:
        due = session.get_one(t.PreAnalysisReturn, return_id).next_chase_at
    assert due is not None
    j.bot.app[SERVICES].clock.set(due + timedelta(minutes=1))
    j.bot.connector.clear()
    assert await sweep(j) == {"sent": 1}
    assert "Open the return" in json.dumps(j.bot.connector.cards())


async def test_policy_is_set_by_an_admin_and_validated(journey: Journey) -> None:
    j = journey
    await j.say("chaser policy")
    assert "Chaser policy" in json.dumps(j.bot.connector.cards()[-1])
    card = await j.card(
        verbs.POLICY_SAVE,
        {
            "reminder_days_before": "99",
            "overdue_every": "3",
            "escalate_after": "2",
            "work_starts": "09:00",
            "work_ends": "17:00",
        },
    )
    assert "Saved" not in card
    card = await j.card(
        verbs.POLICY_SAVE,
        {
            "reminder_days_before": "3",
            "overdue_every": "2",
            "escalate_after": "1",
            "work_starts": "08:30",
            "work_ends": "16:00",
        },
    )
    assert "Saved" in card
    reply = await j.act(verbs.POLICY_SAVE, {"reminder_days_before": "1"}, PRACTITIONER)
    assert reply["type"] == "application/vnd.microsoft.activity.message"


async def test_the_monthly_digest_goes_to_the_lic_channel_once(journey_each: Journey) -> None:
    """Once a month, on both databases; each overdue item said as the overdue list says it
    (the digest said "not chased yet" from the count alone, beside the list's "first reminder
    due ..."), a blocked one's chaser the chair's."""
    j = journey_each
    await register_lic_channel(j)
    first, second = await published(j, actions=2)
    await j.act(
        verbs.ACTION_BLOCKED, {"action_id": second.id, "reason": "No audit tool"}, PRACTITIONER
    )
    from datetime import UTC, datetime

    j.bot.app[SERVICES].clock.set(datetime(2027, 4, 1, 9, 30, tzinfo=UTC))
    j.bot.connector.clear()
    assert await j.bot.app[CHASERS].digests() == 1
    digest = [s for s in j.bot.connector.sent if s.conversation_id == LIC_CHANNEL]
    assert len(digest) == 1
    text = json.dumps(digest[0].cards)
    assert "Monthly digest \\u00b7 April 2027" in text
    assert "Overdue" in text
    said = json.dumps(digest[0].cards, ensure_ascii=False)
    assert "not chased yet" not in said
    assert f"{first.reference} · Demo Police · due Wed 31 Mar 2027 · first reminder due" in said
    blocked = "Blocked · owner not chased · chair's reminder due"
    assert f"{second.reference} · Demo Police · due Wed 31 Mar 2027 · {blocked}" in said
    # The overdue list says each the same way.
    listed = json.dumps((await j.say("overdue")).cards, ensure_ascii=False)
    lines = [line.split('"', 1)[0] for line in said.split('"text": "')[1:]]
    items = [words for words in lines if words.startswith("LOS-")]
    assert len(items) == 2, lines
    for words in items:
        assert words.rsplit(" · due ", 1)[1].split(" · ", 1)[1] in listed, words
    assert await j.bot.app[CHASERS].digests() == 0, "once a month, however often it runs"


async def chase_until_the_lead_is_copied(j: Journey, item_id: int) -> None:
    """Chaser after chaser, each at its planned time, until the agency lead's copy is logged."""
    for _ in range(8):
        at_next_chase(j, item_id)
        await sweep(j)
        if any(r.recipient == "agency_lead" for r in log_rows(j)):
            return


async def test_unanswered_overdue_chasers_escalate_to_the_agency_lead(journey: Journey) -> None:
    j = journey
    await escalate_after_one(j)
    [item] = await published(j)
    for _ in range(8):
        at_next_chase(j, item.id)
        await sweep(j)
        if any(r.kind == "escalation" for r in log_rows(j)):
            break
    escalations = [r for r in log_rows(j) if r.kind == "escalation"]
    assert escalations, "the agency lead is copied in after unanswered overdue chasers"
    assert {r.recipient for r in escalations} == {"agency_lead"}
    assert all(r.outcome == "sent" for r in escalations)


async def test_the_chair_told_of_a_blocked_item_gets_no_owner_buttons(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    await j.act(
        verbs.ACTION_BLOCKED, {"action_id": item.id, "reason": "No audit tool"}, PRACTITIONER
    )
    at_next_chase(j, item.id)
    j.bot.connector.clear()
    assert await sweep(j) == {"sent": 1}
    [reminder] = j.bot.connector.cards()
    text = json.dumps(reminder, ensure_ascii=False)
    # Not the chair's own action: theirs to decide, and the title says it is blocked.
    assert f"Reminder: For your decision: blocked action · {item.reference}" in text, text
    # Which of red's causes it is: its Status line, said once ("Why it's red: blocked" under
    # "Status: Blocked" said it twice, walk9).
    assert '"title": "Status", "value": "Blocked"' in text, text
    assert "Why it's red" not in text, text
    assert "Your action" not in text
    titles = [a["title"] for a in reminder["actions"]]
    # Only the owner may update it: the owner's buttons would all be refused.
    assert "Mark complete" not in titles
    assert "Update progress" not in titles
    assert titles == list(CHAIR_CONTROLS), (
        "the chair's own moves (issue 17), then the way back to the review and to their list"
    )


async def test_a_refused_update_keeps_what_the_owner_typed(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    evidence = "All response officers briefed at shift handover."
    card = await j.card(
        verbs.ACTION_COMPLETE,
        {"action_id": item.id, "evidence": evidence, "evidence_link": "http://example.org/x"},
        PRACTITIONER,
    )
    assert "https://" in card, "the link is refused, saying why"
    assert evidence in card, "the evidence typed is still there to send again"
    assert j.rows(t.ActionItem)[0].status == "open"


async def test_an_owner_the_bot_never_chatted_with_is_chased_through_a_new_chat(
    journey: Journey,
) -> None:
    j = journey
    [item] = await published(j)
    with j.bot.db.session() as session, session.begin():  # as if they had never written
        owner = session.scalars(
            select(t.Member).where(t.Member.aad_object_id == PRACTITIONER)
        ).one()
        owner.service_url, owner.conversation_id = None, None
    at_next_chase(j, item.id)
    j.bot.connector.created.clear()

    assert await sweep(j) == {"sent": 1}, "not a bare TypeError retried for ever"
    [opened] = j.bot.connector.created
    assert opened["members"][0]["id"] == PRACTITIONER


async def test_an_escalation_copy_that_fails_is_reported_to_the_chair_once(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner's reminder says their lead will be asked to help: when Teams won't take the
    lead's copy, the chair hears who wasn't reached and whose action it is, once per copy of a
    chaser, however often that chaser is tried again."""
    j = journey_each
    await escalate_after_one(j)
    [item] = await published(j)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    lead, owner = members[LEAD], members[PRACTITIONER]
    outbound = j.bot.app[SERVICES].outbound
    real = outbound.send_card
    owner_fails: list[int] = []

    async def send(recipient: Any, card: Any, hint: str, **kwargs: Any) -> Any:
        if recipient.member_id == lead.id:  # the lead has blocked the app
            j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
        elif recipient.member_id == owner.id and owner_fails:
            owner_fails.pop()
            j.bot.connector.fail_next(503)
        return await real(recipient, card, hint, **kwargs)

    monkeypatch.setattr(outbound, "send_card", send)

    def reports() -> list[str]:
        found = [json.dumps(c, ensure_ascii=False) for c in j.bot.connector.cards()]
        return [c for c in found if "Reminder not delivered" in c]

    await chase_until_the_lead_is_copied(j, item.id)
    assert [r.outcome for r in log_rows(j) if r.recipient == "agency_lead"] == ["failed"]
    [report] = reports()
    assert "I couldn't deliver the copy of Police Practitioner's reminder to Police Lead" in report
    assert "the agency's safeguarding lead" in report
    assert "can't be reached" in report
    assert verbs.ACTION_VIEW in report
    assert [(r.kind, r.outcome) for r in log_rows(j) if r.recipient == "copy_undelivered"] == [
        (chase_engine.REPORT, "sent")
    ], "a report to the chair, not an escalation"

    # The next chaser copies the lead again: reported again, once, though the owner's send
    # fails the first time and the whole chaser (with its copies) is tried again.
    owner_fails.append(1)
    at_next_chase(j, item.id)
    assert await sweep(j) == {"retrying": 1}
    at_next_chase(j, item.id)
    assert await sweep(j) == {"sent": 1}
    copies = [(r.chaser_number, r.outcome) for r in log_rows(j) if r.recipient == "agency_lead"]
    assert len(copies) == 2, "one copy for each chaser, not each try of it"
    assert {o for _, o in copies} == {"failed"}, copies
    assert len(reports()) == 2, "one report for each chaser's failed copy, not each try"
    assert len([r for r in log_rows(j) if r.recipient == "copy_undelivered"]) == 2


async def test_a_report_whose_readers_could_not_be_looked_up_goes_on_the_next_try(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead's copy fails, and the database fails while the chair's report of it is being
    addressed, after the report was claimed: it is given back, not left attempted (which no
    try sends again), and the chaser's next try reports it, once."""
    j = journey_each
    await escalate_after_one(j)
    [item] = await published(j)
    lead = {m.aad_object_id: m for m in j.rows(t.Member)}[LEAD]
    outbound = j.bot.app[SERVICES].outbound
    real_send_card = outbound.send_card

    async def send_card(recipient: Any, card: Any, hint: str, **kwargs: Any) -> Any:
        if recipient.member_id == lead.id:  # the lead has blocked the app
            j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
        return await real_send_card(recipient, card, hint, **kwargs)

    monkeypatch.setattr(outbound, "send_card", send_card)
    chasers = j.bot.app[CHASERS]
    real_send = chasers._send
    failures = [StorageUnavailable()]

    async def send(member_ids: Any, card: Any, row: Any = None) -> Any:
        if "Reminder not delivered" in json.dumps(card) and failures:
            raise failures.pop()
        return await real_send(member_ids, card, row)

    monkeypatch.setattr(chasers, "_send", send)

    def reports() -> list[str]:
        found = [json.dumps(c, ensure_ascii=False) for c in j.bot.connector.cards()]
        return [c for c in found if "Reminder not delivered" in c]

    await chase_until_the_lead_is_copied(j, item.id)
    assert not failures, "the report was due"
    assert reports() == []
    assert [r.outcome for r in log_rows(j) if r.recipient == "copy_undelivered"] == ["released"]
    for _ in range(3):
        if reports():
            break
        at_next_chase(j, item.id)
        await sweep(j)
    assert len(reports()) == 1, "reported on the chaser's next try, once"


async def escalating_item(
    j: Journey, monkeypatch: pytest.MonkeyPatch
) -> tuple[t.ActionItem, t.Member, t.Member, Sends]:
    """One item on a policy that copies the lead after one unanswered chaser: the item, its
    agency's lead, its owner, and the sends watched."""
    await escalate_after_one(j)
    [item] = await published(j)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    return item, members[LEAD], members[PRACTITIONER], Sends(j, monkeypatch)


async def test_an_owner_teams_cant_reach_has_their_lead_asked_to_help(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An undelivered chaser counts as unanswered: an owner who has blocked the app is not
    chased for ever with only the chair told; after K undelivered overdue chasers their lead
    is copied, and the copy says the owner couldn't be reached. The chair hears of each
    undelivered chaser once."""
    j = journey_each
    item, lead, owner, sends = await escalating_item(j, monkeypatch)
    sends.refuse.add(owner.id)
    await chase_until_the_lead_is_copied(j, item.id)
    owner_rows = [r for r in log_rows(j) if r.recipient == "owner"]
    assert {r.outcome for r in owner_rows} == {"unreachable"}
    numbers = [r.chaser_number for r in owner_rows]
    assert numbers == sorted(set(numbers)), "each undelivered chaser is done with: a new number"
    assert j.rows(t.ActionItem)[0].chase_count == len(owner_rows)
    [copy] = sends.to(lead.id, f"Escalation · {item.reference}")
    assert f"{owner.display_name} could not be reached in Teams" in copy
    unanswered = f'"title": "Chasers unanswered", "value": "{len(numbers)}"'
    assert unanswered in copy, "every chaser tried, reminders and this one too (it said 1)"
    assert [r.outcome for r in log_rows(j) if r.recipient == "agency_lead"] == ["sent"]
    reports = [r for r in log_rows(j) if r.recipient == "chair_undelivered"]
    assert sorted(r.chaser_number for r in reports) == numbers, "one report per chaser"
    chair = j.rows(t.Review)[0].chair_member_id
    assert chair is not None
    assert len(sends.to(chair, "Reminder not delivered")) == len(numbers)
    # Teams can reach the owner again: their card doesn't call the lost chasers times chased.
    sends.refuse.discard(owner.id)
    at_next_chase(j, item.id)
    assert await sweep(j) == {"sent": 1}
    [*_, latest] = sends.to(owner.id)
    assert f"The {len(numbers)} before it could not be delivered in Teams" in latest
    assert "You have now been chased" not in latest


async def test_an_owner_whose_every_send_fails_is_named_unreached_in_the_lead_copy(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chaser that failed every try (no 403, a 503 each time, as the Agents Playground
    answers for anyone but its user) counts as unanswered like a refused one, so the copy
    that follows must say why its reader is asked to help: it read as an ordinary late item
    (seen in the Playground walk)."""
    j = journey_each
    item, lead, owner, sends = await escalating_item(j, monkeypatch)
    sends.fail_always.add(owner.id)
    for _ in range(60):
        at_next_chase(j, item.id)
        await sweep(j)
        if sends.to(lead.id, f"Escalation · {item.reference}"):
            break
    owner_rows = [r for r in log_rows(j) if r.recipient == "owner"]
    assert "failed" in {r.outcome for r in owner_rows}
    assert "unreachable" not in {r.outcome for r in owner_rows}
    [copy] = sends.to(lead.id, f"Escalation · {item.reference}")
    assert f"{owner.display_name} could not be reached in Teams" in copy


async def test_an_owner_retry_sends_no_escalation_copy_again(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner's send fails and the chaser is tried again: the lead, who had their copy on
    the first try, does not get it again (one copy per chaser and reader)."""
    j = journey_each
    item, lead, owner, sends = await escalating_item(j, monkeypatch)
    await chase_until_the_lead_is_copied(j, item.id)
    assert len(sends.to(lead.id, "Escalation")) == 1
    sends.fail_once.add(owner.id)
    at_next_chase(j, item.id)
    assert await sweep(j) == {"retrying": 1}
    assert len(sends.to(lead.id, "Escalation")) == 2, "the next chaser's copy, on its first try"
    at_next_chase(j, item.id)
    assert await sweep(j) == {"sent": 1}
    assert len(sends.to(lead.id, "Escalation")) == 2, "not again with the owner's retry"
    copies = [(r.chaser_number, r.outcome) for r in log_rows(j) if r.recipient == "agency_lead"]
    assert [o for _, o in copies] == ["sent", "sent"]
    assert len({n for n, _ in copies}) == 2, copies
    keys = [r.idempotency_key for r in log_rows(j) if r.kind == "escalation"]
    assert len(keys) == len(set(keys)), "the tracker's history counts each copy once"


async def test_a_copy_whose_card_could_not_be_written_goes_on_the_next_try(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails while the lead's copy is being written, after the copies were
    claimed: the copy, never sent, is given back rather than left attempted (which no try
    sends again), and the chaser's next try sends it, once."""
    j = journey_each
    item, lead, _, sends = await escalating_item(j, monkeypatch)
    chasers = j.bot.app[CHASERS]
    real_copy_for = chasers._copy_for
    failures = [StorageUnavailable()]

    async def copy_for(claimed: Any, reader: Reader, *args: Any) -> Any:
        if reader is Reader.AGENCY_LEAD and failures:
            raise failures.pop()
        return await real_copy_for(claimed, reader, *args)

    monkeypatch.setattr(chasers, "_copy_for", copy_for)
    await chase_until_the_lead_is_copied(j, item.id)
    assert not failures, "the lead's copy was due"
    assert sends.to(lead.id, "Escalation") == []
    assert [r.outcome for r in log_rows(j) if r.recipient == "agency_lead"] == ["released"]
    for _ in range(3):
        if sends.to(lead.id, "Escalation"):
            break
        at_next_chase(j, item.id)
        await sweep(j)
    assert len(sends.to(lead.id, "Escalation")) == 1, "sent on the chaser's next try, once"
    copies = [r.outcome for r in log_rows(j) if r.recipient == "agency_lead"]
    assert copies[-1] == "sent", copies


async def test_a_review_cancelled_while_its_chaser_is_out_is_not_chased_again(
    journey_each: Journey,
) -> None:
    """The sweep claims the item, the chair cancels the review during the send, then the
    holder renews, settles or gives the claim back: none of them starts the chasing again,
    and a record whose review is cancelled is claimed as "send nothing"."""
    j = journey_each
    [item, other, third] = await published(j, actions=3)
    at_next_chase(j, item.id)
    now = j.bot.app[SERVICES].now()
    held = j.bot.db.transaction(lambda uow: chase_engine.claim(uow.chases, now, 10))
    assert sorted(c.row.record_id for c in held) == [item.id, other.id, third.id]
    sending, renewed, released = held
    for claimed in (sending, renewed):
        assert j.bot.db.transaction(lambda uow, c=claimed: chase_engine.begin(uow.chases, c, now))

    cancel = {"review_id": item.review_id, "reason": "Family moved away"}
    await j.act(verbs.REVIEW_CANCEL, cancel)
    assert j.rows(t.Review)[0].stage == "cancelled"

    later = now + timedelta(seconds=20)
    assert j.bot.db.transaction(lambda uow: chase_engine.renew(uow.chases, [renewed], later)) == []
    sent = chase_engine.Attempt(delivered=True)
    outcome = j.bot.db.transaction(
        lambda uow: chase_engine.settle(uow.chases, sending, sent, later)
    )
    assert outcome == "sent"
    assert j.bot.db.transaction(lambda uow: chase_engine.release(uow.chases, released, later))
    assert {a.id: a.next_chase_at for a in j.rows(t.ActionItem)} == {
        item.id: None,
        other.id: None,
        third.id: None,
    }

    # A holder's write that slipped past (an instance running the old code): the sweep claims
    # the record, sends nothing and stops it.
    j.bot.db.transaction(
        lambda uow: uow.chases.set_state("action_item", item.id, {"next_chase_at": later})
    )
    j.bot.app[SERVICES].clock.set(now + timedelta(days=60))
    j.bot.connector.clear()
    assert await sweep(j) == {}
    assert j.bot.connector.cards() == []
    assert {a.next_chase_at for a in j.rows(t.ActionItem)} == {None}
