"""Fixtures for the security tests: a locally served Bot Framework OpenID endpoint with the
tests' own signing key, and the bot running with an app id (authentication on)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    MicrosoftAppCredentials,
)
from microsoft_agents.authentication.msal import MsalAuth

from bot.config import Settings
from tests.conftest import BotUnderTest
from tests.security.support import running_bot, settings_for
from tests.security.tokens import OpenIdServer, SigningKey, new_key
from tests.support.activities import TENANT, USER_AAD
from tests.support.connector import FakeConnector

APP_ID = "5d0c2b8e-7f3a-4c1d-9e6b-2a4f8c0d1e3b"
# Distinctive, so a log scan can look for it.
APP_PASSWORD = "pw-MARKER-q7Zx-3kLm-secret"
# What the bot presents to the connector; stubbed, so nothing calls Entra ID.
OUTBOUND_TOKEN = "outbound-MARKER-token-9f8e7d"
# Where the SDK's built-in endpoints would send it: nowhere, so no test reaches the internet.
UNREACHABLE = "http://127.0.0.1:9/unreachable/.well-known/openidconfiguration"


@pytest.fixture(scope="session")
def trusted_key() -> SigningKey:
    return new_key("line-of-sight-test-key")


@pytest.fixture(scope="session")
def openid(trusted_key: SigningKey) -> Iterator[OpenIdServer]:
    """The Bot Framework's metadata and keys, served on loopback; the key endorses msteams."""
    server = OpenIdServer(keys=[trusted_key.jwk(["msteams", "emulator"])])
    server.start()
    yield server
    server.stop()


async def _outbound_token(self: MsalAuth, *args: object, **kwargs: object) -> str:
    return OUTBOUND_TOKEN


@pytest.fixture
def offline_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep both SDKs off the internet: botbuilder's built-in metadata URLs, and both SDKs'
    Entra ID token calls (botbuilder's credentials, the Agents SDK's MSAL provider)."""
    monkeypatch.setattr(
        AuthenticationConstants, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", UNREACHABLE
    )
    monkeypatch.setattr(
        AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", UNREACHABLE
    )
    monkeypatch.setattr(
        MicrosoftAppCredentials,
        "get_access_token",
        lambda self, force_refresh=False: OUTBOUND_TOKEN,
    )
    monkeypatch.setattr(MsalAuth, "get_access_token", _outbound_token)


def authenticated_settings(
    tmp_path: Path, database_url: str, metadata_url: str, platform: str = "botframework"
) -> Settings:
    return settings_for(
        tmp_path,
        database_url,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=APP_PASSWORD,
        MicrosoftAppType="SingleTenant",
        MicrosoftAppTenantId=TENANT,
        ADMIN_AAD_IDS=USER_AAD,
        BOT_OPENID_METADATA=metadata_url,
        BOT_PLATFORM=platform,
    )


@pytest.fixture
async def authed_bot(
    tmp_path: Path,
    sqlite_url: str,
    connector: FakeConnector,
    openid: OpenIdServer,
    offline_sdk: None,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
) -> AsyncIterator[BotUnderTest]:
    """The bot with an app id on `platform`, so every request must carry a valid Bot Framework
    token.

    The app points botbuilder's channel validation (a class attribute) at BOT_OPENID_METADATA;
    monkeypatch puts the attribute back after each test so no other test inherits it.
    """
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", openid.metadata_url)
    settings = authenticated_settings(tmp_path, sqlite_url, openid.metadata_url, platform)
    async with running_bot(settings, sqlite_url, connector) as bot:
        yield bot
