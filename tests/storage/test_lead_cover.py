"""A lead's cover of another agency (agency_lead_cover, migration 0012) counts only within
the partnership the lead belongs to, on both databases: the cover row names a member and an
agency and nothing else ties them to one partnership, so every read of it checks."""

from __future__ import annotations

from datetime import date

from domain.model import Role
from domain.summaries import ScopeKind, scope_for
from storage import tables as t
from storage.database import Database
from storage.repositories import SqlUnitOfWork


def _world(uow: SqlUnitOfWork) -> dict[str, int]:
    """Two partnerships: in A, a lead of Demo Police who covers Demo School (A) and, by a
    stray row, Demo Clinic (B's). Each of School and Clinic has a return waiting for sign-off."""
    ids: dict[str, int] = {}
    for key, tenant in (("a", "tenant-a"), ("b", "tenant-b")):
        partnership = t.Partnership(tenant_id=tenant, name=f"Demo Partnership {key.upper()}")
        uow.session.add(partnership)
        uow.session.flush()
        assert partnership.id is not None
        ids[key] = partnership.id
    for key, name, partnership in (
        ("police", "Demo Police", "a"),
        ("school", "Demo School", "a"),
        ("clinic", "Demo Clinic", "b"),
    ):
        agency = t.Agency(partnership_id=ids[partnership], name=name, sector="other")
        uow.session.add(agency)
        uow.session.flush()
        assert agency.id is not None
        ids[key] = agency.id
    lead = t.Member(
        partnership_id=ids["a"],
        aad_object_id="aad-lead",
        display_name="Demo Lead",
        agency_id=ids["police"],
    )
    uow.session.add(lead)
    uow.session.flush()
    assert lead.id is not None
    ids["lead"] = lead.id
    uow.session.add(t.MemberRole(member_id=lead.id, role=Role.AGENCY_LEAD.value))
    for agency in ("school", "clinic"):
        uow.session.add(t.AgencyLeadCover(member_id=lead.id, agency_id=ids[agency]))
    for sequence, (agency, partnership) in enumerate((("school", "a"), ("clinic", "b")), 1):
        ids[f"{agency}_return"] = a_return(uow, ids[partnership], sequence, ids[agency])
    return ids


def a_return(
    uow: SqlUnitOfWork,
    partnership_id: int,
    sequence: int,
    agency_id: int,
    status: str = "submitted",
) -> int:
    """The agency's return, in `status`, on a review of its own (LOS-2026-<sequence>)."""
    review = t.Review(
        partnership_id=partnership_id,
        reference=f"LOS-2026-{sequence:03d}",
        year=2026,
        sequence=sequence,
        pseudonym="Child K",
        reason="Neglect concerns.",
        stage="pre_analysis",
        opened_on=date(2026, 1, 5),
    )
    uow.session.add(review)
    uow.session.flush()
    assert review.id is not None
    ret = t.PreAnalysisReturn(review_id=review.id, agency_id=agency_id, status=status)
    uow.session.add(ret)
    uow.session.flush()
    assert ret.id is not None
    return ret.id


def test_a_cover_of_another_partnerships_agency_counts_for_nothing(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        ids = _world(uow)
        lead = uow.members.get(ids["lead"])
        assert lead.covered_agency_ids == {ids["school"]}, "B's clinic is not covered"
        assert lead.leads(ids["school"])
        assert not lead.leads(ids["clinic"])
        assert uow.returns.agency_lead_ids(ids["school"]) == [ids["lead"]]
        assert uow.returns.agency_lead_ids(ids["clinic"]) == [], "not asked to sign B's off"
        waiting = uow.returns.awaiting_lead(ids["a"], {ids["school"], ids["clinic"]})
        assert [r.id for r in waiting] == [ids["school_return"]], "only A's reviews"
        assert uow.returns.awaiting_lead(ids["b"], {ids["clinic"]}) != []

    migrated.transaction(work)


def test_a_covering_lead_sees_the_reviews_of_every_agency_they_lead(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        ids = _world(uow)
        scope = scope_for(uow.members.get(ids["lead"]))
        assert scope.kind is ScopeKind.AGENCY
        assert scope.agency_ids == {ids["police"], ids["school"]}
        seen = [ref.reference for ref in uow.summaries.visible_reviews(scope)]
        assert seen == ["LOS-2026-001"], "the covered school's review, none of B's"

    migrated.transaction(work)
