"""Issue 14: the review and return state machines as data, and the chair's controls.

The stateful test drives random sequences of allowed moves, each made by a party the tables
allow, through the domain's tables and gates (`domain.transitions`, `domain.lifecycle`), over a
model partnership where practitioners and agency leads may be missing. From every reachable
state it checks that nothing is stuck and that the review can still be finished.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cards.common import notice_lines
from domain.errors import FormInvalid, StaleCard
from domain.lifecycle import (
    CONTROLS,
    Control,
    check_stage,
    extension_notices,
    may_manage,
    ready_for_analysis,
    split_reference,
    suggested_extension,
)
from domain.model import MemberView, ReturnStatus, ReviewStage, Role
from domain.records import ReturnView, ReviewView
from domain.reviews import required_reason, validate_details
from domain.transitions import (
    CHAIRING,
    OPEN_STAGES,
    RETURN_MOVES,
    RETURN_SETTLED,
    RETURN_TRANSITIONS,
    REVIEW_ENDS,
    REVIEW_MOVES,
    REVIEW_TRANSITIONS,
    Move,
    Party,
    move_return,
    move_review,
)

RETURN_VIEW = ReturnView(
    id=1,
    partnership_id=1,
    review_id=1,
    reference="LOS-2026-001",
    pseudonym="Child K",
    review_stage=ReviewStage.PRE_ANALYSIS,
    chair_member_id=1,
    agency_id=1,
    agency_name="Demo Police",
    status=ReturnStatus.NOT_STARTED,
    due_on=None,
    current_section=0,
    bank_version="1",
    assignee_ids=frozenset(),
    submitted_at=None,
)
REVIEW_VIEW = ReviewView(
    id=1,
    partnership_id=1,
    reference="LOS-2026-001",
    pseudonym="Child K",
    reason="Concerns.",
    chair_member_id=1,
    stage=ReviewStage.PRE_ANALYSIS,
    opened_on=date(2026, 1, 5),
    returns_due_on=date(2026, 2, 1),
    meeting_on=date(2026, 3, 1),
)


# --- the tables -------------------------------------------------------------------------------


def test_an_extension_to_or_past_the_meeting_warns_the_chair() -> None:
    meeting = REVIEW_VIEW.meeting_on
    assert meeting == date(2026, 3, 1)
    before = extension_notices(replace(RETURN_VIEW, due_on=date(2026, 2, 27)), meeting)
    assert before == ("Due date moved to Fri 27 Feb 2026; the reminders follow the new date.",)
    assert extension_notices(replace(RETURN_VIEW, due_on=date(2026, 3, 9)), None) == (
        "Due date moved to Mon 9 Mar 2026; the reminders follow the new date.",
    )
    on_the_day = extension_notices(replace(RETURN_VIEW, due_on=meeting), meeting)
    assert on_the_day[1].startswith("That is on the day of the meeting on Sun 1 Mar 2026:")
    [moved, warned] = extension_notices(replace(RETURN_VIEW, due_on=date(2026, 3, 9)), meeting)
    assert moved.startswith("Due date moved to Mon 9 Mar 2026")
    assert warned == (
        "That is after the meeting on Sun 1 Mar 2026: the Demo Police return will arrive after "
        "the meeting unless it comes in early or the meeting moves."
    )
    [line] = notice_lines([warned])
    assert line.model_dump(by_alias=True, exclude_none=True, mode="json")["color"] == "attention"


def test_every_move_names_who_makes_it_and_every_state_is_in_the_table() -> None:
    for move in (*REVIEW_MOVES, *RETURN_MOVES):
        assert move.parties, move
    assert set(REVIEW_TRANSITIONS) == set(ReviewStage)
    assert set(RETURN_TRANSITIONS) == set(ReturnStatus)


def test_only_an_admin_reopens_and_cancelled_is_otherwise_terminal() -> None:
    reopen = [m for m in REVIEW_MOVES if m.source is ReviewStage.CANCELLED]
    assert {m.name for m in reopen} == {"reopen"}
    assert all(m.parties == frozenset({Party.ADMIN}) for m in reopen)
    assert REVIEW_TRANSITIONS[ReviewStage.CLOSED] == frozenset()
    for stage in OPEN_STAGES:
        assert move_review(stage, ReviewStage.CANCELLED) is ReviewStage.CANCELLED


@pytest.mark.parametrize("stage", list(ReviewStage))
def test_manage_is_offered_only_where_the_manage_card_opens(stage: ReviewStage) -> None:
    """A closed review's summary offered Manage review, which was then refused."""
    review = replace(REVIEW_VIEW, stage=stage)
    chair = MemberView(1, 1, "aad", "Chair", None, frozenset({Role.CHAIR}))
    admin = MemberView(2, 1, "aad2", "Admin", None, frozenset({Role.ADMIN}))
    opens = stage in CONTROLS[Control.MANAGE].stages
    assert may_manage(chair, review) is opens
    assert may_manage(admin, review) is opens
    assert stage is not ReviewStage.CLOSED or not opens


def test_a_nil_return_is_refused_on_a_submitted_return_by_the_table() -> None:
    assert ReturnStatus.NIL_PENDING not in RETURN_TRANSITIONS[ReturnStatus.SUBMITTED]
    assert ReturnStatus.NIL_PENDING not in RETURN_TRANSITIONS[ReturnStatus.SIGNED_OFF]
    assert move_return(ReturnStatus.NIL_PENDING, ReturnStatus.NIL) is ReturnStatus.NIL


@pytest.mark.parametrize(
    ("statuses", "ready"),
    [
        ((ReturnStatus.SIGNED_OFF, ReturnStatus.NIL), True),
        ((ReturnStatus.PROCEEDED_WITHOUT, ReturnStatus.SIGNED_OFF), True),
        ((ReturnStatus.SIGNED_OFF, ReturnStatus.NIL_PENDING), False),
        ((ReturnStatus.SUBMITTED,), False),
        ((), False),
    ],
)
def test_the_analysis_gate_accepts_signed_off_nil_and_proceeded_without(
    statuses: tuple[ReturnStatus, ...], ready: bool
) -> None:
    returns = [replace(RETURN_VIEW, status=s) for s in statuses]
    assert ready_for_analysis(returns) is ready


def test_a_control_on_a_review_that_moved_on_names_the_stage() -> None:
    review = replace(REVIEW_VIEW, stage=ReviewStage.MEETING)
    with pytest.raises(StaleCard, match="is now at the “Meeting” stage"):
        check_stage(review, Control.NIL_RETURN)
    check_stage(review, Control.EDIT)


def test_typed_controls_keep_the_reason_as_typed() -> None:
    assert split_reference("<at>Line of Sight</at> cancel review LOS-2026-004 because Moved") == (
        "LOS-2026-004",
        "Moved",
    )
    assert split_reference("cancel review") == ("", "")


def test_edits_and_reasons_keep_the_identifier_guard() -> None:
    data = {
        "pseudonym": "Child K",
        "reason": "Concerns at 14 Acacia Avenue, NW1 6XE",
        "meeting_on": "2026-03-01",
    }
    with pytest.raises(FormInvalid) as raised:
        validate_details(data, date(2026, 2, 1))
    said = raised.value.errors["reason"]
    # walk13: the refusal asked for the pseudonym twice; once, and says there's no override.
    assert said.count("the review pseudonym") == 1, said
    assert "Use the pseudonym only" not in said
    assert said.endswith(" This box is never saved with them.")
    with pytest.raises(FormInvalid):
        required_reason("", "Why")
    assert required_reason("  Family moved away. ", "Why") == "Family moved away."


# --- the stateful walk ------------------------------------------------------------------------


@dataclass
class Agency:
    status: ReturnStatus = ReturnStatus.NOT_STARTED
    assigned: bool = False
    lead: bool = True


@dataclass
class Review:
    stage: ReviewStage = ReviewStage.DRAFT
    agencies: list[Agency] = field(default_factory=list)
    open_actions: int = 0
    cancelled_from: ReviewStage | None = None

    def key(self) -> tuple[object, ...]:
        return (
            self.stage,
            self.open_actions,
            self.cancelled_from,
            tuple((a.status, a.assigned, a.lead) for a in self.agencies),
        )

    def copy(self) -> Review:
        return replace(self, agencies=[replace(a) for a in self.agencies])


@dataclass(frozen=True)
class Step:
    """One allowed move: its name, who makes it, on which agency (None: the review)."""

    name: str
    party: Party
    agency: int | None = None


def _present(party: Party, agency: Agency | None) -> bool:
    """Is there someone to make the move? Practitioners and leads may be missing."""
    if party is Party.PRACTITIONER:
        return agency is not None and (agency.assigned or agency.lead)
    if party is Party.AGENCY_LEAD:
        return agency is not None and agency.lead
    return True


def _allowed(control: Control, review: Review) -> bool:
    return review.stage in CONTROLS[control].stages


_RETURN_CONTROLS = {
    "nil_return": Control.NIL_RETURN,
    "proceed_without": Control.PROCEED_WITHOUT,
    "remove_agency": Control.REMOVE_AGENCY,
    "add_agency": Control.ADD_AGENCY,
}
_WRITING = frozenset({ReviewStage.PRE_ANALYSIS})
_SIGNING = frozenset({ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS})


def _return_steps(review: Review, index: int) -> Iterator[Step]:
    agency = review.agencies[index]
    live = sum(a.status is not ReturnStatus.WITHDRAWN for a in review.agencies)
    for move in RETURN_MOVES:
        if move.source is not agency.status:
            continue
        control = _RETURN_CONTROLS.get(move.name)
        if control is not None and not _allowed(control, review):
            continue
        if move.name == "remove_agency" and live <= 1:
            continue  # the last agency is never removed
        parties = move.parties & CHAIRING
        if Party.PRACTITIONER in move.parties and review.stage in _WRITING:
            parties |= {Party.PRACTITIONER}
        if Party.AGENCY_LEAD in move.parties and review.stage in _SIGNING:
            parties |= {Party.AGENCY_LEAD}
        for party in parties:
            if _present(party, agency):
                yield Step(move.name, party, index)
    if _allowed(Control.ASSIGN, review) and agency.status not in RETURN_SETTLED:
        yield Step("assign_practitioner", Party.CHAIR, index)


def _review_steps(review: Review) -> Iterator[Step]:
    for move in REVIEW_MOVES:
        if move.source is not review.stage or move.name in ("returns_complete", "agency_added"):
            continue  # the gate moves the review; adding an agency is an agency step
        if move.name == "assign" and not any(a.assigned for a in review.agencies):
            continue
        if move.name == "actions_closed":
            continue  # the LIC group closes actions one at a time (below)
        if move.name == "reopen" and move.target is not review.cancelled_from:
            continue
        for party in sorted(move.parties):
            yield Step(move.name, party)
    if review.stage is ReviewStage.ACTIONS_OPEN and review.open_actions:
        yield Step("impact_recorded", Party.LIC_MEMBER)
    if _allowed(Control.ADD_AGENCY, review) and len(review.agencies) < 3:
        yield Step("new_agency", Party.CHAIR)


def steps(review: Review) -> list[Step]:
    found = list(_review_steps(review))
    for index in range(len(review.agencies)):
        found.extend(_return_steps(review, index))
    return found


def apply(review: Review, step: Step) -> None:
    """Make the move as the domain does, then let the gate move the review."""
    if step.agency is not None:
        _apply_return(review, step)
    else:
        _apply_review(review, step)
    if review.stage in (ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS):
        live = [
            replace(RETURN_VIEW, status=a.status)
            for a in review.agencies
            if a.status is not ReturnStatus.WITHDRAWN
        ]
        if ready_for_analysis(live):
            review.stage = move_review(review.stage, ReviewStage.ANALYSIS)


def _apply_return(review: Review, step: Step) -> None:
    assert step.agency is not None
    agency = review.agencies[step.agency]
    if step.name == "assign_practitioner":
        agency.assigned = True
        if review.stage is ReviewStage.DRAFT:
            review.stage = move_review(review.stage, ReviewStage.PRE_ANALYSIS)
        return
    move = next(m for m in RETURN_MOVES if m.name == step.name and m.source is agency.status)
    agency.status = move_return(agency.status, move.target)
    if step.name == "add_agency" and review.stage is ReviewStage.ANALYSIS:
        review.stage = move_review(review.stage, ReviewStage.PRE_ANALYSIS)


def _apply_review(review: Review, step: Step) -> None:
    if step.name == "impact_recorded":
        review.open_actions -= 1
        if not review.open_actions:
            review.stage = move_review(review.stage, ReviewStage.CLOSED)
    elif step.name == "new_agency":
        review.agencies.append(Agency())
        if review.stage is ReviewStage.ANALYSIS:
            review.stage = move_review(review.stage, ReviewStage.PRE_ANALYSIS)
    else:
        move = next(m for m in REVIEW_MOVES if _matches(m, step, review))
        if move.target is ReviewStage.CANCELLED:
            review.cancelled_from = review.stage
        review.stage = move_review(review.stage, move.target)
        if move.name == "outcome_published":
            review.open_actions = 2


def _matches(move: Move[ReviewStage], step: Step, review: Review) -> bool:
    if move.name != step.name or move.source is not review.stage:
        return False
    return move.name != "reopen" or move.target is review.cancelled_from


_PREFERRED = (
    "impact_recorded",
    "outcome_published",
    "outcome_saved",
    "approve",
    "nil_confirm",
    "proceed_without",
    "submit",
    "start",
    "resubmit",
    "assign",
    "assign_practitioner",
    "reopen",
)


def can_close(start: Review) -> bool:
    """Depth-first, preferred moves first, never cancelling: can this review be closed?"""
    seen: set[tuple[object, ...]] = set()
    stack = [start.copy()]
    while stack:
        review = stack.pop()
        if review.stage is ReviewStage.CLOSED:
            return True
        if review.key() in seen or len(seen) > 5000:
            continue
        seen.add(review.key())
        options = [s for s in steps(review) if s.name != "cancel"]
        options.sort(key=lambda s: -_PREFERRED.index(s.name) if s.name in _PREFERRED else -99)
        for step in options:
            after = review.copy()
            apply(after, step)
            stack.append(after)
    return False


class ReviewLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.review = Review()

    @initialize(agencies=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=3))
    def open_review(self, agencies: list[tuple[bool, bool]]) -> None:
        # Some agencies have nobody assigned; some have no safeguarding lead at all.
        self.review.agencies = [Agency(assigned=a, lead=lead) for a, lead in agencies]

    @rule(data=st.data())
    def make_an_allowed_move(self, data: st.DataObject) -> None:
        options = steps(self.review)
        if options:
            apply(self.review, data.draw(st.sampled_from(options)))

    @invariant()
    def every_open_review_and_return_has_a_move_towards_its_end(self) -> None:
        review = self.review
        if review.stage in REVIEW_ENDS:
            assert review.stage is ReviewStage.CLOSED or any(
                s.name == "reopen" for s in steps(review)
            )
            return
        options = steps(review)
        assert any(s.name != "cancel" for s in options), review
        if review.stage in (ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS):
            for index, agency in enumerate(review.agencies):
                if agency.status not in RETURN_SETTLED:
                    assert any(s.agency == index for s in options), (index, review)

    @invariant()
    def a_closed_or_cancelled_review_is_reachable(self) -> None:
        review = self.review
        if review.stage is ReviewStage.CANCELLED:
            reopened = review.copy()
            apply(reopened, next(s for s in steps(review) if s.name == "reopen"))
            assert can_close(reopened), review
        elif review.stage is not ReviewStage.CLOSED:
            assert can_close(review), review
            assert Step("cancel", Party.CHAIR) in steps(review)


ReviewLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestReviewLifecycle = ReviewLifecycle.TestCase


@given(st.sampled_from(sorted(OPEN_STAGES)))
def test_cancelling_twice_is_not_a_move(stage: ReviewStage) -> None:
    assert ReviewStage.CANCELLED not in REVIEW_TRANSITIONS[ReviewStage.CANCELLED]
    assert move_review(stage, ReviewStage.CANCELLED) is ReviewStage.CANCELLED


@given(
    due=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 12, 31))),
    today=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_the_extend_form_offers_a_date_its_own_save_accepts(due: date | None, today: date) -> None:
    """walk10: the form was filled with the due date itself, already past, so pressing Extend
    as it stood was refused. What it offers is after today and after the current due date."""
    offered = suggested_extension(due, today)
    assert offered > today
    assert due is None or offered > due
    assert offered.weekday() < 5, "a working day"
