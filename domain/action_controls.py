"""The review chair's decisions and controls on an action item (issue 17).

An item the LIC group escalates is the chair's until they decide it: a new date (back to the
owner, due then), not achievable (cancelled, with the reason), reopen (back to the owner as it
was) or reassign (to a new owner). On any item not yet done the chair may reassign it, amend
what is to be done or its due date, split it into two new items, or cancel it. The agency
lead of the item's agency may reassign it too, to someone in that agency
(`Move.LEAD_REASSIGN`, by the same steps). Which move is open in which state is
`domain.action_state.MOVES`; each is audited with its reason, and the reason goes through the
identifier guard like any typed text.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain import audit, outcome
from domain.action_state import Move, Mover, require_move, status_after
from domain.actions import (
    ActionDetail,
    NewSplitItem,
    _close_review_if_done,
    _future_date,
    _reload,
    _set_status,
    _text,
    load,
)
from domain.chasers import ANSWERED, NEW_OWNER
from domain.errors import FormInvalid, InvalidInput, NotPermitted, field_error
from domain.identifier_checks import (
    record_kept,
    refuse_with_findings,
    require_confirmed,
    require_valid,
    typed_texts,
)
from domain.members import ended_choice
from domain.model import ActionStatus, Actor, MemberView, Role, is_directory_id, is_guid
from domain.repositories import UnitOfWork
from domain.wording import short_date

# The audit actions of a decision on an escalated item: a racer that lost is told which came.
DECIDED: Mapping[Move, str] = {
    Move.SET_DATE: "action.date_set",
    Move.NOT_ACHIEVABLE: "action.not_achievable",
    Move.REOPEN: "action.reopened",
}
# The audit action of each of the chair's moves.
AUDITED: Mapping[Move, str] = {
    **DECIDED,
    Move.REASSIGN: "action.reassigned",
    Move.LEAD_REASSIGN: "action.reassigned",
    Move.AMEND: "action.amended",
    Move.CANCEL: "action.cancelled",
    Move.SPLIT: "action.split",
}
_REASSIGNS = frozenset({Move.REASSIGN, Move.LEAD_REASSIGN})
_WHY_LABEL: Mapping[Move, str] = {
    Move.NOT_ACHIEVABLE: "Why it can't be achieved",
    Move.CANCEL: "Why it is cancelled",
}


@dataclass(frozen=True)
class Told:
    """Someone a move sends a card to, as the mover is told of it once it is sent."""

    member_id: int
    name: str
    reached: str  # what the mover is told when Teams took it


def unreached(names: Sequence[str]) -> str:
    """What the mover is told of those Teams reached nobody of: never that they were sent it
    (the owner of a late item is often the one who can't be reached)."""
    return (
        f"I couldn't reach {' or '.join(names)} in Teams, so they haven't seen this: please "
        "contact them yourself."
    )


def after_sending(told: Sequence[Told], reached: Collection[int]) -> tuple[str, ...]:
    """What the mover is told once the cards are sent: each person Teams took it for, then
    those it didn't, to contact another way. Two lines, so a card draws each as what it is:
    the first news, the second a caution (a chair who took an item on read "You have taken
    this action on" in the caution colour, with the sentence about the one it was taken from)."""
    said = " ".join(t.reached for t in told if t.member_id in reached)
    missed = list(dict.fromkeys(t.name for t in told if t.member_id not in reached))
    return tuple(line for line in (said, unreached(missed) if missed else "") if line)


def owner_told(item: ActionDetail) -> tuple[Told, ...]:
    """The item's owner, told of a decision on it (nobody when it has no owner)."""
    if item.owner_member_id is None:
        return ()
    owner = item.owner_name or "The owner"
    return (Told(item.owner_member_id, owner, f"{owner} has been told."),)


@dataclass(frozen=True)
class Decided:
    item: ActionDetail
    move: Move
    notice: str  # what the chair (or the lead who reassigned it) is told, before any sending
    tell_owner: str  # what the (new) owner is told
    old_owner: int | None = None  # reassigned: the owner it was taken from, who is told too
    tell_chair: str | None = None  # the lead reassigned it: what the review's chair is told
    tell_old_owner: str = ""  # reassigned: what the owner it was taken from is told
    # Who is sent a card about it; the mover hears who was reached only once it is sent.
    told: tuple[Told, ...] = ()


def chaired(uow: UnitOfWork, member: MemberView, action_id: object, move: Move) -> ActionDetail:
    """The item, held, when this member chairs its review (or is an admin) and its state
    allows the move; a decision that came second is told which came first."""
    item = load(uow, member, action_id, hold=True)
    if not item.chaired_by(member.id) and not member.has(Role.ADMIN):
        raise NotPermitted(f"Only the chair of {item.review_reference} decides {item.reference}.")
    if move in DECIDED and item.status is not ActionStatus.ESCALATED:
        decided = tuple(DECIDED.values())
        if uow.audit_trail.latest("action_item", str(item.id), decided) is not None:
            raise audit.already_done(
                uow, ("action_item", item.id), decided, f"{item.reference} was already decided"
            )
    ended = {Move.CANCEL: ActionStatus.CANCELLED, Move.SPLIT: ActionStatus.SPLIT}
    if move in ended and item.status is ended[move]:
        raise audit.already_done(
            uow,
            ("action_item", item.id),
            (AUDITED[move],),
            f"{item.reference} was already {'cancelled' if move is Move.CANCEL else 'split'}",
        )
    require_move(item.reference, Mover.CHAIR, item.status, move)
    return item


def led(uow: UnitOfWork, member: MemberView, action_id: object, move: Move) -> ActionDetail:
    """The item, held, when this member is an agency lead of its agency (their own) and its
    state allows the lead's move."""
    item = load(uow, member, action_id, hold=True)
    if not _reads_as(member, item, Mover.AGENCY_LEAD):
        raise NotPermitted(
            f"Only a safeguarding lead of {item.agency_name or 'its agency'} can reassign "
            f"{item.reference} within the agency; the review's chair can reassign it anywhere."
        )
    require_move(item.reference, Mover.AGENCY_LEAD, item.status, move)
    return item


def decide(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    move: Move,
    today: date,
    now: datetime,
) -> Decided:
    """One of the chair's moves on an item, with its reason: a new date, not achievable or
    reopen (an escalated item), or reassign, amend or cancel (any item not yet done); or the
    agency lead's reassign within their agency, which takes the same steps."""
    by_lead = move is Move.LEAD_REASSIGN
    holder = led if by_lead else chaired
    item = holder(uow, member, data.get("action_id"), move)
    errors: dict[str, str] = {}
    # The change's boxes come before the reason's in every form: its problems are said first.
    change = _change(uow, member, item, move, data, today, errors)
    reason = _text(
        data.get("reason"), "reason", _WHY_LABEL.get(move, "Reason"), errors, required=True
    )
    screened = require_valid(
        errors, {"reason": reason, "new_description": change.description}, data
    )
    if reason is None:  # the check above said why
        raise FormInvalid(errors)
    target = status_after(move, item.status)
    fields = change.fields(move, reason)
    if target is ActionStatus.IN_PROGRESS and item.status is ActionStatus.BLOCKED:
        fields = {**fields, "blocked_reason": None}  # as the owner's progress update unblocks
    if target is not None:
        _set_status(uow, actor, item, target, now, fields)
    else:
        uow.actions.update(item.id, {**fields, **ANSWERED})
    _close_date_request(uow, member, item, move, change.due is not None, now)
    kind = "lead_reassign" if by_lead else f"chair_{move.value}"
    uow.actions.add_progress(item.id, member.id, kind, reason, now, proposed_due_on=change.due)
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    audit.record(
        uow,
        item.partnership_id,
        actor,
        AUDITED[move],
        ("action_item", item.id),
        before={
            "status": item.status.value,
            "due_on": str(item.effective_due),
            "owner_member_id": item.owner_member_id,
        },
        after={
            "status": (target or item.status).value,
            "due_on": str(change.due or item.effective_due),
            "owner_member_id": change.owner_id or item.owner_member_id,
            "description_changed": change.description is not None,
            "by": Mover.AGENCY_LEAD.value if by_lead else Mover.CHAIR.value,
        },
    )
    fresh = _reload(uow, item)
    old_owner = item.owner_member_id if move in _REASSIGNS else None
    told = _told(fresh, move, reason, member)
    if item.status is ActionStatus.BLOCKED and target is ActionStatus.IN_PROGRESS:
        # Said, not left to be inferred from a status that changed (walk8).
        told = replace(
            told,
            notice=f"{told.notice} {BLOCK_LIFTED}",
            tell_owner=f"{told.tell_owner} {BLOCK_LIFTED}",
        )
    if old_owner is not None:
        told = _reassigned(told, member, by_lead)
    # Nobody is sent a card about their own move (a chair who takes an item on, or amends
    # their own): they see it on the card their move answers with.
    tells = tuple(t for t in _to_tell(told, item, old_owner) if t.member_id != member.id)
    told = replace(told, old_owner=old_owner, told=tells)
    # Not achievable or cancel may settle the review's last open item: the review closes, as
    # when the LIC group closes its last one, or it would stay at "actions open" for good.
    if move in _SETTLES and _close_review_if_done(uow, actor, item, now):
        return replace(told, notice=f"{told.notice} {_LAST_ITEM}")
    return told


# Why a decision closes the date request waiting on the item, in its history's words.
DATE_CLOSED_BY: Mapping[Move, str] = {
    Move.SET_DATE: "the chair set a new date",
    Move.REOPEN: "the chair reopened it",
    Move.NOT_ACHIEVABLE: "the chair marked it not achievable",
    Move.REASSIGN: "the chair reassigned it",
    Move.LEAD_REASSIGN: "its agency's lead reassigned it",
    Move.AMEND: "the chair amended its due date",
    Move.CANCEL: "the chair cancelled it",
    Move.SPLIT: "the chair split it into two new items",
}
# Decisions that settle the item's date whatever its state: a date of the chair's, or an end.
_DATE_SETTLED = frozenset({Move.SET_DATE, Move.NOT_ACHIEVABLE, Move.CANCEL, Move.SPLIT})


def date_request_closed(item: ActionDetail, move: Move, due_changed: bool) -> str | None:
    """What the item's history says of the date request waiting on it when this decision
    closes it, or None when none waits or the decision leaves it waiting. Any decision on an
    escalated item closes it (the item leaves the escalation with the chair's own answer), as
    does one that settles the item's date: a new date, an amended due date, or an end (not
    achievable, cancelled, split). Without it an approve from a card drawn before (or a
    hand-made one) would set the old date over the chair's, and the request would be offered
    again. A reassign or an amend of the wording alone, on an item not escalated, leaves it
    waiting: the item's date is still to be decided."""
    if item.pending_date is None:
        return None
    settles = item.status is ActionStatus.ESCALATED or move in _DATE_SETTLED
    if not settles and not (move is Move.AMEND and due_changed):
        return None
    return f"Date request for {short_date(item.pending_date)} closed: {DATE_CLOSED_BY[move]}."


def _close_date_request(
    uow: UnitOfWork,
    member: MemberView,
    item: ActionDetail,
    move: Move,
    due_changed: bool,
    now: datetime,
) -> None:
    """The progress entry that closes the request (`domain.actions.DATE_REQUEST_SETTLED`),
    ahead of the decision's own entry, when the decision closes it."""
    closed = date_request_closed(item, move, due_changed)
    if closed is not None:
        uow.actions.add_progress(
            item.id, member.id, "date_closed", closed, now, proposed_due_on=item.pending_date
        )


_SETTLES = frozenset({Move.NOT_ACHIEVABLE, Move.CANCEL})
_LAST_ITEM = "It was the review's last open item, so the review is now closed."


@dataclass(frozen=True)
class _Change:
    """What a move changes besides the status: a due date, an owner, a description."""

    due: date | None = None
    owner_id: int | None = None
    description: str | None = None

    def fields(self, move: Move, reason: str) -> dict[str, object]:
        fields: dict[str, object] = {}
        if self.due is not None:
            fields |= {"revised_due_on": self.due, "revised_due_reason": reason}
        if self.owner_id is not None:
            # The new owner's count of chasers starts from nothing; the record's goes on.
            fields |= {"owner_member_id": self.owner_id, **NEW_OWNER}
        if self.description is not None:
            fields["description"] = self.description
        if move is Move.NOT_ACHIEVABLE:
            fields["cancelled_reason"] = f"Not achievable: {reason}"
        if move is Move.CANCEL:
            fields["cancelled_reason"] = reason
        return fields


def _change(
    uow: UnitOfWork,
    member: MemberView,
    item: ActionDetail,
    move: Move,
    data: Mapping[str, object],
    today: date,
    errors: dict[str, str],
) -> _Change:
    if move is Move.SET_DATE:
        return _Change(due=_due(data.get("due_on"), "due_on", today, errors, "New due date"))
    if move in _REASSIGNS:
        within = move is Move.LEAD_REASSIGN
        return _Change(owner_id=_new_owner(uow, member, item, data.get("owner"), errors, within))
    if move is not Move.AMEND:
        return _Change()
    description = _text(
        data.get("new_description"), "new_description", "What is to be done", errors, required=True
    )
    raw_due = data.get("new_due_on")
    due = None
    if raw_due not in (None, ""):
        due = _due(raw_due, "new_due_on", today, errors, "Due date")
    if due == item.effective_due:
        due = None
    if description == item.description:
        description = None
    if not errors and description is None and due is None:
        errors["new_description"] = AMEND_UNCHANGED
    return _Change(due=due, description=description)


# An amend that changes nothing, under its first box: what to change, each box by its name.
AMEND_UNCHANGED = field_error(
    "What is to be done", " and 'Due date' are as they were: change either to amend it."
)


def _due(
    raw: object, key: str, today: date, errors: dict[str, str], label: str = "Proposed date"
) -> date | None:
    found: dict[str, str] = {}
    due = _future_date(raw, today, found, label)
    if found:
        errors[key] = found["proposed_due_on"]
    return due


# What a reassign's owner box is called, and its problem when the id is nobody's on the list.
NEW_OWNER_NAME = "New owner"
NEW_OWNER_PROBLEM = " must be someone on the list: choose them there."


def _new_owner(
    uow: UnitOfWork,
    member: MemberView,
    item: ActionDetail,
    raw: object,
    errors: dict[str, str],
    within_agency: bool = False,
) -> int | None:
    """The member chosen (from the list, or by the people picker: someone who has not used the
    bot yet is kept, as at publishing), never the owner it already has. `within_agency`: the
    lead's reassign, only to a member of the item's agency (the lead's own)."""
    aad = raw.strip() if isinstance(raw, str) else ""
    # A listed member is found by whatever id their directory gave them (a test tenant's, the
    # Agents Playground's user, need not be GUIDs); only someone new must be a picker's GUID.
    listed = is_directory_id(aad)
    found = uow.members.by_aad_ids(member.partnership_id, [aad]).get(aad) if listed else None
    ended = ended_choice(found)
    if ended is not None:
        errors["owner"] = ended
        return None
    if found is None and not is_guid(aad):
        # Named, so the card says it under the box by its label (walk8: it named no box).
        errors["owner"] = field_error(NEW_OWNER_NAME, NEW_OWNER_PROBLEM if aad else " is required.")
        return None
    if within_agency and (found is None or found.agency_id != item.agency_id):
        who = found.display_name if found is not None else "That person"
        errors["owner"] = (
            f"{who} is not in {item.agency_name or 'your agency'}: you can reassign it only "
            f"within your agency. To give it to another agency, ask the chair to reassign it."
        )
        return None
    if found is None:
        found = uow.members.create_pending(
            member.partnership_id, aad, item.agency_id, Role.PRACTITIONER
        )
    if found.id == item.owner_member_id:
        errors["owner"] = f"{item.owner_name or 'They'} already own {item.reference}."
        return None
    return found.id


def _member_for(uow: UnitOfWork, member: MemberView, item: ActionDetail, aad: str) -> int:
    """The member with this directory id; someone chosen with the people picker who has not
    used the bot yet is kept, as at publishing."""
    found = uow.members.by_aad_ids(member.partnership_id, [aad]).get(aad)
    ended = ended_choice(found)
    if ended is not None:
        raise InvalidInput(ended)
    if found is None:
        found = uow.members.create_pending(
            member.partnership_id, aad, item.agency_id, Role.PRACTITIONER
        )
    return found.id


def _to_tell(told: Decided, before: ActionDetail, old_owner: int | None) -> tuple[Told, ...]:
    """Who is sent a card about the decision: its owner; a reassigned item's new owner, the
    one it was taken from, and the chair when the lead reassigned it."""
    item = told.item
    if old_owner is None:
        return owner_told(item)
    new = item.owner_name or "The new owner"
    previous = before.owner_name or "The previous owner"
    tells = [Told(old_owner, previous, f"{previous}, who had it, has been told.")]
    if item.owner_member_id is not None:
        tells.insert(0, Told(item.owner_member_id, new, f"{new} has been sent it."))
    if told.tell_chair is not None and item.chair_member_id is not None:
        tells.append(Told(item.chair_member_id, "the review's chair", "The chair has been told."))
    return tuple(tells)


def _told(item: ActionDetail, move: Move, reason: str, member: MemberView) -> Decided:
    due = short_date(item.effective_due) if item.effective_due else "not set"
    why = f"The chair's reason: {reason}"
    if move is Move.LEAD_REASSIGN:
        return _lead_told(item, reason, member, due)
    owner = item.owner_name or "the owner"
    words: Mapping[Move, tuple[str, str]] = {
        Move.SET_DATE: (
            f"New date set: {due}.",
            f"The chair set a new date after the LIC group escalated it: it is back with you, "
            f"due {due}. {why}",
        ),
        Move.NOT_ACHIEVABLE: (
            "Marked not achievable: chasing has stopped.",
            f"The chair marked it not achievable, so it is cancelled and no longer chased. {why}",
        ),
        Move.REOPEN: (
            f"Reopened: it is back with {owner}.",
            f"The chair reopened it after the LIC group escalated it: it is back with you. {why}",
        ),
        Move.REASSIGN: (
            f"Reassigned to {item.owner_name or 'the new owner'}.",
            f"The chair has given you this action, due {due}. {why}",
        ),
        Move.AMEND: (
            "Amended.",
            f"The chair amended this action: it is due {due}. {why}",
        ),
        Move.CANCEL: (
            "Cancelled: chasing has stopped.",
            f"The chair cancelled it, so it is no longer chased. {why}",
        ),
    }
    notice, tell_owner = words[move]
    return Decided(item, move, notice, tell_owner)


# What a chair's reassign or amend of a blocked item also does (`status_after`).
BLOCK_LIFTED = "It was blocked: this decision lifts the block, so it is back in progress."


def _reassigned(told: Decided, member: MemberView, by_lead: bool) -> Decided:
    """A reassign's words for the one it was taken from, and for a mover who gave it to
    themself: "You have taken this action on", not "The chair has given you this action"."""
    item = told.item
    new_owner = item.owner_name or "someone else"
    who = member.display_name if by_lead else "The chair"
    if item.owner_member_id != member.id:
        return replace(told, tell_old_owner=f"{who} gave {item.reference} to {new_owner}.")
    due = short_date(item.effective_due) if item.effective_due else "not set"
    role = "the agency's safeguarding lead" if by_lead else "the review's chair"
    return replace(
        told,
        notice=f"You have taken this action on: it is yours now, due {due}.",
        tell_owner="",
        tell_old_owner=f"{member.display_name}, {role}, has taken {item.reference} on.",
    )


def _lead_told(item: ActionDetail, reason: str, member: MemberView, due: str) -> Decided:
    """A lead who also chairs the review (or has no chair to tell) is not sent the chair's
    card about it, nor told of it as if the chair were someone else."""
    lead = f"{member.display_name}, {item.agency_name or 'your agency'}'s safeguarding lead,"
    new_owner = item.owner_name or "the new owner"
    chair_told = item.chair_member_id is not None and not item.chaired_by(member.id)
    return Decided(
        item,
        Move.LEAD_REASSIGN,
        f"Reassigned to {new_owner}.",
        f"{lead} has given you this action, due {due}. Their reason: {reason}",
        tell_chair=f"{lead} reassigned it to {new_owner}. Their reason: {reason}"
        if chair_told
        else None,
    )


# --- splitting one item into two -------------------------------------------------------------

# The split form's two new items: the prefix of each one's inputs, and how the form names it.
SPLIT_PARTS: tuple[tuple[str, str], ...] = (("a", "First new item"), ("b", "Second new item"))
# The outcome's action-item form's inputs, by the split form's names for them.
_PART_INPUTS: Mapping[str, str] = {
    "description": "description",
    "owner": "owner",
    "due_on": "due_on",
    "success_measure": "measure",
}
# What `outcome.smart_issues` says of an input left empty.
_MISSING: tuple[tuple[str, str], ...] = (
    ("no named owner", "owner"),
    ("no due date", "due_on"),
    ("no measure of success (how will we know it made a difference?)", "measure"),
)
# What `outcome.smart_issues` finds, by the input it is about.
_ISSUE_INPUTS: tuple[tuple[str, str], ...] = (
    ("no named owner", "owner"),
    ("due date", "due_on"),
    ("measure of success", "measure"),
)


@dataclass(frozen=True)
class SplitPart:
    """One of the two new items, as the chair typed it."""

    description: str
    owner_aad: str
    due_on: date
    success_measure: str


@dataclass(frozen=True)
class SplitPlan:
    parts: tuple[SplitPart, ...]
    reason: str
    texts: Mapping[str, str | None]  # every typed text, by input id, for the identifier guard


# A split half's free-text boxes, each input id `<prefix>_<box>`.
SPLIT_TEXT_BOXES = ("description", "measure")


def check_split(item: ActionDetail, data: Mapping[str, object], today: date) -> SplitPlan:
    """The two new items the chair typed, each SMART as the outcome's action-item form checks
    one (what is to be done, its owner, a due date to come, a measure; not vague), with the
    item's lead agency and theme, and why it is split. Every problem is raised at once,
    by input id, so the form comes back with them all."""
    errors: dict[str, str] = {}
    reason = _text(data.get("reason"), "reason", "Why it is split", errors, required=True)
    parts = tuple(
        _split_part(item, data, prefix, name, today, errors) for prefix, name in SPLIT_PARTS
    )
    descriptions = {p.description.casefold() for p in parts if p is not None}
    if len(descriptions) == 1 and all(p is not None for p in parts):
        errors["b_description"] = (
            "Second new item: it does the same as the first; say what each will do."
        )
    if errors or reason is None:
        # The boxes' identifier findings come back with the problems, in the one refusal.
        typed = ["reason", *(f"{p}_{box}" for p, _ in SPLIT_PARTS for box in SPLIT_TEXT_BOXES)]
        refuse_with_findings(FormInvalid(errors), typed_texts(data, typed), data)
    texts: dict[str, str | None] = {"reason": reason}
    for (prefix, _), part in zip(SPLIT_PARTS, parts, strict=True):
        assert part is not None  # no errors: both parts were read
        boxes = (f"{prefix}_{box}" for box in SPLIT_TEXT_BOXES)
        texts |= dict(zip(boxes, (part.description, part.success_measure), strict=True))
    return SplitPlan(tuple(p for p in parts if p is not None), reason, texts)


def _split_part(
    item: ActionDetail,
    data: Mapping[str, object],
    prefix: str,
    name: str,
    today: date,
    errors: dict[str, str],
) -> SplitPart | None:
    typed = {key: data.get(f"{prefix}_{field}") for key, field in _PART_INPUTS.items()}
    for issue, field in _MISSING:  # said even when another input stops the form's own check
        if not str(data.get(f"{prefix}_{field}") or "").strip():
            errors[f"{prefix}_{field}"] = f"{name}: {issue}."
    # The new items keep the item's lead agency and theme: the meeting agreed those.
    typed |= {"agency_id": item.agency_id or "", "theme": item.theme or ""}
    agencies = (item.agency_id,) if item.agency_id is not None else ()
    try:
        form = outcome.check_action(typed, (item.theme,) if item.theme else (), agencies)
    except FormInvalid as invalid:
        for key, message in invalid.errors.items():
            errors.setdefault(
                f"{prefix}_{_PART_INPUTS.get(key, 'description')}", f"{name}: {message}"
            )
        return None
    action = form.action
    for issue in outcome.smart_issues(action, today):
        if issue == "no lead agency":
            continue  # the item's own: the meeting agreed it without one
        field = next((f for phrase, f in _ISSUE_INPUTS if phrase in issue), "description")
        errors.setdefault(f"{prefix}_{field}", f"{name}: {issue}.")
    if action.owner_aad is None or action.due_on is None or action.success_measure is None:
        return None
    return SplitPart(action.description, action.owner_aad, action.due_on, action.success_measure)


@dataclass(frozen=True)
class Split:
    item: ActionDetail  # the item split, now ended
    parts: tuple[ActionDetail, ...]  # the two new items, each with its owner
    notice: str  # what the chair is told
    tell_new_owner: str  # what each new item's owner is told
    tell_old_owner: str  # what the item's owner is told
    # Who is sent a card about it; the chair hears who was reached only once it is sent.
    told: tuple[Told, ...] = ()


def split(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> Split:
    """The chair splits an item not yet done into two new items on its review, numbered next;
    the item ends as split (no longer chased) and the new ones start open, chased as any item.
    Held on the item (a second click is told who split it) and on the review (two splits on
    one review take the next numbers in turn), all in one transaction."""
    # The review before the item (domain/holds.py): a split racing a cancel queues.
    item = chaired(uow, member, data.get("action_id"), Move.SPLIT)
    plan = check_split(item, data, today)
    screened = require_confirmed(plan.texts, data)
    new = [
        NewSplitItem(
            p.description, _member_for(uow, member, item, p.owner_aad), p.due_on, p.success_measure
        )
        for p in plan.parts
    ]
    _set_status(uow, actor, item, ActionStatus.SPLIT, now)
    ids = uow.actions.split_into(item.id, new)
    parts = tuple(_reload_id(uow, new_id) for new_id in ids)
    names = " and ".join(p.reference for p in parts)
    _close_date_request(uow, member, item, Move.SPLIT, False, now)
    uow.actions.add_progress(item.id, member.id, "split", f"Split into {names}: {plan.reason}", now)
    for part in parts:
        uow.actions.add_progress(
            part.id, member.id, "split_from", f"Split from {item.reference}: {plan.reason}", now
        )
    parts = tuple(_reload(uow, part) for part in parts)  # each card says where it came from
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    audit.record(
        uow,
        item.partnership_id,
        actor,
        AUDITED[Move.SPLIT],
        ("action_item", item.id),
        before={"status": item.status.value, "owner_member_id": item.owner_member_id},
        after={
            "status": ActionStatus.SPLIT.value,
            "into": [p.reference for p in parts],
            "reason": plan.reason,
        },
    )
    told = [
        Told(
            p.owner_member_id,
            p.owner_name or p.reference,
            f"{p.owner_name or 'Its owner'} has been sent {p.reference}.",
        )
        for p in parts
        if p.owner_member_id is not None
    ]
    if item.owner_member_id is not None:
        had = item.owner_name or "The owner"
        told.append(
            Told(item.owner_member_id, had, f"{had}, who had {item.reference}, has been told.")
        )
    words = _split_words(item, parts, plan.reason)
    return Split(_reload(uow, item), parts, *words, told=tuple(told))


def _reload_id(uow: UnitOfWork, action_id: int) -> ActionDetail:
    found = uow.actions.get(action_id)
    assert found is not None  # created in this transaction
    return found


def _split_words(
    item: ActionDetail, parts: Sequence[ActionDetail], reason: str
) -> tuple[str, str, str]:
    who = " and ".join(f"{p.reference} ({p.owner_name or 'no owner'})" for p in parts)
    why = f"The chair's reason: {reason}"
    return (
        f"Split into {who}. Chasing of {item.reference} has stopped.",
        f"The chair split {item.reference} into two new items; this one is yours. {why}",
        f"The chair split {item.reference} into {who}, so it is no longer chased. {why}",
    )


def owner_choices(
    uow: UnitOfWork, item: ActionDetail, mover: Mover = Mover.CHAIR
) -> list[tuple[str, str]]:
    """Who this mover may give the item to: for the chair, the members an outcome's items may
    be given to; for the agency's lead, those of them in the item's agency."""
    members = uow.reviews.assignable_members(item.partnership_id)
    if mover is Mover.AGENCY_LEAD:
        return [(aad, name) for aad, name, agency in members if agency == item.agency_id]
    return [(aad, name) for aad, name, _ in members]


def reassign_choices(
    uow: UnitOfWork, member: MemberView, item: ActionDetail
) -> list[tuple[str, str]]:
    """Who this member may give the item to from its card: anyone when they chair it, their
    agency's members when they lead its agency, nobody otherwise."""
    if item.chaired_by(member.id) or member.has(Role.ADMIN):
        return owner_choices(uow, item)
    if _reads_as(member, item, Mover.AGENCY_LEAD):
        return owner_choices(uow, item, Mover.AGENCY_LEAD)
    return []


# --- readers' own moves on escalation copies ---------------------------------------------------

# Each reader's move: its audit action, the progress entry it leaves, and who it goes to.
READER_MOVES: Mapping[Move, tuple[Mover, str, str]] = {
    Move.NUDGE: (Mover.AGENCY_LEAD, "action.nudged", "owner"),
    Move.PROPOSE_DATE: (Mover.AGENCY_LEAD, "action.date_proposed", "chair"),
    Move.ASK_REASSIGN: (Mover.AGENCY_LEAD, "action.reassign_asked", "chair"),
    Move.COMMENT: (Mover.LIC, "action.lic_commented", "owner"),
    Move.REQUEST_UPDATE: (Mover.LIC, "action.update_requested", "owner"),
}


@dataclass(frozen=True)
class ReaderMoved:
    item: ActionDetail
    move: Move
    notice: str  # what the reader is told
    to: str  # "owner" or "chair": who gets a card they can act on
    message: str  # what that card says
    # What the reader is told instead when that card reached nobody: never "sent".
    unreached: str = ""


def reader_move(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    move: Move,
    today: date,
    now: datetime,
) -> ReaderMoved:
    """An agency lead's or an LIC member's move on an item they were copied on: a message to
    the owner or the chair (a proposed date is a date request the chair approves or declines)."""
    mover, action, to = READER_MOVES[move]
    item = load(uow, member, data.get("action_id"), hold=True)
    if not _reads_as(member, item, mover):
        who = "an agency lead of its agency" if mover is Mover.AGENCY_LEAD else "the LIC group"
        raise NotPermitted(f"Only {who} can do that on {item.reference}.")
    require_move(item.reference, mover, item.status, move)
    errors: dict[str, str] = {}
    note = _text(data.get("note"), "note", "Message", errors, required=True)
    proposed = (
        _due(data.get("due_on"), "due_on", today, errors) if move is Move.PROPOSE_DATE else None
    )
    screened = require_valid(errors, {"note": note}, data)
    if note is None:  # the check above said why
        raise FormInvalid(errors)
    kind = "date_requested" if move is Move.PROPOSE_DATE else move.value
    uow.actions.add_progress(item.id, member.id, kind, note, now, proposed_due_on=proposed)
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    audit.record(
        uow,
        item.partnership_id,
        actor,
        action,
        ("action_item", item.id),
        after={"proposed_due_on": proposed.isoformat() if proposed else None},
    )
    if item.status is ActionStatus.ESCALATED:
        to = "chair"  # the chair has it until they decide
    return ReaderMoved(_reload(uow, item), move, *_reader_words(move, member, item, note, to))


def _reads_as(member: MemberView, item: ActionDetail, mover: Mover) -> bool:
    if mover is Mover.LIC:
        return member.has(Role.LIC_MEMBER)
    return member.leads(item.agency_id)


def _reader_words(
    move: Move, member: MemberView, item: ActionDetail, note: str, to: str
) -> tuple[str, str, str, str]:
    """What the reader is told, who gets a card, what it says, and what the reader is told
    if it reached nobody. The notice names who has it; the handler says so only once it is
    delivered (the owner of an escalated item is often the one Teams can't reach)."""
    who = member.display_name
    owner = item.owner_name or "the owner"
    words: Mapping[Move, tuple[str, str]] = {
        Move.NUDGE: (
            f"Nudged {owner}: your message is on their action card.",
            f"{who}, your agency's lead, asks for an update: {note}",
        ),
        Move.PROPOSE_DATE: (
            "Proposed a new date to the chair, who will approve or decline it.",
            f"{who} proposes a new date: {note}",
        ),
        Move.ASK_REASSIGN: (
            "Asked the chair to reassign it: your message is on their card for the item.",
            f"{who}, the agency's lead, asks you to reassign it: {note}",
        ),
        Move.COMMENT: (
            f"Comment sent to {owner}.",
            f"The LIC group ({who}) comments: {note}",
        ),
        Move.REQUEST_UPDATE: (
            f"Asked {owner} for an update.",
            f"The LIC group ({who}) asks for an update: {note}",
        ),
    }
    notice, message = words[move]
    whom = owner if to == "owner" else "the review's chair"
    # Their words are kept in the item's history (a progress entry of the move's kind); shown
    # back, they can be copied into whatever way the reader reaches them instead.
    return notice, to, message, f"{unreached((whom,))} {YOUR_WORDS}{note}"


# Said after `unreached` when a reader's message reached nobody, before the words they typed.
YOUR_WORDS = "What you wrote, kept with the item for you to pass on: "


def readers_of(member: MemberView, item: ActionDetail) -> tuple[Mover, ...]:
    """The reader roles this member has on the item: an agency lead of its agency, the LIC."""
    return tuple(m for m in (Mover.AGENCY_LEAD, Mover.LIC) if _reads_as(member, item, m))
