"""Issue 16, item 4: the edge refuses before it works.

Bodies the bot can't read (an unknown charset, a compression Teams never uses, no serviceUrl)
get a 4xx, never a 500 with a traceback, whether or not the request carries a token; over-long
ids get 400 after authentication and before any write, on SQLite and PostgreSQL; a body that
trickles in is timed out, and so is a connection whose headers never finish.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.server import server_options
from tests.conftest import BotUnderTest
from tests.security.conftest import APP_ID
from tests.security.support import CRASH, changes, internals_in, snapshot
from tests.security.test_bad_input import ID_KEYS, KEYS, seed
from tests.security.tokens import SigningKey, channel_claims, sign
from tests.support.activities import USER_AAD, invoke, message, submit
from tests.support.connector import FakeConnector
from tests.support.journey import exchange, post_raw
from tests.support.local import local_settings

LONG = "x" * 10_000


def signed(key: SigningKey, service_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign(key, channel_claims(APP_ID, service_url))}"}


def unreadable(service_url: str) -> dict[str, tuple[bytes, dict[str, str], set[int]]]:
    """Each case: the raw body, its headers, and the answers allowed."""
    plain = json.dumps(message(service_url, "help")).encode()
    no_service_url = message(service_url, "help")
    del no_service_url["serviceUrl"]
    return {
        "bogus charset": (plain, {"Content-Type": "application/json; charset=bogus"}, {415}),
        "a codec that is not a charset": (
            plain,
            {"Content-Type": "application/json; charset=rot13"},
            {415},
        ),
        "gzip declared on a plain body": (plain, {"Content-Encoding": "gzip"}, {415}),
        "a real gzip body": (gzip.compress(plain), {"Content-Encoding": "gzip"}, {415}),
        "bytes that are not utf-8": (b'{"type": "\xff\xfe"}', {}, {400}),
        "no serviceUrl": (json.dumps(no_service_url).encode(), {}, {400}),
        "serviceUrl not a string": (
            json.dumps({**message(service_url, "help"), "serviceUrl": 7}).encode(),
            {},
            {400},
        ),
    }


async def refusals(
    bot: BotUnderTest, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> dict[str, Any]:
    """Every unreadable case that was not refused as it should be, with what it got."""
    wrong: dict[str, Any] = {}
    before = snapshot(bot.db.engine)
    with caplog.at_level(logging.INFO):
        for case, (raw, extra, allowed) in unreadable(bot.connector.url).items():
            status, body = await post_raw(bot, raw, {**headers, **extra})
            if status not in allowed or internals_in([str(body)]):
                wrong[case] = (status, str(body)[:120])
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= 40]
    assert tracebacks == [], "an error-level line or a traceback"
    assert changes(before, snapshot(bot.db.engine)) == []
    assert bot.connector.sent == []
    return wrong


async def test_unreadable_bodies_are_refused_without_a_token(
    authed_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    assert await refusals(authed_bot, {}, caplog) == {}


async def test_unreadable_bodies_are_refused_with_a_valid_token(
    authed_bot: BotUnderTest, trusted_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    headers = signed(trusted_key, authed_bot.connector.url)
    assert await refusals(authed_bot, headers, caplog) == {}


async def test_unreadable_bodies_are_refused_in_local_mode(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    assert await refusals(bot, {}, caplog) == {}


Change = Callable[[dict[str, Any]], None]

OVERLONG: dict[str, Change] = {
    "aad object id": lambda body: body["from"].update(aadObjectId=LONG),
    "teams user id": lambda body: body["from"].update(id=LONG),
    "conversation id": lambda body: body["conversation"].update(id=LONG),
    "conversation type": lambda body: body["conversation"].update(conversationType=LONG),
    "recipient id": lambda body: body["recipient"].update(id=LONG),
}


async def overlong_answers(bot: BotUnderTest, headers: dict[str, str]) -> dict[str, int]:
    answers = {}
    before = snapshot(bot.db.engine)
    for case, change in OVERLONG.items():
        body = message(bot.connector.url, "help")
        change(body)
        status, reply = await post_raw(bot, json.dumps(body).encode(), headers)
        answers[case] = status
        assert internals_in([str(reply)]) == []
    assert changes(before, snapshot(bot.db.engine)) == [], "nothing written"
    assert bot.connector.sent == []
    return answers


async def test_overlong_ids_get_400_before_any_write_on_postgres(
    bot_on_postgres: BotUnderTest,
) -> None:
    answers = await overlong_answers(bot_on_postgres, {})
    assert answers == dict.fromkeys(OVERLONG, 400)


async def test_overlong_ids_get_400_only_after_authentication(
    authed_bot: BotUnderTest, trusted_key: SigningKey
) -> None:
    bot = authed_bot
    assert await overlong_answers(bot, {}) == dict.fromkeys(OVERLONG, 401)
    headers = signed(trusted_key, bot.connector.url)
    assert await overlong_answers(bot, headers) == dict.fromkeys(OVERLONG, 400)


async def test_an_overlong_tenant_is_refused_and_logged_cut_to_size(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    body = message(bot.connector.url, "help")
    body["channelData"] = {"tenant": {"id": LONG}}
    with caplog.at_level(logging.INFO):
        status, _ = await post_raw(bot, json.dumps(body).encode())
    assert status == 403
    assert all(LONG not in str(r.__dict__) for r in caplog.records)


async def test_a_body_that_trickles_in_gets_408(bot_with_short_reads: ServedBot) -> None:
    served = bot_with_short_reads
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    assert status_line.split()[1] == b"408"


async def test_a_connection_whose_headers_never_finish_is_closed(
    bot_with_short_reads: ServedBot,
) -> None:
    served = bot_with_short_reads
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(b"POST /api/messages HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    closed = await asyncio.wait_for(reader.read(), timeout=10)  # EOF: the server hung up
    writer.close()
    assert closed == b""


class ServedBot:
    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self.runner = runner
        self.port = port


@pytest.fixture
async def bot_with_short_reads(tmp_path: Path, sqlite_url: str, connector: FakeConnector) -> Any:
    """The app served as `lineofsight serve` serves it (server_options), with short timeouts."""
    from bot.app import create_app
    from storage.migrate import upgrade

    upgrade(sqlite_url)
    settings = local_settings(tmp_path, sqlite_url, HTTP_READ_TIMEOUT="0.5", HTTP_IDLE_TIMEOUT="1")
    runner = web.AppRunner(create_app(settings), **server_options(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield ServedBot(runner, port)
    await runner.cleanup()


async def test_every_verb_with_overlong_strings_answers_on_postgres(
    bot_on_postgres: BotUnderTest,
) -> None:
    """SQLite stores a string of any length in a VARCHAR(200); PostgreSQL refuses it, so a
    missing length check shows only here: as 'Something went wrong' instead of a clear
    message. Every verb gets every known card field at 5,000 characters, with real ids, as a
    Universal Action and as an Action.Submit."""
    seeded = await seed(bot_on_postgres)
    ids = seeded.ids
    real = {
        "return_id": ids.returns["police"],
        "review_id": ids.reviews[0],
        "entry_id": ids.entries[0],
        "agency_id": ids.agencies["police"],
        "member_id": ids.members[USER_AAD],
    }
    long_text = dict.fromkeys((k for k in KEYS if k not in ID_KEYS and k != "verb"), "x" * 5000)
    url = bot_on_postgres.connector.url
    crashed = []
    for verb in seeded.verbs:
        data = {**long_text, **real}
        # As a Universal Action, and as an Action.Submit (the verb inside the data).
        for body in (invoke(url, verb, data), submit(url, {**data, "verb": verb})):
            result = await exchange(bot_on_postgres, body)
            if result.status >= 500 or CRASH in result.everything():
                crashed.append(f"{verb} ({body['type']})")
    assert crashed == []
