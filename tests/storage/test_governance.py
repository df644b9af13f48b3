"""Information governance storage, on SQLite and PostgreSQL: audit rows can't be changed, retention
deletes a review with everything under it (never audit rows, never held reviews) and logs it
without content, the audit trail of a review finds its own events only, and the subject-access
export finds a member's records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from domain import audit_trail, retention
from domain.errors import NotFound
from domain.model import Actor, MemberView, Role
from domain.repositories import AuditEntry
from domain.subject_access import subject_access_export
from storage import tables as t
from storage.database import Database
from storage.governance import REVIEW_TABLES
from storage.repositories import SqlUnitOfWork

NOW = datetime(2033, 3, 1, 2, 30, tzinfo=UTC)
LONG_AGO = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
RECENT = NOW - timedelta(days=3)
MARKER = "SECRET-CONTENT"
OWNER_AAD = "0a0a0a0a-0000-4000-8000-000000000001"
ADMIN_AAD = "0a0a0a0a-0000-4000-8000-000000000002"


@dataclass
class Seeded:
    partnership: int
    owner: int
    admin: int
    agency: int
    reviews: dict[str, int]


def _review(session: Any, s: Seeded, name: str, stage: str, closed: date | None, hold: bool) -> int:
    """A review with one of everything under it; every free text carries the marker."""
    number = len(s.reviews) + 1
    review = t.Review(
        partnership_id=s.partnership,
        reference=f"LOS-2024-{number:03d}",
        year=2024,
        sequence=number,
        pseudonym=f"Child {name}",
        reason=f"{MARKER} reason",
        chair_member_id=s.admin,
        stage=stage,
        opened_on=date(2024, 1, 1),
        closed_on=closed,
        legal_hold=hold,
    )
    session.add(review)
    session.flush()
    # Sent back once by the admin, then resubmitted and signed off: the send-back is kept.
    ret = t.PreAnalysisReturn(
        review_id=review.id,
        agency_id=s.agency,
        status="signed_off",
        returned_comments=f"{MARKER} comments",
        returned_by=s.admin,
        returned_at=RECENT,
    )
    session.add(ret)
    session.flush()
    session.add(t.ReturnAssignee(return_id=ret.id, member_id=s.owner))
    session.add(
        t.Answer(
            return_id=ret.id, question_id="summary", value=f"{MARKER} answer", updated_by=s.owner
        )
    )
    entry = t.ChronologyEntry(
        return_id=ret.id,
        sequence=1,
        event_date=date(2023, 5, 1),
        source=f"{MARKER} source",
        event=f"{MARKER} event",
        created_by=s.owner,
    )
    session.add(entry)
    session.add(t.MeetingOutcome(review_id=review.id, learning_needs=[f"{MARKER} need"]))
    item = t.ActionItem(
        review_id=review.id,
        number=1,
        reference=f"{review.reference}/A1",
        description=f"{MARKER} action",
        owner_member_id=s.owner,
        agency_id=s.agency,
        status="closed",
    )
    session.add(item)
    guide = t.SevenMinuteGuide(review_id=review.id, sections=[{"text": f"{MARKER} guide"}])
    session.add(guide)
    session.flush()
    session.add(
        t.ProgressEntry(
            action_item_id=item.id, member_id=s.owner, kind="progress", note=f"{MARKER} note"
        )
    )
    session.add(
        t.ImpactRecord(
            action_item_id=item.id,
            how_much=MARKER,
            how_well=MARKER,
            better_off=MARKER,
            decision="close",
            recorded_by=s.admin,
        )
    )
    session.add(
        t.DisseminationReturn(
            guide_id=guide.id,
            team="North",
            used_on=date(2024, 2, 1),
            staff_count=3,
            recorded_by=s.owner,
        )
    )
    for subject_type, subject_id in (("action_item", item.id), ("pre_analysis_return", ret.id)):
        session.add(
            t.ChaserLog(
                partnership_id=s.partnership,
                subject_type=subject_type,
                subject_id=subject_id,
                chaser_number=1,
                idempotency_key=f"{subject_type}:{subject_id}:1",
                kind="reminder",
                recipient="owner",
                attempted_at=RECENT,
                outcome="sent",
            )
        )
    session.flush()
    for kind, key in (
        ("review", review.id),
        ("pre_analysis_return", ret.id),
        ("chronology_entry", entry.id),
        ("action_item", item.id),
    ):
        session.add(
            t.AuditEvent(
                partnership_id=s.partnership,
                actor_aad_id=OWNER_AAD,
                action=f"{kind}.touched",
                record_type=kind,
                record_id=str(key),
                after={"return_id": ret.id} if kind == "chronology_entry" else None,
            )
        )
    assert review.id is not None
    s.reviews[name] = review.id
    return review.id


def seed(db: Database, tenant: str = "tenant-gov") -> Seeded:
    with db.session() as session, session.begin():
        partnership = t.Partnership(tenant_id=tenant, name="Governance test")
        session.add(partnership)
        session.flush()
        agency = t.Agency(partnership_id=partnership.id, name="Police", sector="police")
        session.add(agency)
        session.flush()
        owner = t.Member(
            partnership_id=partnership.id,
            aad_object_id=OWNER_AAD,
            display_name="Owner Olu",
            agency_id=agency.id,
        )
        admin = t.Member(
            partnership_id=partnership.id, aad_object_id=ADMIN_AAD, display_name="Admin Ada"
        )
        session.add_all([owner, admin])
        session.flush()
        session.add(t.MemberRole(member_id=admin.id, role="admin"))
        session.add(t.MemberRole(member_id=owner.id, role="practitioner"))
        assert partnership.id
        assert owner.id
        assert admin.id
        assert agency.id
        s = Seeded(partnership.id, owner.id, admin.id, agency.id, {})
        _review(session, s, "Gone", "closed", date(2026, 1, 5), hold=False)
        _review(session, s, "Held", "closed", date(2026, 1, 5), hold=True)
        _review(session, s, "Recent", "closed", date(2032, 12, 1), hold=False)
        _review(session, s, "Open", "actions_open", None, hold=False)
        old_log = t.ChaserLog(
            partnership_id=s.partnership,
            subject_type="lic_digest",
            subject_id=0,
            chaser_number=1,
            idempotency_key=f"digest:{tenant}:2024-01",
            kind="digest",
            recipient="lic",
            attempted_at=LONG_AGO,
            outcome="sent",
        )
        session.add(old_log)
        for number, (filename, created) in enumerate(
            (
                ("LOS-2024-001-pack.docx", LONG_AGO),
                ("LOS-2024-002-pack.docx", LONG_AGO),
                ("LOS-2024-003-pack.docx", RECENT),
            )
        ):
            session.add(
                t.ExportFile(
                    token=f"{tenant}-token-{number}",
                    partnership_id=s.partnership,
                    member_id=s.admin,
                    kind="meeting_pack",
                    filename=filename,
                    path=f"/nowhere/{filename}",
                    size_bytes=1,
                    created_at=created,
                )
            )
    return s


def rows(db: Database, table: type[SQLModel]) -> list[Any]:
    with db.session() as session:
        return list(session.scalars(select(table)))


def count(db: Database, table: type[SQLModel], **where: Any) -> int:
    query = select(func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(getattr(table, name) == value)
    with db.session() as session:
        return int(session.scalar(query) or 0)


def everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    tables = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    with db.engine.connect() as connection:
        return {
            name: sorted(
                (tuple(r) for r in connection.execute(text(f'SELECT * FROM "{name}"'))), key=repr
            )
            for name in tables
        }


# --- audit rows are append-only in the database -------------------------------------------------


def test_the_database_refuses_to_change_or_delete_audit_rows(migrated: Database) -> None:
    entry = AuditEntry(None, "aad-1", "review.created", "review", "1", after={"a": 1})
    migrated.transaction(lambda uow: uow.audit.append(entry))
    attempts = [
        update(t.AuditEvent).values(action="review.forged"),
        delete(t.AuditEvent),
        text("UPDATE audit_event SET after = NULL"),
        text("DELETE FROM audit_event"),
    ]
    if migrated.url.startswith("postgresql"):
        attempts.append(text("TRUNCATE audit_event"))
    for statement in attempts:
        with (
            pytest.raises(DBAPIError) as refused,
            migrated.session() as session,
            session.begin(),
        ):
            session.execute(statement)
        assert "append-only" in str(refused.value)
    [row] = rows(migrated, t.AuditEvent)
    assert (row.action, row.after) == ("review.created", {"a": 1})


def test_the_orm_cannot_change_or_delete_an_audit_row_either(migrated: Database) -> None:
    migrated.transaction(lambda uow: uow.audit.append(AuditEntry(None, None, "x.y", "review", "1")))
    with pytest.raises(DBAPIError), migrated.session() as session, session.begin():
        session.delete(session.scalars(select(t.AuditEvent)).one())
    with pytest.raises(DBAPIError), migrated.session() as session, session.begin():
        session.scalars(select(t.AuditEvent)).one().action = "x.forged"
    [row] = rows(migrated, t.AuditEvent)
    assert row.action == "x.y"


# --- retention ---------------------------------------------------------------------------------


def test_nothing_else_points_at_what_retention_deletes_with_a_review() -> None:
    """A new table referring to a review's records must be added to storage/governance.py's
    plan (or retention would fail on its foreign key, or leave rows behind)."""
    strays = [
        f"{table.name}.{fk.parent.name} -> {fk.column.table.name}"
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name in REVIEW_TABLES and table.name not in REVIEW_TABLES
    ]
    assert strays == []


def test_retention_deletes_what_is_due_and_keeps_holds_audit_and_the_rest(
    migrated: Database,
) -> None:
    s = seed(migrated)
    audits_before = count(migrated, t.AuditEvent)
    report = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    assert report.reviews == ["LOS-2024-001"]
    assert report.held == ["LOS-2024-002"]
    assert report.files == ["/nowhere/LOS-2024-001-pack.docx"]
    gone = s.reviews["Gone"]
    assert {r.id for r in rows(migrated, t.Review)} == {
        s.reviews["Held"],
        s.reviews["Recent"],
        s.reviews["Open"],
    }
    for table in (t.PreAnalysisReturn, t.ActionItem, t.MeetingOutcome, t.SevenMinuteGuide):
        assert gone not in {r.review_id for r in rows(migrated, table)}, table
        assert len(rows(migrated, table)) == 3, table
    for table in (
        t.Answer,
        t.ChronologyEntry,
        t.ReturnAssignee,
        t.ProgressEntry,
        t.ImpactRecord,
        t.DisseminationReturn,
    ):
        assert len(rows(migrated, table)) == 3, table
    # The gone review's chaser log and the year-old digest row went; the rest stay.
    assert count(migrated, t.ChaserLog) == 6
    assert [e.filename for e in rows(migrated, t.ExportFile)] == [
        "LOS-2024-002-pack.docx",
        "LOS-2024-003-pack.docx",
    ]
    assert count(migrated, t.AuditEvent) == audits_before + 1, "only retention.run is added"
    [run_event] = [e for e in rows(migrated, t.AuditEvent) if e.action == "retention.run"]
    assert run_event.actor_aad_id is None
    assert run_event.after["reviews"] == ["LOS-2024-001"]

    logged = rows(migrated, t.DeletionLog)
    kinds = sorted({(d.record_type) for d in logged})
    assert kinds == sorted(
        [
            "answer",
            "action_item",
            "chaser_log",
            "chronology_entry",
            "dissemination_return",
            "export_file",
            "impact_record",
            "meeting_outcome",
            "pre_analysis_return",
            "progress_entry",
            "return_assignee",
            "review",
            "seven_minute_guide",
        ]
    )
    assert ("review", str(gone)) in {(d.record_type, d.record_id) for d in logged}
    assert len(logged) == sum(report.deleted.values())
    assert MARKER not in json.dumps([[d.record_type, d.record_id, d.rule] for d in logged])
    assert all(d.partnership_id == s.partnership for d in logged)


def test_a_dry_run_changes_nothing_at_all(migrated: Database) -> None:
    s = seed(migrated)
    before = everything(migrated)
    report = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=True))
    assert everything(migrated) == before
    assert report.reviews == ["LOS-2024-001"]
    assert report.deleted["review"] == 1
    assert report.deleted["answer"] == 1
    assert report.deleted["export_file"] == 1


def test_a_second_run_finds_nothing_more(migrated: Database) -> None:
    s = seed(migrated)
    migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    again = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    assert again.deleted == {}
    assert again.held == ["LOS-2024-002"]


def test_lifting_a_hold_lets_the_next_run_delete_the_review(migrated: Database) -> None:
    s = seed(migrated)
    admin = MemberView(
        s.admin, s.partnership, ADMIN_AAD, "Admin Ada", None, frozenset({Role.ADMIN})
    )
    actor = Actor("tenant-gov", ADMIN_AAD, "29:admin", "Admin Ada")
    held = s.reviews["Held"]
    migrated.transaction(
        lambda uow: retention.set_legal_hold(
            uow, actor, admin, {"review_id": held, "hold": "off", "reason": "Claim settled"}
        )
    )
    report = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    assert sorted(report.reviews) == ["LOS-2024-001", "LOS-2024-002"]
    lifted = [e for e in rows(migrated, t.AuditEvent) if e.action == "review.legal_hold_lifted"]
    assert [(e.before, e.after) for e in lifted] == [
        ({"legal_hold": True}, {"legal_hold": False, "reason": "Claim settled"})
    ]


def test_retention_is_per_partnership(migrated: Database) -> None:
    a = seed(migrated, "tenant-a")
    b = seed(migrated, "tenant-b")
    migrated.transaction(lambda uow: retention.run(uow, a.partnership, NOW, dry_run=False))
    assert count(migrated, t.Review, partnership_id=b.partnership) == 4
    assert count(migrated, t.Review, partnership_id=a.partnership) == 3
    assert count(migrated, t.ExportFile, partnership_id=b.partnership) == 3


def test_periods_are_read_from_the_partnership_settings(migrated: Database) -> None:
    s = seed(migrated)

    def shorten(uow: SqlUnitOfWork) -> None:
        uow.chases.save_policy_settings(s.partnership, {"overdue_every": 3})
        uow.retention.save_policy_settings(
            s.partnership,
            {"closed_review_months": 1, "export_file_days": 1, "chaser_log_months": 1},
        )

    migrated.transaction(shorten)
    with migrated.session() as session:
        settings = session.get_one(t.Partnership, s.partnership).settings
    assert settings["retention"]["closed_review_months"] == 1
    assert settings["chaser_policy"] == {"overdue_every": 3}, "other settings are kept"
    report = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=True))
    assert sorted(report.reviews) == ["LOS-2024-001", "LOS-2024-003"]
    assert report.held == ["LOS-2024-002"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_instances_never_run_one_partnership_at_once(migrated: Database) -> None:
    s = seed(migrated)
    first = migrated.session()
    try:
        with first.begin():
            assert SqlUnitOfWork(first).retention.claim(s.partnership)
            report = migrated.transaction(
                lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False)
            )
            assert report.skipped
            assert report.deleted == {}
    finally:
        first.close()
    assert count(migrated, t.Review) == 4


# --- the audit trail of a review ----------------------------------------------------------------


def test_the_trail_has_the_review_records_events_only(migrated: Database) -> None:
    s = seed(migrated)
    other = seed(migrated, "tenant-other")
    admin = MemberView(
        s.admin, s.partnership, ADMIN_AAD, "Admin Ada", None, frozenset({Role.ADMIN})
    )
    actor = Actor("tenant-gov", ADMIN_AAD, "29:admin", "Admin Ada")
    review = s.reviews["Gone"]
    with migrated.session() as session, session.begin():
        ret = session.scalars(
            select(t.PreAnalysisReturn).where(t.PreAnalysisReturn.review_id == review)
        ).one()
        # A chronology entry removed since: only its events remember which return it was in.
        session.add(
            t.AuditEvent(
                partnership_id=s.partnership,
                action="chronology.entry_removed",
                record_type="chronology_entry",
                record_id="99999",
                before={"return_id": ret.id},
            )
        )
        session.add(
            t.AuditEvent(
                partnership_id=s.partnership,
                action="export.created",
                record_type="export_file",
                record_id="abcdefgh",
                after={"filename": "LOS-2024-001-meeting-pack.docx"},
            )
        )
        session.add(
            t.AuditEvent(
                partnership_id=s.partnership,
                action="export.created",
                record_type="export_file",
                record_id="zzzzzzzz",
                after={"filename": "LOS-2024-0011-meeting-pack.docx"},
            )
        )
    page = migrated.transaction(
        lambda uow: audit_trail.trail_page(uow, actor, admin, "los-2024-001", 1)
    )
    actions = [e.action for e in page.events]
    assert sorted(actions) == sorted(
        [
            "audit.viewed",
            "review.touched",
            "pre_analysis_return.touched",
            "chronology_entry.touched",
            "action_item.touched",
            "chronology.entry_removed",
            "export.created",
        ]
    )
    assert page.total == 7
    assert {e.actor_name for e in page.events if e.action.endswith(".touched")} == {"Owner Olu"}
    # The other partnership's review has the same reference and record ids: none of its rows.
    assert other.partnership not in {
        e.partnership_id
        for e in rows(migrated, t.AuditEvent)
        if e.id in {x.id for x in page.events}
    }
    [exported] = [e for e in page.events if e.action == "export.created"]
    assert exported.record_id == "abcdefgh"


# --- the subject-access export ----------------------------------------------------------------


def test_subject_access_export_gathers_the_members_records(migrated: Database) -> None:
    s = seed(migrated)
    seed(migrated, "tenant-other")  # the same AAD id in another partnership: not included
    data = migrated.transaction(
        lambda uow: subject_access_export(uow, "tenant-gov", OWNER_AAD.upper(), NOW)
    )
    assert data["member"][0]["display_name"] == "Owner Olu"
    assert [r["role"] for r in data["roles"]] == ["practitioner"]
    counts = data["counts"]
    for section in (
        "answers_last_written",
        "chronology_entries_created",
        "action_items_owned",
        "progress_entries",
        "return_assignments",
        "dissemination_returns",
    ):
        assert counts[section] == 4, section
    assert counts["impact_records"] == 0, "the admin recorded those"
    assert counts["chaser_log"] == 8
    assert counts["audit_events_by_member"] == 16
    assert {a["review_reference"] for a in data["answers_last_written"]} == {
        "LOS-2024-001",
        "LOS-2024-002",
        "LOS-2024-003",
        "LOS-2024-004",
    }
    json.dumps(data)  # JSON-ready throughout
    exported = [
        e for e in rows(migrated, t.AuditEvent) if e.action == "member.subject_access_exported"
    ]
    assert [(e.record_id, e.actor_aad_id) for e in exported] == [(str(s.owner), None)]
    assert counts["returns_sent_back"] == 0, "the admin sent them back"


def test_subject_access_export_holds_the_returns_a_lead_sent_back(migrated: Database) -> None:
    """A lead's comments on the returns they sent back are their words: in their export, with
    when, kept after each return was resubmitted and signed off."""
    seed(migrated)
    data = migrated.transaction(
        lambda uow: subject_access_export(uow, "tenant-gov", ADMIN_AAD, NOW)
    )
    sent = data["returns_sent_back"]
    assert data["counts"]["returns_sent_back"] == len(sent) == 4
    assert {r["returned_comments"] for r in sent} == {f"{MARKER} comments"}
    assert {r["status"] for r in sent} == {"signed_off"}
    assert all(r["returned_at"] for r in sent)


def test_old_click_replies_go_and_their_keys_stay(migrated: Database) -> None:
    s = seed(migrated)
    day = timedelta(days=retention.REPLY_DAYS)
    reply = {"card": {"body": "Spoke to the family"}, "text": None, "attachments": []}
    with migrated.session() as session, session.begin():
        for token, made in (
            ("click:old", NOW - day - timedelta(hours=1)),
            ("click:new", NOW),
            ("activity:old", NOW - day - timedelta(hours=1)),
        ):
            session.add(
                t.IdempotencyRecord(
                    partnership_id=s.partnership,
                    member_id=s.owner,
                    token=token,
                    verb="action_progress",
                    state="done",
                    reply=reply if token.startswith("click") else None,
                    created_at=made,
                )
            )
    report = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    assert report.deleted["idempotency_reply"] == 1
    kept = {r.token: (r.state, r.reply) for r in rows(migrated, t.IdempotencyRecord)}
    assert kept["click:old"] == ("spent", None), "the key stays, the reply goes"
    assert kept["click:new"] == ("done", reply)
    assert kept["activity:old"][0] == "done"
    [logged] = [d for d in rows(migrated, t.DeletionLog) if d.record_type == "idempotency_reply"]
    assert logged.rule == retention.REPLY_RULE
    data = migrated.transaction(
        lambda uow: subject_access_export(uow, "tenant-gov", OWNER_AAD, NOW)
    )
    assert data["counts"]["click_records"] == 3, "the member's claims are in their export"
    assert {r["verb"] for r in data["click_records"]} == {"action_progress"}
    assert reply in [r["reply"] for r in data["click_records"]]


def test_subject_access_export_names_what_is_wrong(migrated: Database) -> None:
    from domain.errors import InvalidInput

    seed(migrated)
    with pytest.raises(InvalidInput):
        migrated.transaction(lambda uow: subject_access_export(uow, "tenant-gov", "nope", NOW))
    with pytest.raises(NotFound):
        migrated.transaction(lambda uow: subject_access_export(uow, "tenant-x", OWNER_AAD, NOW))


def test_the_trail_of_a_deleted_review_outlives_it(migrated: Database) -> None:
    s = seed(migrated)
    admin = MemberView(
        s.admin, s.partnership, ADMIN_AAD, "Admin Ada", None, frozenset({Role.ADMIN})
    )
    actor = Actor("tenant-gov", ADMIN_AAD, "29:admin", "Admin Ada")
    migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    page = migrated.transaction(
        lambda uow: audit_trail.trail_page(uow, actor, admin, "LOS-2024-001", 1)
    )
    assert page.subjects.deleted
    assert page.subjects.key == "LOS-2024-001"
    assert {e.action for e in page.events} == {
        "audit.viewed",
        "review.touched",
        "pre_analysis_return.touched",
        "chronology_entry.touched",
        "action_item.touched",
    }
    with pytest.raises(NotFound):
        migrated.transaction(lambda uow: audit_trail.trail_page(uow, actor, admin, "LOS-2024-9", 1))


def test_old_click_records_go_and_recent_ones_stay(migrated: Database) -> None:
    s = seed(migrated)
    month = timedelta(days=retention.CLAIM_DAYS)
    with migrated.session() as session, session.begin():
        for token, made in (("old", NOW - month - timedelta(hours=1)), ("new", NOW)):
            session.add(
                t.IdempotencyRecord(
                    partnership_id=s.partnership,
                    member_id=1,
                    token=token,
                    verb="review_create",
                    state="done",
                    created_at=made,
                )
            )
    report = migrated.transaction(lambda uow: retention.run(uow, s.partnership, NOW, dry_run=False))
    assert report.deleted["idempotency_record"] == 1
    assert [r.token for r in rows(migrated, t.IdempotencyRecord)] == ["new"]
    [logged] = [d for d in rows(migrated, t.DeletionLog) if d.record_type == "idempotency_record"]
    assert logged.rule == retention.CLAIM_RULE


def test_the_last_change_is_the_newest_listed_action_in_the_partnership(
    migrated: Database,
) -> None:
    """What a stale click is told changed (domain/stale.py): the newest of the listed actions
    on that record, with who did it, and never another partnership's row of the same id."""
    s = seed(migrated)
    other = seed(migrated, "tenant-other")
    record = str(s.reviews["Gone"])

    def event(partnership: int, action: str, aad: str | None = ADMIN_AAD) -> t.AuditEvent:
        after = {"due_on": "2027-01-09"}
        return t.AuditEvent(
            partnership_id=partnership,
            actor_aad_id=aad,
            action=action,
            record_type="review",
            record_id=record,
            after=after,
        )

    with migrated.session() as session, session.begin():
        session.add(event(s.partnership, "guide.edited"))
        session.add(event(s.partnership, "audit.viewed"))  # newer, but not a listed change
        session.add(event(other.partnership, "guide.published"))  # the same id elsewhere

    def last(uow: SqlUnitOfWork) -> audit_trail.TrailEvent | None:
        return uow.audit_trail.last_change(
            s.partnership, "review", record, {"guide.edited", "guide.published"}
        )

    found = migrated.transaction(last)
    assert found is not None
    assert (found.action, found.actor_name, found.after) == (
        "guide.edited",
        "Admin Ada",
        {"due_on": "2027-01-09"},
    )
    assert (
        migrated.transaction(
            lambda uow: uow.audit_trail.last_change(s.partnership, "review", record, {"x.y"})
        )
        is None
    )
