"""A form's problems name each field by the label its card shows (walk7: "'Reason' is
required." under "Why, for both owners and the record"): the rules say a field's problem with
a short name (`domain.errors.FieldError`), and the card drawing it names the field as shown."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date

import pytest

from cards import actions as action_cards
from cards import returns as return_cards
from cards import verbs
from cards.common import field_problem, shown_label, text_input
from cards.validation import card_problems
from domain.chasers import Rag
from domain.chronology import check_entry
from domain.directory import checked_name
from domain.errors import FieldError, FormInvalid, field_error
from domain.lifecycle import WHY, Control
from domain.model import ActionStatus
from domain.questions import default_themes
from domain.reviews import required_reason
from tests.unit.test_my_actions import item
from tests.unit.test_return_roles import RET

TODAY = date(2026, 12, 7)


def test_a_field_error_reads_as_its_rule_said_it_until_a_card_names_the_field() -> None:
    said = field_error("Reason", " is required.")
    assert said == "'Reason' is required."
    assert isinstance(said, str)
    assert said.named("Why, for both owners and the record") == (
        "'Why, for both owners and the record' is required."
    )
    colon = field_error("Date", ": please answer 'When?'")
    assert colon.named("When did it happen?") == "'When did it happen?': please answer 'When?'"
    # Plain messages are left alone, and a label is read without its required mark.
    plain = "Choose a theme from the list."
    assert field_problem(plain, "Theme") == plain
    box = text_input("reason", "Why it is cancelled", None, max_length=10, required=True)
    assert shown_label(box) == "Why it is cancelled"
    assert field_problem(said, shown_label(box)) == "'Why it is cancelled' is required."


def test_the_rules_say_field_problems_as_field_errors() -> None:
    with pytest.raises(FormInvalid) as entry:
        check_entry({"event_date": "2025-03-14", "source": " ", "event": ""}, TODAY)
    assert all(isinstance(entry.value.errors[k], FieldError) for k in ("source", "event"))
    with pytest.raises(FormInvalid) as why:
        required_reason("  ", WHY[Control.CANCEL])
    assert why.value.errors["reason"] == "'Why is the review cancelled?' is required."
    with pytest.raises(ValueError, match="is required") as name:
        checked_name(" ", "Agency name")
    assert isinstance(name.value.args[0], FieldError)


def test_a_chronology_entrys_problems_name_the_boxes_as_shown() -> None:
    with pytest.raises(FormInvalid) as refused:
        check_entry({"event_date": "2025-03-14", "source": " ", "event": ""}, TODAY)
    card = return_cards.entry_form_card(RET, default_themes(), {}, errors=refused.value.errors)
    assert card_problems(card) == []
    text = json.dumps(card)
    assert "'What happened (brief, factual, non-judgemental)' is required." in text
    assert "'Source of information' is required." in text
    assert "'Event' is required." not in text


def test_a_refused_move_over_its_item_names_the_field_as_the_form_shows_it() -> None:
    blocked = item(3, ActionStatus.BLOCKED)
    amend = action_cards.WarnedForm(verbs.ACTION_AMEND, {"new_description": "Audit 25."}, {})
    card = action_cards.action_item_card(
        blocked,
        Rag.RED,
        owner=False,
        chair=True,
        errors={"reason": field_error("Reason", " is required.")},
        warned=amend,
    )
    assert card_problems(card) == []
    text = json.dumps(card)
    assert "'Why it changed, for the owner and the record' is required." in text
    assert "'Reason' is required." not in text


def test_the_manage_cards_reason_boxes_ask_what_their_problems_name() -> None:
    # The one table the card's boxes and the rule's problems both read.
    assert set(WHY) == {
        Control.CANCEL,
        Control.REOPEN,
        Control.REMOVE_AGENCY,
        Control.NIL_RETURN,
        Control.PROCEED_WITHOUT,
    }
    assert all(label.endswith("?") for label in WHY.values())


def test_a_field_problem_survives_a_copy_and_a_pickle() -> None:
    # str's own __getnewargs__ gives one argument, and FieldError is built from two: a copied
    # or pickled screen's errors raised TypeError (review of the eighth session).
    problem = field_error("Reason", " is required.")
    for again in (copy.copy(problem), copy.deepcopy(problem), pickle.loads(pickle.dumps(problem))):
        assert isinstance(again, FieldError)
        assert again == "'Reason' is required."
        assert again.named("Why, for the record") == "'Why, for the record' is required."
