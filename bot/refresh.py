"""What both edges' key and token caches share (bot/botframework/signing_keys.py and tokens.py,
bot/agents/authentication.py and tokens.py): one refresh at a time, when the signing keys may
be fetched again, and a token's expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import jwt

T = TypeVar("T")

KEYS_MAX_AGE = 24 * 3600.0  # refresh the signing keys daily, as botbuilder does...
UNKNOWN_KEY_REFRESH = 3600.0  # ...and on an unknown key id at most once an hour
FIRST_FETCH_RETRY = 30.0  # no keys yet: a failed first fetch is retried at most this often


def start_once(
    pending: asyncio.Future[None] | None,
    refresh: Callable[[], Coroutine[Any, Any, None]],
    on_done: Callable[[asyncio.Future[None]], object],
) -> asyncio.Future[None]:
    """The refresh already running on this loop, or a new one: concurrent callers share one."""
    loop = asyncio.get_running_loop()
    if pending is not None and not pending.done() and pending.get_loop() is loop:
        return pending
    task = loop.create_task(refresh())
    task.add_done_callback(on_done)
    return task


def token_expiry(token: str, now: float) -> float:
    """When a bearer token expires, read from its `exp` (not verified: it is our own)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except Exception:
        return now + 30 * 60  # opaque token: MSAL's own cache still answers within its life


class KeyRefresh:
    """When a signing-key cache fetches, on either edge. Every fetch attempt, successful or
    not, is timed: once keys are known, a new attempt starts at most once an hour (on an
    unknown key id, or when the keys are a day old), even while the endpoint is down, so forged
    key ids can't make every request fetch; until the first fetch succeeds, at most one attempt
    every 30 seconds, and a request in between is refused at once. Concurrent requests share
    one fetch. The cache keeps its keys and says when it last fetched them; `refuse` makes the
    edge's own error for a key it can't give."""

    def __init__(
        self,
        refresh: Callable[[], Coroutine[Any, Any, None]],
        on_done: Callable[[asyncio.Future[None]], object],
        refuse: Callable[[str], Exception],
    ) -> None:
        self._refresh = refresh
        self._on_done = on_done
        self._refuse = refuse
        self.attempted_at: float | None = None  # the last fetch started, whatever its outcome
        self._pending: asyncio.Future[None] | None = None

    async def find(self, lookup: Callable[[], T | None], now: float, fetched_at: float | None) -> T:
        """The key `lookup` finds, fetching first when the policy allows; `fetched_at`: the
        cache's last successful fetch (None: none yet)."""
        if fetched_at is None:
            first = self.if_due(now, FIRST_FETCH_RETRY)
            if first is None:
                raise self._refuse("signing keys are unavailable")
            await asyncio.shield(first)
        elif now - fetched_at > KEYS_MAX_AGE:
            self.if_due(now, UNKNOWN_KEY_REFRESH)  # serve the known keys meanwhile
        found = lookup()
        if found is None:
            rotation = self.if_due(now, UNKNOWN_KEY_REFRESH)
            if rotation is not None:
                await asyncio.shield(rotation)
                found = lookup()
        if found is None:
            raise self._refuse("the token's signing key is not known")
        return found

    def if_due(self, now: float, interval: float) -> asyncio.Future[None] | None:
        """The fetch in flight, or a new one if the last attempt (even a failed one) is more than
        `interval` old; None if neither: the caller uses the keys it has."""
        pending = self._pending
        in_flight = (
            pending is not None
            and not pending.done()
            and pending.get_loop() is asyncio.get_running_loop()
        )
        if not in_flight:
            if self.attempted_at is not None and now - self.attempted_at <= interval:
                return None
            self.attempted_at = now
        self._pending = start_once(pending, self._refresh, self._on_done)
        return self._pending
