"""Issue 14: every move of the review, return, action item and 7-minute guide state machines
(and every chair control) agrees with the authorisation matrix: the parties the table names are
exactly the personas the matrix allows on the card verbs that make the move."""

from __future__ import annotations

import pytest

from cards import verbs
from domain.guide import GUIDE_TABLE
from domain.lifecycle import CONTROLS, Control
from domain.transitions import ACTION_MOVES, RETURN_MOVES, REVIEW_MOVES, Party, parties_for
from tests.security.test_authorization_matrix import RETURN_WRITERS, VERBS

# The matrix's personas for each party: "chair" is the review's own chair (the other chair is
# refused), and a practitioner's writes are open to the agency's lead too.
PERSONAS: dict[Party, frozenset[str]] = {
    Party.CHAIR: frozenset({"chair"}),
    Party.ADMIN: frozenset({"admin"}),
    Party.AGENCY_LEAD: frozenset({"agency_lead"}),
    Party.PRACTITIONER: RETURN_WRITERS,
    Party.LIC_MEMBER: frozenset({"lic_member"}),
    Party.ACTION_OWNER: frozenset({"practitioner"}),  # owns the matrix's action items
    # The matrix's guides were sent for approval by their chair, and none of its reviews has a
    # second chair: the other chair persona chairs none of them.
    Party.OTHER_CHAIR: frozenset(),
}

# The card verbs that make each move.
MOVE_VERBS: dict[str, tuple[str, ...]] = {
    "assign": (verbs.REVIEW_ASSIGN,),
    "returns_complete": (
        verbs.SIGNOFF_APPROVE,
        verbs.NIL_CONFIRM,
        verbs.RETURN_PROCEED,
        verbs.REVIEW_REMOVE_AGENCY,
    ),
    "agency_added": (verbs.REVIEW_ADD_AGENCY,),
    "outcome_saved": (verbs.OUTCOME_SAVE,),
    "outcome_published": (verbs.OUTCOME_PUBLISH,),
    "actions_closed": (verbs.IMPACT_RECORD, verbs.ACTION_NOT_ACHIEVABLE, verbs.ACTION_CANCEL),
    "cancel": (verbs.REVIEW_CANCEL,),
    "reopen": (verbs.REVIEW_REOPEN,),
    "start": (verbs.RETURN_SAVE,),
    "submit": (verbs.RETURN_SUBMIT,),
    "approve": (verbs.SIGNOFF_APPROVE,),
    "send_back": (verbs.SIGNOFF_RETURN,),
    "resubmit": (verbs.RETURN_SUBMIT,),
    "nil_return": (verbs.RETURN_NIL,),
    "nil_confirm": (verbs.NIL_CONFIRM,),
    "nil_decline": (verbs.NIL_DECLINE,),
    "proceed_without": (verbs.RETURN_PROCEED,),
    "remove_agency": (verbs.REVIEW_REMOVE_AGENCY,),
    "add_agency": (verbs.REVIEW_ADD_AGENCY,),
}
# An action item's moves, and the guide's, by the verbs that make them.
ACTION_MOVE_VERBS: dict[str, tuple[str, ...]] = {
    "progress": (verbs.ACTION_PROGRESS,),
    "complete": (verbs.ACTION_COMPLETE,),
    "block": (verbs.ACTION_BLOCKED,),
    "close": (verbs.IMPACT_RECORD,),
    "keep_open": (verbs.IMPACT_RECORD,),
    "escalate": (verbs.IMPACT_RECORD,),
    "set_date": (verbs.ACTION_SET_DATE,),
    "reopen": (verbs.ACTION_REOPEN,),
    "not_achievable": (verbs.ACTION_NOT_ACHIEVABLE,),
    "reassign": (verbs.ACTION_REASSIGN,),
    "cancel": (verbs.ACTION_CANCEL,),
    "split": (verbs.ACTION_SPLIT,),
}
GUIDE_MOVE_VERBS: dict[str, tuple[str, ...]] = {
    "submit": (verbs.GUIDE_SUBMIT,),
    "send_back": (verbs.GUIDE_SEND_BACK,),
    "approve": (verbs.GUIDE_APPROVE,),
    "revise": (verbs.GUIDE_REVISE,),
}
CONTROL_VERBS: dict[Control, tuple[str, ...]] = {
    Control.MANAGE: (verbs.REVIEW_MANAGE, verbs.REVIEW_AGENCY),
    Control.ASSIGN: (verbs.RETURN_REASSIGN,),
    Control.ADD_AGENCY: (verbs.REVIEW_ADD_AGENCY,),
    Control.REMOVE_AGENCY: (verbs.REVIEW_REMOVE_AGENCY,),
    Control.NIL_RETURN: (verbs.RETURN_NIL,),
    Control.EXTEND: (verbs.RETURN_EXTEND,),
    Control.EDIT: (verbs.REVIEW_EDIT,),
    Control.PROCEED_WITHOUT: (verbs.RETURN_PROCEED,),
    Control.DEPUTY: (verbs.REVIEW_DEPUTY,),
    Control.CANCEL: (verbs.REVIEW_CANCEL,),
    Control.REOPEN: (verbs.REVIEW_REOPEN,),
}


def personas(parties: frozenset[Party]) -> frozenset[str]:
    return frozenset(p for party in parties for p in PERSONAS[party])


def allowed(verb_names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(p for verb in verb_names for p in VERBS[verb].allowed)


def test_every_move_and_control_has_its_verbs() -> None:
    names = {m.name for m in (*REVIEW_MOVES, *RETURN_MOVES)}
    assert names == set(MOVE_VERBS)
    assert {m.name for m in ACTION_MOVES} == set(ACTION_MOVE_VERBS)
    assert {m.name for m in GUIDE_TABLE} == set(GUIDE_MOVE_VERBS)
    assert set(CONTROLS) == set(CONTROL_VERBS)


@pytest.mark.parametrize("name", sorted(MOVE_VERBS))
def test_each_moves_parties_are_the_matrix_personas(name: str) -> None:
    parties = parties_for(REVIEW_MOVES, name) | parties_for(RETURN_MOVES, name)
    assert personas(parties) == allowed(MOVE_VERBS[name]), name


@pytest.mark.parametrize("name", sorted(ACTION_MOVE_VERBS))
def test_each_action_moves_parties_are_the_matrix_personas(name: str) -> None:
    parties = parties_for(ACTION_MOVES, name)
    assert personas(parties) == allowed(ACTION_MOVE_VERBS[name]), name


@pytest.mark.parametrize("name", sorted(GUIDE_MOVE_VERBS))
def test_each_guide_moves_parties_are_the_matrix_personas(name: str) -> None:
    parties = parties_for(GUIDE_TABLE, name)
    assert personas(parties) == allowed(GUIDE_MOVE_VERBS[name]), name


@pytest.mark.parametrize("control", sorted(CONTROLS))
def test_each_controls_parties_are_the_matrix_personas(control: Control) -> None:
    assert personas(CONTROLS[control].parties) == allowed(CONTROL_VERBS[control]), control
