"""Help, profile and welcome: what every member can do."""

from __future__ import annotations

from dataclasses import replace

from bot.router import Context, Reply, Router
from cards import basics as cards
from cards import verbs
from domain import commands
from domain.capabilities import available
from domain.errors import InvalidInput


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
    router.verb(verbs.RUN_COMMAND)(run_suggestion)


async def run_suggestion(ctx: Context) -> Reply:
    """A "did you mean" button: the command it names, answered as if it had been typed (the
    handler reads the text and argument, and refuses whoever may not run it, as it would).
    Only a read-only command runs (`commands.suggested`), whatever the card data says."""
    router = ctx.services.router
    command = commands.suggested(ctx.data.get("command"), router.capabilities)
    if command is None:
        raise InvalidInput(
            "That button isn't one I recognise, perhaps from an old card. "
            "Type help to see what you can do."
        )
    typed = str(ctx.data["command"])
    as_typed = replace(ctx, turn=replace(ctx.turn, text=typed), argument=command.argument)
    return await router.commands[command.name](as_typed)
