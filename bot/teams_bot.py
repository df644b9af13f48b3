"""The ActivityHandler: translate, record who spoke, route, deliver. Rules live in domain/."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.bot_framework_adapter import InvokeResponse
from botbuilder.schema import Attachment, ChannelAccount

from bot import freshness, once
from bot.router import Context, Reply
from bot.services import Services
from bot.transport import card_activity, invoke_answer
from bot.turns import Turn, TurnKind, tenant_of, to_turn
from cards import basics as cards
from cards.common import with_notice
from domain import commands, idempotency
from domain.capabilities import available
from domain.errors import DomainError, StorageUnavailable
from domain.idempotency import Claimed
from domain.members import record_member, welcome_once
from domain.model import MemberView
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)

CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
NOT_UNDERSTOOD = "I didn't recognise that as a command."


class LineOfSightBot(ActivityHandler):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, services: Services) -> None:
        self.services = services
        self._once = once.Once(lambda work: services.db.run_short(work))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._deliver(turn_context, await self._serve(turn_context))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._deliver(turn_context, await self._serve(turn_context))

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        await self._deliver(turn_context, await self._serve(turn_context))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name not in ("adaptiveCard/action", "fileConsent/invoke"):
            # Task modules, message extensions and the like are not offered by this app: say
            # so plainly rather than answer with a 5xx.
            response = InvokeResponse(
                status=200,
                body={"statusCode": 200, "type": MESSAGE, "value": "That isn't something I do."},
            )
        else:
            reply = await self._serve(turn_context)
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
        turn = to_turn(activity, tenant or "")
        try:
            reply = await self._dispatch(turn)
            # Every card leaving gets its id, so its state-changing buttons carry a token.
            return once.stamp(reply) if reply is not None else None
        except StorageUnavailable as error:
            return _error_reply("Please try again", error.user_message)
        except DomainError as error:
            return _error_reply("That didn't work", error.user_message)
        except Exception:
            incident = secrets.token_hex(4)
            log.exception("turn failed", extra={"incident": incident, "kind": turn.kind})
            return _error_reply(
                "Something went wrong on my side",
                f"Nothing you saved before has been lost. Please try again; if it keeps "
                f"happening, give your admin this reference: {incident}.",
            )

    async def _dispatch(self, turn: Turn) -> Reply | None:
        if turn.kind is TurnKind.IGNORED:
            return None
        if turn.kind is TurnKind.MESSAGE:
            commands.check_length(turn.text)  # before any write: oversized input changes nothing
        key = once.key_for(turn)
        member, claimed = await self._record(turn, key)
        if turn.kind in (TurnKind.INSTALLED, TurnKind.MEMBERS_ADDED):
            return await self._welcome(turn, member)
        if key is not None and claimed is not None and not claimed.fresh:
            if turn.kind is TurnKind.MESSAGE:
                log.info("duplicate activity dropped")
                return None  # Teams delivered it again: it was answered the first time
            return await self._once.again(member, key, claimed)
        if turn.kind is TurnKind.CARD_ACTION:
            if key is None:
                return await self._card_action(turn, member)
            return await self._once.first(member, key, lambda: self._card_action(turn, member))
        return await self._message(turn, member)

    async def _record(self, turn: Turn, key: str | None) -> tuple[MemberView, Claimed | None]:
        """Who spoke, and (in the same transaction) the claim on this click or activity."""
        admins = self.services.settings.admin_aad_ids

        def work(uow: SqlUnitOfWork) -> tuple[MemberView, Claimed | None]:
            member = record_member(uow, turn.actor, turn.sighting(), admins)
            return member, (once.claim(uow, turn, member, key) if key is not None else None)

        return await self.services.db.run_short(work)

    async def _welcome(self, turn: Turn, member: MemberView) -> Reply | None:
        if turn.kind is TurnKind.MEMBERS_ADDED and not turn.bot_added:
            return None
        if not turn.is_personal:
            return Reply(cards.welcome_card("everyone", frozenset()))
        now = datetime.now(UTC)
        first = await self.services.db.run(lambda uow: welcome_once(uow, turn.actor, member, now))
        return Reply(cards.welcome_card(member.display_name, member.roles)) if first else None

    async def _message(self, turn: Turn, member: MemberView) -> Reply:
        router = self.services.router
        command = commands.interpret(
            turn.text, router.command_names(), commands.no_argument_commands(router.capabilities)
        )
        if command is None:
            log.info("not understood")
            allowed = available(router.capabilities, member)
            suggestions = commands.suggest(turn.text, allowed)
            return Reply(cards.did_you_mean_card(suggestions, member.roles), NOT_UNDERSTOOD)
        log.info("command", extra={"command": command.name})
        handler = router.commands[command.name]
        return await handler(Context(turn, member, self.services, command.argument))

    async def _card_action(self, turn: Turn, member: MemberView) -> Reply:
        handler = self.services.router.verbs.get(turn.verb or "")
        if handler is None:
            log.info("unknown verb")
            raise DomainError(
                "That button isn't one I recognise, perhaps from an old card. "
                "Type help to see what you can do."
            )
        log.info("card action", extra={"verb": turn.verb})
        ctx = Context(turn, member, self.services)
        stale = await self._stale(ctx)
        return stale if stale is not None else await handler(ctx)

    async def _stale(self, ctx: Context) -> Reply | None:
        """The current card, if this click's card was drawn before its thing last changed."""
        token = idempotency.token_of(ctx.data)
        subject = freshness.SUBJECTS.get(ctx.turn.verb or "")
        if token is None or token.revision is None or subject is None:
            return None
        now = await ctx.run_short(lambda uow: subject.revision(uow, ctx.member, ctx.data))
        if now == token.revision:
            return None
        log.info("stale card", extra={"verb": ctx.turn.verb})
        current = await self.services.router.verbs[subject.current](ctx)
        if current.card is None:
            return Reply(text=idempotency.STALE_MESSAGE, error=True)
        return Reply(with_notice(current.card, idempotency.STALE_MESSAGE))

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


def _error_reply(title: str, message: str) -> Reply:
    return Reply(cards.error_card(title, message), message, error=True)


def _invoke_body(reply: Reply | None) -> InvokeResponse:
    """Universal Actions answer in the HTTP response: a card replaces the one clicked."""
    if reply is None:
        value: object = "Done."
    elif reply.card is not None and not reply.error:
        return InvokeResponse(
            status=200, body={"statusCode": 200, "type": CARD, "value": reply.card}
        )
    else:
        value = reply.text or "Done."
    return InvokeResponse(status=200, body={"statusCode": 200, "type": MESSAGE, "value": value})
