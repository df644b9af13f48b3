"""The same stock echo bot and the same `adapter.process(req, bot)` route, on
`bot.botframework.connector.PooledCloudAdapter` instead of `CloudAdapter`: what the transport
alone changes.

    python -m bench.echo_pooled PORT
"""

from aiohttp import web
from aiohttp.web import Request, Response
from botbuilder.core.integration import aiohttp_error_middleware
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

from bench.echo_bot import BOT, CONFIG, on_error
from bot.botframework.connector import PooledCloudAdapter

ADAPTER = PooledCloudAdapter(ConfigurationBotFrameworkAuthentication(CONFIG))
ADAPTER.on_turn_error = on_error


async def messages(req: Request) -> Response:
    return await ADAPTER.process(req, BOT)


async def close(_app: web.Application) -> None:
    await ADAPTER.close()


APP = web.Application(middlewares=[aiohttp_error_middleware])
APP.router.add_post("/api/messages", messages)
APP.on_cleanup.append(close)

if __name__ == "__main__":
    web.run_app(APP, host="localhost", port=CONFIG.PORT)
