"""Issue 14 end to end in the Agents Playground: the chair steers a review past the states that
used to be dead ends, with the buttons the cards offer.

- A review opened with nobody assigned to its agency: the chair assigns the practitioner later
  from the Manage card, the practitioner completes and submits, the lead approves, and the
  review reaches the meeting outcome.
- Nil returns confirmed by the agency's lead (one from `sign-offs`), a late agency nobody was
  assigned to proceeded without while the review is a draft, an invitation that reached nobody
  said so: the meeting outcome opens.
- The chair cancels a demo review with a reason: it shows as cancelled, and every button the
  cancelled review still offers leads somewhere.

Alex Wilber, the Playground's user, is chair, Demo Police practitioner and Demo Police
safeguarding lead, and covers Demo Primary School as its lead (storage/demo.py). Screenshots
go to test-artifacts/e2e/lifecycle-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator

from storage.demo import DEMO_REFERENCE
from tests.e2e.harness import PLAYGROUND_USER, Chat
from tests.e2e.test_return_journey import (
    AGENCY,
    BANK,
    PSEUDONYM,
    REASON,
    add_a_chronology_entry,
    answer_sections,
    card_text,
    progress,
    review_and_submit,
    sign_off,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SCHOOL = "Demo Primary School"


# --- shared steps ---------------------------------------------------------------------------


def open_review(chat: Chat, agencies: list[str]) -> tuple[str, Locator]:
    """`new review` with `agencies`, Create review: the reference and the assignment card."""
    chat.send("new review")
    card = chat.wait_for_card("Open a Line-of-Sight review")
    chat.fill("Pseudonym (for example Child K)", PSEUDONYM, within=card)
    chat.fill("Reason for review", REASON, within=card)
    chat.fill("Agencies involved", agencies, within=card)
    chat.click_button("Create review", within=card)
    card = chat.wait_for_card("Assign practitioners · LOS-")
    found = re.search(r"Assign practitioners · (LOS-\d{4}-\d{3})", card_text(card))
    assert found, card_text(card)
    return found.group(1), card


def manage_from_reviews(chat: Chat, reference: str, prefix: str) -> Locator:
    """`reviews`, then Manage under the review: its Manage card."""
    chat.send("reviews")
    listing = chat.wait_for_card("Open reviews")
    entry = listing.locator(".ac-container").filter(has_text=f"{reference} · {PSEUDONYM}").last
    chat.click_button(f"Manage {reference}", within=entry)
    # The list's button already says "Manage <reference>": wait for what only the card holds.
    card = chat.wait_for_card("Edit details")
    assert f"Manage {reference}" in card_text(card)
    chat.card_screenshot(f"{prefix}-manage", card)
    return card


def agency_row(chat: Chat, manage: Locator, agency: str) -> dict[str, str]:
    """The facts under one agency on the Manage card."""
    row = manage.locator(".ac-container").filter(has_text=f"Manage {agency}").last
    return chat.facts(row)


def open_agency(chat: Chat, manage: Locator, reference: str, agency: str) -> Locator:
    chat.click_button(f"Manage {agency}", within=manage)
    return chat.wait_for_card(f"{agency} · {reference}")


def show_form(chat: Chat, card: Locator, title: str, field: str) -> Locator:
    """Open the card's `title` show-card; returns the (visible) sub-card holding `field`."""
    chat.click_button(title, within=card)
    form = card.locator(".ac-adaptiveCard").filter(has_text=field).filter(visible=True)
    form.wait_for(state="visible")
    return form


def no_dead_buttons(chat: Chat, card: Locator) -> list[str]:
    """The titles of the card's buttons (for the failure message of a dead end)."""
    titles: list[str] = card.locator(".ac-actionSet button").evaluate_all(
        "(buttons) => buttons.map((b) => b.title || b.innerText)"
    )
    return titles


def outcome_reachable(chat: Chat, via: Locator, reference: str, prefix: str) -> Locator:
    """Meeting pack on the card `via`, then Record the outcome: the meeting outcome opens."""
    chat.click_button("Meeting pack", within=via)
    pack = chat.wait_for_card(f"Meeting pack · {reference}")
    chat.card_screenshot(f"{prefix}-pack", pack)
    chat.click_button("Record the outcome", within=pack)
    outcome = chat.wait_for_card(f"Meeting outcome · {reference}")
    assert "Publish outcome" in no_dead_buttons(chat, outcome), card_text(outcome)
    chat.card_screenshot(f"{prefix}-outcome", outcome)
    return outcome


# --- 1. nobody assigned, assigned later from the Manage card, then finished -----------------


def test_an_unassigned_agency_is_assigned_later_and_the_review_reaches_its_outcome(
    chat: Chat,
) -> None:
    prefix = "lifecycle-assign"
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    # The chair opens the review but leaves the assignment card: nobody is on the return.
    reference, assignment = open_review(chat, [AGENCY])
    assert "Assigned: nobody yet" in card_text(assignment), card_text(assignment)

    manage = manage_from_reviews(chat, reference, prefix)
    row = agency_row(chat, manage, AGENCY)
    assert row["Practitioners"] == "nobody yet", row
    agency = open_agency(chat, manage, reference, AGENCY)
    form = show_form(chat, agency, "Assign or replace", "Practitioners")
    chat.fill("Practitioners", [PLAYGROUND_USER], within=form)
    chat.card_screenshot(f"{prefix}-agency-form", agency)
    messages = chat.bot_messages.count()
    chat.click_button("Assign and invite", within=form)
    agency = chat.wait_for_card("1 invited (1 reached).")
    assert chat.facts(agency)["Practitioners"] == PLAYGROUND_USER, chat.facts(agency)
    chat.card_screenshot(f"{prefix}-assigned", agency)

    invitation = chat.wait_for_card("Start your return")
    assert reference in card_text(invitation), card_text(invitation)
    assert chat.bot_messages.count() == messages + 1, "the invitation is a message of its own"

    chat.click_button("Start your return", within=invitation)
    card = chat.wait_for_card(progress(0))
    card = answer_sections(chat, card, 0, BANK.section_count, prefix)
    card = add_a_chronology_entry(chat, card, prefix)
    review_and_submit(chat, card, reference, prefix)
    notice = sign_off(chat, reference, prefix)
    assert f"Every agency return for {reference} is signed off" in notice, notice

    # The chair's notice leads to the pack, and the pack to the outcome.
    outcome_reachable(chat, chat.card_with(f"{AGENCY} return signed off"), reference, prefix)


# --- 2. nil returns confirmed by the lead, then proceed without a late agency -----------------


def test_a_nil_return_then_proceed_without_an_agency_then_the_outcome(chat: Chat) -> None:
    """Alex chairs, leads Demo Police and covers Demo Primary School as its lead (the demo):
    the school's nil return waits in his sign-offs and he confirms it there; Demo Community
    Health, late and never assigned, is proceeded without while the review is still a draft;
    Demo Police, assigned to someone the bot can't reach, is told so, and then is nil too."""
    prefix = "lifecycle-nil"
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    reference, _ = open_review(chat, [AGENCY, SCHOOL, HEALTH])
    manage = manage_from_reviews(chat, reference, prefix)

    # The school had no involvement: the chair records a nil return; Alex, its lead, finds it
    # in his sign-offs and confirms it from there.
    agency = open_agency(chat, manage, reference, SCHOOL)
    form = show_form(chat, agency, "Nil return", NIL_LABEL)
    chat.fill(NIL_LABEL, SCHOOL_NIL_REASON, within=form)
    chat.card_screenshot(f"{prefix}-nil-form", agency)
    chat.click_button("Ask the lead to confirm", within=form)
    manage = chat.wait_for_card(
        f"Nil return recorded: {SCHOOL}'s safeguarding lead is asked to confirm."
    )
    assert agency_row(chat, manage, SCHOOL)["Status"] == "Nil return, awaiting the agency lead"
    request = chat.wait_for_card(f"Confirm a nil return · {reference}")
    assert chat.facts(request)["Chair's reason"] == SCHOOL_NIL_REASON, chat.facts(request)
    chat.send("sign-offs")
    waiting = chat.wait_for_card("Nil return to confirm")
    assert SCHOOL_NIL_REASON in card_text(waiting), card_text(waiting)
    chat.card_screenshot(f"{prefix}-sign-offs", waiting)
    entry = waiting.locator(".ac-container").filter(has_text=f"{reference} · ").last
    chat.click_button("Confirm nil return", within=entry)
    confirmed = chat.wait_for_card("Nil return confirmed")
    assert f"{SCHOOL} has no return to make for {reference}." in card_text(confirmed)
    assert no_dead_buttons(chat, confirmed) == ["Sign-offs", "What can I do?"]
    chat.card_screenshot(f"{prefix}-nil-confirmed", confirmed)
    told = chat.wait_for_card(f"Nil return · {reference}")
    assert f"{SCHOOL}'s safeguarding lead confirmed the nil return" in card_text(told)

    # Health is late and nobody was ever assigned to it (the review is still a draft): the
    # chair records that the meeting goes ahead without it.
    chat.send(f"manage {reference}")
    manage = chat.wait_for_card(f"{PSEUDONYM} · Draft")
    agency = open_agency(chat, manage, reference, HEALTH)
    form = show_form(chat, agency, "Proceed without", PROCEED_LABEL)
    chat.fill(PROCEED_LABEL, PROCEED_REASON, within=form)
    chat.click_button("Proceed without them", within=form)
    manage = chat.wait_for_card("Recorded: the meeting goes ahead without this agency.")
    health = agency_row(chat, manage, HEALTH)
    assert health["Status"] == "Proceeding without (chair's decision)", health
    assert health["Why"] == PROCEED_REASON, health

    # Police's return goes to its practitioner, whom the Playground can't reach: the chair is
    # told who wasn't reached and what to do, not a green "invited".
    agency = open_agency(chat, manage, reference, AGENCY)
    form = show_form(chat, agency, "Assign or replace", "Practitioners")
    chat.fill("Practitioners", [POLICE_PRACTITIONER], within=form)
    chat.click_button("Assign and invite", within=form)
    agency = chat.wait_for_card(f"1 invited, but I couldn't reach {POLICE_PRACTITIONER}")
    assert "type continue" in card_text(agency), card_text(agency)
    chat.card_screenshot(f"{prefix}-unreached", agency)

    # Police had no involvement after all: Alex, its lead, confirms from the request card.
    form = show_form(chat, agency, "Nil return", NIL_LABEL)
    chat.fill(NIL_LABEL, NIL_REASON, within=form)
    chat.click_button("Ask the lead to confirm", within=form)
    chat.wait_for_card(f"Nil return recorded: {AGENCY}'s safeguarding lead is asked to confirm.")
    request = chat.wait_for_card(f"Confirm a nil return · {reference}")
    assert chat.facts(request)["Chair's reason"] == NIL_REASON, chat.facts(request)
    chat.click_button("Confirm nil return", within=request)
    told = chat.wait_for_card(f"{reference} has moved to analysis.")
    assert f"{AGENCY}'s safeguarding lead confirmed the nil return" in card_text(told)

    chat.send(f"manage {reference}")
    manage = chat.wait_for_card(f"{PSEUDONYM} · Analysis")
    assert (
        agency_row(chat, manage, SCHOOL)["Status"]
        == "Nil return: no involvement (confirmed by its lead)"
    )
    assert (
        agency_row(chat, manage, AGENCY)["Status"]
        == "Nil return: no involvement (confirmed by its lead)"
    )
    chat.card_screenshot(f"{prefix}-proceeded", manage)
    outcome_reachable(chat, manage, reference, prefix)


HEALTH = "Demo Community Health"
POLICE_PRACTITIONER = "Police Practitioner (demo)"
NIL_LABEL = "Why did the agency have no involvement?"
NIL_REASON = "Demo Police checked its records and had no contact with the family."
SCHOOL_NIL_REASON = "The child was not on the school's roll in the period under review."
PROCEED_LABEL = "Why does the meeting go ahead without this agency?"
PROCEED_REASON = "Health's return is late and the meeting date is fixed."


# --- 3. cancel a review ---------------------------------------------------------------------

SIGNOFF_REFERENCE = "LOS-2026-002"  # its Demo Police return waits for Alex's sign-off
CANCEL_LABEL = "Why is the review cancelled?"
CANCEL_REASON = "The family moved out of the area and the review passes to the new partnership."


def test_the_chair_cancels_a_review_and_nothing_it_offers_is_a_dead_end(chat: Chat) -> None:
    prefix = "lifecycle-cancel"
    reference = DEMO_REFERENCE
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    chat.send(f"manage {reference}")
    manage = chat.wait_for_card(f"Manage {reference}")
    form = show_form(chat, manage, "Cancel review", CANCEL_LABEL)
    chat.fill(CANCEL_LABEL, CANCEL_REASON, within=form)
    chat.card_screenshot(f"{prefix}-form", manage)
    chat.click_button("Cancel the review", within=form)
    cancelled = chat.wait_for_card(f"{reference} is cancelled")
    text = card_text(cancelled)
    assert f"Reason: {CANCEL_REASON}" in text, text
    chat.card_screenshot(f"{prefix}-cancelled", cancelled)

    # Its one button, Reviews, works: the cancelled review is not listed as open.
    assert no_dead_buttons(chat, cancelled) == ["Reviews"]
    chat.click_button("Reviews", within=cancelled)
    listing = chat.wait_for_card("Open reviews")
    assert f"{reference} · " not in card_text(listing), card_text(listing)

    # Its Manage card says it is cancelled and why; no agency can be managed any more, and the
    # only controls left are the admin's Reopen and the way back to the reviews.
    chat.send(f"manage {reference}")
    manage = chat.wait_for_card(f"Manage {reference}")
    text = card_text(manage)
    assert "Cancelled" in text, text
    assert chat.facts(manage)["Cancelled because"] == CANCEL_REASON, chat.facts(manage)
    assert no_dead_buttons(chat, manage) == ["Reopen review", "Reviews"], card_text(manage)
    chat.card_screenshot(f"{prefix}-manage", manage)

    # The practitioner's return of a cancelled review is not offered any more; the sign-off
    # still waiting on LOS-2026-002 (cancelled below) is said, with its button.
    chat.send("continue")
    shown = chat.wait_for_any("Section 1 of", "You have no returns to write.")
    assert shown != "Section 1 of", "continue opened a return of a cancelled review"
    assert f"on {SIGNOFF_REFERENCE} is waiting for your sign-off" in card_text(chat.last_card())
    chat.card_screenshot(f"{prefix}-continue", chat.last_card())

    # LOS-2026-002 is cancelled by typing, as the help card shows: its Demo Police return,
    # submitted and waiting for Alex's sign-off, leaves his sign-offs.
    chat.send(f"cancel review {SIGNOFF_REFERENCE} because {CANCEL_REASON}")
    typed = chat.wait_for_card(f"{SIGNOFF_REFERENCE} is cancelled")
    assert f"Reason: {CANCEL_REASON}" in card_text(typed), card_text(typed)
    chat.send("sign-offs")
    waiting = chat.wait_for_card("Returns waiting for your sign-off")
    assert "Nothing is waiting for your sign-off." in card_text(waiting), card_text(waiting)
    chat.card_screenshot(f"{prefix}-sign-offs", waiting)
