"""Properties of the chaser policy for any policy an admin can save, any due date from 2026 to
2028 and any moment: chasers land on working days inside working hours, strictly in the future,
never stop early, are numbered in order and only ever widen their escalation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.chasers import (
    Audience,
    ChaseKind,
    ChaserPolicy,
    ChaseSubject,
    PlannedChase,
    SubjectKind,
    next_chase,
    on_sweep,
)
from domain.model import ActionStatus, ReturnStatus
from tests.unit.test_chasers import simulate

LONDON = ZoneInfo("Europe/London")
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2028, 12, 31)
# Each call is microseconds once the bank holiday tables are cached; the deadline only has to
# absorb that first build and a busy CI machine.
FAST = settings(max_examples=200, deadline=timedelta(seconds=2))
SIMULATED = settings(max_examples=60, deadline=timedelta(seconds=5))

LIVE_ACTION = (
    ActionStatus.OPEN,
    ActionStatus.IN_PROGRESS,
    ActionStatus.BLOCKED,
    ActionStatus.ESCALATED,
)
DATED = (ActionStatus.COMPLETED, ActionStatus.BLOCKED, ActionStatus.ESCALATED)

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2028, 12, 31, 23, 59),
    timezones=st.sampled_from([UTC, LONDON]),
)
quarter_hours = st.integers(min_value=6 * 4, max_value=22 * 4)


@st.composite
def policies(draw: st.DrawFn) -> ChaserPolicy:
    start, end = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2, unique=True)))
    return ChaserPolicy(
        reminder_days_before=draw(st.integers(0, 30)),
        overdue_every=draw(st.integers(1, 20)),
        escalate_after=draw(st.integers(1, 10)),
        work_starts=time(start // 4, start % 4 * 15),
        work_ends=time(end // 4, end % 4 * 15),
        working_weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
    )


@st.composite
def subjects(
    draw: st.DrawFn, statuses: st.SearchStrategy[ActionStatus | ReturnStatus] | None = None
) -> ChaseSubject:
    any_status = st.sampled_from([*ActionStatus, *ReturnStatus])
    status = draw(statuses if statuses is not None else any_status)
    kind = (
        SubjectKind.ACTION_ITEM
        if isinstance(status, ActionStatus)
        else SubjectKind.PRE_ANALYSIS_RETURN
    )
    return ChaseSubject(
        kind=kind,
        status=status,
        due_on=draw(days),
        revised_due_on=draw(st.none() | days),
        chase_count=draw(st.integers(0, 40)),
        overdue_unanswered=draw(st.integers(0, 40)),
        impact_recorded=draw(st.booleans()),
        status_since=draw(days if status in DATED else st.none() | days),
    )


def assert_in_working_time(policy: ChaserPolicy, moment: datetime) -> None:
    local = moment.astimezone(LONDON)
    assert policy.calendar.is_working_day(local.date()), local
    assert policy.work_starts <= local.time() < policy.work_ends, local


@FAST
@given(policies(), subjects(), moments)
def test_the_next_chase_is_in_working_time_and_strictly_after(
    policy: ChaserPolicy, subject: ChaseSubject, after: datetime
) -> None:
    planned = next_chase(policy, subject, after)
    if planned is None:
        return
    assert planned.at > after
    assert planned.at.utcoffset() == timedelta(0)
    assert_in_working_time(policy, planned.at)
    assert planned.sequence == subject.chase_count + 1
    assert planned.headline
    assert planned.what_next


@FAST
@given(policies(), subjects(st.sampled_from(LIVE_ACTION)), moments)
def test_live_action_items_are_always_chased(
    policy: ChaserPolicy, subject: ChaseSubject, after: datetime
) -> None:
    assert next_chase(policy, subject, after) is not None


@FAST
@given(policies(), subjects(st.just(ActionStatus.COMPLETED)), moments)
def test_completed_items_are_chased_until_impact_is_recorded(
    policy: ChaserPolicy, subject: ChaseSubject, after: datetime
) -> None:
    planned = next_chase(policy, subject, after)

    assert (planned is None) == subject.impact_recorded
    assert planned is None or planned.kind is ChaseKind.IMPACT_REQUEST


@FAST
@given(policies(), subjects(), moments)
def test_a_sweep_sends_only_in_working_time_and_always_plans_ahead(
    policy: ChaserPolicy, subject: ChaseSubject, now: datetime
) -> None:
    outcome = on_sweep(policy, subject, now)

    if outcome.send is not None:
        assert outcome.send.at == now
        assert_in_working_time(policy, now)
    if outcome.next_chase_at is not None:
        assert outcome.next_chase_at > now
        assert_in_working_time(policy, outcome.next_chase_at)


@SIMULATED
@given(
    policies(),
    subjects(st.sampled_from([ActionStatus.OPEN, ReturnStatus.NOT_STARTED])),
    st.dates(min_value=FIRST_DAY, max_value=date(2028, 9, 30)),
    st.none() | st.tuples(st.integers(0, 40), st.integers(1, 30)),
)
def test_a_simulated_quarter_is_orderly(
    policy: ChaserPolicy,
    subject: ChaseSubject,
    first_day: date,
    outage_days: tuple[int, int] | None,
) -> None:
    start = datetime.combine(first_day, time(0), tzinfo=UTC)
    outages = []
    if outage_days is not None:
        down = start + timedelta(days=outage_days[0], hours=5, minutes=45)
        outages.append((down, down + timedelta(days=outage_days[1], hours=7)))
    subject = ChaseSubject(subject.kind, subject.status, first_day + timedelta(days=30))

    sent = simulate(
        policy, lambda _now: subject, start, start + timedelta(days=91), outages=outages
    )

    assert [chaser.sequence for chaser in sent] == list(range(1, len(sent) + 1))
    for chaser in sent:
        assert_in_working_time(policy, chaser.at)
    local_days = [chaser.at.astimezone(LONDON).date() for chaser in sent]
    assert len(set(local_days)) == len(local_days), "two chasers on one day is a burst"
    assert_escalation_only_widens(sent)
    if not outages:  # each chaser names the moment of the next, as its card promises
        assert [chaser.following_at for chaser in sent[:-1]] == [chaser.at for chaser in sent[1:]]


def assert_escalation_only_widens(sent: list[PlannedChase]) -> None:
    overdue = [set(chaser.recipients) for chaser in sent if chaser.kind is ChaseKind.OVERDUE]
    for earlier, later in itertools.pairwise(overdue):
        assert earlier <= later
    assert all(Audience.OWNER in recipients for recipients in overdue)
