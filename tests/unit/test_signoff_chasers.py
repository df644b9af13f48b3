"""Issue 14, item 2: a return waiting for its agency lead's sign-off is chased after the
policy's `signoff_days`, on working days, and escalates to the chair. A nil return waiting for
its lead's confirmation is chased the same way."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards import actions as action_cards
from cards import verbs
from cards.validation import card_problems
from domain.action_state import Reader
from domain.chasers import (
    DEFAULT_POLICY,
    Audience,
    ChaseKind,
    ChaserPolicy,
    ChaseSubject,
    SubjectKind,
    mark_sent,
    next_chase,
    nil_confirmation_subject,
    on_sweep,
    sign_off_subject,
)
from domain.errors import FormInvalid
from domain.model import ReturnStatus

LONDON = ZoneInfo("Europe/London")


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON).astimezone(UTC)


# Thursday 3 December 2026, mid-morning: three working days later is Tuesday 8 December.
SUBMITTED = london(2026, 12, 3, 10, 30)


def test_the_default_allows_three_working_days() -> None:
    assert DEFAULT_POLICY.signoff_days == 3
    subject = sign_off_subject(DEFAULT_POLICY, SUBMITTED)
    assert subject.kind is SubjectKind.RETURN_SIGN_OFF
    assert subject.due_on.isoformat() == "2026-12-08"


def test_the_lead_is_chased_when_the_policy_period_is_up_not_before() -> None:
    subject = sign_off_subject(DEFAULT_POLICY, SUBMITTED)
    first = next_chase(DEFAULT_POLICY, subject, SUBMITTED)
    assert first is not None
    assert first.at == london(2026, 12, 8, 9, 0), "the start of the third working day after"
    assert first.kind is ChaseKind.OVERDUE
    assert first.recipients == (Audience.OWNER,)
    assert first.headline == "Waiting for your sign-off for 3 working days: submitted Thu 3 Dec."
    assert "sign-off" in first.chased_line
    assert first.what_next == "If there's no update by Fri 11 Dec, I'll chase you again."


def test_weekends_and_bank_holidays_are_skipped() -> None:
    # Wednesday 23 December: Christmas Day and Boxing Day (observed Monday 28th) don't count.
    subject = sign_off_subject(DEFAULT_POLICY, london(2026, 12, 23, 15, 0))
    assert subject.due_on.isoformat() == "2026-12-30"


def test_after_escalate_after_unanswered_chasers_the_chair_is_copied() -> None:
    subject = sign_off_subject(DEFAULT_POLICY, SUBMITTED)
    moment = london(2026, 12, 8, 9, 0)
    for _ in range(DEFAULT_POLICY.escalate_after):
        chase = on_sweep(DEFAULT_POLICY, subject, moment).send
        assert chase is not None
        assert Audience.CHAIR not in chase.recipients
        subject = mark_sent(subject, chase)
        assert chase.following_at is not None
        moment = chase.following_at
    chase = on_sweep(DEFAULT_POLICY, subject, moment).send
    assert chase is not None
    assert chase.recipients == (Audience.OWNER, Audience.CHAIR)


def test_a_signed_off_or_returned_return_is_not_chased_as_a_sign_off() -> None:
    subject = sign_off_subject(DEFAULT_POLICY, SUBMITTED)
    for status in (ReturnStatus.SIGNED_OFF, ReturnStatus.RETURNED):
        assert next_chase(DEFAULT_POLICY, replace(subject, status=status), SUBMITTED) is None


def test_the_policy_value_is_validated_and_kept() -> None:
    assert ChaserPolicy.from_settings({"signoff_days": "5"}).signoff_days == 5
    assert ChaserPolicy.from_settings({}).signoff_days == 3, "older settings take the default"
    with pytest.raises(FormInvalid) as invalid:
        ChaserPolicy.from_settings({"signoff_days": "0"})
    assert "signoff_days" in invalid.value.errors


@given(days=st.integers(1, 20), hour=st.integers(0, 23), offset=st.integers(0, 60))
def test_never_chased_before_the_policy_allows(days: int, hour: int, offset: int) -> None:
    policy = ChaserPolicy(signoff_days=days)
    submitted = london(2026, 1, 5, hour, 0) + (london(2026, 1, 6) - london(2026, 1, 5)) * offset
    subject = sign_off_subject(policy, submitted)
    first = next_chase(policy, subject, submitted)
    assert first is not None
    day = policy.local_date(first.at)
    assert policy.calendar.working_days_between(policy.local_date(submitted), day) == days
    assert policy.calendar.is_working_day(day)


def test_a_nil_return_waiting_for_its_lead_is_chased_like_a_sign_off() -> None:
    subject = nil_confirmation_subject(DEFAULT_POLICY, SUBMITTED)
    assert subject.kind is SubjectKind.NIL_CONFIRMATION
    assert subject.status is ReturnStatus.NIL_PENDING
    first = next_chase(DEFAULT_POLICY, subject, SUBMITTED)
    assert first is not None
    assert first.at == london(2026, 12, 8, 9, 0), "signoff_days working days after it was recorded"
    assert first.kind is ChaseKind.OVERDUE
    assert first.recipients == (Audience.OWNER,)
    assert first.headline == (
        "Waiting for you to confirm a nil return for 3 working days: recorded Thu 3 Dec."
    )
    assert "nil return" in first.chased_line
    moment = first.at
    for _ in range(DEFAULT_POLICY.escalate_after):
        chase = on_sweep(DEFAULT_POLICY, subject, moment).send
        assert chase is not None
        subject = mark_sent(subject, chase)
        assert chase.following_at is not None
        moment = chase.following_at
    chase = on_sweep(DEFAULT_POLICY, subject, moment).send
    assert chase is not None
    assert chase.recipients == (Audience.OWNER, Audience.CHAIR), "above a lead, only the chair"


@pytest.mark.parametrize(
    "status", [ReturnStatus.NIL, ReturnStatus.IN_PROGRESS, ReturnStatus.PROCEEDED_WITHOUT]
)
def test_a_confirmed_or_declined_nil_return_is_not_chased_as_one(status: ReturnStatus) -> None:
    subject = replace(nil_confirmation_subject(DEFAULT_POLICY, SUBMITTED), status=status)
    assert next_chase(DEFAULT_POLICY, subject, SUBMITTED) is None
    assert on_sweep(DEFAULT_POLICY, subject, london(2026, 12, 9, 9, 0)).send is None


def test_someone_copied_in_reads_whom_it_waits_for_not_your() -> None:
    for subject, expected in (
        (
            sign_off_subject(DEFAULT_POLICY, SUBMITTED),
            "Waiting for its agency lead's sign-off for 3 working days: submitted Thu 3 Dec.",
        ),
        (
            nil_confirmation_subject(DEFAULT_POLICY, SUBMITTED),
            "Waiting for its agency lead to confirm a nil return for 3 working days: "
            "recorded Thu 3 Dec.",
        ),
    ):
        chase = next_chase(DEFAULT_POLICY, subject, SUBMITTED)
        assert chase is not None
        assert chase.copy_headline == expected


_KINDS = (
    SubjectKind.PRE_ANALYSIS_RETURN,
    SubjectKind.RETURN_SIGN_OFF,
    SubjectKind.NIL_CONFIRMATION,
)


@pytest.mark.parametrize("kind", _KINDS)
@pytest.mark.parametrize("reader", [Reader.AGENCY_LEAD, Reader.CHAIR, Reader.DEPUTY_CHAIR])
def test_a_return_s_escalation_copy_is_written_for_its_reader(
    kind: SubjectKind, reader: Reader
) -> None:
    subjects = {
        SubjectKind.PRE_ANALYSIS_RETURN: ChaseSubject(
            kind, ReturnStatus.IN_PROGRESS, date(2026, 11, 20), overdue_unanswered=4
        ),
        SubjectKind.RETURN_SIGN_OFF: sign_off_subject(DEFAULT_POLICY, SUBMITTED),
        SubjectKind.NIL_CONFIRMATION: nil_confirmation_subject(DEFAULT_POLICY, SUBMITTED),
    }
    subject = subjects[kind]
    chase = next_chase(DEFAULT_POLICY, subject, SUBMITTED)
    assert chase is not None
    card = action_cards.return_escalation_card(
        "LOS-2026-004", "Demo Police return", chase, 7, kind, reader, 4
    )
    assert card_problems(card) == []
    text = json.dumps(card)
    assert chase.copy_headline in text
    assert "your sign-off" not in text, "not the owner's words"
    assert "Waiting for you" not in text
    for owners_button in (verbs.SIGNOFF_OPEN, verbs.SIGNOFF_APPROVE, verbs.NIL_CONFIRM):
        assert owners_button not in text
    if reader is Reader.AGENCY_LEAD:
        assert verbs.RETURN_OPEN in text
    else:
        assert verbs.REVIEW_AGENCY in text, "the chair's and deputy's controls"
        assert ("deputy chair" in text) is (reader is Reader.DEPUTY_CHAIR)
    assert "could not be reached" not in text, "only when Teams said so"
    unreached = action_cards.return_escalation_card(
        "LOS-2026-004", "Demo Police return", chase, 7, kind, reader, 4, ("Kelly Smith",)
    )
    assert card_problems(unreached) == []
    assert "Kelly Smith could not be reached in Teams" in json.dumps(unreached)
