"""Shared fixtures: databases (SQLite and PostgreSQL), the fake connector and a running bot."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import create_engine, text

from bot.app import SERVICES, create_app
from bot.config import PLATFORMS
from bot.server import server_options
from storage.database import Database, Timeouts
from storage.demo import load_demo
from tests.support.activities import TENANT, USER_AAD
from tests.support.connector import FakeConnector
from tests.support.core import DatabaseReads
from tests.support.local import PG_ADMIN_URL, TEMPLATES, local_settings, migrate
from tests.support.short_work import short_work_guard

IN_CI = bool(os.environ.get("CI"))
# The tests that serve HTTP run on both platforms (bot/platforms.py), each test once per
# platform (the paths below: the HTTP scenarios, the security suite, the load test, and two
# Playground journeys: the return journey, whose proactive sends cross the edge most, and the
# basics). The other journeys run on botframework: on agents they added 6 to 8 minutes to a
# CI run that reached about 74 of its 90 minutes, while every behaviour they drive is also an
# HTTP scenario on both. Unit and storage tests don't depend on the platform (an edge's own
# modules are unit-tested directly) and run once, on BOT_PLATFORM's (botframework by
# default); the bench regression check runs both platforms itself.
# `@pytest.mark.platforms("botframework", reason=...)` keeps a test to the platforms named,
# with the reason in code; with BOT_PLATFORM set (a quick check of one platform) every test
# runs on that one platform, if the test allows it.
BOTH_PLATFORMS = (
    "tests/scenarios/",
    "tests/security/",
    "tests/e2e/test_return_journey.py",
    "tests/e2e/test_playground_basics.py",
    "tests/load/",
)


def require(condition: bool, reason: str) -> None:
    """Skip locally when a dependency is missing; in CI the same gap is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def served_platforms(definition: pytest.Function) -> tuple[str, ...]:
    """The platforms a test runs on (the table above)."""
    marker = definition.get_closest_marker("platforms")
    allowed = tuple(marker.args) if marker else PLATFORMS
    chosen = os.environ.get("BOT_PLATFORM")
    if chosen in allowed:
        return (chosen,)
    if marker or chosen:
        return allowed
    relative = definition.path.relative_to(Path(__file__).parent.parent).as_posix()
    return PLATFORMS if relative.startswith(BOTH_PLATFORMS) else (PLATFORMS[0],)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "platform" not in metafunc.fixturenames:
        return
    served = served_platforms(metafunc.definition)
    if len(served) > 1 or metafunc.definition.get_closest_marker("platforms"):
        # Module scope: a module's tests run on one platform, then the other, so a module's
        # shared fixtures (the authorisation matrix's world) are built once per platform.
        metafunc.parametrize("platform", served, scope="module")


@pytest.fixture(scope="session")
def platform() -> str:
    """The platform the bot under test is served on (parametrised by pytest_generate_tests)."""
    return os.environ.get("BOT_PLATFORM") or PLATFORMS[0]


@pytest.fixture(autouse=True)
def serve_on_platform(platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bot a test builds from its settings or environment (the app in-process, a
    `lineofsight` subprocess) is served on the test's platform."""
    monkeypatch.setenv("BOT_PLATFORM", platform)


@pytest.fixture(autouse=True)
def short_work_is_short() -> Iterator[None]:
    """Every test checks the promise `run_short` makes (tests/support/short_work.py)."""
    with short_work_guard() as guard:
        yield
    failure = guard.failure()
    if failure:
        pytest.fail(failure)


@pytest.fixture(scope="session", autouse=True)
def drop_migrated_templates() -> Iterator[None]:
    yield
    TEMPLATES.drop()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    require(_postgres_reachable(), f"PostgreSQL is not reachable at {PG_ADMIN_URL.split('@')[-1]}")
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database per test, dropped afterwards."""
    yield from _postgres_database(postgres_server, migrated=False)


@pytest.fixture
def migrated_postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh database per test at the latest migration, dropped afterwards: the template's
    copy made at once (`migrate(url)` on it then finds nothing to do), where `postgres_url`
    then `migrate` make an empty one, drop it and copy the template (tests/support/seeded.py)."""
    yield from _postgres_database(postgres_server, migrated=True)


def _postgres_database(server: str, *, migrated: bool) -> Iterator[str]:
    name = f"los_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    if migrated:
        TEMPLATES.create_postgres(name)
    else:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lineofsight.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both backends (the storage contract)."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def migrated(database_url: str) -> Iterator[Database]:
    yield from _migrated(database_url)


@pytest.fixture
def migrated_sqlite(sqlite_url: str) -> Iterator[Database]:
    """SQLite only: for what is SQLite's own (the file lock, the WAL, the inline path)."""
    yield from _migrated(sqlite_url)


def _migrated(url: str, timeouts: Timeouts | None = None) -> Iterator[Database]:
    migrate(url)
    db = Database(url, timeouts)
    yield db
    db.close()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI's main() configures the root logger for a real process; give it back (the
    tests of `lineofsight` commands run it in-process)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with the demo partnership, as the CLI sees it from the environment."""
    url = f"sqlite:///{tmp_path / 'lineofsight.db'}"
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MicrosoftAppId", "")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    migrate(url)
    load_demo(url, TENANT, USER_AAD)
    return url


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    fake.server = TestServer(fake.app(), host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()
    assert not fake.card_problems, fake.card_problems


@dataclass
class BotUnderTest(DatabaseReads):
    """The real app on a real loopback port, posting as Teams would (the edge; the behaviour
    scenarios' bot is the core alone, tests/support/core.py `CoreBot`)."""

    server: TestServer
    http: ClientSession
    connector: FakeConnector

    @property
    def app(self) -> web.Application:
        return self.server.app

    @property
    def db(self) -> Database:  # type: ignore[override]
        return self.app[SERVICES].db

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> Any:
        url = self.server.make_url("/api/messages")
        async with self.http.post(url, json=body, headers=headers) as response:
            payload = (
                await response.json()
                if response.content_type == "application/json"
                else await response.text()
            )
            return response.status, payload


async def _running_bot(
    tmp_path: Path, url: str, connector: FakeConnector, **overrides: Any
) -> AsyncIterator[BotUnderTest]:
    migrate(url)
    settings = local_settings(tmp_path, url, **overrides)
    # Served with the options `lineofsight serve` uses (timeouts, no inflating of bodies).
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server(**server_options(settings))
    async with ClientSession() as http:
        yield BotUnderTest(server, http, connector)
    await server.close()


@pytest.fixture
async def bot(
    tmp_path: Path, sqlite_url: str, connector: FakeConnector, platform: str
) -> AsyncIterator[BotUnderTest]:
    """The bot on its embedded default, SQLite, on `platform`."""
    async for running in _running_bot(tmp_path, sqlite_url, connector, BOT_PLATFORM=platform):
        yield running


@pytest.fixture
async def bot_on_postgres(
    tmp_path: Path, postgres_url: str, connector: FakeConnector, platform: str
) -> AsyncIterator[BotUnderTest]:
    async for running in _running_bot(tmp_path, postgres_url, connector, BOT_PLATFORM=platform):
        yield running
