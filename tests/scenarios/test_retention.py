"""Issue 7, items 5 and 9: retention periods and legal holds from cards (admin only), the daily
job removing export files from disk too, `lineofsight retention run [--dry-run]`, and the
subject-access export `lineofsight member export AAD_ID`."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlmodel import Session, col

from bot.app import SERVICES
from bot.cli import main
from bot.retention import RETENTION_JOB, RetentionJob
from bot.scheduler import Chasers, Schedule
from cards import verbs
from cards.common import card_nodes
from domain.retention import HoldPlaced, held_on
from domain.wording import short_date
from storage import tables as t
from tests.support.activities import TENANT, USER_AAD
from tests.support.audited import differences, snapshot
from tests.support.journey import (
    LEAD,
    PRACTITIONER,
    Journey,
    button_data,
    open_review,
    saved_file,
    signed_off_review,
)
from tests.support.markdown import as_typed

ADMIN_AAD = USER_AAD
# main() configures the root logger for a real process; each test gets its own back.
pytestmark = pytest.mark.usefixtures("restore_logging")
DEMO_PRACTITIONER = "00000000-0000-0000-0000-000000000101"


# --- the admin's cards -------------------------------------------------------------------------


async def test_admin_views_and_sets_retention_periods(journey: Journey) -> None:
    j = journey
    j.bot.connector.clear()
    await j.say("retention")
    card = json.dumps(j.bot.connector.cards()[-1])
    assert "Retention" in card
    assert "default 72" in card
    assert "Due at the next run" in card
    card = await j.card(
        verbs.RETENTION_SAVE,
        {"closed_review_months": "0", "export_file_days": "abc", "chaser_log_months": "24"},
    )
    assert "from 1 to 600" in card
    assert "from 1 to 3650" in card
    assert not any(e.action == "retention.saved" for e in j.rows(t.AuditEvent))
    card = await j.card(
        verbs.RETENTION_SAVE,
        {"closed_review_months": "84", "export_file_days": "7", "chaser_log_months": "12"},
    )
    assert "Saved" in card
    settings = j.rows(t.Partnership)[0].settings["retention"]
    assert settings == {"closed_review_months": 84, "export_file_days": 7, "chaser_log_months": 12}
    [saved] = [e for e in j.rows(t.AuditEvent) if e.action == "retention.saved"]
    assert saved.before["closed_review_months"] == 72
    assert saved.after["closed_review_months"] == 84


async def test_a_legal_hold_is_placed_and_lifted_by_an_admin_only(journey: Journey) -> None:
    j = journey
    review_id = await signed_off_review(j)
    reference = j.rows(t.Review)[0].reference
    j.bot.connector.clear()
    await j.say(f"legal hold {reference.lower()}")
    card = json.dumps(j.bot.connector.cards()[-1])
    assert "Place legal hold" in card
    assert "not held" in card
    card = await j.card(
        verbs.LEGAL_HOLD_SET,
        {"review_id": review_id, "hold": "on", "reason": "Call 07700 900123 about it"},
    )
    assert "phone number" in card
    assert not j.rows(t.Review)[0].legal_hold
    card = await j.card(
        verbs.LEGAL_HOLD_SET, {"review_id": review_id, "hold": "on", "reason": "Civil claim"}
    )
    assert "is under legal hold" in card
    assert "Lift legal hold" in card
    assert j.rows(t.Review)[0].legal_hold
    placed = {"review_id": review_id, "hold": "on", "reason": "Civil claim"}
    again = await j.card(verbs.LEGAL_HOLD_SET, placed)
    assert "Lift legal hold" in again, "a replayed card changes nothing"
    for aad in (PRACTITIONER, LEAD):
        lifted = {"review_id": review_id, "hold": "off", "reason": "Claim settled"}
        reply = await j.act(verbs.LEGAL_HOLD_SET, lifted, aad)
        assert "Only a partnership admin" in reply["value"]
    assert j.rows(t.Review)[0].legal_hold
    held = [e for e in j.rows(t.AuditEvent) if e.action.startswith("review.legal_hold")]
    assert [(e.action, e.after["reason"]) for e in held] == [
        ("review.legal_hold_placed", "Civil claim")
    ]
    card = await j.card(verbs.RETENTION, {})
    assert reference in card, "the retention card lists held reviews"
    await j.act(
        verbs.LEGAL_HOLD_SET, {"review_id": review_id, "hold": "off", "reason": "Claim settled"}
    )
    assert not j.rows(t.Review)[0].legal_hold


def reason_box(card: str) -> dict[str, Any]:
    [box] = [e for e in json.loads(card)["body"] if e.get("id") == "reason"]
    return box


@pytest.mark.parametrize("empty", ["", "   "])
async def test_a_legal_hold_is_neither_placed_nor_lifted_without_a_reason(
    any_journey: Journey, empty: str
) -> None:
    """A legal hold says why it was placed and why it was lifted (walk7): an empty or blank
    reason comes back on the card as the question it asks, and nothing is written. Both
    databases, both platforms."""
    j = any_journey
    review_id = await signed_off_review(j)
    shown = await j.card(verbs.LEGAL_HOLD, {"review_id": review_id})
    assert reason_box(shown)["label"] == (
        "Why is the review held? (no names or other identifiers; up to 200 characters) *"
    )
    place = button_data(json.loads(shown), verbs.LEGAL_HOLD_SET)
    for reason in (empty, None):
        clicked = {**place, "reason": reason} if reason is not None else dict(place)
        before = snapshot(j.bot.db.engine)
        card = await j.card(verbs.LEGAL_HOLD_SET, clicked)
        assert differences(before, snapshot(j.bot.db.engine)) == [], "nothing is written"
        # Named as its box shows it (cards.common.field_problem).
        assert "'Why is the review held? (no names or other identifiers)' is required." in card
        assert "Place legal hold" in card
        assert "not held" in card
    assert not j.rows(t.Review)[0].legal_hold
    assert not [e for e in j.rows(t.AuditEvent) if e.action.startswith("review.legal_hold")]

    card = await j.card(verbs.LEGAL_HOLD_SET, {**place, "reason": "Coroner's inquest"})
    assert "is under legal hold" in card
    lift = button_data(json.loads(card), verbs.LEGAL_HOLD_SET)
    assert reason_box(card)["label"] == (
        "Why is the hold lifted? (no names or other identifiers; up to 200 characters) *"
    )
    before = snapshot(j.bot.db.engine)
    card = await j.card(verbs.LEGAL_HOLD_SET, {**lift, "reason": empty})
    assert differences(before, snapshot(j.bot.db.engine)) == [], "nothing is written"
    assert "'Why is the hold lifted? (no names or other identifiers)' is required." in card
    assert "Lift legal hold" in card
    assert j.rows(t.Review)[0].legal_hold

    # A refused reason comes back in its box, to be mended rather than typed again.
    card = await j.card(verbs.LEGAL_HOLD_SET, {**lift, "reason": "Told Kelly Smith it ended"})
    assert reason_box(card)["value"] == "Told Kelly Smith it ended"
    assert j.rows(t.Review)[0].legal_hold
    card = await j.card(verbs.LEGAL_HOLD_SET, {**lift, "reason": "Inquest concluded"})
    assert "is no longer held" in card
    held = [e for e in j.rows(t.AuditEvent) if e.action.startswith("review.legal_hold")]
    assert [(e.action, e.after["reason"]) for e in held] == [
        ("review.legal_hold_placed", "Coroner's inquest"),
        ("review.legal_hold_lifted", "Inquest concluded"),
    ]


async def test_the_legal_hold_cards_name_the_stage_as_every_view_does(
    any_journey: Journey,
) -> None:
    """The hold card and the retention card's list said the stored stage ("pre_analysis")."""
    j = any_journey
    review_id, _ = await open_review(j)
    assert j.rows(t.Review)[0].stage == "pre_analysis"
    card = await j.card(verbs.LEGAL_HOLD, {"review_id": review_id})
    assert "· Pre-analysis" in card
    place = button_data(json.loads(card), verbs.LEGAL_HOLD_SET)
    card = await j.card(verbs.LEGAL_HOLD_SET, {**place, "reason": "Civil claim"})
    assert "· Pre-analysis" in card
    assert "pre_analysis" not in card
    card = await j.card(verbs.RETENTION, {})
    assert "· Pre-analysis" in card
    assert "pre_analysis" not in card


async def test_the_hold_card_says_when_the_review_would_be_deleted_without_the_hold(
    any_journey: Journey,
) -> None:
    """walk10: the hold card didn't say when retention would delete the review; it says so
    from the partnership's retention period, before the hold and under it."""
    j = any_journey
    review_id, _ = await open_review(j)
    card = await j.card(verbs.LEGAL_HOLD, {"review_id": review_id})
    assert "Retention deletes this review 72 months after it ends" in as_typed(card)
    place = button_data(json.loads(card), verbs.LEGAL_HOLD_SET)
    card = await j.card(verbs.LEGAL_HOLD_SET, {**place, "reason": "Civil claim"})
    assert "Without the hold, this review would be deleted 72 months after it ends" in as_typed(
        card
    )


async def test_a_hold_says_who_placed_it_when_and_why_on_each_card_that_shows_it(
    any_journey: Journey,
) -> None:
    """walk8: the hold card showed no reason, who or since when; the retention card's list
    had no reason and no way to the hold card; the summary said nothing of a hold. Both
    databases, both platforms."""
    j = any_journey
    review_id = await signed_off_review(j)
    reference = j.rows(t.Review)[0].reference
    shown = await j.card(verbs.LEGAL_HOLD, {"review_id": review_id})
    assert "Held since" not in shown
    assert "still open (not ended)" in shown, "the review's own end, not the hold's"
    place = button_data(json.loads(shown), verbs.LEGAL_HOLD_SET)
    await j.card(verbs.LEGAL_HOLD_SET, {**place, "reason": "Civil claim"})
    [event] = [e for e in j.rows(t.AuditEvent) if e.action == "review.legal_hold_placed"]
    [admin] = [m for m in j.rows(t.Member) if m.aad_object_id == ADMIN_AAD]
    day = short_date(held_on(HoldPlaced(None, event.at, "")))
    line = f"Held since {day} by {admin.display_name}: Civil claim"

    assert line in await j.card(verbs.LEGAL_HOLD, {"review_id": review_id})
    retention = json.loads(await j.card(verbs.RETENTION, {}))
    assert line in json.dumps(retention, ensure_ascii=False)
    opens = button_data(retention, verbs.LEGAL_HOLD)
    assert opens["review_id"] == review_id
    held = await j.card(verbs.LEGAL_HOLD, opens)
    assert "Lift legal hold" in held
    assert reference in held

    summary = await j.card(verbs.SUMMARY, {"review_id": review_id})
    assert f"On legal hold since {day} (Civil claim)" in summary
    lift = button_data(json.loads(held), verbs.LEGAL_HOLD_SET)
    lifted = await j.card(verbs.LEGAL_HOLD_SET, {**lift, "reason": "Claim settled"})
    # The lift's who, when and why were on the audit trail only: the hold card and the
    # summary say them (and the summary no longer says it is held).
    [off] = [e for e in j.rows(t.AuditEvent) if e.action == "review.legal_hold_lifted"]
    when = short_date(held_on(HoldPlaced(None, off.at, "")))
    said = f"A legal hold was lifted on {when} by {admin.display_name}: Claim settled"
    assert said in lifted
    assert said in await j.card(verbs.LEGAL_HOLD, {"review_id": review_id})
    summary = await j.card(verbs.SUMMARY, {"review_id": review_id})
    assert f"Lifted on {when} by {admin.display_name} (Claim settled)" in summary
    assert "On legal hold" not in summary


async def test_the_retention_card_pages_the_held_reviews_twenty_at_a_time(
    any_journey: Journey,
) -> None:
    """It listed the first 20 holds and "…and N more." with no way to see them: it says how
    many are held and pages them with the retention card's own (read-only) verb, keeping the
    periods typed. Both databases, both platforms."""
    j = any_journey
    await signed_off_review(j)
    with j.bot.db.session() as session, session.begin():
        first = session.scalars(select(t.Review)).one()
        for n in range(2, 24):
            session.add(
                t.Review(
                    partnership_id=first.partnership_id,
                    reference=f"LOS-2025-{n:03d}",
                    year=2025,
                    sequence=n,
                    pseudonym=f"Child {n}",
                    reason="Paging test",
                    stage="closed",
                    opened_on=date(2025, 1, 2),
                    closed_on=date(2025, 6, 2),
                    legal_hold=True,
                )
            )
    card = json.loads(await j.card(verbs.RETENTION, {}))
    text = json.dumps(card, ensure_ascii=False)
    assert "Reviews under legal hold (22)" in text
    assert "Showing 1 to 20 of 22 reviews under legal hold." in text
    assert "2 more under legal hold after these." in text
    assert len(_opens(card)) == 20
    nxt = button_data(card, verbs.RETENTION)
    assert nxt["held_from"] == 20
    page = json.loads(await j.card(verbs.RETENTION, {**nxt, "closed_review_months": "84"}))
    text = json.dumps(page, ensure_ascii=False)
    assert "Showing 21 to 22 of 22 reviews under legal hold." in text
    assert "LOS-2025-022 · Child 22" in text
    assert "LOS-2025-023 · Child 23" in text
    assert len(_opens(page)) == 2
    [months] = [n for n in card_nodes(page) if n.get("id") == "closed_review_months"]
    assert months["value"] == "84", "the period typed before paging comes back"
    assert button_data(page, verbs.RETENTION)["held_from"] == 0
    assert not any(e.action == "retention.saved" for e in j.rows(t.AuditEvent))


def _opens(card: dict[str, Any]) -> list[Mapping[str, Any]]:
    """The card's "Open the legal hold on …" buttons (not their fallbacks)."""
    return [
        n
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute" and n.get("verb") == verbs.LEGAL_HOLD
    ]


# --- the daily job -----------------------------------------------------------------------------


def close_long_ago(j: Journey, review_id: int, hold: bool = False) -> None:
    with j.bot.db.session() as session, session.begin():
        review = session.get_one(t.Review, review_id)
        review.stage = "closed"
        review.closed_on = date(2020, 1, 1)
        review.legal_hold = hold


async def export_pack(j: Journey, review_id: int) -> Path:
    card = await j.download(verbs.PACK_EXPORT, {"review_id": review_id, "format": "csv"})
    return saved_file(j.bot, card)


async def test_the_job_deletes_due_records_and_their_files_and_keeps_holds(
    journey: Journey, tmp_path: Path
) -> None:
    j = journey
    review_id = await signed_off_review(j)
    pack = await export_pack(j, review_id)
    exports = pack.parent
    orphan = exports / "20200101-000000-left-behind.csv"
    outside = tmp_path / "not-an-export.txt"
    await asyncio.to_thread(orphan.write_text, "x")
    await asyncio.to_thread(outside.write_text, "keep me")
    old = (datetime.now(UTC) - timedelta(days=400)).timestamp()
    await asyncio.to_thread(os.utime, orphan, (old, old))
    with j.bot.db.session() as session, session.begin():
        row = session.scalars(select(t.ExportFile)).one()
        session.add(
            t.ExportFile(
                token="tampered",
                partnership_id=row.partnership_id,
                member_id=row.member_id,
                kind="x",
                filename="x.txt",
                path=str(outside),
                size_bytes=1,
            )
        )
    close_long_ago(j, review_id, hold=True)
    services = j.bot.app[SERVICES]
    services.clock.set(services.now() + timedelta(days=31))
    job = j.bot.app[RETENTION_JOB]

    dry = await job.run_once(dry_run=True)
    assert await asyncio.to_thread(pack.exists)
    assert "would remove 1 export file(s)" in "\n".join(dry.lines())

    result = await job.run_once()
    assert result.reports[0].held == [j.rows(t.Review)[0].reference]
    assert await asyncio.to_thread(pack.exists), "a held review's exports are kept"
    assert not await asyncio.to_thread(orphan.exists), "a file no row names is removed"
    assert await asyncio.to_thread(outside.exists), "never a file outside the exports folder"
    assert [e.token for e in j.rows(t.ExportFile)] != []
    assert "tampered" not in [e.token for e in j.rows(t.ExportFile)], "its row is deleted"

    reference = j.rows(t.Review)[0].reference
    close_long_ago(j, review_id, hold=False)
    result = await job.run_once()
    assert result.reports[0].reviews == [reference]
    assert j.rows(t.Review) == []
    assert j.rows(t.ExportFile) == []
    assert not await asyncio.to_thread(pack.exists), "the file goes with its row"
    kinds = {d.record_type for d in j.rows(t.DeletionLog)}
    assert {"review", "answer", "export_file", "export_file_orphan"} <= kinds


async def test_the_job_runs_daily_in_the_bots_one_scheduler(journey: Journey) -> None:
    services = journey.bot.app[SERVICES]
    schedule = Schedule(Chasers(services), RetentionJob(services))
    schedule.start()
    try:
        assert schedule.scheduler is not None
        jobs = {job.id: job for job in schedule.scheduler.get_jobs()}
        assert set(jobs) == {"chaser-sweep", "lic-digest", "retention-daily"}
        retention = jobs["retention-daily"]
        assert "hour='2'" in str(retention.trigger)
        assert "minute='30'" in str(retention.trigger)
        assert str(retention.trigger.timezone) == "Europe/London"
    finally:
        schedule.stop()


# --- the command line --------------------------------------------------------------------------


def with_session(url: str) -> Session:
    return Session(create_engine(url))


def test_cli_retention_run_dry_then_for_real(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with with_session(database) as session, session.begin():
        # The demo has a review at every stage; this one ended long ago.
        review = session.scalars(
            select(t.Review).where(col(t.Review.reference) == "LOS-2026-001")
        ).one()
        review.stage, review.closed_on = "closed", date(2019, 5, 1)
        reviews_before = session.scalar(select(func.count()).select_from(t.Review))
    engine = create_engine(database)
    before = snapshot(engine)
    assert main(["retention", "run", "--dry-run", "--tenant", TENANT]) == 0
    out = capsys.readouterr().out
    assert "would delete" in out
    assert "LOS-2026-001" in out
    assert differences(before, snapshot(engine), ignore=False) == []

    assert main(["retention", "run"]) == 0
    out = capsys.readouterr().out
    assert "deleted" in out
    with with_session(database) as session:
        left = session.scalars(select(t.Review.reference)).all()
        assert "LOS-2026-001" not in left
        assert len(left) == reviews_before - 1, "only the review whose time is up goes"
        rules = session.scalars(select(t.DeletionLog.rule)).all()
        assert rules
        assert all(r.startswith("closed_review_months=72: review LOS-2026-001") for r in rules)
        assert session.scalars(
            select(t.AuditEvent).where(col(t.AuditEvent.action) == "retention.run")
        ).one()
    engine.dispose()


def test_cli_retention_run_names_an_unknown_tenant(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retention", "run", "--tenant", "no-such-tenant"]) == 2
    assert "No partnership has tenant id no-such-tenant" in capsys.readouterr().err


def test_cli_member_export_writes_everything_held_about_a_member(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["member", "export", DEMO_PRACTITIONER.upper(), "--tenant", TENANT]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == (tmp_path / "subject-access").resolve()
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["aad_object_id"] == DEMO_PRACTITIONER
    assert data["member"][0]["display_name"] == "Police Practitioner (demo)"
    assert [r["role"] for r in data["roles"]] == ["practitioner"]
    assert data["counts"]["return_assignments"] == len(data["return_assignments"])
    for section in (
        "answers_last_written",
        "chronology_entries_created",
        "progress_entries",
        "impact_records",
        "action_items_owned",
        "audit_events_by_member",
        "chaser_log",
    ):
        assert isinstance(data[section], list), section
    with with_session(database) as session:
        event = session.scalars(
            select(t.AuditEvent).where(col(t.AuditEvent.action) == "member.subject_access_exported")
        ).one()
        assert event.actor_aad_id is None
    # The same member again: a second file, never overwriting the first.
    assert main(["members", "export", DEMO_PRACTITIONER, "--tenant", TENANT]) == 0


def test_cli_member_export_refuses_bad_ids_and_strangers(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["member", "export", "not-a-guid", "--tenant", TENANT]) == 2
    assert "is not a GUID" in capsys.readouterr().err
    stranger = "99999999-9999-4999-8999-999999999999"
    assert main(["member", "export", stranger, "--tenant", TENANT]) == 2
    assert "No member with AAD object id" in capsys.readouterr().err
    engine = create_engine(database)
    with engine.connect() as connection:
        exported = connection.execute(
            text("SELECT count(*) FROM audit_event WHERE action LIKE 'member.subject%'")
        ).scalar()
    engine.dispose()
    assert exported == 0
