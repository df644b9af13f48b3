"""The delivery rules of the chaser engine (issue 16): what a key's log says before it is claimed
again, which failures may have delivered a card, and the bounds the sweep relies on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import cast

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.botframework.courier import _may_have_arrived
from bot.botframework.errors import ConnectorUnreachable
from bot.channel import CONNECTOR_TIMEOUT_SECONDS
from bot.pacing import RateLimiter
from domain import chase_engine as ce
from domain.chasers import (
    ChaseKind,
    ChaserPolicy,
    SubjectKind,
    mark_answered,
    mark_sent,
    next_chase,
)
from domain.digest import DIGEST_LEASE
from domain.model import ActionStatus
from tests.unit.test_transport import Clock

OUTCOMES = [
    ce.CLAIMED,
    ce.ATTEMPTED,
    ce.SENT,
    ce.RETRYING,
    ce.FAILED,
    ce.UNREACHABLE,
    ce.DEFERRED,
    ce.UNKNOWN,
    ce.RELEASED,
    ce.EXPIRED,
]


def test_an_open_claim_left_behind_expires_and_an_open_attempt_is_unknown() -> None:
    history = ce.read_history([(1, ce.RETRYING), (2, ce.CLAIMED)])
    assert history.stale == ((2, ce.EXPIRED),)
    assert (history.unknowns, history.failures, history.last_attempt) == (0, 1, 2)
    history = ce.read_history([(1, ce.ATTEMPTED)])
    assert history.stale == ((1, ce.UNKNOWN),)
    assert history.unknowns == 1


def test_released_and_deferred_attempts_are_not_failures() -> None:
    history = ce.read_history([(1, ce.RELEASED), (2, ce.DEFERRED), (3, ce.DEFERRED)])
    assert (history.failures, history.unknowns, history.stale) == (0, 0, ())
    assert not history.delivered


@given(st.lists(st.sampled_from(OUTCOMES), max_size=12))
def test_history_counts_what_the_log_holds(outcomes: list[str]) -> None:
    rows = list(enumerate(outcomes, start=1))
    history = ce.read_history(rows)
    assert history.delivered == (ce.SENT in outcomes)
    assert history.last_attempt == len(outcomes)
    assert history.unknowns == outcomes.count(ce.UNKNOWN) + outcomes.count(ce.ATTEMPTED)
    assert len(history.stale) == outcomes.count(ce.CLAIMED) + outcomes.count(ce.ATTEMPTED)
    assert history.failures == outcomes.count(ce.RETRYING) + outcomes.count(ce.FAILED)


def _unreachable(cause: BaseException) -> ConnectorUnreachable:
    try:
        raise ConnectorUnreachable("POST to the connector failed", cause) from cause
    except ConnectorUnreachable as error:
        return error


@pytest.mark.parametrize(
    ("cause", "may_have_arrived"),
    [
        (TimeoutError(), True),  # the client's timeout: the answer may come later
        (aiohttp.ServerDisconnectedError(), True),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), True),
        (aiohttp.ClientPayloadError("cut"), True),
        (aiohttp.ConnectionTimeoutError(), False),  # never connected
    ],
)
def test_only_failures_after_the_request_left_are_unknown(
    cause: BaseException, may_have_arrived: bool
) -> None:
    assert _may_have_arrived(_unreachable(cause)) is may_have_arrived


def test_failing_to_connect_sent_nothing() -> None:
    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("h", 1, False, True, None, None, None),
        OSError(111, "Connection refused"),
    )
    assert not _may_have_arrived(_unreachable(refused))
    assert not _may_have_arrived(LookupError("no address and no AAD object id"))


def test_wait_for_reports_a_hold_without_booking_anything() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    assert limiter.wait_for("a:1") == 0.0
    limiter.defer("a:1", 320.0)
    assert limiter.wait_for("a:1") == pytest.approx(320.0)
    assert limiter.wait_for("a:1") == pytest.approx(320.0), "asking books no slot"
    assert limiter.wait_for("a:2") == 0.0


def test_a_dead_holders_claims_come_back_within_a_minute_and_a_live_one_keeps_them() -> None:
    # A send may outlast the lease (up to the client timeout): the heartbeat, not the lease's
    # length, keeps a live holder's claims, and three beats may fail before one runs out.
    assert ce.LEASE.total_seconds() <= 60
    assert ce.HEARTBEAT * 4 <= ce.LEASE
    # A digest claim has no heartbeat: its lease outlasts the longest send.
    assert DIGEST_LEASE.total_seconds() > CONNECTOR_TIMEOUT_SECONDS * 2


def _row(chair: int | None, deputy: int | None) -> ce.ChaseRow:
    subject = ce.ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date(2027, 3, 31))
    return ce.ChaseRow(
        ce.ACTION, 1, 1, subject, (7,), (), chair, "LOS-2026-001/A1", "Audit", deputy
    )


@given(
    st.one_of(st.none(), st.integers(1, 9)),
    st.one_of(st.none(), st.integers(1, 9)),
    st.sets(st.integers(1, 9)),
)
def test_the_chair_and_deputy_hear_of_an_undelivered_chaser_unless_they_are_the_missed(
    chair: int | None, deputy: int | None, missed: set[int]
) -> None:
    readers = ce.undelivered_readers(_row(chair, deputy), missed)
    assert len(readers) == len(set(readers)), "one message each"
    assert set(readers) == {m for m in (chair, deputy) if m is not None} - missed


def test_only_a_final_failure_is_reported() -> None:
    assert {ce.UNREACHABLE, ce.FAILED} == ce.REPORTED_TO_CHAIR
    assert not {ce.RETRYING, ce.DEFERRED, ce.UNKNOWN, ce.SENT} & ce.REPORTED_TO_CHAIR


def test_the_sweep_names_each_copys_reader_as_the_message_table_does() -> None:
    """The chaser log's audience of an escalation copy is its reader in
    `domain.chase_messages`, and each names a kind of message the table knows."""
    from domain.action_state import Reader
    from domain.chase_messages import COPY_READS as _COPY_READS
    from domain.chase_messages import MESSAGES, message_for
    from domain.chasers import ChaseKind

    assert set(_COPY_READS) == set(Reader)
    for reader, reads in _COPY_READS.items():
        assert reads.value == reader.value or reader is Reader.LIC
        message = message_for(SubjectKind.ACTION_ITEM, ChaseKind.OVERDUE, reads)
        assert MESSAGES[message].reads is reads


class _LockRecorder:
    """Just enough of a ChaseRepository to see the order a heartbeat or release locks in."""

    def __init__(self, claims: list[ce.Claimed]) -> None:
        self.locked: list[tuple[str, int]] = []
        self._open = {c.key: [(c.attempt, ce.CLAIMED)] for c in claims}

    def lock(self, subject_type: str, record_id: int) -> None:
        self.locked.append((subject_type, record_id))

    def outcomes(self, key: str) -> list[tuple[int, str]]:
        return self._open[key]

    def mark(self, key: str, attempt: int, outcome: str, *, was: str | None = None) -> None:
        self._open[key] = [(attempt, outcome)]

    def stopped(self, subject_type: str, record_id: int) -> bool:
        return False

    def set_state(self, subject_type: str, record_id: int, fields: object) -> None:
        pass


def _claim(subject_type: str, record_id: int) -> ce.Claimed:
    row = replace(_row(1, None), subject_type=subject_type, record_id=record_id)
    at = datetime(2027, 3, 1, 9, tzinfo=UTC)
    chase = ce.PlannedChase(at, ChaseKind.REMINDER, 1, (), "Due soon", "Due soon", "", "", None)
    return ce.Claimed(row, chase, ce.key_for(row, 1), 1, None, ())


def test_the_heartbeat_and_release_lock_in_the_one_order_a_cancel_writes_in() -> None:
    """Claim order (items then returns, each by next chase time) is not the order cancelling a
    review writes its rows in: many locks taken in two orders can deadlock on PostgreSQL."""
    held = [
        _claim(ce.ACTION, 9),
        _claim(ce.ACTION, 2),
        _claim(ce.RETURN, 5),
        _claim(ce.RETURN, 1),
        _claim(ce.ACTION, 4),
    ]
    order = ce.in_lock_order([5, 1], [9, 2, 4])
    assert order == [
        (ce.ACTION, 2),
        (ce.ACTION, 4),
        (ce.ACTION, 9),
        (ce.RETURN, 1),
        (ce.RETURN, 5),
    ]
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    beat = _LockRecorder(held)
    assert ce.renew(cast(ce.ChaseRepository, beat), held, now) == []
    assert beat.locked == order
    given_back = _LockRecorder(held)
    assert ce.release_all(cast(ce.ChaseRepository, given_back), held, now) == [ce.RELEASED] * 5
    assert given_back.locked == order


# --- what an undelivered chaser counts as, and copies once per chaser -------------------------


@pytest.mark.parametrize(
    ("outcome", "counts", "reported"),
    [
        (ce.SENT, True, False),
        # The person didn't hear it: unanswered, so the escalation ladder moves on.
        (ce.UNREACHABLE, True, True),
        (ce.FAILED, True, True),
        (ce.RETRYING, False, False),
        (ce.DEFERRED, False, False),
        (ce.UNKNOWN, False, False),
    ],
)
def test_an_undelivered_chaser_counts_as_unanswered_and_is_reported(
    outcome: str, counts: bool, reported: bool
) -> None:
    assert ce.SETTLES[outcome] == ce.Settles(counts=counts, reported=reported)
    assert (outcome in ce.REPORTED_TO_CHAIR) is reported


class _Log:
    """An in-memory chaser log and record state: enough of a ChaseRepository for settle()
    and the copies."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, str]] = {}
        self.state: dict[str, object] = {}
        # The record as it is now, when settle reads it again (None: as it was claimed).
        self.current: ce.ChaseRow | None = None

    def row(self, subject_type: str, record_id: int) -> ce.ChaseRow | None:
        return self.current

    def policy_settings(self, partnership_id: int) -> dict[str, object]:
        return {}

    def lock(self, subject_type: str, record_id: int) -> None:
        pass

    def stopped(self, subject_type: str, record_id: int) -> bool:
        return False

    def outcomes(self, key: str) -> list[tuple[int, str]]:
        return sorted(self.rows.get(key, {}).items())

    def mark(self, key: str, attempt: int, outcome: str, *, was: str | None = None) -> None:
        self.rows[key][attempt] = outcome

    def log(self, row: object, key: str, attempt: int, *what: object, **flags: object) -> bool:
        # what: kind, recipient, outcome, then the status and detail this fake doesn't keep
        self.rows.setdefault(key, {})[attempt] = str(what[2])
        return True

    def set_state(self, subject_type: str, record_id: int, fields: dict[str, object]) -> None:
        self.state.update(fields)


def _overdue_claim(unanswered: int, log: _Log) -> ce.Claimed:
    subject = ce.ChaseSubject(
        SubjectKind.ACTION_ITEM,
        ActionStatus.OPEN,
        date(2027, 3, 1),
        chase_count=2 + unanswered,
        overdue_unanswered=unanswered,
    )
    row = replace(_row(1, None), subject=subject)
    at = datetime(2027, 3, 10, 9, tzinfo=UTC)
    chase = ce.PlannedChase(at, ChaseKind.OVERDUE, 3 + unanswered, (), "Overdue", "", "", "", at)
    claimed = ce.Claimed(row, chase, ce.key_for(row, chase.sequence), 1, at, ())
    log.rows[claimed.key] = {1: ce.ATTEMPTED}
    return claimed


@pytest.mark.parametrize("outcome", [ce.SENT, ce.UNREACHABLE, ce.FAILED])
def test_a_chaser_done_with_moves_the_count_on_whether_or_not_it_arrived(outcome: str) -> None:
    log = _Log()
    claimed = _overdue_claim(1, log)
    status = 404 if outcome == ce.UNREACHABLE else None
    attempt = ce.Attempt(outcome == ce.SENT, status)
    failures = claimed if outcome != ce.FAILED else replace(claimed, failures=ce.MAX_ATTEMPTS)
    now = datetime(2027, 3, 10, 9, 1, tzinfo=UTC)
    assert ce.settle(cast(ce.ChaseRepository, log), failures, attempt, now) == outcome
    assert log.state["chase_count"] == 4, "the next chaser has the next number (a new key)"
    assert log.state["overdue_chase_count"] == 2, "an overdue chaser unheard is unanswered"
    assert log.state["next_chase_at"] == claimed.next_chase_at, "planned as for any chaser"


def test_a_chaser_to_be_tried_again_keeps_its_count() -> None:
    log = _Log()
    claimed = _overdue_claim(1, log)
    now = datetime(2027, 3, 10, 9, 1, tzinfo=UTC)
    assert ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(False, 503), now) == (
        ce.RETRYING
    )
    assert "chase_count" not in log.state
    assert "overdue_chase_count" not in log.state


def _waiting(unanswered: int, overdue: int) -> ce.ChaseSubject:
    return ce.ChaseSubject(
        SubjectKind.ACTION_ITEM,
        ActionStatus.OPEN,
        date(2027, 3, 1),
        chase_count=3 + unanswered,
        overdue_unanswered=overdue,
        unanswered=unanswered,
    )


def _overdue(subject: ce.ChaseSubject) -> ce.PlannedChase:
    at = datetime(2027, 3, 10, 9, tzinfo=UTC)
    return ce.PlannedChase(
        at, ChaseKind.OVERDUE, subject.chase_count + 1, (), "Overdue", "", "", "", at
    )


class _InterruptedMeanwhile(_Log):
    """The log row was settled `interrupted` after settle read it as held: the write waits for
    that settling, then changes nothing."""

    def log(self, row: object, key: str, attempt: int, *what: object, **flags: object) -> bool:
        self.rows.setdefault(key, {})[attempt] = ce.INTERRUPTED
        return False


def test_a_send_settled_interrupted_meanwhile_is_lost_not_counted() -> None:
    """Second review: settle's hold read the row as `attempted`, the log write found it
    `interrupted` (the chair already told it may not have arrived) and wrote nothing; settle
    still counted the chaser and answered 'sent'."""
    log = _InterruptedMeanwhile()
    claimed = _overdue_claim(2, log)
    now = datetime(2027, 3, 10, 9, 1, tzinfo=UTC)
    assert ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(True), now) == "lost"
    assert log.state == {}, "the record is not counted"
    assert log.rows[claimed.key] == {claimed.attempt: ce.INTERRUPTED}


def test_an_owner_who_answers_while_their_chaser_is_sent_is_not_counted_unanswered() -> None:
    """Review item 4: the counts were the claim's + 1, written over the owner's answer."""
    log = _Log()
    claimed = _overdue_claim(4, log)
    snapshot = replace(claimed.row.subject, unanswered=4)
    claimed = replace(claimed, row=replace(claimed.row, subject=snapshot))
    answered = mark_answered(snapshot)
    log.current = replace(claimed.row, subject=answered)
    now = datetime(2027, 3, 10, 9, 1, tzinfo=UTC)
    assert ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(True), now) == ce.SENT
    assert (log.state["overdue_chase_count"], log.state["unanswered_chase_count"]) == (0, 0)
    assert log.state["chase_count"] == snapshot.chase_count + 1, "one more chaser, whatever"
    planned = next_chase(ChaserPolicy(), answered, now)
    assert planned is not None
    assert log.state["next_chase_at"] == planned.at, "as the answer planned it"


@given(
    unanswered=st.integers(0, 9),
    overdue=st.integers(0, 9),
    answered=st.booleans(),
    chased=st.integers(0, 3),
)
def test_a_chaser_is_counted_from_the_record_as_it_is_when_settled(
    unanswered: int, overdue: int, answered: bool, chased: int
) -> None:
    """Counted from the record as it is now: an answer since the claim answers this chaser
    (the unanswered counts stay as the answer left them); otherwise one more than now. Other
    chasers counted meanwhile (`chased`) are not lost either."""
    claimed = _waiting(unanswered, min(overdue, unanswered))
    now = replace(claimed, chase_count=claimed.chase_count + chased)
    if answered:
        now = mark_answered(now)
    chase = _overdue(claimed)
    after = ce.counted(claimed, now, chase)
    assert after.subject.chase_count == now.chase_count + 1
    if answered and unanswered:
        assert (after.subject.unanswered, after.subject.overdue_unanswered) == (0, 0)
        assert after.replanned
    else:
        assert after.subject == mark_sent(now, chase)
        assert not after.replanned
    if not answered and not chased:
        assert after.subject == mark_sent(claimed, chase), "nothing changed: as before"


def test_a_record_changed_while_its_chaser_was_out_is_planned_afresh() -> None:
    """Its status changed while its overdue chaser was being sent (completed, say, by
    someone other than its owner: the counts untouched): the next chaser is planned afresh for
    the new status, not on the overdue grid the claim planned; the counts go on from now."""
    claimed = _waiting(2, 2)
    completed = replace(claimed, status=ActionStatus.COMPLETED, status_since=date(2027, 3, 10))
    after = ce.counted(claimed, completed, _overdue(claimed))
    assert after.replanned
    assert after.subject.unanswered == 3, "no answer in the counts: one more than now"


def test_an_owner_teams_cant_reach_has_their_lead_then_the_chair_copied() -> None:
    """The policy's ladder over chasers that all fail: the count they move on is the one it
    climbs by, so the lead is asked to help after K, the chair and LIC group after 2K."""
    from domain.chasers import Audience, ChaserPolicy, on_sweep

    policy = ChaserPolicy(escalate_after=2, overdue_every=1)
    subject = ce.ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date(2027, 3, 1))
    moment = datetime(2027, 3, 2, 9, tzinfo=UTC)
    ladder = []
    for _ in range(5):
        outcome = on_sweep(policy, subject, moment)
        assert outcome.send is not None
        assert outcome.next_chase_at is not None
        ladder.append(set(outcome.send.recipients))
        log = _Log()
        row = replace(_row(1, None), subject=subject)
        claimed = ce.Claimed(row, outcome.send, "k", 1, outcome.next_chase_at, ())
        log.rows["k"] = {1: ce.ATTEMPTED}
        ce.settle(cast(ce.ChaseRepository, log), claimed, ce.Attempt(False, 403), moment)
        subject = replace(
            subject,
            chase_count=cast(int, log.state["chase_count"]),
            overdue_unanswered=cast(int, log.state["overdue_chase_count"]),
        )
        moment = outcome.next_chase_at
    owner, lead = {Audience.OWNER}, {Audience.OWNER, Audience.AGENCY_LEAD}
    everyone = {*lead, Audience.CHAIR, Audience.LIC_CHANNEL}
    assert ladder == [owner, owner, lead, lead, everyone]


@pytest.mark.parametrize(
    ("earlier", "sends"),
    [
        ([], True),
        ([ce.DEFERRED], True),  # held back, never sent
        ([ce.DEFERRED, ce.DEFERRED], True),
        ([ce.SENT], False),
        ([ce.FAILED], False),  # reported to the chair once; not sent again
        ([ce.UNKNOWN], False),  # it may have arrived
        ([ce.ATTEMPTED], False),  # its sender died mid-send
        ([ce.RELEASED], True),  # claimed, given back unsent (its card couldn't be written)
        ([ce.RELEASED, ce.SENT], False),
        ([ce.DEFERRED, ce.SENT], False),
        (["a-state-this-release-never-wrote"], False),
    ],
)
def test_a_copy_goes_once_per_chaser_whatever_the_owners_tries(
    earlier: list[str], sends: bool
) -> None:
    assert ce.copy_due(list(enumerate(earlier, start=1))) is sends


def test_an_owner_retry_claims_no_copy_an_earlier_try_sent() -> None:
    log = _Log()
    claimed = _overdue_claim(2, log)
    repo = cast(ce.ChaseRepository, log)
    lead = ce.Copy(ce.copy_key(claimed, "agency_lead", 5), "agency_lead", 5)
    chair = ce.Copy(ce.copy_key(claimed, "chair", 1), "chair", 1)
    assert ce.claim_copies(repo, claimed, [lead, chair], ce.ATTEMPTED) == [lead, chair]
    assert log.outcomes(lead.key) == [(1, ce.ATTEMPTED)], "logged before it goes"
    ce.settle_copies(repo, claimed, [(lead, ce.SENT), (chair, ce.DEFERRED)])
    # The owner's send failed and is tried again: attempt 2 of the same chaser.
    log.rows[claimed.key][1] = ce.RETRYING
    again = replace(claimed, attempt=2)
    log.rows[claimed.key][2] = ce.ATTEMPTED
    assert ce.claim_copies(repo, again, [lead, chair], ce.ATTEMPTED) == [chair]
    assert ce.claim_copies(repo, again, [lead, chair], ce.ATTEMPTED) == [], "once each"
    # A holder whose claim was taken over sends no copy.
    assert ce.claim_copies(repo, claimed, [lead, chair], ce.ATTEMPTED) == []


def _first_chase(policy: ChaserPolicy, subject: ce.ChaseSubject) -> datetime:
    planned = next_chase(policy, subject, datetime(2027, 2, 1, 9, tzinfo=UTC))
    assert planned is not None
    return planned.at


# What each outcome of the owner's send is, as settle() is handed it (after `failures` tries).
_TRIES: dict[str, tuple[ce.Attempt, int]] = {
    ce.SENT: (ce.Attempt(True), 0),
    ce.UNREACHABLE: (ce.Attempt(False, 403), 0),
    ce.FAILED: (ce.Attempt(False, 503), ce.MAX_ATTEMPTS),
    ce.RETRYING: (ce.Attempt(False, 503), 0),
}


@given(st.lists(st.sampled_from([*_TRIES, "answer"]), min_size=1, max_size=14))
def test_a_copy_counts_every_chaser_since_the_last_answer_delivered_or_not(
    events: list[str],
) -> None:
    """The escalation copy's "Chasers unanswered" is every chaser tried since the owner last
    answered (reminders too, delivered or not, the one it goes with included): it said the
    overdue chasers before this one, 2 after five undelivered."""
    from domain.chasers import mark_answered, on_sweep

    policy = ChaserPolicy(escalate_after=1, overdue_every=1, reminder_days_before=1)
    subject = ce.ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date(2027, 3, 3))
    moment = _first_chase(policy, subject)
    since_answer = 0  # chasers done with since the owner last answered: the model
    for event in events:
        if event == "answer":
            subject, since_answer = mark_answered(subject), 0
            continue
        outcome = on_sweep(policy, subject, moment)
        assert outcome.send is not None
        assert outcome.next_chase_at is not None
        row = replace(_row(1, None), subject=subject)
        claimed = ce.Claimed(row, outcome.send, "k", 1, outcome.next_chase_at, ())
        assert ce.unanswered(claimed) == since_answer + 1, "this one included"
        attempt, failures = _TRIES[event]
        log = _Log()
        log.rows["k"] = {1: ce.ATTEMPTED}
        settled = ce.settle(
            cast(ce.ChaseRepository, log), replace(claimed, failures=failures), attempt, moment
        )
        assert settled == event
        if ce.SETTLES[settled].counts:
            since_answer += 1
            assert log.state["unanswered_chase_count"] == since_answer
            subject = replace(
                subject,
                chase_count=cast(int, log.state["chase_count"]),
                overdue_unanswered=cast(int, log.state["overdue_chase_count"]),
                unanswered=cast(int, log.state["unanswered_chase_count"]),
            )
            moment = outcome.next_chase_at
        else:
            assert "unanswered_chase_count" not in log.state, "the same chaser is tried again"


@pytest.mark.parametrize(
    ("chasers", "answered_after", "copy_says"),
    [
        (5, None, 5),  # reminder, due today, three overdue: all five, not "2"
        (4, None, 4),
        (6, None, 6),
        (6, 2, 4),  # an update after the due-today chaser: the four overdue since
        (6, 5, 1),
    ],
)
def test_the_copy_after_undelivered_chasers_says_how_many(
    chasers: int, answered_after: int | None, copy_says: int
) -> None:
    from domain.chasers import mark_answered, mark_sent, on_sweep

    policy = ChaserPolicy(escalate_after=1, overdue_every=1, reminder_days_before=1)
    subject = ce.ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date(2027, 3, 3))
    moment = _first_chase(policy, subject)
    for number in range(1, chasers + 1):
        outcome = on_sweep(policy, subject, moment)
        assert outcome.send is not None
        assert outcome.next_chase_at is not None
        if number == chasers:
            row = replace(_row(1, None), subject=subject)
            claimed = ce.Claimed(row, outcome.send, "k", 1, outcome.next_chase_at, ())
            assert ce.unanswered(claimed) == copy_says
        subject = mark_sent(subject, outcome.send)  # undelivered: counted all the same
        if number == answered_after:
            subject = mark_answered(subject)
        moment = outcome.next_chase_at


def _planned(kind: ChaseKind, sequence: int, line: str) -> ce.PlannedChase:
    at = datetime(2027, 3, 10, 9, tzinfo=UTC)
    return ce.PlannedChase(at, kind, sequence, (), "Overdue", "", line, "", None)


@pytest.mark.parametrize(
    ("kind", "sequence", "undelivered", "says"),
    [
        (ChaseKind.OVERDUE, 6, 0, "You have now been chased 6 times"),
        (
            ChaseKind.OVERDUE,
            6,
            5,
            "This is reminder 6 about this action. The 5 before it could not be delivered "
            "in Teams.",
        ),
        (
            ChaseKind.OVERDUE,
            6,
            2,
            "This is reminder 6 about this action. 2 of the 5 before it could not be "
            "delivered in Teams.",
        ),
        (
            ChaseKind.DUE_TODAY,
            2,
            1,
            "This is reminder 2 about this action. The one before it could not be delivered "
            "in Teams.",
        ),
        (
            ChaseKind.BLOCKED,
            4,
            1,
            "Reminder 4 about this action. Its owner is not chased while it is blocked. "
            "1 of the 3 before it could not be delivered in Teams.",
        ),
    ],
)
def test_an_owner_teams_can_reach_again_is_not_told_of_chasers_that_never_reached_them(
    kind: ChaseKind, sequence: int, undelivered: int, says: str
) -> None:
    """Undelivered chasers count towards escalation, but "You have now been chased 6 times"
    to someone five of them never reached was untrue."""
    from domain.chase_messages import chased_line

    planned = {
        ChaseKind.BLOCKED: (
            f"Reminder {sequence} about this action. Its owner is not chased while it is blocked."
        )
    }.get(kind, f"You have now been chased {sequence} times about this action, counting this one.")
    chase = _planned(kind, sequence, planned)
    line = chased_line(chase, SubjectKind.ACTION_ITEM, undelivered)
    assert line.startswith(says)
    assert ("been chased" in line) is (undelivered == 0)
    claimed = ce.Claimed(_row(1, None), chase, "k", 1, None, (), undelivered_before=undelivered)
    assert ce.owner_chase(claimed).chased_line == line


@pytest.mark.parametrize(
    ("undelivered", "not_sent", "says"),
    [
        (
            2,
            2,
            "This is reminder 3 about this action. The 2 before it were not sent while your "
            "access to Line of Sight was ended.",
        ),
        (
            2,
            1,
            "This is reminder 3 about this action. 1 of the 2 before it could not be delivered "
            "in Teams, and 1 was not sent while your access to Line of Sight was ended.",
        ),
        (
            1,
            1,
            "This is reminder 3 about this action. 1 of the 2 before it was not sent while your "
            "access to Line of Sight was ended.",
        ),
    ],
)
def test_chasers_not_sent_to_a_leaver_are_not_called_a_failure_in_teams(
    undelivered: int, not_sent: int, says: str
) -> None:
    """A chaser the sweep never sent because its owner's access was ended (leavers2's
    `ACCESS_ENDED`) is told to the restored owner as that, not as a failure in Teams."""
    chase = _planned(ChaseKind.DUE_TODAY, 3, "You have now been chased 3 times.")
    claimed = ce.Claimed(
        _row(1, None),
        chase,
        "k",
        1,
        None,
        (),
        undelivered_before=undelivered,
        not_sent_before=not_sent,
    )
    line = ce.owner_chase(claimed).chased_line
    assert line.startswith(says)
    assert ("in Teams" in line) is (undelivered > not_sent)
    assert ("not sent while your access" in line) is (not_sent > 0)
