"""The botbuilder edge's ActivityHandler: an Activity in, the core's `Reply` delivered.

Everything between (dispatch and the shared per-turn steps) is `bot.core.Bot`."""

from __future__ import annotations

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.bot_framework_adapter import InvokeResponse
from botbuilder.schema import Attachment, ChannelAccount

from bot.botframework.wire import card_activity, invoke_answer
from bot.channel import (
    ANSWERED_INVOKES,
    NOT_OFFERED,
    InvokeAnswer,
    message_answer,
)
from bot.channel import invoke_answer as answer_of
from bot.core import Bot
from bot.router import Reply
from bot.turns import tenant_of, to_turn


class LineOfSightBot(ActivityHandler):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, core: Bot) -> None:
        self.core = core

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._deliver(turn_context, await self._serve(turn_context))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._deliver(turn_context, await self._serve(turn_context))

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        await self._deliver(turn_context, await self._serve(turn_context))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name not in ANSWERED_INVOKES:
            response = _response(message_answer(NOT_OFFERED))
        else:
            reply = await self._serve(turn_context)
            if reply is not None and reply.aside is not None and reply.card is not None:
                # The card clicked stays; the answer comes as a new message below it.
                await turn_context.send_activity(card_activity(reply.card))
            if reply is not None and reply.attachments:
                await self._send_attachments(turn_context, reply)
            response = _invoke_body(reply)
        # Sent here, not by ActivityHandler.on_turn (which skips its own send once one is
        # recorded): its send deep-copies the answer, card and all, a tenth of a save turn.
        await turn_context.send_activity(invoke_answer(response))
        return response

    async def _serve(self, turn_context: TurnContext) -> Reply | None:
        activity = turn_context.activity
        tenant = tenant_of(
            {
                "channelData": activity.channel_data,
                "conversation": {"tenantId": activity.conversation.tenant_id},
            }
        )
        return await self.core.handle(to_turn(activity, tenant or ""))

    async def _deliver(self, turn_context: TurnContext, reply: Reply | None) -> None:
        if reply is None:
            return
        if reply.text and not reply.error:
            await turn_context.send_activity(MessageFactory.text(reply.text))
        if reply.card:
            await turn_context.send_activity(card_activity(reply.card))
        await self._send_attachments(turn_context, reply)

    async def _send_attachments(self, turn_context: TurnContext, reply: Reply) -> None:
        for raw in reply.attachments:
            attachment = Attachment(
                content_type=raw["contentType"],
                content=raw.get("content"),
                content_url=raw.get("contentUrl"),
                name=raw.get("name"),
            )
            await turn_context.send_activity(MessageFactory.attachment(attachment))


def _invoke_body(reply: Reply | None) -> InvokeResponse:
    """Universal Actions answer in the HTTP response, as on every platform
    (bot/channel.py `invoke_answer`)."""
    return _response(answer_of(reply))


def _response(answer: InvokeAnswer) -> InvokeResponse:
    return InvokeResponse(status=answer.status, body=answer.body)
