"""Cards for action items: the owner's card (and every chaser), the chair's date decision, the
LIC group's impact record, `my actions`, the chaser policy and the monthly digest."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

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
    field_problem,
    friendly_date,
    header,
    identifier_warning,
    notice_lines,
    paragraph,
    rag_why_lines,
    revised,
    small_line,
    text_input,
    user_text,
    why_rated,
    without_inputs,
)
from domain.action_controls import SPLIT_PARTS
from domain.action_history import before_latest, history_line, latest_words, said, stamp
from domain.action_history import title as title_of
from domain.action_state import Move, Mover, OwnerMove, Reader, status_label, status_reason
from domain.actions import (
    LINK_MAX,
    NOTE_MAX,
    SETTLED_INSTEAD,
    ActionDetail,
    MyActions,
    Rated,
    card_moves,
    chair_decides,
    date_request_refused,
    lic_decision_facts,
    open_moves,
    owner_gone_line,
    request_to_decide,
    revision,
    settled_by_review,
)
from domain.chase_engine import ACTION, ChaseRow, Undelivered
from domain.chase_messages import READER_WORDS
from domain.chasers import ChaseKind, ChaserPolicy, PlannedChase, Rag, SubjectKind, policy_revision
from domain.identifier_checks import is_confirmed
from domain.links import web_link
from domain.model import ActionStatus
from domain.outcome import DESCRIPTION_MAX, MEASURE_MAX
from domain.wording import counted, shortened

# Words, not coloured emoji: not every Teams client (or font) draws the emoji.
RAG_LABELS = {
    Rag.RED: "Red: overdue, blocked or escalated",
    Rag.AMBER: "Amber: due soon or at risk",
    Rag.GREEN: "Green: on track",
    Rag.BLUE: "Blue: impact evidenced",
}


def _sub_card(items: Sequence[ac.ElementAnnotated], submit: ac.ActionExecute) -> ac.AdaptiveCard:
    return (
        ac.AdaptiveCard.new().version("1.5").add_items(list(items)).add_actions([submit]).create()
    )


def _move_buttons(
    item: ActionDetail,
    moves: Sequence[Move],
    owners: Owners = (),
    open_form: _Form | None = None,
) -> list[Any]:
    """`moves` (what the item allows its reader: `domain.actions.open_moves`, `card_moves`),
    each a show-card form, in the table's order; Amend starts from what the item says now, and each
    half of a split from its due date and measure. Reassign offers the members other than its
    owner; a split's halves may go to anyone, its owner too. With `open_form` (a refused form
    drawn open in the card) the others, less any sharing one of its inputs: a show-card's
    submit sends the open form's inputs too, and one of the same name would overwrite its own."""
    forms = _forms_for(item.status)
    due = item.effective_due.isoformat() if item.effective_due else ""
    now = {"new_description": item.description, "new_due_on": due}
    for prefix, _ in SPLIT_PARTS:
        now |= {f"{prefix}_due_on": due, f"{prefix}_measure": item.success_measure or ""}
    shown = [forms[move] for move in moves]
    if open_form is not None:
        taken = _input_ids(open_form, item, owners)
        shown = [f for f in shown if not taken & _input_ids(f, item, owners)]
    return [
        ac.ActionShowCard(
            title=form.title,
            card=_sub_card(
                form.inputs(now, {}, _choices(form, item, owners)),
                button(form.submit, form.verb, _form_data(item), primary=True),
            ),
        )
        for form in shown
    ]


def _form_data(item: ActionDetail) -> dict[str, Any]:
    """What every form's submit carries: the item, and the revision its card was drawn at."""
    return revised({"action_id": item.id}, revision(item))


def _choices(form: _Form, item: ActionDetail, owners: Owners) -> Owners:
    """Who a form may give the item to: a split's halves anyone, a reassign anyone but its owner."""
    if form.move is Move.SPLIT:
        return owners
    return [(aad, name) for aad, name in owners if name != item.owner_name]


def _input_ids(form: _Form, item: ActionDetail, owners: Owners) -> set[str]:
    return {key for key, _ in form.fields({}, _choices(form, item, owners))}


Values = Mapping[str, str]
Owners = Sequence[tuple[str, str]]  # (AAD id, name): who an item may be reassigned to


@dataclass(frozen=True)
class _Form:
    """One of the owner's update forms: a show-card normally, drawn open after a warning."""

    move: OwnerMove
    title: str
    verb: str
    submit: str
    # The form's inputs, given what was typed and who the item may be given to.
    fields: Callable[[Values, Owners], list[tuple[str, ac.ElementAnnotated]]]

    def inputs(
        self,
        values: Values,
        warnings: Mapping[str, str],
        owners: Owners = (),
        errors: Mapping[str, str] | None = None,
    ) -> list[ac.ElementAnnotated]:
        """The inputs in the form's order, each with its problem (named by the label shown
        there: `cards.common.field_error_line`) and any identifier warning under it."""
        body: list[ac.ElementAnnotated] = []
        for key, element in self.fields(values, owners):
            body.append(element)
            if errors and key in errors:
                body.append(field_error_line(element, errors[key]))
            if key in warnings:
                body.extend(
                    identifier_warning(key, warnings[key], ticked=is_confirmed(values, key))
                )
        return body


def _split_half(
    prefix: str, name: str, values: Values, owners: Owners
) -> list[tuple[str, ac.ElementAnnotated]]:
    """One new item of a split: the inputs of the outcome's action-item form that make it
    SMART (its lead agency and theme are the item's)."""
    key = f"{prefix}_{{}}".format
    # Each label names its half: a reader (or a screen reader) never meets two "Owner"s.
    return [
        (
            key("description"),
            text_input(
                key("description"),
                f"{name}: what will be done",
                values.get(key("description")),
                max_length=DESCRIPTION_MAX,
                multiline=True,
                required=True,
            ),
        ),
        (
            key("owner"),
            choice_input(
                key("owner"),
                f"{name}: owner",
                list(owners),
                values.get(key("owner")),
                required=True,
            ),
        ),
        (
            key("due_on"),
            date_input(
                key("due_on"), f"{name}: due date", values.get(key("due_on")), required=True
            ),
        ),
        (
            key("measure"),
            text_input(
                key("measure"),
                f"{name}: how we'll know it made a difference",
                values.get(key("measure")),
                max_length=MEASURE_MAX,
                multiline=True,
                required=True,
            ),
        ),
    ]


def _note(key: str, label: str, values: Values) -> tuple[str, ac.ElementAnnotated]:
    element = text_input(
        key, label, values.get(key), max_length=NOTE_MAX, multiline=True, required=True
    )
    return key, element


_FORMS = (
    _Form(
        OwnerMove.PROGRESS,
        "Update progress",
        verbs.ACTION_PROGRESS,
        "Save update",
        lambda v, _: [
            _note("note", "What has happened since the last update?", v),
            (
                "rag",
                choice_input(
                    "rag",
                    "Your assessment",
                    [("green", "On track"), ("amber", "At risk"), ("red", "Off track")],
                    v.get("rag"),
                ),
            ),
        ],
    ),
    _Form(
        OwnerMove.COMPLETE,
        "Mark complete",
        verbs.ACTION_COMPLETE,
        "Mark complete",
        lambda v, _: [
            _note("evidence", "Evidence of completion", v),
            (
                "evidence_link",
                text_input(
                    "evidence_link",
                    "Link to the evidence (optional, https://…)",
                    v.get("evidence_link"),
                    max_length=LINK_MAX,
                    say_limit=False,  # an address, never a paste of prose
                ),
            ),
        ],
    ),
    _Form(
        OwnerMove.NEW_DATE,
        "Ask for a new date",
        verbs.ACTION_NEW_DATE,
        "Ask the chair",
        lambda v, _: [
            (
                "proposed_due_on",
                date_input(
                    "proposed_due_on", "Proposed date", v.get("proposed_due_on"), required=True
                ),
            ),
            _note("reason", "Why", v),
        ],
    ),
    _Form(
        OwnerMove.BLOCKED,
        "Blocked",
        verbs.ACTION_BLOCKED,
        "Tell the chair",
        lambda v, _: [_note("reason", "What is blocking it?", v)],
    ),
    # The chair's decisions on an escalated item
    _Form(
        Move.SET_DATE,
        "Set a new date",
        verbs.ACTION_SET_DATE,
        "Set the date",
        lambda v, _: [
            ("due_on", date_input("due_on", "New due date", v.get("due_on"), required=True)),
            _note("reason", "Why, for the owner and the record", v),
        ],
    ),
    _Form(
        Move.NOT_ACHIEVABLE,
        "Not achievable",
        verbs.ACTION_NOT_ACHIEVABLE,
        "Mark not achievable",
        lambda v, _: [_note("reason", "Why it can't be achieved", v)],
    ),
    _Form(
        Move.REOPEN,
        "Reopen",
        verbs.ACTION_REOPEN,
        "Reopen for the owner",
        lambda v, _: [_note("reason", "What the owner should do now", v)],
    ),
    # The chair's controls on any item not yet done
    _Form(
        Move.REASSIGN,
        "Reassign",
        verbs.ACTION_REASSIGN,
        "Reassign",
        lambda v, owners: [
            (
                "owner",
                choice_input("owner", "New owner", list(owners), v.get("owner"), required=True),
            ),
            _note("reason", "Why, for both owners and the record", v),
        ],
    ),
    _Form(
        Move.AMEND,
        "Amend",
        verbs.ACTION_AMEND,
        "Save the change",
        lambda v, _: [
            _note("new_description", "What is to be done", v),
            ("new_due_on", date_input("new_due_on", "Due date", v.get("new_due_on"))),
            _note("reason", "Why it changed, for the owner and the record", v),
        ],
    ),
    _Form(
        Move.SPLIT,
        "Split in two",
        verbs.ACTION_SPLIT,
        "Split it",
        lambda v, owners: [
            *(
                field
                for prefix, name in SPLIT_PARTS
                for field in _split_half(prefix, name, v, owners)
            ),
            _note("reason", "Why it is split, for the owners and the record", v),
        ],
    ),
    _Form(
        Move.CANCEL,
        # Not a bare "Cancel", which reads as closing the form (new-user walk M11).
        "Cancel this action item…",
        verbs.ACTION_CANCEL,
        "Cancel this action item",
        lambda v, _: [_note("reason", "Why it is cancelled", v)],
    ),
    # Readers' own moves on escalation copies
    _Form(
        Move.NUDGE,
        "Nudge the owner",
        verbs.ACTION_NUDGE,
        "Send",
        lambda v, _: [_note("note", "Your message to the owner", v)],
    ),
    _Form(
        Move.LEAD_REASSIGN,
        "Reassign",
        verbs.ACTION_LEAD_REASSIGN,
        "Reassign",
        lambda v, owners: [
            (
                "owner",
                choice_input(
                    "owner",
                    "New owner, in your agency",
                    list(owners),
                    v.get("owner"),
                    required=True,
                ),
            ),
            _note("reason", "Why, for both owners, the chair and the record", v),
        ],
    ),
    _Form(
        Move.PROPOSE_DATE,
        "Propose a new date",
        verbs.ACTION_PROPOSE_DATE,
        "Propose to the chair",
        lambda v, _: [
            ("due_on", date_input("due_on", "Proposed date", v.get("due_on"), required=True)),
            _note("note", "Why", v),
        ],
    ),
    _Form(
        Move.ASK_REASSIGN,
        "Ask the chair to reassign",
        verbs.ACTION_ASK_REASSIGN,
        "Ask the chair",
        lambda v, _: [_note("note", "Which agency or person should have it, and why", v)],
    ),
    _Form(
        Move.COMMENT,
        "Comment",
        verbs.ACTION_COMMENT,
        "Send the comment",
        lambda v, _: [_note("note", "The LIC group's comment", v)],
    ),
    _Form(
        Move.REQUEST_UPDATE,
        "Request an update",
        verbs.ACTION_REQUEST_UPDATE,
        "Ask the owner",
        lambda v, _: [_note("note", "What the LIC group wants to know", v)],
    ),
)


# A completed item's owner adds evidence of what it has changed (the impact chasers ask for it),
# not progress with an on-track rating: the work is delivered.
_IMPACT_EVIDENCE = _Form(
    OwnerMove.PROGRESS,
    "Add evidence of impact",
    verbs.ACTION_PROGRESS,
    "Save the evidence",
    lambda v, _: [_note("note", "What difference has it made so far? The LIC group reads this", v)],
)


def _forms_for(status: ActionStatus) -> dict[Move, _Form]:
    forms = {form.move: form for form in _FORMS}
    if status is ActionStatus.COMPLETED:
        forms[OwnerMove.PROGRESS] = _IMPACT_EVIDENCE
    return forms


def _warned_form(
    item: ActionDetail,
    warned: WarnedForm,
    owners: Owners = (),
    errors: Mapping[str, str] | None = None,
) -> tuple[list[Any], Any, _Form | None]:
    """The form the mover sent, drawn open with what they typed, each problem under its box
    and a tick per flagged field, its submit as on the show-card it came from; the form, to
    leave out of the other moves."""
    form = _sent_form(item, warned)
    if form is None:
        return [], None, None
    body = [
        paragraph(form.title, subtle=True),
        *form.inputs(warned.values, warned.warnings, _choices(form, item, owners), errors),
    ]
    return body, button(form.submit, form.verb, _form_data(item), primary=True), form


def _sent_form(item: ActionDetail, warned: WarnedForm | None) -> _Form | None:
    """The form a refused move was sent from, among the item's forms at its status."""
    if warned is None:
        return None
    return next((f for f in _forms_for(item.status).values() if f.verb == warned.verb), None)


# Over the item, when a refused form is drawn open below it with a problem under a box.
SEE_BELOW = "Nothing was changed: the form below says what to fix, under each box."


def _problems(
    item: ActionDetail,
    errors: Mapping[str, str],
    warned: WarnedForm | None,
    owners: Owners,
    drawn: bool,
) -> list[ac.ElementAnnotated]:
    """A refused move's problems, over the item: those of the form sent (drawn open below,
    each under its box, `_warned_form`) pointed to, any other said here (walk8: the chair's
    Amend and Reassign listed theirs here, last box first, one naming no box)."""
    form = _sent_form(item, warned) if drawn else None
    if form is None or warned is None:
        return [error_line(message) for message in errors.values()]
    boxes = {key for key, _ in form.fields(warned.values, _choices(form, item, owners))}
    others = [error_line(message) for key, message in errors.items() if key not in boxes]
    return [*([error_line(SEE_BELOW)] if boxes & errors.keys() else []), *others]


@dataclass(frozen=True)
class WarnedForm:
    verb: str
    values: Values
    warnings: Mapping[str, str]


def _facts(
    item: ActionDetail,
    rag: Rag | None,
    *,
    show_owner: bool = False,
    request: bool = False,
    rag_reason: str | None = None,
) -> ac.FactSet:
    due = friendly_date(item.effective_due)
    if item.revised_due_on:
        due += f" (revised from {friendly_date(item.due_on)})"
    pairs = [
        ("Status", status_label(item.status)),
        ("Due", due),
        ("Lead agency", item.agency_name or "Not set"),
        ("How we'll know", item.success_measure or "Not set"),
    ]
    if rag is not None:
        # "Why it's red: blocked" under "Status: Blocked" says it twice (walk9): the reason
        # shows when it adds something (blocked and overdue too), as `my actions` does.
        repeats = rag_reason == status_reason(item.status)
        pairs[1:1] = _rag_facts(rag, None if repeats else rag_reason)
    if show_owner:
        pairs.insert(0, ("Owner", item.owner_name or "Not set"))
    latest = item.latest
    if latest is not None:
        # The one rule (`action_history.latest`): a decision of the chair's says so, who and when.
        pairs.append((title_of(latest), f"{said(latest)} ({stamp(latest)})"))
    if request:
        pairs.extend(_request_facts(item))
    return facts(pairs)


def _rag_facts(rag: Rag | None, reason: str | None) -> list[tuple[str, str]]:
    """The RAG label every view shares and, under it, which of its causes this is
    (`domain.actions.item_rag_reason`): "Why it's red: overdue by 12 working days"."""
    pairs = [("RAG", RAG_LABELS[rag] if rag else "Not rated")]
    if rag is not None and reason:
        pairs.append((why_rated(rag.value), reason))
    return pairs


def action_item_card(
    item: ActionDetail,
    rag: Rag | None = None,
    *,
    rag_reason: str | None = None,
    chase: PlannedChase | None = None,
    notices: Sequence[str] = (),
    errors: dict[str, str] | None = None,
    owner: bool = True,
    chair: bool = False,
    warned: WarnedForm | None = None,
    owners: Owners = (),
    readers: Sequence[Mover] = (),
) -> Card:
    """The item with the moves of whoever reads it: the owner's, and the chair's (the review's
    chair, deputy or an admin) where the item's state gives the chair any. A chair who owns
    the item gets both (`domain.action_state.offered_moves`), each under its heading in the
    card, the owner's first (`_grouped_moves`)."""
    # A date request the chair decides here (`request_to_decide`): its Approve and Decline,
    # bound to it as on the request card sent to the chair, lead the chair's moves.
    deciding = chair and request_to_decide(item)
    whose = _whose(item, owner=owner, chair=chair)
    title = f"{'Reminder: ' if chase else ''}{whose} · {item.reference}"
    body: list[ac.ElementAnnotated] = [
        *header(title, f"{item.review_reference} · {item.pseudonym}"),
        *notice_lines(notices),
    ]
    if chase is not None:
        body.append(
            ac.TextBlock(
                text=user_text(chase.headline),
                wrap=True,
                weight=ty.FontWeight.BOLDER,
                color=ty.Colors.ATTENTION,
            )
        )
        body.append(paragraph(f"{chase.chased_line} {chase.what_next}", subtle=True))
    movers = [*([Mover.OWNER] if owner else []), *([Mover.CHAIR] if chair else []), *readers]
    drawn = warned is not None and bool(movers) and settled_by_review(item) is None
    body.extend(_problems(item, errors or {}, warned, owners, drawn))
    body.append(paragraph(item.description))
    body.append(_facts(item, rag, show_owner=not owner, request=deciding, rag_reason=rag_reason))
    gone = owner_gone_line(item) if chair else None
    if gone is not None:
        # Its owner left: the chair's Reassign leads their moves (`card_moves`).
        body.append(
            ac.TextBlock(
                text=user_text(gone),
                wrap=True,
                weight=ty.FontWeight.BOLDER,
                color=ty.Colors.ATTENTION,
            )
        )
    body.extend(lic_decision_lines(item))
    body.extend(history_lines(item))
    body.extend(_settled_lines(item))
    # Each reader gets only the buttons their moves allow: anyone with none (a lead copied in,
    # the chair told of a blocked item) gets the review's summary, not buttons to be refused.
    # The first mover with any moves: owner, chair, then a reader of an escalation copy
    # (`readers`: an agency lead, the LIC group); an owner who chairs the review, both.
    offered = card_moves(movers, item)
    mover, moves = offered[0] if offered else (None, ())
    # A reader in two roles (a chair who owns the item) has each role's moves in the card under
    # a heading saying whose they are, their own as its owner first (the chair's, when it waits
    # for their decision: `card_moves`); the card's buttons, drawn last, keep the way back to
    # the summary.
    grouped = len(offered) > 1
    decide = request_buttons(item) if deciding else []
    actions = [] if grouped else [*decide, *_move_buttons(item, moves, owners)]
    if not actions or mover is Mover.CHAIR or deciding:
        # An ended item still leads somewhere; and the chair, who often opens an item from the
        # summary (whose card the item's replaces), can go back to it.
        actions = [*actions, _summary_button(item)]
    if warned is not None and drawn:
        inputs, submit, form = _warned_form(item, warned, owners, errors or {})
        if submit is not None:
            # The refused form, open with what was typed, keeps the card's other controls: the
            # other moves, a way back to the item as it is (dropping what was typed), and the
            # summary where the card had it.
            body.extend(inputs)
            back = without_inputs(
                button("Back to the item", verbs.ACTION_VIEW, {"action_id": item.id})
            )
            ends = [without_inputs(_summary_button(item))] if _summary_button_shown(actions) else []
            if grouped:
                # Its submit under its inputs, before the roles' other moves: drawn as the
                # card's buttons, it came after the chair's moves, far from what was typed.
                body.append(ac.ActionSet(actions=[submit, back]))
                body.extend(_grouped_moves(item, offered, owners, form, decide))
                return _with_show_cards(build(body), [*ends, *_listed(owner or chair, True)])
            others = _move_buttons(item, moves, owners, form)
            # A waiting request's Approve and Decline stay, sending nothing typed.
            decided = [without_inputs(b) for b in request_buttons(item)] if deciding else []
            buttons = [submit, *decided, *others, back, *ends, *_listed(owner or chair, True)]
            return _with_show_cards(build(body), buttons)
    if grouped:
        body.extend(_grouped_moves(item, offered, owners, decide=decide))
    return _with_show_cards(build(body), [*actions, *_listed(owner or chair)])


def _whose(item: ActionDetail, *, owner: bool, chair: bool) -> str:
    """Whose the item is to its reader, as its card's title says: the owner's ("Your action"),
    or, to a chair it waits for (`domain.actions.chair_decides`: escalated to them, a date to
    approve, or blocked), theirs to decide, saying when it is blocked: the reason the owner
    gave is on the card, and reassigning, amending, splitting or cancelling it is the chair's
    (the owner can still update progress and ask for a new date)."""
    if owner:
        return "Your action"
    if not (chair and chair_decides(item)):
        return "Action"
    if item.status is ActionStatus.BLOCKED:
        return "For your decision: blocked action"
    return "For your decision: action"


def _listed(has_list: bool, beside_form: bool = False) -> list[ac.ActionExecute]:
    """The way back to `my actions`, last, for a reader who has the list (an owner, a chair):
    an item opened from it had none, so they typed `my actions` again. Beside a refused form
    it sends none of what was typed."""
    if not has_list:
        return []
    back = button("My actions", verbs.MY_ACTIONS)
    return [without_inputs(back) if beside_form else back]


# The heading over each role's moves on a card offering two roles' (`_grouped_moves`), in the
# order `domain.actions.card_moves` gives them: the reader's own as its owner first, unless the
# item waits for their decision as its chair. The first role's, then the next's ("also").
AS_MOVER: Final[Mapping[Mover, tuple[str, str]]] = {
    Mover.OWNER: ("As its owner, you can:", "As its owner, you can also:"),
    Mover.CHAIR: ("As the review's chair, you can:", "As the review's chair, you can also:"),
}


def _grouped_moves(
    item: ActionDetail,
    offered: Sequence[tuple[Mover, Sequence[Move]]],
    owners: Owners,
    open_form: _Form | None = None,
    decide: Sequence[ac.ActionExecute] = (),
) -> list[ac.ElementAnnotated]:
    """Each role's moves (the owner's, then the chair's, to a chair who owns the item; the
    chair's first when it waits for their decision), in the card under a heading saying whose
    they are; `decide` (a waiting date request's Approve and Decline) leads the chair's. The
    chair's were drawn above the owner's (the owner's were the card's buttons, which Teams
    draws last) and the owner's had no heading; a row of its own also keeps each role to the
    six buttons Teams shows."""
    elements: list[ac.ElementAnnotated] = []
    for mover, moves in offered:
        buttons = _move_buttons(item, moves, owners, open_form)
        if mover is Mover.CHAIR:
            # Beside a refused form open above, they must not send what was typed in it.
            buttons = [*(without_inputs(b) if open_form else b for b in decide), *buttons]
        if buttons:
            first, later = AS_MOVER.get(mover, ("You can:", "You can also:"))
            elements.append(
                ac.TextBlock(
                    text=later if elements else first,
                    wrap=True,
                    weight=ty.FontWeight.BOLDER,
                    separator=True,
                )
            )
            elements.append(ac.ActionSet(actions=buttons))
    return elements


def _summary_button_shown(actions: Sequence[Any]) -> bool:
    return any(getattr(a, "verb", None) == verbs.SUMMARY for a in actions)


def _settled_lines(item: ActionDetail) -> list[ac.ElementAnnotated]:
    """Why an item takes no moves whatever its state (its review was cancelled), and what the
    reader can do instead: drawn where the moves would be."""
    why = settled_by_review(item)
    if why is None:
        return []
    return [
        ac.TextBlock(text=why, wrap=True, weight=ty.FontWeight.BOLDER),
        paragraph(SETTLED_INSTEAD, subtle=True),
    ]


def _summary_button(item: ActionDetail) -> ac.ActionExecute:
    return button("Review summary", verbs.SUMMARY, {"review_id": item.review_id})


def lic_decision_lines(
    item: ActionDetail, heading: str = "The LIC group's last decision"
) -> list[ac.ElementAnnotated]:
    """The LIC group's latest impact record on the item (decision, date, minute, and each
    answer as its own fact), so the owner and the chair read why it was kept open or
    escalated on the item itself, not only in a one-off notice."""
    if item.lic_decision is None:
        return []
    return [
        ac.TextBlock(
            text=heading, wrap=True, weight=ty.FontWeight.BOLDER, spacing=ty.Spacing.MEDIUM
        ),
        facts(lic_decision_facts(item.lic_decision)),
    ]


# Teams draws six of a card's buttons; the rest go to its "…" menu (Adaptive Cards 1.5
# `mode: secondary`), where Teams still offers them, rather than being left off.
TEAMS_BUTTONS: Final = 6


def _with_show_cards(card: Card, actions: Sequence[Any]) -> Card:
    # build() takes Action.Execute only; ShowCards are serialised the same way, to plain JSON.
    for extra in actions[TEAMS_BUTTONS:]:
        extra.mode = ty.ActionMode.SECONDARY
    if actions:
        card["actions"] = [
            json.loads(a.model_dump_json(exclude_none=True, by_alias=True)) for a in actions
        ]
    return card


# How many rows `my actions` lists, and how many of them get an Open button (Teams shows six of
# a card's buttons; the card stays well under its size limit).
_MY_ROWS: Final = 15
_MY_OPENS: Final = 5


def history_lines(item: ActionDetail) -> list[ac.ElementAnnotated]:
    """The item's "History": the newest few entries before its latest (which its facts show),
    who and when, the rest counted (`action_history.before_latest`). Nothing when the latest is
    all there is."""
    shown = before_latest(item.history)
    if not shown.entries:
        return []
    lines: list[ac.ElementAnnotated] = [
        ac.TextBlock(
            text="History", wrap=True, weight=ty.FontWeight.BOLDER, spacing=ty.Spacing.MEDIUM
        )
    ]
    lines.extend(small_line(user_text(history_line(entry))) for entry in shown.entries)
    if shown.earlier_words:
        lines.append(small_line(shown.earlier_words))
    return lines


def my_actions_card(mine: MyActions) -> Card:
    """`my actions`. A chair reads two headed groups, each with its count and an empty state:
    what waits for their decision, then their own items (domain/actions.py `group_my_actions`).
    Anyone else reads their own items as one list."""
    body: list[ac.ElementAnnotated] = [*header("My actions", "Most urgent first")]
    groups: list[tuple[str | None, Sequence[Rated], str]] = []
    if mine.deciding is not None:
        groups.append(
            (
                f"Waiting for your decision ({len(mine.deciding)})",
                mine.deciding,
                "Nothing is waiting for your decision.",
            )
        )
        groups.append(
            (
                f"Your action items ({len(mine.own)})",
                mine.own,
                "You have no open action items of your own.",
            )
        )
    else:
        groups.append((None, mine.own, "You have no open action items."))
    shown: list[Rated] = []
    for heading, rows, empty in groups:
        if heading is not None:
            body.append(
                ac.TextBlock(
                    text=heading,
                    wrap=True,
                    weight=ty.FontWeight.BOLDER,
                    size=ty.FontSize.MEDIUM,
                    spacing=ty.Spacing.LARGE,
                )
            )
        if not rows:
            body.append(paragraph(empty, subtle=heading is not None))
        room = max(_MY_ROWS - len(shown), 0)
        body.extend(_my_row(row) for row in rows[:room])
        shown.extend(rows[:room])
        if len(rows) > room:
            body.append(paragraph(f"…and {len(rows) - room} more.", subtle=True))
    actions = [
        button(
            shortened(f"Open {row.item.reference}", 40),
            verbs.ACTION_VIEW,
            {"action_id": row.item.id},
        )
        for row in shown[:_MY_OPENS]
    ]
    return build(body, actions)


def _my_row(row: Rated) -> ac.Container:
    item, rag = row.item, row.rag
    # An item waiting for the reader's decision names its owner up top, so the reason under it
    # (`domain.actions.awaits_decision`: what is to be decided) reads as one sentence.
    named = row.why is not None and item.owner_name
    who = f" · owner {user_text(item.owner_name)}" if named else ""
    lines = [
        ac.TextBlock(
            text=f"**{item.reference}**{who} · {RAG_LABELS.get(rag, '') if rag else ''}"
            f" · due {friendly_date(item.effective_due)}",
            wrap=True,
        )
    ]
    # The item card's "Why red" (`actions.item_rating`), so the two never disagree.
    lines.extend(rag_why_lines(rag.value if rag else None, row.reason))
    if row.why is not None:
        lines.append(ac.TextBlock(text=f"{row.why}.", wrap=True, spacing=ty.Spacing.NONE))
    lines.append(
        ac.TextBlock(
            text=user_text(shortened(item.description, 160)),
            wrap=True,
            spacing=ty.Spacing.NONE,
            max_lines=2,
        )
    )
    return ac.Container(separator=True, items=lines)


def _request_facts(item: ActionDetail) -> list[tuple[str, str]]:
    """The date request waiting for the chair, as the request card shows it: what Approve
    approves."""
    return [
        ("New date asked for", friendly_date(item.pending_date)),
        ("Reason given", item.pending_date_reason or ""),
    ]


def request_buttons(item: ActionDetail) -> list[ac.ActionExecute]:
    """Approve and Decline of the exact request shown, wherever the chair reads it (the
    request card, the item's card): a later request, or none, refuses them
    (`actions.decide_date`), as does the item changing since it was drawn."""
    data = revised({"action_id": item.id, "request_id": item.pending_request_id}, revision(item))
    return [
        button("Approve", verbs.DATE_APPROVE, data, primary=True),
        button("Decline", verbs.DATE_DECLINE, data),
    ]


def date_request_card(item: ActionDetail) -> Card:
    body = [
        *header(
            f"New date asked for · {item.reference}", f"{item.review_reference} · {item.pseudonym}"
        ),
        paragraph(shortened(item.description, 300)),
        facts(
            [
                ("Owner", item.owner_name or "Unknown"),
                ("Current due date", friendly_date(item.effective_due)),
                ("Proposed", friendly_date(item.pending_date)),
                ("Reason", item.pending_date_reason or ""),
            ]
        ),
    ]
    if settled_by_review(item) is not None:
        return build([*body, *_settled_lines(item)], [_summary_button(item)])
    refused = date_request_refused(item)
    if refused is not None:
        # The rule `actions.decide_date` refuses by: no buttons to be refused, but why.
        opened = button("Open the action", verbs.ACTION_VIEW, {"action_id": item.id})
        return build([*body, paragraph(refused, subtle=True)], [opened])
    return build(body, request_buttons(item))


def split_card(item: ActionDetail, parts: Sequence[ActionDetail], notices: Sequence[str]) -> Card:
    """The chair's card after a split: where the work went, and a way to each new item."""
    body: list[ac.ElementAnnotated] = [
        *header(f"Split · {item.reference}", f"{item.review_reference} · {item.pseudonym}"),
        *notice_lines(notices),
        paragraph(f"Was: {item.description[:300]}", subtle=True),
    ]
    for part in parts:
        body.append(
            ac.Container(
                separator=True,
                items=[
                    ac.TextBlock(
                        text=user_text(f"{part.reference} · {part.owner_name or 'No owner'}"),
                        wrap=True,
                        weight=ty.FontWeight.BOLDER,
                    ),
                    paragraph(part.description[:300]),
                    facts(
                        [
                            ("Due", friendly_date(part.effective_due)),
                            ("How we'll know", part.success_measure or "Not set"),
                        ]
                    ),
                ],
            )
        )
    opens = [
        button(
            f"Open {part.reference.rsplit('/', 1)[-1]}", verbs.ACTION_VIEW, {"action_id": part.id}
        )
        for part in parts
    ]
    return build(body, [*opens, _summary_button(item)])


def chair_notice_card(
    item: ActionDetail,
    title: str,
    message: str,
    *,
    with_lic_decision: bool = False,
    listed: bool = False,
) -> Card:
    """A notice about the item, to its owner or the chair, leading to it; `listed`, to the
    chair after their own decision, back to their `my actions` too."""
    body = [
        *header(f"{title} · {item.reference}", f"{item.review_reference} · {item.pseudonym}"),
        paragraph(message),
        paragraph(shortened(item.description, 300), subtle=True),
        *(lic_decision_lines(item) if with_lic_decision else []),
    ]
    opened = button("Open the action", verbs.ACTION_VIEW, {"action_id": item.id})
    return build(body, [opened, *_listed(listed)])


def review_closed_card(item: ActionDetail) -> Card:
    """To the chair when the LIC group closed a review's last open item: about the review, so
    titled with it and leading to its summary (the item that happened to be last is named)."""
    body = [
        *header(f"Review closed · {item.review_reference}", item.pseudonym),
        paragraph(
            f"Every action item of {item.review_reference} is closed, so the review is closed. "
            f"The last to close was {item.reference}."
        ),
    ]
    return build(body, [_summary_button(item)])


def impact_card(
    item: ActionDetail,
    errors: Mapping[str, str] | None = None,
    values: Values | None = None,
    warnings: Mapping[str, str] | None = None,
) -> Card:
    """For the LIC channel: the Outcomes-Based Accountability questions and a decision. After
    an identifier warning, drawn again with what was typed and a tick under each flagged field."""
    errors = errors or {}
    values = values or {}
    warnings = warnings or {}
    if settled_by_review(item) is not None:
        # Recording impact would be refused (`actions.load(hold=True)`): no form, but why.
        title = f"Impact · {item.reference}"
        settled = [*header(title, f"{item.review_reference} · {item.pseudonym}")]
        settled += [paragraph(shortened(item.description, 400)), *_settled_lines(item)]
        return build(settled, [_summary_button(item)])
    fields: list[tuple[str, ac.ElementAnnotated]] = [
        (
            "how_much",
            text_input(
                "how_much",
                "How much did we do?",
                values.get("how_much"),
                max_length=NOTE_MAX,
                multiline=True,
                required=True,
            ),
        ),
        (
            "how_well",
            text_input(
                "how_well",
                "How well did we do it?",
                values.get("how_well"),
                max_length=NOTE_MAX,
                multiline=True,
                required=True,
            ),
        ),
        (
            "better_off",
            text_input(
                "better_off",
                "Is anyone better off?",
                values.get("better_off"),
                max_length=NOTE_MAX,
                multiline=True,
                required=True,
            ),
        ),
        (
            "evidence",
            text_input(
                "evidence",
                "Evidence (audit, re-audit, survey, data)",
                values.get("evidence"),
                max_length=NOTE_MAX,
                multiline=True,
            ),
        ),
        (
            "decision",
            choice_input(
                "decision",
                "Decision",
                [
                    ("close", "Close: impact evidenced"),
                    ("keep_open", "Keep open"),
                    ("escalate", "Escalate"),
                ],
                values.get("decision"),
                expanded=True,
                required=True,
            ),
        ),
        (
            "minute_reference",
            text_input(
                "minute_reference",
                "LIC minute reference",
                values.get("minute_reference"),
                max_length=100,
            ),
        ),
        ("lic_held_on", date_input("lic_held_on", "LIC meeting date", values.get("lic_held_on"))),
    ]
    body: list[ac.ElementAnnotated] = [
        *header(
            f"Record impact · {item.reference}",
            f"{item.review_reference} · "
            f"{item.pseudonym} · completed by "
            f"{item.owner_name or 'the owner'}",
        ),
        paragraph(shortened(item.description, 400)),
        facts(
            [
                ("Evidence of completion", shortened(item.evidence_text or "", 400)),
                ("Link", evidence_link_fact(item.evidence_link)),
                ("How we'll know", item.success_measure or "Not set"),
            ]
        ),
        # Back for impact again after a keep-open or an escalation: what was decided last.
        *lic_decision_lines(item, "The LIC group's previous decision"),
    ]
    for key, element in fields:
        body.append(element)
        if key in errors:
            body.append(field_error_line(element, errors[key]))
        if key in warnings:
            body.extend(identifier_warning(key, warnings[key], ticked=is_confirmed(values, key)))
    return build(
        body,
        [
            button(
                "Record impact",
                verbs.IMPACT_RECORD,
                revised({"action_id": item.id}, revision(item)),
                primary=True,
            ),
            *open_evidence(item.evidence_link),
        ],
    )


def evidence_link_fact(link: str | None) -> str:
    """The evidence link as the Link fact says it: a safe https address is opened by its button
    (`open_evidence`), anything else is shown as inert text and never opened."""
    if not link:
        return "No link given"
    if web_link(link) is not None:
        return "Given: Open the evidence, at the foot of this card"
    return f"{link} (not opened: not a plain https web address)"


def open_evidence(link: str | None) -> list[Card]:
    """An Action.OpenUrl to the evidence, when its link is a safe https address."""
    url = web_link(link)
    return [{"type": "Action.OpenUrl", "title": "Open the evidence", "url": url}] if url else []


def impact_done_card(item: ActionDetail, decision: str, review_closed: bool) -> Card:
    """What the LIC member sees after recording impact: the decision, and the way on (the rest
    of the queue, or the item as it now is)."""
    words = {
        "close": "closed: chasing has stopped",
        "keep_open": "kept open: back to the owner",
        "escalate": "escalated to the chair",
    }
    body = [
        *header(f"Impact recorded · {item.reference}", item.review_reference),
        paragraph(f"The item is {words.get(decision, decision)}."),
    ]
    if review_closed:
        body.append(
            paragraph(
                f"Every action of {item.review_reference} is closed, so the review is closed."
            )
        )
    # A way on: the rest of the LIC group's queue, or the review as it now stands (the
    # decision is in its impact section).
    onward = [
        button("Next in awaiting impact", verbs.AWAITING_IMPACT, primary=True),
        _summary_button(item),
    ]
    return build(body, onward)


def policy_card(
    policy: ChaserPolicy, errors: dict[str, str] | None = None, notices: Sequence[str] = ()
) -> Card:
    errors = errors or {}
    settings = policy.to_settings()
    fields = [
        ("reminder_days_before", "Reminder, working days before the due date"),
        ("overdue_every", "While overdue, a chaser every … working days"),
        (
            "escalate_after",
            "Escalate to the agency lead after … unanswered overdue chasers "
            "(and to the chair and LIC after twice as many)",
        ),
        ("signoff_days", "Working days an agency lead has to sign a return off before chasers"),
        ("work_starts", "Working day starts (HH:MM, Europe/London)"),
        ("work_ends", "Working day ends (HH:MM)"),
    ]
    body: list[ac.ElementAnnotated] = [
        *header("Chaser policy", "For this partnership"),
        *notice_lines(notices),
    ]
    for key, label in fields:
        body.append(text_input(key, label, str(settings.get(key, "")), max_length=5))
        if key in errors:
            body.append(error_line(field_problem(errors[key], label)))
    body.append(
        paragraph(
            "Chasers go on working days only, skipping England and Wales bank holidays.",
            subtle=True,
        )
    )
    saved = revised({}, policy_revision(policy))
    return build(body, [button("Save policy", verbs.POLICY_SAVE, saved, primary=True)])


def digest_card(
    month: str,
    counts: Sequence[tuple[str, int]],
    overdue: Sequence[tuple[ActionDetail, str]],
) -> Card:
    """The LIC group's monthly digest: the counts, then each overdue item with how it has
    been chased (`summaries.late_chase_text`, the overdue list's words)."""
    body: list[ac.ElementAnnotated] = [
        *header(f"Monthly digest · {month}", "For the LIC group"),
        facts([(label, str(n)) for label, n in counts]),
    ]
    if overdue:
        body.append(ac.TextBlock(text="Overdue", weight=ty.FontWeight.BOLDER, separator=True))
        body.extend(
            paragraph(
                f"{a.reference} · {a.agency_name or ''} · due "
                f"{friendly_date(a.effective_due)} · {chased}"
            )
            for a, chased in overdue[:15]
        )
    return build(body)


def return_chaser_card(
    reference: str,
    title: str,
    chase: PlannedChase,
    return_id: int,
    waiting: SubjectKind = SubjectKind.PRE_ANALYSIS_RETURN,
) -> Card:
    """A return's chaser to its practitioners, or to the agency lead it waits for: each gets
    the buttons that answer it where it stands."""
    body = [
        *header(f"Reminder · {title}", reference),
        ac.TextBlock(
            text=user_text(chase.headline),
            wrap=True,
            weight=ty.FontWeight.BOLDER,
            color=ty.Colors.ATTENTION,
        ),
        paragraph(f"{chase.chased_line} {chase.what_next}", subtle=True),
    ]
    data = {"return_id": return_id}
    if waiting is SubjectKind.NIL_CONFIRMATION:
        body.append(
            paragraph(
                "The review's chair recorded that your agency had no involvement, so it has no "
                "return to make. Confirm it, or say your agency was involved and the return "
                "stays open."
            )
        )
        answers = [
            button("Confirm nil return", verbs.NIL_CONFIRM, data, primary=True),
            button("We were involved", verbs.NIL_DECLINE, data),
        ]
        return build(body, answers)
    if waiting is SubjectKind.RETURN_SIGN_OFF:
        opens = button("Open the sign-off card", verbs.SIGNOFF_OPEN, data, primary=True)
        return build(body, [opens])
    return build(body, [button("Open the return", verbs.RETURN_OPEN, data, primary=True)])


_READER_TITLES = {
    Reader.AGENCY_LEAD: "For you as the agency's safeguarding lead",
    Reader.CHAIR: "For you as the review's chair",
    Reader.DEPUTY_CHAIR: "For you as the review's deputy chair",
    Reader.LIC: "For the LIC group",
}
# Who a return's chaser asks, as someone copied in reads it.
_CHASED = {
    SubjectKind.PRE_ANALYSIS_RETURN: "its practitioners haven't",
    SubjectKind.RETURN_SIGN_OFF: "its agency lead hasn't",
    SubjectKind.NIL_CONFIRMATION: "its agency lead hasn't",
}
_CHAIRS_CAN = {
    SubjectKind.PRE_ANALYSIS_RETURN: "You can extend the due date, assign someone else, record a "
    "nil return or proceed without the agency.",
    SubjectKind.RETURN_SIGN_OFF: "You can read the submitted return and ask the lead to sign it "
    "off; if the meeting can't wait, proceed without the agency.",
    SubjectKind.NIL_CONFIRMATION: "You can ask the lead to confirm or decline the nil return; if "
    "the meeting can't wait, proceed without the agency.",
}


def return_escalation_card(
    reference: str,
    title: str,
    chase: PlannedChase,
    return_id: int,
    waiting: SubjectKind,
    reader: Reader,
    unanswered: int,
    unreached: Sequence[str] = (),
) -> Card:
    """A return's chaser as copied to the agency lead, the chair or the deputy chair: written
    for them, with the controls that are theirs, not the buttons of the one being chased;
    `unreached`: who of those chased Teams says can't be reached."""
    chased = _CHASED.get(waiting, "its owner hasn't")
    data = {"return_id": return_id}
    chairing = reader in (Reader.CHAIR, Reader.DEPUTY_CHAIR)
    if chairing:
        can = _CHAIRS_CAN.get(waiting, "")
        actions = [button("Manage this agency", verbs.REVIEW_AGENCY, data, primary=True)]
        if waiting is SubjectKind.RETURN_SIGN_OFF:
            actions.append(button("Read the return", verbs.RETURN_OPEN, data))
    else:
        can = "You can open the return and help its practitioners finish it."
        actions = [button("Open the return", verbs.RETURN_OPEN, data, primary=True)]
    body: list[ac.ElementAnnotated] = [
        *header(f"Escalation · {title}", reference),
        ac.TextBlock(
            text=user_text(chase.copy_headline),
            wrap=True,
            weight=ty.FontWeight.BOLDER,
            color=ty.Colors.ATTENTION,
        ),
        paragraph(_READER_TITLES[reader], subtle=True),
        paragraph(f"You're copied in because {chased} answered the chasers. {can}"),
        *_unreached_lines(unreached),
        facts([("Chasers unanswered", str(unanswered))]),
    ]
    return build(body, actions)


def _unreached_lines(unreached: Sequence[str]) -> list[ac.ElementAnnotated]:
    """Why a copy's reader is asked to help when the person chased can't be reached: the
    chasers counted as unanswered never reached them (domain/chase_engine.SETTLES)."""
    if not unreached:
        return []
    who = " and ".join(unreached)
    return [
        paragraph(f"{who} could not be reached in Teams, so the reminders haven't reached them.")
    ]


_READER_MOVERS: Mapping[Reader, Mover] = {
    Reader.AGENCY_LEAD: Mover.AGENCY_LEAD,
    Reader.CHAIR: Mover.CHAIR,
    Reader.DEPUTY_CHAIR: Mover.CHAIR,  # the deputy makes the chair's moves
    Reader.LIC: Mover.LIC,
}


def escalation_card(
    item: ActionDetail,
    rag: Rag | None,
    reader: Reader,
    days_late: int,
    unanswered: int,
    owners: Owners = (),
    unreached: Sequence[str] = (),
    rag_reason: str | None = None,
) -> Card:
    """An escalation copy written for its reader: whose item, what, due when, how late, how
    many chasers went unanswered (and, when Teams can't reach the owner, that they never
    reached them) and the last update, with the reader's own moves (not the owner's buttons,
    which are not theirs)."""
    owner = item.owner_name or "No owner"
    late = f"{counted(days_late, 'working day')} late" if days_late else "due"
    body: list[ac.ElementAnnotated] = [
        *header(f"Escalation · {item.reference}", f"{item.review_reference} · {item.pseudonym}"),
        ac.TextBlock(
            text=user_text(f"{owner}'s action is {late}."),
            wrap=True,
            weight=ty.FontWeight.BOLDER,
            color=ty.Colors.ATTENTION,
        ),
        paragraph(_READER_TITLES[reader], subtle=True),
        *_unreached_lines(unreached),
        paragraph(item.description),
        facts(
            [
                ("Owner", f"{owner} · {item.agency_name or 'No agency'}"),
                ("Due", friendly_date(item.effective_due)),
                ("How late", late),
                *_rag_facts(rag, rag_reason),
                ("Chasers unanswered", str(unanswered)),
                ("Last update", _latest_words(item)),
            ]
        ),
    ]
    opens = button(
        shortened(f"Open {item.reference}", 40), verbs.ACTION_VIEW, {"action_id": item.id}
    )
    body.extend(_settled_lines(item))
    moves = _move_buttons(item, open_moves(_READER_MOVERS[reader], item), owners)
    return _with_show_cards(build(body), [*moves, opens])


def _latest_words(item: ActionDetail) -> str:
    latest = item.latest
    return "None yet" if latest is None else latest_words(latest)


def _evidence_line(item: ActionDetail) -> str:
    return f"Evidence: {shortened(item.evidence_text or 'None given', 200)}"


def awaiting_impact_card(items: Sequence[ActionDetail]) -> Card:
    """The LIC group's queue: completed items waiting for their impact to be recorded."""
    body: list[ac.ElementAnnotated] = [
        *header("Awaiting impact", "Completed items for the LIC group to decide on")
    ]
    if not items:
        body.append(paragraph("Nothing is waiting for the LIC group's impact record."))
    for item in items[:15]:
        body.append(
            ac.Container(
                separator=True,
                items=[
                    ac.TextBlock(
                        text=user_text(
                            f"{item.reference} · {item.owner_name or 'No owner'} · "
                            f"{item.agency_name or 'No agency'}"
                        ),
                        wrap=True,
                        weight=ty.FontWeight.BOLDER,
                    ),
                    paragraph(shortened(item.description, 160)),
                    paragraph(_evidence_line(item), subtle=True),
                ],
            )
        )
    if len(items) > 15:
        body.append(paragraph(f"…and {len(items) - 15} more.", subtle=True))
    buttons = [
        button(
            shortened(f"Record impact: {item.reference}", 40),
            verbs.ACTION_VIEW,
            {"action_id": item.id},
        )
        for item in items[:5]
    ]
    if not items:  # nothing to record: somewhere to go on, not a dead end
        buttons = [button("My actions", verbs.MY_ACTIONS), button("What can I do?", verbs.HELP)]
    return build(body, buttons)


def undelivered_card(report: Undelivered) -> Card:
    """To the chair and deputy: a reminder couldn't reach its person, who, why, and what
    they can do about it (the next reminder is still planned)."""
    row = report.row
    who = ", ".join(report.names)
    why = (
        "Teams says they can't be reached: they may have left the organisation or removed the "
        "Line of Sight app."
        if report.unreachable
        else "Teams didn't take it, however often I tried."
    )
    later = (
        f"I'll try again with the next reminder, on {friendly_date(report.next_chase_at)}."
        if report.next_chase_at
        else "No further reminder is planned."
    )
    tell = f"tell {who} yourself that it is waiting for them"
    missed = f"I couldn't deliver the reminder to {who}."
    if report.copy_for is not None:
        # An escalation copy: its reader was to be asked to help, and hasn't been.
        whose = " and ".join(report.owners) or "the owner"
        missed = (
            f"I couldn't deliver the copy of {whose}'s reminder to {who}, "
            f"{READER_WORDS[report.copy_for]}."
        )
        if not report.unreachable:
            why = "Teams didn't take it."
        later = f"{who} hasn't heard that it is late, and won't unless someone tells them."
        tell = f"tell {who} yourself that it needs their help"
        if report.interrupted:
            # Its outcome is unknown (the sender stopped mid-send): not called a failure.
            missed = (
                f"The copy of {whose}'s reminder to {who}, {READER_WORDS[report.copy_for]}, "
                "may not have arrived."
            )
            why = (
                "I was stopped while sending it (a restart or a crash), so I can't tell whether "
                "it arrived, and I won't send it again in case it did."
            )
            later = f"If it didn't, {who} hasn't heard that it is late."
    title = "Reminder may not have arrived" if report.interrupted else "Reminder not delivered"
    if row.subject_type == ACTION:
        opens = button(
            "Open the action", verbs.ACTION_VIEW, {"action_id": row.record_id}, primary=True
        )
        can = f"Open the action to give it to someone else, or {tell}."
        # An action's title is its whole description: the reference heads the card.
        top = [*header(f"{title} · {row.reference}"), paragraph(row.title)]
    else:
        data = {"return_id": row.record_id}
        opens = button("Manage this agency", verbs.REVIEW_AGENCY, data, primary=True)
        can = f"Manage this agency to assign someone else to the return, or {tell}."
        top = header(f"{title} · {row.title}", row.reference)
    body: list[ac.ElementAnnotated] = [
        *top,
        ac.TextBlock(
            text=user_text(missed),
            wrap=True,
            weight=ty.FontWeight.BOLDER,
            color=ty.Colors.ATTENTION,
        ),
        paragraph(why),
        paragraph(f"{later} {can}"),
    ]
    return build(body, [opens])


def access_ended_card(
    row: ChaseRow,
    names: Sequence[str],
    next_chase_at: datetime | None,
    kind: ChaseKind | None = None,
) -> Card:
    """To those who can give it to someone else (the chair and deputy; an open action item's
    agency leads too): a reminder was due to people whose access to Line of Sight has ended, so
    nothing was sent, and it needs a new owner, with the button to act. For a completed item's
    request for evidence of impact (told once: `chase_engine.access_ended_notice_due`), that
    the LIC group records its impact without them."""
    who = " and ".join(names)
    whose = f"{who}'s access" if len(names) == 1 else f"The access of {who}"
    said = f"{whose} to Line of Sight has ended, so the reminder due to them was not sent."
    later = (
        f"Until it has someone else, you'll hear this instead of each reminder (the next on "
        f"{friendly_date(next_chase_at)})."
        if next_chase_at
        else "No further reminder is planned."
    )
    if kind is ChaseKind.IMPACT_REQUEST:
        said = (
            f"{whose} to Line of Sight has ended, so the request for evidence of impact was "
            "not sent."
        )
        opens = button(
            "Open the action", verbs.ACTION_VIEW, {"action_id": row.record_id}, primary=True
        )
        need = (
            "This action item is completed and waits in the LIC group's queue (awaiting "
            "impact) for its impact to be recorded. No evidence of impact will come from its "
            "owner: ask the LIC group to record the impact from what they know (a member of "
            "the group records it on the item)."
        )
        later = "You won't be told this again for this item; nothing is sent to its owner."
        top = [*header(f"No evidence of impact to come · {row.reference}"), paragraph(row.title)]
    elif row.subject_type == ACTION:
        opens = button(
            "Open the action to reassign it",
            verbs.ACTION_VIEW,
            {"action_id": row.record_id},
            primary=True,
        )
        need = (
            "This action item needs a new owner: open it and Reassign it (the review's chair, "
            "or within the agency its safeguarding lead)."
        )
        top = [*header(f"Needs a new owner · {row.reference}"), paragraph(row.title)]
    else:
        opens = button(
            "Manage this agency", verbs.REVIEW_AGENCY, {"return_id": row.record_id}, primary=True
        )
        need = (
            "This return needs someone else to write it: manage this agency and assign another "
            "practitioner, who is invited to it."
        )
        top = header(f"Needs a new writer · {row.title}", row.reference)
    body: list[ac.ElementAnnotated] = [
        *top,
        ac.TextBlock(
            text=user_text(said), wrap=True, weight=ty.FontWeight.BOLDER, color=ty.Colors.ATTENTION
        ),
        paragraph(need),
        paragraph(later, subtle=True),
    ]
    return build(body, [opens])
