"""Which platform's edge serves the bot: `BOT_PLATFORM` (docs/architecture.md §10)."""

from __future__ import annotations

from bot.channel import Channel
from bot.config import Settings
from storage.database import Database


def channel_for(settings: Settings, db: Database) -> Channel:
    """The configured platform's channel (Settings.check refused any other value). Each edge is
    imported here, so a process loads only the SDK of the platform it serves."""
    if settings.bot_platform == "agents":
        from bot.agents.channel import AgentsChannel

        return AgentsChannel(settings, db)
    from bot.botframework.channel import BotFrameworkChannel

    return BotFrameworkChannel(settings, db)
