"""The chair's controls over a review's lifecycle, at any stage before it ends.

Each control says at which stages it works and who may use it (`CONTROLS`); the moves it makes
are in `domain.transitions`. Every control is audited with who, when (the audit row) and why.
A control used without the right, or on a review that has moved on, changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from domain import audit, chase_engine, review_flow
from domain.calendar import add_working_days
from domain.capabilities import require
from domain.chasers import handed_over
from domain.errors import FormInvalid, NotFound, NotPermitted, StaleCard
from domain.holds import as_held, hold_return, hold_writers_of
from domain.idempotency import revision_of
from domain.model import Actor, MemberView, ReturnStatus, ReviewStage, Role, small_int
from domain.records import ReturnView, ReviewView
from domain.repositories import UnitOfWork
from domain.review_flow import chaired_review
from domain.reviews import HELD_STAGES, meeting_held_on, required_reason, validate_details
from domain.transitions import (
    CHAIRING,
    OPEN_STAGES,
    PRACTITIONER_DONE,
    RETURN_SETTLED,
    Party,
    label,
    move_return,
    move_review,
)
from domain.wording import short_date


class Control(StrEnum):
    MANAGE = "manage"
    ASSIGN = "assign"
    ADD_AGENCY = "add_agency"
    REMOVE_AGENCY = "remove_agency"
    NIL_RETURN = "nil_return"
    EXTEND = "extend"
    EDIT = "edit"
    PROCEED_WITHOUT = "proceed_without"
    DEPUTY = "deputy"
    CANCEL = "cancel"
    REOPEN = "reopen"


@dataclass(frozen=True)
class ControlRule:
    stages: frozenset[ReviewStage]
    parties: frozenset[Party]
    doing: str  # "cancel it", for "… so you can't cancel it"


_OPEN = frozenset(OPEN_STAGES)
_RETURNS_OPEN = frozenset({ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS})
_BEFORE_MEETING = _RETURNS_OPEN | {ReviewStage.ANALYSIS}

CONTROLS: Final[Mapping[Control, ControlRule]] = {
    Control.MANAGE: ControlRule(_OPEN | {ReviewStage.CANCELLED}, CHAIRING, "manage it"),
    Control.ASSIGN: ControlRule(_OPEN, CHAIRING, "assign practitioners"),
    Control.ADD_AGENCY: ControlRule(_BEFORE_MEETING, CHAIRING, "add an agency"),
    Control.REMOVE_AGENCY: ControlRule(_BEFORE_MEETING, CHAIRING, "remove an agency"),
    Control.NIL_RETURN: ControlRule(_RETURNS_OPEN, CHAIRING, "record a nil return"),
    Control.EXTEND: ControlRule(_RETURNS_OPEN, CHAIRING, "extend a due date"),
    Control.EDIT: ControlRule(_OPEN, CHAIRING, "edit its details"),
    # Also in draft: a late agency nobody was ever assigned to is a real case (the chair
    # decides the meeting goes ahead without it, with a reason).
    Control.PROCEED_WITHOUT: ControlRule(_RETURNS_OPEN, CHAIRING, "proceed without an agency"),
    Control.DEPUTY: ControlRule(_OPEN, CHAIRING, "change the deputy chair"),
    Control.CANCEL: ControlRule(_OPEN, CHAIRING, "cancel it"),
    Control.REOPEN: ControlRule(
        frozenset({ReviewStage.CANCELLED}), frozenset({Party.ADMIN}), "reopen it"
    ),
}


# The question each control's reason box asks, as its card shows it and as a problem with
# the reason names it ("'Why is the review cancelled?' is required.").
WHY: Final[Mapping[Control, str]] = {
    Control.CANCEL: "Why is the review cancelled?",
    Control.REOPEN: "Why is the review reopened?",
    Control.REMOVE_AGENCY: "Why is the agency removed?",
    Control.NIL_RETURN: "Why did the agency have no involvement?",
    Control.PROCEED_WITHOUT: "Why does the meeting go ahead without this agency?",
}


def check_stage(review: ReviewView, control: Control) -> None:
    """Refuse a control on a review that has moved past (or not reached) where it works."""
    rule = CONTROLS[control]
    if review.stage not in rule.stages:
        raise StaleCard(
            f"{review.reference} is now at the {label(review.stage)} stage, so you can't "
            f"{rule.doing} now. Nothing was changed."
        )


def controlled_review(
    uow: UnitOfWork, member: MemberView, review_id: object, control: Control
) -> ReviewView:
    """The review, if this member may use the control on it at its current stage."""
    rule = CONTROLS[control]
    if rule.parties == frozenset({Party.ADMIN}):
        require(member, Role.ADMIN)
        review = _any_review(uow, member, review_id)
    else:
        review = chaired_review(uow, member, review_id)
    # Controls racing on one review queue here, and each checks what the one before committed.
    uow.reviews.lock(review.id)
    review = uow.reviews.get(member.partnership_id, review.id) or review
    check_stage(review, control)
    return review


def _any_review(uow: UnitOfWork, member: MemberView, review_id: object) -> ReviewView:
    number = small_int(review_id)
    review = uow.reviews.get(member.partnership_id, number) if number is not None else None
    if review is None:
        raise NotFound("I can't find that review in your partnership.")
    return review


def controlled_return(
    uow: UnitOfWork, member: MemberView, return_id: object, control: Control
) -> tuple[ReviewView, ReturnView]:
    number = small_int(return_id)
    ret = uow.returns.get(number) if number is not None else None
    if ret is None or ret.partnership_id != member.partnership_id:
        raise NotFound("I can't find that agency's return in your partnership.")
    review = controlled_review(uow, member, ret.review_id, control)
    # The return too, after its review (domain/holds.py): a reassign changes who may write it,
    # so a save racing it waits, then reads who may write it now.
    hold_writers_of(uow, (ret.id,))
    ret = uow.returns.get(ret.id) or ret  # as it is now it is held
    if ret.status is ReturnStatus.WITHDRAWN:
        raise StaleCard(f"{ret.agency_name} has been removed from {review.reference}.")
    return review, ret


def may_manage(member: MemberView, review: ReviewView) -> bool:
    """Whether the review's cards offer this member its controls: never on a closed review,
    whose Manage card would only be refused."""
    if review.stage not in CONTROLS[Control.MANAGE].stages:
        return False
    if member.has(Role.ADMIN):
        return True
    return member.has(Role.CHAIR) and review.chaired_by(member.id)


# --- the manage screen -----------------------------------------------------------------------


def return_revision(ret: ReturnView) -> str:
    """What an agency's card on the Manage screen was drawn at: where its return stands, who
    completes it and by when."""
    return revision_of(ret.status.value, sorted(ret.assignee_ids), ret.due_on, ret.status_note)


def manage_revision(review: ReviewView, returns: Sequence[ReturnView]) -> str:
    """What a review's Manage card was drawn at: its details, stage, chairs and dates, and each
    agency's return as its own card shows it. Another chair's change to any of them makes a
    control sent from an older Manage card stale."""
    return revision_of(
        review.pseudonym,
        review.reason,
        review.period_under_review,
        review.stage.value,
        review.chair_member_id,
        review.deputy_chair_member_id,
        review.returns_due_on,
        review.meeting_on,
        sorted((r.id, return_revision(r)) for r in returns),
    )


def current_manage_revision(uow: UnitOfWork, member: MemberView, review_id: object) -> str:
    review = _managed_review(uow, member, review_id)
    return manage_revision(review, uow.reviews.returns(review.id))


def _managed_review(uow: UnitOfWork, member: MemberView, review_id: object) -> ReviewView:
    """An admin manages any review of the partnership; a chair, the reviews they chair."""
    if member.has(Role.ADMIN):
        return _any_review(uow, member, review_id)
    return chaired_review(uow, member, review_id)


def current_return_revision(uow: UnitOfWork, member: MemberView, return_id: object) -> str:
    number = small_int(return_id)
    ret = uow.returns.get(number) if number is not None else None
    if ret is None or ret.partnership_id != member.partnership_id:
        raise NotFound("I can't find that agency's return in your partnership.")
    return return_revision(ret)


def review_of_return(uow: UnitOfWork, return_id: object) -> int | None:
    """The review an agency's return belongs to: its row is what the controls hold."""
    number = small_int(return_id)
    ret = uow.returns.get(number) if number is not None else None
    return ret.review_id if ret is not None else None


@dataclass(frozen=True)
class ManageScreen:
    review: ReviewView
    returns: tuple[ReturnView, ...]
    names: Mapping[int, str]  # member id -> name, for assignees, chair and deputy
    addable: tuple[tuple[int, str], ...]  # agencies not on the review
    chairs: tuple[tuple[int, str], ...]  # who may be deputy chair
    may_reopen: bool
    notices: tuple[str, ...] = ()
    held_on: date | None = None  # the day the meeting was held, once it has been

    @property
    def revision(self) -> str:
        return manage_revision(self.review, self.returns)


def manage_screen(
    uow: UnitOfWork, member: MemberView, review_id: object, notices: tuple[str, ...] = ()
) -> ManageScreen:
    review = _managed_review(uow, member, review_id)
    check_stage(review, Control.MANAGE)
    returns = tuple(uow.reviews.returns(review.id))
    on_review = {r.agency_id for r in returns}
    addable = tuple(
        (i, n) for i, n in uow.reviews.agency_choices(member.partnership_id) if i not in on_review
    )
    people = {m for r in returns for m in r.assignee_ids}
    people |= {m for m in (review.chair_member_id, review.deputy_chair_member_id) if m}
    names = {r.member_id: r.display_name for r in uow.returns.recipients(sorted(people))}
    chairs = tuple(
        c for c in uow.reviews.chairs(member.partnership_id) if c[0] != review.chair_member_id
    )
    may_reopen = review.stage is ReviewStage.CANCELLED and member.has(Role.ADMIN)
    outcome = uow.outcomes.get(review.id) if review.stage in HELD_STAGES else None
    held_on = meeting_held_on(review.stage, review.meeting_on, outcome.held_on if outcome else None)
    return ManageScreen(review, returns, names, addable, chairs, may_reopen, notices, held_on)


@dataclass(frozen=True)
class AgencyScreen:
    review: ReviewView
    ret: ReturnView
    names: Mapping[int, str]
    choices: tuple[tuple[str, str], ...]  # (directory id, name) who could complete it
    has_lead: bool
    may_set_lead: bool = False  # an admin, who gives the agency lead role (Agencies)
    # What the Extend form offers (`suggested_extension`), never a date it would refuse.
    extend_to: date | None = None

    @property
    def revision(self) -> str:
        return return_revision(self.ret)


# How far the Extend form's date is put beyond the later of the due date and today.
EXTENSION_OFFERED = 5  # working days


def suggested_extension(due_on: date | None, today: date) -> date:
    """The date the Extend form is filled with: a working week past the later of the current
    due date and today. walk10: it was filled with the due date itself, already past, so the
    form's own value was refused ("can't be in the past")."""
    start = max(due_on, today) if due_on is not None else today
    return add_working_days(start, EXTENSION_OFFERED)


def agency_screen(
    uow: UnitOfWork, member: MemberView, return_id: object, today: date
) -> AgencyScreen:
    review, ret = controlled_return(uow, member, return_id, Control.MANAGE)
    names = {r.member_id: r.display_name for r in uow.returns.recipients(sorted(ret.assignee_ids))}
    choices = tuple(
        (aad, name)
        for aad, name, agency in uow.reviews.assignable_members(member.partnership_id)
        if agency in (ret.agency_id, None)
    )
    has_lead = bool(uow.returns.agency_lead_ids(ret.agency_id))
    extend_to = suggested_extension(ret.due_on, today)
    return AgencyScreen(review, ret, names, choices, has_lead, member.has(Role.ADMIN), extend_to)


# --- cancel and reopen ---------------------------------------------------------------------


def cancel(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> ReviewView:
    review = chaired_review(uow, member, data.get("review_id"))
    if review.stage is ReviewStage.CANCELLED:
        why = review.cancelled_reason or "no reason given"
        raise StaleCard(f"{review.reference} is already cancelled ({why}). Nothing was changed.")
    check_stage(review, Control.CANCEL)
    reason = required_reason(data.get("reason"), WHY[Control.CANCEL])
    stage = move_review(review.stage, ReviewStage.CANCELLED)
    _moved(uow, review, stage)
    uow.reviews.update_review(
        review.id, {"cancelled_reason": reason, "cancelled_from": review.stage.value}
    )
    _stop_chasers(uow, review)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.cancelled",
        ("review", review.id),
        before={"stage": review.stage.value},
        after={"stage": stage.value, "reason": reason},
    )
    return _fresh(uow, review)


def reopen(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> ReviewView:
    review = controlled_review(uow, member, data.get("review_id"), Control.REOPEN)
    reason = required_reason(data.get("reason"), WHY[Control.REOPEN])
    target = move_review(review.stage, review.cancelled_from or ReviewStage.PRE_ANALYSIS)
    _moved(uow, review, target)
    uow.reviews.update_review(review.id, {"cancelled_from": None})
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.reopened",
        ("review", review.id),
        before={"stage": review.stage.value, "cancelled_reason": review.cancelled_reason},
        after={"stage": target.value, "reason": reason},
    )
    return _fresh(uow, review)


def still_writing(uow: UnitOfWork, review: ReviewView) -> tuple[int, ...]:
    """Practitioners with an outstanding return on the review: told when it is cancelled."""
    found = {
        m
        for r in uow.reviews.returns(review.id)
        if r.status not in PRACTITIONER_DONE
        for m in r.assignee_ids
    }
    return tuple(sorted(found))


def _stop_chasers(uow: UnitOfWork, review: ReviewView) -> None:
    # A cancelled review chases nobody; reopening plans its chasers again (bot/ reschedules).
    # Written in the chaser heartbeat's lock order, so the two can't deadlock.
    for subject_type, record_id in chased_records(uow, review.id):
        uow.chases.set_state(subject_type, record_id, {"next_chase_at": None})


def chased_records(uow: UnitOfWork, review_id: int) -> list[tuple[str, int]]:
    """The review's returns and action items, as (subject type, id) in lock order."""
    returns = [ret.id for ret in uow.reviews.returns(review_id)]
    return chase_engine.in_lock_order(returns, uow.reviews.action_ids(review_id))


def _fresh(uow: UnitOfWork, review: ReviewView) -> ReviewView:
    return uow.reviews.get(review.partnership_id, review.id) or review


# --- deputy chair and the review's details ----------------------------------------------------


def set_deputy(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> ReviewView:
    review = controlled_review(uow, member, data.get("review_id"), Control.DEPUTY)
    raw = data.get("deputy")
    chosen = small_int(raw) if raw not in (None, "", "none") else None
    chairs = dict(uow.reviews.chairs(member.partnership_id))
    if raw not in (None, "", "none") and (chosen is None or chosen not in chairs):
        raise FormInvalid({"deputy": "Choose a deputy from the partnership's chairs."})
    if chosen is not None and chosen == review.chair_member_id:
        raise FormInvalid({"deputy": "The chair can't also be the deputy chair."})
    uow.reviews.update_review(review.id, {"deputy_chair_member_id": chosen})
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.deputy_set",
        ("review", review.id),
        before={"deputy_chair_member_id": review.deputy_chair_member_id},
        after={"deputy_chair_member_id": chosen},
    )
    return _fresh(uow, review)


def edit_details(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> ReviewView:
    review = controlled_review(uow, member, data.get("review_id"), Control.EDIT)
    details = validate_details(data, review.returns_due_on)
    before = {
        "pseudonym": review.pseudonym,
        "period_under_review": review.period_under_review,
        "meeting_on": str(review.meeting_on),
    }
    uow.reviews.update_review(
        review.id,
        {
            "pseudonym": details.pseudonym,
            "reason": details.reason,
            "period_under_review": details.period_under_review,
            "meeting_on": details.meeting_on,
        },
    )
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.details_edited",
        ("review", review.id),
        before=before,
        after={
            "pseudonym": details.pseudonym,
            "period_under_review": details.period_under_review,
            "meeting_on": str(details.meeting_on),
            "reason_changed": details.reason != review.reason,
        },
    )
    return _fresh(uow, review)


# --- agencies on the review ------------------------------------------------------------------


def add_agency(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    bank_version: str,
    now: datetime,
) -> tuple[ReviewView, int]:
    """Add an agency (or bring back a removed one); at analysis, the returns reopen."""
    review = controlled_review(uow, member, data.get("review_id"), Control.ADD_AGENCY)
    agency_id = small_int(data.get("agency_id"))
    agencies = dict(uow.reviews.agency_choices(member.partnership_id))
    if agency_id is None or agency_id not in agencies:
        raise FormInvalid({"agency_id": "Choose an agency of this partnership."})
    if any(r.agency_id == agency_id for r in uow.reviews.returns(review.id)):
        raise FormInvalid({"agency_id": f"{agencies[agency_id]} is already on {review.reference}."})
    withdrawn = uow.reviews.withdrawn_return(review.id, agency_id)
    if withdrawn is not None:
        move_return(ReturnStatus.WITHDRAWN, ReturnStatus.NOT_STARTED)
        uow.returns.transition(
            withdrawn,
            {ReturnStatus.WITHDRAWN},
            {
                "status": ReturnStatus.NOT_STARTED.value,
                "status_note": None,
                "due_on": review.returns_due_on,
                # Brought back, it starts afresh: a send-back from before its removal is not
                # said to its writers, nor to its lead as "You sent this back" (review13a).
                "returned_comments": None,
                "returned_by": None,
                "returned_at": None,
            },
            at=now,
        )
        return_id = withdrawn
    else:
        return_id = uow.reviews.add_return(
            review.id, agency_id, review.returns_due_on, bank_version
        )
    if review.stage is ReviewStage.ANALYSIS:
        _set_stage(uow, actor, review, ReviewStage.PRE_ANALYSIS)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.agency_added",
        ("review", review.id),
        after={"agency_id": agency_id, "return_id": return_id},
    )
    return _fresh(uow, review), return_id


def remove_agency(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> ReviewView:
    review, ret = controlled_return(uow, member, data.get("return_id"), Control.REMOVE_AGENCY)
    if len(uow.reviews.returns(review.id)) <= 1:
        raise NotPermitted(
            f"{ret.agency_name} is the last agency on {review.reference}, so it can't be "
            "removed. Add another agency first, or cancel the review."
        )
    reason = required_reason(data.get("reason"), WHY[Control.REMOVE_AGENCY])
    _return_move(uow, actor, ret, ReturnStatus.WITHDRAWN, reason, "review.agency_removed", at=now)
    return settle(uow, actor, _fresh(uow, review))


# --- one agency's return ---------------------------------------------------------------------


@dataclass(frozen=True)
class NilRecorded:
    review: ReviewView
    ret: ReturnView
    lead_ids: tuple[int, ...]


def record_nil(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> NilRecorded:
    """The chair records a nil return; it waits for the agency lead, who is chased from `now`."""
    review, ret = controlled_return(uow, member, data.get("return_id"), Control.NIL_RETURN)
    if ret.status in (ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF):
        raise NotPermitted(
            f"The {ret.agency_name} return is {label(ret.status)}, so it can't be a nil return: "
            "a nil return is for an agency that had no involvement. Ask its lead to return it "
            "with comments first, or proceed without it."
        )
    if ret.status is not ReturnStatus.NIL_PENDING and ret.status in RETURN_SETTLED:
        raise StaleCard(f"The {ret.agency_name} return is {label(ret.status)} already.")
    if ret.status is ReturnStatus.NIL_PENDING:
        raise StaleCard(f"A nil return for {ret.agency_name} is already waiting for its lead.")
    reason = required_reason(data.get("reason"), WHY[Control.NIL_RETURN])
    _return_move(uow, actor, ret, ReturnStatus.NIL_PENDING, reason, "return.nil_recorded", at=now)
    leads = tuple(uow.returns.agency_lead_ids(ret.agency_id))
    return NilRecorded(_fresh(uow, review), uow.returns.get(ret.id) or ret, leads)


@dataclass(frozen=True)
class NilAnswered:
    ret: ReturnView
    confirmed: bool
    review_ready_for_analysis: bool


def answer_nil(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    confirm: bool,
    now: datetime,
) -> NilAnswered:
    """The agency's safeguarding lead confirms the nil return, or says the agency was involved."""
    hold_return(uow, data.get("return_id"))  # it may settle the review: the review first
    number = small_int(data.get("return_id"))
    ret = uow.returns.get(number) if number is not None else None
    if ret is None or ret.partnership_id != member.partnership_id:
        raise NotFound("I can't find that return in your partnership.")
    if not as_held(uow, member, ret.agency_id).leads(ret.agency_id):  # still, once held
        raise NotPermitted(f"Only a safeguarding lead of {ret.agency_name} can confirm this.")
    if ret.status is not ReturnStatus.NIL_PENDING:
        raise StaleCard(
            f"The {ret.agency_name} return for {ret.reference} is {label(ret.status)} now, so "
            "this card is out of date. Nothing was changed."
        )
    if ret.review_stage not in _RETURNS_OPEN:
        raise StaleCard(f"{ret.reference} is now at the {label(ret.review_stage)} stage.")
    target = ReturnStatus.NIL if confirm else ReturnStatus.IN_PROGRESS
    note = ret.status_note if confirm else None
    action = "return.nil_confirmed" if confirm else "return.nil_declined"
    _return_move(uow, actor, ret, target, note, action, at=now)
    review = uow.reviews.get(member.partnership_id, ret.review_id)
    assert review is not None
    moved = settle(uow, actor, review).stage is not review.stage
    return NilAnswered(uow.returns.get(ret.id) or ret, confirm, moved)


def proceed_without(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> ReviewView:
    review, ret = controlled_return(uow, member, data.get("return_id"), Control.PROCEED_WITHOUT)
    if ret.status in RETURN_SETTLED:
        raise StaleCard(
            f"The {ret.agency_name} return is {label(ret.status)}: it isn't outstanding. "
            "Nothing was changed."
        )
    reason = required_reason(data.get("reason"), WHY[Control.PROCEED_WITHOUT])
    _return_move(
        uow, actor, ret, ReturnStatus.PROCEEDED_WITHOUT, reason, "return.proceeded_without", at=now
    )
    return settle(uow, actor, _fresh(uow, review))


@dataclass(frozen=True)
class Extended:
    ret: ReturnView
    notices: tuple[str, ...]  # what the chair is told: the new date, and any warning


def extension_notices(ret: ReturnView, meeting_on: date | None) -> tuple[str, ...]:
    """The new due date, and, when it falls on or after the meeting, that the return will
    come too late for it: allowed (the chair may mean to move the meeting), but never silent."""
    moved = f"Due date moved to {short_date(ret.due_on)}; the reminders follow the new date."
    if ret.due_on is None or meeting_on is None or ret.due_on < meeting_on:
        return (moved,)
    when = "on the day of" if ret.due_on == meeting_on else "after"
    return (
        moved,
        f"That is {when} the meeting on {short_date(meeting_on)}: the {ret.agency_name} return "
        "will arrive after the meeting unless it comes in early or the meeting moves.",
    )


def extend_due(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], today: date
) -> Extended:
    review, ret = controlled_return(uow, member, data.get("return_id"), Control.EXTEND)
    if ret.status not in (
        ReturnStatus.NOT_STARTED,
        ReturnStatus.IN_PROGRESS,
        ReturnStatus.RETURNED,
    ):
        raise StaleCard(
            f"The {ret.agency_name} return is {label(ret.status)}: there is no due date to "
            "extend. Nothing was changed."
        )
    raw = data.get("due_on")
    try:
        due = date.fromisoformat(raw.strip()[:10]) if isinstance(raw, str) else None
    except ValueError:
        due = None
    if due is None:
        raise FormInvalid({"due_on": "Give the new due date, like 2026-12-14."})
    if due < today:
        raise FormInvalid(
            {"due_on": f"The new due date can't be in the past (today is {short_date(today)})."}
        )
    if ret.due_on is not None and due <= ret.due_on:
        raise FormInvalid(
            {"due_on": f"An extension moves the due date later than {short_date(ret.due_on)}."}
        )
    uow.returns.update(ret.id, {"due_on": due})
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "return.due_extended",
        ("pre_analysis_return", ret.id),
        before={"due_on": str(ret.due_on)},
        after={"due_on": str(due), "review": review.reference},
    )
    extended = uow.returns.get(ret.id) or ret
    return Extended(extended, extension_notices(extended, review.meeting_on))


@dataclass(frozen=True)
class Reassigned:
    review: ReviewView
    ret: ReturnView
    invited: tuple[int, ...]
    removed: tuple[int, ...]


def reassign(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> Reassigned:
    """Add practitioners to an agency's return, or replace those on it (`replace` ticked): the
    new ones are invited; the old ones lose access to the draft."""
    review, ret = controlled_return(uow, member, data.get("return_id"), Control.ASSIGN)
    if ret.status in RETURN_SETTLED:
        raise StaleCard(
            f"The {ret.agency_name} return is {label(ret.status)}: there is nothing left to "
            "write on it. Nothing was changed."
        )
    errors: dict[str, str] = {}
    picked = review_flow.chosen_ids(data.get("assignees"), ret, errors)
    if errors or not picked:
        raise FormInvalid({"assignees": next(iter(errors.values()), "Choose a practitioner.")})
    chosen = review_flow.resolve_members(uow, member, picked, ret)
    replace = data.get("replace") == "true"
    removed = tuple(sorted(ret.assignee_ids - set(chosen))) if replace else ()
    uow.returns.unassign(ret.id, removed)
    invited = tuple(uow.returns.assign(ret.id, chosen))
    if review.stage is ReviewStage.DRAFT:
        _set_stage(uow, actor, review, ReviewStage.PRE_ANALYSIS)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "return.reassigned" if removed else "review.assigned",
        ("pre_analysis_return", ret.id),
        before={"assignees": sorted(ret.assignee_ids)},
        after={"assigned": list(invited), "removed": list(removed)},
    )
    return Reassigned(_fresh(uow, review), uow.returns.get(ret.id) or ret, invited, removed)


_DECIDED_MESSAGES: Final = {
    ReturnStatus.NIL_PENDING: "is waiting for its lead to confirm a nil return",
    ReturnStatus.NIL: "is a nil return: the agency had no involvement",
    ReturnStatus.PROCEEDED_WITHOUT: "is closed: the meeting goes ahead without it",
    ReturnStatus.WITHDRAWN: "is closed: the agency was removed from the review",
}


def decided_message(ret: ReturnView) -> str | None:
    """Why a return the chair decided about can't be written to, or None for other returns."""
    what = _DECIDED_MESSAGES.get(ret.status)
    if what is None:
        return None
    return f"The {ret.agency_name} return for {ret.reference} {what}, so it can't be changed."


# --- moves ------------------------------------------------------------------------------------


def _return_move(
    uow: UnitOfWork,
    actor: Actor,
    ret: ReturnView,
    target: ReturnStatus,
    note: str | None,
    action: str,
    *,
    at: datetime,
) -> None:
    status = move_return(ret.status, target)
    fields: dict[str, object] = {"status": status.value, "status_note": note}
    # A nil return recorded is the lead's to confirm: chased from their own count.
    fields |= handed_over(ret.status, status)
    # Stamped with the turn's clock, which the chasers count from.
    if not uow.returns.transition(ret.id, {ret.status}, fields, at=at):
        raise StaleCard(  # the practitioner (or lead) moved it in the same instant
            f"The {ret.agency_name} return changed just now. Nothing was changed: open the "
            "review again to see it."
        )
    audit.record(
        uow,
        ret.partnership_id,
        actor,
        action,
        ("pre_analysis_return", ret.id),
        before={"status": ret.status.value},
        after={"status": status.value, "reason": note},
    )


def _set_stage(uow: UnitOfWork, actor: Actor, review: ReviewView, target: ReviewStage) -> None:
    stage = move_review(review.stage, target)
    _moved(uow, review, stage)
    audit.record(
        uow,
        review.partnership_id,
        actor,
        "review.stage_changed",
        ("review", review.id),
        before={"stage": review.stage.value},
        after={"stage": stage.value},
    )


def _moved(uow: UnitOfWork, review: ReviewView, stage: ReviewStage) -> None:
    """Move the review on, from the stage this turn read (held by controlled_review, or the
    sign-off's lock, so a racer has already committed what it read)."""
    if not uow.reviews.set_stage(review.id, stage, {review.stage}):
        raise StaleCard(f"{review.reference} moved on just now. Nothing was changed.")


def ready_for_analysis(returns: list[ReturnView]) -> bool:
    """Every agency's return is signed off, nil, or one the meeting goes ahead without."""
    return bool(returns) and all(r.status in RETURN_SETTLED for r in returns)


def settle(uow: UnitOfWork, actor: Actor, review: ReviewView) -> ReviewView:
    """Move a review whose returns are open (in pre-analysis, or a draft nobody was assigned
    to) on to analysis once no return holds it back."""
    # Two leads settling the last two returns at once would each see the other's unsettled:
    # queued on the review, the second reads the first's and moves the review.
    uow.reviews.lock(review.id)
    review = _fresh(uow, review)
    if review.stage in _RETURNS_OPEN and ready_for_analysis(uow.reviews.returns(review.id)):
        _set_stage(uow, actor, review, ReviewStage.ANALYSIS)
        return _fresh(uow, review)
    return review


_REFERENCE_IN_TEXT: Final = re.compile(r"\b(?:los[\s\-/]*)?\d{4}[\s\-/]+\d{1,4}\b", re.IGNORECASE)
_LEADING: Final = re.compile(r"^[\s:;,.\-]*(?:(?:because|reason)\b)?[\s:;,.\-]*", re.IGNORECASE)


def split_reference(text: str) -> tuple[str, str]:
    """A typed control names a review and may give a reason: ("LOS-2026-004", "the family
    moved away") from "cancel review LOS-2026-004 because the family moved away". The reason
    keeps its case; mentions and markup are stripped."""
    plain = _MARKUP.sub(" ", _MENTION.sub(" ", text))
    found = _REFERENCE_IN_TEXT.search(plain)
    if found is None:
        return "", ""
    rest = _LEADING.sub("", plain[found.end() :], count=1)
    return found.group(0), " ".join(rest.split())


def split_named(text: str, command: str) -> tuple[str, str]:
    """As `split_reference`, and a review named by its pseudonym instead ("cancel review child
    k because …"): the words after the command up to "because" (or "reason"), and the reason
    after it, as typed."""
    named, reason = split_reference(text)
    if named:
        return named, reason
    plain = " ".join(_MARKUP.sub(" ", _MENTION.sub(" ", text)).split())
    if plain.lower() == command or plain.lower().startswith(command + " "):
        plain = plain[len(command) :]
    name, *after = _BECAUSE.split(plain, maxsplit=1)
    return name.strip(" :;,.-"), " ".join(after[0].split()) if after else ""


_BECAUSE: Final = re.compile(r"[\s:;,.\-]*\b(?:because|reason)\b[\s:;,.\-]*", re.IGNORECASE)


_MENTION: Final = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_MARKUP: Final = re.compile(r"<[^>]{0,200}>")
