"""The Agents SDK edge's signing keys and outgoing tokens (bot/agents/authentication.py,
bot/agents/tokens.py); the whole path, bad tokens and all, is tests/security's on both platforms."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.authentication.msal import msal_auth
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.agents.authentication import ChannelKeys
from bot.agents.tokens import CachedTokens, app_configuration, app_connections
from bot.config import Settings
from bot.refresh import FIRST_FETCH_RETRY, KEYS_MAX_AGE, UNKNOWN_KEY_REFRESH


def _jwk(kid: str, endorsements: list[str] | None = None) -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    return {**public, "kid": kid, "endorsements": endorsements or ["msteams"]}


KEY = _jwk("k1")


class Fetches:
    """A metadata endpoint that answers each fetch with the next of `answers` (the last repeats)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.count = 0

    async def __call__(self, url: str) -> list[dict[str, Any]]:
        self.count += 1
        await asyncio.sleep(0.05)
        answer = self.answers[min(self.count, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        keys: list[dict[str, Any]] = answer
        return keys


async def test_keys_are_fetched_once_for_concurrent_requests_and_unknown_ids_wait_an_hour() -> None:
    now = [0.0]
    fetches = Fetches([KEY])
    keys = ChannelKeys("http://metadata", fetch=fetches, clock=lambda: now[0])
    found = await asyncio.gather(
        *(keys.get_signing_key("ignored", {"kid": "k1"}) for _ in range(10))
    )
    assert fetches.count == 1
    assert {key.key_id for key in found} == {"k1"}
    for _ in range(5):  # forged key ids: refused without fetching again
        with pytest.raises(jwt.PyJWKError):
            await keys.get_signing_key("ignored", {"kid": "forged"})
    assert fetches.count == 1
    now[0] += UNKNOWN_KEY_REFRESH + 1
    with pytest.raises(jwt.PyJWKError):
        await keys.get_signing_key("ignored", {"kid": "forged"})
    assert fetches.count == 2, "after an hour an unknown key id may mean a rotation"


async def test_endorsements_name_the_channels_a_key_signs_for() -> None:
    keys = ChannelKeys("http://metadata", fetch=Fetches([KEY]))
    assert await keys.endorses("k1", "msteams")
    assert not await keys.endorses("k1", "webchat")
    assert await keys.endorses("k1", None)  # no channel id: botbuilder doesn't check either


async def test_a_failed_refresh_keeps_the_known_keys_and_no_keys_at_all_refuses() -> None:
    now = [0.0]
    keys = ChannelKeys("http://metadata", Fetches([KEY], OSError("down")), lambda: now[0])
    await keys.get_signing_key("", {"kid": "k1"})
    now[0] += 2 * 24 * 3600  # stale: a background refresh starts, and fails
    assert (await keys.get_signing_key("", {"kid": "k1"})).key_id == "k1"
    await asyncio.sleep(0.1)
    assert (await keys.get_signing_key("", {"kid": "k1"})).key_id == "k1"
    unreachable = ChannelKeys("http://metadata", fetch=Fetches(OSError("down")))
    with pytest.raises(jwt.PyJWKError):
        await unreachable.get_signing_key("", {"kid": "k1"})


async def test_an_outage_does_not_lift_the_hourly_limit_on_fetches() -> None:
    now = [0.0]
    fetches = Fetches([KEY], OSError("down"))  # up once, then down for good
    keys = ChannelKeys("http://metadata", fetches, lambda: now[0])
    await keys.get_signing_key("", {"kid": "k1"})
    now[0] += UNKNOWN_KEY_REFRESH + 1
    for _ in range(10):  # forged key ids through the next hour: one failed fetch in all
        with pytest.raises(jwt.PyJWKError):
            await keys.get_signing_key("", {"kid": "forged"})
        now[0] += UNKNOWN_KEY_REFRESH / 11
    assert fetches.count == 2
    now[0] = KEYS_MAX_AGE + 1  # the keys are a day old: one background refresh, which fails
    for _ in range(10):
        assert (await keys.get_signing_key("", {"kid": "k1"})).key_id == "k1"
        with pytest.raises(jwt.PyJWKError):
            await keys.get_signing_key("", {"kid": "forged"})
        await asyncio.sleep(0.06)  # let the background refresh fail
        now[0] += UNKNOWN_KEY_REFRESH / 11
    assert fetches.count == 3
    now[0] += UNKNOWN_KEY_REFRESH
    with pytest.raises(jwt.PyJWKError):
        await keys.get_signing_key("", {"kid": "forged"})
    assert fetches.count == 4, "an hour after the last attempt, one more"


async def test_an_outage_at_startup_fetches_at_most_once_per_retry_interval() -> None:
    now = [0.0]
    fetches = Fetches(OSError("down"), [KEY])
    keys = ChannelKeys("http://metadata", fetches, lambda: now[0])
    results = await asyncio.gather(
        *(keys.get_signing_key("", {"kid": "k1"}) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(result, jwt.PyJWKError) for result in results)
    for _ in range(10):  # refused at once, no fetch, until the retry interval has passed
        with pytest.raises(jwt.PyJWKError):
            await keys.get_signing_key("", {"kid": "k1"})
        now[0] += FIRST_FETCH_RETRY / 11
    assert fetches.count == 1
    now[0] += FIRST_FETCH_RETRY
    assert (await keys.get_signing_key("", {"kid": "k1"})).key_id == "k1"
    assert fetches.count == 2


class FakeProvider:
    def __init__(self, lifetime: int) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.configuration: Any = None
        self.forced: list[bool] = []

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        self.calls += 1
        self.forced.append(force_refresh)
        await asyncio.sleep(0.05)
        return jwt.encode({"exp": 1_000 + self.lifetime, "n": self.calls}, "k" * 32)


async def test_tokens_are_fetched_once_and_kept_until_shortly_before_they_expire() -> None:
    now = [1_000.0]
    provider = FakeProvider(lifetime=3600)
    tokens = CachedTokens(provider, refresh_before=300, clock=lambda: now[0])  # type: ignore[arg-type]
    scope = ["https://api.botframework.com/.default"]
    got = await asyncio.gather(*(tokens.get_access_token("aud", scope) for _ in range(10)))
    assert len(set(got)) == 1
    assert provider.calls == 1, "concurrent callers share one fetch"
    now[0] += 3000
    assert await tokens.get_access_token("aud", scope) == got[0]
    now[0] += 400  # within five minutes of expiry
    assert await tokens.get_access_token("aud", scope) != got[0]
    assert provider.calls == 2
    await tokens.get_access_token("other", scope)
    assert provider.calls == 3, "one token per audience"


async def test_a_token_the_connector_refused_is_fetched_anew_with_a_forced_refresh() -> None:
    provider = FakeProvider(lifetime=3600)
    tokens = CachedTokens(provider, clock=lambda: 1_000.0)  # type: ignore[arg-type]
    scope = ["https://api.botframework.com/.default"]
    refused = await tokens.get_access_token("aud", scope)
    other = await tokens.get_access_token("other", scope)
    tokens.forget(refused)  # bot/agents/connector.py, on a 401 to it
    fresh = await tokens.get_access_token("aud", scope)
    assert fresh != refused
    assert provider.forced == [False, False, True], "the provider is asked to refresh"
    assert await tokens.get_access_token("aud", scope) == fresh
    assert await tokens.get_access_token("other", scope) == other, "only that token is dropped"
    assert provider.calls == 3


def test_the_app_registration_names_its_tenant_and_trusts_the_channel_issuer() -> None:
    values = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": "t1"}
    single = app_configuration(Settings(_env_file=None, **values))  # type: ignore[arg-type]
    assert (single.CLIENT_ID, single.TENANT_ID, single.VALIDATE_ISSUER) == ("app", "t1", True)
    assert single.ISSUERS == ["https://api.botframework.com"]
    multi = app_configuration(
        Settings(_env_file=None, MicrosoftAppType="MultiTenant", **values)  # type: ignore[arg-type]
    )
    assert multi.TENANT_ID == "botframework.com"


class FakeMsalApp:
    """Stands in for MSAL's ConfidentialClientApplication: records how it was made and asked."""

    made: list[dict[str, Any]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.made.append(kwargs)
        self.asked: list[list[str]] = []

    def acquire_token_for_client(self, scopes: list[str], **kwargs: Any) -> dict[str, Any]:
        self.asked.append(scopes)
        return {"access_token": f"token-{len(self.asked)}", "expires_in": 3600}


async def test_outgoing_tokens_come_from_msal_with_the_apps_secret_and_tenant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(msal_auth, "ConfidentialClientApplication", FakeMsalApp)
    FakeMsalApp.made = []
    values = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": "t1"}
    connections = app_connections(app_configuration(Settings(_env_file=None, **values)))  # type: ignore[arg-type]
    # As the SDK asks for the connector's token on a turn from the channel.
    provider = connections.get_token_provider(
        ClaimsIdentity({"aud": "app"}), "https://smba.example/"
    )
    scopes = ["https://api.botframework.com/.default"]
    for _ in range(3):
        assert await provider.get_access_token("https://api.botframework.com", scopes) == "token-1"
    [made] = FakeMsalApp.made
    assert made["client_id"] == "app"
    assert made["client_credential"] == "pw"
    assert made["authority"] == "https://login.microsoftonline.com/t1"
