"""The practitioner's return, the chronology, submit, and the agency lead's sign-off."""

from __future__ import annotations

from typing import Any

from bot.handlers.notify import send_cards
from bot.router import Context, Reply, Router
from cards import returns as cards
from cards import verbs
from cards.basics import info_card
from domain import chase_engine, returns, review_flow
from domain.chase_engine import RETURN
from domain.questions import default_themes
from domain.records import ReturnView
from domain.returns import ChronologyScreen, EntryForm, Nav, SaveOutcome
from storage.repositories import SqlUnitOfWork


def register(router: Router) -> None:
    router.command(
        "continue", "Carry on with your pre-analysis return where you stopped.", example="continue"
    )(continue_return)
    router.verb(verbs.RETURN_OPEN)(open_return)
    router.verb(verbs.RETURN_BACK)(_saver(Nav.BACK))
    router.verb(verbs.RETURN_SAVE)(_saver(Nav.SAVE))
    router.verb(verbs.RETURN_NEXT)(_saver(Nav.NEXT))
    router.verb(verbs.EPISODE_ADD)(_saver(Nav.ADD_EPISODE))
    router.verb(verbs.EPISODE_REMOVE)(remove_episode)
    router.verb(verbs.CHRONOLOGY)(show_chronology)
    router.verb(verbs.ENTRY_FORM)(entry_form)
    router.verb(verbs.ENTRY_SAVE)(save_entry)
    router.verb(verbs.ENTRY_REMOVE)(remove_entry)
    router.verb(verbs.RETURN_OVERVIEW)(show_overview)
    router.verb(verbs.RETURN_SUBMIT)(submit)
    router.verb(verbs.SIGNOFF_APPROVE)(_sign_off(approve=True))
    router.verb(verbs.SIGNOFF_RETURN)(_sign_off(approve=False))


async def continue_return(ctx: Context) -> Reply:
    open_now = await ctx.run(lambda uow: review_flow.open_returns(uow, ctx.member))
    if len(open_now) == 1:
        return Reply(
            await ctx.run(lambda uow: _at_position(uow, ctx, open_now[0], None), short=True)
        )
    return Reply(cards.returns_list_card(open_now))


async def open_return(ctx: Context) -> Reply:
    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
        section = ctx.data.get("section")
        return _at_position(uow, ctx, ret, section if isinstance(section, int) else None)

    return Reply(await ctx.run(work, short=True))


def _at_position(
    uow: SqlUnitOfWork, ctx: Context, ret: ReturnView, section: int | None
) -> dict[str, Any]:
    """The card for where the practitioner stopped (or the section asked for)."""
    bank = returns.bank_for(ret.bank_version)
    position = section if section is not None else ret.current_section
    if 0 <= position < bank.section_count:
        return cards.section_card(returns.section_screen(uow, ctx.member, ret, position))
    if position == returns.chronology_position(bank):
        return _chronology_card(returns.chronology_screen(uow, ctx.member, {"return_id": ret.id}))
    return cards.overview_card(returns.overview(uow, ctx.member, ret, ctx.services.today()))


def _saver(nav: str) -> Any:
    async def save(ctx: Context) -> Reply:
        today = ctx.services.today()

        def work(uow: SqlUnitOfWork) -> dict[str, Any]:
            outcome = returns.save_section(uow, ctx.turn.actor, ctx.member, ctx.data, nav, today)
            return _after_save(uow, ctx, outcome)

        # The practitioner's hot loop, one return's rows: inline on SQLite (Database.run).
        return Reply(await ctx.run(work, short=True))

    return save


def _after_save(uow: SqlUnitOfWork, ctx: Context, outcome: SaveOutcome) -> dict[str, Any]:
    if outcome.screen is not None:
        return cards.section_card(outcome.screen)
    ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
    return _at_position(uow, ctx, ret, outcome.position)


async def remove_episode(ctx: Context) -> Reply:
    screen = await ctx.run(
        lambda uow: returns.remove_episode(uow, ctx.turn.actor, ctx.member, ctx.data)
    )
    return Reply(cards.section_card(screen))


async def show_chronology(ctx: Context) -> Reply:
    screen = await ctx.run(lambda uow: returns.chronology_screen(uow, ctx.member, ctx.data))
    return Reply(_chronology_card(screen))


def _chronology_card(screen: ChronologyScreen) -> dict[str, Any]:
    return cards.chronology_card(
        screen.ret, screen.page, screen.total, read_only=screen.read_only, notices=screen.notices
    )


def _entry_form_card(form: EntryForm) -> dict[str, Any]:
    return cards.entry_form_card(
        form.ret,
        default_themes(),
        form.values,
        entry_id=form.entry_id,
        errors=form.errors,
        warnings=form.warnings,
    )


async def entry_form(ctx: Context) -> Reply:
    form = await ctx.run(lambda uow: returns.entry_form(uow, ctx.member, ctx.data))
    return Reply(_entry_form_card(form))


async def save_entry(ctx: Context) -> Reply:
    today = ctx.services.today()
    result = await ctx.run(
        lambda uow: returns.save_entry(uow, ctx.turn.actor, ctx.member, ctx.data, today)
    )
    if isinstance(result, EntryForm):
        return Reply(_entry_form_card(result))
    return Reply(_chronology_card(result))


async def remove_entry(ctx: Context) -> Reply:
    screen = await ctx.run(
        lambda uow: returns.remove_entry(uow, ctx.turn.actor, ctx.member, ctx.data)
    )
    return Reply(_chronology_card(screen))


async def show_overview(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
        summary = returns.overview(uow, ctx.member, ret, today)
        if not summary.read_only:
            uow.returns.update(
                ret.id,
                {"current_section": returns.overview_position(returns.bank_for(ret.bank_version))},
            )
        return cards.overview_card(summary)

    return Reply(await ctx.run(work, short=True))


async def submit(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> tuple[returns.Submitted, dict[str, Any]]:
        done = returns.submit(uow, ctx.turn.actor, ctx.member, ctx.data, today)
        chase_engine.reschedule(uow.chases, RETURN, done.ret.id, ctx.services.now())
        lead_view = returns.overview(uow, ctx.member, done.ret, today)
        return done, cards.signoff_card(lead_view)

    # One return and its review's returns: short work (Database.run).
    done, signoff = await ctx.run(work, short=True)
    progress = await _progress(ctx, done.ret)
    messages = [(lead, signoff) for lead in done.lead_ids]
    if done.chair_id is not None:
        messages.append(
            (
                done.chair_id,
                cards.chair_notice_card(
                    done.ret, f"{done.ret.agency_name} return submitted", progress
                ),
            )
        )
    deliveries = await send_cards(ctx, messages)
    lead_reached = any(d.delivered for d in deliveries if d.member_id in done.lead_ids)
    return Reply(cards.submitted_card(done.ret, lead_reached=lead_reached))


async def _progress(ctx: Context, ret: ReturnView) -> str:
    def work(uow: SqlUnitOfWork) -> str:
        all_returns = uow.reviews.returns(ret.review_id)
        submitted = sum(1 for r in all_returns if r.submitted_at is not None)
        signed = sum(1 for r in all_returns if r.status.value == "signed_off")
        return (
            f"{ret.reference}: {submitted} of {len(all_returns)} agency returns submitted, "
            f"{signed} signed off."
        )

    return await ctx.run(work, short=True)


def _sign_off(*, approve: bool) -> Any:
    async def sign(ctx: Context) -> Reply:
        def work(uow: SqlUnitOfWork) -> returns.SignedOff:
            done = returns.sign_off(uow, ctx.turn.actor, ctx.member, ctx.data, approve)
            chase_engine.reschedule(uow.chases, RETURN, done.ret.id, ctx.services.now())
            return done

        result = await ctx.run(work, short=True)
        ret = result.ret
        messages: list[tuple[int, dict[str, Any]]] = []
        if not approve and result.comments:
            messages += [
                (m, cards.returned_card(ret, result.comments)) for m in result.assignee_ids
            ]
        if result.chair_id is not None:
            progress = await _progress(ctx, ret)
            event = (
                f"{ret.agency_name} return signed off"
                if approve
                else f"{ret.agency_name} return sent back for changes"
            )
            if result.review_ready_for_analysis:
                progress = (
                    f"Every agency return for {ret.reference} is signed off: the "
                    f"review has moved to analysis, ready for the meeting pack."
                )
            messages.append((result.chair_id, cards.chair_notice_card(ret, event, progress)))
        await send_cards(ctx, messages)
        if approve:
            return Reply(cards.signed_off_card(ret))
        return Reply(
            info_card(
                "Return sent back",
                "The practitioners have your comments; their answers are kept for them to change.",
            )
        )

    return sign
