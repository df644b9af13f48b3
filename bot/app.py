"""The aiohttp app factory: /api/messages, /healthz and /readyz."""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
import math
import re
import time
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.channel import ActivityRefused, Channel, Unauthenticated
from bot.config import Settings
from bot.core import Bot
from bot.handlers import register_all
from bot.platforms import channel_for
from bot.retention import RETENTION_JOB, RetentionJob
from bot.router import Router
from bot.scheduler import Chasers, Schedule
from bot.services import Services
from bot.turns import oversized_field, tenant_of
from cards.validation import MeasuredCard
from storage.database import Database
from storage.migrate import check_schema, head_revision, schema_problem, schema_revision

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
SERVICES = web.AppKey("services", Services)
CHANNEL = web.AppKey("channel", Channel)
BOT = web.AppKey("bot", Bot)
CHASERS = web.AppKey("chasers", Chasers)
SCHEDULE = web.AppKey("schedule", Schedule)


def create_app(settings: Settings, db: Database | None = None) -> web.Application:
    """Build the app. Refuses (SchemaNotReady) when the database is not migrated."""
    settings.check()
    db = db or Database(settings.database_url, settings.db_timeouts())
    check_schema(db.engine, db.url)
    channel = channel_for(settings, db)
    services = Services(
        settings=settings, db=db, router=register_all(Router()), outbound=channel.outbound
    )
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services
    app[CHANNEL] = channel
    app[BOT] = Bot(services)
    app[READINESS] = Readiness(db)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app[CHASERS] = Chasers(services)
    app[RETENTION_JOB] = RetentionJob(services)
    app[SCHEDULE] = Schedule(app[CHASERS], app[RETENTION_JOB])
    if settings.run_scheduler:
        app.on_startup.append(_start_schedule)
    # Always: a sweep may also run from the test hook. aiohttp's run_app turns SIGTERM and
    # SIGINT into this shutdown, before the transport and database close (on_cleanup).
    app.on_shutdown.append(_stop_schedule)
    if settings.test_hooks and settings.local_mode:
        add_test_hooks(app)
    app.on_cleanup.append(_close_channel)
    app.on_cleanup.append(_close_database)
    return app


async def _start_schedule(app: web.Application) -> None:
    app[SCHEDULE].start()


async def _stop_schedule(app: web.Application) -> None:
    app[SCHEDULE].stop()
    await app[CHASERS].drain()


def add_test_hooks(app: web.Application) -> None:
    """Local mode only: end-to-end tests move the clock and run a sweep instead of sleeping."""

    async def set_clock(request: web.Request) -> web.Response:
        body = await request.json()
        app[SERVICES].clock.set(datetime.fromisoformat(str(body["now"])))
        return web.json_response({"now": app[SERVICES].now().isoformat()})

    async def sweep(_request: web.Request) -> web.Response:
        report = await app[CHASERS].sweep()
        return web.json_response({"claimed": report.claimed, "outcomes": report.outcomes})

    app.router.add_post("/_test/clock", set_clock)
    app.router.add_post("/_test/sweep", sweep)


async def _close_channel(app: web.Application) -> None:
    await app[CHANNEL].close()


async def messages(request: web.Request) -> web.Response:
    """Refuse before working: the headers, a bounded read, the JSON and the two fields the
    token is checked against; then the token and the tenant; only then the rest of the body."""
    body, text = await _json_body(request)
    channel = request.app[CHANNEL]
    try:
        identity = await channel.authenticate(request.headers.get("Authorization", ""), body)
    except Unauthenticated as error:
        raise web.HTTPUnauthorized() from error
    services = request.app[SERVICES]
    tenant = tenant_of(body)
    if tenant not in services.settings.allowed_tenant_ids:
        log.warning("tenant refused", extra={"tenant": _loggable(tenant)})
        return web.Response(status=403)
    checked = envelope(body, text)
    try:
        answer = await channel.answer(identity, checked, request.app[BOT])
    except ActivityRefused as error:
        raise web.HTTPBadRequest(text=str(error)) from error
    # The invoke's answer is written here, not by the SDK (botbuilder 4.17's own process()
    # serialises invoke bodies twice and answers 500, docs/teams-platform.md).
    if answer is not None:
        return _invoke_json(answer.body, answer.status)
    return web.Response(status=201)


def _invoke_json(body: Any, status: int) -> web.Response:
    """The invoke answer's JSON; a card measured when it was built is written as it was
    measured (cards.validation.MeasuredCard), not encoded again."""
    card = body.get("value") if isinstance(body, dict) else None
    if not isinstance(card, MeasuredCard):
        return web.json_response(body, status=status)
    rest = json.dumps({key: item for key, item in body.items() if key != "value"})
    fields = f"{rest[1:-1]}, " if rest != "{}" else ""
    text = f'{{{fields}"value": {card.json}}}'
    return web.Response(text=text, status=status, content_type="application/json")


async def _json_body(request: web.Request) -> tuple[dict[str, Any], str]:
    """The body as JSON (and as text), read within the read timeout, with a string
    `serviceUrl`: all that authentication needs. Teams sends UTF-8 JSON, uncompressed."""
    charset = _charset(request)
    raw = await _read_body(request)
    try:
        text = raw.decode(charset)
        body = json.loads(text)
    except UnicodeDecodeError as error:
        raise web.HTTPBadRequest(text=f"Body is not valid {charset}") from error
    except ValueError as error:
        raise web.HTTPBadRequest(text="Body is not valid JSON") from error
    except RecursionError as error:
        # json.loads gives up (RecursionError, not ValueError) on ~1000 levels of nesting.
        raise web.HTTPBadRequest(text=_TOO_DEEP) from error
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise web.HTTPBadRequest(text="Body is not a Bot Framework activity")
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        # Replies go there, and the token is checked against it.
        raise web.HTTPBadRequest(text="Activity has no serviceUrl")
    return body, text


def _charset(request: web.Request) -> str:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Expected application/json")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding != "identity":
        # aiohttp would inflate it as it arrives; the Bot Framework never compresses.
        raise web.HTTPUnsupportedMediaType(text="Content-Encoding is not supported")
    charset = request.charset or "utf-8"
    try:
        known = codecs.lookup(charset)
    except LookupError:
        known = None
    if known is None or not getattr(known, "_is_text_encoding", True):
        raise web.HTTPUnsupportedMediaType(text="Unsupported charset")
    return known.name


async def _read_body(request: web.Request) -> bytes:
    """The body, or 408 when it doesn't arrive within the read timeout (a slow client holds a
    socket and a task for as long as it is waited for); 413 past MAX_BODY_BYTES."""
    try:
        async with asyncio.timeout(request.app[SERVICES].settings.http_read_timeout):
            return await request.read()
    except TimeoutError as error:
        log.info("request body too slow")
        raise web.HTTPRequestTimeout() from error
    except web.HTTPException:
        raise
    except (ValueError, ConnectionError, aiohttp.ClientPayloadError) as error:
        # A body that breaks off, or that the parser refuses: the sender's fault.
        log.info("request body unreadable", extra={"error_type": type(error).__name__})
        raise web.HTTPBadRequest(text="Body could not be read") from error


def envelope(body: dict[str, Any], text: str) -> dict[str, Any]:
    """The authenticated body, cleaned (_clean) and checked: the objects a turn reads, and
    every id within the column it is stored in (storage/tables.py), before any write. Every
    way into the core passes it (the test suite's in-process driver too, tests/support/core.py),
    so nothing reaches a handler that the HTTP edge would have cleaned or refused."""
    if _may_need_cleaning(text):
        body = _clean(body)
    for key in ("from", "conversation", "recipient"):
        if not isinstance(body.get(key), dict):
            raise web.HTTPBadRequest(text=f"Activity has no {key!r} object")
    conversation_id = body["conversation"].get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        # Teams always sends one. Without it no reply can be delivered, and the sender's
        # stored address (where chasers go) would be overwritten with one that leads nowhere.
        raise web.HTTPBadRequest(text="Activity has no conversation id")
    problem = oversized_field(body)
    if problem is not None:
        raise web.HTTPBadRequest(text=problem)
    return body


def _loggable(tenant: str | None) -> str | None:
    """A tenant id as claimed by an unauthenticated sender, cut to a tenant id's length."""
    return tenant[:64] if tenant else tenant


MAX_NESTING = 64
_TOO_DEEP = f"Activity is nested more than {MAX_NESTING} levels deep"
# JSON escapes can carry NUL and lone surrogates: UTF-8 can't encode a lone surrogate (SQLite,
# PostgreSQL and the reply to the connector all fail on it) and PostgreSQL text can't hold NUL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


# NUL or a surrogate in the text (a body declared in another charset, UTF-7 say, decodes to
# one directly) or an escape that decodes to one. A false alarm ("\\u0000" typed as text)
# only means a walk.
_RISKY = re.compile(r"[\x00\ud800-\udfff]|\\u(?:0000|[dD][89a-fA-F])")


def _may_need_cleaning(text: str) -> bool:
    """False when _clean would return the body as it is: nothing that is or decodes to NUL or
    a surrogate, and too few brackets to nest past MAX_NESTING. Both checks run in C, where
    the walk costs a Python call for every value (most turns; bench/)."""
    brackets = text.count("{") + text.count("[")
    return brackets > MAX_NESTING or _RISKY.search(text) is not None


def _clean(value: Any, depth: int = 0) -> Any:
    """The JSON body with unstorable characters replaced by U+FFFD; nesting deeper than any
    Teams activity has (which would exhaust the recursion of later parsing) is refused."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict | list) and depth >= MAX_NESTING:
        raise web.HTTPBadRequest(text=_TOO_DEEP)
    if isinstance(value, dict):
        return {_clean(key, depth): _clean(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value]
    return value


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "up"})


async def readyz(request: web.Request) -> web.Response:
    ready, reason = await request.app[READINESS].check()
    if not ready:
        return web.json_response({"status": "unavailable", "reason": reason}, status=503)
    return web.json_response({"status": "ready", "schema": reason})


class Readiness:
    """What a turn would meet now, cheaply. The probe reads the schema revision as a turn
    reads anything (`Database.run`: its executor, pool, and bounded wait), at most once per
    `FRESH_FOR` seconds however often readiness is asked, and never twice at once; callers
    meanwhile share its answer. Workers all stuck on a turn's behalf answer "no" at once."""

    FRESH_FOR = 1.5

    def __init__(self, db: Database) -> None:
        self._db = db
        self._head = head_revision(db.url)
        self._answer: tuple[bool, str] = (False, "not checked yet")
        self._checked_at = -math.inf
        self._probe: asyncio.Task[tuple[bool, str]] | None = None

    async def check(self) -> tuple[bool, str]:
        """(ready, the schema revision or why not)."""
        if self._db.wedged():
            return False, _UNREACHABLE
        if time.monotonic() - self._checked_at < self.FRESH_FOR:
            return self._answer
        if self._probe is None:
            self._probe = asyncio.ensure_future(self._run_probe())
        return await asyncio.shield(self._probe)

    async def _run_probe(self) -> tuple[bool, str]:
        try:
            self._answer = await self._probed()
            self._checked_at = time.monotonic()
            return self._answer
        finally:
            self._probe = None

    async def _probed(self) -> tuple[bool, str]:
        try:
            current = await self._db.run(lambda uow: schema_revision(uow.session.connection()))
        except Exception as error:
            log.warning("not ready", extra={"error_type": type(error).__name__})
            return False, _UNREACHABLE
        if current != self._head:
            return False, schema_problem(current, self._head)
        return True, str(current)


_UNREACHABLE = "database unreachable"
READINESS = web.AppKey("readiness", Readiness)


async def _close_database(app: web.Application) -> None:
    app[SERVICES].db.close()
