"""The channel's signing keys, fetched off the event loop (see bot/botframework/__init__.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import requests
from botframework.connector.auth import jwt_token_extractor as _extractor
from jwt.algorithms import RSAAlgorithm

from bot.botframework.errors import log_failure
from bot.refresh import start_once

log = logging.getLogger(__name__)


KEYS_MAX_AGE = 24 * 3600.0  # the SDK's: refresh the keys daily...
UNKNOWN_KEY_REFRESH = 3600.0  # ...and on an unknown key id at most once an hour
_FETCH_TIMEOUT = (5, 15)


class SigningKeys(_extractor._OpenIdMetadata):  # type: ignore[misc]  # botbuilder is untyped
    """The SDK's signing-key cache for one metadata URL, without blocking the event loop: the
    fetch runs in a worker thread, concurrent requests share one fetch, keys are parsed once,
    and a failed refresh keeps the keys already known."""

    def __init__(self, url: str, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(url)
        self._clock = clock
        self._fetched_at: float | None = None
        self._parsed: dict[str, Any] = {}
        self._pending: asyncio.Future[None] | None = None

    async def get(self, key_id: str) -> Any:
        now = self._clock()
        if self._fetched_at is None:
            await asyncio.shield(self._refresh_once())
        elif now - self._fetched_at > KEYS_MAX_AGE:
            self._refresh_once()  # serve the known keys meanwhile
        key = self._parsed.get(key_id)
        stale = self._fetched_at is not None and now - self._fetched_at > UNKNOWN_KEY_REFRESH
        if key is None and stale:
            await asyncio.shield(self._refresh_once())
            key = self._parsed.get(key_id)
        if key is None:
            raise PermissionError("Unauthorized. The token's signing key is not known.")
        return key

    def _refresh_once(self) -> asyncio.Future[None]:
        self._pending = start_once(
            self._pending, self._refresh, log_failure("signing keys unavailable")
        )
        return self._pending

    async def _refresh(self) -> None:
        try:
            keys = await asyncio.to_thread(_fetch_keys, self.url)
        except Exception as error:
            log.warning("signing keys not refreshed", extra={"error_type": type(error).__name__})
            if self._fetched_at is None:
                raise PermissionError("Unauthorized. Signing keys are unavailable.") from error
            return
        parsed: dict[str, Any] = {}
        for key in keys:
            try:
                public_key = RSAAlgorithm.from_jwk(json.dumps(key))
            except Exception as error:
                log.warning("signing key skipped", extra={"error_type": type(error).__name__})
                continue
            config = _extractor._OpenIdConfig(public_key, key.get("endorsements", []))
            parsed[str(key.get("kid"))] = config
        self.keys = keys
        self._parsed = parsed
        self._fetched_at = self._clock()


def _fetch_keys(url: str) -> list[dict[str, Any]]:
    response = requests.get(url, timeout=_FETCH_TIMEOUT)
    response.raise_for_status()
    keys_url = response.json()["jwks_uri"]
    response = requests.get(keys_url, timeout=_FETCH_TIMEOUT)
    response.raise_for_status()
    keys: list[dict[str, Any]] = response.json()["keys"]
    return keys


class _SigningKeyCaches(dict[str, Any]):
    """Replaces `JwtTokenExtractor.metadataCache`: every metadata URL gets `SigningKeys`."""

    def get(self, url: str, default: Any = None) -> Any:
        found = super().get(url)
        if not isinstance(found, SigningKeys):
            found = self[url] = SigningKeys(url)
        return found


def install_signing_key_cache() -> None:
    """Idempotent. Validation itself (issuer, audience, endorsements, expiry) stays the SDK's."""
    extractor = _extractor.JwtTokenExtractor
    if not isinstance(extractor.metadataCache, _SigningKeyCaches):
        extractor.metadataCache = _SigningKeyCaches()
