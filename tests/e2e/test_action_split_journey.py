"""Issue 17 item 6 end to end in the Agents Playground: the chair splits one action item into two.

From the demo review LOS-2026-003 "Child S" (every return signed off), Alex Wilber, its chair,
publishes one item owned by the demo's police practitioner, opens it from the review's summary
(the summary's lines open the item for its chairs), and splits it: a vague second half is
refused with why and the form keeps what was typed; the corrected split answers with both new
items and a button to each; the new item's card says where it came from; the
split item's own card says where the work went and leads back to the summary, which counts it
apart.

Screenshots of whole cards go to test-artifacts/e2e/split-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator

from domain.actions import BLOCKED_WHY
from tests.e2e.harness import PLAYGROUND_USER, Chat
from tests.e2e.test_action_loop_journey import (
    OWNER_MOVES,
    PSEUDONYM,
    REFERENCE,
    buttons,
    form_in,
    publish_one_action,
)
from tests.e2e.test_meeting_journey import SMART
from tests.e2e.test_return_journey import card_text
from tests.support.controls import CHAIR_CONTROLS as CHAIR_BUTTONS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OWNER = "Police Practitioner (demo)"
A1, A2, A3 = (f"{REFERENCE}/A{n}" for n in (1, 2, 3))
FIRST = "Audit 20 police domestic call-outs where a child lives at the address"
SECOND = "Brief every response officer on seeing and speaking to the child, with a sign-in sheet"
VAGUE = "Raise awareness of the child's voice"
REASON = "The audit and the briefing are done by two different teams"
# The chair's controls, the way back to the review, and the way back to their `my actions`.
CHAIR_CONTROLS = list(CHAIR_BUTTONS)


def fill_split(chat: Chat, form: Locator, second: str) -> None:
    chat.fill("First new item: what will be done", FIRST, within=form)
    chat.fill("First new item: owner", OWNER, within=form)
    chat.fill("Second new item: what will be done", second, within=form)
    chat.fill("Second new item: owner", PLAYGROUND_USER, within=form)
    chat.fill("Why it is split, for the owners and the record", REASON, within=form)


def test_the_chair_splits_an_item_from_the_summary(chat: Chat) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    published = publish_one_action(chat, owner=OWNER)
    assert chat.facts(published)[A1].endswith(OWNER), chat.facts(published)

    # The chair reaches the item from the review's summary: its line opens the item's card.
    chat.send(f"summary {REFERENCE}")
    summary = chat.wait_for_card(f"Summary · {REFERENCE}")
    chat.click_button("Open A1", within=summary)
    card = chat.wait_for_card(f"Action · {A1}")
    assert buttons(card) == CHAIR_CONTROLS, buttons(card)
    assert f"{REFERENCE} · {PSEUDONYM}" in card_text(card), card_text(card)
    chat.card_screenshot("split-01-chair-card", card)

    # The form starts from the item's due date and measure; both halves need their own what.
    chat.click_button("Split in two", within=card)
    form = form_in(card, "First new item: what will be done")
    assert chat.value("Second new item: how we'll know it made a difference", within=form) == (
        SMART.measure
    )
    fill_split(chat, form, VAGUE)
    chat.card_screenshot("split-02-form", card)
    chat.click_button("Split it", within=form)
    refused = chat.wait_for_card("Second new item: 'raise awareness' is hard to measure")
    assert chat.value("First new item: what will be done", within=refused) == FIRST
    assert chat.value("Why it is split, for the owners and the record", within=refused) == REASON
    chat.card_screenshot("split-03-refused-keeps-the-form", refused)

    chat.fill("Second new item: what will be done", SECOND, within=refused)
    chat.click_button("Split it", within=refused)
    done = chat.wait_for_card(f"Split · {A1}")
    text = card_text(done)
    assert f"Split into {A2} ({OWNER}) and {A3} ({PLAYGROUND_USER})" in text, text
    assert buttons(done) == ["Open A2", "Open A3", "Review summary"], buttons(done)
    chat.card_screenshot("split-04-done", done)
    # Alex owns the second half: his full first card arrives as a message of its own.
    mine = chat.wait_for_card(f"Your action · {A3}")
    assert f"The chair split {A1} into two new items; this one is yours." in card_text(mine)
    # The split is the chair's decision, and the new item's card says so, who and when.
    split_from = f"Split from {A1}: {REASON} ({PLAYGROUND_USER}, "
    assert chat.facts(mine)["Decided by the chair"].startswith(split_from), chat.facts(mine)
    assert buttons(mine) == [*OWNER_MOVES, "My actions"], buttons(mine)
    chat.card_screenshot("split-05-new-owner-card", mine)

    chat.click_button("Open A2", within=done)
    second = chat.wait_for_card(f"Action · {A2}")
    assert buttons(second) == CHAIR_CONTROLS, buttons(second)
    assert chat.facts(second)["Decided by the chair"].startswith(split_from)
    chat.card_screenshot("split-06-new-item-for-the-chair", second)

    # The split item itself, opened from the summary again: it says where the work went and
    # leads back to the summary, which counts it apart from the two new items.
    chat.send(f"summary {REFERENCE}")
    chat.click_button("Open A1", within=chat.wait_for_card(f"Summary · {REFERENCE}"))
    ended = chat.wait_for_card(f"Split into {A2} and {A3}: {REASON}")
    assert chat.facts(ended)["Status"] == "Split in two", chat.facts(ended)
    assert buttons(ended) == ["Review summary", "My actions"], buttons(ended)
    chat.card_screenshot("split-07-the-split-item", ended)
    chat.click_button("Review summary", within=ended)
    summary = chat.wait_for_card("1 split in two")
    text = card_text(summary)
    assert "Action items (3):" in text, text
    assert "Impact evidenced (closed): 0 of 2 action items" in text, (
        "the two new items, not the split one"
    )
    chat.card_screenshot("split-08-summary", summary)

    # From an item's card back to the chair's list, without typing `my actions` again: A3 is
    # among Alex's own items, and the demo's blocked item waits for his decision, saying what
    # he can decide on it.
    chat.click_button("My actions", within=second)
    listed = chat.wait_for_card("Your action items (")
    text = card_text(listed)
    assert text.index("Waiting for your decision (") < text.index("Your action items ("), text
    assert A3 in text.split("Your action items (", 1)[1], text
    assert f"{BLOCKED_WHY}." in text, text
    chat.card_screenshot("split-09-back-to-my-actions", listed)
