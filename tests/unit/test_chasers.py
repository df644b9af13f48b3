"""The chaser policy: working days and hours in London, escalation, catch-up, and RAG.

Every moment here is explicit. London is on GMT (UTC+0) in winter and on BST (UTC+1) from the
last Sunday of March to the last Sunday of October, so 09:00 London is 08:00 UTC in summer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.chasers import (
    DEFAULT_POLICY,
    Audience,
    ChaseKind,
    ChaserPolicy,
    ChaseSubject,
    PlannedChase,
    Rag,
    SubjectKind,
    mark_answered,
    mark_sent,
    next_chase,
    on_sweep,
    rag,
)
from domain.errors import FormInvalid
from domain.model import ActionStatus, ReturnStatus

LONDON = ZoneInfo("Europe/London")
OWNER = (Audience.OWNER,)
WITH_LEAD = (Audience.OWNER, Audience.AGENCY_LEAD)
EVERYONE = (Audience.OWNER, Audience.AGENCY_LEAD, Audience.CHAIR, Audience.LIC_CHANNEL)

WED_2_DEC_2026 = date(2026, 12, 2)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def action(
    status: ActionStatus = ActionStatus.OPEN, due: date = WED_2_DEC_2026, **values: Any
) -> ChaseSubject:
    return ChaseSubject(SubjectKind.ACTION_ITEM, status, due, **values)


def agency_return(
    status: ReturnStatus = ReturnStatus.IN_PROGRESS, due: date = WED_2_DEC_2026, **values: Any
) -> ChaseSubject:
    return ChaseSubject(SubjectKind.PRE_ANALYSIS_RETURN, status, due, **values)


def chase(
    subject: ChaseSubject, after: datetime, policy: ChaserPolicy = DEFAULT_POLICY
) -> PlannedChase:
    planned = next_chase(policy, subject, after)
    assert planned is not None
    return planned


# --- the simulation ----------------------------------------------------------------------------

SubjectFactory = Callable[[datetime], ChaseSubject]


def simulate(
    policy: ChaserPolicy,
    subject_factory: SubjectFactory,
    start: datetime,
    end: datetime,
    *,
    outages: Sequence[tuple[datetime, datetime]] = (),
    step: timedelta = timedelta(minutes=15),
) -> list[PlannedChase]:
    """Walk the clock from `start` to `end` as the engine does, and return every chaser sent.

    `subject_factory(now)` gives the record as people have left it at `now` (status, dates,
    impact), with zero counts. The engine keeps the counts: each chaser sent advances them, and
    any change made by a person counts as the owner answering. The sweep runs every `step`,
    except during `outages`.
    """
    people_view = subject_factory(start)
    subject = people_view
    next_chase_at = _at(next_chase(policy, subject, start))
    sent: list[PlannedChase] = []
    now = start
    while now < end:
        now += step
        if any(down <= now < up for down, up in outages):
            continue
        latest = subject_factory(now)
        if latest != people_view:  # someone acted: save it, answer, and re-plan from now
            people_view = latest
            subject = mark_answered(replace(latest, chase_count=subject.chase_count))
            next_chase_at = _at(next_chase(policy, subject, now))
        if next_chase_at is not None and next_chase_at <= now:
            outcome = on_sweep(policy, subject, now)
            if outcome.send is not None:
                sent.append(outcome.send)
                subject = mark_sent(subject, outcome.send)
            next_chase_at = outcome.next_chase_at
    return sent


def _at(planned: PlannedChase | None) -> datetime | None:
    return planned.at if planned else None


def days_of(sent: Sequence[PlannedChase]) -> list[date]:
    return [chaser.at.astimezone(LONDON).date() for chaser in sent]


def fixed(subject: ChaseSubject) -> SubjectFactory:
    return lambda _now: subject


QUARTER_START = utc(2026, 11, 2)  # Mon 2 Nov 2026
QUARTER_END = utc(2027, 2, 1)

# An action item due Wed 2 Dec 2026 that nobody answers, under the default policy:
# a reminder 5 working days before, one on the day, then every 3 working days, stepping over
# Christmas Day, the Boxing Day substitute (Mon 28 Dec) and New Year's Day.
WEDNESDAY_SCHEDULE = [
    date(2026, 11, 25),
    date(2026, 12, 2),
    date(2026, 12, 7),
    date(2026, 12, 10),
    date(2026, 12, 15),
    date(2026, 12, 18),
    date(2026, 12, 23),
    date(2026, 12, 30),
    date(2027, 1, 5),
    date(2027, 1, 8),
    date(2027, 1, 13),
    date(2027, 1, 18),
    date(2027, 1, 21),
    date(2027, 1, 26),
    date(2027, 1, 29),
]


def test_a_quarter_of_an_ignored_action_due_on_a_wednesday() -> None:
    sent = simulate(DEFAULT_POLICY, fixed(action()), QUARTER_START, QUARTER_END)

    assert days_of(sent) == WEDNESDAY_SCHEDULE
    assert all(chaser.at.hour == 9 and chaser.at.minute == 0 for chaser in sent)  # GMT
    assert [chaser.sequence for chaser in sent] == list(range(1, len(sent) + 1))
    kinds = [chaser.kind for chaser in sent]
    assert kinds[:2] == [ChaseKind.REMINDER, ChaseKind.DUE_TODAY]
    assert set(kinds[2:]) == {ChaseKind.OVERDUE}


def test_escalation_reaches_the_lead_after_k_and_the_chair_and_lic_after_2k() -> None:
    sent = simulate(DEFAULT_POLICY, fixed(action()), QUARTER_START, QUARTER_END)
    recipients = {chaser.at.date(): chaser.recipients for chaser in sent}

    assert recipients[date(2026, 11, 25)] == OWNER
    assert recipients[date(2026, 12, 2)] == OWNER
    assert recipients[date(2026, 12, 7)] == OWNER  # overdue 1
    assert recipients[date(2026, 12, 10)] == OWNER  # overdue 2: K = 2 now unanswered
    assert recipients[date(2026, 12, 15)] == WITH_LEAD
    assert recipients[date(2026, 12, 18)] == WITH_LEAD  # 2K = 4 now unanswered
    assert all(recipients[day] == EVERYONE for day in WEDNESDAY_SCHEDULE[6:])


def test_the_card_says_what_happens_next_before_each_escalation() -> None:
    sent = simulate(DEFAULT_POLICY, fixed(action()), QUARTER_START, QUARTER_END)
    by_day = {chaser.at.date(): chaser for chaser in sent}

    assert by_day[date(2026, 11, 25)].what_next == (
        "It's due on Wed 2 Dec. I'll check in with you again that day."
    )
    assert by_day[date(2026, 12, 10)].what_next == (
        "If there's no update by Tue 15 Dec, your agency's safeguarding lead will be asked to help."
    )
    assert by_day[date(2026, 12, 18)].what_next == (
        "If there's no update by Wed 23 Dec, the review chair and the LIC group will be told."
    )
    assert by_day[date(2026, 12, 30)].what_next == (
        "If there's no update by Tue 5 Jan 2027, I'll chase you again."
    )
    assert by_day[date(2026, 12, 10)].chased_line == (
        "You have now been chased 4 times about this action, counting this one."
    )
    assert by_day[date(2026, 12, 10)].headline == "Overdue by 6 working days: it was due Wed 2 Dec."


def test_chasing_stops_exactly_when_the_lic_group_records_impact() -> None:
    completed_at = utc(2026, 12, 16, 11)
    closed_at = utc(2027, 1, 7, 14)

    def life(now: datetime) -> ChaseSubject:
        if now >= closed_at:
            return action(ActionStatus.CLOSED, impact_recorded=True, status_since=date(2027, 1, 7))
        if now >= completed_at:
            return action(ActionStatus.COMPLETED, status_since=date(2026, 12, 16))
        return action()

    sent = simulate(DEFAULT_POLICY, life, QUARTER_START, QUARTER_END)

    assert days_of(sent) == [
        date(2026, 11, 25),
        date(2026, 12, 2),
        date(2026, 12, 7),
        date(2026, 12, 10),
        date(2026, 12, 15),
        # complete on Wed 16 Dec: impact requests every 3 working days from that day
        date(2026, 12, 21),
        date(2026, 12, 24),
        date(2026, 12, 31),
        date(2027, 1, 6),
    ]
    assert [chaser.kind for chaser in sent[5:]] == [ChaseKind.IMPACT_REQUEST] * 4
    assert all(chaser.recipients == OWNER for chaser in sent[5:])


def test_a_long_outage_ends_in_one_catch_up_chaser_not_a_burst() -> None:
    outage = (utc(2026, 11, 20), utc(2026, 12, 11, 14, 10))  # over the reminder and due date

    sent = simulate(
        DEFAULT_POLICY, fixed(action()), QUARTER_START, utc(2026, 12, 24), outages=[outage]
    )

    catch_up = sent[0]
    assert catch_up.at == utc(2026, 12, 11, 14, 15)  # the first sweep after the outage
    assert catch_up.kind is ChaseKind.OVERDUE
    assert catch_up.headline == "Overdue by 7 working days: it was due Wed 2 Dec."
    assert catch_up.sequence == 1
    assert catch_up.what_next == "If there's no update by Fri 18 Dec, I'll chase you again."
    assert catch_up.following_at == utc(2026, 12, 18, 9)
    # Then a full interval of quiet, back on the usual grid (7, 10, 15, 18, 23 Dec).
    assert days_of(sent) == [date(2026, 12, 11), date(2026, 12, 18), date(2026, 12, 23)]


def test_an_outage_ending_after_hours_sends_its_catch_up_at_the_next_start_of_day() -> None:
    outage = (utc(2026, 11, 20), utc(2026, 12, 11, 19, 55))  # back at 20:00 on a Friday

    sent = simulate(
        DEFAULT_POLICY, fixed(action()), QUARTER_START, utc(2026, 12, 24), outages=[outage]
    )

    assert sent[0].at == utc(2026, 12, 14, 9)  # Monday 09:00
    assert days_of(sent) == [date(2026, 12, 14), date(2026, 12, 18), date(2026, 12, 23)]


# --- the rules, one moment at a time -----------------------------------------------------------


def test_the_reminder_goes_n_working_days_before_at_the_start_of_the_day() -> None:
    planned = chase(action(), after=utc(2026, 11, 2))

    assert planned.at == utc(2026, 11, 25, 9)
    assert planned.kind is ChaseKind.REMINDER
    assert planned.sequence == 1
    assert planned.recipients == OWNER
    assert planned.headline == "Due Wed 2 Dec: 5 working days to go."
    assert planned.chased_line == "This is the first reminder about this action."


def test_after_a_chaser_has_gone_the_next_one_is_the_next_slot() -> None:
    assert chase(action(), after=utc(2026, 11, 25, 9, 0)).at == utc(2026, 12, 2, 9)
    assert chase(action(), after=utc(2026, 11, 25, 8, 59)).at == utc(2026, 11, 25, 9)


def test_a_weekend_moment_moves_to_the_next_slot() -> None:
    planned = chase(action(), after=utc(2026, 12, 5, 12))  # Saturday after the due date

    assert planned.at == utc(2026, 12, 7, 9)
    assert planned.kind is ChaseKind.OVERDUE


def test_overdue_chasers_step_over_christmas_2026() -> None:
    due_23_dec = action(due=date(2026, 12, 23))

    assert chase(due_23_dec, after=utc(2026, 12, 23, 10)).at == utc(2026, 12, 30, 9)


def test_a_due_date_on_christmas_day_is_met_on_the_next_working_day() -> None:
    due_christmas = action(due=date(2026, 12, 25))

    reminder = chase(due_christmas, after=utc(2026, 12, 1))
    on_the_day = chase(due_christmas, after=reminder.at)

    assert reminder.at == utc(2026, 12, 18, 9)  # 5 working days before Tue 29 Dec
    assert on_the_day.at == utc(2026, 12, 29, 9)
    assert on_the_day.kind is ChaseKind.DUE_TODAY


def test_easter_2027_and_the_march_clock_change_together() -> None:
    policy = ChaserPolicy(overdue_every=1)
    due_thursday = action(due=date(2027, 3, 25))

    on_the_day = chase(due_thursday, after=utc(2027, 3, 24, 12), policy=policy)
    overdue = chase(due_thursday, after=on_the_day.at, policy=policy)

    assert on_the_day.at == utc(2027, 3, 25, 9)  # GMT
    # Not Good Friday, the weekend (clocks go forward on Sunday 28th) or Easter Monday.
    assert overdue.at == utc(2027, 3, 30, 8)  # 09:00 BST
    assert overdue.headline == "Overdue by 1 working day: it was due Thu 25 Mar."


@pytest.mark.parametrize(
    ("due", "reminder_at", "due_at"),
    [
        # Clocks go back on Sunday 25 Oct 2026: BST on Friday, GMT on Monday.
        (date(2026, 10, 26), utc(2026, 10, 23, 8), utc(2026, 10, 26, 9)),
        # Clocks go forward on Sunday 29 Mar 2026: GMT on Friday, BST on Monday.
        (date(2026, 3, 30), utc(2026, 3, 27, 9), utc(2026, 3, 30, 8)),
    ],
)
def test_nine_in_london_across_the_clock_changes(
    due: date, reminder_at: datetime, due_at: datetime
) -> None:
    policy = ChaserPolicy(reminder_days_before=1)

    reminder = chase(action(due=due), after=due_at - timedelta(days=10), policy=policy)
    on_the_day = chase(action(due=due), after=reminder.at, policy=policy)

    assert reminder.at == reminder_at
    assert on_the_day.at == due_at
    assert on_the_day.at.astimezone(LONDON).hour == 9


def test_a_revised_due_date_starts_a_new_cycle() -> None:
    chased = action(chase_count=4, overdue_unanswered=2)
    revised = replace(chased, revised_due_on=date(2027, 1, 6))

    planned = chase(revised, after=utc(2026, 12, 11, 10))

    # Wed 6 Jan less 5 working days, skipping New Year's Day and the weekend.
    assert planned.at == utc(2026, 12, 29, 9)
    assert planned.kind is ChaseKind.REMINDER
    assert planned.sequence == 5
    assert planned.headline == "Due Wed 6 Jan 2027: 5 working days to go."


def test_with_no_reminder_days_the_first_chaser_is_on_the_due_date() -> None:
    policy = ChaserPolicy(reminder_days_before=0)

    assert chase(action(), after=utc(2026, 11, 2), policy=policy).kind is ChaseKind.DUE_TODAY


def test_working_hours_and_days_come_from_the_policy() -> None:
    policy = ChaserPolicy.from_settings(
        {"work_starts": "08:30", "working_weekdays": "tue,wed,thu,fri,sat"}
    )

    planned = chase(action(due=date(2026, 12, 5)), after=utc(2026, 12, 4, 12), policy=policy)

    assert planned.at == utc(2026, 12, 5, 8, 30)  # a Saturday, which this partnership works
    assert planned.kind is ChaseKind.DUE_TODAY


@pytest.mark.parametrize(
    ("unanswered", "action_recipients", "return_recipients"),
    [
        (0, OWNER, OWNER),
        (1, OWNER, OWNER),
        (2, WITH_LEAD, WITH_LEAD),
        (3, WITH_LEAD, WITH_LEAD),
        (4, EVERYONE, (Audience.OWNER, Audience.AGENCY_LEAD, Audience.CHAIR)),
        (9, EVERYONE, (Audience.OWNER, Audience.AGENCY_LEAD, Audience.CHAIR)),
    ],
)
def test_escalation_thresholds(
    unanswered: int,
    action_recipients: tuple[Audience, ...],
    return_recipients: tuple[Audience, ...],
) -> None:
    after = utc(2026, 12, 8)

    assert chase(action(overdue_unanswered=unanswered), after).recipients == action_recipients
    assert (
        chase(agency_return(overdue_unanswered=unanswered), after).recipients == return_recipients
    )


def test_escalation_follows_k() -> None:
    policy = ChaserPolicy(escalate_after=1)
    after = utc(2026, 12, 8)

    assert chase(action(overdue_unanswered=0), after, policy).recipients == OWNER
    assert chase(action(overdue_unanswered=1), after, policy).recipients == WITH_LEAD
    assert chase(action(overdue_unanswered=2), after, policy).recipients == EVERYONE


def test_the_due_date_chaser_never_escalates() -> None:
    planned = chase(action(overdue_unanswered=9), after=utc(2026, 11, 30))

    assert planned.kind is ChaseKind.DUE_TODAY
    assert planned.recipients == OWNER


def test_answering_resets_escalation() -> None:
    answered = mark_answered(action(chase_count=7, overdue_unanswered=5))

    assert answered.overdue_unanswered == 0
    assert answered.chase_count == 7
    assert chase(answered, after=utc(2026, 12, 8)).recipients == OWNER


def test_mark_sent_counts_only_overdue_chasers_as_unanswered() -> None:
    subject = action()
    reminder = chase(subject, after=utc(2026, 11, 2))
    overdue = chase(subject, after=utc(2026, 12, 8))

    assert mark_sent(subject, reminder).overdue_unanswered == 0
    assert mark_sent(subject, overdue).overdue_unanswered == 1
    assert mark_sent(subject, overdue).chase_count == 1


def test_a_return_escalates_to_the_chair_but_not_the_lic_group() -> None:
    planned = chase(agency_return(overdue_unanswered=3), after=utc(2026, 12, 8))

    assert planned.what_next == "If there's no update by Tue 15 Dec, the review chair will be told."
    assert planned.chased_line == "This is the first reminder about this return."


def test_completed_items_are_asked_for_impact_every_m_working_days() -> None:
    completed = action(ActionStatus.COMPLETED, status_since=date(2026, 12, 16), chase_count=5)

    first = chase(completed, after=utc(2026, 12, 16, 11))
    second = chase(mark_sent(completed, first), after=first.at)

    assert (first.at, second.at) == (utc(2026, 12, 21, 9), utc(2026, 12, 24, 9))
    assert first.kind is ChaseKind.IMPACT_REQUEST
    assert first.headline == "Marked complete on Wed 16 Dec: what difference has it made?"
    assert first.what_next == (
        "I'll ask again on Thu 24 Dec unless the LIC group has recorded the impact by then."
    )


def test_kept_open_after_impact_is_chased_against_its_due_date_again() -> None:
    kept_open = action(
        ActionStatus.IN_PROGRESS, impact_recorded=True, revised_due_on=date(2027, 1, 20)
    )

    assert chase(kept_open, after=utc(2027, 1, 11)).kind is ChaseKind.REMINDER


@pytest.mark.parametrize(
    "subject",
    [
        action(ActionStatus.CLOSED, impact_recorded=True),
        action(ActionStatus.CANCELLED),
        action(ActionStatus.COMPLETED, impact_recorded=True, status_since=date(2026, 12, 1)),
        agency_return(ReturnStatus.SUBMITTED),
        agency_return(ReturnStatus.SIGNED_OFF),
    ],
    ids=["closed", "cancelled", "impact-recorded", "submitted", "signed-off"],
)
def test_chasing_stops(subject: ChaseSubject) -> None:
    assert next_chase(DEFAULT_POLICY, subject, utc(2026, 12, 8)) is None
    assert on_sweep(DEFAULT_POLICY, subject, utc(2026, 12, 8, 10)).send is None


@pytest.mark.parametrize("status", [ReturnStatus.NOT_STARTED, ReturnStatus.RETURNED])
def test_returns_not_yet_submitted_are_chased(status: ReturnStatus) -> None:
    assert chase(agency_return(status), after=utc(2026, 12, 8)).kind is ChaseKind.OVERDUE


def test_blocked_items_remind_the_chair_not_the_owner() -> None:
    blocked = action(ActionStatus.BLOCKED, status_since=date(2026, 12, 8), overdue_unanswered=5)

    planned = chase(blocked, after=utc(2026, 12, 8, 15))

    assert planned.at == utc(2026, 12, 11, 9)
    assert planned.kind is ChaseKind.BLOCKED
    assert planned.recipients == (Audience.CHAIR,)
    assert planned.headline == "Blocked since Tue 8 Dec."
    assert planned.what_next == "I'll remind you again on Wed 16 Dec while it stays blocked."


def test_escalated_items_remind_the_chair_until_they_decide() -> None:
    escalated = action(ActionStatus.ESCALATED, status_since=date(2026, 12, 8), overdue_unanswered=5)

    planned = chase(escalated, after=utc(2026, 12, 8, 15))

    assert planned.at == utc(2026, 12, 11, 9)
    assert planned.kind is ChaseKind.ESCALATED
    assert planned.recipients == (Audience.CHAIR,), "the owner is not chased: it is the chair's"
    assert planned.headline.startswith("Escalated to you by the LIC group on Tue 8 Dec")
    assert planned.what_next == "I'll remind you again on Wed 16 Dec until you decide."
    later = on_sweep(DEFAULT_POLICY, escalated, utc(2026, 12, 16, 9))
    assert later.send is not None
    assert later.send.recipients == (Audience.CHAIR,)


def test_a_sweep_outside_working_hours_holds_the_chaser_for_the_morning() -> None:
    outcome = on_sweep(DEFAULT_POLICY, action(), utc(2026, 12, 11, 19))  # Friday evening

    assert outcome.send is None
    assert outcome.next_chase_at == utc(2026, 12, 14, 9)


def test_a_sweep_before_the_cycle_starts_only_re_plans() -> None:
    # A stale next_chase_at: the due date moved and the record was not re-planned.
    outcome = on_sweep(DEFAULT_POLICY, action(due=date(2027, 3, 3)), utc(2026, 12, 8, 10))

    assert outcome.send is None
    assert outcome.next_chase_at == utc(2027, 2, 24, 9)


def test_a_catch_up_on_the_due_date_says_due_today() -> None:
    outcome = on_sweep(DEFAULT_POLICY, action(chase_count=1), utc(2026, 12, 2, 15, 30))

    assert outcome.send is not None
    assert outcome.send.kind is ChaseKind.DUE_TODAY
    assert outcome.send.at == utc(2026, 12, 2, 15, 30)
    assert outcome.send.sequence == 2
    assert outcome.next_chase_at == utc(2026, 12, 7, 9)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_chase(DEFAULT_POLICY, action(), datetime(2026, 12, 1, 9))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ChaseSubject(SubjectKind.ACTION_ITEM, ReturnStatus.SUBMITTED, WED_2_DEC_2026),
        lambda: action(chase_count=-1),
        lambda: action(ActionStatus.COMPLETED),
        lambda: action(ActionStatus.BLOCKED),
    ],
    ids=["status-of-the-wrong-kind", "negative-count", "completed-undated", "blocked-undated"],
)
def test_impossible_subjects_are_refused(make: Callable[[], ChaseSubject]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the messages are for developers
        make()


# --- the policy an admin edits -----------------------------------------------------------------


def test_the_defaults_are_the_issues() -> None:
    assert DEFAULT_POLICY.to_settings() == {
        "reminder_days_before": 5,
        "overdue_every": 3,
        "escalate_after": 2,
        "signoff_days": 3,
        "work_starts": "09:00",
        "work_ends": "17:00",
        "time_zone": "Europe/London",
        "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
    }


def test_settings_round_trip_and_fill_in_missing_keys() -> None:
    policy = ChaserPolicy(
        reminder_days_before=10, overdue_every=5, working_weekdays=frozenset({0, 2})
    )

    assert ChaserPolicy.from_settings(policy.to_settings()) == policy
    assert ChaserPolicy.from_settings({}) == DEFAULT_POLICY
    assert ChaserPolicy.from_settings({"from_a_newer_release": True}) == DEFAULT_POLICY


def test_card_input_arrives_as_text() -> None:
    policy = ChaserPolicy.from_settings(
        {
            "reminder_days_before": "3",
            "work_starts": "08:30",
            "working_weekdays": "mon,Tuesday, wed",
        }
    )

    assert policy.reminder_days_before == 3
    assert policy.to_settings()["work_starts"] == "08:30"
    assert policy.working_weekdays == frozenset({0, 1, 2})


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        ({"reminder_days_before": 31}, "reminder_days_before", "0 to 30 working days"),
        ({"reminder_days_before": "soon"}, "reminder_days_before", "0 to 30 working days"),
        ({"overdue_every": 0}, "overdue_every", "every 1 to 20 working days"),
        ({"escalate_after": 11}, "escalate_after", "after 1 to 10 unanswered"),
        ({"work_starts": "18:00"}, "work_ends", "must end after it starts (18:00)"),
        ({"work_starts": "10:00", "work_ends": "10:00"}, "work_ends", "must end after it starts"),
        ({"work_starts": "05:00"}, "work_starts", "between 06:00 and 22:00"),
        ({"work_ends": "lunchtime"}, "work_ends", "like 17:00"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "I don't know the time zone 'Mars/Olympus'"),
        ({"working_weekdays": ""}, "working_weekdays", "at least one working day"),
        ({"working_weekdays": ["mon", "funday"]}, "working_weekdays", "at least one working day"),
        ({"working_weekdays": [["mon"]]}, "working_weekdays", "at least one working day"),
    ],
)
def test_bad_settings_are_explained_per_field(
    settings: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(FormInvalid) as raised:
        ChaserPolicy.from_settings(settings)

    assert list(raised.value.errors) == [field]
    assert message in raised.value.errors[field]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(FormInvalid) as raised:
        ChaserPolicy.from_settings({"overdue_every": 0, "escalate_after": 0, "time_zone": ""})

    assert set(raised.value.errors) == {"overdue_every", "escalate_after", "time_zone"}


def test_a_policy_cannot_be_changed_in_place() -> None:
    with pytest.raises(ValueError, match="frozen"):
        DEFAULT_POLICY.overdue_every = 1  # type: ignore[misc]


# --- RAG ---------------------------------------------------------------------------------------

MON_23_NOV = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("status", "today", "impact", "expected"),
    [
        (ActionStatus.OPEN, date(2026, 11, 24), False, Rag.GREEN),  # 6 working days to go
        (ActionStatus.OPEN, date(2026, 11, 25), False, Rag.AMBER),  # the reminder day
        (ActionStatus.IN_PROGRESS, WED_2_DEC_2026, False, Rag.AMBER),  # due today
        (ActionStatus.IN_PROGRESS, date(2026, 12, 3), False, Rag.RED),  # overdue
        (ActionStatus.BLOCKED, MON_23_NOV, False, Rag.RED),
        (ActionStatus.ESCALATED, MON_23_NOV, False, Rag.RED),  # not yet due, but with the chair
        (ActionStatus.COMPLETED, date(2027, 1, 4), False, Rag.GREEN),  # done late, awaiting LIC
        (ActionStatus.COMPLETED, date(2027, 1, 4), True, Rag.BLUE),
        (ActionStatus.CLOSED, date(2027, 1, 4), True, Rag.BLUE),
        (ActionStatus.IN_PROGRESS, date(2026, 12, 3), True, Rag.RED),  # kept open by the LIC
        (ActionStatus.CANCELLED, date(2027, 1, 4), False, None),
        (ReturnStatus.NOT_STARTED, date(2026, 12, 3), False, Rag.RED),
        (ReturnStatus.SUBMITTED, date(2026, 12, 3), False, Rag.GREEN),
        (ReturnStatus.SIGNED_OFF, date(2026, 12, 3), False, Rag.BLUE),
    ],
)
def test_rag(
    status: ActionStatus | ReturnStatus, today: date, impact: bool, expected: Rag | None
) -> None:
    assert rag(status, WED_2_DEC_2026, today, impact) == expected


def test_rag_due_on_a_weekend_is_not_overdue_until_after_monday() -> None:
    due_saturday = date(2026, 12, 5)

    assert rag(ActionStatus.OPEN, due_saturday, date(2026, 12, 7), False) is Rag.AMBER
    assert rag(ActionStatus.OPEN, due_saturday, date(2026, 12, 8), False) is Rag.RED


def test_rag_warning_window_follows_the_policy() -> None:
    assert rag(ActionStatus.OPEN, WED_2_DEC_2026, MON_23_NOV, False, warning_days=10) is Rag.AMBER
    assert rag(ActionStatus.OPEN, WED_2_DEC_2026, MON_23_NOV, False, warning_days=0) is Rag.GREEN


def test_the_owners_own_assessment_can_only_make_rag_worse() -> None:
    on_track = rag(
        ActionStatus.IN_PROGRESS, WED_2_DEC_2026, MON_23_NOV, False, self_assessment=Rag.AMBER
    )
    overdue = rag(
        ActionStatus.IN_PROGRESS,
        WED_2_DEC_2026,
        date(2026, 12, 3),
        False,
        self_assessment=Rag.GREEN,
    )

    assert on_track is Rag.AMBER
    assert overdue is Rag.RED
