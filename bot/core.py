"""The bot itself, framework-free: a `Turn` in, a `Reply` (or nothing) out.

`Bot.handle` runs a turn through a short list of middleware, each a step every turn shares
(the size check, the error card, stamping cards, the length check, recording who spoke,
answering a click once), and then dispatches it: a welcome, a typed command or a card
verb. No SDK is imported here or behind it; an edge (bot/botframework/, behind
bot/channel.py's `Channel`) turns its platform's activity into a `Turn` and delivers the
`Reply` (docs/architecture.md §4, §10).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from bot import freshness, once, sizing
from bot.router import Context, FirstUnit, KeptReply, Reply, UnitWork
from bot.services import Services
from bot.turns import Turn, TurnKind
from cards import basics as cards
from cards import verbs
from cards.common import OPENS_BESIDE, buttons_carry, inputs_shown, message_text, with_typed_back
from domain import chat_notes, commands, idempotency
from domain.capabilities import available
from domain.errors import (
    ChangedSinceShown,
    ConcurrencyConflict,
    DomainError,
    StaleCard,
    StorageUnavailable,
)
from domain.idempotency import STALE_MESSAGE, Claimed
from domain.members import ACCESS_ENDED, record_member, welcome_once
from domain.model import MemberView
from domain.reviews import mentioned_reference
from domain.stale import Change, stale_notice, typed_back, where_typed_is
from domain.summaries import summary_to_offer
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)

NOT_UNDERSTOOD = cards.NOT_UNDERSTOOD  # said on the card: one reply per line not understood


@dataclass
class Step:
    """One turn on its way through the middleware, and what the steps so far learned."""

    turn: Turn
    services: Services
    # Set by `record_speaker`: who spoke, this turn's claim key, and the claim on it.
    member: MemberView | None = None
    key: str | None = None
    claimed: Claimed | None = None
    # Set by `AnswerOnce` for a click that took its claim: where its handler may keep its reply.
    kept: KeptReply = field(default_factory=KeptReply)

    @property
    def speaker(self) -> MemberView:
        if self.member is None:
            raise RuntimeError("record_speaker must run before this step")
        return self.member


Next = Callable[[], Awaitable[Reply | None]]
Middleware = Callable[[Step, Next], Awaitable[Reply | None]]


async def inert_text(step: Step, call_next: Next) -> Reply | None:
    """A reply's plain text (a text message, or the "message" answer a refused click gets)
    made inert as a card's text is: Teams renders it as Markdown, and it may quote what people
    typed (an agency's name in a refusal). A download's `aside` answer is such a message too.
    Outermost, so every edge delivers it so."""
    reply = await call_next()
    if reply is None or not (reply.text or reply.aside):
        return reply
    return replace(
        reply,
        text=message_text(reply.text) if reply.text else reply.text,
        aside=message_text(reply.aside) if reply.aside else reply.aside,
    )


async def fit_cards(step: Step, call_next: Next) -> Reply | None:
    """Every card a turn answers with (a reply, a Universal Action's answer or refresh, an
    error card, a duplicate's stored reply) fits Teams' size limit, or Teams refuses it and
    the person sees nothing (bot/sizing.py). Outside the error card and the stamp, so it
    measures the card as sent."""
    reply = await call_next()
    if reply is None or reply.card is None:
        return reply
    return replace(reply, card=sizing.sendable(reply.card))


async def error_card(step: Step, call_next: Next) -> Reply | None:
    """Anything a turn raises becomes a card saying what to do; the unexpected is logged with
    an incident reference (never the user's text) the user can give their admin."""
    try:
        return await call_next()
    except (StorageUnavailable, ConcurrencyConflict) as error:
        # Neither wrote anything; the claim on a click was given back (bot/once.py), so the
        # same button works again.
        return _error_reply("Please try again", error.user_message)
    except DomainError as error:
        about = await _summary_offered(step)
        return _error_reply("That didn't work", error.user_message, about)
    except Exception:
        incident = secrets.token_hex(4)
        log.exception("turn failed", extra={"incident": incident, "kind": step.turn.kind})
        return _error_reply(
            "Something went wrong on my side",
            f"Nothing you saved before has been lost. Please try again; if it keeps "
            f"happening, give your admin this reference: {incident}.",
        )


async def stamp_cards(step: Step, call_next: Next) -> Reply | None:
    """Every card leaving gets its id, so its state-changing buttons carry a token."""
    reply = await call_next()
    return once.stamp(reply) if reply is not None else None


async def skip_ignored(step: Step, call_next: Next) -> Reply | None:
    """Activities the bot has no use for (typing, reactions, ...) are answered with nothing."""
    return None if step.turn.kind is TurnKind.IGNORED else await call_next()


async def check_length(step: Step, call_next: Next) -> Reply | None:
    """Before any write: oversized input changes nothing."""
    if step.turn.kind is TurnKind.MESSAGE:
        commands.check_length(step.turn.text)
    return await call_next()


async def record_speaker(step: Step, call_next: Next) -> Reply | None:
    """Who spoke, and (in the same transaction) the claim on this click or activity. A
    claimed click of a one-unit verb (Router.unit_verb: a return's save) is answered in
    that transaction too (`_whole_turn`). Someone whose access an admin ended is answered
    here, with that alone."""
    turn, services = step.turn, step.services
    admins = services.settings.admin_aad_ids
    key = once.key_for(turn, services.settings.click_secret)
    unit = services.router.units.get(turn.verb or "") if key is not None else None
    whole = None if unit is None or key is None else _whole_turn(step, key, unit)

    def speaker(whole: WholeTurn | None) -> SpeakerWork:
        def work(uow: SqlUnitOfWork) -> tuple[MemberView, Claimed | None, Reply | None]:
            member = record_member(uow, turn.actor, turn.sighting(), admins)
            if not member.active:
                # An admin ended their access: whatever they sent, this is all they get, and
                # no handler runs (domain/directory.py end_access). No claim is taken.
                return member, None, Reply(text=ACCESS_ENDED)
            claimed = once.claim(uow, turn, member, key) if key is not None else None
            if whole is None or claimed is None or not claimed.fresh:
                return member, claimed, None
            return member, claimed, whole(uow, member)

        return work

    try:
        # Only database writes (and the card drawn from them), all rolled back by a
        # conflict: safe to run again (Database.run).
        step.member, step.claimed, reply = await services.db.run_short(
            speaker(whole), retry_on_conflict=True
        )
    except (StorageUnavailable, ConcurrencyConflict):
        raise  # nothing was written, the claim included: the same button works again
    except Exception as error:
        if whole is None:
            raise
        # Named by kind only: a refusal's message may quote what was typed.
        log.info("one-unit turn falls back", extra={"verb": turn.verb, "why": type(error).__name__})
        # Nothing of it was kept. A stale card, a refusal or a fault is answered as any
        # other verb's is: who spoke and the claim first, then the handler (bot/once.py),
        # so the answer, and what is kept of it, is theirs exactly.
        step.member, step.claimed, reply = await services.db.run_short(
            speaker(None), retry_on_conflict=True
        )
    step.key = key
    if not step.speaker.active:
        # Said only to them: never posted where others read it (a channel @mention, an
        # Action.Submit's answer there), and never for an event that asked nothing (adding
        # someone to a team): that would tell a channel someone's access had ended.
        return reply if _asked_in_private(turn) else None
    return reply if reply is not None else await call_next()


def _asked_in_private(turn: Turn) -> bool:
    asked = turn.kind in (TurnKind.MESSAGE, TurnKind.CARD_ACTION)
    return asked and (turn.is_personal or turn.via_invoke)


WholeTurn = Callable[[SqlUnitOfWork, MemberView], Reply]
SpeakerWork = Callable[[SqlUnitOfWork], tuple[MemberView, Claimed | None, Reply | None]]


def _whole_turn(step: Step, key: str, unit: UnitWork) -> WholeTurn:
    """A claimed click of a one-unit verb, answered in the unit that took its claim: the
    card's freshness check, the verb's change and card, and its reply kept with its claim
    (bot/once.py), as dispatch, `Once.first` and `Context.answer_short` would in two units."""
    turn = step.turn

    def answer(uow: SqlUnitOfWork, member: MemberView) -> Reply:
        log.info("card action", extra={"verb": turn.verb})
        check = freshness.check_for(turn.verb, member, turn.data)
        if check is not None:
            check(uow)
        card = unit(uow, Context(turn, member, step.services))
        conversation = idempotency.conversation_of(turn.address.conversation_id)
        return once.keep(uow, member.partnership_id, key, Reply(card), conversation)

    return answer


class AnswerOnce:
    """A turn Teams delivers again, or a click made twice, has one effect: a repeated message
    is dropped, a repeated click is answered from the first one (bot/once.py)."""

    def __init__(self, services: Services) -> None:
        # The claim's own units (complete, find, release) only touch the claim's row.
        self._once = once.Once(lambda work: services.db.run_short(work, retry_on_conflict=True))

    async def __call__(self, step: Step, call_next: Next) -> Reply | None:
        key, claimed, kind = step.key, step.claimed, step.turn.kind
        if key is None:
            return await call_next()
        conversation = idempotency.conversation_of(step.turn.address.conversation_id)
        if claimed is not None and not claimed.fresh:
            if kind is TurnKind.MESSAGE:
                log.info("duplicate activity dropped")
                return None  # Teams delivered it again: it was answered the first time
            return await self._once.again(step.speaker, key, claimed, conversation)
        if kind is TurnKind.CARD_ACTION:
            return await self._once.first(
                step.speaker, key, conversation, lambda kept: _kept(step, kept, call_next)
            )
        return await call_next()


def _kept(step: Step, kept: KeptReply, call_next: Next) -> Awaitable[Reply]:
    step.kept = kept
    return _a_reply(call_next)


async def _a_reply(call_next: Next) -> Reply:
    # A card action's dispatch always answers; an empty Reply is delivered as nothing is.
    reply = await call_next()
    return reply if reply is not None else Reply()


def default_middleware(services: Services) -> tuple[Middleware, ...]:
    """The shared steps, outermost first."""
    answer_once = AnswerOnce(services)
    return (
        inert_text,
        fit_cards,
        error_card,
        stamp_cards,
        skip_ignored,
        check_length,
        record_speaker,
        answer_once,
    )


BESIDE: Final = "It is below; the card you clicked stays."


def beside(turn: Turn, reply: Reply) -> Reply:
    """A button marked to open beside (cards.common OPENS_BESIDE: the "Still with them"
    list's, one per item) answers with its card as a new message, whatever its verb, so the
    card clicked stays; a handler's own word for it is kept. Only in a personal chat: in a
    channel or group a new message is everyone's, where the answer to a click is the
    clicker's own (review11: an item card posted for the whole channel)."""
    if not turn.data.get(OPENS_BESIDE):
        return reply
    if not turn.is_personal:
        # The answer replaces the card clicked; a handler's own aside (the summary's) too.
        return replace(reply, aside=None) if reply.aside else reply
    if reply.card is None or reply.error or reply.aside:
        return reply
    return replace(reply, aside=BESIDE)


class Bot:
    """Dispatch behind the middleware: a welcome, a typed command or a card verb."""

    def __init__(self, services: Services, middleware: Sequence[Middleware] | None = None) -> None:
        self.services = services
        self.middleware = (
            tuple(middleware) if middleware is not None else default_middleware(services)
        )

    async def handle(self, turn: Turn) -> Reply | None:
        step = Step(turn, self.services)
        return await self._through(step, 0)

    def _through(self, step: Step, index: int) -> Awaitable[Reply | None]:
        if index == len(self.middleware):
            return self._dispatch(step)
        return self.middleware[index](step, lambda: self._through(step, index + 1))

    async def _dispatch(self, step: Step) -> Reply | None:
        turn, member = step.turn, step.speaker
        if turn.kind in (TurnKind.INSTALLED, TurnKind.MEMBERS_ADDED):
            return await self._welcome(turn, member)
        if turn.kind is TurnKind.CARD_ACTION:
            return await self._card_action(turn, member, step.kept)
        return await self._message(turn, member)

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
            note = chat_notes.not_kept(turn.text, router.command_names())
            if note is not None:
                # A note typed to the bot, or a child's details: say it was not kept.
                names = {c.command for c in allowed}
                ways = chat_notes.ways_on(note, names, suggestions)
                warning = chat_notes.identifiers_warning(note.identifiers)
                return Reply(cards.not_kept_card(warning, ways))
            return Reply(cards.did_you_mean_card(suggestions, member.roles))
        log.info("command", extra={"command": command.name})
        handler = router.commands[command.name]
        return await handler(Context(turn, member, self.services, command.argument))

    async def _card_action(self, turn: Turn, member: MemberView, kept: KeptReply) -> Reply:
        handler = self.services.router.verbs.get(turn.verb or "")
        if handler is None:
            log.info("unknown verb")
            raise DomainError(
                "That button isn't one I recognise, perhaps from an old card. "
                "Type help to see what you can do."
            )
        log.info("card action", extra={"verb": turn.verb})
        check = freshness.check_for(turn.verb, member, turn.data)
        ctx = Context(turn, member, self.services, first_unit=FirstUnit(check), kept=kept)
        try:
            reply = await handler(ctx)
        except StaleCard as stale:
            # An old card's refusal comes on the thing's current card, under its header where
            # the person looks, as a stale revision's does (walk10: "this changed since you
            # opened it" came as a note at the card's foot, far below the button pressed).
            if not isinstance(stale, ChangedSinceShown) and turn.verb not in freshness.SUBJECTS:
                raise
            return await self._current(turn, member, stale.user_message)
        return beside(turn, reply)

    async def _current(self, turn: Turn, member: MemberView, why: str) -> Reply:
        """The thing's current card, saying why it came instead (the click changed nothing),
        what changed it last, and what the click typed, given back (domain/stale.py). Where
        no card comes, the refusal is an error message, and the clicked card, with what was
        typed in it, stays on screen."""
        log.info("stale card", extra={"verb": turn.verb})
        subject = freshness.SUBJECTS.get(turn.verb or "")
        if subject is None:
            return Reply(text=why, error=True)
        current = await self.services.router.verbs[subject.current](
            Context(turn, member, self.services)
        )
        if current.card is None:
            return Reply(text=why, error=True)
        shown, carried = inputs_shown(current.card), buttons_carry(current.card)
        typed = typed_back(turn.data, shown, carried=carried)
        # An Action.Submit's answer is a new message: in a channel or group chat, everyone's.
        seen_by_all = not turn.via_invoke and not turn.is_personal
        if why == STALE_MESSAGE:
            change = await self._last_change(turn, member)
            notice = stale_notice(change, typed=bool(typed), seen_by_all=seen_by_all)
        else:
            notice = f"{why} {where_typed_is(seen_by_all=seen_by_all)}" if typed else why
        return Reply(with_typed_back(current.card, notice, () if seen_by_all else typed))

    async def _last_change(self, turn: Turn, member: MemberView) -> Change | None:
        try:
            return await self.services.db.run_short(
                lambda uow: freshness.last_change(uow, turn.verb, member, turn.data)
            )
        except DomainError:  # the store is out of reach: the refusal still comes
            return None


def _error_reply(title: str, message: str, review_id: int | None = None) -> Reply:
    return Reply(cards.error_card(title, message, review_id), message, error=True)


async def _summary_offered(step: Step) -> int | None:
    """The review a refused turn was about (the one its click names, or the reference typed
    in it: `pack LOS-2026-001` before any return is in), when the speaker may open its
    summary: the error card then leads back to the review, not only to help. None for the
    summary's own refusals, which would lead back to themselves."""
    turn, member = step.turn, step.member
    review_id = turn.data.get("review_id")
    reference = mentioned_reference(turn.text) if turn.text else None
    if member is None or turn.verb == verbs.SUMMARY or (review_id is None and reference is None):
        return None
    try:
        return await step.services.db.run_short(
            lambda uow: summary_to_offer(uow, member, review_id, reference)
        )
    except DomainError:  # the store is out of reach: the error card still comes
        return None
