"""Issue 16: the kernel's own timeouts on a database connection, with packets really dropped.

tests/scenarios/test_partition.py cuts the link in a userland proxy, which still ACKs every
packet at the TCP level, so libpq's keepalive and `tcp_user_timeout` settings
(storage/database.py `postgres_connect_args`) never come into play there. Here the packets go
through a network namespace, over a veth pair, and a blackhole route there drops every reply in
the kernel: nothing answers, nothing is closed, as on a lost route or a failover.

    client ──▶ 10.213.N.2:5432 (a forwarder in the namespace, over a veth pair)
           ──▶ 10.213.N.1 (a forwarder outside) ──▶ PostgreSQL
    a blackhole route in the namespace drops everything sent back: nothing answers

Each case is shown twice: with the setting, the kernel closes the connection within its bound;
without it, the connection is still there (hanging, or alive after the heal). Needs root (ip
netns, ip route); no netfilter or netem, which this kernel lacks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from storage.database import Timeouts, postgres_connect_args
from tests.conftest import require
from tests.support.db_proxy import DbProxy

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

# Each link has its own names and subnet (a namespace is torn down asynchronously):
# 10.213.P.4k/30 for this process's slot P and its k-th link, 64 per process (every test here
# runs on both platforms, and tests/scenarios/test_packet_drop_two_instances.py makes two).
_SLOT = os.getpid() % 250
_LINKS = iter(range(64))
ROOT = Path(__file__).resolve().parents[2]


def _ip(*args: str, namespace: str | None = None) -> subprocess.CompletedProcess[str]:
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    return subprocess.run(
        [*prefix, "ip", *args], capture_output=True, text=True, timeout=10, check=False
    )


def _can_make_namespaces() -> bool:
    probe = f"losprobe{os.getpid()}"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    made = _ip("netns", "add", probe).returncode == 0
    if made:
        _ip("netns", "del", probe)
    return made


class DroppingLink:
    """A path to PostgreSQL through a namespace, whose packets a route can drop."""

    def __init__(self, database_url: str) -> None:
        # The test database and its role, as every other PostgreSQL test reaches them
        # (TEST_POSTGRES_URL, via the `postgres_url` fixture), never an assumed postgres/postgres.
        self._database = make_url(database_url)
        k = next(_LINKS)
        self.namespace = f"los{_SLOT}x{k}"
        self.outside, self.inside = f"{self.namespace}a", f"{self.namespace}b"
        self.host, self.server_side = f"10.213.{_SLOT}.{4 * k + 2}", f"10.213.{_SLOT}.{4 * k + 1}"
        upstream = (self._database.host or "127.0.0.1", self._database.port or 5432)
        self._relay = DbProxy(*upstream, listen=(self.server_side, 0))
        self._forwarder: subprocess.Popen[str] | None = None

    def __enter__(self) -> DroppingLink:
        try:
            self._make()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _make(self) -> None:
        self._run("netns", "add", self.namespace)
        self._run("link", "add", self.outside, "type", "veth", "peer", "name", self.inside)
        self._run("link", "set", self.inside, "netns", self.namespace)
        self._run("addr", "add", f"{self.server_side}/30", "dev", self.outside)
        self._run("link", "set", self.outside, "up")
        for args in (
            ("addr", "add", f"{self.host}/30", "dev", self.inside),
            ("link", "set", self.inside, "up"),
            ("link", "set", "lo", "up"),
        ):
            self._run(*args, namespace=self.namespace)
        self._relay.start()
        self._forwarder = subprocess.Popen(
            [
                *("ip", "netns", "exec", self.namespace, sys.executable),
                *("-m", "tests.support.db_proxy", self.host, "5432"),
                *(self.server_side, str(self._relay.port)),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._forwarder.stdout is not None
        assert self._forwarder.stdout.readline().strip() == "ready"

    def __exit__(self, *exc: object) -> None:
        self.heal()
        if self._forwarder is not None:
            self._forwarder.kill()
            self._forwarder.wait(timeout=10)
            if self._forwarder.stdout is not None:
                self._forwarder.stdout.close()
        if self._relay.port:
            self._relay.stop()
        _ip("link", "del", self.outside)  # both ends of the pair
        _ip("netns", "del", self.namespace)

    def drop(self) -> None:
        """Everything the namespace sends back (ACKs included) is discarded there, so the
        client's packets go out and nothing ever answers them. (A blackhole route on the
        client's side would not do: the client's kernel would fail its keepalive probes
        locally and not count them as unanswered.)"""
        self._run("route", "add", "blackhole", f"{self.server_side}/32", namespace=self.namespace)

    def heal(self) -> None:
        _ip("route", "del", "blackhole", f"{self.server_side}/32", namespace=self.namespace)

    def connect(self, **settings: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.host,
            port=5432,
            user=self._database.username,
            password=self._database.password,
            dbname=self._database.database,
            **settings,
        )

    def _run(self, *args: str, namespace: str | None = None) -> None:
        done = _ip(*args, namespace=namespace)
        assert done.returncode == 0, f"ip {' '.join(args)}: {done.stderr}"


@contextlib.contextmanager
def link_or_skip(database_url: str) -> Iterator[DroppingLink]:
    """A `DroppingLink`; without root (CAP_NET_ADMIN) a skip that says so, in CI a failure."""
    require(
        _can_make_namespaces(),
        "a real packet drop needs root (CAP_NET_ADMIN) and iproute2 (ip netns, ip route; "
        ".ci/run installs it)",
    )
    with DroppingLink(database_url) as made:
        yield made


@pytest.fixture
def link(postgres_url: str) -> Iterator[DroppingLink]:
    with link_or_skip(postgres_url) as made:
        yield made


def test_the_link_reaches_the_test_database(link: DroppingLink, postgres_url: str) -> None:
    with link.connect(**_settings()) as connection:
        row = connection.execute("select current_database(), current_user").fetchone()
    url = make_url(postgres_url)
    assert row == (url.database, url.username), "the configured database and role, not guesses"


def _settings(**limits: Any) -> dict[str, Any]:
    return postgres_connect_args(Timeouts(connect=3, **limits))


def _query(connection: psycopg.Connection[Any], within: float) -> tuple[str, float]:
    """`select 1`: "served" or "failed", and after how many seconds; "waiting" if it had
    neither after `within` seconds."""
    outcome: list[tuple[str, float]] = []

    def query() -> None:
        started = time.monotonic()
        try:
            connection.execute("select 1")
        except psycopg.OperationalError:
            outcome.append(("failed", round(time.monotonic() - started, 1)))
        else:
            outcome.append(("served", round(time.monotonic() - started, 1)))

    worker = threading.Thread(target=query, daemon=True)
    worker.start()
    worker.join(within)
    return outcome[0] if outcome else ("waiting", within)


def _shut(connection: psycopg.Connection[Any]) -> None:
    """Shut the socket under a query that is waiting (as storage/database.py's watchdog does):
    the read returns, and the waiting thread ends."""
    with socket.socket(fileno=os.dup(connection.pgconn.socket)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\nfigures: {line}")


def test_unacknowledged_data_is_cut_by_tcp_user_timeout(
    link: DroppingLink, capsys: pytest.CaptureFixture[str]
) -> None:
    bounded = link.connect(**_settings(tcp_user=3, keepalive_idle=60))
    unbounded = link.connect(**{**_settings(keepalive_idle=60), "tcp_user_timeout": 0})
    for connection in (bounded, unbounded):
        connection.execute("select 1")
    link.drop()
    cut = _query(bounded, within=10)
    hung = _query(unbounded, within=8)
    _shut(unbounded)  # else its thread waits out the kernel's ~15 minutes of retransmissions
    report(
        capsys,
        f"packets dropped mid-query: with tcp_user_timeout=3 s the query {cut[0]} after "
        f"{cut[1]} s; without it, {hung[0]} after {hung[1]} s",
    )
    assert cut[0] == "failed"
    # The kernel checks the user timeout when a retransmission falls due: a little after it.
    assert cut[1] < 3 + 2
    assert hung[0] == "waiting", "without the setting the kernel keeps retransmitting"


def test_an_idle_connection_is_closed_by_keepalives(
    link: DroppingLink, capsys: pytest.CaptureFixture[str]
) -> None:
    # tcp_user_timeout off here: with it, it (not the keepalive count) decides.
    probed = {**_settings(keepalive_idle=2, keepalive_interval=1, keepalive_count=2)}
    probed["tcp_user_timeout"] = 0
    unprobed = {**probed, "keepalives": 0}
    alive = [link.connect(**settings) for settings in (probed, unprobed)]
    for connection in alive:
        connection.execute("select 1")
    link.drop()
    time.sleep(2 + 1 * 2 + 2)  # idle, then the probes, then a margin
    link.heal()
    after = [_query(connection, within=5) for connection in alive]
    report(
        capsys,
        f"idle through a 6 s silent drop, then healed: with keepalives (2 s + 2 x 1 s) the "
        f"first query {after[0][0]} after {after[0][1]} s; without, {after[1][0]} after "
        f"{after[1][1]} s",
    )
    assert after[0][0] == "failed"
    assert after[0][1] < 1, "the kernel had already closed it"
    assert after[1][0] == "served", "a connection nobody probed survives a silent drop"
    for connection in alive:
        connection.close()
