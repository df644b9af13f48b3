"""The LIC group's monthly digest: which partnerships are owed one, and recording it once."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from domain.actions import Digest
from domain.chase_engine import ChaseRow
from domain.chasers import ChaseSubject, SubjectKind
from domain.model import ActionStatus, ChannelPurpose, ConversationAddress
from domain.repositories import UnitOfWork


@dataclass(frozen=True)
class DigestJob:
    partnership_id: int
    key: str
    month_label: str
    channel: ConversationAddress
    digest: Digest
    counts: tuple[tuple[str, int], ...]


def claim_digests(uow: UnitOfWork, today: date) -> list[DigestJob]:
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    jobs = []
    for partnership_id in uow.partnerships.all_ids():
        key = f"digest:{partnership_id}:{today:%Y-%m}"
        channel = uow.outcomes.channel(partnership_id, ChannelPurpose.LIC.value)
        if channel is None or uow.chases.delivered(key) or uow.chases.attempts(key) >= 3:
            continue
        digest = uow.actions.digest(partnership_id, first, last, today)
        counts = (
            ("Due this month", digest.due_this_month),
            ("Overdue", len(digest.overdue)),
            ("Completed, waiting for impact", digest.awaiting_impact),
            ("Closed this month", digest.closed_this_month),
        )
        jobs.append(DigestJob(partnership_id, key, f"{today:%B %Y}", channel, digest, counts))
        uow.chases.log(
            _row(partnership_id),
            key,
            uow.chases.attempts(key) + 1,
            "digest",
            "lic_channel",
            "claimed",
        )
    return jobs


def settle(uow: UnitOfWork, job: DigestJob, delivered: bool) -> None:
    uow.chases.log(
        _row(job.partnership_id),
        job.key,
        uow.chases.attempts(job.key),
        "digest",
        "lic_channel",
        "sent" if delivered else "failed",
    )


def _row(partnership_id: int) -> ChaseRow:
    # The chaser log's shape: a digest is "chased" about the partnership itself.
    subject = ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date.min)
    return ChaseRow("digest", partnership_id, partnership_id, subject, (), (), None, "", "")
