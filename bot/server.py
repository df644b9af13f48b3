"""Run the app on the configured host and port."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import create_app
from bot.config import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    app = create_app(settings)
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
