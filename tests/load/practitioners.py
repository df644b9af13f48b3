"""Load: N practitioners complete their pre-analysis returns at the same time against one bot
process (issue 7, item 8), on SQLite or PostgreSQL, over loopback only.

Each practitioner opens their return, answers all eleven sections (Next on each), adds two
chronology entries, reviews and submits: 16 turns, as Universal Action invokes, with no think
time. Submitting sends the agency lead and the chair a card through the fake connector. Then:
every answer is stored exactly once (rows = practitioners x questions, each at revision 1),
every entry once, every return submitted, no 5xx and no error reply; latency per turn is
reported (p50, p95, p99, max).

    python -m tests.load.practitioners --practitioners 200 --db sqlite
    python -m tests.load.practitioners --practitioners 200 --db postgres

By default the bot runs as a subprocess (`python -m bot serve`); `--in-process` runs it on an
aiohttp TestServer in this process (what the CI test does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import create_engine, func, select, text
from sqlmodel import Session, col

from bot.app import create_app
from bot.config import Settings
from cards import verbs
from domain.questions import default_question_bank
from storage import tables as t
from storage.migrate import upgrade
from tests.support.activities import TENANT, as_user, invoke
from tests.support.answers import valid_answers
from tests.support.connector import FakeConnector, Sent

ROOT = Path(__file__).resolve().parents[2]
BANK = default_question_bank()
QUESTIONS = sum(len(s.questions) for s in BANK.sections)
ENTRIES = 2
TURNS = 1 + len(BANK.sections) + ENTRIES + 2  # open, sections, entries, overview, submit
AGENCIES_PER_REVIEW = 10
CARD = "application/vnd.microsoft.card.adaptive"
PG_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


class QuietConnector(FakeConnector):
    """The fake connector without per-card schema validation (about half a second a card,
    which would load the test rather than the bot); it still records what was sent."""

    async def _send(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self.sent.append(
            Sent(request.method, request.match_info["cid"], activity, request.match_info.get("aid"))
        )
        return web.json_response({"id": f"sent-{len(self.sent)}"})


@dataclass
class Practitioner:
    aad: str
    return_id: int


@dataclass
class Results:
    practitioners: int
    database: str
    mode: str
    latencies: list[float] = field(default_factory=list)
    by_verb: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    error_replies: list[str] = field(default_factory=list)
    seconds: float = 0.0
    answers: int = 0
    answers_rewritten: int = 0
    entries: int = 0
    submitted: int = 0
    cards_sent: int = 0

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies, p)

    def problems(self) -> list[str]:
        n = self.practitioners
        found = []
        if self.turns != n * TURNS:
            found.append(f"{self.turns} turns, expected {n * TURNS}")
        if self.server_errors:
            found.append(f"{self.server_errors} responses were 5xx: {dict(self.statuses)}")
        if self.error_replies:
            found.append(f"{len(self.error_replies)} error replies: {self.error_replies[:3]}")
        if self.answers != n * QUESTIONS:
            found.append(f"{self.answers} answer rows, expected {n * QUESTIONS}")
        if self.answers_rewritten:
            found.append(f"{self.answers_rewritten} answers were written more than once")
        if self.entries != n * ENTRIES:
            found.append(f"{self.entries} chronology entries, expected {n * ENTRIES}")
        if self.submitted != n:
            found.append(f"{self.submitted} returns submitted, expected {n}")
        return found

    def report(self) -> str:
        ms = 1000
        return json.dumps(
            {
                "database": self.database,
                "bot": self.mode,
                "practitioners": self.practitioners,
                "turns": self.turns,
                "seconds": round(self.seconds, 2),
                "turns_per_second": round(self.turns / self.seconds, 1) if self.seconds else 0,
                "latency_ms": {
                    "p50": round(self.percentile(50) * ms, 1),
                    "p95": round(self.percentile(95) * ms, 1),
                    "p99": round(self.percentile(99) * ms, 1),
                    "max": round(max(self.latencies, default=0) * ms, 1),
                    "mean": round(statistics.fmean(self.latencies) * ms, 1)
                    if self.latencies
                    else 0,
                },
                "p99_ms_by_verb": {
                    verb: round(_percentile(times, 99) * ms, 1)
                    for verb, times in sorted(self.by_verb.items())
                },
                "status_codes": dict(sorted(self.statuses.items())),
                "server_errors": self.server_errors,
                "error_replies": len(self.error_replies),
                "answers": {"stored": self.answers, "expected": self.practitioners * QUESTIONS},
                "chronology_entries": self.entries,
                "returns_submitted": self.submitted,
                "cards_to_leads_and_chairs": self.cards_sent,
            },
            indent=2,
        )


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# --- the database ------------------------------------------------------------------------------


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'lineofsight.db'}"
        return
    name = f"los_load_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, count: int, service_url: str) -> list[Practitioner]:
    """One partnership; reviews of ten agencies each; one practitioner per return, every
    member with a conversation address at the fake connector."""
    upgrade(url)
    engine = create_engine(url)
    reviews = math.ceil(count / AGENCIES_PER_REVIEW)
    agencies = min(count, AGENCIES_PER_REVIEW)
    people: list[Practitioner] = []
    with Session(engine) as session, session.begin():
        partnership = t.Partnership(tenant_id=TENANT, name="Load test partnership")
        session.add(partnership)
        session.flush()
        pid = int(partnership.id or 0)

        def member(aad: str, name: str, role: str, agency: int | None) -> t.Member:
            row = t.Member(
                partnership_id=pid,
                aad_object_id=aad,
                teams_user_id=f"29:{aad}",
                display_name=name,
                agency_id=agency,
                service_url=service_url,
                conversation_id=f"a:chat-{aad}",
                bot_id="28:bot",
                address_user_id=f"29:{aad}",
                conversation_type="personal",
            )
            session.add(row)
            session.flush()
            session.add(t.MemberRole(member_id=row.id, role=role))
            return row

        agency_rows = []
        for number in range(agencies):
            agency = t.Agency(partnership_id=pid, name=f"Agency {number}", sector="police")
            session.add(agency)
            session.flush()
            agency_rows.append(agency)
            member(_aad(2, number), f"Lead {number}", "agency_lead", agency.id)
        for number in range(reviews):
            chair = member(_aad(3, number), f"Chair {number}", "chair", None)
            review = t.Review(
                partnership_id=pid,
                reference=f"LOS-2026-{number + 1:03d}",
                year=2026,
                sequence=number + 1,
                pseudonym=f"Child L{number}",
                reason="Load test.",
                chair_member_id=chair.id,
                stage="pre_analysis",
                opened_on=date(2026, 11, 2),
                returns_due_on=date(2099, 1, 15),
                question_bank_version=BANK.version,
            )
            session.add(review)
            session.flush()
            for slot, agency in enumerate(agency_rows):
                index = number * AGENCIES_PER_REVIEW + slot
                if index >= count:
                    break
                ret = t.PreAnalysisReturn(
                    review_id=review.id,
                    agency_id=agency.id,
                    due_on=date(2099, 1, 15),
                    question_bank_version=BANK.version,
                )
                session.add(ret)
                session.flush()
                aad = _aad(1, index)
                practitioner = member(aad, f"Practitioner {index}", "practitioner", agency.id)
                session.add(t.ReturnAssignee(return_id=ret.id, member_id=practitioner.id))
                people.append(Practitioner(aad, int(ret.id or 0)))
    engine.dispose()
    return people


def _aad(kind: int, number: int) -> str:
    return f"{kind:08d}-0000-4000-8000-{number:012d}"


def verify(url: str, results: Results) -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        results.answers = int(connection.scalar(select(func.count()).select_from(t.Answer)) or 0)
        results.answers_rewritten = int(
            connection.scalar(
                select(func.count()).select_from(t.Answer).where(col(t.Answer.revision) > 1)
            )
            or 0
        )
        results.entries = int(
            connection.scalar(select(func.count()).select_from(t.ChronologyEntry)) or 0
        )
        results.submitted = int(
            connection.scalar(
                select(func.count())
                .select_from(t.PreAnalysisReturn)
                .where(col(t.PreAnalysisReturn.status) == "submitted")
            )
            or 0
        )
    engine.dispose()


# --- the bot -----------------------------------------------------------------------------------


def _environment(url: str, folder: Path, port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "DATA_DIR": str(folder),
        "ALLOWED_TENANT_IDS": TENANT,
        "RUN_SCHEDULER": "false",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MicrosoftAppId": "",
        "LOG_LEVEL": "WARNING",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running_bot(url: str, folder: Path, in_process: bool) -> AsyncIterator[str]:
    """The bot's /api/messages URL, on loopback."""
    if in_process:
        values: dict[str, Any] = _environment(url, folder, 0)
        settings = Settings(_env_file=None, **values)
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        try:
            yield str(server.make_url("/api/messages"))
        finally:
            await server.close()
        return
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(_environment(url, folder, port), PYTHONPATH=str(ROOT))
    log = (folder / "bot.log").open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220 (started once, before the load)
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        await _wait_ready(f"http://127.0.0.1:{port}/healthz", process, folder)
        yield f"http://127.0.0.1:{port}/api/messages"
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


async def _wait_ready(url: str, process: subprocess.Popen[bytes], folder: Path) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError((folder / "bot.log").read_text(errors="replace")[-2000:])
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not become ready")


# --- the practitioners -------------------------------------------------------------------------


def turns_for(person: Practitioner) -> list[tuple[str, dict[str, Any]]]:
    rid = person.return_id
    steps: list[tuple[str, dict[str, Any]]] = [(verbs.RETURN_OPEN, {"return_id": rid})]
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": rid, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        steps.append((verbs.RETURN_NEXT, data))
    for day in ("2025-01-10", "2025-06-20")[:ENTRIES]:
        entry = {
            "return_id": rid,
            "event_date": day,
            "source": "school log",
            "event": "Attendance concern raised with the family.",
            "themes": "neglect",
        }
        steps.append((verbs.ENTRY_SAVE, entry))
    steps.append((verbs.RETURN_OVERVIEW, {"return_id": rid}))
    steps.append((verbs.RETURN_SUBMIT, {"return_id": rid}))
    return steps


async def practitioner(
    http: aiohttp.ClientSession,
    endpoint: str,
    connector_url: str,
    person: Practitioner,
    results: Results,
) -> None:
    for verb, data in turns_for(person):
        body = as_user(invoke(connector_url, verb, data), person.aad, name="Load Practitioner")
        body["conversation"]["id"] = f"a:chat-{person.aad}"
        started = time.perf_counter()
        async with http.post(endpoint, json=body) as response:
            payload = await response.read()
            status = response.status
        took = time.perf_counter() - started
        results.latencies.append(took)
        results.by_verb.setdefault(verb, []).append(took)
        results.statuses[status] += 1
        if status == 200:
            reply = json.loads(payload)
            if reply.get("type") != CARD:
                results.error_replies.append(f"{verb}: {str(reply.get('value'))[:160]}")


async def run(count: int, kind: str, in_process: bool, folder: Path) -> Results:
    results = Results(count, kind, "in-process" if in_process else "subprocess")
    connector = QuietConnector()
    connector.server = TestServer(connector.app(), host="127.0.0.1")
    await connector.server.start_server()
    try:
        with database(kind, folder) as url:
            people = await asyncio.to_thread(seed, url, count, connector.url)
            async with running_bot(url, folder, in_process) as endpoint:
                limits = aiohttp.TCPConnector(limit=0)
                timeout = aiohttp.ClientTimeout(total=120)
                async with aiohttp.ClientSession(connector=limits, timeout=timeout) as http:
                    started = time.perf_counter()
                    await asyncio.gather(
                        *(practitioner(http, endpoint, connector.url, p, results) for p in people)
                    )
                    results.seconds = time.perf_counter() - started
                # The lead's and chair's cards are sent before each submit answers.
                results.cards_sent = len(connector.cards())
            await asyncio.to_thread(verify, url, results)
    finally:
        await connector.server.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--practitioners", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--in-process", action="store_true", help="run the bot in this process")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="los-load-") as folder:
        results = asyncio.run(run(args.practitioners, args.db, args.in_process, Path(folder)))
    print(results.report())
    problems = results.problems()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
