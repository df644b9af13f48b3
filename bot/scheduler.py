"""The chaser sweep and the monthly LIC digest, run by APScheduler inside each instance.

Every minute each instance claims due records (domain/chase_engine.py: a lease and an
idempotency key per record and chaser number), sends the chaser through the one outbound
sender, and settles the attempt. While a sweep holds claims it renews their leases (a
heartbeat), so a slow batch is never claimed by another instance meanwhile. A send never
waits long for its conversation: one held back by a Retry-After gives its claim back with
that time as its next attempt, and the rest of the sweep goes on. On shutdown (SIGTERM, via
aiohttp's on_shutdown) the sweep stops claiming, lets sends already under way finish within
a grace period, and gives back every claim it has not sent, so a normal restart repeats
nothing and holds nothing back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbound import UNREACHABLE, Delivery
from bot.retention import RetentionJob
from bot.services import Services
from cards import actions as cards
from cards.common import STAND_IN_NOTICE_ID, with_notice
from domain import action_controls, actions, chase_engine
from domain import digest as digest_jobs
from domain.action_state import Mover, Reader, copy_readers, working_days_late
from domain.calendar import DEFAULT_CALENDAR
from domain.chase_engine import ACTION, Attempt, ChaseRow, Claimed
from domain.chase_messages import COPY_READS, Reads
from domain.chasers import Audience
from domain.model import ChannelPurpose, ConversationAddress, Role
from domain.records import Recipient
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)
BATCH = 100
SWEEP_BUDGET_SECONDS = 50.0
IN_FLIGHT = 16
# The longest one chaser send waits for its conversation (Teams' pacing, a Retry-After)
# before its claim is given back with that time as the next attempt.
MAX_SEND_WAIT_SECONDS = 10.0
# On shutdown, how long sends already under way get to finish before they are cut short
# (and logged as unknown outcomes, resent once by the next sweep). Inside the 30 s a
# container platform usually allows between SIGTERM and SIGKILL.
SHUTDOWN_GRACE_SECONDS = 20.0


@dataclass
class SweepReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class _Holding:
    """The claims one sweep holds and has not settled yet."""

    claims: dict[str, Claimed] = field(default_factory=dict)


class Schedule:
    """The one APScheduler in a bot instance (when RUN_SCHEDULER is on): the chaser sweep every
    minute, the LIC digest at 09:05 and retention at 02:30, UK time."""

    def __init__(self, chasers: Chasers, retention: RetentionJob) -> None:
        self.chasers = chasers
        self.retention = retention
        self.scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone="Europe/London")
        once = {"max_instances": 1, "coalesce": True}
        scheduler.add_job(self.chasers.sweep, "interval", minutes=1, id="chaser-sweep", **once)
        scheduler.add_job(self.chasers.digests, "cron", hour=9, minute=5, id="lic-digest", **once)
        # A run missed while the instance was down still happens that day.
        scheduler.add_job(
            self.retention.run_once,
            "cron",
            hour=2,
            minute=30,
            misfire_grace_time=6 * 3600,
            id="retention-daily",
            **once,
        )
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler started")

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None


class Chasers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._stopping = False
        self._sweeps: set[asyncio.Task[Any]] = set()

    async def drain(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Shutdown (after the Schedule stopped): no new claims or sends; sends under way get
        `grace` seconds; every claim not sent is given back (each sweep releases its own)."""
        self._stopping = True
        sweeps = set(self._sweeps)
        if not sweeps:
            return
        _, late = await asyncio.wait(sweeps, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        log.info("chaser sweep drained", extra={"cut_short": len(late)})

    async def sweep(self) -> SweepReport:
        report = SweepReport()
        task = asyncio.current_task()
        if self._stopping or task is None:
            return report
        holding = _Holding()
        self._sweeps.add(task)
        heartbeat = asyncio.create_task(self._heartbeat(holding))
        try:
            await self._settle_interrupted(report)
            await self._claim_and_send(holding, report)
        finally:
            heartbeat.cancel()
            await self._release(holding, report)
            self._sweeps.discard(task)
        if report.claimed:
            log.info("chaser sweep", extra={"claimed": report.claimed, **report.outcomes})
        return report

    async def _settle_interrupted(self, report: SweepReport) -> None:
        """Sends a stopped process left `attempted` (it died mid-send) are settled as
        `interrupted`, once: they may have arrived, so they are not sent again, and the
        tracker's history shows them; the chair hears of an escalation copy among them.
        Judged by the log's own clock (when rows were written), not the test-movable one, as
        the digest's claims are."""
        now = datetime.now(UTC)
        try:
            found = await self.services.db.run(
                lambda uow: chase_engine.settle_interrupted(uow.chases, now)
            )
        except Exception as error:  # the next sweep tries again; chasing goes on meanwhile
            log.warning("interrupted sends not settled", extra={"error_type": type(error).__name__})
            return
        for send in found.sends:
            log.warning(
                "send interrupted: it may not have arrived",
                extra={"key": send.key, "attempt": send.attempt, "recipient": send.recipient},
            )
            _count(report, chase_engine.INTERRUPTED)
        for copy in found.reports:
            try:
                await self._report_interrupted(copy)
            except Exception as error:  # left attempted: settled interrupted in its turn
                log.warning(
                    "interrupted copy not reported", extra={"error_type": type(error).__name__}
                )

    async def _report_interrupted(self, copy: chase_engine.InterruptedCopy) -> None:
        """The chair and deputy hear that a copy may not have reached its reader, as they hear
        of one Teams didn't take, worded for an unknown outcome."""
        row = copy.row
        named = [m for m in (copy.member_id, *row.owner_ids) if m]
        people = await self.services.db.run(lambda uow: uow.returns.recipients(named))
        name_of = {p.member_id: p.display_name for p in people}
        missed = name_of.get(copy.member_id, "LIC channel" if not copy.member_id else "")
        owners = tuple(name_of[m] for m in row.owner_ids if m in name_of)
        undelivered = chase_engine.Undelivered(
            row,
            (missed or "the person it was for",),
            False,
            None,
            Reads(copy.reads),
            owners,
            interrupted=True,
        )
        sent = await self._send(list(copy.readers), cards.undelivered_card(undelivered), row)
        told = next((d for d in sent if d.delivered or d.unknown), None)
        outcome = _copy_outcome(told)
        await self.services.db.run(
            lambda uow: chase_engine.settle_report(uow.chases, copy, outcome)
        )

    async def _claim_and_send(self, holding: _Holding, report: SweepReport) -> None:
        started = time.monotonic()
        while not self._stopping and time.monotonic() - started < SWEEP_BUDGET_SECONDS:
            batch = await self.services.db.run(self._claim)
            if not batch:
                break
            holding.claims.update((c.key, c) for c in batch)
            report.claimed += len(batch)
            for outcome in await self._send_all(batch, holding):
                _count(report, outcome)

    async def _heartbeat(self, holding: _Holding) -> None:
        while True:
            await asyncio.sleep(chase_engine.HEARTBEAT.total_seconds())
            held = list(holding.claims.values())
            if held:
                await self._renew(held)

    async def _renew(self, held: list[Claimed]) -> None:
        now = self.services.now()
        try:
            lost = await self.services.db.run(lambda uow: chase_engine.renew(uow.chases, held, now))
        except Exception as error:  # keep beating: the next renewal may get through
            log.warning("chaser leases not renewed", extra={"error_type": type(error).__name__})
            return
        if lost:
            log.warning("chaser leases lost", extra={"lost": len(lost)})

    async def _release(self, holding: _Holding, report: SweepReport) -> None:
        """Give back what this sweep claimed and did not settle (stopped, cut short, failed)."""
        held = list(holding.claims.values())
        holding.claims.clear()
        if not held:
            return
        now = self.services.now()

        def work(uow: SqlUnitOfWork) -> list[str | None]:
            return chase_engine.release_all(uow.chases, held, now)

        try:
            released = await asyncio.shield(self.services.db.run(work))
        except Exception as error:  # the leases run out instead: slower, but nothing is lost
            log.warning("chaser claims not released", extra={"error_type": type(error).__name__})
            return
        for outcome in released:
            if outcome is not None:
                _count(report, outcome)

    async def digests(self) -> int:
        """The monthly digest to each LIC channel, from the first working day of the month.

        At most once per partnership and month (a chaser-log key; domain/digest.py says how
        several instances and unknown outcomes are handled); after downtime it goes late
        rather than never.
        """
        today = self.services.today()
        if today < DEFAULT_CALENDAR.next_working_day(today.replace(day=1)):
            return 0
        # Another instance's claim is judged by the log's own clock (when rows were written),
        # not the test-movable one.
        now = datetime.now(UTC)
        due = await self.services.db.run(lambda uow: digest_jobs.claim_digests(uow, today, now))
        for job in due:
            card = cards.digest_card(job.month_label, job.counts, job.overdue)
            recipient = Recipient(0, "LIC channel", None, job.channel.tenant_id, job.channel, False)
            delivery = await self.services.outbound.send_card(
                recipient, card, job.channel.service_url
            )
            await self._settle_digest(job, _copy_outcome(delivery))
        return len(due)

    async def _settle_digest(self, job: digest_jobs.DigestJob, outcome: str) -> None:
        await self.services.db.run(lambda uow: digest_jobs.settle(uow, job, outcome))

    def _claim(self, uow: SqlUnitOfWork) -> list[Claimed]:
        return chase_engine.claim(uow.chases, self.services.now(), BATCH)

    async def _send_all(self, batch: list[Claimed], holding: _Holding) -> list[str]:
        """Several chasers in flight at once: against Teams' round trip, one at a time would
        make the bot, not Teams' rate limits, the bottleneck. The sender still paces each
        conversation and tenant."""
        in_flight = asyncio.Semaphore(IN_FLIGHT)

        async def one(claimed: Claimed) -> str | None:
            async with in_flight:
                if self._stopping:
                    return None  # left held: released when the sweep ends
                try:
                    outcome = await self._send_and_settle(claimed)
                except Exception as error:
                    log.warning("chaser not settled", extra={"error_type": type(error).__name__})
                    return None
                holding.claims.pop(claimed.key, None)
                return outcome

        found = await asyncio.gather(*(one(c) for c in batch))
        return [outcome for outcome in found if outcome is not None]

    async def _send_and_settle(self, claimed: Claimed) -> str:
        now = self.services.now()
        if not await self.services.db.run(lambda uow: chase_engine.begin(uow.chases, claimed, now)):
            return "lost"  # another instance claimed it after our lease ran out
        deliveries: list[Delivery] = []
        if chase_engine.owners_gone(claimed):
            # Their access ended: nothing to send, nor copies asking others to help them.
            attempt = chase_engine.GONE
        else:
            attempt, deliveries = await self._deliver(claimed)
        now = self.services.now()
        outcome = await self.services.db.run(
            lambda uow: chase_engine.settle(uow.chases, claimed, attempt, now)
        )
        if chase_engine.chair_unread(claimed.row) and (
            Audience.CHAIR in claimed.audiences
            or outcome == chase_engine.ACCESS_ENDED
            or outcome in chase_engine.REPORTED_TO_CHAIR
        ):
            # Ids only: no name, no reference that could say who.
            log.warning(
                "chaser's chair part reaches nobody: the chair left, no deputy chair or admin",
                extra={
                    "subject_type": claimed.row.subject_type,
                    "record_id": claimed.row.record_id,
                },
            )
        if outcome == chase_engine.ACCESS_ENDED:
            if await self.services.db.run(
                lambda uow: chase_engine.access_ended_notice_due(
                    claimed, uow.chases.access_ended_told
                )
            ):
                await self._report_access_ended(claimed)
        elif outcome in chase_engine.REPORTED_TO_CHAIR:
            await self._report_undelivered(claimed, attempt, deliveries)
        return outcome

    async def _report_access_ended(self, claimed: Claimed) -> None:
        """Those who can give the record to someone else hear at once that its owners' access
        ended, once per chaser and reader (each on its own key, like the copies)."""
        row = claimed.row
        notices = chase_engine.report_copies(
            claimed,
            chase_engine.ACCESS_ENDED_NOTICE,
            chase_engine.access_ended_readers(row, claimed.chase.kind),
        )
        due = await self._claim_copies(claimed, notices, chase_engine.ACCESS_ENDED)
        if not due:
            return
        people = await self.services.db.run(lambda uow: uow.returns.recipients(row.ended_ids))
        names = tuple(sorted(p.display_name for p in people)) or ("Its owner",)
        card = cards.access_ended_card(row, names, claimed.next_chase_at, claimed.chase.kind)

        async def card_for(_: chase_engine.Copy) -> dict[str, Any]:
            return card

        await self._send_claimed(claimed, due, card_for)

    async def _report_undelivered(
        self, claimed: Claimed, attempt: Attempt, deliveries: list[Delivery]
    ) -> None:
        """The chair (and deputy) hear who a chaser couldn't reach, once per chaser: each
        report on its own key, like the escalation copies."""
        missed = [d for d in deliveries if not d.delivered]
        row = claimed.row
        readers = chase_engine.undelivered_readers(row, {d.member_id for d in missed})
        reports = chase_engine.report_copies(claimed, chase_engine.CHAIR_UNDELIVERED, readers)
        due = await self._claim_copies(claimed, reports, *chase_engine.REPORTED_TO_CHAIR)
        if not due:
            return
        names = tuple(d.name for d in missed) or ("the person it was for",)
        # settle() planned the next chaser at the claim's next time, as for any failed one.
        report = chase_engine.Undelivered(row, names, attempt.unreachable, claimed.next_chase_at)
        card = cards.undelivered_card(report)

        async def card_for(_: chase_engine.Copy) -> dict[str, Any]:
            return card

        await self._send_claimed(claimed, due, card_for)

    async def _deliver(self, claimed: Claimed) -> tuple[Attempt, list[Delivery]]:
        to = chase_engine.recipients_of(claimed)
        card = await self.services.db.run(lambda uow: self._card(uow, claimed, owner=True))
        primary = list(to.owners) or ([to.chair, *to.also_chair] if to.chair else [])
        if not to.owners:
            # The chair chased about a blocked or escalated item reads it as someone else's
            # action, with the chair's own moves: the owner's buttons would only be refused.
            card = await self.services.db.run(lambda uow: self._card(uow, claimed, owner=False))
        # The stand-in's line only where the chaser goes to the chair's part (no owner to
        # chase): an owner who is also an admin or deputy reads their own reminder as theirs.
        deliveries = await self._send(primary, card, None if to.owners else claimed.row)
        # Whose action (or return) it is, and who of them Teams says can't be reached: the
        # copies say so, as the reason their readers are asked to help.
        owners = [d.name for d in deliveries] if to.owners else []
        unreached = tuple(d.name for d in deliveries if _unreached(d, claimed)) if owners else ()
        escalated = await self._copy_all(claimed, to, primary, unreached)
        await self._report_missed_copies(claimed, escalated, owners)
        return _attempt(deliveries), deliveries

    async def _copy_all(
        self,
        claimed: Claimed,
        to: chase_engine.Recipients,
        primary: list[int],
        unreached: tuple[str, ...],
    ) -> list[tuple[str, Delivery | None]]:
        """The chaser's escalation copies, each written for its reader, each sent once per
        chaser however often the owner's send is tried (`chase_engine.claim_copies`)."""
        # Each person copied once, with a card written for them (a lead who chairs: the chair's).
        readers = copy_readers(primary, to.leads, to.chair, to.deputy, to.also_chair)
        planned = [(self._copy_of(claimed, COPY_READS[r], m), r) for m, r in readers]
        channel = None
        if to.lic:
            told = {*primary, *(member_id for member_id, _ in readers)}
            channel, lic = await self._lic_readers(claimed.row.partnership_id, told)
            planned += [(self._copy_of(claimed, reads, m), Reader.LIC) for reads, m in lic]
        due = await self._claim_copies(
            claimed, [copy for copy, _ in planned], chase_engine.ATTEMPTED
        )
        reader_of = dict(planned)
        written: dict[Reader, dict[str, Any]] = {}

        async def card_for(copy: chase_engine.Copy) -> dict[str, Any]:
            reader = reader_of[copy]
            if reader not in written:
                written[reader] = await self._copy_for(claimed, reader, unreached)
            return written[reader]

        # In planned order; a copy an earlier try of this chaser sent is not due.
        ordered = [copy for copy, _ in planned if copy in due]
        sent = await self._send_claimed(claimed, ordered, card_for, channel)
        return [(copy.reads, delivery) for copy, delivery in sent]

    async def _send_claimed(
        self,
        claimed: Claimed,
        due: Sequence[chase_engine.Copy],
        card_for: Callable[[chase_engine.Copy], Awaitable[dict[str, Any]]],
        channel: ConversationAddress | None = None,
    ) -> list[tuple[chase_engine.Copy, Delivery | None]]:
        """Each claimed copy written, sent and settled. If one fails (the database, say), the
        copies not yet sent are given back (`chase_engine.RELEASED`) for the next try of the
        chaser: left attempted, no try would ever send them. The one whose send failed may
        have gone, so it stays attempted, never sent twice."""
        sent: list[tuple[chase_engine.Copy, Delivery | None]] = []
        for index, copy in enumerate(due):
            try:
                card = await card_for(copy)
            except Exception:
                await self._give_back(claimed, sent, due[index:])
                raise
            try:
                chairs = chase_engine.reads_for_the_chair(copy)
                row = claimed.row if chairs else None
                delivery = await self._send_one(copy, card, channel, row)
            except Exception:
                await self._give_back(claimed, sent, due[index + 1 :])
                raise
            sent.append((copy, delivery))
        await self._settle_copies(claimed, sent)
        return sent

    async def _give_back(
        self,
        claimed: Claimed,
        sent: list[tuple[chase_engine.Copy, Delivery | None]],
        unsent: Sequence[chase_engine.Copy],
    ) -> None:
        try:
            await self._settle_copies(claimed, sent, unsent)
        except Exception:  # the database is what failed: these stay attempted
            log.warning("escalation copies not given back")

    @staticmethod
    def _copy_of(claimed: Claimed, reads: Reads, member_id: int) -> chase_engine.Copy:
        key = chase_engine.copy_key(claimed, reads.value, member_id)
        return chase_engine.Copy(key, reads.value, member_id)

    async def _claim_copies(
        self, claimed: Claimed, copies: list[chase_engine.Copy], *states: str
    ) -> list[chase_engine.Copy]:
        if not copies:
            return []
        return await self.services.db.run(
            lambda uow: chase_engine.claim_copies(uow.chases, claimed, copies, *states)
        )

    async def _settle_copies(
        self,
        claimed: Claimed,
        sent: list[tuple[chase_engine.Copy, Delivery | None]],
        unsent: Sequence[chase_engine.Copy] = (),
    ) -> None:
        outcomes = [(copy, _copy_outcome(delivery)) for copy, delivery in sent]
        outcomes += [(copy, chase_engine.RELEASED) for copy in unsent]
        if not outcomes:
            return
        await self.services.db.run(
            lambda uow: chase_engine.settle_copies(uow.chases, claimed, outcomes)
        )

    async def _send_one(
        self,
        copy: chase_engine.Copy,
        card: dict[str, Any],
        channel: ConversationAddress | None = None,
        row: ChaseRow | None = None,
    ) -> Delivery | None:
        """One copy to its reader (member 0: the LIC channel); None: nobody to send it to."""
        if copy.member_id == 0:
            return await self._post_lic(channel, card) if channel is not None else None
        return next(iter(await self._send([copy.member_id], card, row)), None)

    async def _report_missed_copies(
        self,
        claimed: Claimed,
        escalated: Sequence[tuple[str, Delivery | None]],
        owners: list[str],
    ) -> None:
        """A copy Teams didn't take is reported to the chair and deputy, as a chaser that
        reached nobody is: the owner's reminder said their lead would be asked to help, and
        nobody would know they weren't. Once per copy of a chaser (logged on its own key),
        however often the chaser is tried; a copy that may have arrived is not reported."""
        row = claimed.row
        for reads, delivery in escalated:
            if delivery is None or _copy_outcome(delivery) != chase_engine.FAILED:
                continue
            missed = delivery.member_id  # 0: the LIC channel
            readers = chase_engine.undelivered_readers(row, {missed})
            key = chase_engine.copy_report_key(claimed, reads, missed)
            report_copy = chase_engine.Copy(
                key, chase_engine.COPY_UNDELIVERED, missed, chase_engine.REPORT
            )
            if not readers or not await self._claim_copies(
                claimed, [report_copy], chase_engine.ATTEMPTED
            ):
                continue
            report = chase_engine.Undelivered(
                row,
                (delivery.name,),
                delivery.status in UNREACHABLE,
                claimed.next_chase_at,
                Reads(reads),
                tuple(owners),
            )
            try:
                sent = await self._send(list(readers), cards.undelivered_card(report), row)
            except Exception:  # the readers' lookup failed: the report goes on the next try
                await self._give_back(claimed, [], [report_copy])
                raise
            told = next((d for d in sent if d.delivered or d.unknown), None)
            await self._settle_copies(claimed, [(report_copy, told)])

    def _card(self, uow: SqlUnitOfWork, claimed: Claimed, *, owner: bool) -> dict[str, Any]:
        row = claimed.row
        chase = chase_engine.owner_chase(claimed)  # honest about chasers that never got there
        if row.subject_type != ACTION:
            return cards.return_chaser_card(
                row.reference, row.title, chase, row.record_id, row.subject.kind
            )
        item = uow.actions.get(row.record_id)
        assert item is not None
        policy = chase_engine.policy_for(uow.chases, row.partnership_id)
        rag, why = actions.item_rating(item, self.services.today(), policy)
        # Not the owner's: the chair's card, with their moves (Reassign needs the members).
        owners = () if owner else action_controls.owner_choices(uow, item)
        return cards.action_item_card(
            item, rag, rag_reason=why, chase=chase, owner=owner, chair=not owner, owners=owners
        )

    async def _copy_for(
        self, claimed: Claimed, reader: Reader, unreached: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        return await self.services.db.run(lambda uow: self._copy(uow, claimed, reader, unreached))

    def _copy(
        self, uow: SqlUnitOfWork, claimed: Claimed, reader: Reader, unreached: tuple[str, ...]
    ) -> dict[str, Any]:
        """An escalation copy written for `reader`, never the owner's words or buttons;
        `unreached`: the owners Teams says can't be reached, whom the copy names."""
        row = claimed.row
        if row.subject_type != ACTION:
            return cards.return_escalation_card(
                row.reference,
                row.title,
                claimed.chase,
                row.record_id,
                row.subject.kind,
                reader,
                chase_engine.unanswered(claimed),
                unreached,
            )
        item = uow.actions.get(row.record_id)
        assert item is not None
        policy = chase_engine.policy_for(uow.chases, row.partnership_id)
        today = self.services.today()
        rag, why = actions.item_rating(item, today, policy)
        late = working_days_late(item.effective_due, today, policy)
        unanswered = chase_engine.unanswered(claimed)
        # Who the reader may give it to: the lead, within the item's agency.
        mover = Mover.AGENCY_LEAD if reader is Reader.AGENCY_LEAD else Mover.CHAIR
        owners = action_controls.owner_choices(uow, item, mover)
        return cards.escalation_card(
            item, rag, reader, late, unanswered, owners, unreached, rag_reason=why
        )

    async def _send(
        self, member_ids: list[int], card: dict[str, Any], row: ChaseRow | None = None
    ) -> list[Delivery]:
        """`card` to each member; about `row`, one standing in for its chair who left reads
        first why it came to them (`chase_engine.stand_in_line`)."""
        if not member_ids:
            return []
        named = [*member_ids, row.chair_id] if row and row.chair_ended and row.chair_id else []
        people = await self.services.db.run(lambda uow: uow.returns.recipients(named or member_ids))
        chair = next((p.display_name for p in people if row and p.member_id == row.chair_id), "")
        outbound = self.services.outbound
        deliveries = []
        for r in people:
            if r.member_id not in member_ids:
                continue  # the chair who left, read for their name only
            line = chase_engine.stand_in_line(row, r.member_id, chair) if row else None
            shown = with_notice(card, line, notice_id=STAND_IN_NOTICE_ID) if line else card
            deliveries.append(
                await outbound.send_card(r, shown, _hint(r), max_wait=MAX_SEND_WAIT_SECONDS)
            )
        return deliveries

    async def _lic_readers(
        self, partnership_id: int, told: set[int]
    ) -> tuple[ConversationAddress | None, list[tuple[Reads, int]]]:
        """Who reads the LIC group's copy: its channel; with none registered, each LIC member
        in their own chat (one message each: a member already copied in another role is not
        told twice)."""
        channel = await self.services.db.run(
            lambda uow: uow.outcomes.channel(partnership_id, ChannelPurpose.LIC.value)
        )
        if channel is not None:
            return channel, [(Reads.LIC_CHANNEL, 0)]
        members = await self.services.db.run(
            lambda uow: uow.members.with_role(partnership_id, Role.LIC_MEMBER)
        )
        return None, [(Reads.LIC_MEMBER, m) for m in members if m not in told]

    async def _post_lic(self, channel: ConversationAddress, card: dict[str, Any]) -> Delivery:
        recipient = Recipient(0, "LIC channel", None, channel.tenant_id, channel, False)
        return await self.services.outbound.send_card(
            recipient, card, channel.service_url, max_wait=MAX_SEND_WAIT_SECONDS
        )


def _count(report: SweepReport, outcome: str) -> None:
    report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1


def _hint(recipient: Recipient) -> str:
    # Someone the bot has never chatted with is reached through the partnership's service URL:
    # an empty one made the SDK raise a bare TypeError, retried forever as "retrying".
    return recipient.address.service_url if recipient.address else recipient.service_url_hint


def _unreached(delivery: Delivery, claimed: Claimed) -> bool:
    """Teams says the owner can't be reached (403/404), or this chaser's first try failed like
    the whole of the one before it (a 5xx every time): either way the reminders don't reach them,
    which is why the copy's reader is asked to help."""
    if delivery.status in UNREACHABLE:
        return True
    return claimed.previous_undelivered and not (delivery.delivered or delivery.unknown)


def _attempt(deliveries: list[Delivery]) -> Attempt:
    """The owners' deliveries as one attempt: sent if anyone got it; else unknown if a card
    may have arrived; else held back if every conversation was; else the first failure."""
    if not deliveries:
        return Attempt(False, 404, None, "nobody to send to")
    if any(d.delivered for d in deliveries):
        return Attempt(True)
    unknown = next((d for d in deliveries if d.unknown), None)
    if unknown is not None:
        return Attempt(False, None, None, unknown.detail, unknown=True)
    if all(d.deferred for d in deliveries):
        wait = max(d.retry_after or 0.0 for d in deliveries)
        return Attempt(False, None, wait, deliveries[0].detail, deferred=True)
    failed = next(d for d in deliveries if not d.deferred)
    return Attempt(False, failed.status, failed.retry_after, failed.detail)


def _copy_outcome(delivery: Delivery | None) -> str:
    """An escalation copy is sent once and not retried; its row says what became of it."""
    if delivery is None:
        return chase_engine.FAILED
    if delivery.delivered:
        return chase_engine.SENT
    if delivery.unknown:
        return chase_engine.UNKNOWN
    return chase_engine.DEFERRED if delivery.deferred else chase_engine.FAILED
