"""Information governance cards (admin): a review's audit trail, the retention periods and
legal holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.common import (
    Card,
    build,
    button,
    facts,
    field_error_line,
    friendly_date,
    header,
    notice_lines,
    paragraph,
    revised,
    text_input,
    user_text,
)
from domain.audit_trail import TrailPage
from domain.audit_words import TRAIL_CSV_NOTE, EventWords, event_words
from domain.retention import (
    HELD_PER_PAGE,
    HOLD_REASON_MAX,
    HOLD_WHY,
    PERIODS,
    HeldPage,
    HoldView,
    RetentionScreen,
    held_page,
    held_since,
    hold_revision,
    lifted_line,
    retention_revision,
    review_ended,
)
from domain.status_words import state_label
from domain.wording import counted, shortened

LONDON = ZoneInfo("Europe/London")
GOVERNANCE = "Information governance"
CHANGE_MAX = 240
_EXAMPLE = {
    True: "For example: coroner's inquest, civil claim",
    False: "For example: claim settled, inquest concluded",
}


# --- the audit trail ---------------------------------------------------------------------------


def audit_trail_card(trail: TrailPage) -> Card:
    s = trail.subjects
    context = f"{s.reference} · {s.pseudonym} · {counted(trail.total, 'event')}, newest first"
    body: list[ac.ElementAnnotated] = [*header("Audit trail", context)]
    body.extend(_event(event_words(event, s, trail.names), event.at) for event in trail.events)
    if not trail.events:
        body.append(paragraph("Nothing has been recorded about this review yet."))
    if trail.pages > 1:
        body.append(paragraph(f"Page {trail.page} of {trail.pages}", subtle=True))
    body.append(paragraph(TRAIL_CSV_NOTE, subtle=True))
    actions = [button("Export CSV", verbs.AUDIT_EXPORT, {"review_id": s.key}, primary=True)]
    if trail.page > 1:
        actions.append(
            button("Newer", verbs.AUDIT_TRAIL, {"review_id": s.key, "page": trail.page - 1})
        )
    if trail.page < trail.pages:
        actions.append(
            button("Older", verbs.AUDIT_TRAIL, {"review_id": s.key, "page": trail.page + 1})
        )
    return build(body, actions)


def _event(words: EventWords, at: datetime) -> ac.Container:
    when = at.astimezone(LONDON)
    # Names, reasons and values come from what people typed: escaped, never markdown.
    lines: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=user_text(words.record), weight=ty.FontWeight.BOLDER, wrap=True),
        ac.TextBlock(text=user_text(words.deed), wrap=True, spacing=ty.Spacing.NONE),
        ac.TextBlock(
            text=f"{friendly_date(when)} at {when:%H:%M}",
            is_subtle=True,
            wrap=True,
            spacing=ty.Spacing.NONE,
        ),
    ]
    change = shortened("; ".join(words.details), CHANGE_MAX)
    if change:
        lines.append(ac.TextBlock(text=user_text(change), wrap=True, spacing=ty.Spacing.NONE))
    return ac.Container(items=lines, separator=True)


# --- retention and legal holds -----------------------------------------------------------------


def retention_card(
    screen: RetentionScreen,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notices: Sequence[str] = (),
) -> Card:
    typed, problems = values or {}, errors or {}
    body: list[ac.ElementAnnotated] = [
        *header("Retention", f"{GOVERNANCE} · how long records are kept"),
        *notice_lines(notices),
        paragraph(
            "Records are deleted once their period has passed, every day, except reviews under "
            "legal hold. The deletion log keeps what was deleted and why, never the content; "
            "the audit trail is kept.",
            subtle=True,
        ),
    ]
    for period in PERIODS:
        current = typed.get(period.key, str(screen.policy.value(period)))
        body.append(
            text_input(
                period.key,
                f"{period.label} ({period.unit}; default {period.default})",
                current,
                max_length=5,
            )
        )
        if period.key in problems:
            body.append(field_error_line(body[-1], problems[period.key]))
    due = screen.due
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(due.deleted.items())) or "nothing"
    body.append(facts([("Due at the next run", counts)]))
    body.append(_held_list(held_page(screen.held, screen.held_from)))
    saved = revised({}, retention_revision(screen.policy))
    return build(body, [button("Save", verbs.RETENTION_SAVE, saved, primary=True)])


def _held_list(page: HeldPage) -> ac.Container:
    """Each held review with who placed its hold, when and why, and a button to its hold card
    (to lift it, or read it whole); twenty at a time, saying how many there are and with a
    button to the next twenty (and back)."""
    heading = "Reviews under legal hold" + (f" ({page.total})" if page.total else "")
    items: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=heading, weight=ty.FontWeight.BOLDER, wrap=True)
    ]
    if not page.total:
        items.append(paragraph("None. Type legal hold LOS-2026-004 to place one.", subtle=True))
    if page.counted():
        items.append(paragraph(page.counted(), subtle=True))
    for review in page.shown:
        items.append(
            ac.Container(
                items=[
                    paragraph(_named(review)),
                    paragraph(held_since(review.placed), subtle=True),
                    ac.ActionSet(
                        actions=[
                            button(
                                f"Open the legal hold on {review.reference}",
                                verbs.LEGAL_HOLD,
                                {"review_id": review.id},
                            )
                        ]
                    ),
                ],
                separator=True,
            )
        )
    if page.total > HELD_PER_PAGE:
        items.append(_held_paging(page))
    return ac.Container(items=items, separator=True)


def _held_paging(page: HeldPage) -> ac.ElementAnnotated:
    """ "37 more: Next 20 held reviews" and "Previous 20": the retention card again, listing
    another twenty (the periods typed so far come back as typed)."""
    more = page.after
    moves = []
    if page.start:
        back = {"held_from": max(page.start - HELD_PER_PAGE, 0)}
        moves.append(button(f"Previous {HELD_PER_PAGE} held reviews", verbs.RETENTION, back))
    if more:
        on = {"held_from": page.start + HELD_PER_PAGE}
        moves.append(button(f"Next {min(more, HELD_PER_PAGE)} held reviews", verbs.RETENTION, on))
    said = f"{more} more under legal hold after these." if more else "The last of them."
    return ac.Container(
        items=[
            paragraph(f"{said} Type legal hold and a reference to open any one.", subtle=True),
            ac.ActionSet(actions=moves),
        ]
    )


def _named(review: HoldView) -> str:
    """'LOS-2026-004 · Child K · Pre-analysis': the stage in the words every view uses."""
    return f"{review.reference} · {review.pseudonym} · {state_label(review.stage)}"


def legal_hold_card(
    review: HoldView,
    errors: Mapping[str, str] | None = None,
    notices: Sequence[str] = (),
    reason: str | None = None,
) -> Card:
    """The hold's state and one button to change it; `reason` is what the admin typed, kept
    when the card comes back with an error."""
    problems = errors or {}
    state = "under legal hold" if review.legal_hold else "not held"
    body: list[ac.ElementAnnotated] = [
        *header("Legal hold", _named(review)),
        *notice_lines(notices),
        facts([("Now", state), ("The review", review_ended(review.ended_on))]),
        *([paragraph(held_since(review.placed))] if review.legal_hold else []),
        # A lifted hold's who, when and why were on the audit trail only.
        *(
            [paragraph(lifted_line(review.lifted))]
            if review.lifted and not review.legal_hold
            else []
        ),
        # When retention would delete it: what the hold keeps it from, or what one would stop.
        *([paragraph(review.deletion)] if review.deletion else []),
        paragraph(
            "While held, retention deletes nothing of this review: its returns, chronology, "
            "actions, guide and exported files are all kept.",
            subtle=True,
        ),
        text_input(
            "reason",
            f"{HOLD_WHY[not review.legal_hold]} (no names or other identifiers)",
            reason,
            max_length=HOLD_REASON_MAX,
            required=True,
            # The box takes no more than this: its label says so before a long paste is cut.
            placeholder=_EXAMPLE[not review.legal_hold],
            say_limit=True,
        ),
    ]
    if "reason" in problems:
        body.append(field_error_line(body[-1], problems["reason"]))
    wanted = "off" if review.legal_hold else "on"
    title = "Lift legal hold" if review.legal_hold else "Place legal hold"
    return build(
        body,
        [
            button(
                title,
                verbs.LEGAL_HOLD_SET,
                revised({"review_id": review.id, "hold": wanted}, hold_revision(review)),
                primary=True,
            ),
            button("Retention", verbs.RETENTION),
        ],
    )
