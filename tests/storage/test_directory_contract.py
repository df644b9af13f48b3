"""The directory's storage contract, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.exc import NoResultFound

from domain.model import Role
from domain.repositories import MemberSighting
from storage.database import Database
from storage.repositories import SqlUnitOfWork

AAD_1 = "00000000-0000-4000-8000-000000000001"
AAD_2 = "00000000-0000-4000-8000-000000000002"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def two_partnerships(uow: SqlUnitOfWork) -> tuple[int, int]:
    return (
        uow.partnerships.create("tenant-a", "A").id,
        uow.partnerships.create("tenant-b", "B").id,
    )


def test_agencies_are_added_listed_by_name_and_updated(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, _ = two_partnerships(uow)
        police = uow.directory.add_agency(a, "Demo Police", "police")
        uow.directory.add_agency(a, "demo Community Health", "health")
        assert [x.name for x in uow.directory.agencies(a)] == [
            "demo Community Health",
            "Demo Police",
        ]
        updated = uow.directory.update_agency(a, police.id, "Demo Constabulary", "police")
        assert (updated.id, updated.name, updated.lead_names) == (
            police.id,
            "Demo Constabulary",
            (),
        )
        assert uow.directory.agency(a, police.id) == updated

    migrated.transaction(work)


def test_agencies_and_members_of_another_partnership_are_not_found(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, b = two_partnerships(uow)
        police = uow.directory.add_agency(a, "Demo Police", "police")
        member = uow.directory.upsert_member(a, AAD_1, "Police Practitioner (demo)", None)
        assert uow.directory.agency(b, police.id) is None
        assert uow.directory.member(b, member.id) is None
        assert uow.directory.agencies(b) == []
        assert uow.directory.member_page(b, 0, 15).total == 0
        assert uow.directory.members_by_aad(b, frozenset({AAD_1})) == {}
        # The same AAD id may be a member of two partnerships, separately.
        other = uow.directory.upsert_member(b, AAD_1, "Elsewhere (demo)", None)
        assert other.id != member.id

    migrated.transaction(work)


def test_leads_are_the_agency_members_holding_agency_lead(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, _ = two_partnerships(uow)
        police = uow.directory.add_agency(a, "Demo Police", "police")
        lead = uow.directory.upsert_member(a, AAD_1, "Police Lead (demo)", None)
        practitioner = uow.directory.upsert_member(a, AAD_2, "Police Practitioner (demo)", None)
        for member in (lead, practitioner):
            uow.directory.set_agency(a, member.id, police.id)
        uow.directory.grant(lead.id, Role.AGENCY_LEAD)
        uow.directory.grant(practitioner.id, Role.PRACTITIONER)
        (listed,) = uow.directory.agencies(a)
        assert listed.lead_names == ("Police Lead (demo)",)
        assert uow.directory.revoke(lead.id, Role.AGENCY_LEAD)
        assert not uow.directory.revoke(lead.id, Role.AGENCY_LEAD)
        assert uow.directory.agencies(a)[0].lead_names == ()

    migrated.transaction(work)


def test_upsert_matches_by_aad_id_and_keeps_an_email_not_given(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, _ = two_partnerships(uow)
        first = uow.directory.upsert_member(a, AAD_1, "Lead (demo)", "lead@example.org")
        again = uow.directory.upsert_member(a, AAD_1, "Renamed Lead (demo)", None)
        assert again.id == first.id
        assert (again.display_name, again.email, again.seen) == (
            "Renamed Lead (demo)",
            "lead@example.org",
            False,
        )
        assert set(uow.directory.members_by_aad(a, frozenset({AAD_1, AAD_2}))) == {AAD_1}

    migrated.transaction(work)


def test_an_imported_member_is_linked_when_they_first_talk(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, _ = two_partnerships(uow)
        imported = uow.directory.upsert_member(a, AAD_1, "Police Practitioner (demo)", None)
        sighting = MemberSighting(AAD_1, "29:first-contact", "Police Practitioner", None, NOW)
        found = uow.members.find(a, AAD_1, "29:first-contact")
        assert found is not None
        assert found.id == imported.id
        uow.members.record_sighting(found.id, sighting)
        linked = uow.directory.member(a, imported.id)
        assert linked is not None
        assert linked.seen

    migrated.transaction(work)


def test_member_pages_carry_agency_and_roles_in_one_query(migrated: Database) -> None:
    def seed(uow: SqlUnitOfWork) -> int:
        a, _ = two_partnerships(uow)
        police = uow.directory.add_agency(a, "Demo Police", "police")
        for n in range(1, 21):
            member = uow.directory.upsert_member(
                a, f"00000000-0000-4000-8000-{n:012d}", f"Member {n:02d} (demo)", None
            )
            uow.directory.set_agency(a, member.id, police.id if n % 2 else None)
            uow.directory.grant(member.id, Role.PRACTITIONER)
            if n % 3 == 0:
                uow.directory.grant(member.id, Role.MANAGER)
        return a

    partnership_id = migrated.transaction(seed)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(migrated.engine, "before_cursor_execute", count)
    try:
        page = migrated.transaction(lambda uow: uow.directory.member_page(partnership_id, 15, 15))
    finally:
        event.remove(migrated.engine, "before_cursor_execute", count)
    assert len(statements) == 2, "a count and one joined page query, not a query per member"
    assert (page.total, page.offset) == (20, 15)
    assert [m.display_name for m in page.members] == [f"Member {n} (demo)" for n in range(16, 21)]
    member_18 = page.members[2]
    assert member_18.roles == {Role.PRACTITIONER, Role.MANAGER}
    assert member_18.agency_name is None
    assert page.members[1].agency_name == "Demo Police"


def test_roles_are_counted_within_the_partnership(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, b = two_partnerships(uow)
        first = uow.directory.upsert_member(a, AAD_1, "Admin One (demo)", None)
        second = uow.directory.upsert_member(b, AAD_2, "Admin Two (demo)", None)
        assert uow.directory.grant(first.id, Role.ADMIN)
        assert not uow.directory.grant(first.id, Role.ADMIN)
        uow.directory.grant(second.id, Role.ADMIN)
        assert uow.directory.count_with_role(a, Role.ADMIN) == 1
        assert uow.directory.count_with_role(a, Role.CHAIR) == 0

    migrated.transaction(work)


def test_set_agency_refuses_a_member_of_another_partnership(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        a, b = two_partnerships(uow)
        police = uow.directory.add_agency(a, "Demo Police", "police")
        outsider = uow.directory.upsert_member(b, AAD_1, "Elsewhere (demo)", None)
        uow.directory.set_agency(a, outsider.id, police.id)

    with pytest.raises(NoResultFound):
        migrated.transaction(work)
