"""The pooled connector client, the factory and authentication that hand it out, and the
adapter over them (see bot/botframework/__init__.py).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import aiohttp
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ConversationResourceResponse,
    ResourceResponse,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    BotFrameworkAuthentication,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.auth._connector_factory_impl import (
    USER_AGENT,
    _ConnectorFactoryImpl,
)
from multidict import CIMultiDict
from yarl import URL

from bot import channel as port
from bot.botframework.errors import ConnectorError, ConnectorResponse, ConnectorUnreachable
from bot.botframework.signing_keys import install_signing_key_cache
from bot.botframework.tokens import TokenCache, TokenKey
from bot.botframework.wire import encode

_OK = (200, 201, 202)
_JSON = "application/json; charset=utf-8"


def _quote(value: str) -> str:
    return quote(str(value), safe="")  # as msrest quotes path arguments


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
                connector=port.pooled_connector(self._max_connections),
                timeout=port.connector_timeout(),
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
