"""Fixtures for the end-to-end tests: the bot and the Agents Playground as subprocesses, and a
Chromium page on the Playground (`chat`). E2E tests are plain `def` tests (Playwright's sync API
cannot run inside an asyncio loop).

A test module changes how the bot starts by overriding `bot_options`:

    @pytest.fixture
    def bot_options() -> BotOptions:
        return BotOptions(demo=False, env={"ADMIN_AAD_IDS": PLAYGROUND_USER_AAD})

When a test fails, a screenshot and the page's HTML go to test-artifacts/e2e/FAILED-<test>.*,
and the report gets the conversation and the tails of the bot's and the Playground's logs.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import require
from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PLAYGROUND_BIN,
    VIEWPORT,
    BotProcess,
    Chat,
    PlaygroundProcess,
)


def require_e2e_tools() -> None:
    """Skip (fail in CI) when Chromium, Node.js or the Agents Playground is missing."""
    require(
        CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    )
    require(shutil.which("node") is not None, "Node.js is not on PATH (the Playground needs it)")
    require(PLAYGROUND_BIN.exists(), "The Agents Playground is not installed: run `npm ci`")


@dataclass(frozen=True)
class BotOptions:
    demo: bool = True
    """Load the demo partnership first: the Playground's user is its admin and review chair."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment for every `lineofsight` command (e.g. ADMIN_AAD_IDS)."""
    expect_errors: bool = False
    """Unless set, an error-level line in the bot's log fails the test at teardown."""


@pytest.fixture
def bot_options() -> BotOptions:
    return BotOptions()


@pytest.fixture
def bot(tmp_path: Path, bot_options: BotOptions, platform: str) -> Iterator[BotProcess]:
    """`lineofsight serve` in local mode on a fresh database, ready (/readyz is 200), on
    `platform`."""
    env = {**bot_options.env, "BOT_PLATFORM": platform}
    with BotProcess(tmp_path / "bot", demo=bot_options.demo, env=env) as process:
        yield process
        errors = process.errors()
    if errors and not bot_options.expect_errors:
        pytest.fail(f"the bot logged errors:\n{process.log_tail()}")


@pytest.fixture
def playground(tmp_path: Path, bot: BotProcess) -> Iterator[PlaygroundProcess]:
    """The Agents Playground (Teams channel) pointed at `bot`, serving its page."""
    require_e2e_tools()
    with PlaygroundProcess(tmp_path / "playground", bot.port) as process:
        yield process


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    require_e2e_tools()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def chat(browser: Browser, playground: PlaygroundProcess) -> Iterator[Chat]:
    """The Playground's personal chat, loaded: the bot has been sent the install events."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="Europe/London")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        conversation = Chat(page)
        conversation.open(playground.url)
        yield conversation
    finally:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach a screenshot, the conversation and the processes' log tails."""
    report = yield
    if report.failed and report.when == "call":
        name = "FAILED-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
        values = list(getattr(item, "funcargs", {}).values())
        for value in sorted(values, key=lambda v: not isinstance(v, Chat)):
            if isinstance(value, Chat):
                report.sections.extend(value.diagnostics(name))
            elif callable(getattr(value, "diagnostics", None)):
                report.sections.extend(value.diagnostics())
    return report
