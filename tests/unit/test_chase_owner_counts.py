"""Chasers counted per owner: after a reassign the new owner is told their own count (and the
record's in all), the chair and the reports read both, and the undelivered chasers and the
unanswered count an owner's card and copies say are that owner's alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import chase_engine as ce
from domain.chase_messages import chased_line
from domain.chasers import (
    ANSWERED,
    NEW_OWNER,
    ChaseKind,
    ChaserPolicy,
    PlannedChase,
    SubjectKind,
    Tally,
    mark_answered,
    mark_new_owner,
    mark_sent,
    next_chase,
    on_sweep,
    owner_line,
)
from domain.model import ActionStatus, ReturnStatus
from domain.summaries import chased_text, since_owner
from tests.unit.test_chase_delivery import _Log

POLICY = ChaserPolicy(escalate_after=2, overdue_every=1, reminder_days_before=1)
OWNER, NEW = 7, 8


def _subject() -> ce.ChaseSubject:
    return ce.ChaseSubject(
        SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date(2027, 3, 3), owner_chases=0
    )


def _first_chase(subject: ce.ChaseSubject) -> datetime:
    planned = next_chase(POLICY, subject, datetime(2027, 2, 1, 9, tzinfo=UTC))
    assert planned is not None
    return planned.at


def test_a_new_owner_resets_the_columns_mark_new_owner_starts_again() -> None:
    assert set(NEW_OWNER) == {*ANSWERED, "owner_chase_count"}
    assert all(value == 0 for value in NEW_OWNER.values())
    subject = replace(_subject(), chase_count=5, overdue_unanswered=3, unanswered=4, owner_chases=5)
    moved = mark_new_owner(subject)
    assert (moved.chase_count, moved.chased_owner, moved.unanswered) == (5, 0, 0)
    assert moved.overdue_unanswered == 0
    assert mark_answered(subject).chased_owner == 5, "an answer keeps the owner's count"


def test_a_record_whose_owner_count_was_never_kept_counts_every_chaser_as_its_owners() -> None:
    # A return (or a record read without the column): `owner_chases` None, all the owner's.
    subject = replace(_subject(), chase_count=4, owner_chases=None)
    assert subject.tally == Tally(4, 4)
    assert mark_sent(subject, _overdue(subject)).tally == Tally(5, 5)


# Events on an item: a chaser done with (delivered or not), an answer, a reassign.
EVENTS = st.lists(st.sampled_from(["send", "send", "send", "answer", "reassign"]), max_size=14)


@given(EVENTS)
def test_every_chaser_counts_for_the_record_and_for_the_owner_it_went_to(events: list[str]) -> None:
    """A model of the counts over sends, answers and reassigns: the record's count is every
    chaser; the owner's, those since the last reassign; the unanswered, those since the last
    answer or reassign; and each planned chaser's words say the owner's number."""
    subject = _subject()
    moment = _first_chase(subject)
    total = owner = unanswered = 0
    for event in events:
        if event == "answer":
            subject, unanswered = mark_answered(subject), 0
            continue
        if event == "reassign":
            subject, owner, unanswered = mark_new_owner(subject), 0, 0
            continue
        outcome = on_sweep(POLICY, subject, moment)
        assert outcome.send is not None
        assert outcome.next_chase_at is not None
        chase = outcome.send
        assert (chase.sequence, chase.owner_sequence) == (total + 1, owner + 1)
        assert chase.earlier_owners == total - owner
        line = chase.chased_line
        if owner == total:
            assert "became yours" not in line
            assert str(total + 1) in line or total == 0
        else:
            assert "became yours" in line
            assert f"reminder {total + 1} about it in all" in line
            assert owner == 0 or f"chased {owner + 1} times" in line
        subject = mark_sent(subject, chase)
        total, owner, unanswered = total + 1, owner + 1, unanswered + 1
        moment = outcome.next_chase_at
        assert subject.tally == Tally(total, owner)
        assert subject.unanswered == unanswered


@given(st.integers(1, 12), st.integers(0, 12))
def test_the_owners_line_names_their_count_and_the_records_only_after_a_reassign(
    total: int, before: int
) -> None:
    before = min(before, total - 1)
    tally = Tally(total, total - before)
    line = owner_line(tally, "action")
    if before == 0:
        assert "in all" not in line
        assert line.startswith(
            "This is the first reminder" if total == 1 else f"You have now been chased {total}"
        )
    else:
        assert f"reminder {total} about it in all" in line
        if tally.owner == 1:
            assert line.startswith("This is your first reminder since this action became yours")
        else:
            assert line.startswith(f"You have now been chased {tally.owner} times since")


def test_an_owner_count_is_some_of_the_records() -> None:
    with pytest.raises(ValueError, match="some of the record's"):
        Tally(2, 3)
    # A stored owner count above the record's (never written so) reads as the record's.
    assert replace(_subject(), chase_count=2, owner_chases=9).chased_owner == 2


def _overdue(subject: ce.ChaseSubject, line: str = "") -> PlannedChase:
    at = datetime(2027, 3, 10, 9, tzinfo=UTC)
    return PlannedChase(
        at,
        ChaseKind.OVERDUE,
        subject.chase_count + 1,
        (),
        "Overdue",
        "",
        line,
        "",
        at,
        earlier_owners=subject.tally.before_owner,
    )


def test_a_new_owner_reached_again_hears_of_their_own_undelivered_chasers_only() -> None:
    subject = replace(_subject(), chase_count=5, owner_chases=2)  # reminder 6, their third
    chase = _overdue(subject, owner_line(subject.tally.after(), "action"))
    assert chase.chased_line == (
        "You have now been chased 3 times since this action became yours, counting this one "
        "(reminder 6 about it in all)."
    )
    assert chased_line(chase, SubjectKind.ACTION_ITEM, 1) == (
        "This is reminder 3 since this action became yours (6 about it in all). "
        "1 of the 2 before it could not be delivered in Teams."
    )
    # Never more undelivered than the owner's own chasers before this one.
    assert "The 2 before it" in chased_line(chase, SubjectKind.ACTION_ITEM, 5)


class _Repo:
    """Enough of a ChaseRepository for claim(): one due record and its logged outcomes."""

    def __init__(self, row: ce.ChaseRow, outcomes: dict[str, list[tuple[int, str]]]) -> None:
        self._row, self._outcomes = row, outcomes
        self.state: dict[str, object] = {}

    def due(self, now: datetime, limit: int) -> list[ce.ChaseRow]:
        return [self._row]

    def policy_settings(self, partnership_id: int) -> dict[str, object]:
        return {}  # the default policy

    def outcomes(self, key: str) -> list[tuple[int, str]]:
        return self._outcomes.get(key, [])

    def outcomes_of(self, keys: list[str]) -> dict[str, list[tuple[int, str]]]:
        return {k: self._outcomes[k] for k in keys if k in self._outcomes}

    def log(self, *args: object, **flags: object) -> bool:
        return True

    def set_state(self, subject_type: str, record_id: int, fields: dict[str, object]) -> None:
        self.state.update(fields)


@pytest.mark.parametrize(
    ("owner_chases", "undelivered_before", "previous_undelivered"),
    [
        (5, 5, True),  # never reassigned: every chaser before was theirs, none delivered
        (2, 2, True),  # reassigned after 3: only their own 2
        (0, 0, False),  # just reassigned: the 5 went to the previous owner
    ],
)
def test_a_claim_counts_the_undelivered_chasers_of_the_owner_it_goes_to(
    owner_chases: int, undelivered_before: int, previous_undelivered: bool
) -> None:
    subject = replace(_subject(), chase_count=5, owner_chases=owner_chases)
    row = ce.ChaseRow(ce.ACTION, 1, 1, subject, (NEW,), (), 1, "LOS-2026-001/A1", "Audit")
    lost = {ce.key_for(row, n): [(1, ce.UNREACHABLE)] for n in range(1, 6)}
    repo = _Repo(row, lost)
    planned = next_chase(ChaserPolicy(), subject, datetime(2027, 3, 20, 9, tzinfo=UTC))
    assert planned is not None
    now = planned.at
    [claimed] = ce.claim(cast(ce.ChaseRepository, repo), now, 10)
    assert claimed.chase.sequence == 6
    assert claimed.chase.owner_sequence == owner_chases + 1
    assert claimed.undelivered_before == undelivered_before
    assert claimed.previous_undelivered is previous_undelivered
    card = ce.owner_chase(claimed).chased_line
    assert ("could not be delivered" in card) is (undelivered_before > 0)


def test_a_chaser_out_when_the_item_is_reassigned_counts_for_the_record_not_the_new_owner() -> None:
    claimed = replace(_subject(), chase_count=4, owner_chases=4, unanswered=3)
    chase = _overdue(claimed)
    now = mark_new_owner(claimed)  # reassigned while the chaser was being sent
    moved = ce.counted(claimed, now, chase, same_owner=False).subject
    assert moved.tally == Tally(5, 0), "the previous owner's chaser"
    assert moved.unanswered == 0, "the reassign answered it"
    stayed = ce.counted(claimed, claimed, chase).subject
    assert stayed.tally == Tally(5, 5)
    assert stayed.unanswered == 4


def test_settle_counts_a_chaser_for_the_owners_it_was_claimed_for() -> None:
    subject = replace(_subject(), chase_count=4, owner_chases=4, unanswered=3)
    row = ce.ChaseRow(ce.ACTION, 1, 1, subject, (OWNER,), (), 1, "LOS-2026-001/A1", "Audit")
    moved = replace(row, owner_ids=(NEW,), subject=mark_new_owner(subject))
    chase = _overdue(subject)
    claimed = ce.Claimed(row, chase, ce.key_for(row, chase.sequence), 1, chase.at, ())
    for current, owner in ((row, 5), (moved, 0)):
        log = _Log()
        log.rows[claimed.key] = {1: ce.ATTEMPTED}
        log.current = current
        assert ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(True), chase.at) == (
            ce.SENT
        )
        assert (log.state["chase_count"], log.state["owner_chase_count"]) == (5, owner)


@given(st.integers(0, 9), st.one_of(st.none(), st.integers(0, 9)))
def test_the_reports_say_both_counts_only_when_they_differ(
    count: int, owner_count: int | None
) -> None:
    text = chased_text(count, owner_count, "Police Lead (demo)")
    assert text.startswith(chased_text(count))
    differ = owner_count is not None and owner_count < count
    assert ("since Police Lead (demo) took it on" in text) is differ
    assert (since_owner(count, owner_count) is not None) is differ


def test_the_reports_wording_after_a_reassign() -> None:
    assert chased_text(5, 2, "Police Lead (demo)") == (
        "chased 5 times (2 since Police Lead (demo) took it on)"
    )
    assert chased_text(1, 0, None) == "chased once (none since its owner took it on)"
    assert chased_text(3, 3, "Police Lead (demo)") == "chased 3 times"


@pytest.mark.parametrize(
    "writers_now",
    [
        (NEW, OWNER),  # the same writers, read in another order (no ORDER BY)
        (OWNER, NEW, 9),  # a co-writer added while the chaser was out
    ],
)
def test_a_returns_chaser_counts_for_its_writers_whoever_writes_it_now(
    writers_now: tuple[int, ...],
) -> None:
    # Only an action item's reassign starts its owner's count again (NEW_OWNER); a return's
    # writers changing never does, so its owner count must go on with the record's, or its
    # writers are told "since this return became yours" of a count that never restarted.
    subject = ce.ChaseSubject(
        SubjectKind.PRE_ANALYSIS_RETURN,
        ReturnStatus.IN_PROGRESS,
        date(2027, 3, 3),
        chase_count=4,
        owner_chases=4,
        unanswered=3,
    )
    row = ce.ChaseRow(ce.RETURN, 1, 1, subject, (OWNER, NEW), (), 1, "LOS-2026-001", "Police")
    current = replace(row, owner_ids=writers_now)
    chase = _overdue(subject)
    claimed = ce.Claimed(row, chase, ce.key_for(row, chase.sequence), 1, chase.at, ())
    log = _Log()
    log.rows[claimed.key] = {1: ce.ATTEMPTED}
    log.current = current
    assert ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(True), chase.at) == ce.SENT
    assert (log.state["chase_count"], log.state["owner_chase_count"]) == (5, 5)
