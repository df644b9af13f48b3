"""Our bot exactly as `lineofsight serve` runs it, but on botbuilder's stock `CloudAdapter`
(new msrest connector client, credentials and token client per turn; requests in a thread
pool): the "before" of the transport change, for comparison only.

    python -m bench.ours_stock        (settings from the environment, as `serve`)
"""

import sys
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter

import bot.botframework.channel
from bot.cli import main


class StockAdapter(CloudAdapter):  # type: ignore[misc]
    def __init__(self, authentication: Any) -> None:
        super().__init__(authentication)

    async def close(self) -> None:
        return None


bot.botframework.channel.PooledCloudAdapter = StockAdapter  # type: ignore[misc]

if __name__ == "__main__":
    sys.exit(main(["serve"]))
