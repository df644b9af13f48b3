"""What a member whose access ended still holds (storage/directory.py `holdings`), on SQLite and
PostgreSQL: the reviews they chair or deputy-chair, the returns they write, the sign-offs only
they can give and the action items they own, and never anything of a review that is closed or
cancelled."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from domain.directory import import_members, parse_import
from domain.repositories import Holding, HoldingKind
from storage import tables as t
from storage.database import Database
from tests.support.partnership import ADMIN, CHAIR, PAT, POLICE_LEAD, TENANT, Seeded, seed


def held(db: Database, s: Seeded, aad: str) -> list[Holding]:
    return db.transaction(lambda uow: uow.directory.holdings(s.partnership_id, s.members[aad]))


def test_the_reviews_they_chair_are_named_with_who_has_the_controls(migrated: Database) -> None:
    s = seed(migrated)
    with migrated.session() as session, session.begin():
        session.execute(
            update(t.Review)
            .where(col(t.Review.id) == s.reviews["LOS-2026-001"])
            .values(deputy_chair_member_id=s.members[ADMIN])
        )
    chaired = [h for h in held(migrated, s, CHAIR) if h.kind is HoldingKind.CHAIRS]
    # LOS-2025-007 is closed: nothing of it is anyone's to pick up.
    assert chaired == [
        Holding(
            HoldingKind.CHAIRS,
            "LOS-2026-001",
            "Ada Admin",
            "actions_open",
            s.reviews["LOS-2026-001"],
        ),
        Holding(HoldingKind.CHAIRS, "LOS-2026-002", "", "actions_open", s.reviews["LOS-2026-002"]),
        Holding(HoldingKind.CHAIRS, "LOS-2026-003", "", "pre_analysis", s.reviews["LOS-2026-003"]),
    ]
    assert held(migrated, s, ADMIN) == [
        Holding(HoldingKind.DEPUTY, "LOS-2026-001", "", "actions_open", s.reviews["LOS-2026-001"])
    ]


def test_a_cancelled_review_s_items_and_returns_are_left_out(migrated: Database) -> None:
    s = seed(migrated)
    owned = [h.reference for h in held(migrated, s, PAT) if h.kind is HoldingKind.OWNS]
    # A1 open and A5 blocked; A3 is closed, C1 is on the closed LOS-2025-007.
    assert owned == ["LOS-2026-001/A1", "LOS-2026-001/A5"]
    # Each names its own item, so its button opens it (walk10).
    with migrated.session() as session:
        ids = {
            a.reference: a.id
            for a in session.scalars(
                select(t.ActionItem).where(col(t.ActionItem.owner_member_id) == s.members[PAT])
            )
        }
    assert [
        (h.reference, h.item_id) for h in held(migrated, s, PAT) if h.kind is HoldingKind.OWNS
    ] == [("LOS-2026-001/A1", ids["LOS-2026-001/A1"]), ("LOS-2026-001/A5", ids["LOS-2026-001/A5"])]
    with migrated.session() as session, session.begin():
        session.execute(
            update(t.Review)
            .where(col(t.Review.id) == s.reviews["LOS-2026-001"])
            .values(stage="cancelled")
        )
        education_return = session.scalars(
            select(t.PreAnalysisReturn.id).where(
                col(t.PreAnalysisReturn.review_id) == s.reviews["LOS-2026-003"]
            )
        ).one()
        session.add(t.ReturnAssignee(return_id=education_return, member_id=s.members[PAT]))
    assert held(migrated, s, PAT) == [
        Holding(
            HoldingKind.WRITES,
            "LOS-2026-003",
            "Demo Education",
            "in_progress",
            s.reviews["LOS-2026-003"],
            education_return,
        )
    ]
    with migrated.session() as session, session.begin():
        session.execute(
            update(t.Review)
            .where(col(t.Review.id) == s.reviews["LOS-2026-003"])
            .values(stage="cancelled")
        )
    assert held(migrated, s, PAT) == []


def test_a_sign_off_is_theirs_only_where_their_agency_has_no_other_active_lead(
    migrated: Database,
) -> None:
    s = seed(migrated)
    police = s.agencies["Demo Police"]
    with migrated.session() as session, session.begin():
        added = t.PreAnalysisReturn(
            review_id=s.reviews["LOS-2026-003"], agency_id=police, status="submitted"
        )
        session.add(added)
        session.flush()
        added_id = added.id
    waiting = Holding(
        HoldingKind.SIGNS_OFF,
        "LOS-2026-003",
        "Demo Police",
        "submitted",
        s.reviews["LOS-2026-003"],
        added_id or 0,
    )
    assert held(migrated, s, POLICE_LEAD) == [waiting]
    # Pat becomes a second police lead: the sign-off is in hand without Larry.
    with migrated.session() as session, session.begin():
        session.add(t.MemberRole(member_id=s.members[PAT], role="agency_lead"))
    assert held(migrated, s, POLICE_LEAD) == []
    # Pat's access ended too: it waits on Larry again.
    with migrated.session() as session, session.begin():
        session.execute(
            update(t.Member).where(col(t.Member.id) == s.members[PAT]).values(active=False)
        )
    assert held(migrated, s, POLICE_LEAD) == [waiting]


def test_an_import_row_ends_a_lead_s_access_as_the_card_does(migrated: Database) -> None:
    """The CSV import's `access` column goes through the card's write (a lead's change of
    agencies' leads held first) and audit, on both databases."""
    s = seed(migrated)
    parsed = parse_import(
        "aad_object_id,display_name,access,reason\n"
        f"{POLICE_LEAD},Larry Police-Lead,ended,Left the agency.\n"
    )
    report = migrated.transaction(lambda uow: import_members(uow, TENANT, parsed))
    assert report.lines()[0] == "row 2: updated Larry Police-Lead: access ended"
    with migrated.session() as session:
        lead = session.get_one(t.Member, s.members[POLICE_LEAD])
        assert not lead.active
        [event] = session.scalars(
            select(t.AuditEvent).where(col(t.AuditEvent.action) == "member.access_ended")
        ).all()
        assert event.after == {"active": False, "reason": "Left the agency."}
        assert event.record_id == str(s.members[POLICE_LEAD])
