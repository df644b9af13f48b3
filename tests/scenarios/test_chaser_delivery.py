"""Issue 16, part 3 over HTTP and the fake connector: delivery is at least once with a bound.
Every attempt is in the chaser log; an unknown outcome is resent once and marked as possibly
repeated; a Retry-After never stalls the sweep; a shutdown finishes or gives back its claims.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot import channel as port
from bot import scheduler
from bot.app import CHANNEL, CHASERS, SERVICES
from bot.scheduler import MAX_SEND_WAIT_SECONDS, SweepReport
from domain import chase_engine, digest
from domain.summaries import Filter, Tracker, TrackerLine
from exports.tracker import tracker_csv
from storage import tables as t
from tests.support.chasers import at_next_chase, log_rows, sweep
from tests.support.journey import LIC_CHANNEL, Journey, published, register_lic_channel

# A bound on a sweep's wall time that a stalled sweep (a Retry-After of 320 s) would break.
SWEEP_BOUND = 60.0


def history(j: Journey) -> list[tuple[int, str, bool]]:
    return [
        (r.attempt, r.outcome, r.possibly_repeated)
        for r in log_rows(j)
        if r.kind not in ("escalation", chase_engine.REPORT)
    ]


def later(j: Journey, by: timedelta) -> None:
    j.bot.app[SERVICES].clock.set(j.bot.app[SERVICES].now() + by)


async def first_chaser_cut_off(j: Journey, drops: int) -> None:
    """One action's first chaser arrives, but the connection is reset before the answer (and
    so are the next `drops - 1` sends)."""
    [item] = await published(j)
    at_next_chase(j, item.id)
    j.bot.connector.clear()
    j.bot.connector.drops = drops
    assert await sweep(j) == {"unknown": 1}


async def test_a_reset_after_the_card_arrived_is_unknown_resent_once_and_marked(
    journey: Journey,
) -> None:
    j = journey
    await first_chaser_cut_off(j, drops=1)
    assert len(j.bot.connector.cards()) == 1, "it did arrive; the bot could not know"
    later(j, timedelta(minutes=2))
    assert await sweep(j) == {"sent": 1}
    assert len(j.bot.connector.cards()) == 2
    assert history(j) == [(1, "unknown", False), (2, "sent", True)]
    [item] = j.rows(t.ActionItem)
    assert item.chase_count == 1, "one chaser, counted once"
    # The tracker managers export says so too.
    where = Filter(j.rows(t.Partnership)[0].id, review_id=item.review_id)
    [record] = j.bot.db.transaction(lambda uow: uow.summaries.tracker(where))
    assert record.possibly_repeated == 1
    today = j.bot.app[SERVICES].today()
    csv = tracker_csv(
        Tracker("Action tracker", "Every action item.", today, (TrackerLine(record, None),))
    )
    assert b"1 (1 possibly twice)" in csv


async def test_an_unknown_resend_is_never_tried_a_third_time(journey: Journey) -> None:
    j = journey
    await first_chaser_cut_off(j, drops=2)
    later(j, timedelta(minutes=2))
    assert await sweep(j) == {"unknown": 1}
    assert history(j) == [(1, "unknown", False), (2, "unknown", True)]
    [after] = j.rows(t.ActionItem)
    assert after.chase_count == 1
    assert after.last_chase_outcome == "unknown"
    later(j, timedelta(minutes=2))
    await sweep(j)
    assert len(j.bot.connector.cards()) == 2, "two copies at most"


async def test_a_crash_after_the_send_began_is_resent_once_and_marked(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    now = j.bot.app[SERVICES].now()
    [claimed] = j.bot.db.transaction(lambda uow: chase_engine.claim(uow.chases, now, 10))
    assert j.bot.db.transaction(lambda uow: chase_engine.begin(uow.chases, claimed, now))
    # ...and the process dies here, perhaps after Teams had the card.
    j.bot.connector.clear()
    j.bot.app[SERVICES].clock.set(now + chase_engine.LEASE + timedelta(seconds=1))
    assert await sweep(j) == {"sent": 1}
    assert history(j) == [(1, "unknown", False), (2, "sent", True)]


async def test_a_crash_before_the_send_began_is_sent_normally(journey: Journey) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    now = j.bot.app[SERVICES].now()
    j.bot.db.transaction(lambda uow: chase_engine.claim(uow.chases, now, 10))
    j.bot.app[SERVICES].clock.set(now + chase_engine.LEASE + timedelta(seconds=1))
    assert await sweep(j) == {"sent": 1}
    assert history(j) == [(1, "expired", False), (2, "sent", False)]


async def test_a_long_retry_after_gives_claims_back_and_never_stalls_the_sweep(
    journey: Journey,
) -> None:
    j = journey
    first, second = await published(j, actions=2)  # one owner: one conversation
    j.bot.db.transaction(
        lambda uow: uow.chases.set_state(
            chase_engine.ACTION, second.id, {"next_chase_at": first.next_chase_at + timedelta(1)}
        )
    )
    at_next_chase(j, first.id)
    j.bot.connector.fail_next(429, {"Retry-After": "320"})
    assert await asyncio.wait_for(sweep(j), SWEEP_BOUND) == {"retrying": 1}
    now = j.bot.app[SERVICES].now()
    # The other item to the same conversation comes due while Teams still holds it back.
    j.bot.db.transaction(
        lambda uow: uow.chases.set_state(chase_engine.ACTION, second.id, {"next_chase_at": now})
    )
    j.bot.connector.clear()
    assert await asyncio.wait_for(sweep(j), SWEEP_BOUND) == {"deferred": 1}
    assert j.bot.connector.cards() == [], "nothing sent into the Retry-After"
    rows = {r.id: r for r in j.rows(t.ActionItem)}
    for item in (first, second):
        due = rows[item.id].next_chase_at
        assert due is not None
        wait = due - j.bot.app[SERVICES].now()
        assert timedelta(seconds=MAX_SEND_WAIT_SECONDS) < wait <= timedelta(seconds=321)
    assert rows[second.id].chase_count == 0
    assert history(j)[-1] == (1, "deferred", False)


async def slow_sweep_started(
    j: Journey, items: int, delay: float = 0.0, held: asyncio.Event | None = None
) -> asyncio.Task[SweepReport]:
    """A sweep of `items` due chasers, one send at a time, each taking `delay` to answer (or
    answering only once `held` is set), running with its first card arrived."""
    [first, *_] = await published(j, actions=items)
    at_next_chase(j, first.id, timedelta(hours=1))
    j.bot.connector.clear()
    j.bot.connector.delay = delay
    j.bot.connector.held = held
    j.bot.connector.arrived.clear()
    running = asyncio.create_task(j.bot.app[CHASERS].sweep())
    await asyncio.wait_for(j.bot.connector.arrived.wait(), SWEEP_BOUND)
    return running


def leftovers(j: Journey) -> list[str]:
    with j.bot.db.session() as session:
        return list(
            session.scalars(
                select(t.ChaserLog.outcome).where(
                    col(t.ChaserLog.outcome).in_([chase_engine.CLAIMED, chase_engine.ATTEMPTED])
                )
            )
        )


async def test_shutdown_finishes_sends_under_way_and_gives_back_the_rest(
    journey: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = journey
    monkeypatch.setattr(scheduler, "IN_FLIGHT", 1)
    running = await slow_sweep_started(j, items=4, delay=0.5)
    await j.bot.app[CHASERS].drain(grace=10.0)
    report = await running
    assert report.outcomes == {"sent": 1, "released": 3}
    assert len(j.bot.connector.cards()) == 1, "the send under way finished, once"
    now = j.bot.app[SERVICES].now()
    released = [i for i in j.rows(t.ActionItem) if i.chase_count == 0]
    assert len(released) == 3
    assert all(i.next_chase_at is not None and i.next_chase_at <= now for i in released), (
        "given back due at once, not held for the lease"
    )
    assert leftovers(j) == []
    assert await j.bot.app[CHASERS].sweep() == SweepReport(), "no sweeps after shutdown"


async def test_shutdown_past_the_grace_leaves_the_cut_send_unknown_and_due(
    journey: Journey,
) -> None:
    j = journey
    running = await slow_sweep_started(j, items=1, delay=30.0)
    await j.bot.app[CHASERS].drain(grace=0.2)
    assert running.done()
    [item] = j.rows(t.ActionItem)
    assert item.chase_count == 0
    assert item.next_chase_at is not None
    assert item.next_chase_at <= j.bot.app[SERVICES].now()
    assert history(j) == [(1, "unknown", False)], "it may have arrived: resent once, marked"


async def test_a_sweep_renews_its_leases_while_a_send_is_slow(
    journey: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The send answers only once the test has seen the lease move (it took a fixed second,
    and the test looked once, 0.6 s in: a loaded machine could starve the 0.1 s heartbeat that
    long)."""
    j = journey
    monkeypatch.setattr(chase_engine, "HEARTBEAT", timedelta(seconds=0.1))
    answer = asyncio.Event()
    running = await slow_sweep_started(j, items=1, held=answer)
    [item] = j.rows(t.ActionItem)
    leased = item.next_chase_at
    assert leased is not None
    moved = leased
    deadline = asyncio.get_running_loop().time() + SWEEP_BOUND
    try:
        while moved <= leased and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
            [item] = j.rows(t.ActionItem)
            assert item.next_chase_at is not None
            moved = item.next_chase_at
        assert not running.done(), "the send is still under way"
        assert moved > leased, "the lease moved on while the send was under way"
    finally:
        answer.set()  # a failed look must not leave the send, and the sweep, waiting for ever
    assert (await running).outcomes == {"sent": 1}


async def test_a_live_sweep_slower_than_its_lease_keeps_its_claims(
    journey: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease is short so a dead instance's claims come back quickly; a live one's heartbeat
    keeps them however long its sends take, so a second instance sweeping meanwhile claims
    nothing and nothing goes twice."""
    j = journey
    # Eight heartbeats a lease: a loaded machine would have to starve the heartbeat for most of
    # two seconds to lose a claim, where a 1 s lease renewed every 0.2 s left 0.8 s.
    monkeypatch.setattr(chase_engine, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(chase_engine, "HEARTBEAT", timedelta(seconds=0.25))
    running = await slow_sweep_started(j, items=2, delay=6.0)  # three lease lengths
    other = scheduler.Chasers(j.bot.app[SERVICES])
    for _ in range(4):  # sweeps by "another instance" for 4 s, past two lease lengths
        await asyncio.sleep(1.0)
        assert not running.done(), "the first sweep is still sending: its claims are live"
        assert (await other.sweep()).claimed == 0, "a live holder's claim is not taken"
    assert (await running).outcomes == {"sent": 2}
    assert len(j.bot.connector.sent) == 2, "each chaser once"
    assert leftovers(j) == []


async def digest_due(j: Journey) -> None:
    await register_lic_channel(j)
    await published(j)
    j.bot.app[SERVICES].clock.set(datetime(2027, 4, 1, 9, 30, tzinfo=UTC))
    j.bot.connector.clear()


def digests_sent(j: Journey) -> int:
    return sum(1 for s in j.bot.connector.sent if s.conversation_id == LIC_CHANNEL)


async def test_a_digest_another_instance_has_claimed_is_left_to_it(journey: Journey) -> None:
    j = journey
    await digest_due(j)
    today, now = j.bot.app[SERVICES].today(), datetime.now(UTC)
    [job] = j.bot.db.transaction(lambda uow: digest.claim_digests(uow, today, now))
    assert await j.bot.app[CHASERS].digests() == 0, "the other instance is sending it"
    assert digests_sent(j) == 0
    # That instance died without settling: after the lease, the digest is claimed again.
    later = now + digest.DIGEST_LEASE + timedelta(seconds=1)
    assert len(j.bot.db.transaction(lambda uow: digest.claim_digests(uow, today, later))) == 1
    assert job.key.startswith("digest:")


async def test_a_digest_whose_outcome_is_unknown_is_not_sent_again(journey: Journey) -> None:
    j = journey
    await digest_due(j)
    j.bot.connector.drops = 1
    assert await j.bot.app[CHASERS].digests() == 1
    assert digests_sent(j) == 1
    assert await j.bot.app[CHASERS].digests() == 0
    assert [r.outcome for r in log_rows(j) if r.kind == "digest"] == ["unknown"]


async def test_an_answer_after_the_client_timeout_is_unknown(
    journey: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = journey
    [item] = await published(j)
    at_next_chase(j, item.id)
    monkeypatch.setattr(port, "CONNECTOR_TIMEOUT_SECONDS", 0.3)
    await j.bot.app[CHANNEL].close()  # the next send opens the pooled session with it
    j.bot.connector.clear()
    j.bot.connector.delay = 1.0
    assert await sweep(j) == {"unknown": 1}
    assert len(j.bot.connector.cards()) == 1, "Teams had it; the answer came too late"
    j.bot.connector.delay = 0.0
    later(j, timedelta(minutes=2))
    assert await sweep(j) == {"sent": 1}
    assert history(j) == [(1, "unknown", False), (2, "sent", True)]
