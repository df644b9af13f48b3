"""The chaser sweep and the monthly LIC digest, run by APScheduler inside each instance.

Every minute each instance claims due records (domain/chase_engine.py: a lease and an
idempotency key per record and chaser number), sends the chaser through the one outbound
sender, and settles the attempt. Two instances never send the same chaser; a crash between
claim and send is recovered when the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbound import Delivery
from bot.services import Services
from cards import actions as cards
from domain import actions, chase_engine
from domain import digest as digest_jobs
from domain.calendar import DEFAULT_CALENDAR
from domain.chase_engine import ACTION, Attempt, Claimed
from domain.model import ChannelPurpose
from domain.records import Recipient
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)
BATCH = 100
SWEEP_BUDGET_SECONDS = 50.0
IN_FLIGHT = 16


@dataclass
class SweepReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Chasers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="Europe/London")
        self._scheduler.add_job(
            self.sweep, "interval", minutes=1, max_instances=1, coalesce=True, id="chaser-sweep"
        )
        self._scheduler.add_job(
            self.digests, "cron", hour=9, minute=5, max_instances=1, coalesce=True, id="lic-digest"
        )
        self._scheduler.start()
        log.info("chaser scheduler started")

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def sweep(self) -> SweepReport:
        report = SweepReport()
        started = time.monotonic()
        while time.monotonic() - started < SWEEP_BUDGET_SECONDS:
            batch = await self.services.db.run(self._claim)
            if not batch:
                break
            report.claimed += len(batch)
            for outcome in await self._send_all(batch):
                report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
        if report.claimed:
            log.info("chaser sweep", extra={"claimed": report.claimed, **report.outcomes})
        return report

    async def digests(self) -> int:
        """The monthly digest to each LIC channel, from the first working day of the month.

        Sent at most once per partnership and month (a chaser-log key), so several instances,
        or a restart, never send it twice; after downtime it goes late rather than never.
        """
        today = self.services.today()
        if today < DEFAULT_CALENDAR.next_working_day(today.replace(day=1)):
            return 0
        due = await self.services.db.run(lambda uow: digest_jobs.claim_digests(uow, today))
        for job in due:
            card = cards.digest_card(job.month_label, job.counts, job.digest.overdue)
            recipient = Recipient(0, "LIC channel", None, job.channel.tenant_id, job.channel, False)
            delivery = await self.services.outbound.send_card(
                recipient, card, job.channel.service_url
            )
            await self._settle_digest(job, delivery.delivered)
        return len(due)

    async def _settle_digest(self, job: digest_jobs.DigestJob, delivered: bool) -> None:
        await self.services.db.run(lambda uow: digest_jobs.settle(uow, job, delivered))

    def _claim(self, uow: SqlUnitOfWork) -> list[Claimed]:
        return chase_engine.claim(uow.chases, self.services.now(), BATCH)

    async def _send_all(self, batch: list[Claimed]) -> list[str]:
        """Several chasers in flight at once: against Teams' round trip, one at a time would
        make the bot, not Teams' rate limits, the bottleneck. The sender still paces each
        conversation and tenant."""
        in_flight = asyncio.Semaphore(IN_FLIGHT)

        async def one(claimed: Claimed) -> str:
            async with in_flight:
                return await self._send_and_settle(claimed)

        return list(await asyncio.gather(*(one(c) for c in batch)))

    async def _send_and_settle(self, claimed: Claimed) -> str:
        attempt = await self._deliver(claimed)
        now = self.services.now()
        return await self.services.db.run(
            lambda uow: chase_engine.settle(uow.chases, claimed, attempt, now)
        )

    async def _deliver(self, claimed: Claimed) -> Attempt:
        owners, leads, chair, lic = chase_engine.recipients_of(claimed)
        card = await self.services.db.run(lambda uow: self._card(uow, claimed))
        primary = list(owners) or ([chair] if chair else [])
        deliveries = await self._send(primary, card)
        escalated: list[tuple[str, Delivery | None]] = [
            ("agency_lead", d) for d in await self._send(list(leads), card)
        ]
        if chair and chair not in primary:
            escalated += [("chair", d) for d in await self._send([chair], card)]
        if lic:
            escalated.append(("lic_channel", await self._post_lic(claimed, card)))
        await self._log_escalations(claimed, escalated)
        return _attempt(deliveries)

    async def _log_escalations(
        self, claimed: Claimed, escalated: list[tuple[str, Delivery | None]]
    ) -> None:
        """Escalation copies are logged on their own key, for the tracker's history."""
        if not escalated:
            return

        def work(uow: SqlUnitOfWork) -> None:
            for audience, delivery in escalated:
                ok = delivery is not None and delivery.delivered
                key = f"{claimed.key}:{audience}:{delivery.member_id if delivery else 0}"
                uow.chases.log(
                    claimed.row,
                    key,
                    claimed.attempt,
                    "escalation",
                    audience,
                    "sent" if ok else "failed",
                )

        await self.services.db.run(work)

    def _card(self, uow: SqlUnitOfWork, claimed: Claimed) -> dict[str, Any]:
        row = claimed.row
        if row.subject_type != ACTION:
            return cards.return_chaser_card(row.reference, row.title, claimed.chase, row.record_id)
        item = uow.actions.get(row.record_id)
        assert item is not None
        policy = chase_engine.policy_for(uow.chases, row.partnership_id)
        rag = actions.item_rag(item, self.services.today(), policy)
        return cards.action_item_card(item, rag, chase=claimed.chase)

    async def _send(self, member_ids: list[int], card: dict[str, Any]) -> list[Delivery]:
        if not member_ids:
            return []
        recipients = await self.services.db.run(lambda uow: uow.returns.recipients(member_ids))
        return [await self.services.outbound.send_card(r, card, _hint(r)) for r in recipients]

    async def _post_lic(self, claimed: Claimed, card: dict[str, Any]) -> Delivery | None:
        channel = await self.services.db.run(
            lambda uow: uow.outcomes.channel(claimed.row.partnership_id, ChannelPurpose.LIC.value)
        )
        if channel is None:
            return None
        recipient = Recipient(0, "LIC channel", None, channel.tenant_id, channel, False)
        return await self.services.outbound.send_card(recipient, card, channel.service_url)


def _hint(recipient: Recipient) -> str:
    return recipient.address.service_url if recipient.address else ""


def _attempt(deliveries: list[Delivery]) -> Attempt:
    if not deliveries:
        return Attempt(False, 404, None, "nobody to send to")
    if any(d.delivered for d in deliveries):
        return Attempt(True)
    failed = deliveries[0]
    return Attempt(False, failed.status, failed.retry_after, failed.detail)
