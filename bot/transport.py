"""The Bot Framework transport: what the bot sends over the network, without the stock waste.

botbuilder 4.17's CloudAdapter builds a new msrest `ConnectorClient`, new credentials (and with
them a new MSAL app, so a new token) and a new `TokenApiClient` on every turn, then sends with
`requests` in the default thread pool (docs/teams-platform.md, docs/architecture.md §7).
This module keeps the turn
model (CloudAdapter's pipeline, ActivityHandler, TurnContext) and replaces only the transport:

- `PooledAuthentication` wraps the SDK's `BotFrameworkAuthentication`: request validation is
  the SDK's own, but the connector factory it hands out returns a cached `PooledConnectorClient`
  per (service URL, app id, audience), and the user-token client is only built if used.
- `PooledConnectorClient.conversations` (send, reply, update, delete, create conversation)
  sends the JSON msrest would send (`encode`: tested equal to msrest's output; ~60 µs for a
  12-block card where msrest takes ~1.7 ms) through one pooled `aiohttp.ClientSession`.
  Other operations fall back to the stock msrest client for that service URL.
- `card_activity` builds a card message TurnContext sends without deep-copying the card.
- `TokenCache` keeps one credentials object (one MSAL app) per app id and audience and caches
  its token until shortly before it expires; fetching and refreshing run in a worker thread,
  never on the event loop. Local mode (no app id) sends no token at all.
- `install_signing_key_cache()` makes the SDK's OpenID metadata / signing-key refresh (blocking
  `requests.get` on the loop, with no timeout) run in a worker thread, single-flight, and keeps
  serving the known keys while a daily refresh runs.
- Connector failures raise `ConnectorError`, an `ErrorResponseException` with the shape the
  stock client gives (`response.status_code`, `response.headers["Retry-After"]`,
  `response.text`, `error.error.code`), so callers handle both alike.

`RateLimiter` paces proactive sends to Teams' published limits (docs/teams-platform.md) in
this process.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import time
from base64 import b64encode
from bisect import bisect_left, insort
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, cast
from urllib.parse import quote

import aiohttp
import jwt
import requests
from botbuilder.core import CardFactory, InvokeResponse
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AttachmentLayoutTypes,
    ConversationResourceResponse,
    ErrorResponse,
    ResourceResponse,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.auth import jwt_token_extractor as _extractor
from botframework.connector.auth._connector_factory_impl import (
    USER_AGENT,
    _ConnectorFactoryImpl,
)
from botframework.connector.models import ErrorResponseException
from jwt.algorithms import RSAAlgorithm
from msrest import Serializer
from msrest.exceptions import ClientRequestError
from msrest.serialization import Model
from multidict import CIMultiDict
from yarl import URL

log = logging.getLogger(__name__)

_SERIALIZE_ISO: Callable[[Any], str] = cast(Any, Serializer).serialize_iso
_OK = (200, 201, 202)
_JSON = "application/json; charset=utf-8"


def _quote(value: str) -> str:
    return quote(str(value), safe="")  # as msrest quotes path arguments


# --- errors -------------------------------------------------------------------------------


class ConnectorResponse:
    """What a failed connector call answered, shaped like the `requests.Response` msrest keeps."""

    def __init__(self, status_code: int, headers: CIMultiDict[str], text: str, reason: str):
        self.status_code = status_code
        self.headers = headers
        self.text = text
        self.reason = reason

    def json(self) -> Any:
        return json.loads(self.text)


class ConnectorError(ErrorResponseException):  # type: ignore[misc]  # botbuilder is untyped
    """The connector answered an error status. Same shape as the stock client's exception."""

    def __init__(self, method: str, url: str, response: ConnectorResponse) -> None:
        Exception.__init__(self, f"{method} {url} answered {response.status_code}")
        self.inner_exception = None
        self.response = response
        self.error = _error_body(response.text)
        code = getattr(getattr(self.error, "error", None), "code", None)
        self.message = (
            f"({code}) {self.error.error.message}"
            if code
            else f"Operation returned an invalid status code {response.reason!r}"
        )

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def code(self) -> str | None:
        value = getattr(getattr(self.error, "error", None), "code", None)
        return str(value) if value else None

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.response.headers.get("Retry-After"))


class ConnectorUnreachable(ClientRequestError):
    """The connector could not be reached or did not answer in time (no status)."""


def _error_body(text: str) -> Any:
    try:
        return ErrorResponse.deserialize(json.loads(text))
    except Exception:
        return ErrorResponse()


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (Teams sends delta-seconds; HTTP dates are not used there)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class SharedActivity(Activity):  # type: ignore[misc]  # botbuilder is untyped
    """An outgoing activity TurnContext copies shallowly: before sending it only reassigns the
    copy's fields (conversation, from, recipient, ids), never changes what they hold."""

    def __deepcopy__(self, _memo: dict[int, Any]) -> SharedActivity:
        return copy.copy(self)


def card_activity(card: dict[str, Any]) -> Any:
    """`MessageFactory.attachment(CardFactory.adaptive_card(card))`, cheap to send: TurnContext
    copies it shallowly, so the card is shared, and it is still a plain dict for msrest (the
    stock client, and expectReplies answers in the HTTP body)."""
    return SharedActivity(
        type=ActivityTypes.message,
        attachment_layout=AttachmentLayoutTypes.list,
        # A plain dict whatever the builder returned (cards.validation.MeasuredCard): msrest
        # writes a dict subclass as its repr.
        attachments=[CardFactory.adaptive_card(dict(card))],
    )


def invoke_answer(response: InvokeResponse) -> Any:
    """The invokeResponse activity ActivityHandler.on_turn would send, copied shallowly: the
    adapter only records it, and app.py writes its body out as JSON."""
    return SharedActivity(type=ActivityTypes.invoke_response, value=response)


# --- tokens -------------------------------------------------------------------------------


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
        loop = asyncio.get_running_loop()
        pending = entry.refreshing
        if pending is not None and not pending.done() and pending.get_loop() is loop:
            return pending
        task = loop.create_task(self._refresh(entry))
        task.add_done_callback(_log_failure("token not refreshed"))
        entry.refreshing = task
        return task

    async def _refresh(self, entry: _Token) -> None:
        token: str = await asyncio.to_thread(entry.credentials.get_access_token)
        entry.header = f"Bearer {token}"
        entry.expires_at = _expiry(token, self._clock())


def _log_failure(what: str) -> Callable[[asyncio.Future[None]], None]:
    def retrieve(task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.warning(what, extra={"error_type": type(error).__name__})

    return retrieve


def _should_set_token(credentials: Any) -> bool:
    app_id = getattr(credentials, "microsoft_app_id", None)
    return bool(app_id) and app_id != AuthenticationConstants.ANONYMOUS_SKILL_APP_ID


def _expiry(token: str, now: float) -> float:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except Exception:
        return now + 30 * 60  # opaque token: MSAL's own cache still answers within its life


# --- the connector client ----------------------------------------------------------------


class _Conversations:
    """The conversation operations botbuilder-core calls, over the pooled session."""

    def __init__(self, client: PooledConnectorClient) -> None:
        self._client = client

    async def send_to_conversation(
        self, conversation_id: str, activity: Any, **_options: Any
    ) -> Any:
        path = f"v3/conversations/{_quote(conversation_id)}/activities"
        return _resource(await self._client.call("POST", path, _body(activity, "Activity")))

    async def reply_to_activity(
        self, conversation_id: str, activity_id: str, activity: Any, **_options: Any
    ) -> Any:
        path = f"v3/conversations/{_quote(conversation_id)}/activities/{_quote(activity_id)}"
        body = _body(activity, "Activity")
        extra = {"x-ms-conversation-id": conversation_id}
        return _resource(await self._client.call("POST", path, body, extra))

    async def update_activity(
        self, conversation_id: str, activity_id: str, activity: Any, **_options: Any
    ) -> Any:
        path = f"v3/conversations/{_quote(conversation_id)}/activities/{_quote(activity_id)}"
        return _resource(await self._client.call("PUT", path, _body(activity, "Activity")))

    async def delete_activity(
        self, conversation_id: str, activity_id: str, **_options: Any
    ) -> None:
        path = f"v3/conversations/{_quote(conversation_id)}/activities/{_quote(activity_id)}"
        await self._client.call("DELETE", path, None)

    async def create_conversation(self, parameters: Any, **_options: Any) -> Any:
        body = _body(parameters, "ConversationParameters")
        answer = await self._client.call("POST", "v3/conversations", body)
        if not isinstance(answer, dict):
            return None
        return ConversationResourceResponse(
            activity_id=answer.get("activityId"),
            service_url=answer.get("serviceUrl"),
            id=answer.get("id"),
        )

    def __getattr__(self, name: str) -> Any:
        # Anything else (members, paged members, history, attachments...) goes through the
        # stock msrest client for this service URL, built once on first use.
        return getattr(self._client.fallback().conversations, name)


def _body(model: Any, _type_name: str) -> bytes:
    return encode(model)


def encode(model: Any) -> bytes:
    """A botbuilder model as the JSON the Bot Framework expects: what msrest's
    `Serializer.body` sends for these models (attribute-map keys, None left out, enums by
    value, ISO-8601 times in UTC), without its per-value `eval`, deep copies and validation
    walk, which cost more than the rest of a turn. `object` fields (card content, channel
    data) go to `json.dumps` as they are; models, enums and times inside them are converted
    as msrest converts them."""
    return json.dumps(to_wire(model), separators=(",", ":"), default=_nested).encode()


def to_wire(value: Any) -> Any:
    """The JSON structure of a model; `object` fields are left for `json.dumps`."""
    if isinstance(value, Model):
        out: dict[str, Any] = {}
        for attribute, spec in value._attribute_map.items():
            item = getattr(value, attribute, None)
            if item is not None:
                out[spec["key"]] = _typed(item, spec["type"])
        return out
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_wire(item) for key, item in value.items()}
    return _nested(value) if isinstance(value, Enum | datetime | bytes | bytearray) else value


def _typed(item: Any, type_name: Any) -> Any:
    if type_name == "object":
        return item
    if type_name == "str":
        return item.value if isinstance(item, Enum) else str(item)
    if type_name == "iso-8601":
        return _SERIALIZE_ISO(item)
    if type_name == "bytearray":
        return b64encode(item).decode()
    if type_name in ("int", "long"):
        return int(item)
    if type_name == "float":
        return float(item)
    if type_name == "bool":
        return bool(item)
    return to_wire(item)


def _nested(value: Any) -> Any:
    """What `json.dumps` can't encode by itself, as msrest's `serialize_object` would."""
    if isinstance(value, Model):
        return to_wire(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return _SERIALIZE_ISO(value)
    if isinstance(value, bytes | bytearray):
        return b64encode(value).decode()
    return str(value)


def _resource(answer: Any) -> Any:
    if not isinstance(answer, dict):
        return None
    return ResourceResponse(id=answer.get("id"))


class PooledConnectorClient:
    """Stands in for `botframework.connector.aio.ConnectorClient` in a turn's state."""

    def __init__(self, transport: Transport, service_url: str, token_key: TokenKey) -> None:
        self._transport = transport
        self._base = service_url.rstrip("/") + "/"
        self._token_key = token_key
        self._fallback: Any = None
        self.service_url = service_url
        self.conversations = _Conversations(self)

    @property
    def credentials(self) -> Any:
        return self._transport.tokens.credentials(self._token_key)

    @property
    def config(self) -> Any:
        return self.fallback().config

    @property
    def attachments(self) -> Any:
        return self.fallback().attachments

    def fallback(self) -> Any:
        if self._fallback is None:
            client = ConnectorClient(self.credentials, base_url=self.service_url)
            client.config.add_user_agent(USER_AGENT)
            self._fallback = client
        return self._fallback

    async def call(
        self, method: str, path: str, body: bytes | None, extra: dict[str, str] | None = None
    ) -> Any:
        headers = {"Accept": "application/json", "Content-Type": _JSON}
        if extra:
            headers.update(extra)
        authorization = await self._transport.tokens.header(self._token_key)
        if authorization:
            headers["Authorization"] = authorization
        url = self._base + path
        status, response_headers, raw, reason = await self._transport.send(
            method, url, body, headers
        )
        if status in _OK:
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                return None
        if status == 401:
            self._transport.tokens.invalidate(self._token_key)
        text = raw.decode("utf-8", errors="replace")
        raise ConnectorError(method, url, ConnectorResponse(status, response_headers, text, reason))


# --- factory, authentication, adapter -----------------------------------------------------


class PooledConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder is untyped
    """Wraps the SDK's factory: same app id, audience and credentials; cached clients."""

    def __init__(self, transport: Transport, stock: Any) -> None:
        self._transport = transport
        self._stock = stock

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        stock = self._stock
        if not isinstance(stock, _ConnectorFactoryImpl):
            return await stock.create(service_url, audience)  # streaming etc.: untouched
        return await self._transport.client(stock, service_url, audience)


class _LazyUserTokenClient(UserTokenClient):  # type: ignore[misc]  # botbuilder is untyped
    """The SDK builds a TokenApiClient on every turn; this bot has no OAuth prompts, so build
    it only if something asks (then once per turn, as the SDK would)."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        self._make = make
        self._inner: Any = None

    async def _client(self) -> Any:
        if self._inner is None:
            self._inner = await self._make()
        return self._inner

    async def get_user_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_user_token(*args, **kwargs)

    async def get_sign_in_resource(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_sign_in_resource(*args, **kwargs)

    async def sign_out_user(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).sign_out_user(*args, **kwargs)

    async def get_token_status(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_token_status(*args, **kwargs)

    async def get_aad_tokens(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_aad_tokens(*args, **kwargs)

    async def exchange_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).exchange_token(*args, **kwargs)


class PooledAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """The SDK's authentication (validation unchanged) handing out pooled connector factories."""

    def __init__(self, inner: Any, transport: Transport) -> None:
        self._inner = inner
        self._transport = transport

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = PooledConnectorFactory(
                self._transport, result.connector_factory
            )
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id: str) -> Any:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id)

    def create_connector_factory(self, claims_identity: Any) -> Any:
        stock = self._inner.create_connector_factory(claims_identity)
        return PooledConnectorFactory(self._transport, stock)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        return _LazyUserTokenClient(lambda: self._inner.create_user_token_client(claims_identity))

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)


# A call to the connector gives up after this; an answer later than that is an unknown
# outcome to the sender. Well inside the chaser lease (domain/chase_engine.py), so a send
# never outlives its claim.
CLIENT_TIMEOUT_SECONDS = 60.0


class Transport:
    """The pooled HTTP session and the caches behind it. One per app; `close()` on cleanup."""

    def __init__(self, *, max_connections: int = 100, max_clients: int = 256) -> None:
        self.tokens = TokenCache()
        self._clients: OrderedDict[tuple[str, str, str], PooledConnectorClient] = OrderedDict()
        self._max_clients = max_clients
        self._max_connections = max_connections
        self._http: aiohttp.ClientSession | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    async def client(self, stock: Any, service_url: str, audience: str | None) -> Any:
        app_id = stock._app_id or ""
        scope = audience or stock._to_channel_from_bot_oauth_scope or ""
        key = (service_url, app_id, scope)
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        token_key = (app_id, scope, stock._login_endpoint or "")
        if token_key not in self.tokens:
            credentials = await stock._credential_factory.create_credentials(
                stock._app_id, scope, stock._login_endpoint, stock._validate_authority
            )
            self.tokens.register(token_key, credentials)
        client = PooledConnectorClient(self, service_url, token_key)
        self._clients[key] = client
        if len(self._clients) > self._max_clients:
            self._clients.popitem(last=False)
        return client

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        http = self._http
        if http is None or http.closed or self._http_loop is not loop:
            self._http_loop = loop
            http = self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, ttl_dns_cache=300, keepalive_timeout=30
                ),
                timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_SECONDS, connect=10),
                headers={"User-Agent": USER_AGENT},
            )
        return http

    async def send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, CIMultiDict[str], bytes, str]:
        try:
            async with self.session().request(
                method, URL(url, encoded=True), data=body, headers=headers
            ) as response:
                raw = await response.read()
                return response.status, CIMultiDict(response.headers), raw, response.reason or ""
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ConnectorUnreachable(f"{method} to the connector failed", error) from error

    async def close(self) -> None:
        if self._http is not None and not self._http.closed:
            await self._http.close()
        self._http = None


class PooledCloudAdapter(CloudAdapter):  # type: ignore[misc]  # botbuilder is untyped
    """CloudAdapter (pipeline, turn context, proactive and invoke handling unchanged) over the
    pooled transport."""

    def __init__(self, authentication: Any, transport: Transport | None = None) -> None:
        self.transport = transport or Transport()
        install_signing_key_cache()
        super().__init__(PooledAuthentication(authentication, self.transport))

    async def close(self) -> None:
        await self.transport.close()


# --- signing keys -------------------------------------------------------------------------

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
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is not None and not pending.done() and pending.get_loop() is loop:
            return pending
        task = loop.create_task(self._refresh())
        task.add_done_callback(_log_failure("signing keys unavailable"))
        self._pending = task
        return task

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


# --- pacing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


# Teams' limits for one bot (docs/teams-platform.md): per conversation, and per app per tenant.
TEAMS_PER_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
TEAMS_PER_TENANT = (Window(50, 1.0),)


class RateLimiter:
    """Sliding-window pacing per conversation and per tenant, in this process.

    `acquire` books the earliest time a send fits every window and waits for it (one wake-up
    per send, first come first served); on waking late (a stalled process), it checks the
    windows again against when sends really went, so a backlog never leaves as a burst.
    Windows are stretched by `margin`, and consecutive sends to one key are spaced by
    `spread` times the shortest window's average interval (1.0: an even pace): a send reaches
    Teams a varying delay after it leaves, so a burst of 50 can arrive as 51 in Teams'
    second. A 429's Retry-After holds a conversation back (`defer`). With no windows it never
    waits. Cancelling a waiter leaves its slot booked (unused), never overbooked.
    """

    def __init__(
        self,
        per_conversation: tuple[Window, ...] = TEAMS_PER_CONVERSATION,
        per_tenant: tuple[Window, ...] = TEAMS_PER_TENANT,
        clock: Callable[[], float] = time.monotonic,
        *,
        margin: float = 1.1,
        spread: float = 1.0,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self._sleep = sleep
        self._windows = {
            kind: tuple(Window(w.limit, w.seconds * margin) for w in windows)
            for kind, windows in (("c", per_conversation), ("t", per_tenant))
        }
        self._gap = {
            kind: min((w.seconds / w.limit for w in windows), default=0.0) * spread
            for kind, windows in self._windows.items()
        }
        self._longest = max((w.seconds for ws in self._windows.values() for w in ws), default=0.0)
        self._clock = clock
        self._booked: dict[tuple[str, str], deque[float]] = {}  # reserved slots
        # A tenant's reserved slots, in time order: a send to a quiet conversation takes the
        # first free slot, not one after a busy conversation's backlog.
        self._tenant_slots: dict[str, list[float]] = {}
        self._sent: dict[tuple[str, str], deque[float]] = {}  # when sends really went
        self._held: dict[str, float] = {}
        self._bookings = 0

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls((), ())

    @property
    def enabled(self) -> bool:
        return bool(self._windows["c"] or self._windows["t"])

    def wait_for(self, conversation_id: str) -> float:
        """Seconds before a send to this conversation could go (a Retry-After hold, or its
        own backlog), without booking anything."""
        now = self._clock()
        conversation = (("c", conversation_id),)
        held = self._held.get(conversation_id, 0.0)
        at = max(now, held, *self._earliest(self._booked, conversation))
        return at - now

    def defer(self, conversation_id: str, seconds: float) -> None:
        until = self._clock() + seconds
        self._held[conversation_id] = max(until, self._held.get(conversation_id, 0.0))

    async def acquire(self, tenant_id: str, conversation_id: str) -> float:
        """Wait until a send to this conversation fits; returns the seconds waited."""
        if not self.enabled and not self._held:
            return 0.0
        keys = (("c", conversation_id), ("t", tenant_id))
        conversation = (keys[0],)
        start = now = self._clock()
        # In order within a conversation (messages must not overtake each other); in any
        # free slot of the tenant's window.
        at = max(
            now, self._held.get(conversation_id, 0.0), *self._earliest(self._booked, conversation)
        )
        at = self._tenant_slot(tenant_id, at, now)
        self._book(self._booked, conversation, at)
        if at > now:
            await self._sleep(at - now)
        while True:
            now = self._clock()
            late = max(self._earliest(self._sent, keys))
            if late <= now:
                break
            await self._sleep(late - now)
        self._book(self._sent, keys, now)
        return now - start

    def _earliest(
        self, ledger: dict[tuple[str, str], deque[float]], keys: tuple[tuple[str, str], ...]
    ) -> list[float]:
        found = []
        for kind, key in keys:
            times = ledger.get((kind, key))
            if not times:
                continue
            earliest = times[-1] + self._gap[kind]
            for window in self._windows[kind]:
                if len(times) >= window.limit:
                    earliest = max(earliest, times[-window.limit] + window.seconds)
            found.append(earliest)
        return found or [0.0]

    def _book(
        self,
        ledger: dict[tuple[str, str], deque[float]],
        keys: tuple[tuple[str, str], ...],
        at: float,
    ) -> None:
        for kind, key in keys:
            windows = self._windows[kind]
            if not windows:
                continue
            times = ledger.get((kind, key))
            if times is None:
                times = ledger[(kind, key)] = deque(maxlen=max(w.limit for w in windows))
            times.append(at)
        self._bookings += 1
        if self._bookings % 4096 == 0:
            self._forget(at)

    def _tenant_slot(self, tenant_id: str, candidate: float, now: float) -> float:
        """Book and return the tenant's first free slot at or after `candidate`."""
        windows = self._windows["t"]
        if not windows:
            return candidate
        slots = self._tenant_slots.setdefault(tenant_id, [])
        # Slots further back than the longest window can't constrain a send from now on.
        del slots[: bisect_left(slots, now - max(w.seconds for w in windows))]
        gap = self._gap["t"]
        at = candidate
        for _ in range(GAP_SEARCH_STEPS):
            later = _clash(slots, windows, gap, at)
            if later is None:
                break
            at = later if later > at else math.nextafter(at, math.inf)  # always forward
        else:
            # No free slot near: the tenant is saturated, so don't walk its whole backlog.
            at = _after_all(slots, windows, gap, at)
        insort(slots, at)
        return at

    def _forget(self, now: float) -> None:
        # Keys idle longer than the longest window can't hold anything back: drop them.
        for ledger in (self._booked, self._sent):
            idle = [k for k, times in ledger.items() if now - times[-1] > self._longest]
            for key in idle:
                del ledger[key]
        quiet = [
            k
            for k, slots in self._tenant_slots.items()
            if not slots or now - slots[-1] > self._longest
        ]
        for tenant in quiet:
            del self._tenant_slots[tenant]
        for conversation, until in list(self._held.items()):
            if until <= now:
                del self._held[conversation]


# How many clashes a send steps past looking for a free tenant slot before it takes the first
# one after them all: a bound on the work (each step is a bisect and a window check) for a
# tenant with thousands of sends queued. Well above what real backlogs need: with 64, the
# 200-practitioner load test's submits queued behind a busy chair's chat again (p99 19 s
# instead of 12.6 s), because gaps between that chat's paced cards lay further on.
GAP_SEARCH_STEPS = 1_000


def _tolerance(at: float) -> float:
    # Fitting to within a nanosecond is fitting: (t + gap) - t can come out a hair under gap.
    # Relative too, for clocks far from zero (monotonic time after years of uptime).
    return 1e-9 + abs(at) * 1e-14


def _after_all(slots: list[float], windows: tuple[Window, ...], gap: float, at: float) -> float:
    """The first time at or after `at` that fits after every booked slot."""
    if not slots:
        return at
    fits = [at, slots[-1] + gap]
    fits += [slots[-w.limit] + w.seconds for w in windows if len(slots) >= w.limit]
    return max(fits)


def _clash(slots: list[float], windows: tuple[Window, ...], gap: float, at: float) -> float | None:
    """None if a send at `at` fits among the booked `slots` (sorted); otherwise a later time
    to try, past what it clashes with. Fits: at least `gap` from its neighbours, and no window
    would then hold more than its limit."""
    p = bisect_left(slots, at)
    tolerance = _tolerance(at)
    if p > 0 and at - slots[p - 1] < gap - tolerance:
        return slots[p - 1] + gap
    if p < len(slots) and slots[p] - at < gap - tolerance:
        return slots[p] + gap
    for window in windows:
        # Runs of limit + 1 sends that include this one, in time order: each must span at
        # least the window. Index i is the first of the run, counted with `at` at index p.
        for first in range(max(0, p - window.limit), p + 1):
            last = first + window.limit
            if last > len(slots):  # the run would need more sends than are booked
                break
            start = slots[first] if first < p else at
            end = slots[last - 1] if last > p else at
            if end - start < window.seconds - tolerance:
                # At the end of the run: wait a window after its first send. Inside it: go
                # past its last send.
                return start + window.seconds if last == p else end + gap
    return None
