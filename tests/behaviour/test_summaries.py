"""Issue 6 over HTTP: managers ask in commands and in natural words; "did you mean" buttons;
the dashboard's filters; the overdue list; exports to files; and who sees what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.app import SERVICES
from cards import verbs
from storage import tables as t
from tests.support.core import CoreBot
from tests.support.journey import click, person, saved_file, say
from tests.support.partnership import (
    ADMIN,
    CHAIR,
    HEALTH_MANAGER,
    NOBODY,
    PAT,
    POLICE_MANAGER,
    TODAY,
    Seeded,
    seed,
)

CARD = "application/vnd.microsoft.card.adaptive"


class Manager:
    """Managers talking to the bot through the one driver (tests/support/journey.py)."""

    def __init__(self, bot: CoreBot, seeded: Seeded) -> None:
        self.bot = bot
        self.seeded = seeded

    async def ask(self, text: str, aad: str = ADMIN) -> str:
        """Type a message; the JSON of the cards (and texts) the bot answered with."""
        result = await say(self.bot, person(aad, "Practitioner B"), text)
        assert result.status == 201
        assert result.cards, f"no card for {text!r}"
        return json.dumps([*result.cards, *result.texts], ensure_ascii=False)

    async def click(self, verb: str, data: dict[str, Any], aad: str = ADMIN) -> dict[str, Any]:
        result = await click(self.bot, person(aad, "Practitioner B"), verb, data)
        assert result.status == 200
        return dict(result.body)

    def last_card(self) -> dict[str, Any]:
        return self.bot.connector.cards()[-1]


@pytest.fixture
def manager(bot: CoreBot) -> Manager:
    seeded = seed(bot.db)
    # Move the bot's clock to the known partnership's "today".
    object.__setattr__(bot.app[SERVICES], "today", lambda: TODAY)
    return Manager(bot, seeded)


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8-sig")


def saved_path(manager: Manager, text: str) -> str:
    return str(saved_file(manager.bot, text))


async def test_natural_words_get_the_summary(manager: Manager) -> None:
    card = await manager.ask("Show me the summary for LOS-2026-001", POLICE_MANAGER)
    assert "Summary · LOS-2026-001" in card
    assert "Drafted the audit tool" in card
    assert "Red" in card
    assert "Blue" in card
    assert "Impact evidenced (closed): 1 of 5 action items" in card
    assert "2 usage returns, 25 staff reached" in card
    assert "106 working days" in card
    assert "summary.viewed" in manager.bot.audit_actions()
    card = await manager.ask("how is 2026-2 doing?", HEALTH_MANAGER)
    assert "Summary · LOS-2026-002" in card
    card = await manager.ask("summary for baby l", POLICE_MANAGER)
    assert "Summary · LOS-2025-007" in card


async def test_an_ambiguous_name_offers_did_you_mean_buttons(manager: Manager) -> None:
    card = await manager.ask("summary for child k")
    # Two reviews are called Child K: asked which, not told none is called that.
    assert "Which one?" in card
    assert "More than one review fits “child k”: which one?" in card
    assert "Did you mean" not in card
    buttons = next(e for e in manager.last_card()["body"] if e["type"] == "ActionSet")["actions"]
    assert [b["title"] for b in buttons] == ["LOS-2026-003 · Child K", "LOS-2026-001 · Child K"]
    reply = await manager.click(buttons[1]["verb"], buttons[1]["data"])
    assert reply["type"] == CARD
    assert "Summary · LOS-2026-001" in json.dumps(reply["value"], ensure_ascii=False)


@pytest.fixture
def any_manager(any_bot: CoreBot) -> Manager:
    """`manager` on SQLite, then on PostgreSQL."""
    seeded = seed(any_bot.db)
    object.__setattr__(any_bot.app[SERVICES], "today", lambda: TODAY)
    return Manager(any_bot, seeded)


def _choices(card: dict[str, Any]) -> list[dict[str, Any]]:
    return list(next(e for e in card["body"] if e["type"] == "ActionSet")["actions"])


async def test_a_name_no_review_has_is_a_near_miss_not_an_ambiguity(
    any_manager: Manager,
) -> None:
    """`summary Child Z` (walk7): no review the admin can see is called Child Z (another
    partnership's is), so the card says so and offers the near names; it is no "more than
    one fits". Two called Child K is that question. Commands that take a review without
    buttons (audit, manage) answer the same two ways."""
    m = any_manager
    near = await m.ask("summary Child Z")
    assert "Did you mean …?" in near
    assert "No review you can see is called that. Did you mean one of these?" in near
    assert "More than one" not in near
    assert "child z" not in near.lower(), "a name that names no review is not said back"
    offered = _choices(m.last_card())
    assert offered
    assert all(b["title"].startswith("LOS-") for b in offered)
    assert "Another Partnership" not in near
    reply = await m.click(offered[0]["verb"], offered[0]["data"])
    assert reply["type"] == CARD
    assert "Summary · " in json.dumps(reply["value"], ensure_ascii=False)
    several = await m.ask("summary child k")
    assert "More than one review fits “child k”: which one?" in several
    assert "Did you mean" not in several
    assert "No review" not in several
    assert [b["title"] for b in _choices(m.last_card())] == [
        "LOS-2026-003 · Child K",
        "LOS-2026-001 · Child K",
    ]
    # Typed commands that take a review: the same distinction, in words.
    told = await m.ask("audit child z")
    assert "No review you can see is called that. Did you mean LOS-" in told
    assert "More than one" not in told
    told = await m.ask("audit child k")
    assert "More than one review fits “child k”: LOS-2026-003 (Child K) or LOS-2026-001" in told
    told = await m.ask("manage child z", CHAIR)
    assert "No review you can see is called that. Did you mean LOS-" in told
    # An agency filter: several police agencies would be a question; a misspelling is a miss.
    # An agency's name is said back (an organisation's, never a child's), and the way on
    # when none is meant is the same view for all agencies, not the reviews list.
    told = await m.ask("dashboard helth")
    assert "No agency is called “helth”. Did you mean one of these?" in told
    [fallback] = m.last_card()["actions"]
    assert (fallback["title"], fallback["data"]["verb"]) == ("All agencies", verbs.DASHBOARD)
    reply = await m.click(fallback["data"]["verb"], fallback["data"])
    assert reply["type"] == CARD
    assert "List reviews" not in told
    told = await m.ask("overdue helth")
    assert "No agency is called “helth”. Did you mean one of these?" in told
    assert m.last_card()["actions"][0]["data"]["verb"] == verbs.OVERDUE


async def test_a_misspelt_command_with_a_pseudonym_is_offered_with_it(manager: Manager) -> None:
    card = await manager.ask("sumary Baby L", POLICE_MANAGER)
    assert "Did you mean" in card
    buttons = next(e for e in manager.last_card()["body"] if e["type"] == "ActionSet")["actions"]
    assert buttons[0]["title"] == "summary Baby L"
    reply = await manager.click(buttons[0]["verb"], buttons[0]["data"], POLICE_MANAGER)
    assert reply["type"] == CARD
    assert "Summary · LOS-2025-007" in json.dumps(reply["value"], ensure_ascii=False)
    card = await manager.ask("overdeu police", POLICE_MANAGER)
    buttons = next(e for e in manager.last_card()["body"] if e["type"] == "ActionSet")["actions"]
    assert buttons[0]["title"] == "overdue police"


async def test_a_manager_cannot_see_another_agencys_review(manager: Manager) -> None:
    refused = await manager.ask("summary LOS-2026-002", POLICE_MANAGER)
    missing = await manager.ask("summary LOS-2026-099", POLICE_MANAGER)
    assert "can't find a review called LOS-2026-002" in refused
    assert refused.replace("002", "099") == missing
    assert "Child M" not in refused
    reply = await manager.click(
        verbs.SUMMARY, {"review_id": manager.seeded.reviews["LOS-2026-002"]}, POLICE_MANAGER
    )
    assert reply["type"] != CARD
    assert "Child M" not in json.dumps(reply)
    before = manager.bot.count(t.ExportFile)
    refused = await manager.ask("export LOS-2026-002", POLICE_MANAGER)
    assert "can't find a review called LOS-2026-002" in refused
    reply = await manager.click(
        verbs.EXPORT,
        {"review_id": manager.seeded.reviews["LOS-2026-002"], "format": "xlsx"},
        POLICE_MANAGER,
    )
    assert reply["type"] != CARD
    assert manager.bot.count(t.ExportFile) == before, "no file is made"


async def test_overdue_in_natural_words(manager: Manager) -> None:
    card = await manager.ask("What's overdue for Police?")
    assert "Overdue action items (1)" in card
    assert "LOS-2026-001/A1" in card
    assert "chased 3 times" in card
    card = await manager.ask("what's overdue?")
    assert "Overdue action items (2)" in card
    assert card.index("LOS-2026-001/A1") < card.index("LOS-2026-002/A2"), "oldest first"
    card = await manager.ask("overdue", PAT)
    assert "Your own action items" in card
    assert "LOS-2026-002" not in card


async def test_the_dashboard_and_its_filters(manager: Manager) -> None:
    card = await manager.ask("dashboard")
    assert "Partnership dashboard" in card
    assert "Reviews by stage (4)" in card
    assert "Demo Police" in card
    assert "Overdue action items (2), oldest first" in card
    assert "Neglect" in card
    assert "1 published" in card
    choices = {
        e["id"]: e for col in manager.last_card()["body"][3]["columns"] for e in col["items"]
    }
    assert {"agency", "period"} <= set(choices)
    health = manager.seeded.agencies["Demo Health"]
    card = await manager.ask("show me the dashboard for health in 2026 Q2")
    assert "Demo Health · 2026 Q2" in card
    reply = await manager.click(verbs.DASHBOARD, {"agency": str(health), "period": "2026-Q2"})
    assert reply["type"] == CARD
    value = json.dumps(reply["value"], ensure_ascii=False)
    assert "Demo Health · 2026 Q2" in value
    assert "Reviews by stage (1)" in value
    card = await manager.ask("dashboard demo")
    # Every agency is a Demo one: which of them, not a near miss.
    assert "More than one agency fits “demo”: which one?" in card
    assert "Did you mean" not in card
    card = await manager.ask("dashboard fire brigade")
    assert "don't know an agency or period" in card
    assert "dashboard.viewed" in manager.bot.audit_actions()


async def test_exports_obey_the_rules_and_land_on_disk(manager: Manager) -> None:
    card = await manager.ask("export LOS-2026-001")
    book = load_workbook(saved_path(manager, card))
    assert book["Tracker"].max_row == 6
    assert len(book["Charts"]._charts) == 2
    card = await manager.ask("can I have the tracker for 2026-001 as csv", PAT)
    text = read(saved_path(manager, card))
    assert "LOS-2026-001/A1" in text
    assert "LOS-2026-001/A2" not in text, "a practitioner exports only their own items"
    card = await manager.ask("export the summary for LOS-2026-001 as a word document")
    document = Document(saved_path(manager, card))
    assert "Review summary · LOS-2026-001" in "\n".join(p.text for p in document.paragraphs)
    assert len(document.inline_shapes) == 2
    card = await manager.ask("export everything")
    book = load_workbook(saved_path(manager, card))
    assert book["Tracker"].max_row == 9
    data = {"agency": str(manager.seeded.agencies["Demo Health"]), "format": "csv"}
    clicked = await click(manager.bot, person(ADMIN, "Practitioner B"), verbs.EXPORT, data)
    assert clicked.body["type"] != CARD, "the dashboard card it came from stays"
    path = saved_path(manager, json.dumps(clicked.sent, ensure_ascii=False))
    rows = read(path).splitlines()
    assert len(rows) == 5, "Health leads four items"
    actions = manager.bot.audit_actions()
    assert actions.count("export.created") == 5
    assert "summary.exported" in actions


async def test_unknown_questions_and_people_without_roles(manager: Manager) -> None:
    result = await say(manager.bot, person(ADMIN, "Practitioner B"), "what is the weather like?")
    assert len(result.cards) == 1, "one reply: the card"
    assert result.texts == [], "no plain sentence before the card"
    card = json.dumps(result.cards, ensure_ascii=False)
    assert "That isn't a command I know" in card
    card = await manager.ask("dashboard", NOBODY)
    assert "Only" in card
    assert "Demo Police" not in card


def _agency_choices(card: Any) -> list[dict[str, Any]]:
    if isinstance(card, dict):
        data = card.get("data")
        here = [data] if isinstance(data, dict) and "agency" in data else []
        return here + [c for value in card.values() for c in _agency_choices(value)]
    if isinstance(card, list):
        return [c for value in card for c in _agency_choices(value)]
    return []


@pytest.mark.parametrize("command", ["dashboard", "overdue"])
async def test_an_agency_s_did_you_mean_keeps_the_period_typed_beside_it(
    manager: Manager, command: str
) -> None:
    """review12a: "overdue helth 2026-Q3" asked which agency was meant, and each choice led
    to the whole list: the period typed was dropped without a word. Each choice carries it,
    as a review's choices do."""
    told = await manager.ask(f"{command} helth 2026-Q3")
    assert "Did you mean one of these?" in told
    choices = _agency_choices(manager.last_card())
    assert choices, told
    assert all(choice.get("period") == "2026-Q3" for choice in choices), choices
    [every_agency] = manager.last_card()["actions"]
    assert every_agency["data"].get("period") == "2026-Q3", "and so does All agencies"
    reply = await manager.click(choices[0]["verb"], choices[0])
    assert reply["type"] == CARD
    assert "2026" in json.dumps(reply["value"], ensure_ascii=False)


async def test_an_agency_misspelt_beside_a_review_is_asked_about_and_keeps_the_review(
    manager: Manager,
) -> None:
    """review12a: "overdue LOS-2026-001 helth 2026-Q1" said "helth" named no agency and listed
    the review's every item; without a review the same words asked which agency was meant.
    Now both ask, and each choice (and All agencies) keeps the review and the period."""
    told = await manager.ask("overdue LOS-2026-001 helth 2026-Q1")
    assert "No agency is called “helth”. Did you mean one of these?" in told
    assert "names no agency" not in told
    choices = _agency_choices(manager.last_card())
    review = manager.seeded.reviews["LOS-2026-001"]
    assert choices, told
    assert all(c.get("review_id") == review for c in choices), choices
    assert all(c.get("period") == "2026-Q1" for c in choices), choices
    [every_agency] = manager.last_card()["actions"]
    assert every_agency["data"].get("review_id") == review
    health = next(c for c in choices if c["agency"] == str(manager.seeded.agencies["Demo Health"]))
    reply = await manager.click(health["verb"], health)
    shown = json.dumps(reply["value"], ensure_ascii=False)
    assert "LOS-2026-001 · Child K" in shown
    assert "LOS-2026-002" not in shown, "the review chosen, not every review"


@pytest.mark.parametrize(
    "typed",
    ["police overdue", "hi, do we have anything overdue for police?", "Police: overdue items"],
)
async def test_words_before_overdue_are_read_too(manager: Manager, typed: str) -> None:
    """review12a: words typed before `overdue` were dropped unsaid ("police overdue" listed
    every agency's items as if it were the police's)."""
    card = await manager.ask(typed)
    assert "Overdue action items (1)" in card
    assert "LOS-2026-001/A1" in card
    assert "LOS-2026-002/A2" not in card


async def test_a_period_typed_before_overdue_and_a_review_is_read(manager: Manager) -> None:
    card = await manager.ask("2026 q3 overdue for LOS-2026-001")
    assert "items agreed in 2026 Q3" in card


async def test_a_note_typed_to_the_bot_is_said_not_kept_not_answered_with_a_summary(
    manager: Manager,
) -> None:
    """walk13 H1: a note naming a review got that review's Summary card and nothing else, so
    the person believed it added. It is said not to be kept, with where notes belong; a
    child's details in it are named by kind and never said back."""
    card = await manager.ask("note for LOS-2026-002: mum says the child is scared", HEALTH_MANAGER)
    assert "I haven't kept that message" in card
    assert "Nothing typed in this chat is saved to a review." in card
    assert "Summary ·" not in card
    assert "scared" not in card, "what was typed is not repeated"
    assert "Teams keeps what you type" not in card, "no details, no warning"
    ways = _choices(manager.last_card())
    assert ways[0]["title"] == "Open LOS-2026-002"
    reply = await manager.click(ways[0]["verb"], ways[0]["data"], HEALTH_MANAGER)
    assert "Summary · LOS-2026-002" in json.dumps(reply["value"], ensure_ascii=False)
    viewed = manager.bot.audit_actions().count("summary.viewed")
    card = await manager.ask("add to LOS-2026-002 NHS 943 476 5919 and HU1 2AB", HEALTH_MANAGER)
    assert "I haven't kept that message" in card
    assert "It looks as if it holds an NHS number and a postcode." in card
    assert "Teams keeps what you type in this chat in its history" in card
    assert "943" not in card
    assert "HU1" not in card
    assert manager.bot.audit_actions().count("summary.viewed") == viewed, "no summary shown"


async def test_a_question_by_pseudonym_is_asked_as_by_reference(manager: Manager) -> None:
    """walk13 M9: the welcome says to use the pseudonym; "how is child m doing" is answered
    as "how is LOS-2026-002 doing" is, and two called Child K are asked about."""
    card = await manager.ask("how is child m doing?", HEALTH_MANAGER)
    assert "Summary · LOS-2026-002" in card
    card = await manager.ask("how's child k getting on")
    assert "More than one review fits “child k”: which one?" in card
