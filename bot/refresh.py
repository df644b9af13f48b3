"""What both edges' key and token caches share (bot/botframework/signing_keys.py and tokens.py,
bot/agents/authentication.py and tokens.py): one refresh at a time, and a token's expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import jwt


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
