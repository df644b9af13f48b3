"""Handlers, registered per area on one Router (never through a global app import)."""

from bot import files
from bot.handlers import actions, admin, basics, governance, meeting, returns, reviews, summaries
from bot.router import Router


def register_all(router: Router) -> Router:
    basics.register(router)
    admin.register(router)
    reviews.register(router)
    returns.register(router)
    meeting.register(router)
    actions.register(router)
    summaries.register(router)
    governance.register(router)
    files.register(router)
    return router
