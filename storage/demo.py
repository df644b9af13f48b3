"""`lineofsight demo`: a small pseudonymised partnership so a newcomer sees something real.

Every name here is a role-based pseudonym; the child is "Child K". Loading is idempotent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session
from sqlmodel import col, select

from storage import tables as t
from storage.database import make_engine

# The Agents Playground's signed-in user ("Alex Wilber") and tenant, as it sends them.
RowT = TypeVar("RowT")

PLAYGROUND_USER_AAD_ID = "00000000-0000-0000-0000-0000000000020"
DEMO_REFERENCE = "LOS-2026-001"

AGENCIES = (
    ("Demo Police", "police"),
    ("Demo Community Health", "health"),
    ("Demo Children's Social Care", "children's social care"),
    ("Demo Primary School", "education"),
)

# (display name, aad suffix, agency index or None, roles)
MEMBERS = (
    ("Police Practitioner (demo)", "101", 0, ("practitioner",)),
    ("Police Safeguarding Lead (demo)", "102", 0, ("agency_lead",)),
    ("Health Visitor (demo)", "103", 1, ("practitioner",)),
    ("Health Safeguarding Lead (demo)", "104", 1, ("agency_lead", "manager")),
    ("Social Worker (demo)", "105", 2, ("practitioner",)),
    ("School DSL (demo)", "106", 3, ("practitioner", "agency_lead")),
    ("LIC Member (demo)", "107", None, ("lic_member",)),
)


def _aad(suffix: str) -> str:
    return f"00000000-0000-0000-0000-000000000{suffix}"


def load_demo(url: str, tenant_id: str, admin_aad_id: str) -> str:
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            return _load(session, tenant_id, admin_aad_id)
    finally:
        engine.dispose()


def _load(session: Session, tenant_id: str, admin_aad_id: str) -> str:
    partnership = _partnership(session, tenant_id)
    assert partnership.id is not None
    if session.scalars(
        select(t.Review).where(
            col(t.Review.partnership_id) == partnership.id,
            col(t.Review.reference) == DEMO_REFERENCE,
        )
    ).first():
        return f"Demo partnership already loaded ({DEMO_REFERENCE} exists)."
    agencies = [
        _add(session, t.Agency(partnership_id=partnership.id, name=name, sector=sector))
        for name, sector in AGENCIES
    ]
    chair = _member(
        session,
        partnership.id,
        "Alex Wilber",
        admin_aad_id,
        agencies[0].id,
        # One Playground user plays every part, so a newcomer can walk the whole journey.
        ("admin", "chair", "manager", "lic_member", "practitioner", "agency_lead"),
    )
    for name, suffix, agency_index, roles in MEMBERS:
        agency_id = agencies[agency_index].id if agency_index is not None else None
        _member(session, partnership.id, name, _aad(suffix), agency_id, roles)
    review = _review(session, partnership.id, chair.id)
    assert review.id is not None
    for agency in agencies:
        assert agency.id is not None
        ret = _add(
            session,
            t.PreAnalysisReturn(
                review_id=review.id, agency_id=agency.id, due_on=review.returns_due_on
            ),
        )
        if agency is agencies[0]:
            assert ret.id is not None
            assert chair.id is not None
            session.add(t.ReturnAssignee(return_id=ret.id, member_id=chair.id))
    session.add(
        t.AuditEvent(
            partnership_id=partnership.id,
            actor_aad_id=None,
            action="demo.loaded",
            record_type="partnership",
            record_id=str(partnership.id),
        )
    )
    return (
        f"Demo partnership loaded: {len(agencies)} agencies, {len(MEMBERS) + 1} members, "
        f"review {DEMO_REFERENCE} (Child K) in pre-analysis; Alex Wilber has the Demo Police "
        f"return (type continue)."
    )


def _partnership(session: Session, tenant_id: str) -> t.Partnership:
    existing = session.scalars(
        select(t.Partnership).where(col(t.Partnership.tenant_id) == tenant_id)
    ).first()
    return existing or _add(
        session, t.Partnership(tenant_id=tenant_id, name="Demo Safeguarding Children Partnership")
    )


def _member(
    session: Session,
    partnership_id: int,
    name: str,
    aad: str,
    agency_id: int | None,
    roles: tuple[str, ...],
) -> t.Member:
    member = session.scalars(
        select(t.Member).where(
            col(t.Member.partnership_id) == partnership_id, col(t.Member.aad_object_id) == aad
        )
    ).first()
    if member is None:
        member = _add(
            session,
            t.Member(
                partnership_id=partnership_id,
                display_name=name,
                aad_object_id=aad,
                agency_id=agency_id,
            ),
        )
    assert member.id is not None
    for role in roles:
        if session.get(t.MemberRole, (member.id, role)) is None:
            session.add(t.MemberRole(member_id=member.id, role=role))
    return member


def _review(session: Session, partnership_id: int, chair_id: int | None) -> t.Review:
    return _add(
        session,
        t.Review(
            partnership_id=partnership_id,
            reference=DEMO_REFERENCE,
            year=2026,
            sequence=1,
            pseudonym="Child K",
            chair_member_id=chair_id,
            stage="pre_analysis",
            reason=(
                "Child K (aged 7) was found to have significant dental decay and poor school "
                "attendance; concerns were held by several agencies but not escalated."
            ),
            opened_on=date(2026, 11, 2),
            returns_due_on=date(2026, 11, 23),
            meeting_on=date(2026, 12, 14),
            updated_at=datetime.now(UTC),
        ),
    )


def _add(session: Session, row: RowT) -> RowT:
    session.add(row)
    session.flush()
    return row
