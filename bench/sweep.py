"""A chaser-like proactive sweep, in its own process: N cards, each to its own 1:1 conversation
in one tenant, through the real app's `Outbound` (so the real adapter and transport), with a
bounded number in flight, streamed (recipients are generated, never all held).

    python -m bench.sweep --connector URL --count 10000 --limits on|off [--seconds S]

Prints one JSON line: sends, failures, seconds, sends/s, peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from bench.proc import own_memory
from bot.app import CHANNEL, SERVICES, create_app
from bot.config import Settings
from bot.logs import configure
from bot.outbound import Outbound
from bot.pacing import RateLimiter
from cards.basics import info_card
from domain.model import ConversationAddress
from domain.records import Recipient


def recipients(connector: str, tenant: str, count: int) -> Iterator[Recipient]:
    for n in range(count):
        aad = f"00000000-0000-4000-8000-{n:012d}"
        yield Recipient(
            member_id=n,
            display_name=f"Action owner {n}",
            aad_object_id=aad,
            tenant_id=tenant,
            address=ConversationAddress(
                service_url=connector,
                conversation_id=f"a:chaser-{n}",
                tenant_id=tenant,
                bot_id="28:line-of-sight-bench",
                user_id=f"29:owner-{n}",
                aad_object_id=aad,
                conversation_type="personal",
            ),
            unreachable=False,
        )


async def sweep(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    configure(settings.log_level, settings.secrets())  # as `lineofsight serve` logs
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        limiter = RateLimiter() if args.limits == "on" else RateLimiter.unlimited()
        outbound = Outbound(app[CHANNEL].outbound.courier, app[SERVICES].db, limiter=limiter)
        card = info_card(
            "Action 3 for LOS-2026-001 is due on Friday",
            "You have been chased once. Open the action to record progress or mark it "
            "complete; if nothing changes by Friday your agency lead will be told.",
        )
        tenant = next(iter(settings.allowed_tenant_ids))
        queue = recipients(args.connector, tenant, args.count)
        sent = failed = 0
        first_failure = ""
        start = time.perf_counter()
        cpu_start = time.process_time()
        deadline = start + args.seconds if args.seconds else float("inf")

        async def worker() -> None:
            nonlocal sent, failed, first_failure
            for recipient in queue:
                if time.perf_counter() >= deadline:
                    return
                delivery = await outbound.send_card(recipient, card, args.connector)
                if delivery.delivered:
                    sent += 1
                else:
                    failed += 1
                    first_failure = first_failure or delivery.detail

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
    finally:
        await runner.cleanup()
    return {
        "sends": sent,
        "failures": failed,
        "first_failure": first_failure,
        "seconds": seconds,
        "rate": sent / seconds if seconds else 0.0,
        "cpu_ms_per_send": cpu / (sent + failed) * 1000 if sent + failed else 0.0,
        "concurrency": args.concurrency,
        "limits": args.limits,
        **own_memory(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connector", required=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--limits", choices=["on", "off"], default="off")
    parser.add_argument("--seconds", type=float, default=0.0, help="stop sending after this")
    result = asyncio.run(sweep(parser.parse_args()))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
