"""Issue 14, item 4: commands mean what they say. Text that isn't a command gets the closest
commands, never another command's answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cards.basics import did_you_mean_card, help_card, help_groups
from cards.validation import card_problems
from domain.capabilities import Capability
from domain.commands import Command, interpret, no_argument_commands, suggest
from domain.model import Role

CAPABILITIES = (
    Capability("help", "Help."),
    Capability("continue", "Your return.", example="continue"),
    Capability("sign-offs", "Waiting.", frozenset({Role.AGENCY_LEAD}), "sign-offs"),
    Capability("reviews", "Reviews."),
    Capability("new review", "Open one.", frozenset({Role.CHAIR}), "new review"),
    Capability("summary", "At a glance.", frozenset(Role), "summary LOS-2026-004"),
    Capability("pack", "The pack.", frozenset({Role.CHAIR}), "pack LOS-2026-004"),
    Capability("my actions", "Yours.", example="my actions"),
)
KNOWN = tuple(c.command for c in CAPABILITIES)
BARE = no_argument_commands(CAPABILITIES)


def test_commands_without_arguments_are_known_from_their_examples() -> None:
    assert {"continue", "sign-offs", "new review", "my actions"} == BARE


def test_instructions_that_are_no_command_are_not_understood() -> None:
    for text in ("cancel review LOS-2026-004", "assign LOS-2026-004", "approve LOS-2026-004"):
        assert interpret(text, KNOWN, BARE) is None, text
    assert interpret("sumary LOS-2026-004", KNOWN, BARE) is None, "a typo, not a question"
    assert interpret("summarise LOS-2026-004", KNOWN, BARE) == Command("summary", "los-2026-004")
    # A question naming a review still asks for its summary (issue 6).
    assert interpret("how is LOS-2026-004 doing?", KNOWN, BARE) == Command(
        "summary", "los-2026-004"
    )


def test_a_bare_command_with_an_argument_is_not_understood_but_politeness_is_fine() -> None:
    assert interpret("continue LOS-2026-004", KNOWN, BARE) is None
    assert interpret("continue please", KNOWN, BARE) == Command("continue", "please")
    assert interpret("summary LOS-2026-004", KNOWN, BARE) == Command("summary", "los-2026-004")


def test_typos_get_the_closest_commands_with_the_reference_kept() -> None:
    assert suggest("sumary LOS-2026-4", CAPABILITIES)[0] == "summary LOS-2026-004"
    assert suggest("contnue", CAPABILITIES)[0] == "continue"
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
        "continue",
        "reviews",
        "summary",
        "my actions",
    ]
    assert [c.command for c in groups["As your agency's safeguarding lead"]] == ["sign-offs"]
    assert [c.command for c in groups["As a review chair"]] == ["new review", "pack"]
    assert "As the partnership admin" not in groups


def test_help_and_did_you_mean_cards_are_valid_with_top_action_buttons() -> None:
    roles = frozenset(Role)
    card = help_card(CAPABILITIES, roles)
    assert card_problems(card) == []
    titles = [a["title"] for a in card["actions"]]
    assert titles[:3] == ["Continue my return", "Sign-offs", "New review"]
    assert len(titles) <= 6
    short = did_you_mean_card(("summary LOS-2026-004",), roles)
    assert card_problems(short) == []
    assert "What you can do" not in str(short)
    assert card_problems(did_you_mean_card((), frozenset())) == []
