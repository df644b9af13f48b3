"""A sentence naming a review is read as a question about it only when what is beside the
name is a question's words; a note typed to the bot is said not to be kept, and a child's
details in it are named by kind, never repeated (walk13 H1 and M9)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.guard import load_corpus
from bot.handlers import register_all
from bot.router import Router
from cards.basics import not_kept_card
from cards.validation import card_problems
from domain import chat_notes, phrasing
from domain.chat_notes import NotKept, not_kept, ways_on
from domain.commands import Command, interpret, suggest, suggested
from domain.identifiers import find_identifiers

KNOWN = (
    "summary",
    "overdue",
    "dashboard",
    "export",
    "my actions",
    "reviews",
    "help",
    "continue",
    "legal hold",
    "sign-offs",
    "guide",
)
REFERENCES = st.sampled_from(["LOS-2026-007", "los 2026 7", "2026-007", "LOS-2026-12"])
PSEUDONYMS = st.sampled_from(["child q", "child k", "baby a", "young person r", "sibling group b"])
# Each a question about the review named in its place ({}).
QUESTIONS = st.sampled_from(
    [
        "how is {} doing?",
        "how's {} getting on",
        "how is {} going",
        "hi, how are things with {}?",
        "status of {}",
        "what's the status of {}",
        "progress on {}",
        "any update on {} please",
        "what's the latest on {}",
        "summary for {}",
        "can you show me the summary of {}",
        "where are we with {}",
    ]
)
# Each a note or an instruction about the review named in its place.
NOTES = st.sampled_from(
    [
        "note for {}: mum says the child is scared",
        "please add to {} that dad has moved out",
        "{} - school reported bruising again today",
        "the child is scared please add to {}",
        "add this to the chronology for {}: police attended on friday",
        "update for {}: health visitor missed the appointment",
        "summary of the strategy meeting for {} was sent yesterday",
        "for {} record that the family declined support",
    ]
)


@given(st.one_of(QUESTIONS, st.just("{}")), REFERENCES)
def test_a_question_about_a_review_by_reference_is_its_summary(frame: str, ref: str) -> None:
    command = interpret(frame.format(ref), KNOWN)
    assert command is not None
    assert command.name == "summary"
    assert phrasing.reference_in(command.argument.lower()) == phrasing.reference_in(ref.lower())


@given(QUESTIONS, PSEUDONYMS)
def test_a_question_about_a_review_by_pseudonym_is_its_summary(frame: str, name: str) -> None:
    # M9: "how is child q doing" is asked as "how is LOS-2026-007 doing" is.
    command = interpret(frame.format(name), KNOWN)
    assert command is not None
    assert (command.name, command.argument) == ("summary", name)


@given(NOTES, st.one_of(REFERENCES, PSEUDONYMS))
def test_a_note_naming_a_review_is_answered_by_no_command(frame: str, name: str) -> None:
    text = frame.format(name)
    assert interpret(text, KNOWN) is None, text
    assert not_kept(text, KNOWN) is not None, text


@given(NOTES, REFERENCES)
def test_a_note_is_said_not_kept_with_its_review_a_click_away(frame: str, ref: str) -> None:
    note = not_kept(frame.format(ref), KNOWN)
    assert note is not None
    assert note.reference == phrasing.reference_in(ref.lower())
    ways = ways_on(note, KNOWN)
    assert ways[0] == (f"Open {note.reference}", f"summary {note.reference}")
    assert ("My actions", "my actions") in ways


def test_the_ways_on_are_only_the_persons_commands() -> None:
    note = NotKept("LOS-2026-007", "")
    assert ways_on(note, {"help"}) == ()
    unnamed = NotKept(None, "a name")
    assert ways_on(unnamed, {"summary", "reviews", "my actions"}) == (
        ("My actions", "my actions"),
        ("List reviews", "reviews"),
    )
    assert ways_on(note, {"summary", "my actions"}, ["summary LOS-2026-007"]) == (
        ("Open LOS-2026-007", "summary LOS-2026-007"),
        ("My actions", "my actions"),
    )


def test_a_pseudonym_alone_asks_nothing() -> None:
    # A reference alone is its summary; a pseudonym alone may be the start of anything.
    assert interpret("child k", KNOWN) is None
    assert not_kept("child k", KNOWN) is None


def test_the_child_said_plainly_is_no_pseudonym() -> None:
    assert phrasing.pseudonym_in("how is the child doing") is None
    assert phrasing.pseudonym_in("the child is scared") is None
    assert interpret("how is the child doing", KNOWN) is None


def test_a_mistyped_command_or_an_unknown_question_still_gets_did_you_mean() -> None:
    for text in (
        "sumary LOS-2026-001",
        "approve LOS-2026-001",
        "approve the guide for LOS-2026-004",
        "place legal hold on LOS-2026-001",
        "what is the weather like?",
        "hepl",
    ):
        assert not_kept(text, KNOWN) is None, text


_WITH_DETAILS = [text for text, kinds in load_corpus() if kinds]


@settings(deadline=None)  # the guard's first look loads its word lists
@given(st.sampled_from(_WITH_DETAILS), st.booleans())
def test_a_childs_details_are_named_by_kind_and_never_said_back(
    text: str, with_review: bool
) -> None:
    typed = f"{text} please add to LOS-2026-007" if with_review else text
    found = find_identifiers(typed)
    note = not_kept(typed, KNOWN)
    if not found:  # the guard's misses are its own corpus's business
        return
    assert note is not None
    assert note.identifiers
    warning = chat_notes.identifiers_warning(note.identifiers)
    assert "Teams keeps what you type" in warning
    for finding in found:
        assert finding.label in warning
        assert typed[finding.start : finding.end] not in warning


def test_no_details_no_warning() -> None:
    note = not_kept("note for LOS-2026-007: mum says the child is scared", KNOWN)
    assert note == NotKept("LOS-2026-007", "")
    assert chat_notes.identifiers_warning(note.identifiers) == ""


def test_the_not_kept_card_is_valid_and_each_button_runs_as_a_suggestion_does() -> None:
    router = Router()
    register_all(router)
    capabilities = router.capabilities
    names = {c.command for c in capabilities}
    typed = "the child is scared NHS 943 476 5919 please add to LOS-2026-007"
    note = not_kept(typed, tuple(names))
    assert note is not None
    ways = ways_on(note, names, suggest(typed, capabilities))
    card = not_kept_card(chat_notes.identifiers_warning(note.identifiers), ways)
    assert card_problems(card) == []
    assert "943" not in str(card)
    assert [title for title, _ in ways] == ["Open LOS-2026-007", "Continue my return", "My actions"]
    for _, command in ways:
        assert suggested(command, capabilities) is not None, command
    assert card_problems(not_kept_card("", ())) == []


@pytest.mark.parametrize(
    "question",
    [
        "what's happening with LOS-2026-001",
        "who is the lead for LOS-2026-001",
        "has LOS-2026-001 been signed off",
        "when is the panel for LOS-2026-001",
        "is LOS-2026-001 on track",
        "what stage is LOS-2026-001 at",
        "LOS-2026-001 details",
        "info on LOS-2026-001",
        "view LOS-2026-001",
    ],
)
def test_a_question_naming_a_review_by_reference_opens_its_summary(question: str) -> None:
    """review13b: these opened the summary before this session, then were told "That isn't a
    command I know" or that the message wasn't kept."""
    assert interpret(question, KNOWN) == Command("summary", "los-2026-001")


def test_a_question_the_bot_cannot_answer_is_not_called_a_note() -> None:
    assert interpret("what needs signing off", KNOWN) is None
    assert not_kept("what needs signing off", KNOWN) is None


@settings(max_examples=60, deadline=None)
@given(
    # The lines the guard finds (two of the corpus' names are missed: bench.guard says so).
    line=st.sampled_from(
        [text for text, kinds in load_corpus() if phrasing.holds_a_childs_details(text)]
    ),
    keyword=st.sampled_from(["overdue", "dashboard", "has overdue actions", "summary"]),
)
def test_a_sentence_holding_a_childs_details_is_never_read_as_a_question(
    line: str, keyword: str
) -> None:
    """review13b: "Kelly Smith NHS … has overdue actions" was read as an overdue list for an
    agency called "kelly smith nhs …", and the refusal said the words back into the chat."""
    typed = f"{line} {keyword}"
    assert phrasing.holds_a_childs_details(typed), typed
    assert interpret(typed, KNOWN) is None, typed
    note = not_kept(typed, KNOWN)
    assert note is not None, typed
    assert note.identifiers, typed


def test_typed_words_are_said_back_only_when_they_hold_no_details() -> None:
    assert phrasing.said_back("polce") == "“polce”"
    assert phrasing.said_back("kelly smith nhs 943 476 5919") == "what you typed"
    assert "kelly" not in phrasing.which_one(
        phrasing.Fit.NEAR, "kelly smith 943 476 5919", "agency"
    )


def test_an_agency_named_as_a_school_is_still_asked_about() -> None:
    """The guard reads "Demo Primary School" as a school; in a question it is the name of an
    education agency (the demo's), so the question is read, never refused as a child's."""
    asked = interpret("what's overdue for Demo Primary School?", KNOWN)
    assert asked == Command("overdue", "demo primary school")
    assert phrasing.said_back("demo primary schol") == "“demo primary schol”"


def test_a_command_typed_with_a_childs_name_is_answered_as_a_note() -> None:
    # Commands read their words lower-cased, where the guard sees no name: read as typed.
    assert interpret("overdue Kelly Smith", KNOWN) is None
    assert not_kept("overdue Kelly Smith", KNOWN) is not None
    assert interpret("overdue Demo Primary School", KNOWN) == Command(
        "overdue", "demo primary school"
    )
