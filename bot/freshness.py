"""A click on a card drawn before its thing last changed is refused, with the current card.

Cards that show one thing put its revision in their state-changing buttons' data
(cards.common.revised). Before such a click's handler runs, the dispatch compares that
revision with the thing's revision now; on a difference the click changes nothing and the
answer is the thing's current card, saying why. Which thing a verb acts on, and which verb
draws its current card, is listed here once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cards import verbs
from domain import actions, directory, meeting, retention, returns
from domain.capabilities import require
from domain.chase_engine import policy_for
from domain.chasers import policy_revision
from domain.model import MemberView, Role
from storage.repositories import SqlUnitOfWork

Revision = Callable[[SqlUnitOfWork, MemberView, Mapping[str, object]], str]


@dataclass(frozen=True)
class Subject:
    # The thing's revision now; raises NotFound (a clear answer) when it is gone.
    revision: Revision
    # The verb whose handler draws the thing's current card from the same data.
    current: str


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


def _policy(uow: SqlUnitOfWork, member: MemberView, data: Mapping[str, object]) -> str:
    require(member, Role.ADMIN)
    return policy_revision(policy_for(uow.chases, member.partnership_id))


ACTION_ITEM = Subject(_action, verbs.ACTION_VIEW)
GUIDE = Subject(_guide, verbs.GUIDE)
ENTRY = Subject(_entry, verbs.ENTRY_FORM)
RETURN = Subject(_return, verbs.RETURN_OPEN)
# Every button on the outcome card saves what was typed first, so each is checked; an action
# item's form is checked against that item alone (adding one overwrites nothing).
OUTCOME = Subject(_outcome, verbs.OUTCOME)
DRAFT_ACTION = Subject(_draft_action, verbs.OUTCOME)
AGENCY = Subject(_agency, verbs.AGENCY_FORM)
MEMBER = Subject(_member, verbs.MEMBER_FORM)
RETENTION = Subject(_retention, verbs.RETENTION)
LEGAL_HOLD = Subject(_hold, verbs.LEGAL_HOLD)
CHASER_POLICY = Subject(_policy, verbs.POLICY)

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
    verbs.RETENTION_SAVE: RETENTION,
    verbs.LEGAL_HOLD_SET: LEGAL_HOLD,
    verbs.POLICY_SAVE: CHASER_POLICY,
}
