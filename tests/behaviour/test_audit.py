"""Issue 7, item 4 over HTTP: the main journeys (return, meeting, actions and impact, summaries,
exports, set-up, governance) write an append-only audit event for every change, sign-off,
impact record, export and summary view; and `audit LOS-…` shows the trail and exports it as
CSV with spreadsheet formulas neutralised."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.app import CHASERS, SERVICES
from bot.retention import RETENTION_JOB
from cards import verbs
from storage import tables as t
from tests.support.activities import USER_AAD, activity, as_user
from tests.support.answers import valid_answers
from tests.support.audited import AuditedJourney, snapshot
from tests.support.journey import (
    BANK,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    THREE_NEEDS,
    Journey,
    draft_key,
    episode_key,
    good_action,
    guide_shown,
    open_review,
    police_id,
    saved_file,
    waiting_request,
)

# What the journeys below must leave in the audit log, at least.
EXPECTED = {
    # reviews and returns
    "review.created",
    "review.assigned",
    "return.answers_saved",
    "return.episode_removed",
    "chronology.entry_added",
    "chronology.entry_updated",
    "chronology.entry_removed",
    "return.submitted",
    "return.returned",
    "return.signed_off",
    "review.stage_changed",
    # the meeting
    "outcome.saved",
    "outcome.published",
    "guide.drafted",
    "guide.edited",
    "guide.submitted",
    "guide.sent_back",
    "guide.published",
    "guide.revised",
    "guide.usage_recorded",
    "channel.registered",
    # action items and impact
    "action.progress",
    "action.status_changed",
    "action.date_requested",
    "action.date_approved",
    "action.date_declined",
    "action.impact_recorded",
    # views and exports
    "summary.viewed",
    "summary.exported",
    "dashboard.viewed",
    "overdue.viewed",
    "export.created",
    # set-up and governance
    "agency.created",
    "member.created",
    "member.role_granted",
    "chaser_policy.saved",
    "retention.saved",
    "review.legal_hold_placed",
    "review.legal_hold_lifted",
    "audit.viewed",
    "audit.exported",
}
# Changes name what they changed from and to.
WITH_BEFORE_AND_AFTER = {
    "return.submitted",
    "return.returned",
    "return.signed_off",
    "review.stage_changed",
    "action.status_changed",
    "action.date_approved",
    "action.date_declined",
    "chaser_policy.saved",
    "retention.saved",
    "review.legal_hold_placed",
    "review.legal_hold_lifted",
}
LIC_CHANNEL = "19:lic-channel@thread.tacv2"
IMPACT = {"how_much": "20 audited", "how_well": "All in time", "better_off": "Yes"}


def grant(j: Journey, aad: str, role: str) -> None:
    with j.bot.db.session() as session, session.begin():
        member = session.scalars(select(t.Member).where(t.Member.aad_object_id == aad)).one()
        session.add(t.MemberRole(member_id=member.id, role=role))


async def complete_return(j: Journey, return_id: int) -> None:
    """Answer every section (with a detour back and an episode added and removed), then add,
    edit and remove chronology entries."""
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
            await j.act(verbs.EPISODE_ADD, {**data, "episode": 1}, PRACTITIONER)
            await j.act(
                verbs.RETURN_SAVE,
                {
                    "return_id": return_id,
                    "section": index,
                    "episode": 2,
                    "episode_date": "2025-02-02",
                },
                PRACTITIONER,
            )
            await j.act(
                verbs.EPISODE_REMOVE,
                {
                    "return_id": return_id,
                    "section": index,
                    "episode": 2,
                    "episode_key": episode_key(j, return_id, 2),
                },
                PRACTITIONER,
            )
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
        if index == 1:
            await j.act(verbs.RETURN_BACK, {**data, "section": 1}, PRACTITIONER)
    entry = {
        "return_id": return_id,
        "event_date": "2025-01-10",
        "source": "school log",
        "event": "School raised concern about attendance",
        "themes": "neglect",
    }
    await j.act(verbs.ENTRY_SAVE, entry, PRACTITIONER)
    await j.act(verbs.ENTRY_SAVE, {**entry, "event_date": "2025-02-11"}, PRACTITIONER)
    first, second = sorted(e.id for e in j.rows(t.ChronologyEntry))
    await j.act(
        verbs.ENTRY_SAVE,
        {**entry, "entry_id": first, "event": "Attendance fell to 70%"},
        PRACTITIONER,
    )
    await j.act(verbs.ENTRY_REMOVE, {"return_id": return_id, "entry_id": second}, PRACTITIONER)


async def meeting_and_actions(j: Journey, review_id: int) -> list[int]:
    agency = police_id(j)
    await j.act(verbs.PACK, {"review_id": review_id})
    await j.act(
        verbs.OUTCOME_SAVE,
        # Three learning points: each key learning box of the briefing is written to send it.
        {"review_id": review_id, "agreed_themes": "neglect", "learning_needs": THREE_NEEDS},
    )
    for owner in (PRACTITIONER, PRACTITIONER, COLLEAGUE):
        await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency, owner)})
    await j.act(verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": draft_key(j, 2)})
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {"review_id": review_id, "agreed_themes": "neglect", "learning_needs": THREE_NEEDS},
    )
    await j.act(verbs.GUIDE, {"review_id": review_id})
    await j.act(verbs.GUIDE_SAVE, {"review_id": review_id, "part_0": "Child K, aged 6, lived..."})
    await j.act(verbs.GUIDE_PREVIEW, {"review_id": review_id})
    # The chair sends it for approval; the LIC group sends it back, then approves it, and
    # the chair starts a second version.
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    back = guide_shown(j.bot, review_id, reason="Shorten the background.")
    await j.act(verbs.GUIDE_SEND_BACK, back, LEAD)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), LEAD)
    await j.act(verbs.GUIDE_REVISE, {"review_id": review_id})
    await j.act(
        verbs.GUIDE_USAGE_SAVE,
        {
            "review_id": review_id,
            "team": "Locality North",
            "used_on": "2026-11-20",
            "staff_count": "12",
        },
        PRACTITIONER,
    )
    return sorted(i.id for i in j.rows(t.ActionItem))


async def work_the_actions(j: Journey, first: int, second: int) -> None:
    owner = PRACTITIONER
    await j.act(
        verbs.ACTION_PROGRESS, {"action_id": first, "note": "Started", "rag": "amber"}, owner
    )
    new_date = {"action_id": first, "reason": "Staff off", "proposed_due_on": "2099-06-30"}
    await j.act(verbs.ACTION_NEW_DATE, new_date, owner)
    await j.act(verbs.DATE_APPROVE, {"action_id": first, "request_id": waiting_request(j, first)})
    await j.act(verbs.ACTION_NEW_DATE, {**new_date, "proposed_due_on": "2099-09-30"}, owner)
    await j.act(verbs.DATE_DECLINE, {"action_id": first, "request_id": waiting_request(j, first)})
    await j.act(verbs.ACTION_BLOCKED, {"action_id": first, "reason": "No audit tool"}, owner)
    await j.act(verbs.ACTION_PROGRESS, {"action_id": first, "note": "Tool arrived"}, owner)
    await j.act(verbs.ACTION_COMPLETE, {"action_id": first, "evidence": "Audit of 20 done"}, owner)
    await j.act(
        verbs.IMPACT_RECORD,
        {"action_id": first, **IMPACT, "decision": "keep_open", "evidence": "Re-audit in May"},
    )
    await j.act(verbs.ACTION_COMPLETE, {"action_id": first, "evidence": "Re-audit done"}, owner)
    for item in (first, second):
        if item == second:
            await j.act(verbs.ACTION_COMPLETE, {"action_id": item, "evidence": "Done"}, owner)
        await j.act(
            verbs.IMPACT_RECORD,
            {"action_id": item, **IMPACT, "decision": "close", "minute_reference": "LIC 4"},
        )


async def register_lic_channel(j: Journey) -> None:
    body = activity(
        "message-channel-mention",
        j.bot.connector.url,
        text="<at>Line of Sight</at> register channel lic",
    )
    body["conversation"]["id"] = LIC_CHANNEL
    before = len(j.rows(t.AuditEvent))
    status, _ = await j.bot.post(as_user(body, USER_AAD))
    assert status == 201
    assert len(j.rows(t.AuditEvent)) > before


async def test_every_change_in_the_main_journeys_is_audited(journey: Journey) -> None:
    grant(journey, USER_AAD, "lic_member")
    grant(journey, USER_AAD, "manager")
    grant(journey, LEAD, "lic_member")  # a second person approves the 7-minute guide
    j = AuditedJourney(journey)
    await register_lic_channel(j)
    review_id, return_id = await open_review(j)
    await complete_return(j, return_id)
    await j.act(verbs.RETURN_OVERVIEW, {"return_id": return_id}, PRACTITIONER)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    await j.act(verbs.SIGNOFF_RETURN, {"return_id": return_id, "comments": "Add the nurse."}, LEAD)
    await j.act(
        verbs.RETURN_SAVE,
        {"return_id": return_id, "section": 0, "agency_team": "Police with school nurse"},
        PRACTITIONER,
    )
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    first, second = await meeting_and_actions(j, review_id)
    reference = j.rows(t.Review)[0].reference
    for text in (
        f"summary {reference}",
        "dashboard",
        "overdue",
        f"export {reference} csv",
        f"export {reference} word",
        "my actions",
    ):
        await j.say(text)
    await j.act(verbs.SUMMARY, {"review_id": review_id})
    await j.act(verbs.PACK_EXPORT, {"review_id": review_id, "format": "csv"})
    await j.act(verbs.GUIDE_EXPORT, {"review_id": review_id})
    await work_the_actions(j, first, second)
    assert j.rows(t.Review)[0].stage == "closed"

    await j.act(verbs.AGENCY_SAVE, {"name": "Demo Probation", "sector": "probation"})
    stranger = "66666666-6666-4666-8666-666666666666"
    await j.act(
        verbs.MEMBER_SAVE,
        {"display_name": "New Person", "aad_object_id": stranger, "roles": "manager"},
    )
    await j.act(
        verbs.POLICY_SAVE,
        {
            "reminder_days_before": "3",
            "overdue_every": "2",
            "escalate_after": "1",
            "work_starts": "08:30",
            "work_ends": "16:00",
        },
    )
    await j.act(
        verbs.RETENTION_SAVE,
        {"closed_review_months": "60", "export_file_days": "14", "chaser_log_months": "12"},
    )
    await j.act(
        verbs.LEGAL_HOLD_SET, {"review_id": review_id, "hold": "on", "reason": "Civil claim"}
    )
    await j.act(
        verbs.LEGAL_HOLD_SET, {"review_id": review_id, "hold": "off", "reason": "Claim settled"}
    )
    await j.say(f"audit {reference}")
    await j.act(verbs.AUDIT_TRAIL, {"review_id": review_id, "page": 2})
    await j.act(verbs.AUDIT_EXPORT, {"review_id": review_id})

    assert j.unaudited == [], "\n".join(j.unaudited)
    assert j.turns > 60
    events = j.rows(t.AuditEvent)
    actions = {e.action for e in events}
    assert actions >= EXPECTED, sorted(EXPECTED - actions)
    for event in events:
        assert event.action, event
        assert event.record_type, event
        assert event.record_id, event
        assert event.at.tzinfo is not None
        assert event.partnership_id is not None
        if event.action != "retention.run":
            assert event.actor_aad_id, f"{event.action} names no actor"
        if event.action in WITH_BEFORE_AND_AFTER:
            assert event.before, event.action
            assert event.after, event.action
    ordered = [e.id for e in sorted(events, key=lambda e: (e.at, e.id))]
    assert ordered == sorted(ordered), "events are appended in time order"

    # Retention deletes the closed review long after; its audit trail outlives it.
    before = len(events)
    services = j.bot.app[SERVICES]
    services.clock.set(services.now() + timedelta(days=62 * 31))
    result = await j.bot.app[RETENTION_JOB].run_once()
    assert result.reports[0].reviews == [reference]
    assert j.rows(t.Review) == []
    assert len(j.rows(t.AuditEvent)) == before + 1
    card = await j.card(verbs.AUDIT_TRAIL, {"review_id": reference})
    assert "deleted by retention" in card
    assert "signed off the return" in card or "Older" in card
    assert "pre_analysis_return" not in card, "the card says the record in words"


async def test_audit_command_shows_the_trail_pages_and_exports_safe_csv(
    any_journey: Journey,
) -> None:
    """On SQLite and PostgreSQL: the names the card reads are a query of their own."""
    j = any_journey
    review_id, return_id = await open_review(j)
    # A display name (set in Teams, so not ours to choose) that a spreadsheet would run.
    body = as_user(
        activity("message-text-personal", j.bot.connector.url, text="help"),
        PRACTITIONER,
        name='=HYPERLINK("http://evil.example","x")',
    )
    await j.bot.post(body)
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        body = as_user(
            activity(
                "invoke-adaptive-card-action",
                j.bot.connector.url,
                value={
                    "action": {"type": "Action.Execute", "verb": verbs.RETURN_NEXT, "data": data}
                },
            ),
            PRACTITIONER,
            name='=HYPERLINK("http://evil.example","x")',
        )
        status, _ = await j.bot.post(body)
        assert status == 200
    reference = j.rows(t.Review)[0].reference
    j.bot.connector.clear()
    await j.say(f"audit {reference.lower()}")
    card = json.dumps(j.bot.connector.cards()[-1])
    assert "Audit trail" in card
    # In words (walk8): the record by its agency, who did what, no stored values or
    # fingerprints (those are in the CSV).
    [written] = [r for r in j.rows(t.PreAnalysisReturn) if r.id == return_id]
    [agency] = [a.name for a in j.rows(t.Agency) if a.id == written.agency_id]
    assert f"{agency}'s return" in card
    assert " saved '" in card
    for stored in ("return.answers_saved", "pre_analysis_return", "sha256:", "in_progress"):
        assert stored not in card, stored
    assert "created the review" not in card, "newest first: the oldest are on a later page"
    assert "Older" in card
    older = await j.card(verbs.AUDIT_TRAIL, {"review_id": review_id, "page": 2})
    assert "created the review" in older
    assert f"The review {reference}" in older
    assert len([e for e in j.rows(t.AuditEvent) if e.action == "audit.viewed"]) == 1

    saved = await j.download(verbs.AUDIT_EXPORT, {"review_id": review_id})
    assert "Saved the audit trail" in saved
    path = saved_file(j.bot, saved)
    raw, mode = await asyncio.to_thread(lambda: (path.read_bytes(), path.stat().st_mode))
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[1][:4] == ["at_utc", "actor", "actor_aad_object_id", "action"]
    cells = [cell for row in table[2:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], "no formulas"
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    actions = [row[3] for row in table[2:]]
    # The stored values first, as before; then the card's words beside them.
    assert table[1][8:] == ["when_local", "record", "what_happened", "details"]
    saved_rows = [row for row in table[2:] if row[3] == "return.answers_saved"]
    assert saved_rows
    assert all(row[4] == "pre_analysis_return" for row in saved_rows)
    assert all(row[9].endswith("'s return") for row in saved_rows)
    assert any("sha256:" in row[7] for row in saved_rows), "fingerprints stay in the CSV"
    assert not any("sha256:" in cell for row in table[2:] for cell in row[8:])
    assert actions[0] == "partnership.created" or actions[0] == "review.created"
    assert "audit.exported" in actions
    exported = [e for e in j.rows(t.AuditEvent) if e.action == "export.created"]
    assert exported[-1].after["filename"] == f"{reference}-audit-trail.csv"
    assert mode & 0o077 == 0, "readable by the bot's user only"


async def test_only_admins_see_the_trail_and_only_their_own_partnerships(
    journey: Journey,
) -> None:
    j = journey
    review_id, _ = await open_review(j)
    reference = j.rows(t.Review)[0].reference
    for aad in (PRACTITIONER, LEAD):
        reply = await j.act(verbs.AUDIT_TRAIL, {"review_id": review_id}, aad)
        assert "Only a partnership admin" in reply["value"]
        reply = await j.act(verbs.AUDIT_EXPORT, {"review_id": review_id}, aad)
        assert "Only a partnership admin" in reply["value"]
    reply = await j.act(verbs.AUDIT_TRAIL, {"review_id": review_id + 1000})
    assert "can't find that review" in reply["value"]
    j.bot.connector.clear()
    await j.say("audit")
    assert "Which review?" in json.dumps(j.bot.connector.cards()[-1])
    await j.say(f"audit {reference}", PRACTITIONER)
    assert "Only a partnership admin" in json.dumps(j.bot.connector.cards()[-1])
    assert not any(e.action == "audit.viewed" for e in j.rows(t.AuditEvent))


async def test_a_chaser_sweep_is_recorded_in_the_chaser_log_not_the_audit_log(
    journey: Journey,
) -> None:
    """Chasers are the engine's work, logged per attempt in chaser_log (with its idempotency key);
    what people do is in the audit log. A sweep changes no audited record."""
    j = journey
    await open_review(j)
    with j.bot.db.session() as session:
        due = session.scalars(select(t.PreAnalysisReturn)).one().next_chase_at
    assert due is not None
    j.bot.app[SERVICES].clock.set(due + timedelta(minutes=1))
    audits = len(j.rows(t.AuditEvent))
    assert await j.bot.app[CHASERS].sweep()
    assert len(j.rows(t.ChaserLog)) >= 1
    assert len(j.rows(t.AuditEvent)) == audits


async def test_the_audited_journey_notices_an_unaudited_change(journey: Journey) -> None:
    """The control for the journey test: a change with no audit event is reported."""
    j = AuditedJourney(journey)
    before = snapshot(j.bot.db.engine)
    with j.bot.db.session() as session, session.begin():
        session.add(t.Agency(partnership_id=j.rows(t.Partnership)[0].id, name="X", sector="police"))
    j._check("direct write", before)
    assert len(j.unaudited) == 1
    assert "agency" in j.unaudited[0]
