"""Cards for opening a review, assigning practitioners and listing reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from adaptive_cards import card as ac
from adaptive_cards import types as ty

from cards import verbs
from cards.common import (
    Card,
    build,
    button,
    choice_input,
    date_input,
    dumped,
    error_line,
    facts,
    field_error_line,
    friendly_date,
    header,
    notice_lines,
    paragraph,
    revised,
    show_form,
    text_input,
    toggle,
    user_text,
    with_people_picker,
)
from domain.lifecycle import CONTROLS, WHY, AgencyScreen, Control, ManageScreen
from domain.model import ReviewStage
from domain.records import ReturnView, ReviewProgress, ReviewView
from domain.return_state import return_status_label
from domain.returns import overdue_returns
from domain.reviews import (
    PERIOD_MAX,
    PSEUDONYM_MAX,
    REASON_MAX,
    ReviewDefaults,
    meeting_held_on,
)
from domain.transitions import RETURN_SETTLED
from domain.wording import shortened

SETTLED = frozenset(s.value for s in RETURN_SETTLED)

STAGE_LABELS = {
    "draft": "Draft: practitioners not yet assigned",
    "pre_analysis": "Pre-analysis: agency returns in progress",
    # Signed off, nil, or gone ahead without (`domain/lifecycle`): "signed off" was untrue
    # of a review with a nil return; the Returns clock gives the counts.
    "analysis": "Analysis: returns settled, meeting pack next",
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
            body.append(field_error_line(element, errors[key]))
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
                text=user_text(ret.agency_name),
                weight=ty.FontWeight.BOLDER,
                wrap=True,
                separator=True,
            )
        )
        body.append(paragraph(f"Assigned: {current}", subtle=True))
        body.append(
            # Named for its agency: with several agencies, "Add practitioners" three times
            # told a screen reader (and a test) nothing about which one.
            choice_input(
                f"assignees_{ret.agency_id}",
                f"Add practitioners for {ret.agency_name}",
                choices,
                None,
                multi=True,
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


def _decided(count: int) -> str:
    """The returns settled by a decision rather than written: a nil return, or proceeded
    without (without them "1 of 3 submitted" read as two still missing)."""
    return f", {count} nil or proceeded without" if count else ""


def _overdue_line(late: int) -> list[ac.ElementAnnotated]:
    if not late:
        return []
    noun = "return is" if late == 1 else "returns are"
    return [error_line(f"OVERDUE: {late} agency {noun} past the due date.")]


def reviews_card(
    progress: Sequence[ReviewProgress],
    can_open: bool,
    managed: frozenset[int] = frozenset(),
    today: date | None = None,
    held: Mapping[int, date] | None = None,
) -> Card:
    """Open reviews with their progress; chairs also get a button to open a new one, and a
    Manage button on the reviews they chair (`managed` review ids). Returns still outstanding
    after their due date are flagged; a meeting is shown on the day it was `held` (review id
    -> the day its outcome records) once it has been."""
    held = held or {}
    body: list[ac.ElementAnnotated] = [*header("Open reviews")]
    if not progress:
        body.append(paragraph("There are no open reviews you can see."))
    for item in progress[:20]:
        review = item.review
        late = overdue_returns(item, today) if today is not None else 0
        body.append(
            ac.Container(
                separator=True,
                items=[
                    ac.TextBlock(
                        text=user_text(f"{review.reference} · {review.pseudonym}"),
                        weight=ty.FontWeight.BOLDER,
                        wrap=True,
                    ),
                    facts(
                        [
                            ("Stage", STAGE_LABELS.get(review.stage.value, review.stage.value)),
                            (
                                "Returns",
                                f"{item.returns_submitted} of {item.returns_total} submitted, "
                                f"{item.returns_signed_off} signed off"
                                + _decided(item.returns_decided),
                            ),
                            ("Returns due", friendly_date(review.returns_due_on)),
                            ("Meeting", meeting_fact(review, held.get(review.id))),
                        ]
                    ),
                    *_overdue_line(late),
                    *_manage_button(review, managed),
                ],
            )
        )
    if len(progress) > 20:
        body.append(paragraph(f"Showing the 20 most recent of {len(progress)}.", subtle=True))
    actions = [button("Refresh", verbs.REVIEWS)]
    if can_open:
        actions.append(button("Open a new review", verbs.REVIEW_NEW))
    return build(body, actions)


def meeting_fact(review: ReviewView, held_on: date | None) -> str:
    """The meeting as a review's facts say it: its planned day, or "Held …" once it was."""
    held = meeting_held_on(review.stage, review.meeting_on, held_on)
    return f"Held {friendly_date(held)}" if held else friendly_date(review.meeting_on)


def _manage_button(review: ReviewView, managed: frozenset[int]) -> list[ac.ElementAnnotated]:
    if review.id not in managed:
        return []
    data = {"review_id": review.id}
    # Named by its review: a list of identical "Manage" buttons reads as one to a screen
    # reader stepping through buttons (walk13).
    title = f"Manage {review.reference}"
    return [ac.ActionSet(actions=[button(title, verbs.REVIEW_MANAGE, data)])]


# --- the review's lifecycle controls --------------------------------------------------------


def _reason(label: str) -> ac.InputText:
    return text_input("reason", label, None, max_length=REASON_MAX, multiline=True, required=True)


def _people(ids: Sequence[int], names: Mapping[int, str]) -> str:
    return ", ".join(names.get(m, "?") for m in sorted(ids)) or "nobody yet"


def manage_card(screen: ManageScreen, errors: Mapping[str, str] | None = None) -> Card:
    review = screen.review
    # Every control on it names the revision it was drawn at: one sent from a Manage card
    # older than another chair's change is refused with this card as it is now.
    data = revised({"review_id": review.id}, screen.revision)
    stage = STAGE_LABELS.get(review.stage.value, review.stage.value)
    body: list[ac.ElementAnnotated | Card] = [
        *header(f"Manage {review.reference}", f"{review.pseudonym} · {stage}"),
        *notice_lines(screen.notices),
        *(error_line(message) for message in (errors or {}).values()),
    ]
    pairs = [
        ("Chair", screen.names.get(review.chair_member_id or 0, "not set")),
        ("Deputy chair", screen.names.get(review.deputy_chair_member_id or 0, "none")),
        ("Returns due", friendly_date(review.returns_due_on)),
        ("Meeting", meeting_fact(review, screen.held_on)),
        ("Period under review", review.period_under_review or "not set"),
    ]
    if review.stage is ReviewStage.CANCELLED:
        pairs.append(("Cancelled because", review.cancelled_reason or "no reason given"))
    body.append(facts(pairs))
    for ret in screen.returns:
        body.append(_agency_row(ret, screen.names, review.stage is not ReviewStage.CANCELLED))
    return build(body, _review_controls(screen, data))


def _agency_row(ret: ReturnView, names: Mapping[int, str], controls: bool) -> ac.Container:
    status = return_status_label(ret.status)
    rows = [("Status", status), ("Due", friendly_date(ret.due_on))]
    rows.append(("Practitioners", _people(sorted(ret.assignee_ids), names)))
    if ret.status_note:
        rows.append(("Why", shortened(ret.status_note, 300)))
    items: list[ac.ElementAnnotated] = [
        ac.TextBlock(text=user_text(ret.agency_name), weight=ty.FontWeight.BOLDER, wrap=True),
        facts(rows),
    ]
    if controls:
        title = f"Manage {ret.agency_name}"
        items.append(
            ac.ActionSet(actions=[button(title, verbs.REVIEW_AGENCY, {"return_id": ret.id})])
        )
    return ac.Container(separator=True, items=items)


def _review_controls(screen: ManageScreen, data: Mapping[str, object]) -> list[Card]:
    review, stage = screen.review, screen.review.stage
    controls: list[Card] = []
    if stage in CONTROLS[Control.EDIT].stages:
        controls.append(_edit_form(review, data))
    if stage in CONTROLS[Control.ADD_AGENCY].stages and screen.addable:
        choices = [(str(i), name) for i, name in screen.addable]
        controls.append(
            show_form(
                "Add an agency",
                [choice_input("agency_id", "Agency", choices, None, required=True)],
                button("Add and assign", verbs.REVIEW_ADD_AGENCY, data, primary=True),
            )
        )
    if stage in CONTROLS[Control.DEPUTY].stages:
        choices = [("none", "No deputy"), *((str(i), n) for i, n in screen.chairs)]
        current = str(review.deputy_chair_member_id or "none")
        controls.append(
            show_form(
                "Deputy chair",
                [
                    choice_input(
                        "deputy", "Deputy chair (has the chair's controls)", choices, current
                    )
                ],
                button("Save deputy", verbs.REVIEW_DEPUTY, data, primary=True),
            )
        )
    if stage in CONTROLS[Control.CANCEL].stages:
        controls.append(
            show_form(
                "Cancel review",
                [
                    paragraph(
                        "Cancelling ends the review for everyone. Only an admin can reopen it."
                    ),
                    _reason(WHY[Control.CANCEL]),
                ],
                button("Cancel the review", verbs.REVIEW_CANCEL, data),
            )
        )
    if screen.may_reopen:
        controls.append(
            show_form(
                "Reopen review",
                [_reason(WHY[Control.REOPEN])],
                button("Reopen the review", verbs.REVIEW_REOPEN, data, primary=True),
            )
        )
    if stage in (ReviewStage.ANALYSIS, ReviewStage.MEETING):
        # The review's next step is the meeting: its pack, and from there the outcome.
        controls.append(dumped(button("Meeting pack", verbs.PACK, data, primary=True)))
    controls.append(dumped(button("Reviews", verbs.REVIEWS)))
    return controls


def _edit_form(review: ReviewView, data: Mapping[str, object]) -> Card:
    return show_form(
        "Edit details",
        [
            text_input(
                "pseudonym", "Pseudonym", review.pseudonym, max_length=PSEUDONYM_MAX, required=True
            ),
            text_input(
                "reason",
                "Reason for review",
                review.reason,
                max_length=REASON_MAX,
                multiline=True,
                required=True,
            ),
            text_input(
                "period_under_review",
                "Period under review (for example Jan 2024 to Jun 2025)",
                review.period_under_review,
                max_length=PERIOD_MAX,
            ),
            date_input(
                "meeting_on", "Line-of-Sight meeting date", _iso(review.meeting_on), required=True
            ),
        ],
        button("Save details", verbs.REVIEW_EDIT, data, primary=True),
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def agency_card(
    screen: AgencyScreen,
    errors: Mapping[str, str] | None = None,
    *,
    people_picker: bool = True,
    notices: Sequence[str] = (),
) -> Card:
    review, ret = screen.review, screen.ret
    data = revised({"return_id": ret.id}, screen.revision)
    status = return_status_label(ret.status)
    body: list[ac.ElementAnnotated | Card] = [
        *header(f"{ret.agency_name} · {review.reference}", f"{review.pseudonym} · {status}"),
        *notice_lines(notices),
        *(error_line(message) for message in (errors or {}).values()),
        facts(
            [
                ("Practitioners", _people(sorted(ret.assignee_ids), screen.names)),
                ("Due", friendly_date(ret.due_on)),
                *([("Why", shortened(ret.status_note, 300))] if ret.status_note else []),
            ]
        ),
    ]
    if not screen.has_lead:
        body.append(
            paragraph(
                f"{ret.agency_name} has no safeguarding lead in Line of Sight: nobody can sign "
                "its return off or confirm a nil return. Ask an admin to give someone the "
                "agency lead role, or proceed without the agency.",
                subtle=True,
            )
        )
    return with_people_picker(
        build(body, _agency_controls(screen, data)), ["assignees"], people_picker
    )


def _agency_controls(screen: AgencyScreen, data: Mapping[str, object]) -> list[Card]:
    stage, status = screen.review.stage, screen.ret.status.value
    outstanding = status in ("not_started", "in_progress", "returned")
    controls: list[Card] = []
    if stage in CONTROLS[Control.ASSIGN].stages and status not in SETTLED:
        controls.append(
            show_form(
                "Assign or replace",
                [
                    choice_input(
                        "assignees", "Practitioners", list(screen.choices), None, multi=True
                    ),
                    toggle(
                        "replace",
                        "Replace the practitioners on it (they lose access to the draft)",
                        False,
                    ),
                ],
                button("Assign and invite", verbs.RETURN_REASSIGN, data, primary=True),
            )
        )
    if stage in CONTROLS[Control.EXTEND].stages and outstanding:
        controls.append(
            show_form(
                "Extend due date",
                [date_input("due_on", "New due date", _iso(screen.extend_to), required=True)],
                button("Extend", verbs.RETURN_EXTEND, data, primary=True),
            )
        )
    if stage in CONTROLS[Control.NIL_RETURN].stages and outstanding:
        controls.append(
            show_form(
                "Nil return",
                [_reason(WHY[Control.NIL_RETURN])],
                button("Ask the lead to confirm", verbs.RETURN_NIL, data, primary=True),
            )
        )
    if stage in CONTROLS[Control.PROCEED_WITHOUT].stages and status not in SETTLED:
        controls.append(
            show_form(
                "Proceed without",
                [_reason(WHY[Control.PROCEED_WITHOUT])],
                button("Proceed without them", verbs.RETURN_PROCEED, data),
            )
        )
    if stage in CONTROLS[Control.REMOVE_AGENCY].stages:
        controls.append(
            show_form(
                "Remove agency",
                [_reason(WHY[Control.REMOVE_AGENCY])],
                button("Remove the agency", verbs.REVIEW_REMOVE_AGENCY, data),
            )
        )
    waits_for_lead = status in ("submitted", "nil_pending") or not screen.has_lead
    if screen.may_set_lead and waits_for_lead and stage is not ReviewStage.CANCELLED:
        # The lead is who unblocks a sign-off or a nil return: the admin's way to name one.
        controls.append(dumped(button("Agencies (set a lead)", verbs.AGENCIES)))
    controls.append(
        dumped(button("Back to the review", verbs.REVIEW_MANAGE, {"review_id": screen.review.id}))
    )
    return controls


def nil_request_card(ret: ReturnView, reason: str | None) -> Card:
    """To the agency's safeguarding lead: confirm the chair's nil return, or say otherwise."""
    data = {"return_id": ret.id}
    body = [
        *header(f"Confirm a nil return · {ret.reference}", f"{ret.pseudonym} · {ret.agency_name}"),
        paragraph(
            f"The review's chair has recorded that {ret.agency_name} had no involvement with "
            f"{ret.pseudonym}, so it has no return to make. Please confirm, or say your agency "
            "was involved and the return stays open."
        ),
        facts([("Chair's reason", shortened(reason or "not given", 500))]),
    ]
    return build(
        body,
        [
            button("Confirm nil return", verbs.NIL_CONFIRM, data, primary=True),
            button("We were involved", verbs.NIL_DECLINE, data),
        ],
    )


def nil_answered_card(ret: ReturnView, confirmed: bool) -> Card:
    title = "Nil return confirmed" if confirmed else "The return stays open"
    message = (
        f"{ret.agency_name} has no return to make for {ret.reference}."
        if confirmed
        else f"The {ret.agency_name} return for {ret.reference} is open again; its "
        "practitioners can complete it, and the chair has been told."
    )
    # Onward: whatever else waits for this lead, or the rest of what they can do.
    onward = [button("Sign-offs", verbs.SIGN_OFFS), button("What can I do?", verbs.HELP)]
    return build([*header(title, f"{ret.reference} · {ret.pseudonym}"), paragraph(message)], onward)


def invited_notice(invited: int, unreached: Sequence[str]) -> str:
    """What the chair is told after assigning: never good news when someone wasn't reached."""
    if not invited:
        return "Nobody new was invited: everyone chosen was already on the return."
    if not unreached:
        return f"{invited} invited ({invited} reached)."
    return (
        f"{invited} invited, but I couldn't reach {', '.join(unreached)}: Teams didn't deliver "
        "the invitation (Line of Sight may not be installed for them). The return is theirs "
        "now: ask them to open Line of Sight in Teams and type continue, or assign someone "
        "else below."
    )


def unassigned_card(ret: ReturnView) -> Card:
    """To a practitioner the chair took off a return: why their draft has gone."""
    body = [
        *header(f"You're no longer on the {ret.agency_name} return", ret.reference),
        paragraph(
            f"The review's chair has asked someone else to complete the {ret.agency_name} "
            f"return for {ret.reference}, so you no longer see it. Nothing more is needed "
            "from you; ask the chair if this is a surprise."
        ),
    ]
    return build(body, [button("What can I do?", verbs.HELP)])


def cancelled_card(review: ReviewView) -> Card:
    body = [
        *header(f"{review.reference} is cancelled", review.pseudonym),
        paragraph(
            f"Reason: {(review.cancelled_reason or 'not given').rstrip('.')}. "
            "Its chasers have stopped."
        ),
        paragraph("An admin can reopen it from manage " + review.reference + ".", subtle=True),
    ]
    return build(body, [button("Reviews", verbs.REVIEWS)])
