"""One command, one run, side by side on loopback (issue 8, docs/architecture.md §7):

- a fake connector (bench/connector.py, its own process) answering every call at once;
- the stock botbuilder 4.17.1 echo bot (bench/echo_bot.py, its own process), and the same
  bot on our transport (bench/echo_pooled.py) to show what the transport alone changes;
- our bot: the real `lineofsight serve` (its own process) on each platform (BOT_PLATFORM
  botframework and agents) and each database (SQLite in a temp dir, and a fresh PostgreSQL
  database, dropped afterwards), each migrated and seeded with the demo partnership (a review
  with a return assigned to the benchmark user), side by side; in full runs also our bot on
  the stock CloudAdapter (bench/ours_stock.py), the "before".

Every turn scenario gets the same load: 32 keep-alive connections posting activities back to
back; each is warmed up, then all are measured round-robin in short rounds so a noisy
neighbour slows each of them alike. Then a chaser-like proactive sweep through the real
`Outbound` (bench/sweep.py, its own process) on each platform, with Teams' rate limits on (the
fake connector answers 429 past them) and off. Ratios against the stock echo bot measured in
the same run are the result, by turns/s and by the bot process's CPU per turn; absolute numbers
depend on the machine. The load generator shares the machine with the bots.

    .venv/bin/python -m bench            # full: 10 s per scenario, 10,000 proactive sends
    .venv/bin/python -m bench --quick    # CI: 3 s per scenario, 2,000 sends, no "before"
    .venv/bin/python -m bench --quick --databases sqlite --platforms agents   # a part

PostgreSQL is reached at TEST_POSTGRES_URL (as the tests do; by default the local server's
`postgres` database, trust): the run creates its own database there and drops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from bench import scenarios
from bench.load import Driver, LoadResult
from bench.proc import ROOT, Child, child_env, cpu_seconds, memory
from bench.scenarios import TENANT, USER_AAD, Scenario
from storage import tables as t
from storage.demo import load_demo
from storage.migrate import upgrade

RESULTS = ROOT / "bench" / "results"

TARGETS = {
    "save_next_ratio": 10.0,
    "save_next_p99_ms": 50.0,
    "sweep_rate": 1000.0,
    "peak_rss_mb": 200.0,
}
# Issue 19, on every platform: the save turn against the echo bot, by database, and its p99.
SAVE_RATIO_TARGETS = {"sqlite": 8.0, "postgres": 6.0}
SAVE_P99_TARGET_MS = 60.0

PLATFORMS = ("botframework", "agents")
DATABASES = ("sqlite", "postgres")
DATABASE_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class Variant:
    """Our bot on one platform and one database: one process of the side-by-side run."""

    platform: str
    database: str

    @property
    def suffix(self) -> str:
        # The first variant keeps the plain keys (save_next, help, read, ours) that earlier
        # results and tests/bench/test_regression.py use.
        if (self.platform, self.database) == (PLATFORMS[0], DATABASES[0]):
            return ""
        return f"_{self.platform}_{self.database}"

    @property
    def bot(self) -> str:
        return "ours" + self.suffix

    @property
    def title(self) -> str:
        return f"{self.platform} · {DATABASE_TITLES[self.database]}"


@dataclass(frozen=True)
class Plan:
    seconds: float
    warmup: float
    rounds: int  # each scenario's seconds are measured in this many interleaved slices
    connections: int
    sweep_count: int
    sweep_limited_seconds: float
    read_command: str
    quick: bool
    variants: tuple[Variant, ...]
    postgres: str


def parse(argv: list[str] | None) -> tuple[Plan, Path | None]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run for CI")
    parser.add_argument("--seconds", type=float, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, help="interleaved slices per scenario")
    parser.add_argument("--sweep-count", type=int, help="proactive sends with limits off")
    parser.add_argument(
        "--read-command",
        default=scenarios.READ_COMMAND,
        help="the read turn's command (default: a manager's summary of the demo review)",
    )
    parser.add_argument(
        "--platforms", nargs="+", choices=PLATFORMS, default=list(PLATFORMS), metavar="P"
    )
    parser.add_argument(
        "--databases", nargs="+", choices=DATABASES, default=list(DATABASES), metavar="D"
    )
    parser.add_argument("--postgres", default=PG_ADMIN_URL, help="PostgreSQL server (admin URL)")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/...)")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    plan = Plan(
        seconds=args.seconds or (3.0 if quick else 10.0),
        warmup=args.warmup if args.warmup is not None else (1.0 if quick else 2.0),
        rounds=args.rounds or (3 if quick else 5),
        connections=args.connections,
        sweep_count=args.sweep_count or (2_000 if quick else 10_000),
        sweep_limited_seconds=3.0 if quick else 10.0,
        read_command=args.read_command,
        quick=quick,
        variants=tuple(
            Variant(p, d)
            for d in DATABASES
            for p in PLATFORMS
            if p in args.platforms and d in args.databases
        ),
        postgres=args.postgres,
    )
    return plan, args.out


def main(argv: list[str] | None = None) -> int:
    plan, out = parse(argv)
    results = asyncio.run(run(plan))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out or RESULTS / f"bench-{'quick-' if plan.quick else ''}{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {path}")
    return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(plan: Plan) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="los-bench-") as tmp:
        work = Path(tmp)
        children: list[Child] = []
        cleanups: list[Callable[[], None]] = []
        try:
            return await _run(plan, work, children, cleanups)
        finally:
            for child in reversed(children):
                child.stop()
            for cleanup in cleanups:
                cleanup()


def _new_postgres_database(admin_url: str, cleanups: list[Callable[[], None]]) -> str:
    """A fresh database on the server, dropped when the run ends."""
    name = f"los_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        raise SystemExit(
            f"PostgreSQL at {admin_url.split('@')[-1]} is not reachable ({type(error).__name__});"
            " set TEST_POSTGRES_URL or --postgres, or run with --databases sqlite"
        ) from error

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    cleanups.append(drop)
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@dataclass(frozen=True)
class BotSpec:
    name: str
    title: str
    module: str
    ours: bool  # the real app: needs a database, settings, and answers /readyz
    variant: Variant = Variant(PLATFORMS[0], DATABASES[0])


BOTS = {
    "echo": BotSpec("echo", "stock echo bot", "bench.echo_bot", ours=False),
    "echo_pooled": BotSpec(
        "echo_pooled", "echo bot on our transport", "bench.echo_pooled", ours=False
    ),
    **{
        v.bot: BotSpec(v.bot, f"our bot ({v.title})", "bot", ours=True, variant=v)
        for v in (Variant(p, d) for d in DATABASES for p in PLATFORMS)
    },
    "ours_stock": BotSpec("ours_stock", "our bot on stock adapter", "bench.ours_stock", ours=True),
}


def turn_plan(plan: Plan, connector: str, return_ids: dict[str, tuple[int, ...]]) -> list[Scenario]:
    """What is driven, in order; the first is the baseline every ratio divides by."""
    read = plan.read_command
    turns = [
        scenarios.echo(
            "echo",
            "echo baseline: stock botbuilder 4.17.1 sample, 1 card via connector",
            "echo",
            connector,
        ),
        scenarios.echo(
            "echo_pooled",
            "the same echo bot on bot/botframework/ (transport alone)",
            "echo_pooled",
            connector,
        ),
    ]
    says = scenarios.READ_SAYS if read == scenarios.READ_COMMAND else ""
    for v in plan.variants:
        on = f"[{v.title}]"
        turns += [
            scenarios.save_and_next(
                "save_next" + v.suffix,
                f"ours {on}: save answer + show next section (invoke, reply in body)",
                v.bot,
                connector,
                return_ids[v.bot],
            ),
            scenarios.message_turn(
                "help" + v.suffix,
                "help",
                f"ours {on}: help (message, 1 card via connector: like for like)",
                v.bot,
                connector,
            ),
            scenarios.message_turn(
                "read" + v.suffix,
                read,
                f"ours {on}: `{read}` (read turn, 1 card via connector)",
                v.bot,
                connector,
                says=says,
            ),
        ]
    if not plan.quick:
        turns += [
            scenarios.save_and_next(
                "save_next_stock",
                "before: ours on stock CloudAdapter, save answer + next section",
                "ours_stock",
                connector,
                return_ids["ours_stock"],
            ),
            scenarios.message_turn(
                "help_stock",
                "help",
                "before: ours on stock CloudAdapter, help",
                "ours_stock",
                connector,
            ),
        ]
    return turns


async def _run(
    plan: Plan, work: Path, children: list[Child], cleanups: list[Callable[[], None]]
) -> dict[str, Any]:
    needed = ["echo", "echo_pooled", *(v.bot for v in plan.variants)]
    needed += [] if plan.quick else ["ours_stock"]
    ports = {name: _free_port() for name in ["connector", *needed]}
    connector_url = f"http://127.0.0.1:{ports['connector']}/"
    env = child_env()
    connector = Child(
        "connector",
        ["-m", "bench.connector", str(ports["connector"])],
        env,
        ROOT,
        work / "connector.log",
    )
    children.append(connector)

    bots: dict[str, Child] = {}
    envs: dict[str, dict[str, str]] = {}
    databases: dict[str, str] = {}
    for name in needed:
        spec = BOTS[name]
        if spec.ours:
            home = work / name
            home.mkdir()
            if spec.variant.database == "postgres":
                databases[name] = _new_postgres_database(plan.postgres, cleanups)
            else:
                databases[name] = f"sqlite:///{home / 'lineofsight.db'}"
            upgrade(databases[name])
            load_demo(databases[name], TENANT, USER_AAD)
            envs[name] = _bot_env(home, databases[name], ports[name], spec.variant.platform)
            args = ["-m", spec.module] + (["serve"] if spec.module == "bot" else [])
            bots[name] = Child(spec.title, args, envs[name], home, work / f"{name}.log")
        else:
            args = ["-m", spec.module, str(ports[name])]
            bots[name] = Child(spec.title, args, env, ROOT, work / f"{name}.log")
        children.append(bots[name])
    # Side by side: every bot is up for the whole run; only one is driven at a time.
    await connector.wait_ready(connector_url + "stats")
    return_ids: dict[str, tuple[int, ...]] = {}
    idle: dict[str, float] = {}
    for name, child in bots.items():
        base = f"http://127.0.0.1:{ports[name]}"
        if not BOTS[name].ours:
            await child.wait_ready(base + "/api/messages")
        else:
            await child.wait_ready(base + "/readyz")
            # The benchmark user speaks first, as in Teams, so the demo member has an address.
            await _first_turn(base + "/api/messages", connector_url)
            return_ids[name] = _benchmark_returns(databases[name], plan.connections)
        idle[name] = memory(child.pid)["rss_mb"]

    turns = turn_plan(plan, connector_url, return_ids)
    urls = {t.key: f"http://127.0.0.1:{ports[t.target]}/api/messages" for t in turns}
    for scenario in turns:
        await _check_says(scenario, urls[scenario.key], connector_url)
    rows = await _measure_all(plan, turns, bots, urls, connector_url)
    for row in rows:
        print(_row_text(row, rows[0]["rate"]), flush=True)

    for child in bots.values():
        child.stop()
    sweeps = []
    for chosen in dict.fromkeys(v.platform for v in plan.variants):
        # Proactive sends touch the database only on failures: each platform on its first
        # variant's database.
        variant = next(v for v in plan.variants if v.platform == chosen)
        for limits in (True, False):
            sweep = await _sweep(plan, work, envs[variant.bot], connector, connector_url, limits)
            sweeps.append(sweep | {"platform": chosen})
    for sweep in sweeps:
        print(_sweep_text(sweep), flush=True)
    summary = _summary(plan, rows, sweeps)
    summary["variants"] = [v.__dict__ | {"suffix": v.suffix} for v in plan.variants]
    summary["idle_rss_mb"] = idle  # each bot after start-up (and its first turn), before load
    return summary


def _bot_env(home: Path, database: str, port: int, platform: str) -> dict[str, str]:
    return child_env(
        BOT_PLATFORM=platform,
        MicrosoftAppId="",
        MicrosoftAppPassword="",
        DATA_DIR=str(home),
        DATABASE_URL=database,
        ALLOWED_TENANT_IDS=TENANT,
        ADMIN_AAD_IDS="",  # the demo gives the user their roles; most users are not admins
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="INFO",
    )


async def _first_turn(url: str, connector_url: str) -> None:
    body = scenarios.message_turn("first", "help", "", "ours", connector_url).body(0)
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers={"Content-Type": "application/json"}) as response,
    ):
        if response.status != 201:
            raise RuntimeError(f"our bot refused the first turn: {response.status}")


async def _check_says(scenario: Scenario, url: str, connector_url: str) -> None:
    """A turn counts when it answers 201 and sends one card; this makes sure, once, that the
    card is the one meant (a summary, not an error card that would be quicker to draw)."""
    if not scenario.says:
        return
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, data=scenario.body(0), headers={"Content-Type": "application/json"}
        ) as response:
            await response.read()
        async with http.get(connector_url + "last") as response:
            sent = await response.read()
    if scenario.says.decode() not in json.dumps(json.loads(sent), ensure_ascii=False):
        raise RuntimeError(f"{scenario.key}: the reply doesn't say {scenario.says.decode()!r}")


def _benchmark_returns(database: str, count: int) -> tuple[int, ...]:
    """`count` returns the benchmark user may write, one for each of the load's connections:
    copies of the demo's return assigned to them, each on its own copy of its review (the
    demo review, and so the read turn's summary, is left as it is). On PostgreSQL, 32 connections
    saving one return at once were mostly (rightly) refused as a colleague's concurrent save;
    with a return each, every save is measured, like for like with SQLite."""
    engine = create_engine(database)
    try:
        with Session(engine) as session, session.begin():
            user = session.scalars(
                select(t.Member).where(col(t.Member.aad_object_id) == USER_AAD)
            ).one()
            first = session.scalars(
                select(t.PreAnalysisReturn)
                .join(t.ReturnAssignee, col(t.ReturnAssignee.return_id) == t.PreAnalysisReturn.id)
                .where(col(t.ReturnAssignee.member_id) == user.id)
                .order_by(col(t.PreAnalysisReturn.id))
            ).first()
            if first is None or first.id is None or user.id is None:
                raise RuntimeError("the demo data has no return assigned to the benchmark user")
            review = session.get_one(t.Review, first.review_id)
            ids = []
            for n in range(1, count + 1):
                copy = t.Review(
                    **review.model_dump(exclude={"id", "reference", "sequence"}),
                    reference=f"LOS-{review.year}-B{n:02d}",
                    sequence=900 + n,
                )
                session.add(copy)
                session.flush()
                assert copy.id is not None
                ret = t.PreAnalysisReturn(
                    **first.model_dump(exclude={"id", "review_id"}), review_id=copy.id
                )
                session.add(ret)
                session.flush()
                assert ret.id is not None
                session.add(t.ReturnAssignee(return_id=ret.id, member_id=user.id))
                ids.append(ret.id)
    finally:
        engine.dispose()
    return tuple(ids)


async def _connector_stats(connector_url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as http, http.get(connector_url + "stats") as response:
        stats: dict[str, int] = await response.json()
        return stats


@dataclass
class _Tally:
    result: LoadResult
    cpu: float = 0.0
    elapsed: float = 0.0
    sends: int = 0


async def _measure_all(
    plan: Plan,
    turns: list[Scenario],
    bots: dict[str, Child],
    urls: dict[str, str],
    connector_url: str,
) -> list[dict[str, Any]]:
    """Warm each scenario up, then measure them round-robin in `plan.rounds` slices."""
    drivers = {t.key: Driver(urls[t.key], t.body, t.check, plan.connections) for t in turns}
    tallies = {t.key: _Tally(LoadResult()) for t in turns}
    try:
        for driver in drivers.values():
            await driver.__aenter__()
        for scenario in turns:
            if plan.warmup > 0:
                await _slice(drivers[scenario.key], bots[scenario.target], plan.warmup, None)
        for _ in range(plan.rounds):
            for scenario in turns:
                child = bots[scenario.target]
                tally = tallies[scenario.key]
                before = await _connector_stats(connector_url)
                await _slice(drivers[scenario.key], child, plan.seconds / plan.rounds, tally)
                tally.sends += (await _connector_stats(connector_url))["sends"] - before["sends"]
    finally:
        for driver in drivers.values():
            await driver.__aexit__(None, None, None)
    return [_row(s, bots[s.target], tallies[s.key]) for s in turns]


async def _slice(driver: Driver, child: Child, seconds: float, tally: _Tally | None) -> None:
    child.check_alive()
    cpu_before = cpu_seconds(child.pid)
    started = time.perf_counter()
    result = await driver.phase(seconds)
    child.check_alive()
    if tally is not None:
        tally.result.add(result)
        tally.cpu += cpu_seconds(child.pid) - cpu_before
        tally.elapsed += time.perf_counter() - started


def _row(scenario: Scenario, child: Child, tally: _Tally) -> dict[str, Any]:
    result = tally.result
    answered = result.answered
    return {
        "key": scenario.key,
        "label": scenario.label,
        "process": child.name,
        "turns": result.completed,
        "seconds": result.seconds,
        "rate": result.rate,
        "p50_ms": result.percentile(50) * 1000,
        "p99_ms": result.percentile(99) * 1000,
        "max_ms": max(result.latencies, default=float("nan")) * 1000,
        "errors": result.errors,
        "unexpected": result.unexpected,
        "first_problem": result.first_problem,
        "connector_sends": tally.sends,
        "replies_per_turn": tally.sends / answered if answered else 0.0,
        "expected_replies_per_turn": scenario.replies_per_turn,
        # CPU the bot process used per answered turn: far less noisy than turns/s when other
        # processes compete for the machine.
        "bot_cpu_ms_per_turn": tally.cpu / answered * 1000 if answered else float("nan"),
        "bot_cpu_share": tally.cpu / tally.elapsed if tally.elapsed else float("nan"),
        **memory(child.pid),
    }


async def _sweep(
    plan: Plan,
    work: Path,
    env: dict[str, str],
    connector: Child,
    connector_url: str,
    limits: bool,
) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        await http.post(connector_url + f"enforce?on={1 if limits else 0}")
    before = await _connector_stats(connector_url)
    args = [
        "-m",
        "bench.sweep",
        "--connector",
        connector_url,
        "--count",
        str(plan.sweep_count),
        "--limits",
        "on" if limits else "off",
    ]
    if limits:
        args += ["--seconds", str(plan.sweep_limited_seconds)]
    name = f"sweep-{'limited' if limits else 'unlimited'}-{env['BOT_PLATFORM']}"
    child = Child(name, args, env, work, work / f"{name}.log")
    await asyncio.to_thread(child.process.wait)
    if child.process.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{child.tail()}")
    result: dict[str, Any] = json.loads(child.tail(1))
    child.stop()
    after = await _connector_stats(connector_url)
    connector.check_alive()
    result["throttled_by_connector"] = after["throttled"] - before["throttled"]
    result["key"] = name
    result["label"] = (
        "proactive sends/s, Teams limits on (7/s/conversation, 50/s/tenant)"
        if limits
        else "proactive sends/s, limits off (chaser-like sweep)"
    ) + f" [{env['BOT_PLATFORM']}]"
    return result


def _summary(
    plan: Plan, rows: list[dict[str, Any]], sweeps: list[dict[str, Any]]
) -> dict[str, Any]:
    echo = rows[0]
    by_key = {row["key"]: row for row in rows}
    for row in rows:
        row["ratio"] = row["rate"] / echo["rate"] if echo["rate"] else float("nan")
        # How many of this turn fit in the CPU one stock echo turn costs.
        row["cpu_ratio"] = echo["bot_cpu_ms_per_turn"] / row["bot_cpu_ms_per_turn"]
    first = plan.variants[0]
    save = by_key["save_next" + first.suffix]
    unlimited = next(s for s in sweeps if s["limits"] == "off")
    ours = {BOTS[v.bot].title for v in plan.variants}
    peak_ours = max(
        [row["peak_rss_mb"] for row in rows if row["process"] in ours]
        + [sweep["peak_rss_mb"] for sweep in sweeps]
    )
    checks = {
        "save_next_ratio": (save["ratio"], save["ratio"] >= TARGETS["save_next_ratio"]),
        "save_next_p99_ms": (save["p99_ms"], save["p99_ms"] < TARGETS["save_next_p99_ms"]),
        "sweep_rate": (unlimited["rate"], unlimited["rate"] >= TARGETS["sweep_rate"]),
        "peak_rss_mb": (peak_ours, peak_ours < TARGETS["peak_rss_mb"]),
    }
    targets = {
        name: {"target": TARGETS[name], "value": value, "met": met}
        for name, (value, met) in checks.items()
    }
    for v in plan.variants:  # issue 19's, on every platform and database
        row = by_key["save_next" + v.suffix]
        ratio = max(row["ratio"], row["cpu_ratio"])
        floor = SAVE_RATIO_TARGETS[v.database]
        targets[f"save_next_ratio [{v.title}]"] = {
            "target": floor,
            "value": ratio,
            "met": ratio >= floor,
        }
        targets[f"save_next_p99_ms [{v.title}]"] = {
            "target": SAVE_P99_TARGET_MS,
            "value": row["p99_ms"],
            "met": row["p99_ms"] < SAVE_P99_TARGET_MS,
        }
    return {
        "when": datetime.now(UTC).isoformat(),
        "machine": {
            "python": platform.python_version(),
            "cpus": len(__import__("os").sched_getaffinity(0)),
            "platform": platform.platform(),
        },
        "plan": plan.__dict__
        | {"variants": [v.title for v in plan.variants], "postgres": plan.postgres.split("@")[-1]},
        "turns": rows,
        "sweeps": sweeps,
        "ratios": {row["key"]: row["ratio"] for row in rows},
        "cpu_ratios": {row["key"]: row["cpu_ratio"] for row in rows},
        # Our turns on our transport vs the same turns on the stock adapter (full runs only).
        "speedups": {
            key: {
                "rate": by_key[key]["rate"] / by_key[f"{key}_stock"]["rate"],
                "cpu": by_key[f"{key}_stock"]["bot_cpu_ms_per_turn"]
                / by_key[key]["bot_cpu_ms_per_turn"],
            }
            for key in ("save_next", "help")
            if f"{key}_stock" in by_key and by_key[f"{key}_stock"]["rate"]
        },
        "targets": targets,
    }


def _row_text(row: dict[str, Any], echo_rate: float) -> str:
    ratio = row["rate"] / echo_rate if echo_rate else float("nan")
    problems = ""
    if row["errors"] or row["unexpected"]:
        problems = f"  !! {row['errors']} errors, {row['unexpected']} unexpected: "
        problems += row["first_problem"][:200]
    return (
        f"{row['label'][:74]:<74} {row['rate']:>8.0f}/s {row['p50_ms']:>7.1f} "
        f"{row['p99_ms']:>7.1f} {ratio:>7.1f}x {row['bot_cpu_ms_per_turn']:>7.2f} ms CPU"
        f"{problems}"
    )


def _sweep_text(sweep: dict[str, Any]) -> str:
    extra = ""
    if sweep["failures"]:
        extra = f"  !! {sweep['failures']} failed: {sweep['first_failure']}"
    return (
        f"{sweep['label'][:74]:<74} {sweep['rate']:>8.0f}/s "
        f"({sweep['sends']} sends in {sweep['seconds']:.1f} s, "
        f"{sweep['throttled_by_connector']} answered 429) {sweep['peak_rss_mb']:>6.0f} MB{extra}"
    )


def table(results: dict[str, Any]) -> str:
    """turns/s and latency at the plan's connections; 'vs echo' divides turns/s by the stock
    echo bot's; 'CPU vs echo' divides the echo bot's CPU per turn by this one's."""
    width = 74
    header = (
        f"\n{'scenario':<{width}} {'turns/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'vs echo':>8} "
        f"{'CPU ms':>7} {'CPU vs echo':>11} {'RSS MB':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in results["turns"]:
        lines.append(
            f"{row['label'][:width]:<{width}} {row['rate']:>8.0f} {row['p50_ms']:>7.1f} "
            f"{row['p99_ms']:>7.1f} {row['ratio']:>7.1f}x {row['bot_cpu_ms_per_turn']:>7.2f} "
            f"{row['cpu_ratio']:>10.1f}x {row['peak_rss_mb']:>6.0f}"
        )
    for sweep in results["sweeps"]:
        lines.append(
            f"{sweep['label'][:width]:<{width}} {sweep['rate']:>8.0f} {'':>7} {'':>7} {'':>8} "
            f"{sweep['cpu_ms_per_send']:>7.2f} {'':>11} {sweep['peak_rss_mb']:>6.0f}  "
            f"{sweep['sends']} sent, {sweep['throttled_by_connector']} got 429"
        )
    lines += ["", side_by_side(results), ""]
    idle = ", ".join(f"{name} {mb:.0f} MB" for name, mb in results.get("idle_rss_mb", {}).items())
    lines.append(f"resident memory after start-up, before load: {idle}")
    for key, speedup in results.get("speedups", {}).items():
        lines.append(
            f"our {key} turn, pooled transport vs stock CloudAdapter: "
            f"{speedup['rate']:.1f}x turns/s, {speedup['cpu']:.1f}x less CPU per turn"
        )
    for name, check in results["targets"].items():
        verdict = "met" if check["met"] else "MISSED"
        lines.append(
            f"target {name:<44} {check['value']:>8.1f} (target {check['target']}): {verdict}"
        )
    problems = [
        row["key"]
        for row in results["turns"]
        if row["errors"]
        or row["unexpected"]
        or abs(row["replies_per_turn"] - row["expected_replies_per_turn"]) > 0.05
    ]
    if problems:
        lines.append(f"WARNING: scenarios with errors or wrong replies: {', '.join(problems)}")
    return "\n".join(lines)


SIDE_BY_SIDE_TURNS = {
    "save_next": "save answer + next section",
    "help": "help",
    "read": "read turn (summary)",
}


def side_by_side(results: dict[str, Any]) -> str:
    """Our turns on each platform and database in columns: turns/s vs the stock echo bot,
    CPU per turn vs echo's, and p99, all from this one run."""
    variants = results.get("variants", [])
    by_key = {row["key"]: row for row in results["turns"]}
    width, column = 28, 27
    titles = [f"{v['platform']} · {DATABASE_TITLES[v['database']]}" for v in variants]
    lines = [
        "side by side (vs echo by turns/s / by CPU, p99 ms):",
        f"{'turn':<{width}}" + "".join(f"{title:>{column}}" for title in titles),
    ]
    for key, label in SIDE_BY_SIDE_TURNS.items():
        cells = []
        for v in variants:
            row = by_key.get(key + v["suffix"])
            cell = (
                f"{row['ratio']:.1f}x / {row['cpu_ratio']:.1f}x, {row['p99_ms']:.0f} ms"
                if row
                else "-"
            )
            cells.append(f"{cell:>{column}}")
        lines.append(f"{label:<{width}}" + "".join(cells))
    sweeps = {s.get("platform"): s for s in results["sweeps"] if s["limits"] == "off"}
    cells = []
    for v in variants:
        sweep = sweeps.get(v["platform"])
        cell = f"{sweep['rate']:.0f}/s, {sweep['cpu_ms_per_send']:.2f} ms" if sweep else "-"
        cells.append(f"{cell:>{column}}")
    lines.append(f"{'sends, limits off (platform)':<{width}}" + "".join(cells))
    return "\n".join(lines)
