"""One submit, every problem: `domain.identifier_checks.check_form` and `require_valid` gather a
form's validation problems and its identifier findings together (walk12: people submitted two
or three times, one kind of problem at a time)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import FormInvalid
from domain.identifier_checks import (
    IdentifiersToConfirm,
    check_form,
    confirm_key,
    refuse_with_findings,
    require_valid,
    typed_texts,
)

FLAGGED = "Seen with NHS number 943 476 5919 at clinic"
CLEAN = "Child K was seen at nursery"
DATE_PROBLEM = {"event_date": "Give the date like 2026-12-01."}

# Fields of a form: each clean or flagged, ticked or not, and each with or without a problem.
fields = st.dictionaries(
    st.sampled_from(["note", "reason", "evidence", "how_much", "event"]),
    st.tuples(st.booleans(), st.booleans(), st.booleans()),  # flagged, ticked, invalid
    max_size=5,
)


def _form(spec: dict[str, tuple[bool, bool, bool]]) -> tuple[dict, dict, dict]:
    texts = {name: FLAGGED if flagged else CLEAN for name, (flagged, _, _) in spec.items()}
    data = {confirm_key(name): "true" for name, (_, ticked, _) in spec.items() if ticked}
    errors = {name: f"'{name}' is too long." for name, (_, _, bad) in spec.items() if bad}
    return errors, texts, data


@settings(deadline=None)  # the first check loads the name lexicon
@given(fields)
def test_every_problem_of_a_submit_is_found_in_one_check(spec) -> None:
    errors, texts, data = _form(spec)
    check = check_form(errors, texts, data)
    flagged = {name for name, (f, _, _) in spec.items() if f}
    unticked = {name for name, (f, t, _) in spec.items() if f and not t}
    assert check.errors == errors
    # Every unticked flag is warned; while the card comes back anyway, the ticked ones too.
    assert check.warnings.keys() == (flagged if errors else unticked)
    assert check.saves == (not errors and not unticked)
    assert all("476 5919" not in warning for warning in check.warnings.values())  # masked


def _outcome(errors: dict, texts: dict, data: dict) -> tuple[str, object]:
    try:
        return "saved", require_valid(errors, texts, data)
    except IdentifiersToConfirm as refused:
        return "warned", refused
    except FormInvalid as refused:
        return "invalid", refused


@settings(deadline=None)  # the first check loads the name lexicon
@given(fields)
def test_require_valid_refuses_once_with_everything_or_saves(spec) -> None:
    errors, texts, data = _form(spec)
    check = check_form(errors, texts, data)
    kind, got = _outcome(errors, texts, data)
    expected = "saved" if check.saves else ("warned" if check.warnings else "invalid")
    assert kind == expected
    if isinstance(got, IdentifiersToConfirm):
        assert (got.errors, got.warnings) == (check.errors, check.warnings)
    elif isinstance(got, FormInvalid):
        assert got.errors == errors
    else:
        ticked_flags = {name for name, (f, t, _) in spec.items() if f and t}
        assert got.kept.keys() == ticked_flags  # audited per field, as before


def test_a_bad_date_and_an_nhs_number_come_back_together() -> None:
    with pytest.raises(IdentifiersToConfirm) as refused:
        require_valid(DATE_PROBLEM, {"event": FLAGGED}, {})
    assert refused.value.errors == DATE_PROBLEM
    assert refused.value.warnings.keys() == {"event"}
    assert "NHS number" in refused.value.warnings["event"]


def test_a_tick_given_is_kept_while_a_date_is_mended() -> None:
    with pytest.raises(IdentifiersToConfirm) as refused:
        require_valid(DATE_PROBLEM, {"event": FLAGGED}, {confirm_key("event"): "true"})
    assert refused.value.warnings.keys() == {"event"}  # drawn again, ticked
    kept = require_valid({}, {"event": FLAGGED}, {confirm_key("event"): "true"})
    assert dict(kept.audit_after()) == {"event": ["nhs_number"]}


def test_validation_alone_is_refused_as_before() -> None:
    with pytest.raises(FormInvalid) as refused:
        require_valid(DATE_PROBLEM, {"event": CLEAN}, {})
    assert not isinstance(refused.value, IdentifiersToConfirm)
    assert refused.value.errors == DATE_PROBLEM


def test_a_validator_refusal_gains_the_findings_of_the_text_as_typed() -> None:
    data = {"how_much": f"  {FLAGGED}  ", "how_well": "", "better_off": 3}
    texts = typed_texts(data, ("how_much", "how_well", "better_off"))
    assert texts == {"how_much": FLAGGED, "how_well": None, "better_off": None}
    problem = {"how_well": "'How well' is required."}
    with pytest.raises(IdentifiersToConfirm) as refused:
        refuse_with_findings(FormInvalid(problem), texts, data)
    assert refused.value.errors == problem
    assert refused.value.warnings.keys() == {"how_much"}
