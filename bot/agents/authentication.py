"""The Agents SDK edge's inbound authentication (docs/architecture.md §8, §10).

The token is validated by the SDK's own `JwtTokenValidator` (signature, RS256 only, expiry and
not-before with its 5-minute leeway, audience = the app id), with two changes and the checks
botbuilder's channel validation makes that the SDK's validator does not:

- The signing keys come from one OpenID metadata URL, `BOT_OPENID_METADATA` or the Bot
  Framework's own, as on the botbuilder edge (the SDK picks a JWKS URI by the token's unverified
  issuer, hard-coded; Entra ID's keys would vouch for tokens this bot never accepts).
- After validation: the token must expire (PyJWT accepts a signed token with no `exp`), be
  issued by the Bot Framework channel (the SDK also trusts Microsoft's first-party tenants, the
  Emulator's among them), not be another bot's (an agent/skill token: this bot has none), name
  the activity's service URL in its `serviceurl` claim, and be signed by a key that endorses the
  activity's channel.

Every failure is `Unauthenticated` (401, nothing said), logged by its error type only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import jwt
from jwt import PyJWK
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import (
    AuthenticationConstants,
    ClaimsIdentity,
    JwtTokenValidator,
)

from bot.channel import Unauthenticated
from bot.refresh import KeyRefresh

log = logging.getLogger(__name__)

CHANNEL_ISSUER = AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER  # https://api.botframework.com
CHANNEL_METADATA = AuthenticationConstants.PUBLIC_ABS_OPENID_METADATA_URL

_FETCH_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)

KeyFetch = Callable[[str], Awaitable[list[dict[str, Any]]]]


class ChannelKeys:
    """The channel's signing keys from one OpenID metadata URL, served to `JwtTokenValidator` as
    its key source (`get_signing_key`). Fetched with aiohttp (nothing blocks the loop), when
    bot/refresh.py's KeyRefresh allows (as the botbuilder edge's). A failed refresh keeps the
    keys already known. Each key keeps the channels it endorses."""

    def __init__(
        self,
        metadata_url: str,
        fetch: KeyFetch | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metadata_url = metadata_url
        self._fetch = fetch or fetch_keys
        self._clock = clock
        self._fetched_at: float | None = None  # the last successful fetch
        self._keys: dict[str, tuple[PyJWK, frozenset[str]]] = {}
        self._refreshes = KeyRefresh(self._refresh, _retrieve_failure, jwt.PyJWKError)

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        """The SDK's key-source call. `jwks_uri` is the SDK's pick by unverified issuer: ignored,
        only the configured channel's keys are trusted."""
        return (await self._entry(header.get("kid")))[0]

    async def endorses(self, key_id: Any, channel_id: str | None) -> bool:
        """Whether the key endorses the activity's channel (botbuilder's rule: an activity with
        no channel id is not checked)."""
        return channel_id is None or channel_id in (await self._entry(key_id))[1]

    async def _entry(self, key_id: Any) -> tuple[PyJWK, frozenset[str]]:
        return await self._refreshes.find(
            lambda: self._keys.get(str(key_id)), self._clock(), self._fetched_at
        )

    async def _refresh(self) -> None:
        try:
            found = await self._fetch(self.metadata_url)
        except Exception as error:
            log.warning("signing keys not refreshed", extra={"error_type": type(error).__name__})
            if self._fetched_at is None:
                raise jwt.PyJWKError("signing keys are unavailable") from error
            return
        keys: dict[str, tuple[PyJWK, frozenset[str]]] = {}
        for raw in found:
            try:
                key = PyJWK(raw, algorithm="RS256")
            except Exception as error:
                log.warning("signing key skipped", extra={"error_type": type(error).__name__})
                continue
            endorsements = raw.get("endorsements")
            endorsed = frozenset(e for e in endorsements or [] if isinstance(e, str))
            keys[str(raw.get("kid"))] = (key, endorsed)
        self._keys = keys
        self._fetched_at = self._clock()


def _retrieve_failure(task: asyncio.Future[None]) -> None:
    # The waiting request reports the failure (a 401); a background refresh's is logged above.
    if not task.cancelled():
        task.exception()


async def fetch_keys(metadata_url: str) -> list[dict[str, Any]]:
    """The metadata's `jwks_uri`, then its keys."""
    async with aiohttp.ClientSession(timeout=_FETCH_TIMEOUT) as http:
        async with http.get(metadata_url) as response:
            response.raise_for_status()
            jwks_uri = (await response.json(content_type=None))["jwks_uri"]
        async with http.get(jwks_uri) as response:
            response.raise_for_status()
            keys: list[dict[str, Any]] = (await response.json(content_type=None))["keys"]
    return keys


class _ChannelTokenValidator(JwtTokenValidator):
    """The SDK's validator with the channel's keys as its key source (the SDK's class-wide
    `_jwk_client_manager` fetches by the SDK's hard-coded JWKS URIs)."""

    def __init__(self, configuration: AgentAuthConfiguration, keys: ChannelKeys) -> None:
        super().__init__(configuration)
        self._jwk_client_manager = keys  # type: ignore[assignment]


class ChannelAuthentication:
    """Checks a request's Bearer token against the activity it came with."""

    def __init__(self, configuration: AgentAuthConfiguration, metadata_url: str) -> None:
        self.keys = ChannelKeys(metadata_url or CHANNEL_METADATA)
        self._validator = _ChannelTokenValidator(configuration, self.keys)

    async def authenticate(self, authorization: str, body: dict[str, Any]) -> ClaimsIdentity:
        try:
            token = _bearer_token(authorization)
            identity = await self._validator.validate_token(token)
            await self._check_channel_claims(identity, token, body)
            return identity
        except Exception as error:
            # PyJWT errors, the SDK's ValueErrors, ours: any of them means "not authenticated",
            # never a 500; the type alone is logged (a message could quote the token).
            log.warning("authentication refused", extra={"error_type": type(error).__name__})
            raise Unauthenticated() from error

    async def _check_channel_claims(
        self, identity: ClaimsIdentity, token: str, body: dict[str, Any]
    ) -> None:
        claims = identity.claims
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or isinstance(expiry, bool):
            raise PermissionError("the token has no expiry")
        if claims.get(AuthenticationConstants.ISSUER_CLAIM) != CHANNEL_ISSUER:
            raise PermissionError("the token was not issued by the Bot Framework channel")
        if identity.is_agent_claim():
            raise PermissionError("another bot's token: this bot takes none")
        if claims.get(AuthenticationConstants.SERVICE_URL_CLAIM) != body.get("serviceUrl"):
            raise PermissionError("the token is for another service URL")
        channel = body.get("channelId")
        key_id = jwt.get_unverified_header(token).get("kid")  # signed, so as issued
        if not await self.keys.endorses(key_id, channel if isinstance(channel, str) else None):
            raise PermissionError("the signing key does not endorse the activity's channel")


def _bearer_token(authorization: str) -> str:
    """`Bearer <token>`, exactly: botbuilder refuses any other scheme spelling too."""
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token or " " in token:
        raise PermissionError("no Bearer token")
    return token
