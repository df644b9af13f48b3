"""Cards for the meeting pack, the outcome, action items, and the 7-minute briefing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.common import (
    Card,
    build,
    button,
    choice_input,
    date_input,
    error_line,
    facts,
    field_error_line,
    fits_teams,
    friendly_date,
    header,
    identifier_warning,
    limited,
    markdown,
    most_that_fits,
    notice_lines,
    paragraph,
    revised,
    sent_size,
    show_form,
    text_input,
    user_text,
    warning_line,
    with_people_picker,
)
from cards.validation import TEAMS_CARD_LIMIT_BYTES
from domain.chronology import describe_date
from domain.guide import (
    BOX_FITS,
    BOX_LINES,
    PART_MAX,
    PART_STORED_MAX,
    PART_TITLES,
    REFLECTIONS_MAX,
    SEND_BACK_NOTE_MAX,
    STAFF_COUNT_MESSAGE,
    STAFF_RANGE,
    TEAM_MAX,
    USED_ON_FUTURE,
    DueDateChange,
    GuideState,
    corrections_legend,
    empty_box_note,
    empty_boxes,
    empty_boxes_message,
    overfull_box_note,
    overfull_boxes,
    too_long_for_one_page,
    with_corrections,
)
from domain.identifier_checks import is_confirmed
from domain.meeting import (
    ACTION_KEY,
    ActionFormScreen,
    GuideScreen,
    OutcomeScreen,
    PublishedReach,
    guide_revision,
    published_lines,
)
from domain.model import small_int
from domain.outcome import ATTENDEES_MAX, DESCRIPTION_MAX, FINDING_MAX, MEASURE_MAX
from domain.pack import WITHOUT_RETURN, MeetingPack, ThemedLearning
from domain.questions import default_themes
from domain.records import ActionView, GuideVersion, ReviewView
from domain.wording import counted, one_line, shortened

PACK_PAGE = 12


def _theme_labels() -> dict[str, str]:
    return {t.slug: t.label for t in default_themes()}


def pack_card(review: ReviewView, built: MeetingPack, page: int) -> Card:
    pages = max(1, -(-len(built.entries) // PACK_PAGE))
    page = min(max(page, 1), pages)
    body: list[ac.ElementAnnotated] = [
        *header(
            f"Meeting pack · {review.reference}",
            f"{review.pseudonym} · {counted(len(built.included), 'agency return')}",
        ),
        facts(
            [
                ("Returns included", ", ".join(built.included) or "None"),
                (
                    "Not yet submitted",
                    ", ".join(
                        f"{a} (overdue)" if a in built.overdue else a for a in built.outstanding
                    )
                    or "None",
                ),
                # A nil return is its lead's confirmation, not the chair's decision: the line
                # itself says whose word it was.
                *((WITHOUT_RETURN, line) for line in built.decisions),
                (
                    "Chronology",
                    f"{counted(len(built.entries), 'entry')}, "
                    f"{counted(built.duplicate_count, 'possible duplicate group')}, "
                    f"{counted(len(built.gaps), 'gap')}",
                ),
            ]
        ),
    ]
    top = body
    body = []
    body.append(
        ac.TextBlock(
            text=f"Combined chronology · page {page} of {pages}",
            weight=ty.FontWeight.BOLDER,
            separator=True,
        )
    )
    for item in built.entries[(page - 1) * PACK_PAGE : page * PACK_PAGE]:
        flag = f" · ‡ possible duplicate {item.duplicate_group}" if item.duplicate_group else ""
        body.append(
            ac.TextBlock(
                text=f"**{describe_date(item.entry)} · {user_text(item.agency)}**{flag}",
                wrap=True,
                spacing=ty.Spacing.SMALL,
            )
        )
        body.append(
            ac.TextBlock(
                text=user_text(shortened(item.entry.event, 300)),
                wrap=True,
                spacing=ty.Spacing.NONE,
                size=ty.FontSize.SMALL,
            )
        )
    body.extend(
        paragraph(
            f"Gap: no agency contact {friendly_date(g.start)} to {friendly_date(g.end)} "
            f"({g.days} days).",
            subtle=True,
        )
        for g in built.gaps[:5]
    )
    data = {"review_id": review.id}
    actions = [
        button("Download pack (Word)", verbs.PACK_EXPORT, {**data, "format": "docx"}),
        button("Download pack (PDF)", verbs.PACK_EXPORT, {**data, "format": "pdf"}),
        button("Download chronology (CSV)", verbs.PACK_EXPORT, {**data, "format": "csv"}),
    ]
    if page > 1:
        actions.append(button("Previous page", verbs.PACK, {**data, "page": page - 1}))
    if page < pages:
        actions.append(button("Next page", verbs.PACK, {**data, "page": page + 1}))
    actions.append(button("Record the outcome", verbs.OUTCOME, data, primary=True))
    if page > 1:
        return build(top + body, actions)
    return build(
        top
        + _theme_summary(built, review.id, lambda learning: build(top + learning + body, actions))
        + body,
        actions,
    )


# How long each agency's point reads on the pack card, longest first: the card is drawn with
# the longest that keeps it inside Teams' size limit (the Word and PDF packs have every word).
POINT_LENGTHS = (300, 150, 90)


def _theme_summary(
    built: MeetingPack, review_id: int, draw: Callable[[list[ac.ElementAnnotated]], Card]
) -> list[ac.ElementAnnotated]:
    """The themes table and every agency's learning under each theme, as long as the card
    fits; when even the shortest lines do not, the last points are left off with a line
    saying how many and whose, and a button that shows that theme's learning on its own."""
    named = [
        (row.label, f"{counted(len(row.agencies), 'agency')}: {', '.join(row.agencies)}")
        for row in built.themes
    ]
    # Many agencies with long names: the table says how many, the chronology says who.
    bare = [(row.label, counted(len(row.agencies), "agency")) for row in built.themes]
    heading = ac.TextBlock(
        text="Themes across agencies", weight=ty.FontWeight.BOLDER, separator=True
    )

    def fits(items: list[ac.ElementAnnotated]) -> bool:
        return fits_teams(draw(items))

    table: list[ac.ElementAnnotated] = []
    for rows in (named, bare):
        table = [
            heading,
            facts(rows) if rows else paragraph("No themes tagged yet.", subtle=True),
        ]
        if not built.learning:
            return table
        fitted = _most_learning(table, built.learning, review_id, fits)
        if fitted is not None:
            return fitted
    # Not even the headings fit beside the table: each theme's learning on its own card,
    # measured too (review12b: this last try was returned unmeasured).
    buttons = [_theme_button(group, index, review_id) for index, group in enumerate(built.learning)]
    note = paragraph(
        "What the agencies said is too long for this card: each theme's opens on its own.",
        subtle=True,
    )
    for fallback in ([*table, note, ac.ActionSet(actions=buttons)], [*table, note]):
        if fits(fallback):
            return fallback
    return table


def _most_learning(
    table: list[ac.ElementAnnotated],
    groups: Sequence[ThemedLearning],
    review_id: int,
    fits: Callable[[list[ac.ElementAnnotated]], bool],
) -> list[ac.ElementAnnotated] | None:
    """The table and the learning under it: the most points each heading keeps at the
    shortest length (found by halving: each draw measures a whole card, review12b), at the
    longest length they fit at; None when not even the headings fit."""
    shortest = POINT_LENGTHS[-1]

    def drawn(length: int, kept: int) -> list[ac.ElementAnnotated]:
        return table + _learning(groups, review_id, length, kept)

    if not fits(drawn(shortest, 0)):
        return None
    most = max(len(p) for g in groups for p in (g.worked_well, g.could_differ))
    kept = most_that_fits(most, lambda count: fits(drawn(shortest, count)))
    for length in POINT_LENGTHS:
        items = drawn(length, kept)
        if fits(items):
            return items
    return drawn(shortest, kept)  # fits: `kept` was found at this length


def _theme_button(group: ThemedLearning, index: int, review_id: int) -> ac.ActionExecute:
    """Opens the theme's learning on its own card (`pack_learning_card`)."""
    return button(
        f"All the learning on {shortened(group.theme, 40)}",
        verbs.PACK,
        {"review_id": review_id, "theme": index + 1},
    )


def _learning(
    groups: Sequence[ThemedLearning], review_id: int | None, length: int, kept: int
) -> list[ac.ElementAnnotated]:
    """Each theme's learning: a heading set apart from the themes table above it (it read as
    a repeated row), then a line per agency under "Worked well" and "Could have been
    different", at most `kept` of each with "and N more from ..." (and a button to them)."""
    items: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text="What the agencies said, by theme",
            weight=ty.FontWeight.BOLDER,
            separator=True,
        )
    ]
    for index, group in enumerate(groups):
        items.append(markdown(f"**Theme: {user_text(group.theme)}**"))
        left: list[str] = []
        for heading, points in (
            ("Worked well", group.worked_well),
            ("Could have been different", group.could_differ),
        ):
            # A line per agency: joined with ";", the answers' own full stops read ".;".
            lines = [
                user_text(f"{p.agency}: {shortened(one_line(p.text), length)}")
                for p in points[:kept]
            ]
            rest = points[kept:]
            if rest:
                lines.append(
                    f"_and {len(rest)} more from "
                    f"{user_text(', '.join(dict.fromkeys(p.agency for p in rest)))}_"
                )
                left.append(heading)
            shown = "\n\n".join(lines) if lines else "None recorded."
            # A bold label: the only emphasis the bot writes (typed text never renders any).
            items.append(markdown(f"**{heading}**\n\n{shown}", subtle=not lines))
        if left and review_id is not None:
            items.append(ac.ActionSet(actions=[_theme_button(group, index, review_id)]))
    return items


def pack_learning_card(review: ReviewView, built: MeetingPack, theme: int) -> Card:
    """One theme's learning, every agency's points, for the pack card that had no room for
    them all: each point as long as the card allows."""
    groups = built.learning[theme - 1 : theme] if theme >= 1 else ()
    data = {"review_id": review.id}
    actions = [button("Back to the pack", verbs.PACK, {**data, "page": 1})]
    top = header(f"Meeting pack · {review.reference}", f"{review.pseudonym} · learning")
    if not groups:
        return build([*top, paragraph("That theme is no longer in the pack.")], actions)
    card = build([*top, *_learning(groups, None, 90, 10**6)], actions)
    for length in (*POINT_LENGTHS[:-1], 2000):
        longer = build([*top, *_learning(groups, None, length, 10**6)], actions)
        if sent_size(longer) > TEAMS_CARD_LIMIT_BYTES:
            break
        card = longer
    return card


def outcome_card(screen: OutcomeScreen) -> Card:
    """The whole outcome on one card; with many long action items, each is listed in one
    line instead, so the card always fits Teams' size limit."""
    card = _outcome_card(screen, compact=False)
    return (
        card if sent_size(card) <= TEAMS_CARD_LIMIT_BYTES else _outcome_card(screen, compact=True)
    )


def _outcome_card(screen: OutcomeScreen, *, compact: bool) -> Card:
    review = screen.review
    body: list[ac.ElementAnnotated] = [
        *header(
            f"Meeting outcome · {review.reference}",
            f"{review.pseudonym} · {_meeting_when(screen)}",
        ),
        *notice_lines(screen.notices),
    ]
    if "publish" in screen.errors:
        body.append(error_line(screen.errors["publish"]))
    if screen.published:
        # Read, not a form: the walk found live boxes on a published outcome, with no Save.
        body.extend(_published_outcome(screen))
    else:
        body.extend(_outcome_inputs(screen))
    body.append(
        ac.TextBlock(
            text=f"Action items ({len(screen.actions)})",
            weight=ty.FontWeight.BOLDER,
            separator=True,
        )
    )
    if compact:
        body.append(
            facts([(f"A{i + 1}", _one_line(screen, i)) for i in range(len(screen.actions))])
        )
    else:
        body.extend(_action_row(screen, i) for i in range(len(screen.actions)))
    if screen.published:
        return build(
            body, [button("7-minute briefing", verbs.GUIDE, {"review_id": review.id}, primary=True)]
        )
    body.extend(_keep_chooser(screen))
    if screen.actions:
        body.append(
            choice_input(
                ACTION_KEY,
                "Action item to edit or remove",
                # Named by its words too: "A3" alone sends the chair back up the card to look.
                [
                    (action.key, f"A{i + 1}: {shortened(action.description, 60)}")
                    for i, action in enumerate(screen.actions)
                ],
                screen.chosen,
            )
        )
    return build(body, _outcome_actions(screen))


def _outcome_inputs(screen: OutcomeScreen) -> list[ac.ElementAnnotated]:
    """The chair's boxes while the outcome is a draft, each with its problem under it."""
    body: list[ac.ElementAnnotated] = []
    held = screen.held_on.isoformat() if screen.held_on else None
    body.append(date_input("held_on", "Date the meeting was held", held, required=True))
    body.extend(_error(screen, "held_on", body[-1]))
    for index, (_, name) in enumerate(screen.agencies):
        key = f"attendees_{index}"
        body.append(
            text_input(
                key,
                f"Attendees from {name} (roles)",
                screen.typed.get(key, screen.attendees.get(name)),
                max_length=ATTENDEES_MAX,
            )
        )
        body.extend(_error(screen, key, body[-1]))
    body.append(
        choice_input(
            "agreed_themes",
            "Agreed key learning themes",
            list(_theme_labels().items()),
            ",".join(screen.agreed_themes),
            multi=True,
        )
    )
    body.extend(_error(screen, "agreed_themes", body[-1]))
    body.append(
        text_input(
            "learning_needs",
            "Specific learning needs (one per line)",
            screen.typed.get("learning_needs", "\n".join(screen.learning_needs)),
            max_length=4000,
            multiline=True,
        )
    )
    body.extend(_error(screen, "learning_needs", body[-1]))
    return body


def _published_outcome(screen: OutcomeScreen) -> list[ac.ElementAnnotated]:
    """A published outcome as it was published: said so, and shown as text."""
    when = f" on {friendly_date(screen.published_at)}" if screen.published_at else ""
    labels = _theme_labels()
    themes = ", ".join(labels.get(t, t) for t in screen.agreed_themes) or "None"
    return [
        paragraph(
            f"Published{when}: this is the record of the meeting and can't be changed here. "
            "Its action items are tracked on their own cards.",
            subtle=True,
        ),
        facts(
            [
                *(
                    (f"Attendees from {name}", screen.attendees.get(name) or "None recorded")
                    for _, name in screen.agencies
                ),
                ("Agreed themes", themes),
            ]
        ),
        # A line each, as the pack's learning reads (a fact joins its lines in Teams).
        markdown(
            "**Specific learning needs**\n\n"
            + ("\n\n".join(user_text(n) for n in screen.learning_needs) or "None recorded."),
            subtle=not screen.learning_needs,
        ),
    ]


def _meeting_when(screen: OutcomeScreen) -> str:
    if screen.published and screen.held_on:
        return f"meeting held {friendly_date(screen.held_on)}"
    return f"meeting planned {friendly_date(screen.review.meeting_on)}"


def _error(screen: OutcomeScreen, key: str, element: object) -> list[ac.ElementAnnotated]:
    """A field's problem (naming it as `element`, its input, shows it), or the identifier
    guard's warning and that field's own tick."""
    if key in screen.errors:
        return [field_error_line(element, screen.errors[key])]
    if key not in screen.warnings:
        return []
    return identifier_warning(key, screen.warnings[key], ticked=key in screen.ticked)


def _action_row(screen: OutcomeScreen, index: int) -> ac.Container:
    action, issues = screen.actions[index], screen.issues[index]
    owner = action.owner_name or ("chosen" if action.owner_aad else "no owner")
    lines: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text=f"**A{index + 1}.** {user_text(shortened(action.description, 120))}",
            wrap=True,
            max_lines=2,
        ),
        ac.TextBlock(
            text=user_text(f"Owner: {owner} · due {friendly_date(action.due_on)}"),
            wrap=True,
            is_subtle=True,
            size=ty.FontSize.SMALL,
            spacing=ty.Spacing.NONE,
        ),
    ]
    if issues and not screen.published and not action.confirmed:
        lines.append(error_line("Not SMART yet: " + shortened("; ".join(issues) + ".", 151)))
    return ac.Container(items=lines, separator=True)


def _one_line(screen: OutcomeScreen, index: int) -> str:
    action = screen.actions[index]
    flag = " · not SMART yet" if screen.issues[index] and not action.confirmed else ""
    return (
        f"{shortened(action.description, 70)} · {action.owner_name or 'no owner'} · "
        f"{friendly_date(action.due_on)}{flag}"
    )


def _keep_chooser(screen: OutcomeScreen) -> list[ac.ElementAnnotated]:
    """The chair may confirm a flagged action as it is; one chooser for all of them."""
    flagged = [i for i, issues in enumerate(screen.issues) if issues]
    if not flagged:
        return []
    # Named by their keys, as Edit/Remove name them: a place in the list moves on a removal.
    kept = ",".join(screen.actions[i].key for i in flagged if screen.actions[i].confirmed)
    return [
        choice_input(
            "keep",
            "Keep these as they are (not SMART, agreed anyway)",
            [(screen.actions[i].key, f"A{i + 1}") for i in flagged],
            kept,
            multi=True,
        )
    ]


def _outcome_actions(screen: OutcomeScreen) -> list[ac.ActionExecute]:
    # One chooser for Edit/Remove keeps the card small with many action items. Every button
    # saves what was typed first, so each carries the outcome's revision: an older card's
    # click would otherwise overwrite a newer save.
    data = revised({"review_id": screen.review.id}, screen.revision)
    actions = [
        button("Save", verbs.OUTCOME_SAVE, data),
        button("Add action item", verbs.ACTION_FORM, {**data, "new": True}),
    ]
    if screen.actions:
        actions += [
            button("Edit chosen", verbs.ACTION_FORM, data),
            button("Remove chosen", verbs.ACTION_REMOVE, data),
        ]
    actions.append(button("Publish outcome", verbs.OUTCOME_PUBLISH, data, primary=True))
    return actions


def action_form_card(form: ActionFormScreen, *, people_picker: bool = True) -> Card:
    labels = _theme_labels()
    themes = [(slug, labels.get(slug, slug)) for slug in form.themes] or list(labels.items())
    title = "Add an action item" if form.index is None else f"Edit action A{form.index + 1}"
    fields: list[tuple[str, ac.ElementAnnotated]] = [
        (
            "description",
            text_input(
                "description",
                "What will be done (specific, measurable)",
                form.values.get("description"),
                max_length=DESCRIPTION_MAX,
                multiline=True,
                required=True,
            ),
        ),
        ("theme", choice_input("theme", "Theme it addresses", themes, form.values.get("theme"))),
        ("owner", choice_input("owner", "Owner", list(form.owners), form.values.get("owner"))),
        (
            "agency_id",
            choice_input(
                "agency_id",
                "Lead agency",
                [(str(i), n) for i, n in form.agencies],
                form.values.get("agency_id"),
            ),
        ),
        ("due_on", date_input("due_on", "Due date", form.values.get("due_on"))),
        (
            "finding",
            text_input(
                "finding",
                "The finding or learning statement it answers",
                form.values.get("finding"),
                max_length=FINDING_MAX,
                multiline=True,
            ),
        ),
        (
            "success_measure",
            text_input(
                "success_measure",
                "How will we know it made a difference?",
                form.values.get("success_measure"),
                max_length=MEASURE_MAX,
                multiline=True,
            ),
        ),
    ]
    body: list[ac.ElementAnnotated] = [
        *header(title, f"{form.review.reference} · {form.review.pseudonym}")
    ]
    for key, element in fields:
        body.append(element)
        if key in form.errors:
            body.append(field_error_line(element, form.errors[key]))
        if key in form.warnings:
            ticked = is_confirmed(form.values, key)
            body.extend(identifier_warning(key, form.warnings[key], ticked=ticked))
    data: dict[str, object] = {"review_id": form.review.id}
    if form.key is not None:
        data[ACTION_KEY] = form.key
    if form.revision is not None:
        data = revised(data, form.revision)
    card = build(
        body,
        [
            button("Save action item", verbs.ACTION_SAVE, data, primary=True),
            button("Back to the outcome", verbs.OUTCOME, {"review_id": form.review.id}),
        ],
    )
    return with_people_picker(card, ["owner"], people_picker)


def published_card(
    review: ReviewView, actions: Sequence[ActionView], reach: PublishedReach
) -> Card:
    summary, cautions = published_lines(len(actions), reach)
    body: list[ac.ElementAnnotated] = [
        *header(f"Outcome published · {review.reference}", review.pseudonym),
        paragraph(summary),
        facts(
            [
                (a.reference, f"{shortened(a.description, 80)} · {a.owner_name or 'no owner'}")
                for a in actions[:30]
            ]
        ),
    ]
    body.extend(error_line(caution) for caution in cautions)
    return build(
        body,
        [
            button(
                "Draft the 7-minute briefing", verbs.GUIDE, {"review_id": review.id}, primary=True
            )
        ],
    )


def learning_card(
    review: ReviewView, themes: Sequence[str], needs: Sequence[str], actions: Sequence[ActionView]
) -> Card:
    labels = _theme_labels()
    body: list[ac.ElementAnnotated] = [
        *header(f"What we learned · {review.reference}", review.pseudonym),
        paragraph("Thank you for your agency's return. The Line-of-Sight meeting agreed:"),
        markdown("**Themes:** " + user_text(", ".join(labels.get(t, t) for t in themes))),
    ]
    body.extend(paragraph(f"• {need}") for need in needs[:12])
    body.append(
        markdown(
            "**Actions:** "
            + user_text(
                "; ".join(
                    f"{a.reference} {shortened(a.description, 80)} "
                    f"({a.agency_name or 'partnership'})"
                    for a in actions[:15]
                )
            )
            if actions
            else "**Actions:** none set."
        )
    )
    return build(body, [button("What can I do?", verbs.HELP)])


def guide_card(screen: GuideScreen) -> Card:
    """The guide as its state and the member allow: the chair edits a draft and sends it for
    approval; a second person approves or sends it back; a published version is read,
    downloaded, recorded as used, and (by the chair) revised as the next version."""
    review, guide = screen.review, screen.guide
    body: list[ac.ElementAnnotated] = [
        *header(
            f"7-minute briefing · {review.reference}",
            f"{review.pseudonym} · {_status(screen)} · "
            f"used by {counted(guide.usage_count, 'team')}",
        ),
        *notice_lines(screen.notices),
    ]
    if guide.versions:
        body.append(facts([(f"Version {v.version}", _approval(v)) for v in guide.versions[-4:]]))
    if "publish" in screen.errors:
        body.append(error_line(screen.errors["publish"]))
    if screen.errors.get("reason") or screen.note_warning:
        body.append(error_line("Not sent back yet: see the note under Send back to the chair."))
    data: dict[str, object] = {"review_id": review.id}
    shown = revised(data, guide_revision(guide, screen.due_notes))
    if guide.state is GuideState.DRAFT and screen.edits:
        if guide.sent_back_note:
            body.append(facts([("Sent back because", guide.sent_back_note)]))
        body.extend(
            _due_warnings(screen, "Sending it for approval brings box 7's dates up to date.")
        )
        # Said as soon as it is so (a drafted box 7 lists every action item), not first at Send.
        overlong = too_long_for_one_page(guide.parts, then="send it for approval")
        if overlong and "publish" not in screen.errors:
            body.append(warning_line(overlong))
        return build([*body, *_guide_inputs(screen)], _draft_buttons(screen, shown))
    if screen.reads_only and guide.latest:
        # Someone who may see the review reads the published version, whatever the next one
        # is doing, and records that their team used it.
        body.extend(_guide_text(guide.latest.parts, draft=False, changes=screen.published_changes))
        return build(body, _published_buttons(screen))
    revising = guide.state is GuideState.DRAFT and guide.latest is not None
    # Anyone but the chair reads the published version while the next one is drafted.
    shown_parts = guide.latest.parts if revising and guide.latest else guide.parts
    published = revising or guide.state is GuideState.PUBLISHED
    changes = screen.published_changes if published else screen.draft_changes
    body.extend(_guide_text(shown_parts, draft=not published, changes=changes))
    moves: list[ac.ActionExecute | Card] = []
    if guide.state is GuideState.AWAITING_APPROVAL:
        if screen.approves:
            body.extend(_empty_box_warning(guide.parts))
            body.extend(
                _due_warnings(
                    screen, "Approving publishes box 7 with the action items' current due dates."
                )
            )
            moves.extend(_approval_moves(guide.parts, screen, shown))
        else:
            if screen.not_approver:
                body.append(paragraph(screen.not_approver, subtle=True))
            body.extend(
                _due_warnings(
                    screen, "Approving publishes box 7 with the action items' current due dates."
                )
            )
            if screen.edits:
                moves.append(button("Withdraw to edit", verbs.GUIDE_SEND_BACK, shown))
    elif guide.state is GuideState.PUBLISHED and screen.edits:
        body.extend(
            _due_warnings(
                screen, "Revise it: the next version goes for approval with the current due dates."
            )
        )
        moves.append(
            button(f"Revise as version {len(guide.versions) + 1}", verbs.GUIDE_REVISE, shown)
        )
    return build(body, [*moves, *_published_buttons(screen)])


def _due_warnings(screen: GuideScreen, then: str) -> list[ac.ElementAnnotated]:
    """Box 7's due dates against the live action items (guide.due_date_notes), and what
    happens to them next; an overdue item's date is the chair's to change."""
    lines: list[ac.ElementAnnotated] = [warning_line(note) for note in screen.overdue_notes]
    if screen.due_notes:
        lines.extend(warning_line(note) for note in screen.due_notes)
        lines.append(warning_line(then))
    return lines


def send_back_form(screen: GuideScreen, shown: Mapping[str, object]) -> Card:
    """The approver's Send back: a note for the chair, saying what to change, is required."""
    items: list[ac.ElementAnnotated] = [
        text_input(
            "reason",
            "What should the chair change?",
            screen.note_typed,
            max_length=SEND_BACK_NOTE_MAX,
            multiline=True,
            required=True,
        )
    ]
    if "reason" in screen.errors:
        items.append(field_error_line(items[0], screen.errors["reason"]))
    if screen.note_warning:
        items.extend(identifier_warning("reason", screen.note_warning))
    return show_form(
        "Send back to the chair", items, button("Send back", verbs.GUIDE_SEND_BACK, shown)
    )


def _status(screen: GuideScreen) -> str:
    guide = screen.guide
    if screen.reads_only and guide.latest:
        return f"Version {guide.latest.version} published"
    if guide.state is GuideState.AWAITING_APPROVAL:
        return f"Version {len(guide.versions) + 1} awaiting approval"
    if guide.state is GuideState.PUBLISHED and guide.latest:
        return f"Version {guide.latest.version} published"
    if guide.latest:
        return (
            f"Drafting version {len(guide.versions) + 1} (version {guide.latest.version} published)"
        )
    return "Draft"


def _approval(version: GuideVersion) -> str:
    name = (
        f"{version.approved_by} ({version.approver})" if version.approved_by else version.approver
    )
    return f"approved by {name}, {friendly_date(version.approved_at)}"


def _guide_inputs(screen: GuideScreen) -> list[ac.ElementAnnotated]:
    items: list[ac.ElementAnnotated] = []
    overfull = overfull_boxes(screen.guide.parts)
    empty = empty_boxes(screen.guide.parts)
    for index, text in enumerate(screen.guide.parts):
        items.append(
            text_input(
                f"part_{index}",
                # The label says the limit (PART_MAX: what the page holds); a box of many
                # short lines fills its printed lines first.
                limited(PART_TITLES[index], PART_MAX),
                text,
                # Never below what the box holds (a draft's box 7, a box saved when the limit
                # was 1,200): a client cuts a value to maxLength, and the next save would
                # store the cut text (review12b). The note under the box says it is too long.
                max_length=max(PART_MAX, min(len(text), PART_STORED_MAX)),
                multiline=True,
                say_limit=False,
                placeholder=f"About {BOX_FITS} characters, or {BOX_LINES} lines, fit the page",
            )
        )
        if f"part_{index}" in screen.errors:
            items.append(field_error_line(items[-1], screen.errors[f"part_{index}"]))
        elif index in overfull:
            # Said under the box as soon as it is so, not first at Send for approval.
            items.append(warning_line(overfull_box_note(overfull[index])))
        elif index in empty:
            # The rule Send for approval keeps, said before it (the approver meets it too).
            items.append(warning_line(empty_box_note(index)))
        if index in screen.warnings:
            items.extend(identifier_warning(f"part_{index}", screen.warnings[index]))
    return items


def _draft_buttons(screen: GuideScreen, shown: dict[str, object]) -> list[ac.ActionExecute]:
    return [
        button("Save", verbs.GUIDE_SAVE, shown),
        button("Preview", verbs.GUIDE_PREVIEW, shown),
        button("Send for approval", verbs.GUIDE_SUBMIT, shown, primary=True),
        *_published_buttons(screen)[1:],
    ]


def _published_buttons(screen: GuideScreen) -> list[ac.ActionExecute]:
    """Once a version is published: its downloads (the published version, not a draft being
    revised), and the dissemination return."""
    if not screen.guide.published:
        return []
    data = {"review_id": screen.review.id}
    return [
        button("We used this briefing", verbs.GUIDE_USAGE_FORM, data),
        button("Download (Word)", verbs.GUIDE_EXPORT, data),
        button("Download (PDF)", verbs.GUIDE_EXPORT, {**data, "format": "pdf"}),
    ]


def _guide_text(
    parts: Sequence[str], *, draft: bool, changes: Sequence[DueDateChange] = ()
) -> list[ac.ElementAnnotated]:
    """All seven boxes, numbered 1 to 7; an empty one says so (box_lines). A line of box 7
    whose due date changed (guide.due_date_changes) keeps its words, the live date under it."""
    items: list[ac.ElementAnnotated] = []
    if changes and not draft:  # a draft's chair and approver have _due_warnings' sentences
        items.append(warning_line(corrections_legend(published=True)))
    for index, text in enumerate(parts):
        items.append(
            ac.TextBlock(
                text=PART_TITLES[index], weight=ty.FontWeight.BOLDER, separator=True, wrap=True
            )
        )
        paired = with_corrections(text, changes if index == 6 else (), draft=draft)
        items.extend(_box_blocks(paired, empty=not text.strip(), published=not draft))
    return items


def _box_blocks(
    paired: Sequence[tuple[str, DueDateChange | None]], *, empty: bool, published: bool
) -> list[ac.ElementAnnotated]:
    """One box's lines as text blocks: one typed line is one shown line (Markdown joins lines a
    single break apart), and each correction a caution under the line it corrects."""
    blocks: list[ac.ElementAnnotated] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            shown_text = "\n\n".join(user_text(line) for line in run)
            blocks.append(
                ac.TextBlock(
                    text=shown_text,
                    wrap=True,
                    spacing=ty.Spacing.NONE,
                    is_subtle=True if empty else None,
                )
            )
            run.clear()

    for line, change in paired:
        run.append(line)
        if change:
            flush()
            correction = f"\u21b3 {change.correction(published=published)}"
            blocks.append(warning_line(correction, spacing=ty.Spacing.NONE))
    flush()
    return blocks


def guide_preview_card(screen: GuideScreen) -> Card:
    body = [
        *header(
            f"Preview · 7-minute briefing · {screen.review.reference}", screen.review.pseudonym
        ),
        *_due_warnings(screen, "Sending it for approval brings box 7's dates up to date."),
        *_guide_text(screen.guide.parts, draft=True, changes=screen.draft_changes),
    ]
    data = {"review_id": screen.review.id}
    shown = revised(data, guide_revision(screen.guide, screen.due_notes))
    return build(
        body,
        [
            button("Back to editing", verbs.GUIDE, data),
            button("Send for approval", verbs.GUIDE_SUBMIT, shown, primary=True),
        ],
    )


def guide_approval_card(screen: GuideScreen, sender: str) -> Card:
    """The request to approve, for the LIC channel (or each LIC member) and the other chair.
    Whoever clicks is checked then: never the chair who sent it."""
    guide = screen.guide
    body = [
        *header(
            f"Approve the 7-minute briefing · {screen.review.reference}",
            f"{screen.review.pseudonym} · version {len(guide.versions) + 1} · sent by {sender}",
        ),
        paragraph(
            "The chair asks for a second person's approval before the briefing is shared: "
            "an LIC group member or the review's other chair."
        ),
        # An empty box shows the approver it is empty; a stale date is marked on its line.
        *_guide_text(guide.parts, draft=True, changes=screen.draft_changes),
        *_empty_box_warning(guide.parts),
        *_due_warnings(
            screen, "Approving publishes box 7 with the action items' current due dates."
        ),
    ]
    shown = revised({"review_id": screen.review.id}, guide_revision(guide, screen.due_notes))
    return build(body, _approval_moves(guide.parts, screen, shown))


def _approval_moves(
    parts: Sequence[str], screen: GuideScreen, shown: dict[str, object]
) -> list[ac.ActionExecute | Card]:
    """Approve (unless a box is empty: approving would be refused) and Send back."""
    approve = button("Approve and publish", verbs.GUIDE_APPROVE, shown, primary=True)
    return [*([] if empty_boxes(parts) else [approve]), send_back_form(screen, shown)]


def _empty_box_warning(parts: Sequence[str]) -> list[ac.ElementAnnotated]:
    """A briefing is published with its seven boxes written (guide.empty_boxes_message, the
    rule Send for approval keeps): the approver of one sent before that rule is told before
    the button, and Approve is refused until the chair has written it."""
    said = empty_boxes_message(parts, then="send it back to the chair to write it")
    return [warning_line(said)] if said else []


def channel_guide_card(screen: GuideScreen) -> Card:
    body = [
        *header(
            f"New 7-minute briefing · {screen.review.reference}",
            f"{screen.review.pseudonym} · Line-of-Sight learning for every team",
        ),
        *_guide_text(
            screen.guide.latest.parts if screen.guide.latest else screen.guide.parts,
            draft=False,
            changes=screen.published_changes,
        ),
    ]
    return build(
        body,
        [
            button(
                "We used this briefing",
                verbs.GUIDE_USAGE_FORM,
                {"review_id": screen.review.id},
                primary=True,
            )
        ],
    )


def usage_form_card(
    review: ReviewView,
    today_iso: str,
    errors: dict[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    warnings: Mapping[str, str] | None = None,
) -> Card:
    """The dissemination return. After an identifier warning or a refused field: drawn again
    with what was typed, a tick under each flag and each refusal under its field."""
    errors = errors or {}
    values = values or {}
    warnings = warnings or {}
    fields: list[tuple[str, ac.ElementAnnotated]] = [
        (
            "team",
            text_input("team", "Team", values.get("team"), max_length=TEAM_MAX, required=True),
        ),
        (
            "used_on",
            date_input(
                "used_on",
                "When you used it",
                values.get("used_on") or today_iso,
                required=True,
                latest=today_iso,
                too_late=USED_ON_FUTURE,
            ),
        ),
        (
            "staff_count",
            ac.InputNumber(
                id="staff_count",
                # The range is in the label, and the server refuses a number outside it on this
                # form: a min/max here lets the client quietly turn 0 into 1.
                label=f"Number of staff ({STAFF_RANGE}) *",
                error_message=STAFF_COUNT_MESSAGE,
                value=small_int(values.get("staff_count", "")),
            ),
        ),
        (
            "reflections",
            text_input(
                "reflections",
                "Your team's reflections",
                values.get("reflections"),
                max_length=REFLECTIONS_MAX,
                multiline=True,
            ),
        ),
    ]
    body: list[ac.ElementAnnotated] = [
        *header(f"We used the {review.reference} briefing", review.pseudonym)
    ]
    for key, element in fields:
        body.append(element)
        if key in errors:
            body.append(field_error_line(element, errors[key]))
        if key in warnings:
            body.extend(identifier_warning(key, warnings[key], ticked=is_confirmed(values, key)))
    data = {"review_id": review.id}
    return build(
        body,
        [
            button("Record it", verbs.GUIDE_USAGE_SAVE, data, primary=True),
            button("Back to the briefing", verbs.GUIDE, data),
        ],
    )
