"""Cards for managers: the review summary, the partnership dashboard, the overdue list and
"did you mean". Every card fits Teams' size limit: long lists are paged, and a card that would
still be too big is rebuilt with fewer, shorter rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Final

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.common import (
    OPENS_BESIDE,
    Card,
    build,
    button,
    choice_input,
    facts,
    header,
    markdown,
    paragraph,
    rag_why_lines,
    sent_size,
    tinted,
    user_text,
)
from cards.reviews import STAGE_LABELS
from cards.validation import TEAMS_CARD_LIMIT_BYTES
from domain.action_history import latest_words
from domain.action_state import STATUS_ORDER, status_reason, status_words
from domain.board_report import BoardReport, DeliveredOnTime
from domain.chair_cover import ChairGap, Cover
from domain.chasers import Rag
from domain.model import ActionStatus
from domain.pack import WITHOUT_RETURN, decision_label
from domain.phrasing import (
    NONE_OF_THESE,
    Fit,
    Period,
    quarter,
    said_back,
    which_one,
    year_period,
)
from domain.return_state import return_status_label
from domain.summaries import (
    DASHBOARD_BASIS,
    SPLIT_NAME,
    Access,
    Dashboard,
    LateItem,
    OverdueList,
    RatedAction,
    ReviewSummary,
    ScopeKind,
    clock_facts,
    guide_line,
    overdue_read_as,
    rag_line,
    short_date,
    theme_counts_text,
    theme_quarters_text,
    unread_words,
    working_days_text,
)
from domain.wording import counted, one_line, shortened

# Each rating's word on a tint of its colour (cards/common.py `tinted`): `warning` and `good`
# text is too faint to read on white.
RAG_LABELS: Final[Mapping[Rag | None, tuple[str, ty.ContainerStyle]]] = {
    Rag.RED: ("Red", ty.ContainerStyle.ATTENTION),
    Rag.AMBER: ("Amber", ty.ContainerStyle.WARNING),
    Rag.GREEN: ("Green", ty.ContainerStyle.GOOD),
    Rag.BLUE: ("Blue", ty.ContainerStyle.ACCENT),
    None: ("Cancelled", ty.ContainerStyle.DEFAULT),
}
SCOPE_LABELS: Final = {
    ScopeKind.PARTNERSHIP: "Whole partnership",
    ScopeKind.AGENCY: "Reviews involving your agency",
    ScopeKind.OWN: "Your own action items",
}
# Page sizes and text lengths tried in turn until the card fits.
_LAYOUTS: Final = ((12, 110, 90), (8, 90, 60), (6, 60, 0), (4, 40, 0), (2, 30, 0))


def _cut(text: str | None, limit: int) -> str:
    return shortened(one_line(text), limit)


def _fitted(render: Callable[[int, int, int], Card]) -> Card:
    """The first layout whose card fits Teams' limit; the smallest one otherwise."""
    card: Card = {}
    for layout in _LAYOUTS:
        card = render(*layout)
        if sent_size(card) <= TEAMS_CARD_LIMIT_BYTES:
            return card
    return card


def _section(title: str) -> ac.TextBlock:
    return ac.TextBlock(text=title, weight=ty.FontWeight.BOLDER, separator=True, wrap=True)


# --- a chair who left with nobody to act for them (domain/chair_cover.py) --------------------

# How many such reviews the dashboard shows, each with its button.
CHAIR_GAPS_SHOWN: Final = 3
# Past those, the rest are named by reference, at most this many (a card has a size limit).
CHAIR_GAPS_NAMED: Final = 20


def chair_gap_words(gap: ChairGap, manage: bool) -> str:
    """What a review whose chair left with no deputy chair who can act for them says, and the
    way on: `manage`, the viewer is an admin, offered the review's Manage card (where the
    deputy chair is named); anyone else is told who can. Nothing changes a review's chair: a
    deputy chair has all the chair's controls."""
    deputy = (
        "the review's deputy chair's access ended too"
        if gap.deputy_left
        else "the review has no deputy chair"
    )
    left = f"The chair, {gap.chair_name}, no longer has access to Line of Sight and {deputy}"
    if gap.cover is Cover.NOBODY:
        return (
            f"{left}, and the partnership has no admin: reminders, escalations and date "
            "requests meant for the chair reach nobody. Ask "
            "whoever runs Line of Sight to make someone an admin (the ADMIN_AAD_IDS setting); "
            f"they can then name a deputy chair (manage {gap.reference}), who has the chair's "
            "controls."
        )
    way_on = (
        "Name a deputy chair (Manage, then Deputy chair): they then have the chair's controls "
        "and get these instead."
        if manage
        else f"An admin can name a deputy chair (manage {gap.reference}), who then has the "
        "chair's controls and gets these instead."
    )
    return (
        f"{left}: reminders, escalations and date requests meant for the chair go to the "
        f"partnership's admins. {way_on}"
    )


def chair_gap_title(gap: ChairGap) -> str:
    return (
        "Nobody can act for the chair"
        if gap.cover is Cover.NOBODY
        else "The chair's access ended: no deputy chair"
    )


def _chair_gap_button(gap: ChairGap) -> ac.ActionExecute:
    # Read-only: opens the Manage card beside the one clicked, where the deputy is named.
    data = {"review_id": gap.review_id, OPENS_BESIDE: 1}
    return button(f"Manage {gap.reference}", verbs.REVIEW_MANAGE, data)


def _chair_gap_lines(gap: ChairGap, manage: bool, named: str = "") -> list[ac.ElementAnnotated]:
    """Its title (red where nobody reads the chair's part), then the words in the card's own
    colour, so a paragraph is not read in red; `named`, the review's reference and pseudonym
    before the title (the dashboard's, not the summary's, which is the review's own)."""
    return [
        ac.TextBlock(
            text=f"{named}**{chair_gap_title(gap)}**",
            wrap=True,
            color=ty.Colors.ATTENTION if gap.cover is Cover.NOBODY else None,
        ),
        ac.TextBlock(
            text=user_text(chair_gap_words(gap, manage)), wrap=True, spacing=ty.Spacing.SMALL
        ),
    ]


def _chair_gaps_section(gaps: Sequence[ChairGap], manage: bool) -> list[ac.ElementAnnotated]:
    if not gaps:
        return []
    items: list[ac.ElementAnnotated] = [_section(f"Reviews whose chair has left ({len(gaps)})")]
    for gap in gaps[:CHAIR_GAPS_SHOWN]:
        named = f"**{gap.reference}** {user_text(gap.pseudonym)} · "
        items.extend(_chair_gap_lines(gap, manage, named))
        if manage:
            items.append(ac.ActionSet(actions=[_chair_gap_button(gap)]))
    if len(gaps) > CHAIR_GAPS_SHOWN:
        # Named, with the command that opens each: a count alone left them with no way on
        # (review12b). References only (the bot makes them), at most a card's worth.
        rest = [gap.reference for gap in gaps[CHAIR_GAPS_SHOWN:]]
        named = ", ".join(rest[:CHAIR_GAPS_NAMED]) + (
            " and others" if len(rest) > CHAIR_GAPS_NAMED else ""
        )
        command = "manage" if manage else "summary"
        items.append(
            paragraph(
                f"…and {counted(len(rest), 'more review')}: {named}. "
                f"Type {command} and a reference to open one.",
                subtle=True,
            )
        )
    return items


# --- the review summary ------------------------------------------------------------------------


def summary_card(summary: ReviewSummary, page: int = 1, *, manage: bool = False) -> Card:
    """`manage`: the viewer chairs (or deputy-chairs, or as admin runs) the review, so the
    card offers its controls."""
    return _fitted(lambda size, text, note: _summary_card(summary, page, size, text, note, manage))


def _summary_card(
    summary: ReviewSummary,
    page: int,
    page_size: int,
    text_limit: int,
    note_limit: int,
    manage: bool = False,
) -> Card:
    review = summary.review
    body: list[ac.ElementAnnotated] = [
        *header(
            f"Summary · {review.reference}",
            f"{review.pseudonym} · {STAGE_LABELS.get(review.stage.value, review.stage.value)}",
        ),
    ]
    if summary.chair_gap is not None:
        body.extend(_chair_gap_lines(summary.chair_gap, manage))
    if summary.access is Access.OWN:
        body.append(
            paragraph(
                "You're seeing your own return and action items in this review, not other "
                "agencies'.",
                subtle=True,
            )
        )
    body.append(facts(clock_facts(summary)))
    body.extend(_returns_section(summary, text_limit))
    body.extend(_learning_section(summary, text_limit))
    pages = max(1, -(-len(summary.actions) // page_size))
    page = min(max(page, 1), pages)
    body.extend(_actions_section(summary, page, pages, page_size, text_limit, note_limit, manage))
    body.extend(_impact_section(summary, text_limit))
    body.append(_section("7-minute briefing"))
    body.append(paragraph(guide_line(summary)))
    data: dict[str, Any] = {"review_id": review.id}
    body.append(
        ac.ActionSet(
            actions=[
                button("Tracker (Excel)", verbs.EXPORT, {**data, "format": "xlsx"}),
                button("Tracker (CSV)", verbs.EXPORT, {**data, "format": "csv"}),
                button("Summary (Word)", verbs.EXPORT, {**data, "format": "docx"}),
                button("Summary (PDF)", verbs.EXPORT, {**data, "format": "pdf"}),
                *([button("Manage review", verbs.REVIEW_MANAGE, data)] if manage else []),
            ]
        )
    )
    actions = []
    if page > 1:
        actions.append(button("Previous actions", verbs.SUMMARY, {**data, "page": page - 1}))
    if page < pages:
        actions.append(button("More actions", verbs.SUMMARY, {**data, "page": page + 1}))
    actions.append(button("Refresh", verbs.SUMMARY, {**data, "page": page}))
    actions.append(button("Dashboard", verbs.DASHBOARD))
    return build(body, actions)


def _returns_section(summary: ReviewSummary, text_limit: int) -> list[ac.ElementAnnotated]:
    if not summary.returns:
        return []
    items: list[ac.ElementAnnotated] = [_section("Agency returns")]
    outstanding = summary.outstanding
    shown = outstanding[:12]
    if shown:
        items.append(
            facts(
                [
                    (
                        _cut(r.agency_name, 40),
                        f"{return_status_label(r.status)} · "
                        + _cut(", ".join(r.assignees) or "nobody assigned yet", text_limit),
                    )
                    for r in shown
                ]
            )
        )
    if len(outstanding) > len(shown):
        items.append(
            paragraph(f"…and {len(outstanding) - len(shown)} more outstanding.", subtle=True)
        )
    done = [r for r in summary.returns if not r.outstanding and not r.decided]
    decided = [r for r in summary.returns if r.decided]
    if decided:
        lines = " · ".join(f"{r.agency_name}: {decision_label(r.status)}" for r in decided)
        items.append(paragraph(f"{WITHOUT_RETURN}: {_cut(lines, 4 * text_limit)}", subtle=True))
    if done:
        names = ", ".join(r.agency_name for r in done)
        items.append(paragraph(f"In ({len(done)}): {_cut(names, 4 * text_limit)}", subtle=True))
    return items


def _learning_section(summary: ReviewSummary, text_limit: int) -> list[ac.ElementAnnotated]:
    if not summary.themes and not summary.learning_needs:
        return []
    items: list[ac.ElementAnnotated] = [_section("Agreed learning")]
    if summary.themes:
        items.append(markdown("**Themes:** " + user_text(" · ".join(summary.themes))))
    for need in summary.learning_needs[:6]:
        items.append(markdown(f"- {user_text(_cut(need, 2 * text_limit))}"))
    if len(summary.learning_needs) > 6:
        items.append(
            paragraph(
                f"…and {counted(len(summary.learning_needs) - 6, 'more learning need')}.",
                subtle=True,
            )
        )
    return items


def _actions_section(
    summary: ReviewSummary,
    page: int,
    pages: int,
    page_size: int,
    text_limit: int,
    note_limit: int,
    openable: bool = False,
) -> list[ac.ElementAnnotated]:
    if not summary.actions:
        text = (
            "No action items yet: they are created when the meeting outcome is published."
            if not summary.outcome_published
            else "No action items."
        )
        return [_section("Action items"), paragraph(text, subtle=True)]
    counts = rag_line(summary.rag_counts, summary.split_count)
    title = f"Action items ({len(summary.actions)}): {counts}"
    items: list[ac.ElementAnnotated] = [_section(title)]
    if pages > 1:
        items.append(paragraph(f"Page {page} of {pages}, red first.", subtle=True))
    if openable:
        items.append(paragraph(OPEN_HINT, subtle=True))
    chunk = summary.actions[(page - 1) * page_size : page * page_size]
    items.extend(_action_row(a, text_limit, note_limit, openable) for a in chunk)
    return items


def _action_row(
    item: RatedAction, text_limit: int, note_limit: int, openable: bool = False
) -> ac.ColumnSet:
    """One item's line; for its chairs (`openable`), the line opens the item's card, where
    their controls are (reassign, amend, split, cancel): the summary is how they reach it."""
    row = item.row
    label, tint = RAG_LABELS[item.rag]
    if row.status is ActionStatus.SPLIT:
        label = SPLIT_NAME
    number = row.reference.rsplit("/", 1)[-1]
    due = short_date(row.effective_due) + (" (revised)" if row.revised_due_on else "")
    details: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text=f"**{number}** {user_text(_cut(row.description, text_limit))}", wrap=True
        ),
        ac.TextBlock(
            text=user_text(
                f"{row.owner_name or 'No owner'} · {row.agency_name or 'No agency'} · "
                f"due {due} · {status_words(row.status)}"
            ),
            wrap=True,
            is_subtle=True,
            size=ty.FontSize.SMALL,
            spacing=ty.Spacing.NONE,
        ),
    ]
    # The item card's "Why it's red" (`summaries.rate_reason`), so the two never disagree; as
    # there, not when it only repeats the status on the line above ("· blocked", walk9).
    repeats = item.reason == status_reason(row.status)
    details.extend(
        rag_why_lines(item.rag.value if item.rag else None, None if repeats else item.reason)
    )
    if note_limit and row.latest is not None:
        # The item card's latest word, by the one rule (`action_history.latest`).
        details.append(
            ac.TextBlock(
                text=user_text(f"Latest: {latest_words(row.latest, note_limit)}"),
                wrap=True,
                is_subtle=True,
                size=ty.FontSize.SMALL,
                spacing=ty.Spacing.NONE,
            )
        )
    opens = button(f"Open {number}", verbs.ACTION_VIEW, {"action_id": row.id})
    columns = [
        # Wide enough for "Amber" in bold with the tint's padding either side (the host's
        # padding, 16px in the Playground): at 60px the word broke into "Amb" and "er".
        ac.Column(width="90px", items=[tinted(label, tint)]),
        ac.Column(width="stretch", items=details),
    ]
    if openable:
        # The row opens the item, but nothing said so: Teams draws no hover on a touch screen,
        # and no pointer change on a ColumnSet. A word in the link colour at the row's end does.
        columns.append(
            ac.Column(
                width="auto",
                vertical_content_alignment=ty.VerticalAlignment.CENTER,
                items=[
                    ac.TextBlock(text=OPEN_ROW, color=ty.Colors.ACCENT, weight=ty.FontWeight.BOLDER)
                ],
            )
        )
    return ac.ColumnSet(separator=True, select_action=opens if openable else None, columns=columns)


# What ends each action item's row on the summary of a review the reader chairs: the row opens
# the item's card, where the chair's controls are.
OPEN_ROW: Final = "Open \u203a"  # "Open" and a chevron (a single right angle quote)
OPEN_HINT: Final = "Select an item to open it: reassign, amend, split or cancel it there."


def _impact_section(summary: ReviewSummary, text_limit: int) -> list[ac.ElementAnnotated]:
    picture = summary.impact_standing
    if not picture.total:
        return []
    items: list[ac.ElementAnnotated] = [_section(picture.headline)]
    if picture.decided_otherwise:
        items.append(paragraph(picture.decided_otherwise))
    for standing in picture.items[:3]:
        number = standing.line.action_reference.rsplit("/", 1)[-1]
        items.append(
            markdown(
                f"**{number}** · {standing.words} · better off: "
                + user_text(_cut(standing.line.better_off, text_limit))
            )
        )
    return items


# --- did you mean ------------------------------------------------------------------------------


def did_you_mean_card(
    question: str,
    choices: Sequence[tuple[str, str, Mapping[str, Any]]],
    fallback_verb: str,
    fit: Fit,
    noun: str = "review",
    fallback_data: Mapping[str, Any] | None = None,
) -> Card:
    """`choices` are (button title, verb, data): one button per candidate. `fit` says which
    question it is (`phrasing.which_one`): several that fit what was typed equally ("Which
    one?"), or near misses when nothing has that name ("Did you mean …?"). `fallback_verb` is
    the way on when none is meant: every review, or the same view for all agencies, with
    `fallback_data` (the period typed beside the agency, as each choice carries it)."""
    body: list[ac.ElementAnnotated] = [
        *header(_DID_YOU_MEAN_TITLES[fit], which_one(fit, question, noun)),
        paragraph("Choose one:"),
        ac.ActionSet(
            actions=[button(_cut(title, 60), verb, data) for title, verb, data in choices[:5]]
        ),
    ]
    return build(body, [button(NONE_OF_THESE[noun], fallback_verb, fallback_data)])


_DID_YOU_MEAN_TITLES: Final = {
    Fit.SEVERAL: "Which one?",
    Fit.NEAR: "Did you mean …?",
    Fit.UNNAMED: "Which review?",
}


# --- the dashboard -----------------------------------------------------------------------------


def _delivered_on_time(measure: DeliveredOnTime) -> str:
    """The card's short form of the board report's measure, saying what it counts."""
    if not measure.pending_later:
        return f"{measure.met} of {measure.counted} due"
    return (
        f"{measure.met} of {measure.counted} due so far or delivered early "
        f"({measure.pending_later} due later not counted yet)"
    )


def period_choices(today: date) -> list[tuple[str, str]]:
    periods: list[Period] = [year_period(today.year), year_period(today.year - 1)]
    this_quarter = (today.month - 1) // 3 + 1
    for year in (today.year, today.year - 1):
        top = this_quarter if year == today.year else 4
        periods.extend(quarter(year, q) for q in range(top, 0, -1))
    return [("all", "All time"), *((p.key, p.label) for p in periods)]


def dashboard_card(board: Dashboard, today: date, *, manage: bool = False) -> Card:
    """`manage`: the viewer is an admin, who may open any open review's Manage card (a review
    whose chair left is offered with it)."""
    return _fitted(lambda size, text, _note: _dashboard_card(board, today, size, text, manage))


def _dashboard_card(
    board: Dashboard, today: date, rows: int, text_limit: int, manage: bool = False
) -> Card:
    # Filtered to one agency, the header says so in place of the viewer's scope (walk9 read
    # "Whole partnership · Demo Police" as contradicting itself).
    scope = f"Reviews involving {board.agency[1]}" if board.agency else None
    context = [scope or SCOPE_LABELS[board.scope.kind]]
    context.append(board.period.label if board.period else "all time")
    body: list[ac.ElementAnnotated] = [
        *header("Partnership dashboard", " · ".join(context)),
        ac.ColumnSet(
            columns=[
                ac.Column(
                    width="stretch",
                    items=[
                        choice_input(
                            "agency",
                            "Agency",
                            [("all", "All agencies"), *((str(i), n) for i, n in board.agencies)],
                            str(board.agency[0]) if board.agency else "all",
                        )
                    ],
                ),
                ac.Column(
                    width="stretch",
                    items=[
                        choice_input(
                            "period",
                            "Period",
                            period_choices(today),
                            board.period.key if board.period else "all",
                        )
                    ],
                ),
            ]
        ),
        paragraph(DASHBOARD_BASIS, subtle=True),
        # First: the one thing on the dashboard that stalls a review unless someone acts.
        *_chair_gaps_section(board.chair_gaps, manage),
        _section(f"Reviews by stage ({board.reviews_total})"),
    ]
    if board.stages:
        body.append(facts([(STAGE_LABELS[s.value].split(":")[0], str(n)) for s, n in board.stages]))
    else:
        body.append(paragraph("No reviews match.", subtle=True))
    body.extend(_agency_section(board, 2 * rows))
    body.extend(_overdue_section(board.overdue, board.overdue_total, rows, text_limit))
    body.extend(_themes_section(board, rows))
    d = board.dissemination
    body.append(_section("Dissemination"))
    body.append(
        facts(
            [
                (
                    "7-minute briefings",
                    f"{d.guides_published} published, "
                    f"{d.guides_awaiting} awaiting approval, "
                    f"{d.guides_in_draft} in draft",
                ),
                ("Usage returns", f"{d.usage_returns} from teams, {d.staff_reached} staff reached"),
            ]
        )
    )
    filters = {"agency": str(board.agency[0]) if board.agency else "all"}
    actions = [
        button("Apply filters", verbs.DASHBOARD, primary=True),
        button("All overdue", verbs.OVERDUE, filters),
        button("Tracker (Excel)", verbs.EXPORT, {**filters, "format": "xlsx"}),
        *([button("Board report", verbs.REPORT)] if board.scope.kind is not ScopeKind.OWN else []),
    ]
    return build(body, actions)


def board_report_card(report: BoardReport) -> Card:
    """The quarter's figures, and the report to download (Word or PDF)."""
    evidenced, delivered = report.impact_evidenced
    body: list[ac.ElementAnnotated] = [
        *header(
            f"Quarterly board report · {report.period.label}",
            report.scope_note
            + ("" if report.final else f" The quarter is not over: to {short_date(report.as_of)}."),
        ),
        facts(
            [
                ("Reviews held", f"{len(report.held)} (counted by meeting date)"),
                ("Reviews opened", str(report.opened)),
                ("Impact records", report.impact_records_words),
                ("Closed with impact", f"{evidenced} of {delivered} delivered items"),
                (
                    "Returns on time",
                    f"{report.returns.on_time} of {report.returns.counted} due"
                    + (f" ({report.returns.nil} nil, not counted)" if report.returns.nil else ""),
                ),
                ("Delivered on time", _delivered_on_time(report.on_time)),
                ("Overdue now", str(len(report.overdue))),
                ("Escalated by the LIC group", str(report.lic_escalations)),
                ("Escalation reminders sent", str(report.escalations)),
            ]
        ),
    ]
    body.extend(paragraph(f"• {line}") for line in report.exceptions[:5])
    data = {"quarter": report.period.key}
    return build(
        body,
        [
            button(
                "Download (Word)", verbs.REPORT_EXPORT, {**data, "format": "docx"}, primary=True
            ),
            button("Download (PDF)", verbs.REPORT_EXPORT, {**data, "format": "pdf"}),
            button("Dashboard", verbs.DASHBOARD),
        ],
    )


def _agency_section(board: Dashboard, rows: int) -> list[ac.ElementAnnotated]:
    items: list[ac.ElementAnnotated] = [_section("Action items by agency")]
    if not board.by_agency:
        return [*items, paragraph("No action items match.", subtle=True)]
    pairs: list[ac.Fact] = []
    for agency in board.by_agency[:rows]:
        counts = " · ".join(
            f"{agency.counts[s]} {status_words(s)}" for s in STATUS_ORDER if agency.counts.get(s)
        )
        late = f" · **{agency.overdue} overdue**" if agency.overdue else ""
        # The bold "overdue" is the bot's; the agency's name is what an admin typed.
        pairs.append(ac.Fact(title=user_text(_cut(agency.agency_name, 40)), value=counts + late))
    items.append(ac.FactSet(facts=pairs))
    if len(board.by_agency) > rows:
        items.append(paragraph(f"…and {len(board.by_agency) - rows} more agencies.", subtle=True))
    return items


def _late_line(item: LateItem, text_limit: int) -> ac.TextBlock:
    row = item.row
    chased = item.chase_words
    late = working_days_text(item.working_days_late)
    # A blocked or escalated item's words start with its status (`late_chase_text`).
    return ac.TextBlock(
        text=f"**{row.reference}** {user_text(_cut(row.description, text_limit // 2))}  \n"
        + user_text(
            f"{row.owner_name or 'No owner'} ({row.agency_name or 'no agency'}) · due "
            f"{short_date(row.due_on)} · {late} late · {chased}"
        ),
        wrap=True,
        color=ty.Colors.ATTENTION if item.working_days_late > 10 else None,
        spacing=ty.Spacing.SMALL,
    )


def _overdue_section(
    overdue: Sequence[LateItem], total: int, rows: int, text_limit: int
) -> list[ac.ElementAnnotated]:
    items: list[ac.ElementAnnotated] = [_section(f"Overdue action items ({total}), oldest first")]
    if not overdue:
        return [*items, paragraph("Nothing is overdue.", subtle=True)]
    items.extend(_late_line(item, text_limit) for item in overdue[:rows])
    if total > min(rows, len(overdue)):
        items.append(paragraph("Choose All overdue to see the rest.", subtle=True))
    return items


def _themes_section(board: Dashboard, rows: int) -> list[ac.ElementAnnotated]:
    title = f"Themes in {board.theme_period.label}: reviews that agreed each, action items on each"
    items: list[ac.ElementAnnotated] = [_section(title)]
    if not board.themes:
        return [*items, paragraph("No themes agreed in this period.", subtle=True)]
    pairs = [
        (
            _cut(trend.label, 45),
            f"{theme_counts_text(trend)} · {theme_quarters_text(trend, 'reviews')}",
        )
        for trend in board.themes[:rows]
    ]
    items.append(facts(pairs))
    return items


# --- the overdue list --------------------------------------------------------------------------


def overdue_card(listing: OverdueList, asked: str = "", unread: str = "") -> Card:
    """`asked`: the words typed, when the list is filtered by them: the card says how it read
    them (walk10: "the overdue stuff for child k" was read as an agency called "stuff child
    k", and nothing said so); `unread`: words typed beside a review that named nothing, said
    not to be used (docs12: a period typed with a review was dropped unsaid)."""
    return _fitted(lambda _size, text, _note: _overdue_card(listing, text, asked, unread))


def _overdue_card(listing: OverdueList, text_limit: int, asked: str = "", unread: str = "") -> Card:
    if listing.review:
        context = listing.review[1]
    elif listing.agency:
        context = f"Reviews involving {listing.agency[1]}"
    else:
        context = SCOPE_LABELS[listing.scope.kind]
    if listing.period:
        context += f" · agreed in {listing.period.label}"
    body: list[ac.ElementAnnotated] = [
        *header(f"Overdue action items ({listing.total})", context),
    ]
    read = overdue_read_as(listing)
    if asked.strip() and read:
        body.append(paragraph(f"I read {said_back(asked, 60)} as {read}.", subtle=True))
    if unread.strip():
        body.append(paragraph(unread_words(unread), subtle=True))
    if not listing.items:
        body.append(paragraph("Nothing is overdue." if listing.total == 0 else "No more items."))
    else:
        body.append(
            paragraph(f"Oldest first · page {listing.page} of {listing.pages}", subtle=True)
        )
        body.extend(_late_line(item, text_limit * 2) for item in listing.items)
    data: dict[str, Any] = {"agency": str(listing.agency[0]) if listing.agency else "all"}
    if listing.period:
        data["period"] = listing.period.key
    # The pages stay on the review named; the dashboard is the partnership's.
    paged = {**data, "review_id": listing.review[0]} if listing.review else data
    actions = []
    if listing.page > 1:
        actions.append(button("Previous", verbs.OVERDUE, {**paged, "page": listing.page - 1}))
    if listing.page < listing.pages:
        actions.append(button("Next", verbs.OVERDUE, {**paged, "page": listing.page + 1}))
    actions.append(button("Dashboard", verbs.DASHBOARD, data))
    return build(body, actions)
