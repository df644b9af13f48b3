"""Partnership set-up (admin): agencies, members and roles. The rules are in domain/directory.

Card data is untrusted: handlers pass it to the domain as it came, and the domain checks every
value, including that each agency or member id belongs to the admin's own partnership.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.router import Context, Reply, Router
from cards import admin as cards
from cards import verbs
from domain import directory
from domain.directory import AccessChange
from domain.errors import FormInvalid
from domain.model import Actor, MemberView, Role
from domain.repositories import UnitOfWork

ADMIN_ONLY = (Role.ADMIN,)
AGENCY_INPUTS = ("name", "sector", "lead")
MEMBER_INPUTS = ("display_name", "aad_object_id", "agency", "roles")


def register(router: Router) -> None:
    router.command(
        "agencies",
        "Add and edit the partnership's agencies and choose their safeguarding leads.",
        roles=ADMIN_ONLY,
        example="agencies",
    )(show_agencies)
    router.command(
        "members",
        "Add members, set their agency, and grant or revoke their roles.",
        roles=ADMIN_ONLY,
        example="members",
    )(show_members)
    router.verb(verbs.AGENCIES)(show_agencies)
    router.verb(verbs.AGENCY_FORM)(show_agency_form)
    router.verb(verbs.AGENCY_SAVE)(save_agency)
    router.verb(verbs.MEMBERS)(show_members)
    router.verb(verbs.MEMBER_FORM)(show_member_form)
    router.verb(verbs.MEMBER_SAVE)(save_member)
    router.verb(verbs.MEMBER_END_ACCESS)(end_access)
    router.verb(verbs.MEMBER_RESTORE)(restore_access)


async def show_agencies(ctx: Context, result: str = "") -> Reply:
    page = directory.page_number(ctx.turn.data.get("page"), ctx.argument)
    listing = await ctx.run(lambda uow: directory.agency_listing(uow, ctx.member, page))
    return Reply(cards.agencies_card(listing, result))


async def show_agency_form(
    ctx: Context, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Reply:
    agency_id = ctx.turn.data.get("agency_id")
    page = directory.page_number(ctx.turn.data.get("page"))
    form = await ctx.run(lambda uow: directory.agency_form(uow, ctx.member, agency_id))
    return Reply(cards.agency_form_card(form, page, values, errors))


# After a save the list opens at the page the admin came from (the form carries it), so the
# record just edited is usually still in view.
async def save_agency(ctx: Context) -> Reply:
    data = ctx.turn.data
    try:
        result = await ctx.run(
            lambda uow: directory.save_agency(uow, ctx.turn.actor, ctx.member, data)
        )
    except FormInvalid as invalid:
        return await show_agency_form(ctx, _typed(data, AGENCY_INPUTS), invalid.errors)
    return await show_agencies(ctx, result)


async def show_members(ctx: Context, result: str = "") -> Reply:
    page = directory.page_number(ctx.turn.data.get("page"), ctx.argument)
    listing = await ctx.run(lambda uow: directory.member_listing(uow, ctx.member, page))
    return Reply(cards.members_card(listing, result))


async def show_member_form(
    ctx: Context, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Reply:
    member_id = ctx.turn.data.get("member_id")
    page = directory.page_number(ctx.turn.data.get("page"))
    form = await ctx.run(lambda uow: directory.member_form(uow, ctx.member, member_id))
    return Reply(cards.member_form_card(form, page, values, errors))


async def save_member(ctx: Context) -> Reply:
    data = ctx.turn.data
    try:
        result = await ctx.run(
            lambda uow: directory.save_member(uow, ctx.turn.actor, ctx.member, data)
        )
    except FormInvalid as invalid:
        return await show_member_form(ctx, _typed(data, MEMBER_INPUTS), invalid.errors)
    return await show_members(ctx, result)


async def end_access(ctx: Context) -> Reply:
    admins = ctx.services.settings.admin_aad_ids

    def rule(
        uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
    ) -> AccessChange:
        return directory.end_access(uow, actor, member, data, admins)

    return await _access(ctx, rule)


async def restore_access(ctx: Context) -> Reply:
    return await _access(ctx, directory.restore_access)


AccessRule = Callable[[UnitOfWork, Actor, MemberView, Mapping[str, object]], AccessChange]


async def _access(ctx: Context, rule: AccessRule) -> Reply:
    """End or restore a member's access, then their card again: after an end, with what they
    still hold for someone to pick up."""
    data = ctx.turn.data
    page = directory.page_number(data.get("page"))

    def work(uow: UnitOfWork) -> tuple[AccessChange, directory.MemberForm]:
        change = rule(uow, ctx.turn.actor, ctx.member, data)
        return change, directory.member_form(uow, ctx.member, change.member.id)

    try:
        change, form = await ctx.run(work)
    except FormInvalid as invalid:
        return await show_member_form(ctx, _typed(data, (*MEMBER_INPUTS, "reason")), invalid.errors)
    return Reply(cards.member_form_card(form, page, change=change))


def _typed(data: Mapping[str, object], keys: tuple[str, ...]) -> dict[str, str]:
    """The text inputs as typed, to show the form again; anything not text is dropped."""
    return {key: value for key in keys if isinstance(value := data.get(key), str)}
