"""Issue 6 end to end in the Agents Playground: a manager asks in their own words and reads the
summary card, then the partnership dashboard.

The demo partnership (loaded by the `bot` fixture) has a review at every stage; LOS-2026-001
"Child K" is in pre-analysis with four agency returns, two started; Alex Wilber is its manager
(and every other role), and has the Demo Police return.

Screenshots of whole cards go to test-artifacts/e2e/manager-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, expect

from storage.demo import AGENCIES, DEMO_REFERENCE
from tests.e2e.harness import PLAYGROUND_USER, Chat
from tests.e2e.test_return_journey import card_text

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PSEUDONYM = "Child K"
AGENCY_NAMES = [name for _, name, _ in AGENCIES]


def ask(chat: Chat, words: str, answer: str) -> Locator:
    """Type `words`; the card showing `answer` (or the card that came instead, in the failure)."""
    chat.send(words)
    try:
        return chat.wait_for_card(answer)
    except AssertionError:
        got = chat.last_card()
        pytest.fail(
            f"{words!r} did not bring {answer!r}; the bot answered: {card_text(got)!r}",
            pytrace=False,
        )


def check_summary(chat: Chat, card: Locator) -> None:
    text = card_text(card)
    assert f"{PSEUDONYM} · Pre-analysis: agency returns in progress" in text, text
    facts = chat.facts(card)
    assert facts["Stage"] == "Pre-analysis", facts
    assert facts["Open for"].endswith("(since Mon 2 Nov 2026)"), facts
    assert facts["Returns"].startswith("0 of 4 in · "), facts
    assert facts["Meeting"].startswith("Mon 14 Dec 2026"), facts
    # Returns by agency: who has each one and where it is.
    assert "Agency returns" in text, text
    # Every agency has its practitioner (the demo has no dead end); two have started.
    expected = (
        f"Not started · {PLAYGROUND_USER}",
        "In progress · Health Visitor (demo)",
        "In progress · Social Worker (demo)",
        "Not started · School DSL (demo)",
    )
    for name, shown in zip(AGENCY_NAMES, expected, strict=True):
        assert facts[name] == shown, (name, facts)
    assert (
        "Action items No action items yet: they are created when the meeting outcome is "
        "published." in text
    ), text
    assert "7-minute briefing Not started." in text, text
    for button in ("Tracker (Excel)", "Tracker (CSV)", "Summary (Word)", "Refresh", "Dashboard"):
        assert card.get_by_role("button", name=button, exact=True).count() == 1, button


def test_a_manager_asks_in_natural_words_and_reads_the_summary_card(chat: Chat) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)

    # Help leads with the role's buttons; every command is folded under "All commands".
    help_card = ask(chat, "help", "What you can do")
    assert help_card.get_by_role("button", name="Dashboard", exact=True).count() == 1
    chat.click_button("All commands", within=help_card)
    expect(help_card).to_contain_text("summary LOS-")
    text = card_text(help_card)
    assert "dashboard" in text, text
    chat.card_screenshot("manager-01-help", help_card)

    card = ask(chat, "show me the summary for child k", f"Summary · {DEMO_REFERENCE}")
    chat.card_screenshot("manager-02-summary-natural", card)
    check_summary(chat, card)

    # The reference on its own, without the LOS- prefix, asks for the same summary.
    card = ask(chat, DEMO_REFERENCE.removeprefix("LOS-"), f"Summary · {DEMO_REFERENCE}")
    check_summary(chat, card)

    board = ask(chat, "dashboard", "Partnership dashboard")
    chat.card_screenshot("manager-03-dashboard", board)
    text = card_text(board)
    assert "Whole partnership · all time" in text, text
    # The demo has a review at every stage (storage/demo_journeys.py).
    assert "Reviews by stage (6)" in text, text
    assert "Overdue action items (1), oldest first" in text, text
    assert "LOS-2026-004/A3" in text, text
    facts = chat.facts(board)
    assert facts["Pre-analysis"] == "2", facts
    # LOS-2026-005's briefing waits for approval (sent by the demo's deputy chair).
    assert facts["7-minute briefings"] == "0 published, 1 awaiting approval, 0 in draft", facts
    assert facts["Usage returns"] == "0 from teams, 0 staff reached", facts
    assert chat.value("Agency", within=board) == "All agencies"
    assert chat.value("Period", within=board) == "All time"
