"""Issue 17 end to end in the Agents Playground, as far as the product goes today: the chair
publishes an outcome with one action item; its owner's first card arrives with the owner's
moves as buttons; the owner updates progress, then marks it complete with evidence; the LIC
member records the impact and closes it, which closes the review; `my actions` and the summary
agree with each step.

It starts from the demo review LOS-2026-003 "Child S", in analysis with every return signed
off (storage/demo_journeys.py), so no return has to be written first. Alex Wilber, the
Playground's user, is its chair, the item's owner and (with no LIC channel registered) the LIC
member who gets the record-impact card in his own chat.

Not yet walked (issue 17 "Still to do", docs/progress.md): the chair's `escalated` state,
the readers' own moves on escalation copies, and the chair's controls on actions.

Screenshots of whole cards go to test-artifacts/e2e/actions-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator

from domain.calendar import london_today
from domain.summaries import short_date
from storage.demo_journeys import MEETING
from tests.e2e.harness import PLAYGROUND_USER, Chat
from tests.e2e.test_meeting_journey import SMART, friendly
from tests.e2e.test_return_journey import card_text

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REFERENCE = "LOS-2026-003"
PSEUDONYM = "Child S"
ITEM = f"{REFERENCE}/A1"
PROGRESS = "Twelve of the twenty call-outs are audited; the rest are booked for next week."
EVIDENCE = "Audited 20 call-outs in January: the child was seen and spoken to in 19."
IMPACT = {
    "How much did we do?": "20 call-outs audited; 140 officers briefed.",
    "How well did we do it?": "19 of 20 records show the child seen and spoken to (target 18).",
    "Is anyone better off?": "Children's own words now reach the referral in most call-outs.",
    "Evidence (audit, re-audit, survey, data)": "Re-audit report to the LIC group.",
    "LIC minute reference": "LIC 2027/04",
}
OWNER_MOVES = ["Update progress", "Mark complete", "Ask for a new date", "Blocked"]


def buttons(card: Locator) -> list[str]:
    titles: list[str] = card.locator(".ac-actionSet button").evaluate_all(
        "(buttons) => buttons.map((b) => b.title || b.innerText)"
    )
    return titles


def form_in(card: Locator, field: str) -> Locator:
    """The visible show-card form of `card` that holds `field`."""
    form = card.locator(".ac-adaptiveCard").filter(has_text=field).filter(visible=True)
    form.wait_for(state="visible")
    return form


def publish_one_action(chat: Chat) -> Locator:
    """From the demo's ready pack: record the outcome, add one SMART item, publish. Returns
    the owner's first action card, a message of its own."""
    chat.send(f"pack {REFERENCE}")
    pack = chat.wait_for_card(f"Meeting pack · {REFERENCE}")
    chat.click_button("Record the outcome", within=pack)
    outcome = chat.wait_for_card(f"Meeting outcome · {REFERENCE}")
    chat.fill("Agreed key learning themes", [SMART.theme], within=outcome)
    chat.fill(
        "Specific learning needs (one per line)",
        "See and speak to the child at every domestic call-out",
        within=outcome,
    )
    chat.click_button("Save", within=outcome)
    chat.wait_for_card("Outcome saved.")
    outcome = chat.card_with(f"Meeting outcome · {REFERENCE}")
    chat.click_button("Add action item", within=outcome)
    form = chat.wait_for_card("Add an action item")
    assert f"{REFERENCE} · {PSEUDONYM}" in card_text(form), card_text(form)
    chat.fill("What will be done (specific, measurable)", SMART.description, within=form)
    chat.fill("Theme it addresses", SMART.theme, within=form)
    chat.fill("Owner", SMART.owner, within=form)
    chat.fill("Lead agency", SMART.agency, within=form)
    chat.fill("Due date", SMART.due, within=form)
    chat.fill("How will we know it made a difference?", SMART.measure, within=form)
    chat.click_button("Save action item", within=form)
    outcome = chat.wait_for_card("Action 1 saved.")
    chat.click_button("Publish outcome", within=outcome)
    published = chat.wait_for_card(f"Outcome published · {REFERENCE}")
    chat.card_screenshot("actions-01-published", published)
    return chat.wait_for_card(f"Your action · {ITEM}")


def my_actions_row(chat: Chat) -> dict[str, str]:
    chat.send("my actions")
    mine = chat.wait_for_card("My actions")
    return {k: v for k, v in chat.facts(mine).items() if ITEM in k or ITEM in v}


def test_the_owner_updates_and_completes_the_lic_closes_and_the_review_closes(
    chat: Chat,
) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    first = publish_one_action(chat)
    text = card_text(first)
    assert f"{REFERENCE} · {PSEUDONYM}" in text, text
    assert SMART.description in text, text
    facts = chat.facts(first)
    assert facts["Status"] == "open", facts
    assert facts["Due"] == friendly(SMART.due), facts
    # The owner's first card is the full action card: every move the open item allows.
    assert buttons(first)[:4] == OWNER_MOVES, buttons(first)
    chat.card_screenshot("actions-02-first-card", first)

    # Update progress: the form opens under the button; the card comes back with the note.
    chat.click_button("Update progress", within=first)
    form = form_in(first, "What has happened since the last update?")
    chat.fill("What has happened since the last update?", PROGRESS, within=form)
    chat.fill("Your assessment", "On track", within=form)
    chat.click_button("Save update", within=form)
    updated = chat.wait_for_card("Progress recorded. Thank you.")
    facts = chat.facts(updated)
    assert facts["Latest update"] == PROGRESS, facts
    assert facts["Status"] in ("open", "in progress"), facts
    chat.card_screenshot("actions-03-progress", updated)

    # Mark complete with evidence: the LIC member's record-impact card arrives on its own.
    chat.click_button("Mark complete", within=updated)
    form = form_in(updated, "Evidence of completion")
    chat.fill("Evidence of completion", EVIDENCE, within=form)
    messages = chat.bot_messages.count()
    chat.click_button("Mark complete", within=form)
    done = chat.wait_for_card("Marked complete.")
    assert chat.facts(done)["Status"] == "completed", chat.facts(done)
    assert "Mark complete" not in buttons(done), buttons(done)
    chat.card_screenshot("actions-04-completed", done)
    impact = chat.wait_for_card(f"Record impact · {ITEM}")
    assert chat.bot_messages.count() == messages + 1, "the impact card is a message of its own"
    assert chat.facts(impact)["Evidence of completion"] == EVIDENCE, chat.facts(impact)

    # The LIC queue lists it.
    chat.send("awaiting impact")
    queue = chat.wait_for_card("Awaiting impact")
    assert ITEM in card_text(queue), card_text(queue)
    chat.card_screenshot("actions-05-awaiting-impact", queue)

    for label, value in IMPACT.items():
        chat.fill(label, value, within=impact)
    chat.fill("Decision", "Close: impact evidenced", within=impact)
    chat.card_screenshot("actions-06-record-impact", impact)
    chat.click_button("Record impact", within=impact)
    closed = chat.wait_for_card("The item is closed: chasing has stopped.")
    text = card_text(closed)
    assert f"Every action of {REFERENCE} is closed, so the review is closed." in text, text
    chat.card_screenshot("actions-07-closed", closed)
    chat.wait_for_card("The LIC group recorded its impact and closed it. Thank you.")
    chat.wait_for_card(f"Review closed · {ITEM}")

    # Every view tells the same story: off the owner's list, Closed in the summary.
    assert my_actions_row(chat) == {}, "a closed item leaves my actions"
    chat.send(f"summary {REFERENCE}")
    summary = chat.wait_for_card(f"Summary · {REFERENCE}")
    chat.card_screenshot("actions-08-summary", summary)
    facts = chat.facts(summary)
    assert facts["Stage"] == "Closed", facts
    # Held on the day the outcome recorded: the card offers the planned day once it has
    # come, else today (not a planned day still to come).
    held = min(MEETING, london_today())
    assert facts["Meeting"] == f"Held {short_date(held)}", facts
    assert "Blue: 1" in card_text(summary) or "1 blue" in card_text(summary), card_text(summary)
    # A closed review has no controls: its summary offers none that would then be refused.
    assert "Manage review" not in buttons(summary), buttons(summary)
