"""Information governance (admin): a review's audit trail and its CSV export, retention
periods and legal holds. The rules are in domain/audit_trail.py and domain/retention.py; the
review always comes from the admin's own partnership, whatever the card data says."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot import files
from bot.router import Context, Reply, Router
from cards import governance as cards
from cards import verbs
from domain import audit_trail, retention
from domain.errors import FormInvalid, NotFound
from domain.model import Role
from exports.audit_trail import trail_csv
from storage.repositories import SqlUnitOfWork

ADMIN_ONLY = (Role.ADMIN,)


def register(router: Router) -> None:
    router.command(
        "audit",
        "The audit trail of a review: who did what, when; exportable as CSV.",
        roles=ADMIN_ONLY,
        example="audit LOS-2026-004",
    )(audit_command)
    router.command(
        "retention",
        "How long records are kept, what is due for deletion, and legal holds.",
        roles=ADMIN_ONLY,
        example="retention",
    )(show_retention)
    router.command(
        "legal hold",
        "Place or lift a legal hold on a review, so retention keeps all of it.",
        roles=ADMIN_ONLY,
        example="legal hold LOS-2026-004",
    )(legal_hold_command)
    router.verb(verbs.AUDIT_TRAIL)(show_trail)
    router.verb(verbs.AUDIT_EXPORT)(export_trail)
    router.verb(verbs.RETENTION)(show_retention)
    router.verb(verbs.RETENTION_SAVE)(save_retention)
    router.verb(verbs.LEGAL_HOLD)(show_legal_hold)
    router.verb(verbs.LEGAL_HOLD_SET)(set_legal_hold)


# --- the audit trail ---------------------------------------------------------------------------


async def audit_command(ctx: Context) -> Reply:
    if not ctx.argument:
        raise NotFound("Which review? For example: audit LOS-2026-004. Type reviews to see them.")
    return await _trail(ctx, ctx.argument, 1)


async def show_trail(ctx: Context) -> Reply:
    return await _trail(ctx, ctx.data.get("review_id"), ctx.data.get("page"))


async def _trail(ctx: Context, review: object, page: object) -> Reply:
    trail = await ctx.run(
        lambda uow: audit_trail.trail_page(uow, ctx.turn.actor, ctx.member, review, page)
    )
    return Reply(cards.audit_trail_card(trail))


async def export_trail(ctx: Context) -> Reply:
    subjects, events, names = await ctx.run(
        lambda uow: audit_trail.whole_trail(
            uow, ctx.turn.actor, ctx.member, ctx.data.get("review_id")
        )
    )
    content = await asyncio.to_thread(trail_csv, subjects, events, names)
    return await files.deliver(
        ctx,
        files.Document(
            "audit_trail_csv",
            f"{subjects.reference}-audit-trail.csv",
            content,
            f"the audit trail of {subjects.reference} ({len(events)} events)",
        ),
    )


# --- retention and legal holds -----------------------------------------------------------------


async def show_retention(ctx: Context) -> Reply:
    now = ctx.services.now()
    held_from = ctx.data.get("held_from")
    screen = await ctx.run(lambda uow: retention.retention_screen(uow, ctx.member, now, held_from))
    # Paging the held list (its buttons carry `held_from`): the periods typed so far come back
    # as they were typed. Drawn afresh, or as the current card for a stale Save, the card shows
    # the periods as saved; a stale Save's typing is given back beside it, not in the boxes.
    typed = _typed(ctx.data) if "held_from" in ctx.data else None
    return Reply(cards.retention_card(screen, typed))


async def save_retention(ctx: Context) -> Reply:
    now = ctx.services.now()

    def work(uow: SqlUnitOfWork) -> Reply:
        try:
            retention.save_retention(uow, ctx.turn.actor, ctx.member, ctx.data)
        except FormInvalid as invalid:
            screen = retention.retention_screen(uow, ctx.member, now)
            return Reply(cards.retention_card(screen, _typed(ctx.data), invalid.errors))
        screen = retention.retention_screen(uow, ctx.member, now)
        return Reply(cards.retention_card(screen, notices=("Saved. The next run uses these.",)))

    return await ctx.run(work)


async def legal_hold_command(ctx: Context) -> Reply:
    today = ctx.services.now().date()
    review = await ctx.run(lambda uow: retention.held_review(uow, ctx.member, ctx.argument, today))
    return Reply(cards.legal_hold_card(review))


async def show_legal_hold(ctx: Context) -> Reply:
    today = ctx.services.now().date()
    review = await ctx.run(
        lambda uow: retention.held_review(uow, ctx.member, ctx.data.get("review_id"), today)
    )
    return Reply(cards.legal_hold_card(review))


async def set_legal_hold(ctx: Context) -> Reply:
    # The day retention's run counts from (domain/retention.py `select_due`: now's date).
    today = ctx.services.now().date()

    def work(uow: SqlUnitOfWork) -> Reply:
        try:
            review = retention.set_legal_hold(uow, ctx.turn.actor, ctx.member, ctx.data, today)
        except FormInvalid as invalid:
            # Nothing was written; the card comes back with what the admin typed.
            current = retention.held_review(uow, ctx.member, ctx.data.get("review_id"), today)
            typed = ctx.data.get("reason")
            reason = typed if isinstance(typed, str) else None
            return Reply(cards.legal_hold_card(current, invalid.errors, reason=reason))
        state = "is under legal hold" if review.legal_hold else "is no longer held"
        return Reply(
            cards.legal_hold_card(review, notices=(f"Saved: {review.reference} {state}.",))
        )

    return await ctx.run(work)


def _typed(data: Mapping[str, object]) -> dict[str, str]:
    return {
        period.key: value
        for period in retention.PERIODS
        if isinstance(value := data.get(period.key), str)
    }
