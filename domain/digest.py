"""The LIC group's monthly digest: which partnerships are owed one, and recording it once.

Every instance runs the job at the same minute. A claim logged by another instance within the
digest's lease is left to it (without this, an instance running a second later sent the digest
again); an older open claim is a dead holder's, and is claimed again. A send whose outcome is
unknown (a timeout, a reset) is not sent again: a second monthly digest is worse than a late
one, and the log says what happened."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.actions import ActionDetail, Digest
from domain.chase_engine import SENT, UNKNOWN, ChaseRow, policy_for
from domain.chasers import ChaseSubject, SubjectKind
from domain.model import ActionStatus, ChannelPurpose, ConversationAddress
from domain.repositories import UnitOfWork
from domain.summaries import late_chase_text

# A digest claim has no heartbeat (one send, no sweep holding it), so its lease must outlast
# the longest send (bot/channel.py, CONNECTOR_TIMEOUT_SECONDS) by a wide margin.
DIGEST_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class DigestJob:
    partnership_id: int
    key: str
    month_label: str
    channel: ConversationAddress
    digest: Digest
    counts: tuple[tuple[str, int], ...]
    # Each overdue item with how it has been chased and what happens next, as the overdue
    # list says it (`summaries.late_chase_text`): "not chased yet" from the count alone read
    # as a fault beside the list's "first reminder due Mon 7 Dec".
    overdue: tuple[tuple[ActionDetail, str], ...] = ()


def claim_digests(uow: UnitOfWork, today: date, now: datetime) -> list[DigestJob]:
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    jobs = []
    for partnership_id in uow.partnerships.all_ids():
        key = f"digest:{partnership_id}:{today:%Y-%m}"
        channel = uow.outcomes.channel(partnership_id, ChannelPurpose.LIC.value)
        if channel is None or not _owed(uow, key, now):
            continue
        digest = uow.actions.digest(partnership_id, first, last, today)
        counts = (
            ("Due this month", digest.due_this_month),
            ("Overdue", len(digest.overdue)),
            ("Completed, waiting for impact", digest.awaiting_impact),
            ("Closed this month", digest.closed_this_month),
        )
        policy = policy_for(uow.chases, partnership_id)
        # Each said as the overdue list says it.
        overdue = tuple((a, late_chase_text(a, today, policy)) for a in digest.overdue)
        month = f"{today:%B %Y}"
        jobs.append(DigestJob(partnership_id, key, month, channel, digest, counts, overdue))
        uow.chases.log(
            _row(partnership_id),
            key,
            uow.chases.attempts(key) + 1,
            "digest",
            "lic_channel",
            "claimed",
        )
    return jobs


def _owed(uow: UnitOfWork, key: str, now: datetime) -> bool:
    outcomes = [outcome for _, outcome in uow.chases.outcomes(key)]
    if SENT in outcomes or UNKNOWN in outcomes or len(outcomes) >= 3:
        return False
    opened = uow.chases.opened_at(key)
    return opened is None or opened <= now - DIGEST_LEASE


def settle(uow: UnitOfWork, job: DigestJob, outcome: str) -> None:
    """`outcome`: sent, failed (retried next run, three attempts in all) or unknown."""
    uow.chases.log(
        _row(job.partnership_id),
        job.key,
        uow.chases.attempts(job.key),
        "digest",
        "lic_channel",
        outcome,
    )


def _row(partnership_id: int) -> ChaseRow:
    # The chaser log's shape: a digest is "chased" about the partnership itself.
    subject = ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date.min)
    return ChaseRow("digest", partnership_id, partnership_id, subject, (), (), None, "", "")
