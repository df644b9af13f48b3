"""A small partnership with known answers for summaries, the dashboard and exports (issue 6).

Today is Mon 15 Jun 2026. The last working day before it is Fri 12 Jun, so an open item due
on or before 12 Jun is overdue.

| review | pseudonym | agencies (returns) | stage | themes agreed (meeting) |
|---|---|---|---|---|
| LOS-2026-001 | Child K | Police, Health | actions_open | neglect, info sharing (23 Feb, Q1) |
| LOS-2026-002 | Child M | Health | actions_open | neglect, domestic_abuse (11 May, Q2) |
| LOS-2026-003 | Child K | Education | pre_analysis | none yet |
| LOS-2025-007 | Baby L | Police | closed | hidden_adults (10 Nov 2025) |

Action items (agency, owner, status, due, theme):

- 001/A1 Police, Pat (practitioner), open, due 1 May, neglect: overdue, chased 3 times.
- 001/A2 Health, Hana (practitioner), in_progress, due 18 Jun, neglect: amber.
- 001/A3 Police, Pat, closed with impact recorded (close), information_sharing: blue.
- 001/A4 Health, Hana, open, due 1 Dec, information_sharing: green.
- 001/A5 Police, Pat, blocked, due 1 Dec, neglect: red, not overdue.
- 002/B1 Health, Hana, in_progress, due 2 Mar revised to 30 Jun, domestic_abuse: not overdue.
- 002/B2 Health, Hana, open, due 1 Jun, neglect: overdue, chased once.
- 2025-007/C1 Police, Pat, closed, hidden_adults (agreed Nov 2025).

Another partnership holds an overdue item that must never appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from domain.model import MemberView, Role
from storage import tables as t
from storage.database import Database

TODAY = date(2026, 6, 15)
TENANT = "9f3e2c1a-5b7d-4e8f-a1c2-3d4e5f6a7b8c"

ADMIN = "a0000000-0000-4000-8000-000000000001"
CHAIR = "a0000000-0000-4000-8000-000000000002"
LIC = "a0000000-0000-4000-8000-000000000003"
POLICE_MANAGER = "a0000000-0000-4000-8000-000000000004"
HEALTH_MANAGER = "a0000000-0000-4000-8000-000000000005"
PARTNERSHIP_MANAGER = "a0000000-0000-4000-8000-000000000006"
POLICE_LEAD = "a0000000-0000-4000-8000-000000000007"
PAT = "a0000000-0000-4000-8000-000000000008"  # police practitioner
HANA = "a0000000-0000-4000-8000-000000000009"  # health practitioner
NOBODY = "a0000000-0000-4000-8000-000000000010"  # no role

PEOPLE: dict[str, tuple[str, str | None, tuple[Role, ...]]] = {
    ADMIN: ("Ada Admin", None, (Role.ADMIN,)),
    CHAIR: ("Chris Chair", None, (Role.CHAIR,)),
    LIC: ("Lee LIC", None, (Role.LIC_MEMBER,)),
    POLICE_MANAGER: ("Max Police-Manager", "Demo Police", (Role.MANAGER,)),
    HEALTH_MANAGER: ("Helen Health-Manager", "Demo Health", (Role.MANAGER,)),
    PARTNERSHIP_MANAGER: ("Paula Partnership-Manager", None, (Role.MANAGER,)),
    POLICE_LEAD: ("Larry Police-Lead", "Demo Police", (Role.AGENCY_LEAD,)),
    PAT: ("Pat Practitioner", "Demo Police", (Role.PRACTITIONER,)),
    HANA: ("Hana Practitioner", "Demo Health", (Role.PRACTITIONER,)),
    NOBODY: ("Nora Nobody", "Demo Health", ()),
}


@dataclass
class Seeded:
    partnership_id: int
    other_partnership_id: int
    agencies: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    reviews: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)

    def member(self, aad: str) -> MemberView:
        name, agency, roles = PEOPLE[aad]
        return MemberView(
            self.members[aad],
            self.partnership_id,
            aad,
            name,
            self.agencies[agency] if agency else None,
            frozenset(roles),
        )


def seed(db: Database, tenant: str = TENANT) -> Seeded:
    with db.session() as session, session.begin():
        return _seed(session, tenant)


def _seed(session: Session, tenant: str) -> Seeded:
    partnership = t.Partnership(tenant_id=tenant, name="Demo Partnership")
    other = t.Partnership(tenant_id=tenant + "-other", name="Another Partnership")
    session.add_all([partnership, other])
    session.flush()
    assert partnership.id is not None
    assert other.id is not None
    seeded = Seeded(partnership.id, other.id)
    for name, sector in (
        ("Demo Police", "police"),
        ("Demo Health", "health"),
        ("Demo Education", "education"),
    ):
        agency = t.Agency(partnership_id=partnership.id, name=name, sector=sector)
        session.add(agency)
        session.flush()
        assert agency.id is not None
        seeded.agencies[name] = agency.id
    for aad, (name, agency_name, roles) in PEOPLE.items():
        member = t.Member(
            partnership_id=partnership.id,
            aad_object_id=aad,
            teams_user_id=f"29:{aad}",
            display_name=name,
            agency_id=seeded.agencies[agency_name] if agency_name else None,
        )
        session.add(member)
        session.flush()
        assert member.id is not None
        seeded.members[aad] = member.id
        session.add_all(t.MemberRole(member_id=member.id, role=r.value) for r in roles)
    police, health = seeded.agencies["Demo Police"], seeded.agencies["Demo Health"]
    education = seeded.agencies["Demo Education"]
    pat, hana = seeded.members[PAT], seeded.members[HANA]
    chair = seeded.members[CHAIR]

    def review(
        year: int,
        sequence: int,
        pseudonym: str,
        stage: str,
        opened: date,
        meeting: date,
        returns: list[tuple[int, str, list[int]]],
        partnership_id: int = partnership.id or 0,
    ) -> int:
        row = t.Review(
            partnership_id=partnership_id,
            reference=f"LOS-{year}-{sequence:03d}",
            year=year,
            sequence=sequence,
            pseudonym=pseudonym,
            reason="Known-answer test review.",
            chair_member_id=chair,
            stage=stage,
            opened_on=opened,
            returns_due_on=date(2026, 6, 22) if stage == "pre_analysis" else opened,
            meeting_on=meeting,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for agency_id, status, assignees in returns:
            ret = t.PreAnalysisReturn(
                review_id=row.id, agency_id=agency_id, status=status, due_on=row.returns_due_on
            )
            session.add(ret)
            session.flush()
            assert ret.id is not None
            session.add_all(t.ReturnAssignee(return_id=ret.id, member_id=m) for m in assignees)
        seeded.reviews[row.reference] = row.id
        return row.id

    def outcome(review_id: int, themes: list[str], meeting: date) -> None:
        session.add(
            t.MeetingOutcome(
                review_id=review_id,
                meeting_on=meeting,
                agreed_themes=themes,
                learning_needs=[
                    "Escalate attendance concerns sooner",
                    "Share health visits",
                    "See the child at every visit",
                ],
                published_at=datetime.combine(meeting, datetime.min.time(), tzinfo=UTC),
            )
        )

    def item(
        review_id: int,
        label: str,
        number: int,
        reference: str,
        agency_id: int,
        owner: int,
        status: str,
        due: date,
        theme: str,
        agreed: date,
        **extra: object,
    ) -> int:
        # Chased as the engine counts: every chaser so far went to its one owner.
        extra.setdefault("owner_chase_count", extra.get("chase_count", 0))
        row = t.ActionItem(
            review_id=review_id,
            number=number,
            reference=reference,
            description=f"SMART action {label}: audit 20 referrals and report to the LIC group.",
            theme=theme,
            owner_member_id=owner,
            agency_id=agency_id,
            agreed_on=agreed,
            due_on=due,
            success_measure="90% escalated within 5 working days.",
            status=status,
            **extra,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        seeded.items[label] = row.id
        return row.id

    feb, may = date(2026, 2, 23), date(2026, 5, 11)
    r1 = review(
        2026,
        1,
        "Child K",
        "actions_open",
        date(2026, 1, 12),
        feb,
        [(police, "signed_off", [pat]), (health, "signed_off", [hana])],
    )
    outcome(r1, ["neglect", "information_sharing"], feb)
    a1 = item(r1, "A1", 1, "LOS-2026-001/A1", police, pat, "open", date(2026, 5, 1), "neglect",
              feb, chase_count=3)  # fmt: skip
    item(r1, "A2", 2, "LOS-2026-001/A2", health, hana, "in_progress", date(2026, 6, 18),
         "neglect", feb)  # fmt: skip
    a3 = item(r1, "A3", 3, "LOS-2026-001/A3", police, pat, "closed", date(2026, 4, 30),
              "information_sharing", feb, evidence_text="Audit report April 2026")  # fmt: skip
    item(r1, "A4", 4, "LOS-2026-001/A4", health, hana, "open", date(2026, 12, 1),
         "information_sharing", feb)  # fmt: skip
    item(r1, "A5", 5, "LOS-2026-001/A5", police, pat, "blocked", date(2026, 12, 1), "neglect",
         feb, blocked_reason="Waiting for the new case system")  # fmt: skip
    session.add_all(
        [
            t.ProgressEntry(
                action_item_id=a1,
                at=datetime(2026, 4, 20, 10, tzinfo=UTC),
                member_id=pat,
                kind="progress",
                note="Drafted the audit tool",
            ),
            t.ProgressEntry(
                action_item_id=a1,
                at=datetime(2026, 3, 2, 10, tzinfo=UTC),
                member_id=pat,
                kind="progress",
                note="Agreed the sample with the data team",
            ),
            t.ProgressEntry(
                action_item_id=a3,
                at=datetime(2026, 4, 29, 10, tzinfo=UTC),
                member_id=pat,
                kind="completed",
                note="Audit done",
            ),
            t.ImpactRecord(
                action_item_id=a3,
                how_much="20 referrals audited",
                how_well="18 of 20 met the standard",
                better_off="Children referred 4 days sooner on average",
                evidence="Re-audit May 2026",
                decision="close",
                minute_reference="LIC-2026-05 item 4",
                meeting_on=date(2026, 5, 20),
                recorded_by=seeded.members[LIC],
                recorded_at=datetime(2026, 5, 20, 12, tzinfo=UTC),
            ),
            t.ChaserLog(
                partnership_id=partnership.id,
                subject_type="action_item",
                subject_id=a1,
                chaser_number=3,
                idempotency_key=f"action_item:{a1}:3",
                kind="escalation",
                recipient="agency_lead",
                attempted_at=datetime(2026, 5, 12, 9, tzinfo=UTC),
                outcome="sent",
            ),
        ]
    )
    guide = t.SevenMinuteGuide(
        review_id=r1,
        sections=[],
        published=True,
        published_at=datetime(2026, 3, 2, tzinfo=UTC),
        state="published",
    )
    session.add(guide)
    session.flush()
    assert guide.id is not None
    session.add(
        t.GuideVersion(
            guide_id=guide.id,
            version=1,
            sections=[],
            approved_by=seeded.members[LIC],
            approver="the LIC group",
            approved_at=datetime(2026, 3, 2, tzinfo=UTC),
        )
    )
    session.add_all(
        [
            t.DisseminationReturn(
                guide_id=guide.id, team="Locality North", used_on=date(2026, 3, 9), staff_count=10
            ),
            t.DisseminationReturn(
                guide_id=guide.id, team="Police PPU", used_on=date(2026, 3, 16), staff_count=15
            ),
        ]
    )

    r2 = review(
        2026, 2, "Child M", "actions_open", date(2026, 4, 6), may, [(health, "signed_off", [hana])]
    )
    outcome(r2, ["neglect", "domestic_abuse"], may)
    item(r2, "B1", 1, "LOS-2026-002/A1", health, hana, "in_progress", date(2026, 3, 2),
         "domestic_abuse", may, revised_due_on=date(2026, 6, 30),
         revised_due_reason="New system go-live moved")  # fmt: skip
    item(r2, "B2", 2, "LOS-2026-002/A2", health, hana, "open", date(2026, 6, 1), "neglect", may,
         chase_count=1)  # fmt: skip
    session.add(t.SevenMinuteGuide(review_id=r2, sections=[], published=False))

    review(
        2026,
        3,
        "Child K",
        "pre_analysis",
        date(2026, 6, 1),
        date(2026, 7, 13),
        [(education, "in_progress", [])],
    )
    r4 = review(
        2025,
        7,
        "Baby L",
        "closed",
        date(2025, 10, 1),
        date(2025, 11, 10),
        [(police, "signed_off", [pat])],
    )
    outcome(r4, ["hidden_adults"], date(2025, 11, 10))
    item(r4, "C1", 1, "LOS-2025-007/A1", police, pat, "closed", date(2026, 1, 30),
         "hidden_adults", date(2025, 11, 10))  # fmt: skip

    # Another partnership: never visible from the first.
    stranger = t.Member(partnership_id=other.id, display_name="Other Owner")
    elsewhere = t.Agency(partnership_id=other.id, name="Other Police", sector="police")
    session.add_all([stranger, elsewhere])
    session.flush()
    other_review = t.Review(
        partnership_id=other.id,
        reference="LOS-2026-001",
        year=2026,
        sequence=1,
        pseudonym="Child Z",
        reason="Elsewhere.",
        stage="actions_open",
        opened_on=date(2026, 1, 5),
        meeting_on=date(2026, 2, 2),
    )
    session.add(other_review)
    session.flush()
    assert other_review.id is not None
    session.add(
        t.ActionItem(
            review_id=other_review.id,
            number=1,
            reference="LOS-2026-001/A1",
            description="Elsewhere",
            theme="neglect",
            owner_member_id=stranger.id,
            agency_id=elsewhere.id,
            agreed_on=date(2026, 2, 2),
            due_on=date(2026, 3, 1),
            status="open",
        )
    )
    return seeded
