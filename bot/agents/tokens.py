"""The Agents SDK edge's credentials: the app registration as the SDK's configuration, and the
tokens it presents to the connector (docs/architecture.md §10).

Outgoing tokens come from MSAL (`microsoft-agents-authentication-msal`'s `MsalAuth`, a client
secret for the app id, against the app's tenant for a single-tenant app or the Bot Framework's
for a multi-tenant one). The SDK asks for a token on every turn (the connector client and the
user-token client) and every proactive send, and `MsalAuth` hops to a worker thread each time,
even when MSAL's own cache answers: `CachedTokens` keeps each token until shortly before it
expires, one fetch per (resource, scopes) at a time. Neither token nor secret is logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ConnectionManager,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, AuthTypes

from bot.config import Settings
from bot.refresh import token_expiry

SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the app's own connection
# A multi-tenant app's tokens come from the Bot Framework's tenant (as botbuilder asks them).
MULTI_TENANT_AUTHORITY_TENANT = "botframework.com"


def app_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The app registration, as the SDK's validator and MSAL read it."""
    single = settings.app_type.lower() == "singletenant"
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.app_id,
        tenant_id=settings.app_tenant_id if single else MULTI_TENANT_AUTHORITY_TENANT,
        client_secret=settings.app_password.get_secret_value(),
        issuers=[AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER],
        validate_issuer=True,
    )


def app_connections(configuration: AgentAuthConfiguration) -> ConnectionManager:
    """The SDK's `Connections` for the app: one, MSAL behind a token cache."""
    return ConnectionManager(
        provider_factory=lambda config: CachedTokens(MsalAuth(config)),
        connections_configurations={SERVICE_CONNECTION: configuration},
    )


@dataclass
class _Token:
    value: str = ""
    expires_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    refused: bool = False  # the connector answered 401 to it: fetch anew, forcing a refresh


class CachedTokens(AccessTokenProviderBase):
    """A token provider that keeps each token until `refresh_before` seconds before it expires."""

    def __init__(
        self,
        provider: AccessTokenProviderBase,
        refresh_before: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._provider = provider
        self._refresh_before = refresh_before
        self._clock = clock
        self._tokens: dict[tuple[str, tuple[str, ...]], _Token] = {}

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._provider.configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        entry = self._tokens.setdefault((resource_url, tuple(scopes)), _Token())
        if not force_refresh and self._fresh(entry):
            return entry.value
        async with entry.lock:  # one fetch; whoever waited finds it fresh
            if force_refresh or not self._fresh(entry):
                force = force_refresh or entry.refused
                value = await self._provider.get_access_token(resource_url, scopes, force)
                entry.value, entry.expires_at = value, token_expiry(value, self._clock())
                entry.refused = False
        return entry.value

    def forget(self, token: str) -> None:
        """The connector answered 401 to this token: drop it, so the next call fetches one
        (asking the provider to refresh), as the botbuilder edge's TokenCache.invalidate."""
        for entry in self._tokens.values():
            if entry.value == token:
                entry.value, entry.expires_at, entry.refused = "", 0.0, True

    def get_token_credential(self) -> Any:
        return self._provider.get_token_credential()

    # The flows this bot doesn't use (user sign-in, agentic identities) go straight to MSAL.
    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        return await self._provider.acquire_token_on_behalf_of(scopes, user_assertion)

    async def get_agentic_application_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> str | None:
        return await self._provider.get_agentic_application_token(tenant_id, agent_app_instance_id)

    async def get_agentic_instance_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> tuple[str, str]:
        return await self._provider.get_agentic_instance_token(tenant_id, agent_app_instance_id)

    async def get_agentic_user_token(
        self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str, scopes: list[str]
    ) -> str | None:
        return await self._provider.get_agentic_user_token(
            tenant_id, agent_app_instance_id, agentic_user_id, scopes
        )

    def _fresh(self, entry: _Token) -> bool:
        return bool(entry.value) and self._clock() < entry.expires_at - self._refresh_before
