"""Manager summaries, the dashboard, the overdue list and exports (issue 6): thin handlers over
domain/summaries.py; files are built off the event loop and delivered by bot/files.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot import files
from bot.router import Context, Reply, Router
from cards import summaries as cards
from cards import verbs
from cards.common import OPENS_BESIDE
from domain import board_report, phrasing, summaries
from domain.errors import InvalidInput
from domain.lifecycle import may_manage
from domain.model import Role
from domain.summaries import ANY_ROLE
from domain.wording import counted
from storage.repositories import SqlUnitOfWork

ALL_WORDS = frozenset({"", "all", "everything", "partnership", "every review"})


def register(router: Router) -> None:
    router.command(
        "summary",
        "A review at a glance: stage, clocks, returns, learning, action items by RAG, impact.",
        roles=ANY_ROLE,
        example="summary LOS-2026-004",
    )(summary_command)
    router.command(
        "dashboard",
        "The partnership view: reviews by stage, actions by agency, overdue items, themes.",
        roles=ANY_ROLE,
        example="dashboard police 2026-Q3",
    )(dashboard_command)
    router.command(
        "overdue",
        "Overdue action items, oldest first, with owners and chasers sent.",
        roles=ANY_ROLE,
        example="overdue police",
    )(overdue_command)
    router.command(
        "export",
        "The LIC action tracker (Excel or CSV) or a review summary (Word).",
        roles=ANY_ROLE,
        example="export LOS-2026-004 csv",
    )(export_command)
    router.command(
        "report",
        "The quarterly partnership board report (Word or PDF), reviews counted by meeting date.",
        roles=board_report.REPORT_ROLES,
        example="report 2026-Q4",
    )(report_command)
    router.verb(verbs.REPORT)(show_report)
    router.verb(verbs.REPORT_EXPORT)(export_report)
    router.verb(verbs.SUMMARY)(show_summary)
    router.verb(verbs.DASHBOARD)(show_dashboard)
    router.verb(verbs.OVERDUE)(show_overdue)
    router.verb(verbs.EXPORT)(export_file)


# --- the review summary ------------------------------------------------------------------------


async def summary_command(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> Reply:
        match = summaries.resolve_review(uow, ctx.member, ctx.argument)
        if match.found is None:
            return _did_you_mean(ctx.argument, match, verbs.SUMMARY, {})
        summary = summaries.review_summary(uow, ctx.turn.actor, ctx.member, match.found.id, today)
        return Reply(cards.summary_card(summary, manage=may_manage(ctx.member, summary.review)))

    return await ctx.run(work)


async def show_summary(ctx: Context) -> Reply:
    today = ctx.services.today()
    page = _int(ctx.data.get("page")) or 1
    summary = await ctx.run(
        lambda uow: summaries.review_summary(
            uow, ctx.turn.actor, ctx.member, _int(ctx.data.get("review_id")), today
        )
    )
    manage = may_manage(ctx.member, summary.review)
    card = cards.summary_card(summary, page, manage=manage)
    if ctx.data.get(OPENS_BESIDE):
        # The card clicked stays; the summary comes below it (in a personal chat only:
        # bot/core.py `beside` decides that for every button so marked).
        return Reply(card, aside=f"The summary of {summary.review.reference} is below.")
    return Reply(card)


def _did_you_mean(
    question: str, match: phrasing.ReviewMatch, verb: str, extra: dict[str, Any]
) -> Reply:
    choices = [
        (f"{c.reference} · {c.pseudonym}", verb, {"review_id": c.id, **extra})
        for c in match.candidates
    ]
    return Reply(cards.did_you_mean_card(question, choices, verbs.REVIEWS, match.fit))


# --- the dashboard and the overdue list --------------------------------------------------------


async def dashboard_command(ctx: Context) -> Reply:
    today = ctx.services.today()
    period, rest = phrasing.take_period(ctx.argument, today)

    def work(uow: SqlUnitOfWork) -> Reply:
        agency = _agency_from_text(uow, ctx, rest, extra=_period_data(period))
        if isinstance(agency, Reply):
            return agency
        board = summaries.dashboard(uow, ctx.turn.actor, ctx.member, agency, period, today)
        return Reply(cards.dashboard_card(board, today, manage=ctx.member.has(Role.ADMIN)))

    return await ctx.run(work)


async def show_dashboard(ctx: Context) -> Reply:
    today = ctx.services.today()
    period = phrasing.period_from_key(ctx.data.get("period"), today)
    agency = _agency_from_data(ctx.data.get("agency"))
    board = await ctx.run(
        lambda uow: summaries.dashboard(uow, ctx.turn.actor, ctx.member, agency, period, today)
    )
    return Reply(cards.dashboard_card(board, today, manage=ctx.member.has(Role.ADMIN)))


async def overdue_command(ctx: Context) -> Reply:
    today = ctx.services.today()

    def work(uow: SqlUnitOfWork) -> Reply:
        # A review named by pseudonym or reference ("overdue stuff for child k", walk10), with
        # the period and agency typed beside it (summaries.read_overdue); otherwise an agency.
        ask = summaries.read_overdue(uow, ctx.member, ctx.argument, today)
        period = _period_data(ask.period)
        if ask.review is not None and ask.review.found is None:
            return _did_you_mean(ctx.argument, ask.review, verbs.OVERDUE, period)
        if ask.review is not None and ask.review.found is not None and ask.agency_choice:
            return _which_agency(
                ask.agency_words,
                ask.agency_choice,
                verbs.OVERDUE,
                {"review_id": ask.review.found.id, **period},
            )
        if ask.review is not None and ask.review.found is not None:
            agency_id = ask.agency[0] if ask.agency else None
            listing = summaries.overdue_list(
                uow,
                ctx.turn.actor,
                ctx.member,
                agency_id,
                1,
                today,
                review_id=ask.review.found.id,
                period=ask.period,
            )
            return Reply(cards.overdue_card(listing, asked=ctx.argument, unread=ask.unread))
        agency = _agency_from_text(uow, ctx, ask.agency_words, verbs.OVERDUE, period)
        if isinstance(agency, Reply):
            return agency
        listing = summaries.overdue_list(
            uow, ctx.turn.actor, ctx.member, agency, 1, today, period=ask.period
        )
        asked = ctx.argument if agency or ask.period else ""
        return Reply(cards.overdue_card(listing, asked=asked))

    return await ctx.run(work)


async def show_overdue(ctx: Context) -> Reply:
    today = ctx.services.today()
    agency = _agency_from_data(ctx.data.get("agency"))
    page = _int(ctx.data.get("page")) or 1
    review = ctx.data.get("review_id")
    period = phrasing.period_from_key(ctx.data.get("period"), today)
    listing = await ctx.run(
        lambda uow: summaries.overdue_list(
            uow, ctx.turn.actor, ctx.member, agency, page, today, review_id=review, period=period
        )
    )
    return Reply(cards.overdue_card(listing))


def _agency_from_text(
    uow: SqlUnitOfWork,
    ctx: Context,
    text: str,
    verb: str = verbs.DASHBOARD,
    extra: dict[str, Any] | None = None,
) -> int | Reply | None:
    """The agency a typed filter names; a "did you mean" card when several could be meant,
    each choice carrying `extra` (the period typed beside it), as a review's choices do."""
    if not text.strip():
        return None
    agencies = uow.summaries.agencies(ctx.member.partnership_id)
    match = phrasing.match_agency(text, agencies)
    if match.found is not None:
        return match.found[0]
    if match.candidates:
        return _which_agency(text, match, verb, extra or {})
    names = ", ".join(name for _, name, _ in agencies) or "none yet"
    raise InvalidInput(
        f"I don't know {_what_named(verb)} called {phrasing.said_back(text)}. "
        f"Agencies: {names}. "
        f"{_named_like(verb)}"
    )


def _which_agency(
    typed: str, match: phrasing.AgencyMatch, verb: str, extra: dict[str, Any]
) -> Reply:
    """Which agency was meant, each choice (and "All agencies") carrying `extra`: the period,
    and the review when one was named beside the agency."""
    choices = [(name, verb, {"agency": str(i), **extra}) for i, name in match.candidates]
    return Reply(cards.did_you_mean_card(typed, choices, verb, match.fit, "agency", extra))


def _period_data(period: phrasing.Period | None) -> dict[str, Any]:
    """A typed period as a button's data carries it (`phrasing.period_from_key` reads it)."""
    return {"period": period.key} if period else {}


def _what_named(verb: str) -> str:
    return "a review, agency or period" if verb == verbs.OVERDUE else "an agency or period"


def _named_like(verb: str) -> str:
    periods = summaries.PERIODS_LOOK_LIKE
    if verb == verbs.OVERDUE:
        return f"Reviews look like LOS-2026-004 or Child K. {periods}"
    return periods


def _agency_from_data(raw: object) -> int | None:
    return _int(raw)


def _int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if (
        isinstance(raw, str)
        and raw.strip().isascii()
        and raw.strip().isdigit()
        and len(raw.strip()) < 12
    ):
        return int(raw.strip())
    return None


# --- exports -----------------------------------------------------------------------------------


async def export_command(ctx: Context) -> Reply:
    what, fmt = phrasing.export_format(ctx.argument)
    if what in ALL_WORDS:
        return await _export(ctx, None, None, fmt)

    def work(uow: SqlUnitOfWork) -> phrasing.ReviewMatch:
        return summaries.resolve_review(uow, ctx.member, what)

    match = await ctx.run(work)
    if match.found is None:
        return _did_you_mean(what, match, verbs.EXPORT, {"format": fmt})
    return await _export(ctx, match.found.id, None, fmt)


async def export_file(ctx: Context) -> Reply:
    fmt = ctx.data.get("format")
    review_id = _int(ctx.data.get("review_id"))
    agency = _agency_from_data(ctx.data.get("agency"))
    return await _export(ctx, review_id, agency, fmt if isinstance(fmt, str) else "xlsx")


async def _export(ctx: Context, review_id: int | None, agency: int | None, fmt: str) -> Reply:
    today = ctx.services.today()
    asked = phrasing.unknown_format(fmt)
    if asked is not None:
        raise InvalidInput(
            f"I can't make “{asked}” files. I can export {phrasing.FORMATS_SENTENCE}: "
            f"try export LOS-2026-004 pdf."
        )
    if fmt in ("docx", "pdf"):
        if review_id is None:
            raise InvalidInput(
                f"The {'Word' if fmt == 'docx' else 'PDF'} summary is written per review: "
                f"try export LOS-2026-004 {fmt}."
            )
        return await _export_summary(ctx, review_id, fmt)

    built = await ctx.run(lambda uow: summaries.tracker(uow, ctx.member, review_id, agency, today))
    stem = _stem(built.title, today)
    if fmt == "csv":
        content = await asyncio.to_thread(_tracker, "csv", built)
        document = files.Document(
            "tracker_csv", f"{stem}.csv", content, f"the action tracker ({len(built.lines)} rows)"
        )
    else:
        content = await asyncio.to_thread(_tracker, "xlsx", built)
        document = files.Document(
            "tracker_xlsx",
            f"{stem}.xlsx",
            content,
            f"the action tracker ({counted(len(built.lines), 'row')}, with charts)",
        )
    return await files.deliver(ctx, document)


async def _export_summary(ctx: Context, review_id: int, fmt: str) -> Reply:
    today = ctx.services.today()

    def work(
        uow: SqlUnitOfWork,
    ) -> tuple[summaries.ReviewSummary, tuple[summaries.ThemeTrend, ...]]:
        summary = summaries.review_summary(
            uow, ctx.turn.actor, ctx.member, review_id, today, audit_action="summary.exported"
        )
        return summary, summaries.themes_for_summary(uow, ctx.member, summary, today)

    summary, themes = await ctx.run(work)
    name = await files.partnership_name(ctx)
    content = await asyncio.to_thread(_summary_docx, summary, themes, today, name)
    if fmt == "pdf":
        content = await files.as_pdf(content)
    reference = summary.review.reference
    return await files.deliver(
        ctx,
        files.Document(
            "review_summary" if fmt == "docx" else "review_summary_pdf",
            f"{reference}-summary.{fmt}",
            content,
            f"the summary of {reference}" + (" (PDF)" if fmt == "pdf" else ""),
        ),
    )


# --- the quarterly board report --------------------------------------------------------------


async def report_command(ctx: Context) -> Reply:
    return await _report(ctx, ctx.argument)


async def show_report(ctx: Context) -> Reply:
    quarter = ctx.data.get("quarter")
    return await _report(ctx, quarter if isinstance(quarter, str) else "")


async def _report(ctx: Context, text: str) -> Reply:
    today = ctx.services.today()
    report = await ctx.run(
        lambda uow: board_report.board_report(uow, ctx.turn.actor, ctx.member, text, today)
    )
    return Reply(cards.board_report_card(report))


async def export_report(ctx: Context) -> Reply:
    today = ctx.services.today()
    fmt = ctx.data.get("format", "docx")
    if fmt not in ("docx", "pdf"):
        raise InvalidInput("The board report comes as docx (Word) or pdf.")
    quarter = ctx.data.get("quarter")
    text = quarter if isinstance(quarter, str) else ""
    report = await ctx.run(
        lambda uow: board_report.board_report(uow, ctx.turn.actor, ctx.member, text, today)
    )
    name = await files.partnership_name(ctx)
    content = await asyncio.to_thread(_report_docx, report, today, name)
    if fmt == "pdf":
        content = await files.as_pdf(content)
    return await files.deliver(
        ctx,
        files.Document(
            "board_report" if fmt == "docx" else "board_report_pdf",
            f"board-report-{report.period.key}.{fmt}",
            content,
            f"the board report for {report.period.label}" + (" (PDF)" if fmt == "pdf" else ""),
            # As the pack's and the briefing's files do: the report's card, for its other format.
            ("Back to the report", verbs.REPORT, {"quarter": report.period.key}),
        ),
    )


def _report_docx(report: board_report.BoardReport, today: date, partnership: str) -> bytes:
    from exports import board_report as builder  # on a thread, imported when first needed

    return builder.board_report_docx(report, today, partnership=partnership)


def _tracker(fmt: str, built: summaries.Tracker) -> bytes:
    from exports import tracker  # on a thread, imported when first needed (see meeting.py)

    return tracker.tracker_csv(built) if fmt == "csv" else tracker.tracker_xlsx(built)


def _summary_docx(
    summary: summaries.ReviewSummary,
    themes: Sequence[summaries.ThemeTrend],
    today: date,
    partnership: str,
) -> bytes:
    from exports import summary_doc  # on a thread, imported when first needed (meeting.py)

    return summary_doc.summary_docx(summary, themes, today, partnership=partnership)


def _stem(title: str, today: Any) -> str:
    # "Action tracker · LOS-2026-004 · Child K" -> "LOS-2026-004-action-tracker"
    parts = [p.strip() for p in title.split("·")]
    if len(parts) > 1 and parts[1].startswith("LOS-"):
        return f"{parts[1]}-action-tracker"
    return f"partnership-action-tracker-{today:%Y-%m-%d}"
