"""Bot Framework tokens the tests sign themselves, and the OpenID metadata that vouches for them.

botbuilder 4.17.1 (`botframework/connector/auth/jwt_token_extractor.py`) fetches the metadata
and the JWKS with blocking `requests.get` from inside the event loop, so the endpoint runs on
its own thread and loop: on the test's loop it would deadlock.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self, endorsements: list[str]) -> dict[str, Any]:
        """The public half as the Bot Framework publishes it: with the channels it endorses."""
        public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "endorsements": endorsements}


def new_key(kid: str) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


def sign(key: SigningKey, claims: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": kid or key.kid})


def channel_claims(app_id: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """The claims of a token the Bot Framework channel sends to a bot (an hour's validity)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    claims.update(changes)
    return claims


@dataclass
class OpenIdServer:
    """`/.well-known/openidconfiguration` and `/keys` on loopback, in a background thread."""

    keys: list[dict[str, Any]]
    hits: list[str] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None
    _port: int = 0

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/.well-known/openidconfiguration"

    def start(self) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._runner = web.AppRunner(self._app(), access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
            ready.set()

        def run() -> None:
            assert self._loop is not None
            self._loop.run_until_complete(serve())
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="openid-metadata", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the OpenID metadata server did not start")

    def stop(self) -> None:
        assert self._loop is not None
        assert self._runner is not None
        assert self._thread is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/keys", self._jwks)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "jwks_uri": f"http://127.0.0.1:{self._port}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        return web.json_response({"keys": self.keys})
