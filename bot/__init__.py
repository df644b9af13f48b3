"""The Teams-facing service: the only layer that imports botbuilder, aiohttp and APScheduler."""
