"""A click on a card drawn before its thing last changed is refused, with the current card.

Cards that show one thing put its revision in their state-changing buttons' data
(cards.common.revised). The check runs at the start of the handler's first unit of work, in
the transaction that writes the click's change: it holds the thing's row (SELECT ... FOR
UPDATE on PostgreSQL, a member's FOR NO KEY UPDATE: storage/repositories.py `KEY_KEPT`;
SQLite's single writer queues them anyway), then compares the revision
the card was drawn at with the thing's revision now. Of racing clicks from cards of one
revision, the first holds the row, finds it unchanged and writes; the others wait for the
row, then read the winner's change and are refused (ChangedSinceShown) with nothing written.
A check in a transaction of its own, before the handler's, let two of them pass. On a
refusal the answer is the thing's current card, saying why. Which thing a verb acts on,
which row holds it, and which verb draws its current card, is listed here once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from cards import verbs
from domain import actions, directory, holds, lifecycle, meeting, retention, returns, stale
from domain.capabilities import require
from domain.chase_engine import policy_for
from domain.chasers import policy_revision
from domain.idempotency import require_unchanged, shown_revision
from domain.model import MemberView, Role, small_int
from storage.repositories import SqlUnitOfWork

Revision = Callable[[SqlUnitOfWork, MemberView, Mapping[str, object]], str]
Check = Callable[[SqlUnitOfWork], None]
Hold = Callable[[SqlUnitOfWork, MemberView, Mapping[str, object]], None]


@dataclass(frozen=True)
class Trail:
    """Where the thing's changes are audited: its record type, the data key naming its id
    (None: the member's partnership), and the actions that change what its card shows."""

    record_type: str
    key: str | None
    changes: Collection[str]


@dataclass(frozen=True)
class Subject:
    # The thing's revision now; raises NotFound (a clear answer) when it is gone.
    revision: Revision
    # The verb whose handler draws the thing's current card from the same data.
    current: str
    # Holds the thing's row (SqlUnitOfWork.hold): the outermost row its writers lock.
    hold: Hold
    # Where to read what changed it, for the refusal (domain/stale.py).
    trail: Trail | None = None


def _row(kind: str, key: str) -> Hold:
    """Hold the row of `kind` whose id the button's data carries under `key`."""
    return lambda uow, member, data: uow.hold(kind, data.get(key))


def _partnership(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> None:
    uow.hold("partnership", member.partnership_id)


def _child(hold: Callable[[SqlUnitOfWork, object], None], key: str) -> Hold:
    """Hold a review's return or item: its review first (domain/holds.py, the order a cancel
    takes), so a checked click never holds the child while it waits for the review."""
    return lambda uow, member, data: hold(uow, data.get(key))


def _return_review(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> None:
    # The review's row, as the lifecycle controls on one agency's return lock it.
    uow.hold("review", lifecycle.review_of_return(uow, data.get("return_id")))


def check_for(verb: str | None, member: MemberView, data: Mapping[str, object]) -> Check | None:
    """The check this click's writing transaction starts with, or None when the verb acts on
    no revisioned thing or the card carries no revision."""
    subject = SUBJECTS.get(verb or "")
    shown = shown_revision(data)
    if subject is None or shown is None:
        return None

    def check(uow: SqlUnitOfWork) -> None:
        subject.hold(uow, member, data)
        require_unchanged(shown, subject.revision(uow, member, data))

    return check


def last_change(
    uow: SqlUnitOfWork, verb: str | None, member: MemberView, data: Mapping[str, object]
) -> stale.Change | None:
    """The newest audited change to the thing this (refused) click acted on, or None when its
    trail says nothing. Read after the refusal, once the current card says the member may see
    the thing."""
    subject = SUBJECTS.get(verb or "")
    trail = subject.trail if subject is not None else None
    if trail is None:
        return None
    record_id = member.partnership_id if trail.key is None else small_int(data.get(trail.key))
    if record_id is None:
        return None
    event = uow.audit_trail.last_change(
        member.partnership_id, trail.record_type, str(record_id), trail.changes
    )
    if event is None:
        return None
    return stale.Change(event.actor_name, event.at, event.action, event.after, before=event.before)


def _action(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return actions.revision(actions.load(uow, member, data.get("action_id")))


def _return(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return returns.revision(returns.load(uow, member, data.get("return_id"), write=False))


def _entry(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return returns.current_entry_revision(uow, member, data)


def _guide(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return meeting.current_guide_revision(uow, member, data.get("review_id"))


def _outcome(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return meeting.current_outcome_revision(uow, member, data.get("review_id"))


def _draft_action(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return meeting.current_draft_revision(uow, member, data)


def _agency(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return directory.current_agency_revision(uow, member, data.get("agency_id"))


def _member(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return directory.current_member_revision(uow, member, data.get("member_id"))


def _retention(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return retention.current_retention_revision(uow, member)


def _hold(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return retention.hold_revision(retention.held_review(uow, member, data.get("review_id")))


def _manage(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return lifecycle.current_manage_revision(uow, member, data.get("review_id"))


def _return_controls(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    return lifecycle.current_return_revision(uow, member, data.get("return_id"))


def _policy(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    require(member, Role.ADMIN)
    return policy_revision(policy_for(uow.chases, member.partnership_id))


ACTION_ITEM = Subject(
    _action,
    verbs.ACTION_VIEW,
    _child(holds.hold_action, "action_id"),
    Trail("action_item", "action_id", stale.ACTION_ITEM_CHANGES),
)
GUIDE = Subject(
    _guide,
    verbs.GUIDE,
    _row("review", "review_id"),
    Trail("review", "review_id", stale.GUIDE_CHANGES),
)
ENTRY = Subject(
    _entry,
    verbs.ENTRY_FORM,
    _child(holds.hold_return, "return_id"),
    Trail("chronology_entry", "entry_id", stale.ENTRY_CHANGES),
)
RETURN = Subject(
    _return,
    verbs.RETURN_OPEN,
    _child(holds.hold_return, "return_id"),
    Trail("pre_analysis_return", "return_id", stale.RETURN_CHANGES),
)
# Every button on the outcome card saves what was typed first, so each is checked; an action
# item's form is checked against that item alone (adding one overwrites nothing).
_OUTCOME_TRAIL = Trail("review", "review_id", stale.OUTCOME_CHANGES)
OUTCOME = Subject(_outcome, verbs.OUTCOME, _row("review", "review_id"), _OUTCOME_TRAIL)
DRAFT_ACTION = Subject(_draft_action, verbs.OUTCOME, _row("review", "review_id"), _OUTCOME_TRAIL)
AGENCY = Subject(
    _agency,
    verbs.AGENCY_FORM,
    _row("agency", "agency_id"),
    Trail("agency", "agency_id", stale.AGENCY_CHANGES),
)


def _member_and_chosen_agency(
    uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]
) -> None:
    """The agency chosen on the member card first (FOR KEY SHARE, as the member's foreign key
    would take it at the move), then the member (FOR NO KEY UPDATE): the agency card's order
    (its agency, then its lead's row), so the two cards acting on one person at once queue
    rather than deadlock (domain/holds.py). An agency not in the partnership holds nothing:
    the save refuses it."""
    member_id = data.get("member_id")
    chosen = directory.card_id(data.get("agency"))
    if chosen is not None and uow.directory.agency(member.partnership_id, chosen) is None:
        chosen = None
    held = [member_id] if isinstance(member_id, int) and not isinstance(member_id, bool) else []
    uow.directory.hold_changes(held, moving_in=[chosen] if chosen is not None else ())


MEMBER = Subject(
    _member,
    verbs.MEMBER_FORM,
    _member_and_chosen_agency,
    Trail("member", "member_id", stale.MEMBER_CHANGES),
)
RETENTION = Subject(
    _retention, verbs.RETENTION, _partnership, Trail("partnership", None, stale.RETENTION_CHANGES)
)
LEGAL_HOLD = Subject(
    _hold,
    verbs.LEGAL_HOLD,
    _row("review", "review_id"),
    Trail("review", "review_id", stale.HOLD_CHANGES),
)
# A review's lifecycle controls: on the Manage card, against the whole review as it showed
# it; on an agency's card, against that agency's return.
MANAGE = Subject(
    _manage,
    verbs.REVIEW_MANAGE,
    _row("review", "review_id"),
    Trail("review", "review_id", stale.REVIEW_CHANGES),
)
RETURN_CONTROLS = Subject(
    _return_controls,
    verbs.REVIEW_AGENCY,
    _return_review,
    Trail("pre_analysis_return", "return_id", stale.RETURN_CONTROL_CHANGES),
)
CHASER_POLICY = Subject(
    _policy, verbs.POLICY, _partnership, Trail("partnership", None, stale.POLICY_CHANGES)
)

SUBJECTS: dict[str, Subject] = {
    verbs.ACTION_PROGRESS: ACTION_ITEM,
    verbs.ACTION_COMPLETE: ACTION_ITEM,
    verbs.ACTION_NEW_DATE: ACTION_ITEM,
    verbs.ACTION_BLOCKED: ACTION_ITEM,
    verbs.DATE_APPROVE: ACTION_ITEM,
    verbs.DATE_DECLINE: ACTION_ITEM,
    verbs.IMPACT_RECORD: ACTION_ITEM,
    verbs.ACTION_SET_DATE: ACTION_ITEM,
    verbs.ACTION_NOT_ACHIEVABLE: ACTION_ITEM,
    verbs.ACTION_REOPEN: ACTION_ITEM,
    verbs.ACTION_REASSIGN: ACTION_ITEM,
    verbs.ACTION_AMEND: ACTION_ITEM,
    verbs.ACTION_CANCEL: ACTION_ITEM,
    verbs.ACTION_SPLIT: ACTION_ITEM,
    verbs.ACTION_NUDGE: ACTION_ITEM,
    verbs.ACTION_PROPOSE_DATE: ACTION_ITEM,
    verbs.ACTION_ASK_REASSIGN: ACTION_ITEM,
    verbs.ACTION_LEAD_REASSIGN: ACTION_ITEM,
    verbs.ACTION_COMMENT: ACTION_ITEM,
    verbs.ACTION_REQUEST_UPDATE: ACTION_ITEM,
    verbs.SIGNOFF_APPROVE: RETURN,
    verbs.SIGNOFF_RETURN: RETURN,
    verbs.RETURN_SUBMIT: RETURN,
    verbs.ENTRY_SAVE: ENTRY,
    verbs.GUIDE_SAVE: GUIDE,
    verbs.GUIDE_PREVIEW: GUIDE,
    verbs.GUIDE_SUBMIT: GUIDE,
    verbs.GUIDE_APPROVE: GUIDE,
    verbs.GUIDE_SEND_BACK: GUIDE,
    verbs.GUIDE_REVISE: GUIDE,
    verbs.OUTCOME_SAVE: OUTCOME,
    verbs.OUTCOME_PUBLISH: OUTCOME,
    verbs.ACTION_FORM: OUTCOME,
    verbs.ACTION_REMOVE: OUTCOME,
    verbs.ACTION_SAVE: DRAFT_ACTION,
    verbs.AGENCY_SAVE: AGENCY,
    verbs.MEMBER_SAVE: MEMBER,
    verbs.MEMBER_END_ACCESS: MEMBER,
    verbs.MEMBER_RESTORE: MEMBER,
    verbs.RETENTION_SAVE: RETENTION,
    verbs.LEGAL_HOLD_SET: LEGAL_HOLD,
    verbs.POLICY_SAVE: CHASER_POLICY,
    verbs.REVIEW_EDIT: MANAGE,
    verbs.REVIEW_DEPUTY: MANAGE,
    verbs.REVIEW_CANCEL: MANAGE,
    verbs.REVIEW_REOPEN: MANAGE,
    verbs.REVIEW_ADD_AGENCY: MANAGE,
    verbs.RETURN_REASSIGN: RETURN_CONTROLS,
    verbs.RETURN_NIL: RETURN_CONTROLS,
    verbs.RETURN_EXTEND: RETURN_CONTROLS,
    verbs.RETURN_PROCEED: RETURN_CONTROLS,
    verbs.REVIEW_REMOVE_AGENCY: RETURN_CONTROLS,
}
