"""A change of an agency's leads starts the lead's own chase count again on its returns waiting
for a lead (domain/chasers.py `LEADS_CHANGED`), on both databases: every way a lead comes or
goes passes through the directory's grant, revoke and set_agency. Only an agency whose set of
leads changed starts again: others' returns, returns not waiting for a lead, another
partnership's (by a stray cover row), and an agency whose leads are the same after the change
keep their counts (its leads were chased that often)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.chase_engine import RETURN
from domain.chasers import SubjectKind
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
        # The lead covers School already: moving into it leaves School's leads as they were
        # (the lead alone), so the count they were chased stays theirs.
        assert after() == (3, 3), "the same leads: no change of leads"
        counts()
        assert uow.directory.grant(ids["lead"], Role.MANAGER)
        assert after() == (3, 3), "another role is no change of leads"

    migrated.transaction(work)


def test_a_lead_leaving_starts_the_count_of_the_agency_they_left(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        ids = _world(uow)
        school = uow.session.get_one(t.PreAnalysisReturn, ids["school_return"])
        # A Police return waiting for its lead: the lead leads Police by membership only.
        police = t.PreAnalysisReturn(
            review_id=school.review_id, agency_id=ids["police"], status="submitted"
        )
        uow.session.add(police)
        for ret in (school, police):
            ret.chase_count, ret.owner_chase_count = 5, 3
        uow.session.flush()
        uow.directory.set_agency(ids["a"], ids["lead"], ids["school"])
        uow.session.expire_all()
        assert police.owner_chase_count == 0, "Police has lost its lead (the `left` path)"
        assert school.owner_chase_count == 3, "School's lead is the same one"
        assert police.chase_count == 5, "the return's own count goes on"

    migrated.transaction(work)


def test_a_return_sent_back_reads_its_lifetime_count_for_its_writers(migrated: Database) -> None:
    # The lead's count left in the column (2, from a sign-off wait) is not the writers': they
    # are chased on the record's count, so never told "since this return became yours".
    def work(uow: SqlUnitOfWork) -> None:
        ids = _world(uow)
        ret = uow.session.get_one(t.PreAnalysisReturn, ids["school_return"])
        ret.status, ret.due_on = "returned", date(2026, 2, 2)
        ret.chase_count, ret.owner_chase_count = 6, 2
        uow.session.flush()
        row = uow.chases.row(RETURN, ids["school_return"])
        assert row is not None
        assert row.subject.kind is SubjectKind.PRE_ANALYSIS_RETURN
        assert (row.subject.chase_count, row.subject.chased_owner) == (6, 6)
        ret.status = "submitted"
        ret.submitted_at = datetime(2026, 2, 2, 10, tzinfo=UTC)
        uow.session.flush()
        lead = uow.chases.row(RETURN, ids["school_return"])
        assert lead is not None
        assert lead.subject.chased_owner == 2, "the lead's own count"

    migrated.transaction(work)
