"""The practitioner's return, the chronology, submit, and the agency lead's sign-off."""

from __future__ import annotations

import logging
from typing import Any

from bot.handlers.notify import reached, send_cards
from bot.router import Context, Reply, Router, UnitWork
from cards import returns as cards
from cards import verbs
from cards.basics import info_card
from cards.common import GOTO_LIST_ID
from domain import chase_engine, returns
from domain.chase_engine import RETURN
from domain.errors import DomainError, FormInvalid
from domain.identifier_checks import IdentifiersToConfirm
from domain.model import Role
from domain.questions import default_themes
from domain.records import ReturnView
from domain.return_state import returns_progress
from domain.returns import ChronologyScreen, EntryForm, Nav, SaveOutcome
from storage.repositories import SqlUnitOfWork

log = logging.getLogger(__name__)


def register(router: Router) -> None:
    router.command(
        "continue",
        "Carry on with your pre-analysis return where you stopped; name a review to open "
        "your return on it.",
        example="continue LOS-2026-004",
        argument_optional=True,
    )(continue_return)
    router.verb(verbs.RETURN_OPEN)(open_return)
    router.unit_verb(verbs.RETURN_BACK)(_saver(Nav.BACK))
    router.unit_verb(verbs.RETURN_SAVE)(_saver(Nav.SAVE))
    router.unit_verb(verbs.RETURN_NEXT)(_saver(Nav.NEXT))
    router.unit_verb(verbs.EPISODE_ADD)(_saver(Nav.ADD_EPISODE))
    router.verb(verbs.EPISODE_REMOVE)(remove_episode)
    router.verb(verbs.CHRONOLOGY)(show_chronology)
    router.verb(verbs.ENTRY_FORM)(entry_form)
    router.verb(verbs.ENTRY_SAVE)(save_entry)
    router.verb(verbs.ENTRY_REMOVE)(remove_entry)
    router.verb(verbs.RETURN_OVERVIEW)(show_overview)
    router.verb(verbs.RETURN_SUBMIT)(submit)
    router.verb(verbs.SIGNOFF_APPROVE)(_sign_off(approve=True))
    router.verb(verbs.SIGNOFF_RETURN)(_sign_off(approve=False))
    router.verb(verbs.SIGNOFF_OPEN)(open_signoff)
    router.command(
        "sign-offs",
        "List the returns waiting for your sign-off, with how long each has waited.",
        roles=(Role.AGENCY_LEAD,),
        example="sign-offs",
    )(list_signoffs)
    # The help card's one-click top actions.
    router.verb(verbs.SIGN_OFFS)(list_signoffs)
    router.verb(verbs.CONTINUE)(continue_return)


async def continue_return(ctx: Context) -> Reply:
    today = ctx.services.today()
    # Typed alone (or a one-click button): every return the person can work on; with a
    # review named, theirs on that review (a lead's reading card if its practitioners write it).
    # Either way, with the returns on the same review(s) waiting for their sign-off.
    found = await ctx.run(lambda uow: returns.to_continue(uow, ctx.member, ctx.argument))
    if found.all_in is not None:
        return Reply(cards.all_in_card(found.all_in))
    if found.sign_off_first:
        # Only reads what it opened, with a sign-off to give: that comes first.
        summary = await ctx.run_short(
            lambda uow: returns.leading_sign_off(uow, ctx.member, found, today)
        )
        return Reply(cards.signoff_card(summary))
    # Beside what it opened, and (typed alone) those on reviews where they have no return.
    here = found.offered
    if len(found.returns) == 1:
        ret = found.returns[0]
        return Reply(await ctx.run_short(lambda uow: _at_position(uow, ctx, ret, None, (), here)))
    writing, reading = returns.by_role(ctx.member, found.returns)
    return Reply(cards.returns_list_card(writing, today, here, reading))


async def open_return(ctx: Context) -> Reply:
    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
        place = _asked_place(ret, ctx.data)
        if place is None and ctx.data.get(cards.READ_CHOSEN):
            # The sign-off card's "Read this part" with nothing chosen: the card again, what
            # was typed kept, the problem under the list (it opened where the writer stopped).
            summary = returns.sign_off_view(uow, ctx.member, ctx.data, ctx.services.today())
            typed = ctx.data.get("comments")
            return cards.signoff_card(
                summary,
                typed if isinstance(typed, str) else None,
                start=_carried_start(ctx, ret),
                errors={GOTO_LIST_ID: cards.CHOOSE_A_PART},
            )
        # A lead reading it to sign off: what they typed in the box goes with them (walk12),
        # and so does the part they chose for the practitioner to start at.
        comments = returns.carried_comments(ctx.data)
        return _at_position(uow, ctx, ret, place, comments=comments, start=_carried_start(ctx, ret))

    return Reply(await ctx.run_short(work))


def _carried_start(ctx: Context, ret: ReturnView) -> str | None:
    return returns.carried_start(ctx.data, returns.bank_for(ret.bank_version))


def _asked_place(ret: ReturnView, data: dict[str, Any]) -> returns.Place | None:
    """A "Go to" choice, else a button's section (and episode), else None: where it stopped."""
    bank = returns.bank_for(ret.bank_version)
    chosen = returns.parse_place(data.get(cards.GOTO_INPUT), bank)
    if chosen is not None:
        return chosen
    section, episode = data.get("section"), data.get("episode")
    if not isinstance(section, int):
        return None
    return returns.Place(section, episode if isinstance(episode, int) else None)


def _at_position(
    uow: SqlUnitOfWork,
    ctx: Context,
    ret: ReturnView,
    place: returns.Place | None,
    notices: tuple[str, ...] = (),
    here: tuple[ReturnView, ...] | None = None,
    *,
    comments: str | None = None,
    start: str | None = None,
) -> dict[str, Any]:
    """The card for where the practitioner stopped (or the place asked for); `here`, the
    returns on its review waiting for the reader's sign-off when the caller has them
    (`continue`), else the domain finds them (`returns.sign_offs_beside`). `comments`: what a
    lead typed in the comments box of the card they came from, in this card's box; `start`,
    the part they chose there for the practitioner to start at, carried on."""
    bank = returns.bank_for(ret.bank_version)
    # Wherever the return's card is drawn from here (`continue`, its buttons, a save's next
    # page): the overdue line first (no query).
    notices = (*returns.late_notices(ctx.member, ret, ctx.services.today()), *notices)
    position = place.position if place is not None else returns.opening_position(ctx.member, ret)
    if 0 <= position < bank.section_count:
        episode = place.episode if place is not None else None
        screen = returns.section_screen(
            uow, ctx.member, ret, position, episode, notices=notices, sign_offs_here=here
        )
        page = cards.with_start(cards.section_card(screen), start, screen.jumps)
        return cards.with_comments(page, comments)
    if position == returns.chronology_position(bank):
        chronology = returns.chronology_screen(
            uow, ctx.member, {"return_id": ret.id}, notices, here
        )
        page = cards.with_start(_chronology_card(chronology), start, chronology.jumps)
        return cards.with_comments(page, comments)
    summary = returns.overview(uow, ctx.member, ret, ctx.services.today(), here)
    if summary.can_sign_off:
        return cards.signoff_card(summary, comments, start=start)
    # No box here: anything typed on the card before is said back, not dropped (with_comments).
    return cards.with_comments(cards.overview_card(summary, notices=notices), comments)


def _saver(nav: str) -> UnitWork:
    def save(uow: SqlUnitOfWork, ctx: Context) -> dict[str, Any]:
        # The practitioner's hot loop, one return's rows, in one unit whose card is the whole
        # reply: with who spoke and the click's claim and reply in one transaction (Router.
        # unit_verb), inline on SQLite (Database.run_short).
        today, now = ctx.services.today(), ctx.services.now()
        outcome = returns.save_section(uow, ctx.turn.actor, ctx.member, ctx.data, nav, today, now)
        return _after_save(uow, ctx, outcome)

    return save


def _after_save(uow: SqlUnitOfWork, ctx: Context, outcome: SaveOutcome) -> dict[str, Any]:
    if outcome.screen is not None:
        return cards.section_card(outcome.screen)
    ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
    return _at_position(uow, ctx, ret, returns.Place(outcome.position))


async def remove_episode(ctx: Context) -> Reply:
    screen = await ctx.run(
        lambda uow: returns.remove_episode(uow, ctx.turn.actor, ctx.member, ctx.data)
    )
    return Reply(cards.section_card(screen))


async def show_chronology(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> ChronologyScreen:
        ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
        late = returns.late_notices(ctx.member, ret, today)
        return returns.chronology_screen(uow, ctx.member, ctx.data, late)

    # A lead's Previous and Next page carry the comments box too (walk12), and the part
    # chosen for the practitioner to start at.
    comments = returns.carried_comments(ctx.data)
    screen = await ctx.run(work)
    page = cards.with_start(_chronology_card(screen), _carried_start(ctx, screen.ret), screen.jumps)
    return Reply(cards.with_comments(page, comments))


def _chronology_card(screen: ChronologyScreen) -> dict[str, Any]:
    return cards.chronology_card(
        screen.ret,
        screen.page,
        screen.total,
        read_only=screen.read_only,
        notices=screen.notices,
        can_sign_off=screen.can_sign_off,
        jumps=screen.jumps,
        role=screen.role,
        sign_offs_here=screen.sign_offs_here,
    )


def _entry_form_card(form: EntryForm) -> dict[str, Any]:
    return cards.entry_form_card(
        form.ret,
        default_themes(),
        form.values,
        entry_id=form.entry_id,
        errors=form.errors,
        warnings=form.warnings,
        revision=form.revision,
    )


async def entry_form(ctx: Context) -> Reply:
    form = await ctx.run(lambda uow: returns.entry_form(uow, ctx.member, ctx.data))
    return Reply(_entry_form_card(form))


async def save_entry(ctx: Context) -> Reply:
    today, now = ctx.services.today(), ctx.services.now()
    result = await ctx.run(
        lambda uow: returns.save_entry(uow, ctx.turn.actor, ctx.member, ctx.data, today, now)
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
        if summary.role in returns.WRITING_ROLES:  # a reading lead leaves the writers' place
            uow.returns.update(
                ret.id,
                {"current_section": returns.overview_position(returns.bank_for(ret.bank_version))},
            )
        return cards.overview_card(summary, notices=returns.late_notices(ctx.member, ret, today))

    return Reply(await ctx.run_short(work))


async def submit(ctx: Context) -> Reply:
    today, now = ctx.services.today(), ctx.services.now()

    def work(uow: SqlUnitOfWork) -> tuple[returns.Submitted, dict[int, dict[str, Any]]]:
        done = returns.submit(uow, ctx.turn.actor, ctx.member, ctx.data, today, now)
        # Now the lead's sign-off is chased, from a clean count (answered: the practitioners
        # did what their chasers asked).
        chase_engine.reschedule(uow.chases, RETURN, done.ret.id, now, answered=True)
        # Sent to the agency's leads: no sign-offs beside it, which would be the submitter's.
        lead_view = returns.overview(uow, ctx.member, done.ret, today, sign_offs_here=())
        # Each lead's card offers what they only read on the review (one read of its returns).
        beside = uow.reviews.returns_on([done.ret.review_id]) if done.lead_ids else []
        return done, {
            lead: cards.signoff_card(
                returns.lead_notice_view(uow.members.get(lead), lead_view, beside)
            )
            for lead in done.lead_ids
        }

    # Not short work: with the card's revision checked first (bot/freshness.py) and the
    # lead's card drawn after, it runs more statements than SHORT_STATEMENTS.
    done, signoff = await ctx.run(work)
    progress = await _progress(ctx, done.ret)
    messages = [(lead, signoff[lead]) for lead in done.lead_ids]
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
        statuses = (r.status for r in uow.reviews.returns(ret.review_id))
        return returns_progress(ret.reference, statuses)

    return await ctx.run_short(work)


async def _what_else_waits(ctx: Context, ret: ReturnView) -> returns.AfterSignOff | None:
    """What still waits once a sign-off has committed and its cards have gone: a read that
    fails here (the database out of reach) must not answer as if the approval had failed
    (review11), so the card then says only that it was signed off."""
    try:
        return await ctx.run_short(lambda uow: _after_sign_off(uow, ctx, ret))
    except DomainError as error:
        log.warning("after a sign-off, what else waits was not read: %s", type(error).__name__)
        return None


def _after_sign_off(uow: SqlUnitOfWork, ctx: Context, ret: ReturnView) -> returns.AfterSignOff:
    policy = chase_engine.policy_for(uow.chases, ctx.member.partnership_id)
    return returns.after_sign_off(uow, ctx.member, ret, policy, ctx.services.today())


async def open_signoff(ctx: Context) -> Reply:
    today = ctx.services.today()
    summary = await ctx.run_short(
        lambda uow: returns.sign_off_view(uow, ctx.member, ctx.data, today)
    )
    comments = returns.carried_comments(ctx.data)
    return Reply(cards.signoff_card(summary, comments, start=_carried_start(ctx, summary.ret)))


async def list_signoffs(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        policy = chase_engine.policy_for(uow.chases, ctx.member.partnership_id)
        waiting = returns.waiting_sign_offs(uow, ctx.member, policy, today)
        return cards.signoffs_card(waiting, policy.signoff_days)

    return Reply(await ctx.run(work))


def _refused_on_page(
    uow: SqlUnitOfWork, ctx: Context, start: str, typed: object, errors: dict[str, str]
) -> dict[str, Any]:
    """A page's Return with comments refused (no comments): the same page again, the
    comments box and its problem under the page's header (walk9: the whole sign-off card
    came back, its problem at the foot, the lead taken away from the page they read)."""
    ret = returns.load(uow, ctx.member, ctx.data.get("return_id"), write=False)
    place = returns.parse_place(start, returns.bank_for(ret.bank_version))
    chosen = _carried_start(ctx, ret)
    page = _at_position(uow, ctx, ret, place, start=chosen)
    comments = typed if isinstance(typed, str) else None
    return cards.with_return_box(page, ret, start, comments, errors, chosen)


def _sign_off(*, approve: bool) -> Any:
    async def sign(ctx: Context) -> Reply:
        today, now = ctx.services.today(), ctx.services.now()

        def work(uow: SqlUnitOfWork) -> returns.SignedOff | dict[str, Any]:
            try:
                done = returns.sign_off(uow, ctx.turn.actor, ctx.member, ctx.data, approve, now)
            except FormInvalid as refused:  # IdentifiersToConfirm is one too
                # The comments come back as typed, the warning and its tick, or the problem,
                # under them (from any page's Return with comments: the sign-off card has the
                # box). So does the part the practitioner should start at.
                typed, start = ctx.data.get("comments"), ctx.data.get("comment_on")
                warned = refused.warnings if isinstance(refused, IdentifiersToConfirm) else None
                if warned is None and ctx.data.get(cards.FROM_PAGE) and isinstance(start, str):
                    # From a page of the return: answered there, the problem near its top.
                    return _refused_on_page(uow, ctx, start, typed, refused.errors)
                summary = returns.sign_off_view(uow, ctx.member, ctx.data, today)
                return cards.signoff_card(
                    summary,
                    typed if isinstance(typed, str) else None,
                    warned,
                    returns.carried_start(ctx.data, returns.bank_for(summary.ret.bank_version)),
                    errors=refused.errors,  # beside any warning: every problem at once
                )
            chase_engine.reschedule(uow.chases, RETURN, done.ret.id, now, answered=True)
            return done

        # Not short work: the last sign-off moves the review on too, and the card's revision
        # is checked first with the return held (bot/freshness.py).
        result = await ctx.run(work)
        if isinstance(result, dict):
            return Reply(result)
        ret = result.ret
        messages: list[tuple[int, dict[str, Any]]] = []
        # A lead who writes it too is answered here, not sent their own comments.
        others = [m for m in result.assignee_ids if m != ctx.member.id]
        if not approve and result.comments:
            messages += [(m, cards.returned_card(ret, result.comments)) for m in others]
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
            notice = cards.chair_notice_card(
                ret, event, progress, pack=result.review_ready_for_analysis
            )
            messages.append((result.chair_id, notice))
        deliveries = await send_cards(ctx, messages)
        if approve:
            by_chair = result.chair_id is not None and result.chair_id == ctx.member.id
            after = await _what_else_waits(ctx, ret)
            return Reply(cards.signed_off_card(ret, by_chair=by_chair, after=after))
        took = reached(deliveries)
        names = result.assignee_names
        own = ctx.member.id in result.assignee_ids
        message = returns.sent_back_message(
            [names[i] for i in others if i in took],
            [names[i] for i in others if i not in took],
            own=own,
        )
        if own:  # back with them to change: the button that opens it, never a dead end
            return Reply(cards.with_you_card("Return sent back", ret, message))
        return Reply(info_card("Return sent back", message))

    return sign
