"""Owners update their action items; chairs decide new dates; the LIC group records impact."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.handlers.notify import reached, send_cards, send_to_address
from bot.router import Context, Reply, Router
from cards import actions as cards
from cards import verbs
from domain import action_controls, actions, audit, chase_engine
from domain.action_state import Move
from domain.capabilities import require
from domain.chase_engine import ACTION
from domain.errors import FormInvalid
from domain.identifier_checks import IdentifiersToConfirm
from domain.model import ActionStatus, ChannelPurpose, ImpactDecision, Role
from domain.wording import short_date
from storage.repositories import SqlUnitOfWork


def register(router: Router) -> None:
    router.command("my actions", "Your action items, most urgent first.", example="my actions")(
        my_actions
    )
    router.command(
        "awaiting impact",
        "Completed items waiting for the LIC group's impact record.",
        roles=(Role.LIC_MEMBER, Role.ADMIN),
        example="awaiting impact",
    )(awaiting_impact)
    router.command(
        "chaser policy", "Set when chasers go and when they escalate.", roles=(Role.ADMIN,)
    )(show_policy)
    router.verb(verbs.ACTION_VIEW)(view)
    router.verb(verbs.ACTION_PROGRESS)(
        _owner_update(actions.update_progress, verbs.ACTION_PROGRESS)
    )
    router.verb(verbs.ACTION_COMPLETE)(_owner_update(actions.mark_complete, verbs.ACTION_COMPLETE))
    router.verb(verbs.ACTION_BLOCKED)(_owner_update(actions.mark_blocked, verbs.ACTION_BLOCKED))
    router.verb(verbs.ACTION_NEW_DATE)(new_date)
    router.verb(verbs.DATE_APPROVE)(_date_decision(approve=True))
    router.verb(verbs.DATE_DECLINE)(_date_decision(approve=False))
    router.verb(verbs.IMPACT_RECORD)(record_impact)
    router.verb(verbs.AWAITING_IMPACT)(awaiting_impact)
    router.verb(verbs.MY_ACTIONS)(my_actions)
    router.verb(verbs.POLICY)(show_policy)
    for move, verb in _CHAIR_DECISIONS.items():
        router.verb(verb)(_chair_decision(move, verb))
    router.verb(verbs.ACTION_SPLIT)(split)
    for move, verb in _READER_MOVES.items():
        router.verb(verb)(_reader_move(move, verb))
    router.verb(verbs.POLICY_SAVE)(save_policy)


async def my_actions(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        policy = chase_engine.policy_for(uow.chases, ctx.member.partnership_id)
        return cards.my_actions_card(actions.my_actions(uow, ctx.member, today, policy))

    return Reply(await ctx.run(work))


def _card_for(
    uow: SqlUnitOfWork,
    ctx: Context,
    item: actions.ActionDetail,
    notices: tuple[str, ...] = (),
    errors: dict[str, str] | None = None,
    warned: cards.WarnedForm | None = None,
) -> dict[str, Any]:
    policy = chase_engine.policy_for(uow.chases, item.partnership_id)
    rag, why = actions.item_rating(item, ctx.services.today(), policy)
    chair = item.chaired_by(ctx.member.id) or ctx.member.has(Role.ADMIN)
    return cards.action_item_card(
        item,
        rag,
        rag_reason=why,
        notices=notices,
        errors=errors,
        owner=item.owner_member_id == ctx.member.id,
        chair=chair,
        warned=warned,
        owners=action_controls.reassign_choices(uow, ctx.member, item),
        readers=action_controls.readers_of(ctx.member, item),
    )


def _owner_card(uow: SqlUnitOfWork, ctx: Context, item: actions.ActionDetail, note: str) -> Any:
    """The owner's full card, with the moves the item now allows them, under `note`."""
    policy = chase_engine.policy_for(uow.chases, item.partnership_id)
    rag, why = actions.item_rating(item, ctx.services.today(), policy)
    return cards.action_item_card(item, rag, rag_reason=why, notices=(note,))


def _warnings(refused: FormInvalid) -> Mapping[str, str]:
    """The identifier warnings a refused form comes back with (none for validation alone)."""
    return refused.warnings if isinstance(refused, IdentifiersToConfirm) else {}


def _typed(ctx: Context) -> dict[str, str]:
    """What the user typed, to draw their form again; never logged."""
    return {key: value for key, value in ctx.data.items() if isinstance(value, str)}


async def awaiting_impact(ctx: Context) -> Reply:
    queue = await ctx.run(lambda uow: actions.awaiting_impact(uow, ctx.member))
    return Reply(cards.awaiting_impact_card(queue))


async def view(ctx: Context) -> Reply:
    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        item = actions.load(uow, ctx.member, ctx.data.get("action_id"))
        if item.status is ActionStatus.COMPLETED and ctx.member.has(Role.LIC_MEMBER):
            return cards.impact_card(item)  # what the LIC group does with a completed item
        return _card_for(uow, ctx, item)

    return Reply(await ctx.run(work))


Update = Callable[..., actions.Updated]


def _owner_update(update: Update, verb: str) -> Any:
    async def handle(ctx: Context) -> Reply:
        return await _apply(
            ctx, lambda uow, now: update(uow, ctx.turn.actor, ctx.member, ctx.data, now), verb
        )

    return handle


async def new_date(ctx: Context) -> Reply:
    today = ctx.services.today()
    return await _apply(
        ctx,
        lambda uow, now: actions.ask_new_date(
            uow, ctx.turn.actor, ctx.member, ctx.data, today, now
        ),
        verbs.ACTION_NEW_DATE,
    )


async def _apply(
    ctx: Context, work: Callable[[SqlUnitOfWork, datetime], actions.Updated], verb: str
) -> Reply:
    done, card = await _form_move(ctx, work, verb)
    if done is not None:
        await _tell_others(ctx, done)
    return Reply(card)


class _Done(Protocol):
    @property
    def item(self) -> actions.ActionDetail: ...

    @property
    def notice(self) -> str: ...


D = TypeVar("D", bound=_Done)


async def _form_move(
    ctx: Context,
    work: Callable[[SqlUnitOfWork, datetime], D],
    verb: str,
    then: Callable[[SqlUnitOfWork, D], None] = lambda uow, done: None,
) -> tuple[D | None, dict[str, Any]]:
    """A move sent from one of the item's forms, and the mover's card after it. A refusal
    draws the form again, open with what they typed, so fixing one field isn't retyping all;
    `then` runs in the same transaction after the move."""
    now = ctx.services.now()

    def run(uow: SqlUnitOfWork) -> tuple[D | None, dict[str, Any]]:
        try:
            done = work(uow, now)
        except FormInvalid as refused:
            # Every problem of the submit at once: the form's, and any identifier warnings
            # (IdentifiersToConfirm is a FormInvalid carrying both), each under its box.
            item = actions.load(uow, ctx.member, ctx.data.get("action_id"))
            form = cards.WarnedForm(verb, _typed(ctx), _warnings(refused))
            return None, _card_for(uow, ctx, item, errors=refused.errors, warned=form)
        chase_engine.reschedule(uow.chases, ACTION, done.item.id, now, answered=True)
        then(uow, done)
        return done, _card_for(uow, ctx, done.item, (done.notice,))

    return await ctx.run(run)


_CHAIR_DECISIONS = {
    Move.SET_DATE: verbs.ACTION_SET_DATE,
    Move.NOT_ACHIEVABLE: verbs.ACTION_NOT_ACHIEVABLE,
    Move.REOPEN: verbs.ACTION_REOPEN,
    Move.REASSIGN: verbs.ACTION_REASSIGN,
    Move.AMEND: verbs.ACTION_AMEND,
    Move.CANCEL: verbs.ACTION_CANCEL,
    # The agency lead's reassign within their agency takes the chair's steps.
    Move.LEAD_REASSIGN: verbs.ACTION_LEAD_REASSIGN,
}


def _chair_decision(move: Move, verb: str) -> Any:
    """One of the chair's moves (or the agency lead's reassign); the owner is told, with their
    full card when the item is (still, or back) with them, a reassigned item's previous owner
    is told too, and the chair when the lead reassigned it (with their controls)."""

    async def decide(ctx: Context) -> Reply:
        today = ctx.services.today()
        told: list[tuple[int, dict[str, Any]]] = []

        def tell_owner(uow: SqlUnitOfWork, done: action_controls.Decided) -> None:
            item = done.item
            if item.owner_member_id is None:
                return
            card = (
                cards.chair_notice_card(item, "Cancelled", done.tell_owner)
                if item.status is ActionStatus.CANCELLED
                else _owner_card(uow, ctx, item, done.tell_owner)
            )
            told.append((item.owner_member_id, card))
            if done.old_owner is not None:
                note = cards.chair_notice_card(item, "Reassigned", done.tell_old_owner)
                told.append((done.old_owner, note))
            if done.tell_chair and item.chair_member_id is not None:
                told.append((item.chair_member_id, _chair_card(uow, ctx, item, done.tell_chair)))
            # Only those the decision tells (never the mover, about their own move).
            telling = {t.member_id for t in done.told}
            told[:] = [(member_id, card) for member_id, card in told if member_id in telling]

        done, card = await _form_move(
            ctx,
            lambda uow, now: action_controls.decide(
                uow, ctx.turn.actor, ctx.member, ctx.data, move, today, now
            ),
            verb,
            tell_owner,
        )
        if done is not None:
            # Who was told is said once it is sent: never "sent" when Teams reached nobody.
            sent = action_controls.after_sending(done.told, reached(await send_cards(ctx, told)))
            notices, item = (done.notice, *sent), done.item
            card = await ctx.run(lambda uow: _card_for(uow, ctx, item, notices))
        return Reply(card)

    return decide


async def split(ctx: Context) -> Reply:
    """The chair splits an item into two: each new item's owner gets its full first card
    (chased from now on), and the item's owner is told where the work went."""
    today = ctx.services.today()
    told: list[tuple[int, dict[str, Any]]] = []

    def tell(uow: SqlUnitOfWork, done: action_controls.Split) -> None:
        now = ctx.services.now()
        for part in done.parts:
            chase_engine.reschedule(uow.chases, ACTION, part.id, now)
            if part.owner_member_id is not None:
                card = _owner_card(uow, ctx, part, done.tell_new_owner)
                told.append((part.owner_member_id, card))
        if done.item.owner_member_id is not None:
            note = cards.chair_notice_card(done.item, "Split", done.tell_old_owner)
            told.append((done.item.owner_member_id, note))

    done, card = await _form_move(
        ctx,
        lambda uow, now: action_controls.split(
            uow, ctx.turn.actor, ctx.member, ctx.data, today, now
        ),
        verbs.ACTION_SPLIT,
        tell,
    )
    if done is None:
        return Reply(card)  # refused: the form again, with what was typed
    sent = action_controls.after_sending(done.told, reached(await send_cards(ctx, told)))
    return Reply(cards.split_card(done.item, done.parts, (done.notice, *sent)))


async def _tell_others(ctx: Context, done: actions.Updated) -> None:
    item = done.item
    if done.tell_chair and item.chair_member_id:
        card = (
            cards.date_request_card(item)
            if done.tell_chair == "date_request"
            else (
                cards.chair_notice_card(
                    item,
                    "Blocked",
                    f"{item.owner_name or 'The owner'} says "
                    f"it is blocked: {item.latest.note if item.latest else ''}",
                )
            )
        )
        await send_cards(ctx, [(item.chair_member_id, card)])
    if done.tell_lic:
        await _ask_lic_for_impact(ctx, item)


async def _ask_lic_for_impact(ctx: Context, item: actions.ActionDetail) -> None:
    """The LIC channel gets the record-impact card; with no channel registered (or if it
    can't be reached), each LIC member gets it in their own chat instead."""
    channel = await ctx.run(
        lambda uow: uow.outcomes.channel(item.partnership_id, ChannelPurpose.LIC.value)
    )
    card = cards.impact_card(item)
    if channel is not None and await send_to_address(ctx, channel, card):
        return
    members = await ctx.run(lambda uow: uow.members.with_role(item.partnership_id, Role.LIC_MEMBER))
    await send_cards(ctx, [(member_id, card) for member_id in members])


def _date_decision(*, approve: bool) -> Any:
    async def decide(ctx: Context) -> Reply:
        now, today = ctx.services.now(), ctx.services.today()

        def work(uow: SqlUnitOfWork) -> actions.ActionDetail:
            item = actions.decide_date(
                uow, ctx.turn.actor, ctx.member, ctx.data, approve, today, now
            )
            chase_engine.reschedule(uow.chases, ACTION, item.id, now)
            return item

        item = await ctx.run(work)
        verdict = "approved" if approve else "declined"
        owner = action_controls.owner_told(item)
        note = cards.chair_notice_card(
            item,
            f"New date {verdict}",
            f"The chair {verdict} your request. The item is due {short_date(item.effective_due)}.",
        )
        deliveries = await send_cards(ctx, [(told.member_id, note) for told in owner])
        sent = action_controls.after_sending(owner, reached(deliveries))
        said = " ".join(sent) or "It has no owner."
        return Reply(cards.chair_notice_card(item, f"Date {verdict}", said, listed=True))

    return decide


_READER_MOVES = {
    Move.NUDGE: verbs.ACTION_NUDGE,
    Move.PROPOSE_DATE: verbs.ACTION_PROPOSE_DATE,
    Move.ASK_REASSIGN: verbs.ACTION_ASK_REASSIGN,
    Move.COMMENT: verbs.ACTION_COMMENT,
    Move.REQUEST_UPDATE: verbs.ACTION_REQUEST_UPDATE,
}


def _reader_move(move: Move, verb: str) -> Any:
    """An agency lead's or the LIC group's move from an escalation copy: the owner or the chair
    gets a card they can act on (a proposed date: the chair's Approve / Decline card)."""

    async def moved(ctx: Context) -> Reply:
        today = ctx.services.today()
        told: list[tuple[int, dict[str, Any]]] = []

        def tell(uow: SqlUnitOfWork, done: action_controls.ReaderMoved) -> None:
            item = done.item
            if done.to == "owner" and item.owner_member_id is not None:
                told.append((item.owner_member_id, _owner_card(uow, ctx, item, done.message)))
            elif done.to == "chair" and item.chair_member_id is not None:
                card = (
                    cards.date_request_card(item)
                    if move is Move.PROPOSE_DATE
                    else _chair_card(uow, ctx, item, done.message)
                )
                told.append((item.chair_member_id, card))

        done, card = await _form_move(
            ctx,
            lambda uow, now: action_controls.reader_move(
                uow, ctx.turn.actor, ctx.member, ctx.data, move, today, now
            ),
            verb,
            tell,
        )
        if done is not None and not reached(await send_cards(ctx, told)):
            # Never "sent" when it wasn't: the reader is told to pass it on themselves.
            moved_item, unreached = done.item, (done.unreached,)
            card = await ctx.run(lambda uow: _card_for(uow, ctx, moved_item, unreached))
        return Reply(card)

    return moved


def _chair_card(uow: SqlUnitOfWork, ctx: Context, item: actions.ActionDetail, note: str) -> Any:
    """The chair's card for the item, with their moves, under `note`."""
    policy = chase_engine.policy_for(uow.chases, item.partnership_id)
    rag, why = actions.item_rating(item, ctx.services.today(), policy)
    owners = action_controls.owner_choices(uow, item)
    return cards.action_item_card(
        item, rag, rag_reason=why, notices=(note,), owner=False, chair=True, owners=owners
    )


async def record_impact(ctx: Context) -> Reply:
    now = ctx.services.now()

    chair_card: list[dict[str, Any]] = []

    def work(uow: SqlUnitOfWork) -> actions.ImpactRecorded | dict[str, Any]:
        try:
            done = actions.record_impact(uow, ctx.turn.actor, ctx.member, ctx.data, now)
        except FormInvalid as refused:  # every problem and identifier warning at once
            return cards.impact_card(
                actions.load(uow, ctx.member, ctx.data.get("action_id")),
                refused.errors,
                values=_typed(ctx),
                warnings=_warnings(refused),
            )
        chase_engine.reschedule(uow.chases, ACTION, done.item.id, now)
        if done.item.status is ActionStatus.ESCALATED:
            chair_card.append(_escalated_to_chair(uow, ctx, done))
        return done

    result = await ctx.run(work)
    if isinstance(result, dict):
        return Reply(result)
    item = result.item
    if item.owner_member_id:
        await send_cards(
            ctx,
            [
                (
                    item.owner_member_id,
                    cards.chair_notice_card(
                        item,
                        "Impact recorded",
                        _owner_message(result),
                        with_lic_decision=result.decision is not ImpactDecision.CLOSE,
                    ),
                )
            ],
        )
    if chair_card and item.chair_member_id:
        await send_cards(ctx, [(item.chair_member_id, chair_card[0])])
    if result.review_closed and item.chair_member_id:
        await send_cards(
            ctx,
            [
                (
                    item.chair_member_id,
                    cards.review_closed_card(item),
                )
            ],
        )
    return Reply(cards.impact_done_card(item, result.decision.value, result.review_closed))


def _escalated_to_chair(
    uow: SqlUnitOfWork, ctx: Context, done: actions.ImpactRecorded
) -> dict[str, Any]:
    """The chair's card for an item the LIC group escalated: why, and the chair's decisions."""
    item = done.item
    policy = chase_engine.policy_for(uow.chases, item.partnership_id)
    rag, why = actions.item_rating(item, ctx.services.today(), policy)
    note = "The LIC group escalated this to you to decide: their decision and answers are below."
    owners = action_controls.owner_choices(uow, item)
    return cards.action_item_card(
        item, rag, rag_reason=why, notices=(note,), owner=False, chair=True, owners=owners
    )


def _owner_message(result: actions.ImpactRecorded) -> str:
    return {
        "close": "The LIC group recorded its impact and closed it. Thank you.",
        "keep_open": "The LIC group kept it open: it is back with you. Their decision and "
        "answers are below, and on the action when you open it.",
        "escalate": "The LIC group escalated it to the review's chair, who will decide what "
        "happens next. Their decision and answers are below, and on the action.",
    }[result.decision.value]


async def show_policy(ctx: Context) -> Reply:
    require(ctx.member, Role.ADMIN)
    policy = await ctx.run(
        lambda uow: chase_engine.policy_for(uow.chases, ctx.member.partnership_id)
    )
    return Reply(cards.policy_card(policy))


async def save_policy(ctx: Context) -> Reply:
    require(ctx.member, Role.ADMIN)

    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        before = chase_engine.policy_for(uow.chases, ctx.member.partnership_id).to_settings()
        try:
            policy = chase_engine.save_policy(uow.chases, ctx.member.partnership_id, ctx.data)
        except FormInvalid as invalid:
            current = chase_engine.policy_for(uow.chases, ctx.member.partnership_id)
            return cards.policy_card(current, invalid.errors)
        audit.record(
            uow,
            ctx.member.partnership_id,
            ctx.turn.actor,
            "chaser_policy.saved",
            ("partnership", ctx.member.partnership_id),
            before=before,
            after=policy.to_settings(),
        )
        return cards.policy_card(policy, notices=("Saved. New chasers follow this policy.",))

    return Reply(await ctx.run(work))
