"""Run the app on the configured host and port."""

from __future__ import annotations

import gc
import logging

from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from domain.name_lexicon import warm as warm_identifier_guard

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    app = create_app(settings)
    # The guard's names lists (0.1 s, read once): before the first save, and before the freeze.
    warm_identifier_guard()
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
    web.run_app(app, host=settings.bind_host, port=settings.port, print=None, access_log=None)


async def _freeze_startup_objects(_app: web.Application) -> None:
    """Keep what start-up built (about 220,000 objects: modules, card and table models) out of
    the garbage collector's full passes. Each pass stopped every turn in flight for about
    0.1 s, every few thousand turns (bench/): enough to set the p99 at 32 connections. Cycles
    among them that later become garbage are never collected: start-up objects live as long
    as the process anyway. Only here, for the served process: tests build many apps in one
    process."""
    gc.collect()
    gc.freeze()
