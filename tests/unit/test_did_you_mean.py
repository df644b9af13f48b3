"""Issue 14, item 4: commands mean what they say. Text that isn't a command gets the closest
commands, never another command's answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.handlers import register_all
from bot.router import Router
from cards.basics import did_you_mean_card, help_card, help_groups
from cards.validation import card_problems
from domain.capabilities import ArgumentKind
from domain.commands import Command, interpret, no_argument_commands, suggest
from domain.model import Role

# The commands as the bot registers them (bot/handlers), not a model of them: `continue` takes
# an optional review (`Capability.argument_optional`), so it is no bare command.
CAPABILITIES = tuple(register_all(Router()).capabilities)
KNOWN = tuple(c.command for c in CAPABILITIES)
BARE = no_argument_commands(CAPABILITIES)


def test_commands_without_arguments_are_known_from_their_examples() -> None:
    assert {
        "agencies",
        "awaiting impact",
        "members",
        "my actions",
        "new review",
        "retention",
        "sign-offs",
    } == BARE
    continuing = next(c for c in CAPABILITIES if c.command == "continue")
    assert continuing.argument_optional
    assert continuing.argument_kind is ArgumentKind.REVIEW
    assert "continue" not in BARE


def test_instructions_that_are_no_command_are_not_understood() -> None:
    for text in (
        "approve LOS-2026-004",
        "reject LOS-2026-004",
        "submit LOS-2026-004",
        "close LOS-2026-004",
    ):
        assert interpret(text, KNOWN, BARE) is None, text
    # The instructions that are commands are read as themselves, never as a summary.
    assert interpret("cancel review LOS-2026-004", KNOWN, BARE) == Command(
        "cancel review", "los-2026-004"
    )
    assert interpret("assign LOS-2026-004", KNOWN, BARE) == Command("assign", "los-2026-004")
    assert interpret("sumary LOS-2026-004", KNOWN, BARE) is None, "a typo, not a question"
    assert interpret("summarise LOS-2026-004", KNOWN, BARE) == Command("summary", "los-2026-004")
    # A question naming a review still asks for its summary (issue 6).
    assert interpret("how is LOS-2026-004 doing?", KNOWN, BARE) == Command(
        "summary", "los-2026-004"
    )


def test_a_bare_command_with_an_argument_is_not_understood_but_politeness_is_fine() -> None:
    for text in ("sign-offs LOS-2026-004", "my actions LOS-2026-004", "new review LOS-2026-004"):
        assert interpret(text, KNOWN, BARE) is None, text
    assert interpret("sign-offs please", KNOWN, BARE) == Command("sign-offs", "please")
    assert interpret("summary LOS-2026-004", KNOWN, BARE) == Command("summary", "los-2026-004")


def test_continue_is_understood_alone_politely_or_with_a_review() -> None:
    assert interpret("continue", KNOWN, BARE) == Command("continue", "")
    assert interpret("continue please", KNOWN, BARE) == Command("continue", "please")
    assert interpret("continue LOS-2026-004", KNOWN, BARE) == Command("continue", "los-2026-004")
    assert interpret("continue Child K", KNOWN, BARE) == Command("continue", "child k")


def test_typos_get_the_closest_commands_with_the_reference_kept() -> None:
    assert suggest("sumary LOS-2026-4", CAPABILITIES)[0] == "summary LOS-2026-004"
    assert suggest("contnue", CAPABILITIES)[0] == "continue"
    # continue's review is optional: kept when typed, left out when not.
    assert suggest("contnue LOS-2026-4", CAPABILITIES)[0] == "continue LOS-2026-004"
    assert suggest("contnue Child K", CAPABILITIES)[0] == "continue Child K"
    assert suggest("sign offs", CAPABILITIES)[0] == "sign-offs"
    assert suggest("approve LOS-2026-004", CAPABILITIES)[0] == "sign-offs"
    assert suggest("revews", CAPABILITIES)[0] == "reviews"
    assert suggest("pak 2026-004", CAPABILITIES)[0] == "pack LOS-2026-004"
    assert suggest("what is the weather", CAPABILITIES) == ()


@given(st.text(max_size=80))
def test_suggestions_are_few_and_only_commands_offered(text: str) -> None:
    found = suggest(text, CAPABILITIES)
    assert len(found) <= 3
    assert all(any(s == c or s.startswith(c + " ") for c in KNOWN) for s in found)


def test_help_groups_commands_by_the_members_roles() -> None:
    groups = dict(help_groups(CAPABILITIES, frozenset({Role.CHAIR, Role.AGENCY_LEAD})))
    assert [c.command for c in groups["For everyone"]] == [
        "help",
        "my profile",
        "reviews",
        "continue",
        "guide",
        "my actions",
        "summary",
        "dashboard",
        "overdue",
        "export",
    ]
    assert [c.command for c in groups["As your agency's safeguarding lead"]] == [
        "sign-offs",
        "report",
    ]
    assert [c.command for c in groups["As a review chair"]] == [
        "new review",
        "manage",
        "assign",
        "cancel review",
        "pack",
        "outcome",
    ]
    assert "As the partnership admin" not in groups


def test_help_and_did_you_mean_cards_are_valid_with_top_action_buttons() -> None:
    roles = frozenset(Role)
    card = help_card(CAPABILITIES, roles)
    assert card_problems(card) == []
    # The role's buttons, straight under the header (walk10: they were at the foot).
    [buttons] = [e for e in card["body"] if e.get("type") == "ActionSet"]
    titles = [a["title"] for a in buttons["actions"]]
    assert titles[:3] == ["Continue my return", "Sign-offs", "New review"]
    assert len(titles) <= 6
    assert [a["title"] for a in card["actions"]] == ["All commands"]
    short = did_you_mean_card(("summary LOS-2026-004",), roles)
    assert card_problems(short) == []
    assert "What you can do" not in str(short)
    assert card_problems(did_you_mean_card((), frozenset())) == []
