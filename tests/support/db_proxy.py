"""A TCP proxy between the bot and PostgreSQL that a test controls: pass, reset or blackhole.

- `pass`: bytes flow both ways.
- `blackhole()`: nothing is forwarded and nothing is closed, as when packets are dropped on a
  lost route or a failover. Connections open during the cut stay dead after it (as after a
  failover, their server is gone), bytes sent on them are read and dropped; new connections
  are accepted and then never answered.
- `heal()`: new connections pass again; the dead ones stay dead until their client gives up.
- `reset(refuse_new=...)`: every open connection is reset (RST), and while `refuse_new` new
  ones are reset as they arrive.

It runs on its own event loop in its own thread: the bot under test does synchronous database
work on the test's loop (migrations, the start-up schema check), which would otherwise block
the proxy it goes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(eq=False)  # kept in a set by identity
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    dead: bool = False  # blackholed: forwards nothing, ever again
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class DbProxy:
    def __init__(
        self,
        upstream_host: str = "127.0.0.1",
        upstream_port: int = 5432,
        listen: tuple[str, int] = ("127.0.0.1", 0),
    ) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listen_on = listen
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="db-proxy")
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._blackholed = False
        self._refusing = False
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        listening = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self._server = listening.result(timeout=5)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        self._on_loop(self._close_all)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def blackhole(self) -> None:
        self._on_loop(self._blackhole)

    def heal(self) -> None:
        self._on_loop(self._heal)

    def reset(self, refuse_new: bool = False) -> None:
        self._on_loop(lambda: self._reset_all(refuse_new))

    def _on_loop(self, change: Callable[[], None]) -> None:
        async def run() -> None:
            change()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=5)

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._accept, *self._listen_on)

    def _close_all(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            _abort(link.client)
            if link.upstream is not None:
                _abort(link.upstream)
            for task in link.tasks:
                task.cancel()
        self._links.clear()

    def _blackhole(self) -> None:
        self._blackholed = True
        for link in self._links:
            link.dead = True

    def _heal(self) -> None:
        self._blackholed = False
        self._refusing = False

    def _reset_all(self, refuse_new: bool) -> None:
        self._refusing = refuse_new
        for link in list(self._links):
            _reset(link.client)
            if link.upstream is not None:
                _abort(link.upstream)
        self._links.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            _reset(writer)
            return
        link = _Link(client=writer, dead=self._blackholed)
        self._links.add(link)
        if link.dead:
            await _swallow(reader)
            return
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        link.upstream = up_writer
        link.tasks = [
            asyncio.create_task(self._pump(reader, up_writer, link)),
            asyncio.create_task(self._pump(up_reader, writer, link)),
        ]

    async def _pump(
        self, source: asyncio.StreamReader, target: asyncio.StreamWriter, link: _Link
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                if link.dead:
                    continue  # dropped on the floor, the connection left open
                target.write(data)
                await target.drain()
        if not link.dead:
            _abort(target)
            self._links.discard(link)


async def _swallow(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while await reader.read(65536):
            pass


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a peer that dropped the connection does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.transport.abort()


def main() -> None:
    """`python -m tests.support.db_proxy LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT`:
    a plain forwarder in its own process (tests/scenarios/test_packet_drop.py runs one inside
    a network namespace). Prints "ready" once listening; runs until killed."""
    import sys
    import time

    host, port, upstream_host, upstream_port = sys.argv[1:5]
    proxy = DbProxy(upstream_host, int(upstream_port), (host, int(port)))
    proxy.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
