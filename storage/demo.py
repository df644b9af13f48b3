"""`lineofsight demo`: a small pseudonymised partnership so a newcomer sees something real:
one review at each stage (storage/demo_journeys.py), built through the domain.

Every name here is a role-based pseudonym; the children are "Child K" and "Child R" to
"Child W". Loading is idempotent. Each story's review is recorded in the partnership's settings
under the story's key (`demo_reviews`), and a reload builds only the stories not there, so a
renamed pseudonym or a review the chair edited never gives a second set. A demo loaded before
the key was kept is recognised by the demo's own reason and the pseudonyms it used then. A demo
loaded by an older release gets its unassigned agencies assigned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session
from sqlmodel import col, select

from domain.calendar import london_today
from domain.directory import agency_key
from domain.model import Actor, ReturnStatus
from storage import demo_journeys as journeys
from storage import tables as t
from storage.database import make_engine
from storage.demo_journeys import Cast
from storage.repositories import SqlUnitOfWork

# The Agents Playground's signed-in user ("Alex Wilber") and tenant, as it sends them.
RowT = TypeVar("RowT")

PLAYGROUND_USER_AAD_ID = "00000000-0000-0000-0000-0000000000020"
DEMO_REFERENCE = "LOS-2026-001"
# The partnership settings' key for the demo's reviews: story key -> review id.
DEMO_KEY = "demo_reviews"

AGENCIES = (
    ("police", "Demo Police", "police"),
    ("health", "Demo Community Health", "health"),
    ("social_care", "Demo Children's Social Care", "children's social care"),
    ("school", "Demo Primary School", "education"),
)

# (key, display name, aad suffix, agency key or None, roles)
MEMBERS = (
    ("police_practitioner", "Police Practitioner (demo)", "101", "police", ("practitioner",)),
    ("police_lead", "Police Safeguarding Lead (demo)", "102", "police", ("agency_lead",)),
    ("health_visitor", "Health Visitor (demo)", "103", "health", ("practitioner",)),
    (
        "health_lead",
        "Health Safeguarding Lead (demo)",
        "104",
        "health",
        ("agency_lead", "manager"),
    ),
    ("social_worker", "Social Worker (demo)", "105", "social_care", ("practitioner",)),
    ("school_dsl", "School DSL (demo)", "106", "school", ("practitioner", "agency_lead")),
    ("lic_member", "LIC Member (demo)", "107", None, ("lic_member",)),
    # Deputy chair of LOS-2026-005: sends its 7-minute briefing for the Playground user to
    # approve, so the demo shows approval by a second person (the sender never approves).
    ("deputy_chair", "Deputy Chair (demo)", "109", None, ("chair",)),
    (
        "social_care_lead",
        "Social Care Safeguarding Lead (demo)",
        "108",
        "social_care",
        ("agency_lead",),
    ),
)
# The demo agencies Alex leads for besides his own (agency_lead_cover), so a newcomer can confirm
# a nil return and sign a return off for a second agency from the Playground. Demo Community
# Health keeps only its own lead, who can't be reached: the agency to be late, and to proceed
# without.
ALEX_COVERS = ("social_care", "school")
# The practitioner each agency's return goes to.
_FIRST_WRITERS = (
    ("police", "alex"),
    ("health", "health_visitor"),
    ("social_care", "social_worker"),
    ("school", "school_dsl"),
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
    cast = _cast(session, partnership.id, tenant_id, admin_aad_id)
    uow = SqlUnitOfWork(session)
    found = _demo_reviews(session, partnership)
    built = []
    for story in journeys.STORIES:
        if story.key not in found:
            review = journeys.build(uow, cast, story)
            found[story.key] = review.id
            built.append(review.reference)
    partnership.settings = {**(partnership.settings or {}), DEMO_KEY: found}
    session.flush()
    repaired = _assign_every_agency(session, list(found.values()), cast)
    repaired += _cover(session, cast.members["alex"].id, [cast.agencies[k] for k in ALEX_COVERS])
    if not built and not repaired:
        return "Demo partnership already loaded: its reviews are there; nothing was added."
    session.add(
        t.AuditEvent(
            partnership_id=partnership.id,
            actor_aad_id=None,
            action="demo.loaded",
            record_type="partnership",
            record_id=str(partnership.id),
        )
    )
    stages = "; ".join(f"{story.pseudonym}: {story.stage}" for story in journeys.STORIES)
    return (
        f"Demo partnership loaded: {len(AGENCIES)} agencies, {len(MEMBERS) + 1} members, "
        f"{len(built)} reviews built ({stages}). Alex Wilber chairs them all, has the Demo "
        f"Police return (type continue), and signs off and confirms nil returns for Demo "
        f"Police, Demo Children's Social Care and Demo Primary School (type sign-offs)."
    )


def _demo_reviews(session: Session, partnership: t.Partnership) -> dict[str, int]:
    """Story key -> review id of the demo reviews already there: those recorded under the key
    (if the review still exists), and those an unkeyed older demo built."""
    reviews = session.scalars(
        select(t.Review)
        .where(col(t.Review.partnership_id) == partnership.id)
        .order_by(col(t.Review.year), col(t.Review.sequence))
    ).all()
    ids = {review.id for review in reviews}
    settings = partnership.settings or {}
    recorded = settings.get(DEMO_KEY) if isinstance(settings, dict) else None
    found = {
        str(key): int(review_id)
        for key, review_id in (recorded.items() if isinstance(recorded, dict) else ())
        if isinstance(review_id, int) and review_id in ids
    }
    claimed = set(found.values())
    for story in journeys.STORIES:
        if story.key in found:
            continue
        names = {story.pseudonym, *story.earlier}
        match = next(
            (
                review
                for review in reviews
                if review.id not in claimed
                and review.pseudonym in names
                and journeys.is_demo_reason(review.reason)
            ),
            None,
        )
        if match is not None and match.id is not None:
            found[story.key] = match.id
            claimed.add(match.id)
    return found


def _cast(session: Session, partnership_id: int, tenant_id: str, admin_aad_id: str) -> Cast:
    agencies = {
        key: _agency(session, partnership_id, name, sector) for key, name, sector in AGENCIES
    }
    people = {
        "alex": _member(
            session,
            partnership_id,
            "Alex Wilber",
            admin_aad_id,
            agencies["police"],
            # One Playground user plays every part, so a newcomer can walk every journey.
            ("admin", "chair", "manager", "lic_member", "practitioner", "agency_lead"),
        )
    }
    for key, name, suffix, agency, roles in MEMBERS:
        agency_id = agencies[agency] if agency is not None else None
        people[key] = _member(session, partnership_id, name, _aad(suffix), agency_id, roles)
    members = SqlUnitOfWork(session).members
    views = {key: members.get(member.id or 0) for key, member in people.items()}
    actors = {
        key: Actor(tenant_id, m.aad_object_id, f"29:{m.aad_object_id}", m.display_name)
        for key, m in people.items()
    }
    return Cast(tenant_id, agencies, views, actors, london_today(), datetime.now(UTC))


def _agency(session: Session, partnership_id: int, name: str, sector: str) -> int:
    # By its key, as names are compared: an admin may have renamed "Demo Police" to "demo
    # police", and adding "Demo Police" again would break the unique key.
    found = session.scalars(
        select(t.Agency).where(
            col(t.Agency.partnership_id) == partnership_id,
            col(t.Agency.name_key) == agency_key(name),
        )
    ).first()
    agency = found or _add(
        session, t.Agency(partnership_id=partnership_id, name=name, sector=sector)
    )
    assert agency.id is not None
    return agency.id


def _assign_every_agency(session: Session, review_ids: list[int], cast: Cast) -> int:
    """A demo loaded before issue 14 left three agencies of LOS-2026-001 with nobody assigned,
    a dead end: give each open return of a demo review its agency's demo practitioner. The
    partnership's own reviews are theirs to assign."""
    writers = {cast.agencies[agency]: cast.members[key].id for agency, key in _FIRST_WRITERS}
    unassigned = session.scalars(
        select(t.PreAnalysisReturn).where(
            col(t.PreAnalysisReturn.review_id).in_(review_ids),
            col(t.PreAnalysisReturn.status) != ReturnStatus.WITHDRAWN.value,
            ~col(t.PreAnalysisReturn.id).in_(select(t.ReturnAssignee.return_id)),
        )
    ).all()
    assigned = 0
    for ret in unassigned:
        member_id = writers.get(ret.agency_id)
        if member_id is not None and ret.id is not None:
            session.add(t.ReturnAssignee(return_id=ret.id, member_id=member_id))
            assigned += 1
    session.flush()
    return assigned


def _cover(session: Session, member_id: int, agency_ids: list[int]) -> int:
    """Make the member a lead for these agencies too (once): how many were added."""
    added = 0
    for agency_id in agency_ids:
        if session.get(t.AgencyLeadCover, (member_id, agency_id)) is None:
            session.add(t.AgencyLeadCover(member_id=member_id, agency_id=agency_id))
            added += 1
    session.flush()
    return added


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


def _add(session: Session, row: RowT) -> RowT:
    session.add(row)
    session.flush()
    return row
