"""A flagged answer its writer has not confirmed is held: the writer reads it in full,
everyone else masked with a note, while the writer can still write the return; after that
everyone who can write it reads it in full (domain/held.py, issue 15)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import cast

from hypothesis import given
from hypothesis import strategies as st

from domain.held import (
    ANYONE_WHO_CAN,
    handed_on_note,
    held_answers,
    held_from,
    held_note,
    masked,
    menders,
    seen_by,
)
from domain.identifiers import find_identifiers
from domain.questions import default_question_bank
from domain.records import ReturnView, StoredAnswer
from domain.repositories import UnitOfWork
from domain.returns import writers_of
from tests.unit.test_lifecycle import RETURN_VIEW

BANK = default_question_bank()
WRITER, OTHER, CHAIR = 7, 8, 9
WRITERS = frozenset({WRITER, OTHER})  # both on the return; the chair is not
NAMED = "Kelly Smith, 14 Acacia Road, was seen at home."


def _answer(question_id: str, value: object, *, confirmed: bool = False) -> StoredAnswer:
    return StoredAnswer(question_id, 0, value, 3, WRITER, "Pat Writer", confirmed, answer_id=1)


def test_masked_replaces_each_finding_with_the_guards_own_mask() -> None:
    assert (
        masked(NAMED, find_identifiers(NAMED)) == "[a name], [a street address], was seen at home."
    )


def test_another_member_sees_a_flagged_unconfirmed_answer_masked_with_a_note() -> None:
    held = held_from(
        BANK.question("family_members"), _answer("family_members", NAMED), OTHER, WRITERS
    )
    assert held is not None
    assert held.value == held.text == "[a name], [a street address], was seen at home."
    assert "Kelly" not in held.text
    assert "Acacia" not in held.text
    assert held.note == (
        "Held back: it may identify someone. Waiting for Pat Writer to edit it or confirm it "
        "is not identifying."
    )
    assert (held.writer_id, held.writer_name) == (WRITER, "Pat Writer")
    assert held.waiting_for == "Pat Writer"


def test_the_writer_sees_their_own_text() -> None:
    assert (
        held_from(
            BANK.question("family_members"), _answer("family_members", NAMED), WRITER, WRITERS
        )
        is None
    )


def test_a_confirmed_answer_is_not_held() -> None:
    answer = _answer("family_members", NAMED, confirmed=True)
    assert held_from(BANK.question("family_members"), answer, OTHER, WRITERS) is None


def test_a_clean_answer_is_not_held() -> None:
    answer = _answer("family_members", "Mother and two siblings, seen at home.")
    assert held_from(BANK.question("family_members"), answer, OTHER, WRITERS) is None


def test_a_follow_up_is_masked_and_its_yes_or_no_kept() -> None:
    answer = _answer("hidden_adults", {"answer": "yes", "follow_up": NAMED})
    held = held_from(BANK.question("hidden_adults"), answer, OTHER, WRITERS)
    assert held is not None
    assert held.value == {"answer": "yes", "follow_up": masked(NAMED, find_identifiers(NAMED))}
    assert held.text.startswith("Yes: [a name]")


def test_a_note_without_a_known_writer_still_reads() -> None:
    assert "Waiting for the colleague who wrote it to edit it" in held_note(None)


def test_seen_by_masks_only_held_answers_and_keeps_revisions() -> None:
    stored = {
        ("family_members", 0): _answer("family_members", NAMED),
        ("involvement_period", 0): _answer("involvement_period", "2024 to 2025"),
        ("unknown_question", 0): _answer("unknown_question", NAMED),
    }
    seen = seen_by(BANK, stored, OTHER, WRITERS)
    assert seen[("family_members", 0)].value.startswith("[a name]")
    assert seen[("family_members", 0)].revision == 3
    assert seen[("involvement_period", 0)] is stored[("involvement_period", 0)]
    assert set(held_answers(BANK, stored, OTHER, WRITERS)) == {("family_members", 0)}
    assert seen_by(BANK, stored, WRITER, WRITERS) == stored


def test_once_the_writer_cannot_write_the_return_its_writers_read_it_in_full() -> None:
    question, answer = BANK.question("family_members"), _answer("family_members", NAMED)
    left = frozenset({OTHER})  # the writer was taken off the return
    assert held_from(question, answer, OTHER, left) is None, "the co-writer may now mend it"
    assert set(held_answers(BANK, {("family_members", 0): answer}, OTHER, left)) == set()


def test_once_released_a_reader_who_cannot_write_still_sees_it_masked_and_why() -> None:
    question, answer = BANK.question("family_members"), _answer("family_members", NAMED)
    for viewer in (CHAIR, WRITER):  # the chair, and the writer themselves once off it
        held = held_from(question, answer, viewer, frozenset({OTHER}))
        assert held is not None
        assert "Kelly" not in held.text
        assert held.waiting_for == ANYONE_WHO_CAN
        assert held.note == (
            "Held back: it may identify someone. Pat Writer, who wrote it, can no longer "
            "change this return, so it waits for someone who can change this return to edit "
            "it or confirm it is not identifying."
        )


def test_an_answer_whose_writer_is_unknown_is_released_to_the_returns_writers() -> None:
    answer = replace(_answer("family_members", NAMED), updated_by=None, updated_by_name=None)
    assert menders(answer, WRITERS) == WRITERS
    held = held_from(BANK.question("family_members"), answer, CHAIR, WRITERS)
    assert held is not None
    assert held.note.startswith("Held back: it may identify someone. Its writer can no longer")


MEMBERS = st.integers(min_value=1, max_value=5)


@given(
    writer=st.none() | MEMBERS,
    viewer=MEMBERS,
    writers=st.frozensets(MEMBERS),
    confirmed=st.booleans(),
)
def test_held_from_everyone_but_the_writer_while_they_can_write_then_but_the_writers(
    writer: int | None, viewer: int, writers: frozenset[int], confirmed: bool
) -> None:
    answer = replace(_answer("family_members", NAMED, confirmed=confirmed), updated_by=writer)
    held = held_from(BANK.question("family_members"), answer, viewer, writers)
    if confirmed:
        assert held is None
    elif writer is not None and writer in writers:
        assert (held is None) == (viewer == writer)
    else:
        assert (held is None) == (viewer in writers)
    # Someone can always mend it while anyone can write the return: no answer waits forever.
    assert bool(menders(answer, writers)) == bool(writers)
    assert set(menders(answer, writers)) <= writers


LEAD = 11


class _Leads:
    """The one repository call `writers_of` may make, counted."""

    def __init__(self) -> None:
        self.asked = 0

    def agency_lead_ids(self, agency_id: int) -> list[int]:
        self.asked += 1
        return [LEAD]


def _return(assignees: frozenset[int]) -> ReturnView:
    return replace(RETURN_VIEW, assignee_ids=assignees, bank_version=BANK.version)


def test_a_return_is_written_by_its_assignees_and_its_agencys_leads() -> None:
    leads = _Leads()
    uow = cast(UnitOfWork, SimpleNamespace(returns=leads))
    ret = _return(WRITERS)
    by_assignee = {("family_members", 0): _answer("family_members", NAMED)}
    assert writers_of(uow, ret, by_assignee) == WRITERS
    assert leads.asked == 0, "every unconfirmed answer's writer is assigned: no query"
    by_lead = {("family_members", 0): replace(by_assignee[("family_members", 0)], updated_by=LEAD)}
    writers = writers_of(uow, ret, by_lead)
    assert writers == WRITERS | {LEAD}
    assert leads.asked == 1
    # The lead's own held answer stays theirs: it is not released to the practitioners.
    assert held_from(
        BANK.question("family_members"), by_lead[("family_members", 0)], OTHER, writers
    )


def test_a_released_answer_tells_its_new_menders_why_it_is_theirs() -> None:
    note = handed_on_note("Family members", "Police Practitioner (demo)")
    assert note.startswith("'Family members': Police Practitioner (demo), who wrote it,")
    assert "yours to check" in note
    assert handed_on_note("Family members", None).startswith("'Family members': Its writer can")
