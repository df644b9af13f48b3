"""A web address typed into a chronology entry, in the Agents Playground: the entry reads as
typed with no link, and "Copy web addresses" gives the address exactly as typed to copy
(cards/copyable.py). The new user's report: a pasted policy link could not be copied."""

from __future__ import annotations

import pytest
from playwright.sync_api import Request

from tests.e2e.harness import PLAYGROUND_USER, Chat

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

POLICY = "https://example.org/policy/threshold-guidance"
EVENT = f"Thresholds were read against {POLICY} and **not** escalated [see](https://example.org/x)."


def test_a_typed_address_is_shown_inert_and_copied_exactly(chat: Chat) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=60)
    chat.send("continue")  # the demo's Demo Police return of LOS-2026-001 is Alex's
    section = chat.wait_for_card("Section 1 of")
    chat.fill("Go to", "Impact chronology", within=section)
    chat.click_button("Save and open", within=section)
    card = chat.wait_for_card("Impact chronology · 0 entries")
    chat.click_button("Add entry", within=card)
    form = chat.wait_for_card("Add a chronology entry")
    chat.fill("Date", "2025-03-14", within=form)
    chat.fill("Source of information", "Police command and control log", within=form)
    chat.fill("What happened (brief, factual, non-judgemental)", EVENT, within=form)
    chat.click_button("Save entry", within=form)
    card = chat.wait_for_card("Impact chronology · 1 entry")

    entry = card.locator(".ac-textBlock", has_text="Thresholds were read").last
    shown = entry.inner_text()
    assert POLICY not in shown, "the entry must not carry a linkable address"
    assert "\u2217\u2217not\u2217\u2217" in shown, "typed Markdown shows as typed, not bold"
    assert card.locator("a[href]").count() == 0, "typed text made a live link"

    sent: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.post_data:
            sent.append(request.post_data)

    chat.page.on("request", record)
    chat.click_button("Copy web addresses", within=card)
    box = card.get_by_label("Web address 1", exact=True)
    assert box.input_value() == POLICY
    assert card.get_by_label("Web address 2", exact=True).input_value() == "https://example.org/x"
    box.click()
    chat.page.keyboard.press("Control+A")
    selected = chat.page.evaluate(
        "(() => { const e = document.activeElement;"
        " return e.value.substring(e.selectionStart, e.selectionEnd); })()"
    )
    assert selected == POLICY, "what a person selects in the box is the address as typed"
    chat.card_screenshot("copy-address-open", card)
    assert sent == [], "opening the boxes sends nothing"

    chat.click_button("Add entry", within=card)
    chat.wait_for_card("Add a chronology entry")
    assert sent, "Add entry was sent"
    assert not any("copy_address" in body for body in sent), "a card button sent the boxes"
