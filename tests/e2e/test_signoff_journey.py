"""Issue 14 end to end in the Agents Playground, reading what the cards show: the agency lead
types `sign-offs`, opens the sign-off card, reads the full return, and approves from there.

The demo (loaded by the `bot` fixture) has LOS-2026-002 "Child R" with its Demo Police return
submitted and waiting for Alex Wilber, the Playground's user, who is Demo Police's lead.

Screenshots of whole cards go to test-artifacts/e2e/signoff-*.png.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import PLAYGROUND_USER, Chat
from tests.e2e.test_return_journey import card_text

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REFERENCE = "LOS-2026-002"


def test_a_lead_reads_the_full_return_then_approves_from_there(chat: Chat) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    chat.send("sign-offs")
    waiting = chat.wait_for_card("Returns waiting for your sign-off")
    assert REFERENCE in card_text(waiting), card_text(waiting)
    chat.card_screenshot("signoff-list", waiting)
    chat.click_button("Open the sign-off card", within=waiting)

    signoff = chat.wait_for_card("Return for sign-off")
    assert REFERENCE in card_text(signoff)
    chat.click_button("Read the full return", within=signoff)

    section = chat.wait_for_card("Section 1 of 11")
    text = card_text(section)
    assert REFERENCE in text, text
    chat.card_screenshot("signoff-full-return", section)
    chat.click_button("Approve", within=section)

    signed = chat.wait_for_card("Return signed off")
    assert REFERENCE in card_text(signed)
    chat.screenshot("signoff-approved", of=signed)
