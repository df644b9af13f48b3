"""Issue 15 in the Agents Playground: a double click on Create review, on Save entry and on the
lead's Approve makes one review, one chronology entry and one sign-off (one effect per click).

Alex Wilber plays chair, practitioner and agency lead, as in test_return_journey, whose
helpers walk the rest of the journey. The counts are read from the bot's own database.

Screenshots of whole cards go to test-artifacts/e2e/double-*.png.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import Locator, Request

from tests.e2e.harness import PLAYGROUND_USER, BotProcess, Chat
from tests.e2e.test_return_journey import (
    AGENCY,
    BANK,
    ENTRY,
    PSEUDONYM,
    REASON,
    answer_sections,
    assign_myself,
    card_text,
    progress,
    review_and_submit,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def double_click(chat: Chat, title: str, within: Locator) -> int:
    """Two clicks in quick succession, as an impatient user makes them: returns how many
    invokes the Playground sent."""
    within.wait_for(state="visible")
    button = within.get_by_role("button", name=title, exact=True)
    assert button.count() == 1, f"no single {title!r} button"
    invokes: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/invoke"):
            invokes.append(request.url)

    chat.page.on("request", record)
    try:
        button.dblclick()
        chat.page.wait_for_timeout(1_500)
    finally:
        chat.page.remove_listener("request", record)
    return len(invokes)


def count(bot: BotProcess, sql: str, *params: object) -> int:
    with closing(sqlite3.connect(bot.data_dir / "lineofsight.db")) as db:
        found = db.execute(sql, params).fetchone()
    return int(found[0])


def test_double_clicks_make_one_of_each(chat: Chat, bot: BotProcess) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    chat.send("new review")
    card = chat.wait_for_card("Open a Line-of-Sight review")
    chat.fill("Pseudonym (for example Child K)", PSEUDONYM, within=card)
    chat.fill("Reason for review", REASON, within=card)
    chat.fill("Agencies involved", [AGENCY], within=card)
    sent = double_click(chat, "Create review", card)
    assert sent == 2, f"the Playground sent {sent} invokes for a double click on Create review"
    card = chat.wait_for_card("Assign practitioners · LOS-")
    reference = card_text(card).split("Assign practitioners · ")[1][:12]
    chat.card_screenshot("double-create", card)
    assert count(bot, "SELECT count(*) FROM review WHERE pseudonym = ?", PSEUDONYM) == 1

    invitation = assign_myself(chat, reference)
    chat.click_button("Start your return", within=invitation)
    card = chat.wait_for_card(progress(0))
    card = answer_sections(chat, card, 0, BANK.section_count, "double")
    chat.click_button("Add entry", within=card)
    form = chat.wait_for_card("Add a chronology entry")
    for label, value in ENTRY.items():
        chat.fill(label, value, within=form)
    sent = double_click(chat, "Save entry", form)
    assert sent == 2, f"the Playground sent {sent} invokes for a double click on Save entry"
    card = chat.wait_for_card("Impact chronology · 1 entry")
    chat.card_screenshot("double-entry", card)
    entries = (
        "SELECT count(*) FROM chronology_entry JOIN pre_analysis_return r ON r.id = return_id "
        "JOIN review ON review.id = r.review_id WHERE review.reference = ?"
    )
    assert count(bot, entries, reference) == 1

    review_and_submit(chat, card, reference, "double")
    signoff = chat.card_with("Return for sign-off")
    assert reference in card_text(signoff)
    sent = double_click(chat, "Approve", signoff)
    assert sent == 2, f"the Playground sent {sent} invokes for a double click on Approve"
    chat.wait_for_card(f"Every agency return for {reference} is signed off")
    signed = (
        "SELECT count(*) FROM audit_event WHERE action = 'return.signed_off' AND record_id IN "
        "(SELECT CAST(r.id AS TEXT) FROM pre_analysis_return r JOIN review ON "
        "review.id = r.review_id WHERE review.reference = ?)"
    )
    assert count(bot, signed, reference) == 1
    notices = chat.bot_messages.filter(has_text=f"Every agency return for {reference}")
    assert notices.count() == 1, "the chair is told once"
