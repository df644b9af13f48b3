"""Issue 7, item 1: with an app id configured, only a valid Bot Framework token gets in.

Tokens are signed here with the tests' own RSA key; the bot finds the key through OpenID
metadata served on loopback (tests/security/tokens.py). A token the Bot Framework would send
has: issuer https://api.botframework.com, audience = the app id, a `serviceurl` claim equal to
the activity's serviceUrl, and a signing key whose JWKS entry endorses the channel (msteams).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from botframework.connector.auth import MicrosoftAppCredentials
from cryptography.hazmat.primitives import serialization
from microsoft_agents.authentication.msal import MsalAuth
from sqlalchemy import select

from bot.app import SERVICES, create_app
from bot.config import ConfigError
from cards.basics import info_card
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.security.conftest import APP_ID, OUTBOUND_TOKEN, authenticated_settings
from tests.security.support import changes, internals_in, running_bot, snapshot
from tests.security.tokens import (
    OpenIdServer,
    SigningKey,
    channel_claims,
    new_key,
    sign,
)
from tests.support.activities import USER_AAD, invoke, message
from tests.support.connector import FakeConnector
from tests.support.journey import Exchange, exchange

OUTSIDE_TENANT = "0e0e0e0e-0000-4000-8000-00000000dead"
# A key the bot has never been told about (generated once: RSA generation is slow).
STRANGER = new_key("stranger-key")

Header = Callable[[SigningKey, str], str]


def bearer(token: str) -> str:
    return f"Bearer {token}"


@dataclass(frozen=True)
class After:
    """A time claim this many seconds from when the token is signed (negative: before)."""

    seconds: int


def claims_header(**changes_: Any) -> Header:
    """A token signed by the trusted key, with some claims changed (None removes a claim)."""

    def make(key: SigningKey, service_url: str) -> str:
        now = int(time.time())
        resolved = {k: now + v.seconds if isinstance(v, After) else v for k, v in changes_.items()}
        claims = channel_claims(APP_ID, service_url, **resolved)
        return bearer(sign(key, {k: v for k, v in claims.items() if v is not None}))

    return make


def fixed(value: str) -> Header:
    return lambda _key, _url: value


def _unknown_key(key: SigningKey, url: str) -> str:
    return bearer(sign(STRANGER, channel_claims(APP_ID, url)))


def _unknown_key_claiming_trusted_kid(key: SigningKey, url: str) -> str:
    return bearer(sign(STRANGER, channel_claims(APP_ID, url), kid=key.kid))


def _alg_none(key: SigningKey, url: str) -> str:
    token = jwt.encode(channel_claims(APP_ID, url), "", algorithm="none", headers={"kid": key.kid})
    return bearer(token)


def _hmac_with_public_key(key: SigningKey, url: str) -> str:
    # The classic algorithm-confusion forgery: HS256 keyed with the published public key.
    # (PyJWT refuses to build one, so it is assembled by hand.)
    pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64(header)}.{_b64(channel_claims(APP_ID, url))}"
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return bearer(f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}")


def _b64(part: dict[str, Any]) -> str:
    raw = json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _lowercase_scheme(key: SigningKey, url: str) -> str:
    return "bearer " + sign(key, channel_claims(APP_ID, url))


def _skill_token(key: SigningKey, url: str) -> str:
    # A bot-to-bot (skill) token: the bot configures no skills, so none is accepted.
    claims = channel_claims(APP_ID, url, ver="1.0", appid="another-bot-app-id")
    return bearer(sign(key, claims))


def _other_service_url(key: SigningKey, url: str) -> str:
    # A genuine token for a different service URL (e.g. lifted from another conversation).
    return bearer(sign(key, channel_claims(APP_ID, "https://smba.trafficmanager.net/emea/")))


BAD_HEADERS: dict[str, Header | None] = {
    "missing": None,
    "empty": fixed(""),
    "basic scheme": fixed("Basic dXNlcjpwYXNzd29yZA=="),
    "bearer without token": fixed("Bearer"),
    "three parts": fixed("Bearer a.b.c extra"),
    "bearer garbage": fixed("Bearer garbage"),
    "bearer not base64": fixed("Bearer ###.%%%.&&&"),
    "lower-case scheme": _lowercase_scheme,
    "expired": claims_header(exp=After(-3600), nbf=After(-7200), iat=After(-7200)),
    "not yet valid": claims_header(nbf=After(3600), iat=After(3600), exp=After(7200)),
    "no expiry": claims_header(exp=None),
    "wrong audience": claims_header(aud="6e1d3c9f-8a4b-4d2e-af7c-3b5a9d1e2f4c"),
    "no audience": claims_header(aud=None),
    "wrong issuer": claims_header(iss="https://api.botframework.com.evil.example"),
    "no issuer": claims_header(iss=None),
    "emulator issuer": claims_header(
        iss="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/", ver="1.0", appid=APP_ID
    ),
    "no serviceurl claim": claims_header(serviceurl=None),
    "other serviceurl": _other_service_url,
    "unknown key": _unknown_key,
    "unknown key, trusted kid": _unknown_key_claiming_trusted_kid,
    "alg none": _alg_none,
    "hs256 with public key": _hmac_with_public_key,
    "skill token": _skill_token,
}


def headers_for(make: Header | None, key: SigningKey, service_url: str) -> dict[str, str]:
    return {} if make is None else {"Authorization": make(key, service_url)}


def assert_refused(result: Exchange) -> None:
    assert result.status == 401, result.body
    assert internals_in([str(result.body)]) == [], result.body


async def test_every_bad_token_gets_401_and_touches_nothing(
    authed_bot: BotUnderTest, trusted_key: SigningKey
) -> None:
    # One bot for all the cases (starting one per case costs more than the cases themselves).
    bot = authed_bot
    url = bot.connector.url
    before = snapshot(bot.db.engine)
    wrong: dict[str, tuple[int, str]] = {}
    for case, make in BAD_HEADERS.items():
        headers = headers_for(make, trusted_key, url)
        for body in (message(url, "help"), invoke(url, "profile")):
            result = await exchange(bot, body, headers)
            if result.status != 401 or internals_in([str(result.body)]):
                wrong[f"{case} ({body['type']})"] = (result.status, str(result.body)[:200])
    assert wrong == {}, "accepted, or refused with the wrong answer"
    assert changes(before, snapshot(bot.db.engine)) == [], "no member, audit or any other row"
    assert bot.connector.sent == []
    assert bot.connector.created == []


async def test_a_token_for_another_channel_is_refused(
    authed_bot: BotUnderTest, trusted_key: SigningKey
) -> None:
    # The key's JWKS entry endorses msteams only; the same token on a webchat activity fails.
    bot = authed_bot
    body = message(bot.connector.url, "help")
    body["channelId"] = "webchat"
    token = sign(trusted_key, channel_claims(APP_ID, bot.connector.url))
    before = snapshot(bot.db.engine)
    assert_refused(await exchange(bot, body, {"Authorization": bearer(token)}))
    assert changes(before, snapshot(bot.db.engine)) == []
    assert bot.connector.sent == []


async def test_a_valid_token_is_accepted(
    authed_bot: BotUnderTest, trusted_key: SigningKey, openid: OpenIdServer
) -> None:
    bot = authed_bot
    url = bot.connector.url
    headers = {"Authorization": bearer(sign(trusted_key, channel_claims(APP_ID, url)))}
    result = await exchange(bot, message(url, "help"), headers)
    assert result.status == 201
    assert "What you can do" in str(result.sent), "the reply reached the connector"
    assert "/keys" in openid.hits, "the signing key came from the local OpenID metadata"
    # The reply carried the app's own token (from its credentials, stubbed), never the caller's.
    assert bot.connector.authorizations
    assert set(bot.connector.authorizations) == {f"Bearer {OUTBOUND_TOKEN}"}

    result = await exchange(bot, invoke(url, "profile"), headers)
    assert result.status == 200
    assert "Partnership admin" in str(result.card)
    assert "member.created" in bot.audit_actions()


async def test_proactive_sends_carry_the_apps_token(
    authed_bot: BotUnderTest, trusted_key: SigningKey
) -> None:
    # A chaser to a stored conversation, and one that opens a new 1:1 chat: each request the
    # connector gets is authorised by the app's own token (from its credentials, stubbed).
    bot = authed_bot
    url = bot.connector.url
    recipient = await _recipient_who_said_help(bot, trusted_key)
    outbound = bot.app[SERVICES].outbound
    bot.connector.authorizations.clear()
    for to in (recipient, dataclasses.replace(recipient, address=None)):
        delivery = await outbound.send_card(to, info_card("Chaser", "due soon"), url)
        assert delivery.delivered, delivery
    assert len(bot.connector.created) == 1
    assert bot.connector.authorizations == [f"Bearer {OUTBOUND_TOKEN}"] * 3


async def _recipient_who_said_help(bot: BotUnderTest, key: SigningKey) -> Any:
    """The user, as a chaser's recipient, once they have said help (so the bot has their chat)."""
    url = bot.connector.url
    headers = {"Authorization": bearer(sign(key, channel_claims(APP_ID, url)))}
    assert (await exchange(bot, message(url, "help"), headers)).status == 201
    with bot.db.session() as session:
        member_id = session.scalars(
            select(t.Member.id).where(t.Member.aad_object_id == USER_AAD)
        ).one()
    return (await bot.db.run(lambda uow: uow.returns.recipients([member_id])))[0]


async def test_a_valid_token_from_a_tenant_off_the_allow_list_gets_403(
    authed_bot: BotUnderTest, trusted_key: SigningKey
) -> None:
    # The token is genuine (the channel signs for every tenant); the tenant is what is refused,
    # before any row is written or anything is sent.
    bot = authed_bot
    url = bot.connector.url
    headers = {"Authorization": bearer(sign(trusted_key, channel_claims(APP_ID, url)))}
    before = snapshot(bot.db.engine)
    for body in (message(url, "help"), invoke(url, "profile")):
        body["channelData"] = {"tenant": {"id": OUTSIDE_TENANT}}
        body["conversation"]["tenantId"] = OUTSIDE_TENANT
        result = await exchange(bot, body, headers)
        assert (result.status, result.body) == (403, ""), result.body
    assert changes(before, snapshot(bot.db.engine)) == []
    assert bot.connector.sent == []
    assert bot.connector.created == []


async def test_bot_openid_metadata_setting_alone_is_honoured(
    tmp_path: Path,
    sqlite_url: str,
    connector: FakeConnector,
    openid: OpenIdServer,
    offline_sdk: None,
    trusted_key: SigningKey,
    platform: str,
) -> None:
    """No workaround here: only the BOT_OPENID_METADATA setting says where the keys are."""
    settings = authenticated_settings(tmp_path, sqlite_url, openid.metadata_url, platform)
    async with running_bot(settings, sqlite_url, connector) as bot:
        url = bot.connector.url
        headers = {"Authorization": bearer(sign(trusted_key, channel_claims(APP_ID, url)))}
        result = await exchange(bot, message(url, "help"), headers)
        assert result.status == 201


def test_create_app_refuses_local_mode_on_a_public_address(tmp_path: Path) -> None:
    from tests.security.support import settings_for

    for host in ("0.0.0.0", "::", "192.0.2.10", "bot.example.org"):
        settings = settings_for(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", HOST=host)
        with pytest.raises(ConfigError, match="loopback"):
            create_app(settings)


def test_lineofsight_serve_refuses_local_mode_on_0_0_0_0(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("lineofsight")
    assert command.exists(), command
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("Microsoft", "BOT_", "ALLOWED_", "ADMIN_", "DATABASE_"))
    }
    env.update({"HOST": "0.0.0.0", "PORT": "0", "DATA_DIR": str(tmp_path)})
    # The project root, as pytest imports it (an editable install may predate new packages).
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [str(command), "serve"],
        cwd=tmp_path,  # no .env file here
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "only binds to a loopback address, not '0.0.0.0'" in done.stderr
    assert "Set MicrosoftAppId and MicrosoftAppPassword, or remove HOST" in done.stderr
    assert "listening" not in done.stdout


async def test_a_token_the_connector_refuses_is_dropped_and_the_send_tried_once_more(
    authed_bot: BotUnderTest, trusted_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 401 on a proactive send: the cached token is dropped, and the card is sent once more
    # with a fresh one, which later sends keep. Refused again, it is not sent a third time.
    bot = authed_bot
    url = bot.connector.url
    issued: list[str] = []

    def token() -> str:
        issued.append(f"{OUTBOUND_TOKEN}-{len(issued) + 1}")
        return issued[-1]

    async def msal_token(self: MsalAuth, *args: object, **kwargs: object) -> str:
        return token()

    monkeypatch.setattr(
        MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: token()
    )
    monkeypatch.setattr(MsalAuth, "get_access_token", msal_token)
    recipient = await _recipient_who_said_help(bot, trusted_key)
    first = bot.connector.authorizations[-1]
    outbound = bot.app[SERVICES].outbound
    bot.connector.authorizations.clear()
    bot.connector.fail_next(401)
    delivery = await outbound.send_card(recipient, info_card("Chaser", "due soon"), url)
    assert delivery.delivered, delivery
    fresh = f"Bearer {issued[-1]}"
    assert fresh != first
    assert bot.connector.authorizations == [first, fresh], "refused, then a fresh token"
    assert len(bot.connector.sent) >= 1

    bot.connector.authorizations.clear()
    assert (await outbound.send_card(recipient, info_card("Chaser", "again"), url)).delivered
    assert bot.connector.authorizations == [fresh], "the fresh token is kept"

    bot.connector.authorizations.clear()
    bot.connector.fail_next(401)
    bot.connector.fail_next(401)
    delivery = await outbound.send_card(recipient, info_card("Chaser", "refused"), url)
    assert (delivery.delivered, delivery.status) == (False, 401)
    assert len(bot.connector.authorizations) == 2, "once more, not in a loop"
