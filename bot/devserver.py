"""`lineofsight dev`: the bot in local mode with the Agents Playground as its chat client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.config import PLAYGROUND_TENANT_ID, ConfigError, Settings
from storage.demo import PLAYGROUND_USER_AAD_ID, load_demo
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = ROOT / "node_modules" / ".bin" / "agentsplayground"
LOOPBACK_SHIM = ROOT / "tools" / "loopback-only.cjs"


def playground_command(bot_port: int, playground_port: int) -> list[str]:
    """The Playground in Teams mode, pointed at the bot, with its connector on loopback."""
    if not PLAYGROUND.exists() or shutil.which("node") is None:
        raise ConfigError("The Agents Playground is not installed: run `npm ci` first.")
    return [
        str(PLAYGROUND),
        "-e",
        f"http://127.0.0.1:{bot_port}/api/messages",
        "-c",
        "msteams",
        "-p",
        str(playground_port),
        "--dt",
        "--su",
        f"http://127.0.0.1:{playground_port}/_connector",
    ]


def playground_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NODE_OPTIONS"] = f"{env.get('NODE_OPTIONS', '')} --require {LOOPBACK_SHIM}".strip()
    return env


def run_dev(settings: Settings, *, playground_port: int, demo: bool) -> int:
    if not settings.local_mode:
        raise ConfigError("`lineofsight dev` runs in local mode: unset MicrosoftAppId.")
    upgrade(settings.database_url)
    if demo:
        print(load_demo(settings.database_url, PLAYGROUND_TENANT_ID, PLAYGROUND_USER_AAD_ID))
    return asyncio.run(_run(settings, playground_port))


async def _run(settings: Settings, playground_port: int) -> int:
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.bind_host, settings.port).start()
    playground = await asyncio.create_subprocess_exec(
        *playground_command(settings.port, playground_port),
        env=playground_env(),
        stdout=asyncio.subprocess.DEVNULL,
    )
    print(
        f"Bot (local mode, SQLite at {settings.database_url}) on "
        f"http://{settings.bind_host}:{settings.port}/api/messages\n"
        f"Open the Agents Playground: http://127.0.0.1:{playground_port}/  (Ctrl-C stops both)",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    waiter = asyncio.create_task(playground.wait())
    await asyncio.wait(
        [waiter, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    if playground.returncode is None:
        playground.terminate()
        with contextlib.suppress(ProcessLookupError):
            await playground.wait()
    await runner.cleanup()
    if waiter.done() and not stop.is_set():
        print("The Agents Playground stopped.", file=sys.stderr)
        return 1
    return 0
