"""Issue 5 end to end in the Agents Playground: a chaser arrives, the owner marks the item
complete from it, an LIC member records the impact, and the chasers stop.

Time moves through the bot's test hooks (LOS_TEST_HOOKS=1, local mode only): POST /_test/clock
sets the bot's clock and POST /_test/sweep runs one chaser sweep, so nothing sleeps. The
background sweep (every minute) is switched off (RUN_SCHEDULER=false) so that every chaser
comes from a sweep this test asked for.

Alex Wilber plays every part: chair, the action's owner, and (with no LIC channel registered)
the LIC member who gets the record-impact card in his own chat. The review is set up as in
test_meeting_journey: Demo Police alone, the return signed off, one SMART action published.

Screenshots of whole cards go to test-artifacts/e2e/chaser-*.png.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import cast

import pytest
from playwright.sync_api import Locator

from domain.chasers import ChaserPolicy
from tests.e2e.conftest import BotOptions
from tests.e2e.harness import PLAYGROUND_USER, BotProcess, Chat
from tests.e2e.test_meeting_journey import SMART, meet, signed_off_review
from tests.e2e.test_return_journey import PSEUDONYM, card_text

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

POLICY = ChaserPolicy()  # the partnership's policy: nobody has saved another one
REMINDER = "Reminder: Your action"
EVIDENCE = "Audited 20 call-outs in January: the child was seen and spoken to in 19."
IMPACT = {
    "How much did we do?": "20 call-outs audited; 140 officers briefed.",
    "How well did we do it?": "19 of 20 records show the child seen and spoken to (target 18).",
    "Is anyone better off?": "Children's own words now reach the referral in most call-outs.",
    "Evidence (audit, re-audit, survey, data)": "Re-audit report to the LIC group.",
    "LIC minute reference": "LIC 2027/04",
}


@pytest.fixture
def bot_options() -> BotOptions:
    return BotOptions(env={"LOS_TEST_HOOKS": "1", "RUN_SCHEDULER": "false"})


def first_reminder_at(due: dt.date) -> dt.datetime:
    """When the policy's first chaser for an item due on `due` goes: the start of the working
    day `reminder_days_before` working days before it (UTC)."""
    calendar = POLICY.calendar
    due_day = calendar.next_working_day(due)
    return POLICY.start_of(calendar.add_working_days(due_day, -POLICY.reminder_days_before))


def next_chase_at(bot: BotProcess, reference: str) -> dt.datetime | None:
    """The item's stored next chase time, read (read-only) from the bot's SQLite database."""
    database = bot.data_dir / "lineofsight.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT next_chase_at FROM action_item WHERE reference = ?", (reference,)
        ).fetchone()
    assert row is not None, f"no action item {reference} in {database}"
    if row[0] is None:
        return None
    moment = dt.datetime.fromisoformat(row[0])
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def day_text(day: dt.date, relative_to: dt.date) -> str:
    """A day as chasers write it (domain.chasers._day_text): the year only when it differs."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == relative_to.year else f"{text} {day.year}"


def reminders(chat: Chat, item: str = "") -> int:
    """How many messages show a chaser card now (about `item`, when given)."""
    shown = f"{REMINDER} · {item}" if item else REMINDER
    return chat.bot_messages.filter(has_text=shown).count()


def sweep_at(bot: BotProcess, moment: dt.datetime) -> dict[str, object]:
    now = bot.set_clock(moment)
    assert abs(now - moment) < dt.timedelta(seconds=5), (now, moment)
    return bot.sweep()


def mark_complete_from(chat: Chat, chaser: Locator, item: str) -> Locator:
    """Open "Mark complete" on the chaser, give the evidence, Mark complete: returns the new
    record-impact card (the LIC member's, in this chat)."""
    chat.click_button("Mark complete", within=chaser)
    form = chaser.locator(".ac-adaptiveCard").filter(has_text="Evidence of completion")
    form = form.filter(visible=True)
    chat.fill("Evidence of completion", EVIDENCE, within=form)
    chat.card_screenshot("chaser-02-mark-complete", chaser)
    messages = chat.bot_messages.count()
    chat.click_button("Mark complete", within=form)
    done = chat.wait_for_card("Marked complete.")
    text = card_text(done)
    assert f"Your action · {item}" in text, text
    assert REMINDER not in text, "the answered chaser becomes the action card"
    assert chat.facts(done)["Status"] == "Completed", chat.facts(done)
    impact = chat.wait_for_card(f"Record impact · {item}")
    assert chat.bot_messages.count() == messages + 1, "the impact card is a message of its own"
    chat.card_screenshot("chaser-03-marked-complete", done)
    return impact


def record_impact(chat: Chat, impact: Locator, item: str, reference: str) -> None:
    text = card_text(impact)
    assert f"completed by {PLAYGROUND_USER}" in text, text
    assert chat.facts(impact)["Evidence of completion"] == EVIDENCE, chat.facts(impact)
    for label, value in IMPACT.items():
        chat.fill(label, value, within=impact)
    chat.fill("Decision", "Close: impact evidenced", within=impact)
    chat.card_screenshot("chaser-04-record-impact", impact)
    chat.click_button("Record impact", within=impact)
    done = chat.wait_for_card("The item is closed: chasing has stopped.")
    text = card_text(done)
    assert f"Impact recorded · {item}" in text, text
    assert f"Every action of {reference} is closed, so the review is closed." in text, text
    chat.card_screenshot("chaser-05-impact-recorded", done)
    # The owner hears the LIC's decision; the chair hears the review has closed.
    owner = chat.wait_for_card("The LIC group recorded its impact and closed it. Thank you.")
    assert f"Impact recorded · {item}" in card_text(owner), card_text(owner)
    notice = chat.wait_for_card(f"The last to close was {item}.")
    assert f"Review closed · {reference}" in card_text(notice), card_text(notice)


def test_a_chaser_arrives_the_owner_completes_the_lic_records_impact_and_chasing_stops(
    chat: Chat, bot: BotProcess
) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    reference = signed_off_review(chat, "chaser-setup")
    meet(chat, reference, "chaser-setup", [SMART])
    item = f"{reference}/A1"

    # The first chaser is planned for the start of the working day 5 working days before due.
    planned = first_reminder_at(SMART.due)
    assert next_chase_at(bot, item) == planned, (next_chase_at(bot, item), planned)

    # An hour before it, a sweep sends nothing.
    assert sweep_at(bot, planned - dt.timedelta(hours=1)) == {"claimed": 0, "outcomes": {}}
    chat.page.wait_for_timeout(1500)
    assert reminders(chat) == 0, chat.transcript()

    # An hour after it, the sweep sends the reminder and it arrives in the chat, once. The
    # demo's own records are chased as anyone's (planned when it was loaded), so the same
    # sweep sends theirs too: what this journey proves is about its own item.
    sent = sweep_at(bot, planned + dt.timedelta(hours=1))
    assert cast(dict[str, int], sent["outcomes"]).get("sent", 0) >= 1, sent
    chaser = chat.wait_for_card(f"{REMINDER} · {item}", new=False, timeout=30)
    assert reminders(chat, item) == 1, "the chaser is one message"
    chat.card_screenshot("chaser-01-reminder", chaser)
    text = card_text(chaser)
    assert f"{reference} · {PSEUDONYM}" in text, text
    due_day = POLICY.calendar.next_working_day(SMART.due)
    headline = f"Due {day_text(due_day, planned.date())}: 5 working days to go."
    assert headline in text, text
    assert "This is the first reminder about this action." in text, text
    assert chat.facts(chaser)["Status"] == "Open", chat.facts(chaser)
    sweep_at(bot, planned + dt.timedelta(hours=2))
    chat.page.wait_for_timeout(1500)
    assert reminders(chat, item) == 1, "never sent twice"
    following = next_chase_at(bot, item)
    assert following is not None, "its next chaser is planned"
    assert following > planned + dt.timedelta(hours=2), following

    impact = mark_complete_from(chat, chaser, item)
    record_impact(chat, impact, item, reference)
    assert next_chase_at(bot, item) is None, "nothing more is planned for a closed item"

    # Months later, past the due date, a sweep sends nothing about it (the demo's open
    # records are still chased). (Its answered chaser became its action card, above.)
    chasers = reminders(chat, item)
    sweep_at(bot, planned + dt.timedelta(days=90))
    chat.page.wait_for_timeout(2000)
    assert reminders(chat, item) == chasers, chat.transcript()
    assert next_chase_at(bot, item) is None, "still nothing planned for the closed item"

    chat.send("my actions")
    mine = chat.wait_for_card("Most urgent first")  # not the buttons titled "My actions"
    # Closed, it is off Alex's list (the demo gives him other items, at other stages).
    assert item not in card_text(mine), card_text(mine)
    chat.card_screenshot("chaser-06-my-actions", mine)
