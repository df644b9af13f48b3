"""The bot in the Agents Playground, as a user sees it: welcome, help, profile, bad input."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import PLAYGROUND_USER, Chat

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_help_then_my_profile_then_an_unknown_phrase(chat: Chat) -> None:
    welcome = chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    for title in ("What can I do?", "My profile"):
        expect(welcome.get_by_role("button", name=title, exact=True)).to_be_visible()

    chat.send("help")
    help_card = chat.wait_for_card("What you can do")
    chat.click_button("My profile", within=help_card)

    # Action.Execute: the profile card replaces the help card in place.
    profile = chat.wait_for_card("Your profile")
    facts = chat.facts(profile)
    assert list(facts) == ["Name", "Agency", "Roles", "Reminders"]
    assert facts["Name"] == PLAYGROUND_USER
    assert "Partnership admin" in facts["Roles"], facts
    expect(chat.cards).to_have_count(2)  # the welcome and the profile: nothing was added
    expect(chat.cards.filter(has_text="What you can do")).to_have_count(0)
    chat.screenshot("help-and-profile", of=profile)

    before = chat.bot_messages.count()
    chat.send("what's the weather")
    chat.wait_for_card("That isn't a command I know")
    expect(chat.bot_messages).to_have_count(before + 1)  # one reply: the card, no sentence
