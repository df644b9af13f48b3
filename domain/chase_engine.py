"""The chaser engine's rules around the pure policy: claiming due records, the idempotency
key, settling a delivery attempt, and re-planning after a change.

Delivery is at least once, with a bound on repeats. Each attempt is one `chaser_log` row per
(key, attempt) that moves through `claimed` → `attempted` (just before the first send) → `sent`,
`retrying`, `failed`, `unreachable`, `deferred` (a Retry-After gave the claim back), `unknown`
(the request may have reached Teams but no answer says so) or `released` (a shutdown gave the
claim back unsent). A claim pushes `next_chase_at` forward by a lease, which the holder renews
while it works; a holder checks it still holds the claim before it sends and before it
settles. If a process dies, the lease runs out and the record is claimed again with the same
key: a `claimed` row left behind was never sent (`expired`, sent normally); an `attempted` one
may have been (`unknown`): it is resent once, marked as possibly repeated, and never again. A
key already logged as sent is never sent again. A chaser that can't be delivered (`unreachable`,
or `failed` every try) is done with all the same, and counts as unanswered (`SETTLES`).

The escalation copies of a chaser (and its reports to the chair) go once per chaser and reader,
on their own keys (`copy_key`), however often the owner's send is tried (`claim_copies`).

Any send still `attempted` longer than a send can take (`STALE_AFTER`) lost its sender
mid-send: a copy, a report, or an owner's chaser whose record was not claimed again. The next
sweep settles it as `interrupted` (`settle_interrupted`): it may or may not have arrived, so it
is not sent again, and the tracker's history says so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final, Protocol

from domain import chair_cover
from domain.chase_messages import Reads, chased_line, counted_from
from domain.chasers import (
    ANSWERED,
    Audience,
    ChaseKind,
    ChaserPolicy,
    ChaseSubject,
    PlannedChase,
    SubjectKind,
    mark_answered,
    mark_sent,
    next_chase,
    on_sweep,
)
from domain.errors import FormInvalid

# A claim's lease is short, so the claims of an instance killed mid-sweep (kill -9, a lost
# node: no chance to give them back) are claimed by another instance within a minute, not
# after five. A live holder never lets it run out however slow its sends are: its heartbeat
# renews every held claim this often, so three beats in a row must fail (the database out of
# reach for half a minute) before another instance could take one over.
LEASE = timedelta(seconds=45)
HEARTBEAT = timedelta(seconds=10)
MAX_ATTEMPTS = 6
# An unknown outcome is resent this many times at most: each resend may be a second copy.
MAX_UNKNOWN_RESENDS = 1
# A send logged `attempted` longer ago than this has no live sender: the process stopped
# mid-send (killed, crashed, restarted). A live sender holds a row attempted for at most one
# chaser's sends: its owners', then each copy and report in turn, each at most the pacing wait
# (bot/scheduler.py MAX_SEND_WAIT_SECONDS, 10 s) and two connector calls (a 401 is sent once
# more; bot/channel.py CONNECTOR_TIMEOUT_SECONDS, 60 s): 130 s a send, so two hours covers
# over fifty sends (tests/unit/test_chase_interrupted.py ties it to those constants).
STALE_AFTER = timedelta(hours=2)

CLAIMED = "claimed"
ATTEMPTED = "attempted"
SENT = "sent"
RETRYING = "retrying"
FAILED = "failed"
UNREACHABLE = "unreachable"
DEFERRED = "deferred"
UNKNOWN = "unknown"
RELEASED = "released"
EXPIRED = "expired"
# An unknown outcome of its own kind: the sender stopped while sending (crash, kill, restart),
# so nothing says whether it arrived. Never sent again; counted like `unknown` where counted.
INTERRUPTED = "interrupted"
# Not sent: every owner's access has ended (`owners_gone`). Nothing to try again; the chair
# (and, for an action item, its agency's leads) hear at once that it needs a new owner.
ACCESS_ENDED = "access_ended"
# The log's kind of an escalation copy (the tracker's escalation history reads these).
ESCALATION = "escalation"
ACTION = "action_item"
RETURN = "pre_analysis_return"


@dataclass(frozen=True)
class ChaseRow:
    subject_type: str
    record_id: int
    partnership_id: int
    subject: ChaseSubject
    owner_ids: tuple[int, ...]
    lead_ids: tuple[int, ...]
    chair_id: int | None
    reference: str
    title: str
    # Copied in wherever the chair is: the deputy has the chair's controls (issue 14).
    deputy_id: int | None = None
    # The review is cancelled: nobody is chased (a completed item's impact chasers go on
    # after its review closes, so a closed review is not stopped).
    stopped: bool = False
    # Of `owner_ids`, those whose access an admin ended (domain/directory.py end_access).
    ended_ids: tuple[int, ...] = ()
    # The chair's (and the deputy chair's) access ended: what is meant for them goes to whoever
    # can act on it instead (`chair_readers`).
    chair_ended: bool = False
    deputy_ended: bool = False
    # The partnership's admins, read only where the chair left with no deputy who can read
    # it (`chair_readers`): they can name a deputy chair or reassign the work.
    admin_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class OpenSend:
    """One chaser log row still `attempted`: a send begun and never settled."""

    key: str
    attempt: int
    kind: str
    recipient: str  # "owner", or the reader of a copy or report
    subject_type: str
    record_id: int
    attempted_at: datetime


class ChaseRepository(Protocol):
    def due(self, now: datetime, limit: int) -> list[ChaseRow]:
        """Records whose next chaser has come, locked against other instances' sweeps."""
        ...

    def row(self, subject_type: str, record_id: int) -> ChaseRow | None: ...

    def set_state(self, subject_type: str, record_id: int, fields: Mapping[str, Any]) -> None: ...

    def delivered(self, key: str) -> bool: ...

    def attempts(self, key: str) -> int: ...

    def outcomes_of(self, keys: Sequence[str]) -> Mapping[str, list[tuple[int, str]]]:
        """`outcomes` of several keys in one read (a key never logged is left out)."""
        ...

    def outcomes(self, key: str) -> list[tuple[int, str]]:
        """(attempt, outcome) of every logged attempt at this key, in attempt order."""
        ...

    def lock(self, subject_type: str, record_id: int) -> None:
        """Hold the record's row until the transaction ends, so checking a claim and acting on
        it can't interleave with another instance's claim (no-op where writes serialise)."""
        ...

    def stopped(self, subject_type: str, record_id: int) -> bool:
        """Whether the record's review is cancelled, read afresh: called with the record held,
        it sees a cancel that wrote the record before us (the cancel holds the review, then
        writes its returns and items), and a later cancel writes the record after us."""
        ...

    def mark(self, key: str, attempt: int, outcome: str, *, was: str | None = None) -> None:
        """Change one logged attempt's outcome, keeping the rest of its row; with `was`, only
        if its outcome is still that."""
        ...

    def attempted_before(self, cutoff: datetime, limit: int) -> list[OpenSend]:
        """Sends logged `attempted` at or before `cutoff` (the log's own clock), locked against
        another instance's sweep (skipped if it holds them)."""
        ...

    def opened_at(self, key: str) -> datetime | None:
        """When the key's latest attempt was logged, if it is still open (claimed or
        attempted)."""
        ...

    def log(
        self,
        row: ChaseRow,
        key: str,
        attempt: int,
        kind: str,
        recipient: str,
        outcome: str,
        status: int | None = None,
        detail: str | None = None,
        *,
        possibly_repeated: bool = False,
    ) -> bool:
        """Log an attempt, or write what became of one already logged: never over an
        `interrupted` row (settle_interrupted told the chair it may not have arrived). False
        when it wrote nothing for that reason."""
        ...

    def access_ended_told(self, row: ChaseRow) -> bool:
        """Whether a notice that this record's owners' access ended (`ACCESS_ENDED_NOTICE`)
        was sent, to anyone, since the latest of their accesses ended (a restore and a second
        leaving start again; a notice that failed tells nobody)."""
        ...

    def policy_settings(self, partnership_id: int) -> Mapping[str, object]: ...

    def save_policy_settings(self, partnership_id: int, settings: Mapping[str, object]) -> None: ...


def policy_for(chases: ChaseRepository, partnership_id: int) -> ChaserPolicy:
    try:
        return ChaserPolicy.from_settings(chases.policy_settings(partnership_id))
    except FormInvalid:
        # A stored policy that no longer validates must not stop chasing: use the defaults.
        return ChaserPolicy()


def key_for(row: ChaseRow, sequence: int) -> str:
    return f"{row.subject_type}:{row.record_id}:{sequence}"


@dataclass(frozen=True)
class Claimed:
    row: ChaseRow
    chase: PlannedChase
    key: str
    attempt: int
    next_chase_at: datetime | None
    audiences: tuple[Audience, ...]
    # Earlier failed attempts at this key (the back-off and the give-up count only these).
    failures: int = 0
    # A resend after an unknown outcome: the owner may get this chaser twice.
    possibly_repeated: bool = False
    # The record's chaser before this one never reached its owner (unreachable, or failed every
    # try): an owner this one can't reach either is one Teams can't reach, whatever the status.
    # Only the owner's own (`counted_from`): a previous owner's says nothing of this one.
    previous_undelivered: bool = False
    # How many of the owner's chasers before this one (since they took it on) never reached
    # them: the owner's card says so rather than count them as times they were chased
    # (`owner_chase`).
    undelivered_before: int = 0
    # Of those, how many were not sent at all because the owner's access had ended
    # (`ACCESS_ENDED`): the card says so, not that Teams failed to deliver them.
    not_sent_before: int = 0


@dataclass(frozen=True)
class KeyHistory:
    """What the log says about one idempotency key, read before claiming it again."""

    delivered: bool
    last_attempt: int
    failures: int
    unknowns: int
    # Attempts a dead or stopped holder left open, and what they turn out to be.
    stale: tuple[tuple[int, str], ...]


def read_history(rows: Sequence[tuple[int, str]]) -> KeyHistory:
    """Rows are (attempt, outcome). Only called for a due record: any claim still open on it
    has lost its lease, so its holder is gone."""
    stale = tuple(
        (attempt, EXPIRED if outcome == CLAIMED else UNKNOWN)
        for attempt, outcome in rows
        if outcome in (CLAIMED, ATTEMPTED)
    )
    outcomes = [o for _, o in rows]
    return KeyHistory(
        delivered=SENT in outcomes,
        last_attempt=max((a for a, _ in rows), default=0),
        failures=sum(o in (RETRYING, FAILED) for o in outcomes),
        unknowns=sum(o in (UNKNOWN, INTERRUPTED) for o in outcomes)
        + sum(o == UNKNOWN for _, o in stale),
        stale=stale,
    )


def claim(chases: ChaseRepository, now: datetime, limit: int) -> list[Claimed]:
    claimed = []
    for row in chases.due(now, limit):
        if row.stopped:
            # Cancelled while a claim of it was out: the holder's write put it back in the way.
            chases.set_state(row.subject_type, row.record_id, {"next_chase_at": None})
            continue
        policy = policy_for(chases, row.partnership_id)
        outcome = on_sweep(policy, row.subject, now)
        if outcome.send is None:
            chases.set_state(
                row.subject_type, row.record_id, {"next_chase_at": outcome.next_chase_at}
            )
            continue
        key = key_for(row, outcome.send.sequence)
        history = read_history(chases.outcomes(key))
        if history.delivered:
            # Sent before a crash stopped the bookkeeping: record it, never send it again.
            _record_chased(chases, row, outcome.send, outcome.next_chase_at, now)
            continue
        for attempt, found in history.stale:
            chases.mark(key, attempt, found)
        if history.unknowns > MAX_UNKNOWN_RESENDS:
            # Possibly delivered twice already: a third try could only add copies.
            _record_chased(chases, row, outcome.send, outcome.next_chase_at, now, UNKNOWN)
            continue
        repeat = history.unknowns > 0
        undelivered, not_sent = _undelivered(chases, row, outcome.send)
        attempt = history.last_attempt + 1
        kind = outcome.send.kind.value
        chases.log(row, key, attempt, kind, "owner", CLAIMED, possibly_repeated=repeat)
        chases.set_state(row.subject_type, row.record_id, {"next_chase_at": now + LEASE})
        claimed.append(
            Claimed(
                row,
                outcome.send,
                key,
                attempt,
                outcome.next_chase_at,
                outcome.send.recipients,
                history.failures,
                repeat,
                # A chaser not sent while the owner's access was ended says nothing of
                # whether Teams can reach them.
                outcome.send.sequence - 1 in undelivered - not_sent,
                len(undelivered),
                len(not_sent),
            )
        )
    return claimed


def unanswered(claimed: Claimed) -> int:
    """What an escalation copy of `claimed` says of "Chasers unanswered": every chaser since
    the owner last answered, reminders too, delivered or not, this one included (the copy goes
    with it). It was the overdue chasers before this one: 2 after five unanswered."""
    return mark_sent(claimed.row.subject, claimed.chase).unanswered


def _undelivered(
    chases: ChaseRepository, row: ChaseRow, chase: PlannedChase
) -> tuple[frozenset[int], frozenset[int]]:
    """The chasers before `chase` given up on without reaching their owner: since the owner
    took the record on (`counted_from`), as its card counts them; an earlier owner's
    undelivered chasers say nothing of whether Teams can reach this one. Second, those of
    them not sent at all because the owner's access had ended."""
    first = counted_from(chase)
    keys = {key_for(row, number): number for number in range(first, chase.sequence)}
    found = chases.outcomes_of(list(keys)) if keys else {}
    outcomes = {keys[key]: {o for _, o in rows} for key, rows in found.items()}
    undelivered = frozenset(n for n, seen in outcomes.items() if never_delivered(seen))
    return undelivered, frozenset(n for n in undelivered if ACCESS_ENDED in outcomes[n])


def never_delivered(outcomes: Collection[str]) -> bool:
    """Whether a chaser's logged outcomes say it was given up on without reaching anyone."""
    # ACCESS_ENDED: nothing was sent; an owner whose access is restored is not told they were
    # chased by reminders they never got.
    return SENT not in outcomes and bool(set(outcomes) & {FAILED, UNREACHABLE, ACCESS_ENDED})


def owner_chase(claimed: Claimed) -> PlannedChase:
    """The chaser as its card tells the one chased: its count of times chased honest about
    the earlier chasers that never reached them (`chase_messages.chased_line`)."""
    chase = claimed.chase
    line = chased_line(
        chase, claimed.row.subject.kind, claimed.undelivered_before, claimed.not_sent_before
    )
    return replace(chase, chased_line=line)


def holds(chases: ChaseRepository, claimed: Claimed, *states: str) -> bool:
    """Whether this claim is still the key's latest attempt, in one of `states`: another
    instance that claimed the record after our lease ran out has logged a later one, or
    marked ours. Locks the record first, as a claim does, so the answer holds until commit."""
    chases.lock(claimed.row.subject_type, claimed.row.record_id)
    rows = chases.outcomes(claimed.key)
    return bool(rows) and rows[-1][0] == claimed.attempt and rows[-1][1] in states


def begin(chases: ChaseRepository, claimed: Claimed, now: datetime) -> bool:
    """Just before the first send: still ours? Then log it as attempted (from here a crash
    leaves an unknown outcome) and renew the lease for the sends ahead."""
    if not holds(chases, claimed, CLAIMED):
        return False
    chases.mark(claimed.key, claimed.attempt, ATTEMPTED)
    _extend(chases, claimed.row, now)
    return True


def in_lock_order(
    returns: Iterable[int] = (), actions: Iterable[int] = ()
) -> list[tuple[str, int]]:
    """The one order in which a transaction that writes several returns and action items takes
    their row locks: by (subject type, id), action items before returns. The heartbeat and
    release hold many claims in one transaction, while cancelling (and reopening, assigning)
    a review writes its returns and items: taken in different orders on PostgreSQL, two of
    them could each wait on the other and one be killed as a deadlock."""
    return sorted([(RETURN, r) for r in returns] + [(ACTION, a) for a in actions])


def _lock_key(claimed: Claimed) -> tuple[str, int]:
    return (claimed.row.subject_type, claimed.row.record_id)


def renew(chases: ChaseRepository, held: Sequence[Claimed], now: datetime) -> list[str]:
    """The heartbeat: extend the lease of every claim still held; returns the keys lost.
    Held in lock order (`in_lock_order`), not claim order."""
    lost = []
    for claimed in sorted(held, key=_lock_key):
        if holds(chases, claimed, CLAIMED, ATTEMPTED):
            _extend(chases, claimed.row, now)
        else:
            lost.append(claimed.key)
    return lost


def release(chases: ChaseRepository, claimed: Claimed, now: datetime) -> str | None:
    """Give a claim back on shutdown, due at once for whichever instance sweeps next. Never
    attempted: `released`, sent normally later. Attempted (its send was cut short): `unknown`,
    resent once and marked as possibly repeated. Returns the outcome, or None if not held."""
    if holds(chases, claimed, CLAIMED):
        outcome = RELEASED
    elif holds(chases, claimed, ATTEMPTED):
        outcome = UNKNOWN
    else:
        return None
    chases.mark(claimed.key, claimed.attempt, outcome)
    row = claimed.row
    chases.set_state(
        row.subject_type, row.record_id, {"next_chase_at": _unless_stopped(chases, row, now)}
    )
    return outcome


def release_all(
    chases: ChaseRepository, held: Sequence[Claimed], now: datetime
) -> list[str | None]:
    """Give back every claim in `held` in one transaction, taking their locks in lock order."""
    return [release(chases, claimed, now) for claimed in sorted(held, key=_lock_key)]


def _extend(chases: ChaseRepository, row: ChaseRow, now: datetime) -> None:
    at = _unless_stopped(chases, row, now + LEASE)
    chases.set_state(row.subject_type, row.record_id, {"next_chase_at": at})


def _unless_stopped(chases: ChaseRepository, row: ChaseRow, at: datetime | None) -> datetime | None:
    """The next chase time a holder writes back, or None once the review is cancelled: a
    cancel that came while the claim was out stopped the record, and must stay stopped.
    Called with the record held (holds() locked it), so the answer stands until commit."""
    if at is None or chases.stopped(row.subject_type, row.record_id):
        return None
    return at


@dataclass(frozen=True)
class Attempt:
    """What delivery to the owner(s) did: sent, or the failure to act on."""

    delivered: bool
    status: int | None = None
    retry_after: float | None = None
    detail: str | None = None
    # The request may have reached Teams, but no answer says so (a timeout, a reset).
    unknown: bool = False
    # Not sent: the conversation is held back (Retry-After) past what a sweep waits.
    deferred: bool = False
    # Not sent: every owner's access has ended (`owners_gone`).
    access_ended: bool = False

    @property
    def unreachable(self) -> bool:
        return self.status in (403, 404)


def settle(chases: ChaseRepository, claimed: Claimed, attempt: Attempt, now: datetime) -> str:
    """Record one attempt; returns the outcome ('sent', 'retrying', 'unreachable', 'failed',
    'deferred', 'unknown', or 'lost' when another instance took the claim over meanwhile)."""
    row = claimed.row
    outcome = _outcome(attempt, claimed)
    still_held = holds(chases, claimed, ATTEMPTED)
    written = chases.log(
        row,
        claimed.key,
        claimed.attempt,
        claimed.chase.kind.value,
        "owner",
        outcome,
        attempt.status,
        (attempt.detail or "")[:500] or None,
        possibly_repeated=claimed.possibly_repeated,
    )
    if not still_held or not written:
        # The history says what this attempt did, and the record belongs to the new holder;
        # or the send was settled `interrupted` while this sender stalled (and the chair told
        # it may not have arrived): counting it now would contradict that.
        return "lost"
    if SETTLES[outcome].counts or (outcome == UNKNOWN and claimed.possibly_repeated):
        # An unknown resend is not tried again: count it as sent, as it most likely was. Counted
        # from the record as it is now (held since holds()), not as the claim read it.
        current = chases.row(row.subject_type, row.record_id) or row
        _record_chased(chases, row, claimed.chase, claimed.next_chase_at, now, outcome, current)
        return outcome
    # Not settled yet: the same chaser (the same key) is tried again after a back-off.
    chases.set_state(
        row.subject_type,
        row.record_id,
        {
            "next_chase_at": _unless_stopped(
                chases, row, now + _backoff(attempt, claimed.failures + 1)
            ),
            "last_chase_outcome": outcome,
            "last_chased_at": now,
        },
    )
    return outcome


@dataclass(frozen=True)
class Settles:
    """What one outcome of a chaser's send to its owner(s) does to the record."""

    # The chaser is done with: counted (the next has the next number; an overdue one counts as
    # unanswered on the escalation ladder) and the next one planned. Otherwise the same chaser
    # is tried again after a back-off.
    counts: bool
    # The chair and deputy are told who it didn't reach (once per chaser).
    reported: bool


# An undelivered chaser counts as unanswered: the person didn't hear it, which is all the more
# reason for their lead (then the chair and the LIC group) to be asked to help. Left out of the
# count, an owner Teams can't reach was chased for ever and never escalated, while the chair
# alone heard of each failure.
SETTLES: Final[Mapping[str, Settles]] = {
    SENT: Settles(counts=True, reported=False),
    # Teams says the person can't be reached (403/404): trying again won't reach them.
    UNREACHABLE: Settles(counts=True, reported=True),
    # It failed every try (MAX_ATTEMPTS).
    FAILED: Settles(counts=True, reported=True),
    RETRYING: Settles(counts=False, reported=False),
    # Held back by a Retry-After: nothing was sent.
    DEFERRED: Settles(counts=False, reported=False),
    # It may have arrived: sent once more, marked as possibly repeated (then counted).
    UNKNOWN: Settles(counts=False, reported=False),
    # Nobody to send it to: their access ended. Done with at once, never tried again (before,
    # six failed sends over half an hour, then "tell them yourself"); the next is planned as
    # usual, so until someone else takes it on each chaser tells the chair instead: by its own
    # notice (`access_ended_readers`), that it needs a new owner, not the undelivered report.
    ACCESS_ENDED: Settles(counts=True, reported=False),
}


def _outcome(attempt: Attempt, claimed: Claimed) -> str:
    if attempt.delivered:
        return SENT
    if attempt.access_ended:
        return ACCESS_ENDED
    if attempt.deferred:
        return DEFERRED
    if attempt.unknown:
        return UNKNOWN
    if attempt.unreachable:
        return UNREACHABLE
    return RETRYING if claimed.failures + 1 < MAX_ATTEMPTS else FAILED


def _backoff(attempt: Attempt, number: int) -> timedelta:
    # Honour Retry-After (429, or a conversation held back by one); otherwise 1, 2, 4, 8…
    # minutes, capped at an hour. The jitter that spreads retries comes from each record's
    # own claim time.
    if attempt.retry_after is not None:
        return timedelta(seconds=max(attempt.retry_after, 1.0))
    return timedelta(minutes=min(2 ** (number - 1), 60))


def _record_chased(
    chases: ChaseRepository,
    row: ChaseRow,
    chase: PlannedChase,
    next_at: datetime | None,
    now: datetime,
    outcome: str = SENT,
    current: ChaseRow | None = None,
) -> None:
    """The chaser is done with (sent, or undelivered for good): counted, the next planned.
    `row` is the record as the chaser was claimed; `current`, as it is now, held (`counted`)."""
    # An action item's reassign starts its owner's count again (`NEW_OWNER`), and so does a
    # return's hand-over to or from its agency's leads, or a change of those leads
    # (`handed_over`, `LEADS_CHANGED`): a chaser claimed before either went to the one before.
    # A return's writers changing never does (the order they are read in says nothing), nor
    # one sent back to them while a lead's chaser was out: their count is the record's.
    same_owner = (
        current is None
        or current.subject.kind is SubjectKind.PRE_ANALYSIS_RETURN
        or (
            current.subject.kind is row.subject.kind
            and set(current.owner_ids) == set(row.owner_ids)
        )
    )
    after = counted(row.subject, (current or row).subject, chase, same_owner=same_owner)
    if after.replanned and current is not None:
        policy = policy_for(chases, row.partnership_id)
        planned = None if current.stopped else next_chase(policy, after.subject, now)
        next_at = planned.at if planned else None
    chases.set_state(
        row.subject_type,
        row.record_id,
        {
            "chase_count": after.subject.chase_count,
            "overdue_chase_count": after.subject.overdue_unanswered,
            "unanswered_chase_count": after.subject.unanswered,
            "owner_chase_count": after.subject.chased_owner,
            "next_chase_at": _unless_stopped(chases, row, next_at),
            "last_chase_outcome": outcome,
            "last_chased_at": now,
        },
    )


@dataclass(frozen=True)
class Counted:
    """A record once one of its chasers is done with: its counts, and whether its next chaser
    is to be planned afresh (it changed while the chaser was out) rather than as claimed."""

    subject: ChaseSubject
    replanned: bool


def counted(
    claimed: ChaseSubject, current: ChaseSubject, chase: PlannedChase, *, same_owner: bool = True
) -> Counted:
    """The counts a chaser leaves, from the record as it is now (`current`, read with the
    record held), not as it was when the chaser was claimed (`claimed`). A chaser is out for
    seconds, up to a couple of minutes: an owner who answers meanwhile set the unanswered counts
    to 0, and the claim's counts + 1 written back would undo the answer (the next escalation
    copy saying "Chasers unanswered: 5" after it, and the ladder climbing on).

    An answer since the claim (a count lower now than the claim read) answers this chaser too:
    whether it crossed the chaser or came in reply to it, the owner has spoken since they were
    chased, so the unanswered counts stay as the answer left them. The lifetime count goes on
    by one from what it is now. The answer (or any other change since the claim: a new status,
    a new due date) also planned the next chaser, which the holder's heartbeat has since
    overwritten with its lease: it is planned again from the record as it is now, as the answer
    planned it, not the claim's plan. An answer to a record with no unanswered chaser at claim
    time leaves no trace in the counts: that chaser is counted from 0, as 1.

    Reassigned since the claim (`same_owner` False: the record's owners now are not the ones
    it was claimed for), the chaser went to the previous owner: the new owner's count stays
    as the reassign left it (0), and the record's goes on."""
    after = mark_sent(current, chase)
    if not same_owner:
        after = replace(after, owner_chases=current.chased_owner)
    answered = (
        current.unanswered < claimed.unanswered
        or current.overdue_unanswered < claimed.overdue_unanswered
    )
    if answered:
        after = replace(
            after, overdue_unanswered=current.overdue_unanswered, unanswered=current.unanswered
        )
    return Counted(after, answered or _plan_of(current) != _plan_of(claimed))


def _plan_of(subject: ChaseSubject) -> ChaseSubject:
    """What a record's plan is made of besides its counts: its status and dates."""
    return replace(subject, chase_count=0, overdue_unanswered=0, unanswered=0, owner_chases=None)


def reschedule(
    chases: ChaseRepository,
    subject_type: str,
    record_id: int,
    now: datetime,
    *,
    answered: bool = False,
) -> datetime | None:
    """Plan the next chaser after a change (or an owner's answer) to the record."""
    row = chases.row(subject_type, record_id)
    if row is None:
        return None
    subject = mark_answered(row.subject) if answered else row.subject
    policy = policy_for(chases, row.partnership_id)
    planned = None if row.stopped else next_chase(policy, subject, now)
    fields: dict[str, Any] = {"next_chase_at": planned.at if planned else None}
    if answered:
        fields.update(ANSWERED)
    chases.set_state(subject_type, record_id, fields)
    return planned.at if planned else None


def save_policy(
    chases: ChaseRepository, partnership_id: int, data: Mapping[str, object]
) -> ChaserPolicy:
    """Validate the admin card's policy and store it (raises FormInvalid, field by field)."""
    fields = {k: v for k, v in data.items() if k in ChaserPolicy.model_fields and v != ""}
    policy = ChaserPolicy.from_settings(fields)
    chases.save_policy_settings(partnership_id, policy.to_settings())
    return policy


def subject_dates(status_changed: datetime | None, policy: ChaserPolicy) -> date | None:
    return policy.local_date(status_changed) if status_changed else None


@dataclass(frozen=True)
class Recipients:
    """Who one chaser goes to: its owners, and those copied in."""

    owners: Sequence[int]
    leads: Sequence[int]
    chair: int | None
    deputy: int | None
    lic: bool  # post to the LIC channel (or its members)
    # Others who read the chair's part, the chair having left with no deputy (`chair_readers`).
    also_chair: Sequence[int] = ()


# A chaser that won't get through (Teams says the person can't be reached, or it failed every
# try) is reported to the chair and deputy, with who could not be reached; the next chaser is
# still planned as usual, and this one counts as unanswered (`SETTLES`).
REPORTED_TO_CHAIR: Final = frozenset(outcome for outcome, s in SETTLES.items() if s.reported)


@dataclass(frozen=True)
class Undelivered:
    """A chaser that didn't get through, as the chair is told of it."""

    row: ChaseRow
    names: tuple[str, ...]  # who couldn't be reached
    unreachable: bool  # Teams says they can't be (403/404); else it failed every try
    next_chase_at: datetime | None
    # An escalation copy that didn't get through: who it was for (the message table's reader)
    # and whose action it is; None: the chaser itself.
    copy_for: Reads | None = None
    owners: tuple[str, ...] = ()
    # Not known to be undelivered: its sender stopped while sending it (`INTERRUPTED`), so it
    # may not have arrived.
    interrupted: bool = False


# A failed escalation copy's report to the chair is logged on its own key: once per copy of a
# chaser, however often the chaser itself is tried again.
COPY_UNDELIVERED: Final = "copy_undelivered"
# A chaser that didn't get through, reported to the chair and deputy (logged per reader).
CHAIR_UNDELIVERED: Final = "chair_undelivered"
# The log's kind for both reports: they tell the chair of a failure, and are no escalation of
# the chaser, so the tracker's escalation history and the board report's count leave them out.
# (Rows logged before this kind are kind "escalation": the readers leave out these recipients.)
REPORT: Final = "undelivered_report"
REPORT_RECIPIENTS: Final = (CHAIR_UNDELIVERED, COPY_UNDELIVERED)


def copy_report_key(claimed: Claimed | str, reads: str, missed: int) -> str:
    """The key of the chair's report of one copy of a chaser (`claimed`, or its key) that
    didn't get through, or may not have: one report per copy, whatever became of it."""
    key = claimed if isinstance(claimed, str) else claimed.key
    return f"{key}:{COPY_UNDELIVERED}:{reads}:{missed}"


def copy_key(claimed: Claimed, reads: str, member_id: int) -> str:
    """One escalation copy of a chaser (or one report of it to the chair) for one reader: the
    same key on every try of the chaser. `member_id` 0 is the LIC channel."""
    return f"{claimed.key}:{reads}:{member_id}"


@dataclass(frozen=True)
class Copy:
    """A message that goes with a chaser to someone other than its owner, once per chaser:
    an escalation copy, or a report to the chair of what didn't get through."""

    key: str
    reads: str  # who it is for, as the log's recipient names them
    member_id: int  # 0: the LIC channel
    kind: str = ESCALATION


# What an earlier try of the chaser left of one of its copies, and whether this try sends it.
# A copy goes once per chaser and reader, however often the owner's send is tried again: before
# this, every retry of the owner's chaser sent the lead, chair and LIC their copies again. Only
# a copy that was never sent (its conversation held back by a Retry-After) goes on a later try.
COPY_SENDS_AGAIN: Final[Mapping[str, bool]] = {
    # Logged just before it went, and never settled: its sender died, and it may have arrived.
    ATTEMPTED: False,
    SENT: False,
    UNKNOWN: False,  # it may have arrived
    INTERRUPTED: False,  # its sender stopped mid-send: it may have arrived
    FAILED: False,  # Teams didn't take it: the chair has been told, once
    DEFERRED: True,  # nothing was sent
    # Claimed, then given back unsent: its card or its reader couldn't be read (the database
    # failed mid-way). Left attempted, no later try would send it, and its reader never hear.
    RELEASED: True,
}


def report_copies(claimed: Claimed, recipient: str, readers: Iterable[int]) -> list[Copy]:
    """One report of `claimed` to each reader (the chair's undelivered report, the notice that
    its owners' access ended), each on its own key: once per chaser and reader."""
    return [
        Copy(copy_key(claimed, recipient, reader), recipient, reader, REPORT) for reader in readers
    ]


def copy_due(outcomes: Sequence[tuple[int, str]]) -> bool:
    """Whether a copy with this logged history (attempt, outcome) is to be sent now. An outcome
    the table doesn't know is taken as sent: a copy too few beats one too many."""
    return all(COPY_SENDS_AGAIN.get(outcome, False) for _, outcome in outcomes)


def claim_copies(
    chases: ChaseRepository, claimed: Claimed, copies: Sequence[Copy], *states: str
) -> list[Copy]:
    """The copies this try of the chaser sends: those no earlier try sent (`copy_due`), each
    logged as attempted before it goes, so that a crash mid-send can't send it twice. None
    unless the claim is still ours, in one of `states` (`holds` locks the record, so two
    holders can't both take a copy)."""
    if not holds(chases, claimed, *states):
        return []
    due = [copy for copy in copies if copy_due(chases.outcomes(copy.key))]
    for copy in due:
        chases.log(claimed.row, copy.key, claimed.attempt, copy.kind, copy.reads, ATTEMPTED)
    return due


def settle_copies(
    chases: ChaseRepository, claimed: Claimed, outcomes: Sequence[tuple[Copy, str]]
) -> None:
    """What became of each copy claimed: a copy is sent once and never retried."""
    for copy, outcome in outcomes:
        chases.log(claimed.row, copy.key, claimed.attempt, copy.kind, copy.reads, outcome)


def chair_readers(row: ChaseRow) -> tuple[int, ...]:
    """Who reads what is meant for the review's chair (its chasers, copies and reports), in
    order: the chair, then the deputy chair, else the partnership's admins. The one rule is
    `domain/chair_cover.py` `readers` (the dashboard reads it too). Before, a send to a chair
    who left was skipped and reported as undelivered."""
    return chair_cover.readers(chair_seat(row), row.admin_ids)


def chair_seat(row: ChaseRow) -> chair_cover.Seat:
    return chair_cover.Seat(row.chair_id, row.chair_ended, row.deputy_id, row.deputy_ended)


def stand_in_line(row: ChaseRow, member_id: int, chair: str) -> str | None:
    """What a stand-in reading the chair's part is told first (`chair_readers`): the chair's
    card says "your review", and before they were given it as it was, with nothing saying why
    it came to them. None for anyone else (the chair, a deputy with the chair still there,
    a lead or owner). `chair` is the chair's name."""
    if not row.chair_ended or member_id not in chair_readers(row):
        return None
    review = row.reference.partition("/")[0]  # an action item's "LOS-…/A3": its review's
    if member_id == row.deputy_id:
        return (
            f"You're getting this as deputy chair for {chair}, whose access to Line of Sight "
            f"has ended: what is meant for the chair of {review} comes to you, who have the "
            "chair's controls."
        )
    return (
        f"You're getting this as a partnership admin: {chair}, the chair of {review}, no "
        "longer has access to Line of Sight, and the review has no deputy chair who can read "
        f"this. Name a deputy chair (type manage {review}) and it will go to them instead."
    )


def reads_for_the_chair(copy: Copy) -> bool:
    """Whether `copy` is the chair's part (their escalation copy, or a report to them of what
    didn't get through), which a stand-in reads with `stand_in_line`; a lead's or the LIC's
    copy is theirs, whoever else they are (review11: an admin who leads an agency was told
    "You're getting this as a partnership admin" on their own lead's copy)."""
    return copy.kind == REPORT or copy.reads in (Reads.CHAIR, Reads.DEPUTY_CHAIR)


def chair_unread(row: ChaseRow) -> bool:
    """Whether what is meant for the review's chair reaches nobody: the chair's access ended,
    and there is no deputy chair nor partnership admin who can read it (`chair_readers`)."""
    return chair_cover.nobody_reads(chair_seat(row), row.admin_ids)


def undelivered_readers(row: ChaseRow, not_reached: Collection[int]) -> tuple[int, ...]:
    """Who is told that `not_reached` couldn't be chased: the chair and the deputy chair (or
    whoever reads for them: `chair_readers`), but not someone it couldn't reach."""
    return tuple(m for m in chair_readers(row) if m not in not_reached)


def owners_gone(claimed: Claimed) -> bool:
    """Whether this chaser is for its owners and every one of them has had their access ended:
    then nothing is sent (`GONE`), nor any escalation copy asking others to help them, and the
    chair hears it needs a new owner (`access_ended_readers`). Where one writer of a return
    remains, the chaser goes to them as usual."""
    row = claimed.row
    return (
        Audience.OWNER in claimed.audiences
        and bool(row.owner_ids)
        and set(row.owner_ids) <= set(row.ended_ids)
    )


# The attempt a chaser to owners who are all gone makes: none.
GONE: Final = Attempt(False, detail="access ended", access_ended=True)
# The log's recipient of the notice that a chaser's owner's access ended (one per reader).
ACCESS_ENDED_NOTICE: Final = "access_ended_notice"


def access_ended_notice_due(claimed: Claimed, told: Callable[[ChaseRow], bool]) -> bool:
    """Whether a chaser not sent because its owners' access ended is told to anyone
    (`access_ended_readers`). An open item or a return is, each time, until someone else takes
    it on. A completed item's request for evidence of impact is told once per leaving: nobody
    can take a finished item on, and the LIC group records its impact without the owner, so a
    notice at every impact request would be a dead end that never stops. Once is a notice
    that reached someone (`told`, `ChaseRepository.access_ended_told`, asked only here): one
    that failed is told again at the next request, and an owner restored who leaves again is
    told of again. Before, "once" was the first request not sent, whatever became of its
    notice, for ever."""
    return claimed.chase.kind is not ChaseKind.IMPACT_REQUEST or not told(claimed.row)


def access_ended_readers(row: ChaseRow, kind: ChaseKind | None = None) -> tuple[int, ...]:
    """Who hears that a chaser's owners' access ended, so someone else must take it on: those
    who can give it to someone else. The chair and deputy chair, and for an open action item
    its agency's leads (they reassign within the agency); a return's writers are the chair's to
    assign, and a completed item's request for impact is the chair's to pass to the LIC group
    (nobody reassigns a finished item). Never one of the owners themselves."""
    reassigned = row.subject_type == ACTION and kind is not ChaseKind.IMPACT_REQUEST
    leads = row.lead_ids if reassigned else ()
    readers = (*chair_readers(row), *leads)
    gone = set(row.owner_ids)
    return tuple(dict.fromkeys(m for m in readers if m not in gone))


def recipients_of(claimed: Claimed) -> Recipients:
    audiences = set(claimed.audiences)
    row = claimed.row
    chaired = Audience.CHAIR in audiences
    # An owner whose access ended is sent nothing (a return's other writers still are).
    owners = tuple(m for m in row.owner_ids if m not in row.ended_ids)
    # A chair who left is read for by the deputy (as the chair), else the admins (`chair_readers`).
    readers = chair_readers(row) if chaired else ()
    chair = readers[0] if readers else None
    stood_in = chair is not None and chair != row.chair_id
    deputy = None if stood_in else next(iter(readers[1:]), None)
    return Recipients(
        owners=owners if Audience.OWNER in audiences else (),
        leads=row.lead_ids if Audience.AGENCY_LEAD in audiences else (),
        chair=chair,
        deputy=deputy,
        lic=Audience.LIC_CHANNEL in audiences,
        also_chair=readers[1:] if stood_in else (),
    )


def with_status(row: ChaseRow, subject: ChaseSubject) -> ChaseRow:
    return replace(row, subject=subject)


# How a send's outcome reads in a history (the tracker's): the log's word, unless it needs
# saying to its reader.
OUTCOME_WORDS: Final[Mapping[str, str]] = {
    INTERRUPTED: "may not have arrived: the sender stopped while sending",
    ACCESS_ENDED: "not sent: the owner's access has ended",
}


def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome)


def interrupted(sends: Iterable[OpenSend], now: datetime) -> list[OpenSend]:
    """The sends whose sender stopped mid-send: logged `attempted` longer ago than any send
    takes (`STALE_AFTER`). `now` is the log's own clock (when rows were written)."""
    return [send for send in sends if send.attempted_at <= now - STALE_AFTER]


@dataclass(frozen=True)
class InterruptedCopy:
    """An escalation copy whose sender stopped while sending it, as the chair is told of it:
    the report is claimed (logged attempted on its own key) with the copy's settling."""

    row: ChaseRow
    reads: str  # who the copy was for (the message table's reader)
    member_id: int  # 0: the LIC channel
    readers: tuple[int, ...]  # who is told: the chair and deputy, unless the one it was for
    report_key: str
    attempt: int


@dataclass(frozen=True)
class Interrupted:
    """What one sweep settled as interrupted, and the chair's reports it claimed."""

    sends: list[OpenSend]
    reports: list[InterruptedCopy]


def copy_of(key: str) -> tuple[str, str, int] | None:
    """(the chaser's key, the reader, the member) of an escalation copy's key (`copy_key`)."""
    parts = key.split(":")
    if len(parts) != 5 or not parts[4].isdigit():
        return None
    return ":".join(parts[:3]), parts[3], int(parts[4])


def settle_interrupted(chases: ChaseRepository, now: datetime, limit: int = 100) -> Interrupted:
    """Settle each send left `attempted` by a sender that stopped mid-send as `interrupted`:
    its outcome is unknown, so it is not sent again (it may have arrived) and no longer left
    open, where no history shows it. Each is settled once (a later sweep finds it settled);
    the owner's own chaser, if its record is claimed again, counts it as an unknown outcome
    (resent once, marked). An escalation copy's reader was to be asked to help and may not
    have been: the chair and deputy are told, as of a copy Teams didn't take, once per copy
    (the report claimed here, on the key a failed copy's report has)."""
    found = interrupted(chases.attempted_before(now - STALE_AFTER, limit), now)
    reports = []
    for send in found:
        # Only a row still attempted: a late sender's own outcome, written first, stands.
        chases.mark(send.key, send.attempt, INTERRUPTED, was=ATTEMPTED)
        report = _report_of(chases, send)
        if report is not None:
            reports.append(report)
    return Interrupted(found, reports)


def _report_of(chases: ChaseRepository, send: OpenSend) -> InterruptedCopy | None:
    parts = copy_of(send.key) if send.kind == ESCALATION else None
    row = chases.row(send.subject_type, send.record_id) if parts else None
    if parts is None or row is None or row.stopped:
        return None
    chaser, reads, member_id = parts
    readers = undelivered_readers(row, {member_id})
    key = copy_report_key(chaser, reads, member_id)
    if not readers or not copy_due(chases.outcomes(key)):
        return None
    chases.log(row, key, send.attempt, REPORT, COPY_UNDELIVERED, ATTEMPTED)
    return InterruptedCopy(row, reads, member_id, readers, key, send.attempt)


def settle_report(chases: ChaseRepository, report: InterruptedCopy, outcome: str) -> None:
    """What became of the chair's report of an interrupted copy (sent once, never retried)."""
    chases.log(report.row, report.report_key, report.attempt, REPORT, COPY_UNDELIVERED, outcome)
