"""A change of an agency's leads starts the lead's own chase count again on its returns waiting
for a lead (domain/chasers.py `LEADS_CHANGED`), on both databases: every way a lead comes or
goes passes through the directory's grant, revoke and set_agency. Others' returns, returns not
waiting for a lead, and another partnership's (by a stray cover row) keep their counts."""

from __future__ import annotations

from domain.model import Role
from storage import tables as t
from storage.database import Database
from storage.repositories import SqlUnitOfWork
from tests.storage.test_lead_cover import _world


def test_a_change_of_leads_starts_their_count_again(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        ids = _world(uow)
        school = uow.session.get_one(t.PreAnalysisReturn, ids["school_return"])
        clinic = uow.session.get_one(t.PreAnalysisReturn, ids["clinic_return"])

        def counts(status: str = "submitted") -> tuple[int, int]:
            for ret in (school, clinic):
                ret.chase_count, ret.owner_chase_count = 5, 3
            school.status = status
            uow.session.flush()
            return school.owner_chase_count, clinic.owner_chase_count

        def after() -> tuple[int, int]:
            uow.session.expire_all()
            return school.owner_chase_count, clinic.owner_chase_count

        counts()
        assert not uow.directory.grant(ids["lead"], Role.AGENCY_LEAD), "held already"
        assert after() == (3, 3), "nothing changed"
        counts("in_progress")
        assert uow.directory.revoke(ids["lead"], Role.AGENCY_LEAD)
        assert after() == (3, 3), "not waiting for a lead: the practitioners' count"
        counts()
        assert uow.directory.grant(ids["lead"], Role.AGENCY_LEAD)
        assert after() == (0, 3), "the covered school's; not B's clinic"
        assert school.chase_count == 5, "the return's own count goes on"
        counts()
        uow.directory.set_agency(ids["a"], ids["lead"], ids["school"])
        assert after() == (0, 3), "a lead moving in"
        counts()
        assert uow.directory.grant(ids["lead"], Role.MANAGER)
        assert after() == (3, 3), "another role is no change of leads"

    migrated.transaction(work)
