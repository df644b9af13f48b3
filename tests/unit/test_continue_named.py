"""`continue` typed alone opens the returns a person works on; `continue LOS-2026-009` (walk2)
opens theirs on that review, as its writer or as their agency's lead, or says plainly why
there is none."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select, update

from domain.errors import NotFound
from domain.model import MemberView, ReviewStage
from domain.records import ReturnView
from domain.repositories import UnitOfWork
from domain.returns import (
    ToContinue,
    acts_first,
    all_in,
    reads_beside_line,
    sign_off_beside_line,
    to_continue,
)
from domain.review_flow import returns_to_continue
from storage import tables as t
from storage.database import Database
from tests.support.partnership import CHAIR, HANA, PAT, POLICE_LEAD, Seeded, seed

NEW = "LOS-2026-009"


@pytest.fixture
def world(migrated_sqlite: Database) -> tuple[Database, Seeded, int]:
    """The known partnership, and a review taking returns with Pat writing its police one."""
    s = seed(migrated_sqlite)
    with migrated_sqlite.session() as session, session.begin():
        review = t.Review(
            partnership_id=s.partnership_id,
            reference=NEW,
            year=2026,
            sequence=9,
            pseudonym="Child Q",
            reason="Known-answer test review.",
            chair_member_id=s.members[CHAIR],
            stage="pre_analysis",
            opened_on=date(2026, 6, 1),
            returns_due_on=date(2026, 6, 22),
            meeting_on=date(2026, 7, 13),
        )
        session.add(review)
        session.flush()
        ret = t.PreAnalysisReturn(
            review_id=review.id,
            agency_id=s.agencies["Demo Police"],
            status="in_progress",
            due_on=review.returns_due_on,
        )
        session.add(ret)
        session.flush()
        assert ret.id is not None
        session.add(t.ReturnAssignee(return_id=ret.id, member_id=s.members[PAT]))
    return migrated_sqlite, s, ret.id


def ids(db: Database, s: Seeded, who: str, text: str) -> list[int]:
    found = db.transaction(lambda uow: returns_to_continue(uow, s.member(who), text))
    return [r.id for r in found]


def refusal(db: Database, s: Seeded, who: str, text: str) -> str:
    with pytest.raises(NotFound) as refused:
        db.transaction(lambda uow: returns_to_continue(uow, s.member(who), text))
    return str(refused.value)


def test_continue_alone_or_politely_opens_what_they_work_on(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, return_id = world
    assert ids(db, s, PAT, "") == [return_id]
    assert ids(db, s, PAT, "please") == [return_id]
    assert ids(db, s, POLICE_LEAD, "") == [], "alone, only the returns they are assigned"


@pytest.mark.parametrize("typed", [NEW.lower(), "2026/9", "child q"])
def test_naming_a_review_opens_their_return_on_it(
    world: tuple[Database, Seeded, int], typed: str
) -> None:
    db, s, return_id = world
    assert ids(db, s, PAT, typed) == [return_id]


def test_a_lead_naming_a_review_opens_their_agencys_return(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, return_id = world
    assert ids(db, s, POLICE_LEAD, NEW.lower()) == [return_id]


def test_a_review_they_cannot_see_is_not_found(world: tuple[Database, Seeded, int]) -> None:
    db, s, _ = world
    assert "that you can see" in refusal(db, s, HANA, NEW.lower())
    assert "that you can see" in refusal(db, s, PAT, "los-2026-003")


def test_a_review_past_returns_or_a_return_done_says_so(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, _ = world
    told = refusal(db, s, PAT, "los-2025-007")
    assert told == "LOS-2025-007 (Baby L) is closed, so there's nothing to carry on with."
    told = refusal(db, s, PAT, "los-2026-001")
    assert told == (
        "There's nothing to carry on with on LOS-2026-001 (Child K): the Demo Police return is "
        "signed off."
    )


def test_a_submitted_return_says_its_state_and_points_the_lead_to_sign_offs(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, return_id = world
    with db.session() as session, session.begin():
        session.execute(
            update(t.PreAnalysisReturn)
            .where(t.PreAnalysisReturn.id == return_id)  # type: ignore[arg-type]
            .values(status="submitted")
        )
    told = refusal(db, s, PAT, NEW.lower())
    assert told == (
        f"There's nothing to carry on with on {NEW} (Child Q): the Demo Police return is "
        "submitted: waiting for sign-off."
    )
    assert refusal(db, s, POLICE_LEAD, NEW.lower()).endswith("Type sign-offs to sign it off.")


@pytest.mark.parametrize("typed", ["my return", "where i left off", "my work please"])
def test_ordinary_words_after_continue_open_what_they_work_on(
    world: tuple[Database, Seeded, int], typed: str
) -> None:
    db, s, return_id = world
    assert ids(db, s, PAT, typed) == [return_id]


@pytest.mark.parametrize("typed", ["baby xavier", "Young person W", "z", "2026/99", "los 2026 98"])
def test_a_reference_or_pseudonym_naming_none_they_can_see_is_refused(
    world: tuple[Database, Seeded, int], typed: str
) -> None:
    db, s, _ = world
    assert "I can't find" in refusal(db, s, PAT, typed)


def test_a_pseudonym_near_one_they_can_see_is_asked_about_not_guessed(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, _ = world
    told = refusal(db, s, PAT, "child z")
    # No review is called Child Z: a near miss, not "more than one fits".
    assert told.startswith(
        "No review you can see is called that. Did you mean LOS-2026-009 (Child Q)"
    ), told
    assert "More than one" not in told


def test_two_reviews_of_one_name_are_asked_about_as_an_ambiguity(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, _ = world
    # The chair sees both reviews called Child K (LOS-2026-001 and LOS-2026-003).
    told = refusal(db, s, CHAIR, "child k")
    assert told.startswith("More than one review fits “child k”: LOS-2026-003 (Child K)"), told
    assert "LOS-2026-001 (Child K)" in told
    assert "No review" not in told


# --- a return beside it waiting for their sign-off (the seventh session's Left list) -----------


def _health_return_beside(db: Database, s: Seeded, status: str) -> int:
    """A Demo Health return on LOS-2026-009, beside Pat's police one, in `status`."""
    with db.session() as session, session.begin():
        review_id = session.scalars(
            select(t.Review.id).where(t.Review.reference == NEW)  # type: ignore[arg-type]
        ).one()
        ret = t.PreAnalysisReturn(
            review_id=review_id,
            agency_id=s.agencies["Demo Health"],
            status=status,
            due_on=date(2026, 6, 22),
        )
        session.add(ret)
        session.flush()
        assert ret.id is not None
        session.add(t.ReturnAssignee(return_id=ret.id, member_id=s.members[HANA]))
        return ret.id


def _continuing(db: Database, who: MemberView, text: str) -> ToContinue:
    return db.transaction(lambda uow: to_continue(uow, who, text))


def test_a_lead_opening_one_return_is_told_of_another_there_waiting_for_them(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, police_return = world
    health_return = _health_return_beside(db, s, "submitted")
    # The police lead also covers Demo Health: its submitted return waits for their sign-off.
    lead = replace(s.member(POLICE_LEAD), covered_agency_ids=frozenset({s.agencies["Demo Health"]}))
    found = _continuing(db, lead, NEW.lower())
    assert [r.id for r in found.returns] == [police_return], "the one they read (Pat writes it)"
    assert [r.id for r in found.sign_offs_here] == [health_return]
    assert sign_off_beside_line(found.sign_offs_here[0]) == (
        f"The Demo Health return on {NEW} is waiting for your sign-off."
    )
    # They only read the one it opened: the sign-off, theirs to give, leads (walk8).
    assert found.sign_off_first
    assert reads_beside_line(found.returns[0]) == (
        f"You can also read the Demo Police return on {NEW}, which its practitioners "
        "write. Where it stands: in progress."
    )
    # As the police return's writer too (assigned to it), the same.
    with db.session() as session, session.begin():
        session.add(t.ReturnAssignee(return_id=police_return, member_id=lead.id))
    found = _continuing(db, lead, NEW.lower())
    assert [r.id for r in found.returns] == [police_return]
    assert [r.id for r in found.sign_offs_here] == [health_return]
    assert not found.sign_off_first, "a return they write leads, the sign-off beside it"
    # Typed alone: the return they write, and the sign-off beside it on its review.
    found = _continuing(db, lead, "")
    assert [r.id for r in found.returns] == [police_return]
    assert [r.id for r in found.sign_offs_here] == [health_return]
    assert not found.sign_off_first
    assert not acts_first(lead, found.returns, ()), "nothing waiting: nothing to lead with"


def test_nothing_is_offered_to_whoever_does_not_sign_it_off_or_before_it_is_submitted(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, police_return = world
    health_return = _health_return_beside(db, s, "submitted")
    # Pat writes the police return and leads nothing; the police lead doesn't lead Health.
    assert _continuing(db, s.member(PAT), NEW.lower()).sign_offs_here == ()
    assert _continuing(db, s.member(POLICE_LEAD), NEW.lower()).sign_offs_here == ()
    # Covering Health, but its return still being written: nothing waits for a sign-off.
    lead = replace(s.member(POLICE_LEAD), covered_agency_ids=frozenset({s.agencies["Demo Health"]}))
    with db.session() as session, session.begin():
        session.execute(
            update(t.PreAnalysisReturn)
            .where(t.PreAnalysisReturn.id == health_return)  # type: ignore[arg-type]
            .values(status="in_progress")
        )
    found = _continuing(db, lead, NEW.lower())
    assert sorted(r.id for r in found.returns) == sorted([police_return, health_return])
    assert found.sign_offs_here == ()


def test_continue_on_a_review_whose_returns_are_all_in_says_so_and_what_is_next(
    world: tuple[Database, Seeded, int],
) -> None:
    """walk8: `continue LOS-2026-003`, every return signed off, was titled "That didn't
    work". It is news: what is in, what happens next, and the button that helps."""
    db, s, police_return = world
    _set_status(db, police_return, "signed_off")
    found = _continuing(db, s.member(PAT), NEW.lower())
    assert found.returns == ()
    assert found.all_in is not None
    done = found.all_in
    assert done.title == f"Every return on {NEW} is signed off"
    assert done.lines == (
        f"Nothing is left to write on {NEW} (Child Q).",
        "Next: the chair merges them into the meeting pack for the review meeting on "
        "13 Jul 2026. The review's summary shows where it stands.",
    )
    assert not done.pack, "the pack is the chair's: Pat is offered the summary"
    # Its chair is offered the meeting pack; once the meeting is held, the summary.
    chair = all_in(s.member(CHAIR), done.review, _all(db, s))
    assert chair.pack
    assert chair.lines[1].startswith("Next: the meeting pack")
    held = all_in(s.member(CHAIR), replace(done.review, stage=ReviewStage.ACTIONS_OPEN), [])
    assert not held.pack
    assert "action items are being followed" in held.lines[1]
    # Any other caller of the rule still reads it as nothing to carry on with.
    with pytest.raises(NotFound, match="nothing to carry on with"):
        db.transaction(lambda uow: returns_to_continue(uow, s.member(PAT), NEW.lower()))


def test_returns_in_by_other_ways_are_named_and_one_still_open_is_no_news(
    world: tuple[Database, Seeded, int],
) -> None:
    db, s, police_return = world
    health_return = _health_return_beside(db, s, "nil")
    _set_status(db, police_return, "signed_off")
    done = _continuing(db, s.member(PAT), NEW.lower()).all_in
    assert done is not None
    assert done.title == f"Every return on {NEW} is in"
    # Pat writes the police return only: how Health's was settled is not Pat's to read.
    assert done.lines[0] == (
        f"Nothing is left to write on {NEW} (Child Q): the Demo Police return is signed off."
    )
    # Its chair reads how each was settled.
    chair = all_in(s.member(CHAIR), done.review, _all(db, s))
    assert chair.lines[0] == (
        f"Nothing is left to write on {NEW} (Child Q): the Demo Health return is nil return: "
        "no involvement (confirmed by its lead); the Demo Police return is signed off."
    )
    # Health's return submitted, not yet signed off: not all in, so said as before.
    _set_status(db, health_return, "submitted")
    assert "nothing to carry on with" in refusal(db, s, PAT, NEW.lower())


def _all(db: Database, s: Seeded) -> list[ReturnView]:
    def on(uow: UnitOfWork) -> list[ReturnView]:
        review = uow.reviews.by_reference(s.partnership_id, 2026, 9)
        assert review is not None
        return uow.reviews.returns(review.id)

    return db.transaction(on)


def _set_status(db: Database, return_id: int, status: str) -> None:
    with db.session() as session, session.begin():
        session.execute(
            update(t.PreAnalysisReturn)
            .where(t.PreAnalysisReturn.id == return_id)  # type: ignore[arg-type]
            .values(status=status)
        )


def test_continue_alone_names_sign_offs_where_the_person_has_no_return(
    world: tuple[Database, Seeded, int],
) -> None:
    """Typed alone, `continue` says what waits for the lead's sign-off on reviews where they
    write nothing (only `sign-offs` listed them); naming a review keeps to that review."""
    db, s, _ = world
    health_return = _health_return_beside(db, s, "submitted")
    lead = replace(s.member(POLICE_LEAD), covered_agency_ids=frozenset({s.agencies["Demo Health"]}))
    alone = _continuing(db, lead, "")
    assert [r.id for r in alone.sign_offs_elsewhere] == [health_return]
    assert [r.id for r in alone.offered] == [health_return]
    assert not alone.sign_off_first, "nothing of theirs opened: the list says it, with buttons"
    # Named, the review's own rule (beside it), not said twice.
    named = _continuing(db, lead, NEW.lower())
    assert named.sign_offs_elsewhere == ()
    assert [r.id for r in named.offered] == [health_return]
    # A practitioner who leads nothing: nothing said, and nothing asked of the database.
    assert _continuing(db, s.member(PAT), "").sign_offs_elsewhere == ()
