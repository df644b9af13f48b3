"""A fake Bot Framework connector: a real aiohttp server on loopback that records what the bot
sends (replies, proactive messages, updates, new conversations) and can be told to fail."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from cards import verbs
from cards.validation import card_problems
from domain.idempotency import CARD_ID

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Sent:
    method: str
    conversation_id: str
    activity: dict[str, Any]
    reply_to: str | None = None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == CARD
        ]

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")


@dataclass
class FakeConnector:
    sent: list[Sent] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    card_problems: list[str] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    uploads: list[bytes] = field(default_factory=list)
    server: TestServer | None = None
    # Seconds each send takes to answer (a slow connector).
    delay: float = 0.0
    # When given, each send answers only once it is set (a connector slow until the test says).
    held: asyncio.Event | None = None
    # Sends to record and then cut off without an answer (a reset after the request arrived).
    drops: int = 0
    # Set whenever a send arrives.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # The Authorization header of every request (sends and new conversations), "" if none.
    authorizations: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    def fail_next(
        self, status: int, headers: dict[str, str] | None = None, body: dict[str, Any] | None = None
    ) -> None:
        self.failures.append((status, headers or {}, body or {}))

    def cards(self) -> list[dict[str, Any]]:
        return [card for s in self.sent for card in s.cards]

    def texts(self) -> list[str]:
        return [s.text for s in self.sent if s.text]

    def clear(self) -> None:
        self.sent.clear()
        self.created.clear()

    def record(self, sent: Sent) -> None:
        """Keep what arrived, checking each card on it (every card leaving is well formed and
        its state-changing buttons carry its token)."""
        for card in sent.cards:
            self.card_problems.extend(card_problems(card))
            self.card_problems.extend(token_problems(card))
        self.sent.append(sent)
        self.arrived.set()

    def app(self) -> web.Application:
        app = web.Application()
        base = "/v3/conversations/{cid}/activities"
        app.router.add_post(base, self._send)
        app.router.add_post(base + "/{aid}", self._send)
        app.router.add_put(base + "/{aid}", self._send)
        app.router.add_post("/v3/conversations", self._create)
        # Stands in for the OneDrive upload URL Teams hands out in the file-consent flow.
        app.router.add_put("/upload/{name}", self._upload)
        return app

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.json_response({"id": "uploaded"}, status=201)

    def _failure(self) -> web.Response | None:
        if not self.failures:
            return None
        status, headers, body = self.failures.pop(0)
        return web.json_response(body, status=status, headers=headers)

    async def _send(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization", ""))
        failure = self._failure()
        if failure is not None:
            return failure
        activity = await request.json()
        self.record(
            Sent(request.method, request.match_info["cid"], activity, request.match_info.get("aid"))
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.held is not None:
            await self.held.wait()
        if self.drops:
            self.drops -= 1
            assert request.transport is not None
            request.transport.abort()  # delivered, but the bot never hears so
        return web.json_response({"id": f"sent-{next(self._ids)}"})

    async def _create(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization", ""))
        failure = self._failure()
        if failure is not None:
            return failure
        self.created.append(await request.json())
        return web.json_response(
            {"id": f"a:new-conversation-{next(self._ids)}", "activityId": f"sent-{next(self._ids)}"}
        )


def token_problems(card: Any) -> list[str]:
    """Every state-changing button (at any depth, fallbacks too) carries its card's token."""
    if isinstance(card, list):
        return [problem for item in card for problem in token_problems(item)]
    if not isinstance(card, dict):
        return []
    problems = [problem for value in card.values() for problem in token_problems(value)]
    data = card.get("data")
    if (
        card.get("type") in ("Action.Execute", "Action.Submit")
        and isinstance(data, dict)
        and data.get("verb") in verbs.STATE_CHANGING
        and not data.get(CARD_ID)
    ):
        problems.append(f"{data['verb']} button without a card id")
    return problems
