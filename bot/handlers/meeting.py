"""The meeting pack, recording the outcome, publishing actions, and the 7-minute briefing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from bot import files
from bot.handlers.notify import reached, send_cards, send_to_address
from bot.outbound import Delivery
from bot.router import Context, Reply, Router
from cards import actions as action_cards
from cards import meeting as cards
from cards import verbs
from cards.basics import info_card
from cards.common import Card
from domain import actions, chase_engine, meeting, review_flow
from domain.chase_engine import ACTION
from domain.errors import FormInvalid, InvalidInput, NotFound
from domain.guide import (
    DueDateChange,
    approval_request_notice,
    too_long_for_one_page,
    version_line,
)
from domain.identifier_checks import IdentifiersToConfirm
from domain.letterhead import Letterhead
from domain.meeting import ActionFormScreen, GuideScreen, OutcomeScreen, Published, PublishedReach
from domain.model import Role
from domain.pack import MeetingPack
from domain.records import ReviewView
from storage.repositories import SqlUnitOfWork

CHAIR = (Role.CHAIR, Role.ADMIN)


def register(router: Router) -> None:
    router.command(
        "pack",
        "The meeting pack for a review: combined chronology, themes, learning.",
        roles=CHAIR,
        example="pack LOS-2026-004",
    )(pack_command)
    router.command(
        "outcome",
        "Record what the Line-of-Sight meeting agreed.",
        roles=CHAIR,
        example="outcome LOS-2026-004",
    )(outcome_command)
    router.command(
        "guide",
        "The 7-minute briefing: its chair drafts it, the LIC group approves it, and anyone "
        "who can see the review reads it and records that their team used it.",
        roles=tuple(Role),
        example="guide LOS-2026-004",
    )(guide_command)
    router.command(
        "register channel",
        "In a team channel: make it the LIC or partnership channel.",
        roles=(Role.ADMIN,),
        example="register channel lic",
    )(register_channel)
    for verb, handler in (
        (verbs.PACK, show_pack),
        (verbs.PACK_EXPORT, export_pack),
        (verbs.OUTCOME, show_outcome),
        (verbs.OUTCOME_SAVE, save_outcome),
        (verbs.OUTCOME_PUBLISH, publish_outcome),
        (verbs.ACTION_FORM, action_form),
        (verbs.ACTION_SAVE, save_action),
        (verbs.ACTION_REMOVE, remove_action),
        (verbs.GUIDE, show_guide),
        (verbs.GUIDE_SAVE, save_guide),
        (verbs.GUIDE_PREVIEW, preview_guide),
        (verbs.GUIDE_SUBMIT, submit_guide),
        (verbs.GUIDE_APPROVE, approve_guide),
        (verbs.GUIDE_SEND_BACK, send_back_guide),
        (verbs.GUIDE_REVISE, revise_guide),
        (verbs.GUIDE_EXPORT, export_guide),
        (verbs.GUIDE_USAGE_FORM, usage_form),
        (verbs.GUIDE_USAGE_SAVE, save_usage),
    ):
        router.verb(verb)(handler)


async def _review_from_argument(ctx: Context, command: str) -> ReviewView:
    if not ctx.argument:
        raise NotFound(
            f"Which review? For example: {command} LOS-2026-004. Type reviews to see them."
        )
    return await ctx.run(lambda uow: review_flow.find_review(uow, ctx.member, ctx.argument))


# --- the meeting pack --------------------------------------------------------------------------


async def pack_command(ctx: Context) -> Reply:
    review = await _review_from_argument(ctx, "pack")
    return await _pack(ctx, review.id, 1)


async def show_pack(ctx: Context) -> Reply:
    page = ctx.data.get("page")
    theme = ctx.data.get("theme")
    return await _pack(
        ctx,
        ctx.data.get("review_id"),
        page if isinstance(page, int) else 1,
        theme if isinstance(theme, int) else None,
    )


async def _pack(ctx: Context, review_id: object, page: int, theme: int | None = None) -> Reply:
    """The pack card's page, or (`theme`, from its "All the learning on ..." button) one
    theme's learning in full."""

    def work(uow: Any) -> dict[str, Any]:
        built = meeting.meeting_pack(uow, ctx.member, review_id, ctx.services.today())
        review = review_flow.chaired_review(uow, ctx.member, review_id)
        if theme is not None:
            return cards.pack_learning_card(review, built, theme)
        return cards.pack_card(review, built, page)

    return Reply(await ctx.run(work))


async def export_pack(ctx: Context) -> Reply:
    review_id = ctx.data.get("review_id")
    today = ctx.services.today()
    built = await ctx.run(lambda uow: meeting.meeting_pack(uow, ctx.member, review_id, today))
    fmt = ctx.data.get("format")
    if fmt not in (None, "docx", "csv", "pdf"):
        raise InvalidInput("The pack comes as docx (Word), pdf, or csv (the chronology).")
    name = await files.partnership_name(ctx)
    document = await asyncio.to_thread(_pack_document, built, today, fmt, name)
    if fmt == "pdf":
        document = files.Document(
            "meeting_pack_pdf",
            f"{built.reference}-meeting-pack.pdf",
            await files.as_pdf(document.content),
            f"the meeting pack for {built.reference} (PDF)",
        )
    back = ("Back to the pack", verbs.PACK, {"review_id": review_id})
    return await files.deliver(ctx, replace(document, back=back))


def _pack_document(
    built: MeetingPack, today: date, fmt: object, partnership: str
) -> files.Document:
    # On a thread: a big review's pack takes a while to write, and the event loop serves
    # everyone. The document libraries (python-docx, openpyxl and the numpy it pulls in) are
    # imported when first needed, as matplotlib is: about 30 MB of the served bot's start-up
    # memory (162 -> 134 MB) that it would otherwise hold with nobody exporting.
    from exports import documents

    if fmt == "csv":
        return files.Document(
            "chronology_csv",
            f"{built.reference}-chronology.csv",
            documents.chronology_csv(built),
            f"the combined chronology for {built.reference}",
        )
    return files.Document(
        "meeting_pack",
        f"{built.reference}-meeting-pack.docx",
        documents.meeting_pack_docx(built, today, partnership=partnership),
        f"the meeting pack for {built.reference}",
    )


# --- the outcome -------------------------------------------------------------------------------


async def outcome_command(ctx: Context) -> Reply:
    review = await _review_from_argument(ctx, "outcome")
    return await _outcome(ctx, review.id)


async def show_outcome(ctx: Context) -> Reply:
    return await _outcome(ctx, ctx.data.get("review_id"))


async def _outcome(ctx: Context, review_id: object) -> Reply:
    today = ctx.services.today()
    screen = await ctx.run(lambda uow: meeting.outcome_screen(uow, ctx.member, review_id, today))
    return Reply(cards.outcome_card(screen))


async def save_outcome(ctx: Context) -> Reply:
    today = ctx.services.today()
    screen = await ctx.run(
        lambda uow: meeting.save_outcome(uow, ctx.turn.actor, ctx.member, ctx.data, today)
    )
    return Reply(cards.outcome_card(screen))


async def action_form(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> ActionFormScreen | OutcomeScreen:
        invalid = meeting.keep_typed_outcome(uow, ctx.turn.actor, ctx.member, ctx.data, today)
        return invalid or meeting.action_form(uow, ctx.member, ctx.data, today)

    form = await ctx.run(work)
    if isinstance(form, OutcomeScreen):
        return Reply(cards.outcome_card(form))
    return Reply(cards.action_form_card(form, people_picker=_has_people_picker(ctx)))


async def save_action(ctx: Context) -> Reply:
    today = ctx.services.today()
    result = await ctx.run(
        lambda uow: meeting.save_action(uow, ctx.turn.actor, ctx.member, ctx.data, today)
    )
    if isinstance(result, ActionFormScreen):
        return Reply(cards.action_form_card(result, people_picker=_has_people_picker(ctx)))
    return Reply(cards.outcome_card(result))


async def remove_action(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> OutcomeScreen:
        invalid = meeting.keep_typed_outcome(uow, ctx.turn.actor, ctx.member, ctx.data, today)
        return invalid or meeting.remove_action(uow, ctx.turn.actor, ctx.member, ctx.data, today)

    return Reply(cards.outcome_card(await ctx.run(work)))


async def publish_outcome(ctx: Context) -> Reply:
    today, now = ctx.services.today(), ctx.services.now()

    def work(uow: SqlUnitOfWork) -> tuple[Published | OutcomeScreen, list[tuple[int, Card]]]:
        done = meeting.publish(uow, ctx.turn.actor, ctx.member, ctx.data, today, now)
        if not isinstance(done, Published):
            return done, []
        for action in done.actions:
            chase_engine.reschedule(uow.chases, ACTION, action.id, now)
        return done, _owner_cards(uow, done, today)

    result, owner_cards = await ctx.run(work)
    if isinstance(result, OutcomeScreen):
        return Reply(cards.outcome_card(result))
    reach = await _tell_owners_and_contributors(ctx, result, owner_cards)
    return Reply(cards.published_card(result.review, result.actions, reach))


def _owner_cards(uow: SqlUnitOfWork, published: Published, today: date) -> list[tuple[int, Card]]:
    """Each owner's first card is the full action card, with the moves its state allows."""
    policy = chase_engine.policy_for(uow.chases, published.review.partnership_id)
    owned = []
    for action in published.actions:
        item = uow.actions.get(action.id)
        if item is None or item.owner_member_id is None:
            continue
        rag, why = actions.item_rating(item, today, policy)
        card = action_cards.action_item_card(item, rag, rag_reason=why, notices=(FIRST_CARD_NOTE,))
        owned.append((item.owner_member_id, card))
    return owned


FIRST_CARD_NOTE = (
    "I'll remind you as the due date approaches, until the LIC group records its impact."
)


async def _tell_owners_and_contributors(
    ctx: Context, published: Published, owner_cards: list[tuple[int, Card]]
) -> PublishedReach:
    """Send each owner their action card and each contributor what was agreed, and say who
    Teams took them for (the chair is told no more than that: meeting.published_lines)."""
    owners = await send_cards(ctx, owner_cards)
    learning = cards.learning_card(
        published.review, published.themes, published.learning_needs, published.actions
    )
    told = await send_cards(ctx, [(member_id, learning) for member_id in published.contributors])
    return PublishedReach(
        owner_cards=len(owners),
        owners_unreached=_unreached(owners),
        contributors=len(told),
        contributors_unreached=_unreached(told),
        unowned=tuple(a.reference for a in published.actions if a.owner_member_id is None),
    )


def _unreached(deliveries: Sequence[Delivery]) -> tuple[str, ...]:
    got = reached(deliveries)
    return tuple(d.name for d in deliveries if d.member_id not in got)


# --- the 7-minute briefing ---------------------------------------------------------------------


async def guide_command(ctx: Context) -> Reply:
    if not ctx.argument:
        await _review_from_argument(ctx, "guide")  # says which review to name
    review = await ctx.run(
        lambda uow: meeting.guide_review(uow, ctx.member, ctx.argument, ctx.turn.address)
    )
    return await _guide(ctx, review.id)


async def show_guide(ctx: Context) -> Reply:
    return await _guide(ctx, ctx.data.get("review_id"))


async def _guide(ctx: Context, review_id: object) -> Reply:
    today = ctx.services.today()  # box 7 telling staff to act by a month already past
    screen = await ctx.run(
        lambda uow: meeting.guide_screen(
            uow, ctx.turn.actor, ctx.member, review_id, today, where=ctx.turn.address
        )
    )
    return Reply(cards.guide_card(screen))


async def save_guide(ctx: Context) -> Reply:
    today = ctx.services.today()  # box 7 telling staff to act by a month already past
    screen = await ctx.run(
        lambda uow: meeting.save_guide(uow, ctx.turn.actor, ctx.member, ctx.data, today)
    )
    return Reply(cards.guide_card(screen))


async def preview_guide(ctx: Context) -> Reply:
    today = ctx.services.today()
    screen = await ctx.run(
        lambda uow: meeting.save_guide(uow, ctx.turn.actor, ctx.member, ctx.data, today)
    )
    if screen.errors:
        return Reply(cards.guide_card(screen))
    return Reply(cards.guide_preview_card(screen))


async def submit_guide(ctx: Context) -> Reply:
    now = ctx.services.now()
    sent = await ctx.run(
        lambda uow: meeting.submit_guide(uow, ctx.turn.actor, ctx.member, ctx.data, now)
    )
    if isinstance(sent, GuideScreen):
        return Reply(cards.guide_card(sent))
    request = cards.guide_approval_card(sent.screen, ctx.member.display_name)
    channel = sent.lic_channel
    asked = channel is not None and await send_to_address(ctx, channel, request)
    members = () if asked else sent.lic_members
    deliveries = await send_cards(ctx, [(m, request) for m in (*members, *sent.other_chairs)])
    reached = asked or any(d.delivered for d in deliveries)
    notice = approval_request_notice(
        reached=reached,
        approvers=len(sent.lic_members) + len(sent.other_chairs) + (channel is not None),
        reference=sent.screen.review.reference,
    )
    screen = sent.screen
    return Reply(cards.guide_card(replace(screen, notices=(*screen.notices, notice))))


async def approve_guide(ctx: Context) -> Reply:
    now = ctx.services.now()
    done = await ctx.run(
        lambda uow: meeting.approve_guide(uow, ctx.turn.actor, ctx.member, ctx.data, now)
    )
    screen = done.screen
    notices = screen.notices
    if done.partnership_channel is not None:
        posted = await send_to_address(
            ctx, done.partnership_channel, cards.channel_guide_card(screen)
        )
        notices += (
            "Posted to the partnership channel."
            if posted
            else "I couldn't post it to the partnership channel; check I'm still in that team.",
        )
    else:
        notices += (
            "No partnership channel is registered: an admin can type register "
            "channel partnership in one.",
        )
    if done.submitted_by is not None and done.submitted_by != ctx.member.id:
        told = replace(screen, notices=(f"{ctx.member.display_name} approved it.",), approves=False)
        await send_cards(ctx, [(done.submitted_by, cards.guide_card(replace(told, edits=True)))])
    return Reply(cards.guide_card(replace(screen, notices=notices)))


async def send_back_guide(ctx: Context) -> Reply:
    now = ctx.services.now()
    screen, chair = await ctx.run(
        lambda uow: meeting.send_back_guide(uow, ctx.turn.actor, ctx.member, ctx.data, now)
    )
    if chair is not None:
        # The card shows the approver's note ("Sent back because") above the draft.
        back = replace(
            screen,
            notices=(f"{ctx.member.display_name} sent the briefing back to you to edit.",),
            edits=True,
            approves=False,
        )
        await send_cards(ctx, [(chair, cards.guide_card(back))])
    return Reply(cards.guide_card(screen))


async def revise_guide(ctx: Context) -> Reply:
    now = ctx.services.now()
    screen = await ctx.run(
        lambda uow: meeting.revise_guide(uow, ctx.turn.actor, ctx.member, ctx.data, now)
    )
    return Reply(cards.guide_card(screen))


async def export_guide(ctx: Context) -> Reply:
    today = ctx.services.today()
    screen = await ctx.run(
        lambda uow: meeting.guide_screen(
            uow, ctx.turn.actor, ctx.member, ctx.data.get("review_id"), where=ctx.turn.address
        )
    )
    fmt = ctx.data.get("format", "docx")
    if fmt not in ("docx", "pdf"):
        raise InvalidInput("The 7-minute briefing comes as docx (Word) or pdf.")
    latest = screen.guide.latest
    # The published version when there is one (a revision in draft stays with the chair).
    parts = latest.parts if latest else screen.guide.parts
    # A published version fitted the page when it was sent for approval: its readers always
    # get it (one approved before that check prints as it is, over two pages if it must).
    overlong = None if latest else too_long_for_one_page(parts)
    if overlong:
        raise InvalidInput(overlong)
    head = Letterhead(
        "7-minute briefing",
        await files.partnership_name(ctx),
        screen.review.reference,
        screen.review.pseudonym,
        today,
        draft=latest is None,
    )
    approval = version_line(
        latest.version if latest else 0,
        latest.approved_at.date() if latest else None,
        latest.approver if latest else None,
    )
    # Box 7's lines whose due date changed since they were written: marked as on the cards.
    changes = screen.published_changes if latest else screen.draft_changes
    content = await asyncio.to_thread(_guide_docx, head, parts, approval, changes)
    if fmt == "pdf":
        content = await files.as_pdf(content)
    return await files.deliver(
        ctx,
        files.Document(
            "guide" if fmt == "docx" else "guide_pdf",
            f"{screen.review.reference}-7-minute-briefing.{fmt}",
            content,
            f"the 7-minute briefing for {screen.review.reference}"
            + (" (PDF)" if fmt == "pdf" else ""),
            ("Back to the briefing", verbs.GUIDE, {"review_id": screen.review.id}),
        ),
    )


def _guide_docx(
    head: Letterhead, parts: Sequence[str], approval: str, changes: Sequence[DueDateChange]
) -> bytes:
    from exports import documents  # on a thread, loaded when first needed (_pack_document)

    return documents.guide_docx(
        head.reference,
        head.pseudonym,
        parts,
        head.generated_on,
        partnership=head.partnership,
        draft=head.draft,
        approval=approval,
        changes=changes,
    )


async def usage_form(ctx: Context) -> Reply:
    review, _ = await ctx.run(
        lambda uow: meeting.published_briefing(
            uow, ctx.member, ctx.data.get("review_id"), ctx.turn.address
        )
    )
    return Reply(cards.usage_form_card(review, ctx.services.today().isoformat()))


async def save_usage(ctx: Context) -> Reply:
    today = ctx.services.today()
    where = ctx.turn.address

    def work(uow: SqlUnitOfWork) -> dict[str, Any]:
        try:
            screen = meeting.record_usage(uow, ctx.turn.actor, ctx.member, ctx.data, today, where)
        except FormInvalid as refused:
            # A flagged identifier, or a field refused (a future date, no staff): the form
            # again, with what was typed and why under each field. Nothing was recorded.
            review, _ = meeting.published_briefing(
                uow, ctx.member, ctx.data.get("review_id"), where
            )
            typed = {k: v for k, v in ctx.data.items() if isinstance(v, str)}
            warned = refused.warnings if isinstance(refused, IdentifiersToConfirm) else None
            return cards.usage_form_card(
                review,
                today.isoformat(),
                errors=refused.errors,  # beside any warnings: every problem at once
                values=typed,
                warnings=warned,
            )
        return cards.guide_card(screen)

    return Reply(await ctx.run(work))


async def register_channel(ctx: Context) -> Reply:
    purpose = ctx.argument.strip()
    names = (None, None)
    chosen = await ctx.run(
        lambda uow: meeting.register_channel(
            uow, ctx.turn.actor, ctx.member, ctx.turn.address, purpose, names
        )
    )
    label = "LIC group" if chosen.value == "lic" else "partnership"
    return Reply(
        info_card("Channel registered", f"This channel is now the {label} channel: I'll post here.")
    )


def _has_people_picker(ctx: Context) -> bool:
    # Teams has one; the Agents Playground (local mode) swaps in a fake directory instead.
    return not ctx.services.settings.local_mode
