"""The behaviour scenarios' bot: the framework-free core, driven in-process with no HTTP.

`CoreBot` is the bot of tests/behaviour/: each activity a `Person` does (tests/support/
journey.py, the one driver) is read into a `Turn` by `bot.turns.to_turn`, as both edges read it,
and handed to `Bot.handle`; the `Reply` is delivered as both edges deliver it (its text, card
and attachments as messages; an invoke's answer from `bot.channel.invoke_answer`), into a
`Recorder` that keeps what was sent as the fake connector does. Proactive sends go through the
real `Outbound` (pacing, outcomes) to a `RecordingCourier`. So `say`, `click`, `submit_card`
and `Journey` return the same `Exchange` on the core as over HTTP: status 201 for a message, 200
and the answer for an invoke, and every card the turn sent. What only the edge does (tokens,
the tenant allow-list, the envelope's checks, connector failures and retries, expectReplies,
each SDK's wire shapes) is the HTTP suites' (docs/architecture.md §11).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from aiohttp import web
from sqlalchemy import func, select

from bot.app import CHASERS, MAX_BODY_BYTES, SERVICES, envelope
from bot.channel import (
    ANSWERED_INVOKES,
    CARD,
    NOT_OFFERED,
    invoke_answer,
    message_answer,
    new_chat_member,
)
from bot.core import Bot
from bot.handlers import register_all
from bot.outbound import Outbound
from bot.retention import RETENTION_JOB, RetentionJob
from bot.router import Reply, Router
from bot.scheduler import Chasers
from bot.services import Services
from bot.turns import tenant_of, to_turn
from domain.records import Recipient
from storage import tables as t
from storage.database import Database
from tests.support.connector import FakeConnector, Sent
from tests.support.local import local_settings, migrate

T = TypeVar("T")
# Where the core's people are served from: no server listens there, nothing is posted to it.
SERVICE_URL = "https://smba.core.test/"


class DatabaseReads:
    """What a test reads back from the bot's database, on any bot under test."""

    db: Database

    def count(self, table: type) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)

    def audit_actions(self) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(t.AuditEvent.action).order_by(t.AuditEvent.id)))


class Recorder(FakeConnector):
    """The fake connector's record of what was sent, with no server: the core's sends land
    here directly (`record` checks each card, as the fake connector does)."""

    @property
    def url(self) -> str:
        return SERVICE_URL


@dataclass
class RecordingCourier:
    """The platform's half of a proactive send (bot/channel.py `Courier`), recorded: a stored
    conversation is continued, someone with none gets a new 1:1 chat, as both couriers do.
    Nothing fails here; a refused send is the edge's to test."""

    recorder: Recorder
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def deliver(
        self,
        recipient: Recipient,
        card: dict[str, Any],
        service_url_hint: str,
        started: Callable[[], None],
    ) -> None:
        started()
        address = recipient.address
        if address is not None:
            conversation = address.conversation_id
            to = {"id": address.user_id, "aadObjectId": address.aad_object_id}
        else:
            member = new_chat_member(recipient)
            tenant = recipient.tenant_id
            self.recorder.created.append(
                {
                    "isGroup": False,
                    "members": [{"id": member}],
                    "tenantId": tenant,
                    "channelData": {"tenant": {"id": tenant}},
                }
            )
            conversation = f"a:new-conversation-{next(self._ids)}"
            to = {"id": member, "aadObjectId": recipient.aad_object_id}
        self.recorder.record(Sent("POST", conversation, {**_card_message(card), "recipient": to}))

    def status(self, error: BaseException) -> int | None:
        return None

    def retry_after(self, error: BaseException) -> float | None:
        return None

    def may_have_arrived(self, error: BaseException) -> bool:
        return False


class CoreApp:
    """What tests reach through `bot.app[...]` on the HTTP bot (the services, the chasers,
    retention), over the same objects the core uses."""

    def __init__(self, services: Services) -> None:
        self._items: dict[object, object] = {
            SERVICES: services,
            CHASERS: Chasers(services),
            RETENTION_JOB: RetentionJob(services),
        }

    def __getitem__(self, key: web.AppKey[T]) -> T:
        return cast(T, self._items[key])


@dataclass
class CoreBot(DatabaseReads):
    """The core under test: `Bot.handle` with the services the app would build, no HTTP."""

    core: Bot
    connector: Recorder
    app: CoreApp

    @property
    def db(self) -> Database:  # type: ignore[override]
        return self.core.services.db

    async def answer(self, body: dict[str, Any]) -> tuple[int, Any]:
        """One activity through the core: (201, "") for a message delivered, (200, answer)
        for an invoke, as the HTTP edge answers; what it sent is on `connector`."""
        body = _as_sent(body)
        # What the HTTP edge does before the core (bot/app.py `messages`): the body's size,
        # the tenant allow-list, then the cleaned and checked envelope.
        text = json.dumps(body)
        if len(text.encode()) > MAX_BODY_BYTES:
            return 413, ""
        if tenant_of(body) not in self.core.services.settings.allowed_tenant_ids:
            return 403, ""
        try:
            body = envelope(body, text)
        except web.HTTPBadRequest as refused:
            return 400, refused.text
        conversation, activity_id = str(body["conversation"]["id"]), body.get("id")
        invoked = body.get("type") == "invoke"
        if invoked and body.get("name") not in ANSWERED_INVOKES:
            return 200, message_answer(NOT_OFFERED).body
        reply = await self.core.handle(to_turn(ActivityView(body), tenant_of(body) or ""))

        def send(activity: dict[str, Any]) -> None:
            sent = {**activity, "recipient": body.get("from")}
            self.connector.record(Sent("POST", conversation, _as_sent(sent), activity_id))

        if invoked:
            if reply is not None and reply.aside is not None and reply.card is not None:
                send(_card_message(reply.card))  # the card clicked stays; this comes below
            for attachment in reply.attachments if reply is not None else ():
                send({"type": "message", "attachments": [attachment]})
            return 200, _as_sent(invoke_answer(reply).body)
        for activity in _messages(reply):
            send(activity)
        return 201, ""

    async def post(self, body: Any) -> tuple[int, Any]:
        """`BotUnderTest.post` on the core (no headers: those are the edge's), for a scenario
        that posts an activity it built itself: what `answer` gives."""
        return await self.answer(body)


def _messages(reply: Reply | None) -> list[dict[str, Any]]:
    """A reply to a message as both edges send it: its text (not an error's, whose card
    says it), its card, then each attachment as its own message."""
    if reply is None:
        return []
    out: list[dict[str, Any]] = []
    if reply.text and not reply.error:
        out.append({"type": "message", "text": reply.text})
    if reply.card:
        out.append(_card_message(reply.card))
    out.extend({"type": "message", "attachments": [a]} for a in reply.attachments)
    return out


def _card_message(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "attachmentLayout": "list",
        "attachments": [{"contentType": CARD, "content": dict(card)}],
    }


def _as_sent(value: Any) -> Any:
    """As JSON carries it: a copy, nothing shared with the caller or the core."""
    return json.loads(json.dumps(value))


# The attribute names of the Bot Framework schema that `to_turn` reads, by their JSON keys.
_KEYS = {"from_property": "from"}
_OBJECTS = ("from_property", "conversation", "recipient")


class ActivityView:
    """An activity's JSON read by the schema's attribute names (`from_property`,
    `conversation.conversation_type`, `members_added`, ...), as `to_turn` reads either SDK's
    Activity."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    def __getattr__(self, name: str) -> Any:
        head, *rest = name.split("_")
        key = _KEYS.get(name) or head + "".join(part.title() for part in rest)
        value = self._raw.get(key)
        if name in _OBJECTS:
            return ActivityView(value) if isinstance(value, dict) else None
        if name == "members_added" and isinstance(value, list):
            return [ActivityView(m) for m in value if isinstance(m, dict)]
        return value


@asynccontextmanager
async def core_bot(data_dir: Path, database_url: str, **overrides: Any) -> AsyncIterator[CoreBot]:
    """The core on a migrated database, with the services `bot.app.create_app` builds (the
    settings and the migration are the HTTP bot's: tests/support/local.py)."""
    migrate(database_url)
    settings = local_settings(data_dir, database_url, **overrides)
    settings.check()
    db = Database(settings.database_url, settings.db_timeouts())
    recorder = Recorder()
    outbound = Outbound(RecordingCourier(recorder), db)
    services = Services(settings=settings, db=db, router=register_all(Router()), outbound=outbound)
    try:
        yield CoreBot(Bot(services), recorder, CoreApp(services))
    finally:
        db.close()
    assert not recorder.card_problems, recorder.card_problems
