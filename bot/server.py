"""Run the app on the configured host and port."""

from __future__ import annotations

import gc
import logging
from typing import Any

from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from domain.name_lexicon import warm as warm_identifier_guard

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    # The guard's names lists (0.3 s, read once): before the first save, and before the app
    # is built. Reading them needs about 30 MB for a moment; done first, the app's objects
    # reuse that memory instead of adding to it: the process's peak resident memory was set
    # here, not under load (195 MB, 163 MB after start-up; docs/progress.md "pgsave").
    warm_identifier_guard()
    app = create_app(settings)
    app.on_startup.append(_freeze_startup_objects)
    mode = (
        "local mode: no authentication, loopback only"
        if settings.local_mode
        else ("Bot Framework authentication on")
    )
    log.info("starting", extra={"host": settings.bind_host, "port": settings.port, "mode": mode})
    print(
        f"Line-of-Sight bot listening on http://{settings.bind_host}:{settings.port}"
        f"/api/messages ({mode})",
        flush=True,
    )
    web.run_app(
        app, host=settings.bind_host, port=settings.port, print=None, **server_options(settings)
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """How aiohttp's server treats connections (tests serve the app with the same). aiohttp
    closes a connection that stays `keepalive_timeout` without a complete request, whether
    idle between requests or still sending its headers: that bounds slow headers; the body's
    read is bounded in bot/app.py (HTTP_READ_TIMEOUT). Bodies are not inflated: the Bot
    Framework never compresses, bot/app.py refuses a Content-Encoding with 415, and aiohttp
    would otherwise inflate one as it arrives (and log a traceback for a broken one)."""
    return {
        "access_log": None,
        "keepalive_timeout": settings.http_idle_timeout,
        "auto_decompress": False,
    }


async def _freeze_startup_objects(_app: web.Application) -> None:
    """Keep what start-up built (about 220,000 objects: modules, card and table models) out of
    the garbage collector's full passes. Each pass stopped every turn in flight for about
    0.1 s, every few thousand turns (bench/): enough to set the p99 at 32 connections. Cycles
    among them that later become garbage are never collected: start-up objects live as long
    as the process anyway. Only here, for the served process: tests build many apps in one
    process."""
    gc.collect()
    gc.freeze()
