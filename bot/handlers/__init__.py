"""Handlers, registered per area on one Router (never through a global app import)."""

from bot.handlers import basics
from bot.router import Router


def register_all(router: Router) -> Router:
    basics.register(router)
    return router
