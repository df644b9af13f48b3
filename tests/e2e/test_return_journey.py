"""A pre-analysis return end to end in the Agents Playground, with only the cards' buttons and
fields: open a review, assign a practitioner, answer the sections, stop halfway, restart the
bot, `continue`, finish, add a chronology entry, submit, sign off.

The Playground's user, Alex Wilber, plays every part: in the demo partnership (loaded by the
`bot` fixture) he is admin, review chair, and both practitioner and safeguarding lead of
Demo Police. `lineofsight demo` also assigns him the Demo Police return of LOS-2026-001.

Screenshots of whole cards go to test-artifacts/e2e/journey-*.png and demo-return-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NoReturn

import pytest
from playwright.sync_api import Locator, Request

from cards.returns import follow_up_label
from domain.questions import Question, QuestionType, Section, default_question_bank, default_themes
from storage.demo import DEMO_REFERENCE
from tests.e2e.harness import PLAYGROUND_USER, BotProcess, Chat, FieldValue

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

BANK = default_question_bank()
AGENCY = "Demo Police"
PSEUDONYM = "Child M"
REASON = "Neglect concerns were held by several agencies but not shared or escalated."
SAVED_AT = 5  # index of the section (the sixth) the practitioner saves as a draft, then stops
EPISODE_DATE = dt.date(2025, 3, 14)
ENTRY: dict[str, FieldValue] = {
    "Date": "2025-03-14",
    "Source of information": "Police command and control log",
    "What happened (brief, factual, non-judgemental)": (
        "Officers attended a report of shouting; the child was not seen and no referral was made."
    ),
    "Missed opportunity": True,
    "If a missed opportunity: why, in a sentence": (
        "Seeing the child would have shown the home conditions a week earlier."
    ),
}


# --- what the practitioner types -----------------------------------------------------------


def answers(section: Section) -> dict[str, FieldValue]:
    """Every question of `section`, by its label on the card (the prompt), with an answer."""
    filled: dict[str, FieldValue] = {}
    for question in section.questions:
        filled[question.prompt] = _answer(question)
        if question.type is QuestionType.YES_NO_FOLLOWUP:
            filled[follow_up_label(question)] = (
                "Discussed in supervision and recorded on the case file."
            )
    return filled


def _answer(question: Question) -> FieldValue:
    match question.type:
        case QuestionType.SHORT_TEXT:
            return "As set out in the terms of reference"
        case QuestionType.LONG_TEXT:
            return "Taken from the police records and checked with the officers involved."
        case QuestionType.DATE:
            return EPISODE_DATE
        case QuestionType.CHOICE:
            return question.choices[0].label
        case QuestionType.MULTI_CHOICE:
            return [c.label for c in question.choices[:2]]
        case QuestionType.THEME_TAGS:
            return [default_themes()[0].label]
        case QuestionType.YES_NO_FOLLOWUP:
            return "Yes"
    raise AssertionError(f"no answer for {question.type}")


def as_shown(value: FieldValue) -> str | bool | list[str]:
    """An answer as the card's input shows it back (the date picker spells the date out)."""
    if isinstance(value, dt.date):
        return f"{value:%B} {value.day}, {value.year}"
    if isinstance(value, str | bool):
        return value
    return list(value)  # type: ignore[arg-type]


def progress(index: int) -> str:
    return f"Section {index + 1} of {BANK.section_count} · {BANK.section(index).title}"


def card_text(card: Locator) -> str:
    return re.sub(r"\s+", " ", card.inner_text()).strip()


# --- the chair opens a review and assigns the practitioner ---------------------------------


def open_a_review(chat: Chat) -> str:
    """`new review`, fill the creation card, Create review: returns the new reference."""
    chat.send("new review")
    card = chat.wait_for_card("Open a Line-of-Sight review")
    chat.fill("Pseudonym (for example Child K)", PSEUDONYM, within=card)
    chat.fill("Reason for review", REASON, within=card)
    chat.fill("Agencies involved", [AGENCY], within=card)  # the default dates are kept
    chat.click_button("Create review", within=card)
    card = chat.wait_for_card("Assign practitioners · LOS-")
    found = re.search(r"Assign practitioners · (LOS-\d{4}-\d{3})", card_text(card))
    assert found, card_text(card)
    assert f"{PSEUDONYM} · returns due" in card_text(card)
    assert "Assigned: nobody yet" in card_text(card)
    return found.group(1)


def assign_myself(chat: Chat, reference: str) -> Locator:
    """Choose the Playground's user under the agency, Assign and invite: returns the
    invitation card that arrives as a new message."""
    card = chat.card_with(f"Assign practitioners · {reference}")
    chat.fill(f"Add practitioners for {AGENCY}", [PLAYGROUND_USER], within=card)
    chat.card_screenshot("journey-01-assignment", card)
    invokes: list[str] = []  # what the Playground sends the bot, for the failure message

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/invoke"):
            invokes.append(request.post_data or "")

    messages = chat.bot_messages.count()
    chat.page.on("request", record)
    try:
        chat.click_button("Assign and invite", within=card)
        outcome = chat.wait_for_any(f"{reference} is open for returns", "Choose practitioners")
    finally:
        chat.page.remove_listener("request", record)
    if outcome != f"{reference} is open for returns":
        refused(chat, reference, invokes)
    done = chat.wait_for_card(f"{reference} is open for returns")
    assert chat.facts(done) == {f"{PLAYGROUND_USER} ({AGENCY})": "Invited"}, chat.facts(done)
    invitation = chat.wait_for_card("Start your return")
    assert reference in card_text(invitation), card_text(invitation)
    assert chat.bot_messages.count() == messages + 1, "the invitation is a message of its own"
    chat.screenshot("journey-02-invitation", of=invitation)
    return invitation


def refused(chat: Chat, reference: str, invokes: list[str]) -> NoReturn:
    """The assignment card came back with an error: the journey cannot go on."""
    card = chat.card_with(f"Assign practitioners · {reference}")
    chat.card_screenshot("journey-01-assignment-refused", card)
    error = re.search(r"Choose practitioners[^.]*\.", card_text(card))
    sent = re.findall(r'"(assignees_\d+)":\s*"([^"]*)"', invokes[-1] if invokes else "")
    if card.locator(".ms-PeoplePicker").count():
        drawn_as = (
            "the Playground's own people picker (the ChoiceSet carries choices.data "
            "Data.Query graph.microsoft.com/users), which offers the Playground's mock "
            "directory instead of the card's choices"
        )
    else:
        drawn_as = "the card's own choices"
    pytest.fail(
        f"Assign and invite refused {PLAYGROUND_USER}: the card says "
        f"{error.group() if error else card_text(card)!r}. 'Add practitioners' is drawn as "
        f"{drawn_as}; choosing {PLAYGROUND_USER} there sent {sent or invokes!r}, which the "
        f"bot does not take as a practitioner. Nobody can be assigned through the cards in "
        f"the Playground, so the journey stops here.",
        pytrace=False,
    )


# --- the practitioner answers the sections ---------------------------------------------------


def fill_section(chat: Chat, card: Locator, index: int) -> None:
    """Fill every field of the section card, reading its progress line first."""
    text = card_text(card)
    assert progress(index) in text, text
    if BANK.section(index).repeatable:
        assert "Episode 1 of up to" in text, text  # one key practice episode is enough
    for label, value in answers(BANK.section(index)).items():
        chat.fill(label, value, within=card)


def next_card(chat: Chat, card: Locator, index: int) -> Locator:
    """Next (on the last section: Next: chronology): the card that replaces this one."""
    last = index == BANK.section_count - 1
    chat.click_button("Next: chronology" if last else "Next", within=card)
    return chat.wait_for_card("Impact chronology · 0 entries" if last else progress(index + 1))


def answer_sections(chat: Chat, card: Locator, first: int, stop: int, prefix: str) -> Locator:
    """Answer sections first..stop-1 with Next; returns the card after the last of them."""
    for index in range(first, stop):
        fill_section(chat, card, index)
        if index in (0, 2):  # the first section and the repeatable one
            chat.card_screenshot(f"{prefix}-section-{index + 1}", card)
        card = next_card(chat, card, index)
    return card


def save_a_draft(
    chat: Chat, card: Locator, index: int, prefix: str, *, listed_with: str | None = None
) -> None:
    """Fill the section, then Save draft: the same section comes back saying Saved, and how
    to come back: `continue`, and which return to choose where it lists several (the
    reference `listed_with` names this one among them)."""
    fill_section(chat, card, index)
    chat.click_button("Save draft", within=card)
    choose = f" and choose the {AGENCY} return on {listed_with}" if listed_with else ""
    chat.wait_for_text(f"Saved. You can close Teams now: type continue{choose} to come back here.")
    card = chat.card_with(progress(index))
    chat.card_screenshot(f"{prefix}-saved-draft", card)


def continue_after_a_restart(
    chat: Chat, bot: BotProcess, reference: str, index: int, *, from_list: bool
) -> Locator:
    """Stop the bot and start it on the same data, type continue: the saved section comes
    back with the saved answers in its fields. With more than one open return, `continue`
    lists them first and the practitioner opens this one."""
    bot.restart()
    chat.send("continue")
    if from_list:
        listing = chat.wait_for_card("Your returns")
        chat.card_screenshot("journey-continue-list", listing)
        chat.click_button(f"Open {reference} ({AGENCY})", within=listing)
    card = chat.wait_for_card(progress(index))
    assert reference in card_text(card), card_text(card)
    for label, value in answers(BANK.section(index)).items():
        assert chat.value(label, within=card) == as_shown(value), label
    return card


# --- chronology, submit, sign-off --------------------------------------------------------


def add_a_chronology_entry(chat: Chat, card: Locator, prefix: str) -> Locator:
    assert "No entries yet." in card_text(card), card_text(card)
    chat.click_button("Add entry", within=card)
    form = chat.wait_for_card("Add a chronology entry")
    for label, value in ENTRY.items():
        chat.fill(label, value, within=form)
    chat.card_screenshot(f"{prefix}-chronology-entry-form", form)
    chat.click_button("Save entry", within=form)
    card = chat.wait_for_card("Impact chronology · 1 entry")
    text = card_text(card)
    assert "Entry added." in text, text
    assert f"14 Mar 2025 · {ENTRY['Source of information']}" in text, text
    assert str(ENTRY["What happened (brief, factual, non-judgemental)"]) in text, text
    assert "Missed opportunity" in text, text
    chat.card_screenshot(f"{prefix}-chronology", card)
    return card


def review_and_submit(chat: Chat, card: Locator, reference: str, prefix: str) -> None:
    chat.click_button("Review and submit", within=card)
    overview = chat.wait_for_card("Submit to agency lead")  # the chronology has "Review and…"
    text = card_text(overview)
    for section in BANK.sections:
        assert f"{section.title} · Complete" in text, (section.title, text)
    assert chat.facts(overview)["Status"] == "In progress"
    chat.card_screenshot(f"{prefix}-overview", overview)
    messages = chat.bot_messages.count()
    chat.click_button("Submit to agency lead", within=overview)
    submitted = chat.wait_for_card("Return submitted")
    assert reference in card_text(submitted)
    # Alex is also the agency's safeguarding lead, and the review's chair: two new messages.
    chat.wait_for_card("Return for sign-off")
    chat.wait_for_card(f"{AGENCY} return submitted")
    assert chat.bot_messages.count() == messages + 2


def sign_off(chat: Chat, reference: str, prefix: str) -> str:
    """Approve on the lead's sign-off card; returns the chair's notice that follows."""
    card = chat.card_with("Return for sign-off")
    assert reference in card_text(card), card_text(card)
    assert chat.facts(card)["Status"] == "Submitted: waiting for sign-off"
    chat.card_screenshot(f"{prefix}-sign-off", card)
    chat.click_button("Approve", within=card)
    signed = chat.wait_for_card("Return signed off")
    assert reference in card_text(signed)
    notice = chat.wait_for_card(f"{AGENCY} return signed off")
    chat.screenshot(f"{prefix}-signed-off", of=notice)
    return card_text(notice)


def review_stage(chat: Chat, reference: str, pseudonym: str, prefix: str) -> dict[str, str]:
    """`reviews`: the facts shown for one review."""
    chat.send("reviews")
    card = chat.wait_for_card("Open reviews")
    chat.card_screenshot(f"{prefix}-reviews", card)
    entry = card.locator(".ac-container").filter(has_text=f"{reference} · {pseudonym}").last
    return chat.facts(entry)


# --- the stories -----------------------------------------------------------------------------


def test_open_assign_complete_across_a_restart_submit_and_sign_off(
    chat: Chat, bot: BotProcess
) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    reference = open_a_review(chat)
    invitation = assign_myself(chat, reference)

    chat.click_button("Start your return", within=invitation)
    card = chat.wait_for_card(progress(0))
    card = answer_sections(chat, card, 0, SAVED_AT, "journey")
    # The demo's LOS-2026-001 return is Alex's too, so `continue` lists both.
    save_a_draft(chat, card, SAVED_AT, "journey", listed_with=reference)
    card = continue_after_a_restart(chat, bot, reference, SAVED_AT, from_list=True)
    card = answer_sections(chat, card, SAVED_AT, BANK.section_count, "journey")

    card = add_a_chronology_entry(chat, card, "journey")
    review_and_submit(chat, card, reference, "journey")
    notice = sign_off(chat, reference, "journey")
    assert f"Every agency return for {reference} is signed off" in notice, notice
    assert "moved to analysis" in notice, notice

    facts = review_stage(chat, reference, PSEUDONYM, "journey")
    assert facts["Stage"].startswith("Analysis"), facts
    assert facts["Returns"] == "1 of 1 submitted, 1 signed off", facts


def test_the_demo_practitioner_finishes_their_return_across_a_restart(
    chat: Chat, bot: BotProcess
) -> None:
    """The practitioner's part alone, on the Demo Police return of LOS-2026-001 that
    `lineofsight demo` assigns to Alex: it does not depend on the assignment card, and starts
    as the demo tells a newcomer to (type continue)."""
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    chat.send("continue")
    card = chat.wait_for_card(progress(0))
    assert f"{DEMO_REFERENCE} · Child K · {AGENCY} return" in card_text(card)
    card = answer_sections(chat, card, 0, SAVED_AT, "demo-return")
    save_a_draft(chat, card, SAVED_AT, "demo-return")
    card = continue_after_a_restart(chat, bot, DEMO_REFERENCE, SAVED_AT, from_list=False)
    card = answer_sections(chat, card, SAVED_AT, BANK.section_count, "demo-return")

    card = add_a_chronology_entry(chat, card, "demo-return")
    review_and_submit(chat, card, DEMO_REFERENCE, "demo-return")
    notice = sign_off(chat, DEMO_REFERENCE, "demo-return")
    assert f"{DEMO_REFERENCE}: 1 of 4 agency returns submitted, 1 signed off" in notice, notice

    facts = review_stage(chat, DEMO_REFERENCE, "Child K", "demo-return")
    assert facts["Stage"].startswith("Pre-analysis"), facts
    assert facts["Returns"] == "1 of 4 submitted, 1 signed off", facts
