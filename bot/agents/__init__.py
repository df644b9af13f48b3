"""The Microsoft 365 Agents SDK edge (`BOT_PLATFORM=agents`), behind bot/channel.py's `Channel`:
the SDK's Activity model, CloudAdapter turn pipeline and connector client carry the same
framework-free core (`bot.core.Bot`) as the botbuilder edge (bot/botframework/)."""
