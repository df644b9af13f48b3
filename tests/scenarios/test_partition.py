"""Issue 16, item 5: the database link cut, on PostgreSQL, through a proxy the test controls.

A silent partition (tests/support/db_proxy.py `blackhole`: nothing forwarded, nothing closed)
must cost each turn seconds and tell the user to try again, turn /readyz red, and after the
heal the bot must serve again within seconds, with /readyz green. A reset (connections cut
with RST, new ones refused for a while) likewise. The figures are printed with the results
(run with -s, or read the "figures" lines) and quoted in the README.

The bounds are shortened (below) so the file runs in well under a minute; production defaults
are in bot/config.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from aiohttp import ClientSession

from bot.app import Readiness
from tests.conftest import BotUnderTest, _running_bot
from tests.support.activities import TENANT, message
from tests.support.connector import FakeConnector
from tests.support.db_proxy import DbProxy
from tests.support.journey import Person

SHORT_BOUNDS = {
    "DB_CONNECT_TIMEOUT": "2",
    "DB_TURN_WAIT": "2",
    "DB_STUCK_AFTER": "3",
    "DB_POOL_TIMEOUT": "2",
    "DB_STATEMENT_TIMEOUT": "5",
    "DB_TCP_TIMEOUT": "3",
}
# What a turn may take while the database is cut: the turn wait, plus the reply's delivery.
ANSWERED_WITHIN = 4.0
# How soon after the heal the bot must serve: a stuck connection is shut after DB_STUCK_AFTER,
# a connection attempt gives up after DB_CONNECT_TIMEOUT; then a fresh one connects.
RECOVERS_WITHIN = 8.0
# How soon /readyz turns red: its cached answer's age, then a probe's turn wait.
RED_WITHIN = Readiness.FRESH_FOR + 2 + 1
SERVED = "What you can do"
# The outage's own words (domain/errors.py StorageUnavailable), not only its card's title,
# which a concurrency conflict's card shares: a partition is an outage, never a conflict.
RETRY = "Anything you saved before is safe"


@dataclass
class Outcome:
    status: int
    seconds: float
    reply: str  # SERVED, RETRY, or what came instead

    @property
    def told_to_retry(self) -> bool:
        return self.status == 201 and self.reply == RETRY and self.seconds < ANSWERED_WITHIN


@pytest.fixture
def proxy() -> Iterator[DbProxy]:
    running = DbProxy()
    running.start()
    yield running
    running.stop()


@pytest.fixture
async def bot_via_proxy(
    tmp_path: Path, postgres_url: str, connector: FakeConnector, proxy: DbProxy
) -> AsyncIterator[BotUnderTest]:
    through_proxy = postgres_url.replace(":5432/", f":{proxy.port}/")
    assert through_proxy != postgres_url
    async for running in _running_bot(tmp_path, through_proxy, connector, **SHORT_BOUNDS):
        yield running


class Bot(Protocol):
    """A bot the helpers below can talk to: in this process (`BotUnderTest`) or a
    `lineofsight serve` process (tests/scenarios/test_packet_drop_two_instances.py)."""

    @property
    def http(self) -> ClientSession: ...

    @property
    def connector(self) -> FakeConnector: ...

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> Any: ...

    def url(self, path: str) -> str: ...


_people = iter(range(1, 10_000))


async def turn(bot: Bot) -> Outcome:
    """`help` from a new person (so replies can be told apart by conversation), timed."""
    person = Person(TENANT, f"00000000-0000-4000-8000-{next(_people):012d}", "Practitioner")
    body = person.dress(message(bot.connector.url, "help"))
    started = time.monotonic()
    status, _ = await bot.post(body)
    seconds = time.monotonic() - started
    replies = [
        str(sent.cards) + sent.text
        for sent in bot.connector.sent
        if sent.conversation_id == body["conversation"]["id"]
    ]
    found = [word for word in (SERVED, RETRY) if any(word in reply for reply in replies)]
    return Outcome(status, seconds, found[0] if len(found) == 1 else repr(replies)[:200])


async def turn_after(bot: Bot, seconds: float) -> Outcome:
    await asyncio.sleep(seconds)
    return await turn(bot)


async def readiness(bot: Bot) -> int:
    async with bot.http.get(bot.url("/readyz")) as response:
        return response.status


async def seconds_until_ready_is(bot: Bot, status: int, within: float) -> float:
    started = time.monotonic()
    while (answer := await readiness(bot)) != status:
        assert time.monotonic() - started < within, f"/readyz still {answer} after {within} s"
        await asyncio.sleep(0.1)
    took = time.monotonic() - started
    assert took < within, f"/readyz answered {status} only after {took:.1f} s"  # a slow probe
    return took


async def recovery(bot: Bot, turns: int) -> tuple[float, list[Outcome]]:
    """From now: seconds until a turn is served, and `turns` turns sent one every 0.5 s."""
    started = time.monotonic()
    outcomes: list[Outcome] = []
    first_served: float | None = None
    for _ in range(turns):
        outcome = await turn(bot)
        outcomes.append(outcome)
        if outcome.reply == SERVED and first_served is None:
            first_served = time.monotonic() - started
        await asyncio.sleep(0.5)
    assert first_served is not None, [o.reply for o in outcomes]
    return first_served, outcomes


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\nfigures: {line}")


async def test_a_silent_partition_costs_seconds_and_heals_in_seconds(
    bot_via_proxy: BotUnderTest, proxy: DbProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = bot_via_proxy
    # The first turn makes the partnership (racing first contacts are issue 16's part 2); four
    # at once leave four connections in the pool, to be cut.
    assert (await turn(bot)).reply == SERVED
    warm = await asyncio.gather(*(turn(bot) for _ in range(4)))
    assert [o.reply for o in warm] == [SERVED] * 4

    proxy.blackhole()
    cut_at = time.monotonic()
    # 8 turns, as in the report, one a second (each in flight while the next starts).
    during_tasks = [asyncio.create_task(turn_after(bot, second)) for second in range(8)]
    red_after = await seconds_until_ready_is(bot, 503, within=RED_WITHIN)
    during = list(await asyncio.gather(*during_tasks))
    cut_for = time.monotonic() - cut_at

    proxy.heal()
    served_after, after = await recovery(bot, turns=10)
    green_after = await seconds_until_ready_is(bot, 200, within=RECOVERS_WITHIN)

    slowest = max(o.seconds for o in during)
    retried = sum(o.told_to_retry for o in during)
    served = sum(o.reply == SERVED for o in after)
    report(
        capsys,
        f"silent partition of {cut_for:.1f} s: {retried} of {len(during)} turns answered "
        f"'please try again' (slowest {slowest:.1f} s), /readyz red "
        f"{red_after:.1f} s into it; after the heal: first turn served at {served_after:.1f} s, "
        f"{served} of {len(after)} new turns served, /readyz green by "
        f"{served_after + green_after:.1f} s",
    )
    assert [o for o in during if not o.told_to_retry] == []
    assert served_after < RECOVERS_WITHIN
    assert [o.reply for o in after[-5:]] == [SERVED] * 5, "serving steadily again"


async def test_a_reset_is_told_to_the_user_and_recovers(
    bot_via_proxy: BotUnderTest, proxy: DbProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = bot_via_proxy
    assert (await turn(bot)).reply == SERVED

    proxy.reset(refuse_new=True)
    during = [await turn(bot) for _ in range(4)]
    red_after = await seconds_until_ready_is(bot, 503, within=RED_WITHIN)

    proxy.heal()
    served_after, after = await recovery(bot, turns=4)
    green_after = await seconds_until_ready_is(bot, 200, within=RECOVERS_WITHIN)

    # A reset with the server back at once: the checkout ping finds the dead connection and
    # the pool connects afresh, so the user never notices.
    proxy.reset(refuse_new=False)
    transparent = await turn(bot)

    retried = sum(o.told_to_retry for o in during)
    report(
        capsys,
        f"reset with new connections refused: {retried} of {len(during)} turns answered "
        f"'please try again' (slowest {max(o.seconds for o in during):.1f} s), /readyz red "
        f"within {red_after:.1f} s; after the heal: first turn served at "
        f"{served_after:.1f} s, /readyz green by {served_after + green_after:.1f} s; a "
        f"reset alone: {transparent.reply!r} in {transparent.seconds:.2f} s",
    )
    assert [o for o in during if not o.told_to_retry] == []
    assert served_after < RECOVERS_WITHIN
    assert [o.reply for o in after[-2:]] == [SERVED] * 2
    assert transparent.reply == SERVED
