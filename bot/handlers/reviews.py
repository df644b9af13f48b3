"""Opening reviews, assigning practitioners (with invitations), and listing reviews."""

from __future__ import annotations

from bot.handlers import lifecycle
from bot.handlers.notify import send_cards
from bot.router import Context, Reply, Router
from cards import returns as return_cards
from cards import reviews as cards
from cards import verbs
from domain import chase_engine, review_flow
from domain.capabilities import require
from domain.errors import FormInvalid
from domain.lifecycle import may_manage
from domain.model import Role
from domain.records import ReviewView
from domain.reviews import defaults, may_open_reviews
from storage.repositories import SqlUnitOfWork


def register(router: Router) -> None:
    chair_roles = (Role.CHAIR, Role.ADMIN)
    router.command(
        "new review",
        "Open a Line-of-Sight review and invite the agencies.",
        roles=chair_roles,
        example="new review",
    )(new_review)
    router.command("reviews", "List the open reviews you can see, with their progress.")(
        list_reviews
    )
    router.verb(verbs.REVIEW_NEW)(new_review)
    router.verb(verbs.REVIEW_CREATE)(create_review)
    router.verb(verbs.REVIEW_ASSIGN)(assign)
    router.verb(verbs.REVIEWS)(list_reviews)
    lifecycle.register(router)


async def new_review(ctx: Context) -> Reply:
    require(ctx.member, Role.CHAIR, Role.ADMIN)
    agencies = await ctx.run(lambda uow: uow.reviews.agency_choices(ctx.member.partnership_id))
    return Reply(cards.new_review_card(agencies, defaults(ctx.services.today())))


async def create_review(ctx: Context) -> Reply:
    today = ctx.services.today()
    try:
        review = await ctx.run(
            lambda uow: review_flow.create_review(uow, ctx.turn.actor, ctx.member, ctx.data, today)
        )
    except FormInvalid as invalid:
        agencies = await ctx.run(lambda uow: uow.reviews.agency_choices(ctx.member.partnership_id))
        return Reply(cards.new_review_card(agencies, defaults(today), ctx.data, invalid.errors))
    picker = not ctx.services.settings.local_mode
    return Reply(await ctx.run(lambda uow: _assignment_card(uow, review, picker=picker)))


def _assignment_card(
    uow: SqlUnitOfWork,
    review: ReviewView,
    errors: dict[str, str] | None = None,
    *,
    picker: bool = True,
) -> dict[str, object]:
    returns = uow.reviews.returns(review.id)
    members = uow.reviews.assignable_members(review.partnership_id)
    assigned = sorted({m for r in returns for m in r.assignee_ids})
    names = {r.member_id: r.display_name for r in uow.returns.recipients(assigned)}
    return cards.assignment_card(review, returns, members, names, errors, people_picker=picker)


async def assign(ctx: Context) -> Reply:
    now = ctx.services.now()

    def work(uow: SqlUnitOfWork) -> review_flow.Assignment:
        done = review_flow.assign(uow, ctx.turn.actor, ctx.member, ctx.data)
        returns = [ret.id for ret in uow.reviews.returns(done.review.id)]
        for subject_type, record_id in chase_engine.in_lock_order(returns):
            chase_engine.reschedule(uow.chases, subject_type, record_id, now)
        return done

    try:
        assignment = await ctx.run(work)
    except FormInvalid as invalid:
        errors = invalid.errors
        review = await ctx.run(
            lambda uow: review_flow.chaired_review(uow, ctx.member, ctx.data.get("review_id"))
        )
        picker = not ctx.services.settings.local_mode
        return Reply(
            await ctx.run(lambda uow: _assignment_card(uow, review, errors, picker=picker))
        )
    invitations = [
        (member_id, return_cards.invitation_card(ret)) for member_id, ret in assignment.invited
    ]
    deliveries = await send_cards(ctx, invitations)
    agency_of = {member_id: ret.agency_name for member_id, ret in assignment.invited}
    rows = [(d.name, agency_of[d.member_id], d.delivered) for d in deliveries]
    return Reply(cards.assigned_card(assignment.review, rows))


async def list_reviews(ctx: Context) -> Reply:
    progress, held = await ctx.run(
        lambda uow: (
            review_flow.visible_reviews(uow, ctx.member),
            review_flow.held_days(uow, ctx.member),
        )
    )
    managed = frozenset(p.review.id for p in progress if may_manage(ctx.member, p.review))
    today = ctx.services.today()
    return Reply(cards.reviews_card(progress, may_open_reviews(ctx.member), managed, today, held))
