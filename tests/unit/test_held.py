"""A flagged answer its writer has not confirmed is held: the writer reads it in full,
everyone else masked with a note (domain/held.py, issue 15)."""

from __future__ import annotations

from domain.held import held_answers, held_from, held_note, masked, seen_by
from domain.identifiers import find_identifiers
from domain.questions import default_question_bank
from domain.records import StoredAnswer

BANK = default_question_bank()
WRITER, OTHER = 7, 8
NAMED = "Kelly Smith, 14 Acacia Road, was seen at home."


def _answer(question_id: str, value: object, *, confirmed: bool = False) -> StoredAnswer:
    return StoredAnswer(question_id, 0, value, 3, WRITER, "Pat Writer", confirmed, answer_id=1)


def test_masked_replaces_each_finding_with_the_guards_own_mask() -> None:
    assert (
        masked(NAMED, find_identifiers(NAMED)) == "K•••• S••••, •• A••••• Road, was seen at home."
    )


def test_another_member_sees_a_flagged_unconfirmed_answer_masked_with_a_note() -> None:
    held = held_from(BANK.question("family_members"), _answer("family_members", NAMED), OTHER)
    assert held is not None
    assert held.value == held.text == "K•••• S••••, •• A••••• Road, was seen at home."
    assert "Kelly" not in held.text
    assert "Acacia" not in held.text
    assert held.note == (
        "Held back: it may identify someone. Waiting for Pat Writer to edit it or confirm it "
        "is not identifying."
    )
    assert (held.writer_id, held.writer_name) == (WRITER, "Pat Writer")


def test_the_writer_sees_their_own_text() -> None:
    assert (
        held_from(BANK.question("family_members"), _answer("family_members", NAMED), WRITER) is None
    )


def test_a_confirmed_answer_is_not_held() -> None:
    answer = _answer("family_members", NAMED, confirmed=True)
    assert held_from(BANK.question("family_members"), answer, OTHER) is None


def test_a_clean_answer_is_not_held() -> None:
    answer = _answer("family_members", "Mother and two siblings, seen at home.")
    assert held_from(BANK.question("family_members"), answer, OTHER) is None


def test_a_follow_up_is_masked_and_its_yes_or_no_kept() -> None:
    answer = _answer("hidden_adults", {"answer": "yes", "follow_up": NAMED})
    held = held_from(BANK.question("hidden_adults"), answer, OTHER)
    assert held is not None
    assert held.value == {"answer": "yes", "follow_up": masked(NAMED, find_identifiers(NAMED))}
    assert held.text.startswith("Yes: K•••• S••••")


def test_a_note_without_a_known_writer_still_reads() -> None:
    assert "Waiting for the colleague who wrote it to edit it" in held_note(None)


def test_seen_by_masks_only_held_answers_and_keeps_revisions() -> None:
    stored = {
        ("family_members", 0): _answer("family_members", NAMED),
        ("involvement_period", 0): _answer("involvement_period", "2024 to 2025"),
        ("unknown_question", 0): _answer("unknown_question", NAMED),
    }
    seen = seen_by(BANK, stored, OTHER)
    assert seen[("family_members", 0)].value.startswith("K•••• S••••")
    assert seen[("family_members", 0)].revision == 3
    assert seen[("involvement_period", 0)] is stored[("involvement_period", 0)]
    assert set(held_answers(BANK, stored, OTHER)) == {("family_members", 0)}
    assert seen_by(BANK, stored, WRITER) == stored
