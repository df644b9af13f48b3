"""The storage contract: the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlmodel import SQLModel

from domain.errors import StorageUnavailable
from domain.model import ConversationAddress, Role
from domain.repositories import AuditEntry, MemberSighting
from storage import tables as t
from storage.database import Database
from storage.migrate import SchemaNotReady, check_schema, current_revision, upgrade
from storage.repositories import SqlUnitOfWork

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def sighting(
    aad: str | None,
    teams_id: str,
    name: str = "Practitioner B",
    conversation: str | None = "a:conv-1",
) -> MemberSighting:
    address = (
        None
        if conversation is None
        else ConversationAddress(
            "https://smba.example/emea/",
            conversation,
            "tenant-a",
            "28:bot",
            teams_id,
            aad,
            "personal",
        )
    )
    return MemberSighting(aad, teams_id, name, address, NOW)


def test_migrations_reach_head_and_a_second_run_changes_nothing(migrated: Database) -> None:
    revision = current_revision(migrated.engine)
    assert revision is not None
    upgrade(migrated.url)
    assert current_revision(migrated.engine) == revision
    check_schema(migrated.engine, migrated.url)


def test_migrations_match_the_models(migrated: Database) -> None:
    with migrated.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_every_domain_table_exists(migrated: Database) -> None:
    tables = set(inspect(migrated.engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_an_unmigrated_database_is_refused_with_the_command_to_run(database_url: str) -> None:
    db = Database(database_url)
    try:
        with pytest.raises(SchemaNotReady, match="lineofsight db upgrade"):
            check_schema(db.engine, db.url)
    finally:
        db.close()


def test_partnerships_are_keyed_by_tenant(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> tuple[int, int | None]:
        created = uow.partnerships.create("tenant-a", "Partnership A")
        found = uow.partnerships.by_tenant("tenant-a")
        assert uow.partnerships.by_tenant("tenant-b") is None
        return created.id, found.id if found else None

    created_id, found_id = migrated.transaction(work)
    assert created_id == found_id


def test_members_are_matched_by_aad_id_then_teams_id(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = uow.partnerships.create("tenant-a", "A")
        member = uow.members.create(partnership.id, sighting("aad-1", "29:one"))
        assert uow.members.find(partnership.id, "aad-1", "29:other") == member
        assert uow.members.find(partnership.id, None, "29:one") == member
        assert uow.members.find(partnership.id, "aad-2", "29:two") is None

    migrated.transaction(work)


def test_members_of_another_partnership_are_invisible(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a = uow.partnerships.create("tenant-a", "A")
        b = uow.partnerships.create("tenant-b", "B")
        uow.members.create(a.id, sighting("aad-1", "29:one"))
        assert uow.members.find(b.id, "aad-1", "29:one") is None
        assert uow.members.find_in_tenant("tenant-b", "aad-1") is None

    migrated.transaction(work)


def test_who_spoke_is_found_by_tenant_and_aad_id_with_their_roles(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a = uow.partnerships.create("tenant-a", "A")
        member = uow.members.create(a.id, sighting("aad-1", "29:one"))
        assert uow.members.find_in_tenant("tenant-a", "aad-1") == member
        uow.members.grant(member.id, Role.ADMIN)
        uow.members.grant(member.id, Role.CHAIR)
        found = uow.members.find_in_tenant("tenant-a", "aad-1")
        assert found is not None
        assert found.roles == {Role.ADMIN, Role.CHAIR}
        assert uow.members.find_in_tenant("tenant-a", "aad-2") is None

    migrated.transaction(work)


def test_a_lead_covering_other_agencies_leads_them_only_while_a_lead(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a = uow.partnerships.create("tenant-a", "A")
        own, covered, other = (t.Agency(partnership_id=a.id, name=n, sector="x") for n in "PSH")
        uow.session.add_all([own, covered, other])
        uow.session.flush()
        assert own.id is not None
        assert covered.id is not None
        assert other.id is not None
        member = uow.members.create(a.id, sighting("aad-1", "29:one"))
        uow.session.get_one(t.Member, member.id).agency_id = own.id
        uow.session.add(t.AgencyLeadCover(member_id=member.id, agency_id=covered.id))
        uow.session.flush()
        found = uow.members.find_in_tenant("tenant-a", "aad-1")
        assert found is not None
        assert found.covered_agency_ids == {covered.id}
        assert found.led_agency_ids == frozenset(), "cover counts only with the lead role"
        assert uow.returns.agency_lead_ids(covered.id) == []
        uow.members.grant(member.id, Role.AGENCY_LEAD)
        lead = uow.members.get(member.id)
        assert lead.led_agency_ids == {own.id, covered.id}
        assert lead.leads(covered.id)
        assert not lead.leads(other.id)
        assert uow.returns.agency_lead_ids(covered.id) == [member.id]
        assert uow.returns.agency_lead_ids(own.id) == [member.id]
        assert uow.returns.agency_lead_ids(other.id) == []

    migrated.transaction(work)


def test_a_sighting_reports_only_what_changed(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = uow.partnerships.create("tenant-a", "A")
        member = uow.members.create(partnership.id, sighting("aad-1", "29:one"))
        assert uow.members.record_sighting(member.id, sighting("aad-1", "29:one")) == ({}, {})
        before, after = uow.members.record_sighting(
            member.id, sighting("aad-1", "29:one", conversation="a:conv-2")
        )
        assert before == {"conversation_id": "a:conv-1"}
        assert after == {"conversation_id": "a:conv-2"}
        # A channel message carries no personal address: the stored one is kept.
        uow.members.record_sighting(member.id, sighting("aad-1", "29:one", conversation=None))
        assert uow.members.profile(member.id).reachable

    migrated.transaction(work)


def test_roles_are_granted_once_and_welcomes_happen_once(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = uow.partnerships.create("tenant-a", "A")
        member = uow.members.create(partnership.id, sighting("aad-1", "29:one"))
        assert uow.members.grant(member.id, Role.CHAIR)
        assert not uow.members.grant(member.id, Role.CHAIR)
        assert uow.members.get(member.id).roles == {Role.CHAIR}
        assert uow.members.mark_welcomed(member.id, NOW)
        assert not uow.members.mark_welcomed(member.id, NOW)

    migrated.transaction(work)


def test_audit_events_are_appended_with_before_and_after(migrated: Database) -> None:
    entry = AuditEntry(
        None,
        "aad-1",
        "member.updated",
        "member",
        "7",
        before={"name": "old"},
        after={"name": "new"},
    )
    migrated.transaction(lambda uow: uow.audit.append(entry))
    with migrated.session() as session:
        row = session.scalars(select(t.AuditEvent)).one()
    assert (row.action, row.before, row.after) == (
        "member.updated",
        {"name": "old"},
        {"name": "new"},
    )
    assert row.at.tzinfo is not None


def test_a_failed_unit_of_work_writes_nothing(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        uow.partnerships.create("tenant-a", "A")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrated.transaction(work)
    assert migrated.transaction(lambda uow: uow.partnerships.by_tenant("tenant-a")) is None


def test_an_unreachable_database_raises_storage_unavailable(database_url: str) -> None:
    broken = Database(
        "sqlite:////nonexistent-dir/x/y.db"
        if database_url.startswith("sqlite")
        else "postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    try:
        with pytest.raises(StorageUnavailable):
            broken.transaction(lambda uow: uow.partnerships.by_tenant("x"))
    finally:
        broken.close()
