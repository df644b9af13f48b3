"""Both edges' pooled sessions let an idle connection go before the connector would close it:
a send on a connection the server is closing fails as an unknown outcome ("server
disconnected"), which nobody can resend safely. Node's http server (the Agents Playground)
closes after 5 s idle."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot import channel as port
from bot.agents.connector import SessionPool
from bot.botframework.connector import Transport

NODE_IDLE_SECONDS = 5.0


def test_idle_connections_are_let_go_before_a_node_server_closes_them() -> None:
    assert port.IDLE_CONNECTION_SECONDS < NODE_IDLE_SECONDS


def _botframework() -> aiohttp.ClientSession:
    return Transport().session()


def _agents() -> aiohttp.ClientSession:
    return SessionPool().session()


@pytest.mark.parametrize("open_session", [_botframework, _agents], ids=["botframework", "agents"])
async def test_each_edge_reuses_a_busy_connection_and_drops_an_idle_one(
    open_session: Callable[[], aiohttp.ClientSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(port, "IDLE_CONNECTION_SECONDS", 0.2)
    client_ports: list[int] = []

    async def answer(request: web.Request) -> web.Response:
        client_ports.append(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", answer)
    async with TestServer(app, host="127.0.0.1") as server:
        session = open_session()
        try:
            for pause in (0.0, 0.0, 0.6):
                await asyncio.sleep(pause)
                async with session.get(server.make_url("/")) as response:
                    assert response.status == 200
        finally:
            await session.close()
    first, busy, after_idle = client_ports
    assert busy == first, "a connection in use is kept"
    assert after_idle != first, "an idle connection was let go, not reused"
