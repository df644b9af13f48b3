"""What the bot offers a person is what it would then do for them: "did you mean" suggestions
that are accepted as typed, help that lists only what they may run, refusals that name who may
in plain words, and a review found by reference or pseudonym the same way by every command."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.handlers import register_all
from bot.router import Router
from cards import verbs
from cards.basics import NOT_UNDERSTOOD, did_you_mean_card, help_groups
from cards.reviews import reviews_card
from cards.validation import card_problems
from domain import audit_trail, board_report, meeting, retention, review_flow
from domain.capabilities import ArgumentKind, available, refusal
from domain.commands import (
    ARGUMENT_WORDS,
    READ_ONLY_COMMANDS,
    Command,
    interpret,
    no_argument_commands,
    normalise,
    suggest,
    suggested,
)
from domain.errors import NotFound, NotPermitted
from domain.lifecycle import split_named
from domain.model import MemberView, ReviewStage, Role, role_noun
from domain.records import ReviewProgress
from domain.reviews import meeting_held_on, not_visible, parse_reference
from domain.wording import listed, with_article
from storage.database import Database
from tests.support.partnership import ADMIN, CHAIR, LIC, POLICE_MANAGER, seed
from tests.unit.test_summaries import review

CAPABILITIES = tuple(register_all(Router()).capabilities)
BY_NAME = {c.command: c for c in CAPABILITIES}
NAMES = tuple(BY_NAME)
BARE = no_argument_commands(CAPABILITIES)


def person(*roles: Role) -> MemberView:
    return MemberView(
        1,
        1,
        "a0000000-0000-4000-8000-0000000000aa",
        "Sam (demo)",
        2,
        frozenset(roles),
    )


def offered(text: str, *roles: Role) -> tuple[str, ...]:
    return suggest(text, available(CAPABILITIES, person(*roles)))


# --- did you mean --------------------------------------------------------------------------


def test_the_walks_suggestions_are_now_ones_that_work() -> None:
    # `report` takes a quarter: a review's reference is never carried over to it, and a
    # correctly spelt "record" is no typo of "report".
    lic = offered("record impact LOS-2026-005/A1", Role.LIC_MEMBER)
    assert lic == ("awaiting impact",)
    assert not any(s.startswith("report") for s in offered("record impact LOS-2026-005/A1", *Role))
    # A typo of a bare command is the bare command, not its help example.
    assert offered("dashbaord", Role.MANAGER) == ("dashboard",)
    # "approve the guide" is about the guide, not sign-offs; without a review named, nothing
    # the person could run as typed is offered.
    assert offered("approve the guide", *Role) == ()
    # Named with a review, the guide is still not offered: its chair's first open drafts it,
    # and a button runs nothing that changes what is kept (READ_ONLY_COMMANDS).
    assert not any(s.startswith("guide") for s in offered("approve the guide LOS-2026-005", *Role))
    assert offered("reprot 2026 q3", Role.MANAGER) == ("report 2026-Q3",)
    assert offered("pak 2026-004", Role.CHAIR) == ("pack LOS-2026-004",)


def test_a_person_is_offered_only_their_own_commands() -> None:
    assert offered("reprot", Role.PRACTITIONER) == ()
    assert offered("awaiting impcat", Role.PRACTITIONER) == ()
    assert offered("awaiting impcat", Role.LIC_MEMBER) == ("awaiting impact",)


@example("RESUME", set(Role))  # `continue`, whose review may be left out
@given(st.text(max_size=60), st.sets(st.sampled_from(list(Role))))
def test_every_suggestion_is_accepted_as_typed(text: str, roles: set[Role]) -> None:
    mine = available(CAPABILITIES, person(*roles))
    for suggestion in suggest(text, mine):
        command = interpret(suggestion, NAMES, BARE)
        assert command is not None, suggestion
        capability = BY_NAME[command.name]
        assert capability in mine
        kind = capability.argument_kind
        if kind is ArgumentKind.REVIEW and not command.argument:
            # "resume" offers `continue` alone, which lists the person's returns
            assert capability.argument_optional, suggestion
        elif kind is ArgumentKind.REVIEW:
            # a reference, or the words typed after a misspelt command (a pseudonym)
            words = command.argument.split()
            assert parse_reference(command.argument) is not None or (
                len(words) <= ARGUMENT_WORDS and set(words) <= set(normalise(text).split())
            ), suggestion
        elif kind is ArgumentKind.WORDS:
            words = command.argument.split()
            assert len(words) <= ARGUMENT_WORDS, suggestion
            assert set(words) <= set(normalise(text).split()), suggestion
        elif kind is not ArgumentKind.QUARTER:
            assert command.argument == "", suggestion
        # and the button carrying it runs exactly that command
        assert suggested(suggestion, CAPABILITIES) == command


@given(st.text(max_size=90))
def test_a_button_runs_only_what_a_suggestion_could_be(text: str) -> None:
    command = suggested(text, CAPABILITIES)
    if command is not None:
        assert normalise(text).startswith(command.name)
        assert len(normalise(text).split()) <= len(command.name.split()) + ARGUMENT_WORDS


def test_a_button_refuses_anything_more_than_a_suggestion() -> None:
    for forged in (
        "cancel review LOS-2026-004 because it was opened twice",
        "register channel lic",
        "dashboard for police",  # a suggestion drops the connecting words
        "dashboard police north south east",  # more words than a suggestion keeps
        "summary please child k",
        "sign-offs LOS-2026-004",
        "my actions child k",
        "reviews child k",
        None,
        7,
        "x" * 500,
    ):
        assert suggested(forged, CAPABILITIES) is None, forged
    assert suggested("summary LOS-2026-004", CAPABILITIES) is not None
    assert suggested("summary Child K", CAPABILITIES) == Command("summary", "child k")
    # `continue` takes a review or nothing (walk2: "continue LOS-2026-001").
    assert suggested("continue LOS-2026-004", CAPABILITIES) == Command("continue", "los-2026-004")
    assert suggested("continue", CAPABILITIES) == Command("continue", "")
    assert suggested("dashboard police 2026-q3", CAPABILITIES) == Command(
        "dashboard", "police 2026-q3"
    )


def test_a_misspelt_command_keeps_what_was_typed_after_it() -> None:
    # A review named by its pseudonym, as typed: "sumary Child K" was offered nothing.
    assert offered("sumary Child K", Role.CHAIR)[0] == "summary Child K"
    assert offered("summery of child k please", Role.CHAIR)[0] == "summary child k"
    assert offered("sumary LOS-2026-4", Role.CHAIR)[0] == "summary LOS-2026-004"
    assert offered("pakc Baby L", Role.CHAIR)[0] == "pack Baby L"
    assert offered("audti Child K", *Role)[0] == "audit Child K"
    assert offered("legal hodl Child K", *Role)[0] == "legal hold Child K"
    # A pseudonym's own word is no misspelt command word: "legal child k" offered
    # "legal hold k", which names no review.
    assert offered("legal child k", *Role)[0] == "legal hold child k"
    assert offered("legal Child K", *Role)[0] == "legal hold Child K"
    # The command's second word with a letter dropped and two swapped is still that word.
    assert offered("legal hdl child k", *Role)[0] == "legal hold child k"
    assert offered("legal hlod Child K", *Role)[0] == "legal hold Child K"
    assert offered("outcom Child K", Role.CHAIR)[0] == "outcome Child K"
    # A command's own words: an agency, a period.
    assert offered("overdeu police", Role.MANAGER)[0] == "overdue police"
    assert offered("dashbord for police in 2026-q3", Role.MANAGER)[0] == (
        "dashboard police 2026-q3"
    )
    # Nothing after it, or only politeness: the command alone; a review command still needs
    # a review named, and a sentence after a typo is no pseudonym.
    assert offered("overdeu please", Role.MANAGER)[0] == "overdue"
    assert offered("sumary please", Role.CHAIR) == ()
    assert not offered("sumary what happened to the family last week", Role.CHAIR)
    # A command whose review is optional keeps one named, and is offered bare without one;
    # a state-changing one never.
    assert offered("contnue Child K", Role.PRACTITIONER)[0] == "continue Child K"
    assert offered("contnue", Role.PRACTITIONER)[0] == "continue"
    assert offered("contnue please", Role.PRACTITIONER)[0] == "continue"
    assert offered("my acions Child K", Role.PRACTITIONER)[0] == "my actions"
    assert offered("guid Child K", *Role) == ()


# Every command the bot registers, sorted: read-only ones may be suggested; these change what
# is kept when run as typed (a new command must be put in one or the other).
CHANGES_STATE = frozenset({"cancel review", "export", "guide", "register channel", "reopen review"})
SAMPLE_TEXT = st.one_of(
    st.text(max_size=60),
    # Text built from the bot's own words and references, so the search reaches every command.
    st.lists(
        st.sampled_from(
            [*(w for n in NAMES for w in n.split()), "LOS-2026-004", "2026-Q3", "please", "the"]
        ),
        max_size=6,
    ).map(" ".join),
)


def test_every_command_is_either_read_only_or_known_to_change_state() -> None:
    assert READ_ONLY_COMMANDS.isdisjoint(CHANGES_STATE)
    assert set(NAMES) == READ_ONLY_COMMANDS | CHANGES_STATE


@given(SAMPLE_TEXT, st.sets(st.sampled_from(list(Role))))
def test_no_suggestion_names_a_command_that_changes_state(text: str, roles: set[Role]) -> None:
    for suggestion in suggest(text, available(CAPABILITIES, person(*roles))):
        command = interpret(suggestion, NAMES, BARE)
        assert command is not None, suggestion
        assert command.name in READ_ONLY_COMMANDS, suggestion


@given(SAMPLE_TEXT)
def test_a_button_never_runs_a_command_that_changes_state(text: str) -> None:
    command = suggested(text, CAPABILITIES)
    assert command is None or command.name in READ_ONLY_COMMANDS


def test_forged_buttons_naming_a_state_changing_command_are_refused() -> None:
    # Each as `suggest` would once have written it, so only the read-only rule refuses it.
    for forged in (
        "guide LOS-2026-004",
        "export LOS-2026-004",
        "export",
        "register channel",
        "cancel review LOS-2026-004",
        "reopen review LOS-2026-004",
    ):
        assert suggested(forged, CAPABILITIES) is None, forged
    # A sentence naming one is about that command, so nothing is offered in its place.
    assert offered("please cancel review LOS-2026-004", *Role) == ()


def test_the_card_is_one_reply_with_a_button_per_suggestion() -> None:
    card = did_you_mean_card(("dashboard", "report 2026-Q3"), frozenset({Role.MANAGER}))
    assert card_problems(card) == []
    assert NOT_UNDERSTOOD in str(card)
    (action_set,) = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert [(a["title"], a["verb"], a["data"]["command"]) for a in action_set["actions"]] == [
        ("dashboard", verbs.RUN_COMMAND, "dashboard"),
        ("report 2026-Q3", verbs.RUN_COMMAND, "report 2026-Q3"),
    ]
    assert [a["title"] for a in card["actions"]] == ["What can I do?"]


# --- help lists what the person may run ---------------------------------------------------


def listed_for(*roles: Role) -> set[str]:
    mine = available(CAPABILITIES, person(*roles))
    return {c.command for _, group in help_groups(mine, frozenset(roles)) for c in group}


def test_help_does_not_offer_the_board_report_to_a_practitioner() -> None:
    assert "report" not in listed_for(Role.PRACTITIONER)
    assert "report" in listed_for(Role.MANAGER)
    assert BY_NAME["report"].roles == frozenset(board_report.REPORT_ROLES)


def test_help_for_someone_without_a_role_lists_only_what_they_may_run() -> None:
    assert listed_for() == {c.command for c in CAPABILITIES if not c.roles}
    assert "summary" not in listed_for()


# --- refusals in plain words ----------------------------------------------------------------


def test_a_refusal_names_the_roles_as_a_sentence_would() -> None:
    message = refusal(person(Role.PRACTITIONER), tuple(Role))
    assert message.startswith(
        "Only a partnership admin, a review chair, an agency safeguarding lead, a "
        "practitioner, an LIC group member or a manager can do that."
    )
    assert refusal(person(Role.PRACTITIONER), (Role.ADMIN,)).startswith(
        "Only a partnership admin can do that."
    )
    nobody = refusal(person(), (Role.CHAIR, Role.ADMIN))
    assert "Only a review chair or a partnership admin can do that." in nobody
    assert "You don't have a role in this partnership yet" in nobody
    assert "ask your partnership admin" in nobody


def test_role_names_come_from_the_one_table() -> None:
    assert role_noun(Role.LIC_MEMBER) == "LIC group member"
    assert role_noun(Role.AGENCY_LEAD) == "agency safeguarding lead"
    assert with_article("LIC group member") == "an LIC group member"
    assert with_article("admin") == "an admin"
    assert with_article("review chair") == "a review chair"


@given(st.lists(st.text(min_size=1, max_size=8).filter(lambda s: "," not in s), max_size=6))
def test_a_list_reads_as_a_sentence(items: list[str]) -> None:
    said = listed(items)
    if len(items) >= 2:
        assert said.endswith(f" or {items[-1]}")
        assert said.count(", ") == len(items) - 2
    else:
        assert said == "".join(items)


# --- a review not found is never repeated back unless it is a reference ----------------------


@given(st.text(max_size=40))
def test_not_found_repeats_only_a_reference(text: str) -> None:
    message = not_visible(text)
    if parse_reference(text) is None:
        assert message == not_visible("")
    else:
        assert "LOS-" in message


def test_not_found_examples() -> None:
    assert "a review called LOS-2026-004" in not_visible("los 2026 4")
    assert "CHILD V" not in not_visible("child v")
    assert "child v" not in not_visible("child v")
    assert "that review" in not_visible("child v")


def test_a_pseudonym_and_a_reason_are_read_from_a_typed_control() -> None:
    assert split_named("cancel review Child K because it was opened twice", "cancel review") == (
        "Child K",
        "it was opened twice",
    )
    assert split_named("manage LOS-2026-004", "manage") == ("LOS-2026-004", "")
    assert split_named("manage", "manage") == ("", "")


# --- the meeting's day once held ---------------------------------------------------------------


@pytest.mark.parametrize("stage", list(ReviewStage))
def test_a_meeting_is_held_on_the_outcomes_day_once_held(stage: ReviewStage) -> None:
    planned, held = date(2026, 12, 14), date(2026, 11, 26)
    got = meeting_held_on(stage, planned, held)
    if stage in (ReviewStage.ACTIONS_OPEN, ReviewStage.CLOSED):
        assert got == held
        assert meeting_held_on(stage, planned, None) == planned
    else:
        assert got is None


# --- one way to find a review ---------------------------------------------------------------


def test_every_review_command_finds_a_review_by_pseudonym(migrated_sqlite: Database) -> None:
    s = seed(migrated_sqlite)
    run = migrated_sqlite.transaction
    chair, lic, admin = s.member(CHAIR), s.member(LIC), s.member(ADMIN)
    child_m = s.reviews["LOS-2026-002"]
    assert run(lambda uow: review_flow.find_review(uow, chair, "child m")).id == child_m
    assert run(lambda uow: review_flow.find_review(uow, chair, "M")).id == child_m
    assert run(lambda uow: meeting.guide_review(uow, lic, "Child M")).id == child_m
    assert run(lambda uow: retention.held_review(uow, admin, "child m")).id == child_m
    subjects = run(lambda uow: audit_trail.find_subjects(uow, admin, "child m"))
    assert subjects.review_id == child_m
    # Two reviews called Child K: a question naming both, never a guess.
    with pytest.raises(NotFound) as two:
        run(lambda uow: review_flow.find_review(uow, chair, "child k"))
    assert "LOS-2026-001" in two.value.user_message
    assert "LOS-2026-003" in two.value.user_message
    assert two.value.user_message.startswith("More than one review fits")
    # No review called Child Z: every command that finds a review says so, and offers the
    # near names, never "more than one fits".
    finders = (
        lambda uow: review_flow.find_review(uow, chair, "child z"),
        lambda uow: meeting.guide_review(uow, lic, "child z"),
        lambda uow: retention.held_review(uow, admin, "child z"),
        lambda uow: audit_trail.find_subjects(uow, admin, "child z"),
    )
    for finder in finders:
        with pytest.raises(NotFound) as near:
            run(finder)
        told = near.value.user_message
        assert told.startswith("No review you can see is called that. Did you mean"), told
        assert "More than one" not in told
        assert "child z" not in told.lower()
    # Not one the Police manager may see: neither found nor named, nor the name said back.
    police = s.member(POLICE_MANAGER)
    with pytest.raises(NotFound) as hidden:
        run(lambda uow: review_flow.find_review(uow, police, "child m"))
    assert "child m" not in hidden.value.user_message.lower()
    assert "LOS-2026-002" not in hidden.value.user_message
    with pytest.raises(NotFound) as unknown:
        run(lambda uow: review_flow.find_review(uow, police, "Zebedee Quartz"))
    assert "that review" in unknown.value.user_message
    assert "zebedee" not in unknown.value.user_message.lower()


def test_the_board_report_refuses_who_help_does_not_offer_it_to() -> None:
    with pytest.raises(NotPermitted) as refused:
        board_report.board_report(None, None, person(Role.PRACTITIONER), "", date(2026, 6, 15))  # type: ignore[arg-type]
    assert "Only a manager" in refused.value.user_message


def test_the_reviews_list_says_held_on_the_day_the_meeting_was_held() -> None:
    held_on, planned = date(2026, 11, 26), date(2026, 12, 14)
    held = review(stage=ReviewStage.ACTIONS_OPEN, meeting_on=planned)
    waiting = review(id=2, reference="LOS-2026-005", stage=ReviewStage.MEETING, meeting_on=planned)
    card = reviews_card(
        [ReviewProgress(held, 2, 2, 2), ReviewProgress(waiting, 2, 2, 2)],
        can_open=False,
        held={held.id: held_on},
    )
    assert card_problems(card) == []
    meetings = [
        fact["value"]
        for element in card["body"]
        for item in element.get("items", [])
        for fact in item.get("facts", [])
        if fact["title"] == "Meeting"
    ]
    assert meetings == ["Held Thu 26 Nov 2026", "Mon 14 Dec 2026"]


def test_each_manage_button_on_the_reviews_list_names_its_review() -> None:
    """walk13: six identical "Manage" buttons read as one to a screen reader stepping through
    the buttons; each names its review."""
    first = review(stage=ReviewStage.PRE_ANALYSIS)
    second = review(id=2, reference="LOS-2026-005", stage=ReviewStage.PRE_ANALYSIS)
    card = reviews_card(
        [ReviewProgress(first, 2, 0, 0), ReviewProgress(second, 2, 0, 0)],
        can_open=True,
        managed=frozenset({first.id, second.id}),
    )
    assert card_problems(card) == []
    titles = [
        action["title"]
        for element in card["body"]
        for item in element.get("items", [])
        for action in item.get("actions", [])
    ]
    assert titles == [f"Manage {first.reference}", "Manage LOS-2026-005"]


def test_a_misspelt_or_worded_hold_is_never_answered_with_the_review_s_summary() -> None:
    # Walk8: each of these opened LOS-2026-001's summary without a word, as if the hold card
    # had come; a chair trying to place a hold got a card with no hold on it.
    for typed in (
        "legal hlod LOS-2026-001",
        "legal hodl LOS-2026-001",
        "hold LOS-2026-001",
        "place legal hold on LOS-2026-001",
        "lift the hold on LOS-2026-001",
    ):
        assert interpret(typed, NAMES, BARE) is None, typed
        assert offered(typed, *Role)[0] == "legal hold LOS-2026-001", typed
    # A later word misspelt in any command of several words, not only the hold.
    assert interpret("my acions", NAMES, BARE) is None
    # What was read as a summary still is: a bare reference, a question about the review,
    # and a command of several words whose second word is a pseudonym's ("legal child k").
    assert interpret("LOS-2026-001", NAMES, BARE) == Command("summary", "los-2026-001")
    assert interpret("how is LOS-2026-001 doing", NAMES, BARE) == Command("summary", "los-2026-001")
    assert interpret("legal hold LOS-2026-001", NAMES, BARE) == Command(
        "legal hold", "los-2026-001"
    )
