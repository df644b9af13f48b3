"""A sign-off (or nil return) chaser tells the agency lead how often *they* were chased: not
the return's lifetime count, which holds its practitioners' chasers, nor the count of a lead
before them. The mechanism is an action item's reassign (`NEW_OWNER`, the owner_chase_count
column of migration 0015): a hand-over to the leads starts it again (`handed_over`), as does a
change of the agency's leads (`LEADS_CHANGED`, storage/directory.py). A return leaving the lead's
wait goes back to its writers' count, the record's lifetime count, which never started again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import cast

import pytest

from domain import chase_engine as ce
from domain.chase_messages import chased_line
from domain.chasers import (
    ANSWERED,
    LEAD_WAIT_STATUSES,
    LEADS_CHANGED,
    NEW_OWNER,
    ChaserPolicy,
    SubjectKind,
    handed_over,
    next_chase,
    sign_off_subject,
)
from domain.model import ReturnStatus
from tests.unit.test_chase_delivery import _Log

POLICY = ChaserPolicy(escalate_after=2, overdue_every=1)
SUBMITTED_AT = datetime(2027, 3, 1, 10, tzinfo=UTC)
LEAD, NEW_LEAD = 7, 8


@pytest.mark.parametrize("before", list(ReturnStatus))
@pytest.mark.parametrize("after", list(ReturnStatus))
def test_only_a_status_change_to_the_leads_starts_a_count(
    before: ReturnStatus, after: ReturnStatus
) -> None:
    enters = after in LEAD_WAIT_STATUSES and before not in LEAD_WAIT_STATUSES
    leaves = before in LEAD_WAIT_STATUSES and after not in LEAD_WAIT_STATUSES
    assert handed_over(before, after) == (NEW_OWNER if enters else ANSWERED if leaves else {})


def test_the_hand_overs_the_returns_take() -> None:
    assert handed_over(ReturnStatus.IN_PROGRESS, ReturnStatus.SUBMITTED) == NEW_OWNER
    assert handed_over(ReturnStatus.NOT_STARTED, ReturnStatus.NIL_PENDING) == NEW_OWNER
    # Sent back, or a nil return declined: the lead has answered, and the writers' count is
    # not started again (they'd be told "your first reminder since this return became yours").
    assert handed_over(ReturnStatus.SUBMITTED, ReturnStatus.RETURNED) == ANSWERED
    assert handed_over(ReturnStatus.NIL_PENDING, ReturnStatus.NOT_STARTED) == ANSWERED
    assert "owner_chase_count" not in ANSWERED
    assert handed_over(ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS) == {}
    assert LEADS_CHANGED == {"owner_chase_count": 0}, "whether answered is the record's"


def _sign_off_chaser(chase_count: int, owner_chases: int | None) -> ce.PlannedChase:
    subject = sign_off_subject(POLICY, SUBMITTED_AT, chase_count, 0, owner_chases)
    planned = next_chase(POLICY, subject, SUBMITTED_AT)
    assert planned is not None
    return planned


def test_the_lead_hears_their_own_count_not_the_practitioners_before_them() -> None:
    # Four chasers went to the practitioners before they submitted: none to the lead.
    first = _sign_off_chaser(4, 0)
    assert first.sequence == 5, "the record's numbering goes on (the chaser log's key)"
    assert first.chased_line == "This is the first reminder about this sign-off."
    third = _sign_off_chaser(6, 2)
    assert third.chased_line == (
        "You have now been chased 3 times about this sign-off, counting this one."
    )
    assert "in all" not in third.chased_line, "the return's count is mostly others' chasers"


def test_a_lead_reached_again_hears_of_their_own_undelivered_chasers_only() -> None:
    third = _sign_off_chaser(6, 2)
    assert third.owner_sequence == 3
    assert chased_line(third, SubjectKind.RETURN_SIGN_OFF, 1) == (
        "This is reminder 3 about this sign-off. 1 of the 2 before it could not be delivered "
        "in Teams."
    )


def _settled(claimed_row: ce.ChaseRow, current: ce.ChaseRow) -> dict[str, object]:
    planned = next_chase(POLICY, claimed_row.subject, SUBMITTED_AT)
    assert planned is not None
    claimed = ce.Claimed(
        claimed_row, planned, ce.key_for(claimed_row, planned.sequence), 1, planned.at, ()
    )
    log = _Log()
    log.rows[claimed.key] = {1: ce.ATTEMPTED}
    log.current = current
    assert ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(True), planned.at) == (
        ce.SENT
    )
    return log.state


def _lead_row(owner_chases: int, leads: tuple[int, ...]) -> ce.ChaseRow:
    subject = sign_off_subject(POLICY, SUBMITTED_AT, 4, 0, owner_chases)
    return ce.ChaseRow(ce.RETURN, 1, 1, subject, leads, (), 1, "LOS-2026-001", "Police")


def test_a_chaser_out_when_the_leads_change_counts_for_the_lead_it_went_to() -> None:
    row = _lead_row(2, (LEAD,))
    assert _settled(row, row)["owner_chase_count"] == 3
    assert _settled(row, replace(row, owner_ids=(LEAD,)))["owner_chase_count"] == 3
    changed = _lead_row(0, (NEW_LEAD,))  # LEADS_CHANGED while the chaser was out
    state = _settled(row, changed)
    assert (state["chase_count"], state["owner_chase_count"]) == (5, 0)


def test_a_practitioners_chaser_out_when_they_submit_is_not_the_leads() -> None:
    subject = ce.ChaseSubject(
        SubjectKind.PRE_ANALYSIS_RETURN,
        ReturnStatus.IN_PROGRESS,
        SUBMITTED_AT.date(),
        chase_count=3,
        owner_chases=3,
    )
    writers = ce.ChaseRow(ce.RETURN, 1, 1, subject, (LEAD + 10,), (), 1, "LOS-2026-001", "Police")
    submitted = _lead_row(0, (LEAD,))  # handed_over set the lead's count to 0
    state = _settled(writers, replace(submitted, subject=replace(submitted.subject, chase_count=3)))
    assert (state["chase_count"], state["owner_chase_count"]) == (4, 0)


def _writers_row(chase_count: int, owner_chases: int | None) -> ce.ChaseRow:
    subject = ce.ChaseSubject(
        SubjectKind.PRE_ANALYSIS_RETURN,
        ReturnStatus.RETURNED,
        SUBMITTED_AT.date(),
        chase_count=chase_count,
        owner_chases=owner_chases,
    )
    return ce.ChaseRow(ce.RETURN, 1, 1, subject, (LEAD + 10,), (), 1, "LOS-2026-001", "Police")


def test_a_lead_chaser_out_when_it_is_sent_back_counts_for_the_writers_too() -> None:
    # The lead's third chaser (5 in all) crossed the send-back: the writers' count is the
    # record's (storage reads none for them), so it goes on with it, not from the lead's.
    state = _settled(_lead_row(2, (LEAD,)), _writers_row(4, None))
    assert (state["chase_count"], state["owner_chase_count"]) == (5, 5)


def test_writers_sent_back_their_return_hear_its_count_not_a_first_reminder() -> None:
    # Six chasers in all (the writers', then the lead's), then sent back: the writers' next.
    subject = _writers_row(6, None).subject
    planned = next_chase(POLICY, subject, SUBMITTED_AT)
    assert planned is not None
    assert planned.earlier_owners == 0
    line = chased_line(planned, SubjectKind.PRE_ANALYSIS_RETURN, 0)
    # Not "This is your first reminder since this return became yours (reminder 7 ...)".
    assert line == "You have now been chased 7 times about this return, counting this one."
