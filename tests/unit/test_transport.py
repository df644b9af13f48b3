"""bot/botframework/ and bot/pacing.py without a network: serialisation, tokens, signing
keys, pacing."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import jwt
import pytest
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import (
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    Entity,
    TextFormatTypes,
)
from botframework.connector import models
from botframework.connector.auth import jwt_token_extractor
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm
from msrest import Serializer

from bot import app, pacing
from bot.botframework import signing_keys
from bot.botframework.errors import ConnectorError, ConnectorResponse
from bot.botframework.signing_keys import SigningKeys
from bot.botframework.tokens import TokenCache
from bot.botframework.wire import card_activity, encode, invoke_answer
from bot.pacing import RateLimiter, Window
from bot.refresh import FIRST_FETCH_RETRY, KEYS_MAX_AGE, UNKNOWN_KEY_REFRESH
from cards.basics import info_card
from cards.validation import MeasuredCard

MSREST = Serializer({k: v for k, v in models.__dict__.items() if isinstance(v, type)})


def _activity() -> Any:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(info_card("Hello", "there")))
    activity.conversation = ConversationAccount(
        id="a:1", tenant_id="tenant", conversation_type="personal"
    )
    activity.from_property = ChannelAccount(id="28:bot", name="Line of Sight")
    activity.recipient = ChannelAccount(id="29:user", aad_object_id="aad")
    activity.timestamp = datetime.now(UTC)
    activity.local_timestamp = datetime.now(timezone(timedelta(hours=2)))
    activity.channel_data = {"tenant": {"id": "tenant"}, "notification": {"alert": True}}
    activity.entities = [Entity(type="mention")]
    activity.reply_to_id = "1732612502123"
    activity.text_format = TextFormatTypes.plain
    activity.type = ActivityTypes.message
    return activity


def test_the_wire_format_is_what_msrest_would_send() -> None:
    activity = _activity()
    assert json.loads(encode(activity)) == MSREST.body(activity, "Activity")
    activity.channel_data = {"tenant": ChannelAccount(id="t"), "at": activity.timestamp}
    assert json.loads(encode(activity)) == MSREST.body(activity, "Activity")
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id="28:app"),
        members=[ChannelAccount(id="aad")],
        tenant_id="tenant",
        channel_data={"tenant": {"id": "tenant"}},
    )
    assert json.loads(encode(parameters)) == MSREST.body(parameters, "ConversationParameters")


def test_a_card_activity_is_sent_as_the_message_factory_builds_it() -> None:
    card = info_card("Hello", "there")
    shared = card_activity(card)
    stock = MessageFactory.attachment(CardFactory.adaptive_card(card))
    assert json.loads(encode(shared)) == json.loads(encode(stock))
    copied = copy.deepcopy(shared)
    copied.conversation = ConversationAccount(id="a:2")
    copied.id = None
    assert shared.conversation is None, "TurnContext's changes stay on its copy"
    assert copied.attachments[0].content is shared.attachments[0].content


def test_connector_errors_have_the_stock_shape() -> None:
    from multidict import CIMultiDict

    body = '{"error": {"code": "ConversationBlockedByUser", "message": "blocked"}}'
    error = ConnectorError(
        "POST",
        "http://connector/v3/conversations/a%3A1/activities",
        ConnectorResponse(403, CIMultiDict({"retry-after": "3"}), body, "Forbidden"),
    )
    assert isinstance(error, models.ErrorResponseException)
    assert error.response.status_code == 403
    assert error.response.headers["Retry-After"] == "3"
    assert error.error.error.code == "ConversationBlockedByUser"
    assert error.code == "ConversationBlockedByUser"
    assert error.retry_after == 3.0
    assert "blocked" in error.response.text
    junk = ConnectorError("POST", "u", ConnectorResponse(502, CIMultiDict(), "<html>", "Bad"))
    assert junk.status == 502
    assert junk.code is None
    assert junk.retry_after is None


class FakeCredentials:
    def __init__(self, app_id: str, lifetime: float = 3600) -> None:
        self.microsoft_app_id = app_id
        self.lifetime = lifetime
        self.calls: list[str] = []

    def get_access_token(self) -> str:
        self.calls.append(threading.current_thread().name)
        time.sleep(0.05)  # MSAL does blocking HTTP
        exp = int(time.time() + self.lifetime)
        return jwt.encode({"exp": exp, "n": len(self.calls)}, "k" * 32, algorithm="HS256")


async def test_tokens_are_fetched_off_the_loop_once_and_cached() -> None:
    cache = TokenCache()
    credentials = FakeCredentials("app")
    key = ("app", "https://api.botframework.com", "login")
    cache.register(key, credentials)
    headers = await asyncio.gather(*(cache.header(key) for _ in range(20)))
    assert len(set(headers)) == 1
    assert headers[0] is not None
    assert headers[0].startswith("Bearer ")
    assert len(credentials.calls) == 1, "concurrent callers share one fetch"
    assert credentials.calls[0] != threading.main_thread().name
    await cache.header(key)
    assert len(credentials.calls) == 1


async def test_a_token_near_expiry_is_refreshed_in_the_background() -> None:
    cache = TokenCache(refresh_before=300)
    credentials = FakeCredentials("app", lifetime=120)  # inside the refresh window already
    key = ("app", "scope", "login")
    cache.register(key, credentials)
    first = await cache.header(key)
    second = await cache.header(key)  # still valid: answered at once, refresh started
    assert second == first
    await asyncio.sleep(0.2)
    assert len(credentials.calls) == 2
    assert await cache.header(key) != first


async def test_local_mode_sends_no_token() -> None:
    cache = TokenCache()
    credentials = FakeCredentials("")
    cache.register(("", "scope", ""), credentials)
    assert await cache.header(("", "scope", "")) is None
    assert credentials.calls == []


def _jwk(kid: str) -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    return {**public, "kid": kid, "endorsements": ["msteams"]}


async def test_signing_keys_are_fetched_in_a_thread_once_while_the_loop_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetches: list[str] = []
    keys = [_jwk("k1")]

    def fetch(url: str) -> list[dict[str, Any]]:
        fetches.append(threading.current_thread().name)
        time.sleep(0.3)
        return keys

    monkeypatch.setattr(signing_keys, "_fetch_keys", fetch)
    cache = SigningKeys("http://metadata")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    found = await asyncio.gather(*(cache.get("k1") for _ in range(10)))
    ticking.cancel()
    assert ticks >= 10, "the loop kept running during the fetch"
    assert len(fetches) == 1
    assert fetches[0] != threading.main_thread().name
    assert all(config.endorsements == ["msteams"] for config in found)
    with pytest.raises(PermissionError):
        await cache.get("unknown")
    assert len(fetches) == 1, "an unknown key refreshes at most once an hour"


async def test_a_failed_refresh_keeps_the_known_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    answers: list[Any] = [[_jwk("k1")], OSError("metadata down")]

    def fetch(url: str) -> list[dict[str, Any]]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    monkeypatch.setattr(signing_keys, "_fetch_keys", fetch)
    cache = SigningKeys("http://metadata", clock=lambda: now[0])
    await cache.get("k1")
    now[0] += 2 * 24 * 3600  # stale: a background refresh starts, and fails
    assert await cache.get("k1") is not None
    await asyncio.sleep(0.05)
    assert await cache.get("k1") is not None


async def test_with_no_keys_at_all_a_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(url: str) -> list[dict[str, Any]]:
        raise OSError("metadata down")

    monkeypatch.setattr(signing_keys, "_fetch_keys", fetch)
    with pytest.raises(PermissionError):
        await SigningKeys("http://metadata").get("k1")


class SyncFetches:
    """The metadata endpoint, as the worker thread calls it: each fetch answers with the next of
    `answers` (the last repeats)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.count = 0

    def __call__(self, url: str) -> list[dict[str, Any]]:
        self.count += 1
        time.sleep(0.02)
        answer = self.answers[min(self.count, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


async def test_an_outage_does_not_lift_the_hourly_limit_on_fetches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the Agents edge's (tests/unit/test_agents_auth.py): the limit counts from the last
    attempt, failed or not, so an outage doesn't make every request with a forged key fetch."""
    now = [0.0]
    fetches = SyncFetches([_jwk("k1")], OSError("down"))  # up once, then down for good
    monkeypatch.setattr(signing_keys, "_fetch_keys", fetches)
    cache = SigningKeys("http://metadata", clock=lambda: now[0])
    await cache.get("k1")
    now[0] += UNKNOWN_KEY_REFRESH + 1
    for _ in range(10):  # forged key ids through the next hour: one failed fetch in all
        with pytest.raises(PermissionError):
            await cache.get("forged")
        now[0] += UNKNOWN_KEY_REFRESH / 11
    assert fetches.count == 2
    now[0] = KEYS_MAX_AGE + 1  # the keys are a day old: one background refresh, which fails
    for _ in range(10):
        assert await cache.get("k1") is not None
        with pytest.raises(PermissionError):
            await cache.get("forged")
        await asyncio.sleep(0.05)  # let the background refresh fail
        now[0] += UNKNOWN_KEY_REFRESH / 11
    assert fetches.count == 3
    now[0] += UNKNOWN_KEY_REFRESH
    with pytest.raises(PermissionError):
        await cache.get("forged")
    assert fetches.count == 4, "an hour after the last attempt, one more"


async def test_an_outage_at_startup_fetches_at_most_once_per_retry_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    fetches = SyncFetches(OSError("down"), [_jwk("k1")])
    monkeypatch.setattr(signing_keys, "_fetch_keys", fetches)
    cache = SigningKeys("http://metadata", clock=lambda: now[0])
    results = await asyncio.gather(*(cache.get("k1") for _ in range(5)), return_exceptions=True)
    assert all(isinstance(result, PermissionError) for result in results)
    for _ in range(10):  # refused at once, no fetch, until the retry interval has passed
        with pytest.raises(PermissionError):
            await cache.get("k1")
        now[0] += FIRST_FETCH_RETRY / 11
    assert fetches.count == 1
    now[0] += FIRST_FETCH_RETRY
    assert await cache.get("k1") is not None
    assert fetches.count == 2


def test_the_sdk_key_cache_is_replaced_idempotently() -> None:
    signing_keys.install_signing_key_cache()
    signing_keys.install_signing_key_cache()
    cache = jwt_token_extractor.JwtTokenExtractor.get_open_id_metadata("http://x/openid")
    assert isinstance(cache, SigningKeys)
    assert jwt_token_extractor.JwtTokenExtractor.get_open_id_metadata("http://x/openid") is cache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _sends_within(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


async def test_pacing_keeps_each_conversation_and_tenant_under_its_limits() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    one_conversation = []
    for _ in range(20):
        await limiter.acquire("tenant", "a:1")
        one_conversation.append(clock.now)
    assert _sends_within(one_conversation, 1.0) <= 7
    assert _sends_within(one_conversation, 2.0) <= 8
    tenant = []
    for n in range(200):
        await limiter.acquire("tenant-2", f"a:{n}")
        tenant.append(clock.now)
    assert _sends_within(tenant, 1.0) <= 50
    rate = (len(tenant) - 1) / (tenant[-1] - tenant[0])
    assert 40 < rate < 55, rate  # sends are spread out, not burst at the start of each second


async def test_a_stalled_process_does_not_send_its_backlog_as_a_burst() -> None:
    limiter = RateLimiter((), (Window(5, 0.2),), margin=1.0)
    went: list[float] = []

    async def send(n: int) -> None:
        await limiter.acquire("tenant", f"a:{n}")
        went.append(time.monotonic())

    tasks = [asyncio.create_task(send(n)) for n in range(30)]
    await asyncio.sleep(0.05)
    time.sleep(0.4)  # noqa: ASYNC251  # the loop stalls: booked slots pass, nobody runs
    await asyncio.gather(*tasks)
    assert len(went) == 30
    assert _sends_within(sorted(went), 0.2) <= 5


async def test_retry_after_holds_a_conversation_back() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.defer("a:1", 5.0)
    waited = await limiter.acquire("tenant", "a:1")
    assert waited == pytest.approx(5.0)
    assert await limiter.acquire("other tenant", "a:2") == 0.0


async def test_no_limits_never_waits() -> None:
    clock = Clock()
    limiter = RateLimiter.unlimited()
    for n in range(1000):
        assert await limiter.acquire("tenant", f"a:{n % 3}") == 0.0
    assert not limiter.enabled
    custom = RateLimiter((Window(1, 1.0),), (), clock=clock, sleep=clock.sleep, margin=1.0)
    await custom.acquire("t", "c")
    assert await custom.acquire("t", "c") == pytest.approx(1.0)


def test_an_invoke_card_is_shared_not_deep_copied_by_botbuilder() -> None:
    """TurnContext deep-copies what it sends; an invoke answer is never changed, so its body is
    shared (issue 8), and it still reads back as the same JSON."""
    from bot.botframework.activity_handler import _invoke_body
    from bot.router import Reply

    card = info_card("Saved", "Section 2 of 11")
    response = _invoke_body(Reply(card))
    answer = invoke_answer(response)
    copied = copy.deepcopy(answer)  # what TurnContext does before handing it to the adapter
    copied.conversation = ConversationAccount(id="a:2")
    assert answer.conversation is None, "TurnContext's changes stay on its copy"
    assert copied.type == ActivityTypes.invoke_response
    assert copied.value is response
    assert json.loads(json.dumps(copied.value.body)) == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.card.adaptive",
        "value": card,
    }
    measured = _invoke_body(Reply(MeasuredCard(card)))
    written = app._invoke_json(measured.body, 200)
    assert written.content_type == "application/json"
    assert json.loads(written.text) == json.loads(json.dumps(response.body))
    sent = card_activity(MeasuredCard(card)).attachments[0].content
    assert type(sent) is dict, "msrest writes a dict subclass as its repr"
    error = _invoke_body(Reply(card, "Please try again", error=True))
    assert error.body["type"] == "application/vnd.microsoft.activity.message"
    assert error.body["value"] == "Please try again"
    assert _invoke_body(None).body["value"] == "Done."


async def test_a_busy_conversation_does_not_hold_back_the_rest_of_its_tenant() -> None:
    """100 cards queued for one chat (7 a second: about 15 s of backlog) must not delay a
    card to someone else in the same tenant behind them (the old head-of-line blocking)."""
    clock = Clock()
    parked = asyncio.Event()  # the busy chat's sends wait for their slots and never wake
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) <= 100:
            await parked.wait()
        clock.now += seconds

    limiter = RateLimiter(clock=clock, sleep=sleep)
    busy = [asyncio.create_task(limiter.acquire("tenant", "a:busy")) for _ in range(101)]
    await asyncio.sleep(0)
    assert max(waits) > 10  # the busy chat really is backed up
    waited = await limiter.acquire("tenant", "a:quiet")
    assert waited < 0.1
    for task in busy:
        task.cancel()


TENANT_WINDOWS = (Window(5, 1.0), Window(8, 3.0))


@settings(max_examples=200, deadline=None)
@example(arrivals=[(0.5, 0.4), (0.0, 1e-09), (0.0, 0.0)])  # a slot a hair under a gap
@given(arrivals=st.lists(st.tuples(st.floats(0, 0.5), st.floats(0, 2.0)), min_size=1, max_size=120))
def test_tenant_slots_fill_gaps_but_never_overfill_a_window(
    arrivals: list[tuple[float, float]],
) -> None:
    """Sends arrive over time, each wanting a slot at or after some moment (its conversation's
    own pacing): every slot honours that, keeps its spacing, and no window overfills."""
    limiter = RateLimiter((), TENANT_WINDOWS, margin=1.0)
    gap = 1.0 / 5
    now, booked = 0.0, []
    for step, conversation_wait in arrivals:
        now += step
        wanted = now + conversation_wait
        slot = limiter._tenant_slot("tenant", wanted, now)
        assert slot >= wanted
        booked.append(slot)
    booked.sort()
    for window in TENANT_WINDOWS:
        assert _sends_within(booked, window.seconds - 1e-9) <= window.limit
    # Spaced to within the limiter's own tolerance (a nanosecond, plus a relative part for
    # clocks far from zero): float subtraction can land a hair under `gap` at the boundary.
    assert all(b - a >= gap - pacing._tolerance(b) for a, b in pairwise(booked))


@pytest.mark.parametrize("base", [0.0, 1.5e8])  # 1.5e8 s: monotonic time after ~5 years up
def test_a_saturated_tenant_books_in_bounded_steps_and_stays_within_its_windows(
    base: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3,000 sends wanting the same instant (minutes of backlog): each booking steps past at
    most GAP_SEARCH_STEPS clashes (made small here), never loops, and the windows hold."""
    monkeypatch.setattr(pacing, "GAP_SEARCH_STEPS", 40)
    limiter = RateLimiter((), TENANT_WINDOWS, margin=1.0)
    calls = 0
    clash = pacing._clash

    def counting(*args: Any) -> float | None:
        nonlocal calls
        calls += 1
        return clash(*args)

    monkeypatch.setattr(pacing, "_clash", counting)
    booked = []
    for _ in range(3_000):
        calls = 0
        booked.append(limiter._tenant_slot("tenant", base, base))
        assert calls <= pacing.GAP_SEARCH_STEPS
    booked.sort()
    assert len(set(booked)) == len(booked)
    offsets = [b - base for b in booked]
    for window in TENANT_WINDOWS:
        for part in (offsets[:200], offsets[-200:]):
            assert _sends_within(part, window.seconds - 1e-6) <= window.limit


def test_a_card_aside_leaves_the_clicked_card_on_both_platforms() -> None:
    """A download's card goes as a new message; the click is answered with a message, so the
    card clicked stays in place (new-user walk L3). A kept reply keeps it so. The agents edge
    answers with bot/channel.py's `invoke_answer` itself; botbuilder's wraps it."""
    from bot.botframework.activity_handler import _invoke_body
    from bot.channel import invoke_answer as _invoke_answer
    from bot.once import _reply, _stored
    from bot.router import Reply

    card = info_card("File ready", "Saved the pack")
    aside = Reply(card, aside="The pack is in a new message below.")
    for body in (_invoke_body(aside).body, _invoke_answer(aside).body):
        assert body == {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": "The pack is in a new message below.",
        }
    assert _invoke_answer(Reply(card)).body["value"] == card, "without aside, a card replaces"
    assert _reply(_stored(aside, conversation="a-hashed-conversation")) == aside
