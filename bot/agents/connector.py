"""Pooled HTTP for the Agents SDK's connector and user-token clients (docs/architecture.md §10).

The SDK's `RestChannelServiceClientFactory` builds a client with a new `aiohttp.ClientSession`
for every turn and every proactive send, and the adapter closes it when the turn ends: a new
session and TCP connection each time, about four times a send's CPU on the botbuilder edge,
which pools its clients (bot/botframework/connector.py). Here every client gets a view of one
kept session (its connections pooled per host), closed with the channel: the view carries the
client's base URL and default headers (its bearer token), so clients never see each other's
token, and its `close` leaves the pooled session open. A 401 from the connector drops the
token the client was built with (bot/agents/tokens.py `CachedTokens.forget`), so the next
client gets a fresh one; bot/outbound.py sends a refused proactive card once more.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

import aiohttp
from microsoft_agents.hosting.core import RestChannelServiceClientFactory
from microsoft_agents.hosting.core.authorization import ClaimsIdentity, Connections
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from yarl import URL

from bot import channel as port
from bot.agents.tokens import CachedTokens

MAX_CONNECTIONS = 100  # as the botbuilder edge's pooled transport

T = TypeVar("T")


class SessionView:
    """What one SDK client sees as its `ClientSession`: the pooled session, with this client's
    base URL and default headers (a request's own headers win)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = URL(base_url if base_url.endswith("/") else base_url + "/")
        self.headers: dict[str, str] = {}
        # Called when the connector answers 401 (the client's token was refused).
        self.on_unauthorized: Callable[[], None] = lambda: None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        given: Mapping[str, str] | None = kwargs.pop("headers", None)
        target = URL(url)
        if not target.absolute:  # as aiohttp resolves against a session's base_url
            target = self._base_url.join(target)
        headers = {**self.headers, **(given or {})}
        request = self._session.request(method, target, headers=headers, **kwargs)
        return _Watched(request, self.on_unauthorized)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    async def close(self) -> None:
        """The SDK closes its clients after every turn and send; the pooled session stays."""


class _Watched:
    """A request as the SDK's clients use it (`async with` or `await`), that reports a 401
    before the client reads the response."""

    def __init__(self, request: Any, on_unauthorized: Callable[[], None]) -> None:
        self._request = request
        self._on_unauthorized = on_unauthorized

    def _check(self, response: aiohttp.ClientResponse) -> aiohttp.ClientResponse:
        if response.status == 401:
            self._on_unauthorized()
        return response

    async def __aenter__(self) -> aiohttp.ClientResponse:
        return self._check(await self._request.__aenter__())

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._request.__aexit__(*exc)

    def __await__(self) -> Any:
        return self._awaited().__await__()

    async def _awaited(self) -> aiohttp.ClientResponse:
        return self._check(await self._request)


class SessionPool:
    """The one kept `aiohttp.ClientSession`, made on first use on the running loop (again if
    the loop changed, as in tests) and closed by `close` (app cleanup); and the SDK clients
    over it, kept by what they were built from (base URL, token, app id) as the SDK's adapter
    closes a client only through its view."""

    def __init__(self, max_clients: int = 256) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: OrderedDict[Hashable, Any] = OrderedDict()
        self._max_clients = max_clients
        self.sessions_made = 0

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or session.closed or self._loop is not loop:
            session = self._session = aiohttp.ClientSession(
                connector=port.pooled_connector(MAX_CONNECTIONS), timeout=port.connector_timeout()
            )
            self._loop = loop
            self._clients.clear()  # they hold views of the session replaced
            self.sessions_made += 1
        return session

    def client(
        self,
        key: Hashable,
        base_url: str,
        build: Callable[[Any], T],
        refused: Callable[[], None] = lambda: None,
    ) -> T:
        """The client built by `build(view of base_url)` for `key`, kept (least recently used
        dropped past `max_clients`). A 401 to it calls `refused` and drops the client."""
        session = self.session()
        found: T | None = self._clients.get(key)
        if found is not None:
            self._clients.move_to_end(key)
            return found
        view = SessionView(session, base_url)

        def unauthorized() -> None:
            self._clients.pop(key, None)
            refused()

        view.on_unauthorized = unauthorized
        made = build(view)
        self._clients[key] = made
        if len(self._clients) > self._max_clients:
            self._clients.popitem(last=False)
        return made

    async def close(self) -> None:
        session, self._session = self._session, None
        self._clients.clear()
        if session is not None and not session.closed:
            await session.close()


class PooledClientFactory(RestChannelServiceClientFactory):
    """The SDK's factory, its clients on pooled sessions. The token comes from the SDK's
    `Connections` as in the SDK; the agentic and Copilot Studio connector variants the SDK also
    builds are not offered by this Teams app, so every client is a `TeamsConnectorClient`."""

    def __init__(self, connections: Connections, pool: SessionPool, *, anonymous: bool) -> None:
        super().__init__(connections)
        self.pool = pool
        # Local mode (no app id): no token either way, however the SDK built the identity
        # (its proactive paths give one with claims, which would ask for a token).
        self.anonymous = anonymous

    async def create_connector_client(
        self,
        context: Any,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> Any:
        if not service_url:
            raise TypeError("create_connector_client: service_url can't be empty")
        provider = (
            self._ANONYMOUS_TOKEN_PROVIDER
            if use_anonymous or self.anonymous
            else self._connection_manager.get_token_provider(claims_identity, service_url)
        )
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope()
        )
        token = token or ""
        return self.pool.client(
            ("connector", service_url, token),
            service_url,
            lambda view: TeamsConnectorClient(endpoint=service_url, token=token, session=view),
            _forget(provider, token),
        )

    async def create_user_token_client(
        self, context: Any, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> Any:
        # Asked for on every turn, though this app asks for no user tokens: kept like the rest
        # (built afresh, it also logs a warning each turn in local mode, with no app id).
        token = ""
        provider: Any = None
        if not (use_anonymous or self.anonymous):
            provider = self._connection_manager.get_token_provider(
                claims_identity, self._token_service_endpoint
            )
            token = await provider.get_access_token(
                self._token_service_audience, claims_identity.get_token_scope()
            )
        endpoint, app_id, token = (
            self._token_service_endpoint,
            claims_identity.get_app_id(),
            token or "",
        )
        return self.pool.client(
            ("user token", endpoint, app_id, token),
            endpoint,
            lambda view: UserTokenClient(
                endpoint=endpoint, token=token, app_id=app_id, session=view
            ),
            _forget(provider, token),
        )


def _forget(provider: Any, token: str) -> Callable[[], None]:
    """What a 401 to `token` does: the provider's cache drops it (anonymous: nothing)."""

    def refused() -> None:
        if isinstance(provider, CachedTokens) and token:
            provider.forget(token)

    return refused
