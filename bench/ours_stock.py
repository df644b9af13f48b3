"""Our bot exactly as `lineofsight serve` runs it, but on botbuilder's stock `CloudAdapter`
(new msrest connector client, credentials and token client per turn; requests in a thread
pool): the "before" of the transport change, for comparison only.

    python -m bench.ours_stock        (settings from the environment, as `serve`)
"""

import sys
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.integration.aiohttp import CloudAdapter

import bot.app
import bot.outbound
import bot.teams_bot
from bot.cli import main


class StockAdapter(CloudAdapter):  # type: ignore[misc]
    def __init__(self, authentication: Any) -> None:
        super().__init__(authentication)

    async def close(self) -> None:
        return None


def plain_card_activity(card: dict[str, Any]) -> Any:
    # The stock client serialises with msrest, which would write our shared (not deep-copied)
    # card dict as its repr: send cards the way the samples do.
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


bot.app.PooledCloudAdapter = StockAdapter  # type: ignore[misc]
bot.teams_bot.card_activity = plain_card_activity
bot.outbound.card_activity = plain_card_activity

if __name__ == "__main__":
    sys.exit(main(["serve"]))
