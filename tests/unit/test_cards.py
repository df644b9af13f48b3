"""Every card builder emits valid Adaptive Card 1.5 within the Teams size limit."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from adaptive_cards import types as ty

from cards import basics, reviews, verbs
from cards.common import build, button, card_nodes, notice_lines, paragraph, tinted
from cards.validation import TEAMS_CARD_LIMIT_BYTES, MeasuredCard, card_problems, card_size
from domain.capabilities import Capability
from domain.model import Role
from domain.returns import IDENTIFIER_HELD
from domain.reviews import mentioned_reference

ALL_ROLES = frozenset(Role)

CARDS: dict[str, dict[str, Any]] = {
    "welcome": basics.welcome_card("Sam Practitioner", ALL_ROLES),
    "welcome, no roles": basics.welcome_card("Sam", frozenset()),
    "help": basics.help_card(
        [Capability("help", "Show this", example="help"), Capability("x", "y")], ALL_ROLES
    ),
    "help, no roles": basics.help_card([], frozenset()),
    "profile": basics.profile_card("Sam", "Demo Police", ALL_ROLES, "Partnership", True),
    "profile, unreachable": basics.profile_card("Sam", None, frozenset(), "P", False),
    "error": basics.error_card("That didn't work", "Because."),
    "error about a review": basics.error_card("That didn't work", "Because.", review_id=7),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid_for_teams(name: str) -> None:
    assert card_problems(CARDS[name]) == []


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_has_no_python_enum_names(name: str) -> None:
    # to_dict() leaks enum members that serialise as "Spacing.NONE"; Teams rejects those.
    text = json.dumps(CARDS[name])
    for leaked in ("Spacing.", "FontSize.", "FontWeight.", "ActionStyle.", "ActionMode."):
        assert leaked not in text


def test_buttons_carry_their_verb_and_a_submit_fallback() -> None:
    action = build([paragraph("x")], [button("Help", verbs.HELP, {"a": 1})])["actions"][0]
    assert action["type"] == "Action.Execute"
    assert action["verb"] == verbs.HELP
    assert action["data"] == {"a": 1, "verb": verbs.HELP}
    assert action["fallback"]["type"] == "Action.Submit"
    assert action["fallback"]["data"] == action["data"]


def test_every_verb_on_every_card_is_in_the_verb_table() -> None:
    # Every button, wherever it is: the card's foot, an ActionSet (help's buttons by role)
    # or a ShowCard (help's folded reference).
    for card in CARDS.values():
        executes = [n for n in card_nodes(card) if n.get("type") == "Action.Execute"]
        assert executes or not card.get("actions")
        for action in executes:
            assert action["verb"] in verbs.ALL


def test_validator_rejects_schema_errors_and_oversize_cards() -> None:
    assert card_problems(
        {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]}
    )
    huge = build([paragraph("x" * (TEAMS_CARD_LIMIT_BYTES + 10))])
    assert any("bytes" in problem for problem in card_problems(huge))
    assert card_problems({**build([paragraph("x")]), "version": "1.6"})


def test_a_measured_card_keeps_the_json_it_was_measured_as() -> None:
    card = build([paragraph("Child K · café · “quoted”")], [button("Next", verbs.HELP)])
    measured = MeasuredCard(card)
    assert measured == card
    assert json.loads(measured.json) == card
    assert measured.size == card_size(card) == len(measured.json.encode("utf-8"))
    for change in (
        lambda: measured.__setitem__("version", "1.6"),
        lambda: measured.pop("body"),
        lambda: measured.update({"body": []}),
        lambda: measured.setdefault("speak", "x"),
        lambda: measured.clear(),
    ):
        with pytest.raises(TypeError):
            change()
    copied = copy.deepcopy(measured)
    assert isinstance(copied, MeasuredCard)
    assert copied.json == measured.json


def test_help_rows_from_templates_are_what_the_builders_make_and_never_shared() -> None:
    capabilities = [Capability("summary", "A review's summary", example="summary LOS-2026-001")]
    first = basics.help_card(capabilities, ALL_ROLES)
    expected = copy.deepcopy(first)
    [folded] = first["actions"]  # the reference, folded under "All commands"
    row = next(e for e in folded["card"]["body"] if e.get("type") == "Container")
    assert row["items"][0]["text"] == "summary"
    assert row["items"][2]["text"] == "For example: summary LOS-2026-001"
    row["items"].clear()
    [buttons] = [e for e in first["body"] if e.get("type") == "ActionSet"]
    buttons["actions"][0]["data"]["verb"] = "changed"
    assert basics.help_card(capabilities, ALL_ROLES) == expected


@pytest.mark.parametrize(
    ("notice", "colour"),
    [
        # Good news is bold in the default colour: Teams' `good` green is faint on white.
        ("Saved. You can close Teams now: type continue to come back here.", None),
        (IDENTIFIER_HELD, "attention"),
        (
            "Overdue: this return was due Mon 23 Nov 2026. Please finish it as soon as you can.",
            "attention",
        ),
        ("Nil return recorded, but I couldn't reach a safeguarding lead.", "attention"),
    ],
)
def test_a_notice_about_lateness_or_a_possible_identifier_is_not_shown_as_good_news(
    notice: str, colour: str | None
) -> None:
    [line] = notice_lines([notice])
    shown = line.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert shown.get("color") == colour
    assert shown.get("weight") == ("bolder" if colour is None else None), "good news is bold"


@pytest.mark.parametrize("colour", ["good", "Warning"])
def test_the_validator_refuses_text_too_faint_to_read_on_white(colour: str) -> None:
    card = build([paragraph("Entry added.")])
    card["body"][0]["color"] = colour
    assert any("faint" in problem for problem in card_problems(card)), card_problems(card)
    amber = build([tinted("Amber", ty.ContainerStyle.WARNING)])
    assert card_problems(amber) == [], "a tinted background is not faint text"


def test_an_invitation_that_reached_nobody_names_them_as_a_warning() -> None:
    notice = reviews.invited_notice(1, ["School DSL (demo)"])
    assert "I couldn't reach School DSL (demo)" in notice
    assert "type continue" in notice
    [line] = notice_lines([notice])
    assert line.model_dump(by_alias=True, exclude_none=True, mode="json")["color"] == "attention"
    [line] = notice_lines([reviews.invited_notice(2, [])])
    shown = line.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert (shown["text"], shown.get("color"), shown["weight"]) == (
        "2 invited (2 reached).",
        None,
        "bolder",
    )
    assert "Nobody new" in reviews.invited_notice(0, [])


def test_an_error_about_a_review_offers_its_summary_before_help() -> None:
    titles = [(a["title"], a["data"]) for a in CARDS["error about a review"]["actions"]]
    assert titles == [
        ("Review summary", {"review_id": 7, "verb": verbs.SUMMARY}),
        ("What can I do?", {"verb": verbs.HELP}),
    ]
    assert [a["title"] for a in CARDS["error"]["actions"]] == ["What can I do?"]


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("pack LOS-2026-001", (2026, 1)),
        ("export los 2026 4 csv", (2026, 4)),
        ("outcome LOS/2027/012 please", (2027, 12)),
        ("pack 2026-001", None),  # no prefix: a date or a period could read so
        ("dashboard 2026-12-01", None),
        ("pack", None),
        ("closed LOS-2026-0015", (2026, 15)),
        ("closed LOS-2026-00155", None),  # five digits is no sequence number
    ],
)
def test_a_review_is_found_in_a_message_only_where_its_reference_is_written_out(
    text: str, reference: tuple[int, int] | None
) -> None:
    assert mentioned_reference(text) == reference


def test_help_leads_with_what_this_person_can_do_and_folds_the_reference() -> None:
    """walk10: help was long, its buttons at the foot. Now the role's buttons come straight
    under the header and every command is folded under "All commands"."""
    capabilities = [
        Capability("summary", "A review's summary", example="summary LOS-2026-001"),
        Capability("dashboard", "The dashboard", roles=frozenset({Role.MANAGER})),
    ]
    card = basics.help_card(capabilities, frozenset({Role.MANAGER}))
    assert [e["type"] for e in card["body"]][3] == "ActionSet", "buttons right under the header"
    titles = [a["title"] for a in card["body"][3]["actions"]]
    assert titles == ["Dashboard", "My profile"]
    [folded] = card["actions"]
    assert folded["type"] == "Action.ShowCard"
    assert folded["title"] == basics.ALL_COMMANDS
    listed = json.dumps(folded["card"])
    assert "summary LOS-2026-001" in listed
    assert "dashboard" in listed
    assert "summary LOS-2026-001" not in json.dumps(card["body"]), "the reference is folded"
    assert card_problems(card) == []
    lead = basics.help_card(capabilities, frozenset({Role.AGENCY_LEAD, Role.PRACTITIONER}))
    assert [a["title"] for a in lead["body"][3]["actions"]] == [
        "Continue my return",
        "Sign-offs",
        "My profile",
    ]
