"""The dashboard's and the summary's reviews whose chair left with nobody to act for them
(domain/chair_cover.py), read from the database on SQLite and PostgreSQL: who sees them, and
a partnership only its own."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlmodel import col

from domain import summaries as s
from domain.chair_cover import Cover
from domain.model import Actor
from storage import tables as t
from storage.database import Database
from tests.support.partnership import (
    ADMIN,
    CHAIR,
    LIC,
    PARTNERSHIP_MANAGER,
    PAT,
    POLICE_MANAGER,
    TODAY,
    Seeded,
    seed,
)

ACTOR = Actor("tenant", "aad", "29:x", "Someone")


def _end(db: Database, member_id: int) -> None:
    with db.session() as session, session.begin():
        session.execute(update(t.Member).where(col(t.Member.id) == member_id).values(active=False))


def _board(db: Database, seeded: Seeded, aad: str) -> s.Dashboard:
    member = seeded.member(aad)
    return db.transaction(lambda uow: s.dashboard(uow, ACTOR, member, None, None, TODAY))


def _gaps(db: Database, seeded: Seeded, aad: str) -> list[tuple[str, Cover]]:
    return [(g.reference, g.cover) for g in _board(db, seeded, aad).chair_gaps]


def test_a_chair_who_left_is_named_to_those_who_see_the_whole_partnership(
    migrated: Database,
) -> None:
    seeded = seed(migrated)
    assert _gaps(migrated, seeded, ADMIN) == [], "every chair still has access"
    _end(migrated, seeded.members[CHAIR])
    # Another partnership's review whose chair left too: never shown here.
    with migrated.session() as session, session.begin():
        stranger = session.scalars(
            select(t.Member).where(col(t.Member.partnership_id) == seeded.other_partnership_id)
        ).one()
        session.execute(
            update(t.Review)
            .where(col(t.Review.partnership_id) == seeded.other_partnership_id)
            .values(chair_member_id=stranger.id)
        )
        stranger.active = False
    # The open three (LOS-2025-007 is closed); the admins read the chair's part.
    admins = [(r, Cover.ADMINS) for r in ("LOS-2026-001", "LOS-2026-002", "LOS-2026-003")]
    for aad in (ADMIN, LIC, PARTNERSHIP_MANAGER):
        assert _gaps(migrated, seeded, aad) == admins, aad
    for aad in (POLICE_MANAGER, PAT):  # an agency's or their own view: nothing to do with it
        assert _gaps(migrated, seeded, aad) == [], aad
    first = seeded.reviews["LOS-2026-001"]
    summary = migrated.transaction(
        lambda uow: s.review_summary(uow, ACTOR, seeded.member(LIC), first, TODAY)
    )
    assert summary.chair_gap is not None
    assert (summary.chair_gap.chair_name, summary.chair_gap.cover) == ("Chris Chair", Cover.ADMINS)

    # A deputy chair who can act: that review is no longer named.
    with migrated.session() as session, session.begin():
        session.execute(
            update(t.Review)
            .where(col(t.Review.id) == first)
            .values(deputy_chair_member_id=seeded.members[LIC])
        )
    assert [r for r, _ in _gaps(migrated, seeded, LIC)] == ["LOS-2026-002", "LOS-2026-003"]
    # The deputy's access ends too, and the partnership has no admin: nobody reads any of them.
    _end(migrated, seeded.members[LIC])
    with migrated.session() as session, session.begin():
        session.execute(delete(t.MemberRole).where(col(t.MemberRole.role) == "admin"))
    nobody = [(r, Cover.NOBODY) for r in ("LOS-2026-001", "LOS-2026-002", "LOS-2026-003")]
    board = _board(migrated, seeded, PARTNERSHIP_MANAGER)
    assert [(g.reference, g.cover) for g in board.chair_gaps] == nobody
    assert [g.deputy_left for g in board.chair_gaps] == [True, False, False]
    summary = migrated.transaction(
        lambda uow: s.review_summary(uow, ACTOR, seeded.member(PAT), first, TODAY)
    )
    assert summary.chair_gap is None, "a practitioner is not shown it"
