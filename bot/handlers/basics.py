"""Help, profile and welcome: what every member can do."""

from __future__ import annotations

from bot.router import Context, Reply, Router
from cards import basics as cards
from cards import verbs
from domain.capabilities import available


def register(router: Router) -> None:
    async def show_help(ctx: Context) -> Reply:
        allowed = available(ctx.services.router.capabilities, ctx.member)
        return Reply(cards.help_card(allowed, ctx.member.roles))

    async def show_profile(ctx: Context) -> Reply:
        profile = await ctx.run(lambda uow: uow.members.profile(ctx.member.id))
        return Reply(
            cards.profile_card(
                profile.display_name,
                profile.agency_name,
                ctx.member.roles,
                profile.partnership_name,
                profile.reachable,
            )
        )

    router.command("help", "Show what you can do, given your roles.")(show_help)
    router.command("my profile", "Show who I think you are: your agency and roles.")(show_profile)
    router.verb(verbs.HELP)(show_help)
    router.verb(verbs.PROFILE)(show_profile)
