"""Bearer tokens for the connector: one credentials object (one MSAL app) per app id and
audience, its token cached until shortly before it expires and refreshed off the loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botframework.connector.auth import (
    AuthenticationConstants,
)

from bot.botframework.errors import log_failure
from bot.refresh import start_once, token_expiry

TokenKey = tuple[str, str, str]  # app id, audience (scope), login endpoint


@dataclass
class _Token:
    credentials: Any
    header: str | None = None
    expires_at: float = 0.0
    refreshing: asyncio.Future[None] | None = None


class TokenCache:
    """One credentials object per (app id, audience, login endpoint); its bearer token cached
    until `refresh_before` seconds before expiry, then refreshed in the background; fetched in
    a worker thread (MSAL does blocking HTTP)."""

    def __init__(self, refresh_before: float = 300.0, clock: Callable[[], float] = time.time):
        self._entries: dict[TokenKey, _Token] = {}
        self._refresh_before = refresh_before
        self._clock = clock

    def __contains__(self, key: TokenKey) -> bool:
        return key in self._entries

    def register(self, key: TokenKey, credentials: Any) -> None:
        self._entries.setdefault(key, _Token(credentials))

    def credentials(self, key: TokenKey) -> Any:
        return self._entries[key].credentials

    async def header(self, key: TokenKey) -> str | None:
        entry = self._entries[key]
        if not _should_set_token(entry.credentials):
            return None  # local mode / anonymous: the stock client sends no token either
        now = self._clock()
        if entry.header is not None and now < entry.expires_at - self._refresh_before:
            return entry.header
        if entry.header is not None and now < entry.expires_at - 30:
            self._start_refresh(entry)  # still valid: refresh behind the caller's back
            return entry.header
        await asyncio.shield(self._start_refresh(entry))
        return entry.header

    def invalidate(self, key: TokenKey) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.expires_at = 0.0

    def _start_refresh(self, entry: _Token) -> asyncio.Future[None]:
        entry.refreshing = start_once(
            entry.refreshing, lambda: self._refresh(entry), log_failure("token not refreshed")
        )
        return entry.refreshing

    async def _refresh(self, entry: _Token) -> None:
        token: str = await asyncio.to_thread(entry.credentials.get_access_token)
        entry.header = f"Bearer {token}"
        entry.expires_at = token_expiry(token, self._clock())


def _should_set_token(credentials: Any) -> bool:
    app_id = getattr(credentials, "microsoft_app_id", None)
    return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID
