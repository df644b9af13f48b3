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
from bot.refresh import KeyRefresh

log = logging.getLogger(__name__)


_FETCH_TIMEOUT = (5, 15)


class SigningKeys(_extractor._OpenIdMetadata):  # type: ignore[misc]  # botbuilder is untyped
    """The SDK's signing-key cache for one metadata URL, without blocking the event loop: the
    fetch runs in a worker thread, when bot/refresh.py's KeyRefresh allows (as the Agents
    edge's: counted from the last attempt, so an outage doesn't make every request fetch),
    keys are parsed once, and a failed refresh keeps the keys already known."""

    def __init__(self, url: str, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(url)
        self._clock = clock
        self._fetched_at: float | None = None
        self._parsed: dict[str, Any] = {}
        self._refreshes = KeyRefresh(
            self._refresh, log_failure("signing keys unavailable"), _unauthorized
        )

    async def get(self, key_id: str) -> Any:
        return await self._refreshes.find(
            lambda: self._parsed.get(key_id), self._clock(), self._fetched_at
        )

    async def _refresh(self) -> None:
        try:
            keys = await asyncio.to_thread(_fetch_keys, self.url)
        except Exception as error:
            log.warning("signing keys not refreshed", extra={"error_type": type(error).__name__})
            if self._fetched_at is None:
                raise _unauthorized("signing keys are unavailable") from error
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


def _unauthorized(why: str) -> PermissionError:
    return PermissionError(f"Unauthorized: {why}.")


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
