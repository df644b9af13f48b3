"""Cards for opening a review, assigning practitioners and listing reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    friendly_date,
    header,
    paragraph,
    text_input,
    with_people_picker,
)
from domain.records import ReturnView, ReviewProgress, ReviewView
from domain.reviews import PSEUDONYM_MAX, REASON_MAX, ReviewDefaults

STAGE_LABELS = {
    "draft": "Draft: practitioners not yet assigned",
    "pre_analysis": "Pre-analysis: agency returns in progress",
    "analysis": "Analysis: returns signed off, meeting pack next",
    "meeting": "Line-of-Sight meeting",
    "actions_open": "Actions open",
    "closed": "Closed",
    "cancelled": "Cancelled",
}


def new_review_card(
    agencies: Sequence[tuple[int, str]],
    defaults: ReviewDefaults,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    values, errors = values or {}, errors or {}

    def value(key: str, default: str = "") -> str:
        raw = values.get(key)
        return raw if isinstance(raw, str) else default

    body: list[ac.ElementAnnotated] = [
        *header(
            "Open a Line-of-Sight review",
            "The review gets the next LOS reference when you create it.",
        ),
        paragraph(
            "Use a pseudonym only: never the child's name, date of birth or address.", subtle=True
        ),
    ]
    fields: list[tuple[str, ac.ElementAnnotated]] = [
        (
            "pseudonym",
            text_input(
                "pseudonym",
                "Pseudonym (for example Child K)",
                value("pseudonym"),
                max_length=PSEUDONYM_MAX,
                required=True,
            ),
        ),
        (
            "reason",
            text_input(
                "reason",
                "Reason for review",
                value("reason"),
                max_length=REASON_MAX,
                multiline=True,
                required=True,
            ),
        ),
        (
            "agencies",
            choice_input(
                "agencies",
                "Agencies involved",
                [(str(i), name) for i, name in agencies],
                value("agencies"),
                multi=True,
                required=True,
            ),
        ),
        (
            "returns_due_on",
            date_input(
                "returns_due_on",
                "Agency returns due",
                value("returns_due_on", defaults.returns_due_on.isoformat()),
                required=True,
            ),
        ),
        (
            "meeting_on",
            date_input(
                "meeting_on",
                "Line-of-Sight meeting date",
                value("meeting_on", defaults.meeting_on.isoformat()),
                required=True,
            ),
        ),
    ]
    for key, element in fields:
        body.append(element)
        if key in errors:
            body.append(error_line(errors[key]))
    if not agencies:
        body.append(error_line("There are no agencies yet: ask an admin to add them."))
    return build(body, [button("Create review", verbs.REVIEW_CREATE, primary=True)])


def assignment_card(
    review: ReviewView,
    returns: Sequence[ReturnView],
    members: Sequence[tuple[str, str, int | None]],
    names: Mapping[int, str],
    errors: Mapping[str, str] | None = None,
    *,
    people_picker: bool = True,
) -> Card:
    """`members` are (AAD id, name, agency id) choices; Teams adds its people picker."""
    errors = errors or {}
    body: list[ac.ElementAnnotated] = [
        *header(
            f"Assign practitioners · {review.reference}",
            f"{review.pseudonym} · returns due {friendly_date(review.returns_due_on)}",
        ),
        paragraph(
            "Choose who completes each agency's return. They get an invitation card "
            "from me straight away."
        ),
    ]
    for ret in returns:
        current = ", ".join(names.get(m, "?") for m in sorted(ret.assignee_ids)) or "nobody yet"
        choices = [(aad, name) for aad, name, agency in members if agency in (ret.agency_id, None)]
        body.append(
            ac.TextBlock(
                text=ret.agency_name, weight=ty.FontWeight.BOLDER, wrap=True, separator=True
            )
        )
        body.append(paragraph(f"Assigned: {current}", subtle=True))
        body.append(
            choice_input(
                f"assignees_{ret.agency_id}", "Add practitioners", choices, None, multi=True
            )
        )
        if f"assignees_{ret.agency_id}" in errors:
            body.append(error_line(errors[f"assignees_{ret.agency_id}"]))
    if "review" in errors:
        body.append(error_line(errors["review"]))
    card = build(
        body,
        [button("Assign and invite", verbs.REVIEW_ASSIGN, {"review_id": review.id}, primary=True)],
    )
    ids = [f"assignees_{ret.agency_id}" for ret in returns]
    return with_people_picker(card, ids, people_picker)


def assigned_card(review: ReviewView, delivered: Sequence[tuple[str, str, bool]]) -> Card:
    """`delivered` is (name, agency, reached) for each newly invited practitioner."""
    rows = [
        (
            f"{name} ({agency})",
            "Invited"
            if ok
            else "Couldn't reach them: tell them to open Line of Sight in Teams and type continue",
        )
        for name, agency, ok in delivered
    ]
    body = [
        *header(f"{review.reference} is open for returns", review.pseudonym),
        facts(rows or [("Invitations", "No new practitioners were added.")]),
    ]
    return build(body, [button("Reviews", verbs.REVIEWS)])


def reviews_card(progress: Sequence[ReviewProgress], can_open: bool) -> Card:
    """Open reviews with their progress; chairs also get a button to open a new one."""
    body: list[ac.ElementAnnotated] = [*header("Open reviews")]
    if not progress:
        body.append(paragraph("There are no open reviews you can see."))
    for item in progress[:20]:
        review = item.review
        body.append(
            ac.Container(
                separator=True,
                items=[
                    ac.TextBlock(
                        text=f"{review.reference} · {review.pseudonym}",
                        weight=ty.FontWeight.BOLDER,
                        wrap=True,
                    ),
                    facts(
                        [
                            ("Stage", STAGE_LABELS.get(review.stage.value, review.stage.value)),
                            (
                                "Returns",
                                f"{item.returns_submitted} of {item.returns_total} submitted, "
                                f"{item.returns_signed_off} signed off",
                            ),
                            ("Returns due", friendly_date(review.returns_due_on)),
                            ("Meeting", friendly_date(review.meeting_on)),
                        ]
                    ),
                ],
            )
        )
    if len(progress) > 20:
        body.append(paragraph(f"Showing the 20 most recent of {len(progress)}.", subtle=True))
    actions = [button("Refresh", verbs.REVIEWS)]
    if can_open:
        actions.append(button("Open a new review", verbs.REVIEW_NEW))
    return build(body, actions)
