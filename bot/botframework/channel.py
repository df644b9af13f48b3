"""The botbuilder 4.17 edge behind bot/channel.py's `Channel`: botbuilder's authentication, its
CloudAdapter's turn model over the pooled transport (bot/botframework/connector.py), and the
ActivityHandler that hands the core a `Turn` (bot/botframework/activity_handler.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import ChannelValidation

from bot.botframework.activity_handler import LineOfSightBot
from bot.botframework.activity_json import parse_activity
from bot.botframework.connector import PooledCloudAdapter
from bot.botframework.courier import BotFrameworkCourier
from bot.channel import ActivityRefused, InvokeAnswer, Unauthenticated
from bot.config import Settings
from bot.core import Bot
from bot.outbound import Outbound
from storage.database import Database

log = logging.getLogger(__name__)


class BotFrameworkChannel:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.adapter = _adapter(settings)
        self.outbound = Outbound(BotFrameworkCourier(self.adapter, settings.app_id), db)

    async def authenticate(self, authorization: str, body: dict[str, Any]) -> object:
        """botbuilder checks the token against the activity's channel and service URL only:
        it gets just those, before the rest of the body is parsed."""
        auth = self.adapter.bot_framework_authentication
        claimed = Activity(
            channel_id=_string(body.get("channelId")), service_url=body["serviceUrl"]
        )
        try:
            result = await auth.authenticate_request(claimed, authorization)
            if not _expires(result):
                raise PermissionError("the token has no expiry")
            return result
        except Exception as error:
            # botbuilder raises PermissionError, jwt errors, even bare Exceptions for bad
            # tokens; any of them means "not authenticated", never a 500.
            log.warning("authentication refused", extra={"error_type": type(error).__name__})
            raise Unauthenticated() from error

    async def answer(self, identity: object, body: dict[str, Any], bot: Bot) -> InvokeAnswer | None:
        activity = _activity(body)
        handler = LineOfSightBot(bot)  # holds nothing but the core: one per turn is free
        response = await self.adapter.process_activity(identity, activity, handler.on_turn)
        # botbuilder 4.17's own process() serialises invoke bodies twice and answers 500
        # (docs/teams-platform.md): the body goes back through bot/app.py instead.
        if response is None:
            return None
        return InvokeAnswer(response.status, response.body)

    async def close(self) -> None:
        await self.adapter.close()


def _adapter(settings: Settings) -> PooledCloudAdapter:
    if settings.openid_metadata_url:
        # botbuilder 4.17 reads the channel's signing keys from this class attribute (its own
        # BotFrameworkAdapter sets it the same way); the configuration key is ignored.
        ChannelValidation.open_id_metadata_endpoint = settings.openid_metadata_url
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password.get_secret_value(),
        # Local mode has no app id; the SDK only allows that on its MultiTenant path.
        APP_TYPE="MultiTenant" if settings.local_mode else settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    # The stock adapter's turn model over a pooled transport (bot/botframework/,
    # docs/architecture.md §7).
    adapter = PooledCloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    # Reached only when delivering a reply failed (handlers catch their own errors), so
    # trying to send yet another message would fail the same way: log and stop.
    log.error("reply delivery failed", extra={"error_type": type(error).__name__})


def _activity(body: dict[str, Any]) -> Activity:
    try:
        return parse_activity(body)
    except Exception as error:
        # msrest raises DeserializationError (and whatever its parsers raise) on fields of the
        # wrong type, e.g. "timestamp": "soon": the sender's mistake, so 400, never a 500.
        log.info("activity refused", extra={"error_type": type(error).__name__})
        raise ActivityRefused("Activity fields have the wrong types") from error


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _expires(result: Any) -> bool:
    """A validated token must expire. botbuilder 4.17 lets PyJWT accept a signed token with no
    `exp` (valid forever once leaked); the Bot Framework always sets one. Local mode's anonymous
    identity has no claims at all."""
    claims = getattr(getattr(result, "claims_identity", None), "claims", None) or {}
    return not claims or isinstance(claims.get("exp"), int | float)
