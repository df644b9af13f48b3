"""A fake Bot Framework connector for benchmarks: its own process, answering every call at once.

It counts what it is sent (`GET /stats`; per conversation, `GET /deliveries`, cleared by
`POST /reset`) and, when told to (`POST /enforce`), plays Teams: a send over 7 per second in one
conversation or 50 per second in one tenant gets 429 with Retry-After, so a benchmark can prove
the bot's own pacing keeps it under the limits. `POST /delay?seconds=S` makes each send take S
seconds to answer (it is counted on arrival, as Teams would have it).

    python -m bench.connector PORT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

SENT = b'{"id":"1"}'
CREATED = b'{"id":"a:created","activityId":"1"}'
PER_CONVERSATION = 7
PER_TENANT = 50


class Connector:
    def __init__(self) -> None:
        self.sends = 0
        self.creates = 0
        self.throttled = 0
        self.enforce = False
        self.last = b"{}"  # the last activity sent, for a benchmark's check of what a turn says
        self._recent: dict[str, deque[float]] = {}
        self.deliveries: Counter[str] = Counter()
        self.delay = 0.0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        base = "/v3/conversations/{cid}/activities"
        app.router.add_post(base, self.send)
        app.router.add_post(base + "/{aid}", self.send)
        app.router.add_put(base + "/{aid}", self.send)
        app.router.add_post("/v3/conversations", self.create)
        app.router.add_get("/stats", self.stats)
        app.router.add_get("/last", self.last_sent)
        app.router.add_post("/enforce", self.set_enforce)
        app.router.add_get("/deliveries", self.per_conversation)
        app.router.add_post("/reset", self.reset)
        app.router.add_post("/delay", self.set_delay)
        return app

    async def send(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.enforce and self._over_limit(request.match_info["cid"], body):
            self.throttled += 1
            return web.json_response(
                {"error": {"code": "TooManyRequests", "message": "slow down"}},
                status=429,
                headers={"Retry-After": "1"},
            )
        self.sends += 1
        self.last = body
        self.deliveries[request.match_info["cid"]] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(body=SENT, content_type="application/json")

    async def per_conversation(self, _request: web.Request) -> web.Response:
        return web.json_response(dict(self.deliveries))

    async def reset(self, _request: web.Request) -> web.Response:
        self.deliveries.clear()
        self.sends = self.creates = self.throttled = 0
        return web.json_response({"reset": True})

    async def set_delay(self, request: web.Request) -> web.Response:
        self.delay = float(request.query.get("seconds", "0"))
        return web.json_response({"delay": self.delay})

    async def create(self, request: web.Request) -> web.Response:
        await request.read()
        self.creates += 1
        return web.Response(body=CREATED, content_type="application/json")

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"sends": self.sends, "creates": self.creates, "throttled": self.throttled}
        )

    async def last_sent(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.last, content_type="application/json")

    async def set_enforce(self, request: web.Request) -> web.Response:
        self.enforce = request.query.get("on") == "1"
        self._recent.clear()
        return web.json_response({"enforce": self.enforce})

    def _over_limit(self, conversation: str, body: bytes) -> bool:
        activity: dict[str, Any] = json.loads(body)
        tenant = (activity.get("conversation") or {}).get("tenantId") or "?"
        now = time.monotonic()
        over = False
        for key, limit in ((f"c:{conversation}", PER_CONVERSATION), (f"t:{tenant}", PER_TENANT)):
            recent = self._recent.setdefault(key, deque())
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            over = over or len(recent) >= limit
        if not over:
            for key in (f"c:{conversation}", f"t:{tenant}"):
                self._recent[key].append(now)
        return over


def main() -> None:
    port = int(sys.argv[1])
    web.run_app(Connector().app(), host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
