"""Two bot instances on one PostgreSQL database, one of them stopped mid-sweep (issue 16).

    python -m bench.two_instances [--postgres ADMIN_URL] [--chasers 300] [--runs 3]
                                  [--stop kill|term|both]

Each run: a fresh database holding N due chasers (one owner, so one conversation, each); a fake
connector process (`bench/connector.py`) that counts deliveries per conversation and takes
`--delay` seconds to answer each; two `lineofsight serve` processes (local mode, PostgreSQL,
test hooks on, no scheduler of their own, clocks set to a working morning) sweeping at once.
Once a third of the chasers have arrived, instance A gets SIGKILL (`kill`) or SIGTERM (`term`).
When B's sweep ends, claims still open in the log are counted as held; then B sweeps every
2 s, in real time, until every chaser has gone: `all_sent_after` is how long that took from the
stop (held items wait for their lease, `chase_engine.LEASE`, to run out).

Prints one JSON line per run: deliveries, duplicates (copies beyond one per chaser), missing
chasers, held items, claims A gave back, how long A took to exit, and `under_reported`:
chasers delivered more often than the delivery history records attempts that may have
delivered them (target 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import signal
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from bench.proc import ROOT, Child, child_env
from bot.config import PLAYGROUND_TENANT_ID
from bot.scheduler import IN_FLIGHT
from domain import chase_engine
from storage import tables as t
from storage.migrate import upgrade

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# A Wednesday morning in London, inside working hours; the chasers are reminders before a due
# date a week later, to their owners only.
MOMENT = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)
DUE_ON = date(2027, 3, 31)
OPEN_CLAIMS = (chase_engine.CLAIMED, chase_engine.ATTEMPTED)
MAY_HAVE_DELIVERED = (chase_engine.SENT, chase_engine.UNKNOWN)


@dataclass
class RunResult:
    stop: str
    chasers: int
    deliveries: int
    duplicates: int
    missing: int
    held: int
    released: int
    stopped_after: int
    exit_seconds: float
    possibly_repeated_logged: int
    under_reported: int
    # Seconds from the stop until every chaser had arrived: how long held items waited.
    all_sent_after: float
    in_flight_window: int = IN_FLIGHT


def _conversation(n: int) -> str:
    return f"a:bench-owner-{n}"


def seed(url: str, connector: str, count: int) -> None:
    """`count` due action items, each with its own owner and conversation at `connector`."""
    owners = [
        t.Member(
            display_name=f"Action owner {n}",
            aad_object_id=f"00000000-0000-4000-8000-{n:012d}",
            service_url=connector,
            conversation_id=_conversation(n),
            bot_id="28:line-of-sight-bench",
            address_user_id=f"29:owner-{n}",
            conversation_type="personal",
        )
        for n in range(count)
    ]
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        seed_due_actions(session, PLAYGROUND_TENANT_ID, owners, count)
    engine.dispose()


def seed_due_actions(session: Session, tenant_id: str, owners: list[t.Member], count: int) -> None:
    """A partnership with one agency and one review (chaired by the first owner), and `count`
    action items due a week after MOMENT, shared among `owners` in turn, their first chaser
    due five minutes before MOMENT."""
    partnership = t.Partnership(tenant_id=tenant_id, name="Bench partnership")
    session.add(partnership)
    session.flush()
    agency = t.Agency(partnership_id=partnership.id, name="Police", sector="police")
    session.add(agency)
    for owner in owners:
        owner.partnership_id = partnership.id  # type: ignore[assignment]
    session.add_all(owners)
    session.flush()
    review = t.Review(
        partnership_id=partnership.id,
        reference="LOS-2027-001",
        year=2027,
        sequence=1,
        pseudonym="Child K",
        reason="Bench review",
        opened_on=date(2027, 1, 4),
        stage="actions_open",
        chair_member_id=owners[0].id,
    )
    session.add(review)
    session.flush()
    session.add_all(
        t.ActionItem(
            review_id=review.id,
            number=n + 1,
            reference=f"LOS-2027-001/A{n + 1}",
            description="Share the revised escalation guidance with every team",
            owner_member_id=owners[n % len(owners)].id,
            agency_id=agency.id,
            due_on=DUE_ON,
            next_chase_at=MOMENT - timedelta(minutes=5),
        )
        for n in range(count)
    )


def _attempts_in(url: str, outcomes: tuple[str, ...]) -> int:
    """Chaser attempts logged with one of `outcomes` (claimed or attempted once no sweep runs:
    held items)."""
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.scalar(
            select(func.count()).where(
                col(t.ChaserLog.outcome).in_(outcomes), col(t.ChaserLog.kind) != "escalation"
            )
        )
    engine.dispose()
    return int(found or 0)


def _history(url: str) -> tuple[dict[str, int], int]:
    """Per conversation, the attempts the log says may have delivered the chaser; and how many
    attempts it marks as possibly repeated."""
    engine = create_engine(url)
    with Session(engine) as session:
        rows = session.execute(
            select(t.Member.conversation_id, t.ChaserLog.outcome, t.ChaserLog.possibly_repeated)
            .join(t.ActionItem, col(t.ActionItem.id) == col(t.ChaserLog.subject_id))
            .join(t.Member, col(t.Member.id) == col(t.ActionItem.owner_member_id))
            .where(col(t.ChaserLog.kind) != "escalation")
        ).all()
    engine.dispose()
    logged: dict[str, int] = {}
    marked = 0
    for conversation, outcome, repeated in rows:
        if outcome in MAY_HAVE_DELIVERED:
            logged[str(conversation)] = logged.get(str(conversation), 0) + 1
            marked += bool(repeated)
    return logged, marked


class Instance:
    """`lineofsight serve` on its own port, driven through its test hooks."""

    def __init__(self, name: str, url: str, port: int, workdir: Path) -> None:
        env = child_env(
            DATABASE_URL=url,
            PORT=str(port),
            DATA_DIR=str(workdir / name),
            LOS_TEST_HOOKS="1",
            RUN_SCHEDULER="false",
            LOG_LEVEL="WARNING",
        )
        self.base = f"http://127.0.0.1:{port}"
        self.child = Child(name, ["-m", "bot", "serve"], env, ROOT, workdir / f"{name}.log")

    async def ready(self, http: aiohttp.ClientSession, moment: datetime) -> None:
        await self.child.wait_ready(self.base + "/healthz")
        await self.post(http, "/_test/clock", {"now": moment.isoformat()})

    async def post(
        self, http: aiohttp.ClientSession, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        async with http.post(self.base + path, json=body or {}) as response:
            response.raise_for_status()
            return await response.json()

    async def sweep(self, http: aiohttp.ClientSession) -> dict[str, Any] | None:
        """A sweep's report, or None when the instance went away during it."""
        try:
            found: dict[str, Any] = await self.post(http, "/_test/sweep")
            return found
        except (aiohttp.ClientError, ConnectionError):
            return None


async def _deliveries(http: aiohttp.ClientSession, connector: str) -> dict[str, int]:
    async with http.get(connector + "deliveries") as response:
        found: dict[str, int] = await response.json()
        return found


async def _arrived(http: aiohttp.ClientSession, connector: str) -> int:
    return sum((await _deliveries(http, connector)).values())


async def run_once(
    admin_url: str, stop: str, chasers: int, workdir: Path, delay: float = 0.02
) -> RunResult:
    """One run on a fresh database (dropped afterwards)."""
    name = f"los_two_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        return await _run(url, stop, chasers, workdir, delay)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def _run(url: str, stop: str, chasers: int, workdir: Path, delay: float) -> RunResult:
    ports = [_free_port() for _ in range(3)]
    connector = f"http://127.0.0.1:{ports[0]}/"
    fake = Child(
        "connector",
        ["-m", "bench.connector", str(ports[0])],
        child_env(),
        ROOT,
        workdir / "connector.log",
    )
    upgrade(url)
    seed(url, connector, chasers)
    a = Instance("a", url, ports[1], workdir)
    b = Instance("b", url, ports[2], workdir)
    timeout = aiohttp.ClientTimeout(total=600)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            await fake.wait_ready(connector + "stats")
            async with http.post(connector + f"delay?seconds={delay}"):
                pass
            await asyncio.gather(a.ready(http, MOMENT), b.ready(http, MOMENT))
            return await _stop_one_mid_sweep(http, a, b, connector, url, stop, chasers)
    finally:
        for child in (a.child, b.child, fake):
            child.stop()


async def _stop_one_mid_sweep(
    http: aiohttp.ClientSession,
    a: Instance,
    b: Instance,
    connector: str,
    url: str,
    stop: str,
    chasers: int,
) -> RunResult:
    sweeps = [asyncio.create_task(i.sweep(http)) for i in (a, b)]
    while (arrived := await _arrived(http, connector)) < chasers // 3:
        if all(s.done() for s in sweeps):
            raise RuntimeError(f"both sweeps ended after {arrived} deliveries")
        await asyncio.sleep(0.005)
    stopped_at = time.monotonic()
    a.child.process.send_signal(signal.SIGKILL if stop == "kill" else signal.SIGTERM)
    await asyncio.get_running_loop().run_in_executor(None, a.child.process.wait, 60)
    exit_seconds = time.monotonic() - stopped_at
    await asyncio.gather(*sweeps)
    held = _attempts_in(url, OPEN_CLAIMS)
    released = _attempts_in(url, (chase_engine.RELEASED,))
    # What is left goes from B, sweeping every 2 s in real time (its clock runs on from
    # MOMENT): at once if it was given back, when its lease runs out if it was held.
    deadline = stopped_at + chase_engine.LEASE.total_seconds() * 2 + 30
    while len(await _deliveries(http, connector)) < chasers and time.monotonic() < deadline:
        await asyncio.sleep(2)
        await b.sweep(http)
    all_sent_after = time.monotonic() - stopped_at
    delivered = await _deliveries(http, connector)
    logged, marked = _history(url)
    return RunResult(
        stop=stop,
        chasers=chasers,
        deliveries=sum(delivered.values()),
        duplicates=sum(n - 1 for n in delivered.values() if n > 1),
        missing=chasers - len(delivered),
        held=held,
        released=released,
        stopped_after=arrived,
        exit_seconds=round(exit_seconds, 2),
        possibly_repeated_logged=marked,
        all_sent_after=round(all_sent_after, 1),
        under_reported=sum(1 for c, n in delivered.items() if n > logged.get(c, 0)),
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def main_async(args: argparse.Namespace) -> None:
    stops = ["kill", "term"] if args.stop == "both" else [args.stop]
    for _ in range(args.runs):
        for stop in stops:
            with tempfile.TemporaryDirectory(prefix="los-two-") as workdir:
                result = await run_once(args.postgres, stop, args.chasers, Path(workdir))
            print(json.dumps(asdict(result)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=DEFAULT_ADMIN_URL, help="an admin database URL")
    parser.add_argument("--chasers", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stop", choices=["kill", "term", "both"], default="both")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
