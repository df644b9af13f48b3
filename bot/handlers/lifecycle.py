"""The chair's lifecycle controls on a review (domain/lifecycle.py), as card verbs and typed
commands, and the agency lead's answer to a nil return. Glue only: the rules are in domain/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from bot.handlers.notify import send_cards
from bot.outbound import Delivery
from bot.router import Context, Reply, Router
from cards import returns as return_cards
from cards import reviews as cards
from cards import verbs
from cards.basics import info_card
from domain import chase_engine, lifecycle, review_flow
from domain.chase_engine import RETURN
from domain.errors import FormInvalid, NotFound
from domain.lifecycle import AgencyScreen, ManageScreen
from domain.model import Actor, MemberView, Role, small_int
from domain.questions import default_question_bank
from domain.records import ReviewView
from storage.repositories import SqlUnitOfWork

T = TypeVar("T")
CHAIR = (Role.CHAIR, Role.ADMIN)
Work = Callable[[SqlUnitOfWork], str]
Settling = Callable[[SqlUnitOfWork, Actor, MemberView, Mapping[str, object], datetime], ReviewView]


def register(router: Router) -> None:
    router.command(
        "manage",
        "A review's controls: assign or replace practitioners, add or remove agencies, nil "
        "returns, due dates, details, deputy chair, proceed without an agency, cancel.",
        roles=CHAIR,
        example="manage LOS-2026-004",
    )(manage_command)
    router.command(
        "assign",
        "Assign or replace the practitioners for an agency on a review.",
        roles=CHAIR,
        example="assign LOS-2026-004",
    )(assign_command)
    router.command(
        "cancel review",
        "Cancel a review, saying why (only an admin can reopen it).",
        roles=CHAIR,
        example="cancel review LOS-2026-004 because the family moved away",
    )(cancel_command)
    router.command(
        "reopen review",
        "Reopen a cancelled review, saying why.",
        roles=(Role.ADMIN,),
        example="reopen review LOS-2026-004 because it was cancelled by mistake",
    )(reopen_command)
    for verb, handler in (
        (verbs.REVIEW_MANAGE, show_manage),
        (verbs.REVIEW_AGENCY, show_agency),
        (verbs.REVIEW_EDIT, edit_details),
        (verbs.REVIEW_DEPUTY, set_deputy),
        (verbs.REVIEW_CANCEL, cancel),
        (verbs.REVIEW_REOPEN, reopen),
        (verbs.REVIEW_ADD_AGENCY, add_agency),
        (verbs.REVIEW_REMOVE_AGENCY, remove_agency),
        (verbs.RETURN_REASSIGN, reassign),
        (verbs.RETURN_NIL, record_nil),
        (verbs.RETURN_EXTEND, extend_due),
        (verbs.RETURN_PROCEED, proceed_without),
        (verbs.NIL_CONFIRM, confirm_nil),
        (verbs.NIL_DECLINE, decline_nil),
    ):
        router.verb(verb)(handler)


def _picker(ctx: Context) -> bool:
    return not ctx.services.settings.local_mode


async def _manage(
    ctx: Context,
    review_id: object,
    notices: tuple[str, ...] = (),
    errors: dict[str, str] | None = None,
) -> Reply:
    screen: ManageScreen = await ctx.run(
        lambda uow: lifecycle.manage_screen(uow, ctx.member, review_id, notices)
    )
    return Reply(cards.manage_card(screen, errors))


async def _agency(
    ctx: Context,
    return_id: object,
    notices: tuple[str, ...] = (),
    errors: dict[str, str] | None = None,
) -> Reply:
    screen: AgencyScreen = await ctx.run(
        lambda uow: lifecycle.agency_screen(uow, ctx.member, return_id, ctx.services.today())
    )
    return Reply(cards.agency_card(screen, errors, people_picker=_picker(ctx), notices=notices))


async def _on_review(ctx: Context, work: Work) -> Reply:
    """Run a review-level control; show the manage card with what happened, or the form's
    problems (nothing was changed then)."""
    review_id = ctx.data.get("review_id")
    try:
        notice = await ctx.run(work)
    except FormInvalid as invalid:
        return await _manage(ctx, review_id, errors=invalid.errors)
    return await _manage(ctx, review_id, (notice,))


def _moved(review: ReviewView) -> str:
    label = cards.STAGE_LABELS.get(review.stage.value, review.stage.value)
    return f" {review.reference} is now at: {label}."


# --- typed commands ---------------------------------------------------------------------------


async def _named(ctx: Context, command: str) -> tuple[ReviewView, str]:
    """The review a typed command names, and what follows it (a reason), as typed."""
    named, rest = lifecycle.split_named(ctx.turn.text, command)
    if not named:
        raise NotFound(
            f"Which review? For example: {command} LOS-2026-004. Type reviews to see them."
        )
    review = await ctx.run(lambda uow: review_flow.find_review(uow, ctx.member, named))
    return review, rest


async def manage_command(ctx: Context) -> Reply:
    review, _ = await _named(ctx, "manage")
    return await _manage(ctx, review.id)


async def assign_command(ctx: Context) -> Reply:
    review, _ = await _named(ctx, "assign")
    hint = "Press Manage beside an agency to assign or replace its practitioners."
    return await _manage(ctx, review.id, (hint,))


async def cancel_command(ctx: Context) -> Reply:
    review, reason = await _named(ctx, "cancel review")
    if not reason:
        hint = (
            f"Say why: type cancel review {review.reference} because …, or use Cancel review "
            "below. Nothing was changed."
        )
        return await _manage(ctx, review.id, (hint,))
    return await _cancel(ctx, {"review_id": review.id, "reason": reason})


async def reopen_command(ctx: Context) -> Reply:
    review, reason = await _named(ctx, "reopen review")
    if not reason:
        hint = f"Say why: type reopen review {review.reference} because …. Nothing was changed."
        return await _manage(ctx, review.id, (hint,))
    return await _reopen(ctx, {"review_id": review.id, "reason": reason})


# --- the review's card ------------------------------------------------------------------------


async def show_manage(ctx: Context) -> Reply:
    return await _manage(ctx, ctx.data.get("review_id"))


async def show_agency(ctx: Context) -> Reply:
    return await _agency(ctx, ctx.data.get("return_id"))


async def edit_details(ctx: Context) -> Reply:
    def work(uow: SqlUnitOfWork) -> str:
        lifecycle.edit_details(uow, ctx.turn.actor, ctx.member, ctx.data)
        return "Details saved."

    return await _on_review(ctx, work)


async def set_deputy(ctx: Context) -> Reply:
    def work(uow: SqlUnitOfWork) -> str:
        review = lifecycle.set_deputy(uow, ctx.turn.actor, ctx.member, ctx.data)
        return "Deputy chair saved." if review.deputy_chair_member_id else "No deputy chair now."

    return await _on_review(ctx, work)


async def cancel(ctx: Context) -> Reply:
    try:
        return await _cancel(ctx, ctx.data)
    except FormInvalid as invalid:
        return await _manage(ctx, ctx.data.get("review_id"), errors=invalid.errors)


async def _cancel(ctx: Context, data: Mapping[str, object]) -> Reply:
    """Cancel, and tell the practitioners still writing a return that they can stop."""

    def work(uow: SqlUnitOfWork) -> tuple[ReviewView, tuple[int, ...]]:
        review = review_flow.chaired_review(uow, ctx.member, data.get("review_id"))
        writing = lifecycle.still_writing(uow, review)
        return lifecycle.cancel(uow, ctx.turn.actor, ctx.member, data), writing

    review, writing = await ctx.run(work)
    card = cards.cancelled_card(review)
    await send_cards(ctx, [(member_id, card) for member_id in writing])
    return Reply(card)


async def reopen(ctx: Context) -> Reply:
    return await _reopen(ctx, ctx.data)


async def _reopen(ctx: Context, data: dict[str, object]) -> Reply:
    now = ctx.services.now()

    def work(uow: SqlUnitOfWork) -> str:
        review = lifecycle.reopen(uow, ctx.turn.actor, ctx.member, data)
        for subject_type, record_id in lifecycle.chased_records(uow, review.id):
            chase_engine.reschedule(uow.chases, subject_type, record_id, now)
        return "Review reopened." + _moved(review)

    try:
        notice = await ctx.run(work)
    except FormInvalid as invalid:
        return await _manage(ctx, data.get("review_id"), errors=invalid.errors)
    return await _manage(ctx, data.get("review_id"), (notice,))


async def add_agency(ctx: Context) -> Reply:
    bank, now = default_question_bank().version, ctx.services.now()
    try:
        review, return_id = await ctx.run(
            lambda uow: lifecycle.add_agency(uow, ctx.turn.actor, ctx.member, ctx.data, bank, now)
        )
    except FormInvalid as invalid:
        return await _manage(ctx, ctx.data.get("review_id"), errors=invalid.errors)
    notice = "Agency added: assign its practitioners below (Assign or replace)." + _moved(review)
    return await _agency(ctx, return_id, (notice,))


async def remove_agency(ctx: Context) -> Reply:
    return await _settling(ctx, lifecycle.remove_agency, "Agency removed.")


async def _settling(ctx: Context, control: Settling, done: str) -> Reply:
    """A control that may settle the last outstanding return (and so move the review on)."""

    async def after(review: ReviewView) -> Reply:
        return await _manage(ctx, review.id, (done + _moved(review),))

    return await _return_control(
        ctx, lambda uow, now: control(uow, ctx.turn.actor, ctx.member, ctx.data, now), after
    )


async def _return_control(
    ctx: Context,
    control: Callable[[SqlUnitOfWork, datetime], T],
    after: Callable[[T], Awaitable[Reply]],
    *,
    answered: bool = False,
) -> Reply:
    """Run a control on one agency's return and reschedule the return's chasers from the
    turn's moment, in one transaction (`answered`: the chasers so far were answered, count
    from nothing). A refused form redraws the agency card with its problems (nothing was
    changed); otherwise `after` says what happened."""
    now = ctx.services.now()
    return_id = ctx.data.get("return_id")

    def work(uow: SqlUnitOfWork) -> T:
        done = control(uow, now)
        number = small_int(return_id)  # the control found the return by it
        if number is not None:
            chase_engine.reschedule(uow.chases, RETURN, number, now, answered=answered)
        return done

    try:
        done = await ctx.run(work)
    except FormInvalid as invalid:
        return await _agency(ctx, return_id, errors=invalid.errors)
    return await after(done)


# --- one agency's return ------------------------------------------------------------------------


async def reassign(ctx: Context) -> Reply:
    return await _return_control(
        ctx,
        lambda uow, _: lifecycle.reassign(uow, ctx.turn.actor, ctx.member, ctx.data),
        lambda done: _reassigned(ctx, done),
    )


async def _reassigned(ctx: Context, done: lifecycle.Reassigned) -> Reply:
    deliveries = await send_cards(
        ctx, [(member_id, return_cards.invitation_card(done.ret)) for member_id in done.invited]
    )
    notices = [cards.invited_notice(len(done.invited), _unreached(deliveries, done.invited))]
    if done.removed:
        notices.append(f"{len(done.removed)} taken off the return (they no longer see its draft).")
        card = cards.unassigned_card(done.ret)
        await send_cards(ctx, [(member_id, card) for member_id in done.removed])
    return await _agency(ctx, done.ret.id, tuple(notices))


async def record_nil(ctx: Context) -> Reply:
    # The lead is chased from here: the practitioners' unanswered chasers aren't theirs.
    return await _return_control(
        ctx,
        lambda uow, now: lifecycle.record_nil(uow, ctx.turn.actor, ctx.member, ctx.data, now),
        lambda done: _nil_recorded(ctx, done),
        answered=True,
    )


async def _nil_recorded(ctx: Context, done: lifecycle.NilRecorded) -> Reply:
    card = cards.nil_request_card(done.ret, done.ret.status_note)
    deliveries = await send_cards(ctx, [(lead, card) for lead in done.lead_ids])
    if any(d.delivered for d in deliveries):
        notice = (
            f"Nil return recorded: {done.ret.agency_name}'s safeguarding lead is asked to confirm."
        )
        return await _manage(ctx, done.review.id, (notice,))
    # Nobody can confirm it yet: the agency's own card, with what the chair can do next.
    notice = (
        f"Nil return recorded, but I couldn't reach a safeguarding lead of "
        f"{done.ret.agency_name} to confirm it: "
        + (
            "nobody holds the agency lead role. "
            if not done.lead_ids
            else "they haven't opened a chat with Line of Sight yet. "
        )
        + "An admin can make someone its lead (Agencies); the request then waits in their "
        "sign-offs. Or proceed without the agency below."
    )
    return await _agency(ctx, done.ret.id, (notice,))


def _unreached(deliveries: Sequence[Delivery], invited: Sequence[int]) -> list[str]:
    """The names of the invited people the invitation didn't reach (or who aren't found)."""
    reached = {d.member_id for d in deliveries if d.delivered}
    names = {d.member_id: d.name for d in deliveries}
    return [names.get(member_id, "someone") for member_id in invited if member_id not in reached]


async def extend_due(ctx: Context) -> Reply:
    today = ctx.services.today()

    async def after(done: lifecycle.Extended) -> Reply:
        return await _agency(ctx, done.ret.id, done.notices)

    return await _return_control(
        ctx,
        lambda uow, _: lifecycle.extend_due(uow, ctx.turn.actor, ctx.member, ctx.data, today),
        after,
        answered=True,
    )


async def proceed_without(ctx: Context) -> Reply:
    done = "Recorded: the meeting goes ahead without this agency."
    return await _settling(ctx, lifecycle.proceed_without, done)


async def confirm_nil(ctx: Context) -> Reply:
    return await _answer_nil(ctx, confirm=True)


async def decline_nil(ctx: Context) -> Reply:
    return await _answer_nil(ctx, confirm=False)


async def _answer_nil(ctx: Context, *, confirm: bool) -> Reply:
    now = ctx.services.now()

    def work(uow: SqlUnitOfWork) -> tuple[lifecycle.NilAnswered, int | None]:
        done = lifecycle.answer_nil(uow, ctx.turn.actor, ctx.member, ctx.data, confirm, now)
        # The lead has answered: confirmed, nobody is chased; declined, the practitioners
        # are chased against the due date again, from nothing.
        chase_engine.reschedule(uow.chases, RETURN, done.ret.id, now, answered=True)
        return done, done.ret.chair_member_id

    done, chair = await ctx.run(work)
    ret = done.ret
    if chair:
        said = "confirmed the nil return" if confirm else "says the agency was involved"
        moved = f" {ret.reference} has moved to analysis." if done.review_ready_for_analysis else ""
        message = f"{ret.agency_name}'s safeguarding lead {said} for {ret.reference}.{moved}"
        await send_cards(ctx, [(chair, info_card(f"Nil return · {ret.reference}", message))])
    return Reply(cards.nil_answered_card(ret, confirm))
