"""The review chair's decisions on an action item (issue 17).

An item the LIC group escalates is the chair's until they decide it: a new date (back to the
owner, due then), not achievable (cancelled, with the reason), or reopen (back to the owner as it
was). Which decision is open in which state is `domain.action_state.MOVES[Mover.CHAIR]`; each is
audited with its reason, and the reason goes through the identifier guard like any typed text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from domain import audit
from domain.action_state import TARGETS, Move, Mover, require_move
from domain.actions import ActionDetail, _future_date, _reload, _set_status, _text, load
from domain.errors import FormInvalid, NotPermitted
from domain.identifier_checks import record_kept, require_confirmed
from domain.model import ActionStatus, Actor, MemberView, Role
from domain.repositories import UnitOfWork

# The audit actions of a decision on an escalated item: a racer that lost is told which came.
DECIDED: Mapping[Move, str] = {
    Move.SET_DATE: "action.date_set",
    Move.NOT_ACHIEVABLE: "action.not_achievable",
    Move.REOPEN: "action.reopened",
}


@dataclass(frozen=True)
class Decided:
    item: ActionDetail
    move: Move
    notice: str  # what the chair is told
    tell_owner: str  # what the owner is told


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
    require_move(item.reference, Mover.CHAIR, item.status, move)
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
    """The chair's decision on an escalated item: a new date, not achievable, or reopen."""
    item = chaired(uow, member, data.get("action_id"), move)
    errors: dict[str, str] = {}
    reason = _text(data.get("reason"), "reason", "Reason", errors, required=True)
    due = _future_date(data.get("due_on"), today, errors) if move is Move.SET_DATE else None
    if move is Move.SET_DATE and "proposed_due_on" in errors:
        errors["due_on"] = errors.pop("proposed_due_on")
    if errors or reason is None:
        raise FormInvalid(errors)
    screened = require_confirmed({"reason": reason}, data)
    target = TARGETS[move]
    extra: dict[str, object] = {}
    if due is not None:
        extra = {"revised_due_on": due, "revised_due_reason": reason}
    if move is Move.NOT_ACHIEVABLE:
        extra = {"cancelled_reason": f"Not achievable: {reason}"}
    _set_status(uow, actor, item, target, now, extra)
    uow.actions.add_progress(
        item.id, member.id, f"chair_{move.value}", reason, now, proposed_due_on=due
    )
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    audit.record(
        uow,
        item.partnership_id,
        actor,
        DECIDED[move],
        ("action_item", item.id),
        before={"status": item.status.value, "due_on": str(item.effective_due)},
        after={"status": target.value, "due_on": str(due or item.effective_due)},
    )
    return _told(_reload(uow, item), move, reason)


def _told(item: ActionDetail, move: Move, reason: str) -> Decided:
    if move is Move.SET_DATE:
        due = f"{item.effective_due:%a %d %b %Y}"
        return Decided(
            item,
            move,
            f"New date set: {due}. The owner has been told.",
            f"The chair set a new date after the LIC group escalated it: it is back with you, "
            f"due {due}. The chair's reason: {reason}",
        )
    if move is Move.NOT_ACHIEVABLE:
        return Decided(
            item,
            move,
            "Marked not achievable: chasing has stopped. The owner has been told.",
            f"The chair marked it not achievable, so it is cancelled and no longer chased. "
            f"The chair's reason: {reason}",
        )
    return Decided(
        item,
        move,
        "Reopened: it is back with the owner, who has been told.",
        f"The chair reopened it after the LIC group escalated it: it is back with you. "
        f"The chair's reason: {reason}",
    )
